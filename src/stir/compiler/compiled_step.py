"""`stir.compile(model, loss_fn, optimizer)`: one training step, captured and replayed.

    step = stir.compile(model, F.cross_entropy, optimizer)
    for x, y in batches:
        loss = step(x, y)  # zero_grad, forward, loss, backward, optimizer.step()

The first two calls with inputs of new shapes and dtypes (and the model in train or eval
mode) run eagerly, recording every stir operation; if both did the same thing, later calls
replay that record: each primitive's forward and backward called directly on arrays, in
order, with none of the eager step's module calls, graph building or engine walk. The
results are the eager step's, operation for operation.

A step that cannot be replayed runs eagerly, and says so once with a warning: one that
makes different tensors on different calls (Dropout's mask), runs a Function that is not a
stir primitive, or calls retain_grad. Like `jax.jit` and `torch.compile`, a replay assumes
that the step does the same operations whenever its inputs have the same shapes: a model
whose forward branches on the values of its data must not be compiled.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .. import anomaly, engine, grad_mode
from ..autograd import Context
from ..nn.module import Module
from ..tensor import Tensor
from . import replay
from .trace import NotCapturable, Plan, plan_of, traced


@dataclass
class _Capture:
    """What is known about the step for one input signature."""

    slots: list[Tensor]
    first_trace: list[tuple[Any, ...]] | None = None
    first_inputs: list[Tensor] = field(default_factory=list)
    plan: Plan | None = None
    eager: bool = False


class CompiledStep:
    """A training step of `model` under `loss_fn` and `optimizer`; call it with a batch
    (x, y) of arrays or tensors to take one step; it returns the loss (a tensor without a
    graph: the step has already gone backward through it)."""

    def __init__(self, model: Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
                 optimizer: Any) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"stir.compile: model must be a stir.nn.Module, got "
                            f"{type(model).__name__}")
        if not callable(loss_fn):
            raise TypeError("stir.compile: loss_fn must be callable as loss_fn(output, target)")
        for method in ("zero_grad", "step"):
            if not callable(getattr(optimizer, method, None)):
                raise TypeError(f"stir.compile: the optimizer has no {method}() method")
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self._captures: dict[tuple[Any, ...], _Capture] = {}
        self._warned = False

    def __call__(self, x: Any, y: Any) -> Tensor:
        x_data, y_data = _array(x), _array(y)
        key = (x_data.shape, x_data.dtype, y_data.shape, y_data.dtype, self.model.training)
        capture = self._captures.get(key)
        if capture is None:
            capture = self._captures[key] = _Capture([Tensor(x_data), Tensor(y_data)])
        slots = capture.slots
        slots[0].array, slots[1].array = x_data, y_data
        if capture.plan is not None and not anomaly.state.enabled and grad_mode.state.enabled:
            return self._replay(capture.plan)
        if capture.eager or anomaly.state.enabled or not grad_mode.state.enabled:
            return self._eager(slots)
        return self._capture(capture)

    @property
    def replaying(self) -> bool:
        """Whether some input signature is being replayed (not run eagerly)."""
        return any(capture.plan is not None for capture in self._captures.values())

    def _replay(self, plan: Plan) -> Tensor:
        replay.forward(plan)
        if plan.clear_gradients:
            self.optimizer.zero_grad()
        replay.backward(plan)
        if plan.update is not None:
            plan.update()
        else:
            self.optimizer.step()
        return Tensor(plan.loss.array)

    def _eager(self, slots: list[Tensor]) -> Tensor:
        return self._backward_and_step(self.loss_fn(self.model(slots[0]), slots[1]))

    def _backward_and_step(self, loss: Tensor) -> Tensor:
        """The eager end of a step; the loss returned has no graph (the step went through
        it, and after a capture it is the plan's)."""
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def _capture(self, capture: _Capture) -> Tensor:
        """An eager step, traced; the second such step of a signature makes its plan."""
        with traced() as trace:
            loss = self.loss_fn(self.model(capture.slots[0]), capture.slots[1])
        if capture.first_trace is None:
            capture.first_trace = trace
            capture.first_inputs = [Tensor(slot.array) for slot in capture.slots]
        else:
            try:
                capture.plan = plan_of(capture.first_trace, trace, capture.first_inputs,
                                       capture.slots, loss)
                self._specialise(capture.plan)
            except NotCapturable as reason:
                capture.eager = True
                self._warn(str(reason))
            capture.first_trace, capture.first_inputs = None, []
        return self._backward_and_step(loss)

    def _specialise(self, plan: Plan) -> None:
        """What a replay may skip or do more directly for this optimizer.

        zero_grad is needed only for parameters the loss does not reach (the backward sets
        every reached one's .grad afresh); plain SGD's update runs as one loop."""
        reached = {id(parent) for node in plan.nodes for _, parent, _, _ in node._inputs
                   if type(parent) is not Context}
        parameters = {id(param) for group in self.optimizer.param_groups
                      for param in group["params"]}
        plan.clear_gradients = not parameters <= reached
        plan.update = replay.plain_sgd_step(self.optimizer)
        plan.routes = replay.routes_of(plan.nodes, parameters)
        plan.seed = engine.seed_gradient(plan.loss.array)
        plan.steps = replay.steps_of(plan)
        for node in plan.nodes:
            node._arrays = True  # backward always runs on arrays in a replay

    def _warn(self, reason: str) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(f"stir.compile: this step cannot be replayed, so it runs eagerly: "
                          f"{reason}", RuntimeWarning, stacklevel=4)


def compile(model: Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
            optimizer: Any) -> CompiledStep:
    """A compiled training step: `step(x, y)` does `optimizer.zero_grad()`, computes
    `loss_fn(model(x), y)`, backpropagates and calls `optimizer.step()`, returning the loss.

    >>> import numpy as np, stir
    >>> import stir.nn.functional as F
    >>> from stir import nn, optim
    >>> model = nn.MLP([2, 8, 1])
    >>> step = stir.compile(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1))
    >>> x = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)
    >>> y = x.sum(axis=1, keepdims=True)
    >>> losses = [float(step(x, y)) for _ in range(50)]
    >>> step.replaying, losses[-1] < losses[0] / 10
    (True, True)
    """
    return CompiledStep(model, loss_fn, optimizer)


def _array(value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.array
    return value if type(value) is np.ndarray else np.asarray(value)
