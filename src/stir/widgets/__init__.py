"""Interactive widgets for the seeds' experiments, in Jupyter (the optional `notebook` extra).

Each widget is a live view of real stir objects: moving a handle changes a model's weights
and every number shown is computed by stir. They need ipywidgets and anywidget
(pip install "stir[notebook]"); `import stir` never imports them, and a widget's module is
imported on first use, so a missing package is reported when a widget is asked for.

- `Keypoints(x, y, x_test, y_test)`: seed 000's piecewise-linear model, with draggable
  keypoints, its MSE, the equivalent ReLU network, and SGD from those weights.
- `BumpBuilder()`: seed 003's bumps of ReLUs against a trained MLP.
- `ActivationExplorer()`: an activation and its derivative, with its parameters.
- `WarpExplorer()`: a layer of two hidden units carrying the plane into hidden space.
- `BackpropTracer(output)`: a compute graph, stepping through the backward pass.

Files: keypoints.py, bumps.py, activations.py, warp.py and backprop.py, one per widget, each
with its front end beside it (a .js file, plain JavaScript and SVG, shipped with the package so
nothing is fetched from the network); _explorers.py and _explorers.js hold what bumps,
activations and warp share.
"""

from __future__ import annotations

import importlib
from typing import Any

#: What to run to get the widgets.
INSTALL_HINT = 'pip install "stir[notebook]" (ipywidgets and anywidget)'

# Each public name and the module of this package that defines it.
_HOMES = {
    "Keypoints": "keypoints",
    "BumpBuilder": "bumps",
    "ActivationExplorer": "activations",
    "WarpExplorer": "warp",
    "BackpropTracer": "backprop",
}

__all__ = ["INSTALL_HINT", *sorted(_HOMES)]


def __getattr__(name: str) -> Any:
    """Import a widget's module when the widget is first asked for (PEP 562)."""
    if name not in _HOMES:
        raise AttributeError(f"module 'stir.widgets' has no attribute {name!r}; "
                             f"the widgets are {', '.join(__all__)}")
    try:
        module = importlib.import_module(f"{__name__}.{_HOMES[name]}")
    except ImportError as error:
        if error.name in ("ipywidgets", "anywidget", "IPython", "traitlets"):
            raise ImportError(f"stir.widgets.{name} needs {error.name}: {INSTALL_HINT}") \
                from error
        raise
    return getattr(module, name)


def __dir__() -> list[str]:
    return __all__
