"""Minibatches: `DataLoader` walks a dataset (PyTorch's way) or arrays (stir's) in batches,
in order, shuffled, or sampled.

The one class takes either form:

- `DataLoader(dataset, batch_size=1, shuffle=False, ...)`, as `torch.utils.data.DataLoader`:
  any object with `__getitem__` and `__len__` (a `Dataset`, a stir tensor, a list of
  samples) or an `IterableDataset`; batches are what `collate_fn` makes of the samples
  (`default_collate`: a `TensorDataset` gives a list `[xb, yb]`);
- `DataLoader(X, y, ..., batch_size=...)`, stir's arrays form: NumPy arrays, stir tensors or
  nested lists of numbers, walked along their first axis; each batch is a tuple of tensors.

The ways seeds 000-002 draw training examples are all this class: in order
(`shuffle=False`); shuffled (`shuffle=True`, a fresh permutation every epoch, each example
seen once); and with replacement (`replacement=True`, stir's: every batch drawn
independently and uniformly, as seed 001's `sample(1:length(observations), batchsize)`;
`batch_size=1` is seed 000's one-sample SGD).

Over a `TensorDataset` (or a `Subset` of one, or arrays) with the default collation, each
batch is the tensors indexed by the batch's indices at once, not sample by sample.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Iterator

import numpy as np

from ..random import Generator
from ..tensor import Tensor
from ..utils.collate import default_collate, default_convert
from ..utils.datasets import Dataset, IterableDataset, Subset, TensorDataset
from ..utils.samplers import BatchSampler, RandomSampler, SequentialSampler
from .frames import as_numbers


class BatchSizeError(TypeError, ValueError):
    """A batch_size that is not an int: PyTorch raises ValueError, stir TypeError; this is
    both."""


#: PyTorch's parameters after `dataset`, in order, for calls such as DataLoader(data, 64).
_POSITIONAL = ("batch_size", "shuffle", "sampler", "batch_sampler", "num_workers",
               "collate_fn", "pin_memory", "drop_last", "timeout", "worker_init_fn",
               "multiprocessing_context", "generator")
_warned_about_workers = [False]


class DataLoader:
    """Iterate minibatches of a dataset, or of arrays along their first axis.

    `len(loader)` is the number of batches per epoch: ceil(n / batch_size), or
    n // batch_size with `drop_last=True`. Every `iter(loader)` starts a new epoch; shuffling
    and sampling draw from `generator` (a `stir.Generator`, else the default generator that
    `stir.manual_seed` resets), so the same seed gives the same order. `num_workers` is
    accepted, but stir loads every batch in the main process (it says so once).

    >>> import numpy as np, stir
    >>> from stir.utils.data import DataLoader, TensorDataset
    >>> data = TensorDataset(stir.arange(10.0).reshape(5, 2), stir.tensor([0, 1, 0, 1, 1]))
    >>> loader = DataLoader(data, batch_size=2)
    >>> len(loader), [tuple(xb.shape) for xb, yb in loader]
    (3, [(2, 2), (2, 2), (1, 2)])
    >>> X, y = np.arange(10, dtype=np.float32).reshape(5, 2), np.array([0, 1, 0, 1, 1])
    >>> first = DataLoader(X, y, batch_size=2, shuffle=True,
    ...                    generator=stir.Generator().manual_seed(0))
    >>> again = DataLoader(X, y, batch_size=2, shuffle=True,
    ...                    generator=stir.Generator().manual_seed(0))
    >>> all((a.numpy() == b.numpy()).all() for (a, _), (b, _) in zip(first, again))
    True
    """

    def __init__(self, dataset: Any = None, *more: Any, batch_size: int | None = 1,
                 shuffle: bool | None = None, sampler: Any = None, batch_sampler: Any = None,
                 num_workers: int = 0, collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True,
                 replacement: bool = False) -> None:
        options = {"batch_size": batch_size, "shuffle": shuffle, "sampler": sampler,
                   "batch_sampler": batch_sampler, "num_workers": num_workers,
                   "collate_fn": collate_fn, "pin_memory": pin_memory, "drop_last": drop_last,
                   "timeout": timeout, "worker_init_fn": worker_init_fn,
                   "multiprocessing_context": multiprocessing_context, "generator": generator}
        self.arrays: tuple[Any, ...] | None = None
        if dataset is None and not more:
            raise ValueError("DataLoader needs a dataset, or at least one array (for example "
                             "DataLoader(X, y))")
        arrays: tuple[Any, ...] = ()
        if more and _is_array(more[0]) or not more and _is_lone_array(dataset):
            arrays = (dataset, *more)
        elif _is_frame(dataset):  # a lone frame, then options: DataLoader(frame, 32)
            _warn_lone_array(stacklevel=3)
            arrays = (dataset,)
            _take_positional(options, more)
        else:
            _take_positional(options, more)
        if arrays:
            self.arrays = _as_arrays(arrays)
            dataset = TensorDataset(*(Tensor(array) for array in self.arrays))
        self.dataset = dataset
        self._configure(**options, prefetch_factor=prefetch_factor,
                        persistent_workers=persistent_workers, replacement=replacement)
        self.pin_memory, self.pin_memory_device = options["pin_memory"], pin_memory_device
        self.multiprocessing_context, self.in_order = options["multiprocessing_context"], in_order

    def _configure(self, batch_size: Any, shuffle: Any, sampler: Any, batch_sampler: Any,
                   num_workers: Any, collate_fn: Any, drop_last: Any, timeout: Any,
                   worker_init_fn: Any, generator: Any, prefetch_factor: Any,
                   persistent_workers: Any, replacement: bool, **unused: Any) -> None:
        """PyTorch's checks, in PyTorch's order, then the sampler and batch sampler."""
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if generator is not None and not isinstance(generator, Generator):
            raise TypeError(f"DataLoader: generator must be a stir.Generator, got "
                            f"{type(generator).__name__}")
        if isinstance(self.dataset, IterableDataset):
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value is not None and value is not False:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={value}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("batch_size=None option disables auto-batching and is "
                                 "mutually exclusive with drop_last")
        else:
            _check_batch_size(batch_size)
        if replacement and (sampler is not None or batch_sampler is not None or
                            batch_size is None):
            raise ValueError("DataLoader: replacement=True (stir's) draws its own sampler; it "
                             "needs a batch_size and no sampler or batch_sampler")
        if self.arrays is not None and len(self.dataset) == 0:
            raise ValueError("DataLoader: the arrays are empty (0 examples)")
        if sampler is None and not isinstance(self.dataset, IterableDataset):
            if replacement:
                n = len(self.dataset)
                batches = n // batch_size if drop_last else -(-n // batch_size)
                # (at least one draw, which drop_last then drops, when n < batch_size)
                sampler = RandomSampler(self.dataset, replacement=True,
                                        num_samples=max(batches * batch_size, 1),
                                        generator=generator)
            elif shuffle:
                sampler = RandomSampler(self.dataset, generator=generator)
            else:
                sampler = SequentialSampler(self.dataset)
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, bool(drop_last))
        self.batch_size, self.drop_last, self.generator = batch_size, bool(drop_last), generator
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.shuffle, self.replacement = bool(shuffle), bool(replacement)
        self.num_workers, self.timeout, self.worker_init_fn = num_workers, timeout, worker_init_fn
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.collate_fn = collate_fn or (default_collate if self._batching else default_convert)

    @property
    def _batching(self) -> bool:
        """Whether samples are grouped into batches (PyTorch's automatic batching)."""
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None)

    @property
    def num_samples(self) -> int:
        """The number of examples, n."""
        return len(self.dataset)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # a TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self._batching else self.sampler)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers > 0 and not _warned_about_workers[0]:
            _warned_about_workers[0] = True
            warnings.warn(f"DataLoader(num_workers={self.num_workers}): stir loads every batch "
                          "in the main process (PyTorch would start worker processes, and "
                          "call worker_init_fn in each); the batches are the same",
                          stacklevel=2)
        if isinstance(self.dataset, IterableDataset):
            return self._stream()
        rows = self._tensor_rows()
        if rows is not None:
            return self._sliced(*rows)
        return self._fetched()

    def _fetched(self) -> Iterator[Any]:
        """Batches sample by sample: any dataset, sampler and collate_fn."""
        dataset, collate = self.dataset, self.collate_fn
        if not self._batching:
            for index in self.sampler:
                yield collate(dataset[index])
            return
        many = getattr(dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            samples = many(indices) if callable(many) else [dataset[i] for i in indices]
            batch = collate(samples)
            yield tuple(batch) if self.arrays is not None and collate is default_collate \
                else batch

    def _stream(self) -> Iterator[Any]:
        collate, size = self.collate_fn, self.batch_size
        if size is None:
            for sample in self.dataset:
                yield collate(sample)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def _tensor_rows(self) -> tuple[tuple[Tensor, ...], Any, Any] | None:
        """The tensors of the TensorDataset (or the tensor) under the loader, through any
        Subsets (whose indices compose into one index array), and the type of a batch (None:
        the tensor's rows themselves), when batches can be sliced from them: the default
        collation over a built-in sampler and batch sampler. Else None."""
        if self.collate_fn is not default_collate or type(self.batch_sampler) is not \
                BatchSampler or type(self.batch_sampler.sampler) not in (SequentialSampler,
                                                                         RandomSampler):
            return None
        dataset, mapping = self.dataset, None
        while type(dataset) is Subset:
            indices = np.asarray(dataset.indices, dtype=np.int64)
            mapping = indices if mapping is None else indices[mapping]
            dataset = dataset.dataset
        if type(dataset) is Tensor and dataset.ndim > 0:  # a tensor is a dataset of its rows
            return (dataset,), mapping, None
        if type(dataset) is not TensorDataset:
            return None
        return dataset.tensors, mapping, tuple if self.arrays is not None else list

    def _sliced(self, tensors: tuple[Tensor, ...], mapping: np.ndarray | None,
                batch_type: Any) -> Iterator[Any]:
        sampler, size = self.batch_sampler.sampler, self.batch_sampler.batch_size
        in_order = type(sampler) is SequentialSampler and mapping is None
        order = None if in_order else sampler.epoch_indices()
        if mapping is not None and order is not None:
            order = mapping[order]
        count = len(self.batch_sampler)
        if order is None:  # contiguous rows: slicing then copying beats fancy indexing
            batches: Iterator[Any] = (slice(k * size, (k + 1) * size) for k in range(count))
        else:
            batches = (order[k * size:(k + 1) * size] for k in range(count))
        arrays = [t.array for t in tensors]
        recorded = any(t.requires_grad or type(t.array) is not np.ndarray for t in tensors)

        def take(rows: Any) -> list[Tensor]:
            if recorded:
                return [_rows(t, rows) for t in tensors]
            if order is None:
                return [Tensor(a[rows].copy()) for a in arrays]
            return [Tensor(a[rows]) for a in arrays]

        for rows in batches:
            taken = take(rows)
            yield taken[0] if batch_type is None else batch_type(taken)

    def __repr__(self) -> str:
        mode = "replacement" if self.replacement else "shuffle" if self.shuffle else "in order"
        what = f"{len(self.arrays)} arrays" if self.arrays is not None else \
            type(self.dataset).__name__
        size = f", n={len(self.dataset)}" if hasattr(self.dataset, "__len__") else ""
        return (f"DataLoader({what}{size}, batch_size={self.batch_size}, {mode}, "
                f"drop_last={self.drop_last})")


def _rows(tensor: Tensor, rows: Any) -> Tensor:
    """tensor[rows] as a new tensor (recorded when the tensor requires grad, as PyTorch's
    stack of its samples is)."""
    if tensor.requires_grad or type(tensor.array) is not np.ndarray:
        return tensor[rows]
    taken = tensor.array[rows]
    return Tensor(taken.copy() if isinstance(rows, slice) else taken)


def _take_positional(options: dict[str, Any], more: tuple[Any, ...]) -> None:
    """PyTorch's positional parameters after the dataset (DataLoader(data, 64, True))."""
    if len(more) > len(_POSITIONAL):
        raise TypeError(f"DataLoader takes at most {len(_POSITIONAL) + 1} positional "
                        f"arguments ({len(more) + 1} given)")
    defaults = {"batch_size": 1, "num_workers": 0, "pin_memory": False, "drop_last": False,
                "timeout": 0}
    for name, value in zip(_POSITIONAL, more):
        if options[name] != defaults.get(name):
            raise TypeError(f"DataLoader got multiple values for argument {name!r}")
        options[name] = value


def _check_workers(num_workers: Any, timeout: Any, prefetch_factor: Any,
                   persistent_workers: Any) -> None:
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _check_batch_size(batch_size: Any) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise BatchSizeError(f"DataLoader: batch_size must be an int (PyTorch: a positive "
                             f"integer value), got {batch_size!r}")
    if batch_size < 1:
        raise ValueError(f"DataLoader: batch_size must be at least 1 (PyTorch: batch_size "
                         f"should be a positive integer value), got {batch_size}")


# ----------------------------------------------------------------------------- arrays form
def _is_array(value: Any) -> bool:
    return (isinstance(value, (np.ndarray, np.generic, Tensor)) or _is_number_table(value)
            or _has_array_protocol(value))


def _has_array_protocol(value: Any) -> bool:
    """A column or table of another library that NumPy's array protocol converts (pandas
    and polars data frames and series, for instance), never imported here."""
    return hasattr(type(value), "__array__") and not isinstance(value, (str, bytes))


def _is_number_table(value: Any) -> bool:
    """A (nested) list of numbers, such as [[0.5], [1.5]], rather than a list of samples."""
    if not isinstance(value, list):
        return False
    while isinstance(value, list) and value:
        value = value[0]
    return isinstance(value, (bool, int, float, np.number))


def _is_lone_array(value: Any) -> bool:
    """DataLoader(X) with one NumPy array, list of numbers or data frame: stir's arrays form,
    whose batches are 1-tuples; PyTorch would batch the rows themselves (and index a data
    frame by column, failing), so stir says so."""
    if not (isinstance(value, (np.ndarray, np.generic)) or _is_number_table(value)
            or _is_frame(value)):
        return False
    _warn_lone_array(stacklevel=4)
    return True


def _is_frame(value: Any) -> bool:
    """A data frame, series or Arrow table: values NumPy's array protocol converts, which
    are not NumPy's own (a NumPy array alone is PyTorch's dataset of rows)."""
    return (_has_array_protocol(value) and not isinstance(value, (Tensor, Dataset))
            and not isinstance(value, (np.ndarray, np.generic)))


def _warn_lone_array(stacklevel: int) -> None:
    warnings.warn("DataLoader(array): stir reads one NumPy array, list of numbers or data "
                  "frame as its arrays form and yields 1-tuples (xb,); PyTorch would yield xb "
                  "itself. Pass a stir tensor (stir.as_tensor(array)) for PyTorch's batches",
                  stacklevel=stacklevel)  # (the user's line)


def _as_arrays(arrays: tuple[Any, ...]) -> tuple[Any, ...]:
    """Plain arrays of one common length, or an error saying which disagree (nested lists
    become arrays, Python floats float32)."""
    converted = []
    for position, value in enumerate(arrays):
        if isinstance(value, Tensor):
            array = value.array
        elif isinstance(value, (np.ndarray, np.generic)) and value.dtype != object:
            array = np.asarray(value)
        elif _is_number_table(value):
            array = np.asarray(value)
            if array.dtype == np.float64:
                array = array.astype(np.float32)
        elif _has_array_protocol(value):  # a data frame or series: its values, as NumPy's
            # (a text column refused by name; a missing cell kept as NaN, as in an array)
            array = as_numbers("DataLoader", f"argument {position}", value, finite=False)
        else:
            raise TypeError(f"DataLoader(X, y, ...): argument {position} is a "
                            f"{type(value).__name__}, not an array; after the arrays, pass "
                            "batch_size and the other options by keyword")
        if array.ndim == 0:
            raise ValueError(f"DataLoader: array {position} is a scalar; every array needs a "
                             f"first axis of examples")
        converted.append(array)
    lengths = [len(array) for array in converted]
    if len(set(lengths)) != 1:
        shapes = ", ".join(f"array {i}: {tuple(a.shape)}" for i, a in enumerate(converted))
        raise ValueError(f"DataLoader: arrays must have the same length along the first "
                         f"axis; got {shapes}")
    return tuple(converted)
