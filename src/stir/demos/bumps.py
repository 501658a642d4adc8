"""Seed 003's universal approximation: sums of ReLU bumps, 4 hidden units per bump."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.analysis
import stir.nn.functional as F
from stir import nn, optim

from ._common import DEFAULT_OUT, Figures, heading, pyplot


def target(x: np.ndarray | float) -> np.ndarray | float:
    """The function to approximate on [0, 1]: f(x) = x·sin(2πx) + 0.5.

    >>> round(float(target(0.25)), 3)
    0.75
    """
    return x * np.sin(2.0 * np.pi * x) + 0.5


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """model(x) for x of shape (n,), as a float64 array of shape (n,).

    >>> predict(nn.Linear(1, 1, dtype=stir.float64), np.zeros(3)).shape
    (3,)
    """
    with stir.no_grad():
        return model(stir.tensor(x.reshape(-1, 1), dtype=stir.float64)).data.reshape(-1)


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

    Builds stir.analysis.bump_network for f(x) = x·sin(2πx) + 0.5 on [0, 1] with K = 4, 16,
    64 bumps and prints each max |h(x) - f(x)| over [0, 1] (it shrinks about as 1/K); then
    trains an MLP with the largest network's 4K hidden units by Adam for 3 000 steps and
    prints its error. Quick: K = 4, 16 and 300 steps. Returns the max errors by name."""
    heading("bumps: a sum of K ReLU bumps, 4 hidden units each (seed 003)")
    counts = (4, 16) if quick else (4, 16, 64)
    grid = np.linspace(0.0, 1.0, 1001)
    exact = target(grid)
    numbers: dict[str, float] = {}
    curves: dict[str, np.ndarray] = {}
    for count in counts:
        network = stir.analysis.bump_network(lambda x: float(target(x)), 0.0, 1.0, count)
        curves[f"{count} bumps ({4 * count} hidden units)"] = approximation = predict(network,
                                                                                      grid)
        numbers[f"bumps_{count}_max_error"] = error = float(np.max(np.abs(approximation - exact)))
        print(f"{count:>3} bumps, {4 * count:>3} hidden units: max |h(x) - f(x)| = {error:.4f}")

    width, steps = 4 * counts[-1], 300 if quick else 3_000
    model = train_mlp(width, np.linspace(0.0, 1.0, 256), steps, seed)
    trained = predict(model, grid)
    numbers["trained_max_error"] = float(np.max(np.abs(trained - exact)))
    curves[f"trained MLP, {width} hidden units"] = trained
    print(f"trained MLP, {width} hidden units, {steps:,} Adam steps: max |h(x) - f(x)| = "
          f"{numbers['trained_max_error']:.4f} (networks don't really learn bumps)")

    def draw(path: Path):
        plt = pyplot()
        figure, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
        ax.plot(grid, exact, color="black", linewidth=3, alpha=0.4,
                label="f(x) = x·sin(2πx) + 0.5")
        for label, curve in curves.items():
            ax.plot(grid, curve, linewidth=1.2, label=label)
        ax.set(title="Universal approximation with ReLU bumps", xlabel="x", ylabel="h(x)")
        ax.legend(loc="best", fontsize="small")
        return figure

    Figures(out, "bumps").save("fit", draw)
    return numbers
