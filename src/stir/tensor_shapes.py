"""Tensor's shape methods: `x.reshape(...)`, `x.permute(...)`, `x.expand(...)`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` here at the seam, its
last lines, once both exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from ._types import Shape
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py


class ShapeMethods:
    """Tensor's shape methods."""

    __slots__ = ()

    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, shape)

    view = reshape

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions (PyTorch's meaning; see `permute` for a full reordering)."""
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims: Any) -> Tensor:
        return _ops.permute(self, dims)

    def squeeze(self, dim: int | None = None) -> Tensor:
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return _ops.unsqueeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _ops.flatten(self, start_dim, end_dim)

    def expand(self, *shape: Any) -> Tensor:
        """A broadcast view of `shape` (-1 keeps a dimension)."""
        return _ops.expand(self, shape)

    def broadcast_to(self, shape: Shape) -> Tensor:
        return _ops.BroadcastTo.apply(self, tuple(shape))

    def sum_to_size(self, *shape: Any) -> Tensor:
        """Summed down to `shape`, which broadcasts to this tensor's shape (the adjoint of
        `broadcast_to`)."""
        return _ops.sum_to_size(self, shape)

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where `condition` holds, else other (PyTorch's `x.where(condition, y)`)."""
        return _ops.where(condition, self, other)
