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

_ndarray, _NUMPY = _array.NDARRAY, _array.NUMPY


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
    """z = max(0, x);  dz/dx = 1 for x > 0, else 0 (0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        data = x.array
        xp = _NUMPY if type(data) is _ndarray else _array.namespace(data)  # (inline: hot)
        z = xp.maximum(data, _array.zero(data))
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        z = z.array if isinstance(z, Tensor) else z
        # Zero where the output is ≤ 0; a NaN output passes the gradient on, as in PyTorch.
        # (A product with the mask: where() is 15x slower on a large random mask.)
        if type(z) is _ndarray:  # namespace and mask inline, on every ReLU layer's step
            return grad_output * _NUMPY.logical_not(z <= _array.zero(z))
        kept = _array.namespace(z).logical_not(z <= _array.zero(z))
        return grad_output * _array.mask(kept, z)


# ----------------------------------------------------------------------------- primitives
def _keep_layout(ctx: Context, x: Any) -> None:
    """Note what a zero gradient of x is made of: its namespace, shape, dtype and device."""
    ctx.xp, ctx.shape, ctx.dtype, ctx.device = (
        _array.namespace(x), x.shape, x.dtype, _array.device(x))


class _PiecewiseConstant(Primitive):
    """Shared backward of step and sign: flat on both sides of the jump, so dz/dx = 0
    everywhere (0 is also taken at the jump, where there is no derivative)."""

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        return ctx.xp.zeros(ctx.shape, dtype=ctx.dtype, device=ctx.device)


class Step(_PiecewiseConstant):
    """z = 1 for x ≥ 0, else 0 (Heaviside);  dz/dx = 0 everywhere."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        _keep_layout(ctx, x.array)
        xp = ctx.xp
        jump = xp.astype(x.array >= 0, x.dtype)
        return xp.where(xp.isnan(x.array), x.array, jump)  # NaN stays NaN


class Sign(_PiecewiseConstant):
    """z = sign(x) ∈ {-1, 0, 1};  dz/dx = 0 everywhere."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        _keep_layout(ctx, x.array)
        return ctx.xp.sign(x.array)


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
