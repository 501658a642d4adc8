"""History: what `fit` returns, one value per epoch for the loss, each metric and the rate."""

from __future__ import annotations

import math
from typing import Any

from .metrics import HIGHER_IS_BETTER


class History:
    """The per-epoch record of a training run: `history[key]` is a list, one value per epoch.

    Keys: "loss", each training metric by name, "val_loss" and "val_<metric>" when there is
    validation data, and "lr" (the first group's learning rate used during the epoch).
    Epochs are numbered from 1.

    >>> h = History()
    >>> h.append({"loss": 0.9, "val_loss": 0.8, "lr": 0.1})
    >>> h.append({"loss": 0.5, "val_loss": 0.6, "lr": 0.1})
    >>> h["val_loss"], h.best()["epoch"]
    ([0.8, 0.6], 2)
    >>> print(h)
    epoch    loss  val_loss      lr
        1  0.9000    0.8000  0.1000
        2  0.5000    0.6000  0.1000
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epochs: list[int] = []

    def append(self, record: dict[str, float]) -> None:
        """Add one epoch's values."""
        self.epochs.append(len(self.epochs) + 1)
        for key, value in record.items():
            self.history.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise KeyError(f"History has no {key!r}; it has {', '.join(self.history)}")
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epochs)

    def keys(self) -> list[str]:
        """The recorded names, in order."""
        return list(self.history)

    def best(self, monitor: str | None = None, mode: str = "auto") -> dict[str, Any]:
        """The epoch where `monitor` (default "val_loss", else "loss") was best, with all its
        values: {"epoch": e, "loss": ..., ...}. `mode` is "min", "max" or "auto" (max for
        accuracy and r2, min otherwise)."""
        if not self.epochs:
            raise ValueError("History.best: no epoch has been recorded")
        if monitor is None:
            monitor = "val_loss" if "val_loss" in self.history else "loss"
        values = self[monitor]
        maximize = resolve_mode(monitor, mode) == "max"
        # NaNs never count as best.
        candidates = [(v if maximize else -v, -i) for i, v in enumerate(values) if v == v]
        if not candidates:
            raise ValueError(f"History.best: every value of {monitor!r} is NaN")
        index = -max(candidates)[1]
        return {"epoch": self.epochs[index],
                **{key: column[index] for key, column in self.history.items()}}

    def __str__(self) -> str:
        keys = list(self.history)
        widths = [max(len(key), 8) for key in keys]
        lines = ["epoch  " + "  ".join(key.rjust(w) for key, w in zip(keys, widths))]
        for row, epoch in enumerate(self.epochs):
            cells = [_format(self.history[key][row]).rjust(w) for key, w in zip(keys, widths)]
            lines.append(f"{epoch:5d}  " + "  ".join(cells))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """The curves, best epoch marked, and the last and best values, for Jupyter
        (stir.display.history_html)."""
        from ..display.history_html import history_html

        return history_html(self)

    def __repr__(self) -> str:
        if not self.epochs:
            return "History(0 epochs)"
        best = self.best()
        monitor = "val_loss" if "val_loss" in self.history else "loss"
        return (f"History({len(self.epochs)} epochs; best {monitor} "
                f"{_format(best[monitor])} at epoch {best['epoch']})")


def resolve_mode(monitor: str, mode: str) -> str:
    """"min" or "max" for a monitored name; "auto" is "max" for accuracy and r2."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if monitor.removeprefix("val_") in HIGHER_IS_BETTER else "min"


def _format(value: float) -> str:
    if math.isfinite(value) and value != 0 and not 1e-3 <= abs(value) < 1e5:
        return f"{value:.3e}"
    return f"{value:.4f}"
