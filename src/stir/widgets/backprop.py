"""A backprop tracer: the compute graph of a small expression or network, with its values,
stepping through the backward pass one operation at a time (micrograd's picture, animated).

The picture is `stir.viz.graph`'s; the stepping and every gradient are
`stir.viz.backward_steps.BackwardSteps`, computed by stir's own engine. This widget adds the
buttons: Step, Back, Run all and Reset.
"""

from __future__ import annotations

from typing import Any

import ipywidgets

from ..tensor import Tensor
from ..viz.backward_steps import BackwardSteps
from ..viz.compute_graph import MAX_NODES


class BackpropTracer(ipywidgets.VBox):
    """`output`'s compute graph, whose backward pass `.step()` advances one operation at a
    time, in the engine's order: the current operation and its edges are highlighted, and a
    tensor's box shows its gradient, d output / d tensor, once every operation that used it
    has passed its part back ("1 of 2 in" until then). After the last step the leaves show
    what `output.backward()` adds into their `.grad` (their `.grad` itself is not touched).

    `names` labels tensors as in `stir.viz.graph` (a Module, a mapping such as `vars()`, or
    `model.named_parameters()`). Make the tracer before calling `output.backward()`, which
    frees the graph (or call it with retain_graph=True).

    >>> import stir, stir.widgets
    >>> a, b = stir.tensor(2.0, requires_grad=True), stir.tensor(-3.0, requires_grad=True)
    >>> tracer = stir.widgets.BackpropTracer(a * b + 10.0, names={"a": a, "b": b})
    >>> tracer.order, tracer.step(), tracer.current
    (['Add', 'Mul'], True, 'Add')
    >>> tracer.run(); tracer.gradient(a), tracer.gradient(b)
    (tensor(-3.), tensor(2.))
    """

    def __init__(self, output: Tensor, names: Any = None, max_nodes: int = MAX_NODES) -> None:
        self.steps = BackwardSteps(output, names, max_nodes)
        self._picture = ipywidgets.HTML(layout=ipywidgets.Layout(overflow="auto"))
        self._status = ipywidgets.HTML()
        self._buttons = {}
        for label, action, tip in (("Step", self.step, "run the next operation's backward"),
                                   ("Back", self.back, "undo one step"),
                                   ("Run all", self.run, "run the whole backward pass"),
                                   ("Reset", self.reset, "back to the start")):
            button = ipywidgets.Button(description=label, tooltip=tip,
                                       layout=ipywidgets.Layout(width="auto"))
            button.on_click(lambda _, act=action: act())
            self._buttons[label] = button
        controls = ipywidgets.HBox([*self._buttons.values(), self._status],
                                   layout=ipywidgets.Layout(align_items="center"))
        super().__init__([controls, self._picture])
        self._show()

    def __repr__(self) -> str:  # what a notebook shows where widgets do not render
        return f"BackpropTracer(step {self.position} of {len(self.order)}: {self.order})"

    # Python-usable: the same actions as the buttons, and what they show.
    @property
    def position(self) -> int:
        """How many operations have run their backward (0 to len(order))."""
        return self.steps.position

    @property
    def order(self) -> list[str]:
        """The operations' names in the order the backward pass runs them."""
        return self.steps.order

    @property
    def current(self) -> str | None:
        """The operation highlighted: the one that ran its backward at this step."""
        return self.steps.current

    @property
    def done(self) -> bool:
        return self.steps.done

    @property
    def svg(self) -> str:
        """The SVG text of the picture shown."""
        return self._picture.value

    def gradient(self, tensor: Tensor) -> Tensor | None:
        """d output / d `tensor` as shown now: None until all of it has arrived."""
        return self.steps.gradient(tensor)

    def step(self) -> bool:
        """Advance the backward pass by one operation; False when it was already done."""
        moved = self.steps.step()
        self._show()
        return moved

    def back(self) -> bool:
        """Undo one step; False at the start."""
        moved = self.steps.back()
        self._show()
        return moved

    def run(self) -> None:
        """Run the rest of the backward pass."""
        self.steps.run()
        self._show()

    def reset(self) -> None:
        """Back to step 0: only d output / d output = 1 is known."""
        self.steps.reset()
        self._show()

    def _show(self) -> None:
        self._picture.value = self.steps.svg().data
        self._status.value = (f"<span style='margin-left:10px'>step {self.position} of "
                              f"{len(self.order)}</span>")
        self._buttons["Step"].disabled = self._buttons["Run all"].disabled = self.done
        self._buttons["Back"].disabled = self._buttons["Reset"].disabled = self.position == 0
