"""Activation primitives: sigmoid, tanh, ReLU and the activations that need a node of their
own, for speed (one node instead of several) or for numerical stability (nothing overflows,
for any finite input).

The formulas users read are on the functions of `stir.nn.functional` (its `activations.py`),
which call these; each primitive here says what its backward computes. Where an exponential
may underflow, it is computed with NumPy's underflow warning off: rounding a tiny value to 0 is
the right answer there, not an error, so even `np.errstate(all="raise")` passes.
"""

from __future__ import annotations

import math
from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive
from .rounding import ZeroGradient, keep_layout

_ndarray, _NUMPY = _array.NDARRAY, _array.NUMPY
_keep_where = _array.maths.keep_where


class Tanh(Primitive):
    """z = tanh x;  dz/dx = 1 - z²."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        z = _array.namespace(x.array).tanh(x.array)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        return grad_output * (1 - z * z)


# Beyond these |x|, e^(-|x|) is below the smallest normal number of the dtype.


class Sigmoid(Primitive):
    """z = 1/(1 + e⁻ˣ);  dz/dx = z(1 - z).

    A primitive for numerical stability: e^(-|x|) never overflows, so z is exact at any x;
    where it would underflow it is taken as 0 without computing it, so that even
    `np.errstate(all="raise")` sees no floating-point error.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        xp = _array.namespace(x.array)
        e = _array.exp_of_negative(xp.abs(x.array))
        z = xp.where(x.array >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        return grad_output * z * (1 - z)


class ReLU(Primitive):
    """z = max(0, x);  dz/dx = 1 for x > 0, else 0 (0 at x = 0, as PyTorch).

    The backward selects rather than multiplies: where the output is ≤ 0 the gradient is 0
    even if the incoming one is infinite (`relu(w).sqrt()` at w = 0), as in PyTorch, where a
    product with a 0/1 mask would give inf·0 = NaN. A NaN output passes the gradient on."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        data = x.array
        numpy = type(data) is _ndarray
        xp = _NUMPY if numpy else _array.namespace(data)  # (inline: hot)
        if (data.dtype.kind if numpy else _array.kind(data.dtype)) == "b":
            raise RuntimeError("Boolean inputs not supported for relu (as in PyTorch)")
        z = xp.maximum(_array.zero(data), data)  # x second: relu(-0.0) is -0.0, as PyTorch
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        z, = ctx.saved_tensors
        # z ≥ 0 or NaN, so z ≠ 0 says where the gradient passes (NaN included) in one test.
        if type(z) is _ndarray:  # on arrays (inline: every ReLU layer's step)
            return _keep_where(z != 0, grad_output)
        if isinstance(grad_output, Tensor):
            return dual.where(z.array != _array.zero(z.array), grad_output, 0)
        return _keep_where(z != _array.zero(z), grad_output)


# ----------------------------------------------------------------------------- primitives
class Step(ZeroGradient):
    """z = 1 for x ≥ 0, else 0 (Heaviside);  dz/dx = 0 everywhere."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        keep_layout(ctx, x.array)
        xp = ctx.xp
        jump = xp.astype(x.array >= 0, x.dtype)
        return xp.where(xp.isnan(x.array), x.array, jump)  # NaN stays NaN


class Sign(ZeroGradient):
    """z = sign(x) ∈ {-1, 0, 1}, and 0 at NaN (as PyTorch; NumPy's sign gives NaN);
    dz/dx = 0 everywhere. On bool tensors, the values themselves."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        array = x.array
        keep_layout(ctx, array)
        xp = ctx.xp
        if _array.kind(array.dtype) != "f":
            return xp.asarray(array, copy=True) if array.dtype == xp.bool else xp.sign(array)
        return xp.astype(array > 0, array.dtype) - xp.astype(array < 0, array.dtype)


class LeakyReLU(Primitive):
    """z = x for x > 0, else slope·x;  dz/dx = 1 for x > 0, else slope (slope at 0, as
    PyTorch);  dz/dslope = x for x ≤ 0, else 0.

    The slope is a number, a constant array (RReLU's random slopes) or a tensor that
    broadcasts against x (PReLU's learnable weight). A primitive for speed: one node instead
    of a comparison, a product and a selection.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, slope: Any) -> Any:
        positive = x.array > 0
        ctx.positive, ctx.slope = positive, slope
        if isinstance(slope, Tensor):
            ctx.save_for_backward(x, slope)  # dz/dslope needs x
            slope = slope.array
        return _array.namespace(x.array).where(positive, x.array, x.array * slope)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        need_x, need_slope = ctx.needs_input_grad
        saved = ctx.saved_tensors
        x, slope = saved if saved else (None, ctx.slope)
        grad_x = dual.where(ctx.positive, grad_output, grad_output * slope) if need_x else None
        grad_slope = dual.where(ctx.positive, 0, grad_output * x) if need_slope else None
        return grad_x, grad_slope


class ELU(Primitive):
    """z = x for x > 0, else α(eˣ - 1);  dz/dx = 1 for x > 0, else αeˣ = z + α (α at 0, the
    left derivative, as PyTorch). A primitive for speed: one node instead of five."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, alpha: float) -> Any:
        negative = x.array <= 0
        xp = _array.namespace(x.array)
        z = xp.where(negative, alpha * xp.expm1(xp.minimum(x.array, 0)), x.array)
        ctx.negative, ctx.alpha = negative, alpha
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        z, = ctx.saved_tensors
        return dual.where(ctx.negative, grad_output * (z + ctx.alpha), grad_output), None


class Softplus(Primitive):
    """z = (1/β) ln(1 + e^(βx)), and z = x where βx > threshold (as PyTorch);
    dz/dx = σ(βx), and 1 where βx > threshold.

    A primitive for stability: computed as (max(βx, 0) + ln(1 + e^(-|βx|)))/β, so no
    exponential of a positive number is ever taken.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, beta: float, threshold: float) -> Any:
        xp = _array.namespace(x.array)
        scaled = x.array * beta
        with _array.errstate(under="ignore"):
            z = xp.maximum(scaled, 0) + xp.log1p(xp.exp(-xp.abs(scaled)))
        if beta != 1:
            z /= beta
        ctx.linear, ctx.beta = scaled > threshold, beta
        ctx.save_for_backward(x)
        return xp.where(ctx.linear, x.array, z)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        with _array.errstate(under="ignore"):
            slope = (x * ctx.beta).sigmoid() if isinstance(x, Tensor) else _sigmoid(x * ctx.beta)
        return dual.where(ctx.linear, grad_output, grad_output * slope), None, None


def _sigmoid(x: Any) -> Any:
    """σ(x) on arrays, from e^(-|x|) ≤ 1 (the caller silences underflow)."""
    xp = _array.namespace(x)
    e = xp.exp(-xp.abs(x))
    d = 1 / (1 + e)
    return xp.where(x >= 0, d, e * d)


class Softmax(Primitive):
    """z = eˣ / Σ_dim eˣ;  grad_x = z ⊙ (g - Σ_dim g ⊙ z) (the vector-Jacobian product).

    A primitive for stability: the largest value is subtracted first, so eˣ ≤ 1.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, dim: tuple[int, ...]) -> Any:
        xp = _array.namespace(x.array)
        with _array.errstate(under="ignore"):
            e = xp.exp(x.array - xp.max(x.array, axis=dim, keepdims=True))
            z = e / xp.sum(e, axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        z, = ctx.saved_tensors
        return z * (grad_output - dual.sum(grad_output * z, axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Primitive):
    """z = x - log Σ_dim eˣ;  grad_x = g - eᶻ Σ_dim g (eᶻ is the softmax).

    A primitive for stability: computed as (x - m) - log Σ e^(x - m) with m the largest
    value, the difference taken first, so log 2 survives offsets up to the largest float
    (m + log Σ … would round it away).
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, dim: tuple[int, ...]) -> Any:
        xp = _array.namespace(x.array)
        shifted = x.array - xp.max(x.array, axis=dim, keepdims=True)
        with _array.errstate(under="ignore"):
            z = shifted - xp.log(xp.sum(xp.exp(shifted), axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        z, = ctx.saved_tensors
        with _array.errstate(under="ignore"):
            total = dual.sum(grad_output, axis=ctx.dim, keepdims=True)
            return grad_output - dual.exp(z) * total, None


class NormalCDF(Primitive):
    """z = Φ(x) = ½(1 + erf(x/√2)), the standard normal distribution function;
    dz/dx = φ(x) = e^(-x²/2)/√(2π).

    A primitive because neither NumPy nor the array standard has erf (see `_array.erf`);
    GELU is x·Φ(x).
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return 0.5 * (1 + _array.erf(x.array * math.sqrt(0.5)))

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        if not isinstance(x, Tensor):  # |x| ≤ 40 keeps x² finite; φ(40) is 0 anyway
            xp = _array.namespace(x)
            x = xp.minimum(xp.abs(x), 40)
        with _array.errstate(under="ignore"):
            return grad_output * (dual.exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi)))
