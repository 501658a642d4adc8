"""Rearranging a tensor's entries, as PyTorch's: repeat, tile, repeat_interleave, flip,
roll, movedim, narrow, tril, triu, unflatten, contiguous.

All are compositions of the shape primitives (reshape, broadcast, slices, concatenation,
`where`), so each gradient is theirs: a repeated entry's gradients add up, a moved entry's
gradient moves back, a zeroed entry gets none.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from .. import _array
from ..tensor import Tensor
from .arithmetic import where
from .indexing import index_select, wrap_dim
from .reductions import BroadcastTo
from .shapes import concatenate, getitem, permute, reshape


def sizes_argument(sizes: Sequence[Any]) -> tuple[int, ...]:
    """repeat(2, 3), repeat((2, 3)) and repeat([2, 3]) all mean the sizes (2, 3)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    return tuple(int(n) for n in sizes)


def dims_argument(dims: Any, ndim: int) -> tuple[int, ...]:
    """An int or a sequence of dims as non-negative dims, each at most once."""
    listed = (dims,) if hasattr(dims, "__index__") else tuple(dims)
    wrapped = tuple(wrap_dim(d, ndim) for d in listed)
    for d in wrapped:
        if wrapped.count(d) > 1:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return wrapped


def repeat(x: Tensor, *sizes: Any) -> Tensor:
    """x tiled sizes[i] times along each dimension i (PyTorch's repeat is NumPy's tile):
    z[i·n + j] = x[j] for x of length n. `sizes` may be longer than x's dimensions, which
    are then the last ones. A copy; the gradient of each entry sums over its copies.

    >>> import stir
    >>> stir.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    counts = sizes_argument(sizes)
    if len(counts) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                           "number of dimensions of tensor")
    shape = (1,) * (len(counts) - x.ndim) + tuple(x.shape)
    result = tuple(c * n for c, n in zip(counts, shape))
    for c in counts:
        if c < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {c}: "
                               f"{list(result)}")
    spread = tuple(v for n in shape for v in (1, n))
    copies = tuple(v for c, n in zip(counts, shape) for v in (c, n))
    return reshape(BroadcastTo.apply(reshape(x, spread), copies), result)


def tile(x: Tensor, dims: Sequence[int]) -> Tensor:
    """`repeat`, with `dims` padded with leading 1s when shorter than x's dimensions."""
    counts = sizes_argument((dims,) if hasattr(dims, "__index__") else tuple(dims))
    return repeat(x, (1,) * (x.ndim - len(counts)) + counts)


def repeat_interleave(x: Tensor | None, repeats: Any, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each slice along `dim` repeated `repeats` times in place (an int, or one count per
    slice); with dim None, of the flattened x. The gradient of each slice sums its copies.
    With x None, the indices 0, 1, … each repeated by the 1-d tensor `repeats`.

    >>> import stir
    >>> stir.tensor([1, 2]).repeat_interleave(2)
    tensor([1, 1, 2, 2])
    """
    if x is None:
        counts = repeats.array
        x = Tensor(_array.namespace(counts).arange(
            counts.shape[0] if counts.ndim else 1, device=_array.device(counts)))
    if dim is None:
        x, dim = reshape(x, (-1,)), 0
    dim = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        x = reshape(x, (1,))
    length = x.shape[dim]
    if isinstance(repeats, Tensor) and repeats.ndim == 0:
        repeats = int(repeats.item())
    if not isinstance(repeats, Tensor) and hasattr(repeats, "__index__"):
        if int(repeats) < 0:
            raise RuntimeError("repeats can not be negative")
        spread = x.shape[:dim + 1] + (1,) + x.shape[dim + 1:]
        copies = x.shape[:dim + 1] + (int(repeats),) + x.shape[dim + 1:]
        merged = x.shape[:dim] + (length * int(repeats),) + x.shape[dim + 1:]
        return reshape(BroadcastTo.apply(reshape(x, spread), copies), merged)
    counts = repeats.array if isinstance(repeats, Tensor) else _array.as_array(repeats)
    counts = _array.beside(counts, x.array)
    if counts.ndim != 1 or counts.shape[0] != length:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.shape[-1] if counts.ndim else 1} and "
                           f"input.size({dim}) = {length}")
    xp = _array.namespace(counts)
    positions = xp.arange(length, device=_array.device(counts))
    index = _array.maths.standard_function(counts, "repeat")(positions, counts)
    return index_select(x, dim, Tensor(index))


def flip(x: Tensor, *dims: Any) -> Tensor:
    """x reversed along each of `dims` (a copy, as PyTorch's).

    >>> import stir
    >>> stir.tensor([[1, 2], [3, 4]]).flip(1)
    tensor([[2, 1],
            [4, 3]])
    """
    if not dims:
        raise TypeError('flip() missing 1 required positional arguments: "dims"')
    axes = dims_argument(dims[0] if len(dims) == 1 else dims, x.ndim)
    if x.ndim == 0:
        return x.clone()
    index = tuple(slice(None, None, -1) if a in axes else slice(None) for a in range(x.ndim))
    return getitem(x, index).clone()


def roll(x: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """x with its entries shifted `shifts` places along `dims` (wrapping round): z[i] =
    x[i - shift]; with dims None, of the flattened x, then reshaped back.

    >>> import stir
    >>> stir.tensor([1, 2, 3, 4]).roll(1)
    tensor([4, 1, 2, 3])
    """
    shift_list = (shifts,) if hasattr(shifts, "__index__") else tuple(shifts)
    if dims is None:
        if len(shift_list) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: "
                               f"{len(shift_list)}, dims:0")
        return reshape(roll(reshape(x, (-1,)), shift_list, 0), tuple(x.shape))
    dim_list = (dims,) if hasattr(dims, "__index__") else tuple(dims)
    if len(shift_list) != len(dim_list):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shift_list)}, "
                           f"dims:{len(dim_list)}")
    result = x
    for shift, dim in zip(shift_list, dim_list):
        dim = wrap_dim(dim, x.ndim)
        length = x.shape[dim] if x.ndim else 1
        if x.ndim == 0 or length == 0 or int(shift) % length == 0:
            continue
        cut = length - int(shift) % length
        lead = (slice(None),) * dim
        result = concatenate([getitem(result, lead + (slice(cut, None), ...)),
                              getitem(result, lead + (slice(0, cut), ...))], axis=dim)
    return result if result is not x else x.clone()


def movedim(x: Tensor, source: Any, destination: Any) -> Tensor:
    """x with dimensions `source` moved to positions `destination` (ints or sequences), the
    others keeping their order (a view).

    >>> import stir
    >>> stir.zeros(2, 3, 4).movedim(0, -1).shape
    stir.Size([3, 4, 2])
    """
    sources = (source,) if hasattr(source, "__index__") else tuple(source)
    targets = (destination,) if hasattr(destination, "__index__") else tuple(destination)
    if len(sources) != len(targets):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source "
                           f"({list(sources)} dims) should contain the same number of dims "
                           f"as destination ({list(targets)} dims)")
    sources_wrapped = tuple(wrap_dim(d, x.ndim) for d in sources)
    targets_wrapped = tuple(wrap_dim(d, x.ndim) for d in targets)
    for name, wrapped, given in (("source", sources_wrapped, sources),
                                 ("destination", targets_wrapped, targets)):
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    order: list[int | None] = [None] * x.ndim
    for s, t in zip(sources_wrapped, targets_wrapped):
        order[t] = s
    rest = iter(d for d in range(x.ndim) if d not in sources_wrapped)
    return permute(x, [d if d is not None else next(rest) for d in order])


def narrow(x: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """The slice x[..., start:start + length, ...] along `dim` (a view); a negative start
    counts from the end.

    >>> import stir
    >>> stir.tensor([1, 2, 3, 4]).narrow(0, 1, 2)
    tensor([2, 3])
    """
    dim = wrap_dim(dim, x.ndim)
    size = x.shape[dim] if x.ndim else 1
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    start %= size if size else 1
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return getitem(x, (slice(None),) * dim + (slice(start, start + length), ...))


def _triangle(x: Tensor, diagonal: int, name: str, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    xp = _array.namespace(x.array)
    where_ = _array.device(x.array)
    rows, columns = x.shape[-2:]
    offset = (xp.reshape(xp.arange(columns, device=where_), (1, columns))
              - xp.reshape(xp.arange(rows, device=where_), (rows, 1)))
    kept = offset <= int(diagonal) if lower else offset >= int(diagonal)
    zero = Tensor(xp.zeros((), dtype=x.array.dtype, device=where_))
    return where(kept, x, zero)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions: x[i, j] where j - i ≤ diagonal, else 0.

    >>> import stir
    >>> stir.ones(2, 2).tril()
    tensor([[1., 0.],
            [1., 1.]])
    """
    return _triangle(x, diagonal, "tril", lower=True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions: x[i, j] where j - i ≥ diagonal, else 0.

    >>> import stir
    >>> stir.ones(2, 2).triu(1)
    tensor([[0., 1.],
            [0., 0.]])
    """
    return _triangle(x, diagonal, "triu", lower=False)


def unflatten(x: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """x with dimension `dim` split into `sizes` (one of them may be -1).

    >>> import stir
    >>> stir.zeros(2, 6).unflatten(1, (2, 3)).shape
    stir.Size([2, 2, 3])
    """
    dim = wrap_dim(dim, x.ndim)
    sizes = tuple(int(n) for n in sizes)
    known = math.prod(n for n in sizes if n != -1)
    if sizes.count(-1) > 1 or (-1 not in sizes and known != x.shape[dim]) or (
            -1 in sizes and (known == 0 or x.shape[dim] % known)):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({x.shape[dim]}) in the input tensor")
    return reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])


def is_contiguous(x: Tensor) -> bool:
    """Whether x's entries lie in row-major order in memory (on NumPy; other arrays count as
    contiguous, as the standard cannot tell)."""
    flags = getattr(x.array, "flags", None)
    return True if flags is None else bool(flags["C_CONTIGUOUS"])


def contiguous(x: Tensor) -> Tensor:
    """x itself when contiguous, else a contiguous copy (through which gradients flow)."""
    if is_contiguous(x):
        return x
    # A copy keeps the layout (a transposed x gives a column-major copy); flattening a copy
    # that is not row-major copies it again, into row-major order.
    return reshape(reshape(x.clone(), (-1,)), tuple(x.shape))
