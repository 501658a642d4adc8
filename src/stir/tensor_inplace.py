"""Tensor's in-place methods: `x.add_(y)`, `x += y`, `x.zero_()`, `x[i] = v`, ...

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor`. Its methods call the
primitives of `stir.ops`, which are built on Tensor; so this module imports neither, and
`tensor.py` binds `_ops` and `_raw` here at the seam, its last lines, once both exist.

PyTorch's rules, which these follow:

- Outside recording (under `stir.no_grad()`, or when nothing involved requires grad) a
  change just writes into the tensor's memory and counts one more version of it.
- While recording, a leaf that requires grad (or a view of one) cannot be changed in place.
- Any other tensor can: the change is computed as the out-of-place operation on the old
  value (`y.mul_(2)` computes `y * 2`), written into the tensor's memory, and the tensor's
  history is rebased on it: its `grad_fn` becomes that operation's node, whose input is the
  old history. A tensor that did not require grad and is changed with one that does
  (`buf += w`) requires grad from then on.
- A change through a view (`y[0].mul_(2)`, `y[:, 1].zero_()`, `y.T.add_(1)`) reaches the
  tensor that owns the memory (its root; `stir.ops.shapes` says which operations give views),
  whose history is rebased too: its new node writes the view's new values into its old value
  (`Scatter` at the positions the view covers), and the view's history becomes the view of
  that, so gradients are PyTorch's.
- Every change counts a version of the memory, shared by all its views; backward refuses to
  use a saved tensor whose version changed since it was saved (`stir.autograd`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

from . import _array, grad_mode
from . import random as _random

if TYPE_CHECKING:
    from .tensor import Tensor

_ops: Any = None  # stir.ops, bound by tensor.py
_raw: Any = None  # tensor.py's `_raw`: the array behind a tensor, or the value itself
_ndarray = _array.NDARRAY
_NUMPY_IN_PLACE = _array.NUMPY_IN_PLACE
_grad_state = grad_mode.state
#: PyTorch's names of the dtypes, for its casting error.
_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte",
                "bool": "Bool"}


class InPlaceMethods:
    """Tensor's in-place methods, and the one piece of state they need: `_view`, set only on
    a view, is (the tensor it was made from, the step that made it); see `stir.ops.shapes`."""

    __slots__ = ("_view",)

    # ------------------------------------------------------------ arithmetic
    def _inplace(self, name: str, operation: str, other: Any,
                 compute: Callable[[Tensor], Tensor]) -> Tensor:
        if _grad_state.enabled and (self._requires_grad or _requires_grad(other)):
            return _changed(self, name, compute)
        array = self.array
        try:
            if type(array) is _ndarray:  # _array.update's NumPy case, inline: every SGD step
                _NUMPY_IN_PLACE[operation](array, _raw(other), out=array, casting="same_kind")
            else:
                _array.update(operation, array, _raw(other))
        except (TypeError, ValueError) as error:
            raise _write_error(name, self, other, error) from None
        self._version[0] += 1
        return self

    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self += alpha * other, in place."""
        scaled = _raw(other) * alpha if alpha != 1 else other
        return self._inplace("add_", "add", scaled, lambda old: old.add(other, alpha=alpha))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self -= alpha * other, in place."""
        scaled = _raw(other) * alpha if alpha != 1 else other
        return self._inplace("sub_", "sub", scaled, lambda old: old.sub(other, alpha=alpha))

    def mul_(self, other: Any) -> Tensor:
        """self *= other, in place."""
        return self._inplace("mul_", "mul", other, lambda old: old * other)

    def div_(self, other: Any) -> Tensor:
        """self /= other, in place (an integer tensor cannot hold the quotient: an error,
        as in PyTorch)."""
        return self._inplace("div_", "div", other, lambda old: old / other)

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def pow_(self, exponent: Any) -> Tensor:
        """self = self ** exponent, in place."""
        return _change(self, "pow_", lambda old: old.pow(exponent), exponent)

    def exp_(self) -> Tensor:
        return _change(self, "exp_", lambda old: old.exp())

    def sqrt_(self) -> Tensor:
        return _change(self, "sqrt_", lambda old: old.sqrt())

    def abs_(self) -> Tensor:
        return _change(self, "abs_", lambda old: old.abs())

    def neg_(self) -> Tensor:
        return _change(self, "neg_", lambda old: old.neg())

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """self limited to [min, max], in place."""
        if (_grad_state.enabled and (self._requires_grad or _requires_grad(min)
                                     or _requires_grad(max))):
            return _changed(self, "clamp_", lambda old: old.clamp(min, max))
        if isinstance(min, InPlaceMethods) or isinstance(max, InPlaceMethods):
            return _change(self, "clamp_", lambda old: old.clamp(min, max))
        if min is None and max is None:
            self.clamp(min, max)  # which raises PyTorch's error
        _array.clip_into(self.array, min, max)
        self._version[0] += 1
        return self

    def clamp_min_(self, min: Any) -> Tensor:
        return self.clamp_(min, None)

    def clamp_max_(self, max: Any) -> Tensor:
        return self.clamp_(None, max)

    # ------------------------------------------------------------ overwriting
    def zero_(self) -> Tensor:
        return self.fill_(0)

    def fill_(self, value: Any) -> Tensor:
        """Every entry set to `value` (a number or a 0-d tensor), in place."""
        if _grad_state.enabled and (self._requires_grad or _requires_grad(value)):
            if isinstance(value, InPlaceMethods) and value.ndim != 0:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got "
                                   f"tensor with {value.ndim} dimensions.")
            return _changed(self, "fill_", lambda old: _overwritten(old, value))
        _write(self, "fill_", _raw(value))
        return self

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """self's entries set to src's (broadcast to self's shape, cast to its dtype)."""
        if _grad_state.enabled and (self._requires_grad or _requires_grad(src)):
            return _changed(self, "copy_", lambda old: _overwritten(old, src))
        values = _raw(src)
        if _array.is_array(values) and not _array.is_numpy(self.array):
            values = _array.beside(values, self.array)
        try:
            _array.copy_into(self.array, values)
        except TypeError:  # copy_ casts any dtype, as PyTorch's does
            xp = _array.namespace(self.array)
            self.array[...] = xp.astype(_array.beside(values, self.array), self.array.dtype)
        except ValueError as error:
            raise _write_error("copy_", self, src, error) from None
        self._version[0] += 1
        return self

    def normal_(self, mean: float = 0, std: float = 1, *, generator: Any = None) -> Tensor:
        """Entries drawn from N(mean, std²), in place, from `generator` (a stir.Generator;
        the default one when None)."""
        samples = _random.resolve(generator).standard_normal(tuple(self.shape)) * std + mean
        return self._drawn("normal_", samples)

    def uniform_(self, a: float = 0, b: float = 1, *, generator: Any = None) -> Tensor:
        """Entries drawn uniformly from [a, b), in place."""
        samples = a + (b - a) * _random.resolve(generator).random(tuple(self.shape))
        return self._drawn("uniform_", samples)

    def _drawn(self, name: str, samples: Any) -> Tensor:
        values = _array.beside(samples, self.array, self.array.dtype)
        if _grad_state.enabled and self._requires_grad:
            return _changed(self, name, lambda old: _overwritten(old, values))
        _write(self, name, values)
        return self

    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        """The main diagonal set to `fill_value`, in place (a matrix, or a tensor whose
        dimensions are all equal; `wrap` restarts the diagonal below a tall matrix's square
        every ncols + 1 rows, as PyTorch's)."""
        shape = tuple(self.shape)
        if len(shape) < 2:
            raise RuntimeError("dimensions must larger than 1")
        if len(shape) > 2 and len(set(shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        if len(shape) > 2:
            index: Any = (list(range(shape[0])),) * len(shape)
        else:
            rows, columns = shape
            stop = rows * columns if wrap else min(rows, columns) * columns
            flat = range(0, stop, columns + 1)
            index = ([p // columns for p in flat], [p % columns for p in flat])
        self[index] = fill_value
        return self

    # ------------------------------------------------------------ indexing
    def __setitem__(self, index: Any, value: Any) -> None:
        if _grad_state.enabled and (self._requires_grad or _requires_grad(value)):
            _changed(self, "item assignment", lambda old: index_put(old, index, value))
            return
        try:
            _ops.shapes.assign(self, index, _raw(value))
        except (TypeError, ValueError) as error:
            raise _write_error("item assignment", self, value, error) from None
        self._version[0] += 1

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        """value where `mask` is True, in place."""
        return _change(self, "masked_fill_", lambda old: old.masked_fill(mask, value), value)

    def scatter_(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Tensor:
        """src's entries (or `value`) written at `index` along `dim`, in place."""
        return _change(self, "scatter_", lambda old: old.scatter(
            dim, index, src, value=value, reduce=reduce), src)

    def index_add_(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        """source's slices added at `index` along `dim`, in place."""
        return _change(self, "index_add_", lambda old: old.index_add(
            dim, index, source, alpha=alpha), source)


# ---------------------------------------------------------------------- the rules
def _requires_grad(value: Any) -> bool:
    return isinstance(value, InPlaceMethods) and value._requires_grad


def _change(tensor: Tensor, name: str, compute: Callable[[Tensor], Tensor],
            *others: Any) -> Tensor:
    """tensor ← compute(tensor), in place: recorded when anything involved requires grad."""
    if _grad_state.enabled and (tensor._requires_grad or any(map(_requires_grad, others))):
        return _changed(tensor, name, compute)
    previous, _grad_state.enabled = _grad_state.enabled, False
    try:
        result = compute(tensor)
    finally:
        _grad_state.enabled = previous
    _write(tensor, name, result.array)
    return tensor


def _changed(tensor: Tensor, name: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """The recorded change: compute the new value from the old, write it, rebase histories."""
    chain = view_chain(tensor)
    if chain is None:
        if tensor.grad_fn is None and tensor._requires_grad:
            raise _leaf_error(name, "a leaf")
    else:
        root, steps = chain
        if root.grad_fn is None and root._requires_grad:
            raise _leaf_error(name, "a view of a leaf")
        current_node(tensor)  # a view made before its memory last changed: refreshed
        root_before = _alias(root)
    before = _alias(tensor)
    mark = _ops.shapes.sequence_mark()
    result = compute(before)
    if result.dtype != tensor.dtype and _array.is_floating(result.array) \
            and _array.is_floating(tensor.array):
        result = result.to(tensor.dtype)
    node = result.grad_fn
    if node is not None:
        _keep_old_value(node, before, mark)
    _write(tensor, name, result.array)
    _ops.shapes.note_in_place_change(name)
    if node is None:
        return tensor
    if chain is None:
        _rebase(tensor, node)
        return tensor
    written = written_into(root_before, steps, result)
    _rebase(root, written.grad_fn)
    _ops.shapes.refresh_view(tensor, root, steps)
    return tensor


def current_node(tensor: Tensor) -> Any:
    """tensor's grad_fn; for a view whose memory changed since its history was recorded,
    first refreshed to the view of its root's current history (PyTorch's rule)."""
    node = tensor.grad_fn
    if node is None:
        if tensor._requires_grad:
            return None
        chain = view_chain(tensor)  # a view of a tensor that has a history since
        if chain is None or chain[0].grad_fn is None:
            return None
        return _ops.shapes.refresh_view(tensor, *chain)
    if node.view_version is None or node.view_version == tensor._version[0]:
        return node
    chain = view_chain(tensor)
    if chain is None:
        return node
    return _ops.shapes.refresh_view(tensor, *chain)


def view_chain(tensor: Tensor) -> tuple[Tensor, tuple[tuple[str, Any], ...]] | None:
    """(the tensor owning `tensor`'s memory, the steps from it to `tensor`), for a view;
    None for any other tensor."""
    steps = []
    while True:
        try:
            source, step = tensor._view
        except AttributeError:  # the slot is unset: not a view
            break
        steps.append(step)
        tensor = source
    return (tensor, tuple(reversed(steps))) if steps else None


def _alias(tensor: Tensor) -> Tensor:
    """Another tensor over the same memory, with the same history and version counter: the
    old value, as the out-of-place computation's input."""
    alias = tensor.detach()  # shares the array and the version counter
    alias.grad_fn = tensor.grad_fn
    alias._requires_grad = tensor._requires_grad
    return alias


def _keep_old_value(node: Any, before: Tensor, mark: int) -> None:
    """When a node of the change (numbered after `mark`) saved the old value itself for its
    backward, give it a copy: the memory is about to be overwritten (as PyTorch's in-place
    operations keep what their backward needs). Other tensors over that memory that were
    saved (`y.mul_(y)`'s second y, `x[1] *= x[0]`'s x[0]) keep their version, so backward
    then refuses them, as PyTorch's does."""
    nodes, todo = [], [node]
    while todo:
        current = todo.pop()
        nodes.append(current)
        todo.extend(parent for parent in current._parents
                    if type(parent) is type(node) and parent.sequence > mark
                    and parent not in nodes)
    copy = None
    for current in nodes:
        saved = current._saved
        if not saved or not any(entry is not None and entry[1] is before for entry in saved):
            continue
        if copy is None:
            copy = _alias(before)
            copy.array = _array.namespace(before.array).asarray(before.array, copy=True)
            copy._version = [0]
        current._saved = tuple(("tensor", copy, copy._version, 0)
                               if entry is not None and entry[1] is before else entry
                               for entry in saved)


def _rebase(tensor: Tensor, node: Any) -> None:
    """Make `node` (the change's) the end of `tensor`'s history."""
    old = tensor.grad_fn
    if old is not None and old._retained is tensor:
        old._retained, node._retained = None, tensor
    tensor.grad_fn = node
    tensor._requires_grad = True
    if node._saved:  # a saved output is now this tensor's memory, at its current version
        box = tensor._version
        node._saved = tuple(("output", tensor.array, box, box[0])
                            if entry is not None and entry[0] == "output" else entry
                            for entry in node._saved)


def _overwritten(old: Tensor, value: Any) -> Tensor:
    """`value` broadcast over old's shape, in old's dtype, as a recorded function of both
    (its gradient reaches `value`; old's is zero)."""
    xp = _array.namespace(old.array)
    everywhere = xp.ones(tuple(old.shape), dtype=xp.bool, device=_array.device(old.array))
    if isinstance(value, InPlaceMethods):
        value = value.to(old.dtype) if value.dtype != old.dtype else value
        if value.shape != old.shape:
            value = value.expand(tuple(old.shape))
    else:
        value = _ops.as_tensor(_array.beside(value, old.array, old.array.dtype))
    return _ops.where(everywhere, value, old)


# ---------------------------------------------------------------------- writing at positions
def index_put(x: Tensor, index: Any, value: Any) -> Tensor:
    """x with x[index] = value, out of place and recorded (the gradient reaches x where
    nothing was written, and value at what was written): `x[index] = value` while
    recording is this, written back."""
    picked = _ops.getitem(_ops.as_tensor(_positions(x)), index).array
    return _scattered(x, picked, value)


def written_into(root: Tensor, steps: tuple[tuple[str, Any], ...], value: Tensor) -> Tensor:
    """root with the view `steps` make of it replaced by `value`, recorded (PyTorch's
    CopySlices): the node a change through a view ends the root's history with."""
    positions = _ops.shapes.view_through(_ops.as_tensor(_positions(root)), steps).array
    return _scattered(root, positions, value)


def _positions(x: Tensor) -> Any:
    """The flat position of each element of x, in x's shape (what indexing x would pick)."""
    values = x.array
    xp = _array.namespace(values)
    flat = xp.arange(math.prod(values.shape), device=_array.device(values))
    return xp.reshape(flat, tuple(values.shape))


def _coordinates(flat: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """The index of integer arrays that picks the elements at the flat positions `flat`."""
    coordinates = []
    for size in reversed(shape):
        coordinates.append(flat % size)
        flat = flat // size
    return tuple(reversed(coordinates))


def _scattered(x: Tensor, positions: Any, value: Any) -> Tensor:
    """x with `value` (broadcast to positions' shape) written at the flat positions
    (`Scatter`, whose gradient is x's where nothing was written and value's where it was)."""
    shape = tuple(positions.shape)
    if isinstance(value, InPlaceMethods):
        if value.dtype != x.dtype:
            value = value.to(x.dtype)
        if tuple(value.shape) != shape:
            extra = value.ndim - len(shape)
            if extra > 0 and all(n == 1 for n in value.shape[:extra]):
                value = _ops.reshape(value, value.shape[extra:])
            value = _ops.BroadcastTo.apply(value, shape)
    else:
        xp = _array.namespace(x.array)
        constant = _array.beside(value, x.array, x.array.dtype)
        value = _ops.as_tensor(xp.broadcast_to(constant, shape))
    if x.ndim == 0:  # Scatter takes at least one dimension
        return _ops.reshape(_scattered(_ops.reshape(x, (1,)), positions, value), ())
    return _ops.Scatter.apply(x, value, _coordinates(positions, tuple(x.shape)))


def _write(tensor: Tensor, name: str, values: Any) -> None:
    """values into tensor's memory (broadcast, cast by NumPy's same_kind rule), one version
    more."""
    if _array.is_array(values) and not _array.is_numpy(tensor.array):
        values = _array.beside(values, tensor.array)
    try:
        _array.copy_into(tensor.array, values)
    except (TypeError, ValueError) as error:
        raise _write_error(name, tensor, values, error) from None
    tensor._version[0] += 1


def _write_error(name: str, tensor: Tensor, other: Any, error: Exception) -> Exception:
    """PyTorch's error for a write that cannot be made, in its words where it has some."""
    text = str(error)
    if "read-only" in text:
        return RuntimeError(
            f"{name}: unsupported operation: more than one element of the written-to tensor "
            "refers to a single memory location (an expand()ed view). Please clone() the "
            "tensor before performing the operation.")
    if isinstance(error, TypeError):
        values = _raw(other)
        result = getattr(values, "dtype", None)
        if result is None:
            result = "float32" if isinstance(values, float) else type(values).__name__
        wanted = _TORCH_NAMES.get(str(tensor.dtype), str(tensor.dtype))
        return RuntimeError(
            f"{name}: result type {_TORCH_NAMES.get(str(result), str(result))} can't be cast "
            f"to the desired output type {wanted} (an in-place result keeps the tensor's "
            f"dtype, as in PyTorch; write x = x {name[:-1] if name.endswith('_') else name} "
            "... for a new tensor)")
    return RuntimeError(f"{name}: {text}")


def _leaf_error(name: str, what: str) -> RuntimeError:
    return RuntimeError(
        f"{name}: {what} tensor that requires grad is being used in an in-place operation "
        f"(PyTorch: \"{what} Variable that requires grad is being used in an in-place "
        "operation.\"). Its .grad is for the value it was made with; change it inside "
        "`with stir.no_grad():` (as optimizers do), or write x = x + y for a new tensor.")
