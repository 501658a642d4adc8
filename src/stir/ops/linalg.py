"""Matrix product for 1-D, 2-D and batched operands, with NumPy's `matmul` rules."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context, Function
from ..tensor import Tensor


class MatMul(Function):
    """z = x @ y;  dz/dx = dz @ yᵀ, dz/dy = xᵀ @ dz (on the last two dimensions).

    A 1-D left operand is a row vector and a 1-D right operand a column vector, as in NumPy;
    backward treats them as matrices and removes the added dimension again. Broadcast batch
    dimensions are summed back by the engine.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError("matmul needs operands with at least one dimension")
        ctx.save_for_backward(x, y)
        return np.matmul(x.data, y.data)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        y2 = y.reshape(-1, 1) if y.ndim == 1 else y
        # The gradient as if both operands were matrices: put back the dimensions that the
        # product of a vector removed.
        if x.ndim == 1 and y.ndim == 1:
            g = grad_output.reshape(1, 1)
        elif x.ndim == 1:
            g = grad_output.unsqueeze(-2)
        elif y.ndim == 1:
            g = grad_output.unsqueeze(-1)
        else:
            g = grad_output
        grad_x = grad_y = None
        if need_x:
            grad_x = g @ y2.mT
            if x.ndim == 1:
                grad_x = grad_x.squeeze(-2)
        if need_y:
            grad_y = x2.mT @ g
            if y.ndim == 1:
                grad_y = grad_y.squeeze(-1)
        return grad_x, grad_y
