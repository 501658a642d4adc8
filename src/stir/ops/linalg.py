"""Matrix product for 1-D, 2-D and batched operands, with NumPy's `matmul` rules."""

from __future__ import annotations

from typing import Any

from .. import _array
from ..autograd import Context
from . import dual
from .primitive import Primitive
from ..tensor import Tensor


class MatMul(Primitive):
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
        return dual.matmul(x.array, y.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        x2 = dual.reshape(x, (1, -1)) if x.ndim == 1 else x
        y2 = dual.reshape(y, (-1, 1)) if y.ndim == 1 else y
        # The gradient as if both operands were matrices: put back the dimensions that the
        # product of a vector removed.
        if x.ndim == 1 and y.ndim == 1:
            g = dual.reshape(grad_output, (1, 1))
        elif x.ndim == 1:
            g = grad_output[..., None, :]
        elif y.ndim == 1:
            g = grad_output[..., None]
        else:
            g = grad_output
        grad_x = grad_y = None
        if need_x:
            grad_x = dual.matmul(g, y2.mT)
            if x.ndim == 1:
                grad_x = dual.squeeze(grad_x, -2)
        if need_y:
            grad_y = dual.matmul(x2.mT, g)
            if y.ndim == 1:
                grad_y = dual.squeeze(grad_y, -1)
        return grad_x, grad_y


class Linear(Primitive):
    """z = x @ Wᵀ + b, the affine map of a layer (W has shape (out, in), as in PyTorch);
    dz/dx = dz @ W, dz/dW = Σ dzᵀ x over the batch, dz/db = Σ dz over the batch.

    A primitive for speed: one node instead of transpose, product and sum, and the bias is
    added in place into the product's fresh array.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, weight: Tensor, bias: Tensor | None) -> Any:
        x_data, w_data = x.array, weight.array
        x_shape, w_shape = x_data.shape, w_data.shape
        if len(w_shape) != 2:
            raise ValueError(f"linear: the weight must be a matrix, got shape {w_shape}")
        if not x_shape or x_shape[-1] != w_shape[1]:
            raise ValueError(
                f"linear: input of shape {x_shape} does not fit a weight of shape "
                f"{w_shape} (its last dimension must be {w_shape[1]})"
            )
        ctx.save_for_backward(x, weight)
        z = dual.matmul(x_data, w_data.T)  # x @ Wᵀ, sooner for matrices
        if bias is not None:
            b_data = bias.array
            if b_data.shape != w_shape[:1]:
                raise ValueError(
                    f"linear: bias of shape {b_data.shape} does not fit a weight of shape "
                    f"{w_shape} (it must be ({w_shape[0]},))"
                )
            z += b_data
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        n_out, n_in = weight.shape
        # The batch dimensions flattened (a matrix already, in the common case).
        rows = grad_output if grad_output.ndim == 2 else dual.reshape(grad_output, (-1, n_out))
        grad_x = dual.matmul(grad_output, weight) if need_x else None
        if need_w:
            grad_w = dual.matmul(rows.T, x if x.ndim == 2 else dual.reshape(x, (-1, n_in)))
        else:
            grad_w = None
        if need_b:  # (on arrays straight to the seam's sum_rows: one call fewer per layer)
            grad_b = dual.sum_rows(rows) if isinstance(rows, Tensor) else _array.sum_rows(rows)
        else:
            grad_b = None
        return grad_x, grad_w, grad_b
