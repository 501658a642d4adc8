"""A description of the machine and the library versions, for the report."""

from __future__ import annotations

import os
import platform
import time

import numpy as np

from .blas import (
    OPENBLAS_VARIABLES, describe_pools, kernel, numpy_blas_pools, openblas_variables,
    threadpoolctl_version,
)
from .engines import default_torch_threads, load_torch
from .engines_jax import jax_version
from .peak import MATMUL_SIZE, PeakRun, Peaks, gflops, matmul_flops
from .source import describe_harness, describe_stir, run_command

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def cpu_model() -> str:
    """The CPU model name from `lscpu`, else /proc/cpuinfo, else `platform.processor()`."""
    for line in run_command(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def numpy_blas() -> str:
    """The BLAS NumPy was built with (e.g. 'scipy-openblas 0.3.29'), if NumPy says."""
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy, or a build without the information
        return "unknown"


class OtherLoad:
    """How busy the other processes kept the CPUs over an interval, in cores (Linux only).

    All CPU time the kernel counted as busy, minus this process's own CPU time (all its
    threads), divided by the wall time. Near 0 means the machine was ours alone; a run with
    other processes taking a core is noisy, and PyTorch's threads suffer the most from it.
    """

    def __init__(self) -> None:
        self._start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float] | None:
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = [int(v) for v in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + fields[4]  # idle + iowait
        busy = (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")  # up to steal, no guest
        return time.monotonic(), busy, time.process_time()

    def cores(self) -> float | None:
        """Average cores used by other processes since construction, or None if unknown."""
        end = self._sample()
        if self._start is None or end is None or end[0] <= self._start[0]:
            return None
        wall, busy, own = (e - s for e, s in zip(end, self._start))
        return max(0.0, (busy - own) / wall)


def blas_facts() -> dict[str, str]:
    """The BLAS kernel NumPy runs (threadpoolctl) and the OpenBLAS variables, as facts."""
    version = threadpoolctl_version()
    pools = numpy_blas_pools()
    label = "numpy BLAS kernel" + (f" (threadpoolctl {version})" if version else "")
    return {label: describe_pools(pools), "OpenBLAS variables": openblas_variables()}


def _peak_text(run: PeakRun, where: str) -> str:
    if run.timing is None:
        return f"not measured: {run.error}"
    median = run.timing.median
    found = kernel(run.pools)
    return (f"{gflops(matmul_flops(), median):.0f} GFLOP/s ({median * 1e3:.2f} ms per float32 "
            f"{MATMUL_SIZE}³ product, median of {len(run.timing.per_step)} blocks × "
            f"{run.timing.steps_per_block}; {where}; kernel "
            f"{found or 'unknown (' + describe_pools(run.pools) + ')'})")


def peak_facts(peaks: Peaks) -> dict[str, str]:
    """The two matmul peaks of the run, with and without the OpenBLAS variables."""
    unset_where = ("a child process, its environment a copy of this one without "
                   + " and ".join(OPENBLAS_VARIABLES))
    unset = _peak_text(peaks.unset, unset_where)
    if peaks.as_set.timing is not None and peaks.unset.timing is not None:
        speedup = peaks.as_set.timing.median / peaks.unset.timing.median
        unset += f": {speedup:.2f}x the rate with them as set"
    if peaks.variables == "neither set":
        unset += " (neither is set here: the same setting twice)"
    return {
        "matmul peak, OpenBLAS variables as set":
            _peak_text(peaks.as_set, f"this process, {peaks.variables}"),
        "matmul peak, OpenBLAS variables unset": unset,
    }


def describe(peaks: Peaks | None = None) -> dict[str, str]:
    """Machine facts as label -> value, in display order; `peaks` from `measure_peaks`."""
    facts = {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu count": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "numpy": f"{np.__version__} (BLAS: {numpy_blas()})",
        **blas_facts(),
        **(peak_facts(peaks) if peaks is not None else {}),
        "stir": describe_stir(),
        "bench": describe_harness(),
    }
    torch = load_torch()
    if torch is None:
        facts["torch"] = "not installed (PyTorch row skipped)"
    else:
        facts["torch"] = (
            f"{torch.__version__} (defaults kept: {default_torch_threads()} intra-op threads, "
            f"{torch.get_num_interop_threads()} inter-op threads)"
        )
    facts["jax"] = jax_version() or "not installed (JAX row skipped)"
    try:
        import sklearn
        facts["scikit-learn"] = sklearn.__version__
    except ImportError:
        facts["scikit-learn"] = "not installed (its time-to-accuracy row skipped)"
    thread_env = [f"{var}={os.environ[var]}" for var in THREAD_VARIABLES if var in os.environ]
    facts["thread env"] = ", ".join(thread_env) or "none set"
    return facts
