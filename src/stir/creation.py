"""Making tensors: `tensor`, `zeros`, `ones`, `empty`, `full`, `eye`, `arange`, `linspace`,
`logspace`, `randn`, `rand`, `*_like`; `is_tensor`."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import _array, devices, dtypes
from . import random as _random
from ._types import DTypeLike
from .dtypes import bool_, int64
from .tensor import Tensor


def _dtype(dtype: DTypeLike, default: np.dtype[Any] | None = None) -> np.dtype[Any]:
    """`dtype` resolved and checked; None gives `default`, or the default float dtype."""
    if dtype is None:
        return dtypes.get_default_dtype() if default is None else default
    resolved = np.dtype(dtype)
    if resolved.kind not in "fiub":
        raise TypeError(f"stir tensors are float, integer or bool; {resolved} is not supported")
    return resolved


def _size(size: Sequence[Any]) -> tuple[int, ...]:
    """zeros(2, 3) and zeros((2, 3)) both mean the shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if any(not isinstance(n, (int, np.integer)) or n < 0 for n in size):
        raise ValueError(f"a size must be non-negative integers, got {tuple(size)}")
    return tuple(int(n) for n in size)


def _made(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad)


def tensor(data: Any, dtype: DTypeLike = None, requires_grad: bool = False,
           device: str | None = None) -> Tensor:
    """A new tensor holding a copy of `data` (nested lists, numbers, arrays or tensors),
    on `device` ("cpu", the default: NumPy; "cuda" with CuPy and a GPU).

    Python floats give float32, ints int64 and bools bool; a NumPy array keeps its dtype,
    and an array of another array-API library stays one (a copy, on its own device).

    >>> import stir
    >>> stir.tensor([[1, 2], [3, 4]]).dtype, stir.tensor([0.5]).dtype
    (dtype('int64'), dtype('float32'))
    """
    if isinstance(data, Tensor):
        data = data.array
    if device is not None and not devices.is_device_name(device):
        raise ValueError(f"tensor: unknown device {device!r}; stir knows 'cpu' and 'cuda'")
    if not _array.is_numpy(data) and hasattr(data, "__array_namespace__"):
        xp = _array.namespace(data)
        copied = xp.asarray(data, dtype=None if dtype is None else _array.dtype_in(data, dtype),
                            copy=True)
        made = _made(copied, requires_grad)
        return made if device is None or devices.is_on(copied, device) else _on(made, device)
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data, dtype=dtype, copy=True)
    else:
        array = np.array(data, dtype=dtype)
        if dtype is None and array.dtype.kind == "f":
            array = array.astype(dtypes.get_default_dtype())
        elif dtype is None and array.dtype.kind in "iu":
            array = array.astype(np.int64)
    _dtype(array.dtype)
    if device is not None and device != "cpu":
        return _on(Tensor(array), device, requires_grad)
    return _made(array, requires_grad)


def _on(made: Tensor, device: str, requires_grad: bool | None = None) -> Tensor:
    """`made` moved to `device`, a leaf there (the move is not part of any graph)."""
    moved = Tensor(devices.to_device(made.array, devices.device_name(device)))
    moved.requires_grad = made.requires_grad if requires_grad is None else requires_grad
    return moved


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory (no copy), as `torch.from_numpy`."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a NumPy array, got {type(array).__name__}")
    _dtype(array.dtype)
    return Tensor(array)


def zeros(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _made(np.zeros(_size(size), dtype=_dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    return _made(np.ones(_size(size), dtype=_dtype(dtype)), requires_grad)


def full(size: Sequence[int], fill_value: float, dtype: DTypeLike = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with `fill_value` (its dtype follows the value, as in PyTorch)."""
    default = bool_ if isinstance(fill_value, bool) else (
        int64 if isinstance(fill_value, (int, np.integer)) else dtypes.get_default_dtype())
    return _made(np.full(_size((size,)), fill_value, dtype=_dtype(dtype, default)), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: DTypeLike = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); integers give int64, floats float32."""
    if end is None:
        start, end = 0, start
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    default = int64 if integral else dtypes.get_default_dtype()
    return _made(np.arange(start, end, step).astype(_dtype(dtype, default)), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: DTypeLike = None,
        requires_grad: bool = False) -> Tensor:
    """The n × m identity matrix (m = n by default): 1 where row = column, else 0, as
    `torch.eye`.

    >>> import stir
    >>> stir.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    rows, columns = _size((n, n if m is None else m))
    return _made(np.eye(rows, columns, dtype=_dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given shape whose values are not to be relied on, as `torch.empty`
    (stir fills it with zeros, so that no stale memory is ever read)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def empty_like(other: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """`empty` of other's shape and dtype (zeros, as `empty`)."""
    return zeros_like(other, dtype=dtype, requires_grad=requires_grad)


def is_tensor(obj: Any) -> bool:
    """Whether `obj` is a stir Tensor, as `torch.is_tensor`."""
    return isinstance(obj, Tensor)


def linspace(start: float, end: float, steps: int, *, dtype: DTypeLike = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included, as `torch.linspace`:
    start + k·(end − start)/(steps − 1) for k = 0 … steps − 1, in the default float dtype.

    >>> import stir
    >>> stir.linspace(0, 1, 5)
    tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    return _made(np.linspace(start, end, _steps("linspace", steps)).astype(_dtype(dtype)),
                 requires_grad)


def logspace(start: float, end: float, steps: int, base: float = 10.0, *,
             dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps), as `torch.logspace`.

    >>> import stir
    >>> stir.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    exponents = np.linspace(start, end, _steps("logspace", steps))
    return _made(np.power(float(base), exponents).astype(_dtype(dtype)), requires_grad)


def _steps(name: str, steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"{name}: steps must be a non-negative integer, got {steps!r}")
    return int(steps)


def randn(*size: Any, generator: _random.Generator | None = None, dtype: DTypeLike = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples of the given shape."""
    samples = _random.resolve(generator).standard_normal(_size(size))
    return _made(samples.astype(_dtype(dtype)), requires_grad)


def rand(*size: Any, generator: _random.Generator | None = None, dtype: DTypeLike = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of the given shape."""
    samples = _random.resolve(generator).random(_size(size))
    return _made(samples.astype(_dtype(dtype)), requires_grad)


def _like(other: Tensor, dtype: DTypeLike) -> tuple[tuple[int, ...], np.dtype[Any]]:
    return other.shape, _dtype(dtype, other.dtype)


def zeros_like(other: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    shape, kind = _like(other, dtype)
    return zeros(shape, dtype=kind, requires_grad=requires_grad)


def ones_like(other: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    shape, kind = _like(other, dtype)
    return ones(shape, dtype=kind, requires_grad=requires_grad)


def full_like(other: Tensor, fill_value: float, dtype: DTypeLike = None,
              requires_grad: bool = False) -> Tensor:
    shape, kind = _like(other, dtype)
    return full(shape, fill_value, dtype=kind, requires_grad=requires_grad)


def randn_like(other: Tensor, dtype: DTypeLike = None, requires_grad: bool = False,
               generator: _random.Generator | None = None) -> Tensor:
    shape, kind = _like(other, dtype)
    return randn(shape, dtype=kind, requires_grad=requires_grad, generator=generator)


def rand_like(other: Tensor, dtype: DTypeLike = None, requires_grad: bool = False,
              generator: _random.Generator | None = None) -> Tensor:
    shape, kind = _like(other, dtype)
    return rand(shape, dtype=kind, requires_grad=requires_grad, generator=generator)
