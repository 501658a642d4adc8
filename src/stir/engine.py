"""The backward pass: walk the graph from the outputs to the leaves, without recursion.

Nodes are `Context` objects (one per recorded call); a node's parents are the nodes that made
its inputs, or the leaf tensors themselves. Nodes are numbered in the order they are made, so a
node's consumers have larger numbers than it; the walk takes waiting nodes largest number
first (a heap, as PyTorch does), so every node's `backward` runs once, after all gradients
for its output have arrived, and a chain of any length is fine. The gradients a `backward`
returns are checked here, in one place: count, shape (a broadcast gradient is summed back to
the input's shape) and dtype; and `deliver` is the one routine that hands a gradient to a
leaf's `.grad`.

`stir.compile`'s replay walks the same nodes without the heap, and uses the engine's own
rules through this small interface: `seed_gradient` (d loss / d loss), `padded_gradients`
(a backward's count checked), `conformed_gradient` (its shape and dtype) and `deliver`.
"""

from __future__ import annotations

import heapq
import sys
from typing import Any, Sequence

from . import _array, anomaly, autograd, grad_mode
from .autograd import Context, OutputEdge
from .tensor import Tensor

# Read for every node: bound once here rather than looked up through their modules.
_anomaly_state = anomaly.state
_grad_state = grad_mode.state
_ndarray = _array.NDARRAY


def backward(
    output: Tensor,
    gradient: Tensor | None = None,
    *,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate d(output)/d(leaf) into `.grad` of every leaf that requires grad."""
    if not output._requires_grad:
        raise RuntimeError(
            "backward() on a tensor that does not require grad: no input of the computation "
            "had requires_grad=True (or it ran inside stir.no_grad())"
        )
    if gradient is None and output.array.size == 1:  # a loss: d(loss)/d(loss) = 1
        root_grad: Any = seed_gradient(output.array)
    else:
        root_grad = _root_gradient(output, gradient, "backward()")
    if create_graph:
        _run([output], [root_grad], True if retain_graph is None else retain_graph, True, None)
        return
    # The common case, once per training step: no recording, gradients into the leaves.
    previous = _grad_state.enabled
    _grad_state.enabled = False
    try:
        _propagate_into_leaves(output, root_grad, bool(retain_graph))
    finally:
        _grad_state.enabled = previous


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, returned instead of accumulated.

    `grad_outputs` are d(loss)/d(outputs) (omit them for one-element outputs). With
    `create_graph=True` the results are themselves differentiable: a Hessian-vector product
    or a gradient penalty is one more `grad` or `backward` on them.

    >>> import stir
    >>> x = stir.tensor([1.0, 2.0], requires_grad=True)
    >>> y = (x ** 3).sum()
    >>> g, = stir.grad(y, x, create_graph=True)      # 3x²
    >>> hv, = stir.grad(g, x, grad_outputs=stir.tensor([1.0, 0.0]))   # H @ v = 6x * v
    >>> g, hv
    (tensor([ 3., 12.], grad_fn=Mul), tensor([6., 0.]))
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs"
        )
    for index, tensor in enumerate(inputs):
        if not tensor._requires_grad:
            raise RuntimeError(f"grad: input {index} does not require grad")
    roots, root_grads = [], []
    for output, gradient in zip(outputs, grad_outputs):
        if not output._requires_grad:
            raise RuntimeError(
                "grad: an output does not require grad (nothing it was computed from did)"
            )
        roots.append(output)
        root_grads.append(_root_gradient(output, gradient, "grad()"))
    if retain_graph is None:
        retain_graph = create_graph
    results = _run(roots, root_grads, retain_graph, create_graph, targets=inputs)
    for index, result in enumerate(results):
        if result is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {index} was not used to compute the outputs; pass "
                "allow_unused=True to get None for it"
            )
    return tuple(results)


def backward_all(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Tensor | Sequence[Tensor] | None = None,
) -> None:
    """`torch.autograd.backward`: the gradients of several outputs at once (weighted by
    `grad_tensors`), accumulated into the leaves' `.grad` (only into `inputs`, if given)."""
    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(roots) if grad_tensors is None else [grad_tensors]
    grad_tensors = list(grad_tensors)
    if len(grad_tensors) != len(roots):
        raise RuntimeError(f"backward: got {len(grad_tensors)} grad_tensors for "
                           f"{len(roots)} tensors")
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        targets = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        found = grad(roots, targets, grad_tensors, retain_graph, create_graph, True)
        for target, gradient in zip(targets, found):
            if gradient is not None:
                deliver(target, gradient, recorded=create_graph)
        return
    for root in roots:
        if not root._requires_grad:
            raise RuntimeError("backward: element of tensors does not require grad and does "
                               "not have a grad_fn")
    root_grads = [_root_gradient(root, gradient, "backward()")
                  for root, gradient in zip(roots, grad_tensors)]
    _run(roots, root_grads, retain_graph, create_graph, None)


def _root_gradient(output: Tensor, gradient: Any, caller: str) -> Any:
    if gradient is None:
        if output.array.size != 1:
            raise RuntimeError(
                f"{caller}: a gradient can only be implied for a one-element output; this one "
                f"has shape {tuple(output.shape)}. Pass gradient= (d loss / d output) or reduce it "
                "first, e.g. y.sum().backward()"
            )
        # A plain array: the engine takes arrays or tensors alike as gradients.
        return seed_gradient(output.array)
    if not isinstance(gradient, Tensor):
        like = output.array
        gradient = Tensor(_array.namespace(like).asarray(gradient, dtype=like.dtype,
                                                         device=_array.device(like)))
    if gradient.shape != output.shape:
        raise ValueError(
            f"{caller}: gradient has shape {tuple(gradient.shape)} but the output has shape "
            f"{tuple(output.shape)}"
        )
    return gradient


#: d(output)/d(output) for a one-element array `output`: ones of its shape, dtype and device
#: (on NumPy shared and read-only, made once per shape and dtype).
seed_gradient = _array.shared_ones_like


def _run(
    roots: list[Tensor],
    root_grads: list[Any],
    retain_graph: bool,
    create_graph: bool,
    targets: list[Tensor] | None,
) -> list[Tensor | None]:
    """Propagate gradients; accumulate into leaves (targets None) or return them."""
    previous = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        return _propagate(roots, root_grads, retain_graph, create_graph, targets)
    finally:
        grad_mode.state.enabled = previous


def _propagate(
    roots: list[Tensor],
    root_grads: list[Any],
    retain_graph: bool,
    create_graph: bool,
    targets: list[Tensor] | None,
) -> list[Tensor | None]:
    # Gradients travel as NumPy arrays between nodes whose backward takes arrays, and as
    # tensors when the backward pass is recorded (create_graph) or a node needs tensors.
    # Where a leaf's gradient goes is chosen once: into .grad (recorded, as this is
    # create_graph; see _propagate_into_leaves for the rest), or captured for grad().
    capture = _Capture(targets) if targets is not None else None
    hand = capture.add if capture else _deliver_recorded
    buffers: dict[Context, Any] = {}
    for root, gradient in zip(roots, root_grads):
        if root.grad_fn is None:  # a leaf as the output
            hand(root, gradient)
        else:
            _add_into(buffers, _edge_of(root), gradient)

    target_nodes: set[Context] = set()
    useful: set[Context] | None = None
    if capture is not None:
        target_nodes = capture.nodes
        useful = _useful_nodes(list(buffers), capture.ids, target_nodes)

    # Every node is numbered when made, after the nodes of its inputs, so a node's consumers
    # all have larger numbers: taking nodes largest first runs each one after every gradient
    # for its output has arrived. `buffers` holds the nodes waiting, with their gradient.
    heap = [(-node.sequence, node) for node in buffers]
    heapq.heapify(heap)
    while heap:
        node = heapq.heappop(heap)[1]
        grad_output = buffers.pop(node)
        if capture is not None:
            if node in target_nodes:
                capture.add(node, grad_output)
            if node not in useful:  # type: ignore[operator]
                continue
        elif node._retained is not None:
            hand(node._retained, _retained_gradient(node, grad_output))
        grads = _call_backward(node, grad_output, create_graph)
        if not retain_graph:
            node._release()
        for parent, gradient in zip(node._parents, grads):
            if gradient is None:
                continue
            if type(parent) is OutputEdge:
                if useful is None or parent.node in useful or parent.node in target_nodes:
                    _add_output_gradient(buffers, heap, parent, gradient)
            elif type(parent) is not Context:
                hand(parent, gradient)
            elif useful is None or parent in useful or parent in target_nodes:
                held = buffers.get(parent)
                if held is None:
                    buffers[parent] = gradient
                    heapq.heappush(heap, (-parent.sequence, parent))
                else:
                    buffers[parent] = held + gradient
    return capture.results() if capture is not None else []


def _propagate_into_leaves(root: Tensor, root_grad: Any, retain_graph: bool) -> None:
    """The common pass, `backward()` without `create_graph`: the walk of `_propagate`, with
    every leaf's gradient added into its `.grad`. It runs once per training step, so the
    checks of `_call_backward` are made here inline, as each gradient is passed on."""
    if root.grad_fn is None:  # a leaf as the output
        deliver(root, root_grad)
        return
    buffers: dict[Context, Any] = {}
    heap: list[tuple[int, Context]] = []
    _add_into(buffers, _edge_of(root), root_grad)
    node = next(iter(buffers))
    heap.append((-node.sequence, node))
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        node = pop(heap)[1]
        grad_output = buffers.pop(node)
        if node._retained is not None:
            deliver(node._retained, _retained_gradient(node, grad_output))
        arrays = node.function.backward_on_arrays
        # (A _PerOutput, one gradient per output, is neither: _grads_of hands it on.)
        if arrays:
            if type(grad_output) is not _ndarray and isinstance(grad_output, Tensor):
                grad_output = grad_output.array
        elif not isinstance(grad_output, Tensor) and type(grad_output) is not _PerOutput:
            grad_output = Tensor(grad_output)
        grads = _grads_of(node, grad_output, arrays)
        if not retain_graph:
            node._saved = None  # frees the saved arrays (Context._release)
        kind = _ndarray if arrays else Tensor
        checking = _anomaly_state.enabled
        for index, parent, shape, dtype in node._inputs:
            gradient = grads[index]
            if gradient is None:
                continue
            if type(gradient) is not kind or gradient.shape != shape or gradient.dtype != dtype:
                gradient = conformed_gradient(node, index, gradient, arrays)
            if checking:
                anomaly.check_backward(node, index, gradient)
            if type(parent) is not Context:
                if type(parent) is OutputEdge:
                    _add_output_gradient(buffers, heap, parent, gradient)
                else:
                    deliver(parent, gradient, grad_output, grads if arrays else None)
            else:
                held = buffers.get(parent)
                if held is None:
                    buffers[parent] = gradient
                    push(heap, (-parent.sequence, parent))
                else:
                    buffers[parent] = held + gradient


def _useful_nodes(
    roots: list[Context], target_ids: dict[int, Tensor], target_nodes: set[Context]
) -> set[Context]:
    """The nodes whose backward leads to a target, so that `grad` runs only what it needs."""
    reachable = set(roots)
    stack = list(roots)
    while stack:
        for parent in stack.pop()._parents:
            if type(parent) is OutputEdge:
                parent = parent.node
            if type(parent) is Context and parent not in reachable:
                reachable.add(parent)
                stack.append(parent)
    useful: set[Context] = set()
    for node in sorted(reachable, key=lambda n: n.sequence):  # inputs' nodes first
        for parent in node._parents:
            if type(parent) is OutputEdge:
                parent = parent.node
            if type(parent) is Context:
                hit = parent in target_nodes or parent in useful
            else:
                hit = parent is not None and id(parent) in target_ids
            if hit:
                useful.add(node)
                break
    return useful


def _add_into(buffers: dict[Context, Any], node: Any, gradient: Any) -> None:
    if type(node) is OutputEdge:
        held = buffers.get(node.node)
        if held is None:
            held = buffers[node.node] = _PerOutput(len(node.node._outputs))
        held.add(node.index, gradient)
        return
    held = buffers.get(node)
    buffers[node] = gradient if held is None else held + gradient


def _edge_of(tensor: Tensor) -> Any:
    """Where the gradient of a non-leaf `tensor` goes (Context.edge_for)."""
    node = tensor.grad_fn
    return node.edge_for(tensor) if node.routed else node


class _PerOutput:
    """The gradients arriving at a node of several outputs, one slot per output."""

    __slots__ = ("gradients",)

    def __init__(self, count: int) -> None:
        self.gradients: list[Any] = [None] * count

    def add(self, index: int, gradient: Any) -> None:
        held = self.gradients[index]
        self.gradients[index] = gradient if held is None else held + gradient


def _retained_gradient(node: Context, grad_output: Any) -> Any:
    """The gradient for the tensor that called retain_grad() on `node` (its output)."""
    if type(grad_output) is not _PerOutput:
        return grad_output
    gradient = grad_output.gradients[node.edge_for(node._retained).index]
    if gradient is None:
        shape, dtype = node._output_meta[node.edge_for(node._retained).index]
        gradient = _array.NUMPY.zeros(shape, dtype=dtype)
    return gradient


def _add_output_gradient(buffers: dict[Context, Any], heap: list[Any], edge: OutputEdge,
                         gradient: Any) -> None:
    """A gradient for one output of a node of several: kept in its slot until the node's
    backward runs, once, with all of them."""
    if edge.node not in buffers:
        heapq.heappush(heap, (-edge.node.sequence, edge.node))
    _add_into(buffers, edge, gradient)


def deliver(leaf: Tensor, gradient: Any, grad_output: Any = None,
            grads: tuple[Any, ...] | None = None, *, cleared: bool = False,
            recorded: bool = False) -> None:
    """Hand one gradient to a leaf: the one rule for it, used by both walks of this module
    and by `stir.compile`'s replay.

    The first gradient a leaf gets (its `.grad` is None, or `cleared`: the caller stands in
    for a `zero_grad` it left out) becomes its `.grad`: as it is when it is a fresh array,
    else a copy, as it may be shared with other inputs or the caller, or be a view. Fresh
    means that the backward which returned `grads` (all its gradients, on arrays) in answer
    to `grad_output` made it for this input alone; without `grads`, a gradient is never taken
    as fresh. Later gradients are added in place. `recorded` (create_graph=True): the sum is
    itself a recorded operation, never in place, and the first gradient is cloned.
    """
    if recorded:
        gradient = gradient if isinstance(gradient, Tensor) else Tensor(gradient)
        leaf.grad = gradient.clone() if leaf.grad is None else leaf.grad + gradient
        return
    values = gradient if type(gradient) is _ndarray else (
        gradient.array if isinstance(gradient, Tensor) else gradient)
    if leaf.grad is not None and not cleared:
        _array.update("add", leaf.grad.array, values)
        leaf.grad._version[0] += 1
        return
    # (The dtype is already the leaf's: the walk conformed it.)
    if type(values) is not _ndarray:  # off NumPy a view cannot be told: always a copy
        values = _array.namespace(values).asarray(values, copy=True)
    elif grads is None or values.base is not None or values is grad_output:
        values = values.copy()
    else:  # fresh unless backward returned this very array for another input too
        seen = 0
        for other in grads:
            if other is values:
                seen += 1
        if seen > 1:  # (0 when conformed_gradient made it)
            values = values.copy()
    leaf.grad = Tensor(values)


def _deliver_recorded(leaf: Tensor, gradient: Any) -> None:
    deliver(leaf, gradient, recorded=True)


class _Capture:
    """What `grad()` collects: the summed gradient of each target, leaf or not, while every
    leaf's `.grad` stays untouched."""

    def __init__(self, targets: list[Tensor]) -> None:
        self.targets = targets
        self.ids = {id(t): t for t in targets}
        self.nodes = {t.grad_fn for t in targets if t.grad_fn is not None}
        self.found: dict[int, Any] = {}

    def add(self, where: Any, gradient: Any) -> None:
        """Collect the gradient reaching a target leaf, or a target's node."""
        if type(where) is Context or id(where) in self.ids:
            held = self.found.get(id(where))
            self.found[id(where)] = gradient if held is None else held + gradient

    def results(self) -> list[Tensor | None]:
        found = []
        for target in self.targets:
            gradient = self.found.get(id(target.grad_fn if target.grad_fn is not None
                                         else target))
            if type(gradient) is _PerOutput:  # the target is one of several outputs
                gradient = gradient.gradients[_edge_of(target).index]
            found.append(gradient)
        return [g if g is None or isinstance(g, Tensor) else Tensor(g) for g in found]


def _grads_of(node: Context, grad_output: Any, arrays: bool) -> tuple[Any, ...]:
    """Run one node's backward; what it returned, as one entry per input."""
    if node._saved is None:
        raise node.freed_error()
    node._arrays = arrays
    backward = node.function.backward
    # A node of several outputs gets one gradient each; the common case is called directly.
    given = (node.output_gradients(grad_output.gradients, arrays)
             if type(grad_output) is _PerOutput else None)
    if _anomaly_state.enabled:
        _anomaly_state.in_backward = True
        try:
            grads = backward(node, grad_output) if given is None else backward(node, *given)
        finally:
            _anomaly_state.in_backward = False
    else:
        grads = backward(node, grad_output) if given is None else backward(node, *given)
    if not isinstance(grads, tuple):
        grads = (grads,)
    count = len(node._parents)
    if len(grads) != count:
        grads = padded_gradients(node, grads, count)
    return grads


def _call_backward(node: Context, grad_output: Any, create_graph: bool) -> list[Any]:
    """Run one node's backward and check what it returns, input by input."""
    arrays = node.function.backward_on_arrays and not create_graph
    if type(grad_output) is _PerOutput:
        pass  # one gradient per output, given to backward by _grads_of
    elif arrays:
        if isinstance(grad_output, Tensor):
            grad_output = grad_output.array
    elif not isinstance(grad_output, Tensor):
        grad_output = Tensor(grad_output)
    grads = _grads_of(node, grad_output, arrays)
    checked: list[Any] = [None] * len(grads)
    kind = _ndarray if arrays else Tensor
    for index, _, shape, dtype in node._inputs:
        gradient = grads[index]
        if gradient is None:
            continue
        if type(gradient) is not kind or gradient.shape != shape or gradient.dtype != dtype:
            gradient = conformed_gradient(node, index, gradient, arrays)
        checked[index] = gradient  # in the common case, as backward returned it
        if _anomaly_state.enabled:
            anomaly.check_backward(node, index, gradient)
    return checked


def padded_gradients(node: Context, grads: tuple[Any, ...], count: int) -> tuple[Any, ...]:
    """The gradients of a backward that returned more or fewer than its inputs, if allowed:
    extra ones must be None, missing ones must be for inputs that need no gradient."""
    if len(grads) > count:
        if any(g is not None for g in grads[count:]):
            raise RuntimeError(
                f"{node.name}.backward returned {len(grads)} gradients for {count} inputs"
            )
        return grads[:count]
    missing = [i for i in range(len(grads), count) if node.needs_input_grad[i]]
    if missing:
        raise RuntimeError(
            f"{node.name}.backward returned {len(grads)} gradients for {count} inputs; "
            f"input {missing[0]} requires grad, so it needs one (return None for inputs "
            "that need none)"
        )
    return grads + (None,) * (count - len(grads))


def conformed_gradient(node: Context, index: int, gradient: Any, arrays: bool) -> Any:
    """A returned gradient made an array (or tensor) of its input's shape and dtype."""
    shape, dtype = next((shape, dtype) for at, _, shape, dtype in node._inputs if at == index)
    if isinstance(gradient, Tensor):
        values = gradient.array
    elif type(gradient) in _array.ARRAY_TYPES:
        values = gradient
    elif isinstance(gradient, _array.SCALARS) or type(gradient) is _ndarray:
        values = _array.values(gradient)
    else:
        raise TypeError(
            f"{node.name}.backward returned a {type(gradient).__name__} for input "
            f"{index}; return a tensor (or None)"
        )
    if values.shape != shape and not _array.reducible(values.shape, shape):
        raise RuntimeError(
            f"{node.name}.backward returned a gradient of shape {tuple(values.shape)} for input "
            f"{index}, which has shape {shape}"
        )
    if arrays:
        if values.shape != shape:
            values = _array.sum_to(values, shape)
        if type(values) is _ndarray:
            return values.astype(dtype, copy=False)
        return _array.namespace(values).astype(values, dtype, copy=False)
    if not isinstance(gradient, Tensor):
        gradient = Tensor(values)
    if gradient.shape != shape:
        gradient = gradient.sum_to_size(shape)  # recorded, as this is create_graph
    if gradient.dtype != dtype:
        gradient = gradient.to(dtype)
    return gradient



# stir.autograd's grad() and backward() (torch.autograd's names) call this module, which is
# built on stir.autograd: the binding is made here, once both exist, rather than by an import
# there (a cycle).
autograd._engine = sys.modules[__name__]
