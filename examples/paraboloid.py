"""Seed 001, neural networks by composition: a [2, 5, 1] ReLU network learns 1 - |x|².

The network N(x) = W₂·ReLU(W₁x + b₁) + b₂ starts as the seed's does (standard normal
weights, biases 0.1) and is trained by stochastic gradient descent: each of 10 000 iterations
samples a batch of 100 observations with replacement and steps ε = 0.005 down the gradient of
the batch's mean cost |N(xᵢ) - yᵢ|². First the gradient that stir's autograd computes is
compared with stir.explicit's hand-written backpropagation (the seed's matrix calculus).
Prints that difference and the cost before and after training (the seed reports 0.00343);
draws the target and the learned surface. `--quick`: 2 000 iterations.
"""

import sys
from pathlib import Path

import numpy as np

import stir
import stir.nn.functional as F
import stir.plot
from stir import explicit, nn, optim
from stir.data import paraboloid


def cost(model: nn.Module, X: stir.Tensor, Y: stir.Tensor) -> float:
    """The seed's cost: (1/n)·Σ |N(xᵢ) - yᵢ|²."""
    with stir.no_grad():
        return float(F.mse_loss(model(X), Y))


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    rng = np.random.default_rng(0)
    X_array, Y_array = paraboloid(1000, seed=0)  # X in the unit square, Y = 1 - |X|²
    X, Y = stir.tensor(X_array, dtype=stir.float64), stir.tensor(Y_array, dtype=stir.float64)
    model = nn.MLP([2, 5, 1], activation="relu", dtype=stir.float64)
    with stir.no_grad():
        for layer in (model[0], model[2]):
            layer.weight.copy_(stir.tensor(rng.standard_normal(layer.weight.size())))
            layer.bias.fill_(0.1)

    # The same network by hand, in stir.explicit's terms, shares the weights' arrays.
    by_hand = explicit.NeuralNet(
        [explicit.AffineMap(layer.weight.data, layer.bias.data) for layer in (model[0], model[2])],
        explicit.relu, explicit.relu_prime)
    batch = rng.integers(0, len(X_array), size=100)
    F.mse_loss(model(X[batch]), Y[batch]).backward()
    activations = explicit.forwardprop(by_hand, X.data[batch])
    gradients = explicit.backprop(by_hand, activations, Y.data[batch])
    hand_written = explicit.weight_gradients(by_hand, activations, gradients)
    difference = max(float(np.abs(layer.weight.grad.data - grad / 100).max())  # a mean, not a sum
                     for layer, grad in zip((model[0], model[2]), hand_written))
    print(f"autograd vs hand-written backprop, largest weight-gradient difference: "
          f"{difference:.1e}")

    numbers = {"gradient_difference": difference, "cost_before": cost(model, X, Y)}
    optimizer = optim.SGD(model.parameters(), lr=0.005)
    iterations = 2_000 if quick else 10_000
    for _ in range(iterations):
        batch = rng.integers(0, len(X_array), size=100)  # sampled with replacement
        optimizer.zero_grad()
        F.mse_loss(model(X[batch]), Y[batch]).backward()
        optimizer.step()
    numbers["cost"] = cost(model, X, Y)
    print(f"architecture {model.architecture}, batch 100, ε = 0.005: cost "
          f"{numbers['cost_before']:.4f} at the start, {numbers['cost']:.5f} after "
          f"{iterations:,} iterations (the seed reports 0.00343)")

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2), subplot_kw={"projection": "3d"})
    stir.plot.surface(lambda p: 1 - (p ** 2).sum(axis=1), title="1 - |x|²", ax=axes[0])
    stir.plot.surface(model, title=f"N(x), cost {numbers['cost']:.4f}", ax=axes[1])
    axes[1].set_zlim(axes[0].get_zlim())  # the same scale, so the two can be compared
    print(f"wrote {stir.plot.save(figure, Path(out) / 'paraboloid.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
