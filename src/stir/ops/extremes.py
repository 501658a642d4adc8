"""The largest, smallest and middle entries with where they are, as PyTorch's: `max(dim)`,
`min(dim)` and `median(dim)` return a named tuple `(values, indices)`, and `argmax`,
`argmin` the indices alone.

The index of each extreme is its first occurrence (the first NaN, where a slice holds one:
NaN is the extreme of any slice it is in), as PyTorch's on the CPU. The values are then
picked with `gather`, so the gradient goes to that one index, as PyTorch's; the reductions
without a dimension (`x.max()`, `amax`) share it evenly between ties instead (see
`reductions.Max`).
"""

from __future__ import annotations

from typing import Any

from .. import _array
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from .indexing import gather, wrap_dim
from .return_types import aminmax_result, max_result, median_result, min_result
from .reductions import (
    Max, Min, max_values, min_values, normalize_axes, reduced_nonempty,
)


_RESULTS = {"max": max_result, "min": min_result}
_INT64 = "int64"


def _nonempty(name: str, x: Tensor) -> None:
    """PyTorch's error for the extreme of no entries at all, when no dim is given."""
    if x.numel() == 0:
        error = IndexError if name.startswith("arg") else RuntimeError  # (as PyTorch)
        raise error(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                    "Specify the reduction dim with the 'dim' argument.")


def _indices(name: str, array: Any, axis: int | None, keepdims: bool) -> Any:
    """argmax or argmin of an array as int64: its first occurrence, NaN counting as the
    extreme (NumPy's rule, and PyTorch's)."""
    xp = _array.namespace(array)
    find = xp.argmax if name == "max" else xp.argmin
    return xp.astype(find(array, axis=axis, keepdims=keepdims), _array.dtype_in(array, _INT64))


def extreme(name: str, x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """`torch.max` and `torch.min` in their three forms: with no dim the extreme of all
    entries (a 0-d tensor; ties share the gradient), with a tensor `other` the elementwise
    maximum or minimum, with an int dim the named tuple (values, indices)."""
    if isinstance(dim, Tensor):
        return x.maximum(dim) if name == "max" else x.minimum(dim)
    if dim is None:
        if keepdim:
            raise TypeError(f"{name}(): keepdim needs a dim (as in PyTorch)")
        _nonempty(name, x)
        return (max_values if name == "max" else min_values)(x)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): dim must be one int, as in PyTorch; amax/amin reduce "
                        "several dimensions")
    axis = wrap_dim(dim, x.ndim)
    result = _RESULTS[name]
    if x.ndim == 0:
        zero = _array.namespace(x.array).zeros((), dtype=_array.dtype_in(x.array, _INT64))
        return result(x * 1 if x.requires_grad else x, Tensor(zero))
    reduced_nonempty(name, x, (axis,))
    return result(*_picked(x, axis, _indices(name, x.array, axis, True), keepdim))


def _picked(x: Tensor, axis: int, index: Any, keepdim: bool) -> tuple[Tensor, Tensor]:
    """(values, indices): x's entries at the int64 `index` along `axis` (of size 1 there),
    picked with gather, so the gradient goes to them; without keepdim, that axis removed."""
    if x.requires_grad and is_grad_enabled():
        values = gather(x, axis, Tensor(index))
    else:  # (nothing to record: straight from the arrays, as a classifier's loop asks)
        values = Tensor(_array.namespace(x.array).take_along_axis(x.array, index, axis=axis))
    if keepdim:
        return values, Tensor(index)
    xp = _array.namespace(index)
    values = values.squeeze(axis) if values.requires_grad else Tensor(
        xp.squeeze(values.array, axis=axis))
    return values, Tensor(xp.squeeze(index, axis=axis))


def arg_extreme(name: str, x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """`argmax`/`argmin`: the int64 index of the first largest/smallest entry over `dim`, or
    of all entries flattened (shaped as x's number of dimensions in ones with keepdim)."""
    function = f"arg{name}"
    if _array.kind(x.array.dtype) == "b":
        raise RuntimeError(f"{function}(): does not support bool input (as in PyTorch; "
                           "convert it with .int() first)")
    array = x.array
    if dim is None:
        _nonempty(function, x)
        flat = _indices(name, _array.namespace(array).reshape(array, (-1,)), 0, False)
        return Tensor(_array.namespace(flat).reshape(flat, (1,) * x.ndim) if keepdim else flat)
    axis = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return Tensor(_array.namespace(array).zeros((), dtype=_array.dtype_in(array, _INT64)))
    reduced_nonempty(function, x, (axis,))
    return Tensor(_indices(name, array, axis, keepdim))


def median(x: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The lower median: the ⌊(n-1)/2⌋-th smallest of the n entries over `dim` (NaN where a
    slice holds one), as `torch.median`. Without dim a 0-d tensor (NaN when x is empty);
    with it the named tuple (values, indices), the index of an entry holding the median
    (PyTorch does not say which of tied entries; here, of a stable sort's order). The
    gradient goes to that entry.

    >>> import stir
    >>> stir.tensor([[3.0, 1.0, 2.0, 5.0]]).median(1)
    median(values=tensor([2.]), indices=tensor([2]))
    """
    if dim is None:
        if x.numel() == 0:
            nan = _array.namespace(x.array).full((), float("nan"), dtype=x.array.dtype)
            return Tensor(nan)
        return median(x.reshape(-1), 0).values
    axis = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        zero = _array.namespace(x.array).zeros((), dtype=_array.dtype_in(x.array, _INT64))
        return median_result(x * 1 if x.requires_grad else x, Tensor(zero))
    reduced_nonempty("median", x, (axis,))
    array = x.array
    xp = _array.namespace(array)
    argsort = _array.maths.standard_function(array, "argsort")
    order = xp.astype(argsort(array, axis=axis, stable=True), _array.dtype_in(array, _INT64))
    size = array.shape[axis]
    position = xp.full(tuple(1 if i == axis else n for i, n in enumerate(array.shape)),
                       (size - 1) // 2, dtype=order.dtype, device=_array.device(array))
    if _array.is_floating(array):
        # NaN sorts last: a slice with NaN has it as median, at its first NaN's place.
        nans = xp.sum(xp.astype(xp.isnan(array), order.dtype), axis=axis, keepdims=True)
        position = xp.where(nans > 0, size - nans, position)
    return median_result(*_picked(x, axis, xp.take_along_axis(order, position, axis=axis),
                                  keepdim))


def aminmax(x: Tensor, *, dim: Any = None, keepdim: bool = False) -> aminmax_result:
    """(min, max) over `dim` (all entries by default), as `torch.aminmax`; each as amin and
    amax (ties share the gradient).

    >>> import stir
    >>> stir.tensor([2.0, -1.0, 5.0]).aminmax()
    aminmax(min=tensor(-1.), max=tensor(5.))
    """
    axes = normalize_axes(None if dim is None else wrap_dim(dim, x.ndim), x.ndim)
    reduced_nonempty("aminmax", x, axes)
    return aminmax_result(Min.apply(x, axes, keepdim, True), Max.apply(x, axes, keepdim, True))
