"""Shape primitives: reshape, permute, indexing (and its adjoint, scatter-add), concatenate;
with the composites built on them (squeeze, transpose, stack, ...).

Reshape, permute and basic indexing return views of the input's memory, as NumPy and PyTorch
do; such a view shares its base's counter of in-place changes, so modifying either is caught
if backward still needs the old values.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

from .. import _array
from ..autograd import Context
from ..tensor import Tensor, as_tensor
from . import dual
from .primitive import Primitive
from .reductions import BroadcastTo, normalize_axes

_ndarray = _array.NDARRAY


def _share_version_if_view(result: Tensor, source: Tensor) -> Tensor:
    if _array.may_share_memory(result.array, source.array):
        result._version = source._version
    return result


class Reshape(Primitive):
    """z = x with a new shape (same elements, row-major order);  dz/dx reshapes back."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, shape: tuple[int, ...]) -> Any:
        ctx.shape = x.shape
        return _array.namespace(x.array).reshape(x.array, shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return dual.reshape(grad_output, ctx.shape), None


class Permute(Primitive):
    """z = x with its dimensions reordered by `axes`;  dz/dx reorders back."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...]) -> Any:
        inverse = [0] * len(axes)
        for position, axis in enumerate(axes):
            inverse[axis] = position
        ctx.inverse = tuple(inverse)
        values = x.array
        if type(values) is _ndarray:  # `.T` of every layer by hand: the method, sooner
            return values.transpose(axes)
        return _array.namespace(values).permute_dims(values, axes)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return _permute(grad_output, ctx.inverse), None


def is_basic_index(index: Any) -> bool:
    """True for indices made of ints, slices, None and Ellipsis (they give views)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        part is None or part is Ellipsis or isinstance(part, (int, slice))
        or (hasattr(part, "__index__") and getattr(part, "ndim", 0) == 0)
        for part in parts
    )


class GetItem(Primitive):
    """z = x[index] (slices, integers, integer arrays, boolean masks);
    dz/dx scatters the gradient back, adding where an element was picked more than once."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, index: Any) -> Any:
        ctx.shape, ctx.index = x.shape, index
        return x.array[index]

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return _scatter_add(grad_output, ctx.index, ctx.shape), None


class ScatterAdd(Primitive):
    """z = zeros(shape) with z[index] += x (repeated indices add up);  dz/dx = z[index]."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, index: Any, shape: tuple[int, ...]) -> Any:
        ctx.index = index
        return _array.scatter_add(x.array, index, shape, is_basic_index(index))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return grad_output[ctx.index], None, None


class Concatenate(Primitive):
    """z = the inputs joined along `axis`;  each input's gradient is its slice of dz."""

    @staticmethod
    def forward(ctx: Context, axis: int, *xs: Tensor) -> Any:
        ctx.axis = axis
        ctx.bounds = list(itertools.accumulate([0] + [x.shape[axis] for x in xs]))
        return _array.namespace(xs[0].array).concat([x.array for x in xs], axis=axis)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        lead = (slice(None),) * ctx.axis
        grads = [None]
        for i, (start, stop) in enumerate(zip(ctx.bounds[:-1], ctx.bounds[1:])):
            needed = ctx.needs_input_grad[i + 1]
            grads.append(grad_output[lead + (slice(start, stop),)] if needed else None)
        return tuple(grads)


def _permute(x: Any, axes: tuple[int, ...]) -> Any:
    if type(x) is _ndarray:
        return x.transpose(axes)
    if isinstance(x, Tensor):
        return Permute.apply(x, axes)
    x = _array.values(x)
    return _array.namespace(x).permute_dims(x, axes)


def _scatter_add(x: Any, index: Any, target: tuple[int, ...]) -> Any:
    """zeros(target) with x added at `index` (repeated indices add up), of an array or
    (recorded) of a tensor."""
    if isinstance(x, Tensor):
        return ScatterAdd.apply(x, index, target)
    return _array.scatter_add(_array.values(x), index, target, is_basic_index(index))


def raw_index(index: Any) -> Any:
    """An index with tensors replaced by their arrays, ready for NumPy."""
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(part.array if isinstance(part, Tensor) else part for part in index)
    if isinstance(index, list):
        return _array.values(index)
    return index


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
    index = raw_index(index)
    if not _array.is_numpy(x.array):  # index arrays made on the host go beside x
        parts = index if isinstance(index, tuple) else (index,)
        parts = tuple(_array.beside(part, x.array)
                      if isinstance(part, _array.NDARRAY) else part
                      for part in parts)
        index = parts if isinstance(index, tuple) else parts[0]
    return _share_version_if_view(GetItem.apply(x, index), x)


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
