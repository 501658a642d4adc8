"""Indexing along a dimension, as PyTorch's: gather, scatter, index_select, index_add,
masked_fill, masked_select, take_along_dim, nonzero; and `Lookup`, the rows of a table
(an embedding's), checked in range.

All but `scatter` are compositions: each builds one index of integer arrays (one per
dimension, broadcasting to the result's shape) and picks with `GetItem` or adds with
`ScatterAdd`, so their gradients are those primitives'. `Scatter` overwrites, which no
composition does when an index repeats (`zeros.scatter(1, index, 1.0)` must give ones, not
counts), so it is a primitive of its own.

Each function is out of place; an in-place version (`scatter_`, `masked_fill_`,
`index_add_`) is the same computation written back into the tensor.
"""

from __future__ import annotations

from typing import Any

from .. import _array
from ..autograd import Context
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor, as_tensor
from . import dual
from .arithmetic import where
from .primitive import Primitive
from .shapes import GetItem, ScatterAdd, getitem


def wrap_dim(dim: Any, ndim: int) -> int:
    """`dim` as a non-negative dimension of a tensor with `ndim` dimensions (a 0-d tensor
    takes 0 and -1), with PyTorch's IndexError when it is out of range.

    >>> wrap_dim(-1, 3)
    2
    """
    if not hasattr(dim, "__index__") or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    dim, size = int(dim), max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-size}, {size - 1}], but got {dim})")
    return dim % size


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape the given shapes broadcast to, with PyTorch's error when they do not.

    >>> broadcast_shapes((2, 1), (3,))
    (2, 3)
    """
    ndim = max(len(shape) for shape in shapes)
    result = []
    for axis in range(ndim):
        sizes = {shape[axis - ndim + len(shape)] for shape in shapes
                 if axis - ndim + len(shape) >= 0} - {1}
        if len(sizes) > 1:
            raise RuntimeError(f"shapes {[list(s) for s in shapes]} cannot be broadcast "
                               f"together (sizes {sorted(sizes)} at dimension {axis})")
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def index_array(index: Any, like: Tensor, name: str) -> Any:
    """The integer array of an index tensor (or list), beside `like`'s array, as int64."""
    values = index.array if isinstance(index, Tensor) else _array.as_array(index)
    if _array.kind(values.dtype) not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index, got "
                           f"{values.dtype}")
    values = _array.beside(values, like.array)
    return _array.namespace(values).astype(values, _array.dtype_in(values, "int64"))


def check_bounds(name: str, index: Any, dim: int, size: int) -> None:
    """PyTorch's error for an index outside [0, size) along `dim` (negatives included)."""
    if _array.indices_below(index, size):
        return
    xp = _array.namespace(index)
    low, high = int(xp.min(index)), int(xp.max(index))
    bad = low if low < 0 else high
    raise RuntimeError(f"{name}(): index {bad} is out of bounds for dimension {dim} with "
                       f"size {size}")


def along(dim: int, index: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """The full integer index that takes `index` along `dim` and position i along each other
    dimension i: arrays that broadcast to `shape` (the result's)."""
    xp, where_ = _array.namespace(index), _array.device(index)
    parts = []
    for axis, length in enumerate(shape):
        if axis == dim:
            part = index
        else:
            sizes = [1] * len(shape)
            sizes[axis] = length
            part = xp.reshape(xp.arange(length, device=where_), tuple(sizes))
        # Broadcast in full (views on NumPy): the standard's scatter-add wants every part so.
        parts.append(xp.broadcast_to(part, shape))
    return tuple(parts)


def _index_like(name: str, x: Tensor, dim: int, index: Any, other: str = "self") -> Any:
    """The checks gather, scatter and scatter_add share: the index is an integer tensor of
    x's dimensions, no larger than x (but along dim), and inside x along dim."""
    values = index_array(index, x, name)
    if values.ndim != max(x.ndim, 1) and not (x.ndim == 0 and values.ndim == 0):
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions "
                           f"as {other} tensor")
    if x.ndim == 0:
        values = _array.namespace(values).reshape(values, (-1,))
    shape = tuple(x.shape) or (1,)
    for axis, (wanted, have) in enumerate(zip(values.shape, shape)):
        if axis != dim and wanted > have:
            raise RuntimeError(f"Size does not match at dimension {axis} expected index "
                               f"{list(values.shape)} to be no larger than self "
                               f"{list(x.shape)} apart from dimension {dim}")
    check_bounds(name, values, dim, shape[dim])
    return values


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """z[i][j][k] = x[index[i][j][k]][j][k] for dim 0 (and likewise along any dim): the
    entries of x picked along `dim` by `index`, a tensor of x's dimensions; dz/dx adds the
    gradient back where each entry was picked.

    >>> import stir
    >>> stir.tensor([[1, 2], [3, 4]]).gather(1, stir.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
    dim = wrap_dim(dim, x.ndim)
    values = _index_like("gather", x, dim, index)
    flat = x.reshape(1) if x.ndim == 0 else x
    picked = getitem(flat, along(dim, values, values.shape))
    return picked.reshape(()) if x.ndim == 0 else picked


class Scatter(Primitive):
    """z = x with z[index] = y (the last of repeated positions wins, as on PyTorch's CPU);
    dz/dx is the gradient where nothing was written, dz/dy the gradient at `index`.

    A primitive because overwriting differs from adding when positions repeat."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, y: Tensor, index: tuple[Any, ...]) -> Any:
        written = _written(index, x.shape, x.array.dtype)
        ctx.index, ctx.kept = index, ~written
        if _array.is_numpy(x.array):
            z = x.array.copy()
            z[index] = y.array
            return z
        # The standard assigns through no integer arrays: add into zeros where written (so
        # there repeated positions add up, where PyTorch keeps one of them).
        xp = _array.namespace(x.array)
        return xp.where(written, _array.scatter_add(y.array, index, x.shape, False), x.array)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        grad_x = dual.where(ctx.kept, grad_output, _array.zero(dual.array(grad_output)))
        return grad_x, grad_output[ctx.index], None


def _written(index: tuple[Any, ...], shape: tuple[int, ...], dtype: Any) -> Any:
    """The bool array of `shape` that is true at the positions `index` picks."""
    part = index[0]
    xp = _array.namespace(part)
    ones = xp.ones(part.shape, dtype=dtype, device=_array.device(part))
    return _array.scatter_add(ones, index, shape, False) > 0


def _fill(value: Any, x: Tensor, name: str) -> Tensor:
    """A number or 0-d tensor as a 0-d tensor of x's dtype (a tensor keeps its gradient)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{name} only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        return value if value.dtype == x.dtype else value.to(x.dtype)
    if not isinstance(value, _array.SCALARS):
        raise TypeError(f"{name}: value must be a number or a 0-d tensor, not "
                        f"{type(value).__name__}")
    return Tensor(_array.beside(value, x.array, x.array.dtype))


def scatter(x: Tensor, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """x with src[i][j] written to z[index[i][j]][j] for dim 0 (likewise along any dim);
    src a tensor (its leading part of index's shape is used) or a number (`value`).
    The gradient reaches src at the positions written and x where nothing was written.
    `reduce="add"` or `"multiply"` combine instead of writing (not differentiable).

    >>> import stir
    >>> stir.zeros(2, 3).scatter(1, stir.tensor([[2], [0]]), 1.0)
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing the src tensor or the value to write")
    dim = wrap_dim(dim, x.ndim)
    if not isinstance(src, Tensor):
        values = _index_like("scatter", x, dim, index)
        if reduce is not None:
            return _scatter_reduced(x, dim, values, _fill(src, x, "scatter"), reduce)
        written = _written(along(dim, values, values.shape), tuple(x.shape) or (1,),
                           x.array.dtype)
        return where(_array.namespace(written).reshape(written, x.shape),
                     _fill(src, x, "scatter"), x)
    if src.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    values = _index_like("scatter", x, dim, index, "src")
    part = _leading(src, values.shape, dim, "scatter")
    if reduce is not None:
        return _scatter_reduced(x, dim, values, part, reduce)
    flat = x.reshape(1) if x.ndim == 0 else x
    z = Scatter.apply(flat, part, along(dim, values, values.shape))
    return z.reshape(()) if x.ndim == 0 else z


def _leading(src: Tensor, shape: tuple[int, ...], dim: int, name: str) -> Tensor:
    """The part of src of the index's shape, starting at 0 in each dimension."""
    if src.ndim != len(shape) and src.ndim:
        raise RuntimeError(f"{name}(): Index tensor must have the same number of dimensions "
                           f"as src tensor")
    source = src.reshape(1) if src.ndim == 0 else src
    if any(wanted > have for wanted, have in zip(shape, source.shape)):
        raise RuntimeError(f"Expected index {list(shape)} to be no larger than src "
                           f"{list(source.shape)} apart from dimension {dim}")
    if tuple(source.shape) == tuple(shape):
        return source
    return getitem(source, tuple(slice(0, n) for n in shape))


def _scatter_reduced(x: Tensor, dim: int, values: Any, src: Tensor, reduce: str) -> Tensor:
    if reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    if is_grad_enabled() and (x.requires_grad or src.requires_grad):
        raise NotImplementedError(
            f"scatter with reduce={reduce!r} is not differentiable (PyTorch's backward "
            "raises too); use scatter_add, or call it under stir.no_grad()")
    xp = _array.namespace(x.array)
    index = along(dim, values, values.shape)
    flat = xp.reshape(x.array, tuple(x.shape) or (1,))
    source = xp.broadcast_to(xp.reshape(src.array, src.shape), values.shape)
    z = xp.asarray(flat, copy=True)
    if reduce == "add":
        z = z + _array.scatter_add(source, index, flat.shape, False)
    elif _array.is_numpy(z):
        _array.maths.multiply_at(z, index, source)
    else:
        raise NotImplementedError("scatter(reduce='multiply') runs on NumPy arrays only")
    return Tensor(xp.reshape(z, x.shape))


def scatter_add(x: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """x with each src[i][j] added to z[index[i][j]][j] for dim 0 (likewise along any dim;
    repeated positions add up);  dz/dx = 1, dz/dsrc = the gradient at index.

    >>> import stir
    >>> stir.zeros(3).scatter_add(0, stir.tensor([0, 0, 2]), stir.tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3.])
    """
    src = as_tensor(src)
    if src.dtype != x.dtype:
        raise RuntimeError("scatter_add(): Expected self.dtype to be equal to src.dtype")
    dim = wrap_dim(dim, x.ndim)
    values = _index_like("scatter_add", x, dim, index, "src")
    part = _leading(src, values.shape, dim, "scatter_add")
    shape = tuple(x.shape) or (1,)
    added = ScatterAdd.apply(part, along(dim, values, values.shape), shape)
    return x + (added.reshape(()) if x.ndim == 0 else added)


def _vector_index(name: str, x: Tensor, dim: int, index: Any) -> Any:
    values = index_array(index, x, name)
    if values.ndim > 1:
        raise IndexError(f"{name}(): Index is supposed to be a vector")
    values = _array.namespace(values).reshape(values, (-1,))
    check_bounds(name, values, dim, x.shape[dim] if x.ndim else 1)
    return values


def _at(dim: int, ndim: int, length: int) -> tuple[int, ...]:
    return (1,) * dim + (length,) + (1,) * (ndim - dim - 1)


def index_select(x: Tensor, dim: int, index: Any) -> Tensor:
    """The slices x[..., index[k], ...] along `dim`, in the order of the 1-d `index`;
    dz/dx adds the gradient back to each slice picked.

    >>> import stir
    >>> stir.tensor([[1, 2, 3], [4, 5, 6]]).index_select(1, stir.tensor([2, 0]))
    tensor([[3, 1],
            [6, 4]])
    """
    dim = wrap_dim(dim, x.ndim)
    values = _vector_index("index_select", x, dim, index)
    if x.ndim == 0:
        return getitem(x.reshape(1), values).reshape(() if values.shape[0] == 1 else -1)
    xp = _array.namespace(values)
    shape = x.shape[:dim] + (values.shape[0],) + x.shape[dim + 1:]
    return getitem(x, along(dim, xp.reshape(values, _at(dim, x.ndim, values.shape[0])), shape))


def index_add(x: Tensor, dim: int, index: Any, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """x with alpha·source[..., k, ...] added to the slice x[..., index[k], ...] along `dim`
    (repeated indices add up);  dz/dx = 1, dz/dsource = alpha · the gradient's slices.

    >>> import stir
    >>> stir.zeros(3).index_add(0, stir.tensor([0, 0]), stir.tensor([1.0, 2.0]))
    tensor([3., 0., 0.])
    """
    source = as_tensor(source)
    dim = wrap_dim(dim, x.ndim)
    values = _vector_index("index_add", x, dim, index)
    wanted = x.shape[:dim] + (values.shape[0],) + x.shape[dim + 1:]
    if tuple(source.shape) != tuple(wanted) and not (x.ndim == 0 and source.numel() == 1):
        raise RuntimeError(f"index_add(): source of shape {list(source.shape)} does not "
                           f"match the self shape {list(x.shape)} with {values.shape[0]} "
                           f"indices along dimension {dim}")
    if x.ndim == 0:
        return x + source.reshape(()) * alpha
    xp = _array.namespace(values)
    index_tuple = along(dim, xp.reshape(values, _at(dim, x.ndim, values.shape[0])), wanted)
    scaled = source if alpha == 1 else source * alpha
    return x + ScatterAdd.apply(scaled, index_tuple, tuple(x.shape))


def _bool_mask(name: str, mask: Any, like: Tensor) -> Any:
    values = mask.array if isinstance(mask, Tensor) else _array.as_array(mask)
    if _array.kind(values.dtype) != "b":
        raise RuntimeError(f"{name} only supports boolean masks, but got mask with dtype "
                           f"{values.dtype}")
    return _array.beside(values, like.array)


def masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    """x with `value` (a number, or a 0-d tensor) where the bool `mask` (broadcasting with x)
    holds, in x's dtype;  dz/dx = 1 where mask is false, and dz/dvalue sums the rest.

    >>> import stir
    >>> stir.tensor([1.0, 2.0, 3.0]).masked_fill(stir.tensor([True, False, True]), 0.0)
    tensor([0., 2., 0.])
    """
    condition = _bool_mask("masked_fill_", mask, x)
    return where(condition, _fill(value, x, "masked_fill_"), x)


def masked_select(x: Tensor, mask: Any) -> Tensor:
    """The entries of x where the bool `mask` holds (both broadcast to one shape), as a 1-d
    tensor in row-major order;  the gradient returns to those entries.

    >>> import stir
    >>> stir.tensor([[1, 2], [3, 4]]).masked_select(stir.tensor([False, True]))
    tensor([2, 4])
    """
    condition = _bool_mask("masked_select", mask, x)
    shape = broadcast_shapes(tuple(x.shape), tuple(condition.shape))
    xp = _array.namespace(condition)
    expanded = x if tuple(x.shape) == shape else x.broadcast_to(shape)
    return getitem(expanded.reshape(-1), xp.reshape(xp.broadcast_to(condition, shape), (-1,)))


def take_along_dim(x: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """As `gather`, with x and `indices` broadcast against each other but along `dim`; with
    dim None, along the flattened x.

    >>> import stir
    >>> stir.take_along_dim(stir.tensor([[10, 30], [20, 5]]), stir.tensor([[1], [0]]), 1)
    tensor([[30],
            [20]])
    """
    values = index_array(indices, x, "take_along_dim")
    if dim is None:
        flat = x.reshape(-1)
        return gather(flat, 0, Tensor(_array.namespace(values).reshape(values, (-1,))))
    dim = wrap_dim(dim, x.ndim)
    if values.ndim != x.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {x.ndim} dimensions for input, "
                           f"and {values.ndim} dimensions for indices")
    xp = _array.namespace(values)
    outside = [tuple(1 if d == dim else n for d, n in enumerate(s))
               for s in (x.shape, values.shape)]
    shape = list(broadcast_shapes(*outside))
    x_shape, index_shape = list(shape), list(shape)
    x_shape[dim], index_shape[dim] = x.shape[dim], values.shape[dim]
    expanded = x if list(x.shape) == x_shape else x.broadcast_to(tuple(x_shape))
    return gather(expanded, dim, Tensor(xp.broadcast_to(values, tuple(index_shape))))


def nonzero(x: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of x's nonzero entries in row-major order: an int64 tensor of shape
    (count, x.ndim), or with `as_tuple` one 1-d tensor per dimension (`stir.where(x)`).

    >>> import stir
    >>> stir.tensor([[0, 1], [2, 0]]).nonzero()
    tensor([[0, 1],
            [1, 0]])
    """
    array = x.array
    xp = _array.namespace(array)
    int64 = _array.dtype_in(array, "int64")
    flat = xp.reshape(array, (1,)) if array.ndim == 0 else array
    found = tuple(xp.astype(part, int64)
                  for part in _array.maths.standard_function(flat, "nonzero")(flat))
    if as_tuple:
        return tuple(Tensor(part) for part in found)
    if array.ndim == 0:
        return Tensor(xp.zeros((found[0].shape[0], 0), dtype=int64, device=_array.device(array)))
    return Tensor(xp.stack(found, axis=1))


class Lookup(GetItem):
    """z = table[rows] (rows: integers in [0, len(table)), or a (rows, columns) index), as
    `GetItem`, whose gradient it has; the rows are checked in its forward, so a step that
    `stir.compile` replays checks each new batch's too (negative rows would wrap silently).
    `name` is the function or layer the message names."""

    @staticmethod
    def forward(ctx: Context, table: Tensor, index: Any, name: str) -> Any:
        check_rows(index[0] if isinstance(index, tuple) else index, table.shape[0], name)
        return GetItem.forward(ctx, table, index)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        return GetItem.backward(ctx, grad_output)[0], None, None


def check_rows(rows: Any, count: int, name: str) -> None:
    """IndexError, naming `name`, unless every integer of `rows` is in [0, count)."""
    if rows.size:
        xp = _array.namespace(rows)
        low, high = int(xp.min(rows)), int(xp.max(rows))
        if low < 0 or high >= count:
            raise IndexError(f"{name}: index {low if low < 0 else high} is out of range for "
                             f"a table of {count} rows (indices must be in [0, {count}))")
