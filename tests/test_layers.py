"""Layers (Linear, Sequential, MLP, Dropout, Flatten, Maxout), initializers and penalties."""

import math

import numpy as np
import pytest

import stir
from stir import nn


def f64(*shape):
    return stir.randn(*shape, dtype=stir.float64, requires_grad=True)


# ----------------------------------------------------------------------------- Linear
def test_linear_has_pytorch_shapes_and_init_bounds():
    layer = nn.Linear(100, 30, generator=stir.Generator(0))
    assert layer.weight.shape == (30, 100) and layer.bias.shape == (30,)
    bound = 1 / math.sqrt(100)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        assert np.abs(p.array).max() <= bound and np.abs(p.array).max() > 0.8 * bound


def test_linear_init_is_reproducible_from_a_generator():
    a = nn.Linear(4, 3, generator=stir.Generator(7))
    b = nn.Linear(4, 3, generator=stir.Generator(7))
    assert np.array_equal(a.weight.array, b.weight.array)
    stir.manual_seed(3)
    c = nn.Linear(4, 3)
    stir.manual_seed(3)
    d = nn.Linear(4, 3)
    assert np.array_equal(c.bias.array, d.bias.array)


def test_linear_matches_pytorch_values_and_gradients():
    torch = pytest.importorskip("torch")
    ours = nn.Linear(4, 3)
    theirs = torch.nn.Linear(4, 3)
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.array))
        theirs.bias.copy_(torch.from_numpy(ours.bias.array))
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    ours(stir.tensor(x)).sum().backward()
    expected = theirs(torch.from_numpy(x))
    expected.sum().backward()
    np.testing.assert_allclose(ours(stir.tensor(x)).array, expected.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.weight.grad.array, theirs.weight.grad.numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.bias.grad.array, theirs.bias.grad.numpy(), rtol=1e-5)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    assert layer(stir.ones(3)).shape == (2,)


def test_wrong_input_width_names_the_layer_and_both_sizes():
    with pytest.raises(ValueError, match=r"Linear\(5 => 2\) expects inputs whose last "
                                         r"dimension is 5; got shape \(3, 4\)"):
        nn.Linear(5, 2)(stir.ones(3, 4))


def test_sequential_says_which_layer_failed():
    net = nn.Sequential(nn.Linear(2, 5), nn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"Sequential layer 1: Linear\(4 => 1\) expects "
                                         r"inputs whose last dimension is 4; got shape \(3, 5\)"):
        net(stir.ones(3, 2))


@pytest.mark.parametrize("bad", [0, -3, 2.5])
def test_linear_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="positive integer"):
        nn.Linear(bad, 2)


def test_sequential_indexing_iteration_and_append():
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 4))
    assert isinstance(net[1], nn.Linear) and len(net[:1]) == 1
    net.append(nn.Linear(4, 1))
    assert [m.out_features for m in net] == [3, 4, 1]
    assert net(stir.ones(2)).shape == (1,)


# ----------------------------------------------------------------------------- MLP
class Square(nn.Module):
    def forward(self, x):
        return x * x


def test_mlp_alternates_affine_maps_and_activations():
    net = nn.MLP([2, 5, 3, 1], activation=Square)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "Square", "Linear", "Square", "Linear"]
    assert net.architecture == [2, 5, 3, 1]
    assert net(stir.ones(4, 2)).shape == (4, 1)


def test_mlp_output_activation_and_gradients():
    net = nn.MLP([3, 4, 2], activation=Square, output_activation=Square).double()
    assert type(net[-1]).__name__ == "Square"
    assert stir.gradcheck(lambda x: net(x), (f64(2, 3),))


@pytest.mark.parametrize("architecture", [[2], [], [2, 0, 1], [2, -1]])
def test_mlp_rejects_bad_architectures(architecture):
    with pytest.raises(ValueError, match="architecture"):
        nn.MLP(architecture, activation=Square)


def test_mlp_refuses_a_shared_activation_with_parameters():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.alpha = nn.Parameter(stir.ones(1))

    with pytest.raises(ValueError, match="pass the class"):
        nn.MLP([2, 3, 1], activation=Scaled())


def test_mlp_rejects_an_unknown_kind_of_activation():
    with pytest.raises(TypeError, match="activation must be"):
        nn.MLP([2, 3, 1], activation=42)


# ----------------------------------------------------------------------------- others
def test_dropout_scales_kept_values_in_training_and_is_identity_in_eval():
    drop = nn.Dropout(0.25, generator=stir.Generator(1))
    x = stir.ones(10_000, requires_grad=True)
    out = drop(x)
    kept = out.array != 0
    assert np.allclose(out.array[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.02
    out.sum().backward()
    assert np.array_equal(x.grad.array != 0, kept)  # the gradient flows only where kept
    drop.eval()
    assert drop(x) is x


def test_dropout_is_reproducible_and_validates_p():
    a = nn.Dropout(0.5, generator=stir.Generator(5))(stir.ones(50))
    b = nn.Dropout(0.5, generator=stir.Generator(5))(stir.ones(50))
    assert np.array_equal(a.array, b.array)
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
            nn.Dropout(p)
    assert not nn.Dropout(1.0)(stir.ones(5)).array.any()  # p = 1 drops all, as in PyTorch


def test_flatten_keeps_the_batch_dimension():
    assert nn.Flatten()(stir.ones(4, 2, 3)).shape == (4, 6)
    assert nn.Flatten(0)(stir.ones(4, 2, 3)).shape == (24,)


def test_maxout_takes_the_largest_piece():
    layer = nn.Maxout(2, 1, pieces=3)
    with stir.no_grad():
        layer.affine.weight.array[...] = [[1, 0], [0, 1], [-1, -1]]
        layer.affine.bias.array[...] = 0
    out = layer(stir.tensor([[2.0, 5.0], [-3.0, -1.0]]))
    assert out.tolist() == [[5.0], [4.0]]
    layer.double()
    assert stir.gradcheck(lambda x: layer(x), (f64(4, 2),))


# ----------------------------------------------------------------------------- init
def big():
    return stir.zeros(400, 300)


@pytest.mark.parametrize("initializer, expected_std", [
    (lambda t, g: nn.init.normal_(t, 0.0, 0.5, generator=g), 0.5),
    (lambda t, g: nn.init.uniform_(t, -1.0, 1.0, generator=g), 1 / math.sqrt(3)),
    (lambda t, g: nn.init.xavier_uniform_(t, generator=g), math.sqrt(2 / 700)),
    (lambda t, g: nn.init.xavier_normal_(t, generator=g), math.sqrt(2 / 700)),
    (lambda t, g: nn.init.kaiming_uniform_(t, nonlinearity="relu", generator=g),
     math.sqrt(2 / 300)),
    (lambda t, g: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu", generator=g),
     math.sqrt(2 / 400)),
])
def test_initializers_have_the_documented_spread_and_are_reproducible(initializer,
                                                                       expected_std):
    a = initializer(big(), stir.Generator(0))
    b = initializer(big(), stir.Generator(0))
    assert np.array_equal(a.array, b.array) and a.dtype == np.float32
    assert abs(a.array.std() - expected_std) < 0.02 * expected_std
    assert abs(a.array.mean()) < 0.05 * expected_std


def test_xavier_uniform_stays_within_its_bound():
    t = nn.init.xavier_uniform_(stir.zeros(50, 30), gain=2.0)
    assert np.abs(t.array).max() <= 2.0 * math.sqrt(6 / 80)


def test_constant_zeros_ones_and_gain():
    t = stir.zeros(2, 2)
    assert nn.init.constant_(t, 0.3).tolist() == [[np.float32(0.3)] * 2] * 2
    assert nn.init.ones_(t).array.sum() == 4 and nn.init.zeros_(t).array.sum() == 0
    assert nn.init.calculate_gain("tanh") == 5 / 3
    assert math.isclose(nn.init.calculate_gain("leaky_relu", 0.2), math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        nn.init.calculate_gain("swish")


def test_fan_needs_two_dimensions():
    with pytest.raises(ValueError, match="2 or more dimensions"):
        nn.init.xavier_uniform_(stir.zeros(5))


def test_initializing_a_parameter_does_not_record_and_bumps_its_version():
    layer = nn.Linear(3, 2)
    version = layer.weight._version[0]
    nn.init.zeros_(layer.weight)
    assert layer.weight.grad_fn is None and layer.weight._version[0] == version + 1


def test_seed_init_gives_standard_normal_weights_and_biases_of_a_tenth():
    net = nn.init.seed_init_(nn.MLP([200, 300, 1], activation=Square),
                             generator=stir.Generator(0))
    assert np.allclose(net[0].bias.array, 0.1) and np.allclose(net[2].bias.array, 0.1)
    assert abs(net[0].weight.array.std() - 1) < 0.01


# ----------------------------------------------------------------------------- penalties
def test_l2_and_l1_penalties_and_their_gradients():
    w = stir.tensor([[1.0, -2.0], [0.5, 0.0]], requires_grad=True)
    v = stir.tensor([3.0], requires_grad=True)
    penalty = nn.l2_penalty([w, v], weight=0.5)
    assert penalty.item() == pytest.approx(0.5 * (1 + 4 + 0.25 + 9))
    penalty.backward()
    assert w.grad.tolist() == [[1.0, -2.0], [0.5, 0.0]] and v.grad.tolist() == [3.0]
    w.grad = None
    nn.l1_penalty([w], weight=2.0).backward()
    assert w.grad.tolist() == [[2.0, -2.0], [2.0, 0.0]]
    with pytest.raises(ValueError, match="no tensors"):
        nn.l2_penalty([])
