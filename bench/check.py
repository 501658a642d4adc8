"""Before timing anything: do the engines compute the same thing?

Each engine is built fresh from the same problem and run for a few steps; the loss of every
step (the first one is the loss on the first batch, before any update) and the parameters at
the end must agree with the hand-written NumPy reference within float32 tolerance, and stay
float32. A benchmark of wrong code is worthless, so any mismatch is fatal.
"""

from __future__ import annotations

import numpy as np

from .engines import EngineFactory
from .problem import DTYPE, Problem

CHECK_STEPS = 3
RTOL = 1e-4
ATOL = 1e-6


class MismatchError(RuntimeError):
    """The engines disagree, so timing them would compare different computations."""


def check_engines(
    problem: Problem, factories: dict[str, EngineFactory], reference: str = "numpy"
) -> dict[str, float]:
    """Raise `MismatchError` unless all engines agree; return each one's first-batch loss."""
    losses: dict[str, list[float]] = {}
    params: dict[str, list[np.ndarray]] = {}
    for name, factory in factories.items():
        engine = factory(problem)
        engine.prepare()
        losses[name] = [engine.step().item() for _ in range(CHECK_STEPS)]
        params[name] = engine.params()
    problems = []
    for name in factories:
        if not all(np.isfinite(losses[name])):
            problems.append(f"{name}: non-finite loss {losses[name]}")
        for index, (mine, ref) in enumerate(zip(params[name], params[reference])):
            label = ("W1", "b1", "W2", "b2")[index]
            if mine.dtype != DTYPE:
                problems.append(f"{name}: {label} became {mine.dtype}, expected {DTYPE}")
            if mine.shape != ref.shape:
                problems.append(f"{name}: {label} has shape {mine.shape}, expected {ref.shape}")
            elif not np.allclose(mine, ref, rtol=RTOL, atol=ATOL):
                gap = float(np.max(np.abs(mine - ref)))
                problems.append(f"{name}: {label} after {CHECK_STEPS} steps differs by {gap:.3g}")
        if not np.allclose(losses[name], losses[reference], rtol=RTOL, atol=ATOL):
            problems.append(f"{name}: losses {losses[name]} vs {reference} {losses[reference]}")
    if problems:
        raise MismatchError(
            "the engines do not compute the same training step, so timing them is "
            "meaningless:\n  " + "\n  ".join(problems)
        )
    return {name: values[0] for name, values in losses.items()}
