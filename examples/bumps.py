"""Seed 003, universal approximation: with 4K hidden units a network can sum K bumps.

Four ReLUs make a bump: T(x) = (ReLU(x - e₁) - ReLU(x - e₂) - ReLU(x - e₃) + ReLU(x - e₄)) / r
is 0 left of e₁, ramps up to 1 at e₂ = e₁ + r, stays 1 until e₃ and ramps down to 0 at
e₄ = e₃ + r. Scaling a bump to f's height on each of K cells of [0, 1] gives a network
with one hidden layer of 4K units whose error shrinks as K grows (stir.analysis.bump_network).
The seed's reality check: a trained network of the same width does not learn bumps.
Prints one bump's values, the largest error max|h(x) - f(x)| on [0, 1] of K = 4, 16, 64
bumps and of the trained network, and how many of each network's kinks lie in [0, 1];
draws them. `--quick`: 300 Adam steps instead of 3 000.
"""

import sys
from pathlib import Path

import numpy as np

import stir
import stir.analysis
import stir.plot
import stir.nn.functional as F
from stir import nn, optim


def f(x: np.ndarray) -> np.ndarray:
    """The function to approximate on [0, 1]."""
    return x * np.sin(2 * np.pi * x) + 0.5


def bump(x: stir.Tensor, e1: float, e2: float, e3: float, e4: float) -> stir.Tensor:
    """The trapezoid of four ReLUs (ramps of width e2 - e1 = e4 - e3)."""
    r = e2 - e1
    return (stir.relu(x - e1) - stir.relu(x - e2) - stir.relu(x - e3) + stir.relu(x - e4)) / r


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    points = [0.0, 0.15, 0.3, 0.5, 0.75, 0.9]
    values = bump(stir.tensor(points, dtype=stir.float64), 0.1, 0.2, 0.7, 0.8).data
    print("one bump with edges 0.1, 0.2, 0.7, 0.8: "
          + ", ".join(f"T({x}) = {value:.2f}" for x, value in zip(points, values)))

    grid = np.linspace(0.0, 1.0, 1001).reshape(-1, 1)
    networks = {f"{k} bumps": stir.analysis.bump_network(lambda x: float(f(x)), 0.0, 1.0, k)
                for k in (4, 16, 64)}
    generator = stir.Generator().manual_seed(0)
    model = nn.MLP([1, 256, 1], dtype=stir.float64, generator=generator)
    steps = 300 if quick else 3_000
    stir.fit(model, F.mse_loss, optim.Adam(model.parameters(), lr=0.01), grid[::4],
             f(grid[::4]), steps=steps, batch_size=64, verbose=0, generator=generator)
    networks["trained"] = model
    numbers, curves = {}, {}
    for name, network in networks.items():
        curves[name] = stir.predict(network, grid).ravel()
        numbers[f"{name.replace(' ', '_')}_max_error"] = error = float(
            np.abs(curves[name] - f(grid).ravel()).max())
        kinks = stir.analysis.breakpoints(network)  # where h bends, over all of ℝ
        inside = int(((kinks > 0) & (kinks < 1)).sum())
        print(f"{name:>8}, {network[0].out_features:>3} hidden units: max |h - f| = "
              f"{error:.4f}, kinks in [0, 1]: {inside}")
    print(f"(trained by Adam for {steps:,} steps on 251 points)")

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    import matplotlib.pyplot as plt
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    x = grid.ravel()
    left.plot(x, bump(stir.tensor(x), 0.1, 0.2, 0.7, 0.8).data, "k", linewidth=2)
    for sign, edge in ((1, 0.1), (-1, 0.2), (-1, 0.7), (1, 0.8)):
        left.plot(x, sign * np.maximum(x - edge, 0) / 0.1, "--", linewidth=1,
                  label=f"{'+' if sign > 0 else '-'}ReLU(x - {edge}) / 0.1")
    left.set(title="a bump from four ReLUs", ylim=(-2, 2), xlabel="x")
    left.legend(loc="lower left", fontsize="x-small")
    right.plot(x, f(x), color="grey", linewidth=4, alpha=0.5, label="f(x) = x·sin(2πx) + 0.5")
    for name, curve in curves.items():
        right.plot(x, curve, linewidth=1.2, label=name)
    right.set(title="sums of bumps and a trained network", xlabel="x")
    right.legend(loc="lower left", fontsize="x-small")
    print(f"wrote {stir.plot.save(figure, Path(out) / 'bumps.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
