"""Seed 001: a [2, 5, 1] ReLU network fitted to the paraboloid 1 - |x|² by explicit backprop."""

from __future__ import annotations

from pathlib import Path

import stir.plot
from stir import explicit
from stir.data import paraboloid as paraboloid_data

from ._common import DEFAULT_OUT, Figures, heading, pyplot


def paraboloid(out: str | Path = DEFAULT_OUT, quick: bool = False,
               seed: int = 0) -> dict[str, float]:
    """Seed 001: a [2, 5, 1] ReLU network fits 1 - |x|² by explicit backprop.

    stir.explicit.train, arch [2, 5, 1], batch 100, ε = 0.005, 10 000 iterations
    (quick: 2 000) on 1 000 points of y = 1 - |x|²; prints the cost (1/n)·Σ |N(xᵢ) - yᵢ|²."""
    heading("paraboloid: y = 1 - |x|² on the unit square, explicit backprop (seed 001)")
    X, Y = paraboloid_data(1000, seed=seed)
    X, Y = X.astype(float), Y.astype(float)
    iterations = 2_000 if quick else 10_000
    net = explicit.train([2, 5, 1], explicit.relu, explicit.relu_prime, (X, Y), batch_size=100,
                         lr=0.005, iterations=iterations, rng=seed)
    cost = explicit.cost(net, (X, Y))
    print(f"architecture {explicit.architecture(net)}, {iterations:,} iterations of batch 100, "
          f"ε = 0.005: cost {cost:.5f} (the seed reports 0.00343)")

    def draw(path: Path):
        plt = pyplot()
        figure, axes = plt.subplots(1, 2, figsize=(10, 4.2),
                                    subplot_kw={"projection": "3d"})
        stir.plot.surface(lambda p: 1 - (p ** 2).sum(axis=1), title="target 1 - |x|²",
                          ax=axes[0])
        stir.plot.surface(lambda p: net(p)[:, 0], title=f"network (cost {cost:.4f})",
                          ax=axes[1])
        return figure

    Figures(out, "paraboloid").save("surfaces", draw)
    return {"cost": cost}
