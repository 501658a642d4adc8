"""Checking class indices: every target of a classification loss must name a class."""

from __future__ import annotations

import numpy as np

_UNSIGNED = {np.dtype(f"i{size}"): np.dtype(f"u{size}") for size in (1, 2, 4, 8)}


def check_class_indices(name: str, target: np.ndarray, classes: int,
                   ignore_index: int | None = None) -> np.ndarray | None:
    """Raise for a class index outside [0, classes) (ignore_index excepted); return the mask
    of ignored entries, or None when there are none."""
    if target.size == 0:
        return None
    # Read as unsigned, a negative index is huge: one max checks both ends.
    unsigned = target.view(_UNSIGNED[target.dtype]) if target.dtype.kind == "i" else target
    if np.maximum.reduce(unsigned, axis=None) < classes:
        if ignore_index is None or not 0 <= ignore_index < classes:
            return None
        ignored = target == ignore_index
        return ignored if ignored.any() else None
    ignored = np.zeros(target.shape, dtype=bool) if ignore_index is None else (
        target == ignore_index)
    bad = target[((target < 0) | (target >= classes)) & ~ignored]
    if bad.size:
        allowed = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
        raise ValueError(
            f"{name}: target {bad[0]} is out of range for {classes} classes; class indices "
            f"must be in [0, {classes}){allowed}"
        )
    return ignored
