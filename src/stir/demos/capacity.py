"""Seed 003's capacity grid: 3/6/20 hidden units against L2 strength λ = 0/0.001/0.01/0.1.

Setting the size of a network: two-layer networks f(x) = W₂·ReLU(W₁x + b₁) + b₂ classify
noisy moons, trained by full-batch Adam on the seed's loss

    L = (1/N)·Σᵢ Lᵢ + λ·(‖W₁‖² + ‖W₂‖²),   Lᵢ the softmax cross-entropy.

Without the penalty (λ = 0), more hidden units fit the training points more closely, with
more wiggly regions; a larger λ smooths the regions back. The seed's advice is to keep the
network big and regularize it rather than make it small.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.nn.functional as F
import stir.plot
from stir import nn, optim
from stir.data import moons

from ._common import DEFAULT_OUT, Figures, heading

WIDTHS = (3, 6, 20)
STRENGTHS = (0.0, 0.001, 0.01, 0.1)


def train_regularized(width: int, strength: float, X: np.ndarray, y: np.ndarray, steps: int,
                      seed: int) -> nn.MLP:
    """An MLP 2 → width → 2 trained full-batch by Adam (lr 0.02) on the seed's loss
    L = (1/N)·Σᵢ Lᵢ + λ·Σ_k ‖W_k‖², Lᵢ the cross-entropy; biases are not penalized.

    >>> X, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1])
    >>> train_regularized(3, 0.01, X, y, steps=2, seed=0).architecture
    [2, 3, 2]
    """
    generator = stir.Generator().manual_seed(seed)  # every network of a width: the same start
    model = nn.MLP([2, width, 2], generator=generator)
    weights = [parameter for parameter in model.parameters() if parameter.ndim == 2]

    def loss_fn(output: stir.Tensor, target: stir.Tensor) -> stir.Tensor:
        return F.cross_entropy(output, target) + nn.l2_penalty(weights, strength)

    stir.fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.02), X, y, steps=steps,
             batch_size=len(X), verbose=0, generator=generator)
    return model


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """The share of points whose largest score is their class."""
    with stir.no_grad():
        return float(np.mean(model(stir.tensor(X)).array.argmax(axis=1) == y))


def capacity(out: str | Path = DEFAULT_OUT, quick: bool = False,
             seed: int = 0) -> dict[str, float]:
    """Seed 003's capacity grid: 3/6/20 hidden units × L2 λ = 0/0.001/0.01/0.1 on moons.

    Twelve MLPs 2 → H → 2 trained on 300 noisy moons points (cross-entropy + λ·Σ W²,
    3 000 full-batch Adam steps); prints the training accuracy of each cell (more units fit
    more, larger λ smooths the boundary) and the accuracy on 1 000 new points, and draws the
    decision regions. Quick: 150 points, 300 steps. Returns the accuracies by name, as
    accuracy_H_λ (training) and test_accuracy_H_λ."""
    heading("capacity: hidden units × L2 strength λ on noisy moons (seed 003)")
    n, steps = (150, 300) if quick else (300, 3_000)
    X, y = moons(n, noise=0.25, seed=seed)
    X_test, y_test = moons(1000, noise=0.25, seed=seed + 1)
    X, X_test = X.astype(np.float32), X_test.astype(np.float32)
    models = [[train_regularized(width, strength, X, y, steps, seed) for strength in STRENGTHS]
              for width in WIDTHS]
    numbers: dict[str, float] = {}

    def table(inputs: np.ndarray, labels: np.ndarray, prefix: str) -> None:
        """Print each network's accuracy on (inputs, labels), a row per width."""
        print(f"{'hidden units':>14}" + "".join(f"{f'λ = {s:g}':>11}" for s in STRENGTHS))
        for width, row in zip(WIDTHS, models):
            accuracies = [accuracy(model, inputs, labels) for model in row]
            for strength, value in zip(STRENGTHS, accuracies):
                numbers[f"{prefix}accuracy_{width}_{strength}"] = value
            print(f"{width:>14}" + "".join(f"{a:>11.3f}" for a in accuracies))

    print(f"{n} points, {steps:,} Adam steps; training accuracy:")
    table(X, y, "")
    print(f"accuracy on {len(X_test):,} new points of the same moons:")
    table(X_test, y_test, "test_")
    Figures(out, "capacity").save("grid", lambda path: stir.plot.capacity_grid(
        models, X, y, [f"{width} hidden units" for width in WIDTHS],
        [f"λ = {strength:g}" for strength in STRENGTHS], path=path))
    return numbers
