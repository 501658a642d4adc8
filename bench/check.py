"""Before timing anything: do the engines compute the same thing?

Each engine is built fresh from the same problem and run for a few steps; the loss of every
step (the first one is the loss on the first batch, before any update), the parameters at the
end, and the update itself (parameters at the end minus the initial ones) must agree with the
hand-written NumPy reference within float32 tolerance, and stay float32. A benchmark of wrong
code is worthless, so any mismatch is fatal.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .engines import EngineFactory
from .problem import DTYPE, Problem

CHECK_STEPS = 3


class Tolerance(NamedTuple):
    """How closely losses and parameters (rtol, atol) and updates (`update`) must agree."""

    rtol: float
    atol: float
    update: float  # max |Δ - Δ_reference| allowed, as a fraction of max |Δ_reference|


# tiny: sums of at most 100 float32 terms; rtol 1e-4 is ~800 float32 epsilons of slack.
# mnist: sums of 784 (forward), 128 (weight gradients) and 256 terms, in whatever order each
# BLAS picks; the worst-case relative rounding of one such sum is n·ε ≈ 784 × 6e-8 ≈ 5e-5,
# and it compounds over three layers and three steps, so rtol is relaxed to 5e-4. atol stays
# at 1e-6 on purpose: in three steps at lr 0.01 the weights (~0.04) move by only ~1e-4, so a
# looser atol would pass an engine with a wrong update rule (say, no momentum). The update
# check catches such bugs whatever the scale of the weights; measured gaps are ~2e-5 of the
# largest update (NumPy vs PyTorch), so 1e-3 leaves room for other summation orders.
# wide: sums of up to 1024 terms; the measured update gap (NumPy vs PyTorch) is ~2e-4 of the
# largest update, still well inside mnist's tolerances.
# cnn: sums of at most 400 terms (150 in the second convolution), as mnist's; lstm: 32 steps of
# recurrence compound the rounding, yet the measured gaps (NumPy vs PyTorch) are ~1e-7 in the
# losses and ~1e-4 of the largest update, so mnist's tolerances hold for both.
TOLERANCES = {
    "tiny": Tolerance(rtol=1e-4, atol=1e-6, update=1e-3),
    "mnist": Tolerance(rtol=5e-4, atol=1e-6, update=1e-3),
    "wide": Tolerance(rtol=5e-4, atol=1e-6, update=1e-3),
    "cnn": Tolerance(rtol=5e-4, atol=1e-6, update=1e-3),
    "lstm": Tolerance(rtol=5e-4, atol=1e-6, update=1e-3),
}
DEFAULT_TOLERANCE = TOLERANCES["mnist"]


class MismatchError(RuntimeError):
    """The engines disagree, so timing them would compare different computations."""


def tolerance_for(problem: Problem) -> Tolerance:
    """The agreement tolerance of the problem's configuration."""
    return TOLERANCES.get(problem.config.name, DEFAULT_TOLERANCE)


def _label(index: int, names: tuple[str, ...] = ()) -> str:
    """The name of parameter number `index` in the model's state_dict, if the problem names
    them; else W1, b1, W2, b2, ...

    >>> _label(3), _label(3, ("0.weight", "0.bias", "3.weight", "3.bias"))
    ('b2', '3.bias')
    """
    if index < len(names):
        return names[index]
    return f"{'Wb'[index % 2]}{index // 2 + 1}"


def _compare_params(name: str, mine: list[np.ndarray], reference: list[np.ndarray],
                    initial: tuple[np.ndarray, ...], tolerance: Tolerance,
                    names: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with one engine's final parameters, as messages (none if all is well)."""
    problems = []
    if len(mine) != len(reference):
        return [f"{name}: {len(mine)} parameters, expected {len(reference)}"]
    for index, (value, ref, start) in enumerate(zip(mine, reference, initial)):
        label = _label(index, names)
        if value.dtype != DTYPE:
            problems.append(f"{name}: {label} became {value.dtype}, expected {DTYPE}")
        if value.shape != ref.shape:
            problems.append(f"{name}: {label} has shape {value.shape}, expected {ref.shape}")
            continue
        if not np.allclose(value, ref, rtol=tolerance.rtol, atol=tolerance.atol):
            gap = float(np.max(np.abs(value - ref)))
            problems.append(f"{name}: {label} after {CHECK_STEPS} steps differs by {gap:.3g}")
        update, ref_update = value - start, ref - start
        largest = float(np.max(np.abs(ref_update)))
        update_gap = float(np.max(np.abs(update - ref_update)))
        if update_gap > tolerance.update * largest:
            problems.append(
                f"{name}: the update of {label} over {CHECK_STEPS} steps differs by "
                f"{update_gap:.3g}, the largest reference update is {largest:.3g}"
            )
    return problems


def check_engines(
    problem: Problem, factories: dict[str, EngineFactory], reference: str = "numpy"
) -> dict[str, float]:
    """Raise `MismatchError` unless all engines agree; return each one's first-batch loss."""
    tolerance = tolerance_for(problem)
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
        problems += _compare_params(name, params[name], params[reference], problem.params,
                                    tolerance, problem.names)
        if not np.allclose(losses[name], losses[reference], rtol=tolerance.rtol,
                           atol=tolerance.atol):
            problems.append(f"{name}: losses {losses[name]} vs {reference} {losses[reference]}")
    if problems:
        raise MismatchError(
            f"{problem.config.name}: the engines do not compute the same training step, so "
            "timing them is meaningless:\n  " + "\n  ".join(problems)
        )
    return {name: values[0] for name, values in losses.items()}
