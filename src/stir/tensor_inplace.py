"""Tensor's in-place methods: `x.add_(y)`, `x += y`, `x.zero_()`, `x[i] = v`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` and `_raw` here at the seam, its
last lines, once both exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _array, grad_mode

if TYPE_CHECKING:
    from ._types import Shape
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py
_raw: Any = None  # tensor.py's `_raw`: the array behind a tensor, or the value itself
_ndarray = _array.NDARRAY
_NUMPY_IN_PLACE = _array.NUMPY_IN_PLACE


class InPlaceMethods:
    """Tensor's in-place methods."""

    __slots__ = ()

    def _check_inplace(self, name: str) -> None:
        if self._requires_grad and grad_mode.state.enabled:
            raise RuntimeError(
                f"{name}: in-place change of a tensor that requires grad while recording; "
                "write x = x + y instead, or do it inside `with stir.no_grad():`"
            )

    def _inplace(self, name: str, operation: str, other: Any) -> Tensor:
        self._check_inplace(name)
        array = self.array
        if type(array) is _ndarray:  # _array.update's NumPy case, inline: every SGD step
            _NUMPY_IN_PLACE[operation](array, _raw(other), out=array, casting="same_kind")
        else:
            _array.update(operation, array, _raw(other))
        self._version[0] += 1
        return self

    def add_(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self += alpha * other, in place."""
        return self._inplace("add_", "add", _raw(other) * alpha if alpha != 1 else other)

    def sub_(self, other: Any, *, alpha: float = 1) -> Tensor:
        """self -= alpha * other, in place."""
        return self._inplace("sub_", "sub", _raw(other) * alpha if alpha != 1 else other)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace("mul_", "mul", other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace("div_", "div", other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        self._check_inplace("fill_")
        self.array[...] = _raw(value)
        self._version[0] += 1
        return self

    def copy_(self, source: Any) -> Tensor:
        self._check_inplace("copy_")
        _array.copy_into(self.array, _raw(source))
        self._version[0] += 1
        return self

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        self._check_inplace("clamp_")
        _array.clip_into(self.array, min, max)
        self._version[0] += 1
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("item assignment")
        self.array[_ops.raw_index(index)] = _raw(value)
        self._version[0] += 1
