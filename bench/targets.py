"""The targets of issue 5 (the MLPs) and issue 14 (cnn, lstm), as ratios measured in one run,
and whether a run meets them.

Step-time targets compare a stir row with a reference row of the same table (time ratio at
most `limit`), or with the float32 matmul peak (fraction of the peak at least `limit`). A
stir row is compared with PyTorch's row of the same style (`names.torch_reference`): stir
modules and stir compiled with pytorch modules, stir functional with pytorch functional.
Where the issue names "stir" without saying which row, the fastest of stir modules and stir
compiled is checked and each is shown in the detail; where it names "stir eager", the goal is
about stir functional where the configuration has that row, stir modules otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .names import (
    JAX, NUMPY, STIR_COMPILED, STIR_FUNCTIONAL, STIR_MODULES, TORCH_FUNCTIONAL, TORCH_MODULES,
    headline_stir_row,
)
from .peak import fraction_of_peak

if TYPE_CHECKING:
    from .report import ConfigResult

TORCH = TORCH_MODULES  # the headline PyTorch row
COMPILED = STIR_COMPILED
PEAK = "matmul peak"  # the reference of a fraction-of-peak goal
STIR_ROWS = (STIR_MODULES, STIR_COMPILED)  # "stir": the fastest of these


@dataclass(frozen=True)
class Target:
    """One goal and whether the measurement meets it (None: not measurable in this run)."""

    description: str
    met: bool | None
    detail: str

    @property
    def verdict(self) -> str:
        return {True: "MET", False: "NOT MET", None: "NOT CHECKED"}[self.met]


class Goal(NamedTuple):
    """time(fastest of `subjects`) / time(`reference`) <= limit, or for `PEAK`, the fastest
    subject's fraction of the matmul peak >= limit."""

    description: str
    subjects: tuple[str, ...]
    reference: str
    limit: float


def _small(config_name: str) -> list[Goal]:
    """tiny and curious: per-step overhead."""
    eager = headline_stir_row(config_name)
    goals = [
        Goal(f"{eager} <= 1.5x hand-written NumPy", (eager,), NUMPY, 1.5),
        Goal("stir compiled <= 1.0x hand-written NumPy", (COMPILED,), NUMPY, 1.0),
        Goal("stir compiled no slower than JAX jit", (COMPILED,), JAX, 1.0),
        Goal("stir modules >= 8x faster than pytorch modules", (STIR_MODULES,), TORCH, 1 / 8),
    ]
    if eager == STIR_FUNCTIONAL:
        goals.append(Goal("stir functional >= 8x faster than pytorch functional",
                          (STIR_FUNCTIONAL,), TORCH_FUNCTIONAL, 1 / 8))
    goals.append(Goal("stir compiled >= 8x faster than pytorch modules", (COMPILED,), TORCH,
                      1 / 8))
    return goals


GOALS: dict[str, list[Goal]] = {
    "tiny": _small("tiny"),
    "curious": _small("curious"),
    "mnist": [
        Goal("stir <= 0.9x pytorch modules' step", STIR_ROWS, TORCH, 0.9),
        Goal("stir no slower than JAX jit", STIR_ROWS, JAX, 1.0),
    ],
    "wide": [
        Goal("stir >= 90 % of the float32 matmul peak", STIR_ROWS, PEAK, 0.9),
        Goal("stir no slower than pytorch modules", STIR_ROWS, TORCH, 1.0),
    ],
    "cnn": [Goal("stir no slower than pytorch modules (eager)", STIR_ROWS, TORCH, 1.0)],
    "lstm": [Goal("stir <= 1.5x pytorch modules' step (eager)", STIR_ROWS, TORCH, 1.5)],
}


def _measure(result: ConfigResult, name: str, reference: str) -> float | None:
    """The row's ratio to the reference (or fraction of the peak); None if either is missing."""
    timing = result.timings.get(name)
    if timing is None:
        return None
    if reference == PEAK:
        if result.peak is None:
            return None
        config = result.config
        return fraction_of_peak(config.layers, config.batch, timing.median, result.peak.median)
    base = result.timings.get(reference)
    return None if base is None else timing.median / base.median


def _format(value: float | None, reference: str) -> str:
    if value is None:
        return "not measured"
    return f"{value:.0%} of peak" if reference == PEAK else f"{value:.2f}x"


def check_goal(result: ConfigResult, goal: Goal) -> Target:
    """The goal checked on the fastest of its subjects that ran."""
    values = {name: _measure(result, name, goal.reference) for name in goal.subjects}
    measured = {name: v for name, v in values.items() if v is not None}
    detail = "; ".join(f"{name} {_format(v, goal.reference)}" for name, v in values.items())
    if goal.reference not in (PEAK, *result.timings):
        why = result.unavailable.get(goal.reference, "not run")
        return Target(goal.description, None, f"{goal.reference} unavailable: {why}")
    if not measured:
        whys = [f"{name} {result.unavailable.get(name, 'not run')}" for name in goal.subjects]
        return Target(goal.description, None, "; ".join(whys))
    if goal.reference == PEAK:
        met = max(measured.values()) >= goal.limit
    else:
        met = min(measured.values()) <= goal.limit
    if len(goal.subjects) == 1:
        detail = _format(next(iter(measured.values())), goal.reference)
    needed = f">= {goal.limit:.0%}" if goal.reference == PEAK else f"<= {goal.limit:.3g}x"
    return Target(goal.description, met, f"{detail}; needs {needed}")


def config_targets(result: ConfigResult) -> list[Target]:
    """The configuration's targets (`GOALS`), checked on the medians; in a noisy run each
    detail says so (a busy core can slow PyTorch's default threads tenfold)."""
    targets = [check_goal(result, goal) for goal in GOALS.get(result.config.name, [])]
    if result.noisy:
        targets = [Target(t.description, t.met, f"{t.detail}; NOISY RUN, not reliable")
                   for t in targets]
    return targets
