"""The miscellaneous layers of issue 14 against PyTorch: Dropout1d/Dropout2d (whole channels),
Unflatten, F.interpolate / Upsample (nearest and (bi)linear), and the errors of Embedding,
interpolate and pad; their save/load and their replay under stir.compile."""

import inspect
import warnings

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)


def against_torch(ours, theirs, x):
    """Forward and input gradient in float32 (atol 1e-5, rtol 1e-3), for one cotangent."""
    x = np.asarray(x, dtype=np.float32)
    a, b = stir.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(a), theirs(b)
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_allclose(out.array, expected.detach().numpy(), rtol=1e-3, atol=1e-5)
    cotangent = RNG.standard_normal(tuple(out.shape)).astype(np.float32)
    out.backward(stir.tensor(cotangent))
    expected.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-3, atol=1e-5)


# ----------------------------------------------------------------------------- interpolate
CONFIGS = [dict(size=7), dict(size=2), dict(size=1), dict(scale_factor=2),
           dict(scale_factor=0.5), dict(scale_factor=2.3), dict(scale_factor=1 / 3),
           dict(scale_factor=1.7, recompute_scale_factor=True)]


MODES = [("nearest", (2, 3, 6), None), ("nearest", (2, 2, 5, 4), None),
         ("nearest", (1, 2, 4, 5, 4), None), ("nearest-exact", (2, 2, 5, 4), None),
         *[(mode, shape, corners) for corners in (False, True)
           for mode, shape in (("linear", (2, 3, 6)), ("bilinear", (2, 2, 5, 4)),
                               ("trilinear", (1, 2, 3, 4, 3)))]]


@pytest.mark.parametrize("config", CONFIGS, ids=str)
@pytest.mark.parametrize("mode, shape, align_corners", MODES, ids=str)
def test_interpolate_matches_pytorch(mode, shape, config, align_corners):
    if "scale_factor" in config and min(shape[2:]) * config["scale_factor"] < 1:
        pytest.skip("an empty output")
    kwargs = dict(config, mode=mode, align_corners=align_corners)
    against_torch(lambda x: F.interpolate(x, **kwargs), lambda x: TF.interpolate(x, **kwargs),
                  RNG.standard_normal(shape))


def test_nearest_picks_pytorch_indices_exactly():
    x = np.arange(2 * 7 * 9, dtype=np.float32).reshape(1, 2, 7, 9)
    for kwargs in (dict(size=(11, 4)), dict(scale_factor=(2.3, 0.7)), dict(size=(7, 19))):
        ours = F.interpolate(stir.tensor(x), **kwargs).array
        assert np.array_equal(ours, TF.interpolate(torch.tensor(x), **kwargs).numpy())


def test_nearest_doubling_follows_pytorch_2d_kernel_and_every_backward():
    """An output twice the input reads index i // 2 whatever the scale (PyTorch's shortcut
    in its 2-D kernel and in every backward; its 1-D and 3-D forward kernels skip it)."""
    against_torch(lambda x: F.interpolate(x, scale_factor=2.3),
                  lambda x: TF.interpolate(x, scale_factor=2.3), RNG.standard_normal((1, 1, 3, 3)))
    x = RNG.standard_normal((1, 1, 3)).astype(np.float32)
    ours, theirs = stir.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = F.interpolate(ours, scale_factor=2.3)
    assert np.array_equal(out.array[0, 0], x[0, 0][[0, 0, 1, 1, 2, 2]])
    out.sum().backward()
    TF.interpolate(theirs, scale_factor=2.3).sum().backward()
    assert np.array_equal(ours.grad.array, theirs.grad.numpy())


def test_interpolate_of_a_view_and_float64_and_upsample():
    x = RNG.standard_normal((3, 2, 6, 8))[:, :, ::2, 1::2]  # non-contiguous
    ours = F.interpolate(stir.tensor(x), size=(4, 5), mode="bilinear", align_corners=False)
    theirs = TF.interpolate(torch.tensor(x), size=(4, 5), mode="bilinear", align_corners=False)
    np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-12, atol=1e-12)
    assert ours.dtype == np.float64
    for kwargs in (dict(scale_factor=2), dict(size=(5, 3), mode="bilinear", align_corners=True),
                   dict(scale_factor=(1.5, 2.0), mode="nearest")):
        up, reference = nn.Upsample(**kwargs), torch.nn.Upsample(**kwargs)
        assert repr(up) == repr(reference)
        against_torch(up, reference, RNG.standard_normal((2, 3, 4, 4)))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.interpolate(x, size=4, mode="cubic"), ValueError, "mode must be one of"),
    (lambda x: F.interpolate(x, size=4, mode="bicubic"), NotImplementedError, "not in stir"),
    (lambda x: F.interpolate(x, size=4, mode="linear"), ValueError,
     r"linear mode needs input of shape \(N, C, L\), got \(1, 2, 3, 3\)"),
    (lambda x: F.interpolate(x[0], size=4, mode="bilinear"), ValueError,
     r"bilinear mode needs input of shape \(N, C, H, W\), got \(2, 3, 3\)"),
    (lambda x: F.interpolate(x[0, 0], size=4), ValueError,
     r"expected input of shape \(N, C, L\), \(N, C, H, W\) or \(N, C, D, H, W\), got \(3, 3\)"),
    (lambda x: F.interpolate(x, size=4, scale_factor=2), ValueError, "only one of size"),
    (lambda x: F.interpolate(x), ValueError, "either size or scale_factor"),
    (lambda x: F.interpolate(x, size=4, align_corners=True), ValueError,
     "align_corners option can only be set"),
    (lambda x: F.interpolate(x, size=(4, 4, 4)), ValueError, "same number of spatial"),
    (lambda x: F.interpolate(x, size=(4.0, 4)), TypeError, "size must be a number"),
    (lambda x: F.interpolate(x, scale_factor=0.1), ValueError, "greater than 0"),
    (lambda x: F.interpolate(x, scale_factor=-2), ValueError, "must be positive"),
    (lambda x: F.interpolate(x.long(), size=4, mode="bilinear"), TypeError, "floating-point"),
])
def test_interpolate_errors(call, error, message):
    with pytest.raises(error, match=message):
        call(stir.ones(1, 2, 3, 3))


# ----------------------------------------------------------------------------- dropout2d
def test_dropout2d_zeroes_whole_channels_at_rate_p_and_scales_the_rest():
    p, x = 0.3, stir.ones(200, 50, 3, 2, requires_grad=True)
    out = nn.Dropout2d(p, generator=stir.Generator().manual_seed(0))(x)
    values = out.array
    channel = values[:, :, :1, :1]
    assert np.array_equal(values, np.broadcast_to(channel, values.shape))  # whole channels
    assert set(np.unique(channel).tolist()) == {0.0, np.float32(1 / (1 - p))}
    dropped = float(np.mean(channel == 0))
    assert abs(dropped - p) < 3 * np.sqrt(p * (1 - p) / channel.size)
    out.sum().backward()
    assert np.array_equal(x.grad.array, values)  # dy/dx: the same mask times 1/(1-p)
    assert out.dtype == np.float32


def test_dropout2d_is_seeded_identity_in_eval_and_checks_its_input():
    x = stir.tensor(RNG.standard_normal((4, 5, 3, 3)).astype(np.float32))
    first = F.dropout2d(x, 0.5, generator=stir.Generator(7))
    assert np.array_equal(first.array, F.dropout2d(x, 0.5, generator=stir.Generator(7)).array)
    layer = nn.Dropout2d(0.5).eval()
    assert layer(x) is x and F.dropout2d(x, training=False) is x
    assert repr(nn.Dropout2d(0.25)) == "Dropout2d(p=0.25)"
    assert np.array_equal(F.dropout2d(x, 1.0).array, np.zeros_like(x.array))
    with pytest.raises(ValueError, match="^Dropout2d: dropout probability has to be between"):
        nn.Dropout2d(1.5)
    hidden = x * 1
    assert nn.Dropout2d(0.5, inplace=True)(hidden) is hidden  # as PyTorch: the input, changed
    with pytest.raises(ValueError, match=r"dropout2d: expected input of shape \(N, C, H, W\)"):
        F.dropout2d(stir.ones(2, 3))
    with pytest.warns(UserWarning, match="Received a 3D input"):  # PyTorch's (N, C, L)
        out = F.dropout2d(stir.ones(6, 40, 5), generator=stir.Generator(0))
    assert np.array_equal(out.array, np.broadcast_to(out.array[:, :, :1], out.shape))


def test_dropout1d_zeroes_whole_channels_batched_or_not():
    out = nn.Dropout1d(0.5, generator=stir.Generator(0))(stir.ones(8, 30, 4)).array
    assert np.array_equal(out, np.broadcast_to(out[:, :, :1], out.shape))
    assert 0 < np.mean(out == 0) < 1
    single = F.dropout1d(stir.ones(30, 4), generator=stir.Generator(0)).array
    assert np.array_equal(single, np.broadcast_to(single[:, :1], single.shape))
    with pytest.raises(ValueError, match=r"dropout1d: expected input of shape \(N, C, L\)"):
        F.dropout1d(stir.ones(1, 2, 3, 4))


def test_dropout2d_with_no_dropping_matches_pytorch():
    x = RNG.standard_normal((2, 3, 4, 4))
    against_torch(lambda a: F.dropout2d(a, 0.0), lambda a: TF.dropout2d(a, 0.0), x)
    against_torch(nn.Dropout2d(0.7).eval(), torch.nn.Dropout2d(0.7).eval(), x)


# ----------------------------------------------------------------------------- unflatten
@pytest.mark.parametrize("shape, dim, sizes", [((5, 12), 1, (3, 4)), ((5, 12), 1, (2, -1)),
                                               ((5, 12), -1, (-1, 6)), ((6, 2), 0, (1, 6)),
                                               ((2, 24, 3), 1, (2, 3, 4))])
def test_unflatten_matches_pytorch(shape, dim, sizes):
    layer, reference = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    assert repr(layer) == repr(reference)
    against_torch(layer, reference, RNG.standard_normal(shape))


def test_unflatten_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"Unflatten\(dim=1, unflattened_size=\(5, 5\)\): the "
                                         r"sizes \(5, 5\) do not multiply to dimension 1 of "
                                         r"the input, of shape \(2, 12\)"):
        nn.Unflatten(1, (5, 5))(stir.zeros(2, 12))
    with pytest.raises(IndexError, match="dim 3 is out of range for an input of shape"):
        nn.Unflatten(3, (2, 6))(stir.zeros(2, 12))
    with pytest.raises(TypeError, match="found element of type float at pos 1"):
        nn.Unflatten(1, (2, 6.0))
    with pytest.raises(TypeError, match="must be a tuple of ints, but found type int"):
        nn.Unflatten(1, 6)
    with pytest.raises(ValueError, match="at most one of them -1"):
        nn.Unflatten(1, (-1, -1))


# ----------------------------------------------------------------------------- embedding
@pytest.mark.parametrize("index, error, message", [
    ([10], IndexError, r"index 10 is out of range .* must be in \[0, 10\)"),
    ([[3, -1]], IndexError, r"index -1 is out of range .* must be in \[0, 10\)"),
    ([1.0], TypeError, "the indices must be an integer tensor"),
])
def test_embedding_errors_name_the_layer_or_the_function(index, error, message):
    layer = nn.Embedding(10, 3)
    with pytest.raises(error, match=r"^Embedding\(10, 3\): " + message):
        layer(stir.tensor(index))
    with pytest.raises(error, match="^embedding: " + message):
        F.embedding(stir.tensor(index), layer.weight)


def test_pad_refuses_what_pytorch_refuses():
    x = stir.zeros(2, 3)
    with pytest.raises(TypeError, match="found element of type float at pos 0"):
        F.pad(x, (1.5, 1))
    with pytest.raises(TypeError, match="pad must be a tuple of ints, not int"):
        F.pad(x, 1)
    with pytest.raises(TypeError, match="value must be a number, not str"):
        F.pad(x, (1, 1), value="a")


# ----------------------------------------------------------------------------- save, compile
def misc_model():
    return nn.Sequential(nn.Linear(4, 12), nn.Unflatten(1, (3, 2, -1)), nn.Dropout2d(0.3),
                         nn.Upsample(scale_factor=2, mode="bilinear"), nn.Flatten(),
                         nn.Linear(48, 2))


def round_trip(model, tmp_path, x):
    path = tmp_path / "model.stir"
    loaded = stir.load(stir.save(model, path))
    assert repr(loaded) == repr(model)
    assert np.array_equal(loaded.eval()(x).array, model(x).array)


def test_save_and_load_round_trip(tmp_path):
    model = nn.Sequential(nn.Linear(4, 12), nn.Unflatten(1, (3, 2, -1)), nn.Dropout2d(0.3),
                          nn.Flatten(), nn.Dropout1d(0.2), nn.Linear(12, 2)).eval()
    round_trip(model, tmp_path, stir.tensor(RNG.standard_normal((5, 4)).astype(np.float32)))


@pytest.mark.parametrize("layer", [nn.Unflatten(-1, (2, 2)),
                                   nn.Upsample(size=(3, 5), mode="bilinear",
                                               align_corners=True)], ids=repr)
def test_save_and_load_round_trip_of_negative_dims_and_upsample(layer, tmp_path):
    model = nn.Sequential(nn.Linear(4, 12), nn.Unflatten(1, (1, 3, 4)), layer).eval()
    round_trip(model, tmp_path, stir.tensor(RNG.standard_normal((5, 4)).astype(np.float32)))


def run(model_maker, compiled, steps=6, train=True):
    stir.manual_seed(0)
    model = model_maker()
    model.train(train)
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    data = [(RNG_DATA[k][0], RNG_DATA[k][1]) for k in range(steps)]
    if compiled:
        step = stir.compile(model, F.cross_entropy, opt)
        return model, [float(step(x, y)) for x, y in data], step
    losses = []
    for x, y in data:
        loss = F.cross_entropy(model(stir.tensor(x)), stir.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return model, losses, None


RNG_DATA = [(np.random.default_rng(k).standard_normal((8, 4)).astype(np.float32),
             np.random.default_rng(k).integers(2, size=8)) for k in range(8)]


def test_compile_in_eval_replays_bit_exactly():
    eager, eager_losses, _ = run(misc_model, False, train=False)
    model, losses, step = run(misc_model, True, train=False)
    assert step.replaying and losses == eager_losses
    for a, b in zip(eager.parameters(), model.parameters()):
        assert np.array_equal(a.array, b.array)


def test_compile_in_training_runs_eagerly_and_says_so_once():
    eager, eager_losses, _ = run(misc_model, False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, losses, step = run(misc_model, True)
    messages = [str(w.message) for w in caught if "stir.compile" in str(w.message)]
    assert len(messages) == 1 and "dropout mask" in messages[0]
    assert not step.replaying and losses == eager_losses
    for a, b in zip(eager.parameters(), model.parameters()):
        assert np.array_equal(a.array, b.array)


@pytest.mark.parametrize("ours, theirs", [
    (F.dropout1d, TF.dropout1d), (F.dropout2d, TF.dropout2d), (F.interpolate, TF.interpolate),
    (nn.Dropout1d, torch.nn.Dropout1d), (nn.Dropout2d, torch.nn.Dropout2d),
    (nn.Unflatten, torch.nn.Unflatten), (nn.Upsample, torch.nn.Upsample),
], ids=lambda f: f.__name__)
def test_pytorchs_arguments_in_pytorchs_order_and_defaults(ours, theirs):
    mine = inspect.signature(ours).parameters
    reference = inspect.signature(theirs).parameters
    assert list(mine)[:len(reference)] == list(reference)
    assert [p.default for p in mine.values()][:len(reference)] == [
        p.default for p in reference.values()]
