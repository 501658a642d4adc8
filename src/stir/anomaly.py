"""Anomaly mode: name the first operation whose forward or backward produced NaN or inf.

Off by default because it inspects every result; switch it on while hunting a NaN:

>>> import stir
>>> x = stir.tensor([-1.0, 4.0], requires_grad=True)
>>> with stir.detect_anomaly():
...     y = x.sqrt()
Traceback (most recent call last):
...
FloatingPointError: Sqrt produced nan in its forward output (its inputs were finite); shape (2,)
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


class _AnomalyState:
    __slots__ = ("enabled", "in_backward")

    def __init__(self) -> None:
        self.enabled = False
        # While a node's backward runs, its result is checked as a whole (check_backward),
        # so the operations inside it are not blamed one by one.
        self.in_backward = False


state = _AnomalyState()


class detect_anomaly:
    """Context manager (or decorator) that raises `FloatingPointError` at the first operation
    whose forward output or backward gradient holds NaN or inf, naming that operation and,
    for backward, the line of user code that created it."""

    def __enter__(self) -> None:
        self.previous = state.enabled
        state.enabled = True

    def __exit__(self, *exc_info: object) -> None:
        state.enabled = self.previous

    def __call__(self, function: Any) -> Any:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly():
                return function(*args, **kwargs)

        return wrapper


def _bad_values(data: np.ndarray) -> str | None:
    """'nan', 'inf' or None: what non-finite values a floating array holds."""
    if data.dtype.kind not in "fc" or np.isfinite(data).all():
        return None
    return "nan" if np.isnan(data).any() else "inf"


def check_forward(name: str, result: Any, args: tuple[Any, ...]) -> None:
    if state.in_backward:
        return
    bad = _bad_values(result.array)
    if bad is None:
        return
    inputs_bad = any(
        _bad_values(arg.array) for arg in args if hasattr(arg, "array") and hasattr(arg, "grad_fn")
    )
    origin = "its inputs already held nan or inf" if inputs_bad else "its inputs were finite"
    raise FloatingPointError(
        f"{name} produced {bad} in its forward output ({origin}); shape {result.array.shape}"
    )


def check_backward(node: Any, index: int, gradient: Any) -> None:
    bad = _bad_values(np.asarray(getattr(gradient, "array", gradient)))
    if bad is None:
        return
    where = ""
    if node._stack:
        user_frames = [f for f in node._stack if not f.filename.startswith(_PACKAGE_DIR)]
        if user_frames:
            where = "; it was created at:\n" + "".join(
                _traceback().format_list(user_frames[-1:])
            ).rstrip()
    raise FloatingPointError(
        f"{node.name} backward produced {bad} in the gradient for its input {index}{where}"
    )


def _traceback() -> Any:
    """The traceback module, imported when an anomaly is reported rather than with stir."""
    import traceback

    return traceback
