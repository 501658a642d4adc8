"""Datasets, as PyTorch's `torch.utils.data`: `Dataset` (map-style: `__getitem__` and
`__len__`), `TensorDataset`, `Subset`, `ConcatDataset`, `IterableDataset`, `ChainDataset`
and `random_split`.

>>> import stir
>>> from stir.utils.data import TensorDataset, random_split
>>> data = TensorDataset(stir.arange(10), stir.arange(10) * 2)
>>> data[3]
(tensor(3), tensor(6))
>>> train, test = random_split(data, [0.8, 0.2], generator=stir.Generator().manual_seed(0))
>>> len(train), len(test), sorted(train.indices + test.indices) == list(range(10))
(8, 2, True)
"""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from typing import Any, Iterable, Iterator, Sequence

from .. import sampling
from ..random import Generator
from ..tensor import Tensor


class Dataset:
    """A map-style dataset: `dataset[i]` is the i-th sample, `len(dataset)` their number.
    Subclass it and define both; `a + b` is `ConcatDataset([a, b])`."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: subclass it and define `__iter__` (and `__len__` if the
    stream's length is known); `a + b` chains two streams."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class DatasetError(ValueError, AssertionError):
    """A dataset built from parts that do not fit (tensors of different lengths, nothing to
    concatenate). PyTorch asserts these, so this error is both a ValueError and the
    AssertionError PyTorch code may catch."""


class TensorDataset(Dataset):
    """Samples that are rows of tensors: `dataset[i]` is `(t[i] for each tensor)`, so all
    must share their first dimension.

    >>> import stir
    >>> len(TensorDataset(stir.zeros(5, 2), stir.arange(5)))
    5
    """

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, e.g. "
                             "TensorDataset(features, labels)")
        for position, value in enumerate(tensors):
            if not isinstance(value, Tensor):
                raise TypeError(f"TensorDataset: argument {position} is a "
                                f"{type(value).__name__}, not a tensor (make one with "
                                "stir.as_tensor)")
            if value.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {position} is 0-d; each needs a "
                                 "first dimension of samples")
        lengths = [len(t) for t in tensors]
        if len(set(lengths)) != 1:
            raise DatasetError(f"TensorDataset: Size mismatch between tensors: every tensor "
                               f"needs the same first dimension, got {lengths}")
        self.tensors: tuple[Tensor, ...] = tuple(tensors)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: `subset[i]` is
    `dataset[indices[i]]`."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """Many samples at once, through the dataset's own `__getitems__` when it has one."""
        wanted = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(wanted)  # type: ignore[no-any-return]
        return [self.dataset[i] for i in wanted]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after another: indices 0 … len(first) − 1 reach the first,
    and so on (`cumulative_sizes` holds the running totals)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise DatasetError("ConcatDataset: datasets should not be an empty iterable")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise DatasetError("ConcatDataset does not support IterableDataset (chain "
                                   "streams with ChainDataset)")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Streams one after another."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for dataset in self.datasets:
            yield from dataset  # type: ignore[misc]

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)  # type: ignore[arg-type]


def random_split(dataset: Any, lengths: Sequence[float],
                 generator: Generator | None = None) -> list[Subset]:
    """`dataset` cut at random into non-overlapping `Subset`s of the given `lengths`, as
    `torch.utils.data.random_split`. Lengths are counts that sum to len(dataset), or fractions
    that sum to 1: each gets floor(n · fraction) samples, and the remainder is dealt out one
    at a time from the first subset on.

    >>> from stir.utils.data import random_split
    >>> [len(part) for part in random_split(range(10), [0.33, 0.33, 0.34])]
    [4, 3, 3]
    """
    total = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for position, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"Fraction at index {position} is not between 0 and 1")
            counts.append(int(math.floor(total * fraction)))
        for extra in range(total - sum(counts)):
            counts[extra % len(counts)] += 1
        for position, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {position} is 0. This might result "
                              "in an empty dataset.", stacklevel=2)
        lengths = counts
    if sum(lengths) != total:
        raise ValueError(f"Sum of input lengths does not equal the length of the input "
                         f"dataset! ({sum(lengths)} != {total})")
    order = sampling.randperm(int(sum(lengths)), generator=generator).tolist()
    ends = itertools.accumulate(int(n) for n in lengths)
    return [Subset(dataset, order[end - int(n):end]) for end, n in zip(ends, lengths)]
