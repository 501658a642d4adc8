"""The float32 matrix-product peak of this machine, measured in the same run as the steps.

The "wide" step is nearly all matrix products, so its fair yardstick is not another library
but the best NumPy's BLAS does on one large product: `a @ b` for two 1024 × 1024 float32
matrices, written into a preallocated result. It is timed as one more engine, interleaved
with the others, so both see the same machine state.

Once per run the peak is also timed on its own for the machine section, twice: in this
process, with the processor-specific OpenBLAS variables as the machine sets them
(OPENBLAS_CORETYPE picks OpenBLAS's kernel, OPENBLAS_L2_SIZE its cache blocking), and in a
child process (`python -m bench.peak ROUNDS BLOCK_SECONDS WARMUP_SECONDS`) whose environment
is a copy of this one without them, so OpenBLAS chooses for itself. This process's
environment is left as it is.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from typing import Any, Callable, NamedTuple

import numpy as np

from .blas import OPENBLAS_VARIABLES, numpy_blas_pools, openblas_variables
from .engines import Engine
from .problem import DTYPE, step_flops
from .source import REPO_ROOT, child_env
from .timing import Settings, Timing, run_interleaved

MATMUL_SIZE = 1024
PEAK_ROW = f"float32 matmul {MATMUL_SIZE}³"
PEAK_CONFIGS = ("wide",)  # configurations timed against the matmul peak


def matmul_flops(size: int = MATMUL_SIZE) -> int:
    """Floating-point operations of one (size × size) @ (size × size) product: 2·size³.

    >>> matmul_flops(1024)
    2147483648
    """
    return 2 * size**3


def matmul_engine(size: int = MATMUL_SIZE, seed: int = 0) -> Engine:
    """One float32 `np.matmul(a, b, out=c)` per step (no allocation: the BLAS at its best)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((size, size), dtype=DTYPE)
    b = rng.standard_normal((size, size), dtype=DTYPE)
    c = np.empty((size, size), dtype=DTYPE)

    def step() -> np.ndarray:
        return np.matmul(a, b, out=c)

    return Engine(step, lambda: [])


def gflops(flops: float, seconds: float) -> float:
    """Billions of floating-point operations per second.

    >>> gflops(2e9, 0.01)
    200.0
    """
    return flops / seconds / 1e9


def fraction_of_peak(layers: tuple[int, ...], batch: int, step_seconds: float,
                     matmul_seconds: float) -> float:
    """The step's matrix-product rate as a fraction of the matmul peak:
    (step FLOPs / step time) / (2·1024³ / matmul time), FLOPs as `problem.step_flops`.

    >>> round(fraction_of_peak((1024, 1024), 1024, 0.03, 0.01), 3)  # 4·1024³ in 3 × the time
    0.667
    """
    step_rate = step_flops(layers, batch) / step_seconds
    return step_rate / (matmul_flops() / matmul_seconds)


# ------------------------------------------------------------------------------ once per run
class PeakRun(NamedTuple):
    """The matmul peak timed on its own in one process, and that process's BLAS (the
    threadpoolctl records, None without threadpoolctl); `error` if the process failed."""

    timing: Timing | None
    pools: list[dict[str, Any]] | None
    error: str | None = None


class Peaks(NamedTuple):
    """The peak with the OpenBLAS variables as this process has them, and without them."""

    as_set: PeakRun
    unset: PeakRun
    variables: str  # the variables as set here, e.g. "OPENBLAS_CORETYPE=Haswell, ..."


def peak_settings(settings: Settings) -> Settings:
    """Fewer rounds than a table's: one engine needs no interleaving against others."""
    return dataclasses.replace(settings, rounds=max(5, settings.rounds // 3))


def measure_here(settings: Settings) -> PeakRun:
    """The matmul peak in this process (warm-up, calibration, `settings.rounds` blocks)."""
    timing = run_interleaved({PEAK_ROW: matmul_engine()}, settings)[PEAK_ROW]
    return PeakRun(timing, numpy_blas_pools())


def child_command(settings: Settings) -> list[str]:
    return [sys.executable, "-m", "bench.peak", str(settings.rounds),
            repr(settings.block_seconds), repr(settings.warmup_seconds)]


def measure_in_child(settings: Settings, drop: tuple[str, ...] = OPENBLAS_VARIABLES,
                     run: Callable[..., Any] = subprocess.run) -> PeakRun:
    """The matmul peak in a child process whose environment lacks the variables `drop`."""
    completed = run(child_command(settings), capture_output=True, text=True, check=False,
                    timeout=600, env=child_env(drop), cwd=REPO_ROOT)
    lines = completed.stdout.splitlines()
    if completed.returncode != 0 or not lines:
        why = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return PeakRun(None, None, f"the child process failed ({why})")
    answer = json.loads(lines[-1])
    return PeakRun(Timing(answer["per_step"], answer["steps_per_block"]), answer["pools"])


def measure_peaks(settings: Settings) -> Peaks:
    """The peak here (variables as set), then in a child without the OpenBLAS variables."""
    settings = peak_settings(settings)
    return Peaks(measure_here(settings), measure_in_child(settings), openblas_variables())


def main(argv: list[str]) -> None:
    """The child's entry point: time the peak here, print it and the BLAS as JSON."""
    rounds, block_seconds, warmup_seconds = argv
    run = measure_here(Settings(int(rounds), float(block_seconds), float(warmup_seconds)))
    assert run.timing is not None
    print(json.dumps({"per_step": run.timing.per_step,
                      "steps_per_block": run.timing.steps_per_block, "pools": run.pools}))


if __name__ == "__main__":
    main(sys.argv[1:])
