"""Changing an array in place: NumPy's ufuncs with `out=` and same_kind casting, the standard's
in-place operators elsewhere (how optimizers update parameters and the engine adds gradients).

>>> import numpy as np
>>> a = np.ones(2, dtype=np.float32)
>>> update("add", a, np.float64(0.5))
>>> a
array([1.5, 1.5], dtype=float32)
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .namespaces import namespace

_ndarray = np.ndarray

#: NumPy's ufunc of each in-place operation (`ufunc(a, b, out=a, casting="same_kind")`).
NUMPY_IN_PLACE = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
_IN_PLACE = {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul,
             "div": operator.itruediv}  # the standard's in-place operators


def update(operation: str, target: Any, other: Any) -> None:
    """target ∘= other in place ("add", "sub", "mul" or "div"), casting as NumPy's
    same_kind rule allows (the standard's in-place operators cast the same way)."""
    if type(target) is _ndarray:
        NUMPY_IN_PLACE[operation](target, other, out=target, casting="same_kind")
    else:
        _IN_PLACE[operation](target, other)


def copy_into(target: Any, source: Any) -> None:
    """target[...] = source, in place (same_kind casting on NumPy)."""
    if type(target) is _ndarray:
        np.copyto(target, source, casting="same_kind")
    else:
        target[...] = source


def clip_into(target: Any, low: Any, high: Any) -> None:
    """target limited to [low, high], in place."""
    if type(target) is _ndarray:
        np.clip(target, low, high, out=target)
    else:
        target[...] = namespace(target).clip(target, low, high)
