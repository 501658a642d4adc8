"""A description of the machine and the library versions, for the report."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path

import numpy as np

from .engines import default_torch_threads, load_torch
from .engines_jax import jax_version

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
REPO_ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str]) -> str:
    """The standard output of `command`, or "" if it cannot run."""
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model() -> str:
    """The CPU model name from `lscpu`, else /proc/cpuinfo, else `platform.processor()`."""
    for line in _run(["lscpu"]).splitlines():
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


def stir_source() -> str:
    """The git commit of the stir checkout, and whether src/ has uncommitted changes."""
    commit = _run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"]).strip()
    if not commit:
        return "not a git checkout"
    changed = _run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "src"])
    n_changed = len(changed.splitlines())
    return f"git {commit}" + (f" + {n_changed} uncommitted file(s) in src/" if n_changed else "")


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


def describe() -> dict[str, str]:
    """Machine facts as label -> value, in display order."""
    import stir

    facts = {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpu count": str(os.cpu_count()),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "numpy": f"{np.__version__} (BLAS: {numpy_blas()})",
        "stir": f"{stir.__version__} ({stir_source()})",
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
