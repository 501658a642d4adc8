"""The collectives: operations every rank calls together, each changing a tensor in place.

`all_reduce(t, op)` leaves on every rank the elementwise sum (ReduceOp.SUM), mean (AVG:
the sum divided by the world size), MAX, MIN or PRODUCT over the ranks' tensors;
`broadcast(t, src)` copies rank `src`'s tensor to every rank; `all_gather(list, t)` fills
list[r] with rank r's tensor; `barrier()` returns once every rank has called it. With
`async_op=True` each returns a `Work` whose `wait()` finishes it. Tensors travel as their
NumPy arrays through MPI's buffer interface (mpi4py's upper-case methods: the bytes of
the array, never a serialized Python object); every wait is bounded (failure.py).

The functions on arrays below the tensor ones are the library's own: the gradient buckets
and fit send arrays, small JSON values (a generator's state) and per-rank row counts.

>>> import stir, stir.distributed as dist
>>> dist.init_process_group()
>>> t = stir.tensor([3.0, 4.0])
>>> dist.all_reduce(t, op=dist.ReduceOp.AVG)   # the mean over one rank: unchanged
>>> dist.broadcast(t, src=0)
>>> t
tensor([3., 4.])
>>> parts = [stir.zeros(2)]
>>> dist.all_gather(parts, t)
>>> parts
[tensor([3., 4.])]
>>> dist.destroy_process_group()
"""

from __future__ import annotations

import enum
import json
from typing import Any, Callable, Sequence

import numpy as np

from ..tensor import Tensor
from . import failure
from .process_group import Group, current_group


class ReduceOp(enum.Enum):
    """How `all_reduce` combines the ranks' tensors (PyTorch's names)."""

    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"

    def __repr__(self) -> str:
        return f"ReduceOp.{self.name}"


class Work:
    """A collective under way (`async_op=True`): `wait()` finishes it (bounded by the
    group's timeout) and returns True; `is_completed()` says whether it has."""

    def __init__(self, group: Group, requests: list[Any], what: str,
                 finish: Callable[[], None] | None = None) -> None:
        self.group, self.requests, self.what, self._finish = group, requests, what, finish
        self._done = not requests

    def is_completed(self) -> bool:
        """Whether the collective has finished (finishing it if it has)."""
        if not self._done and self.group.mpi.Request.Testall(self.requests):
            self._complete()
        return self._done

    def wait(self, timeout: Any = None) -> bool:
        """Wait until the collective is done on this rank (at most the group's timeout)."""
        if not self._done:
            failure.wait_all(self.requests, self.group, self.what)
            self._complete()
        elif self._finish is not None:
            self._complete()
        return True

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: Any = None,
               async_op: bool = False) -> Work | None:
    """Replace `tensor` on every rank by the reduction `op` of all ranks' tensors (each of
    the same shape and dtype). AVG needs a floating tensor."""
    array = _array_of("all_reduce", tensor)
    work = start_reduce(array, _op("all_reduce", op), _group_of("all_reduce", group),
                        "all_reduce", on_done=lambda: _changed(tensor))
    return _finish(work, async_op)


def broadcast(tensor: Tensor, src: int = 0, group: Any = None,
              async_op: bool = False) -> Work | None:
    """Copy rank `src`'s `tensor` into every rank's `tensor` (same shape and dtype)."""
    current = _group_of("broadcast", group)
    _check_rank("broadcast", src, current)
    array = _array_of("broadcast", tensor)
    work = start_broadcast(array, src, current, "broadcast", on_done=lambda: _changed(tensor))
    return _finish(work, async_op)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: Any = None,
               async_op: bool = False) -> Work | None:
    """Fill `tensor_list[r]` with rank r's `tensor`, on every rank (one tensor per rank,
    each of `tensor`'s shape and dtype)."""
    current = _group_of("all_gather", group)
    array = _array_of("all_gather", tensor)
    if not isinstance(tensor_list, list) or len(tensor_list) != current.size:
        raise ValueError(f"all_gather: tensor_list must be a list of {current.size} tensors "
                         f"(one per rank), got {type(tensor_list).__name__} of "
                         f"{len(tensor_list) if hasattr(tensor_list, '__len__') else '?'}")
    targets = [_array_of("all_gather", item) for item in tensor_list]
    for index, target in enumerate(targets):
        if target.shape != array.shape or target.dtype != array.dtype:
            raise ValueError(f"all_gather: tensor_list[{index}] is {target.dtype} "
                             f"{target.shape}, the tensor {array.dtype} {array.shape}")
    received = np.empty((current.size, *array.shape), dtype=array.dtype)

    def spread() -> None:
        for item, target, value in zip(tensor_list, targets, received):
            target[...] = value
            _changed(item)

    if current.comm is None:
        received[0] = array
        work = Work(current, [], "all_gather", spread)
    else:
        request = current.comm.Iallgather(np.ascontiguousarray(array), received)
        work = Work(current, [request], "all_gather", spread)
    return _finish(work, async_op)


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Return once every rank has called barrier (at most the group's timeout)."""
    current = _group_of("barrier", group)
    requests = [] if current.comm is None else [current.comm.Ibarrier()]
    return _finish(Work(current, requests, "barrier"), async_op)


# ------------------------------------------------------------------ on arrays (stir's own)
def start_reduce(array: np.ndarray, op: ReduceOp, group: Group, what: str,
                 on_done: Callable[[], None] | None = None) -> Work:
    """Start reducing `array` in place across ranks; the Work's wait() finishes it."""
    if op is ReduceOp.AVG and array.dtype.kind not in "fc":
        raise TypeError(f"{what}: ReduceOp.AVG needs a floating tensor, got {array.dtype}")
    buffer = array if array.flags.c_contiguous else np.ascontiguousarray(array)
    average = op is ReduceOp.AVG and group.size > 1
    done = _copied_back(array, buffer, on_done, divide_by=group.size if average else None)
    if group.comm is None or group.size == 1:
        return Work(group, [], what, done)
    mpi = group.mpi
    native = {ReduceOp.SUM: mpi.SUM, ReduceOp.AVG: mpi.SUM, ReduceOp.MAX: mpi.MAX,
              ReduceOp.MIN: mpi.MIN, ReduceOp.PRODUCT: mpi.PROD}[op]
    return Work(group, [group.comm.Iallreduce(mpi.IN_PLACE, buffer, op=native)], what, done)


def start_broadcast(array: np.ndarray, src: int, group: Group, what: str,
                    on_done: Callable[[], None] | None = None) -> Work:
    """Start copying rank `src`'s `array` into every rank's, in place."""
    buffer = array if array.flags.c_contiguous else np.ascontiguousarray(array)
    done = _copied_back(array, buffer, on_done)
    if group.comm is None or group.size == 1:
        return Work(group, [], what, done)
    return Work(group, [group.comm.Ibcast(buffer, root=src)], what, done)


def _copied_back(array: np.ndarray, buffer: np.ndarray, on_done: Callable[[], None] | None,
                 divide_by: int | None = None) -> Callable[[], None]:
    """What a Work does once its messages are in: divide the (contiguous) buffer, for an
    average, copy it back into `array` when it is a copy, then call `on_done`."""
    def done() -> None:
        if divide_by is not None:
            np.divide(buffer, divide_by, out=buffer)
        if buffer is not array:
            array[...] = buffer
        if on_done is not None:
            on_done()
    return done


def reduce_arrays(arrays: Sequence[np.ndarray], op: ReduceOp, group: Group, what: str) -> None:
    """Reduce each array in place across ranks, all messages in flight at once."""
    works = [start_reduce(array, op, group, what) for array in arrays]
    for work in works:
        work.wait()


def broadcast_array(array: np.ndarray, src: int, group: Group, what: str) -> None:
    """Copy rank `src`'s `array` into every rank's, in place."""
    start_broadcast(array, src, group, what).wait()


def broadcast_json(value: Any, src: int, group: Group, what: str) -> Any:
    """Rank `src`'s `value` (JSON data: numbers, strings, lists, dicts) on every rank, sent
    as the bytes of its JSON text: its length first, then the text."""
    if group.size == 1:
        return value
    text = json.dumps(value).encode() if group.rank == src else b""
    length = np.array([len(text)], dtype=np.int64)
    broadcast_array(length, src, group, what)
    data = np.frombuffer(text, dtype=np.uint8).copy() if group.rank == src else \
        np.empty(int(length[0]), dtype=np.uint8)
    broadcast_array(data, src, group, what)
    return json.loads(data.tobytes().decode())


def gather_rows(array: np.ndarray, counts: Sequence[int], group: Group, what: str
                ) -> np.ndarray:
    """Every rank's rows, concatenated in rank order, on every rank: rank r gives
    counts[r] rows (the same trailing shape and dtype everywhere; `array` may have more
    rows than its count, the extra ones are not sent)."""
    if group.size == 1:
        return array[:counts[0]]
    row = int(np.prod(array.shape[1:], dtype=np.int64))
    sizes = np.array([count * row for count in counts], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    received = np.empty((sum(counts), *array.shape[1:]), dtype=array.dtype)
    sent = np.ascontiguousarray(array[:counts[group.rank]])
    request = group.comm.Iallgatherv(sent, [received, (sizes.tolist(), offsets.tolist())])
    failure.wait(request, group, what)
    return received


def any_rank(flag: bool, group: Group, what: str) -> bool:
    """Whether `flag` is true on at least one rank (every rank learns the same answer)."""
    if group.size == 1:
        return bool(flag)
    value = np.array([1 if flag else 0], dtype=np.int32)
    reduce_arrays([value], ReduceOp.MAX, group, what)
    return bool(value[0])


# ------------------------------------------------------------------ helpers
def _finish(work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


def _group_of(what: str, group: Any) -> Group:
    if group is not None and group is not current_group():
        raise ValueError(f"{what}: stir has one process group, the default one; pass "
                         "group=None")
    return current_group()


def _check_rank(what: str, rank: Any, group: Group) -> None:
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) \
            or not 0 <= rank < group.size:
        raise ValueError(f"{what}: src must be a rank in [0, {group.size - 1}], got {rank!r}")


def _op(what: str, op: Any) -> ReduceOp:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be a stir.distributed.ReduceOp (SUM, AVG, MAX, MIN, "
                        f"PRODUCT), got {op!r}")
    return op


def _array_of(what: str, tensor: Any) -> np.ndarray:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{what}: expected a stir Tensor, got {type(tensor).__name__}")
    array = tensor.array
    if type(array) is not np.ndarray:
        raise TypeError(f"{what}: the tensor lives on {tensor.device}; stir sends CPU (NumPy) "
                        "tensors: move it with .cpu() first")
    return array


def _changed(tensor: Tensor) -> None:
    """An in-place change, counted as one (autograd checks saved tensors by this count)."""
    tensor._version[0] += 1
