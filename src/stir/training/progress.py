"""Where a `fit` run is: the cursor a checkpoint saves so that training resumes bit for bit.

A run is a sequence of epochs; each epoch visits the samples in an order drawn when it
starts (or in file order without shuffling), in batches. `Progress` holds the epoch
running, the optimizer steps done, that epoch's order and how far through it the run is,
the partial sums of the epoch's loss and metric inputs, and the History so far. `fit`
updates it in place; `ModelCheckpoint` saves `state_dict()`; `fit(resume_from=...)` loads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..random import Generator
from .history import History


@dataclass
class Progress:
    """The cursor of a `fit` run (epochs and steps are numbered from 1; `step` counts the
    optimizer steps done so far, `position` the samples of the current epoch done)."""

    generator: Generator
    epoch: int = 1
    step: int = 0
    order: np.ndarray | None = None
    position: int = 0
    loss_sum: float = 0.0
    outputs: list[np.ndarray] = field(default_factory=list)
    targets: list[np.ndarray] = field(default_factory=list)
    history: History = field(default_factory=History)
    callbacks: list[Any] = field(default_factory=list)  # the run's, for checkpoints
    stop: bool = False  # a callback asked to stop: the run ends after this epoch's end

    @property
    def epoch_started(self) -> bool:
        """Whether the current epoch has drawn its order (it has, once resumed into it)."""
        return self.position > 0 or self.order is not None

    def next_epoch(self) -> None:
        """Move the cursor to the start of the next epoch."""
        self.epoch += 1
        self.order, self.position, self.loss_sum = None, 0, 0.0
        self.outputs, self.targets = [], []

    def state_dict(self) -> dict[str, Any]:
        """Plain data and arrays, for `stir.checkpoint.save`."""
        return {
            "epoch": self.epoch, "step": self.step, "order": self.order,
            "position": self.position, "loss_sum": self.loss_sum,
            "outputs": _joined(self.outputs), "targets": _joined(self.targets),
            "history": {"epochs": list(self.history.epochs),
                        "values": {key: list(values)
                                   for key, values in self.history.history.items()}},
            "stop": self.stop,
        }

    def check_state_dict(self, state: Any, run: Run) -> None:
        """Raise ValueError unless `state` is a cursor that the run `run` could have saved:
        integers in range, an order that is a permutation of the samples, a step count
        that matches the epoch and position for the run's batch size, partial sums as long
        as the position, and one History row per finished epoch."""
        keys = {"epoch", "step", "order", "position", "loss_sum", "outputs", "targets",
                "history"}
        if not isinstance(state, dict) or not keys <= set(state) <= keys | {"stop"}:
            raise ValueError(f"malformed fit progress: it needs the keys {sorted(keys)}")
        epoch, step, position = (_integer(state, key) for key in ("epoch", "step", "position"))
        if not 1 <= epoch <= run.epochs + 1 or not 0 <= position <= run.samples \
                or not 0 <= step <= run.steps:
            raise ValueError(f"the fit progress (epoch {epoch}, step {step}, position "
                             f"{position}) is outside this run's {run.epochs} epochs, "
                             f"{run.steps} steps and {run.samples} samples")
        stop = state.get("stop", False)
        if not isinstance(stop, bool):
            raise ValueError("the fit progress's stop must be true or false")
        if not _cursor_fits(epoch, step, position, stop, run):
            raise ValueError(f"the fit progress (epoch {epoch}, position {position}, step "
                             f"{step}) does not fit batches of {run.batch_size} over "
                             f"{run.samples} samples: was it saved by a run with other data "
                             "or another batch size?")
        _check_order(state["order"], position, run)
        loss_sum = state["loss_sum"]
        if isinstance(loss_sum, bool) or not isinstance(loss_sum, (int, float)) \
                or not math.isfinite(loss_sum):
            raise ValueError(f"the fit progress's loss_sum must be a finite number, got "
                             f"{str(loss_sum)[:60]}")
        for key in ("outputs", "targets"):
            _check_partial(key, state[key], position, run)
        _check_history(state["history"], epoch)

    def load_state_dict(self, state: dict[str, Any], run: Run) -> None:
        """Restore what `state_dict()` gave, once `check_state_dict(state, run)` passes."""
        self.check_state_dict(state, run)
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.position, self.loss_sum = int(state["position"]), float(state["loss_sum"])
        self.order, self.stop = state["order"], bool(state.get("stop", False))
        self.outputs = [state["outputs"]] if state["outputs"] is not None else []
        self.targets = [state["targets"]] if state["targets"] is not None else []
        self.history = History()
        self.history.epochs = list(state["history"]["epochs"])
        self.history.history = {key: [float(v) for v in column]
                                for key, column in state["history"]["values"].items()}


@dataclass(frozen=True)
class Run:
    """What a `fit` run is, for checking a cursor against it: the number of samples, the
    batch size, the epochs and optimizer steps it runs, whether it shuffles, whether it
    keeps outputs for metrics, and the shapes of one target and of one output."""

    samples: int
    batch_size: int
    epochs: int
    steps: int
    shuffle: bool
    keeps_outputs: bool
    target_shape: tuple[int, ...]
    output_shape: tuple[int, ...] | None = None  # of one sample's output, when known

    @property
    def batches(self) -> int:
        """Batches per epoch."""
        return -(-self.samples // self.batch_size)


def _cursor_fits(epoch: int, step: int, position: int, stop: bool, run: Run) -> bool:
    """Whether `step` optimizer steps are what a run reaches at (epoch, position): every
    earlier epoch whole, this one's position a whole number of batches (or the end), except
    that a run that has ended (stopped by a callback, or out of steps) may have ended its
    last epoch early."""
    if position % run.batch_size and position != run.samples:
        return False
    done = (epoch - 1) * run.batches + -(-position // run.batch_size)
    if position == 0 and epoch > 1 and (stop or step == run.steps):
        return done - run.batches < step <= done
    return step == done


def _integer(state: dict[str, Any], key: str) -> int:
    value = state[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"the fit progress's {key} must be an integer, got {str(value)[:60]}")
    return value


def _check_order(order: Any, position: int, run: Run) -> None:
    """None before the epoch has drawn one (or without shuffling), else a permutation."""
    if order is None:
        if run.shuffle and position > 0:
            raise ValueError("the fit progress has no sample order for an epoch under way, "
                             "but this run shuffles")
        return
    if not run.shuffle:
        raise ValueError("the fit progress has a sample order, but this run does not shuffle")
    if not isinstance(order, np.ndarray) or order.dtype.kind not in "iu" \
            or order.shape != (run.samples,):
        raise ValueError(f"the fit progress's order must be {run.samples} integer indices, "
                         f"got {type(order).__name__} {getattr(order, 'shape', '')}")
    if order.size and (order.min() < 0 or order.max() >= run.samples
                       or np.bincount(order, minlength=run.samples).max() != 1):
        raise ValueError(f"the fit progress's order is not a permutation of the "
                         f"{run.samples} samples")


def _check_partial(key: str, value: Any, position: int, run: Run) -> None:
    """The epoch's outputs or targets so far: one row per sample done, if kept at all."""
    if value is None:
        if run.keeps_outputs and position > 0:
            raise ValueError(f"the fit progress has no {key} for the epoch under way, which "
                             "this run's metrics need")
        return
    if not run.keeps_outputs or not isinstance(value, np.ndarray) \
            or value.dtype.kind not in "fiub" or value.ndim == 0 or len(value) != position \
            or (key == "targets" and value.shape[1:] != run.target_shape) \
            or (key == "outputs" and run.output_shape is not None
                and value.shape[1:] != run.output_shape):
        raise ValueError(f"the fit progress's {key} must be {position} rows (one per sample "
                         f"done this epoch), got {type(value).__name__} "
                         f"{getattr(value, 'shape', '')}")


def _check_history(history: Any, epoch: int) -> None:
    """One row per finished epoch: epochs 1 .. epoch − 1, and that many values per key."""
    finished = list(range(1, epoch))
    if not isinstance(history, dict) or set(history) != {"epochs", "values"} \
            or history["epochs"] != finished or not isinstance(history["values"], dict):
        raise ValueError(f"the fit progress's History must list the epochs {finished[:5]}"
                         f"{'...' if len(finished) > 5 else ''} before epoch {epoch}")
    for key, column in history["values"].items():
        if not isinstance(column, list) or len(column) != len(finished) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in column):
            raise ValueError(f"the fit progress's History column {str(key)[:40]!r} must "
                             f"hold {len(finished)} numbers")


def _joined(arrays: list[np.ndarray]) -> np.ndarray | None:
    return np.concatenate(arrays) if arrays else None
