"""The command that starts N copies of a Python program under MPI's launcher.

`mpiexec_command(4, ["-m", "stir.cli", "train", ...])` is
`[mpiexec, "-n", "4", sys.executable, "-m", "stir.cli", "train", ...]`, with the mpiexec
beside this Python (where the MPICH wheel of `pip install "stir[mpi]"` puts it) before
any other on PATH, so that the launcher and the mpi4py the ranks import agree.
`environment(4)` gives each rank an equal share of the machine's cores for its BLAS
threads (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS), unless they are set:
N processes each running as many threads as there are cores would fight over them.

>>> command = mpiexec_command(2, ["-c", "print(1)"], mpiexec="mpiexec")
>>> command[:3], command[4:]
(['mpiexec', '-n', '2'], ['-c', 'print(1)'])
>>> environment(2, cores=8, base={})["OPENBLAS_NUM_THREADS"]
'4'
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Mapping

from .process_group import INSTALL_HINT, is_mpi_available

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def find_mpiexec() -> str:
    """The mpiexec to run: beside sys.executable, else the first on PATH (also mpirun); a
    RuntimeError saying how to install one when there is none."""
    folder = Path(sys.executable).parent
    for name in ("mpiexec", "mpiexec.exe"):
        beside = folder / name
        if beside.is_file() and os.access(beside, os.X_OK):
            return str(beside)
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        raise RuntimeError(f"no mpiexec found (beside {sys.executable} or on PATH) to start "
                           f"the processes: {INSTALL_HINT}")
    return found


def mpiexec_command(processes: int, arguments: list[str], mpiexec: str | None = None
                    ) -> list[str]:
    """mpiexec -n `processes` python `arguments...`; checks that mpi4py is installed (the
    ranks need it) unless `mpiexec` is given."""
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ValueError(f"the number of processes must be an int >= 1, got {processes!r}")
    if mpiexec is None:
        if not is_mpi_available():
            raise RuntimeError(f"mpi4py is not installed, so {processes} processes cannot "
                               f"train together: {INSTALL_HINT}")
        mpiexec = find_mpiexec()
    return [mpiexec, "-n", str(processes), sys.executable, *arguments]


def environment(processes: int, cores: int | None = None,
                base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default os.environ) with each BLAS thread count the user has not set made
    max(1, cores // processes)."""
    env = dict(os.environ if base is None else base)
    share = str(max(1, (cores or os.cpu_count() or 1) // processes))
    for variable in THREAD_VARIABLES:
        env.setdefault(variable, share)
    return env
