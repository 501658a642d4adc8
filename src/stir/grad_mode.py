"""Whether operations are recorded for backward: `no_grad`, `enable_grad`, `set_grad_enabled`.

The switch is one process-wide flag (not thread-local): reading it is on the path of every
operation, and stir's users train in one thread.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradState:
    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


state = _GradState()


def is_grad_enabled() -> bool:
    """True when new operations are being recorded for backward."""
    return state.enabled


class set_grad_enabled:
    """Turn recording on or off, as a context manager, a decorator, or a plain call.

    >>> import stir
    >>> x = stir.tensor([1.0], requires_grad=True)
    >>> with stir.set_grad_enabled(False):
    ...     (x * 2).requires_grad
    False
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.previous = state.enabled
        state.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        state.enabled = self.previous

    def __call__(self, function: F) -> F:
        state.enabled = self.previous  # as a decorator, the constructor's switch is undone
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class _GradSwitch:
    """Base of `no_grad` and `enable_grad`: a fixed mode, usable with `with` or as `@`."""

    mode = True

    def __new__(cls, function: Any = None) -> Any:
        switch = object.__new__(cls)
        # `@no_grad` (no parentheses) hands the function straight to the constructor.
        return switch if function is None else switch(function)

    def __enter__(self) -> None:
        self.previous = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc_info: object) -> None:
        state.enabled = self.previous

    def __call__(self, function: F) -> F:
        mode = self.mode

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradSwitch):
    """Do not record operations: results have no `grad_fn` and need no memory for backward.

    >>> import stir
    >>> w = stir.tensor([2.0], requires_grad=True)
    >>> with stir.no_grad():
    ...     y = w * 3
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradSwitch):
    """Record operations again, inside a `no_grad` block or function.

    >>> import stir
    >>> w = stir.tensor([2.0], requires_grad=True)
    >>> with stir.no_grad():
    ...     with stir.enable_grad():
    ...         y = w * 3
    >>> y.requires_grad
    True
    """

    mode = True
