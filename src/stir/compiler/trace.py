"""Capturing what one training step computes: every call of a stir Function, in order.

While `traced()` runs, `stir.autograd` appends (function, context, arguments, result,
recorded) for each call of `Function.apply`. `plan_of` compares the traces of two
consecutive eager steps and, when they did the same thing, turns the second into a `Plan`:
the forward calls to repeat, each argument either a slot (the step's inputs), the result of
an earlier call, or a tensor read afresh at every step (a parameter, or a constant that was
the same both times); and the backward nodes in the order the engine ran them.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from .. import autograd
from ..autograd import Context
from ..tensor import Tensor


class NotCapturable(Exception):
    """The step cannot be replayed; the message says why (the step then runs eagerly)."""


@dataclass
class ForwardCall:
    """One call to repeat: `function.forward(ctx, *arguments)` into `result.array`.

    `array_arguments` lists (position, tensor) for arguments that were a tensor's `.array`
    array rather than the tensor (as `F.cross_entropy` passes its integer targets): at each
    replay that position gets the tensor's current array."""

    function: type
    ctx: Context
    arguments: tuple[Any, ...]
    result: Tensor
    recorded: bool
    array_arguments: tuple[tuple[int, Tensor], ...] = ()


@dataclass
class Plan:
    """What a replay runs: the forward calls, then the backward of `nodes` (descending
    creation order, as the engine walks them) from `loss`'s node."""

    calls: list[ForwardCall]
    loss: Tensor
    nodes: list[Context]
    steps: list[tuple[Any, ...]] = field(default_factory=list)  # the calls, flattened
    routes: list[tuple[Context, list[tuple[Any, ...]]]] = field(default_factory=list)
    clear_gradients: bool = True  # whether zero_grad must run (see CompiledStep)
    seed: Any = None  # d loss / d loss, made once (engine.seed_gradient: never written to)
    update: Any = None  # a specialised optimizer step, or None for optimizer.step()


@contextmanager
def traced() -> Iterator[list[tuple[Any, ...]]]:
    """Collect the Function calls made inside the block."""
    if autograd._tracer is not None:
        raise NotCapturable("stir.compile steps cannot be nested")
    calls: list[tuple[Any, ...]] = []
    autograd._tracer = calls
    try:
        yield calls
    finally:
        autograd._tracer = None


def plan_of(first: list[tuple[Any, ...]], second: list[tuple[Any, ...]],
            first_inputs: list[Tensor], slots: list[Tensor], loss: Tensor) -> Plan:
    """The Plan of the second trace, if the first did exactly the same (else NotCapturable).
    `first_inputs` hold the first call's inputs, `slots` the second's (and every later's)."""
    if len(first) != len(second) or any(a[0] is not b[0] for a, b in zip(first, second)):
        raise NotCapturable("the step ran different operations on two calls with inputs of "
                            "the same shapes (it depends on the values)")
    made_first = {id(call[3]): index for index, call in enumerate(first)}
    made_second = {id(call[3]): index for index, call in enumerate(second)}
    calls = []
    for index, (a, b) in enumerate(zip(first, second)):
        function, ctx, arguments, result, recorded = b
        if not getattr(function, "backward_on_arrays", False):
            raise NotCapturable(f"{function.__name__} is not one of stir's primitives (a "
                                "Function whose backward runs on arrays)")
        if len(a[2]) != len(arguments):
            raise NotCapturable(f"{function.__name__} got different arguments on two calls")
        array_arguments = []
        for position, (old, new) in enumerate(zip(a[2], arguments)):
            source = _array_source(new, second[:index], slots)
            if source is not None:
                if _array_source(old, first[:index], first_inputs) is None:
                    raise NotCapturable(f"argument {position} of {function.__name__} came "
                                        "from different places on two calls")
                array_arguments.append((position, source))
                continue
            _check_argument(function, position, old, new, made_first, made_second, slots)
        calls.append(ForwardCall(function, ctx, arguments, result, recorded,
                                 tuple(array_arguments)))
    if id(loss) not in made_second:
        raise NotCapturable("the loss was not computed by stir operations from the inputs")
    return Plan(calls, loss, _backward_nodes(loss))


def _array_source(value: Any, earlier: list[tuple[Any, ...]], slots: list[Tensor]
                  ) -> Tensor | None:
    """The slot or earlier result whose `.array` `value` is, if it is one."""
    if type(value) is not np.ndarray:
        return None
    for tensor in slots:
        if tensor.array is value:
            return tensor
    for call in earlier:
        if call[3].array is value:
            return call[3]
    return None


def _check_argument(function: type, position: int, old: Any, new: Any,
                    made_first: dict[int, int], made_second: dict[int, int],
                    slots: list[Tensor]) -> None:
    """Both calls must have passed the same kind of thing in this argument."""
    where = f"argument {position} of {function.__name__}"
    if not isinstance(new, Tensor):
        if not _same(old, new):
            raise NotCapturable(f"{where} changed between two calls ({_brief(old)} then "
                                f"{_brief(new)})")
        return
    if not isinstance(old, Tensor):
        raise NotCapturable(f"{where} was not a tensor on the first call")
    if any(new is slot for slot in slots) or old is new:
        return  # an input slot, or a tensor that lives across steps (a parameter)
    if id(new) in made_second:
        if made_first.get(id(old)) != made_second[id(new)]:
            raise NotCapturable(f"{where} came from different operations on two calls")
        return
    # A tensor made outside stir's operations during the step: replayable only if it is a
    # constant (the same values both times), unlike a Dropout mask.
    if not (old.array.shape == new.array.shape and old.array.dtype == new.array.dtype
            and np.array_equal(old.array, new.array)):
        raise NotCapturable(f"{where} is a tensor made during the step whose values change "
                            "from call to call (such as a dropout mask)")


def _same(old: Any, new: Any) -> bool:
    """Whether two non-tensor arguments are equal: arrays by value, and tuples or lists
    (an index such as (rows, columns) of integer arrays) item by item."""
    if isinstance(new, np.ndarray) or isinstance(old, np.ndarray):
        return (type(old) is type(new) and old.shape == new.shape and old.dtype == new.dtype
                and np.array_equal(old, new))
    if isinstance(new, (tuple, list)):
        return (type(old) is type(new) and len(old) == len(new)
                and all(_same(a, b) for a, b in zip(old, new)))
    return type(old) is type(new) and bool(old == new)


def _brief(value: Any) -> str:
    """A value for a message: an array by its shape and dtype, anything else by its repr."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)} and dtype {value.dtype}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _backward_nodes(loss: Tensor) -> list[Context]:
    """Every node the loss's gradient can reach, in the engine's order."""
    root = loss.grad_fn
    if root is None:
        raise NotCapturable("the loss does not depend on anything that requires grad")
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop()._parents:
            if type(parent) is Context and parent not in seen:
                seen.add(parent)
                stack.append(parent)
    for node in seen:
        if node._retained is not None:
            raise NotCapturable("a tensor of the step has retain_grad()")
    return sorted(seen, key=lambda node: -node.sequence)
