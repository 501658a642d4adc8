"""What a frame shows besides the numbers: the output over the input space, every hidden
neuron, the 1-D curve with its exact linear pieces, and the warp of the input square by a
hidden layer of two units.

`Views` holds, for one session, every fixed input a frame evaluates (the output grid, the
neuron grid, the warp's grid lines, the training points) as one batch, so that a frame is
one forward pass through the network, read layer by layer (the input of every layer with
weights, Linear or Maxout, but the first is a hidden layer's output: after its activation
and its Dropout, the identity in eval mode; a Maxout is its own activation). The 2-D grids
are row by row from the top (x2 = 6) and left to right (see `grid_points`); the 1-D task's
are `CURVE_POINTS` and `NEURON_POINTS` points on [0, 1].
The output is shown on the page's scale: on [-1, 1] for two classes (a logit z as
tanh(z / 2)), the value of a regression, and for K > 2 classes the argmax class with its
softmax probability ("classes", "values", "confidence"; in a 1-D curve, "ys" holds the
classes and "confidence" their probabilities).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import analysis, from_numpy, nn, no_grad
from .network import WEIGHTED_LAYERS, input_features
from .settings import Settings

__all__ = ["CURVE_POINTS", "DOMAIN", "NEURON_POINTS", "PIECEWISE_LINEAR", "Views", "WARP_LINES",
           "WARP_SAMPLES", "grid_points", "layer_outputs", "rounded", "warp_lines"]

#: The square TF Playground draws: [-6, 6]² (its xDomain).
DOMAIN = (-6.0, 6.0)
#: The 1-D task's output curve and neuron curves: points on [0, 1].
CURVE_POINTS, NEURON_POINTS = 201, 51
#: The warp: lines of the input square in each direction, and samples along each line.
WARP_LINES, WARP_SAMPLES = 13, 41
#: The activations with which a network is exactly piecewise linear (stir.analysis's).
PIECEWISE_LINEAR = ("relu", "linear", "maxout")


def grid_points(size: int) -> np.ndarray:
    """The (size², 2) centres of a size × size grid over DOMAIN, row by row from the top
    (x2 = 6) and left to right in each row (x1 from -6): the order of a frame's heatmaps.

    >>> grid_points(2).tolist()
    [[-6.0, 6.0], [6.0, 6.0], [-6.0, -6.0], [6.0, -6.0]]
    """
    low, high = DOMAIN
    across = np.linspace(low, high, size)
    x1, x2 = np.meshgrid(across, across[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1)


def warp_lines() -> np.ndarray:
    """The warp's lines of the input square, (2·WARP_LINES·WARP_SAMPLES, 2): first the
    horizontal ones (x2 from -6 up, x1 left to right along each), then the vertical ones
    (x1 from -6, x2 upwards along each).

    >>> lines = warp_lines().reshape(2 * WARP_LINES, WARP_SAMPLES, 2)
    >>> lines[0, :2].tolist(), lines[WARP_LINES, :2].tolist()
    ([[-6.0, -6.0], [-5.7, -6.0]], [[-6.0, -6.0], [-6.0, -5.7]])
    """
    levels, along = np.linspace(*DOMAIN, WARP_LINES), np.linspace(*DOMAIN, WARP_SAMPLES)
    horizontal = [np.stack([along, np.full_like(along, level)], 1) for level in levels]
    vertical = [np.stack([np.full_like(along, level), along], 1) for level in levels]
    return np.concatenate(horizontal + vertical)


def layer_outputs(network: nn.Sequential, inputs: Any) -> tuple[list[np.ndarray], np.ndarray]:
    """Every hidden layer's output (n, width) and the network's output, in one pass without
    gradients (put the network in eval mode first, for Dropout's sake).

    >>> import stir
    >>> net = stir.nn.Sequential(stir.nn.Linear(2, 3), stir.nn.ReLU(), stir.nn.Linear(3, 1))
    >>> hidden, output = layer_outputs(net, stir.ones(4, 2))
    >>> [h.shape for h in hidden], output.shape
    ([(4, 3)], (4, 1))
    """
    hidden, value = [], inputs
    with no_grad():
        for position, module in enumerate(network):
            if isinstance(module, WEIGHTED_LAYERS) and position:
                hidden.append(value.numpy())
            value = module(value)
    return hidden, value.numpy()


def rounded(values: Any, decimals: int) -> list[Any]:
    """Plain JSON numbers, rounded for a compact message (NaN and ±inf as null).

    >>> rounded(np.array([1.23456, np.nan]), 2)
    [1.23, None]
    """
    values = np.round(np.asarray(values, dtype=np.float64), decimals)
    if np.isfinite(values).all():
        return values.tolist()
    listed = values.astype(object)
    listed[~np.isfinite(values)] = None
    return listed.tolist()


class Views:
    """A session's fixed frame inputs, and the views built from one pass over them.

    >>> from stir.playground.network import build_network
    >>> network, _ = build_network(Settings(), 2)
    >>> views = Views(Settings(), 2, np.zeros((3, 2)), np.zeros(3), grid=4, neuron_grid=2)
    >>> sorted(views.views(network, "tanh"))
    ['neurons', 'output', 'warp']
    """

    def __init__(self, settings: Settings, dims: int, train_points: np.ndarray,
                 train_labels: np.ndarray, grid: int = 50, neuron_grid: int = 12) -> None:
        self.settings, self.dims, self.grid, self.neuron_grid = settings, dims, grid, neuron_grid
        self.warped = [layer for layer, width in enumerate(settings.network_shape) if width == 2]
        if dims == 1:
            self.output_at = np.linspace(0, 1, CURVE_POINTS)[:, None]
            self.neurons_at = np.linspace(0, 1, NEURON_POINTS)[:, None]
            parts = [self.output_at, self.neurons_at]
            self.warped = []
        else:
            parts = [grid_points(grid), grid_points(neuron_grid)]
            if self.warped:
                parts += [warp_lines(), train_points]
        self.train_labels = train_labels
        self.sizes = np.cumsum([len(part) for part in parts])[:-1]
        self.inputs = from_numpy(input_features(np.concatenate(parts), settings.features()))
        self.piecewise = (dims == 1 and settings.problem == "regression"
                          and settings.features() == ("x",)
                          and all(name in PIECEWISE_LINEAR
                                  for name in settings.layer_activations()))

    def views(self, network: nn.Sequential, kind: str) -> dict[str, Any]:
        """The frame's "output" (2-D) or "curve" (1-D), "neurons" and, with a hidden layer
        of two units in a 2-D task, "warp" (put the network in eval mode first)."""
        hidden, output = layer_outputs(network, self.inputs)
        outputs = np.split(output, self.sizes)
        layers = [np.split(values, self.sizes) for values in hidden]
        neurons = [rounded(parts[1].T, 3) for parts in layers]
        if self.dims == 1:
            return {"curve": self._curve(network, outputs[0], kind),
                    "neurons": {"xs": rounded(self.neurons_at[:, 0], 4), "layers": neurons}}
        found: dict[str, Any] = {"output": {"size": self.grid, **_shown(outputs[0], kind)},
                                 "neurons": {"size": self.neuron_grid, "layers": neurons}}
        if self.warped:
            found["warp"] = [{
                "layer": layer,
                "lines": rounded(layers[layer][2].reshape(2 * WARP_LINES, WARP_SAMPLES, 2), 3),
                "points": rounded(np.column_stack([layers[layer][3], self.train_labels]), 3),
            } for layer in self.warped]
        return found

    def _curve(self, network: nn.Sequential, output: np.ndarray, kind: str) -> dict[str, Any]:
        shown = _shown(output, kind)
        curve = {"xs": rounded(self.output_at[:, 0], 4), "ys": shown.pop("values"), **shown}
        curve["pieces"] = None
        if self.piecewise:
            # (eval mode: Dropout is the identity, and so is "linear"; keypoints takes only
            # Linear, ReLU and Maxout layers, so the rest are left out of the copy it reads)
            exact = nn.Sequential(*(module for module in network
                                    if isinstance(module, (nn.Linear, nn.ReLU, nn.Maxout))))
            xs, ys = analysis.keypoints(exact, 0.0, 1.0)
            curve["pieces"] = {"xs": rounded(xs, 6), "ys": rounded(ys, 6)}
        return curve


def _shown(output: np.ndarray, kind: str) -> dict[str, Any]:
    """The output on the page's scale: "values" on [-1, 1] (a logit z as tanh(z / 2)) or a
    regression's value; for K logits, the argmax class and its softmax "confidence"."""
    if kind == "logits":
        shifted = np.exp(output - output.max(axis=1, keepdims=True))
        probability = shifted / shifted.sum(axis=1, keepdims=True)
        return {"classes": output.shape[1], "values": output.argmax(axis=1).tolist(),
                "confidence": rounded(probability.max(axis=1), 3)}
    values = output[:, 0]
    if kind == "logit":
        values = np.tanh(values * 0.5)
    return {"values": rounded(values, 3)}
