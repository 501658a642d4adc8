"""Seed 003, 1-D slices of the loss landscape: L(θ + α·d) along random directions d.

The seed's network: 4 layers of ReLU units, 10 input features, 32 units per hidden layer,
10 categories, softmax loss; here on 10 Gaussian clusters in 10 dimensions. A network has far
too many parameters to picture its loss, so we walk along a line through parameter space:
θ + α·d for α in [-1, 1], d a random direction rescaled row by row to the size of θ's
weights (Li et al.'s filter normalization; stir.analysis.loss_slice). Around the starting θ
the loss is high and changes little; around the trained θ it is near 0 in the middle and
rises steeply on both sides: training has found a valley.
Prints the training accuracy and, for each slice, L at α = 0 and at α = ±1; draws the slices.
`--quick`: 100 Adam steps instead of 1 000.
"""

import sys
from pathlib import Path

import numpy as np

import stir
import stir.analysis
import stir.nn.functional as F
import stir.plot
from stir import nn, optim
from stir.data import blobs

ALPHAS = np.linspace(-1.0, 1.0, 21)  # symmetric, so α = 0 is ALPHAS[10]


def slices(model: nn.Module, X: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """L(θ + α·dₖ) for three random directions dₖ; seeds 0, 1, 2 give the same dₖ every call."""
    return [stir.analysis.loss_slice(model, F.cross_entropy, X, y, alphas=ALPHAS,
                                     generator=stir.Generator().manual_seed(k),
                                     normalization="filter")[1] for k in range(3)]


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    X, y = blobs(500, centers=10, n_features=10, cluster_std=4.0, seed=0)
    generator = stir.Generator().manual_seed(0)
    model = nn.MLP([10, 32, 32, 32, 10], activation="relu", generator=generator)
    curves = {"initial": slices(model, X, y)}
    steps = 100 if quick else 1_000
    stir.fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.003), X, y,
             steps=steps, batch_size=50, verbose=0, generator=generator)
    curves["trained"] = slices(model, X, y)
    accuracy = float((stir.predict(model, X).argmax(axis=1) == y).mean())
    print(f"MLP {model.architecture}, {steps:,} Adam steps: training accuracy {accuracy:.3f}")
    numbers = {"accuracy": accuracy}
    for point, losses in curves.items():
        numbers[f"{point}_loss"] = float(losses[0][10])
        numbers[f"{point}_edge_loss"] = float(min(min(slice[0], slice[-1]) for slice in losses))
        print(f"{point:>8} θ: L = {losses[0][10]:.4f}; along each direction, L(α = -1) and "
              f"L(α = +1): " + ", ".join(f"{s[0]:.2f} and {s[-1]:.2f}" for s in losses))

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for ax, (point, losses) in zip(axes, curves.items()):
        stir.plot.loss_slices(ALPHAS, losses, [f"direction {k}" for k in range(3)],
                              title=f"around the {point} θ", ax=ax)
    print(f"wrote {stir.plot.save(figure, Path(out) / 'landscape.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
