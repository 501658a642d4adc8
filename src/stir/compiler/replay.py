"""Running a `Plan`: the forward calls on the new inputs, then the backward pass, as flat
loops over lists (no graph is built, no module called, no heap walked).

Each step does the eager step's arithmetic, operation for operation, so the numbers are the
same; what a replay leaves out is the bookkeeping around them.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import grad_mode
from .. import _array, engine
from ..autograd import Context, output_tensor
from .trace import Plan

_ndarray = _array.NDARRAY


def forward(plan: Plan) -> None:
    """Recompute every call of the step from the current inputs and parameters."""
    state = grad_mode.state
    previous, state.enabled = state.enabled, False  # as Function.apply runs forward
    try:
        for run, ctx, arguments, result, recorded, array_arguments, function in plan.steps:
            if array_arguments:
                arguments = list(arguments)
                for position, source in array_arguments:
                    arguments[position] = source.array
            out = run(ctx, *arguments)
            if type(out) is not _ndarray:
                out = output_tensor(out, arguments, function).array
            result.array = out
            if recorded:
                ctx.keep_saved_unchecked()
    finally:
        state.enabled = previous


def steps_of(plan: Plan) -> list[tuple[Any, ...]]:
    """The forward calls as flat tuples, unpacked in one go by `forward`."""
    return [(call.function.forward, call.ctx, call.arguments, call.result, call.recorded,
             call.array_arguments, call.function) for call in plan.calls]


def backward(plan: Plan) -> None:
    """`loss.backward()` after `zero_grad()` over the plan's nodes: the engine's pass without
    its heap, handing each gradient to its leaf with the engine's own `deliver`."""
    buffers: dict[Context, Any] = {plan.loss.grad_fn: plan.seed}
    given: set[int] = set()
    deliver, conformed = engine.deliver, engine.conformed_gradient
    for node, route in plan.routes:
        grad_output = buffers.pop(node, None)
        if grad_output is None:
            continue
        grads = node.function.backward(node, grad_output)  # node._arrays is set: arrays
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(node._parents):
            grads = engine.padded_gradients(node, grads, len(node._parents))
        for index, parent, target, shape, dtype in route:
            gradient = grads[index]
            if gradient is None:
                continue
            if (type(gradient) is not _ndarray or gradient.shape != shape
                    or gradient.dtype != dtype):
                gradient = conformed(node, index, gradient, True)
            if target is _NODE:
                held = buffers.get(parent)
                buffers[parent] = gradient if held is None else held + gradient
            elif target is _LEAF:  # zero_grad was left out: its first gradient starts afresh
                deliver(parent, gradient, grad_output, grads, cleared=True)
            elif target is _SHARED_LEAF and id(parent) not in given:
                given.add(id(parent))
                deliver(parent, gradient, grad_output, grads, cleared=True)
            else:  # a shared leaf's later gradients, or another leaf: as the engine does
                deliver(parent, gradient, grad_output, grads)


# Where a gradient goes: a node; an optimizer's parameter reached along one edge or several;
# another leaf (its .grad is never cleared by zero_grad, so gradients add up across steps).
_NODE, _LEAF, _SHARED_LEAF, _OTHER_LEAF = "node", "leaf", "shared leaf", "other leaf"


def routes_of(nodes: list[Context], parameters: set[int]
              ) -> list[tuple[Context, list[tuple[Any, ...]]]]:
    """Each node with where its gradients go: (input position, parent, _NODE, _LEAF,
    _SHARED_LEAF or _OTHER_LEAF, the input's shape and dtype), worked out once. An
    optimizer's parameter (`parameters`: their ids) reached along one edge only simply gets
    its gradient as its .grad."""
    edges: dict[int, int] = {}
    for node in nodes:
        for _, parent, _, _ in node._inputs:
            edges[id(parent)] = edges.get(id(parent), 0) + 1

    def target(parent: Any) -> str:
        if type(parent) is Context:
            return _NODE
        if id(parent) not in parameters:
            return _OTHER_LEAF
        return _LEAF if edges[id(parent)] == 1 else _SHARED_LEAF

    return [(node, [(index, parent, target(parent), shape, dtype)
                    for index, parent, shape, dtype in node._inputs]) for node in nodes]


def plain_sgd_step(optimizer: Any) -> Callable[[], None] | None:
    """For `stir.optim.SGD` without momentum, weight decay or maximize, its update
    θ ← θ − lr·g as one loop (the same arithmetic as `SGD.update`); None otherwise."""
    from ..optim.sgd import SGD

    if type(optimizer) is not SGD or any(
            group["momentum"] != 0 or group["weight_decay"] != 0 or group["maximize"]
            for group in optimizer.param_groups):
        return None
    groups = optimizer.param_groups

    def step() -> None:
        for group in groups:
            lr = group["lr"]  # read at every step: a schedule may change it
            for param in group["params"]:
                grad = param.grad
                if grad is not None:
                    param.array -= lr * grad.array
                    param._version[0] += 1
    return step
