"""`torch.distributed` under stir's names, on MPI: several processes that train one model.

Start the processes with MPI's launcher (`mpiexec -n 4 python train.py`, or
`stir train ... --processes 4`); each runs the same script, `init_process_group()` joins
them, and `get_rank()` / `get_world_size()` say which one this is among how many. The
collectives change a tensor in place on every rank: `all_reduce` (ReduceOp.SUM, AVG, MAX,
MIN, PRODUCT), `broadcast` from one rank, `all_gather`, `barrier`. A process started
without a launcher is a world of one, where every collective leaves its tensor as it is:
the same script runs, and is tested, in one process without MPI installed.

MPI comes from mpi4py, an optional extra (`pip install "stir[mpi]"` brings it with the
MPICH wheel), imported only by `init_process_group` under a launcher: `import stir` never
imports it. Every collective waits a bounded time (the group's `timeout`), and a rank whose
script raises ends the whole job with a one-line message (MPI_Abort), so a failure on one
rank never leaves the others waiting for ever.

    process_group.py  init_process_group, destroy_process_group, get_rank, get_world_size,
                      is_initialized: the group, and how a launcher is recognized
    collectives.py    ReduceOp, all_reduce, broadcast, all_gather, barrier; the same on
                      NumPy arrays for the library's own use (buckets, fit)
    failure.py        the bounded wait of every collective, and ending the job when a rank
                      fails (the excepthook init_process_group installs)
    buckets.py        GradientBuckets: a model's gradients summed across ranks in one flat
                      buffer per dtype (DistributedDataParallel and fit use it)
    launch.py         the mpiexec command that starts N processes (stir train --processes)
    cost.py           the cost model: ring all-reduce time, and when a machine more pays

>>> import stir
>>> import stir.distributed as dist
>>> dist.init_process_group()              # no launcher here: a world of one process
>>> dist.get_rank(), dist.get_world_size()
(0, 1)
>>> t = stir.tensor([1.0, 2.0])
>>> dist.all_reduce(t, op=dist.ReduceOp.SUM)
>>> t
tensor([1., 2.])
>>> dist.destroy_process_group()
"""

from .collectives import ReduceOp, Work, all_gather, all_reduce, barrier, broadcast
from .process_group import (
    DEFAULT_TIMEOUT, alone, destroy_process_group, get_rank, get_world_size, init_process_group,
    is_available, is_initialized, is_main_process, is_mpi_available, launched_world_size,
)

__all__ = [
    "all_gather", "all_reduce", "alone", "barrier", "broadcast", "DEFAULT_TIMEOUT",
    "destroy_process_group", "get_rank", "get_world_size", "init_process_group", "is_available",
    "is_initialized", "is_main_process", "is_mpi_available", "launched_world_size", "ReduceOp",
    "Work",
]
