"""Pictures of stir's computations: `graph(output)` draws the compute graph behind a tensor.

The picture is micrograd's `draw_dot`, made without Graphviz: one box per tensor (its name,
its value, its gradient once computed), one oval per operation (its grad_fn's name: Mul,
Add, ReLU, ...), edges from inputs to operations to outputs, laid out left to right. It is
SVG text, shown inline by Jupyter. `stir.widgets.BackpropTracer` steps through the backward
pass on the same picture.

- compute_graph.py: the graph read from autograd's nodes, and the tensors' values.
- layout.py: a layered left-to-right layout of a DAG, in pure Python.
- drawing.py: the boxes, ovals and edges as SVG text, and the `SVG` object holding it.
- backward_steps.py: the backward pass one operation at a time, each tensor's gradient
  computed by the engine (the tracer widget's model).

>>> import stir
>>> a, b = stir.tensor(2.0, requires_grad=True), stir.tensor(-3.0, requires_grad=True)
>>> svg = graph(a * b + 10.0, names={"a": a, "b": b})
>>> svg.data.startswith("<svg"), "Mul" in svg.data, "data -6.0000" in svg.data
(True, True, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import compute_graph, drawing
from .drawing import SVG

if TYPE_CHECKING:
    from ..tensor import Tensor

__all__ = ["SVG", "describe", "graph"]


def graph(output: Tensor, names: Any = None,
          max_nodes: int = compute_graph.MAX_NODES) -> SVG:
    """The compute graph that made `output`, as an SVG picture.

    `names` labels tensors: a Module (its parameters' names), a mapping of names to tensors
    or modules (`names=vars()` names every tensor variable), or (name, tensor) pairs such as
    `model.named_parameters()`. Unnamed tensors are labelled by their shape. Gradients are
    shown where they were computed (`.grad` of the leaves, and of tensors that called
    `retain_grad()`). At most `max_nodes` operations are drawn, those nearest `output`; the
    picture says when some were left out. A tensor with no recorded operations is drawn as a
    single box, with a note saying why.
    """
    computed = compute_graph.read_graph(output, names, max_nodes)
    return SVG(drawing.render(computed), describe(computed))


def describe(computed: compute_graph.ComputeGraph) -> str:
    """A one-line account of a drawn graph, for reprs."""
    text = f"compute graph of {len(computed.tensors)} tensors, {len(computed.ops)} operations"
    return text + (f" ({computed.omitted} more not drawn)" if computed.omitted else "")
