"""Seed 003, space warping: a hidden layer h = ReLU(Wx + b) of 2 units folds the plane.

Where both units are on, h is an affine copy of x; where one is off, the plane is flattened
onto an axis; where both are off, it is crushed to the origin. The points here are labelled
+1 when h₁ + h₂ > 1, a rule that is linear in h but bent in x: no line separates them in the
original space, and a line does in the feature space. The perceptron is the test, as it
stops only once a line classifies every point: on x it never stops, on h it does.
Prints both runs; draws the grid and the points before and after the warp.
`--quick`: 100 perceptron epochs on x instead of 1 000.
"""

import sys
from pathlib import Path

import numpy as np

import stir
import stir.plot
from stir import nn
from stir.classic import Perceptron

WEIGHT, BIAS = [[1.0, 0.3], [-0.3, -1.0]], [0.1, -0.1]


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    layer = nn.Linear(2, 2, dtype=stir.float64)
    layer.weight.data[:], layer.bias.data[:] = WEIGHT, BIAS
    hidden = nn.Sequential(layer, nn.ReLU())

    points = np.random.default_rng(0).uniform(-2.0, 2.0, size=(1000, 2))
    with stir.no_grad():
        features = hidden(stir.tensor(points)).data
    keep = np.abs(features.sum(axis=1) - 1.0) > 0.15  # a margin around the rule's boundary
    X, H = points[keep][:200], features[keep][:200]
    y = np.where(H.sum(axis=1) > 1.0, 1, -1)

    epochs = 100 if quick else 1_000
    on_x = Perceptron(max_epochs=epochs).fit(X, y)
    on_h = Perceptron(max_epochs=epochs).fit(H, y)
    print(f"{len(X)} points labelled by h₁ + h₂ > 1, with W = {WEIGHT}, b = {BIAS}")
    print(f"perceptron on x: converged {on_x.converged_} after {on_x.n_epochs_:,} epochs; "
          f"best epoch's accuracy {max(on_x.accuracy_per_epoch):.3f}")
    print(f"perceptron on h: converged {on_h.converged_} after {on_h.n_epochs_} epochs; "
          f"accuracy {on_h.score(H, y):.3f}")
    numbers = {"x_converged": float(on_x.converged_), "x_best_accuracy":
               max(on_x.accuracy_per_epoch), "h_converged": float(on_h.converged_),
               "h_accuracy": float(on_h.score(H, y))}

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    import matplotlib.pyplot as plt
    figure = stir.plot.grid_warp(hidden, lo=-2.0, hi=2.0, lines=9)
    before, after = figure.axes
    for sign, colour in ((1, "black"), (-1, "red")):
        before.scatter(*X[y == sign].T, s=10, color=colour, zorder=3, label=f"y = {sign:+d}")
        after.scatter(*H[y == sign].T, s=10, color=colour, zorder=3)
    after.plot([0, 1], [1, 0], "k--", label="h₁ + h₂ = 1")  # the separating line in h
    for ax in (before, after):
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize="small")
    print(f"wrote {stir.plot.save(figure, Path(out) / 'warp.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
