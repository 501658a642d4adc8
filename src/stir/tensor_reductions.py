"""Tensor's reductions: `x.sum()`, `x.mean(dim)`, `x.max(dim)`, `x.std()`, `x.softmax(dim)`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` here at the seam, its
last lines, once both exist.

The signatures are PyTorch's (`dim`, `keepdim`, positional as there). The older reductions
also take NumPy's `axis`/`keepdims` as keywords; `x.max(axis=1)` then gives the values
alone, where PyTorch's `x.max(dim=1)` (or `x.max(1)`) gives `(values, indices)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py


class ReductionMethods:
    """Tensor's reductions."""

    __slots__ = ()

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether any entry over `dim` (all by default) is nonzero, a bool tensor."""
        return _ops.truth("any", self, dim, keepdim)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """Whether every entry over `dim` (all by default) is nonzero, a bool tensor."""
        return _ops.truth("all", self, dim, keepdim)

    def argmax(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
               keepdims: bool | None = None) -> Tensor:
        """The int64 index of the first largest entry over `dim` (of the flattened tensor
        by default), as PyTorch's (no gradient)."""
        dim, keepdim = _ops.resolve_axis(dim, keepdim, axis, keepdims)
        return _ops.arg_extreme("max", self, dim, keepdim)

    def argmin(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
               keepdims: bool | None = None) -> Tensor:
        """The int64 index of the first smallest entry over `dim` (no gradient)."""
        dim, keepdim = _ops.resolve_axis(dim, keepdim, axis, keepdims)
        return _ops.arg_extreme("min", self, dim, keepdim)

    def sum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
            axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """Σ over `dim` (all by default; an int or a tuple); integers and bools give int64,
        as PyTorch's."""
        dim, keepdim = _ops.resolve_axis(dim, keepdim, axis, keepdims)
        return _ops.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None,
             axis: Any = None, keepdims: bool | None = None) -> Tensor:
        """(1/n) Σ over `dim`; integer tensors need `dtype=`, as in PyTorch."""
        dim, keepdim = _ops.resolve_axis(dim, keepdim, axis, keepdims)
        return _ops.mean(self, dim, keepdim, dtype=dtype)

    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """Σ over `dim`, NaN entries counted as 0."""
        return _ops.nansum(self, dim, keepdim, dtype=dtype)

    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The mean over `dim` of the entries that are not NaN."""
        return _ops.nanmean(self, dim, keepdim, dtype=dtype)

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Any:
        """As PyTorch's: `x.max()` the largest entry (ties share the gradient); `x.max(dim)`
        the named tuple (values, indices), the gradient going to each index; `x.max(other)`
        the elementwise maximum. NumPy's `x.max(axis=...)` (not PyTorch's keyword) gives the
        values alone, ties sharing the gradient."""
        if axis is not None or keepdims is not None:
            return _ops.max_values(self, axis, bool(keepdims))
        return _ops.extreme("max", self, dim, keepdim)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
            keepdims: bool | None = None) -> Any:
        """The smallest entries, in the three forms of `max`."""
        if axis is not None or keepdims is not None:
            return _ops.min_values(self, axis, bool(keepdims))
        return _ops.extreme("min", self, dim, keepdim)

    def amax(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """The largest entries over `dim` (all by default; an int or a tuple), ties sharing
        the gradient evenly, as PyTorch's."""
        return _ops.amax(self, None if dim == () else dim, keepdim)

    def amin(self, dim: Any = (), keepdim: bool = False) -> Tensor:
        """The smallest entries over `dim`, ties sharing the gradient evenly."""
        return _ops.amin(self, None if dim == () else dim, keepdim)

    def aminmax(self, *, dim: Any = None, keepdim: bool = False) -> Any:
        return _ops.aminmax(self, dim=dim, keepdim=keepdim)

    def median(self, dim: Any = None, keepdim: bool = False) -> Any:
        """The lower median of all entries, or (values, indices) over `dim`."""
        return _ops.median(self, dim, keepdim)

    def logsumexp(self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
                  keepdims: bool | None = None) -> Tensor:
        """log Σ exp over `dim` (PyTorch requires it; here all by default), computed without
        overflow; -inf over an empty dimension."""
        dim, keepdim = _ops.resolve_axis(dim, keepdim, axis, keepdims)
        return _ops.logsumexp(self, dim, keepdim)

    def var(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None) -> Tensor:
        """The variance over `dim`, unbiased (correction 1) by default, as PyTorch's."""
        return _ops.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
            correction: Any = None) -> Tensor:
        """The standard deviation over `dim`, unbiased by default, as PyTorch's."""
        return _ops.std(self, dim, unbiased, keepdim, correction=correction)

    def norm(self, p: Any = "fro", dim: Any = None, keepdim: bool = False,
             dtype: Any = None) -> Tensor:
        """The p-norm over `dim` (2 by default), as PyTorch's."""
        return _ops.norm(self, p, dim, keepdim, dtype=dtype)

    def prod(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """Π over one `dim` (all by default); exact gradients at zeros."""
        return _ops.prod(self, dim, keepdim, dtype=dtype)

    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        return _ops.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        return _ops.cumprod(self, dim, dtype=dtype)

    def count_nonzero(self, dim: Any = None) -> Tensor:
        return _ops.count_nonzero(self, dim)

    def softmax(self, dim: int, dtype: Any = None) -> Tensor:
        """e^x / Σ e^x along `dim` (see `stir.nn.functional.softmax`)."""
        return _ops.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim: int, dtype: Any = None) -> Tensor:
        """x - log Σ e^x along `dim` (see `stir.nn.functional.log_softmax`)."""
        return _ops.log_softmax(self, dim, dtype=dtype)

