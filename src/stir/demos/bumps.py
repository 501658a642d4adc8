"""Seed 003's universal approximation: sums of ReLU bumps, 4 hidden units per bump.

Four ReLUs make a bump:

    T(x) = (ReLU(x - e₁) - ReLU(x - e₂) - ReLU(x - e₃) + ReLU(x - e₄)) / r

is 0 left of e₁, ramps up to 1 at e₂ = e₁ + r, stays 1 until e₃ and ramps down to 0 at
e₄ = e₃ + r. Scaling a bump to f's height on each of K cells of [0, 1] gives a network with
one hidden layer of 4K units whose error shrinks as K grows (stir.analysis.bump_network).
The seed's reality check: a network of the same width trained by gradient descent fits f
too, but does not learn bumps; it puts far fewer of its kinks inside [0, 1].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.analysis
import stir.nn.functional as F
from stir import nn, optim

from ._common import DEFAULT_OUT, Figures, heading, pyplot

#: The example bump's edges e₁ < e₂ < e₃ < e₄ (ramps of width r = 0.1).
EDGES = (0.1, 0.2, 0.7, 0.8)
COUNTS = (4, 16, 64)


def target(x: np.ndarray | float) -> np.ndarray | float:
    """The function to approximate on [0, 1]: f(x) = x·sin(2πx) + 0.5.

    >>> round(float(target(0.25)), 3)
    0.75
    """
    return x * np.sin(2.0 * np.pi * x) + 0.5


def bump(x: stir.Tensor, e1: float, e2: float, e3: float, e4: float) -> stir.Tensor:
    """The trapezoid T(x) of four ReLUs, for ramps of the same width r = e2 - e1 = e4 - e3.

    >>> bump(stir.tensor([0.0, 0.15, 0.5, 0.9], dtype=stir.float64), *EDGES).array.round(6)
    array([0. , 0.5, 1. , 0. ])
    """
    r = e2 - e1
    return (stir.relu(x - e1) - stir.relu(x - e2) - stir.relu(x - e3) + stir.relu(x - e4)) / r


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """model(x) for x of shape (n,), as a float64 array of shape (n,).

    >>> predict(nn.Linear(1, 1, dtype=stir.float64), np.zeros(3)).shape
    (3,)
    """
    with stir.no_grad():
        return model(stir.tensor(x.reshape(-1, 1), dtype=stir.float64)).array.reshape(-1)


def kinks_inside(model: nn.Module) -> int:
    """How many of the network's breakpoints (where h bends, over all of ℝ) lie in (0, 1)."""
    kinks = stir.analysis.breakpoints(model)
    return int(((kinks > 0) & (kinks < 1)).sum())


def train_mlp(width: int, x: np.ndarray, steps: int, seed: int) -> nn.MLP:
    """A 1 → width → 1 ReLU MLP trained by Adam (lr 0.01, batches of 64) on the loss
    (1/n)·Σ (h(xᵢ) - f(xᵢ))².

    >>> train_mlp(4, np.linspace(0, 1, 8), steps=2, seed=0).architecture
    [1, 4, 1]
    """
    generator = stir.Generator().manual_seed(seed)
    model = nn.MLP([1, width, 1], dtype=stir.float64, generator=generator)
    stir.fit(model, F.mse_loss, optim.Adam(model.parameters(), lr=0.01), x.reshape(-1, 1),
             target(x).reshape(-1, 1), steps=steps, batch_size=64, verbose=0,
             generator=generator)
    return model


def bumps(out: str | Path = DEFAULT_OUT, quick: bool = False, seed: int = 0) -> dict[str, float]:
    """Seed 003's universal approximation: K ReLU bumps (4K hidden units) vs a trained MLP.

    Prints one bump's values, then builds stir.analysis.bump_network for
    f(x) = x·sin(2πx) + 0.5 on [0, 1] with K = 4, 16, 64 bumps and prints each
    max |h(x) - f(x)| over [0, 1] (it shrinks about as 1/K) and how many kinks lie in [0, 1];
    then the same for an MLP with the largest network's 4K hidden units, trained by Adam for
    3 000 steps (quick: 300). Returns the max errors and the kinks by name."""
    heading("bumps: a sum of K ReLU bumps, 4 hidden units each (seed 003)")
    points = [0.0, 0.15, 0.3, 0.5, 0.75, 0.9]
    values = bump(stir.tensor(points, dtype=stir.float64), *EDGES).array
    print(f"one bump with edges {', '.join(map(str, EDGES))}: "
          + ", ".join(f"T({x}) = {value:.2f}" for x, value in zip(points, values)))

    grid = np.linspace(0.0, 1.0, 1001)
    exact = target(grid)
    numbers: dict[str, float] = {}
    curves: dict[str, np.ndarray] = {}
    for count in COUNTS:
        network = stir.analysis.bump_network(lambda x: float(target(x)), 0.0, 1.0, count)
        curves[f"{count} bumps ({4 * count} hidden units)"] = approximation = predict(network,
                                                                                      grid)
        numbers[f"bumps_{count}_max_error"] = error = float(np.max(np.abs(approximation - exact)))
        numbers[f"bumps_{count}_kinks"] = kinks = kinks_inside(network)
        print(f"{count:>3} bumps, {4 * count:>3} hidden units: max |h(x) - f(x)| = {error:.4f}, "
              f"kinks in [0, 1]: {kinks}")

    width, steps = 4 * COUNTS[-1], 300 if quick else 3_000
    model = train_mlp(width, np.linspace(0.0, 1.0, 256), steps, seed)
    trained = predict(model, grid)
    numbers["trained_max_error"] = float(np.max(np.abs(trained - exact)))
    numbers["trained_kinks"] = kinks_inside(model)
    curves[f"trained MLP, {width} hidden units"] = trained
    print(f"trained MLP, {width} hidden units, {steps:,} Adam steps: max |h(x) - f(x)| = "
          f"{numbers['trained_max_error']:.4f}, kinks in [0, 1]: {numbers['trained_kinks']} "
          f"(networks don't really learn bumps)")

    def draw(path: Path):
        plt = pyplot()
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
        left.plot(grid, bump(stir.tensor(grid), *EDGES).array, "k", linewidth=2, label="T(x)")
        r = EDGES[1] - EDGES[0]
        for sign, edge in zip((1, -1, -1, 1), EDGES):  # the four scaled ReLUs that T sums
            left.plot(grid, sign * np.maximum(grid - edge, 0) / r, "--", linewidth=1,
                      label=f"{'+' if sign > 0 else '-'}ReLU(x - {edge}) / {r:g}")
        left.set(title="A bump from four ReLUs", ylim=(-2, 2), xlabel="x")
        left.legend(loc="lower left", fontsize="x-small")
        right.plot(grid, exact, color="black", linewidth=3, alpha=0.4,
                   label="f(x) = x·sin(2πx) + 0.5")
        for label, curve in curves.items():
            right.plot(grid, curve, linewidth=1.2, label=label)
        right.set(title="Universal approximation with ReLU bumps", xlabel="x", ylabel="h(x)")
        right.legend(loc="lower left", fontsize="x-small")
        return figure

    Figures(out, "bumps").save("fit", draw)
    return numbers
