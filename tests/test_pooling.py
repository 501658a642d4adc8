"""The pooling layers against PyTorch's (forward and gradients, float32, ties included), their
attributes and reprs, their errors, a compiled training step and a save/load round trip.
(The op registry's entries in op_registry_pooling.py check the functions one by one.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stir
import stir.nn.functional as F
from stir import nn, optim

torch = pytest.importorskip("torch")

TOLERANCE = dict(rtol=1e-3, atol=1e-5)


def compare(ours: Any, theirs: Any, x: np.ndarray, outputs: int = 1) -> None:
    """Same outputs (and indices) and the same input gradient for a random cotangent."""
    mine = stir.tensor(x, requires_grad=True)
    reference = torch.tensor(x, requires_grad=True)
    out, expected = ours(mine), theirs(reference)
    if outputs == 2:
        assert np.array_equal(out[1].numpy(), expected[1].numpy())
        out, expected = out[0], expected[0]
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), **TOLERANCE)
    cotangent = np.random.default_rng(1).standard_normal(tuple(expected.shape))
    out.backward(stir.tensor(cotangent.astype(np.float32)))
    expected.backward(torch.tensor(cotangent.astype(np.float32)))
    np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), **TOLERANCE)


def inputs(shape: tuple[int, ...]) -> list[np.ndarray]:
    """Random values, and the tied kinds: few distinct values, all equal, all -inf."""
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    return [x, np.round(x), np.zeros(shape, np.float32), np.full(shape, -np.inf, np.float32)]


MAX_LAYERS = [
    dict(kernel_size=2), dict(kernel_size=3, stride=1), dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=(2, 1)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, return_indices=True),
    dict(kernel_size=2, stride=1, dilation=2, padding=1, return_indices=True),
]


@pytest.mark.parametrize("arguments", MAX_LAYERS, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 5, 5)], ids=str)
def test_max_pool2d_matches_pytorch_with_ties(arguments: dict, shape: tuple) -> None:
    ours, theirs = nn.MaxPool2d(**arguments), torch.nn.MaxPool2d(**arguments)
    assert repr(ours) == repr(theirs)
    for x in inputs(shape):
        if np.isinf(x).all() and not arguments.get("return_indices"):
            continue  # (the values are all -inf; the indices are what is compared)
        compare(ours, theirs, x, 2 if arguments.get("return_indices") else 1)


@settings(max_examples=150, deadline=None)
@given(kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       values=st.lists(st.sampled_from([-np.inf, -1.0, 0.0, 1.0, 2.0, np.nan]), min_size=4,
                       max_size=4),
       seed=st.integers(0, 2 ** 16), transposed=st.booleans(), double=st.booleans())
def test_tiling_windows_pick_as_pytorch(kernel: tuple, size: tuple, values: list, seed: int,
                                        transposed: bool, double: bool) -> None:
    """Windows that tile the input (stride = kernel, the usual pooling), on inputs drawn
    from a few values (ties, -inf, NaN), of sizes the kernel may not divide, in float32 and
    float64, contiguous or a transposed view (a convolution's output may be one): values,
    indices and gradients are PyTorch's."""
    if kernel[0] > size[0] or kernel[1] > size[1]:
        return
    dtype = np.float64 if double else np.float32
    x = np.random.default_rng(seed).choice(np.array(values), (3, 2) + size).astype(dtype)
    if transposed:
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    mine, reference = stir.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, picks = F.max_pool2d(mine, kernel, return_indices=True)
    expected, indices = torch.nn.functional.max_pool2d(reference, kernel, return_indices=True)
    assert np.array_equal(picks.numpy(), indices.numpy())
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    pooled, expected_pooled = F.max_pool2d(mine, kernel), torch.nn.functional.max_pool2d(
        reference, kernel)
    np.testing.assert_array_equal(pooled.detach().numpy(), expected_pooled.detach().numpy())
    cotangent = np.arange(1.0, 1.0 + expected_pooled.numel()).reshape(expected_pooled.shape)
    pooled.backward(stir.tensor(cotangent.astype(dtype)))
    expected_pooled.backward(torch.tensor(cotangent.astype(dtype)))
    np.testing.assert_array_equal(mine.grad.numpy(), reference.grad.numpy())


@pytest.mark.parametrize("arguments", [
    dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=2, ceil_mode=True, return_indices=True),
    dict(kernel_size=2, dilation=3, padding=1, return_indices=True),
], ids=str)
def test_max_pool1d_matches_pytorch_with_ties(arguments: dict) -> None:
    ours, theirs = nn.MaxPool1d(**arguments), torch.nn.MaxPool1d(**arguments)
    assert repr(ours) == repr(theirs)
    for shape in [(2, 3, 9), (3, 8)]:
        for x in inputs(shape)[:3]:
            compare(ours, theirs, x, 2 if arguments.get("return_indices") else 1)


def test_nan_is_picked_as_pytorch_picks_it() -> None:
    x = np.array([[[1.0, np.nan, 3.0, np.nan], [2.0, 0.0, np.nan, 1.0]]], np.float32)
    ours = F.max_pool2d(stir.tensor(x), 2, return_indices=True)
    theirs = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    assert np.array_equal(ours[1].numpy(), theirs[1].numpy())
    assert np.isnan(ours[0].numpy()).all()


@pytest.mark.parametrize("arguments", [
    dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=1, padding=1, count_include_pad=False),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=2, divisor_override=5), dict(kernel_size=2, stride=3,
                                                                  ceil_mode=True),
], ids=str)
def test_avg_pool_matches_pytorch(arguments: dict) -> None:
    ours, theirs = nn.AvgPool2d(**arguments), torch.nn.AvgPool2d(**arguments)
    assert repr(ours) == repr(theirs)
    for shape in [(2, 3, 7, 6), (3, 5, 5), (1, 1, 4, 4)]:
        x = inputs(shape)[0]
        compare(ours, theirs, x)
        if isinstance(arguments["kernel_size"], int):
            one = {k: v for k, v in arguments.items() if k != "divisor_override"}
            ours1, theirs1 = nn.AvgPool1d(**one), torch.nn.AvgPool1d(**one)
            assert repr(ours1) == repr(theirs1)
            compare(ours1, theirs1, x[0])


@pytest.mark.parametrize("size", [1, 2, 3, (2, None), (None, 4), (5, 1), (7, 6), 8], ids=str)
def test_adaptive_avg_pool_matches_pytorch(size: Any) -> None:
    ours, theirs = nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size)
    assert repr(ours) == repr(theirs)
    for shape in [(2, 3, 7, 6), (3, 5, 5)]:
        x = inputs(shape)[0]
        compare(ours, theirs, x)
        if not isinstance(size, tuple):
            compare(nn.AdaptiveAvgPool1d(size), torch.nn.AdaptiveAvgPool1d(size), x[0])


@pytest.mark.parametrize("size", [1, 3, (2, None), (5, 1), (7, 6)], ids=str)
def test_adaptive_max_pool_matches_pytorch_with_ties(size: Any) -> None:
    for shape in [(2, 3, 7, 6), (3, 5, 5)]:
        for x in inputs(shape)[:3]:
            compare(lambda t: F.adaptive_max_pool2d(t, size, return_indices=True),
                    lambda t: torch.nn.functional.adaptive_max_pool2d(t, size, True), x, 2)
            if not isinstance(size, tuple):
                compare(lambda t: F.adaptive_max_pool1d(t, size, return_indices=True),
                        lambda t: torch.nn.functional.adaptive_max_pool1d(t, size, True),
                        x[0], 2)


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool2d(3, stride=1, padding=1, dilation=1, return_indices=True),
    lambda m: m.MaxPool1d((2,), None, 1, 2, False, True),
    lambda m: m.AvgPool2d((2, 3), None, (1, 1), True, False, 3),
    lambda m: m.AvgPool1d(3, 2, 1, True, False),
    lambda m: m.AdaptiveAvgPool2d((None, 3)), lambda m: m.AdaptiveAvgPool1d(4),
], ids=["max2d", "max1d", "avg2d", "avg1d", "adaptive2d", "adaptive1d"])
def test_attributes_are_pytorchs(make: Any) -> None:
    ours, theirs = make(nn), make(torch.nn)
    names = [name for name in vars(theirs) if not name.startswith("_") and name != "training"]
    assert {name: getattr(ours, name) for name in names} == {
        name: getattr(theirs, name) for name in names}
    assert repr(ours) == repr(theirs) and ours.parameter_count() == 0


LAYER = "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.MaxPool2d(2)(stir.zeros(5, 5)), ValueError,
     f"{LAYER}: expected input of shape (N, C, H, W) or (C, H, W), got (5, 5)"),
    (lambda: nn.MaxPool2d(2)(stir.zeros(2, 0, 4, 4)), ValueError,
     f"{LAYER}: expected input of shape (N, C, H, W) or (C, H, W) with C and H, W non-zero"),
    (lambda: nn.MaxPool1d(2)(stir.zeros(5)), ValueError,
     "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False): expected "
     "input of shape (N, C, L) or (C, L), got (5,)"),
    (lambda: nn.MaxPool2d(6)(stir.zeros(1, 2, 5, 5)), ValueError,
     "kernel size (6, 6) is larger than the padded input (5, 5) (output size (0, 0) is too small)"),
    (lambda: F.max_pool2d(stir.zeros(1, 2, 5, 5), 2, dilation=5), ValueError,
     "max_pool2d: kernel size (6, 6) is larger than the padded input (5, 5)"),
    (lambda: F.avg_pool1d(stir.zeros(2, 3, 5), 6), ValueError,
     "avg_pool1d: kernel size 6 is larger than the padded input 5"),
    (lambda: nn.MaxPool2d(2, stride=0), ValueError,
     "MaxPool2d: stride must be greater than zero, got (0, 0)"),
    (lambda: F.avg_pool2d(stir.zeros(1, 4, 4), 2, stride=(1, 0)), ValueError,
     "avg_pool2d: stride must be greater than zero, got (1, 0)"),
    (lambda: F.max_pool2d(stir.zeros(1, 4, 4), 0), ValueError,
     "max_pool2d: kernel_size must be greater than zero, got (0, 0)"),
    (lambda: nn.MaxPool2d(3, padding=2), ValueError,
     "MaxPool2d: padding (2, 2) should be at most half of the kernel size (3, 3)"),
    (lambda: nn.AvgPool2d(2, padding=-1), ValueError,
     "AvgPool2d: padding must be non-negative, got (-1, -1)"),
    (lambda: F.max_pool2d(stir.zeros(1, 4, 4), (2, 2, 2)), ValueError,
     "max_pool2d: kernel_size must be a single int or a tuple of 2 ints, got (2, 2, 2)"),
    (lambda: F.max_pool2d(stir.zeros(1, 4, 4), 2.0), TypeError,
     "max_pool2d: kernel_size must be an int or a tuple of ints, got 2.0"),
    (lambda: F.avg_pool2d(stir.zeros(1, 4, 4), 2, divisor_override=0), ValueError,
     "avg_pool2d: divisor_override must not be zero"),
    (lambda: F.avg_pool2d(stir.zeros(1, 4, 4, dtype=stir.int64), 2), TypeError,
     "avg_pool2d: expected a floating-point input, got int64"),
    (lambda: nn.AdaptiveAvgPool2d((2,)), ValueError,
     "AdaptiveAvgPool2d: output_size must be an int or a tuple of 2, got (2,)"),
    (lambda: F.adaptive_avg_pool2d(stir.zeros(1, 4, 4), -1), ValueError,
     "adaptive_avg_pool2d: output_size must be non-negative, got -1"),
    (lambda: nn.AdaptiveAvgPool2d(3)(stir.zeros(2, 1, 2, 4, 4)), ValueError,
     "AdaptiveAvgPool2d(output_size=3): expected input of shape (N, C, H, W) or (C, H, W), "
     "got (2, 1, 2, 4, 4)"),
], ids=lambda value: "" if callable(value) or isinstance(value, type) else value[:40])
def test_errors_name_the_layer_and_the_shapes(call: Any, error: type, message: str) -> None:
    with pytest.raises(error) as raised:
        call()
    assert message in str(raised.value)


def test_integer_max_pool_and_an_empty_batch() -> None:
    x = stir.arange(16).reshape(1, 4, 4)
    assert F.max_pool2d(x, 2).tolist() == [[[5, 7], [13, 15]]]
    assert F.max_pool2d(stir.zeros(0, 2, 4, 4), 2).shape == (0, 2, 2, 2)


def test_pooling_gradients_are_differentiable_again() -> None:
    x = stir.randn(1, 2, 5, 5, dtype=stir.float64, requires_grad=True)
    g = stir.randn(1, 2, 3, 3, dtype=stir.float64, requires_grad=True)
    for pool, adjoint in ((lambda t: F.max_pool2d(t, 3, stride=2, padding=1), "MaxPoolAdjoint"),
                          (lambda t: F.avg_pool2d(t, 3, stride=2, padding=1), "AvgPoolAdjoint")):
        (grad,) = stir.grad(pool(x), x, grad_outputs=g, create_graph=True)
        assert grad.grad_fn.name == adjoint
        (again,) = stir.grad(grad, g, grad_outputs=stir.ones_like(grad))
        assert np.allclose(again.array, pool(stir.ones_like(x)).array)
        assert stir.gradgradcheck(pool, (x,))


def tiny_model() -> nn.Module:
    return nn.Sequential(nn.MaxPool2d(2), nn.AvgPool2d(3, stride=1, padding=1),
                         nn.Flatten(), nn.Linear(2 * 3 * 3, 4))


def test_compiled_steps_are_the_eager_steps_exactly() -> None:
    rng = np.random.default_rng(0)
    data = [(rng.standard_normal((5, 2, 6, 6)).astype(np.float32),
             rng.integers(0, 4, 5)) for _ in range(3)]

    def run(compiled: bool) -> tuple[nn.Module, list[float]]:
        stir.manual_seed(0)
        model = tiny_model()
        optimizer = optim.SGD(model.parameters(), lr=0.1)
        if compiled:
            step = stir.compile(model, F.cross_entropy, optimizer)
            losses = [float(step(*data[i % 3])) for i in range(5)]
            assert step.replaying
            return model, losses
        losses = []
        for i in range(5):
            x, y = data[i % 3]
            loss = F.cross_entropy(model(stir.tensor(x)), stir.tensor(y))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss))
        return model, losses

    (eager, eager_losses), (compiled, compiled_losses) = run(False), run(True)
    assert compiled_losses == eager_losses
    for a, b in zip(eager.parameters(), compiled.parameters()):
        assert np.array_equal(a.array, b.array)


def test_save_and_load_round_trip(tmp_path: Any) -> None:
    stir.manual_seed(0)
    model = nn.Sequential(nn.MaxPool2d(2, stride=1, padding=1, ceil_mode=True),
                          nn.AvgPool2d((2, 3), padding=(1, 1), count_include_pad=False),
                          nn.AdaptiveAvgPool2d((3, 2)), nn.Flatten(2), nn.MaxPool1d(2),
                          nn.AvgPool1d(1), nn.AdaptiveAvgPool1d(2), nn.Flatten(),
                          nn.Linear(4, 2))
    path = stir.save(model, tmp_path / "pool.safetensors")
    again = stir.load(path)
    assert repr(again) == repr(model)
    x = stir.randn(3, 2, 7, 7)
    assert np.array_equal(again(x).array, model(x).array)


def test_gradients_of_graphs_alive_at_once_are_their_own() -> None:
    """The unpooled gradients go into reused arrays (`_array.windows.Scratch`) only once
    nothing holds them: gradients kept from one backward survive the next."""
    rng = np.random.default_rng(2)
    xs = [rng.standard_normal((3, 2, 6, 6)).astype(np.float32) for _ in range(2)]
    ours = [stir.tensor(x).requires_grad_() for x in xs]
    outs = [F.max_pool2d(x, 2) for x in ours]
    for out in outs:
        out.sum().backward()
    for x, mine in zip(xs, ours):
        reference = torch.tensor(x, requires_grad=True)
        torch.nn.functional.max_pool2d(reference, 2).sum().backward()
        np.testing.assert_array_equal(mine.grad.array, reference.grad.numpy())
