"""Seed 003's 1-D slices of the loss landscape: L(θ + α·d) for random directions d.

The seed's network: 4 layers of ReLU units, 10 input features, 32 units per hidden layer,
10 categories, softmax loss; here on 10 Gaussian clusters in 10 dimensions. A network has far
too many parameters to picture its loss, so we walk along a line through parameter space,
θ + α·d for α in [-1, 1], d a random direction rescaled row by row to the size of θ's weights
(Li et al.'s filter normalization; stir.analysis.loss_slice). Around the starting θ the loss
is high and changes little; around the trained θ it is near 0 in the middle and rises steeply
on both sides: training has found a valley.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.analysis
import stir.nn.functional as F
import stir.plot
from stir import nn, optim
from stir.data import blobs

from ._common import DEFAULT_OUT, Figures, heading, pyplot

#: 10 input features, three hidden layers of 32 ReLUs, 10 categories.
ARCHITECTURE = [10, 32, 32, 32, 10]
DIRECTIONS = 3


def slices(model: nn.Module, x: stir.Tensor, y: stir.Tensor, directions: int,
           alphas: np.ndarray, seed: int) -> list[np.ndarray]:
    """L(θ + α·dₖ) for k < directions, dₖ standard normal from seed + k, filter-normalized.

    The same seeds give the same raw directions at every θ, so slices at two points of
    training follow the same lines (each rescaled to that θ's filter norms).

    >>> net = nn.MLP([2, 3, 2], dtype=stir.float64)
    >>> x, y = stir.zeros(4, 2, dtype=stir.float64), stir.tensor([0, 1, 0, 1])
    >>> [s.shape for s in slices(net, x, y, 2, np.linspace(-1, 1, 5), seed=0)]
    [(5,), (5,)]
    """
    return [stir.analysis.loss_slice(model, F.cross_entropy, x, y, alphas=alphas,
                                     generator=stir.Generator().manual_seed(seed + k),
                                     normalization="filter")[1]
            for k in range(directions)]


def landscape(out: str | Path = DEFAULT_OUT, quick: bool = False,
              seed: int = 0) -> dict[str, float]:
    """Seed 003's loss-landscape slices: L(θ + α·d) around the initial and trained θ.

    An MLP 10 → 32 → 32 → 32 → 10 is trained on 500 points of 10 clusters in 10 dimensions
    (cross-entropy, Adam lr 0.003, batches of 50, 1 000 steps); along 3 random
    filter-normalized directions d, α ∈ [-1, 1], prints L at α = 0, the minimum of each slice
    and L at α = ±1, at the initial and at the trained parameters (the trained θ sits at or
    next to the bottom of every slice, whose ends are far higher). Quick: 100 steps and 21
    values of α instead of 41. Returns the losses and the training accuracy by name."""
    heading("landscape: 1-D slices L(θ + α·d) of a 4-layer ReLU network's loss (seed 003)")
    steps = 100 if quick else 1_000
    alphas = np.linspace(-1.0, 1.0, 21 if quick else 41)
    X, y = blobs(500, centers=10, n_features=10, cluster_std=4.0, seed=seed)
    inputs, targets = stir.tensor(X, dtype=stir.float64), stir.tensor(y)
    generator = stir.Generator().manual_seed(seed)
    model = nn.MLP(ARCHITECTURE, activation="relu", dtype=stir.float64, generator=generator)
    curves = {"initial": slices(model, inputs, targets, DIRECTIONS, alphas, seed)}
    stir.fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.003), X, y,
             steps=steps, batch_size=50, verbose=0, generator=generator)
    curves["trained"] = slices(model, inputs, targets, DIRECTIONS, alphas, seed)
    with stir.no_grad():
        accuracy = float(np.mean(model(inputs).array.argmax(axis=1) == y))
    numbers = {"trained_accuracy": accuracy}
    print(f"{len(X)} points of 10 clusters in 10 dimensions, MLP "
          f"{' → '.join(map(str, ARCHITECTURE))}, {steps:,} Adam steps: training accuracy "
          f"{accuracy:.3f}")
    middle = len(alphas) // 2  # alphas is symmetric, so α = 0 is in the middle
    for point, losses_list in curves.items():
        numbers[f"{point}_loss"] = float(losses_list[0][middle])
        # The lowest end of any slice: how far the loss climbs a step of size 1 away.
        numbers[f"{point}_edge_loss"] = float(min(min(s[0], s[-1]) for s in losses_list))
        print(f"{point:>7} θ: L(α = 0) = {losses_list[0][middle]:.4f}")
        for k, losses in enumerate(losses_list):
            lowest = int(np.argmin(losses))
            numbers[f"{point}_min_{k}"] = float(losses[lowest])
            print(f"         direction {k}: min L = {losses[lowest]:.4f} at α = "
                  f"{alphas[lowest]:+.2f}, L(α = ±1) = {losses[0]:.3f}, {losses[-1]:.3f}")

    def draw(path: Path):
        plt = pyplot()
        figure, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
        for ax, (point, losses_list) in zip(axes, curves.items()):
            stir.plot.loss_slices(alphas, losses_list,
                                  [f"direction {k}" for k in range(len(losses_list))],
                                  title=f"Around the {point} parameters", ax=ax)
        return figure

    Figures(out, "landscape").save("slices", draw)
    return numbers
