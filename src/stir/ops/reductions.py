"""Reductions: sum, max, min and log-sum-exp over axes, `SumTo`, which undoes broadcasting,
and `BroadcastTo`, its adjoint; with the composites built on them (`mean`, `amax`, ...).

`axis` is None (all axes), an int or a tuple of ints, negative counting from the end; with
`keepdims` the reduced axes stay as size 1. Each backward first puts the reduced axes back as
size 1, so the gradient broadcasts against the input.
"""

from __future__ import annotations

import math
from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """The reduced axes as sorted non-negative ints, with a clear error for a bad one."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) or hasattr(axis, "__index__") else tuple(axis)
    normalized = []
    for a in axes:
        # A 0-d tensor accepts axis 0 or -1, as in PyTorch, and reduces nothing.
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
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
        ctx.shape = x.shape
        # Reduced axes must come back as size 1 unless they already are (keepdims) or the
        # sum was total (a 0-d gradient broadcasts to anything).
        partial = not keepdims and len(axes) < x.ndim
        ctx.kept = kept_shape(x.shape, axes) if partial else None
        return _array.namespace(x.array).sum(x.array, axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        if ctx.kept is not None:
            grad_output = dual.reshape(grad_output, ctx.kept)
        return _broadcast_to(grad_output, ctx.shape), None, None


class _Extreme(Primitive):
    """Shared backward of max and min: the gradient goes to the extreme values, split evenly
    between ties (as PyTorch's amax/amin). A slice holding NaN has NaN as its extreme (max and
    min propagate it), so there the gradient goes to the slice's NaNs, split evenly between
    them, as PyTorch's full max()/min(); with one NaN that is also torch.max(dim)'s gradient,
    all of it to the NaN whose index it returns (its amax/amin give NaN to the whole slice).
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
        if xp.any(nan_slices):
            hits |= nan_slices & xp.isnan(x)
        hits = xp.astype(hits, x.dtype)  # (as a float: hits / count in the input's dtype)
        share = hits / xp.sum(hits, axis=ctx.axes, keepdims=True)
        return dual.reshape(grad_output, ctx.kept) * share, None, None


class Max(_Extreme):
    """z = max of x over `axes`."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...], keepdims: bool) -> Any:
        z = _array.namespace(x.array).max(x.array, axis=axes, keepdims=keepdims)
        ctx.save_for_backward(x, z)
        ctx.axes, ctx.kept = axes, kept_shape(x.shape, axes)
        return z


class Min(_Extreme):
    """z = min of x over `axes`."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...], keepdims: bool) -> Any:
        z = _array.namespace(x.array).min(x.array, axis=axes, keepdims=keepdims)
        ctx.save_for_backward(x, z)
        ctx.axes, ctx.kept = axes, kept_shape(x.shape, axes)
        return z


class LogSumExp(Primitive):
    """z = log Σ exp(x) over `axes`;  dz/dx = exp(x - z) (the softmax).

    A primitive for numerical stability: the largest value m is taken out first,
    z = m + log Σ exp(x - m), so nothing overflows at any size of x.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...], keepdims: bool) -> Any:
        xp = _array.namespace(x.array)
        m = xp.max(x.array, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # rows of -inf (or inf) must not give inf - inf
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
    """Accept NumPy's `axis`/`keepdims` or PyTorch's `dim`/`keepdim` (not both)."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis or dim, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, bool(keepdims)


# ----------------------------------------------------------------------------- reductions
def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Σ x over `axis` (all axes when None)."""
    return Sum.apply(x, normalize_axes(axis, x.ndim), keepdims)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """(1/n) Σ x over `axis`, n being the number of elements summed."""
    axes = normalize_axes(axis, x.ndim)
    count = math.prod([x.shape[a] for a in axes])
    total = Sum.apply(x if _array.is_floating(x.array) else x.float(), axes, keepdims)
    return total * (1.0 / count) if count else total * float("nan")


def amax(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Max.apply(x, normalize_axes(axis, x.ndim), keepdims)


def amin(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return Min.apply(x, normalize_axes(axis, x.ndim), keepdims)


def logsumexp(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    return LogSumExp.apply(x, normalize_axes(axis, x.ndim), keepdims)


def sum_to_size(x: Tensor, shape: Any) -> Tensor:
    """x summed down to `shape`, which must broadcast to x's shape (as PyTorch's
    `Tensor.sum_to_size`): the adjoint of broadcasting, as the engine applies it to a
    gradient."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    target = tuple(int(n) for n in shape)
    if not _array.reducible(x.shape, target):
        raise ValueError(f"sum_to_size: shape {target} does not broadcast to {x.shape}")
    return SumTo.apply(x, target)
