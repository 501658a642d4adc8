"""What the explorer widgets (bumps, activations, warp) share: their front end and checks.

Each explorer is an `anywidget.AnyWidget` whose front end is `_explorers.js` (the SVG
helpers: axes, curves, draggable handles, sliders) followed by the widget's own file; the
browser only draws and reports drags, every number is computed here by stir.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from importlib import resources
from typing import Any

import anywidget
import numpy as np
import traitlets


class ExplorerValueError(traitlets.TraitError, ValueError):
    """A widget was given a value it cannot show (a TraitError, so traitlets reports it as
    its own, and a ValueError, as any other bad argument of stir)."""


class Explorer(anywidget.AnyWidget):
    """An explorer widget: `update()` recomputes every shown number from the settings; it runs
    once the constructor has checked them all, then after each change, and counts up
    `revision`, which tells the front end that the kernel has answered (so that a drag sends
    its latest position only when the last one is done, and never builds a backlog)."""

    revision = traitlets.Int(0).tag(sync=True)

    def __init__(self, **traits: Any) -> None:
        self._ready = False
        super().__init__(**traits)
        self._ready = True
        self.refresh()

    def refresh(self) -> None:
        """Recompute (once the constructor is done) and tell the front end."""
        if self._ready:
            self.update()
            self.revision += 1

    def update(self) -> None:
        raise NotImplementedError


def front_end(name: str) -> str:
    """The ES module of widget `name`: the shared helpers, then `name`.js (which ends with
    `export default`). Both ship inside the package, so nothing is fetched from a CDN."""
    folder = resources.files(__package__)
    return "\n".join((folder / f"{file}.js").read_text(encoding="utf-8")
                     for file in ("_explorers", name))


def to_list(values: Any, digits: int = 6) -> list:
    """A float array as nested lists for the front end, rounded to `digits` significant
    digits (what a plot can show; it keeps the messages small). NaN and ±inf become None.

    >>> to_list(np.array([[1 / 3, np.inf]]), digits=3)
    [[0.333, None]]
    """
    array = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(array)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(np.where(finite & (array != 0),
                                                                          array, 1.0)))))
    rounded = np.where(finite, np.round(array * scale) / scale, 0.0)
    return _nested(rounded, finite)


def _nested(array: np.ndarray, finite: np.ndarray) -> list:
    if array.ndim == 1:
        return [float(v) if ok else None for v, ok in zip(array.tolist(), finite.tolist())]
    return [_nested(row, ok) for row, ok in zip(array, finite)]


def check_int(where: str, value: Any, lo: int, hi: int) -> int:
    """`value` as an int in [lo, hi], or an ExplorerValueError saying which range.

    >>> check_int("n_bumps", 3, 1, 32)
    3
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ExplorerValueError(f"{where} must be an integer from {lo} to {hi}, got {value!r}")
    if not lo <= value <= hi:
        raise ExplorerValueError(f"{where} must be from {lo} to {hi}, got {value}")
    return int(value)


def check_matrix(where: str, value: Any, shape: Sequence[int]) -> np.ndarray:
    """`value` as a finite float64 array of `shape`, or an ExplorerValueError saying why.

    >>> check_matrix("bias", [1, 2], (2,))
    array([1., 2.])
    """
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ExplorerValueError(f"{where} must be numbers of shape {tuple(shape)}, "
                                 f"got {value!r}") from None
    if array.shape != tuple(shape):
        raise ExplorerValueError(f"{where} must have shape {tuple(shape)}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ExplorerValueError(f"{where} must be finite, got {value!r}")
    return array


def check_float(where: str, value: Any, lo: float, hi: float) -> float:
    """`value` as a float in [lo, hi], or an ExplorerValueError saying which range.

    >>> check_float("alpha", 0.5, 0.0, 3.0)
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ExplorerValueError(f"{where} must be a number from {lo:g} to {hi:g}, "
                                 f"got {value!r}")
    if not (math.isfinite(value) and lo <= value <= hi):
        raise ExplorerValueError(f"{where} must be from {lo:g} to {hi:g}, got {value}")
    return float(value)
