"""Convolution layers against PyTorch's on the same weights, their errors, `stir.compile`
replaying a CNN bit-exactly, and saving and loading one. (The primitives themselves are in
the op registry: tests/op_registry_conv.py.)"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim

torch = pytest.importorskip("torch")

FLOAT32 = {"rtol": 1e-3, "atol": 1e-5}


def _twins(ours: Any, theirs: Any) -> None:
    """Copy our layer's parameters into PyTorch's."""
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.array))
        if ours.bias is not None:
            theirs.bias.copy_(torch.tensor(ours.bias.array))


def _compare(ours: Any, theirs: Any, shape: tuple[int, ...]) -> None:
    """Forward, input gradient and parameter gradients of the two layers, in float32."""
    _twins(ours, theirs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    mine, reference = stir.tensor(x).requires_grad_(), torch.tensor(x, requires_grad=True)
    out, expected = ours(mine), theirs(reference)
    assert out.dtype == np.float32 and tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_allclose(out.array, expected.detach().numpy(), **FLOAT32)
    cotangent = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(stir.tensor(cotangent))
    expected.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(mine.grad.array, reference.grad.numpy(), **FLOAT32)
    np.testing.assert_allclose(ours.weight.grad.array, theirs.weight.grad.numpy(), **FLOAT32)
    assert ours.weight.grad.dtype == np.float32
    if ours.bias is not None:
        np.testing.assert_allclose(ours.bias.grad.array, theirs.bias.grad.numpy(), **FLOAT32)


LAYERS = {  # name: (our layer, PyTorch's arguments, input shape) on LeNet's shapes
    "lenet-1": (lambda: nn.Conv2d(1, 6, 5), ("Conv2d", (1, 6, 5), {}), (64, 1, 28, 28)),
    "lenet-2": (lambda: nn.Conv2d(6, 16, 5), ("Conv2d", (6, 16, 5), {}), (64, 6, 12, 12)),
    "strided": (lambda: nn.Conv2d(3, 8, (3, 2), stride=(2, 1), padding=(1, 2), dilation=2),
                ("Conv2d", (3, 8, (3, 2)), {"stride": (2, 1), "padding": (1, 2), "dilation": 2}),
                (4, 3, 13, 11)),
    "groups": (lambda: nn.Conv2d(4, 6, 3, groups=2, bias=False),
               ("Conv2d", (4, 6, 3), {"groups": 2, "bias": False}), (5, 4, 9, 9)),
    "same": (lambda: nn.Conv2d(3, 4, (4, 3), padding="same", dilation=(1, 2)),
             ("Conv2d", (3, 4, (4, 3)), {"padding": "same", "dilation": (1, 2)}), (2, 3, 8, 7)),
    "reflect": (lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
                ("Conv2d", (2, 3, 3), {"padding": 1, "padding_mode": "reflect"}),
                (2, 2, 6, 6)),
    "replicate-same": (lambda: nn.Conv2d(2, 3, 4, padding="same", padding_mode="replicate"),
                       ("Conv2d", (2, 3, 4), {"padding": "same",
                                              "padding_mode": "replicate"}), (2, 2, 6, 5)),
    "valid-reflect": (lambda: nn.Conv2d(2, 3, 3, padding="valid", padding_mode="reflect"),
                      ("Conv2d", (2, 3, 3), {"padding": "valid", "padding_mode": "reflect"}),
                      (2, 2, 6, 5)),
    "circular": (lambda: nn.Conv1d(2, 3, 3, padding=2, padding_mode="circular"),
                 ("Conv1d", (2, 3, 3), {"padding": 2, "padding_mode": "circular"}), (2, 2, 7)),
    "unbatched": (lambda: nn.Conv2d(3, 2, 3), ("Conv2d", (3, 2, 3), {}), (3, 6, 5)),
    "conv1d": (lambda: nn.Conv1d(4, 8, 5, stride=2), ("Conv1d", (4, 8, 5), {"stride": 2}),
               (16, 4, 32)),
    "transpose": (lambda: nn.ConvTranspose2d(16, 6, 5, stride=2, output_padding=1),
                  ("ConvTranspose2d", (16, 6, 5), {"stride": 2, "output_padding": 1}),
                  (8, 16, 4, 4)),
    "transpose-groups": (lambda: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, groups=2,
                                                    dilation=2),
                         ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1,
                                                         "groups": 2, "dilation": 2}),
                         (3, 4, 5, 4)),
    "transpose1d": (lambda: nn.ConvTranspose1d(3, 2, 4, stride=3, padding=1),
                    ("ConvTranspose1d", (3, 2, 4), {"stride": 3, "padding": 1}), (2, 3, 6)),
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("layout", ["per-sample", "batch-inside"])
@pytest.mark.parametrize("case", list(LAYERS))
def test_layers_match_pytorch(case: str, layout: str, monkeypatch: Any) -> None:
    """Each case in both of the im2col layouts (stir chooses by the columns' rows)."""
    import stir.ops.conv

    monkeypatch.setattr(stir.ops.conv, "_BATCH_INSIDE_FROM",
                        1 << 30 if layout == "per-sample" else 0)
    make, (kind, arguments, options), shape = LAYERS[case]
    _compare(make(), getattr(torch.nn, kind)(*arguments, **options), shape)


@pytest.mark.parametrize("case", list(LAYERS))
def test_attributes_and_reprs_are_pytorchs(case: str) -> None:
    make, (kind, arguments, options), _ = LAYERS[case]
    ours, theirs = make(), getattr(torch.nn, kind)(*arguments, **options)
    for name in ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                 "dilation", "output_padding", "groups", "padding_mode"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert tuple(ours.weight.shape) == tuple(theirs.weight.shape)
    assert repr(ours).split("  #")[0] == repr(theirs)


def test_initialisation_is_pytorchs_range() -> None:
    """kaiming_uniform_(a=√5): weight and bias uniform in ±1/√fan_in, fan_in being
    weight.shape[1]·∏kernel (in_channels/groups for a convolution, out/groups transposed)."""
    for layer, fan_in in [(nn.Conv2d(6, 16, 5, generator=stir.Generator(0)), 6 * 25),
                          (nn.Conv2d(4, 8, 3, groups=2), 2 * 9),
                          (nn.ConvTranspose2d(4, 6, 3, groups=2), 3 * 9)]:
        bound = 1 / math.sqrt(fan_in)
        for values in (layer.weight.array, layer.bias.array):
            assert values.dtype == np.float32 and np.abs(values).max() <= bound
        assert np.abs(layer.weight.array).max() > 0.8 * bound
    first, second = (nn.Conv2d(1, 2, 3, generator=stir.Generator(7)) for _ in range(2))
    assert np.array_equal(first.weight.array, second.weight.array)
    assert nn.Conv2d(1, 2, 3, dtype=np.float64).weight.dtype == np.float64


ERRORS = [
    (lambda: nn.Conv2d(3, 6, 5)(stir.ones(8, 1, 28, 28)),
     "Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1)): expected input of shape "
     "(N, 3, H, W) or (3, H, W), got (8, 1, 28, 28)"),
    (lambda: nn.Conv2d(3, 6, 5)(stir.ones(28, 28)),
     "Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1)): expected input of shape "
     "(N, 3, H, W) or (3, H, W), got (28, 28)"),
    (lambda: nn.Conv1d(2, 4, 3)(stir.ones(1, 2, 3, 3)),
     "Conv1d(2, 4, kernel_size=(3,), stride=(1,)): expected input of shape (N, 2, L) or "
     "(2, L), got (1, 2, 3, 3)"),
    (lambda: nn.Conv2d(1, 6, 5)(stir.ones(2, 1, 3, 3)),
     "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1)): kernel size (5, 5) is larger than "
     "the padded input (3, 3)"),
    (lambda: nn.ConvTranspose2d(2, 3, 3, padding=4)(stir.ones(1, 2, 2, 2)),
     "ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(4, 4)): the output "
     "size (-4, -4) of input (1, 2, 2, 2) is too small (padding ((4, 4), (4, 4)))"),
    (lambda: nn.Conv2d(3, 6, 5, groups=2), "Conv2d: in_channels (3) and out_channels (6) "
     "must both be divisible by groups (2)"),
    (lambda: nn.Conv2d(4, 6, 3, stride=0), "Conv2d: stride must be positive, got (0, 0)"),
    (lambda: nn.Conv2d(4, 6, 3, stride=(1, -1)), "Conv2d: stride must be positive, got (1, -1)"),
    (lambda: nn.Conv2d(4, 6, 3, stride=2, padding="same"),
     "Conv2d: padding='same' is not supported for strided convolutions (stride (2, 2))"),
    (lambda: nn.Conv2d(4, 6, 3, padding="full"),
     "Conv2d: invalid padding string 'full', should be one of {'valid', 'same'}"),
    (lambda: nn.Conv2d(4, 6, 3, padding_mode="mirror"), "Conv2d: padding_mode must be one of"),
    (lambda: F.conv2d(stir.ones(1, 3, 4, 4), stir.ones(2, 2, 3, 3)),
     "conv2d: expected input of shape (N, 2, H, W) (weight (2, 2, 3, 3), groups=1), got "
     "(1, 3, 4, 4)"),
    (lambda: F.conv2d(stir.ones(4, 4), stir.ones(2, 2, 3, 3)),
     "conv2d: expected input of shape (N, C, H, W) or (C, H, W), got (4, 4)"),
    (lambda: F.conv2d(stir.ones(1, 2, 4, 4), stir.ones(2, 2, 3)),
     "conv2d: expected weight of shape (out_channels, in_channels/groups, kH, kW), got "
     "(2, 2, 3)"),
    (lambda: F.conv2d(stir.ones(1, 4, 4, 4), stir.ones(3, 2, 3, 3), groups=2),
     "conv2d: the weight's out_channels (3, of weight (3, 2, 3, 3)) must be divisible by "
     "groups (2)"),
    (lambda: F.conv1d(stir.ones(1, 2, 4), stir.ones(3, 2, 5), padding=0, dilation=1),
     "conv1d: kernel size (5,) is larger than the padded input (4,)"),
    (lambda: F.conv2d(stir.ones(1, 2, 5, 5), stir.ones(3, 2, 3, 3), dilation=3),
     "conv2d: kernel size (3, 3) (dilated: (7, 7)) is larger than the padded input (5, 5)"),
    (lambda: F.conv2d(stir.ones(1, 2, 5, 5), stir.ones(3, 2, 3, 3), stir.ones(2)),
     "conv2d: expected bias of shape (3,), got (2,)"),
    (lambda: F.conv1d(stir.ones(1, 2, 5), stir.ones(3, 2, 3), stride=0),
     "conv1d: stride must be positive, got (0,)"),
    (lambda: F.conv2d(stir.ones(1, 2, 5, 5), stir.ones(3, 2, 3, 3), padding=-1),
     "conv2d: padding must be non-negative, got (-1, -1)"),
    (lambda: F.conv2d(stir.ones(1, 2, 5, 5), stir.ones(3, 2, 3, 3), stride=2, padding="same"),
     "conv2d: padding='same' is not supported for strided convolutions (stride (2, 2))"),
    (lambda: F.conv2d(stir.ones(1, 2, 5, 5), stir.ones(3, 2, 3, 3), padding="full"),
     "conv2d: invalid padding string 'full', should be one of {'valid', 'same'}"),
    (lambda: F.conv_transpose2d(stir.ones(1, 2, 3, 3), stir.ones(3, 2, 3, 3)),
     "conv_transpose2d: expected input of shape (N, 3, H, W) (weight (3, 2, 3, 3), groups=1)"
     ", got (1, 2, 3, 3)"),
    (lambda: F.conv_transpose2d(stir.ones(1, 2, 3, 3), stir.ones(2, 2, 3, 3), stride=2,
                                output_padding=2),
     "conv_transpose2d: output padding must be smaller than either stride or dilation"),
]


@pytest.mark.parametrize("make, message", ERRORS, ids=[m[:40] for _, m in ERRORS])
def test_bad_arguments_are_named_clearly(make: Any, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        make()
    assert str(caught.value).startswith(message)


def test_wrong_types_are_type_errors() -> None:
    with pytest.raises(TypeError, match="conv2d: stride must be an int or a tuple of 2 ints"):
        F.conv2d(stir.ones(1, 1, 3, 3), stir.ones(1, 1, 2, 2), stride=1.5)
    with pytest.raises(TypeError, match="conv2d: groups must be an int"):
        F.conv2d(stir.ones(1, 1, 3, 3), stir.ones(1, 1, 2, 2), groups="1")


# ------------------------------------------------------------- empty batches, output_size
@pytest.mark.parametrize("case", ["lenet-1", "groups", "same", "conv1d", "transpose",
                                  "transpose-groups", "transpose1d"])
def test_an_empty_batch_gives_pytorchs_shapes_and_zero_gradients(case: str) -> None:
    make, (name, args, kwargs), shape = LAYERS[case]
    ours, theirs = make(), getattr(torch.nn, name)(*args, **kwargs)
    _twins(ours, theirs)
    empty = (0,) + shape[1:]
    mine = stir.zeros(*empty).requires_grad_()
    reference = torch.zeros(empty, requires_grad=True)
    out, expected = ours(mine), theirs(reference)
    assert tuple(out.shape) == tuple(expected.shape)
    out.sum().backward()
    expected.sum().backward()
    assert tuple(mine.grad.shape) == empty
    np.testing.assert_array_equal(ours.weight.grad.array, theirs.weight.grad.numpy())
    if ours.bias is not None:
        np.testing.assert_array_equal(ours.bias.grad.array, theirs.bias.grad.numpy())


def test_conv2d_of_an_empty_batch() -> None:
    assert tuple(nn.Conv2d(1, 2, 3)(stir.ones(0, 1, 5, 5)).shape) == (0, 2, 3, 3)


@pytest.mark.parametrize("name, args, kwargs, shape, size", [
    ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "padding": 1}, (3, 4, 6, 6), (12, 11)),
    ("ConvTranspose2d", (4, 2, 3), {"stride": 2, "padding": 1}, (3, 4, 6, 6), (3, 2, 11, 12)),
    ("ConvTranspose2d", (4, 2, 3), {"stride": (3, 2), "dilation": 2}, (4, 5, 4), [18, 12]),
    ("ConvTranspose1d", (3, 2, 4), {"stride": 3, "padding": 1}, (2, 3, 6), (19,)),
    ("ConvTranspose1d", (3, 2, 4), {"stride": 3, "output_padding": 2}, (2, 3, 6), (19,)),
])
def test_output_size_picks_pytorchs_output_padding(name: str, args: Any, kwargs: Any,
                                                   shape: Any, size: Any) -> None:
    ours = getattr(nn, name)(*args, **kwargs)
    theirs = getattr(torch.nn, name)(*args, **kwargs)
    _twins(ours, theirs)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out = ours(stir.tensor(x), output_size=size)
    expected = theirs(torch.tensor(x), output_size=size)
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_allclose(out.array, expected.detach().numpy(), **FLOAT32)


def test_output_size_out_of_range_is_named_clearly() -> None:
    layer = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    message = (r"ConvTranspose2d\(4, 2, kernel_size=\(3, 3\), stride=\(2, 2\), padding=\(1, 1\)\)"
               r": requested an output size of \(14, 14\), but valid sizes range from "
               r"\(11, 11\) to \(12, 12\) \(for an input of \(6, 6\)\)")
    with pytest.raises(ValueError, match=message):
        layer(stir.ones(1, 4, 6, 6), output_size=(14, 14))
    with pytest.raises(ValueError, match="ConvTranspose2d.*output_size must have 2 or 4 "
                                         "elements, got 3"):
        layer(stir.ones(1, 4, 6, 6), output_size=(1, 12, 12))
    with pytest.raises(TypeError, match="ConvTranspose2d.*output_size must be a tuple"):
        layer(stir.ones(1, 4, 6, 6), output_size=12)


def test_reused_columns_never_overwrite_a_live_graph() -> None:
    """Two graphs of one shape alive at once (the im2col arrays are reused only once no
    graph holds them): each backward still gets its own input's gradient."""
    layer, reference = nn.Conv2d(2, 3, 3), torch.nn.Conv2d(2, 3, 3)
    _twins(layer, reference)
    rng = np.random.default_rng(1)
    xs = [rng.standard_normal((4, 2, 7, 7)).astype(np.float32) for _ in range(2)]
    outs = [layer(stir.tensor(x)) for x in xs]
    for out in reversed(outs):
        out.sum().backward()
    for x in xs:
        reference(torch.tensor(x)).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.array, reference.weight.grad.numpy(),
                               **FLOAT32)


# ----------------------------------------------------------------------------- compile, save
def _cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(4, 4, 3, stride=2, groups=2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 3 * 3, 3))


def _batches() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((8, 1, 8, 8)).astype(np.float32), rng.integers(0, 3, 8))
            for _ in range(3)]


def test_compile_replays_a_cnn_bit_exactly() -> None:
    data, steps = _batches(), 5

    def make_opt(parameters: Any) -> Any:
        return optim.SGD(parameters, lr=0.1, momentum=0.9)
    stir.manual_seed(0)
    eager = _cnn()
    opt = make_opt(eager.parameters())
    eager_losses = []
    for step in range(steps):
        x, y = data[step % len(data)]
        loss = F.cross_entropy(eager(stir.tensor(x)), stir.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        eager_losses.append(float(loss))
    stir.manual_seed(0)
    model = _cnn()
    step_fn = stir.compile(model, F.cross_entropy, make_opt(model.parameters()))
    losses = [float(step_fn(*data[step % len(data)])) for step in range(steps)]
    assert step_fn.replaying
    assert losses == eager_losses
    for a, b in zip(eager.parameters(), model.parameters()):
        assert np.array_equal(a.array, b.array)


def test_save_and_load_round_trip(tmp_path: Any) -> None:
    """Each layer's arguments are rebuilt from the file's architecture."""
    stir.manual_seed(0)
    sequence = nn.Sequential(nn.Conv1d(2, 3, 3, padding="same", padding_mode="reflect"),
                             nn.ReLU(), nn.Conv1d(3, 2, 2, dilation=2, bias=False))
    image = nn.Sequential(nn.Conv2d(1, 4, (3, 2), stride=(2, 1), padding=1),
                          nn.ConvTranspose2d(4, 2, 3, stride=2, output_padding=1, groups=2))
    for net, shape in ((sequence, (2, 2, 9)), (image, (2, 1, 7, 6)), (_cnn(), (2, 1, 8, 8))):
        path = tmp_path / "net.stir"
        stir.save(net, path)
        loaded = stir.load(path)
        x = stir.tensor(np.random.default_rng(0).standard_normal(shape).astype(np.float32))
        assert repr(loaded) == repr(net)
        assert np.array_equal(loaded(x).array, net(x).array)
    single = nn.ConvTranspose1d(3, 4, 2, stride=3, padding=1, groups=1, bias=False)
    stir.save(single, tmp_path / "one.stir")
    assert repr(stir.load(tmp_path / "one.stir")) == repr(single)


def test_weights_load_into_a_fresh_model(tmp_path: Any) -> None:
    stir.manual_seed(0)
    net, path = _cnn(), tmp_path / "weights.stir"
    stir.save(net.state_dict(), path)
    loaded = stir.load(path, model=_cnn())
    x = stir.tensor(np.random.default_rng(0).standard_normal((2, 1, 8, 8)).astype(np.float32))
    assert np.array_equal(loaded(x).array, net(x).array)
