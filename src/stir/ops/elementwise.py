"""Elementwise primitives: each computes its value and, right beside it, its derivative.

Binary operations broadcast as NumPy does; their backward returns gradients of the output's
shape and the engine sums them back to each input's shape. Every `backward` is written for
arrays and tensors alike (see `dual`): the engine runs it on arrays for ordinary gradients and
on tensors to record it for higher-order ones. Masks at kinks (ReLU, abs, clip, maximum) are
piecewise constant, so they enter as constant arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context
from .primitive import Primitive
from ..tensor import Tensor
from . import dual


class Add(Primitive):
    """z = x + y;  dz/dx = 1, dz/dy = 1."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        return x.data + y.data

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return grad_output, grad_output


class Sub(Primitive):
    """z = x - y;  dz/dx = 1, dz/dy = -1."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        return x.data - y.data

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return grad_output, (-grad_output if ctx.needs_input_grad[1] else None)


class Mul(Primitive):
    """z = x * y;  dz/dx = y, dz/dy = x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        ctx.save_for_backward(x, y)
        return x.data * y.data

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (grad_output * y if need_x else None, grad_output * x if need_y else None)


class Div(Primitive):
    """z = x / y;  dz/dx = 1/y, dz/dy = -x/y²."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        ctx.save_for_backward(x, y)
        return x.data / y.data

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_output / y if need_x else None
        grad_y = -grad_output * x / (y * y) if need_y else None
        return grad_x, grad_y


class Pow(Primitive):
    """z = x ** y;  dz/dx = y·x^(y-1) (0 where y = 0), dz/dy = z·ln x (0 where x = 0, y ≥ 0)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        z = np.power(x.data, y.data)
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y, z = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_y = None
        if need_x:
            grad_x = grad_output * y * x ** (y - 1)
            exponent = dual.array(y)
            if (exponent == 0).any():  # avoid 0 * inf at x = 0 when the exponent is 0
                grad_x = dual.where(exponent != 0, grad_x, 0)
        if need_y:
            base = dual.array(x)
            safe = (base != 0) | (dual.array(y) < 0)
            grad_y = grad_output * z * dual.log(dual.where(safe, x, 1))
        return grad_x, grad_y


class Neg(Primitive):
    """z = -x;  dz/dx = -1."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        return -x.data

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return -grad_output


class Exp(Primitive):
    """z = eˣ;  dz/dx = z."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        z = np.exp(x.data)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        return grad_output * z


class Log(Primitive):
    """z = ln x;  dz/dx = 1/x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return np.log(x.data)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, = ctx.saved_tensors
        return grad_output / x


class Sqrt(Primitive):
    """z = √x;  dz/dx = 1/(2z)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        z = np.sqrt(x.data)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        return grad_output / (z * 2)


class Abs(Primitive):
    """z = |x|;  dz/dx = sign(x), taken as 0 at x = 0 and at NaN (as PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return np.abs(x.data)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, = ctx.saved_tensors
        values = dual.array(x)
        sign = (values > 0).astype(values.dtype) - (values < 0)  # 0 at NaN, unlike np.sign
        return grad_output * sign


class Sin(Primitive):
    """z = sin x;  dz/dx = cos x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return np.sin(x.data)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, = ctx.saved_tensors
        return grad_output * dual.cos(x)


class Cos(Primitive):
    """z = cos x;  dz/dx = -sin x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return np.cos(x.data)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, = ctx.saved_tensors
        return -grad_output * dual.sin(x)


class Tanh(Primitive):
    """z = tanh x;  dz/dx = 1 - z²."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        z = np.tanh(x.data)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        return grad_output * (1 - z * z)


# Beyond these |x|, e^(-|x|) is below the smallest normal number of the dtype.
_EXP_UNDERFLOW = {np.dtype(np.float32): 87.0, np.dtype(np.float64): 708.0}


class Sigmoid(Primitive):
    """z = 1/(1 + e⁻ˣ);  dz/dx = z(1 - z).

    A primitive for numerical stability: e^(-|x|) never overflows, so z is exact at any x;
    where it would underflow it is taken as 0 without computing it, so that even
    `np.errstate(all="raise")` sees no floating-point error.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        magnitude = np.abs(x.data)
        limit = _EXP_UNDERFLOW.get(magnitude.dtype, 87.0)
        # (not >= rather than <, so that a NaN input gives e and z NaN, as in PyTorch)
        e = np.exp(-magnitude, out=np.zeros_like(magnitude),
                   where=np.logical_not(magnitude >= limit))
        z = np.where(x.data >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        return grad_output * z * (1 - z)


class ReLU(Primitive):
    """z = max(0, x);  dz/dx = 1 for x > 0, else 0 (0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        data = x.data
        z = np.maximum(data, _zero(data.dtype))
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        z = z.data if isinstance(z, Tensor) else z
        # Zero where the output is ≤ 0; a NaN output passes the gradient on, as in PyTorch.
        # (A product with the mask: np.where is 15x slower on a large random mask.)
        return grad_output * np.logical_not(z <= _zero(z.dtype))


def _zero(dtype: np.dtype[Any]) -> Any:
    """0 of a floating dtype as a 0-d array, which NumPy's ufuncs take about 0.2 µs sooner
    than the Python 0 (much of a small layer's ReLU); the Python 0 for other dtypes, where it
    decides the result's dtype (a bool array's maximum with it is an integer array)."""
    zero = _ZEROS.get(dtype)
    if zero is None:
        zero = np.zeros((), dtype) if dtype.kind == "f" else 0
        _ZEROS[dtype] = zero
    return zero


_ZEROS: dict[np.dtype[Any], Any] = {}


class Maximum(Primitive):
    """z = max(x, y) elementwise;  the gradient goes to the larger, split evenly on ties, and
    all of it to each where either is NaN (z is NaN there), as PyTorch."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        ctx.save_for_backward(x, y)
        return np.maximum(x.data, y.data)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = (dual.array(v) for v in ctx.saved_tensors)
        return _split(ctx, grad_output, x, y, np.less)


class Minimum(Primitive):
    """z = min(x, y) elementwise;  the gradient goes to the smaller, split evenly on ties, and
    all of it to each where either is NaN (z is NaN there), as PyTorch."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        ctx.save_for_backward(x, y)
        return np.minimum(x.data, y.data)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = (dual.array(v) for v in ctx.saved_tensors)
        return _split(ctx, grad_output, x, y, np.greater)


def _split(ctx: Context, grad_output: Tensor, x: np.ndarray, y: np.ndarray,
           loses: Any) -> tuple[Any, Any]:
    """Gradients of a two-way selection: x gets the gradient except where `loses(x, y)`,
    y except where `loses(y, x)`, each half of it on a tie. Counted from what a side lost
    rather than what it won, so that where a NaN makes every comparison false both get all
    of it, as in PyTorch, with no isnan."""
    need_x, need_y = ctx.needs_input_grad
    tie = x == y
    # Without ties (the usual case) each share is a bool mask, which multiplies a float array
    # without an intermediate float array: several times faster on large arrays.
    halves = tie.any()

    def share(lost: np.ndarray) -> np.ndarray:
        kept = np.logical_not(lost)
        return (kept - tie * 0.5).astype(grad_output.dtype) if halves else kept

    grad_x = grad_output * share(loses(x, y)) if need_x else None
    grad_y = grad_output * share(loses(y, x)) if need_y else None
    return grad_x, grad_y


class Clip(Primitive):
    """z = min(max(x, low), high);  dz/dx = 1 for low ≤ x ≤ high (bounds included), else 0."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, low: float | None, high: float | None) -> Any:
        if low is None and high is None:
            raise ValueError("clip needs at least one of min and max")
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return np.clip(x.data, low, high)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x = dual.array(ctx.saved_tensors[0])
        inside = np.ones(x.shape, dtype=bool)
        if ctx.low is not None:
            inside &= x >= ctx.low
        if ctx.high is not None:
            inside &= x <= ctx.high
        return grad_output * inside, None, None


class Where(Primitive):
    """z = x where condition else y;  the gradient goes to whichever was chosen."""

    @staticmethod
    def forward(ctx: Context, condition: Any, x: Tensor, y: Tensor) -> Any:
        ctx.condition = condition
        return np.where(condition, x.data, y.data)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        _, need_x, need_y = ctx.needs_input_grad
        condition = ctx.condition
        grad_x = dual.where(condition, grad_output, 0) if need_x else None
        grad_y = dual.where(condition, 0, grad_output) if need_y else None
        return None, grad_x, grad_y


class Cast(Primitive):
    """z = x converted to another dtype (a copy);  dz/dx = 1, converted back."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, dtype: Any) -> Any:
        ctx.dtype = x.dtype
        return x.data.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return dual.cast(grad_output, ctx.dtype), None
