"""Which BLAS library and kernel NumPy runs, as threadpoolctl sees it (an optional import).

OpenBLAS picks its kernels for the processor it finds, unless OPENBLAS_CORETYPE names one;
OPENBLAS_L2_SIZE overrides the L2 cache size it blocks its products for. Both change the
matmul peak, so the report shows them with the kernel in use.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

OPENBLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
NO_THREADPOOLCTL = "threadpoolctl not installed"


def threadpoolctl_version() -> str | None:
    """threadpoolctl's version, or None when it is not installed."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    return str(threadpoolctl.__version__)


def _numpy_library(path: str) -> bool:
    """Whether a shared library is one of NumPy's own (inside numpy/ or wheels' numpy.libs/)."""
    root = Path(np.__file__).resolve().parent
    parents = Path(path).resolve().parents
    return root in parents or root.with_name("numpy.libs") in parents


def numpy_blas_pools() -> list[dict[str, Any]] | None:
    """threadpoolctl's records of the BLAS libraries NumPy uses (internal_api, version,
    architecture, num_threads...), or None without threadpoolctl.

    Other libraries (PyTorch) may have loaded BLAS libraries of their own; those are left out
    when NumPy's can be told apart by their path, else every BLAS library is listed.
    """
    try:
        import threadpoolctl
    except ImportError:
        return None
    blas = [pool for pool in threadpoolctl.threadpool_info() if pool.get("user_api") == "blas"]
    own = [pool for pool in blas if _numpy_library(pool.get("filepath") or "")]
    return own or blas


def describe_pool(pool: dict[str, Any]) -> str:
    """One BLAS library as a phrase.

    >>> describe_pool({"internal_api": "openblas", "version": "0.3.31", "num_threads": 2,
    ...                "architecture": "Haswell", "threading_layer": "pthreads",
    ...                "filepath": "/x/libscipy_openblas64_.so"})
    'openblas 0.3.31, kernel (architecture) Haswell, 2 threads (pthreads), libscipy_openblas64_.so'
    """
    parts = [f"{pool.get('internal_api', '?')} {pool.get('version') or '(version unknown)'}"]
    if pool.get("architecture"):
        parts.append(f"kernel (architecture) {pool['architecture']}")
    threads = f"{pool.get('num_threads', '?')} threads"
    if pool.get("threading_layer"):
        threads += f" ({pool['threading_layer']})"
    parts.append(threads)
    if pool.get("filepath"):
        parts.append(os.path.basename(pool["filepath"]))
    return ", ".join(parts)


def describe_pools(pools: list[dict[str, Any]] | None) -> str:
    """NumPy's BLAS libraries as a line of the machine section."""
    if pools is None:
        return NO_THREADPOOLCTL
    if not pools:
        return "threadpoolctl found no BLAS library"
    return "; ".join(describe_pool(pool) for pool in pools)


def kernel(pools: list[dict[str, Any]] | None) -> str | None:
    """The kernel (OpenBLAS's core name) of the first BLAS library, if threadpoolctl says."""
    for pool in pools or []:
        if pool.get("architecture"):
            return str(pool["architecture"])
    return None


def openblas_variables(environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """The processor-specific OpenBLAS variables as set in `environ`, e.g.
    "OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512".

    >>> openblas_variables({"OPENBLAS_L2_SIZE": "512", "HOME": "/root"})
    'OPENBLAS_L2_SIZE=512 (OPENBLAS_CORETYPE not set)'
    >>> openblas_variables({})
    'neither set'
    """
    set_ = [f"{name}={environ[name]}" for name in OPENBLAS_VARIABLES if name in environ]
    unset = [name for name in OPENBLAS_VARIABLES if name not in environ]
    if not set_:
        return "neither set"
    return ", ".join(set_) + (f" ({', '.join(unset)} not set)" if unset else "")
