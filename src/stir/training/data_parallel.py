"""`fit` across processes: each rank trains on its share of every batch, and the ranks
average their gradients, so that N processes take the steps one process would.

A script that calls `fit` runs unchanged under `mpiexec -n N`: fit sees the launcher
(or a process group already initialized), joins the group, and then

- at the start copies rank 0's parameters, buffers and random generators to every rank
  (so the epochs' sample orders, drawn from the same generator, agree);
- cuts each batch of `batch_size` rows (the global batch, as in one process) into N
  contiguous shards, rows [⌊kB/N⌋, ⌊(k+1)B/N⌋) for rank k; each rank runs the forward and
  backward of its shard, and one all-reduce per dtype sums w_k·g_k with w_k = B_k / B:
  for a loss that is a mean over the batch's rows this is the whole batch's gradient,
  Σ_k (B_k/B)·(1/B_k) Σ_{i∈k} ∇ℓ_i = (1/B) Σ_i ∇ℓ_i. The shares of the loss travel in
  the same message, so every rank logs, and checks for NaN, the whole batch's loss;
- a rank whose shard is empty (a batch smaller than N) runs the batch's first row with
  weight 0, so it still joins the all-reduce;
- gathers the shards' outputs when metrics need them, so metrics are the whole epoch's;
- after each step copies rank 0's buffers (a BatchNorm's running statistics) to all;
- gives every rank rank 0's row of the History at each epoch's end, and stops every rank
  when a callback on any rank asks to stop, so that the ranks never part ways.

Only rank 0 shows a progress bar and writes checkpoints (its ModelCheckpoint callbacks
are given to rank 0 alone); every rank resumes from the same checkpoint file. A run is the
one-process run up to the order of floating-point sums, whatever N, so a checkpoint of an
N-process run resumes with any number of processes. Dropout and other random layers draw
from the generator copied from rank 0, so rank k's shard gets the masks rank 0's shard
gets; each rank evaluates the whole validation set.

>>> one_rank = DataParallel.join()   # no launcher, no group: one process trains alone
>>> one_rank is None
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import distributed
from ..distributed.buckets import GradientBuckets
from ..distributed.collectives import any_rank, broadcast_array, broadcast_json, gather_rows
from ..distributed.process_group import Group, current_group, training_alone
from ..random import Generator


class DataParallel:
    """This rank's part of a data-parallel fit run: its group and its gradient buckets."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self.buckets: GradientBuckets | None = None

    @classmethod
    def join(cls) -> DataParallel | None:
        """The run's DataParallel, or None when this process trains alone: no launcher
        and no group of more than one rank, or inside `stir.distributed.alone()`."""
        if training_alone():
            return None
        if not distributed.is_initialized():
            if distributed.launched_world_size() == 1:
                return None
            distributed.init_process_group()
        group = current_group()
        return cls(group) if group.size > 1 else None

    @property
    def is_main(self) -> bool:
        """Whether this is rank 0, the rank that prints and writes."""
        return self.group.rank == 0

    def start(self, model: Any, parameters: list[Any], generators: dict[str, Generator]
              ) -> None:
        """Copy rank 0's parameters, buffers and generators to every rank, and make the
        buckets of the optimizer's parameters."""
        for tensor in (*getattr(model, "parameters", lambda: ())(),
                       *getattr(model, "buffers", lambda: ())()):
            broadcast_array(tensor.array, 0, self.group, "fit's first copy of the model")
        for name in sorted(generators):
            generator = generators[name]
            state = broadcast_json(generator.get_state(), 0, self.group,
                                   f"fit's copy of the random generator {name!r}")
            generator.set_state(state)
        self.buckets = GradientBuckets(parameters, self.group, extras=1)

    def check_same_data(self, arrays: list[np.ndarray]) -> None:
        """Raise ValueError on every rank unless every rank was given the same arrays (by
        their shapes and sums): fit shares the batches of one data set among the ranks, so
        a rank given only its own part would silently train on the wrong rows."""
        mine = np.array([value for array in arrays for value in
                         (*array.shape, float(np.sum(array, dtype=np.float64)))], np.float64)
        first = mine.copy()
        broadcast_array(first, 0, self.group, "fit's check of the data")
        differs = not np.array_equal(mine, first, equal_nan=True)
        if any_rank(differs, self.group, "fit's check of the data"):
            whose = f"{self.group.label}'s" if differs else "another rank's"
            raise ValueError(f"fit across processes: {whose} x, y or validation_data differ "
                             "from rank 0's; fit shares each batch of one data set among "
                             "the ranks, so give every rank all the rows (to give each rank "
                             "its own, write the loop with DistributedSampler and "
                             "DistributedDataParallel)")

    def shard(self, rows: int) -> tuple[slice, float, int]:
        """This rank's rows of a batch of `rows`, its weight B_k / B, and how many outputs
        it contributes (0 when it runs the first row with weight 0)."""
        lo, hi = self.bounds(rows)[self.group.rank]
        if lo == hi:
            return slice(0, 1), 0.0, 0
        return slice(lo, hi), (hi - lo) / rows, hi - lo

    def bounds(self, rows: int) -> list[tuple[int, int]]:
        """Every rank's [start, stop) of a batch of `rows`.

        >>> DataParallel(Group(rank=0, size=3, timeout=1.0)).bounds(8)
        [(0, 2), (2, 5), (5, 8)]
        """
        size = self.group.size
        edges = [rows * k // size for k in range(size + 1)]
        return list(zip(edges[:-1], edges[1:]))

    def reduce(self, loss: float, weight: float) -> float:
        """Sum the weighted gradients over the ranks, and return the batch's loss
        Σ_k w_k·loss_k (the same number on every rank)."""
        share = weight * loss if weight else 0.0  # (a weight-0 rank sends no NaN)
        assert self.buckets is not None, "start() makes the buckets"
        return float(self.buckets.reduce(scale=weight, extra=[share])[0])

    def gather(self, outputs: np.ndarray, rows: int) -> np.ndarray:
        """The whole batch's outputs, from every rank's shard, in row order."""
        counts = [hi - lo for lo, hi in self.bounds(rows)]
        return gather_rows(outputs, counts, self.group, "fit's gathering of outputs")

    def any_rank(self, stop: bool) -> bool:
        """Whether some rank's callbacks asked to stop (every rank then stops)."""
        return any_rank(stop, self.group, "fit's agreement on stopping")

    def same_logs(self, logs: dict[str, float]) -> dict[str, float]:
        """Rank 0's row of the History, on every rank (each computed its own, equal but
        for rounding where the ranks' machines differ): callbacks then decide alike."""
        return broadcast_json(logs, 0, self.group, "fit's copy of the epoch's row")

    def sync_buffers(self, model: Any) -> None:
        """Copy rank 0's buffers to every rank (each updated its own from its shard)."""
        for buffer in getattr(model, "buffers", lambda: ())():
            broadcast_array(buffer.array, 0, self.group, "fit's copy of the buffers")

    @property
    def reduce_seconds(self) -> float:
        """Time this rank has spent in the gradient all-reduce so far."""
        return 0.0 if self.buckets is None else self.buckets.seconds
