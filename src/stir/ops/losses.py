"""Loss primitives: the maths of a loss fused into one node, for speed and stability."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context
from ..tensor import Tensor
from .primitive import Primitive

REDUCTIONS = ("mean", "sum", "none")


class MSELoss(Primitive):
    """L = reduce((x - t)²) with reduce = mean, sum or none;
    dL/dx = 2(x - t)·g / n (n = number of elements for the mean, 1 otherwise), dL/dt = -dL/dx.

    A primitive for speed: one node instead of difference, square and mean.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, target: Tensor, reduction: str) -> Any:
        if reduction not in REDUCTIONS:
            raise ValueError(f"mse_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        x_data, target_data = x.data, target.data
        if x_data.shape != target_data.shape:
            raise ValueError(
                f"mse_loss: input of shape {x.shape} and target of shape {target.shape} differ; "
                "broadcasting them would silently compare the wrong pairs"
            )
        ctx.save_for_backward(x, target)
        difference = x_data - target_data
        count = difference.size
        ctx.reduction, ctx.count = reduction, count
        ctx.difference = difference  # reused by an ordinary backward (on arrays)
        if reduction == "none":
            return difference * difference
        total = np.vdot(difference, difference)  # Σ d², by BLAS: faster than (d * d).sum()
        # A 0-d array rather than NumPy's scalar, so that it becomes the output as it is.
        return np.asarray(total / count if reduction == "mean" else total)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, target = ctx.saved_tensors
        need_x, need_t, _ = ctx.needs_input_grad
        # On tensors (a recorded backward) the difference is recomputed, so that a second
        # derivative sees how it depends on x and t; on arrays the forward's is reused.
        scale = 2.0 / ctx.count if ctx.reduction == "mean" else 2.0
        if isinstance(x, Tensor):
            difference, factor = x - target, grad_output * scale
        else:
            difference = ctx.difference
            # A 0-d gradient as NumPy's scalar: the same product, without a ufunc call.
            factor = (grad_output[()] if grad_output.ndim == 0 else grad_output) * scale
        grad_x = difference * factor
        return grad_x if need_x else None, -grad_x if need_t else None, None


class HuberLoss(Primitive):
    """L = reduce(h(x - t)), h(d) = ½d² where |d| < δ, else δ(|d| - ½δ); with reduce = mean,
    sum or none, dL/dx = clip(d, -δ, δ)·g / n (n as for MSELoss), dL/dt = -dL/dx.

    A primitive for speed (one node instead of seven) and for the gradient at d = ±∞, which
    clip gives as ±δ (PyTorch's) where a composition meets 0·∞ = NaN.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, target: Tensor, reduction: str, delta: float) -> Any:
        difference = x.data - target.data
        size = np.abs(difference)
        with np.errstate(invalid="ignore"):  # NaN compares false: the linear branch, NaN
            losses = np.where(size < delta, 0.5 * difference * difference,
                              delta * (size - 0.5 * delta))
        ctx.save_for_backward(x, target)
        ctx.reduction, ctx.delta, ctx.count = reduction, delta, difference.size
        ctx.clipped = np.clip(difference, -delta, delta)  # reused by an ordinary backward
        if reduction == "none":
            return losses
        total = losses.sum()
        return np.asarray(total * (1.0 / ctx.count) if reduction == "mean" else total)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, target = ctx.saved_tensors
        need_x, need_t, _, _ = ctx.needs_input_grad
        scale = 1.0 / ctx.count if ctx.reduction == "mean" else 1.0
        if isinstance(x, Tensor):  # recorded: a second derivative sees clip's own
            clipped, factor = (x - target).clip(-ctx.delta, ctx.delta), grad_output * scale
        else:
            clipped = ctx.clipped
            factor = (grad_output[()] if grad_output.ndim == 0 else grad_output) * scale
        grad_x = clipped * factor
        return grad_x if need_x else None, -grad_x if need_t else None, None, None
