"""Whether operations are recorded for backward: `no_grad`, `enable_grad`, `set_grad_enabled`
and `inference_mode`, each a context manager and a decorator (of functions and of generator
functions, as PyTorch's are).

The switch is one process-wide flag (not thread-local): reading it is on the path of every
operation, and stir's users train in one thread. `state.enabled` is what the operations read:
whether to record. Inside `inference_mode` it stays off whatever the grad mode says, as in
PyTorch, where `enable_grad()` inside `inference_mode()` makes `is_grad_enabled()` true but
records nothing; `state.requested` keeps the grad mode that `is_grad_enabled()` reports there.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradState:
    __slots__ = ("enabled", "inference", "requested")

    def __init__(self) -> None:
        self.enabled = True      # record operations (what the compute path reads)
        self.inference = False   # inside inference_mode(True)
        self.requested = False   # the grad mode asked for inside inference mode


state = _GradState()
_Snapshot = tuple[bool, bool, bool]


def _snapshot() -> _Snapshot:
    return state.enabled, state.inference, state.requested


def _restore(snapshot: _Snapshot) -> None:
    state.enabled, state.inference, state.requested = snapshot


def _set_grad_mode(mode: bool) -> None:
    if state.inference:  # inference mode records nothing, whatever the grad mode
        state.requested, state.enabled = mode, False
    else:
        state.enabled = mode


def is_grad_enabled() -> bool:
    """True when the grad mode is on: new operations are recorded for backward (unless
    inference mode is on too, which records nothing, as in PyTorch)."""
    return state.requested if state.inference else state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()` (and not inside an `inference_mode(False)` in it)."""
    return state.inference


def _decorate(function: F, make_switch: Callable[[], Any]) -> F:
    """`function` run inside a fresh switch from `make_switch()` at every call; a generator
    function's switch is on while its body runs and off while the caller has control."""
    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def generator(*args: Any, **kwargs: Any) -> Any:
            inner = function(*args, **kwargs)
            try:
                with make_switch():
                    response = inner.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with make_switch():
                            inner.close()
                        raise
                    except BaseException as error:  # thrown in: the body handles it, switched
                        with make_switch():
                            response = inner.throw(error)
                    else:
                        with make_switch():
                            response = inner.send(request)
            except StopIteration as stop:
                return stop.value

        return generator  # type: ignore[return-value]

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with make_switch():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class set_grad_enabled:
    """Turn recording on or off, as a context manager, a decorator, or a plain call.

    >>> import stir
    >>> x = stir.tensor([1.0], requires_grad=True)
    >>> with stir.set_grad_enabled(False):
    ...     (x * 2).requires_grad
    False
    >>> @stir.set_grad_enabled(False)
    ... def doubled(t):
    ...     return t * 2
    >>> doubled(x).requires_grad, stir.is_grad_enabled()
    (False, True)
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.previous = _snapshot()
        _set_grad_mode(self.mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        _restore(self.previous)

    def __call__(self, function: F) -> F:
        _restore(self.previous)  # as a decorator, the constructor's switch is undone
        mode = self.mode
        return _decorate(function, lambda: set_grad_enabled(mode))

    def clone(self) -> set_grad_enabled:
        """A new switch of the same mode (PyTorch's decorators make one per call)."""
        switch = set_grad_enabled.__new__(set_grad_enabled)
        switch.mode, switch.previous = self.mode, _snapshot()
        return switch


class _GradSwitch:
    """Base of `no_grad` and `enable_grad`: a fixed mode, usable with `with` or as `@`."""

    mode = True

    def __new__(cls, function: Any = None) -> Any:
        switch = object.__new__(cls)
        # `@no_grad` (no parentheses) hands the function straight to the constructor.
        return switch if function is None else switch(function)

    def __enter__(self) -> None:
        self.previous = _snapshot()
        _set_grad_mode(self.mode)

    def __exit__(self, *exc_info: object) -> None:
        _restore(self.previous)

    def __call__(self, function: F) -> F:
        return _decorate(function, type(self))

    def clone(self) -> _GradSwitch:
        """A new switch of the same kind."""
        return type(self)()


class no_grad(_GradSwitch):
    """Do not record operations: results have no `grad_fn` and need no memory for backward.

    >>> import stir
    >>> w = stir.tensor([2.0], requires_grad=True)
    >>> with stir.no_grad():
    ...     y = w * 3
    >>> y.requires_grad
    False
    >>> @stir.no_grad()
    ... def tripled(t):
    ...     return t * 3
    >>> tripled(w).requires_grad
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


class inference_mode:
    """Inference mode: like `no_grad`, nothing is recorded, and `enable_grad()` inside it
    records nothing either (as in PyTorch); `inference_mode(False)` leaves it for a block.
    A context manager and a decorator, with or without parentheses.

    Where stir differs: PyTorch marks every tensor made inside as an "inference tensor"
    (`t.is_inference()`), and raises a RuntimeError if one is later saved for backward by a
    recorded operation, or updated in place outside inference mode. stir's tensors carry no
    such mark: one made inside is an ordinary tensor that does not require grad, so using it
    later in training works where PyTorch would raise (PyTorch's own advice there is to
    clone it, which stir does not need). Inside, stir is exactly `no_grad` (no speed-up
    beyond that: stir's no_grad already keeps no graph).

    >>> import stir
    >>> w = stir.tensor([2.0], requires_grad=True)
    >>> with stir.inference_mode():
    ...     y = w * 3
    ...     with stir.enable_grad():
    ...         z = w * 3
    >>> y.requires_grad, z.requires_grad, stir.is_inference_mode_enabled()
    (False, False, False)
    >>> @stir.inference_mode
    ... def predict(x):
    ...     return stir.is_inference_mode_enabled(), (x * w).requires_grad
    >>> predict(stir.ones(1))
    (True, False)
    """

    def __new__(cls, mode: Any = True) -> Any:
        switch = object.__new__(cls)
        if isinstance(mode, bool):
            switch.mode = mode
            return switch
        switch.mode = True  # `@inference_mode` without parentheses: decorate at once
        return switch(mode)

    def __init__(self, mode: Any = True) -> None:
        pass  # `__new__` has read `mode` (it may be the function decorated)

    def __enter__(self) -> None:
        self.previous = _snapshot()
        if self.mode:
            state.inference, state.enabled, state.requested = True, False, False
        else:  # as PyTorch: leaving inference mode turns the grad mode on
            state.inference, state.enabled = False, True

    def __exit__(self, *exc_info: object) -> None:
        _restore(self.previous)

    def __call__(self, function: F) -> F:
        mode = self.mode
        return _decorate(function, lambda: inference_mode(mode))

    def clone(self) -> inference_mode:
        """A new switch of the same mode."""
        return inference_mode(self.mode)
