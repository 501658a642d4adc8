"""Matrix products: `MatMul` for 1-D, 2-D and batched operands (NumPy's `matmul` rules), the
affine map of a layer (`Linear`), and PyTorch's products built on them with its checks:
`matmul`, `mm`, `bmm`, `mv`, `dot`, `outer`, `inner`, `t`, `trace`, `addmm`."""

from __future__ import annotations

from typing import Any

from .. import _array
from ..autograd import Context
from . import dual
from .einsum import einsum
from .primitive import Primitive
from .reductions import widened
from ..tensor import Tensor


class MatMul(Primitive):
    """z = x @ y;  dz/dx = dz @ yᵀ, dz/dy = xᵀ @ dz (on the last two dimensions).

    A 1-D left operand is a row vector and a 1-D right operand a column vector, as in NumPy;
    backward treats them as matrices and removes the added dimension again. Broadcast batch
    dimensions are summed back by the engine.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor) -> Any:
        x_array, y_array = x.array, y.array
        if x_array.ndim == 0 or y_array.ndim == 0:
            raise ValueError("matmul needs operands with at least one dimension")
        ctx.save_for_backward(x, y)
        return dual.matmul(x_array, y_array)

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
                    f"linear: bias of shape {tuple(b_data.shape)} does not fit a weight of shape "
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


# ----------------------------------------------------------------------------- PyTorch's
# products, each the matrix product of the operands it accepts, with PyTorch's checks: its
# products take no mixed dtypes (where `@` on two dtypes promotes, PyTorch raises).
_TORCH_DTYPE_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
                      "int64": "long int", "int32": "int", "int16": "short int",
                      "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _same_dtype(x: Tensor, y: Tensor, kernel: str = "addmm_impl_cpu_",
                bool_allowed: bool = False) -> None:
    """PyTorch's checks of a product's operands: one dtype, and not bool (named as its
    kernel is, in its message) unless `bool_allowed` (an empty product: PyTorch checks in
    the kernel, which it then skips)."""
    if _array.kind(x.dtype) == "b" and not bool_allowed:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\' (as in PyTorch: '
                                  "convert the operands with .int() or .float() first)")
    if x.dtype != y.dtype:
        first, second = (_TORCH_DTYPE_NAMES.get(str(t.dtype), str(t.dtype)) for t in (x, y))
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {first} != "
                           f"{second} (as in PyTorch: convert one with .to(other.dtype))")


def _shape_text(x: Tensor) -> str:
    return "x".join(str(n) for n in x.shape)


def matmul(x: Tensor, y: Any) -> Tensor:
    """x @ y, as `torch.matmul`: 1-D operands are vectors, batch dimensions broadcast;
    operands of different dtypes raise, as in PyTorch.

    >>> import stir
    >>> stir.matmul(stir.ones(2, 3), stir.ones(3))
    tensor([3., 3.])
    """
    y = y if isinstance(y, Tensor) else Tensor(_array.beside(y, x.array))
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{x.ndim}D and {y.ndim}D")
    if y.ndim > 2 and not (x.numel() and y.numel()) and x.dtype != y.dtype:
        # PyTorch's batched product of nothing takes the second operand's dtype (where its
        # other products refuse two dtypes).
        return MatMul.apply(x.to(y.dtype), y)
    kernels = {(1, 1): "dot", (2, 1): "addmv_impl_cpu", (1, 2): "addmm_impl_cpu_",
               (2, 2): "addmm_impl_cpu_"}
    kernel = kernels.get((x.ndim, y.ndim), "bmm")
    # PyTorch refuses bools in its kernels, which an empty product never reaches (but dot's).
    empty = not (x.numel() and y.numel())
    _same_dtype(x, y, kernel, bool_allowed=empty and kernel != "dot")
    inner_x = x.shape[-1]
    inner_y = y.shape[0] if y.ndim == 1 else y.shape[-2]
    if inner_x != inner_y:
        if x.ndim <= 2 and y.ndim <= 2:
            rows = x.shape[0] if x.ndim == 2 else 1
            if y.ndim == 1:
                raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{inner_x}), "
                                   f"vec ({inner_y})")
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{inner_x} "
                               f"and {_shape_text(y)})")
        raise RuntimeError(f"matmul: the last dimension of the first operand ({inner_x}) "
                           f"must equal the {'only' if y.ndim == 1 else 'next-to-last'} "
                           f"dimension of the second ({inner_y}); shapes {tuple(x.shape)} "
                           f"and {tuple(y.shape)}")
    return MatMul.apply(x, y)


def mm(x: Tensor, y: Tensor) -> Tensor:
    """z_ik = Σ_j x_ij y_jk, the product of two matrices (2-D only), as `torch.mm`.

    >>> import stir
    >>> stir.mm(stir.tensor([[1.0, 2.0]]), stir.tensor([[3.0], [4.0]]))
    tensor([[11.]])
    """
    if x.ndim != 2:
        raise RuntimeError(f"self must be a matrix (mm takes 2-D operands; this one is "
                           f"{x.ndim}-D: use matmul or @ for vectors and batches)")
    if y.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix (mm takes 2-D operands; this one is "
                           f"{y.ndim}-D)")
    _same_dtype(x, y, bool_allowed=not (x.numel() and y.numel()))
    if x.shape[1] != y.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(x)} and "
                           f"{_shape_text(y)})")
    return MatMul.apply(x, y)


def bmm(x: Tensor, y: Tensor) -> Tensor:
    """z_bik = Σ_j x_bij y_bjk, the batched product of (b, n, m) and (b, m, p) tensors (no
    broadcasting), as `torch.bmm`.

    >>> import stir
    >>> stir.bmm(stir.ones(2, 1, 3), stir.ones(2, 3, 1)).shape
    stir.Size([2, 1, 1])
    """
    for name, t in (("batch1", x), ("batch2", y)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor (got {t.ndim}D)")
    _same_dtype(x, y, "bmm", bool_allowed=not (x.numel() and y.numel()))
    if y.shape[0] != x.shape[0] or y.shape[1] != x.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{x.shape[0]}, {x.shape[2]}] but got: [{y.shape[0]}, {y.shape[1]}].")
    return MatMul.apply(x, y)


def mv(x: Tensor, y: Tensor) -> Tensor:
    """z_i = Σ_j x_ij y_j, matrix times vector, (n, m) @ (m,) → (n,), as `torch.mv`.

    >>> import stir
    >>> stir.mv(stir.tensor([[1.0, 2.0], [3.0, 4.0]]), stir.tensor([1.0, 1.0]))
    tensor([3., 7.])
    """
    if x.ndim != 2 or y.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {x.ndim}, {y.ndim}")
    _same_dtype(x, y, "addmv_impl_cpu", bool_allowed=not (x.numel() and y.numel()))
    if x.shape[1] != y.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({x.shape[0]}), mat ({_shape_text(x)}), "
                           f"vec ({y.shape[0]})")
    return MatMul.apply(x, y)


def dot(x: Tensor, y: Tensor) -> Tensor:
    """Σ xᵢyᵢ of two 1-D tensors of one length and dtype, a 0-d tensor, as `torch.dot`.

    >>> import stir
    >>> stir.dot(stir.tensor([1.0, 2.0]), stir.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors")
    if _array.kind(x.dtype) == "b":
        _same_dtype(x, y, "dot")
    if x.dtype != y.dtype:
        first, second = (_TORCH_DTYPE_NAMES.get(str(t.dtype), str(t.dtype)) for t in (x, y))
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{first.title()} and {second.title()}")
    if x.shape[0] != y.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src "
                           f"[{y.shape[0]}] to have the same number of elements, but got "
                           f"{x.shape[0]} and {y.shape[0]} elements respectively")
    return MatMul.apply(x, y)


def outer(x: Tensor, y: Tensor) -> Tensor:
    """The outer product z_ij = xᵢyⱼ of two 1-D tensors, as `torch.outer` (dtypes promote,
    as in PyTorch's).

    >>> import stir
    >>> stir.outer(stir.tensor([1.0, 2.0]), stir.tensor([1.0, 10.0]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    for name, t in (("self", x), ("vec2", y)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t.ndim}-D")
    return x.reshape(-1, 1) * y.reshape(1, -1)


def inner(x: Tensor, y: Tensor) -> Tensor:
    """Σ over the last dimension of both, z[i…, j…] = Σ_k x[i…, k] y[j…, k], as `torch.inner`
    (a 0-d operand multiplies)."""
    if x.ndim == 0 or y.ndim == 0:
        return x * y
    if x.shape[-1] != y.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(x.shape)} and {list(y.shape)}")
    letters = "abcdefghijklmnopqrstuvwxy"
    left, right = letters[:x.ndim - 1], letters[x.ndim - 1:x.ndim + y.ndim - 2]
    return einsum(f"{left}z,{right}z->{left}{right}", x, y)


def t(x: Tensor) -> Tensor:
    """The transpose of a matrix; a 0-d or 1-D tensor as it is, as `torch.t` (PyTorch
    refuses more dimensions: use transpose or permute).

    >>> import stir
    >>> stir.ones(2, 3).t().shape
    stir.Size([3, 2])
    """
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return x.transpose(0, 1) if x.ndim == 2 else x


def trace(x: Tensor) -> Tensor:
    """Σᵢ x_ii, the sum of a matrix's diagonal (integers give int64), as `torch.trace`.

    >>> import stir
    >>> stir.tensor([[1.0, 2.0], [3.0, 4.0]]).trace()
    tensor(5.)
    """
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    x = widened(x)
    size = min(x.shape)  # a rectangle's diagonal: as long as its shorter side
    return einsum("ii->", x[:size, :size])


def addmm(input: Tensor, x: Tensor, y: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """β·input + α·(x @ y), x and y matrices and input broadcasting to their product, as
    `torch.addmm` (with β = 0, input is ignored, NaN included).

    >>> import stir
    >>> stir.addmm(stir.ones(2), stir.eye(2), stir.eye(2), beta=0.5, alpha=2)
    tensor([[2.5, 0.5],
            [0.5, 2.5]])
    """
    product = mm(x, y)
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # PyTorch ignores input then, NaN and inf in it included
        return product
    return (input if beta == 1 else input * beta) + product
