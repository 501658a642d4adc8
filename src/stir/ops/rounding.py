"""Rounding primitives: floor, ceil, round, trunc, and the divisions that round (division with
a rounding mode, floor division, remainder, fmod). Each computes its value and, right beside
it, its derivative.

The roundings are flat between their jumps, so their gradient is 0 everywhere (also at the
jumps, where there is none), as in PyTorch; they are primitives because the array functions
have no composition. On integer tensors they give the integers back (on bool tensors PyTorch
implements none of them, and neither does stir). Integer division by zero raises, as in
PyTorch (NumPy would warn and give 0); float division by zero gives ±inf or NaN, silently.
"""

from __future__ import annotations

import math

from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive

_MODES = ("trunc", "floor")


def keep_layout(ctx: Context, x: Any) -> None:
    """Note what a zero gradient of x is made of: its namespace, shape, dtype and device."""
    ctx.xp, ctx.shape, ctx.dtype, ctx.device = (
        _array.namespace(x), x.shape, x.dtype, _array.device(x))


class ZeroGradient(Primitive):
    """Shared backward of the piecewise-constant functions (the roundings, sign, step): flat
    on both sides of each jump, so dz/dx = 0 everywhere (0 is also taken at the jumps, where
    there is no derivative, as in PyTorch)."""

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        return ctx.xp.zeros(ctx.shape, dtype=ctx.dtype, device=ctx.device)


def _rounded(ctx: Context, x: Tensor, name: str) -> Any:
    """The standard function `name` of x's array; integers are whole already (a copy)."""
    array = x.array
    keep_layout(ctx, array)
    letter = _array.kind(array.dtype)
    if letter == "b":
        raise NotImplementedError(
            f"{name} is not implemented for bool tensors (nor in PyTorch); convert with "
            ".int() or .float() first")
    if letter != "f":
        return ctx.xp.asarray(array, copy=True)
    return _array.maths.standard_function(array, name)(array)


class Floor(ZeroGradient):
    """z = ⌊x⌋, the largest integer ≤ x;  dz/dx = 0."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        return _rounded(ctx, x, "floor")


class Ceil(ZeroGradient):
    """z = ⌈x⌉, the smallest integer ≥ x;  dz/dx = 0."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        return _rounded(ctx, x, "ceil")


class Trunc(ZeroGradient):
    """z = x with its fractional part dropped (rounded toward 0);  dz/dx = 0."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        return _rounded(ctx, x, "trunc")


class Round(ZeroGradient):
    """z = x rounded to `decimals` decimal places, halves to even (as PyTorch, which computes
    round(x·10ᵈ)/10ᵈ, or round(x/10⁻ᵈ)·10⁻ᵈ for d < 0, in x's dtype: so 10ᵈ may overflow
    to inf and give NaN, there too);  dz/dx = 0."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, decimals: int) -> Any:
        if decimals == 0:
            return _rounded(ctx, x, "round")
        array = x.array
        if _array.kind(array.dtype) != "f":
            raise NotImplementedError(
                f"round with decimals is not implemented for {array.dtype} tensors (nor in "
                "PyTorch); convert with .float() first")
        keep_layout(ctx, array)
        xp, rint = ctx.xp, _array.maths.standard_function(array, "round")
        try:
            power = 10.0 ** abs(decimals)
        except OverflowError:
            power = float("inf")
        scale = xp.asarray(power, dtype=array.dtype, device=ctx.device)
        with _array.errstate(over="ignore", invalid="ignore"):
            if decimals > 0:
                return rint(array * scale) / scale
            return rint(array / scale) * scale


def _check_divisor(name: str, x: Any, y: Any) -> Any:
    """The namespace of the operands, after refusing what PyTorch refuses: bool operands, and
    an integer divisor of 0."""
    xp = _array.namespace(x)
    letter = _array.kind(x.dtype)
    if letter == "b":
        raise NotImplementedError(
            f"{name} is not implemented for bool tensors (nor in PyTorch); convert with "
            ".int() or .float() first")
    if letter in "iu" and xp.any(y == 0) and math.prod(x.shape) and math.prod(y.shape):
        # (an empty operand makes an empty result, with nothing divided: PyTorch's answer)
        raise RuntimeError(
            f"ZeroDivisionError: integer {name} by zero (PyTorch raises this too; NumPy "
            "would give 0)")
    return xp


def _floor_quotient(x: Any, y: Any) -> Any:
    """⌊x/y⌋ of two arrays, as Python's // (for floats, from the remainder: exact where
    floor(x / y) can be 1 too high, 1 // 0.1 being 9)."""
    with _array.errstate(divide="ignore", invalid="ignore"):
        return _array.maths.standard_function(x, "floor_divide")(x, y)


def _trunc_quotient(xp: Any, x: Any, y: Any) -> Any:
    """x/y rounded toward 0: trunc(x / y) for floats (as PyTorch), and for integers the floor
    quotient moved up by one where it is inexact and the signs differ."""
    if _array.kind(x.dtype) == "f":
        with _array.errstate(divide="ignore", invalid="ignore"):
            return _array.maths.standard_function(x, "trunc")(x / y)
    quotient = _floor_quotient(x, y)
    inexact = xp.logical_and(quotient * y != x, (x < 0) != (y < 0))
    return quotient + xp.astype(inexact, quotient.dtype)


class RoundedDivide(Primitive):
    """z = x/y rounded toward 0 (mode "trunc") or down (mode "floor");  dz/dx = dz/dy = 0
    (PyTorch's `div` with a rounding mode). For `floor_divide` and `//` (`differentiable`
    False) PyTorch implements no derivative, and backward raises, as there."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor, mode: str, differentiable: bool) -> Any:
        name = "division" if differentiable else "floor_divide"
        xp = _check_divisor(name, x.array, y.array)
        ctx.differentiable = differentiable
        ctx.shapes = x.shape, y.shape
        keep_layout(ctx, x.array)
        if mode == "floor":
            return _floor_quotient(x.array, y.array)
        return _trunc_quotient(xp, x.array, y.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        if not ctx.differentiable:
            raise RuntimeError(
                "the derivative for floor_divide (and //) is not implemented, as in PyTorch; "
                "torch.div(x, y, rounding_mode='floor') gives the same values with gradient 0")
        need_x, need_y = ctx.needs_input_grad[:2]
        zeros = [ctx.xp.zeros(shape, dtype=ctx.dtype, device=ctx.device) if need else None
                 for shape, need in zip(ctx.shapes, (need_x, need_y))]
        return zeros[0], zeros[1], None, None


class Remainder(Primitive):
    """z = x - ⌊x/y⌋·y, which has the divisor's sign (Python's %, PyTorch's `remainder`);
    dz/dx = 1, dz/dy = -⌊x/y⌋ (away from the jumps, where x/y is an integer)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        _check_divisor("remainder", x.array, y.array)
        ctx.save_for_backward(x, y)
        with _array.errstate(divide="ignore", invalid="ignore"):
            return _array.maths.standard_function(x.array, "remainder")(x.array, y.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_y = None
        if need_y:
            x_values, y_values = dual.array(x), dual.array(y)
            grad_y = -grad_output * _floor_quotient(x_values, y_values)
        return (grad_output if need_x else None), grad_y


class Fmod(Primitive):
    """z = x - trunc(x/y)·y, which has the dividend's sign (C's fmod, PyTorch's `fmod`);
    dz/dx = 1, dz/dy = -trunc(x/y) (away from the jumps, where x/y is an integer)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        xp = _check_divisor("fmod", x.array, y.array)
        ctx.save_for_backward(x, y)
        with _array.errstate(divide="ignore", invalid="ignore"):
            return _fmod(xp, x.array, y.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_y = None
        if need_y:
            x_values, y_values = dual.array(x), dual.array(y)
            grad_y = -grad_output * _trunc_quotient(_array.namespace(x_values), x_values,
                                                    y_values)
        return (grad_output if need_x else None), grad_y


def _fmod(xp: Any, x: Any, y: Any) -> Any:
    """fmod of two arrays: NumPy's own, else (the standard has none) |x| mod |y| with x's
    sign, which is exact."""
    if _array.is_numpy(x):
        return _array.maths.standard_function(x, "fmod")(x, y)
    magnitude = xp.remainder(xp.abs(x), xp.abs(y))
    if _array.kind(x.dtype) == "f":
        return xp.copysign(magnitude, x)
    return xp.where(x < 0, -magnitude, magnitude)
