"""Tensor's elementwise methods: `x.exp()`, `x.relu()`, `x.clamp(...)`, `x.pow(y)`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` and `_binary` here at the seam, its
last lines, once both exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from ._types import Shape
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py
_binary: Any = None  # tensor.py's `_binary`: an operator's operands, promoted as PyTorch does


class ElementwiseMethods:
    """Tensor's elementwise methods."""

    __slots__ = ()

    def exp(self) -> Tensor:
        return _ops.Exp.apply(self)

    def log(self) -> Tensor:
        return _ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return _ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return _ops.Abs.apply(self)

    def sin(self) -> Tensor:
        return _ops.Sin.apply(self)

    def cos(self) -> Tensor:
        return _ops.Cos.apply(self)

    def tanh(self) -> Tensor:
        return _ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return _ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return _ops.ReLU.apply(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Values limited to [min, max]; the gradient is 1 inside (bounds included), else 0."""
        return _ops.Clip.apply(self, min, max)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return _binary(_ops.Maximum, self, other)

    def minimum(self, other: Any) -> Tensor:
        return _binary(_ops.Minimum, self, other)

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent, as `torch.Tensor.pow`."""
        return self ** exponent
