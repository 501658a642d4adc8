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

from .. import _array
from ..tensor import Tensor, lift

# Arrays include NumPy's scalars, which 0-d operations return; so the test is for tensors.


def array(x: Any) -> Any:
    """The raw values of an array or a tensor (for masks, which are constants)."""
    return x.array if isinstance(x, Tensor) else _array.values(x)


def exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Tensor) else _array.namespace(x).exp(x)


def log(x: Any) -> Any:
    return x.log() if isinstance(x, Tensor) else _array.namespace(x).log(x)


def sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Tensor) else _array.namespace(x).sin(x)


def cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Tensor) else _array.namespace(x).cos(x)


def where(condition: Any, x: Any, y: Any) -> Any:
    """x where the (constant) condition holds, else y."""
    if isinstance(x, Tensor):
        return x.where(condition, y)
    if isinstance(y, Tensor):
        return lift(x, y).where(condition, y)
    return _array.namespace(condition).where(condition, x, y)


def reshape(x: Any, shape: tuple[int, ...]) -> Any:
    return x.reshape(shape) if isinstance(x, Tensor) else _array.namespace(x).reshape(x, shape)


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if isinstance(x, Tensor):
        return x.sum(axis=axis, keepdims=keepdims)
    return _array.namespace(x).sum(x, axis=axis, keepdims=keepdims)


def squeeze(x: Any, axis: int) -> Any:
    return x.squeeze(axis) if isinstance(x, Tensor) else _array.namespace(x).squeeze(x, axis)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The largest values of an array (for the constants of a backward)."""
    return _array.namespace(x).max(x, axis=axis, keepdims=keepdims)


def minimum(x: Any, y: Any) -> Any:
    return x.minimum(y) if isinstance(x, Tensor) else _array.namespace(x).minimum(x, y)


def sum_rows(x: Any) -> Any:
    """Σ over the rows of a matrix (axis 0), of an array or a tensor (see `_array.sum_rows`
    for NumPy's faster way)."""
    return x.sum(axis=0) if isinstance(x, Tensor) else _array.sum_rows(x)


matmul = _array.matmul  # x @ y of arrays or tensors (on NumPy matrices, by the faster dot)
