"""The backward pass one operation at a time, for `stir.widgets.BackpropTracer`.

The engine takes the waiting operations largest sequence number first (each after all of
its output's gradient has arrived), so its order is known in advance: the recorded nodes by
decreasing sequence. Every tensor's gradient, d output / d tensor, is computed once, by the
engine itself: one `stir.autograd.grad` call with every drawn tensor as an input (a tensor
that is no longer held is stood in for by a tensor whose grad_fn is its node, which is all
the engine uses to recognise it). Stepping then shows each gradient once all of its parts
have come: after every operation that used the tensor has run its backward.

>>> import stir
>>> a, b = stir.tensor(2.0, requires_grad=True), stir.tensor(-3.0, requires_grad=True)
>>> steps = BackwardSteps(a * b + a, names={"a": a, "b": b})
>>> steps.order
['Add', 'Mul']
>>> steps.step(), steps.gradient(a), steps.step(), steps.gradient(a)
(True, None, True, tensor(-2.))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import autograd
from ..tensor import Tensor
from .compute_graph import MAX_NODES, Key, read_graph, tensor_key
from .drawing import SVG, View, render


class BackwardSteps:
    """`output`'s backward pass, as a position from 0 (only d output/d output = 1 is known)
    to `len(order)` (every operation has run: the leaves hold what `output.backward()`
    would add into their `.grad`)."""

    def __init__(self, output: Tensor, names: Any = None, max_nodes: int = MAX_NODES) -> None:
        if not isinstance(output, Tensor):
            raise TypeError(f"BackpropTracer needs a stir Tensor, got {type(output).__name__}")
        if output.grad_fn is None:
            raise ValueError("BackpropTracer: this tensor was computed by no recorded operation "
                             "(it is a leaf, or nothing it came from requires grad): there is "
                             "no backward pass to step through")
        if output.numel() != 1:
            raise ValueError(f"BackpropTracer: the output must have one element (a loss), this "
                             f"one has shape {tuple(output.shape)}; trace output.sum()")
        self.output = output
        self.graph = read_graph(output, names, max_nodes)
        if self.graph.omitted:
            raise ValueError(f"BackpropTracer: {self.graph.total} operations is too many to "
                             f"step through (max_nodes={max_nodes}); trace a smaller "
                             "expression or pass a larger max_nodes=")
        self.asked: set[Key] = set()  # the boxes whose gradient was asked of the engine
        self.gradients = self._all_gradients()
        ops = self.graph.ops  # already in the engine's order
        # An operation runs unless no gradient reaches any of its outputs.
        self.steps = [i for i, op in enumerate(ops)
                      if any(k in self.gradients or k not in self.asked for k in op.outputs)]
        self.consumers: dict[Key, list[int]] = {}  # box -> the steps that pass it a gradient
        for step, index in enumerate(self.steps, start=1):
            for key in dict.fromkeys(ops[index].inputs):
                if key in self.gradients:
                    self.consumers.setdefault(key, []).append(step)
        self.position = 0

    def _all_gradients(self) -> dict[Key, np.ndarray]:
        keys, targets = [], []
        for key, box in self.graph.tensors.items():
            target = _target(key, box.tensor)
            if target is not None:
                self.asked.add(key)
                keys.append(key)
                targets.append(target)
        try:
            found = autograd.grad(self.output, targets, retain_graph=True, allow_unused=True)
        except RuntimeError as error:
            if "second time" not in str(error):
                raise
            raise ValueError("BackpropTracer: this output's graph was freed by an earlier "
                             "backward(); make the tracer before calling backward(), or call "
                             "backward(retain_graph=True)") from None
        return {key: np.asarray(g.array) for key, g in zip(keys, found) if g is not None}

    # ------------------------------------------------------------------ stepping
    @property
    def order(self) -> list[str]:
        """The operations' names, in the order the backward pass runs them."""
        return [self.graph.ops[index].name for index in self.steps]

    @property
    def done(self) -> bool:
        return self.position == len(self.steps)

    @property
    def current(self) -> str | None:
        """The operation that ran its backward at this step (None before the first)."""
        return self.graph.ops[self.steps[self.position - 1]].name if self.position else None

    def step(self) -> bool:
        """Run the next operation's backward; False when there was none left."""
        if self.done:
            return False
        self.position += 1
        return True

    def back(self) -> bool:
        """Undo one step; False at the start."""
        if self.position == 0:
            return False
        self.position -= 1
        return True

    def reset(self) -> None:
        self.position = 0

    def run(self) -> None:
        """Every remaining step: the end of the backward pass."""
        self.position = len(self.steps)

    def complete_at(self, key: Key) -> int | None:
        """The step after which box `key` holds its whole gradient (0: the output's own)."""
        if key == self.graph.root:
            return 0
        steps = self.consumers.get(key)
        return max(steps) if steps else None

    def gradient(self, tensor: Tensor) -> Tensor | None:
        """d output / d `tensor` as shown at this step: None until all of it has arrived."""
        key = tensor_key(tensor)
        at = self.complete_at(key)
        if at is None or at > self.position or key not in self.gradients:
            return None
        return Tensor(self.gradients[key].copy())

    # ------------------------------------------------------------------ pictures
    def view(self) -> View:
        """What the picture shows at this step."""
        view = View(current=self.steps[self.position - 1] if self.position else None)
        for key in self.gradients:
            at = self.complete_at(key)
            if at is not None and at <= self.position:
                view.gradients[key] = self.gradients[key]
                if at == self.position:
                    view.completed.add(key)
                continue
            arrived = sum(1 for s in self.consumers.get(key, []) if s <= self.position)
            if arrived:
                view.arrived[key] = (arrived, len(self.consumers[key]))
            else:
                view.pending.add(key)
        view.caption = self.caption()
        return view

    def caption(self) -> str:
        count = len(self.steps)
        if self.position == 0:
            return (f"Step 0 of {count}: d output / d output = 1, the seed. Step to run each "
                    "operation's backward, last operation first.")
        op = self.graph.ops[self.steps[self.position - 1]]
        inputs = [key for key in dict.fromkeys(op.inputs) if key in self.gradients]
        finished = [key for key in inputs if self.complete_at(key) == self.position]
        plural = "s" if len(inputs) != 1 else ""
        text = (f"Step {self.position} of {count}: {op.name}'s output has its whole gradient; "
                f"{op.name}'s backward sends a gradient to its {len(inputs)} input{plural}")
        if finished:
            text += f" ({len(finished)} now complete)"
        return text + (". Done: these are the gradients backward() gives." if self.done
                       else ".")

    def svg(self) -> SVG:
        """The graph at this step, as an SVG picture."""
        return SVG(render(self.graph, self.view()),
                   f"backward pass, step {self.position} of {len(self.steps)}")


def _target(key: Key, tensor: Tensor | None) -> Tensor | None:
    """What to ask `grad` for box `key`'s gradient with: its tensor, or a stand-in tensor
    whose grad_fn is the box's node. None for constants, and for one of several outputs of
    a node that is no longer held (the engine tells those apart by the tensor itself)."""
    if key[0] == "leaf":
        return tensor
    if key[0] != "out":
        return None
    if tensor is not None and tensor_key(tensor) == key:
        return tensor
    node = key[1]
    if node._outputs is not None:
        return None
    stand_in = Tensor(np.zeros((), dtype=np.float64))
    stand_in.requires_grad = True
    stand_in.grad_fn = node
    return stand_in
