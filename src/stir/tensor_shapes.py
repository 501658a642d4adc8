"""Tensor's shape methods: `x.reshape(...)`, `x.permute(...)`, `x.expand(...)`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor` (which adds no state:
`__slots__ = ()`). Its methods call the primitives of `stir.ops`, which are built on Tensor;
so this module imports neither, and `tensor.py` binds `_ops` here at the seam, its
last lines, once both exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _array


if TYPE_CHECKING:
    from ._types import Shape
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py


class ShapeMethods:
    """Tensor's shape methods."""

    __slots__ = ()

    def reshape(self, *shape: Any) -> Tensor:
        return _ops.reshape(self, shape)

    def view(self, *shape: Any) -> Tensor:
        """The same values in `shape`, sharing this tensor's memory (so in-place changes of
        either show in both), as PyTorch's `view`; where the layout allows no such view (a
        transposed matrix flattened), it raises as PyTorch does: use `reshape`, which copies.

        >>> import stir
        >>> x = stir.zeros(2, 3)
        >>> x.view(-1)[0] = 5.0
        >>> x[0, 0]
        tensor(5.)
        """
        result = _ops.reshape(self, shape)
        array = result.array
        if array.size > 1 and _array.is_numpy(array) and not _array.may_share_memory(
                array, self.array):
            raise RuntimeError(
                f"view({', '.join(map(str, shape))}): the tensor's memory layout allows no view "
                "of that shape (at least one dimension spans across two contiguous subspaces, "
                "as PyTorch says); use .reshape(...) instead, which copies")
        return result

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Swap two dimensions (PyTorch's meaning; see `permute` for a full reordering)."""
        return _ops.transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def permute(self, *args: Any, dims: Any = None) -> Tensor:
        """Dimensions reordered: result dimension i is dimension dims[i] (`permute(1, 0)`,
        `permute((1, 0))` or `permute(dims=(1, 0))`)."""
        return _ops.permute(self, args if dims is None else (dims,))

    def squeeze(self, dim: Any = None) -> Tensor:
        """Without the dimensions of size 1 (only those of `dim`, an int or a tuple, that
        are of size 1)."""
        if dim is not None:
            listed = (dim,) if hasattr(dim, "__index__") else tuple(dim)
            dim = tuple(_ops.wrap_dim(d, self.ndim) for d in listed)
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim: int) -> Tensor:
        return _ops.unsqueeze(self, dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _ops.flatten(self, start_dim, end_dim)

    def expand(self, *shape: Any) -> Tensor:
        """A broadcast view of `shape` (-1 keeps a dimension)."""
        if not shape:
            raise TypeError('expand() missing 1 required positional arguments: "size"')
        return _ops.expand(self, shape)

    def broadcast_to(self, shape: Shape) -> Tensor:
        return _ops.BroadcastTo.apply(self, tuple(shape))

    def sum_to_size(self, *shape: Any) -> Tensor:
        """Summed down to `shape`, which broadcasts to this tensor's shape (the adjoint of
        `broadcast_to`)."""
        return _ops.sum_to_size(self, shape)

    def where(self, condition: Any, other: Any) -> Tensor:
        """self where `condition` holds, else other (PyTorch's `x.where(condition, y)`)."""
        return _ops.where(condition, self, other)

    # ------------------------------------------------ PyTorch's shapes, rearranged
    def view_as(self, other: Tensor) -> Tensor:
        return _ops.reshape(self, tuple(other.shape))

    reshape_as = view_as

    def expand_as(self, other: Tensor) -> Tensor:
        return _ops.expand(self, tuple(other.shape))

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        return _ops.unflatten(self, dim, sizes)

    def contiguous(self, memory_format: Any = None) -> Tensor:
        """This tensor when its entries are in row-major order, else a row-major copy."""
        return _ops.contiguous(self)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        return _ops.is_contiguous(self)

    def repeat(self, *sizes: Any) -> Tensor:
        """Tiled `sizes[i]` times along each dimension (NumPy's tile; see `ops.repeat`)."""
        return _ops.repeat(self, *sizes)

    def tile(self, *args: Any, dims: Any = None) -> Tensor:
        return _ops.tile(self, _one_sequence(args, dims))

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        return _ops.repeat_interleave(self, repeats, dim, output_size=output_size)

    def flip(self, *args: Any, dims: Any = None) -> Tensor:
        """Reversed along `dims` (`flip(0, 1)`, `flip((0, 1))` or `flip(dims=(0, 1))`)."""
        if dims is None and not args:
            raise TypeError('flip() missing 1 required positional arguments: "dims"')
        return _ops.flip(self, _one_sequence(args, dims))

    def fliplr(self) -> Tensor:
        return _ops.flip(self, 1)

    def flipud(self) -> Tensor:
        return _ops.flip(self, 0)

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        return _ops.roll(self, shifts, dims)

    def movedim(self, source: Any, destination: Any) -> Tensor:
        return _ops.movedim(self, source, destination)

    moveaxis = movedim

    def narrow(self, dim: int, start: Any, length: int) -> Tensor:
        return _ops.narrow(self, dim, start, length)

    def tril(self, diagonal: int = 0) -> Tensor:
        return _ops.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        return _ops.triu(self, diagonal)

    # ------------------------------------------------ indexing along a dimension
    def gather(self, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
        return _ops.gather(self, dim, index)

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        return _ops.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        return _ops.scatter_add(self, dim, index, src)

    def index_select(self, dim: int, index: Any) -> Tensor:
        return _ops.index_select(self, dim, index)

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        return _ops.index_add(self, dim, index, source, alpha=alpha)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return _ops.masked_fill(self, mask, value)

    def masked_select(self, mask: Any) -> Tensor:
        return _ops.masked_select(self, mask)

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        return _ops.take_along_dim(self, indices, dim)

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        return _ops.nonzero(self, as_tuple=as_tuple)

    # ------------------------------------------------ splitting
    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.chunk(self, chunks, dim)

    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.tensor_split(self, indices_or_sections, dim)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        return _ops.unbind(self, dim)

    # ------------------------------------------------ sorting and counting
    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        return _ops.sort(self, dim, descending, stable=stable)

    def argsort(self, dim: int = -1, descending: bool = False, *,
                stable: bool = False) -> Tensor:
        return _ops.argsort(self, dim, descending, stable=stable)

    def msort(self) -> Tensor:
        return _ops.msort(self)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        return _ops.topk(self, k, dim, largest, sorted)

    def unique(self, sorted: bool = True, return_inverse: bool = False,
               return_counts: bool = False, dim: int | None = None) -> Any:
        return _ops.unique(self, sorted, return_inverse, return_counts, dim)

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
        return _ops.histc(self, bins, min, max)

    def histogram(self, bins: Any = 100, *, range: Any = None, weight: Any = None,
                  density: bool = False) -> Any:
        return _ops.histogram(self, bins, range=range, weight=weight, density=density)

    def bincount(self, weights: Any = None, minlength: int = 0) -> Tensor:
        return _ops.bincount(self, weights, minlength)


def _one_sequence(args: tuple[Any, ...], keyword: Any) -> Any:
    """f(0, 1), f((0, 1)) and f(dims=(0, 1)) as the one argument (0, 1)."""
    if keyword is not None:
        return keyword
    return args[0] if len(args) == 1 else args
