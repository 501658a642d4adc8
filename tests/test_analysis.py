"""Tests for stir.analysis: exact breakpoints, keypoint networks, bumps, loss slices."""

import numpy as np
import pytest

import stir
import stir.analysis
import stir.nn.functional as F
from stir import nn

A = stir.analysis


def evaluate(model, xs, dtype=np.float64):
    with stir.no_grad():
        out = model(stir.from_numpy(np.asarray(xs, dtype=dtype).reshape(-1, 1)))
    return np.asarray(out.array, dtype=np.float64).ravel()


def random_net(hidden, seed, dtype=np.float64):
    """A random ReLU MLP ℝ → ℝ; the first layer is spread so kinks fall across [-3, 3]."""
    generator = stir.Generator(seed)
    net = nn.MLP([1, *hidden, 1], activation="relu", dtype=dtype, generator=generator)
    rng = np.random.default_rng(seed)
    net[0].weight.array[...] = rng.standard_normal(net[0].weight.shape)
    net[0].bias.array[...] = rng.uniform(-3, 3, net[0].bias.shape)
    return net


NETS = [((hidden,), seed) for seed in range(4) for hidden in (1, 3, 12)]
NETS += [((w1, w2), seed) for seed in range(4) for w1, w2 in ((4, 5), (9, 7), (16, 16))]
NETS += [((w1, w2, w3), seed) for seed in range(3) for w1, w2, w3 in ((5, 6, 4), (12, 9, 10))]


def piece_slopes(model, kinks):
    """Slopes of the model just left and right of each kink, by exact two-point differences."""
    gaps = np.diff(np.concatenate([[-np.inf], kinks, [np.inf]]))
    delta = np.minimum(1e-3, np.minimum(gaps[:-1], gaps[1:]) / 4)
    left = (evaluate(model, kinks) - evaluate(model, kinks - delta)) / delta
    right = (evaluate(model, kinks + delta) - evaluate(model, kinks)) / delta
    return left, right


@pytest.mark.parametrize("hidden, seed", NETS)
def test_keypoints_interpolate_network_exactly(hidden, seed):
    net = random_net(hidden, seed)
    kinks = A.breakpoints(net)
    assert np.all(np.diff(kinks) > 0)
    lo = min(-4.0, kinks.min(initial=0.0) - 1)
    hi = max(4.0, kinks.max(initial=0.0) + 1)
    xs, ys = A.keypoints(net, lo, hi)
    dense = np.linspace(lo, hi, 10_000)
    np.testing.assert_allclose(np.interp(dense, xs, ys), evaluate(net, dense), rtol=0,
                               atol=1e-9)
    # Outside every kink the network is a straight line: no kink was missed out there.
    for side in (np.array([lo - 50.0, lo - 10.0, lo]), np.array([hi, hi + 10.0, hi + 50.0])):
        values = evaluate(net, side)
        slope = (values[1] - values[0]) / (side[1] - side[0])
        assert values[2] == pytest.approx(values[1] + slope * (side[2] - side[1]), abs=1e-9)


@pytest.mark.parametrize("hidden, seed", NETS)
def test_slope_changes_at_every_breakpoint(hidden, seed):
    net = random_net(hidden, seed)
    kinks = A.breakpoints(net)
    if kinks.size == 0:
        pytest.skip("this network happens to be linear")
    left, right = piece_slopes(net, kinks)
    scale = np.maximum(1.0, np.maximum(abs(left), abs(right)))
    assert np.all(abs(right - left) > 1e-7 * scale)


def test_deep_nets_do_have_kinks_beyond_the_first_layer():
    counts = [A.breakpoints(random_net((12, 9, 10), seed)).size for seed in range(3)]
    assert max(counts) > 12  # more kinks than first-layer units: later layers add their own


def test_one_hidden_layer_breakpoints_are_minus_b_over_a():
    net = random_net((8,), 0)
    a, b = net[0].weight.array.ravel(), net[0].bias.array
    net[2].weight.array[0, 3] = 0.0  # a unit that is not used adds no kink
    expected = np.sort(np.delete(-b / a, 3))
    np.testing.assert_allclose(A.breakpoints(net), expected, rtol=1e-14, atol=1e-14)


def test_cancelling_kinks_are_not_reported():
    hidden = nn.Linear(1, 2, dtype=np.float64)
    output = nn.Linear(2, 1, dtype=np.float64)
    hidden.weight.array[...] = [[1.0], [-1.0]]
    hidden.bias.array[...] = [-0.5, 0.5]  # ReLU(x - ½) - ReLU(½ - x) = x - ½: no kink
    output.weight.array[...] = [[1.0, -1.0]]
    assert A.breakpoints(nn.Sequential(hidden, nn.ReLU(), output)).size == 0


def test_float32_network_and_nested_sequential():
    net = random_net((6, 5), 1, dtype=np.float32)
    nested = nn.Sequential(nn.Sequential(net[0], net[1]), net[2], net[3], net[4])
    np.testing.assert_array_equal(A.breakpoints(nested), A.breakpoints(net))
    xs, ys = A.keypoints(nested, -3.0, 3.0)
    dense = np.linspace(-3, 3, 1001)
    np.testing.assert_allclose(np.interp(dense, xs, ys), evaluate(net, dense, np.float32),
                               atol=1e-5)


@pytest.mark.parametrize("model, error, message", [
    (nn.Sequential(nn.Linear(1, 3), nn.Sigmoid(), nn.Linear(3, 1)), TypeError,
     "layer 1 \\(Sigmoid\\) is not supported; only Linear, ReLU and Maxout"),
    (nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)), ValueError, "1 input"),
    (nn.Sequential(nn.Linear(1, 3), nn.ReLU(), nn.Linear(3, 2)), ValueError, "gives 2"),
    (nn.Sequential(nn.ReLU()), ValueError, "no Linear or Maxout layer"),
])
def test_unsupported_models_are_refused(model, error, message):
    with pytest.raises(error, match=message):
        A.breakpoints(model)


def test_keypoints_refuses_an_empty_interval():
    with pytest.raises(ValueError, match="lo < hi"):
        A.keypoints(random_net((3,), 0), 1.0, 1.0)


@pytest.mark.parametrize("n", [2, 3, 7, 20])
def test_keypoints_network_round_trip(n):
    rng = np.random.default_rng(n)
    xs = np.sort(rng.uniform(-2, 2, n))
    ys = rng.standard_normal(n)
    net = A.relu_network_from_keypoints(xs, ys)
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear]
    assert net[0].weight.dtype == np.float64 and net[0].out_features == n
    np.testing.assert_allclose(evaluate(net, xs), ys, rtol=0, atol=1e-12)
    np.testing.assert_allclose(A.breakpoints(net), xs[1:-1], rtol=0, atol=1e-12)
    back_xs, back_ys = A.keypoints(net, xs[0], xs[-1])
    np.testing.assert_allclose(back_xs, xs, atol=1e-12)
    np.testing.assert_allclose(back_ys, ys, atol=1e-12)
    # Beyond the keypoints the end segments continue as straight lines.
    outside = np.array([xs[0] - 1.0, xs[-1] + 1.0])
    first, last = (ys[1] - ys[0]) / (xs[1] - xs[0]), (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    np.testing.assert_allclose(evaluate(net, outside), [ys[0] - first, ys[-1] + last],
                               atol=1e-12)


def test_keypoints_network_leaves_the_global_generator_alone():
    state = stir.default_generator.get_state()
    A.relu_network_from_keypoints([0.0, 1.0], [0.0, 1.0])
    assert stir.default_generator.get_state() == state


@pytest.mark.parametrize("xs, ys, message", [
    ([0.0, 1.0], [0.0], "equal length"),
    ([0.0], [0.0], "at least 2"),
    ([0.0, 0.0, 1.0], [0.0, 1.0, 2.0], "strictly increasing"),
    ([1.0, 0.0], [0.0, 1.0], "strictly increasing"),
    ([0.0, np.nan], [0.0, 1.0], "finite"),
])
def test_keypoints_network_refuses_bad_keypoints(xs, ys, message):
    with pytest.raises(ValueError, match=message):
        A.relu_network_from_keypoints(xs, ys)


def target(x):
    return np.sin(2 * np.pi * x) + 0.5 * x


def test_bump_network_error_shrinks_with_more_bumps():
    dense = np.linspace(0.0, 1.0, 2001)
    errors = []
    for n_bumps in (4, 8, 16, 32, 64):
        net = A.bump_network(target, 0.0, 1.0, n_bumps)
        assert net[0].out_features == 4 * n_bumps and net[2].in_features == 4 * n_bumps
        errors.append(np.max(abs(evaluate(net, dense) - target(dense))))
    assert all(later < 0.6 * earlier for earlier, later in zip(errors, errors[1:]))
    assert errors[-1] < 0.1


@pytest.mark.parametrize("ramp_width", [None, 0.05, 0.2])
def test_each_bump_is_four_units_making_a_trapezoid(ramp_width):
    n_bumps, lo, hi = 4, 0.0, 1.0
    cell = (hi - lo) / n_bumps
    net = A.bump_network(target, lo, hi, n_bumps, ramp_width=ramp_width)
    ramp = cell / 2 if ramp_width is None else ramp_width
    weights = net[2].weight.array.copy()
    net[2].bias.array[...] = 0.0
    for k in range(n_bumps):
        net[2].weight.array[...] = 0.0
        net[2].weight.array[0, 4 * k:4 * k + 4] = weights[0, 4 * k:4 * k + 4]
        kinks = A.breakpoints(net)
        assert kinks.size == 4  # up-ramp start and end, down-ramp start and end
        centre = lo + (k + 0.5) * cell
        height = target(centre)
        xs, ys = A.keypoints(net, lo - 1, hi + 1)
        np.testing.assert_allclose(ys, [0, 0, height, height, 0, 0], atol=1e-12)
        np.testing.assert_allclose(np.diff(kinks)[[0, 2]], [ramp, ramp], rtol=1e-9)
        assert kinks[1] <= centre <= kinks[2]


def test_bump_network_covers_the_ends_and_refuses_bad_arguments():
    net = A.bump_network(lambda x: 3.0, -1.0, 2.0, 5)
    np.testing.assert_allclose(evaluate(net, np.linspace(-1, 2, 301)), 3.0, atol=1e-12)
    for kwargs, message in [({"n_bumps": 0}, "n_bumps"), ({"n_bumps": 2.5}, "n_bumps"),
                            ({"n_bumps": 4, "ramp_width": 0.0}, "ramp_width"),
                            ({"n_bumps": 4, "ramp_width": 0.5}, "ramp_width")]:
        with pytest.raises(ValueError, match=message):
            A.bump_network(target, 0.0, 1.0, **kwargs)
    with pytest.raises(ValueError, match="lo < hi"):
        A.bump_network(target, 1.0, 0.0, 3)


def classification_setup():
    net = nn.MLP([3, 8, 8, 4], dtype=np.float64, generator=stir.Generator(0))
    rng = np.random.default_rng(0)
    x = stir.from_numpy(rng.standard_normal((16, 3)))
    y = stir.from_numpy(rng.integers(0, 4, 16))
    return net, x, y


@pytest.mark.parametrize("normalization", [None, "tensor", "filter"])
def test_loss_slice_is_the_loss_at_zero_and_restores_parameters(normalization):
    net, x, y = classification_setup()
    before = [p.array.copy() for p in net.parameters()]
    arrays = [p.array for p in net.parameters()]
    with stir.no_grad():
        loss = F.cross_entropy(net(x), y).item()
    alphas, losses = A.loss_slice(net, F.cross_entropy, x, y, alphas=np.linspace(-1, 1, 11),
                                  generator=stir.Generator(3), normalization=normalization)
    assert alphas.shape == losses.shape == (11,)
    assert losses[5] == loss
    assert np.ptp(losses) > 0
    for parameter, array, original in zip(net.parameters(), arrays, before):
        assert parameter.array is array
        assert np.array_equal(parameter.array, original)
        assert parameter.grad is None


def test_loss_slice_restores_parameters_when_the_loss_fails():
    net, x, y = classification_setup()
    before = [p.array.copy() for p in net.parameters()]

    def broken(output, target):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        A.loss_slice(net, broken, x, y)
    assert all(np.array_equal(p.array, b) for p, b in zip(net.parameters(), before))


def test_loss_slice_of_a_convex_quadratic_is_a_parabola():
    rng = np.random.default_rng(1)
    net = nn.Linear(4, 2, dtype=np.float64, generator=stir.Generator(1))
    x, y = rng.standard_normal((32, 4)), rng.standard_normal((32, 2))
    alphas, losses = A.loss_slice(net, F.mse_loss, x, y, alphas=np.linspace(-2, 2, 41),
                                  generator=stir.Generator(2))
    coefficients, residual, *_ = np.polyfit(alphas, losses, 2, full=True)
    assert coefficients[0] > 0
    assert residual[0] < 1e-20 * max(1.0, float(np.sum(losses ** 2)))


def test_loss_slice_normalizations_rescale_the_given_direction():
    net, x, y = classification_setup()
    parameters = [p.array for p in net.parameters()]
    rng = np.random.default_rng(5)
    direction = [rng.standard_normal(p.shape) for p in parameters]
    by_tensor = [d * np.linalg.norm(p) / np.linalg.norm(d) for d, p in zip(direction, parameters)]
    by_filter = [d * (np.linalg.norm(p, axis=1) / np.linalg.norm(d, axis=1))[:, None]
                 if p.ndim == 2 else np.zeros_like(d) for d, p in zip(direction, parameters)]
    alphas = [-0.5, 0.25, 1.0]
    for normalization, expected in (("tensor", by_tensor), ("filter", by_filter)):
        _, normalized = A.loss_slice(net, F.cross_entropy, x, y, direction=direction,
                                     alphas=alphas, normalization=normalization)
        _, plain = A.loss_slice(net, F.cross_entropy, x, y, direction=expected, alphas=alphas)
        np.testing.assert_allclose(normalized, plain, rtol=1e-7)


def test_loss_slice_refuses_bad_directions():
    net, x, y = classification_setup()
    shapes = [p.shape for p in net.parameters()]
    with pytest.raises(ValueError, match="direction has 1 tensors but the model has 6"):
        A.loss_slice(net, F.cross_entropy, x, y, direction=[np.zeros(shapes[0])])
    wrong = [np.zeros(s) for s in shapes]
    wrong[2] = np.zeros((2, 2))
    with pytest.raises(ValueError, match="direction 2 has shape \\(2, 2\\)"):
        A.loss_slice(net, F.cross_entropy, x, y, direction=wrong)
    with pytest.raises(ValueError, match="normalization"):
        A.loss_slice(net, F.cross_entropy, x, y, normalization="layer")


# ---- maxout layers (seed 004): the largest of each unit's affine maps ----

def _maxout(inputs, units, pieces, rng, spread=1.0):
    layer = nn.Maxout(inputs, units, pieces=pieces, dtype=np.float64)
    layer.affine.weight.array[...] = rng.standard_normal(layer.affine.weight.shape)
    layer.affine.bias.array[...] = rng.uniform(-3, 3, layer.affine.bias.shape) * spread
    return layer


def _linear(inputs, outputs, rng):
    layer = nn.Linear(inputs, outputs, dtype=np.float64)
    layer.weight.array[...] = rng.standard_normal(layer.weight.shape)
    layer.bias.array[...] = rng.uniform(-3, 3, layer.bias.shape)
    return layer


MAXOUT_NETS = {
    "linear-maxout-relu-linear": lambda rng: nn.Sequential(
        _linear(1, 8, rng), _maxout(8, 6, 3, rng), nn.ReLU(), _linear(6, 1, rng)),
    "maxout-maxout": lambda rng: nn.Sequential(_maxout(1, 5, 2, rng), _maxout(5, 1, 3, rng)),
    "linear-relu-maxout-linear": lambda rng: nn.Sequential(
        _linear(1, 7, rng), nn.ReLU(), _maxout(7, 4, 2, rng), _linear(4, 1, rng)),
}


def test_a_maxout_unit_max_of_x_and_minus_x_is_the_absolute_value():
    unit = nn.Maxout(1, 1, pieces=2, dtype=np.float64)
    unit.affine.weight.array[...] = [[1.0], [-1.0]]
    unit.affine.bias.array[...] = [0.0, 0.0]
    np.testing.assert_array_equal(A.breakpoints(nn.Sequential(unit)), [0.0])
    xs, ys = A.keypoints(nn.Sequential(unit), -2.0, 3.0)
    assert xs.tolist() == [-2.0, 0.0, 3.0] and ys.tolist() == [2.0, 0.0, 3.0]


def test_two_pieces_crossing_inside_the_range_are_split_there():
    unit = nn.Maxout(1, 1, pieces=2, dtype=np.float64)  # max(2x, 0.3 + x): they cross at 0.3
    unit.affine.weight.array[...] = [[2.0], [1.0]]
    unit.affine.bias.array[...] = [0.0, 0.3]
    np.testing.assert_allclose(A.breakpoints(unit), [0.3], rtol=1e-15)
    # Three pieces of which the middle line is never the largest: one kink, where 1 and 3 meet.
    three = nn.Maxout(1, 1, pieces=3, dtype=np.float64)  # max(x, 0.5 x - 5, -x)
    three.affine.weight.array[...] = [[1.0], [0.5], [-1.0]]
    three.affine.bias.array[...] = [0.0, -5.0, 0.0]
    np.testing.assert_array_equal(A.breakpoints(three), [0.0])


@pytest.mark.parametrize("name", sorted(MAXOUT_NETS))
@pytest.mark.parametrize("seed", range(3))
def test_keypoints_interpolate_a_maxout_network_exactly(name, seed):
    net = MAXOUT_NETS[name](np.random.default_rng(seed))
    kinks = A.breakpoints(net)
    assert kinks.size >= 1 and np.all(np.diff(kinks) > 0)
    xs, ys = A.keypoints(net, -3.0, 3.0)
    dense = np.linspace(-3.0, 3.0, 2001)
    np.testing.assert_allclose(np.interp(dense, xs, ys), evaluate(net, dense), atol=1e-9)
    # Between consecutive keypoints the network is one line: no breakpoint was missed.
    middles = (xs[:-1] + xs[1:]) / 2
    np.testing.assert_allclose(evaluate(net, middles), (ys[:-1] + ys[1:]) / 2, atol=1e-9)
    inside = kinks[(kinks > -3) & (kinks < 3)]
    if inside.size:  # and each one reported is a real change of slope
        left, right = piece_slopes(net, inside)
        assert np.all(abs(right - left) > 1e-7 * np.maximum(1.0, abs(left)))


def test_a_float32_maxout_network_from_the_playground():
    generator = stir.Generator(3)
    net = nn.Sequential(nn.Maxout(1, 6, pieces=2, generator=generator), nn.Maxout(
        6, 4, pieces=2, generator=generator), nn.Linear(4, 1, generator=generator))
    xs, ys = A.keypoints(net, 0.0, 1.0)
    dense = np.linspace(0.0, 1.0, 2001)
    np.testing.assert_allclose(np.interp(dense, xs, ys), evaluate(net, dense, np.float32),
                               atol=1e-5)


def test_a_maxout_of_two_inputs_is_refused_as_a_linear_would_be():
    with pytest.raises(ValueError, match="takes 2 inputs"):
        A.breakpoints(nn.Sequential(nn.Maxout(2, 3), nn.Linear(3, 1)))
    with pytest.raises(ValueError, match="gives 3"):
        A.breakpoints(nn.Sequential(nn.Linear(1, 4), nn.Maxout(4, 3, pieces=4)))
