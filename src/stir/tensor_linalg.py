"""Tensor's linear-algebra methods: `x.matmul(y)`, `x.mm(y)`, `x.t()`, `x.dot(y)`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` here at the seam, its last
lines, once both exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py


class LinalgMethods:
    """Tensor's linear-algebra methods."""

    __slots__ = ()

    def matmul(self, other: Any) -> Tensor:
        """self @ other, as `torch.Tensor.matmul`."""
        return self @ other  # type: ignore[operator, no-any-return]
