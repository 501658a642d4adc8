"""BatchNorm1d/2d, LayerNorm and GroupNorm against PyTorch's modules (outputs, gradients,
running statistics over several steps, train and eval), PyTorch's state dicts loading, the
errors naming the layer, and stir.compile replaying a batch norm bit for bit."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim

torch = pytest.importorskip("torch")

TOLERANCE = dict(rtol=1e-3, atol=1e-5)


def same_weights(ours: nn.Module, theirs: Any, rng: np.random.Generator) -> None:
    """Random weights and biases, copied into both modules."""
    for name, parameter in ours.named_parameters():
        values = rng.standard_normal(parameter.shape).astype(np.float32)
        parameter.array[...] = values
        with torch.no_grad():
            getattr(theirs, name).copy_(torch.from_numpy(values))


def compare_step(ours: nn.Module, theirs: Any, x: np.ndarray) -> None:
    """One forward and backward of each, on the same input and output gradient."""
    mine = stir.tensor(x, requires_grad=True)
    reference = torch.tensor(x, requires_grad=True)
    out, expected = ours(mine), theirs(reference)
    np.testing.assert_allclose(out.array, expected.detach().numpy(), **TOLERANCE)
    cotangent = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    out.backward(stir.tensor(cotangent))
    expected.backward(torch.from_numpy(cotangent))
    np.testing.assert_allclose(mine.grad.array, reference.grad.numpy(), **TOLERANCE)
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(parameter.grad.array, getattr(theirs, name).grad.numpy(),
                                   **TOLERANCE)
        parameter.grad = None
        getattr(theirs, name).grad = None


def compare_buffers(ours: nn.Module, theirs: Any) -> None:
    mine = ours.state_dict()
    reference = theirs.state_dict()
    assert list(mine) == list(reference)
    for key, value in reference.items():
        np.testing.assert_allclose(mine[key].array, value.numpy(), rtol=1e-5, atol=1e-6)
        assert mine[key].array.dtype == value.numpy().dtype


BATCH_CASES = [  # (stir class, torch class, input shape)
    (nn.BatchNorm1d, "BatchNorm1d", (8, 3)),
    (nn.BatchNorm1d, "BatchNorm1d", (4, 3, 5)),
    (nn.BatchNorm2d, "BatchNorm2d", (4, 3, 3, 2)),
]


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("layer, name, shape", BATCH_CASES)
def test_batch_norm_matches_pytorch_in_training_and_eval(layer: Any, name: str,
                                                         shape: tuple[int, ...],
                                                         momentum: float | None,
                                                         track: bool) -> None:
    rng = np.random.default_rng(0)
    ours = layer(3, momentum=momentum, track_running_stats=track)
    theirs = getattr(torch.nn, name)(3, momentum=momentum, track_running_stats=track)
    same_weights(ours, theirs, rng)
    for _ in range(4):
        compare_step(ours, theirs, (rng.standard_normal(shape) * 3 + 1).astype(np.float32))
        compare_buffers(ours, theirs)
    ours.eval()
    theirs.eval()
    compare_step(ours, theirs, rng.standard_normal(shape).astype(np.float32))
    compare_buffers(ours, theirs)


def test_batch_norm_without_affine_or_bias_matches_pytorch() -> None:
    rng = np.random.default_rng(2)
    for options in (dict(affine=False), dict(bias=False)):
        ours, theirs = nn.BatchNorm2d(4, **options), torch.nn.BatchNorm2d(4, **options)
        same_weights(ours, theirs, rng)
        assert ours.extra_repr() == theirs.extra_repr()
        compare_step(ours, theirs, rng.standard_normal((3, 4, 2, 2)).astype(np.float32))
        compare_buffers(ours, theirs)


def test_batch_norm_buffers_and_repr_are_pytorchs() -> None:
    ours, theirs = nn.BatchNorm1d(5, momentum=None), torch.nn.BatchNorm1d(5, momentum=None)
    assert ours.extra_repr() == theirs.extra_repr()
    compare_buffers(ours, theirs)
    assert ours.num_batches_tracked.dtype == stir.int64
    untracked = nn.BatchNorm1d(5, track_running_stats=False)
    assert untracked.running_mean is None and untracked.num_batches_tracked is None
    assert list(untracked.state_dict()) == ["weight", "bias"]
    assert [n for n, _ in ours.named_parameters()] == ["weight", "bias"]
    assert ours.weight.tolist() == [1.0] * 5 and ours.bias.tolist() == [0.0] * 5


def test_a_pytorch_state_dict_loads() -> None:
    rng = np.random.default_rng(3)
    theirs = torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        theirs.weight.normal_()
        theirs.bias.normal_()
    for _ in range(3):
        theirs(torch.from_numpy(rng.standard_normal((4, 3, 2, 2)).astype(np.float32)))
    ours = nn.BatchNorm2d(3)
    ours.load_state_dict({key: value.numpy() for key, value in theirs.state_dict().items()})
    assert int(ours.num_batches_tracked) == 3
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((2, 3, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(stir.tensor(x)).array,
                               theirs(torch.from_numpy(x)).detach().numpy(), **TOLERANCE)


def test_running_statistics_use_the_unbiased_variance() -> None:
    x = np.array([[1.0], [2.0], [6.0]], dtype=np.float32)
    layer = nn.BatchNorm1d(1, momentum=1.0)
    layer(stir.tensor(x))
    assert np.isclose(float(layer.running_var[0]), np.var(x, ddof=1))
    assert np.isclose(float(layer.running_mean[0]), 3.0)


@pytest.mark.parametrize("shape, normalized", [((4, 5), 5), ((2, 3, 4), (3, 4)),
                                               ((3, 1, 6), [6])])
@pytest.mark.parametrize("options", [{}, dict(elementwise_affine=False), dict(bias=False)])
def test_layer_norm_matches_pytorch(shape: tuple[int, ...], normalized: Any,
                                    options: dict[str, bool]) -> None:
    rng = np.random.default_rng(4)
    ours = nn.LayerNorm(normalized, **options)
    theirs = torch.nn.LayerNorm(normalized, **options)
    same_weights(ours, theirs, rng)
    assert ours.normalized_shape == theirs.normalized_shape
    assert ours.extra_repr() == theirs.extra_repr()
    compare_step(ours, theirs, rng.standard_normal(shape).astype(np.float32))


@pytest.mark.parametrize("groups, channels, shape", [(2, 4, (3, 4)), (3, 6, (2, 6, 5)),
                                                     (1, 3, (2, 3, 2, 2)), (4, 4, (2, 4, 3))])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_pytorch(groups: int, channels: int, shape: tuple[int, ...],
                                    affine: bool) -> None:
    rng = np.random.default_rng(5)
    ours = nn.GroupNorm(groups, channels, affine=affine)
    theirs = torch.nn.GroupNorm(groups, channels, affine=affine)
    same_weights(ours, theirs, rng)
    assert ours.extra_repr() == theirs.extra_repr()
    compare_step(ours, theirs, rng.standard_normal(shape).astype(np.float32))


def test_float64_layers_stay_float64() -> None:
    layer = nn.BatchNorm1d(3, dtype=np.float64)
    out = layer(stir.randn(4, 3, dtype=stir.float64))
    assert out.dtype == stir.float64 and layer.running_var.dtype == stir.float64
    converted = nn.BatchNorm2d(2).double()  # the count stays an integer, as in PyTorch
    converted(stir.randn(3, 2, 2, 2, dtype=stir.float64))
    assert converted.running_mean.dtype == stir.float64
    assert converted.num_batches_tracked.dtype == stir.int64
    assert int(converted.num_batches_tracked) == 1


# ----------------------------------------------------------------------------- errors
ERRORS = [
    (lambda: nn.BatchNorm1d(3)(stir.randn(4, 3, 2, 2)),
     "BatchNorm1d(3): expected input of shape (N, 3) or (N, 3, L), got (4, 3, 2, 2)"),
    (lambda: nn.BatchNorm1d(3)(stir.randn(4, 5)),
     "BatchNorm1d(3): expected input of shape (N, 3) or (N, 3, L), got (4, 5) "
     "(5 channels, not 3)"),
    (lambda: nn.BatchNorm2d(3)(stir.randn(4, 3, 2)),
     "BatchNorm2d(3): expected input of shape (N, 3, H, W), got (4, 3, 2)"),
    (lambda: nn.BatchNorm2d(3)(stir.randn(2, 4, 2, 2)),
     "BatchNorm2d(3): expected input of shape (N, 3, H, W), got (2, 4, 2, 2) "
     "(4 channels, not 3)"),
    (lambda: nn.BatchNorm1d(3)(stir.randn(1, 3)),
     "BatchNorm1d(3): expected more than 1 value per channel when training, got input of "
     "shape (1, 3)"),
    (lambda: nn.BatchNorm2d(3)(stir.randn(1, 3, 1, 1)),
     "BatchNorm2d(3): expected more than 1 value per channel when training, got input of "
     "shape (1, 3, 1, 1)"),
    (lambda: F.batch_norm(stir.randn(1, 3), None, None, training=True),
     "batch_norm: expected more than 1 value per channel when training, got input of shape "
     "(1, 3)"),
    (lambda: F.batch_norm(stir.randn(4, 3), stir.zeros(2), stir.ones(2)),
     "batch_norm: expected running_mean of shape (3,), one value per channel of the input, "
     "got (2,)"),
    (lambda: F.batch_norm(stir.randn(4, 3), None, None),
     "batch_norm: running_mean and running_var must be given out of training"),
    (lambda: F.batch_norm(stir.randn(3), None, None, training=True),
     "batch_norm: expected input of shape (N, C, *), with at least 2 dimensions, got (3,)"),
    (lambda: nn.LayerNorm(3)(stir.randn(4, 5)),
     "LayerNorm((3,)): expected input of shape (*, 3), got (4, 5)"),
    (lambda: F.layer_norm(stir.randn(2, 3), (2, 3), weight=stir.ones(3)),
     "layer_norm: expected weight of shape (2, 3) (normalized_shape), got (3,)"),
    (lambda: nn.LayerNorm(0), "LayerNorm: normalized_shape must be positive sizes, got 0"),
    (lambda: nn.GroupNorm(2, 3), "GroupNorm: num_channels (3) must be divisible by "
     "num_groups (2)"),
    (lambda: nn.GroupNorm(2, 4)(stir.randn(3, 6)),
     "GroupNorm(2, 4): expected input of shape (N, 4, *), got (3, 6)"),
    (lambda: F.group_norm(stir.randn(3, 6), 4),
     "group_norm: expected the input's 6 channels to split into num_groups=4 equal groups"),
    (lambda: nn.BatchNorm1d(0), "BatchNorm1d: num_features must be a positive integer"),
]


@pytest.mark.parametrize("make, message", ERRORS, ids=[m[:40] for _, m in ERRORS])
def test_bad_input_names_the_layer(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


def test_type_errors() -> None:
    with pytest.raises(TypeError, match="batch_norm: momentum must be a float, got None"):
        F.batch_norm(stir.randn(4, 3), stir.zeros(3), stir.ones(3), training=True,
                     momentum=None)
    with pytest.raises(TypeError, match="BatchNorm1d: momentum must be a float or None"):
        nn.BatchNorm1d(3, momentum="fast")
    with pytest.raises(TypeError, match="LayerNorm: normalized_shape must be an int"):
        nn.LayerNorm("3")


def test_eval_mode_takes_a_batch_of_one() -> None:
    layer = nn.BatchNorm1d(3).eval()
    assert layer(stir.randn(1, 3)).shape == (1, 3)


# ----------------------------------------------------------------------------- compile
def batches(count: int = 6) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [((rng.standard_normal((16, 4)) * 2 + 1).astype(np.float32),
             rng.standard_normal((16, 1)).astype(np.float32)) for _ in range(count)]


class Images(nn.Module):
    """(N, 12) as (N, 3, 2, 2), to put a BatchNorm2d or a GroupNorm after a Linear."""

    def forward(self, x: stir.Tensor) -> stir.Tensor:
        return x.reshape(x.shape[0], 3, 2, 2)


def make_model(momentum: float | None, kind: str = "BatchNorm1d") -> nn.Module:
    stir.manual_seed(0)
    if kind == "BatchNorm1d":
        return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8, momentum=momentum),
                             nn.ReLU(), nn.Linear(8, 1))
    middle = (nn.BatchNorm2d(3, momentum=momentum) if kind == "BatchNorm2d" else
              nn.GroupNorm(3, 3) if kind == "GroupNorm" else nn.LayerNorm((2, 2)))
    return nn.Sequential(nn.Linear(4, 12), Images(), middle, nn.Tanh(), nn.Flatten(),
                         nn.Linear(12, 1))


def train(model: nn.Module, compiled: bool, steps: int = 6) -> list[float]:
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    step = stir.compile(model, F.mse_loss, opt) if compiled else None
    losses = []
    for x, y in batches(steps):
        if step is not None:
            losses.append(float(step(x, y)))
            continue
        loss = F.mse_loss(model(stir.tensor(x)), stir.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    if step is not None:
        assert step.replaying
    return losses


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_compile_replays_batch_norm_bit_for_bit(momentum: float | None, mode: str) -> None:
    eager, compiled = make_model(momentum), make_model(momentum)
    if mode == "eval":
        for model in (eager, compiled):
            model[1].running_mean.array[...] = 0.5  # not the defaults, so they matter
            model[1].eval()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the step replays: no "runs eagerly" warning
        assert train(compiled, True) == train(eager, False)
    for (key, a), (_, b) in zip(eager.state_dict().items(), compiled.state_dict().items()):
        assert np.array_equal(a.array, b.array), key
    expected = 6 if mode == "train" else 0
    assert int(compiled[1].num_batches_tracked) == expected


@pytest.mark.parametrize("kind", ["BatchNorm2d", "GroupNorm", "LayerNorm"])
def test_compile_replays_the_other_layers_bit_for_bit(kind: str) -> None:
    eager, compiled = make_model(0.1, kind), make_model(0.1, kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert train(compiled, True) == train(eager, False)
    for (key, a), (_, b) in zip(eager.state_dict().items(), compiled.state_dict().items()):
        assert np.array_equal(a.array, b.array), key


# ----------------------------------------------------------------------------- files
def test_save_and_load_round_trip(tmp_path: Any) -> None:
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6, momentum=None), nn.ReLU(),
                          nn.LayerNorm(6, bias=False), nn.GroupNorm(2, 6), nn.Linear(6, 1))
    for x, _ in batches(3):
        model(stir.tensor(x))
    model.eval()
    path = tmp_path / "norm.safetensors"
    loaded = stir.load(stir.save(model, path))
    loaded.eval()
    x = stir.tensor(batches(1)[0][0])
    assert np.array_equal(model(x).array, loaded(x).array)
    for (key, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert np.array_equal(a.array, b.array), key
    assert repr(loaded) == repr(model)
