"""Samplers, as PyTorch's: the order in which a `DataLoader` visits a dataset's indices.

`SequentialSampler` and `RandomSampler` (the two that `shuffle=` chooses between) also give
a whole pass at once, `epoch_indices()`, as one NumPy array: the loader slices batches out of
it instead of walking index by index. Iterating either sampler yields the same indices.
`DistributedSampler` gives each of several processes its share of every epoch.

>>> import stir
>>> from stir.utils.data import BatchSampler, SequentialSampler
>>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
[[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sized

import numpy as np

from .. import creation, sampling
from ..random import Generator, resolve


class Sampler:
    """The base of samplers: subclasses define `__iter__` over indices (and `__len__`)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError("Subclasses of Sampler should implement __iter__.")


class SequentialSampler(Sampler):
    """Indices 0, 1, …, len(data_source) − 1, in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def epoch_indices(self) -> np.ndarray:
        """One pass's indices as one array."""
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in a fresh random order each pass (a permutation; several concatenated when
    `num_samples` exceeds the dataset), or `num_samples` independent uniform draws with
    `replacement=True`. Draws come from `generator`, else the default generator."""

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        count = self.num_samples
        if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={count}")

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields (the dataset's length unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def epoch_indices(self) -> np.ndarray:
        """One pass's indices as one array, drawn now."""
        n, count, rng = len(self.data_source), self.num_samples, resolve(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=count)
        passes = [rng.permutation(n) for _ in range(-(-count // n))]
        return np.concatenate(passes)[:count]

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order each pass."""

    def __init__(self, indices: Any, generator: Generator | None = None) -> None:
        self.indices, self.generator = indices, generator

    def __iter__(self) -> Iterator[Any]:
        for position in resolve(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[position]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probability proportional to `weights` (with
    replacement unless told otherwise), through `stir.multinomial`."""

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) \
                or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        self.weights = creation.as_tensor(weights, dtype=np.float64)
        if self.weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(self.weights.shape)}")
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self) -> Iterator[int]:
        drawn = sampling.multinomial(self.weights, self.num_samples, self.replacement,
                                     generator=self.generator)
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of `batch_size` indices from `sampler`; the last one shorter unless
    `drop_last=True` drops it."""

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def __iter__(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        count = len(self.sampler)  # type: ignore[arg-type]
        return count // self.batch_size if self.drop_last else -(-count // self.batch_size)


class DistributedSampler(Sampler):
    """Rank `rank`'s share of a dataset's indices, out of `num_replicas` ranks, as
    `torch.utils.data.distributed.DistributedSampler`.

    Each epoch's order is a permutation drawn from a generator seeded with seed + epoch
    (call `set_epoch(e)` before each epoch, or every epoch has the same order; every rank
    must pass the same seed), or 0 … n − 1 without `shuffle`. So that every rank gets
    num_samples = ⌈n / R⌉ indices, the order is padded by repeating its first indices up
    to R·num_samples; with `drop_last` it is cut to R·⌊n / R⌋ instead. Rank r takes the
    positions r, r + R, r + 2R, ...: when R divides n, the ranks' shares are disjoint and
    cover every index exactly once per epoch. `num_replicas` and `rank` default to the
    process group's (ValueError without one). The permutations are stir's generator's
    (NumPy's PCG64), not PyTorch's: the same seed gives other orders than in PyTorch.

    >>> list(DistributedSampler(range(10), num_replicas=3, rank=0, shuffle=False))
    [0, 3, 6, 9]
    >>> list(DistributedSampler(range(10), num_replicas=3, rank=2, shuffle=False))  # padded
    [2, 5, 8, 1]
    >>> len(DistributedSampler(range(10), num_replicas=3, rank=2, drop_last=True))
    3
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None,
                 rank: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            from .. import distributed

            num_replicas = distributed.get_world_size() if num_replicas is None \
                else num_replicas
            rank = distributed.get_rank() if rank is None else rank
        for name, value in (("num_replicas", num_replicas), ("rank", rank)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"DistributedSampler: {name} must be an int, got {value!r}")
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be >= 1, got "
                             f"{num_replicas}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, seed, drop_last, 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = -(-(n - self.num_replicas) // self.num_replicas)
        else:
            self.num_samples = -(-n // self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def epoch_order(self) -> np.ndarray:
        """The whole epoch's order (every rank's), padded or cut to `total_size`."""
        n = len(self.dataset)
        order = (Generator(self.seed + self.epoch).numpy.permutation(n) if self.shuffle
                 else np.arange(n))
        if self.drop_last:
            return order[:self.total_size]
        padding = self.total_size - n
        if padding and n:
            order = np.concatenate([order, np.resize(order, padding)])
        return order

    def __iter__(self) -> Iterator[int]:
        return iter(self.epoch_order()[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch to draw the order of (seeded with seed + epoch on every rank)."""
        self.epoch = epoch
