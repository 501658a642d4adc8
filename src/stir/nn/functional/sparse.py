"""Embeddings, as PyTorch's `F.embedding`: rows of a weight table picked by index."""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import _array, ops
from ...grad_mode import no_grad
from ...ops.indexing import Lookup, check_rows
from ...tensor import Tensor, as_tensor


def padding_row(padding_idx: int | None, num_embeddings: int) -> int | None:
    """`padding_idx` as a row of a table of `num_embeddings` (negative from the end)."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, int) or not (
            -num_embeddings <= padding_idx < num_embeddings):
        raise ValueError(f"embedding: padding_idx must be within num_embeddings "
                         f"({num_embeddings}), got {padding_idx!r}")
    return padding_idx % num_embeddings


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """y[..., :] = weight[input[...], :]: the row of the (num_embeddings, embedding_dim)
    table `weight` for each index in `input` (integers of any shape), so y has shape
    input.shape + (embedding_dim,). The gradient of each row is the sum of the output
    gradients of its lookups (a scatter-add); the `padding_idx` row gets none. With
    `max_norm`, each looked-up row whose `norm_type`-norm exceeds it is first rescaled in
    place (outside the graph) to norm max_norm, as PyTorch.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> table = stir.tensor([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> out = F.embedding(stir.tensor([[1, 2], [1, 0]]), table, padding_idx=0)
    >>> out.shape
    stir.Size([2, 2, 2])
    >>> out.sum().backward()
    >>> table.grad
    tensor([[0., 0.],
            [2., 2.],
            [1., 1.]])
    """
    if scale_grad_by_freq:
        raise NotImplementedError("embedding: scale_grad_by_freq=True (dividing each row's "
                                  "gradient by its count in the batch) is not in stir")
    if sparse:
        raise NotImplementedError("embedding: sparse=True (a sparse gradient for the table) "
                                  "is not in stir; its dense gradient is the same numbers")
    weight = as_tensor(weight)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be a table of shape (num_embeddings, "
                         f"embedding_dim); got shape {tuple(weight.shape)}")
    indices = input.array if isinstance(input, Tensor) else _array.as_array(input)
    if _array.kind(indices.dtype) not in "iu":
        raise TypeError(f"embedding: the indices must be an integer tensor (int64 or int32, "
                        f"as PyTorch), got {indices.dtype}")
    rows = weight.shape[0]
    padding = padding_row(padding_idx, rows)
    if max_norm is not None:
        check_rows(indices, rows, "embedding")  # before rows are rescaled
        _renormalize(weight, indices, float(max_norm), float(norm_type))
    xp = _array.namespace(indices)
    if _array.is_numpy(weight.array):
        looked_up = Lookup.apply(weight, indices, "embedding")
    else:  # (row, column) index arrays: the one gather every array-API library allows
        indices = _array.beside(indices, weight.array)
        xp = _array.namespace(weight.array)
        columns = xp.arange(weight.shape[1], device=_array.device(weight.array))
        looked_up = Lookup.apply(weight, (xp.reshape(indices, indices.shape + (1,)), columns),
                                 "embedding")
    if padding is None or not looked_up.requires_grad:
        return looked_up
    # The padding row's lookups are the same values cut from the graph: no gradient to it.
    keep = Tensor(xp.reshape(indices != padding, indices.shape + (1,)))
    return ops.where(keep, looked_up, looked_up.detach())


def _renormalize(weight: Tensor, indices: Any, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, each looked-up row of norm above max_norm to norm max_norm (with
    PyTorch's 1e-7 in the denominator)."""
    table = weight.array
    xp = _array.namespace(table)
    flat = xp.reshape(indices, (-1,))
    # NumPy's `unique`: _array's NumPy namespace has no unique_values
    used = np.unique(flat) if _array.is_numpy(flat) else xp.unique_values(flat)
    chosen = table[used]
    norms = xp.sum(xp.abs(chosen) ** norm_type, axis=1) ** (1 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    with no_grad():
        table[used] = chosen * xp.astype(scale, table.dtype)[:, None]
        weight._version[0] += 1
