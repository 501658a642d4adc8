"""Tensor's reductions: `x.sum()`, `x.mean(dim)`, `x.max(dim)`, `x.argmax()`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` here at the seam, its
last lines, once both exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _array

if TYPE_CHECKING:
    from ._types import Shape
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py


class ReductionMethods:
    """Tensor's reductions."""

    __slots__ = ()

    def any(self) -> Tensor:
        return type(self)(self.array.any())

    def all(self) -> Tensor:
        return type(self)(self.array.all())

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool | None = None) -> Tensor:
        """Indices of the largest values (no gradient)."""
        axis, keepdims = _ops.resolve_axis(axis, keepdims, dim, keepdim)
        xp = _array.namespace(self.array)
        return type(self)(xp.argmax(self.array, axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool | None = None) -> Tensor:
        """Indices of the smallest values (no gradient)."""
        axis, keepdims = _ops.resolve_axis(axis, keepdims, dim, keepdim)
        xp = _array.namespace(self.array)
        return type(self)(xp.argmin(self.array, axis=axis, keepdims=keepdims))

    def sum(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        """Sum over `axis` (all by default); `dim`/`keepdim` are accepted as in PyTorch."""
        return _ops.sum(self, *_ops.resolve_axis(axis, keepdims, dim, keepdim))

    def mean(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None) -> Tensor:
        return _ops.mean(self, *_ops.resolve_axis(axis, keepdims, dim, keepdim))

    def max(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        """Largest values over `axis`; ties share the gradient equally."""
        return _ops.amax(self, *_ops.resolve_axis(axis, keepdims, dim, keepdim))

    def min(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        """Smallest values over `axis`; ties share the gradient equally."""
        return _ops.amin(self, *_ops.resolve_axis(axis, keepdims, dim, keepdim))

    def logsumexp(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
                  keepdim: bool | None = None) -> Tensor:
        """log(sum(exp(x))) over `axis`, computed without overflow."""
        return _ops.logsumexp(self, *_ops.resolve_axis(axis, keepdims, dim, keepdim))
