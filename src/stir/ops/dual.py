"""Functions that take NumPy arrays or tensors alike, so one backward serves both modes.

The engine runs a primitive's backward on plain NumPy arrays for ordinary gradients (no tensor
is made, so nothing is recorded or checked twice), and on tensors when the backward pass is
itself recorded (`create_graph=True`, for higher-order gradients): the contract is stated in
full on `stir.Function`. A backward written with Python's operators, the methods arrays and
tensors share (`.reshape`, `.sum`, `.T`, `.mT`, `.squeeze`, indexing) and the functions below
works in both. Constant masks stay NumPy arrays: multiplying by one is the same in both modes.

On a tensor each function calls the tensor's own method, so this file depends on `Tensor`
alone and on no primitive: the primitives depend on it, not it on them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

# Arrays include NumPy's scalars, which 0-d operations return; so the test is for tensors.


def array(x: Any) -> np.ndarray:
    """The NumPy values of an array or a tensor (for masks, which are constants)."""
    return np.asarray(x.array if isinstance(x, Tensor) else x)


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
    if isinstance(x, Tensor):
        return x.where(condition, y)
    if isinstance(y, Tensor):
        return Tensor(np.asarray(x, dtype=y.dtype)).where(condition, y)
    return np.where(condition, x, y)


def sum_rows(x: Any) -> Any:
    """Σ over the rows of a matrix (axis 0). On arrays, as a product with a vector of ones:
    BLAS does that about twice as fast as NumPy's reduction for the small matrices of a layer;
    a single row is just copied (a fresh array, so the engine can adopt it as a .grad)."""
    if isinstance(x, Tensor):
        return x.sum(axis=0)
    if x.ndim != 2:
        return x.sum(axis=0)
    length = x.shape[0]
    if length == 1:
        return x[0].copy()
    ones = _ONES.get((length, x.dtype))
    if ones is None:
        ones = _ONES[length, x.dtype] = np.ones(length, dtype=x.dtype)
        ones.flags.writeable = False  # shared between calls
    return ones.dot(x)  # (see matmul on dot)


def matmul(x: Any, y: Any) -> Any:
    """x @ y. On matrices (NumPy arrays) by `dot`, which for matrices is the same product
    but skips the ufunc machinery of `@`: about 0.4 µs sooner, much of a small layer's
    product. When the inner dimension is 1 (an outer product: a batch of one sample, or a
    layer of one input or output), as a broadcast product, another 1 µs sooner: each element
    is then the one product either way, so the values are the same."""
    if type(x) is np.ndarray and type(y) is np.ndarray and x.ndim == 2 and y.ndim == 2:
        if x.shape[1] == 1 and y.shape[0] == 1:
            return x * y
        return x.dot(y)
    return x @ y


_ONES: dict[tuple[int, np.dtype[Any]], np.ndarray] = {}  # vectors of ones by length, dtype
