"""Space warping: a 2-unit ReLU hidden layer h = ReLU(Wx + b) folds the plane.

Where both units are on, h is an affine copy of x; where one is off, the plane is flattened
onto an axis; where both are off, it is crushed to the origin. Folding is what makes points
separable: points labelled +1 when h₁ + h₂ > 1 follow a rule that is linear in h but bent in
x, so no line separates them in the original space, and a line does in the feature space.
The perceptron is the test, as it stops only once a line classifies every point: on x it
never stops, on h it does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.plot
from stir import nn
from stir.classic import Perceptron

from ._common import DEFAULT_OUT, Figures, heading, pyplot

WEIGHT = [[1.0, -0.6], [0.4, 1.0]]
BIAS = [0.1, -0.2]
#: The points live in [-SIDE, SIDE]², large enough for the rule to cross the folds.
SIDE = 2.0
#: Points closer than this to the rule's boundary h₁ + h₂ = 1 are dropped, so that a line in h
#: separates the rest with room to spare (the perceptron's mistake bound grows as 1/margin²).
MARGIN = 0.15


def hidden_layer() -> nn.Sequential:
    """h(x) = ReLU(Wx + b) with the W and b above.

    >>> hidden_layer()(stir.tensor([[0.0, 0.0]], dtype=stir.float64)).array
    array([[0.1, 0. ]])
    """
    layer = nn.Linear(2, 2, dtype=stir.float64)
    layer.weight.array[...] = WEIGHT
    layer.bias.array[...] = BIAS
    return nn.Sequential(layer, nn.ReLU())


def features(hidden: nn.Module, points: np.ndarray) -> np.ndarray:
    """h(x) for each row x of points."""
    with stir.no_grad():
        return hidden(stir.tensor(points, dtype=stir.float64)).array


def labelled_points(hidden: nn.Module, n: int, seed: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n points x of [-SIDE, SIDE]², their h(x), and y = +1 where h₁ + h₂ > 1, else -1.

    >>> X, H, y = labelled_points(hidden_layer(), 5, seed=0)
    >>> X.shape, H.shape, sorted(set(y.tolist())) <= [-1, 1]
    ((5, 2), (5, 2), True)
    """
    points = np.random.default_rng(seed).uniform(-SIDE, SIDE, size=(5 * n, 2))
    image = features(hidden, points)
    keep = np.abs(image.sum(axis=1) - 1.0) > MARGIN
    X, H = points[keep][:n], image[keep][:n]
    return X, H, np.where(H.sum(axis=1) > 1.0, 1, -1)


def warp(out: str | Path = DEFAULT_OUT, quick: bool = False, seed: int = 0) -> dict[str, float]:
    """Seed 003's space warping: a grid under h = ReLU(Wx + b) with 2 hidden units.

    Prints which share of the square [-1, 1]² lands in the open quadrant (both units on), on
    an axis (one unit off) and at the origin (both off). Then 200 points of [-2, 2]² labelled
    by h₁ + h₂ > 1: a perceptron on x does not converge in 1 000 epochs (quick: 100), one on
    h does. Draws the grid and the points, coloured by class, before and after the warp, with
    the perceptron's line in h and the same line pulled back into x, where it is bent.
    Returns the shares and the perceptrons' results by name."""
    heading("warp: h = ReLU(Wx + b) with 2 hidden units (seed 003)")
    hidden = hidden_layer()
    side = np.linspace(-1.0, 1.0, 201)
    units_on = (features(hidden, np.stack(np.meshgrid(side, side), axis=-1).reshape(-1, 2))
                > 0).sum(axis=1)
    numbers = {"both_on": float(np.mean(units_on == 2)), "one_off": float(np.mean(units_on == 1)),
               "both_off": float(np.mean(units_on == 0))}
    print(f"W = {WEIGHT}, b = {BIAS}")
    print(f"share of [-1, 1]²: kept as is (both units on) {numbers['both_on']:.3f}, folded onto "
          f"an axis {numbers['one_off']:.3f}, collapsed to the origin {numbers['both_off']:.3f}")

    X, H, y = labelled_points(hidden, 200, seed)
    epochs = 100 if quick else 1_000
    on_x = Perceptron(max_epochs=epochs).fit(X, y)
    on_h = Perceptron(max_epochs=epochs).fit(H, y)
    numbers.update(x_converged=float(on_x.converged_),
                   x_best_accuracy=float(max(on_x.accuracy_per_epoch)),
                   h_converged=float(on_h.converged_), h_epochs=float(on_h.n_epochs_),
                   h_accuracy=float(on_h.score(H, y)))
    print(f"{len(X)} points of [-{SIDE:g}, {SIDE:g}]², y = +1 where h₁ + h₂ > 1 "
          f"({int(np.sum(y == 1))} of them), else -1")
    print(f"perceptron on x: converged {on_x.converged_} after {on_x.n_epochs_:,} epochs; best "
          f"epoch's accuracy {numbers['x_best_accuracy']:.3f}")
    print(f"perceptron on h: converged {on_h.converged_} after {on_h.n_epochs_:,} epochs; "
          f"accuracy {numbers['h_accuracy']:.3f}")

    # The perceptron's own line in h, scaled to a unit normal so that its label reads well.
    scale = float(np.linalg.norm(on_h.coef_))
    line = (on_h.coef_ / scale, on_h.intercept_ / scale)

    def draw(path: Path):
        figure, (before, after) = pyplot().subplots(1, 2, figsize=(11, 5.4),
                                                    layout="constrained")
        stir.plot.grid_warp(hidden, lo=-SIDE, hi=SIDE, lines=9, X=X, y=y, boundary=line,
                            ax=(before, after))
        before.set_title(f"input space x: no line separates the classes\n(perceptron: at best "
                         f"{numbers['x_best_accuracy']:.0%} right in {on_x.n_epochs_:,} epochs)")
        after.set_title(f"hidden space h = ReLU(Wx + b): a line does\n(perceptron: "
                        f"{numbers['h_accuracy']:.0%} right after {on_h.n_epochs_} epochs)")
        # Saved here: Figures.save only saves a figure whose PNG does not exist yet, so a
        # PNG from an earlier run would otherwise stay.
        stir.plot.save(figure, path)
        return figure

    Figures(out, "warp").save("grid", draw)
    return numbers
