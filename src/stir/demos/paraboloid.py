"""Seed 001: a [2, 5, 1] ReLU network fitted to the paraboloid 1 - |x|² by explicit backprop.

Neural networks by composition: N(x) = W₂·ReLU(W₁x + b₁) + b₂ starts as the seed's does
(standard normal weights, biases 0.1) and is trained by stochastic gradient descent. Each of
10 000 iterations samples a batch B of 100 observations with replacement and steps ε = 0.005
down the gradient of the batch's mean cost:

    W_j ← W_j - ε/|B|·Σ_{i∈B} ∂Cᵢ/∂W_j,   Cᵢ = |N(xᵢ) - yᵢ|²,   and likewise b_j.

The gradients are the seed's matrix calculus, written out without autograd in stir.explicit
(forwardprop, backprop, weight_gradients, bias_gradients). Before training they are checked
against the gradients that stir's autograd computes for the same network: the two agree to
rounding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.nn.functional as F
import stir.plot
from stir import explicit, nn
from stir.data import paraboloid as paraboloid_data

from ._common import DEFAULT_OUT, Figures, heading, pyplot

ARCHITECTURE = [2, 5, 1]
BATCH_SIZE = 100
EPSILON = 0.005


def as_module(net: explicit.NeuralNet) -> nn.MLP:
    """The same ReLU network as an nn.MLP, holding copies of net's weights and biases.

    >>> net = explicit.train([2, 3, 1], explicit.relu, explicit.relu_prime,
    ...                      (np.zeros((4, 2)), np.zeros((4, 1))), 4, iterations=0, rng=0)
    >>> x = np.ones((1, 2))
    >>> bool(np.allclose(as_module(net)(stir.tensor(x)).array, net(x)))
    True
    """
    model = nn.MLP(explicit.architecture(net), activation="relu", dtype=stir.float64)
    layers = [layer for layer in model if isinstance(layer, nn.Linear)]
    with stir.no_grad():
        for layer, affine in zip(layers, net.maps):
            layer.weight.copy_(stir.tensor(affine.W))
            layer.bias.copy_(stir.tensor(affine.b))
    return model


def gradient_difference(net: explicit.NeuralNet, X: np.ndarray, Y: np.ndarray,
                        rng: np.random.Generator) -> float:
    """The largest |autograd - hand-written backprop| over every ∂C/∂W_j and ∂C/∂b_j, on one
    random batch.

    stir.explicit sums the cost over the batch, Σᵢ |N(xᵢ) - yᵢ|²; F.mse_loss takes the mean
    (with one output, the mean over the batch), so the sums are divided by the batch size.
    """
    batch = rng.integers(0, len(X), size=BATCH_SIZE)
    model = as_module(net)
    F.mse_loss(model(stir.tensor(X[batch])), stir.tensor(Y[batch])).backward()
    activations = explicit.forwardprop(net, X[batch])
    gradients = explicit.backprop(net, activations, Y[batch])
    by_hand = (explicit.weight_gradients(net, activations, gradients)
               + explicit.bias_gradients(net, gradients))
    layers = [layer for layer in model if isinstance(layer, nn.Linear)]
    by_autograd = [layer.weight.grad.array for layer in layers] + [layer.bias.grad.array
                                                                 for layer in layers]
    return max(float(np.abs(auto - hand / BATCH_SIZE).max())
               for auto, hand in zip(by_autograd, by_hand))


def paraboloid(out: str | Path = DEFAULT_OUT, quick: bool = False,
               seed: int = 0) -> dict[str, float]:
    """Seed 001: a [2, 5, 1] ReLU network fits 1 - |x|² by explicit backprop.

    stir.explicit.train, arch [2, 5, 1], batch 100, ε = 0.005, 10 000 iterations
    (quick: 2 000) on 1 000 points of y = 1 - |x|²; prints how far autograd's gradient is
    from the hand-written one at the start, and the cost (1/n)·Σ |N(xᵢ) - yᵢ|² before and
    after training, and the largest error on the square. Draws the target and the learned
    surface on one z and colour scale, and their difference over the square with the
    network's creases. Returns the numbers by name."""
    heading("paraboloid: y = 1 - |x|² on the unit square, explicit backprop (seed 001)")
    X, Y = paraboloid_data(1000, seed=seed)  # X in the unit square, Y = 1 - |X|²
    X, Y = X.astype(float), Y.astype(float)

    def target(points: np.ndarray) -> np.ndarray:
        return 1 - (points ** 2).sum(axis=1)

    iterations = 2_000 if quick else 10_000

    def train(steps: int) -> explicit.NeuralNet:
        # The same seed draws the same starting weights, so train(0) is train(n)'s start.
        return explicit.train(ARCHITECTURE, explicit.relu, explicit.relu_prime, (X, Y),
                              batch_size=BATCH_SIZE, lr=EPSILON, iterations=steps, rng=seed)

    start = train(0)
    difference = gradient_difference(start, X, Y, np.random.default_rng(seed))
    print(f"autograd vs hand-written backprop at the start, largest gradient difference: "
          f"{difference:.1e}")
    cost_before = explicit.cost(start, (X, Y))
    net = train(iterations)
    cost = explicit.cost(net, (X, Y))
    print(f"architecture {explicit.architecture(net)}, {iterations:,} iterations of batch 100, "
          f"ε = 0.005: cost {cost_before:.4f} at the start, {cost:.5f} at the end (the seed "
          f"reports 0.00343)")
    side = np.linspace(0.0, 1.0, 201)
    grid = np.stack(np.meshgrid(side, side), axis=-1).reshape(-1, 2)
    error = (net(grid)[:, 0] - target(grid)).reshape(side.size, side.size)
    worst = np.unravel_index(np.abs(error).argmax(), error.shape)
    max_error = float(np.abs(error[worst]))
    print(f"largest |N(x) - (1 - |x|²)| on the square: {max_error:.3f}, at x = "
          f"({side[worst[1]]:.2f}, {side[worst[0]]:.2f})")

    def draw(path: Path):
        plt = pyplot()
        figure = plt.figure(figsize=(15, 4.6), layout="constrained")
        target_ax, network_ax = (figure.add_subplot(1, 3, k, projection="3d") for k in (1, 2))
        error_ax = figure.add_subplot(1, 3, 3)
        # One z scale and one colour scale for both surfaces, so heights compare directly;
        # seen from the (1, 1) corner, where the target falls to -1 and the fit misses most.
        for ax, fn, title in ((target_ax, target, "target 1 - |x|²"),
                              (network_ax, lambda p: net(p)[:, 0],
                               f"network (cost {cost:.4f})")):
            stir.plot.surface(fn, title=title, zlim=(-1.05, 1.05), ax=ax)
            ax.view_init(elev=25, azim=40)
        image = error_ax.pcolormesh(side, side, error, cmap="RdBu_r", vmin=-max_error,
                                    vmax=max_error, shading="auto")
        figure.colorbar(image, ax=error_ax, label="network - target")
        # The creases: where a hidden unit's pre-activation W₁x + b₁ crosses 0.
        first = net.maps[0]
        for weights, bias in zip(first.W, first.b):
            error_ax.contour(side, side, (grid @ weights + bias).reshape(error.shape),
                             levels=[0.0], colors="black", linewidths=0.8, linestyles="dashed")
        error_ax.set(title=f"network - target (largest |error| {max_error:.2f}); dashed: "
                           f"creases",
                     xlabel="x₁", ylabel="x₂", aspect="equal")
        # Saved here: Figures.save only saves a figure whose PNG does not exist yet, so a
        # PNG from an earlier run would otherwise stay.
        stir.plot.save(figure, path)
        return figure

    Figures(out, "paraboloid").save("surfaces", draw)
    return {"cost": cost, "cost_before": cost_before, "gradient_difference": difference,
            "max_error": max_error}
