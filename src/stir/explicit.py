"""The neural network of seed 001, written out with explicit matrix calculus and no autograd.

A network N: R^p -> R^q is a list of affine maps A_j(x) = W_j x + b_j with the activation K
applied componentwise (K.) after every map but the last. For one observation (x_i, y_i) and
the cost C_i(y) = |y - y_i|², the seed's algorithm is

    forwardprop:  x, A_1(x), K.(A_1(x)), A_2(...), ..., A_L(...), identity(A_L(...))
    backprop:     start from ∂C_i/∂y = 2(y - y_i)' and go right to left, multiplying by
                  each map's derivative: diag K̇.(u) for K., W_j for A_j, I for the identity
    gradients:    ∂C_i/∂W_j = g_j' a_j'   and   ∂C_i/∂b_j = g_j'

where g_j is the row-vector gradient at the output of A_j (the seed's purple node 2j) and
a_j the vector fed into A_j (the green node 2j - 1). Nodes are numbered from 0 here, so
map j (from 0) reads activations[2j] and writes activations[2j + 1].

Every function also takes a batch, one observation per row (x of shape (n, p), y of shape
(n, q)); then the weight and bias gradients are summed over the batch, which is what `train`
uses to do the seed's per-observation loop as a few matrix products.

>>> net = NeuralNet([AffineMap([[3.0, -4], [-2, 4]], [1.0, -4]),
...                  AffineMap([[1.0, -1]], [0.0])], relu, relu_prime)
>>> activations = forwardprop(net, [-2.0, -3])
>>> [a.tolist() for a in activations]
[[-2.0, -3.0], [7.0, -12.0], [7.0, 0.0], [7.0], [7.0]]
>>> gradients = backprop(net, activations, [2.0])
>>> expected = [[30, -40], [10, 0], [10, -10], [10], [10]]
>>> all(np.array_equal(g, e) for g, e in zip(gradients, expected))  # 0 may print as -0.
True
>>> [w.tolist() for w in weight_gradients(net, activations, gradients)]
[[[-20.0, -30.0], [0.0, 0.0]], [[70.0, 0.0]]]
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._types import Array

Activation = Callable[[Array], Array]


def relu(x: Array) -> Array:
    """K(x) = max(0, x), the seed's default activation, componentwise.

    >>> relu(np.array([-1.0, 2.0]))
    array([0., 2.])
    """
    return np.maximum(x, 0)


def relu_prime(x: Array) -> Array:
    """K̇(x) = 1 if x > 0 else 0, the seed's derivative of ReLU (0 at the kink).

    >>> relu_prime(np.array([-1.0, 0.0, 2.0]))
    array([0., 0., 1.])
    """
    x = np.asarray(x)
    return (x > 0).astype(x.dtype if x.dtype.kind == "f" else np.float64)


def sigmoid(x: Array) -> Array:
    """K(x) = 1 / (1 + e^(-x)), computed without overflow for large |x|.

    >>> sigmoid(np.array([0.0]))
    array([0.5])
    """
    x = _float_array(x, "sigmoid")
    e = np.exp(-np.abs(x))  # never overflows: e ≤ 1
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_prime(x: Array) -> Array:
    """K̇(x) = σ(x)(1 - σ(x)).

    >>> sigmoid_prime(np.array([0.0]))
    array([0.25])
    """
    s = sigmoid(x)
    return s * (1 - s)


def _float_array(value: Any, name: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected real numbers, got an array of dtype {array.dtype}")
    return array if array.dtype.kind == "f" else array.astype(np.float64)


class AffineMap:
    """The affine map x ↦ W x + b, with weight matrix W (s × t) and bias vector b (s).

    Called on a batch (one observation per row) it maps each row: X ↦ X W' + b.

    >>> A = AffineMap([[3.0, -2], [1, 4]], [1.0, 1])
    >>> A([-2.0, -4])
    array([  3., -17.])
    >>> A
    AffineMap(2 => 2)
    """

    def __init__(self, W: Any, b: Any) -> None:
        W = _float_array(W, "AffineMap")
        b = _float_array(b, "AffineMap")
        if W.ndim != 2:
            raise ValueError(f"AffineMap: W must be a matrix (2-D), got shape {W.shape}")
        if b.shape != (W.shape[0],):
            raise ValueError(
                f"AffineMap: b must be a vector of length {W.shape[0]} (the rows of W, shape "
                f"{W.shape}), got shape {tuple(b.shape)}"
            )
        self.W = W
        self.b = b

    def __call__(self, x: Any) -> Array:
        x = np.asarray(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.W.shape[1]:
            raise ValueError(
                f"AffineMap({self.W.shape[1]} => {self.W.shape[0]}): input must have shape "
                f"({self.W.shape[1]},) or (n, {self.W.shape[1]}), got {tuple(x.shape)}"
            )
        return x @ self.W.T + self.b  # W x + b for a vector, row by row for a batch

    def __repr__(self) -> str:
        return f"AffineMap({self.W.shape[1]} => {self.W.shape[0]})"


class NeuralNet:
    """N = A_L ∘ K. ∘ A_{L-1} ∘ ... ∘ K. ∘ A_1: affine maps with K after all but the last.

    `K` and `K_prime` (the seed's K̇) act componentwise on NumPy arrays, as `relu` and
    `relu_prime` do. Calling the net returns forwardprop(net, x)[-1].

    >>> net = NeuralNet([AffineMap([[3.0, -2], [1, 4]], [1.0, 1]),
    ...                  AffineMap([[-4.0, 0], [3, 1]], [-2.0, 2])], relu, relu_prime)
    >>> net([-2.0, -4])
    array([-14.,  11.])
    >>> net
    NeuralNet([2, 2, 2], K=relu)
    """

    def __init__(self, maps: Sequence[AffineMap], K: Activation, K_prime: Activation) -> None:
        maps = list(maps)
        if not maps:
            raise ValueError("NeuralNet: needs at least one AffineMap")
        for j, A in enumerate(maps):
            if not isinstance(A, AffineMap):
                raise TypeError(f"NeuralNet: maps[{j}] is a {type(A).__name__}, not an AffineMap")
        for j in range(1, len(maps)):
            if maps[j].W.shape[1] != maps[j - 1].W.shape[0]:
                raise ValueError(
                    f"NeuralNet: maps[{j - 1}] outputs {maps[j - 1].W.shape[0]} numbers but "
                    f"maps[{j}] takes {maps[j].W.shape[1]}"
                )
        if not callable(K) or not callable(K_prime):
            raise TypeError("NeuralNet: K and K_prime must be functions applied componentwise")
        self.maps = maps
        self.K = K
        self.K_prime = K_prime

    def __call__(self, x: Any) -> Array:
        return forwardprop(self, x)[-1]

    def __repr__(self) -> str:
        name = getattr(self.K, "__name__", type(self.K).__name__)
        return f"NeuralNet({architecture(self)}, K={name})"


def architecture(net: NeuralNet) -> list[int]:
    """The dimensions of the domains and codomains of the net's affine maps, in order.

    >>> architecture(NeuralNet([AffineMap(np.ones((5, 2)), np.zeros(5)),
    ...                         AffineMap(np.ones((1, 5)), np.zeros(1))], relu, relu_prime))
    [2, 5, 1]
    """
    return [A.W.shape[1] for A in net.maps] + [net.maps[-1].W.shape[0]]


def green_node(j: int) -> int:
    """Index in `activations` of the vector fed into map j (0-based; the seed's 2j - 1)."""
    return 2 * j


def purple_node(j: int) -> int:
    """Index in `activations` of the output of map j (0-based; the seed's 2j)."""
    return 2 * j + 1


def _pointwise(function: Activation, z: Array, name: str) -> Array:
    try:
        out = np.asarray(function(z))
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"NeuralNet: {name} failed on an array of shape {tuple(z.shape)} ({error}); it must work "
            "componentwise on NumPy arrays (e.g. np.maximum(x, 0), not `x if x > 0 else 0`)"
        ) from error
    if out.shape != z.shape:
        raise ValueError(
            f"NeuralNet: {name} must return an array of its input's shape {tuple(z.shape)}, "
            f"got {tuple(out.shape)}"
        )
    return out


def forwardprop(net: NeuralNet, x: Any) -> list[Array]:
    """The vectors output by each successive map: [x, A_1(x), K.(A_1(x)), ..., A_L(...), same].

    The last map is followed by the identity rather than K., so the list has 2L + 1 entries
    and the last two are equal (the seed keeps both so that node indices stay regular).

    >>> net = NeuralNet([AffineMap([[2.0]], [-1.0])], relu, relu_prime)
    >>> forwardprop(net, [3.0])
    [array([3.]), array([5.]), array([5.])]
    """
    x = _float_array(x, "forwardprop")
    activations = [x]
    last = len(net.maps) - 1
    for j, A in enumerate(net.maps):
        z = A(activations[-1])
        activations.append(z)
        activations.append(z if j == last else _pointwise(net.K, z, "K"))
    return activations


def backprop(net: NeuralNet, activations: Sequence[Array], y: Any) -> list[Array]:
    """∂C/∂(value at each node) for C(y) = |y - y_i|², from right to left; same indexing as
    `activations`.

    Start with 2(y - y_i)'; the identity passes it on unchanged, K. multiplies it by
    diag K̇.(u) where u is K's input (the output of the affine map), and A_j multiplies it
    by W_j. Gradients are row vectors, stored as 1-D arrays (rows of a batch).

    >>> net = NeuralNet([AffineMap([[2.0]], [-1.0])], relu, relu_prime)
    >>> backprop(net, forwardprop(net, [3.0]), [4.0])
    [array([4.]), array([2.]), array([2.])]
    """
    if len(activations) != 2 * len(net.maps) + 1:
        raise ValueError(
            f"backprop: expected the {2 * len(net.maps) + 1} activations of forwardprop for a "
            f"net of {len(net.maps)} maps, got {len(activations)}"
        )
    output = activations[-1]
    y = _float_array(y, "backprop")
    if y.shape != output.shape:
        raise ValueError(f"backprop: y has shape {tuple(y.shape)} but the net's output has {tuple(output.shape)}")
    gradients = [2 * (output - y)]
    last = len(net.maps) - 1
    for j in range(last, -1, -1):
        if j == last:
            gradients.append(gradients[-1])  # the identity's derivative is I
        else:
            K_dot = _pointwise(net.K_prime, activations[purple_node(j)], "K_prime")
            gradients.append(gradients[-1] * K_dot)  # g diag(K̇.(u)), without forming diag
        gradients.append(gradients[-1] @ net.maps[j].W)
    gradients.reverse()
    return gradients


def weight_gradients(
    net: NeuralNet, activations: Sequence[Array], gradients: Sequence[Array]
) -> list[Array]:
    """∂C/∂W_j = g_j' a_j' for each map j: the gradient at its output times its input.

    For a batch this is Σ_i g_ij' a_ij' = G_j' A_j, the gradient of the summed cost.

    >>> net = NeuralNet([AffineMap([[2.0]], [-1.0])], relu, relu_prime)
    >>> a = forwardprop(net, [3.0])
    >>> weight_gradients(net, a, backprop(net, a, [4.0]))
    [array([[6.]])]
    """
    return [
        np.multiply.outer(g, a) if g.ndim == 1 else g.T @ a
        for g, a in (
            (gradients[purple_node(j)], activations[green_node(j)]) for j in range(len(net.maps))
        )
    ]


def bias_gradients(net: NeuralNet, gradients: Sequence[Array]) -> list[Array]:
    """∂C/∂b_j = g_j' for each map j (summed over the rows of a batch).

    >>> net = NeuralNet([AffineMap([[2.0]], [-1.0])], relu, relu_prime)
    >>> a = forwardprop(net, [3.0])
    >>> bias_gradients(net, backprop(net, a, [4.0]))
    [array([2.])]
    """
    grads = (gradients[purple_node(j)] for j in range(len(net.maps)))
    return [g if g.ndim == 1 else g.sum(axis=0) for g in grads]


def _observation_arrays(observations: Any) -> tuple[Array, Array]:
    """(X, Y) with one observation per row, from (x, y) pairs or from an (X, Y) pair."""
    if (
        isinstance(observations, (tuple, list))
        and len(observations) == 2
        and all(isinstance(part, np.ndarray) and part.ndim == 2 for part in observations)
    ):
        X, Y = observations
    else:
        try:
            pairs = list(observations)
            X = np.array([np.ravel(x) for x, _ in pairs])
            Y = np.array([np.ravel(y) for _, y in pairs])
        except (TypeError, ValueError) as error:
            raise ValueError(
                "train: observations must be a sequence of (x, y) pairs of vectors (all x the "
                "same length, all y the same length) or a pair (X, Y) of 2-D arrays "
                f"({error})"
            ) from error
    X, Y = _float_array(X, "train"), _float_array(Y, "train")
    if len(X) == 0 or len(X) != len(Y):
        raise ValueError(f"train: {len(X)} inputs and {len(Y)} outputs; need the same, and > 0")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ValueError("train: observations contain NaN or infinity")
    return X, Y


def cost(net: NeuralNet, observations: Any) -> float:
    """The mean over the observations of |N(x_i) - y_i|² (the seed's `cost`).

    >>> net = NeuralNet([AffineMap([[2.0]], [-1.0])], relu, relu_prime)
    >>> cost(net, [([3.0], [4.0]), ([1.0], [1.0])])
    0.5
    """
    X, Y = _observation_arrays(observations)
    return float(((net(X) - Y) ** 2).sum(axis=1).mean())


def train(
    arch: Sequence[int],
    K: Activation,
    K_prime: Activation,
    observations: Any,
    batch_size: int,
    lr: float = 0.1,
    iterations: int = 1000,
    rng: np.random.Generator | int | None = None,
) -> NeuralNet:
    """Stochastic gradient descent as in seed 001; returns the trained NeuralNet.

    Weights start standard normal and biases at 0.1. Each iteration samples `batch_size`
    observations with replacement and moves every parameter by -ε times its gradient
    averaged over the batch: W_j ← W_j - ε/|B| Σ_{i∈B} ∂C_i/∂W_j, and likewise b_j.
    `observations` is a sequence of (x, y) pairs or a pair (X, Y) of 2-D arrays; `rng` a
    NumPy Generator or a seed, for reproducible runs.

    >>> X = np.random.default_rng(0).random((200, 2))
    >>> Y = 1 - (X ** 2).sum(axis=1, keepdims=True)
    >>> net = train([2, 5, 1], relu, relu_prime, (X, Y), 100, 0.005, 2000, rng=1)
    >>> architecture(net), cost(net, (X, Y)) < 0.1
    ([2, 5, 1], True)
    """
    arch = [int(n) for n in arch]
    if len(arch) < 2 or min(arch) < 1:
        raise ValueError(f"train: arch must list at least 2 positive sizes, got {arch}")
    if batch_size < 1 or iterations < 0:
        raise ValueError(f"train: need batch_size >= 1 and iterations >= 0, got "
                         f"{batch_size} and {iterations}")
    X, Y = _observation_arrays(observations)
    if X.shape[1] != arch[0] or Y.shape[1] != arch[-1]:
        raise ValueError(
            f"train: arch {arch} maps R^{arch[0]} to R^{arch[-1]} but observations are "
            f"x in R^{X.shape[1]}, y in R^{Y.shape[1]}"
        )
    generator = np.random.default_rng(rng)
    maps = [
        AffineMap(generator.standard_normal((arch[i + 1], arch[i])), np.full(arch[i + 1], 0.1))
        for i in range(len(arch) - 1)
    ]
    net = NeuralNet(maps, K, K_prime)
    step = lr / batch_size
    for _ in range(iterations):
        batch = generator.integers(0, len(X), size=batch_size)
        activations = forwardprop(net, X[batch])
        gradients = backprop(net, activations, Y[batch])
        for A, dW, db in zip(
            net.maps, weight_gradients(net, activations, gradients), bias_gradients(net, gradients)
        ):
            A.W -= step * dW  # in place: the seed builds a new net, to the same effect
            A.b -= step * db
    return net
