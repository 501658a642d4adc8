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
        if x.shape != target.shape:
            raise ValueError(
                f"mse_loss: input of shape {x.shape} and target of shape {target.shape} differ; "
                "broadcasting them would silently compare the wrong pairs"
            )
        ctx.save_for_backward(x, target)
        ctx.reduction = reduction
        difference = x.data - target.data
        ctx.count = difference.size
        ctx.difference = difference  # reused by an ordinary backward (on arrays)
        if reduction == "none":
            return difference * difference
        total = np.vdot(difference, difference)  # Σ d², by BLAS: faster than (d * d).sum()
        return total / ctx.count if reduction == "mean" else total

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, target = ctx.saved_tensors
        need_x, need_t, _ = ctx.needs_input_grad
        # On tensors (a recorded backward) the difference is recomputed, so that a second
        # derivative sees how it depends on x and t; on arrays the forward's is reused.
        difference = x - target if isinstance(x, Tensor) else ctx.difference
        scale = 2.0 / ctx.count if ctx.reduction == "mean" else 2.0
        grad_x = difference * (grad_output * scale)
        return grad_x if need_x else None, -grad_x if need_t else None, None
