"""Minibatches: `DataLoader` walks arrays in batches, in order, shuffled, or sampled.

The three ways seeds 000-002 draw training examples are all one class here:

- in order (`shuffle=False`): batches 0..b-1, b..2b-1, ... (full-batch gradient descent
  when `batch_size` is the dataset size);
- shuffled (`shuffle=True`): a fresh permutation every epoch, each example seen once
  (seed 002's "epoch = single pass through the entire dataset in batch steps");
- with replacement (`replacement=True`): every batch drawn independently and uniformly,
  as seed 001's `sample(1:length(observations), batchsize)`; `batch_size=1` is seed 000's
  one-sample SGD (`i = rand(1:n)`).
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .._types import Array
from ..random import Generator, resolve
from ..tensor import Tensor


class DataLoader:
    """Iterate minibatches of `arrays` (NumPy arrays or stir tensors) along their first axis.

    Each batch is a tuple of stir tensors, one per array, holding rows
    `arrays[k][indices]` (a copy: changing a batch never changes the data). Dtypes are kept
    (float32 features stay float32, int64 labels stay int64); nested lists become arrays,
    Python floats float32.

    The number of batches per epoch, `len(loader)`, is `ceil(n / batch_size)`, or
    `n // batch_size` with `drop_last=True`. With `replacement=True` every batch has exactly
    `batch_size` rows and an epoch is still `len(loader)` batches.

    Shuffling and sampling draw from `generator` (a `stir.Generator`; the default generator
    when None) each time iteration starts, so the same seed gives the same order.

    >>> import numpy as np, stir
    >>> from stir.data import DataLoader
    >>> X = np.arange(10, dtype=np.float32).reshape(5, 2)
    >>> y = np.array([0, 1, 0, 1, 1])
    >>> loader = DataLoader(X, y, batch_size=2)
    >>> len(loader), [tuple(b.size()) for b, _ in loader]
    (3, [(2, 2), (2, 2), (1, 2)])
    >>> first = DataLoader(X, y, batch_size=2, shuffle=True,
    ...                    generator=stir.Generator().manual_seed(0))
    >>> again = DataLoader(X, y, batch_size=2, shuffle=True,
    ...                    generator=stir.Generator().manual_seed(0))
    >>> all((a.numpy() == b.numpy()).all() for (a, _), (b, _) in zip(first, again))
    True
    """

    def __init__(
        self,
        *arrays: Any,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        replacement: bool = False,
        generator: Generator | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"DataLoader: batch_size must be an int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(
                f"DataLoader: generator must be a stir.Generator, got {type(generator).__name__}"
            )
        self.arrays: tuple[Array, ...] = _as_arrays(arrays)
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.replacement = bool(replacement)
        self.generator = generator

    @property
    def num_samples(self) -> int:
        """The number of rows, n (the length of every array's first axis)."""
        return len(self.arrays[0])

    def __len__(self) -> int:
        n, size = self.num_samples, self.batch_size
        return n // size if self.drop_last else -(-n // size)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        n, size, count = self.num_samples, self.batch_size, len(self)
        arrays = self.arrays
        if self.replacement:
            # One draw for the whole epoch, then cheap views into it per batch.
            order = resolve(self.generator).integers(0, n, size=count * size)
        elif self.shuffle:
            order = resolve(self.generator).permutation(n)
        else:
            order = None
        for k in range(count):
            if order is None:
                # Slicing then copying beats fancy indexing for contiguous rows.
                rows: Any = slice(k * size, (k + 1) * size)
                yield tuple(Tensor(array[rows].copy()) for array in arrays)
            else:
                rows = order[k * size:(k + 1) * size]
                yield tuple(Tensor(array[rows]) for array in arrays)

    def __repr__(self) -> str:
        mode = "replacement" if self.replacement else "shuffle" if self.shuffle else "in order"
        return (
            f"DataLoader({len(self.arrays)} arrays, n={self.num_samples}, "
            f"batch_size={self.batch_size}, {mode}, drop_last={self.drop_last})"
        )


def _as_arrays(arrays: tuple[Any, ...]) -> tuple[Array, ...]:
    """Plain NumPy arrays of one common length, or a ValueError saying which disagree."""
    if not arrays:
        raise ValueError("DataLoader needs at least one array (for example DataLoader(X, y))")
    converted = []
    for position, value in enumerate(arrays):
        if isinstance(value, Tensor):
            array = value.array
        elif isinstance(value, np.ndarray):
            array = value
        else:
            array = np.asarray(value)
            if array.dtype == np.float64:
                array = array.astype(np.float32)
        if array.ndim == 0:
            raise ValueError(
                f"DataLoader: array {position} is a scalar; every array needs a first axis "
                f"of examples"
            )
        converted.append(array)
    lengths = [len(array) for array in converted]
    if len(set(lengths)) != 1:
        shapes = ", ".join(f"array {i}: {a.shape}" for i, a in enumerate(converted))
        raise ValueError(
            f"DataLoader: arrays must have the same length along the first axis; got {shapes}"
        )
    if lengths[0] == 0:
        raise ValueError("DataLoader: the arrays are empty (0 examples)")
    return tuple(converted)
