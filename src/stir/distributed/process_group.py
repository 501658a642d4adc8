"""The process group: which rank this process is among how many, and how the ranks talk.

`init_process_group()` recognizes an MPI launcher by the variables it sets in each process
(MPICH's and Intel MPI's PMI_SIZE, Open MPI's OMPI_COMM_WORLD_SIZE, MVAPICH's
MV2_COMM_WORLD_SIZE); under one it imports mpi4py and takes a duplicate of
MPI.COMM_WORLD, so that stir's messages never mix with the script's own. Without a
launcher the group is this process alone, a world of one, and mpi4py is not imported.

Differences from PyTorch, which joins processes by a rendezvous (`init_method`, `store`,
`MASTER_ADDR`): here MPI's launcher has already joined them, so those arguments are
refused rather than ignored, and the only backend is "mpi". `timeout` bounds every
collective, not only the first (see failure.py).

>>> import stir.distributed as dist
>>> dist.is_initialized(), dist.launched_world_size()
(False, 1)
>>> dist.get_rank()
Traceback (most recent call last):
ValueError: Default process group has not been initialized, please make sure to call ...
"""

from __future__ import annotations

import datetime
import importlib.util
import os
from dataclasses import dataclass
from contextlib import contextmanager
from typing import Any, Iterator

from . import failure

#: How long a collective waits for the other ranks before it ends the job (PyTorch's default
#: is 30 minutes; a stir step is short, and a rank that is gone should be noticed sooner).
DEFAULT_TIMEOUT = datetime.timedelta(minutes=5)
#: Overrides DEFAULT_TIMEOUT, in seconds, for groups that fit starts by itself.
TIMEOUT_VARIABLE = "STIR_DISTRIBUTED_TIMEOUT"
#: (size, rank) variables of the MPI launchers, in the order they are looked for.
LAUNCHER_VARIABLES = (("PMI_SIZE", "PMI_RANK"), ("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"),
                      ("MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK"))
NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                   "init_process_group.")
INSTALL_HINT = 'pip install "stir[mpi]" (mpi4py with the MPICH wheel)'


@dataclass
class Group:
    """The ranks of a job: this one's `rank` of `size`, the seconds a collective may wait
    (`timeout`), and the MPI communicator and module (None for a world of one)."""

    rank: int
    size: int
    timeout: float
    comm: Any = None
    mpi: Any = None

    @property
    def label(self) -> str:
        """"rank R of N", for messages."""
        return f"rank {self.rank} of {self.size}"


_group: list[Group | None] = [None]
_alone = [0]  # depth of `alone()` blocks


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: datetime.timedelta | None = None, world_size: int = -1,
                       rank: int = -1, store: Any = None, group_name: str = "",
                       pg_options: Any = None, device_id: Any = None) -> None:
    """Join this process to the job's other ranks (PyTorch's signature).

    Under an MPI launcher (or with backend="mpi") the group is MPI's COMM_WORLD; otherwise
    this process alone (rank 0 of 1). `world_size` and `rank`, when given, must be what
    the launcher started. `timeout` (a timedelta, default DEFAULT_TIMEOUT or the
    STIR_DISTRIBUTED_TIMEOUT variable in seconds) bounds the wait of every collective; a
    rank that waits longer ends the job. With more than one rank, an exception that
    nothing catches ends the job too (sys.excepthook prints it, then MPI_Abort), so the
    other ranks never wait for a rank that has stopped.

    >>> init_process_group(backend="nccl")
    Traceback (most recent call last):
    ValueError: init_process_group: backend 'nccl' is not available in stir; its ranks talk ...
    """
    if _group[0] is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(f"init_process_group: backend {backend!r} is not available in stir; "
                         'its ranks talk through MPI (backend="mpi", or None)')
    if init_method is not None or store is not None:
        raise ValueError("init_process_group: init_method and store are PyTorch's rendezvous; "
                         "in stir MPI's launcher has joined the processes already "
                         "(mpiexec -n N python script.py): leave them out")
    seconds = _timeout_seconds(timeout)
    launched = _launcher_size()
    if backend is None and launched is None:
        group = Group(rank=0, size=1, timeout=seconds)
    else:
        mpi = _import_mpi(launched)
        comm, request = mpi.COMM_WORLD.Idup()
        probe = Group(rank=mpi.COMM_WORLD.Get_rank(), size=mpi.COMM_WORLD.Get_size(),
                      timeout=seconds, comm=comm, mpi=mpi)
        failure.wait(request, probe, "init_process_group")
        group = probe
    for name, asked, actual in (("world_size", world_size, group.size),
                                ("rank", rank, group.rank)):
        if asked not in (-1, None) and asked != actual:
            raise ValueError(f"init_process_group: {name}={asked}, but the launcher started "
                             f"this process as rank {group.rank} of {group.size}")
    _group[0] = group
    if group.size > 1:
        failure.install_excepthook(group)


def destroy_process_group(group: Any = None) -> None:
    """Leave the process group (PyTorch's name); `init_process_group` may then be called
    again. The job-ending excepthook is taken away."""
    current = _group[0]
    if current is None:
        raise ValueError(NOT_INITIALIZED)
    _group[0] = None
    failure.remove_excepthook()
    if current.comm is not None:
        current.comm.Free()


def is_initialized() -> bool:
    """Whether `init_process_group` has run (and `destroy_process_group` not since)."""
    return _group[0] is not None


def is_available() -> bool:
    """Whether stir.distributed can be used: always, a world of one needing nothing."""
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py is installed, so that processes an MPI launcher starts can join."""
    return importlib.util.find_spec("mpi4py") is not None


def get_rank(group: Any = None) -> int:
    """This process's rank, 0 … world size − 1 (ValueError before init_process_group)."""
    return current_group().rank


def get_world_size(group: Any = None) -> int:
    """The number of processes in the group (ValueError before init_process_group)."""
    return current_group().size


def current_group() -> Group:
    """The group `init_process_group` made, or PyTorch's ValueError."""
    group = _group[0]
    if group is None:
        raise ValueError(NOT_INITIALIZED)
    return group


def launched_world_size() -> int:
    """The number of processes the MPI launcher started, from its variables; 1 without one.

    >>> launched_world_size() >= 1
    True
    """
    return _launcher_size() or 1


def is_main_process() -> bool:
    """Whether this process is rank 0, the one that prints and writes files (True in a
    world of one, and before a group exists unless the launcher says otherwise)."""
    group = _group[0]
    if group is not None:
        return group.rank == 0
    for _, rank_variable in LAUNCHER_VARIABLES:
        if os.environ.get(rank_variable, "").strip().isdigit():
            return int(os.environ[rank_variable]) == 0
    return True


@contextmanager
def alone() -> Iterator[None]:
    """A block in which `stir.fit` trains in this process by itself even under a launcher:
    what each trial of `stir.sweep` runs in (trials are independent runs, one per worker).

    >>> with alone():
    ...     training_alone()
    True
    """
    _alone[0] += 1
    try:
        yield
    finally:
        _alone[0] -= 1


def training_alone() -> bool:
    """Whether an `alone()` block is running."""
    return _alone[0] > 0


def _launcher_size() -> int | None:
    for size_variable, _ in LAUNCHER_VARIABLES:
        text = os.environ.get(size_variable, "").strip()
        if text.isdigit() and int(text) >= 1:
            return int(text)
    return None


def _timeout_seconds(timeout: Any) -> float:
    if timeout is None:
        text = os.environ.get(TIMEOUT_VARIABLE)
        if text is None:
            return DEFAULT_TIMEOUT.total_seconds()
        try:
            seconds = float(text)
        except ValueError:
            seconds = -1.0
        if not seconds > 0:
            raise ValueError(f"{TIMEOUT_VARIABLE} must be a number of seconds > 0, got {text!r}")
        return seconds
    if not isinstance(timeout, datetime.timedelta) or timeout.total_seconds() <= 0:
        raise ValueError(f"init_process_group: timeout must be a positive datetime.timedelta, "
                         f"got {timeout!r}")
    return timeout.total_seconds()


def _import_mpi(launched: int | None) -> Any:
    try:
        from mpi4py import MPI
    except ImportError:
        started = (f"was started by an MPI launcher with {launched} processes"
                   if launched else "asked for backend='mpi'")
        raise RuntimeError(f"stir.distributed: this process {started}, but mpi4py is not "
                           f"installed: {INSTALL_HINT}") from None
    return MPI
