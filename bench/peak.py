"""The float32 matrix-product peak of this machine, measured in the same run as the steps.

The "wide" step is nearly all matrix products, so its fair yardstick is not another library
but the best NumPy's BLAS does on one large product: `a @ b` for two 1024 × 1024 float32
matrices, written into a preallocated result. It is timed as one more engine, interleaved
with the others, so both see the same machine state.
"""

from __future__ import annotations

import numpy as np

from .engines import Engine
from .problem import DTYPE, step_flops

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
