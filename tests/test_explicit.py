"""stir.explicit: the seed-001 worked values, agreement with autograd, and training."""

import numpy as np
import pytest

import stir
import stir.explicit as ex
from stir.explicit import (
    AffineMap, NeuralNet, architecture, backprop, bias_gradients, cost, forwardprop, relu,
    relu_prime, sigmoid, sigmoid_prime, train, weight_gradients,
)


def seed_net() -> NeuralNet:
    W1, W2 = [[3.0, -4], [-2, 4]], [[1.0, -1]]
    b1, b2 = [1.0, -4], [0.0]
    return NeuralNet([AffineMap(W1, b1), AffineMap(W2, b2)], relu, relu_prime)


def assert_all_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_array_equal(a, np.array(e, dtype=float))


def test_worked_example_matches_the_seed_exactly():
    net = seed_net()
    activations = forwardprop(net, [-2.0, -3])
    assert_all_equal(activations, [[-2, -3], [7, -12], [7, 0], [7], [7]])
    gradients = backprop(net, activations, [2.0])
    assert_all_equal(gradients, [[30, -40], [10, 0], [10, -10], [10], [10]])
    assert_all_equal(weight_gradients(net, activations, gradients),
                     [[[-20, -30], [0, 0]], [[70, 0]]])
    assert_all_equal(bias_gradients(net, gradients), [[10, 0], [10]])
    assert architecture(net) == [2, 2, 1]
    np.testing.assert_array_equal(net([-2.0, -3]), [7.0])


def test_first_composition_example():
    A1 = AffineMap([[3.0, -2], [1, 4]], [1.0, 1])
    A2 = AffineMap([[-4.0, 0], [3, 1]], [-2.0, 2])
    np.testing.assert_array_equal(A2(relu(A1([-2.0, -4]))), [-14.0, 11.0])
    np.testing.assert_array_equal(NeuralNet([A1, A2], relu, relu_prime)([-2.0, -4]), [-14, 11])


def test_node_indices_and_reprs():
    assert [ex.green_node(j) for j in range(3)] == [0, 2, 4]
    assert [ex.purple_node(j) for j in range(3)] == [1, 3, 5]
    assert repr(seed_net()) == "NeuralNet([2, 2, 1], K=relu)"
    assert repr(AffineMap(np.zeros((5, 2)), np.zeros(5))) == "AffineMap(2 => 5)"


def random_net(arch, K, K_prime, rng):
    maps = [AffineMap(rng.standard_normal((m, n)), rng.standard_normal(m))
            for n, m in zip(arch, arch[1:])]
    return NeuralNet(maps, K, K_prime)


def autograd_gradients(net, x, y, activation):
    """∂C/∂W_j, ∂C/∂b_j and ∂C/∂x by stir's autograd, for C = Σ |N(x_i) - y_i|²."""
    Ws = [stir.tensor(A.W, requires_grad=True) for A in net.maps]
    bs = [stir.tensor(A.b, requires_grad=True) for A in net.maps]
    x_t = stir.tensor(x, requires_grad=True)
    h = x_t
    for j, (W, b) in enumerate(zip(Ws, bs)):
        h = (W @ h + b) if x.ndim == 1 else (h @ W.T + b)
        if j < len(Ws) - 1:
            h = getattr(h, activation)()
    ((h - stir.tensor(y)) ** 2).sum().backward()
    return [W.grad.numpy() for W in Ws], [b.grad.numpy() for b in bs], x_t.grad.numpy()


ACTIVATIONS = [(relu, relu_prime, "relu"), (sigmoid, sigmoid_prime, "sigmoid")]
ARCHITECTURES = [[1, 1], [3, 4, 2], [2, 5, 1], [4, 8, 8, 3], [5, 3, 6, 2, 4]]


@pytest.mark.parametrize("K, K_prime, name", ACTIVATIONS, ids=[a[2] for a in ACTIVATIONS])
@pytest.mark.parametrize("arch", ARCHITECTURES, ids=str)
@pytest.mark.parametrize("batch", [None, 7], ids=["one", "batch"])
def test_explicit_gradients_equal_autograd(K, K_prime, name, arch, batch):
    rng = np.random.default_rng(sum(arch) + (batch or 0))
    net = random_net(arch, K, K_prime, rng)
    shape = (arch[0],) if batch is None else (batch, arch[0])
    x = rng.standard_normal(shape)
    y = rng.standard_normal(shape[:-1] + (arch[-1],))
    activations = forwardprop(net, x)
    gradients = backprop(net, activations, y)
    expected_W, expected_b, expected_x = autograd_gradients(net, x, y, name)
    for got, want in zip(weight_gradients(net, activations, gradients), expected_W):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    for got, want in zip(bias_gradients(net, gradients), expected_b):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(gradients[0], expected_x, rtol=1e-10, atol=1e-10)


def test_batch_gradients_are_sums_over_observations():
    rng = np.random.default_rng(3)
    net = random_net([3, 4, 2], relu, relu_prime, rng)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    batch = forwardprop(net, X)
    batch_gradients = backprop(net, batch, Y)
    total_W = [np.zeros_like(A.W) for A in net.maps]
    for x, y in zip(X, Y):
        a = forwardprop(net, x)
        for total, dW in zip(total_W, weight_gradients(net, a, backprop(net, a, y))):
            total += dW
    for got, want in zip(weight_gradients(net, batch, batch_gradients), total_W):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def paraboloid(n=1000, seed=123):
    X = np.random.default_rng(seed).random((n, 2))
    return X, 1 - (X ** 2).sum(axis=1, keepdims=True)


def test_train_fits_the_paraboloid_as_in_the_seed():
    # The seed's full run: arch [2,5,1], batch 100, ε = 0.005, 10 000 iterations; it
    # reports a cost of 0.00343. About 0.3 s here.
    X, Y = paraboloid()
    observations = list(zip(X, Y))
    net = train([2, 5, 1], relu, relu_prime, observations, 100, 0.005, 10_000, rng=0)
    assert architecture(net) == [2, 5, 1]
    assert cost(net, observations) < 0.01
    constant = float(((Y - Y.mean()) ** 2).mean())  # the best constant predictor's cost
    assert cost(net, observations) < constant / 5


def test_train_is_reproducible_and_accepts_arrays_or_pairs():
    X, Y = paraboloid(200)
    one = train([2, 3, 1], relu, relu_prime, (X, Y), 10, 0.01, 50, rng=7)
    two = train([2, 3, 1], relu, relu_prime, list(zip(X, Y)), 10, 0.01, 50, rng=7)
    for A, B in zip(one.maps, two.maps):
        np.testing.assert_array_equal(A.W, B.W)
        np.testing.assert_array_equal(A.b, B.b)


def test_train_initializes_as_the_seed():
    X, Y = paraboloid(10)
    net = train([2, 5, 1], relu, relu_prime, (X, Y), 4, 0.1, 0, rng=5)
    generator = np.random.default_rng(5)
    for A, (m, n) in zip(net.maps, [(5, 2), (1, 5)]):
        np.testing.assert_array_equal(A.W, generator.standard_normal((m, n)))
        np.testing.assert_array_equal(A.b, np.full(m, 0.1))


def test_one_training_step_is_minus_lr_times_the_mean_gradient():
    X, Y = paraboloid(3)
    batch_index = np.random.default_rng(11)
    initial = train([2, 3, 1], relu, relu_prime, (X, Y), 5, 0.2, 0, rng=11)
    stepped = train([2, 3, 1], relu, relu_prime, (X, Y), 5, 0.2, 1, rng=11)
    for shape in [(3, 2), (1, 3)]:
        batch_index.standard_normal(shape)  # replay the initialization's draws
    batch = batch_index.integers(0, 3, size=5)
    a = forwardprop(initial, X[batch])
    g = backprop(initial, a, Y[batch])
    for A0, A1, dW, db in zip(initial.maps, stepped.maps, weight_gradients(initial, a, g),
                              bias_gradients(initial, g)):
        np.testing.assert_allclose(A1.W, A0.W - 0.2 * dW / 5, rtol=1e-14)
        np.testing.assert_allclose(A1.b, A0.b - 0.2 * db / 5, rtol=1e-14)


def test_cost_is_the_mean_squared_distance():
    net = seed_net()
    assert cost(net, [([-2.0, -3], [2.0]), ([0.0, 0], [1.0])]) == pytest.approx((25 + 0) / 2)


BAD_INPUTS = [
    (lambda: AffineMap([1.0, 2.0], [0.0]), ValueError, "must be a matrix"),
    (lambda: AffineMap([[1.0, 2.0]], [0.0, 1.0]), ValueError, "length 1"),
    (lambda: AffineMap([["a"]], [0.0]), TypeError, "real numbers"),
    (lambda: AffineMap([[1.0, 2.0]], [0.0])([1.0, 2.0, 3.0]), ValueError, "input must have shape"),
    (lambda: NeuralNet([], relu, relu_prime), ValueError, "at least one"),
    (lambda: NeuralNet([AffineMap(np.ones((3, 2)), np.ones(3)),
                        AffineMap(np.ones((1, 2)), np.ones(1))], relu, relu_prime),
     ValueError, "outputs 3 numbers"),
    (lambda: NeuralNet([np.ones((2, 2))], relu, relu_prime), TypeError, "not an AffineMap"),
    (lambda: NeuralNet(seed_net().maps, lambda x: x if x > 0 else 0, relu_prime)([1.0, 2.0]),
     TypeError, "componentwise"),
    (lambda: backprop(seed_net(), forwardprop(seed_net(), [1.0, 2.0]), [1.0, 2.0]),
     ValueError, "y has shape"),
    (lambda: backprop(seed_net(), [np.ones(2)], [1.0]), ValueError, "activations"),
    (lambda: train([3, 1], relu, relu_prime, paraboloid(5), 2), ValueError, "arch"),
    (lambda: train([2, 1], relu, relu_prime, [([1.0, 2.0], [1.0]), ([1.0], [2.0])], 2),
     ValueError, "pairs"),
    (lambda: train([2, 1], relu, relu_prime, paraboloid(5), 0), ValueError, "batch_size"),
    (lambda: train([2, 1], relu, relu_prime, (np.full((2, 2), np.nan), np.ones((2, 1))), 1),
     ValueError, "NaN"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS)
def test_bad_input_gets_a_clear_error(call, error, message):
    with pytest.raises(error, match=message):
        call()
