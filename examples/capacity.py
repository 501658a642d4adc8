"""Seed 003, setting the size of a network: hidden units add capacity, L2 takes it back.

Two-layer networks f(x) = W₂·ReLU(W₁x + b₁) + b₂ classify noisy moons, trained by full-batch
Adam on the loss L = (1/N)·Σᵢ Lᵢ + λ·(‖W₁‖² + ‖W₂‖²), Lᵢ the softmax cross-entropy.
Top row: 3, 6 and 20 hidden units without regularization (more units, more wiggly regions).
Bottom row: 20 hidden units with λ = 0.001, 0.01 and 0.1 (larger λ, smoother regions); the
seed's advice is to keep the network big and regularize it rather than make it small.
Prints the training and test accuracy of each network; draws their decision regions.
`--quick`: 200 Adam steps instead of 2 000.
"""

import sys
from pathlib import Path

import stir
import stir.nn.functional as F
import stir.plot
from stir import nn, optim
from stir.data import moons

SETTINGS = [(3, 0.0), (6, 0.0), (20, 0.0), (20, 0.001), (20, 0.01), (20, 0.1)]


def train(hidden: int, strength: float, X, y, steps: int) -> nn.MLP:
    """A 2 → hidden → 2 ReLU network trained on cross-entropy + strength·Σ‖W‖²."""
    generator = stir.Generator().manual_seed(0)  # every network starts from the same draw
    model = nn.MLP([2, hidden, 2], generator=generator)
    weights = [model[0].weight, model[2].weight]  # the biases are not penalized

    def loss_fn(output: stir.Tensor, target: stir.Tensor) -> stir.Tensor:
        return F.cross_entropy(output, target) + nn.l2_penalty(weights, strength)

    stir.fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.02), X, y, steps=steps,
             batch_size=len(X), verbose=0, generator=generator)
    return model


def accuracy(model: nn.Module, X, y) -> float:
    """The share of points whose largest score is their class."""
    return float((stir.predict(model, X).argmax(axis=1) == y).mean())


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    X, y = moons(200, noise=0.3, seed=0)
    X_test, y_test = moons(1000, noise=0.3, seed=1)
    steps = 200 if quick else 2_000
    models, numbers = [], {}
    print(f"{len(X)} noisy moons, {steps:,} full-batch Adam steps")
    print(f"{'hidden units':>12} {'λ':>6} {'train':>7} {'test':>7}")
    for hidden, strength in SETTINGS:
        model = train(hidden, strength, X, y, steps)
        models.append(model)
        train_accuracy, test_accuracy = accuracy(model, X, y), accuracy(model, X_test, y_test)
        numbers[f"train_accuracy_{hidden}_{strength}"] = train_accuracy
        numbers[f"test_accuracy_{hidden}_{strength}"] = test_accuracy
        print(f"{hidden:>12} {strength:>6} {train_accuracy:>7.3f} {test_accuracy:>7.3f}")

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(2, 3, figsize=(11, 7), layout="constrained")
    for ax, model, (hidden, strength) in zip(axes.ravel(), models, SETTINGS):
        stir.plot.decision_boundary(model, X, y, resolution=100, ax=ax,
                                    title=f"{hidden} hidden units, λ = {strength}")
    print(f"wrote {stir.plot.save(figure, Path(out) / 'capacity.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
