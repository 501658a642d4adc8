"""Tensor's linear-algebra methods: `x.matmul(y)`, `x.mm(y)`, `x.t()`, `x.dot(y)`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` here at the seam, its last
lines, once both exist. Each checks its operands as PyTorch does (`mm` takes matrices only,
and no product takes two dtypes); the `@` operator keeps NumPy's broader rules.
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
        """self @ other, as `torch.Tensor.matmul` (operands of one dtype)."""
        return _ops.matmul(self, other)

    def mm(self, mat2: Tensor) -> Tensor:
        """The product of two matrices (2-D only)."""
        return _ops.mm(self, mat2)

    def bmm(self, batch2: Tensor) -> Tensor:
        """The batched product of (b, n, m) and (b, m, p) tensors."""
        return _ops.bmm(self, batch2)

    def mv(self, vec: Tensor) -> Tensor:
        """Matrix times vector."""
        return _ops.mv(self, vec)

    def dot(self, other: Tensor) -> Tensor:
        """Σ xᵢyᵢ of two 1-D tensors."""
        return _ops.dot(self, other)

    vdot = dot  # (the complex conjugate of self, for the real tensors stir has, is itself)

    def outer(self, vec2: Tensor) -> Tensor:
        """z_ij = xᵢyⱼ of two 1-D tensors."""
        return _ops.outer(self, vec2)

    ger = outer

    def inner(self, other: Tensor) -> Tensor:
        """Σ over the last dimension of both."""
        return _ops.inner(self, other)

    def t(self) -> Tensor:
        """The transpose of a matrix (a 0-d or 1-D tensor as it is; more dimensions raise)."""
        return _ops.t(self)

    def trace(self) -> Tensor:
        """The sum of a matrix's diagonal."""
        return _ops.trace(self)

    def addmm(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """β·self + α·(mat1 @ mat2)."""
        return _ops.addmm(self, mat1, mat2, beta=beta, alpha=alpha)
