"""Transcendental primitives beyond exp, log, sin and cos (which are in arithmetic.py): the
logarithms of base 10 and 2, log(1 + x) and eˣ - 1, the hyperbolic sine and cosine, and the
inverse sine, cosine and tangent. Each computes its value and, right beside it, its derivative.

Each is a primitive for accuracy: log1p and expm1 keep the digits that 1 + x and eˣ - 1 lose
for small x, log10(1000) is exactly 3 where ln(1000)/ln(10) is not, sinh and cosh keep their
digits near 0 and their range where e^(±x) would overflow first, and the inverse functions have
no composition. Integer inputs are converted to the default float dtype by the tensor methods
that call these, as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor
from .primitive import Primitive

_LN10, _LN2 = math.log(10.0), math.log(2.0)


def _apply(name: str, x: Any) -> Any:
    """The elementwise function `name` of an array (its namespace's) or of a tensor (its
    method, so that the backward that uses it is recorded)."""
    if isinstance(x, Tensor):
        return getattr(x, name)()
    return _array.maths.standard_function(x, name)(x)


class Log10(Primitive):
    """z = log₁₀ x;  dz/dx = 1/(x ln 10). Narrower floats are computed in float64 and
    rounded: NumPy's float32 log10 is 1 ulp off at most powers of 10 (log10(100) would be
    2.0000002; PyTorch gives 2)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        array = x.array
        xp = _array.namespace(array)
        if array.dtype == xp.float64:
            return _apply("log10", array)
        return xp.astype(_apply("log10", xp.astype(array, xp.float64)), array.dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        return grad_output / (x * _LN10)


class Log2(Primitive):
    """z = log₂ x;  dz/dx = 1/(x ln 2)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _apply("log2", x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        return grad_output / (x * _LN2)


class Log1p(Primitive):
    """z = ln(1 + x);  dz/dx = 1/(1 + x)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _apply("log1p", x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        return grad_output / (x + 1)


class Expm1(Primitive):
    """z = eˣ - 1;  dz/dx = eˣ = z + 1."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        z = _apply("expm1", x.array)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        z, = ctx.saved_tensors
        return grad_output * (z + 1)


class Sinh(Primitive):
    """z = sinh x;  dz/dx = cosh x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _apply("sinh", x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        return grad_output * _apply("cosh", x)


class Cosh(Primitive):
    """z = cosh x;  dz/dx = sinh x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _apply("cosh", x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        return grad_output * _apply("sinh", x)


class Asin(Primitive):
    """z = arcsin x;  dz/dx = 1/√(1 - x²)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _apply("asin", x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        return grad_output / _apply("sqrt", 1 - x * x)


class Acos(Primitive):
    """z = arccos x;  dz/dx = -1/√(1 - x²)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _apply("acos", x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        return -grad_output / _apply("sqrt", 1 - x * x)


class Atan(Primitive):
    """z = arctan x;  dz/dx = 1/(1 + x²)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _apply("atan", x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        return grad_output / (x * x + 1)
