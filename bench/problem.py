"""The benchmark problem: rotating minibatches and initial weights, as plain NumPy arrays.

Every engine starts from copies of the same arrays, so their losses can be compared.

The batches rotate on purpose. Training thousands of steps on one fixed batch drives the
fit towards exact, and the tiny residual gradients end up as subnormal (denormal) floats,
which make NumPy arithmetic several times slower and the benchmark meaningless.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LAYERS = (2, 5, 1)
BATCH = 100
LR = 0.01
DTYPE = np.float32
N_BATCHES = 64


@dataclass(frozen=True)
class Problem:
    """Inputs `xs[i]` of shape (BATCH, 2), targets `ts[i]` of shape (BATCH, 1), and weights.

    `params` are [W1 (5, 2), b1 (5,), W2 (1, 5), b2 (1,)]: weights are (out, in), as in
    PyTorch's `nn.Linear`. Engines must copy them, never train them in place.
    """

    xs: tuple[np.ndarray, ...]
    ts: tuple[np.ndarray, ...]
    params: tuple[np.ndarray, ...]
    lr: float = LR


def make_problem(seed: int = 0, n_batches: int = N_BATCHES) -> Problem:
    """A noisy smooth 2-D regression target and a PyTorch-style uniform initialisation."""
    rng = np.random.default_rng(seed)
    xs, ts = [], []
    for _ in range(n_batches):
        x = rng.uniform(-2.0, 2.0, size=(BATCH, LAYERS[0]))
        t = np.sin(x[:, :1]) + 0.5 * x[:, 1:] ** 2 - 0.5 + 0.1 * rng.standard_normal((BATCH, 1))
        xs.append(np.ascontiguousarray(x, dtype=DTYPE))
        ts.append(np.ascontiguousarray(t, dtype=DTYPE))
    params = []
    for fan_in, fan_out in zip(LAYERS[:-1], LAYERS[1:]):
        bound = 1.0 / np.sqrt(fan_in)  # nn.Linear's default: U(-1/sqrt(in), 1/sqrt(in))
        params.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(DTYPE))
        params.append(rng.uniform(-bound, bound, size=(fan_out,)).astype(DTYPE))
    return Problem(xs=tuple(xs), ts=tuple(ts), params=tuple(params))
