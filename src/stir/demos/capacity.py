"""Seed 003's capacity grid: 3/6/20 hidden units against L2 strength λ = 0/0.001/0.01/0.1.

Setting the size of a network: two-layer networks f(x) = W₂·ReLU(W₁x + b₁) + b₂ classify
100 noisy moons points, trained by full-batch Adam on the seed's loss

    L = (1/N)·Σᵢ Lᵢ + λ·(‖W₁‖² + ‖W₂‖²),   Lᵢ the softmax cross-entropy.

Without the penalty (λ = 0), more hidden units fit the training points more closely, with
more wiggly regions: 20 units fit nearly every training point, noise included, and do worse
on new points than their training accuracy promises. A larger λ smooths the regions back,
and 20 units with λ = 0.001 or 0.01 beat both the unregularized 20 and the small networks
on new points. The seed's advice: don't regularize with size; use stronger L2 instead.
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
#: Few points, so that a big network can fit their noise; 1 000 new points test each network.
N_POINTS, N_TEST, NOISE = 100, 1_000, 0.3
#: The moons drawn at twice sklearn's size, spanning a few units as the points of the seed's
#: ConvNetJS demo do: the penalty's effect at a given λ depends on the inputs' scale (a W₁
#: half as large gives the same function of 2x), and at this scale the seed's λ show its steps.
SCALE = 2.0


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

    Twelve MLPs 2 → H → 2 trained on 100 noisy moons points (cross-entropy + λ·Σ W²,
    3 000 full-batch Adam steps; quick: 300); prints each cell's accuracy on its training
    points and on 1 000 new points of the same moons, then the λ that does best on the new
    points for each width, and draws the decision regions with both accuracies. Returns the
    accuracies by name, as accuracy_H_λ (training) and test_accuracy_H_λ."""
    heading("capacity: hidden units × L2 strength λ on noisy moons (seed 003)")
    steps = 300 if quick else 3_000
    X, y = moons(N_POINTS, noise=NOISE, seed=seed)
    X_test, y_test = moons(N_TEST, noise=NOISE, seed=seed + 1)
    X, X_test = (SCALE * X).astype(np.float32), (SCALE * X_test).astype(np.float32)
    models = [[train_regularized(width, strength, X, y, steps, seed) for strength in STRENGTHS]
              for width in WIDTHS]
    numbers: dict[str, float] = {}
    print(f"{N_POINTS} training points, {steps:,} Adam steps; training accuracy / test "
          f"accuracy (on {N_TEST:,} new points):")
    print(f"{'hidden units':>12}" + "".join(f"{f'λ = {s:g}':>15}" for s in STRENGTHS))
    for width, row in zip(WIDTHS, models):
        cells = []
        for strength, model in zip(STRENGTHS, row):
            train, test = accuracy(model, X, y), accuracy(model, X_test, y_test)
            numbers[f"accuracy_{width}_{strength}"] = train
            numbers[f"test_accuracy_{width}_{strength}"] = test
            cells.append(f"{train:.3f} / {test:.3f}")
        print(f"{width:>12}" + "".join(f"{cell:>15}" for cell in cells))
    best = {width: max(STRENGTHS, key=lambda s: numbers[f"test_accuracy_{width}_{s}"])
            for width in WIDTHS}
    print("best on new points: " + ", ".join(
        f"{width} units {numbers[f'test_accuracy_{width}_{best[width]}']:.3f} "
        f"(λ = {best[width]:g})" for width in WIDTHS))
    big, chosen = WIDTHS[-1], best[WIDTHS[-1]]
    line = (f"{big} units: λ = 0 fits {numbers[f'accuracy_{big}_0.0']:.3f} of the training "
            f"points and {numbers[f'test_accuracy_{big}_0.0']:.3f} of new ones")
    if chosen != 0.0:
        line += (f"; λ = {chosen:g}: {numbers[f'accuracy_{big}_{chosen}']:.3f} and "
                 f"{numbers[f'test_accuracy_{big}_{chosen}']:.3f}")
    print(line)
    print("the seed's advice: don't regularize with size; use stronger L2")
    Figures(out, "capacity").save("grid", lambda path: stir.plot.capacity_grid(
        models, X, y, [f"{width} hidden units" for width in WIDTHS],
        [f"λ = {strength:g}" for strength in STRENGTHS], X_test=X_test, y_test=y_test,
        path=path))
    return numbers
