"""Gradient buckets: a model's gradients summed across ranks in a few large messages.

One message per parameter would pay MPI's latency (microseconds) once per tensor, so the
gradients of all parameters of one dtype are packed into one flat buffer, reduced in one
all-reduce (or in chunks of at most `bucket_cap_mb` megabytes, all in flight at once),
and unpacked. Each buffer ends with one number per parameter, 1 where this rank has a
gradient: after the sum, a parameter no rank gave a gradient keeps `.grad` None (the
optimizer then skips it, as in one process), and one some ranks did not touch gets zeros
from them. MPI's sum is the same on every rank, so the gradients, and the parameters the
optimizer then computes from them, are identical everywhere.

>>> import stir, stir.distributed as dist
>>> from stir.distributed.buckets import GradientBuckets
>>> dist.init_process_group()
>>> w = stir.nn.Parameter(stir.ones(2))
>>> unused = stir.nn.Parameter(stir.zeros(1))
>>> (w.sum() * 3).backward()
>>> group = dist.process_group.current_group()
>>> buckets = GradientBuckets([w, unused], group, extras=1)
>>> buckets.reduce(scale=0.5, extra=[2.0])    # Σ over ranks of 0.5·grad, and of the extras
array([2.])
>>> w.grad, unused.grad
(tensor([1.5, 1.5]), None)
>>> dist.destroy_process_group()
"""

from __future__ import annotations

import time
from typing import Any, Iterable, Sequence

import numpy as np

from ..tensor import Tensor
from .collectives import ReduceOp, start_reduce
from .process_group import Group

MEGABYTE = 1 << 20


class _Bucket:
    """The parameters of one dtype, their places in one flat buffer, and the buffer:
    [gradients ..., one has-gradient flag per parameter, extras (float64 only)]."""

    def __init__(self, dtype: np.dtype, parameters: list[Tensor], extras: int) -> None:
        self.dtype, self.parameters = dtype, parameters
        sizes = [int(p.array.size) for p in parameters]
        self.offsets = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).tolist()
        self.flags = self.offsets[-1]
        self.extras = self.flags + len(parameters)
        self.buffer = np.zeros(self.extras + extras, dtype=dtype)


class GradientBuckets:
    """The gradients of `parameters`, summed across the ranks of `group` by `reduce`, with
    `extras` float64 numbers summed along (fit sends each rank's share of the loss)."""

    def __init__(self, parameters: Iterable[Tensor], group: Group,
                 bucket_cap_mb: float | None = None, extras: int = 0) -> None:
        if bucket_cap_mb is not None and not bucket_cap_mb > 0:
            raise ValueError(f"bucket_cap_mb must be a number > 0 or None, got "
                             f"{bucket_cap_mb!r}")
        self.group, self.cap_mb = group, bucket_cap_mb
        by_dtype: dict[np.dtype, list[Tensor]] = {}
        for parameter in parameters:
            if type(parameter.array) is not np.ndarray:
                raise TypeError(f"stir.distributed reduces CPU (NumPy) gradients; a parameter "
                                f"lives on {parameter.device}")
            by_dtype.setdefault(parameter.array.dtype, []).append(parameter)
        float64 = np.dtype(np.float64)
        by_dtype.setdefault(float64, [])  # the extras ride in the float64 buffer
        self.buckets = [_Bucket(dtype, members, extras if dtype == float64 else 0)
                        for dtype, members in by_dtype.items()
                        if members or (dtype == float64 and extras)]
        self.extra_count = extras
        self.seconds, self.calls = 0.0, 0  # time spent reducing, for the benchmark
        self.bytes = sum(b.buffer.nbytes for b in self.buckets)

    def reduce(self, scale: float = 1.0, mean: bool = False,
               extra: Sequence[float] | None = None) -> np.ndarray:
        """Replace each parameter's gradient by Σ over ranks of `scale` × its gradient
        (divided by the world size after the sum when `mean`), and return Σ over ranks of
        the `extra` numbers (float64)."""
        started = time.perf_counter()
        values = np.zeros(self.extra_count) if extra is None else np.asarray(extra, np.float64)
        if values.shape != (self.extra_count,):
            raise ValueError(f"reduce: extra must be {self.extra_count} numbers, got "
                             f"{values.shape}")
        for bucket in self.buckets:
            self._pack(bucket, scale, values)
        works = [start_reduce(chunk, ReduceOp.SUM, self.group, "the gradient all-reduce")
                 for bucket in self.buckets for chunk in self._chunks(bucket.buffer)]
        for work in works:
            work.wait()
        total = np.zeros(0)
        for bucket in self.buckets:
            self._unpack(bucket, mean)
            if bucket.buffer.size > bucket.extras:
                total = bucket.buffer[bucket.extras:].copy()
        self.seconds += time.perf_counter() - started
        self.calls += 1
        return total

    def _chunks(self, buffer: np.ndarray) -> list[np.ndarray]:
        if self.cap_mb is None:
            return [buffer]
        step = max(1, int(self.cap_mb * MEGABYTE) // buffer.itemsize)
        return [buffer[start:start + step] for start in range(0, buffer.size, step)]

    @staticmethod
    def _pack(bucket: _Bucket, scale: float, extra: np.ndarray) -> None:
        flat, offsets = bucket.buffer, bucket.offsets
        for index, parameter in enumerate(bucket.parameters):
            view, grad = flat[offsets[index]:offsets[index + 1]], parameter.grad
            if grad is None:
                view[...] = 0
                flat[bucket.flags + index] = 0
                continue
            if type(grad.array) is not np.ndarray:
                raise TypeError("stir.distributed reduces CPU (NumPy) gradients; a gradient "
                                f"lives on {grad.device}")
            source = grad.array.reshape(-1)
            if scale == 1.0:
                view[...] = source
            elif scale == 0.0:  # (a rank with no rows of its own: nothing, not 0·inf = NaN)
                view[...] = 0
            else:
                np.multiply(source, scale, out=view)
            flat[bucket.flags + index] = 1
        if flat.size > bucket.extras:
            flat[bucket.extras:] = extra

    def _unpack(self, bucket: _Bucket, mean: bool) -> None:
        flat, offsets = bucket.buffer, bucket.offsets
        if mean and self.group.size > 1:
            np.divide(flat[:bucket.flags], self.group.size, out=flat[:bucket.flags])
        for index, parameter in enumerate(bucket.parameters):
            if flat[bucket.flags + index] == 0:
                continue  # no rank had a gradient for it
            view = flat[offsets[index]:offsets[index + 1]].reshape(parameter.array.shape)
            if parameter.grad is None:
                parameter.grad = Tensor(view.copy())
            else:
                parameter.grad.array[...] = view
                parameter.grad._version[0] += 1


def described(buckets: GradientBuckets) -> dict[str, Any]:
    """What the buckets send each step: messages and bytes (for reports).

    >>> import stir, stir.distributed as dist
    >>> dist.init_process_group()
    >>> b = GradientBuckets(stir.nn.Linear(3, 2).parameters(), dist.process_group.current_group())
    >>> described(b)
    {'messages': 1, 'bytes': 40}
    >>> dist.destroy_process_group()
    """
    messages = sum(len(buckets._chunks(bucket.buffer)) for bucket in buckets.buckets)
    return {"messages": messages, "bytes": buckets.bytes}
