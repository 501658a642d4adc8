"""Joining tensors and splitting them, as PyTorch's: cat, stack, hstack, vstack, dstack,
the atleast_Nd family, chunk, split, tensor_split, unbind, meshgrid, cartesian_prod.

Joins check their inputs with PyTorch's messages and convert them to PyTorch's common dtype
(int64 with float32 is float32), then concatenate (`Concatenate`, whose gradient gives each
input its slice); splits return tuples of slices of the input (views, as PyTorch's), whose
gradients add back into it.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

from .. import _array
from ..tensor import Tensor, as_tensor, promoted_dtype
from .indexing import wrap_dim
from .shapes import concatenate, getitem, reshape


def _tensor_list(name: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    return [as_tensor(t) for t in tensors]


def _common_dtype(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors converted to the dtype PyTorch joins them in."""
    dtype = tensors[0].array.dtype
    if all(t.array.dtype == dtype for t in tensors):
        return tensors
    for t in tensors[1:]:
        dtype = promoted_dtype(_Dtyped(dtype, t.ndim), t.array)
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


class _Dtyped:
    """The dtype of the tensors joined so far, as the array `promoted_dtype` takes."""

    def __init__(self, dtype: Any, ndim: int) -> None:
        self.dtype, self.ndim = dtype, ndim


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors joined along the existing dimension `dim`; all other sizes must match
    (a 1-d empty tensor is skipped, as PyTorch's legacy rule). Each input's gradient is its
    slice of the output's.

    >>> import stir
    >>> stir.cat([stir.zeros(1, 2), stir.ones(1, 2)], dim=0)
    tensor([[0., 0.],
            [1., 1.]])
    """
    listed = _tensor_list("cat", tensors)
    if not listed:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for position, t in enumerate(listed):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {position}) cannot be "
                               "concatenated")
    joined = _common_dtype(listed)
    kept = [t for t in joined if not (t.ndim == 1 and t.shape[0] == 0)] or joined[:1]
    axis = wrap_dim(dim, kept[0].ndim)
    first = kept[0]
    for number, t in enumerate(kept[1:], start=1):
        if t.ndim != first.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got "
                               f"{first.ndim} and {t.ndim}")
        for d in range(first.ndim):
            if d != axis and t.shape[d] != first.shape[d]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {axis}. "
                                   f"Expected size {first.shape[d]} but got size "
                                   f"{t.shape[d]} for tensor number {number} in the list.")
    return concatenate(kept, axis=axis)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """The tensors, all of one shape, joined along a new dimension `dim`.

    >>> import stir
    >>> stir.stack([stir.zeros(2), stir.ones(2)], dim=1)
    tensor([[0., 1.],
            [0., 1.]])
    """
    listed = _tensor_list("stack", tensors)
    if not listed:
        raise RuntimeError("stack expects a non-empty TensorList")
    for entry, t in enumerate(listed[1:], start=1):
        if t.shape != listed[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(listed[0].shape)} at entry 0 and {list(t.shape)} at "
                               f"entry {entry}")
    axis = wrap_dim(dim, listed[0].ndim + 1)
    shape = tuple(listed[0].shape)
    grown = [reshape(t, shape[:axis] + (1,) + shape[axis:]) for t in _common_dtype(listed)]
    return concatenate(grown, axis=axis)


def atleast_1d(x: Any) -> Any:
    """x with at least 1 dimension (a 0-d tensor becomes shape (1,)); tuples map over."""
    if isinstance(x, (list, tuple)):
        return tuple(atleast_1d(t) for t in x)
    x = as_tensor(x)
    return reshape(x, (1,)) if x.ndim == 0 else x


def atleast_2d(x: Any) -> Any:
    """x with at least 2 dimensions: (n,) becomes (1, n)."""
    if isinstance(x, (list, tuple)):
        return tuple(atleast_2d(t) for t in x)
    x = as_tensor(x)
    return reshape(x, (1,) * (2 - x.ndim) + tuple(x.shape)) if x.ndim < 2 else x


def atleast_3d(x: Any) -> Any:
    """x with at least 3 dimensions: (n,) becomes (1, n, 1), (m, n) becomes (m, n, 1)."""
    if isinstance(x, (list, tuple)):
        return tuple(atleast_3d(t) for t in x)
    x = as_tensor(x)
    if x.ndim >= 3:
        return x
    return reshape(x, {0: (1, 1, 1), 1: (1, x.numel(), 1), 2: tuple(x.shape) + (1,)}[x.ndim])


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Joined along dimension 1, or along 0 when the first is 1-d (0-d become 1-d)."""
    listed = atleast_1d(tuple(_tensor_list("hstack", tensors)))
    return cat(list(listed), dim=0 if listed and listed[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Joined along dimension 0, 1-d tensors as rows."""
    return cat(list(atleast_2d(tuple(_tensor_list("vstack", tensors)))), dim=0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Joined along dimension 2, after `atleast_3d`."""
    return cat(list(atleast_3d(tuple(_tensor_list("dstack", tensors)))), dim=2)


def _pieces(x: Tensor, dim: int, bounds: list[int]) -> tuple[Tensor, ...]:
    """The slices of x along dim between consecutive bounds. (Each index ends in an Ellipsis:
    the array standard wants every dimension indexed, or an Ellipsis for the rest.)"""
    lead = (slice(None),) * dim
    return tuple(getitem(x, lead + (slice(start, stop), ...))
                 for start, stop in zip(bounds[:-1], bounds[1:]))


def _dimensioned(x: Tensor, name: str) -> None:
    if x.ndim == 0:
        raise RuntimeError(f"{name} expects at least a 1-dimensional tensor")


def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """x cut along `dim` into pieces of split_size (the last smaller when it does not
    divide), or of the sizes in the list `split_size_or_sections`, which must add up to
    x's size there. Views of x.

    >>> import stir
    >>> [p.tolist() for p in stir.arange(5).split(2)]
    [[0, 1], [2, 3], [4]]
    """
    _dimensioned(x, "split")
    dim = wrap_dim(dim, x.ndim)
    length = x.shape[dim]
    if hasattr(split_size_or_sections, "__index__"):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}")
        if size == 0:
            if length:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                                   f"dimension size of {length}")
            return (x * 1,) if x.requires_grad else (x,)
        bounds = list(range(0, length, size)) + [length] if length else [0, 0]
        return _pieces(x, dim, bounds)
    sizes = [int(n) for n in split_size_or_sections]
    if sum(sizes) != length or any(n < 0 for n in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {length} "
                           f"(input tensor's size at dimension {dim}), but got "
                           f"split_sizes={sizes}")
    bounds = [0]
    for n in sizes:
        bounds.append(bounds[-1] + n)
    return _pieces(x, dim, bounds)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """x cut along `dim` into at most `chunks` pieces of ⌈size / chunks⌉ (the last may be
    smaller, and there may be fewer). Views of x.

    >>> import stir
    >>> [p.tolist() for p in stir.arange(6).chunk(4)]
    [[0, 1], [2, 3], [4, 5]]
    """
    _dimensioned(x, "chunk")
    if int(chunks) <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = x.shape[wrap_dim(dim, x.ndim)]
    size = -(-length // int(chunks))
    if size == 0:  # an empty dimension: chunks empty pieces, as PyTorch
        return split(x, [0] * int(chunks), dim)
    return split(x, size, dim)


def tensor_split(x: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """x cut along `dim` into `sections` pieces as equal as can be (the first size % sections
    one longer), or at the listed indices. Views of x.

    >>> import stir
    >>> [p.tolist() for p in stir.arange(7).tensor_split(3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    """
    _dimensioned(x, "tensor_split")
    dim = wrap_dim(dim, x.ndim)
    length = x.shape[dim]
    cuts = indices_or_sections
    if isinstance(cuts, Tensor):
        if cuts.ndim > 1 or _array.kind(cuts.dtype) not in "iu":
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a "
                               "zero-dimensional or one-dimensional tensor of integers")
        cuts = int(cuts.item()) if cuts.ndim == 0 else cuts.tolist()
    if hasattr(cuts, "__index__"):
        sections = int(cuts)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        small, extra = divmod(length, sections)
        bounds = [0]
        for i in range(sections):
            bounds.append(bounds[-1] + small + (1 if i < extra else 0))
        return _pieces(x, dim, bounds)
    points = [min(max(int(i) + (length if int(i) < 0 else 0), 0), length) for i in cuts]
    return _pieces(x, dim, [0] + points + [length])


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of x along `dim`, each without that dimension (views of x).

    >>> import stir
    >>> stir.tensor([[1, 2], [3, 4]]).unbind(1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    dim = wrap_dim(dim, x.ndim)
    lead = (slice(None),) * dim
    return tuple(getitem(x, lead + (i, ...)) for i in range(x.shape[dim]))


_MESHGRID_WARNING = ("torch.meshgrid: in an upcoming release, it will be required to pass "
                     "the indexing argument.")


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids of the 1-d (or 0-d) tensors: with indexing "ij", grid k has shape
    (len t0, len t1, ...) and varies along dimension k; with "xy" the first two dimensions
    are swapped (Cartesian, as NumPy's default). Without `indexing`, "ij" with PyTorch's
    warning. The grids are broadcast views of the inputs.

    >>> import stir
    >>> rows, columns = stir.meshgrid(stir.tensor([1, 2]), stir.tensor([3, 4, 5]),
    ...                               indexing="ij")
    >>> rows.shape, columns[0].tolist()
    (stir.Size([2, 3]), [3, 4, 5])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(_MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    listed = [as_tensor(t) for t in tensors]
    if not listed:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in listed:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got a tensor of shape {list(t.shape)}")
        if t.dtype != listed[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(listed) >= 2
    if swap:
        listed[0], listed[1] = listed[1], listed[0]
    shape = tuple(t.numel() for t in listed)
    grids = []
    for k, t in enumerate(listed):
        along = (1,) * k + (shape[k],) + (1,) * (len(shape) - k - 1)
        grids.append(reshape(t, along).broadcast_to(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of one entry of each 1-d tensor, as rows in row-major order (one
    tensor: itself).

    >>> import stir
    >>> stir.cartesian_prod(stir.tensor([1, 2]), stir.tensor([3, 4])).tolist()
    [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    listed = [as_tensor(t) for t in tensors]
    for t in listed:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(listed) == 1:
        return listed[0]
    grids = meshgrid(*listed, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], dim=1)
