"""Making tensors, as PyTorch's constructors: `tensor`, `as_tensor`, `from_numpy`, `zeros`,
`ones`, `empty`, `full`, `eye`, `arange`, `linspace`, `logspace`, the `*_like` functions, and
and (from sampling.py) the samplers `rand`, `randn`, `normal`, `randint`, `randperm`,
`multinomial`, `bernoulli`.

Every constructor takes `device=` ("cpu", "cuda" with CuPy, or a `stir.device`; None means
`stir.get_default_device()`) and `requires_grad=`; values are made on the host and moved.
Sizes are written as PyTorch's: `zeros(2, 3)`, `zeros((2, 3))`, `zeros([2, 3])` or
`zeros(size=(2, 3))`. Samplers draw from `generator=` (a `stir.Generator`), else from the
default generator that `stir.manual_seed` resets.

>>> import stir
>>> stir.zeros(size=(2, 3)).shape, stir.arange(end=3), stir.full((2,), 7).dtype
(stir.Size([2, 3]), tensor([0, 1, 2]), dtype('int64'))
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

import numpy as np

from . import _array, devices, dtypes
from . import random as _random
from ._types import DTypeLike
from .dtypes import bool_, int64
from .tensor import Tensor


Device = Any  # a name ("cpu", "cuda:1"), a `stir.device`, or None for the default device


def dtype_argument(dtype: DTypeLike, default: np.dtype[Any] | None = None) -> np.dtype[Any]:
    """`dtype` resolved and checked; None gives `default`, or the default float dtype."""
    if dtype is None:
        return dtypes.get_default_dtype() if default is None else default
    resolved = np.dtype(dtype)
    if resolved.kind not in "fiub":
        raise TypeError(f"stir tensors are float, integer or bool; {resolved} is not supported")
    return resolved


def size_argument(size: Sequence[Any], keyword: Any = None, name: str = "zeros") -> tuple[int, ...]:
    """PyTorch's ways to write a shape: zeros(2, 3), zeros((2, 3)), zeros([2, 3]), a
    stir.Size, 0-d integer tensors, or zeros(size=(2, 3)); all mean (2, 3)."""
    if keyword is not None:
        if size:
            raise TypeError(f"{name}() got a size both by position and as size=; give one")
        size = (keyword,)
    if not size:
        raise TypeError(f"{name}() needs a size, as in PyTorch ({name}(()) is 0-d)")
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        shape = tuple(operator.index(n) for n in size)
    except TypeError:
        shape = ()
    if len(shape) != len(size) or any(isinstance(n, bool) for n in size) or min(shape,
                                                                               default=0) < 0:
        raise ValueError(f"a size must be non-negative integers, got {tuple(size)}")
    return shape


def placed(array: np.ndarray, device: Device, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor of the host `array`, on `device` (None: the default device)."""
    where = devices.get_default_device() if device is None else devices.device(device)
    if where.type != "cpu":
        array = devices.to_device(array, str(where))
    return Tensor(array, requires_grad=requires_grad)


def tensor(data: Any, *, dtype: DTypeLike = None, device: Device = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of `data` (nested lists, numbers, arrays or tensors),
    on `device`.

    Python floats give the default float dtype (float32), ints int64 and bools bool; a NumPy
    array keeps its dtype, and an array of another array-API library stays one (a copy, on
    its own device).

    >>> import stir
    >>> stir.tensor([[1, 2], [3, 4]]).dtype, stir.tensor([0.5]).dtype, stir.tensor(3.0)
    (dtype('int64'), dtype('float32'), tensor(3.))
    """
    if isinstance(data, Tensor):
        data = data.array
    if device is not None:
        devices.device(device)  # an unknown name is refused before anything is copied
    if not _array.is_numpy(data) and hasattr(data, "__array_namespace__"):
        xp = _array.namespace(data)
        copied = xp.asarray(data, dtype=None if dtype is None else _array.dtype_in(data, dtype),
                            copy=True)
        if device is None or devices.is_on(copied, device):
            return Tensor(copied, requires_grad=requires_grad)
        return placed(_array.to_numpy(copied), device, requires_grad)
    return placed(_host_array(data, dtype, copy=True), device, requires_grad)


def _host_array(data: Any, dtype: DTypeLike, copy: bool) -> np.ndarray:
    """`data` as a NumPy array with PyTorch's dtype rules for Python numbers (floats give the
    default float dtype, ints int64); a NumPy array keeps its dtype, and is shared when
    `copy` is False and no conversion is needed."""
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data, dtype=dtype, copy=copy or None)
    else:
        array = np.array(data, dtype=dtype)
        if dtype is None and array.dtype.kind == "f":
            array = array.astype(dtypes.get_default_dtype())
        elif dtype is None and array.dtype.kind in "iu":
            array = array.astype(np.int64)
    dtype_argument(array.dtype)
    return array


def as_tensor(data: Any, *, dtype: DTypeLike = None, device: Device = None) -> Tensor:
    """`data` as a tensor, sharing its memory when it can, as `torch.as_tensor`: a tensor of
    that dtype and device is returned itself, and a NumPy array of that dtype is wrapped
    without a copy; anything else is converted (lists follow `tensor`'s dtype rules).

    >>> import numpy as np, stir
    >>> values = np.zeros(2)
    >>> shared = stir.as_tensor(values); values[0] = 5.0
    >>> shared
    tensor([5., 0.], dtype=float64)
    """
    if isinstance(data, Tensor):
        moved = data if device is None or devices.is_on(data.array, device) else data.to(device)
        return moved if dtype is None or moved.dtype == np.dtype(dtype) else moved.to(dtype)
    if isinstance(data, np.ndarray) and device in (None, "cpu") and (
            device is not None or devices.get_default_device() == "cpu"):
        return Tensor(_host_array(data, dtype, copy=False))
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory (no copy), as `torch.from_numpy`."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a NumPy array, got {type(array).__name__}")
    dtype_argument(array.dtype)
    return Tensor(array)


def zeros(*sizes: Any, size: Any = None, dtype: DTypeLike = None, device: Device = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: `zeros(2, 3)`, `zeros((2, 3))` or `zeros(size=(2, 3))`."""
    shape = size_argument(sizes, size, "zeros")
    return placed(np.zeros(shape, dtype=dtype_argument(dtype)), device, requires_grad)


def ones(*sizes: Any, size: Any = None, dtype: DTypeLike = None, device: Device = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones: `ones(2, 3)`, `ones((2, 3))` or `ones(size=(2, 3))`."""
    shape = size_argument(sizes, size, "ones")
    return placed(np.ones(shape, dtype=dtype_argument(dtype)), device, requires_grad)


def empty(*sizes: Any, size: Any = None, dtype: DTypeLike = None, device: Device = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of the given shape whose values are not to be relied on, as `torch.empty`
    (stir fills it with zeros, so that no stale memory is ever read)."""
    shape = size_argument(sizes, size, "empty")
    return placed(np.zeros(shape, dtype=dtype_argument(dtype)), device, requires_grad)


def full(size: Sequence[int], fill_value: Any, *, dtype: DTypeLike = None,
         device: Device = None, requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with `fill_value`, as `torch.full`: without `dtype`, a bool
    fill gives bool, an int fill int64 and a float fill the default float dtype.

    >>> import stir
    >>> stir.full((2,), 3), stir.full((2,), 3.0), stir.full((), True)
    (tensor([3, 3]), tensor([3., 3.]), tensor(True))
    """
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full: size must be a tuple or list of ints, not "
                        f"{type(size).__name__} (write full(({size!r},), ...), as in PyTorch)")
    value, default = _fill(fill_value)
    array = np.full(size_argument((size,), name="full"), value, dtype=dtype_argument(dtype, default))
    return placed(array, device, requires_grad)


def _fill(value: Any) -> tuple[Any, np.dtype[Any]]:
    """A fill value as a Python number, and the dtype PyTorch gives it."""
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return bool(value), bool_
    if isinstance(value, (int, np.integer)):
        return int(value), int64
    if isinstance(value, (float, np.floating)):
        return float(value), dtypes.get_default_dtype()
    raise TypeError(f"full: fill_value must be a bool, int or float, got {value!r} "
                    "(stir has no complex tensors)")


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, dtype: DTypeLike = None,
           device: Device = None, requires_grad: bool = False) -> Tensor:
    """Values start, start + step, ... below `end`, as `torch.arange`: `arange(end)`,
    `arange(start, end, step)` or `arange(end=5)`. All-integer arguments give int64; any
    float gives the default float dtype.

    >>> import stir
    >>> stir.arange(5), stir.arange(1, 2.5, 0.5)
    (tensor([0, 1, 2, 3, 4]), tensor([1. , 1.5, 2. ]))
    """
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: the bounds {start} to {end} are inconsistent with the "
                           f"sign of step {step} (PyTorch refuses this too)")
    values = np.arange(start, end, step, dtype=np.int64 if integral else np.float64)
    kind = dtype_argument(dtype, int64 if integral else dtypes.get_default_dtype())
    return placed(values.astype(kind), device, requires_grad)


def eye(n: int, m: int | None = None, *, dtype: DTypeLike = None, device: Device = None,
        requires_grad: bool = False) -> Tensor:
    """The n × m identity matrix (m = n by default): 1 where row = column, else 0, as
    `torch.eye`.

    >>> import stir
    >>> stir.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    rows, columns = size_argument((n, n if m is None else m), name="eye")
    return placed(np.eye(rows, columns, dtype=dtype_argument(dtype)), device, requires_grad)


def is_tensor(obj: Any) -> bool:
    """Whether `obj` is a stir Tensor, as `torch.is_tensor`."""
    return isinstance(obj, Tensor)


def linspace(start: float, end: float, steps: int, *, dtype: DTypeLike = None,
             device: Device = None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included, as `torch.linspace`:
    start + k·(end − start)/(steps − 1) for k = 0 … steps − 1, in the default float dtype.

    >>> import stir
    >>> stir.linspace(0, 1, 5)
    tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    values = np.linspace(start, end, _steps("linspace", steps))
    return placed(values.astype(dtype_argument(dtype)), device, requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *,
             dtype: DTypeLike = None, device: Device = None,
             requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps), as `torch.logspace`.

    >>> import stir
    >>> stir.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    exponents = np.linspace(start, end, _steps("logspace", steps))
    return placed(np.power(float(base), exponents).astype(dtype_argument(dtype)), device,
                   requires_grad)


def _steps(name: str, steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"{name}: steps must be a non-negative integer, got {steps!r}")
    return int(steps)


# ----------------------------------------------------------------------------- *_like
def like_of(other: Tensor, host: np.ndarray, device: Device, requires_grad: bool) -> Tensor:
    """`host` as a tensor beside `other`: on other's device unless `device` says where, as
    PyTorch's *_like functions (they ignore the default device)."""
    if device is not None or _array.is_numpy(other.array):
        return placed(host, "cpu" if device is None else device, requires_grad)
    return Tensor(_array.beside(host, other.array), requires_grad=requires_grad)


def zeros_like(input: Tensor, *, dtype: DTypeLike = None, device: Device = None,
               requires_grad: bool = False) -> Tensor:
    """Zeros of input's shape, dtype and device (unless `dtype` or `device` says otherwise)."""
    return like_of(input, np.zeros(input.shape, dtype_argument(dtype, input.dtype)), device, requires_grad)


def ones_like(input: Tensor, *, dtype: DTypeLike = None, device: Device = None,
              requires_grad: bool = False) -> Tensor:
    """Ones of input's shape, dtype and device (unless `dtype` or `device` says otherwise)."""
    return like_of(input, np.ones(input.shape, dtype_argument(dtype, input.dtype)), device, requires_grad)


def empty_like(input: Tensor, *, dtype: DTypeLike = None, device: Device = None,
               requires_grad: bool = False) -> Tensor:
    """`empty` of input's shape and dtype (zeros, as `empty`)."""
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value: Any, *, dtype: DTypeLike = None,
              device: Device = None, requires_grad: bool = False) -> Tensor:
    """`fill_value` in input's shape, dtype and device: `full_like(int_tensor, 2.7)` holds 2,
    as in PyTorch."""
    value, _ = _fill(fill_value)
    host = np.full(input.shape, value, dtype=dtype_argument(dtype, input.dtype))
    return like_of(input, host, device, requires_grad)


def _legacy_constructor(name: str, dtype: Any) -> Any:
    """PyTorch's legacy typed constructor `name`: `LongTensor([1, 2])` holds the data as
    `dtype`, `FloatTensor(2, 3)` is a tensor of that shape (zeros here; uninitialized in
    PyTorch). A function in stir, not a type: `isinstance(x, stir.FloatTensor)` is not
    supported (ask `x.dtype`)."""
    def construct(*data: Any) -> Tensor:
        if len(data) == 1 and not isinstance(data[0], int):
            return tensor(data[0], dtype=dtype)
        return zeros(*data, dtype=dtype)
    construct.__name__ = construct.__qualname__ = name
    construct.__doc__ = (f"stir.{name}(data) or stir.{name}(*size): a {np.dtype(dtype)} "
                         f"tensor, as PyTorch's legacy constructor.")
    return construct


FloatTensor = _legacy_constructor("FloatTensor", np.float32)
DoubleTensor = _legacy_constructor("DoubleTensor", np.float64)
LongTensor = _legacy_constructor("LongTensor", np.int64)
IntTensor = _legacy_constructor("IntTensor", np.int32)
BoolTensor = _legacy_constructor("BoolTensor", np.bool_)
