"""`Tensor`: an array, its gradient, the operation that made it, and operator overloads.

A tensor owns an array (`.array`, a NumPy array). When it `requires_grad`, operations on it
are recorded (`grad_fn` names the last one) and `backward()` fills the `.grad` of the leaves
it came from.
The arithmetic lives in `stir.ops`, one small `Function` per primitive; this file only routes
Python's operators and methods to them.
"""

from __future__ import annotations

from typing import Any, Iterator

from . import _array, devices, dtypes, grad_mode
from . import tensor_creation, tensor_elementwise, tensor_inplace, tensor_linalg, tensor_reductions
from . import tensor_shapes
from ._types import Array, DTypeLike
from .size import Size
from .tensor_creation import CreationMethods
from .tensor_elementwise import ElementwiseMethods
from .tensor_inplace import InPlaceMethods
from .tensor_linalg import LinalgMethods
from .tensor_reductions import ReductionMethods
from .tensor_shapes import ShapeMethods

_FLOAT_KINDS = "f"
_EMPTY: Any = ()  # `Tensor()`: PyTorch's empty float tensor
_ndarray = _array.NDARRAY


class Tensor(ElementwiseMethods, ReductionMethods, LinalgMethods, ShapeMethods, InPlaceMethods,
             CreationMethods):
    """An n-dimensional array that can record the operations applied to it.

    Build tensors with `stir.tensor`, `stir.zeros`, `stir.randn`, ...; `Tensor(array)` wraps
    a NumPy array without copying it.

    >>> import stir
    >>> x = stir.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y
    tensor(14., grad_fn=Sum)
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("array", "grad", "grad_fn", "_requires_grad", "_version", "__weakref__")
    __array_ufunc__ = None  # NumPy defers to our reflected operators: array * tensor -> tensor

    def __init__(self, data: Any = _EMPTY, *size: int, requires_grad: bool = False) -> None:
        if type(data) is not _ndarray:  # (a NumPy scalar, as full reductions return: at once)
            if isinstance(data, _NUMBERS) and not size and type(data) is not int:
                data = _asarray(data)
            else:
                data = _legacy_array(data, size)
        self.array: Array = data
        self.grad: Tensor | None = None
        self.grad_fn: Any = None
        self._requires_grad = False
        # A shared, mutable counter of in-place changes; views share their base's counter.
        self._version = [0]
        if requires_grad:
            self.requires_grad = True

    # ----------------------------------------------------------------- attributes
    # `.array` is the raw array, which stir's own code reads; `.data` is PyTorch's name for
    # the same values as a tensor outside the graph.
    @property
    def data(self) -> Tensor:
        """The same values as a tensor that shares this one's array but has no history and
        does not require grad, as PyTorch's `.data`: `p.data -= lr * p.grad` changes `p`
        without being recorded. Assigning a tensor to it replaces this tensor's values
        (`p.data = other`). Unlike `detach()`, in-place changes through `.data` are not
        seen by autograd's version checks (PyTorch's rule too), so prefer
        `with stir.no_grad():` in new code.

        >>> import stir
        >>> w = stir.tensor([1.0, 2.0], requires_grad=True)
        >>> w.data -= 0.5
        >>> w
        tensor([0.5, 1.5], requires_grad=True)
        """
        return Tensor(self.array)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(
                f"assigned .data must be a tensor, not {type(value).__name__} (as in PyTorch); "
                "wrap an array with stir.from_numpy"
            )
        self.array = value.array

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and _array.kind(self.array.dtype) not in _FLOAT_KINDS:
            raise TypeError(
                f"only floating-point tensors can require gradients; this one is "
                f"{self.array.dtype} (convert it with .float() or .double() first)"
            )
        if not value and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be switched off on a leaf tensor; use .detach() "
                "to get a tensor without history"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (their `.grad` is filled by backward)."""
        return self.grad_fn is None

    @property
    def shape(self) -> Size:
        """The sizes of the dimensions, as a `stir.Size` (a tuple; PyTorch's `torch.Size`)."""
        return Size(self.array.shape)

    @property
    def dtype(self) -> Any:
        return self.array.dtype

    @property
    def ndim(self) -> int:
        return self.array.ndim

    def dim(self) -> int:
        return self.array.ndim

    def size(self, dim: int | None = None) -> Any:
        """The shape (as in PyTorch), or the length of dimension `dim`."""
        return Size(self.array.shape) if dim is None else self.array.shape[dim]

    def numel(self) -> int:
        """The number of elements."""
        return int(self.array.size)

    nelement = numel

    @property
    def T(self) -> Tensor:
        """The tensor with its dimensions reversed (the transpose of a matrix)."""
        ndim = self.array.ndim
        if ndim < 2:
            return self
        return _ops.transposed(self, (1, 0) if ndim == 2 else tuple(range(ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The batch of matrices with their last two dimensions swapped."""
        ndim = self.array.ndim
        if ndim < 2:
            raise ValueError(f"mT needs at least 2 dimensions, this tensor has {ndim}")
        return _ops.transposed(self, tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))

    # ----------------------------------------------------------------- conversion
    def item(self) -> Any:
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element; this one has shape {tuple(self.shape)}"
            )
        return self.array.item()

    def numpy(self) -> Array:
        """The underlying NumPy array (shared, not copied); a copy on the host for a tensor on
        another device."""
        if self._requires_grad:
            raise RuntimeError(
                "numpy() on a tensor that requires grad would lose its history; "
                "call .detach().numpy() instead"
            )
        return self.array if type(self.array) is _ndarray else _array.to_numpy(self.array)

    def tolist(self) -> Any:
        return _array.to_numpy(self.array).tolist()

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> Array:
        data = self.numpy()
        return data if dtype is None else data.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if _array.kind(self.array.dtype) not in "iub" or self.array.size != 1:
            raise TypeError("only one-element integer tensors can be used as an index")
        return int(self.array.item())

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.array.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.array.item())

    def __len__(self) -> int:
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        """`f"{loss:.4f}"` and `f"{loss}"` format a 0-d tensor's value, as PyTorch does;
        other tensors format as their repr, and take no format spec."""
        if self.array.ndim == 0:
            return format(self.array.item(), spec)
        if spec:
            raise TypeError(
                f"format spec {spec!r} applies to 0-d tensors; this one has shape "
                f"{tuple(self.shape)} (format x.item() or x.tolist() instead, as in PyTorch)"
            )
        return repr(self)

    def __repr__(self) -> str:
        body, dtype = _array.to_text(self.array, "tensor(")
        extras = []
        if dtype not in ("float32", "int64", "bool"):
            extras.append(f"dtype={dtype}")
        if type(self.array) is not _ndarray:
            extras.append(f"device={_array.device(self.array)}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn.name}")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body, *extras]) + ")"

    def _repr_html_(self) -> str:
        """Shape, dtype, autograd state, statistics and a small picture, for Jupyter
        (stir.display.tensor_html)."""
        from .display.tensor_html import tensor_html

        return tensor_html(self)

    # ----------------------------------------------------------------- autograd
    def backward(
        self,
        gradient: Tensor | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Accumulate d(self)/d(leaf) into the `.grad` of every leaf that requires grad.

        `gradient` is d(loss)/d(self) and may be omitted only for a one-element tensor.
        The graph's saved arrays are freed afterwards unless `retain_graph=True`;
        `create_graph=True` records the backward pass itself, for higher-order gradients.
        """
        _ops.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    def detach(self) -> Tensor:
        """The same data (shared) without history: a leaf that does not require grad."""
        detached = Tensor(self.array)
        detached._version = self._version
        return detached

    def retain_grad(self) -> None:
        """Also fill `.grad` of this non-leaf tensor during backward."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("retain_grad() on a tensor that does not require grad")
            return
        self.grad_fn._retained = self

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Tensor:
        return _binary(_ops.Add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _binary(_ops.Add, self, other, reflected=True)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(_ops.Sub, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(_ops.Sub, self, other, reflected=True)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(_ops.Mul, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(_ops.Mul, self, other, reflected=True)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(_ops.Div, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(_ops.Div, self, other, reflected=True)

    def __pow__(self, other: Any) -> Tensor:
        return _binary(_ops.Pow, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _binary(_ops.Pow, self, other, reflected=True)

    def __matmul__(self, other: Any) -> Tensor:
        return _binary(_ops.MatMul, self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _binary(_ops.MatMul, self, other, reflected=True)

    def __neg__(self) -> Tensor:
        if _array.kind(self.array.dtype) == "b":
            return self.neg()  # which raises PyTorch's error, in its words
        return _ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    # Comparisons and logic give bool tensors that do not take part in backward.
    def __lt__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.array < _raw(other))

    def __le__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.array <= _raw(other))

    def __gt__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.array > _raw(other))

    def __ge__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.array >= _raw(other))

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.array == _raw(other))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return Tensor(self.array != _raw(other))

    def __and__(self, other: Any) -> Tensor:
        return Tensor(self.array & _raw(other))

    def __or__(self, other: Any) -> Tensor:
        return Tensor(self.array | _raw(other))

    def __xor__(self, other: Any) -> Tensor:
        return Tensor(self.array ^ _raw(other))

    def __rand__(self, other: Any) -> Tensor:
        return Tensor(_raw(other) & self.array)

    def __ror__(self, other: Any) -> Tensor:
        return Tensor(_raw(other) | self.array)

    def __rxor__(self, other: Any) -> Tensor:
        return Tensor(_raw(other) ^ self.array)

    def __invert__(self) -> Tensor:
        return Tensor(~self.array)

    def to(self, *target: Any, dtype: DTypeLike = None, device: Any = None) -> Tensor:
        """A copy converted to `dtype` and/or moved to `device` ("cpu", or "cuda" with CuPy),
        as PyTorch's `x.to(dtype)`, `x.to(device)`, `x.to(device, dtype)`; differentiable
        between floating types and across devices. Always a new tensor (PyTorch returns
        `self` when nothing changes).
        """
        for value in target:
            if devices.is_device_name(value):
                device = value
            else:
                dtype = value
        result = self
        if device is not None and not devices.is_on(self.array, device):
            result = _ops.Transfer.apply(result, devices.device_name(device))
        if dtype is not None:
            dtype = _array.dtype_in(result.array, dtype)
            if dtype != result.array.dtype or result is self:
                result = _ops.Cast.apply(result, dtype)
        return result if result is not self else _ops.Cast.apply(self, self.array.dtype)

    @property
    def device(self) -> devices.device:
        """Where the array lives, as a `stir.device` (PyTorch's `torch.device`, equal to its
        name): "cpu" for NumPy, "cuda:N" for CuPy's arrays; another array library's own
        device object for its arrays."""
        where = _array.device(self.array)
        name = devices.device_name(where)
        return devices.device(name) if devices.is_device_name(name) else where

    def cpu(self) -> Tensor:
        """This tensor on the host, as a NumPy array (itself when it already is)."""
        return self if type(self.array) is _ndarray else self.to("cpu")

    def clone(self) -> Tensor:
        """A copy with its own memory; gradients flow back to the original."""
        return _ops.Cast.apply(self, self.array.dtype)

    def float(self) -> Tensor:
        return self.to("float32")

    def double(self) -> Tensor:
        return self.to("float64")

    def long(self) -> Tensor:
        return self.to("int64")

    def int(self) -> Tensor:
        return self.to("int32")

    def half(self) -> Tensor:
        return self.to("float16")

    def bool(self) -> Tensor:
        return self.to("bool")

    def type(self, dtype: DTypeLike = None) -> Any:
        """With a dtype, this tensor converted to it (as `.to(dtype)`); without, the name of
        its type in PyTorch's style, with stir's prefix ("stir.FloatTensor")."""
        if dtype is not None:
            return self.to(dtype)
        return f"stir.{_TYPE_NAMES.get(str(self.dtype), str(self.dtype))}"

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)


def _legacy_array(data: Any, size: tuple[int, ...]) -> Array:
    """The array of PyTorch's legacy constructor, `Tensor(...)` on anything but an array:
    `Tensor([1, 2])` has the default float dtype (not int64), `Tensor(2, 3)` is a
    (2, 3) tensor of the default dtype (zeros here; uninitialized in PyTorch), and
    `Tensor()` is empty. (stir's own code passes arrays, which are wrapped as they are.)"""
    default = dtypes.get_default_dtype()
    if type(data) is int or size:
        shape = (data, *size)
        if not all(type(n) is int and n >= 0 for n in shape):
            raise TypeError(f"Tensor(*size) takes non-negative ints; got {shape}")
        return _array.NUMPY.zeros(shape, dtype=default)
    if isinstance(data, (list, tuple)):
        return _asarray(data, dtype=default)
    return _array.as_array(data)


def _raw(value: Any) -> Any:
    """The NumPy value behind a tensor, or the value itself."""
    return value.array if isinstance(value, Tensor) else value


_NUMBERS = _array.SCALARS
#: PyTorch's legacy type names, for `Tensor.type()`.
_TYPE_NAMES = {"float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
               "int8": "CharTensor", "int16": "ShortTensor", "int32": "IntTensor",
               "int64": "LongTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}
_NUMPY_IN_PLACE = _array.NUMPY_IN_PLACE
_asarray = _array.NUMPY.asarray
_grad_state = grad_mode.state


def lift(value: Any, like: Tensor) -> Any:
    """A constant tensor for a Python or NumPy value met in arithmetic with `like`.

    Python numbers take `like`'s dtype when it is floating, so float32 stays float32; a float
    met with an integer tensor gives float32, as in PyTorch. Other types give NotImplemented,
    so that Python can ask the other operand.
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, _array.NDARRAY) or type(value) in _array.ARRAY_TYPES:
        return Tensor(value)
    if not isinstance(value, _NUMBERS):
        return NotImplemented
    array = like.array
    if type(array) is _ndarray and array.dtype.kind == "f":  # constant_like's first case,
        return Tensor(_asarray(value, dtype=array.dtype))      # inline: the common one
    constant = _array.constant_like(value, array)
    if isinstance(value, float) and not _array.is_floating(array):  # PyTorch: the default
        default = _array.dtype_in(array, dtypes.get_default_dtype())     # float dtype
        if constant.dtype != default:
            constant = _array.namespace(array).astype(constant, default)
    return Tensor(constant)


def _binary(function: Any, tensor: Tensor, other: Any, reflected: bool = False) -> Any:
    """`tensor OP other` (or `other OP tensor` when reflected) through a primitive, with the
    operands first converted to PyTorch's result dtype (`promoted_dtype`), which is not
    NumPy's: float32 with an int64 tensor is float32, and float32 with a 0-d float64 tensor
    stays float32. Integer true division gives the default float dtype.
    """
    if function is _ops.Sub and type(other) is bool:
        return tensor.sub(other)  # which raises PyTorch's error, in its words
    if not _grad_state.enabled and (type(other) is float or type(other) is int):
        array = tensor.array  # e.g. `lr * p.grad` in an update step: no constant tensor
        if type(array) is _ndarray and array.dtype.kind == "f":
            out = (_ops.unrecorded(function, other, array) if reflected
                   else _ops.unrecorded(function, array, other))
            if out is not None:
                return Tensor(out)
    other = lift(other, tensor)
    if other is NotImplemented:
        return NotImplemented
    x, y = (other, tensor) if reflected else (tensor, other)
    x_array, y_array = x.array, y.array
    x_dtype, y_dtype = x_array.dtype, y_array.dtype
    if x_dtype is y_dtype or x_dtype == y_dtype:  # the common case first
        if x_dtype.kind == "f" if type(x_array) is _ndarray else _array.is_floating(x_array):
            if not _grad_state.enabled and type(x_array) is _ndarray and (
                    type(y_array) is _ndarray):  # e.g. `p.data -= lr * p.grad`
                out = _ops.unrecorded(function, x_array, y_array)
                if out is not None:
                    return Tensor(out)
            return function.apply(x, y)
        if function is _ops.MatMul:  # integers and bools: PyTorch's checks (no bool @ bool)
            return _ops.matmul(x, y)
        dtype = x_dtype
    else:
        if function is _ops.MatMul:  # PyTorch does not promote here: its checks, its errors
            return _ops.matmul(x, y)
        dtype = promoted_dtype(x_array, y_array)
    if function is _ops.Sub and "b" in (_array.kind(x_dtype), _array.kind(y_dtype)):
        return x.sub(y)  # which raises PyTorch's error, in its words
    if function is _ops.Div and _array.kind(dtype) != "f":
        dtype = dtypes.get_default_dtype()
    if x_dtype != dtype:
        x = _ops.Cast.apply(x, _array.dtype_in(x_array, dtype))
    if y_dtype != dtype:
        y = _ops.Cast.apply(y, _array.dtype_in(y_array, dtype))
    return function.apply(x, y)


def promoted_dtype(x: Array, y: Array) -> Any:
    """The dtype PyTorch computes `x OP y` in (`torch.result_type`).

    The categories are bool < integer < floating. Between operands of one kind (both 0-d or
    neither), the higher category's dtype wins (int64 with float32 is float32, where NumPy
    says float64), and within a category the wider. A 0-d operand only counts when it is of
    a higher category than the other: `ones(3) + tensor(1.0, dtype=float64)` is float32, and
    `int32 tensor * tensor(3)` stays int32, but `int32 tensor * tensor(0.5)` is float32.
    (Python numbers reach here as 0-d arrays already of the right dtype; see `lift`.)
    """
    xp = _array.namespace(x)
    x_zero, y_zero = x.ndim == 0, y.ndim == 0
    if x_zero == y_zero:
        return _promote(x.dtype, y.dtype, xp)
    dimensioned, zero = (y.dtype, x.dtype) if x_zero else (x.dtype, y.dtype)
    if _category(zero) > _category(dimensioned):
        return _promote(dimensioned, zero, xp)
    return dimensioned


def _category(dtype: Any) -> int:
    letter = _array.kind(dtype)
    return 2 if letter == "f" else 0 if letter == "b" else 1


def _promote(a: Any, b: Any, xp: Any) -> Any:
    """PyTorch's `promote_types`: NumPy's, except that an integer with a float is the float."""
    a_category, b_category = _category(a), _category(b)
    if a_category != b_category and 2 in (a_category, b_category):
        return a if a_category == 2 else b
    return xp.result_type(a, b)


def as_tensor(value: Any) -> Tensor:
    """`value` itself if it is a tensor, else a tensor of it (not copied when an array; a
    Python number is a 0-d tensor, not `Tensor(n)`'s legacy n-element one)."""
    if isinstance(value, Tensor):
        return value
    return Tensor(_asarray(value) if isinstance(value, _NUMBERS) else value)


# The seam between Tensor and its operations, and the one import cycle in stir: the operations
# in stir.ops are built on Tensor, and Tensor's operators and methods call them (and, through
# them, the engine) at run time. So this import comes last, once Tensor exists.
# The method families (tensor_*.py) reach the operations through this same import: it binds
# their `_ops` too, and the helpers of this file that they share.
from . import ops as _ops  # noqa: E402

tensor_elementwise._ops = tensor_reductions._ops = tensor_linalg._ops = _ops
tensor_shapes._ops = tensor_inplace._ops = _ops
tensor_elementwise._binary, tensor_inplace._raw = _binary, _raw
