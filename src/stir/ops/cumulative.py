"""Running sums and products along a dimension (`cumsum`, `cumprod`), and the product of a
tensor's entries (`prod`), as PyTorch's.

Integer and bool inputs give int64, as in PyTorch (NumPy would keep int32); `dtype=` converts
the input first. The products' gradients are exact where entries are 0: the gradient of
Π x with respect to x_k is the product of the *other* entries, never (Π x) / x_k = 0/0.
`Cumsum` and `Cumprod` are primitives as nothing composes them in one pass.
"""

from __future__ import annotations

from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .indexing import wrap_dim
from .primitive import Primitive
from .reductions import widened
from .shapes import concatenate


def _along(name: str, x: Any, axis: int) -> Any:
    """The array-API function `name` ("cumulative_sum", "flip", ...) applied along `axis` of
    an array, or, for a tensor, the primitive or method that records it."""
    if isinstance(x, Tensor):
        if name == "cumulative_sum":
            return Cumsum.apply(x, axis)
        if name == "cumulative_prod":
            return Cumprod.apply(x, axis)
        return x.flip(axis)
    return _array.maths.standard_function(x, name)(x, axis=axis)


def _reverse_cumsum(x: Any, axis: int) -> Any:
    """Σ_{i ≥ k} x_i along `axis`: the running sum from the end (cumsum's adjoint)."""
    return _along("flip", _along("cumulative_sum", _along("flip", x, axis), axis), axis)


class Cumsum(Primitive):
    """z_k = Σ_{i ≤ k} x_i along `axis`;  grad_x_k = Σ_{i ≥ k} g_i (the running sum of the
    gradient from the end)."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axis: int) -> Any:
        ctx.axis = axis
        return _along("cumulative_sum", x.array, axis)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        return _reverse_cumsum(grad_output, ctx.axis), None


class Cumprod(Primitive):
    """z_k = Π_{i ≤ k} x_i along `axis`;  grad_x_k = Σ_{i ≥ k} g_i Π_{j ≤ i, j ≠ k} x_j.

    Before the first 0 of a slice that is (Σ_{i ≥ k} g_i z_i) / x_k; at the first 0 it is
    Σ_{i ≥ k} g_i z'_i, z' the running product with that 0 taken as 1; after it, 0 (every
    product there holds the first 0). PyTorch's rule, and exact (but for subnormal x_k, as
    there); recorded, it differentiates again exactly too (see `_cumprod_gradient`).
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, axis: int) -> Any:
        z = _along("cumulative_prod", x.array, axis)
        ctx.axis = axis
        ctx.save_for_backward(x, z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, z = ctx.saved_tensors
        return _cumprod_gradient(grad_output, x, z, ctx.axis), None


def _cumprod_gradient(g: Any, x: Any, z: Any, axis: int) -> Any:
    """grad_x of z = cumprod(x) along `axis` for the upstream g (see `Cumprod`). Recorded
    (on tensors), the entries after a slice's first 0 are that 0 times the gradient of
    the running product without it, so that their derivative in it survives."""
    values = dual.array(x)
    xp = _array.namespace(values)
    zero = values == 0
    from_end = _reverse_cumsum(g * z, axis)
    if not xp.any(zero):
        return from_end / x
    zeros_so_far = _along("cumulative_sum", xp.astype(zero, _array.dtype_in(values, "int64")),
                          axis)
    before, first = zeros_so_far == 0, zero & (zeros_so_far == 1)
    one = _array.beside(1, values, values.dtype)
    nothing = _array.beside(0, values, values.dtype)
    grad_before = from_end / dual.where(before, x, one)
    # The running product with the first 0 of each slice taken as 1.
    without = dual.where(first, one, x)
    running_without = _along("cumulative_prod", without, axis)
    grad_first = _reverse_cumsum(g * running_without, axis)
    if isinstance(x, Tensor):  # 0 · (the gradient without that 0), for its derivative
        first_zero = dual.sum(dual.where(first, x, nothing), axis=axis, keepdims=True)
        grad_after = first_zero * _cumprod_gradient(g, without, running_without, axis)
    else:
        grad_after = nothing
    return dual.where(before, grad_before, dual.where(first, grad_first, grad_after))


def _exclusive_cumprod(x: Any, axis: int) -> Any:
    """Π_{j < k} x_j along `axis` (1 for the first entry): the running product, shifted."""
    before = (slice(None),) * axis
    values = dual.array(x)
    if values.shape[axis] == 0:
        return x
    xp = _array.namespace(values)
    shape = tuple(1 if i == axis else n for i, n in enumerate(values.shape))
    ones = xp.ones(shape, dtype=values.dtype, device=_array.device(values))
    running = _along("cumulative_prod", x, axis)[before + (slice(0, -1), Ellipsis)]
    if isinstance(running, Tensor):
        return concatenate([Tensor(ones), running], axis=axis)
    return xp.concat([ones, running], axis=axis)


class Prod(Primitive):
    """z = Π x along `axis`;  dz/dx_k = Π_{j ≠ k} x_j, the product of the entries before k
    times the product of those after it: exact at zeros, with no division.

    A primitive for that exactness: (Π x) / x_k would be 0/0 at a zero, and inexact for
    tiny x_k."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axis: int) -> Any:
        ctx.axis = axis
        ctx.save_for_backward(x)
        return _array.maths.standard_function(x.array, "prod")(x.array, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, = ctx.saved_tensors
        axis = ctx.axis
        after = _along("flip", _exclusive_cumprod(_along("flip", x, axis), axis), axis)
        others = _exclusive_cumprod(x, axis) * after
        kept = tuple(1 if i == axis else n for i, n in enumerate(x.shape))
        return dual.reshape(grad_output, kept) * others, None


def cumsum(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """The running sum along `dim`: z_k = Σ_{i ≤ k} x_i, as `torch.cumsum` (dim required;
    integers and bools give int64).

    >>> import stir
    >>> stir.tensor([[1, 2], [3, 4]]).cumsum(0)
    tensor([[1, 2],
            [4, 6]])
    """
    x = widened(x, dtype)
    axis = wrap_dim(dim, x.ndim)
    return Cumsum.apply(x, axis) if x.ndim else x * 1


def cumprod(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """The running product along `dim`: z_k = Π_{i ≤ k} x_i, as `torch.cumprod`; its
    gradient is exact at zeros (see `Cumprod`).

    >>> import stir
    >>> stir.tensor([2.0, 0.0, 3.0]).cumprod(0)
    tensor([2., 0., 0.])
    """
    x = widened(x, dtype)
    axis = wrap_dim(dim, x.ndim)
    return Cumprod.apply(x, axis) if x.ndim else x * 1


def prod(x: Tensor, dim: int | None = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """Π x over all entries, or over `dim` (one int, as PyTorch's), as `torch.prod`;
    integers and bools give int64. The gradient is the product of the other entries, exact
    at zeros (see `Prod`).

    >>> import stir
    >>> x = stir.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> x.prod().backward(); x.grad
    tensor([0., 6., 0.])
    """
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): dim must be one int (PyTorch's prod reduces one dimension "
                        "or all of them)")
    x = widened(x, dtype)
    if dim is None:
        return Prod.apply(x.reshape(-1), 0)
    axis = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return x * 1
    product = Prod.apply(x, axis)
    return product.unsqueeze(axis) if keepdim else product
