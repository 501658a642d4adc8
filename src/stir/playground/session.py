"""One page's training: a stir network on a playground's data, stepped by a stir.optim
optimizer under a stir.optim.lr_scheduler schedule, and the frames that show it.

The network, optimizer, schedule, inputs, targets and loss are network.py's (TF
Playground's network and start, in stir's public pieces); the frame's pictures are
views.py's. The square loss is TF Playground's ½(output − target)², averaged over the
batch (and so are the train and test losses shown), with class 0 as its -1 and class 1 as
its +1; under cross-entropy two classes give a logit z (BCE against the class, shown on the
same [-1, 1] scale as tanh(z / 2) = 2σ(z) − 1) and K > 2 classes give K logits (softmax
cross-entropy, shown as the argmax class and its probability). L1 adds rate·Σ|w| and L2
rate·Σ½w² over the weights (not the biases) to each step's loss, which is TF Playground's
update. A step is one minibatch of `batchSize` training points, taken in order (TF
Playground's order, the same each epoch); TF Playground's "iteration" is an epoch,
len(train) / batchSize steps rounded up, and the schedule steps once after each epoch.
Training runs in train mode (Dropout and RReLU draw from the network's seeded generator);
frames, losses and the backprop step's losses are computed in eval mode, which draws
nothing, so looking never changes what training does.

Learning-rate changes and weight edits are logged in `events` (step, kind, values), for
export.py's script to replay. With `stopAfter` = N > 0, the test loss is taken after every
epoch, and when it has not improved for N epochs (stir.training.EarlyStopping's rule, its
weights left as they are) `stopped` says so and `train_for` stops: the page pauses there.
"""

from __future__ import annotations

import contextlib
import math
import time
from typing import Any, Iterator, NamedTuple

import numpy as np

from .. import from_numpy, nn, no_grad
from ..training.callbacks import EarlyStopping
from .datasets import Data, Upload, make_data, point_added, point_removed
from .network import (
    affine, build_network, data_loss, input_features, link_values, optimizer_call,
    output_kind, penalty, pieces, schedule_call, targets, weighted_layers,
)
from .settings import Settings, SettingsError, is_number, shown
from .views import DOMAIN, Views, grid_points, rounded

# (DOMAIN, grid_points and input_features live in views.py and network.py; they are named
# here too for the code that imported them from the session, as the browser test does.)
__all__ = ["DOMAIN", "Event", "LEFT_OUT_LINES", "Session", "grid_points", "input_features"]

#: The line numbers of an upload's left-out rows that the "data" message lists.
LEFT_OUT_LINES = 5


class Event(NamedTuple):
    """A change made while training, at `step` (the steps taken before it): kind
    "learningRate" with values (rate,), or "weight" with values (layer, to, from_, value,
    piece), from_ None for the bias and piece None but in a maxout layer."""

    step: int
    kind: str
    values: tuple[Any, ...]


class _Part(NamedTuple):
    inputs: Any
    targets: Any
    labels: np.ndarray


class Session:
    """A network training on a playground's data, one minibatch per step.

    >>> session = Session(Settings())
    >>> session.train(25)
    25
    >>> frame = session.frame()
    >>> frame["epoch"], len(frame["output"]["values"]), frame["trainLoss"] < 1
    (1.0, 2500, True)
    """

    def __init__(self, settings: Settings, upload: Upload | None = None, *, grid: int = 50,
                 neuron_grid: int = 12) -> None:
        self.settings = self.start_settings = settings
        self.upload = upload if settings.data_set() == "upload" else None
        self.data: Data = make_data(settings, self.upload)
        self.kind = output_kind(settings)
        features = settings.features()
        data = self.data
        self._train, self._test = (
            _Part(from_numpy(input_features(points, features)), targets(labels, self.kind),
                  labels)
            for points, labels in ((data.train_points, data.train_labels),
                                   (data.test_points, data.test_labels)))
        size = settings.batch_size
        inputs, wanted, _ = self._train
        self._batches = [(inputs[i:i + size], wanted[i:i + size])
                         for i in range(0, len(data.train_points), size)]
        self.grid, self.neuron_grid = grid, neuron_grid
        self._views = Views(settings, data.dims, data.train_points, data.train_labels, grid,
                            neuron_grid)
        self.network, self.generator = build_network(settings, len(features))
        self.optimizer = optimizer_call(settings).make(self.network.parameters())
        schedule = schedule_call(settings)
        self.scheduler = schedule.make(self.optimizer) if schedule is not None else None
        self.steps = 0
        self.events: list[Event] = []
        self.stopper = (EarlyStopping("test_loss", patience=settings.stop_after,
                                      restore_best_weights=False)
                        if settings.stop_after and len(self._test.labels) else None)
        #: Why training stopped by the stopping rule (None while it has not).
        self.stopped: str | None = None

    def go_on(self) -> None:
        """Train on after the stopping rule stopped: another `stopAfter` epochs' patience,
        measured against the best test loss so far."""
        self.stopped = None
        if self.stopper is not None:
            self.stopper.wait = 0

    @property
    def epoch_steps(self) -> int:
        """Steps in one epoch: the training points over the batch size, rounded up."""
        return max(len(self._batches), 1)

    @property
    def learning_rate(self) -> float:
        """The learning rate now (after the schedule)."""
        return float(self.optimizer.param_groups[0]["lr"])

    def layers(self) -> list[nn.Linear | nn.Maxout]:
        """The network's layers with weights, Linear and Maxout, the first first (the
        "layer" of a weight edit and of the frame's "weights")."""
        return weighted_layers(self.network)

    def set_learning_rate(self, learning_rate: float) -> None:
        """Set the learning rate now and go on training (TF Playground does not reset);
        a schedule goes on from the new rate, as PyTorch's chainable ones do."""
        self.settings = self.settings.updated({"learningRate": learning_rate})
        for group in self.optimizer.param_groups:
            group["lr"] = self.settings.learning_rate
        last = self.events[-1] if self.events else None
        if last is not None and last.step == self.steps and last.kind == "learningRate":
            self.events.pop()  # (a slider dragged between two steps: its last value counts)
        self.events.append(Event(self.steps, "learningRate", (self.settings.learning_rate,)))

    def set_weight(self, layer: Any, to: Any, from_: Any, value: Any,
                   piece: Any = None) -> None:
        """Set weight [to, from_] of layer `layer` (0 = the first with weights), or its bias
        `to` when `from_` is None, to `value`; in a maxout layer, that of piece `piece`
        (0 = the first), which a Linear layer's edit leaves None. Training goes on."""
        layers = self.layers()
        layer = _index("layer", layer, len(layers), "a layer of the network with weights")
        module = layers[layer]
        to = _index("to", to, module.out_features, f"a neuron of layer {layer}")
        if from_ is not None:
            from_ = _index("from", from_, module.in_features,
                           f"an input of layer {layer} (or null for the bias)")
        count = pieces(module)
        if count == 1 and piece is not None:
            raise SettingsError(f"piece: layer {layer} is a Linear layer, whose links have one "
                                f"weight each: leave piece out (or null), got {shown(piece, 40)}")
        if count > 1:
            if piece is None:
                raise SettingsError(f"piece: layer {layer} is a maxout layer, with {count} "
                                    f"weights on each link: say which, 0 to {count - 1}")
            piece = _index("piece", piece, count, f"a piece of maxout layer {layer}")
        if not is_number(value):
            raise SettingsError(f"value: must be a finite number, got {shown(value, 40)}")
        value = float(value)
        row = to * count + (piece or 0)  # (a Maxout's unit j, piece k: row j·pieces + k)
        linear = affine(module)
        with no_grad():
            if from_ is None:
                linear.bias[row] = value
            else:
                linear.weight[row, from_] = value
        self.events.append(Event(self.steps, "weight", (layer, to, from_, value, piece)))

    def train(self, steps: int) -> int:
        """Take `steps` minibatch steps; returns how many were taken (0 without data)."""
        if not self._batches:
            return 0
        for _ in range(steps):
            inputs, wanted = self._batches[self.steps % len(self._batches)]
            self._step(inputs, wanted)
        return steps

    def train_for(self, seconds: float, most: int = 100_000) -> int:
        """Take steps for about `seconds` (at least one, at most `most`); returns how many."""
        deadline, taken = time.perf_counter() + seconds, 0
        while taken < most and self.stopped is None:
            taken += self.train(1)
            if taken == 0 or time.perf_counter() >= deadline:
                break
        return taken

    def backprop_step(self) -> dict[str, Any]:
        """One minibatch step, shown: the contract's "backprop" message. "step" is the
        steps taken after it, "batch" [first, last + 1] of the training points, "loss" and
        "lossAfter" the batch's loss (as the frame's: eval mode, no penalty) before and
        after the step, "weights" and "biases" each layer's gradient of the step's loss,
        penalty included, shaped as the frame's weights and biases; all to 6 significant
        digits."""
        if not self._batches:
            raise SettingsError("removed: there are no training points left to step on")
        index = self.steps % len(self._batches)
        inputs, wanted = self._batches[index]
        before = self._batch_loss(inputs, wanted)
        self._step(inputs, wanted)
        gradients = []
        for layer in self.layers():
            linear = affine(layer)
            gradients.append(_significant_lists(*link_values(
                layer, _gradient(linear.weight), _gradient(linear.bias))))
        first = index * self.settings.batch_size
        return {"type": "backprop", "step": self.steps,
                "batch": [first, first + len(wanted)], "loss": _significant(before),
                "lossAfter": _significant(self._batch_loss(inputs, wanted)),
                "weights": [weight for weight, _ in gradients],
                "biases": [bias for _, bias in gradients]}

    def with_point_added(self, point: Any) -> Settings:
        """The settings with `point` ([x1, x2, label], or [x, label] for one input) added
        to the training points; the caller rebuilds the session from them."""
        dims = self.data.dims
        shape = "[x, label]" if dims == 1 else "[x1, x2, label]"
        if not isinstance(point, list) or len(point) != dims + 1:
            raise SettingsError(f"point: must be {shape}, got {shown(point, 40)}")
        try:
            return point_added(self.settings, point)
        except SettingsError as error:
            text = str(error)
            where = f"added: point {len(self.settings.added)}"
            if text.startswith(where):  # (the message names the message's field)
                text = "point: " + text[len(where):].lstrip(": ")
            raise SettingsError(text) from None

    def with_point_removed(self, index: Any) -> Settings:
        """The settings without training point `index` (its place in the "data" message's
        "train" list); the caller rebuilds the session from them."""
        return point_removed(self.settings, self.data, index)

    def losses(self) -> tuple[float, float]:
        """The mean loss on the training and the test points (NaN for an empty part)."""
        with self._evaluating():
            return tuple(self._part_loss(part)[0] for part in (self._train, self._test))

    def frame(self) -> dict[str, Any]:
        """What the page draws, as plain JSON (docs/playground.md): the step and epoch, the
        learning rate, the losses (and the accuracies of a classification), views.py's
        pictures ("output" or "curve", "neurons", "warp") and each layer's weights and
        biases (`network.link_values`: out × in and out, a maxout layer's out × in × pieces
        and out × pieces); all in eval mode."""
        with self._evaluating():
            views = self._views.views(self.network, self.kind)
            (train_loss, train_output), (test_loss, test_output) = (
                self._part_loss(part) for part in (self._train, self._test))
        links = [link_values(layer, affine(layer).weight.detach().numpy(),
                             affine(layer).bias.detach().numpy()) for layer in self.layers()]
        frame: dict[str, Any] = {
            "type": "frame", "step": self.steps, "epoch": self.steps / self.epoch_steps,
            "learningRate": self.learning_rate,
            "trainLoss": _finite(train_loss), "testLoss": _finite(test_loss),
            "stopped": self.stopped, **views,
            "weights": [rounded(weight, 4) for weight, _ in links],
            "biases": [rounded(bias, 4) for _, bias in links],
        }
        if self.settings.problem == "classification":
            frame["trainAccuracy"] = self._accuracy(train_output, self._train.labels)
            frame["testAccuracy"] = self._accuracy(test_output, self._test.labels)
        return frame

    def points(self) -> dict[str, Any]:
        """The "data" message: each part's points as [x1, x2, label] rows ([x, label] for
        one input), labels as class indices or targets, the upload's axes (or null), and
        "leftOut": how many of the upload's rows were left out for a missing cell, and the
        first LEFT_OUT_LINES of their line numbers (or null)."""
        data, left_out = self.data, self.upload.left_out if self.upload else ()
        return {"type": "data", "problem": self.settings.problem, "dims": data.dims,
                "numClasses": data.num_classes, "axes": data.axes,
                "leftOut": {"rows": len(left_out), "lines": list(left_out[:LEFT_OUT_LINES])}
                if left_out else None,
                "train": rounded(np.column_stack([data.train_points, data.train_labels]), 4),
                "test": rounded(np.column_stack([data.test_points, data.test_labels]), 4)}

    def _step(self, inputs: Any, wanted: Any) -> None:
        self.optimizer.zero_grad()
        loss = data_loss(self.network(inputs), wanted, self.kind)
        extra = penalty(self.start_settings, self.network)
        if extra is not None:
            loss = loss + extra
        loss.backward()
        self.optimizer.step()
        self.steps += 1
        if self.steps % self.epoch_steps == 0:
            if self.scheduler is not None:
                self.scheduler.step()
            if self.stopper is not None and self.stopped is None:
                self._check_stopping(self.steps // self.epoch_steps)

    def _check_stopping(self, epoch: int) -> None:
        with self._evaluating():  # (eval mode draws nothing: training goes on unchanged)
            loss, _ = self._part_loss(self._test)
        stopper = self.stopper
        assert stopper is not None
        if stopper.on_epoch_end(epoch, {"test_loss": loss}):
            self.stopped = (f"stopped at epoch {epoch}: the test loss has not improved for "
                            f"{stopper.patience} epochs (best {stopper.best:.3f}, at epoch "
                            f"{stopper.best_epoch}); press play to go on")

    @contextlib.contextmanager
    def _evaluating(self) -> Iterator[None]:
        """Eval mode and no gradients, then back to training."""
        self.network.eval()
        try:
            with no_grad():
                yield
        finally:
            self.network.train()

    def _batch_loss(self, inputs: Any, wanted: Any) -> float:
        with self._evaluating():
            return float(data_loss(self.network(inputs), wanted, self.kind))

    def _part_loss(self, part: _Part) -> tuple[float, np.ndarray | None]:
        """(Under _evaluating.) The part's mean loss and the network's output on it."""
        if not len(part.labels):
            return math.nan, None
        output = self.network(part.inputs)
        return float(data_loss(output, part.targets, self.kind)), output.numpy()

    def _accuracy(self, output: np.ndarray | None, labels: np.ndarray) -> float | None:
        if output is None:
            return None
        guesses = output.argmax(axis=1) if self.kind == "logits" else output[:, 0] >= 0
        return round(float((guesses == labels).mean()), 4)


def _index(name: str, value: Any, count: int, what: str) -> int:
    """An index 0..count-1 from JSON (3 or 3.0), or a SettingsError naming the field."""
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole or not 0 <= value < count:
        raise SettingsError(f"{name}: must be {what}, 0 to {count - 1}; got {shown(value, 40)}")
    return int(value)


def _gradient(parameter: Any) -> np.ndarray:
    """A parameter's gradient as float64 (zeros when none reached it)."""
    grad = parameter.grad
    return np.zeros(parameter.shape) if grad is None else grad.numpy().astype(np.float64)


def _significant_lists(*arrays: np.ndarray) -> list[list[Any]]:
    """Each array as nested lists of numbers to 6 significant digits (NaN and inf: None)."""
    def listed(values: np.ndarray) -> list[Any]:
        shown = [_significant(value) for value in values.ravel().tolist()]
        return np.array(shown, dtype=object).reshape(values.shape).tolist()
    return [listed(values) for values in arrays]


def _significant(value: float) -> float | None:
    return float(f"{value:.6g}") if math.isfinite(value) else None


def _finite(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None

