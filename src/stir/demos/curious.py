"""Seed 000's curious learning task: least squares, then a sum of 1024 ReLUs trained by SGD.

Fit y = cos(2x + 20x²) + 0.1·noise on [0, 1]. A straight line (least squares) cannot follow
the curve: its mean squared error stays near the variance of y, about 0.5. A sum of d = 1024
shifted and scaled ReLUs,

    h(x) = Σᵢ wᵢ·ReLU(aᵢ·x + bᵢ),   aᵢ = ±1, bᵢ ~ U[-1, 1], wᵢ ~ N(0, 1) at the start,

trained by SGD on one random sample at a time (loss ½(h(x) - y)², lr 1e-4) bends to it; the
seed's two training cells run 10 000 and then 100 000 more steps. The trained h is piecewise
linear, with a kink where some aᵢ·x + bᵢ = 0: the seed's "keypoints".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.nn.functional as F
import stir.plot
from stir import nn, optim
from stir.classic import LeastSquares
from stir.data import curious_curve

from ._common import DEFAULT_OUT, Figures, heading


def relu_sum(d: int, rng: np.random.Generator) -> nn.Sequential:
    """h(x) = Σᵢ wᵢ·ReLU(aᵢx + bᵢ) as Linear(1 => d), ReLU, Linear(d => 1, no bias), with the
    seed's start: aᵢ = ±1, bᵢ ~ U[-1, 1], wᵢ ~ N(0, 1).

    >>> relu_sum(3, np.random.default_rng(0))(stir.zeros(2, 1)).shape
    stir.Size([2, 1])
    """
    hidden, output = nn.Linear(1, d), nn.Linear(d, 1, bias=False)
    hidden.weight.array[...] = rng.choice([-1.0, 1.0], size=(d, 1))
    hidden.bias.array[...] = rng.uniform(-1.0, 1.0, size=d)
    output.weight.array[...] = rng.standard_normal((1, d))
    return nn.Sequential(hidden, nn.ReLU(), output)


def sgd_one_sample(model: nn.Module, optimizer: optim.Optimizer, x: np.ndarray, y: np.ndarray,
                   steps: int, rng: np.random.Generator) -> None:
    """`steps` SGD steps, each on one random sample, on the seed's loss ½(h(x) - y)².

    θ ← θ - lr·∇θ ½(h(xᵢ) - yᵢ)²; F.mse_loss is (h - y)², so it is halved.
    """
    inputs, targets = stir.tensor(x), stir.tensor(y)
    for i in rng.integers(0, len(x), size=steps):
        loss = 0.5 * F.mse_loss(model(inputs[i:i + 1]), targets[i:i + 1])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def mse(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """(1/n)·Σ (h(xᵢ) - yᵢ)²."""
    with stir.no_grad():  # evaluation only: nothing to record for backward
        return float(np.mean((model(stir.tensor(x)).array - y) ** 2))


def curious(out: str | Path = DEFAULT_OUT, quick: bool = False, seed: int = 0) -> dict[str, float]:
    """Seed 000's curious curve: least squares vs a sum of 1024 ReLUs trained by SGD.

    Least squares on [1, x] (MSE ≈ 0.5), then h(x) = Σ wᵢ·ReLU(aᵢx + bᵢ) with
    d = 1024 after 10 000 and 110 000 one-sample SGD steps at α = 1e-4 (≈ 0.1, then ≈ 0.03).
    Quick: 1 000 + 2 000 steps. Returns the mean squared errors by name."""
    heading("curious: y = cos(2x + 20x²) + 0.1·noise on [0, 1] (seed 000)")
    rng = np.random.default_rng(seed)
    x, y = curious_curve(256, seed=seed)
    x_test, y_test = curious_curve(256, seed=seed + 1)
    figures = Figures(out, "curious")
    numbers: dict[str, float] = {}

    # min over a, b of Σ (a·xᵢ + b - yᵢ)², by the normal equations as the seed solves it
    line = LeastSquares(method="normal").fit(x, y)
    numbers["least_squares_train_mse"] = float(np.mean((line.predict(x) - y) ** 2))
    numbers["least_squares_test_mse"] = float(np.mean((line.predict(x_test) - y_test) ** 2))
    a, b = float(np.ravel(line.coef_)[0]), float(np.ravel(line.intercept_)[0])
    print(f"least squares y = {a:.3f}·x + {b:.3f}: train MSE "
          f"{numbers['least_squares_train_mse']:.4f}, test MSE "
          f"{numbers['least_squares_test_mse']:.4f}")
    figures.save("least_squares", lambda path: stir.plot.fit_curve(
        lambda xs: a * xs + b, x, y, x_test, y_test, lo=0.0, hi=1.0,
        title="Linear regression", path=path))

    model = relu_sum(1024, rng)
    optimizer = optim.SGD(model.parameters(), lr=1e-4)
    done = 0
    for steps in (1_000, 3_000) if quick else (10_000, 110_000):  # the total after each cell
        sgd_one_sample(model, optimizer, x, y, steps - done, rng)
        done = steps
        train_error, test_error = mse(model, x, y), mse(model, x_test, y_test)
        numbers[f"relu_{steps}_train_mse"], numbers[f"relu_{steps}_test_mse"] = (
            train_error, test_error)
        print(f"sum of 1024 ReLUs after {steps:>7,} SGD steps: train MSE {train_error:.4f}, "
              f"test MSE {test_error:.4f}")
        figures.save(f"relu_{steps}_steps", lambda path: stir.plot.fit_curve(
            model, x, y, x_test, y_test, lo=0.0, hi=1.0,
            title=f"Sum of ReLUs after {steps:,} steps", path=path))
    figures.save("keypoints", lambda path: stir.plot.keypoints(
        model, 0.0, 1.0, x, y, title="The trained network is piecewise linear", path=path))
    return numbers
