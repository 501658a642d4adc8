"""Spread and size, as PyTorch's: `var`, `std` (and `var_mean`, `std_mean`), and `norm`.

Each is composed from the reductions, except for one primitive, `Root`, the n-th root whose
derivative is taken as 0 where its argument is 0: PyTorch's convention for the gradient of
`std` of equal entries and of `norm` at the origin (plain √ would give 0·∞ = NaN there).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive
from .reductions import amax, amin, mean, normalize_axes, sum


class Root(Primitive):
    """z = s^(1/n) (n ≥ 1);  dz/ds = z / (n s) = 1 / (n z^(n-1)), taken as 0 where s = 0.

    A primitive for that convention: it is PyTorch's for `std` of equal entries and for
    `norm` at 0, where both are at a kink (or a cusp) and the gradient chosen is 0.
    """

    @staticmethod
    def forward(ctx: Context, s: Tensor, n: float) -> Any:
        xp = _array.namespace(s.array)
        z = xp.sqrt(s.array) if n == 2 else s.array ** (1.0 / n)
        ctx.n = n
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        z, = ctx.saved_tensors
        values = dual.array(z)
        zero = values == 0
        one = _array.beside(1, values, values.dtype)
        power = z if ctx.n == 2 else z ** (ctx.n - 1)
        grad = grad_output / (dual.where(zero, one, power) * ctx.n)
        return dual.where(zero, _array.beside(0, values, values.dtype), grad), None


def _floating_only(name: str, x: Tensor, message: str) -> None:
    if not _array.is_floating(x.array):
        raise RuntimeError(f"{name}: {message}, got {x.dtype} (as in PyTorch: convert the "
                           "input with .float() first)")


def _correction(unbiased: Any, correction: Any) -> float:
    if unbiased is not None and correction is not None:
        raise TypeError("var/std: pass either unbiased or correction, not both")
    if correction is not None:
        return float(correction)
    return 1.0 if unbiased is None or unbiased else 0.0


def _variance(name: str, x: Tensor, dim: Any, unbiased: Any, keepdim: bool,
              correction: Any) -> tuple[Tensor, Tensor]:
    """(variance, mean) over `dim`: Σ (x - x̄)² / max(0, n - correction)."""
    if isinstance(dim, bool):  # PyTorch's var(unbiased) form: x.var(False)
        dim, unbiased = None, dim
    _floating_only(f"{name}()", x, "std and var only support floating point dtypes")
    axes = normalize_axes(dim, x.ndim)
    count = math.prod([x.shape[a] for a in axes])
    freedom = count - _correction(unbiased, correction)
    if freedom <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=4)
    centre = mean(x, axes, True)
    deviation = x - centre
    total = sum(deviation * deviation, axes, keepdim)
    with _array.errstate(invalid="ignore", divide="ignore"):
        variance = total * (1.0 / freedom) if freedom > 0 else total * math.inf
    return variance, centre if keepdim else centre.reshape(variance.shape)


def var(x: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """The variance Σ (x - x̄)² / (n - c) over `dim` (all entries by default; an int or a
    tuple), c = `correction`: 1 by default (unbiased), 0 with `unbiased=False`, as
    `torch.var`. Where n - c ≤ 0 the result is NaN (or inf), with PyTorch's warning.

    >>> import stir
    >>> stir.tensor([1.0, 2.0, 4.0]).var(), stir.tensor([1.0, 2.0, 4.0]).var(correction=0)
    (tensor(2.3333333), tensor(1.5555556))
    """
    return _variance("var", x, dim, unbiased, keepdim, correction)[0]


def std(x: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
        correction: Any = None) -> Tensor:
    """The standard deviation √var (see `var`), as `torch.std`; its gradient where all
    entries are equal is 0, as PyTorch's.

    >>> import stir
    >>> stir.tensor([[1.0, 3.0], [2.0, 2.0]]).std(dim=1)
    tensor([1.4142135, 0.       ])
    """
    return Root.apply(_variance("std", x, dim, unbiased, keepdim, correction)[0], 2)


def var_mean(x: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    """(var, mean) over `dim`, as `torch.var_mean` (a plain tuple, as there)."""
    return _variance("var_mean", x, dim, unbiased, keepdim, correction)


def std_mean(x: Tensor, dim: Any = None, unbiased: Any = None, keepdim: bool = False, *,
             correction: Any = None) -> tuple[Tensor, Tensor]:
    """(std, mean) over `dim`, as `torch.std_mean` (a plain tuple, as there)."""
    variance, centre = _variance("std_mean", x, dim, unbiased, keepdim, correction)
    return Root.apply(variance, 2), centre


def norm(x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """The p-norm (Σ |x|^p)^(1/p) over `dim` (all entries by default), as `torch.norm`:
    p = 2 or 'fro' (the default) the Euclidean length, 1 the sum of |x|, inf the largest |x|,
    -inf the smallest, 0 the count of nonzero entries. Its gradient at 0 is 0, as PyTorch's.
    'nuc' (the nuclear norm) needs singular values, which stir does not compute.

    >>> import stir
    >>> x = stir.tensor([[3.0, 4.0], [0.0, 0.0]], requires_grad=True)
    >>> n = x.norm(dim=1); n.sum().backward(); n, x.grad
    (tensor([5., 0.], grad_fn=Root), tensor([[0.6, 0.8],
            [0. , 0. ]]))
    """
    if dtype is not None:
        x = x.to(dtype)
    if isinstance(p, str):
        if p == "nuc":
            raise NotImplementedError("norm(p='nuc'): the nuclear norm needs singular values, "
                                      "which stir does not compute")
        if p != "fro":
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                               f"{' '.join(str(d) for d in dim)}")
        p = 2
    _floating_only("linalg.vector_norm", x, "expected a floating point tensor as input")
    axes = normalize_axes(dim, x.ndim)
    p = float(p)
    if p == 2:
        return Root.apply(sum(x * x, axes, keepdim), 2)
    if p == math.inf:
        return amax(x.abs(), axes, keepdim)
    if p == -math.inf:
        return amin(x.abs(), axes, keepdim)
    if p == 0:  # a count: no gradient, as in PyTorch
        return Tensor(_array.namespace(x.array).sum(
            _array.namespace(x.array).astype(x.array != 0, x.array.dtype),
            axis=axes, keepdims=keepdim))
    if p == 1:
        return sum(x.abs(), axes, keepdim)
    return Root.apply(sum(x.abs() ** p, axes, keepdim), p)
