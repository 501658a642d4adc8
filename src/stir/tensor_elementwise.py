"""Tensor's elementwise methods: `x.exp()`, `x.relu()`, `x.clamp(...)`, `x.add(y, alpha=2)`,
`x // y`, `x.eq(y)`, `x.isclose(y)`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` and `_binary` here at the seam, its
last lines, once both exist. As in PyTorch, the functions of real numbers (exp, log, sin, ...)
give integer and bool tensors back in the default float dtype; the roundings, sign, neg and
square keep integers integers. Comparisons and logic give bool tensors outside the graph.

>>> import stir
>>> x = stir.tensor([-1.5, 0.5, 2.5])
>>> x // 1, x % 1
(tensor([-2.,  0.,  2.]), tensor([0.5, 0.5, 0.5]))
>>> stir.tensor([1, 100]).log10()
tensor([0., 2.])
>>> x.clamp(min=stir.tensor([0.0, 1.0, 2.0]))
tensor([0. , 1. , 2.5])
>>> x.eq(0.5), x.allclose(x + 1e-9)
(tensor([False,  True, False]), True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _array, dtypes

if TYPE_CHECKING:
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py
_binary: Any = None  # tensor.py's `_binary`: an operator's operands, promoted as PyTorch does

_ROUNDING_MODES = (None, "trunc", "floor")
#: PyTorch's names of the dtypes, for the messages that quote its own.
_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte",
                "bool": "Bool"}


class _Bound:
    """A primitive with its trailing arguments fixed, for `_binary`, which applies it to the
    two operands once promoted (`RoundedDivide` with its rounding mode)."""

    __slots__ = ("function", "arguments")

    def __init__(self, function: Any, *arguments: Any) -> None:
        self.function, self.arguments = function, arguments

    def apply(self, x: Tensor, y: Tensor) -> Tensor:
        return self.function.apply(x, y, *self.arguments)


def _floating(x: Tensor) -> Tensor:
    """x itself when it holds floats, else x converted to the default float dtype (PyTorch's
    rule for exp, log, sqrt, ... of integer and bool tensors: float32, not NumPy's float64)."""
    if _array.is_floating(x.array):
        return x
    return x.to(dtypes.get_default_dtype())


def _truth(array: Any) -> Any:
    """An array as bools, nonzero (and NaN) being true, as PyTorch's logical functions read it."""
    if _array.kind(array.dtype) == "b":
        return array
    return array != 0


def _tensor_operand(name: str, other: Any) -> Any:
    """The array of `other`, which PyTorch requires to be a tensor here (a TypeError else)."""
    if not hasattr(other, "grad_fn") or not hasattr(other, "array"):
        raise TypeError(f"{name}(): argument 'other' must be a tensor, not "
                        f"{type(other).__name__} (as in PyTorch)")
    return other.array


def _scaled(name: str, x: Tensor, other: Any, alpha: Any) -> Any:
    """alpha·other for `add` and `sub`, refusing a float alpha with integers, as PyTorch."""
    if alpha == 1 and not isinstance(alpha, float):
        return other
    if _array.kind(x.array.dtype) == "b" and hasattr(other, "array") and _array.kind(
            other.array.dtype) == "b" and not isinstance(alpha, float):
        return other * bool(alpha)  # bools stay bools: x or (alpha and other)
    other_floating = isinstance(other, float) or (
        hasattr(other, "array") and _array.is_floating(other.array))
    if isinstance(alpha, float) and not (_array.is_floating(x.array) or other_floating):
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number. "
            f"({name}, as in PyTorch)")
    return other * alpha


class ElementwiseMethods:
    """Tensor's elementwise methods."""

    __slots__ = ()

    # ------------------------------------------------------------ functions of reals
    def exp(self) -> Tensor:
        return _ops.Exp.apply(_floating(self))

    def expm1(self) -> Tensor:
        """eˣ - 1, accurate for small x."""
        return _ops.Expm1.apply(_floating(self))

    def log(self) -> Tensor:
        return _ops.Log.apply(_floating(self))

    def log10(self) -> Tensor:
        return _ops.Log10.apply(_floating(self))

    def log2(self) -> Tensor:
        return _ops.Log2.apply(_floating(self))

    def log1p(self) -> Tensor:
        """ln(1 + x), accurate for small x."""
        return _ops.Log1p.apply(_floating(self))

    def sqrt(self) -> Tensor:
        return _ops.Sqrt.apply(_floating(self))

    def rsqrt(self) -> Tensor:
        """1/√x."""
        return _floating(self).sqrt().reciprocal()

    def sin(self) -> Tensor:
        return _ops.Sin.apply(_floating(self))

    def cos(self) -> Tensor:
        return _ops.Cos.apply(_floating(self))

    def sinh(self) -> Tensor:
        return _ops.Sinh.apply(_floating(self))

    def cosh(self) -> Tensor:
        return _ops.Cosh.apply(_floating(self))

    def tanh(self) -> Tensor:
        return _ops.Tanh.apply(_floating(self))

    def asin(self) -> Tensor:
        return _ops.Asin.apply(_floating(self))

    def acos(self) -> Tensor:
        return _ops.Acos.apply(_floating(self))

    def atan(self) -> Tensor:
        return _ops.Atan.apply(_floating(self))

    arcsin, arccos, arctan = asin, acos, atan

    def sigmoid(self) -> Tensor:
        return _ops.Sigmoid.apply(_floating(self))

    def relu(self) -> Tensor:
        return _ops.ReLU.apply(self)

    def abs(self) -> Tensor:
        if _array.kind(self.array.dtype) == "b":
            raise NotImplementedError("abs is not implemented for bool tensors (nor in "
                                      "PyTorch); convert with .int() first")
        return _ops.Abs.apply(self)

    absolute = __abs__ = abs  # abs(x), as in PyTorch

    # ------------------------------------------------------------ rounding and sign
    def floor(self) -> Tensor:
        """⌊x⌋; the gradient is 0 (as PyTorch)."""
        return _ops.Floor.apply(self)

    def ceil(self) -> Tensor:
        """⌈x⌉; the gradient is 0 (as PyTorch)."""
        return _ops.Ceil.apply(self)

    def trunc(self) -> Tensor:
        """x rounded toward 0; the gradient is 0 (as PyTorch)."""
        return _ops.Trunc.apply(self)

    fix = trunc

    def round(self, *, decimals: int = 0) -> Tensor:
        """x rounded to `decimals` places, halves to even; the gradient is 0 (as PyTorch)."""
        return _ops.Round.apply(self, int(decimals))

    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign of x (0 at NaN, as PyTorch); the gradient is 0."""
        return _ops.Sign.apply(self)

    def neg(self) -> Tensor:
        if _array.kind(self.array.dtype) == "b":
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return -self

    negative = neg

    def reciprocal(self) -> Tensor:
        """1/x (integers give the default float dtype)."""
        return 1 / self

    def square(self) -> Tensor:
        """x·x (bool tensors give int64, as PyTorch)."""
        x = self.long() if _array.kind(self.array.dtype) == "b" else self
        return x * x

    # ------------------------------------------------------------ limits
    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """Values limited to [min, max], each bound a number, a tensor or None; the gradient
        goes to x where min ≤ x ≤ max (bounds included) and to a tensor bound where it
        limits x (see `stir.ops.Clamp` for PyTorch's rule when min > max)."""
        return _ops.clamp(self, min, max)

    clip = clamp

    def clamp_min(self, min: Any) -> Tensor:
        return _ops.clamp(self, min, None)

    def clamp_max(self, max: Any) -> Tensor:
        return _ops.clamp(self, None, max)

    def maximum(self, other: Any) -> Tensor:
        return _binary(_ops.Maximum, self, other)

    def minimum(self, other: Any) -> Tensor:
        return _binary(_ops.Minimum, self, other)

    # ------------------------------------------------------------ arithmetic
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self + alpha·other."""
        return self + _scaled("add", self, other, alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self - alpha·other."""
        if _array.kind(self.array.dtype) == "b" or type(other) is bool or (
                hasattr(other, "array") and _array.kind(other.array.dtype) == "b"):
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return self - _scaled("sub", self, other, alpha)

    subtract = sub

    def mul(self, other: Any) -> Tensor:
        return self * other

    multiply = mul

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self / other; rounded toward 0 with rounding_mode="trunc", down with "floor" (then
        integers stay integers, and the gradient is 0, as in PyTorch)."""
        if rounding_mode not in _ROUNDING_MODES:
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or "
                               f"'floor' but found {rounding_mode!r}")
        if rounding_mode is None:
            return self / other
        return _binary(_Bound(_ops.RoundedDivide, rounding_mode, True), self, other)

    divide = div

    def true_divide(self, other: Any) -> Tensor:
        return self / other

    def floor_divide(self, other: Any) -> Tensor:
        """⌊self/other⌋, as Python's //; PyTorch implements no gradient for it, so backward
        through it raises (div(..., rounding_mode="floor") has gradient 0)."""
        return _binary(_Bound(_ops.RoundedDivide, "floor", False), self, other)

    def __floordiv__(self, other: Any) -> Tensor:
        return _binary(_Bound(_ops.RoundedDivide, "floor", False), self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _binary(_Bound(_ops.RoundedDivide, "floor", False), self, other, reflected=True)

    def remainder(self, other: Any) -> Tensor:
        """self - ⌊self/other⌋·other: the sign of the divisor, as Python's %."""
        return _binary(_ops.Remainder, self, other)

    __mod__ = remainder

    def __rmod__(self, other: Any) -> Tensor:
        return _binary(_ops.Remainder, self, other, reflected=True)

    def fmod(self, other: Any) -> Tensor:
        """self - trunc(self/other)·other: the sign of the dividend, as C's fmod."""
        return _binary(_ops.Fmod, self, other)

    def pow(self, exponent: Any) -> Tensor:
        """self ** exponent, as `torch.Tensor.pow`."""
        return self ** exponent

    # ------------------------------------------------------------ comparisons
    def eq(self, other: Any) -> Tensor:
        return self == other

    def ne(self, other: Any) -> Tensor:
        return self != other

    def lt(self, other: Any) -> Tensor:
        return self < other

    def le(self, other: Any) -> Tensor:
        return self <= other

    def gt(self, other: Any) -> Tensor:
        return self > other

    def ge(self, other: Any) -> Tensor:
        return self >= other

    not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge

    def isnan(self) -> Tensor:
        return type(self)(_array.namespace(self.array).isnan(self.array))

    def isinf(self) -> Tensor:
        return type(self)(_array.namespace(self.array).isinf(self.array))

    def isfinite(self) -> Tensor:
        return type(self)(_array.namespace(self.array).isfinite(self.array))

    def logical_not(self) -> Tensor:
        return type(self)(_array.namespace(self.array).logical_not(_truth(self.array)))

    def logical_and(self, other: Any) -> Tensor:
        other = _truth(_tensor_operand("logical_and", other))
        return type(self)(_array.namespace(self.array).logical_and(_truth(self.array), other))

    def logical_or(self, other: Any) -> Tensor:
        other = _truth(_tensor_operand("logical_or", other))
        return type(self)(_array.namespace(self.array).logical_or(_truth(self.array), other))

    def logical_xor(self, other: Any) -> Tensor:
        other = _truth(_tensor_operand("logical_xor", other))
        return type(self)(_truth(self.array) != other)

    def isclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                equal_nan: bool = False) -> Tensor:
        """|self - other| ≤ atol + rtol·|other| elementwise (equal infinities are close; NaNs
        only with equal_nan), as PyTorch: of two tensors of one dtype."""
        return type(self)(_close(self.array, _tensor_operand("isclose", other), rtol, atol,
                                 equal_nan))

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
                 equal_nan: bool = False) -> bool:
        """Whether `isclose` holds everywhere (a Python bool)."""
        close = _close(self.array, _tensor_operand("allclose", other), rtol, atol, equal_nan)
        return bool(_array.namespace(close).all(close))

    def equal(self, other: Any) -> bool:
        """Whether the two have one shape and equal values (a Python bool; NaN ≠ NaN)."""
        other = _tensor_operand("equal", other)
        if tuple(self.array.shape) != tuple(other.shape):
            return False
        return bool(_array.namespace(other).all(self.array == other))


def _close(x: Any, y: Any, rtol: float, atol: float, equal_nan: bool) -> Any:
    """PyTorch's isclose of two arrays: equal, or both NaN (with equal_nan), or finitely
    apart by at most atol + rtol·|y|."""
    if x.dtype != y.dtype:
        names = (_TORCH_NAMES.get(str(d).rpartition(".")[2], str(d)) for d in (x.dtype, y.dtype))
        raise RuntimeError("{} did not match {} (isclose and allclose compare tensors of one "
                           "dtype, as in PyTorch; convert one with .to())".format(*names))
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value}")
    xp = _array.namespace(x)
    close = x == y
    if _array.kind(x.dtype) == "b":
        return close
    if not _array.is_floating(x):
        x, y = xp.astype(x, xp.float64), xp.astype(y, xp.float64)
    if equal_nan:
        close = xp.logical_or(close, xp.logical_and(xp.isnan(x), xp.isnan(y)))
    with _array.errstate(invalid="ignore", over="ignore"):
        error = xp.abs(x - y)
        near = xp.logical_and(xp.isfinite(error), error <= atol + xp.abs(y * rtol))
    return xp.logical_or(close, near)
