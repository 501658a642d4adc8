"""The primitives (one `Function` each) and the composite operations built from them.

Composites such as `mean`, `squeeze` or `stack` are ordinary functions of primitives, so
they need no backward of their own.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..tensor import Tensor, _lift
from .elementwise import (
    Abs, Add, Cast, Clip, Cos, Div, Exp, Log, Maximum, Minimum, Mul, Neg, Pow, ReLU, Sigmoid,
    Sin, Sqrt, Sub, Tanh, Where,
)
from .linalg import Linear, MatMul
from .loss_primitives import (
    BinaryCrossEntropyWithLogits, SoftmaxCrossEntropy, SoftmaxCrossEntropyProbabilities,
)
from .losses import HuberLoss, MSELoss
from .reduce import BroadcastTo, LogSumExp, Max, Min, Sum, SumTo, normalize_axes
from .shape import Concatenate, GetItem, Permute, Reshape, ScatterAdd, _share_version_if_view

__all__ = [
    "Abs", "Add", "BinaryCrossEntropyWithLogits", "BroadcastTo", "Cast", "Clip", "Concatenate",
    "Cos", "Div", "Exp", "GetItem", "HuberLoss", "Linear", "Log", "LogSumExp", "MatMul", "Max",
    "Maximum", "Min", "Minimum", "MSELoss", "Mul", "Neg", "Permute", "Pow", "ReLU", "Reshape",
    "ScatterAdd",
    "Sigmoid", "Sin", "SoftmaxCrossEntropy", "SoftmaxCrossEntropyProbabilities", "Sqrt", "Sub",
    "Sum", "SumTo", "Tanh", "Where",
]


def as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def resolve_axis(axis: Any, keepdims: bool, dim: Any, keepdim: bool | None) -> tuple[Any, bool]:
    """Accept NumPy's `axis`/`keepdims` or PyTorch's `dim`/`keepdim` (not both)."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis or dim, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, bool(keepdims)


def raw_index(index: Any) -> Any:
    """An index with tensors replaced by their arrays, ready for NumPy."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(part.data if isinstance(part, Tensor) else part for part in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


# ----------------------------------------------------------------------------- reductions
def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ x over `axis` (all axes when None)."""
    return Sum.apply(x, normalize_axes(axis, x.ndim), keepdims)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """(1/n) Σ x over `axis`, n being the number of elements summed."""
    axes = normalize_axes(axis, x.ndim)
    count = math.prod([x.shape[a] for a in axes])
    total = Sum.apply(x if x.dtype.kind == "f" else x.float(), axes, keepdims)
    return total * (1.0 / count) if count else total * float("nan")


def amax(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Max.apply(x, normalize_axes(axis, x.ndim), keepdims)


def amin(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Min.apply(x, normalize_axes(axis, x.ndim), keepdims)


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return LogSumExp.apply(x, normalize_axes(axis, x.ndim), keepdims)


# ----------------------------------------------------------------------------- shape
def _shape_argument(shape: Sequence[Any]) -> tuple[int, ...]:
    """reshape(2, 3) and reshape((2, 3)) both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def reshape(x: Tensor, shape: Sequence[Any]) -> Tensor:
    return _share_version_if_view(Reshape.apply(x, _shape_argument(shape)), x)


def permute(x: Tensor, dims: Sequence[Any]) -> Tensor:
    """Reorder the dimensions: result dimension i is input dimension dims[i]."""
    axes = _shape_argument(dims)
    if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not an ordering of the {x.ndim} dimensions")
    return transposed(x, tuple(a % x.ndim for a in axes))


def transposed(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """`x` permuted by `axes`, already known to be valid (a view sharing x's version)."""
    result = Permute.apply(x, axes)
    result._version = x._version
    return result


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions `dim0` and `dim1`."""
    n = x.ndim
    if not (-n <= dim0 < n and -n <= dim1 < n):
        raise ValueError(f"transpose: dims {dim0}, {dim1} are out of range for {n} dimensions")
    axes = list(range(n))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return transposed(x, tuple(axes))


def squeeze(x: Tensor, dim: int | None = None) -> Tensor:
    """Remove dimensions of size 1 (only `dim`, when given and of size 1)."""
    if dim is None:
        shape = [n for n in x.shape if n != 1]
    else:
        dim = normalize_axes(dim, x.ndim)
        shape = [n for i, n in enumerate(x.shape) if not (i in dim and n == 1)]
    return reshape(x, shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at position `dim` (negative counts from the end)."""
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise ValueError(f"unsqueeze: dim {dim} is out of range for {x.ndim} dimensions")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions `start_dim` … `end_dim` into one."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start, end = start_dim % x.ndim, end_dim % x.ndim
    merged = math.prod(x.shape[start:end + 1])
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def expand(x: Tensor, shape: Sequence[Any]) -> Tensor:
    target = list(_shape_argument(shape))
    offset = len(target) - x.ndim
    for i, n in enumerate(target):
        if n == -1:
            target[i] = x.shape[i - offset]
    return BroadcastTo.apply(x, tuple(target))


def getitem(x: Tensor, index: Any) -> Tensor:
    return _share_version_if_view(GetItem.apply(x, raw_index(index)), x)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (`stir.cat` in PyTorch's words)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    ndim = tensors[0].ndim
    if ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    return Concatenate.apply(normalize_axes(axis, ndim)[0], *tensors)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis % (tensors[0].ndim + 1))


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """x where `condition` holds, else y (broadcasting all three)."""
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor, got {condition.dtype}")
    like = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else Tensor(np.asarray(x))
    return Where.apply(condition, _lift(x, like), _lift(y, like))
