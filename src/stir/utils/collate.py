"""Collation, as PyTorch's: `default_collate` makes one batch of many samples, and
`default_convert` makes NumPy values tensors in one sample (a loader without batching).

>>> import stir
>>> from stir.utils.data import default_collate
>>> default_collate([{"x": stir.ones(2), "y": 1}, {"x": stir.zeros(2), "y": 0}])["y"]
tensor([1, 0])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import creation
from ..ops import stack
from ..tensor import Tensor

_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                  "or lists; found {}")


def default_collate(batch: list[Any]) -> Any:
    """One batch of the samples in `batch`, as PyTorch's `default_collate`: tensors (and
    NumPy arrays) are stacked along a new first dimension; Python floats become a float64
    tensor, ints int64, bools bool; NumPy scalars keep their dtype; strings stay a list;
    dicts, tuples and lists are collated field by field (a tuple becomes a list).

    >>> import stir
    >>> from stir.utils.data import default_collate
    >>> default_collate([(stir.tensor([1.0, 2.0]), 0), (stir.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    >>> default_collate([0.5, 1.5]).dtype
    dtype('float64')
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return _stacked(batch)
    if isinstance(first, np.ndarray):
        if first.dtype.kind in "OSUV":
            raise TypeError(_COLLATE_ERROR.format(first.dtype))
        return _stacked([creation.as_tensor(b) for b in batch])
    if isinstance(first, np.generic) and first.dtype.kind not in "OSUV":
        return creation.as_tensor(np.array(batch))
    if isinstance(first, float):
        return creation.tensor(batch, dtype=np.float64)
    if isinstance(first, int):
        return creation.tensor(batch)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, Mapping):
        fields = {key: default_collate([sample[key] for sample in batch]) for key in first}
        try:
            return type(first)(fields)
        except TypeError:
            return fields
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
        return type(first)(*(default_collate(list(column)) for column in zip(*batch)))
    if isinstance(first, Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(column)) for column in zip(*batch)]
        if isinstance(first, tuple):
            return columns
        try:
            return type(first)(columns)
        except TypeError:
            return columns
    raise TypeError(_COLLATE_ERROR.format(type(first)))


def _stacked(tensors: list[Tensor]) -> Tensor:
    for position, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(tensors[0].shape)} at entry 0 and {list(t.shape)} at "
                               f"entry {position}")
    if any(t.requires_grad or type(t.array) is not np.ndarray for t in tensors):
        return stack(tensors)
    return Tensor(np.stack([t.array for t in tensors]))


def default_convert(data: Any) -> Any:
    """A sample as it is, but with NumPy arrays and scalars made tensors (inside dicts,
    tuples and lists too): what a loader gives without batching (`batch_size=None`)."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)):
        return data if data.dtype.kind in "OSUV" else creation.as_tensor(data)
    if isinstance(data, Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return [default_convert(d) for d in data]
    return data
