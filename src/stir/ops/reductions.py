"""Reductions: sum, max, min and log-sum-exp over axes, `SumTo`, which undoes broadcasting,
and `BroadcastTo`, its adjoint; with the composites built on them (`mean`, `amax`, ...).

`axis` is None (all axes), an int or a tuple of ints, negative counting from the end; with
`keepdims` the reduced axes stay as size 1. Each backward first puts the reduced axes back as
size 1, so the gradient broadcasts against the input.
"""

from __future__ import annotations

import math
from typing import Any

from .. import _array, dtypes
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive


class DimensionError(IndexError, ValueError):
    """A dimension out of range: PyTorch's IndexError (a ValueError too, as stir raised)."""


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """The reduced axes as sorted non-negative ints, with a clear error for a bad one."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) or hasattr(axis, "__index__") else tuple(axis)
    normalized = []
    size = max(ndim, 1)
    for a in axes:
        # A 0-d tensor accepts axis 0 or -1, as in PyTorch, and reduces nothing.
        if not -size <= a < size:
            raise DimensionError(f"Dimension out of range (expected to be in range of "
                                 f"[{-size}, {size - 1}], but got {a})")
        normalized.append(int(a) % max(ndim, 1))
    if ndim == 0:
        return ()
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"axis {axis} repeats a dimension")
    return tuple(sorted(normalized))


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced `axes` kept as size 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Primitive):
    """z = Σ x over `axes`;  dz/dx = 1 (the gradient is broadcast back over the axes)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...], keepdims: bool) -> Any:
        ctx.shape = shape = x.array.shape
        # Reduced axes must come back as size 1 unless they already are (keepdims) or the
        # sum was total (a 0-d gradient broadcasts to anything).
        partial = not keepdims and len(axes) < len(shape)
        ctx.kept = kept_shape(shape, axes) if partial else None
        return _array.namespace(x.array).sum(x.array, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        if ctx.kept is not None:
            grad_output = dual.reshape(grad_output, ctx.kept)
        return _broadcast_to(grad_output, ctx.shape), None, None


class _Extreme(Primitive):
    """Shared backward of max and min, by PyTorch's two rules for them.

    `x.max()` (and NumPy's `x.max(axis=...)`): the gradient is selected onto the extreme
    values, split evenly between ties. A slice holding NaN has NaN as its extreme (max and
    min propagate it), so there the gradient goes to the slice's NaNs, split evenly between
    them, as PyTorch's full max()/min(); with one NaN that is also torch.max(dim)'s gradient,
    all of it to the NaN whose index it returns.

    `amax`/`amin` (`spread`): the gradient times (x = z) / count, as PyTorch's: the same
    away from NaN, but a NaN gradient (or a NaN slice, which has no x = z) spreads NaN
    over the whole slice, as there.
    """

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, z = (dual.array(v) for v in ctx.saved_tensors)
        xp = _array.namespace(x)
        z = xp.reshape(z, ctx.kept)
        hits = x == z
        # NaN == NaN is false, so a NaN slice would have no hits and share 0/0. Checked on the
        # reduced result, so finite inputs pay for one small isnan.
        nan_slices = xp.isnan(z)
        if not ctx.spread and xp.any(nan_slices):
            hits |= nan_slices & xp.isnan(x)
        counted = xp.astype(hits, x.dtype)  # (as a float: hits / count in the input's dtype)
        with _array.errstate(invalid="ignore"):
            share = counted / xp.sum(counted, axis=ctx.axes, keepdims=True)
        grad = dual.reshape(grad_output, ctx.kept) * share
        if ctx.spread:
            return grad, None, None, None
        # Selected, not multiplied: a NaN or infinite gradient reaches the extremes alone.
        if isinstance(grad, Tensor):
            return dual.where(hits, grad, _array.beside(0, x, x.dtype)), None, None, None
        return _array.maths.keep_where(hits, grad), None, None, None


class Max(_Extreme):
    """z = max of x over `axes` (`spread`: by amax's rule for the gradient, see `_Extreme`)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...], keepdims: bool,
                spread: bool) -> Any:
        z = _array.namespace(x.array).max(x.array, axis=axes, keepdims=keepdims)
        ctx.save_for_backward(x, z)
        ctx.axes, ctx.kept, ctx.spread = axes, kept_shape(x.shape, axes), spread
        return z


class Min(_Extreme):
    """z = min of x over `axes` (`spread`: by amin's rule for the gradient, see `_Extreme`)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...], keepdims: bool,
                spread: bool) -> Any:
        z = _array.namespace(x.array).min(x.array, axis=axes, keepdims=keepdims)
        ctx.save_for_backward(x, z)
        ctx.axes, ctx.kept, ctx.spread = axes, kept_shape(x.shape, axes), spread
        return z


class LogSumExp(Primitive):
    """z = log Σ exp(x) over `axes`;  dz/dx = exp(x - z) (the softmax).

    A primitive for numerical stability: the largest value m is taken out first,
    z = m + log Σ exp(x - m), so nothing overflows at any size of x.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...], keepdims: bool) -> Any:
        xp = _array.namespace(x.array)
        if any(x.shape[a] == 0 for a in axes):  # an empty sum: log 0 = -inf, as PyTorch
            m = xp.zeros(kept_shape(x.shape, axes), dtype=x.array.dtype,
                         device=_array.device(x.array))
        else:
            m = xp.max(x.array, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # rows of -inf (or inf) must not give inf - inf
        with _array.errstate(divide="ignore"):  # log 0 = -inf: no entries, or all -inf
            z = xp.log(xp.sum(xp.exp(x.array - m), axis=axes, keepdims=True)) + m
        if not keepdims:
            z = xp.reshape(z, tuple(n for i, n in enumerate(x.shape) if i not in axes))
        ctx.kept = kept_shape(x.shape, axes)
        ctx.save_for_backward(x, z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, z = ctx.saved_tensors
        kept = ctx.kept
        return dual.reshape(grad_output, kept) * dual.exp(x - dual.reshape(z, kept)), None, None


class SumTo(Primitive):
    """z = x summed down to `shape`, undoing a broadcast;  its backward broadcasts back.

    The engine uses it to return a gradient of a broadcast input to that input's shape.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, shape: tuple[int, ...]) -> Any:
        ctx.shape = x.shape
        return _array.sum_to(x.array, shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return _broadcast_to(grad_output, ctx.shape), None


class BroadcastTo(Primitive):
    """z = x broadcast to `shape` (a read-only view);  its backward sums back (`SumTo`)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, shape: tuple[int, ...]) -> Any:
        ctx.shape = x.shape
        return _array.namespace(x.array).broadcast_to(x.array, shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return _sum_to(grad_output, ctx.shape), None


def _broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """x broadcast to `shape`: a view of an array, or a recorded `BroadcastTo` of a tensor."""
    if isinstance(x, Tensor):
        return BroadcastTo.apply(x, shape)
    x = _array.values(x)
    return _array.namespace(x).broadcast_to(x, shape)


def _sum_to(x: Any, shape: tuple[int, ...]) -> Any:
    """x summed down to `shape`, undoing a broadcast (of an array, or recorded of a tensor)."""
    if isinstance(x, Tensor):
        return SumTo.apply(x, shape)
    return _array.sum_to(_array.values(x), shape)


def resolve_axis(axis: Any, keepdims: bool, dim: Any, keepdim: bool | None) -> tuple[Any, bool]:
    """Accept NumPy's `axis`/`keepdims` or PyTorch's `dim`/`keepdim` (not both); Tensor's
    methods pass PyTorch's names first, NumPy's as the alternative."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis or dim, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, bool(keepdims)


# ----------------------------------------------------------------------------- reductions
def widened(x: Tensor, dtype: Any = None) -> Tensor:
    """x in `dtype` when given, else integers and bools widened to int64, as PyTorch sums
    and multiplies them (NumPy keeps int32, and sums uint8 as uint64)."""
    if dtype is not None:
        return x.to(dtype)
    if _array.kind(x.array.dtype) in "iub" and str(x.array.dtype) != "int64":
        return x.to("int64")
    return x


def sum(x: Tensor, axis: Any = None, keepdims: bool = False, *, dtype: Any = None) -> Tensor:
    """Σ x over `axis` (all axes when None); integers and bools give int64, as PyTorch."""
    x = widened(x, dtype)
    return Sum.apply(x, normalize_axes(axis, x.ndim), keepdims)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False, *, dtype: Any = None) -> Tensor:
    """(1/n) Σ x over `axis`, n being the number of elements summed (NaN when n = 0). As in
    PyTorch, an integer or bool x needs `dtype=` (a floating dtype it is converted to)."""
    if dtype is not None:
        x = x.to(dtype)
    if not _array.is_floating(x.array):
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: {x.dtype} (as in PyTorch: "
                           "pass dtype=stir.float, or convert with .float() first)")
    shape = x.array.shape
    axes = normalize_axes(axis, len(shape))
    count = math.prod([shape[a] for a in axes])
    total = Sum.apply(x, axes, keepdims)
    return total * (1.0 / count) if count else total * float("nan")


def nansum(x: Tensor, axis: Any = None, keepdims: bool = False, *,
           dtype: Any = None) -> Tensor:
    """Σ x over `axis`, NaN entries counted as 0 (and given no gradient), as
    `torch.nansum`.

    >>> import stir
    >>> stir.tensor([1.0, float("nan"), 3.0]).nansum()
    tensor(4.)
    """
    if _array.is_floating(x.array):
        nan = _array.namespace(x.array).isnan(x.array)
        x = x.where(~nan, _array.beside(0, x.array, x.array.dtype))
    return sum(x, axis, keepdims, dtype=dtype)


def nanmean(x: Tensor, axis: Any = None, keepdims: bool = False, *,
            dtype: Any = None) -> Tensor:
    """The mean of the entries over `axis` that are not NaN (NaN where none is), as
    `torch.nanmean`.

    >>> import stir
    >>> stir.tensor([1.0, float("nan"), 3.0]).nanmean()
    tensor(2.)
    """
    if not _array.is_floating(x.array):
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got "
                           f"{x.dtype} (as in PyTorch, even with dtype=: convert it with "
                           ".float() first)")
    if dtype is not None:
        x = x.to(dtype)
    xp = _array.namespace(x.array)
    kept = xp.logical_not(xp.isnan(x.array))
    count = xp.sum(xp.astype(kept, x.array.dtype), axis=normalize_axes(axis, x.ndim),
                   keepdims=keepdims)
    with _array.errstate(invalid="ignore", divide="ignore"):
        return nansum(x, axis, keepdims) / Tensor(count)


def reduced_nonempty(name: str, x: Tensor, axes: tuple[int, ...]) -> None:
    """PyTorch's error for the largest or smallest of no entries (which has no value)."""
    for a in axes if x.numel() == 0 else ():
        if x.shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


def _extreme(function: Any, name: str, x: Tensor, axis: Any, keepdims: bool,
             evenly: bool) -> Tensor:
    """Max or Min over `axis` (all when None), refused over an empty slice as PyTorch does."""
    axes = normalize_axes(axis, x.ndim)
    reduced_nonempty(name, x, axes)
    return function.apply(x, axes, keepdims, evenly)  # type: ignore[no-any-return]


def amax(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The largest entries over `axis` (all when None), as PyTorch's amax: ties share the
    gradient evenly, and NaN spreads over a slice (see `_Extreme`)."""
    return _extreme(Max, "amax", x, axis, keepdims, True)


def amin(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The smallest entries over `axis` (all when None), as PyTorch's amin."""
    return _extreme(Min, "amin", x, axis, keepdims, True)


def max_values(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The largest entries over `axis` (all when None) by PyTorch's rule for `x.max()`: the
    gradient selected onto them, split evenly between ties (or a slice's NaNs)."""
    return _extreme(Max, "max", x, axis, keepdims, False)


def min_values(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The smallest entries over `axis` by PyTorch's rule for `x.min()` (see `max_values`)."""
    return _extreme(Min, "min", x, axis, keepdims, False)


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log Σ exp(x) over `axis`: -inf over no entries, as PyTorch; integers give the default
    float dtype."""
    if not _array.is_floating(x.array):
        x = x.to(dtypes.get_default_dtype())
    return LogSumExp.apply(x, normalize_axes(axis, x.ndim), keepdims)


def count_nonzero(x: Tensor, dim: Any = None) -> Tensor:
    """How many entries are not 0 over `dim` (an int, a tuple, or all), int64, as
    `torch.count_nonzero` (no gradient).

    >>> import stir
    >>> stir.tensor([[0.0, 1.0], [2.0, 3.0]]).count_nonzero(dim=0)
    tensor([1, 2])
    """
    array = x.array
    xp = _array.namespace(array)
    axes = normalize_axes(dim, x.ndim)
    nonzero = xp.astype(array != 0, _array.dtype_in(array, "int64"))
    return Tensor(xp.sum(nonzero, axis=axes, keepdims=False))


def truth(name: str, x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """`any` or `all` over `dim` (all entries by default; an int or a tuple), a bool tensor
    as PyTorch's (which keeps uint8 for uint8 inputs, as here)."""
    array = x.array
    xp = _array.namespace(array)
    axes = normalize_axes(dim, x.ndim)
    reduce = xp.any if name == "any" else xp.all
    result = reduce(array != 0 if _array.kind(array.dtype) != "b" else array, axis=axes,
                    keepdims=keepdim)
    if str(array.dtype) == "uint8":
        result = xp.astype(result, array.dtype)
    return Tensor(result)


def sum_to_size(x: Tensor, shape: Any) -> Tensor:
    """x summed down to `shape`, which must broadcast to x's shape (as PyTorch's
    `Tensor.sum_to_size`): the adjoint of broadcasting, as the engine applies it to a
    gradient."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    target = tuple(int(n) for n in shape)
    if not _array.reducible(x.shape, target):
        raise ValueError(f"sum_to_size: shape {target} does not broadcast to {tuple(x.shape)}")
    return SumTo.apply(x, target)
