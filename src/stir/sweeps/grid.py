"""The settings a sweep tries: every combination of a grid, or a seeded random search.

A grid is a dict from a setting's name to the list of its values (a value that is not a
list is the one value); several dicts in a list are several grids, tried one after the
other, as scikit-learn's ParameterGrid reads them. The combinations come in the order of
the names, the last name changing fastest.

A random search (`n_samples` settings, drawn from `seed`) takes each list's values with
equal chance and draws a `Uniform(low, high)` or `LogUniform(low, high)` range; when the
grid is all lists and not smaller than `n_samples`, it draws that many distinct
combinations instead (without replacement), so no setting is tried twice.

>>> expand({"lr": [0.1, 0.01], "hidden": [[32], [64, 64]]})  # doctest: +NORMALIZE_WHITESPACE
[{'lr': 0.1, 'hidden': [32]}, {'lr': 0.1, 'hidden': [64, 64]},
 {'lr': 0.01, 'hidden': [32]}, {'lr': 0.01, 'hidden': [64, 64]}]
>>> draws = expand({"lr": LogUniform(1e-4, 1e-1), "depth": [1, 2]}, n_samples=3, seed=0)
>>> len(draws), all(1e-4 <= d["lr"] <= 1e-1 for d in draws)
(3, True)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Uniform:
    """A range a random search draws from uniformly: low ≤ value < high."""

    low: float
    high: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"{type(self).__name__}: needs finite low < high, got "
                             f"{self.low!r}, {self.high!r}")

    def sample(self, rng: np.random.Generator) -> float:
        """One draw."""
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class LogUniform(Uniform):
    """A range drawn uniformly in log space (for learning rates): log value uniform in
    [log low, log high), 0 < low < high."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.low <= 0:
            raise ValueError(f"LogUniform: low must be > 0, got {self.low!r}")

    def sample(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))


def expand(grid: Any, n_samples: int | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """The settings to try: each combination of `grid`, or `n_samples` random ones."""
    grids = _grids(grid)
    if n_samples is None:
        ranges = [name for g in grids for name, values in g.items()
                  if isinstance(values, Uniform)]
        if ranges:
            raise ValueError(f"sweep: {ranges[0]!r} is a range, which only a random search "
                             "draws from: give n_samples=")
        return [dict(zip(g, combination)) for g in grids
                for combination in itertools.product(*g.values())]
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ValueError(f"sweep: n_samples must be an int >= 1, got {n_samples!r}")
    rng = np.random.default_rng(seed)
    if all(not isinstance(v, Uniform) for g in grids for v in g.values()):
        every = expand(grid)
        if n_samples <= len(every):
            return [every[i] for i in sorted(rng.choice(len(every), n_samples, replace=False))]
    draws = []
    for _ in range(n_samples):
        chosen = grids[int(rng.integers(len(grids)))]
        draws.append({name: values.sample(rng) if isinstance(values, Uniform)
                      else values[int(rng.integers(len(values)))]
                      for name, values in chosen.items()})
    return draws


def _grids(grid: Any) -> list[dict[str, Any]]:
    """The grid as a list of dicts of name -> list (or range), checked."""
    grids = grid if isinstance(grid, (list, tuple)) else [grid]
    if not grids:
        raise ValueError("sweep: the grid is empty")
    checked = []
    for part in grids:
        if not isinstance(part, dict) or not part:
            raise TypeError(f"sweep: a grid is a non-empty dict of setting -> list of values "
                            f"(or a list of such dicts), got {type(part).__name__}")
        values = {}
        for name, value in part.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise ValueError(f"sweep: setting names are passed as keyword arguments, so "
                                 f"each must be an identifier, got {name!r}")
            if isinstance(value, (list, tuple)):
                if not value:
                    raise ValueError(f"sweep: the setting {name!r} has no values")
                values[name] = list(value)
            else:
                values[name] = value if isinstance(value, Uniform) else [value]
        checked.append(values)
    return checked
