"""Sorting, as PyTorch's: sort, argsort, msort, topk and unique.

The order is found on the arrays (a stable sort, so ties keep their order of appearance:
PyTorch's `stable=True`, one of the orders its default allows) and the values are then
picked with `gather`, so the gradient of each value returns to the entry it came from.
NaN sorts above every number, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

from .. import _array
from ..tensor import Tensor
from . import return_types
from .indexing import gather, wrap_dim


def _order(array: Any, axis: int, descending: bool) -> Any:
    """The int64 indices that sort `array` along `axis` stably. Descending: the ascending
    stable order of the reversed array, reversed back, so that ties still keep their
    original order (negating would fail for unsigned ints, bools and NaN)."""
    xp = _array.namespace(array)
    argsort = _array.maths.standard_function(array, "argsort")
    flip = _array.maths.standard_function(array, "flip")
    int64 = _array.dtype_in(array, "int64")
    if not descending:
        return xp.astype(argsort(array, axis=axis, stable=True), int64)
    length = array.shape[axis]
    backwards = argsort(flip(array, axis=axis), axis=axis, stable=True)
    return (length - 1) - xp.astype(flip(backwards, axis=axis), int64)


def sort(x: Tensor, dim: int = -1, descending: bool = False, *,
         stable: bool = False) -> return_types.sort:
    """(values, indices): x's entries along `dim` in increasing order (decreasing with
    `descending`) and where each came from, `values = x.gather(dim, indices)`. Ties keep
    their order whatever `stable` says (PyTorch's stable order; its unstable sort may pick
    another). The gradient returns each value's to the entry it came from.

    >>> import stir
    >>> stir.tensor([2.0, 3.0, 1.0]).sort(descending=True)
    sort(values=tensor([3., 2., 1.]), indices=tensor([1, 0, 2]))
    """
    dim = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        zero = _array.namespace(x.array).zeros((), dtype=_array.dtype_in(x.array, "int64"))
        return return_types.sort(x.clone(), Tensor(zero))
    indices = Tensor(_order(x.array, dim, descending))
    return return_types.sort(gather(x, dim, indices), indices)


def argsort(x: Tensor, dim: int = -1, descending: bool = False, *,
            stable: bool = False) -> Tensor:
    """The indices of `sort`, an int64 tensor (no gradient).

    >>> import stir
    >>> stir.tensor([2.0, 3.0, 1.0]).argsort()
    tensor([2, 0, 1])
    """
    return sort(x.detach(), dim, descending, stable=stable).indices


def msort(x: Tensor) -> Tensor:
    """The values of `sort` along dimension 0."""
    return sort(x, 0).values


def topk(x: Tensor, k: int, dim: int = -1, largest: bool = True,
         sorted: bool = True) -> return_types.topk:
    """(values, indices) of the k largest entries along `dim` (smallest with
    `largest=False`), in sorted order (which `sorted=False` allows too), ties in their
    order of appearance. The gradient returns to the entries picked.

    >>> import stir
    >>> stir.tensor([1.0, 4.0, 2.0, 3.0]).topk(2)
    topk(values=tensor([4., 3.]), indices=tensor([1, 3]))
    """
    dim = wrap_dim(dim, x.ndim)
    size = x.shape[dim] if x.ndim else 1
    if not 0 <= int(k) <= size:
        raise RuntimeError(f"selected index k out of range (k = {k}, and dimension {dim} "
                           f"has size {size})")
    values, indices = sort(x, dim, descending=largest)
    if x.ndim == 0:
        return return_types.topk(values, indices)
    part = (slice(None),) * dim + (slice(0, int(k)), ...)
    return return_types.topk(values[part], indices[part])


def unique(x: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None) -> Any:
    """The distinct values of x, in increasing order, as a 1-d tensor; with `return_inverse`
    also where each entry of x is among them (x's shape), with `return_counts` how often
    each occurs. No gradient (PyTorch has no derivative for unique either).

    >>> import stir
    >>> stir.unique(stir.tensor([3, 1, 1, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 1, 1]))
    """
    if dim is not None:
        raise NotImplementedError("unique(dim=...) is not supported yet; PyTorch would "
                                  "return the unique slices along dim")
    array = x.array
    xp = _array.namespace(array)
    flat = xp.reshape(array, (-1,))
    int64 = _array.dtype_in(array, "int64")
    order = _order(flat, 0, False)
    ordered = xp.take(flat, order)
    if flat.shape[0]:
        starts = xp.concat([xp.ones((1,), dtype=xp.bool, device=_array.device(flat)),
                            ordered[1:] != ordered[:-1]])
    else:
        starts = xp.zeros((0,), dtype=xp.bool)
    values = ordered[starts]
    cumulative_sum = _array.maths.standard_function(flat, "cumulative_sum")
    group = cumulative_sum(xp.astype(starts, int64)) - 1  # each sorted entry's value
    results = [Tensor(values)]
    if return_inverse:
        inverse = _array.scatter_add(group, order, (flat.shape[0],), False)
        results.append(Tensor(xp.reshape(xp.astype(inverse, int64), array.shape)))
    if return_counts:
        results.append(Tensor(xp.astype(_array.maths.bincount(group, values.shape[0]), int64)))
    return results[0] if len(results) == 1 else tuple(results)
