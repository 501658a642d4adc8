"""Seed 003's space warping: two hidden ReLU units h = ReLU(Wx + b) carry the plane, and
points no line separates in x, into a space where a line does.

The points are `stir demo warp`'s: 200 points of [-2, 2]² labelled by h₁ + h₂ > 1 for the
demo's W and b, so a line separates them in that hidden space but none does in the input
space. Each hidden unit is a handle for its weight vector wᵢ (an arrow from the origin) and
one for its hinge line wᵢ·x + bᵢ = 0 (where the unit turns off); moving them moves the grid
and the points in hidden space, and the best line there is refit: logistic regression on h,
trained by stir.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.demos.warp import BIAS, SIDE, WEIGHT, hidden_layer, labelled_points

from ._explorers import Explorer, check_int, check_matrix, front_end, to_list

#: Logistic regression: full-batch Adam from zero weights, with a little L2 so that the
#: weights stay finite when the points are separable (then any separating line is a minimum
#: of the unregularised loss only at infinity).
STEPS, LEARNING_RATE, L2 = 200, 0.1, 1e-3
#: Lines of the drawn grid per direction, and the resolution of the shaded decision regions.
GRID_LINES, REGION_CELLS = 9, 44


def hidden_features(layer: nn.Module, points: np.ndarray) -> np.ndarray:
    """h = layer(x) for each row x of points, as float64."""
    with stir.no_grad():
        return layer(stir.tensor(points, dtype=stir.float64)).array


def logistic_regression(features: np.ndarray, labels: np.ndarray) -> nn.Linear:
    """The line a·h + c = 0 that minimises the mean logistic loss
    (1/n)·Σᵢ ln(1 + exp(-yᵢ(a·hᵢ + c))) + L2·|a|² (labels y = ±1), fit by full-batch Adam.

    >>> line = logistic_regression(np.array([[0.0], [1.0]]), np.array([-1, 1]))
    >>> line(stir.tensor([[0.0], [1.0]], dtype=stir.float64)).array.ravel() > 0
    array([False,  True])
    """
    line = nn.Linear(features.shape[1], 1, dtype=stir.float64)
    line.weight.array[...] = 0.0
    line.bias.array[...] = 0.0
    optimizer = optim.Adam(line.parameters(), lr=LEARNING_RATE)
    h = stir.tensor(features, dtype=stir.float64)
    targets = stir.tensor((labels > 0).astype(np.float64).reshape(-1, 1), dtype=stir.float64)
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(line(h), targets) \
            + L2 * (line.weight ** 2).sum()
        loss.backward()
        optimizer.step()
    return line


def accuracy(line: nn.Linear, features: np.ndarray, labels: np.ndarray) -> float:
    """The share of points on their label's side: sign(a·h + c) = y."""
    with stir.no_grad():
        scores = line(stir.tensor(features, dtype=stir.float64)).array.ravel()
    return float(np.mean(np.where(scores > 0, 1, -1) == labels))


def grid_lines(side: float, lines: int, points: int = 80) -> np.ndarray:
    """The lines of a square grid on [-side, side]²: shape (2·lines, points, 2), the
    horizontal ones then the vertical ones."""
    levels, along = np.linspace(-side, side, lines), np.linspace(-side, side, points)
    horizontal = np.stack(np.broadcast_arrays(along[None, :], levels[:, None]), axis=-1)
    return np.concatenate([horizontal, horizontal[..., ::-1]])


class WarpExplorer(Explorer):
    """Seed 003's space warping with a layer of two hidden ReLU units h = ReLU(Wx + b).

    Left, the input space: the points, both units' weight vectors and hinge lines as
    handles, shaded by the class the best hidden-space line gives. Right, hidden space: the
    grid and points carried there, and that line with its accuracy. Setting `weights` (W,
    one row per unit) or `bias` (b) from Python recomputes everything, like dragging.

    >>> w = WarpExplorer()
    >>> w.accuracy, w.input_accuracy < 1
    (1.0, True)
    >>> w.weights = [[1.0, 0.0], [0.0, 1.0]]  # h = ReLU(x + b): a shifted, folded copy of x
    >>> bool(np.allclose(w.features, np.maximum(w.X + w.bias, 0))), w.accuracy < 1
    (True, True)
    """

    _esm = front_end("warp")
    weights = traitlets.List().tag(sync=True)
    bias = traitlets.List().tag(sync=True)
    side = traitlets.Float(SIDE).tag(sync=True)
    points = traitlets.List().tag(sync=True)
    labels = traitlets.List().tag(sync=True)
    hidden = traitlets.List().tag(sync=True)
    grid_input = traitlets.List().tag(sync=True)
    grid_hidden = traitlets.List().tag(sync=True)
    boundary = traitlets.List().tag(sync=True)  # [a₁, a₂, c]: the line a·h + c = 0
    regions = traitlets.List().tag(sync=True)  # the class at each cell of the input square
    accuracy = traitlets.Float(0.0).tag(sync=True)
    input_accuracy = traitlets.Float(0.0).tag(sync=True)

    def __init__(self, weights: Any = None, bias: Any = None, n_points: int = 200,
                 seed: int = 0) -> None:
        n_points = check_int("WarpExplorer: n_points", n_points, 10, 2000)
        self.X, _, self.y = labelled_points(hidden_layer(), n_points, seed)
        # The best line in the input space, for comparison: no weights make it separate them.
        self.input_line = logistic_regression(self.X, self.y)
        self._grid = grid_lines(SIDE, GRID_LINES)
        centres = SIDE * (2 * (np.arange(REGION_CELLS) + 0.5) / REGION_CELLS - 1)
        self._cells = np.stack(np.meshgrid(centres, centres[::-1]), axis=-1).reshape(-1, 2)
        super().__init__(weights=WEIGHT if weights is None else weights,
                         bias=BIAS if bias is None else bias, points=to_list(self.X),
                         labels=self.y.tolist(), grid_input=to_list(self._grid, digits=4),
                         input_accuracy=accuracy(self.input_line, self.X, self.y))

    @traitlets.validate("weights")
    def _check_weights(self, proposal: dict) -> list:
        return check_matrix("WarpExplorer: weights", proposal["value"], (2, 2)).tolist()

    @traitlets.validate("bias")
    def _check_bias(self, proposal: dict) -> list:
        return check_matrix("WarpExplorer: bias", proposal["value"], (2,)).tolist()

    @traitlets.observe("weights", "bias")
    def _on_change(self, change: dict) -> None:
        self.refresh()

    def __repr__(self) -> str:  # what a notebook shows where widgets do not render
        return (f"WarpExplorer(weights={self.weights}, bias={self.bias}, best line "
                f"{self.accuracy:.1%} right in hidden space, {self.input_accuracy:.1%} on x)")

    def update(self) -> None:
        linear = nn.Linear(2, 2, dtype=stir.float64)
        linear.weight.array[...] = self.weights
        linear.bias.array[...] = self.bias
        self.layer = nn.Sequential(linear, nn.ReLU())
        self.features = hidden_features(self.layer, self.X)
        self.line = logistic_regression(self.features, self.y)
        with stir.no_grad():
            cells = self.line(self.layer(stir.tensor(self._cells, dtype=stir.float64)))
        grid = hidden_features(self.layer, self._grid.reshape(-1, 2)).reshape(self._grid.shape)
        with self.hold_sync():
            self.hidden = to_list(self.features)
            self.grid_hidden = to_list(grid, digits=4)
            self.boundary = to_list(np.append(self.line.weight.array.ravel(),
                                              self.line.bias.array))
            self.regions = (cells.array.ravel() > 0).astype(int).tolist()
            self.accuracy = accuracy(self.line, self.features, self.y)
