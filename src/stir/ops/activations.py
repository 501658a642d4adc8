"""Activation primitives: sigmoid, tanh, ReLU and the activations that need a node of their
own, for speed (one node instead of several) or for numerical stability (nothing overflows,
for any finite input).

The formulas users read are on the functions of `stir.nn.functional` (its `activations.py`),
which call these; each primitive here says what its backward computes. Where an exponential
may underflow, it is computed with NumPy's underflow warning off: rounding a tiny value to 0 is
the right answer there, not an error, so even `np.errstate(all="raise")` passes.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive


class Tanh(Primitive):
    """z = tanh x;  dz/dx = 1 - z²."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        z = np.tanh(x.array)
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
        magnitude = np.abs(x.array)
        limit = _EXP_UNDERFLOW.get(magnitude.dtype, 87.0)
        # (not >= rather than <, so that a NaN input gives e and z NaN, as in PyTorch)
        e = np.exp(-magnitude, out=np.zeros_like(magnitude),
                   where=np.logical_not(magnitude >= limit))
        z = np.where(x.array >= 0, 1 / (1 + e), e / (1 + e))
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
        z = np.maximum(data, _zero(data.dtype))
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        z, = ctx.saved_tensors
        z = z.array if isinstance(z, Tensor) else z
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


# ----------------------------------------------------------------------------- primitives
class _PiecewiseConstant(Primitive):
    """Shared backward of step and sign: flat on both sides of the jump, so dz/dx = 0
    everywhere (0 is also taken at the jump, where there is no derivative)."""

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        return np.zeros(ctx.shape, ctx.dtype)


class Step(_PiecewiseConstant):
    """z = 1 for x ≥ 0, else 0 (Heaviside);  dz/dx = 0 everywhere."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.shape, ctx.dtype = x.shape, x.dtype
        return np.heaviside(x.array, 1).astype(x.dtype, copy=False)


class Sign(_PiecewiseConstant):
    """z = sign(x) ∈ {-1, 0, 1};  dz/dx = 0 everywhere."""

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.shape, ctx.dtype = x.shape, x.dtype
        return np.sign(x.array)


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
        return np.where(positive, x.array, x.array * slope)

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
        z = np.where(negative, alpha * np.expm1(np.minimum(x.array, 0)), x.array)
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
        scaled = x.array * beta
        with np.errstate(under="ignore"):
            z = np.maximum(scaled, 0) + np.log1p(np.exp(-np.abs(scaled)))
        if beta != 1:
            z /= beta
        ctx.linear, ctx.beta = scaled > threshold, beta
        ctx.save_for_backward(x)
        return np.where(ctx.linear, x.array, z)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        with np.errstate(under="ignore"):
            slope = (x * ctx.beta).sigmoid() if isinstance(x, Tensor) else _sigmoid(x * ctx.beta)
        return dual.where(ctx.linear, grad_output, grad_output * slope), None, None


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) on arrays, from e^(-|x|) ≤ 1 (the caller silences underflow)."""
    e = np.exp(-np.abs(x))
    d = 1 / (1 + e)
    return np.where(x >= 0, d, e * d)


class Softmax(Primitive):
    """z = eˣ / Σ_dim eˣ;  grad_x = z ⊙ (g - Σ_dim g ⊙ z) (the vector-Jacobian product).

    A primitive for stability: the largest value is subtracted first, so eˣ ≤ 1.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, dim: tuple[int, ...]) -> Any:
        with np.errstate(under="ignore"):
            e = np.exp(x.array - x.array.max(axis=dim, keepdims=True))
            z = e / e.sum(axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        z, = ctx.saved_tensors
        return z * (grad_output - (grad_output * z).sum(axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Primitive):
    """z = x - log Σ_dim eˣ;  grad_x = g - eᶻ Σ_dim g (eᶻ is the softmax).

    A primitive for stability: computed as (x - m) - log Σ e^(x - m) with m the largest
    value, the difference taken first, so log 2 survives offsets up to the largest float
    (m + log Σ … would round it away).
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, dim: tuple[int, ...]) -> Any:
        shifted = x.array - x.array.max(axis=dim, keepdims=True)
        with np.errstate(under="ignore"):
            z = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        z, = ctx.saved_tensors
        with np.errstate(under="ignore"):
            return grad_output - dual.exp(z) * grad_output.sum(axis=ctx.dim, keepdims=True), None


class NormalCDF(Primitive):
    """z = Φ(x) = ½(1 + erf(x/√2)), the standard normal distribution function;
    dz/dx = φ(x) = e^(-x²/2)/√(2π).

    A primitive because NumPy has no erf (see `_erf`); GELU is x·Φ(x).
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor) -> Any:
        ctx.save_for_backward(x)
        return 0.5 * (1 + _erf(x.array * math.sqrt(0.5)))

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        if not isinstance(x, Tensor):  # |x| ≤ 40 keeps x² finite; φ(40) is 0 anyway
            x = np.minimum(np.abs(x), 40)
        with np.errstate(under="ignore"):
            return grad_output * (dual.exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi)))


# erf on pieces [k/4, (k+1)/4) of [0, 6] as Taylor polynomials about each piece's centre, exact
# to an ulp; beyond 6, erf rounds to 1 even in float64.
_ERF_PIECE, _ERF_PIECES = 0.25, 24


@functools.lru_cache(maxsize=8)
def _erf_taylor(dtype: np.dtype[Any]) -> tuple[np.ndarray, np.ndarray]:
    """The centres c and the Taylor coefficients erf⁽ⁿ⁾(c)/n!, n = 0 … degree (row n), from
    erf' = g = (2/√π)e^(-x²), whose own coefficients follow from g' = -2xg:
    (n+1)·g_(n+1) = -2c·g_n - 2·g_(n-1)."""
    degree = 12 if np.dtype(dtype).itemsize >= 8 else 7
    c = _ERF_PIECE * (np.arange(_ERF_PIECES) + 0.5)
    g = np.zeros((degree, _ERF_PIECES))
    g[0] = 2 / math.sqrt(math.pi) * np.exp(-c * c)
    g[1] = -2 * c * g[0]
    for n in range(1, degree - 1):
        g[n + 1] = (-2 * c * g[n] - 2 * g[n - 1]) / (n + 1)
    coefficients = np.empty((degree + 1, _ERF_PIECES))
    coefficients[0] = [math.erf(v) for v in c]
    coefficients[1:] = g / np.arange(1, degree + 1)[:, None]
    return c.astype(dtype), coefficients.astype(dtype)


def _erf(v: np.ndarray) -> np.ndarray:
    """erf on an array, keeping its dtype (float64 to an ulp of math.erf)."""
    centres, coefficients = _erf_taylor(v.dtype)
    end = _ERF_PIECE * _ERF_PIECES
    u = np.fmin(np.abs(v), end)  # fmin turns NaN into `end`; it is put back at the end
    piece = np.minimum(u * (1 / _ERF_PIECE), _ERF_PIECES - 1).astype(np.intp)
    s = u - centres.take(piece)
    result = coefficients[-1].take(piece)
    for row in coefficients[-2::-1]:  # Horner
        result *= s
        result += row.take(piece)
    result = np.copysign(np.where(u < end, result, 1), v)
    return np.where(np.isnan(v), v, result)
