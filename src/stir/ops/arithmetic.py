"""Arithmetic primitives: + - × ÷, powers, exp and log, sin and cos, |x|, max/min, clip,
where and dtype casts. Each computes its value and, right beside it, its derivative.

Binary operations broadcast as NumPy does; their backward returns gradients of the output's
shape and the engine sums them back to each input's shape. Every `backward` is written for
arrays and tensors alike (see `autograd.Function` for the contract and `dual` for the helpers):
the engine runs it on arrays for ordinary gradients and on tensors to record it for
higher-order ones. Masks at kinks (abs, clip, maximum) are piecewise constant, so they enter
as constant arrays.
"""

from __future__ import annotations

from typing import Any

from .. import _array, devices
from ..autograd import Context
from ..tensor import Tensor, lift
from . import dual
from .primitive import Primitive


class Add(Primitive):
    """z = x + y;  dz/dx = 1, dz/dy = 1."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        return x.array + y.array

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return grad_output, grad_output


class Sub(Primitive):
    """z = x - y;  dz/dx = 1, dz/dy = -1."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        return x.array - y.array

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return grad_output, (-grad_output if ctx.needs_input_grad[1] else None)


class Mul(Primitive):
    """z = x * y;  dz/dx = y, dz/dy = x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        ctx.save_for_backward(x, y)
        return x.array * y.array

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
        return x.array / y.array

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
        z = _array.namespace(x.array).pow(x.array, y.array)
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
            if _array.namespace(exponent).any(exponent == 0):  # no 0 * inf at x = 0, y = 0
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
        return -x.array

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return -grad_output


class Exp(Primitive):
    """z = eˣ;  dz/dx = z."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        z = _array.namespace(x.array).exp(x.array)
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
        return _array.namespace(x.array).log(x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, = ctx.saved_tensors
        return grad_output / x


class Sqrt(Primitive):
    """z = √x;  dz/dx = 1/(2z)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        z = _array.namespace(x.array).sqrt(x.array)
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
        return _array.namespace(x.array).abs(x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, = ctx.saved_tensors
        values = dual.array(x)
        xp = _array.namespace(values)
        # 0 at NaN, unlike the standard's sign
        sign = xp.astype(values > 0, values.dtype) - xp.astype(values < 0, values.dtype)
        return grad_output * sign


class Sin(Primitive):
    """z = sin x;  dz/dx = cos x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _array.namespace(x.array).sin(x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, = ctx.saved_tensors
        return grad_output * dual.cos(x)


class Cos(Primitive):
    """z = cos x;  dz/dx = -sin x."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return _array.namespace(x.array).cos(x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, = ctx.saved_tensors
        return -grad_output * dual.sin(x)


class Maximum(Primitive):
    """z = max(x, y) elementwise;  the gradient goes to the larger, split evenly on ties, and
    all of it to each where either is NaN (z is NaN there), as PyTorch."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        ctx.save_for_backward(x, y)
        return _array.namespace(x.array).maximum(x.array, y.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = (dual.array(v) for v in ctx.saved_tensors)
        return _split(ctx, grad_output, x, y, _array.namespace(x).less)


class Minimum(Primitive):
    """z = min(x, y) elementwise;  the gradient goes to the smaller, split evenly on ties, and
    all of it to each where either is NaN (z is NaN there), as PyTorch."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        ctx.save_for_backward(x, y)
        return _array.namespace(x.array).minimum(x.array, y.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = (dual.array(v) for v in ctx.saved_tensors)
        return _split(ctx, grad_output, x, y, _array.namespace(x).greater)


def _split(ctx: Context, grad_output: Tensor, x: Any, y: Any,
           loses: Any) -> tuple[Any, Any]:
    """Gradients of a two-way selection: x gets the gradient except where `loses(x, y)`,
    y except where `loses(y, x)`, each half of it on a tie. Counted from what a side lost
    rather than what it won, so that where a NaN makes every comparison false both get all
    of it, as in PyTorch, with no isnan."""
    need_x, need_y = ctx.needs_input_grad
    xp = _array.namespace(x)
    tie = x == y
    # Without ties (the usual case) each share is a mask (on NumPy a bool one, which
    # multiplies a float array without an intermediate float array: several times faster).
    halves = xp.any(tie)

    def share(lost: Any) -> Any:
        kept = xp.logical_not(lost)
        if halves:
            return xp.astype(_array.mask(kept, x) - _array.mask(tie, x) * 0.5, x.dtype)
        return _array.mask(kept, x)

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
        return _array.namespace(x.array).clip(x.array, low, high)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x = dual.array(ctx.saved_tensors[0])
        xp = _array.namespace(x)
        inside = xp.ones(x.shape, dtype=xp.bool, device=_array.device(x))
        if ctx.low is not None:
            inside &= x >= ctx.low
        if ctx.high is not None:
            inside &= x <= ctx.high
        return grad_output * _array.mask(inside, x), None, None


class Where(Primitive):
    """z = x where condition else y;  the gradient goes to whichever was chosen."""

    @staticmethod
    def forward(ctx: Context, condition: Any, x: Tensor, y: Tensor) -> Any:
        ctx.condition = condition
        return _array.namespace(x.array).where(condition, x.array, y.array)

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
        return _array.namespace(x.array).astype(x.array, dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return _cast(grad_output, ctx.dtype), None


class Transfer(Primitive):
    """z = x on another device (a copy);  dz/dx = 1, moved back to x's device."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, device: Any, xp: Any = None) -> Any:
        ctx.xp, ctx.home = _array.namespace(x.array), _array.device(x.array)
        return devices.to_device(x.array, device, xp)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        if isinstance(grad_output, Tensor):
            return Transfer.apply(grad_output, ctx.home, ctx.xp), None, None
        return devices.to_device(grad_output, ctx.home, ctx.xp), None, None


def _cast(x: Any, dtype: Any) -> Any:
    if isinstance(x, Tensor):
        return Cast.apply(x, dtype)
    x = _array.as_array(x)
    return _array.namespace(x).astype(x, dtype)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """x where `condition` holds, else y (broadcasting all three)."""
    condition = condition.array if isinstance(condition, Tensor) else _array.as_array(condition)
    if _array.kind(condition.dtype) != "b":
        raise TypeError(f"where: the condition must be a bool tensor, got {condition.dtype}")
    like = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else Tensor(x)
    condition = _array.beside(condition, like.array)
    return Where.apply(condition, lift(x, like), lift(y, like))
