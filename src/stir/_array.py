"""The array seam: the helpers on raw arrays that the engine and the primitives share.

`sum_to` is how a gradient of a broadcast input is summed back to that input's shape; the
engine (for every gradient whose shape differs from its input's) and `SumTo` both use it, so
the rule is written once.
"""

from __future__ import annotations

import numpy as np


def sum_to(x: np.ndarray, target: tuple[int, ...]) -> np.ndarray:
    """x summed over the axes that broadcasting added or stretched, down to `target`."""
    lead = x.ndim - len(target)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(target) if n == 1 and x.shape[lead + i] != 1
    )
    return x.sum(axis=axes, keepdims=True).reshape(target) if axes else x.reshape(target)


def reducible(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """True when `shape` broadcasts to `grad_shape`, so summing undoes the broadcast."""
    if len(shape) > len(grad_shape):
        return False
    tail = grad_shape[len(grad_shape) - len(shape):]
    return all(s == g or s == 1 for s, g in zip(shape, tail))


__all__ = ["reducible", "sum_to"]
