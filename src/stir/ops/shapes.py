"""Shape primitives: reshape, permute, indexing (and its adjoint, scatter-add), concatenate;
with the composites built on them (squeeze, transpose, stack, ...); and what in-place
changes through views need (`stir.tensor_inplace` states the rules).

Views, as PyTorch's: basic indexing (ints, slices, None, Ellipsis; a single element too, as
a 0-d view), reshape when the layout allows it (`view`, `squeeze`, `unsqueeze`, `flatten`),
permute (`transpose`, `.T`, `.mT`, `t`), `expand` (read-only, as writing to it would write
one element several times) and `narrow` share the input's memory: a change through the view
reaches the base. A view shares its base's counter of in-place changes, so modifying either
is caught if backward still needs the old values, and remembers how it was made
(`_view`: the tensor it came from, and the step), so that a recorded change through it can
rebase the base's history. Indexing with arrays (advanced indexing) gives a copy.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

from .. import _array, autograd
from ..autograd import Context
from ..tensor import Tensor, as_tensor
from . import dual
from .primitive import Primitive
from .reductions import BroadcastTo, normalize_axes

_ndarray = _array.NDARRAY


def _share_version_if_view(result: Tensor, source: Tensor, step: tuple[str, Any]) -> Tensor:
    if _array.may_share_memory(result.array, source.array):
        return mark_view(result, source, step)
    return result


def mark_view(result: Tensor, source: Tensor, step: tuple[str, Any]) -> Tensor:
    """Note that `result` is `step` applied to `source` and shares its memory: the version
    counter is shared, and a recorded view's node is stamped with the version it was made
    at, so that `Context.edge_for` refreshes its history once the memory changes."""
    result._version = source._version
    result._view = (source, step)
    node = result.grad_fn
    if node is not None:
        node.routed = True
        node.view_version = source._version[0]
    return result


class Reshape(Primitive):
    """z = x with a new shape (same elements, row-major order);  dz/dx reshapes back."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, shape: tuple[int, ...]) -> Any:
        ctx.shape = x.shape
        return _array.namespace(x.array).reshape(x.array, shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return dual.reshape(grad_output, ctx.shape), None


class Permute(Primitive):
    """z = x with its dimensions reordered by `axes`;  dz/dx reorders back."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...]) -> Any:
        inverse = [0] * len(axes)
        for position, axis in enumerate(axes):
            inverse[axis] = position
        ctx.inverse = tuple(inverse)
        ctx.axes = axes
        values = x.array
        if type(values) is _ndarray:  # `.T` of every layer by hand: the method, sooner
            return values.transpose(axes)
        return _array.namespace(values).permute_dims(values, axes)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return _permute(grad_output, ctx.inverse), None


def is_basic_index(index: Any) -> bool:
    """True for indices made of ints, slices, None and Ellipsis (they give views)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        part is None or part is Ellipsis or isinstance(part, (int, slice))
        or (hasattr(part, "__index__") and getattr(part, "ndim", 0) == 0)
        for part in parts
    )


class GetItem(Primitive):
    """z = x[index] (slices, integers, integer arrays, boolean masks);
    dz/dx scatters the gradient back, adding where an element was picked more than once."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, index: Any) -> Any:
        ctx.shape, ctx.index = x.shape, index
        return x.array[index]

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return _scatter_add(grad_output, ctx.index, ctx.shape), None


class ScatterAdd(Primitive):
    """z = zeros(shape) with z[index] += x (repeated indices add up);  dz/dx = z[index]."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, index: Any, shape: tuple[int, ...]) -> Any:
        ctx.index = index
        return _array.scatter_add(x.array, index, shape, is_basic_index(index))

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return grad_output[ctx.index], None, None


class Concatenate(Primitive):
    """z = the inputs joined along `axis`;  each input's gradient is its slice of dz."""

    @staticmethod
    def forward(ctx: Context, axis: int, *xs: Tensor) -> Any:
        ctx.axis = axis
        ctx.bounds = list(itertools.accumulate([0] + [x.shape[axis] for x in xs]))
        return _array.namespace(xs[0].array).concat([x.array for x in xs], axis=axis)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        lead = (slice(None),) * ctx.axis
        grads = [None]
        for i, (start, stop) in enumerate(zip(ctx.bounds[:-1], ctx.bounds[1:])):
            needed = ctx.needs_input_grad[i + 1]
            grads.append(grad_output[lead + (slice(start, stop), ...)] if needed else None)
        return tuple(grads)


def _permute(x: Any, axes: tuple[int, ...]) -> Any:
    if type(x) is _ndarray:
        return x.transpose(axes)
    if isinstance(x, Tensor):
        return Permute.apply(x, axes)
    x = _array.values(x)
    return _array.namespace(x).permute_dims(x, axes)


def _scatter_add(x: Any, index: Any, target: tuple[int, ...]) -> Any:
    """zeros(target) with x added at `index` (repeated indices add up), of an array or
    (recorded) of a tensor."""
    if isinstance(x, Tensor):
        return ScatterAdd.apply(x, index, target)
    return _array.scatter_add(_array.values(x), index, target, is_basic_index(index))


def raw_index(index: Any) -> Any:
    """An index with tensors replaced by their arrays, ready for NumPy (a 0-d integer
    tensor becomes an int, as PyTorch treats it; lists become arrays)."""
    if isinstance(index, tuple):
        return tuple(_raw_part(part) for part in index)
    return _raw_part(index)


def _raw_part(part: Any) -> Any:
    if isinstance(part, Tensor):
        values = part.array
        if values.ndim == 0 and _array.kind(values.dtype) in "iu":
            return int(values)
        return values
    if isinstance(part, list):
        return _array.values(part)
    return part


# ----------------------------------------------------------------------------- shape
def _shape_argument(shape: Sequence[Any]) -> tuple[int, ...]:
    """reshape(2, 3) and reshape((2, 3)) both mean the shape (2, 3)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def reshape(x: Tensor, shape: Sequence[Any]) -> Tensor:
    shape = _shape_argument(shape)
    if -1 in shape:  # resolved once, so that the step remembered for a view is exact
        known = math.prod(n for n in shape if n != -1)
        missing = x.array.size // known if known else 0
        shape = tuple(missing if n == -1 else n for n in shape)
    return _share_version_if_view(Reshape.apply(x, shape), x, ("reshape", shape))


def permute(x: Tensor, dims: Sequence[Any]) -> Tensor:
    """Reorder the dimensions: result dimension i is input dimension dims[i]."""
    axes = _shape_argument(dims)
    if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {axes} is not an ordering of the {x.ndim} dimensions")
    return transposed(x, tuple(a % x.ndim for a in axes))


def transposed(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """`x` permuted by `axes`, already known to be valid (a view sharing x's version)."""
    return mark_view(Permute.apply(x, axes), x, ("permute", axes))


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dimensions `dim0` and `dim1`."""
    n = x.ndim
    if not (-n <= dim0 < n and -n <= dim1 < n):
        raise ValueError(f"transpose: dims {dim0}, {dim1} are out of range for {n} dimensions")
    axes = list(range(n))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return transposed(x, tuple(axes))


def squeeze(x: Tensor, dim: int | None = None) -> Tensor:
    """Remove dimensions of size 1 (only `dim`, when given and of size 1)."""
    if dim is None:
        shape = [n for n in x.shape if n != 1]
    else:
        dim = normalize_axes(dim, x.ndim)
        shape = [n for i, n in enumerate(x.shape) if not (i in dim and n == 1)]
    return reshape(x, shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a dimension of size 1 at position `dim` (negative counts from the end)."""
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise ValueError(f"unsqueeze: dim {dim} is out of range for {x.ndim} dimensions")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dimensions `start_dim` … `end_dim` into one."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start, end = start_dim % x.ndim, end_dim % x.ndim
    merged = math.prod(x.shape[start:end + 1])
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def expand(x: Tensor, shape: Sequence[Any]) -> Tensor:
    target = list(_shape_argument(shape))
    offset = len(target) - x.ndim
    for i, n in enumerate(target):
        if n == -1:
            target[i] = x.shape[i - offset]
    return _share_version_if_view(BroadcastTo.apply(x, tuple(target)), x,
                                  ("expand", tuple(target)))


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index] with PyTorch's rules: a basic index gives a view; an index that mixes
    integers with index arrays applies the integers first (PyTorch's layout: the array
    dimensions stay where NumPy puts them only when nothing separates them), so
    `x[0, :, [1, 0]]` is `x[0][:, [1, 0]]`."""
    index = raw_index(index)
    if not _array.is_numpy(x.array):  # index arrays made on the host go beside x
        parts = index if isinstance(index, tuple) else (index,)
        parts = tuple(_array.beside(part, x.array)
                      if isinstance(part, _array.NDARRAY) else part
                      for part in parts)
        index = parts if isinstance(index, tuple) else parts[0]
    if is_basic_index(index):
        index = _as_view_index(index)
        return mark_view(GetItem.apply(x, index), x, ("getitem", index))
    split = _integers_first(index)
    if split is not None:
        return GetItem.apply(getitem(x, split[0]), split[1])
    return GetItem.apply(x, index)


def _as_view_index(index: Any) -> Any:
    """A basic index that gives an array even when it picks one element (NumPy gives a
    scalar copy for `a[0, 1]`, but a 0-d view for `a[0, 1, ...]`)."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(part is Ellipsis or hasattr(part, "dtype") for part in parts):
        return index  # (a 0-d array, such as a 0-d mask, is left as it is)
    return parts + (Ellipsis,)


def _integers_first(index: Any) -> tuple[Any, Any] | None:
    """For an index mixing integers with index arrays: (the basic index of its integers and
    slices, the rest to apply to that), PyTorch's order; else None."""
    parts = index if isinstance(index, tuple) else (index,)
    integers = [_is_integer(part) for part in parts]
    arrays = [not (flag or part is None or part is Ellipsis or isinstance(part, slice))
              for flag, part in zip(integers, parts)]
    if not any(integers) or not any(arrays) or any(type(p) is bool for p in parts):
        return None
    first: list[Any] = []
    rest: list[Any] = []
    for part, integer, array in zip(parts, integers, arrays):
        if integer:
            first.append(part)
        elif array:
            dims = getattr(part, "ndim", 1) if _array.kind(_dtype_of(part)) == "b" else 1
            first.extend([slice(None)] * dims)
            rest.append(part)
        else:  # a slice or None applies in the first step; Ellipsis spans both
            first.append(part)
            rest.append(Ellipsis if part is Ellipsis else slice(None))
    return tuple(first), tuple(rest)


def _is_integer(part: Any) -> bool:
    return (type(part) is not bool and hasattr(part, "__index__")
            and getattr(part, "ndim", 0) == 0 and _array.kind(_dtype_of(part)) in "iu")


def _dtype_of(part: Any) -> Any:
    dtype = getattr(part, "dtype", None)
    if dtype is not None:
        return dtype
    return _array.values(part).dtype


# ----------------------------------------------------------------------------- writing
def assign(x: Tensor, index: Any, values: Any) -> None:
    """x[index] = values into x's memory (not recorded), with PyTorch's layout of index."""
    index = raw_index(index)
    if is_basic_index(index):
        x.array[index] = values
        return
    split = _integers_first(index)
    if split is not None:
        x.array[split[0]][split[1]] = values
        return
    x.array[index] = values


def view_through(root: Tensor, steps: tuple[tuple[str, Any], ...]) -> Tensor:
    """The view `steps` make of root, made afresh (recorded when root's history is)."""
    view = root
    for kind, argument in steps:
        view = _VIEWS[kind].apply(view, argument)
    return view


def refresh_view(view: Tensor, root: Tensor, steps: tuple[tuple[str, Any], ...]) -> Any:
    """Give `view` the history of the view of root's current history (after an in-place
    change of their memory, as PyTorch regenerates a view's grad_fn); return its node."""
    node = view_through(root, steps).grad_fn
    if node is not None:
        node.routed = True
        node.view_version = view._version[0]
    view.grad_fn = node
    view._requires_grad = node is not None
    return node


_VIEWS: dict[str, Any] = {"getitem": GetItem, "reshape": Reshape, "permute": Permute,
                          "expand": BroadcastTo}


def note_in_place_change(name: str) -> None:
    """Tell `stir.compile`'s capture that a recorded in-place change ran: its replay
    repeats Functions' forwards, not writes into memory, so such a step runs eagerly."""
    if autograd._tracer is not None:
        autograd._tracer.append((RecordedInPlaceChange, None, (), None, False))


class RecordedInPlaceChange:
    """A marker in a captured step (never called): an in-place change was recorded."""


def sequence_mark() -> int:
    """A number below every graph node made from now on (nodes are numbered in order)."""
    return next(autograd._sequence)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (`stir.cat` in PyTorch's words)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    ndim = tensors[0].ndim
    if ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    return Concatenate.apply(normalize_axes(axis, ndim)[0], *tensors)


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    return concatenate([unsqueeze(t, axis) for t in tensors], axis=axis % (tensors[0].ndim + 1))
