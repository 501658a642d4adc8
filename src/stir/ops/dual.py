"""Functions that take NumPy arrays or tensors alike, so one backward serves both modes.

The engine runs a primitive's backward on plain NumPy arrays for ordinary gradients (no tensor
is made, so nothing is recorded or checked twice), and on tensors when the backward pass is
itself recorded (`create_graph=True`, for higher-order gradients). A backward written with
Python's operators, the methods arrays and tensors share (`.reshape`, `.sum`, `.T`, `.mT`,
`.squeeze`, indexing) and the functions below works in both. Constant masks stay NumPy arrays:
multiplying by one is the same in both modes.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import elementwise, reduce, shape


# Arrays include NumPy's scalars, which 0-d operations return; so the test is for tensors.

def array(x: Any) -> np.ndarray:
    """The NumPy values of an array or a tensor (for masks, which are constants)."""
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def log(x: Any) -> Any:
    return x.log() if isinstance(x, Tensor) else np.log(x)


def sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Tensor) else np.sin(x)


def cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Tensor) else np.cos(x)


def where(condition: np.ndarray, x: Any, y: Any) -> Any:
    """x where the (constant) condition holds, else y."""
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        return np.where(condition, x, y)
    like = x if isinstance(x, Tensor) else y
    return elementwise.Where.apply(condition, _tensor(x, like), _tensor(y, like))


def cast(x: Any, dtype: Any) -> Any:
    if isinstance(x, Tensor):
        return elementwise.Cast.apply(x, dtype)
    return np.asarray(x).astype(dtype)


def permute(x: Any, axes: tuple[int, ...]) -> Any:
    return shape.Permute.apply(x, axes) if isinstance(x, Tensor) else np.transpose(x, axes)


def broadcast_to(x: Any, target: tuple[int, ...]) -> Any:
    if isinstance(x, Tensor):
        return reduce.BroadcastTo.apply(x, target)
    return np.broadcast_to(x, target)


def sum_to(x: Any, target: tuple[int, ...]) -> Any:
    """x summed down to `target`, undoing a broadcast."""
    if isinstance(x, Tensor):
        return reduce.SumTo.apply(x, target)
    return sum_to_array(np.asarray(x), target)


def scatter_add(x: Any, index: Any, target: tuple[int, ...]) -> Any:
    """zeros(target) with x added at `index` (repeated indices add up)."""
    if isinstance(x, Tensor):
        return shape.ScatterAdd.apply(x, index, target)
    return scatter_add_array(np.asarray(x), index, target)


def sum_rows(x: Any) -> Any:
    """Σ over the rows of a matrix (axis 0). On arrays, as a product with a vector of ones:
    BLAS does that about twice as fast as NumPy's reduction for the small matrices of a layer."""
    if isinstance(x, Tensor):
        return x.sum(axis=0)
    return _ones(x.shape[0], x.dtype) @ x


@functools.lru_cache(maxsize=32)
def _ones(length: int, dtype: np.dtype[Any]) -> np.ndarray:
    ones = np.ones(length, dtype=dtype)
    ones.flags.writeable = False  # shared between calls
    return ones


def sum_to_array(x: np.ndarray, target: tuple[int, ...]) -> np.ndarray:
    lead = x.ndim - len(target)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(target) if n == 1 and x.shape[lead + i] != 1
    )
    return x.sum(axis=axes, keepdims=True).reshape(target) if axes else x.reshape(target)


def scatter_add_array(x: np.ndarray, index: Any, target: tuple[int, ...]) -> np.ndarray:
    z = np.zeros(target, dtype=x.dtype)
    if shape.is_basic_index(index):
        z[index] = x  # a basic index picks each element at most once
    else:
        np.add.at(z, index, x)
    return z


def _tensor(value: Any, like: Any) -> Any:
    if isinstance(value, Tensor):
        return value
    return Tensor(np.asarray(value, dtype=like.dtype))
