"""Callbacks: small objects that `fit` calls at fixed points of training.

A callback subclasses `Callback` and overrides any of four hooks:

- `on_train_begin(model, optimizer)` once, before the first epoch;
- `on_batch_end(step, logs)` after each optimizer step (`logs` has "loss");
- `on_epoch_end(epoch, logs)` after each epoch and its validation (`logs` is that epoch's
  row of the History: "loss", metrics, "val_loss", ..., "lr");
- `on_train_end()` once, when training finishes normally (not when it raises).

`on_batch_end` and `on_epoch_end` return True to stop training (None or False to go on).
Epochs and steps are numbered from 1.

Stopping on a non-finite loss or gradient is not a callback: `fit` always does it (see
`stir.training.TrainingError`).

`ModelCheckpoint` saves the model and the optimizer every few epochs with
`stir.checkpoint.save`, atomically, so an interrupted run keeps its last complete checkpoint.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .history import resolve_mode


class Callback:
    """The base class: every hook does nothing and never stops training.

    >>> class PrintLoss(Callback):
    ...     def on_epoch_end(self, epoch, logs):
    ...         print(epoch, round(logs["loss"], 2))
    >>> PrintLoss().on_epoch_end(1, {"loss": 0.5})
    1 0.5
    """

    model: Any = None
    optimizer: Any = None
    progress: Any = None  # fit's cursor (stir.training.progress.Progress), set by fit

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        """Called once before training; the default keeps the model and the optimizer."""
        self.model, self.optimizer = model, optimizer

    def on_batch_end(self, step: int, logs: dict[str, float]) -> bool | None:
        """Called after each optimizer step; return True to stop."""
        return None

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        """Called after each epoch; return True to stop."""
        return None

    def on_train_end(self) -> None:
        """Called once when training ends without an error."""

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps of this callback, to resume a run exactly (plain data)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict()` gave."""
        self.check_state_dict(state)

    def check_state_dict(self, state: Any) -> None:
        """Raise ValueError unless `load_state_dict(state)` would succeed; change nothing.
        (A callback that keeps state overrides both.)"""
        if state != {}:
            raise ValueError(f"a {type(self).__name__} keeps no state, got {str(state)[:60]}")


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved for `patience` epochs, and by default put the
    weights of the best epoch back at the end.

    An epoch improves on the best value b when value < b − min_delta (mode "min") or
    value > b + min_delta (mode "max"); "auto" is "max" for accuracy and r2, "min" otherwise.
    NaN never improves.

    >>> stopper = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=False)
    >>> [stopper.on_epoch_end(e, {"val_loss": v}) for e, v in enumerate([3, 2, 2.5, 2.1], 1)]
    [False, False, False, True]
    >>> stopper.best, stopper.best_epoch, stopper.stopped_epoch
    (2.0, 2, 4)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = True) -> None:
        if not isinstance(patience, int) or isinstance(patience, bool) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, float(min_delta)
        self.mode = resolve_mode(monitor, mode)
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = 0
        self.stopped_epoch = 0
        self.wait = 0
        self.best_state: dict[str, np.ndarray] | None = None

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        super().on_train_begin(model, optimizer)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = self.stopped_epoch = self.wait = 0
        self.best_state = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, which this run does "
                             f"not record; it records {', '.join(logs)} (pass "
                             "validation_data to fit for 'val_...' values)")
        value = float(logs[self.monitor])
        if self._improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights and self.model is not None:
                # A copy: the live parameters keep changing in place.
                self.best_state = {name: tensor.array.copy()
                                   for name, tensor in self.model.state_dict().items()}
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self) -> None:
        if self.restore_best_weights and self.best_state is not None:
            self.model.load_state_dict(self.best_state)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch, "best_state": self.best_state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.check_state_dict(state)
        self.best, self.best_state = float(state["best"]), state["best_state"]
        self.best_epoch, self.wait = int(state["best_epoch"]), int(state["wait"])
        self.stopped_epoch = int(state["stopped_epoch"])

    def check_state_dict(self, state: Any) -> None:
        """The counts are integers >= 0, `best` a number, and `best_state` None or weights
        that fit the model being trained (when it is known)."""
        keys = {"best", "best_epoch", "wait", "stopped_epoch", "best_state"}
        if not isinstance(state, dict) or set(state) != keys:
            raise ValueError(f"an EarlyStopping state has the keys {sorted(keys)}")
        for key in ("best_epoch", "wait", "stopped_epoch"):
            value = state[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"EarlyStopping: {key} must be an integer >= 0, got "
                                 f"{str(value)[:60]}")
        if isinstance(state["best"], bool) or not isinstance(state["best"], (int, float)):
            raise ValueError(f"EarlyStopping: best must be a number, got "
                             f"{str(state['best'])[:60]}")
        best_state = state["best_state"]
        if best_state is not None:
            if not isinstance(best_state, dict):
                raise ValueError("EarlyStopping: best_state must be None or a dict of arrays")
            if self.model is not None:  # the same checks as loading them at the end
                self.model.check_state_dict(best_state)

    def _improves(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class LRSchedulerCallback(Callback):
    """Step a `stir.optim` schedule once per epoch; `ReduceLROnPlateau` is given the value of
    `monitor` (default "val_loss").

    >>> import stir
    >>> from stir import optim
    >>> opt = optim.SGD([stir.zeros(1, requires_grad=True)], lr=0.1)
    >>> callback = LRSchedulerCallback(optim.StepLR(opt, step_size=1, gamma=0.5))
    >>> opt.step()  # an epoch's steps come first, as in PyTorch
    >>> _ = callback.on_epoch_end(1, {"loss": 1.0})
    >>> opt.param_groups[0]["lr"]
    0.05
    """

    def __init__(self, scheduler: Any, monitor: str = "val_loss") -> None:
        from ..optim.schedules import LRScheduler, ReduceLROnPlateau

        if not isinstance(scheduler, LRScheduler):
            raise TypeError(f"LRSchedulerCallback needs a stir.optim schedule, got "
                            f"{type(scheduler).__name__}")
        self.scheduler, self.monitor = scheduler, monitor
        self._needs_metric = isinstance(scheduler, ReduceLROnPlateau)

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        if not self._needs_metric:
            self.scheduler.step()
            return False
        if self.monitor not in logs:
            raise ValueError(f"LRSchedulerCallback: ReduceLROnPlateau monitors "
                             f"{self.monitor!r}, which this run does not record; it records "
                             f"{', '.join(logs)}")
        self.scheduler.step(logs[self.monitor])
        return False


class ModelCheckpoint(Callback):
    """Save a checkpoint (`stir.checkpoint`) every `every` epochs, or every `every_steps`
    optimizer steps, or at the end of the first epoch that ends `every_seconds` after the
    last save (and then once more when training ends): the model, the optimizer, the
    schedule of an LRSchedulerCallback (or `scheduler`), every random generator, the
    callbacks' states and fit's cursor, so that `fit(..., resume_from=path)` continues the
    run exactly; also "epoch" and that epoch's "logs" for a reader, and the plain data in
    `state` (a caller's own facts, such as the settings of the run). `save_now()` saves at
    once, between two steps: what an interrupt handler calls.

    `path` may contain "{epoch}" and "{step}" to keep one file per checkpoint; otherwise
    each save replaces the last, atomically, so the file always holds a complete checkpoint.
    `last_path` and `last_epoch` say what was saved last (None and 0 before the first).

    >>> import stir, tempfile, os
    >>> from stir import optim
    >>> path = os.path.join(tempfile.mkdtemp(), "epoch{epoch}.ckpt")
    >>> model = stir.nn.Linear(1, 1)
    >>> callback = ModelCheckpoint(path, every=2)
    >>> callback.on_train_begin(model, optim.SGD(model.parameters(), lr=0.1))
    >>> [callback.on_epoch_end(epoch, {"loss": 1.0}) for epoch in (1, 2, 3)]
    [False, False, False]
    >>> os.path.basename(callback.last_path), callback.last_epoch
    ('epoch2.ckpt', 2)
    """

    def __init__(self, path: str | Path, every: int | None = 1, every_steps: int | None = None,
                 scheduler: Any = None, every_seconds: float | None = None,
                 state: dict[str, Any] | None = None) -> None:
        for name, value in (("every", every), ("every_steps", every_steps)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                      or value < 1):
                raise ValueError(f"ModelCheckpoint: {name} must be an int >= 1 or None, got "
                                 f"{value!r}")
        if every_seconds is not None and not (isinstance(every_seconds, (int, float))
                                              and math.isfinite(every_seconds)
                                              and every_seconds >= 0):
            raise ValueError(f"ModelCheckpoint: every_seconds must be a number >= 0 or None, "
                             f"got {every_seconds!r}")
        self.path, self.every, self.every_steps = str(path), every, every_steps
        self.every_seconds, self.state = every_seconds, dict(state or {})
        self.scheduler = scheduler
        self._saved_at = time.monotonic()
        directory = Path(self.path.format(epoch=0, step=0)).parent
        if not directory.is_dir():
            raise FileNotFoundError(f"ModelCheckpoint: the folder {directory} does not exist")
        self.last_path: Path | None = None
        self.last_epoch = 0

    def on_batch_end(self, step: int, logs: dict[str, float]) -> bool:
        if self.every_steps is not None and step % self.every_steps == 0:
            epoch = self.progress.epoch if self.progress is not None else 0
            self._save(epoch, step, dict(logs), self.last_epoch)
        return False

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        super().on_train_begin(model, optimizer)
        self._saved_at = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        due = self.every is not None and epoch % self.every == 0
        if self.every_seconds is not None:
            due = due or time.monotonic() - self._saved_at >= self.every_seconds
        if due:
            step = self.progress.step if self.progress is not None else 0
            self._save(epoch, step, dict(logs), epoch)
        return False

    def on_train_end(self) -> None:
        # (after every other callback's: EarlyStopping has put its best weights back)
        if self.every_seconds is not None and self.progress is not None:
            epoch = self.progress.epoch - 1  # the last epoch that ran
            if epoch > self.last_epoch or self.last_path is None:
                history = self.progress.history
                logs = {key: history[key][-1] for key in history.keys()} if len(history) else {}
                self._save(epoch, self.progress.step, logs, epoch)

    def save_now(self) -> None:
        """Save a checkpoint at once, of the run as it is between two steps (mid-epoch, it
        resumes from that step)."""
        epoch = self.progress.epoch if self.progress is not None else 0
        step = self.progress.step if self.progress is not None else 0
        self._save(epoch, step, {}, self.last_epoch)

    def state_dict(self) -> dict[str, Any]:
        return {"last_epoch": self.last_epoch,
                "last_path": None if self.last_path is None else str(self.last_path)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.check_state_dict(state)
        self.last_epoch = state["last_epoch"]
        self.last_path = None if state["last_path"] is None else Path(state["last_path"])

    def check_state_dict(self, state: Any) -> None:
        """`last_epoch` an integer >= 0 and `last_path` None or a path."""
        if not isinstance(state, dict) or set(state) != {"last_epoch", "last_path"}:
            raise ValueError("a ModelCheckpoint state has the keys last_epoch and last_path")
        epoch, path = state["last_epoch"], state["last_path"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"ModelCheckpoint: last_epoch must be an integer >= 0, got "
                             f"{str(epoch)[:60]}")
        if path is not None and (not isinstance(path, str) or not path or "\0" in path):
            raise ValueError(f"ModelCheckpoint: last_path must be a path, got {str(path)[:60]}")

    def _save(self, epoch: int, step: int, logs: dict[str, float], last_epoch: int) -> None:
        """Write one checkpoint. `last_path` and `last_epoch` change only once it is written
        (an interrupted save leaves them naming the previous, complete one), but the state
        saved in it already says that this save happened, as a resumed run must see."""
        from .. import checkpoint

        path = Path(self.path.format(epoch=epoch, step=step))
        before = self.last_path, self.last_epoch
        scheduler, extra = self.scheduler, {}
        if self.progress is not None:
            callbacks = self.progress.callbacks
            if scheduler is None:
                scheduler = next((c.scheduler for c in callbacks
                                  if isinstance(c, LRSchedulerCallback)), None)
            self.last_path, self.last_epoch = path, last_epoch  # as it will be once saved
            try:
                extra = {"fit": self.progress.state_dict(),
                         "callbacks": [{"type": type(c).__name__, "state": c.state_dict()}
                                       for c in callbacks]}
            finally:
                self.last_path, self.last_epoch = before
        generators = {"fit": self.progress.generator} if self.progress is not None else None
        written = checkpoint.save(path, model=self.model, optimizer=self.optimizer,
                                  scheduler=scheduler, generators=generators, epoch=epoch,
                                  logs=logs, **self.state, **extra)
        self.last_path, self.last_epoch = written, last_epoch
        self._saved_at = time.monotonic()
