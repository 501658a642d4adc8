"""One page's training: a stir MLP on a playground's data, stepped by stir.optim.SGD, and the
frames that show it.

The network is TF Playground's: `stir.nn.MLP` from the switched-on features through the
hidden widths to one output, with the chosen activation between layers; weights drawn
uniformly from [-0.5, 0.5] and biases 0.1, as its buildNetwork does (seeded by `seed`).
Its output is tanh for a classification under the square loss (labels ±1) and linear for a
regression; under cross-entropy the output is a logit z and the loss
BCE(σ(z), (label + 1) / 2), shown on the same [-1, 1] scale as tanh(z / 2) = 2σ(z) − 1.

The square loss is TF Playground's ½(output − label)², averaged over the batch (and so are
the train and test losses shown); L1 adds rate·Σ|w| and L2 rate·Σ½w² over the weights (not
the biases) to each step's loss, which is TF Playground's update. A step is one minibatch
of `batchSize` training points, taken in order (TF Playground's order, the same each
epoch); TF Playground's "iteration" is an epoch, len(train) / batchSize steps rounded up.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from .. import Generator, from_numpy, no_grad, nn, optim
from ..nn import functional as F
from .datasets import Data, make_data
from .settings import Settings

__all__ = ["DOMAIN", "Session", "input_features", "grid_points"]

#: The square TF Playground draws: [-6, 6]² (its xDomain).
DOMAIN = (-6.0, 6.0)
_ACTIVATIONS = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "linear": "identity"}


def input_features(points: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The network's inputs at (n, 2) points: the named features, in order, as float32.

    >>> input_features(np.array([[2.0, 3.0]]), ("x", "xTimesY", "ySquared")).tolist()
    [[2.0, 6.0, 9.0]]
    """
    x1, x2 = points[:, 0], points[:, 1]
    table = {"x": x1, "y": x2, "xSquared": x1 * x1, "ySquared": x2 * x2, "xTimesY": x1 * x2,
             "sinX": np.sin(x1), "sinY": np.sin(x2)}
    return np.stack([table[name] for name in names], axis=1).astype(np.float32)


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


class Session:
    """A network training on a playground's data, one minibatch per `step`.

    >>> session = Session(Settings())
    >>> session.train(25)
    25
    >>> frame = session.frame()
    >>> frame["epoch"], len(frame["output"]["values"]), frame["trainLoss"] < 1
    (1.0, 2500, True)
    """

    def __init__(self, settings: Settings, grid: int = 50, neuron_grid: int = 12) -> None:
        self.settings = settings
        self.data: Data = make_data(settings)
        features = settings.features()
        self._train = (from_numpy(input_features(self.data.train_points, features)),
                       from_numpy(self.data.train_labels.astype(np.float32)[:, None]))
        self._test = (from_numpy(input_features(self.data.test_points, features)),
                      from_numpy(self.data.test_labels.astype(np.float32)[:, None]))
        size = settings.batch_size
        inputs, labels = self._train
        self._batches = [(inputs[i:i + size], labels[i:i + size])
                         for i in range(0, len(self.data.train_points), size)]
        self.grid, self.neuron_grid = grid, neuron_grid
        self._grid_inputs = from_numpy(input_features(grid_points(grid), features))
        self._neuron_inputs = from_numpy(input_features(grid_points(neuron_grid), features))
        self.network = _network(settings, len(features))
        self.optimizer = optim.SGD(self.network.parameters(), lr=settings.learning_rate)
        self.steps = 0

    @property
    def epoch_steps(self) -> int:
        """Steps in one epoch: the training points over the batch size, rounded up."""
        return max(len(self._batches), 1)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Change the learning rate and go on training (TF Playground does not reset)."""
        self.settings = self.settings.updated({"learningRate": learning_rate})
        for group in self.optimizer.param_groups:
            group["lr"] = self.settings.learning_rate

    def train(self, steps: int) -> int:
        """Take `steps` minibatch steps; returns how many were taken (0 without data)."""
        if not self._batches:
            return 0
        for _ in range(steps):
            inputs, labels = self._batches[self.steps % len(self._batches)]
            self.optimizer.zero_grad()
            loss = self._loss(self.network(inputs), labels) + self._penalty()
            loss.backward()
            self.optimizer.step()
            self.steps += 1
        return steps

    def train_for(self, seconds: float, most: int = 100_000) -> int:
        """Take steps for about `seconds` (at least one, at most `most`); returns how many."""
        deadline, taken = time.perf_counter() + seconds, 0
        while taken < most:
            taken += self.train(1)
            if taken == 0 or time.perf_counter() >= deadline:
                break
        return taken

    def losses(self) -> tuple[float, float]:
        """The mean loss on the training and the test points (NaN for an empty part)."""
        with no_grad():
            return tuple(float(self._loss(self.network(inputs), labels)) if len(labels)
                         else math.nan for inputs, labels in (self._train, self._test))

    def frame(self) -> dict[str, Any]:
        """What the page draws, as plain JSON: the step and epoch, the losses (and the
        accuracies of a classification), the output on a `grid`² heatmap and every hidden
        neuron on a `neuron_grid`² one (row by row from the top; see `grid_points`), and
        each layer's weights (out × in) and biases."""
        with no_grad():
            output = self._shown(self.network(self._grid_inputs))
            layers, hidden = [], self._neuron_inputs
            for module in list(self.network)[:-1]:
                hidden = module(hidden)
                if not isinstance(module, nn.Linear):  # (after an activation: a layer done)
                    layers.append(_rounded(hidden.numpy().T, 3))
        train_loss, test_loss = self.losses()
        frame: dict[str, Any] = {
            "type": "frame", "step": self.steps, "epoch": self.steps / self.epoch_steps,
            "trainLoss": _finite(train_loss), "testLoss": _finite(test_loss),
            "output": {"size": self.grid, "values": _rounded(output.numpy().ravel(), 3)},
            "neurons": {"size": self.neuron_grid, "layers": layers},
            "weights": [_rounded(layer.weight.detach().numpy(), 4) for layer in self._linears()],
            "biases": [_rounded(layer.bias.detach().numpy(), 4) for layer in self._linears()],
        }
        if self.settings.problem == "classification":
            frame["trainAccuracy"], frame["testAccuracy"] = self._accuracies()
        return frame

    def points(self) -> dict[str, Any]:
        """The data message: each part's points as [x1, x2, label] rows."""
        data = self.data
        return {"type": "data", "problem": self.settings.problem,
                "train": _rounded(np.column_stack([data.train_points, data.train_labels]), 4),
                "test": _rounded(np.column_stack([data.test_points, data.test_labels]), 4)}

    def _loss(self, output: Any, labels: Any) -> Any:
        if self.settings.loss == "cross-entropy":
            return F.binary_cross_entropy_with_logits(output, (labels + 1) * 0.5)
        return 0.5 * F.mse_loss(output, labels)

    def _penalty(self) -> Any:
        rate, kind = self.settings.regularization_rate, self.settings.regularization
        if kind == "none" or rate == 0:
            return 0.0
        weights = [layer.weight for layer in self._linears()]
        if kind == "L1":
            return rate * sum(weight.abs().sum() for weight in weights)
        return rate * 0.5 * sum((weight * weight).sum() for weight in weights)

    def _shown(self, output: Any) -> Any:
        """The output on the page's [-1, 1] scale (a logit z as tanh(z / 2))."""
        return (output * 0.5).tanh() if self.settings.loss == "cross-entropy" else output

    def _accuracies(self) -> tuple[float | None, float | None]:
        found = []
        with no_grad():
            for inputs, labels in (self._train, self._test):
                if not len(labels):
                    found.append(None)
                    continue
                guesses = np.where(self._shown(self.network(inputs)).numpy() >= 0, 1.0, -1.0)
                found.append(round(float((guesses == labels.numpy()).mean()), 4))
        return found[0], found[1]

    def _linears(self) -> list[nn.Linear]:
        return [module for module in self.network if isinstance(module, nn.Linear)]


def _network(settings: Settings, inputs: int) -> nn.MLP:
    """TF Playground's network: weights U(-0.5, 0.5) and biases 0.1, seeded."""
    classify_square = settings.problem == "classification" and settings.loss == "square"
    network = nn.MLP([inputs, *settings.network_shape, 1],
                     activation=_ACTIVATIONS[settings.activation],
                     output_activation="tanh" if classify_square else None)
    generator = Generator().manual_seed(settings.seed)
    for module in network:
        if isinstance(module, nn.Linear):
            nn.init.uniform_(module.weight, -0.5, 0.5, generator=generator)
            nn.init.constant_(module.bias, 0.1)
    return network


def _rounded(values: np.ndarray, decimals: int) -> list[Any]:
    """Plain JSON numbers, rounded for a compact message (NaN and ±inf as null)."""
    values = np.round(np.asarray(values, dtype=np.float64), decimals)
    if np.isfinite(values).all():
        return values.tolist()
    listed = values.astype(object)
    listed[~np.isfinite(values)] = None
    return listed.tolist()


def _finite(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None
