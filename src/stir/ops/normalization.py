"""`Normalize`: x standardised over some axes, then scaled and shifted, as one primitive
(batch, layer and group normalisation all call it; `stir.nn.functional.normalization`
states their formulas). It is a primitive for speed: composed of means, differences and
products, the forward makes ~8 arrays and the backward walks ~15 nodes; fused, the backward
is the closed form below. It also moves a batch norm's running statistics, so that
`stir.compile`, which repeats every primitive's forward, repeats that update too.
"""

from __future__ import annotations

import functools
import string
from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive

Axes = tuple[int, ...]
_ndarray = _array.NDARRAY


def _viewed(value: Any, shape: tuple[int, ...] | None) -> Any:
    """A weight or bias laid out to broadcast against x (None: as it is)."""
    if value is None or shape is None:
        return value
    return dual.reshape(value, shape)


def _statistics(x: Any, axes: Axes, eps: float) -> tuple[Any, Any]:
    """The mean over `axes` and 1/√(biased variance + eps), kept as size-1 axes."""
    count = _count(x.shape, axes)
    mean = dual.sum(x, axes, keepdims=True) / count
    centred = x - mean
    variance = dual.sum(centred * centred, axes, keepdims=True) / count
    return mean, (variance + eps) ** -0.5


def _reduced(axes: Axes, *operands: Any) -> Any:
    """Σ over `axes` of the product of arrays of one shape, the size-1 axes kept: by einsum,
    which on NumPy is ~5× faster than `sum` over axes that are not the last (its float32
    sums are as accurate there)."""
    equation, kept = _reduction(tuple(operands[0].shape), axes, len(operands))
    total = _array.maths.einsum(equation, *operands)
    return total.reshape(kept) if type(total) is _ndarray else (
        _array.namespace(total).reshape(total, kept))


@functools.lru_cache(maxsize=256)
def _reduction(shape: tuple[int, ...], axes: Axes, operands: int
               ) -> tuple[str, tuple[int, ...]]:
    """The einsum equation of `_reduced`, and the shape its result is laid out as."""
    letters = string.ascii_letters[:len(shape)]
    kept = "".join(letter for axis, letter in enumerate(letters) if axis not in axes)
    return (",".join([letters] * operands) + "->" + kept,
            tuple(1 if axis in axes else size for axis, size in enumerate(shape)))


def _constant_over(w: Any, axes: Axes, ndim: int) -> bool:
    """Whether a weight laid out as `w` is constant over `axes` of an input of `ndim`."""
    lead = ndim - w.ndim
    return all(axis < lead or w.shape[axis - lead] == 1 for axis in axes)


def _count(shape: Any, axes: Axes) -> int:
    count = 1
    for axis in axes:
        count *= shape[axis]
    return count


def _update_running(x: Any, axes: Axes, mean: Any, variance: Any, running_mean: Tensor,
                    running_var: Tensor, counter: Tensor | None,
                    momentum: float | None) -> None:
    """running ← (1 − m)·running + m·batch, in place, with the batch's unbiased variance;
    m = 1/(batches seen, this one included) when momentum is None (a cumulative average).
    Done inside the forward so that a replay of the step (stir.compile) does it again."""
    if counter is not None:
        _array.update("add", counter.array, 1)
        counter._version[0] += 1
    if momentum is None:
        momentum = 1.0 / float(counter.array) if counter is not None else 0.0
    count = _count(x.shape, axes)
    unbiased = variance * (count / (count - 1))
    for buffer, batch in ((running_mean, mean), (running_var, unbiased)):
        target = buffer.array
        batch = _array.namespace(target).reshape(batch, target.shape)
        _array.copy_into(target, (1 - momentum) * target + momentum * batch)
        buffer._version[0] += 1


def _summed_to(g: Any, like: Tensor | Any, shape: tuple[int, ...] | None, ndim: int) -> Any:
    """g (x's shape, or with size-1 axes) summed over the axes a weight of `like`'s shape,
    viewed as `shape`, broadcasts along; laid out as `like`."""
    view = tuple(shape) if shape is not None else tuple(like.shape)
    view = (1,) * (ndim - len(view)) + view
    axes = tuple(a for a in range(ndim) if view[a] == 1 and g.shape[a] != 1)
    if axes:
        g = dual.sum(g, axes, keepdims=True)
    return dual.reshape(g, tuple(like.shape))


class Normalize(Primitive):
    """y = x̂·w + b, x̂ = (x − μ)/√(σ² + eps), μ and σ² (biased) over `axes`; w and b (either
    may be None) viewed as `shape` (None: as they are) broadcast against x. With running
    buffers, they move towards μ and the unbiased σ² (see `_update_running`).

    Backward, with g = dy·w and means over `axes`:
    dx = (g − mean(g) − x̂·mean(g·x̂))/√(σ² + eps), dw = Σ dy·x̂, db = Σ dy (over the axes w
    broadcasts along). On tensors (create_graph) μ and σ are recomputed from x, so the
    backward is itself differentiable; on arrays the forward's are reused."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, weight: Tensor | None, bias: Tensor | None,
                running_mean: Tensor | None, running_var: Tensor | None,
                counter: Tensor | None, axes: Axes, shape: tuple[int, ...] | None,
                momentum: float | None, eps: float) -> Any:
        a = x.array
        xp = _array.namespace(a)
        count = _count(a.shape, axes)
        mean = _reduced(axes, a) / count
        y = a - mean
        variance = _reduced(axes, y, y) / count
        invstd = 1 / xp.sqrt(variance + eps)
        w = _viewed(weight.array, shape) if weight is not None else None
        if w is not None and _constant_over(w, axes, a.ndim):
            _array.update("mul", y, invstd * w)  # one pass: the factor is per channel
        else:
            _array.update("mul", y, invstd)
            if w is not None:
                _array.update("mul", y, w)
        if bias is not None:
            _array.update("add", y, _viewed(bias.array, shape))
        if running_mean is not None and running_var is not None:
            _update_running(a, axes, mean, variance, running_mean, running_var, counter,
                            momentum)
        ctx.axes, ctx.shape, ctx.eps, ctx.mean, ctx.invstd = axes, shape, eps, mean, invstd
        ctx.save_for_backward(x, weight, bias)
        return y

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, weight, bias = ctx.saved_tensors
        axes, shape = ctx.axes, ctx.shape
        w = _viewed(weight, shape)
        constant = w is None or _constant_over(w, axes, x.ndim)
        if constant and not isinstance(grad_output, Tensor):
            return _per_channel_backward(ctx, grad_output, x, weight, bias, w)
        if isinstance(grad_output, Tensor):
            mean, invstd = _statistics(x, axes, ctx.eps)
        else:
            mean, invstd = ctx.mean, ctx.invstd
        count = _count(x.shape, axes)
        xhat = (x - mean) * invstd
        projected = None  # Σ dy·x̂ over `axes`, when it is also what dw needs
        if constant:  # (batch norm) the sums of g = dy·w are w times those of dy
            total = dual.sum(grad_output, axes, keepdims=True)
            projected = dual.sum(grad_output * xhat, axes, keepdims=True)
            scale = invstd if w is None else w * invstd
            grad_x = (grad_output - (total / count + xhat * (projected / count))) * scale
        else:
            g = grad_output * w
            grad_x = (g - (dual.sum(g, axes, keepdims=True) / count
                           + xhat * (dual.sum(g * xhat, axes, keepdims=True) / count))
                      ) * invstd
        grad_weight = grad_bias = None
        if weight is not None and ctx.needs_input_grad[1]:
            products = projected if projected is not None else grad_output * xhat
            grad_weight = _summed_to(products, weight, shape, x.ndim)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = _summed_to(grad_output, bias, shape, x.ndim)
        return grad_x, grad_weight, grad_bias


def _per_channel_backward(ctx: Context, grad_output: Any, x: Any, weight: Any, bias: Any,
                          w: Any) -> tuple[Any, Any, Any]:
    """`Normalize.backward` on arrays when w is constant over the axes (batch norm), in
    the fewest passes over x: with c = x − μ, s₁ = Σ dy, s₂ = Σ dy·c and k = w/σ,
    dx = k·dy − (k·s₂/(n·σ²))·c − k·s₁/n, each factor per channel."""
    axes, invstd = ctx.axes, ctx.invstd
    count = _count(x.shape, axes)
    centred = x - ctx.mean
    total = _reduced(axes, grad_output)
    projected = _reduced(axes, grad_output, centred) * invstd  # Σ dy·x̂
    scale = invstd if w is None else w * invstd
    _array.update("mul", centred, scale * invstd * (projected / -count))
    grad_x = grad_output * scale
    _array.update("add", grad_x, centred)
    _array.update("add", grad_x, scale * (total / -count))
    grad_weight = grad_bias = None
    if weight is not None and ctx.needs_input_grad[1]:
        grad_weight = _summed_to(projected, weight, ctx.shape, x.ndim)
    if bias is not None and ctx.needs_input_grad[2]:
        grad_bias = _summed_to(total, bias, ctx.shape, x.ndim)
    return grad_x, grad_weight, grad_bias
