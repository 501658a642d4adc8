"""Differentiable functions: the `Function` contract, its `Context`, and how a call is recorded.

Every operation in stir, the library's own and the user's, is a `Function` subclass. Calling
`MyFunction.apply(*inputs)` runs `forward` with recording switched off and, when some input
requires grad, records the call as a node of the graph: the `Context` that `forward` received
becomes the output's `grad_fn`. `stir.engine` later walks these nodes to run `backward`.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Sequence

from . import _array, anomaly, grad_mode
from .tensor import Tensor
from .tensor_inplace import current_node

if TYPE_CHECKING:
    import traceback


_sequence = itertools.count()
# While `stir.compile` captures a step: a list that every call of `apply` is appended to.
_tracer: list[tuple[Any, ...]] | None = None


def tracing() -> bool:
    """Whether a `stir.compile` trace is recording every call (see compiler/trace.py)."""
    return _tracer is not None
# Read on every call: bound once here rather than looked up through their modules.
_grad_state = grad_mode.state
_anomaly_state = anomaly.state
_ndarray = _array.NDARRAY


class SavedTensors(tuple):  # type: ignore[type-arg]
    """The tuple `ctx.saved_tensors` returns.

    When exactly one tensor was saved it also behaves as that tensor, because the examples in
    the seeds' lecture 004 write `W = ctx.saved_tensors` and then use `W.T`; the PyTorch form
    `W, = ctx.saved_tensors` works as well.
    """

    def _single(self) -> Tensor:
        if len(self) != 1:
            raise AttributeError(
                f"ctx.saved_tensors holds {len(self)} tensors; unpack it first "
                "(a, b = ctx.saved_tensors)"
            )
        return self[0]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._single(), name)

    def __lt__(self, other: Any) -> Any:  # type: ignore[override]
        return self._single() < other

    def __le__(self, other: Any) -> Any:  # type: ignore[override]
        return self._single() <= other

    def __gt__(self, other: Any) -> Any:  # type: ignore[override]
        return self._single() > other

    def __ge__(self, other: Any) -> Any:  # type: ignore[override]
        return self._single() >= other

    def __matmul__(self, other: Any) -> Any:
        return self._single() @ other

    def __rmatmul__(self, other: Any) -> Any:
        return other @ self._single()

    def __mul__(self, other: Any) -> Any:  # type: ignore[override]
        return self._single() * other

    def __rmul__(self, other: Any) -> Any:  # type: ignore[override]
        return other * self._single()

    def __truediv__(self, other: Any) -> Any:
        return self._single() / other

    def __rtruediv__(self, other: Any) -> Any:
        return other / self._single()

    def __sub__(self, other: Any) -> Any:
        return self._single() - other

    def __rsub__(self, other: Any) -> Any:
        return other - self._single()

    def __neg__(self) -> Any:
        return -self._single()


class Context:
    """What one call of a `Function` keeps for its backward; it is also that call's graph node.

    In `forward`, call `ctx.save_for_backward(...)` with the inputs or the output that
    `backward` needs, and set any other plain attribute (`ctx.axis = axis`). In `backward`,
    read them back with `ctx.saved_tensors`; `ctx.needs_input_grad[i]` says whether input `i`
    needs a gradient at all.

    Saved inputs come back as the very tensors that were passed in, and the saved output as a
    tensor whose `grad_fn` is this node, so a `backward` written with tensor operations is
    itself differentiable (higher-order gradients). Any other saved array comes back as a
    constant: save such arrays only if they are piecewise constant in the inputs (masks).
    """

    # Defaults live on the class: a node is made for every operation, so its constructor
    # sets only what differs per call.
    needs_input_grad: tuple[bool, ...] = ()
    _to_save: tuple[Any, ...] = ()
    _saved: tuple[Any, ...] | None = ()
    _parents: Sequence[Any] = ()  # per input: its node, the leaf tensor itself, or None
    # per input that needs a gradient: (its position, its parent, its shape, its dtype)
    _inputs: Sequence[tuple[int, Any, tuple[int, ...], Any]] = ()
    _retained: Any = None
    _stack: traceback.StackSummary | None = None
    _arrays = False  # set by the engine while backward runs on NumPy arrays
    # True on the nodes whose edge depends on the tensor it is reached from (`edge_for`):
    # a view's node (stamped with the memory's version when made) and a node of several
    # outputs (`_outputs`: each output's version counter, which tells them apart).
    routed = False
    view_version: int | None = None
    _outputs: tuple[list[int], ...] | None = None
    _output_meta: tuple[tuple[tuple[int, ...], Any], ...] = ()
    materialize_grads = True
    _non_differentiable: tuple[Any, ...] = ()

    def __init__(self, function: type[Function]) -> None:
        self.function = function

    @property
    def name(self) -> str:
        return self.function.__name__

    def __repr__(self) -> str:
        return f"<{self.name}>"

    def set_materialize_grads(self, value: bool) -> None:
        """Whether `backward` gets zeros (True, the default) or None for the gradient of an
        output that nothing used (a Function of several outputs)."""
        self.materialize_grads = bool(value)

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Outputs (returned by forward) that get no history and no gradient, such as
        indices."""
        self._non_differentiable = self._non_differentiable + outputs

    def edge_for(self, tensor: Tensor) -> Any:
        """Where a gradient for `tensor` (whose grad_fn is this node) goes: this node, the
        refreshed node of a view whose memory changed since it was made, or, for a node of
        several outputs, an `OutputEdge` naming which output `tensor` is."""
        outputs = self._outputs
        if outputs is not None:
            box = tensor._version
            for index, output_box in enumerate(outputs):
                if output_box is box:
                    return OutputEdge(self, index)
            raise RuntimeError(f"{self.name}: this tensor is none of its outputs")
        return current_node(tensor)

    def save_for_backward(self, *values: Any) -> None:
        """Keep tensors (or the output array) for `backward`; call at most once, in `forward`."""
        self._to_save = values

    @property
    def saved_tensors(self) -> SavedTensors:
        """The saved values, checked for in-place modification since they were saved."""
        if self._saved is None:
            raise self.freed_error()
        if self._arrays:  # the engine's fast mode: plain arrays, in a plain tuple
            arrays = []
            for entry in self._saved:
                if entry is None:
                    arrays.append(None)
                    continue
                kind, value, box, version = entry
                if box is not None and box[0] != version:
                    raise self._modified_error(entry, len(arrays))
                arrays.append(value.array if kind == "tensor" else value)
            return tuple(arrays)  # type: ignore[return-value]
        return SavedTensors([self._unpack(entry, index) for index, entry in enumerate(self._saved)])

    def freed_error(self) -> RuntimeError:
        """The error for going through this node again after its graph was freed."""
        return RuntimeError(
            f"Trying to backward through {self.name} a second time: the graph was freed after "
            "the first backward. Pass retain_graph=True to the first backward() (or grad()) "
            "if you need to go through it again."
        )

    def _modified_error(self, entry: Any, index: int) -> RuntimeError:
        kind, value, box, version = entry
        what = "output" if kind == "output" else f"saved tensor {index}"
        return RuntimeError(
            f"{self.name}: its {what} (shape {_shape_of(value)}) was modified in place "
            f"after it was saved for backward (version {version}, now {box[0]}); in "
            "PyTorch's words, one of the variables needed for gradient computation has been "
            f"modified by an inplace operation: it is at version {box[0]}; expected version "
            f"{version} instead. Backward needs the old value: use an out-of-place "
            "operation (x = x * 2, not x *= 2) or modify a .clone()."
        )

    def _unpack(self, entry: Any, index: int) -> Any:
        if entry is None:
            return None
        kind, value, box, version = entry
        if box is not None and box[0] != version:
            raise self._modified_error(entry, index)
        if kind == "tensor":
            return value
        if kind == "output":
            output = Tensor(value)
            output._version = box
            output.grad_fn = self
            output._requires_grad = True
            return output
        return Tensor(value)

    def _link(self, args: tuple[Any, ...]) -> bool:
        """Note, before forward, where each input came from, and the shape and dtype of each
        that needs a gradient; return whether any does (whether this call is recorded)."""
        parents = []
        needs = []
        inputs = []
        index = 0
        for arg in args:
            if isinstance(arg, Tensor):
                node = arg.grad_fn
                if node is None:
                    if arg._requires_grad:
                        node = arg  # a leaf
                    elif arg._version[0]:  # changed: a view whose root has a history now?
                        node = current_node(arg)
                elif node.routed:
                    node = node.edge_for(arg)
                if node is not None:
                    data = arg.array
                    inputs.append((index, node, data.shape, data.dtype))
                parents.append(node)
                needs.append(node is not None)
            else:
                parents.append(None)
                needs.append(False)
            index += 1
        if inputs:
            self.sequence = next(_sequence)  # numbered after the nodes of its inputs
            self._parents = parents
            self._inputs = inputs
            self.needs_input_grad = tuple(needs)
            return True
        return False

    def _record(self, result: Tensor, raw_output: Any) -> None:
        """Make this node `result`'s grad_fn, freezing what forward saved."""
        to_save = self._to_save
        if to_save:
            saved = []
            for value in to_save:
                if type(value) is Tensor and value is not result:  # the common case
                    box = value._version
                    saved.append(("tensor", value, box, box[0]))
                elif value is raw_output and value is not None:  # the output array
                    box = result._version
                    saved.append(("output", result.array, box, box[0]))
                else:
                    saved.append(self._freeze(value, result, raw_output))
            self._saved = tuple(saved)
            del self._to_save  # back to the class's empty default
        if _anomaly_state.enabled:
            import traceback  # only in anomaly mode: not imported with stir

            self._stack = traceback.extract_stack()[:-3]
        result.grad_fn = self
        result._requires_grad = True

    def _record_outputs(self, results: tuple[Tensor, ...], raw: tuple[Any, ...]) -> None:
        """Make this node the grad_fn of each of several outputs (`edge_for` tells them
        apart by their version counters), freezing what forward saved."""
        excluded = self._non_differentiable
        saved = []
        for value in self._to_save:
            for result, part in zip(results, raw):
                if value is result or value is part or value is result.array:
                    saved.append(("output", result.array, result._version, result._version[0]))
                    break
            else:
                saved.append(self._freeze(value, results[0], None) if value is not None
                             else None)
        self._saved = tuple(saved)
        self._to_save = ()
        self._outputs = tuple(result._version for result in results)
        self._output_meta = tuple((tuple(r.array.shape), r.array.dtype) for r in results)
        self.routed = True
        for result, part in zip(results, raw):
            if any(part is e or result is e for e in excluded):
                continue
            if _array.is_floating(result.array):
                result.grad_fn = self
                result._requires_grad = True

    def output_gradients(self, gradients: list[Any], arrays: bool) -> list[Any]:
        """The gradient of each output, for one call of backward: what arrived, or zeros
        (None when `set_materialize_grads(False)`) for outputs nothing used."""
        given = []
        for gradient, (shape, dtype) in zip(gradients, self._output_meta):
            if gradient is None and self.materialize_grads:
                gradient = _array.NUMPY.zeros(shape, dtype=dtype)
            if gradient is not None:
                if arrays and isinstance(gradient, Tensor):
                    gradient = gradient.array
                elif not arrays and not isinstance(gradient, Tensor):
                    gradient = Tensor(gradient)
            given.append(gradient)
        return given

    @staticmethod
    def _freeze(value: Any, result: Tensor, raw_output: Any) -> Any:
        if value is None:
            return None
        # NumPy returns scalars for 0-d results, so the output is also recognised as the raw
        # object forward returned.
        if value is result or value is result.array or value is raw_output:
            return ("output", result.array, result._version, result._version[0])
        if isinstance(value, Tensor):
            return ("tensor", value, value._version, value._version[0])
        if _array.is_array(value):
            return ("constant", _array.values(value), None, 0)
        raise TypeError(
            f"save_for_backward takes tensors or arrays, got {type(value).__name__}; "
            "store other values as attributes of ctx (ctx.value = ...)"
        )

    def _release(self) -> None:
        self._saved = None

    def keep_saved_unchecked(self) -> None:
        """Freeze what forward just saved, for a backward on arrays, without the version
        checks of `_record`: `stir.compile`'s replay, within which nothing can change a
        saved tensor, calls it after each forward it re-runs."""
        saved = []  # (a loop, not a comprehension: one Python frame fewer per node and step)
        for value in self._to_save:
            saved.append(("tensor", value, None, 0) if isinstance(value, Tensor) else
                         ("array", value, None, 0) if value is not None else None)
        self._saved = tuple(saved)


class OutputEdge:
    """An edge of the graph to one output of a node of several: `node`, output `index`."""

    __slots__ = ("node", "index")

    def __init__(self, node: Context, index: int) -> None:
        self.node, self.index = node, index

    def __repr__(self) -> str:
        return f"<output {self.index} of {self.node.name}>"


def _shape_of(value: Any) -> tuple[int, ...]:
    return tuple(value.shape) if hasattr(value, "shape") else ()


class Function:
    """A differentiable function: subclass it and define `forward` and `backward`.

    `forward(ctx, *inputs)` receives the inputs as given to `apply` (tensors and any other
    values), runs with recording switched off, and returns one tensor (or NumPy array), or a
    tuple of them: then `apply` returns a tuple of tensors, all with this call's node as
    their grad_fn (integer outputs, and those passed to `ctx.mark_non_differentiable`, get
    none).

    `backward(ctx, grad_output)` (with several outputs: `backward(ctx, *grad_outputs)`, one
    per output; zeros for outputs nothing used, or None after
    `ctx.set_materialize_grads(False)`) receives the gradient of the loss with respect to the
    output, a tensor of the output's shape, and returns one gradient per input of `forward`,
    in order:
    a tensor of that input's shape, or None for inputs that need none (non-tensors, tensors
    that do not require grad). Trailing Nones may be left out. A gradient whose shape is the
    input's shape broadcast is summed back to the input's shape. Write `backward` with tensor
    operations and it is differentiable in turn, so higher-order gradients work.

    Call it as `MyFunction.apply(*inputs)`; check a new one with `stir.gradcheck`.

    Set `backward_on_arrays = True` on a Function whose backward works on raw arrays as well
    as on tensors; stir's own operations all do. The contract of such a backward, in full:

    - An ordinary backward (`loss.backward()`, `stir.grad` without create_graph) passes
      `grad_output` as a raw array (NumPy's, or of the namespace the tensors hold), and
      `ctx.saved_tensors` returns the saved values as raw arrays too; what it returns may be
      arrays. Recorded (create_graph=True), both are tensors, and so must be what it returns,
      so that the backward itself is differentiable.
    - So it is written with what both share: Python's operators, `.T`, `.mT`, `.shape`,
      `.ndim`, basic indexing, and the functions of `stir.ops.dual` (`reshape`, `sum`,
      `where`, `exp`, `matmul`, ...), which dispatch on tensors and arrays alike. Arrays of
      other namespaces (CuPy, array-api-strict) have no `.reshape` or `.sum` methods: dual's
      functions take each array's own namespace.
    - Constants (masks, saved attributes of ctx) stay raw arrays in both modes; multiplying
      by one is the same either way. `stir._array.mask(condition, like)` makes a bool mask a
      factor the array standard accepts.
    - A returned gradient may have the input's shape broadcast (the engine sums it back) and
      another floating dtype (the engine converts it). A fresh array returned for one input
      alone may become a leaf's `.grad` as it is, so never return an array you keep.

    >>> import stir
    >>> class Cube(stir.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x * x
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         x, = ctx.saved_tensors
    ...         return grad_output * 3 * x * x
    >>> x = stir.tensor([2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    tensor([12.])
    >>> stir.gradcheck(Cube.apply, (stir.randn(3, dtype=stir.float64, requires_grad=True),))
    True
    """

    backward_on_arrays = False

    @staticmethod
    def forward(ctx: Context, *inputs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad_output)")

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """Run `forward` on `args` and record the call when any input requires grad."""
        ctx = Context(cls)
        mode = _grad_state
        previous = mode.enabled
        recording = previous and ctx._link(args)
        mode.enabled = False
        try:
            out = cls.forward(ctx, *args)
        except ValueError as error:
            described = _describe_error(cls, args, error)
            if described is error:
                raise
            # stir's own ops hide NumPy's frames; a user's Function keeps its own traceback
            raise described from (None if cls.__module__.startswith("stir.") else error)
        finally:
            mode.enabled = previous
        if type(out) is _ndarray:
            result = Tensor(out)
            if recording and out.dtype.kind == "f":
                ctx._record(result, out)
        elif isinstance(out, (tuple, list)):
            results = tuple(output_tensor(part, args, cls) for part in out)
            if recording:
                ctx._record_outputs(results, tuple(out))
            if _tracer is not None:
                _tracer.append((cls, ctx, args, results, recording))
            return results  # type: ignore[return-value]
        else:
            result = output_tensor(out, args, cls)
            if recording and _array.is_floating(result.array):
                ctx._record(result, out)
        if _anomaly_state.enabled:
            anomaly.check_forward(cls.__name__, result, args)
        if _tracer is not None:
            _tracer.append((cls, ctx, args, result, recording))
        return result


# ---------------------------------------------------------------- torch.autograd's functions
_engine: Any = None  # stir.engine, bound by engine.py at its end (the engine imports this)


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, returned (not accumulated into
    `.grad`), as `torch.autograd.grad`; `stir.engine.grad` says more.

    >>> import stir
    >>> x = stir.tensor([1.0, 2.0], requires_grad=True)
    >>> stir.autograd.grad((x * x).sum(), x)
    (tensor([2., 4.]),)
    """
    if is_grads_batched:
        raise NotImplementedError("grad(is_grads_batched=True) needs vmap, which stir lacks; "
                                  "call grad once per row of grad_outputs instead")
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    results = _engine.grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                           bool(allow_unused) or materialize_grads)
    if materialize_grads:
        listed = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        results = tuple(r if r is not None else x.detach() * 0
                        for r, x in zip(results, listed))
    return results


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate the gradients of `tensors` (weighted by `grad_tensors`) into the `.grad`
    of the leaves (only of `inputs`, when given), as `torch.autograd.backward`.

    >>> import stir
    >>> x = stir.tensor([1.0, 2.0], requires_grad=True)
    >>> stir.autograd.backward([(x * x).sum(), x.sum()])
    >>> x.grad
    tensor([3., 5.])
    """
    _engine.backward_all(tensors, grad_tensors, retain_graph, create_graph, inputs)


def output_tensor(out: Any, args: tuple[Any, ...], function: type[Function]) -> Tensor:
    """The output tensor of a call: forward's own tensor when it is new, else a fresh one."""
    if isinstance(out, Tensor):
        if out.grad_fn is None and not out._requires_grad and not any(out is a for a in args):
            return out
        return Tensor(out.array)
    return Tensor(out)


def _describe_error(
    function: type[Function], args: tuple[Any, ...], error: ValueError
) -> Exception:
    """Name the operation and its input shapes in an error raised inside forward."""
    if getattr(error, "_stir_described", False):
        return error
    shapes = " and ".join(str(tuple(arg.shape)) for arg in args if isinstance(arg, Tensor))
    described = ValueError(f"{function.__name__} (inputs of shape {shapes}): {error}")
    described._stir_described = True  # type: ignore[attr-defined]
    return described
