"""Runnable demos of the seed experiments: `stir demo NAME` or `stir.demos.DEMOS[NAME]()`.

Each demo is a function `demo(out=DEFAULT_OUT, quick=False) -> dict[str, float]` that prints
its numbers, writes its figures as PNGs under `out` (when matplotlib is installed) and
returns the numbers by name; `quick=True` runs a reduced size in a second or two.

Each experiment is written once, here: `stir demo NAME` and the script examples/NAME.py both
call DEMOS[NAME] (the scripts through `run_script`, which reads --quick and --out). One file
per demo, named for it (curious.py, paraboloid.py, perceptron.py, activations.py, warp.py,
bumps.py, landscape.py, capacity.py, digits.py, features.py); _common.py holds what they
share, and _features_figure.py draws the features demo's figure.

>>> sorted(DEMOS)[:3]
['activations', 'bumps', 'capacity']
"""

from __future__ import annotations

from typing import Callable

from ._common import DEFAULT_OUT, PLOT_HINT, DemoError, matplotlib_available, run_script
from .activations import activations
from .bumps import bumps
from .capacity import capacity
from .curious import curious
from .digits import digits
from .features import features
from .landscape import landscape
from .paraboloid import paraboloid
from .perceptron import perceptron
from .warp import warp

Demo = Callable[..., dict[str, float]]

DEFAULT_DEMO = "curious"

# In the order `stir --help` lists them.
DEMOS: dict[str, Demo] = {
    "curious": curious,
    "paraboloid": paraboloid,
    "perceptron": perceptron,
    "activations": activations,
    "warp": warp,
    "bumps": bumps,
    "landscape": landscape,
    "capacity": capacity,
    "digits": digits,
    "features": features,
}


def summary(name: str) -> str:
    """The first line of a demo's docstring, for the command's help."""
    return (DEMOS[name].__doc__ or "").strip().splitlines()[0]


__all__ = [
    "DEFAULT_DEMO", "DEFAULT_OUT", "DEMOS", "Demo", "DemoError", "PLOT_HINT", "activations",
    "bumps", "capacity", "curious", "digits", "features", "landscape", "matplotlib_available",
    "paraboloid", "perceptron", "run_script", "summary", "warp",
]
