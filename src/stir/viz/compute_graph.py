"""The compute graph behind a tensor, read from autograd's nodes for drawing.

Autograd records, per operation, a node (`stir.autograd.Context`): its function, its
sequence number, and per input where the input came from (another node, a leaf tensor, or
nothing, for constants and non-tensor arguments). It keeps no outputs: backward does not
need them. So a drawn tensor's value is found, cheapest first, in

1. the output itself, the leaves, and tensors given a name (`names=`) or `retain_grad()`;
2. what the nodes saved for backward (Mul keeps its inputs, ReLU its output, ...);
3. otherwise, recomputed: a stir primitive whose inputs are all known tensors is run again
   under `no_grad` (forward is deterministic and its inputs were all tensors).

A value found nowhere is drawn as its shape alone. Constants appear when a node saved them.
Nothing here changes the graph or costs anything while it is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping

import numpy as np

from .. import grad_mode
from ..autograd import Context, OutputEdge
from ..tensor import Tensor

#: The most operations drawn by default; a bigger graph is cut, nearest the output kept.
MAX_NODES = 100
#: Tensors with at most this many elements show their values; larger ones a summary.
SMALL = 3

Key = Hashable  # ("leaf", id), ("out", node, index), ("const", id) or ("cut", node, index)


@dataclass
class TensorBox:
    """One drawn tensor: a leaf, a constant, or the output of an operation."""

    key: Key
    kind: str  # "leaf", "result", "constant", or "cut" (made by an operation not drawn)
    shape: tuple[int, ...]
    name: str | None = None
    value: np.ndarray | None = None
    grad: np.ndarray | None = None  # the .grad it holds (a leaf's, or a retained one)
    tensor: Tensor | None = None  # the tensor itself, when it is known


@dataclass
class OpNode:
    """One drawn operation: its autograd node, its input boxes and its output boxes (one,
    but for a Function of several outputs: those that are drawn)."""

    node: Context
    inputs: list[Key]
    outputs: list[Key]

    @property
    def name(self) -> str:
        return self.node.name


@dataclass
class ComputeGraph:
    """The drawable graph: boxes, operations in the engine's backward order, and the
    number of operations left out (`omitted`) when the graph was cut at `max_nodes`."""

    root: Key
    tensors: dict[Key, TensorBox] = field(default_factory=dict)
    ops: list[OpNode] = field(default_factory=list)
    omitted: int = 0
    total: int = 0

    def edges(self) -> list[tuple[Key, int]]:
        """(input box, operation index) for every input of every operation."""
        return [(key, index) for index, op in enumerate(self.ops) for key in op.inputs]


def node_inputs(node: Context) -> list[tuple[Any, tuple[int, ...]]]:
    """(where the gradient goes, shape) per input that needs one: a node, an OutputEdge or
    a leaf tensor. The one place that reads a node's recorded inputs."""
    return [(parent, tuple(shape)) for _, parent, shape, _ in node._inputs]


def output_key(node: Context, index: int = 0) -> Key:
    return ("out", node, index)


def tensor_key(tensor: Tensor) -> Key:
    """The key of `tensor`'s box: its node's output, or the leaf or constant itself."""
    node = tensor.grad_fn
    if node is None:
        return ("leaf", id(tensor)) if tensor.requires_grad else ("const", id(tensor))
    if node.routed:
        edge = node.edge_for(tensor)
        if type(edge) is OutputEdge:
            return output_key(edge.node, edge.index)
        node = edge
    return output_key(node)


def _parent_key(parent: Any) -> Key:
    if type(parent) is OutputEdge:
        return output_key(parent.node, parent.index)
    if type(parent) is Context:
        return output_key(parent)
    return ("leaf", id(parent))


def named_tensors(names: Any) -> dict[int, tuple[str, Tensor]]:
    """id(tensor) -> (name, tensor) from `names`: a Module (its named_parameters), a mapping
    of names to tensors or modules, or (name, tensor) pairs such as named_parameters().
    In a mapping, values that are neither (and names starting with "_") are skipped, so
    `names=vars()` names every tensor variable."""
    from ..nn import Module  # (the graph is read without nn; names may come from it)

    if names is None:
        return {}
    if isinstance(names, Module):
        pairs: Iterable[Any] = names.named_parameters()
    elif isinstance(names, Mapping):
        pairs = []
        for key, value in names.items():
            if not isinstance(key, str) or key.startswith("_"):
                continue
            if isinstance(value, Module):
                pairs.extend(value.named_parameters(prefix=key))
            elif isinstance(value, Tensor):
                pairs.append((key, value))
    elif isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise TypeError("names= takes a Module, a mapping of names to tensors, or "
                        f"(name, tensor) pairs; got {type(names).__name__}")
    else:
        pairs = names
    found: dict[int, tuple[str, Tensor]] = {}
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], Tensor)):
            raise TypeError(f"names=: expected (name, tensor) pairs, got {pair!r:.60}")
        found.setdefault(id(pair[1]), (str(pair[0]), pair[1]))
    return found


def read_graph(output: Tensor, names: Any = None, max_nodes: int = MAX_NODES) -> ComputeGraph:
    """The graph that computed `output`, cut at the `max_nodes` operations nearest it, its
    operations in the order backward runs them.

    >>> import stir
    >>> x = stir.tensor(3.0, requires_grad=True)
    >>> drawn = read_graph(x * x + 1.0)
    >>> [op.name for op in drawn.ops], len(drawn.tensors)
    (['Add', 'Mul'], 3)
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"graph() draws a stir Tensor, got {type(output).__name__}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive integer, got {max_nodes!r}")
    named = named_tensors(names)
    root = tensor_key(output)
    graph = ComputeGraph(root=root)
    order = _nodes_nearest_first(root)
    graph.total = len(order)
    drawn = order[:max_nodes]
    graph.omitted = len(order) - len(drawn)
    kept = set(drawn)
    # Which outputs of each node are drawn: its first, or those used (several outputs).
    used: dict[Context, set[int]] = {}
    for node in drawn:
        for parent, _ in node_inputs(node):
            if type(parent) is OutputEdge:
                used.setdefault(parent.node, set()).add(parent.index)
    if root[0] == "out":
        used.setdefault(root[1], set()).add(root[2])
    # The engine's backward order: largest sequence number first.
    for node in sorted(drawn, key=lambda n: -n.sequence):
        inputs = [_parent_key(parent) for parent, _ in node_inputs(node)]
        outputs = [output_key(node, index) for index in sorted(used.get(node, {0}))]
        graph.ops.append(OpNode(node, inputs, outputs))
    for op in graph.ops:
        for key in op.outputs:
            graph.tensors.setdefault(key, TensorBox(key, "result", ()))
        for (parent, shape), key in zip(node_inputs(op.node), op.inputs):
            box = graph.tensors.get(key)
            if box is None:
                box = graph.tensors[key] = TensorBox(key, _kind(parent, kept), shape)
                if key[0] == "leaf":
                    box.tensor = parent
            box.shape = shape
    if root not in graph.tensors:  # a leaf or a constant: a single box
        graph.tensors[root] = TensorBox(root, root[0] if root[0] != "const" else "constant",
                                        tuple(output.shape))
    graph.tensors[root].shape = tuple(output.shape)
    _find_values(graph, output, named)
    return graph


def _kind(parent: Any, kept: set[Context]) -> str:
    node = parent.node if type(parent) is OutputEdge else parent
    if type(node) is not Context:
        return "leaf"
    return "result" if node in kept else "cut"


def _nodes_nearest_first(root: Key) -> list[Context]:
    """Every node behind `root`, breadth first from it (each once: the graph is a DAG)."""
    if root[0] != "out":
        return []
    first = root[1]
    seen = {first}
    order = [first]
    at = 0
    while at < len(order):
        for parent, _ in node_inputs(order[at]):
            node = parent.node if type(parent) is OutputEdge else parent
            if type(node) is Context and node not in seen:
                seen.add(node)
                order.append(node)
        at += 1
    return order


def _find_values(graph: ComputeGraph, output: Tensor, named: dict[int, tuple[str, Tensor]]
                 ) -> None:
    boxes = graph.tensors

    def know(key: Key, tensor: Tensor | None, array: Any = None) -> None:
        box = boxes.get(key)
        if box is None:
            return
        if tensor is not None:
            if box.tensor is None:
                box.tensor = tensor
            array = tensor.array
            if tensor.grad is not None:
                box.grad = tensor.grad.array
        if box.value is None and array is not None:
            box.value = np.asarray(array)

    know(graph.root, output)
    for box in boxes.values():
        if box.tensor is not None:  # the leaves
            know(box.key, box.tensor)
    for op in graph.ops:
        node = op.node
        if node._retained is not None:
            know(tensor_key(node._retained), node._retained)
        constants = []
        for entry in node._saved or ():  # None once backward freed the graph
            if entry is None:
                continue
            kind, value = entry[0], entry[1]
            if kind == "output" and node._outputs is None:
                know(op.outputs[0], None, value)
            elif kind == "tensor" and isinstance(value, Tensor):
                if value.grad_fn is None and not value.requires_grad:
                    constants.append(value)
                else:
                    know(tensor_key(value), value)
        unknown_inputs = sum(1 for p in node._parents if p is None)
        if constants and len(constants) <= unknown_inputs:
            for constant in constants:  # drawn as inputs of this operation
                key = ("const", id(constant))
                if key not in op.inputs:
                    op.inputs.append(key)
                boxes.setdefault(key, TensorBox(key, "constant", tuple(constant.shape),
                                                value=np.asarray(constant.array)))
    for key, (name, tensor) in named.items():
        box_key = tensor_key(tensor)
        if box_key in boxes:
            boxes[box_key].name = boxes[box_key].name or name
            know(box_key, tensor)
    _recompute(graph)


def _recompute(graph: ComputeGraph) -> None:
    """Run again, under no_grad, each stir primitive whose value is missing and whose inputs
    were all tensors with known values (inputs first: increasing sequence)."""
    boxes = graph.tensors
    with grad_mode.no_grad():
        for op in sorted(graph.ops, key=lambda o: o.node.sequence):
            node = op.node
            box = boxes[op.outputs[0]]
            if (box.value is not None or node._outputs is not None
                    or not node.function.__module__.startswith("stir.")):
                continue
            values = _input_values(op, boxes)
            if values is None:
                continue
            try:
                result = node.function.apply(*(Tensor(np.array(v)) for v in values))
            except (ArithmeticError, LookupError, TypeError, ValueError, RuntimeError):
                continue  # drawn with its shape only
            if isinstance(result, Tensor) and tuple(result.shape) == box.shape:
                box.value = np.asarray(result.array)


def _input_values(op: OpNode, boxes: dict[Key, TensorBox]) -> list[Any] | None:
    """The values of all of `op`'s arguments, when all were tensors and are known: the
    recorded ones in order, and at most one constant, which the node saved (an argument
    that needs no gradient leaves no trace but what backward saved, so with more than one
    their order is unknown)."""
    node = op.node
    recorded = [boxes[key].value for key in op.inputs if key[0] != "const"]
    constants = [boxes[key].value for key in op.inputs if key[0] == "const"]
    gaps = [index for index, parent in enumerate(node._parents) if parent is None]
    if any(value is None for value in recorded) or len(gaps) != len(constants) or len(gaps) > 1:
        return None
    values = list(recorded)
    for index in gaps:
        values.insert(index, constants[0])
    return values
