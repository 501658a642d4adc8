"""Arithmetic primitives: + - × ÷, powers, exp and log, sin and cos, |x|, max/min, clamp,
where and dtype casts. Each computes its value and, right beside it, its derivative.

Binary operations broadcast as NumPy does; their backward returns gradients of the output's
shape and the engine sums them back to each input's shape. Every `backward` is written for
arrays and tensors alike (see `autograd.Function` for the contract and `dual` for the helpers):
the engine runs it on arrays for ordinary gradients and on tensors to record it for
higher-order ones. Masks at kinks (abs, clamp, maximum) are piecewise constant, so they enter
as constant arrays; where a mask drops a gradient it is selected away (`keep_where`), not
multiplied by 0, so that an infinite gradient gives 0 there, as in PyTorch.
"""

from __future__ import annotations

import operator
from typing import Any

from .. import _array, anomaly, autograd, devices, dtypes
from ..autograd import Context
from ..tensor import Tensor, lift, promoted_dtype
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
        # y first: on a tie NumPy gives its second operand, PyTorch its first (-0.0 vs 0.0)
        return _array.namespace(x.array).maximum(y.array, x.array)

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
        return _array.namespace(x.array).minimum(y.array, x.array)  # (y first: as Maximum)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = (dual.array(v) for v in ctx.saved_tensors)
        return _split(ctx, grad_output, x, y, _array.namespace(x).greater)


def _split(ctx: Context, grad_output: Any, x: Any, y: Any, loses: Any) -> tuple[Any, Any]:
    """Gradients of a two-way selection: x gets the gradient except where `loses(x, y)`,
    y except where `loses(y, x)`, each half of it on a tie (as PyTorch 2.13). Counted from
    what a side lost rather than what it won, so that where a NaN makes every comparison
    false both get all of it, as in PyTorch, with no isnan. Selected, not multiplied by a
    mask, so that a side that lost gets 0 even from an infinite gradient."""
    need_x, need_y = ctx.needs_input_grad
    xp = _array.namespace(x)
    tie = x == y
    if xp.any(tie):  # (rare: the halving factor is never 0, so inf stays inf)
        grad_output = grad_output * (1 - xp.astype(tie, dual.array(grad_output).dtype) * 0.5)
    grad_x = keep_where(xp.logical_not(loses(x, y)), grad_output) if need_x else None
    grad_y = keep_where(xp.logical_not(loses(y, x)), grad_output) if need_y else None
    return grad_x, grad_y


def keep_where(kept: Any, grad: Any) -> Any:
    """`grad` (an array or a tensor) where the constant bool array `kept` holds, else 0: a
    selection, so that a dropped infinite gradient gives 0 as in PyTorch (inf·0 is NaN)."""
    if isinstance(grad, Tensor):
        return dual.where(kept, grad, 0)
    return _array.maths.keep_where(kept, grad)


class Clamp(Primitive):
    """z = min(max(x, low), high), each bound a tensor broadcasting with x, a number or
    None (`clamp` converts all three to one dtype first);  the gradient goes, as in PyTorch:
    to x where low ≤ x ≤ high (bounds included, NaN excluded); to low where x < low < high;
    to high where x > high, or where high < low (high then wins everywhere). So where
    low = high > x neither bound gets it (PyTorch's rule too)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, low: Any, high: Any) -> Any:
        # Each bound a tensor, a number (of x's dtype: see `clamp`) or None; tensors are
        # saved (they may be recorded), numbers kept as they are.
        low_tensor, high_tensor = isinstance(low, Tensor), isinstance(high, Tensor)
        ctx.save_for_backward(x, low if low_tensor else None, high if high_tensor else None)
        ctx.numbers = (None if low_tensor else low, None if high_tensor else high)
        return _array.namespace(x.array).clip(
            x.array, low.array if low_tensor else low, high.array if high_tensor else high)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        saved = ctx.saved_tensors
        x, (low, high) = dual.array(saved[0]), ctx.numbers
        if saved[1] is not None:
            low = dual.array(saved[1])
        if saved[2] is not None:
            high = dual.array(saved[2])
        need_x, need_low, need_high = ctx.needs_input_grad
        xp = _array.namespace(x)
        inside = below = above = None
        if low is not None and high is not None:
            inside = xp.logical_and(x >= low, x <= high) if need_x else None
            if need_low:
                below = xp.logical_and(x < low, low < high)
            if need_high:
                above = xp.logical_or(x > high, high < low)
        elif low is not None:
            inside, below = x >= low, (x < low if need_low else None)
        else:
            inside, above = x <= high, (x > high if need_high else None)
        grad_x = keep_where(inside, grad_output) if need_x else None
        grad_low = None if below is None else keep_where(below, grad_output)
        grad_high = None if above is None else keep_where(above, grad_output)
        return grad_x, grad_low, grad_high


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


def where(condition: Any, x: Any = None, y: Any = None) -> Any:
    """x where `condition` holds, else y (broadcasting all three); x and y may be tensors
    or numbers, and are converted to PyTorch's result dtype (`where(c, int64 tensor,
    float32 tensor)` is float32; `where(c, 1.0, 0)` the default float dtype). With the
    condition alone, as PyTorch: the int64 indices where it is nonzero, one tensor per
    dimension (`nonzero(as_tuple=True)`).

    >>> import stir
    >>> x = stir.tensor([-1.5, 0.5, 2.5])
    >>> where(x > 0, x, 0)
    tensor([0. , 0.5, 2.5])
    """
    condition = condition.array if isinstance(condition, Tensor) else _array.as_array(condition)
    if x is None and y is None:
        xp = _array.namespace(condition)
        found = _array.maths.standard_function(condition, "nonzero")(condition)
        return tuple(Tensor(xp.astype(indices, xp.int64)) for indices in found)
    if x is None or y is None:
        raise TypeError("where takes a condition alone, or a condition, x and y (as PyTorch)")
    if _array.kind(condition.dtype) != "b":
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{condition.dtype} (as PyTorch); compare it first, e.g. where(mask != 0, x, y)")
    x, y = promoted("where", x, y)
    condition = _array.beside(condition, x.array)
    return Where.apply(condition, x, y)


def clamp(x: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """x limited to [min, max] elementwise, each bound a number, a tensor (broadcasting with
    x) or None, all converted to PyTorch's result dtype first (an integer tensor clamped to
    0.5 gives float32)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None "
                           "(as in PyTorch)")
    if _array.is_floating(x.array) and type(min) in _NUMBERS and type(max) in _NUMBERS:
        return Clamp.apply(x, min, max)  # numbers with floats: x's dtype, nothing to convert
    return Clamp.apply(*promoted("clamp", x, min, max))


_NUMBERS = (int, float, type(None))


def promoted(name: str, *values: Any) -> list[Any]:
    """The operands of an elementwise operation as tensors of PyTorch's result dtype
    (`promoted_dtype`, folded over them with the dimensioned ones first); None stays None.
    Python numbers are PyTorch's "wrapped numbers" (`lift`); when every operand is one, a
    float is of the default dtype, an int int64, a bool bool."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    if like is None:
        first = next(v for v in values if v is not None)
        like = Tensor(_array.as_array(first)) if not isinstance(first, float) else Tensor(
            _array.NUMPY.asarray(first, dtype=dtypes.get_default_dtype()))
    tensors = [None if v is None else lift(v, like) for v in values]
    for value, tensor in zip(values, tensors):
        if tensor is NotImplemented:
            raise TypeError(f"{name}: expected tensors or numbers, got {type(value).__name__}")
    given = sorted((t for t in tensors if t is not None), key=lambda t: t.array.ndim == 0)
    accumulated = given[0].array
    for tensor in given[1:]:
        if tensor.array.dtype == accumulated.dtype:
            continue
        dtype = promoted_dtype(accumulated, tensor.array)
        if dtype != accumulated.dtype:
            xp = _array.namespace(accumulated)
            accumulated = xp.zeros((1,) if accumulated.ndim else (),
                                   dtype=_array.dtype_in(accumulated, dtype),
                                   device=_array.device(accumulated))
    dtype = accumulated.dtype
    return [t if t is None or t.array.dtype == dtype else Cast.apply(t, dtype) for t in tensors]


# Arithmetic that nothing records needs none of a primitive's bookkeeping (a Context, saved
# inputs): the update steps users write by hand (`p.data -= lr * p.grad` under no_grad) are
# mostly made of it.
_UNRECORDED = {Add: operator.add, Sub: operator.sub, Mul: operator.mul, Div: operator.truediv}


def unrecorded(function: type, x: Any, y: Any) -> Any:
    """`function`'s result on x and y (NumPy arrays of one float dtype, or such an array and a
    Python number, which NumPy keeps in the array's dtype as PyTorch does) computed directly,
    when grad mode is off and neither a `stir.compile` trace nor an anomaly check needs to see
    the call; else None (and None for an error, which the primitive's own call then
    describes). The caller checks the operands."""
    plain = _UNRECORDED.get(function)
    if plain is None or autograd.tracing() or anomaly.state.enabled:
        return None
    try:
        return plain(x, y)
    except ValueError:
        return None

