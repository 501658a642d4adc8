"""Where a `fit` run is: the cursor a checkpoint saves so that training resumes bit for bit.

A run is a sequence of epochs; each epoch visits the samples in an order drawn when it
starts (or in file order without shuffling), in batches. `Progress` holds the epoch
running, the optimizer steps done, that epoch's order and how far through it the run is,
the partial sums of the epoch's loss and metric inputs, and the History so far. `fit`
updates it in place; `ModelCheckpoint` saves `state_dict()`; `fit(resume_from=...)` loads it.
"""

from __future__ import annotations

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
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict()` gave (a ValueError says what is malformed)."""
        try:
            epoch, step, position = (int(state[key]) for key in ("epoch", "step", "position"))
            order, outputs, targets = state["order"], state["outputs"], state["targets"]
            epochs, values = state["history"]["epochs"], state["history"]["values"]
            loss_sum = float(state["loss_sum"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"malformed fit progress: {error!r}") from None
        if order is not None and not isinstance(order, np.ndarray):
            raise ValueError("malformed fit progress: the order must be an array")
        self.epoch, self.step, self.position, self.loss_sum = epoch, step, position, loss_sum
        self.order = order
        self.outputs = [outputs] if outputs is not None else []
        self.targets = [targets] if targets is not None else []
        self.history = History()
        self.history.epochs = [int(e) for e in epochs]
        self.history.history = {str(key): [float(v) for v in column]
                                for key, column in dict(values).items()}


def _joined(arrays: list[np.ndarray]) -> np.ndarray | None:
    return np.concatenate(arrays) if arrays else None
