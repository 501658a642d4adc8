"""Devices: "cpu" is NumPy on the host; "cuda" (or "cuda:N") is CuPy on a GPU, when CuPy is
installed and sees one, and otherwise one sentence that says what is missing.

A tensor's device is its array's: moving it (`Tensor.to("cuda")`, `.cpu()`) copies the
array to the other device, through `stir.ops.Transfer`, so gradients come back. Arrays of
any array-API library (array-api-strict's devices in the tests) move the same way.

>>> is_device_name("cuda:1"), is_device_name("float32")
(True, False)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _array


class device:  # noqa: N801  (PyTorch's name: torch.device)
    """A device by name, as `torch.device`: `device("cpu")`, `device("cuda")`,
    `device("cuda:1")` or `device("cuda", 1)`; accepted wherever a device name is, and equal
    to its name.

    >>> import stir
    >>> stir.device("cuda" if stir.cuda.is_available() else "cpu")
    device(type='cpu')
    >>> stir.device("cuda", 1) == "cuda:1"
    True
    """

    __slots__ = ("type", "index")

    def __init__(self, name: Any, index: int | None = None) -> None:
        if isinstance(name, device):
            name, index = name.type, name.index if index is None else index
        if not isinstance(name, str):
            raise TypeError(f"device: expected a name such as 'cpu' or 'cuda', got {name!r}")
        kind, _, number = name.partition(":")
        if kind not in ("cpu", "cuda") or (number and not number.isdigit()):
            raise ValueError(f"unknown device {name!r}: stir knows 'cpu' and 'cuda'")
        if number:
            if index is not None:
                raise ValueError(f"device: {name!r} already has an index; pass index only "
                                 "with a bare type")
            index = int(number)
        if index is not None and (not isinstance(index, int) or index < 0 or kind == "cpu"):
            raise ValueError(f"device: index {index!r} is not valid for {kind!r}")
        self.type, self.index = kind, index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (device, str)):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))


_default: list[device] = [device("cpu")]  # the one setting, changed in place


def set_default_device(where: Any) -> None:
    """Make new tensors land on `where` ("cpu", "cuda", "cuda:N", a `stir.device`, or None for
    the CPU) when a constructor is not given `device=`, as `torch.set_default_device`. As in
    PyTorch, the name is checked now and the device when a tensor is made there (so "cuda"
    without CuPy and a GPU fails at the first `stir.zeros`, with the sentence that says why).

    >>> import stir
    >>> stir.set_default_device("cpu"); stir.get_default_device()
    device(type='cpu')
    """
    _default[0] = device("cpu" if where is None else where)


def get_default_device() -> device:
    """The device new tensors land on when not given `device=` (see `set_default_device`)."""
    return _default[0]


def is_device_name(value: Any) -> bool:
    """Whether `value` names a device ("cpu", "cuda", "cuda:1", or a `device`) rather than a
    dtype."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and (value == "cpu" or value.split(":")[0] == "cuda")


def device_name(where: Any) -> str:
    """A device as stir names it: "cpu" for NumPy's, "cuda" or "cuda:N" for CuPy's, else as
    the backend prints it."""
    if isinstance(where, device):
        return str(where)
    if isinstance(where, str):
        if not is_device_name(where):
            raise ValueError(f"unknown device {where!r}: stir knows 'cpu' and 'cuda'")
        return where
    number = getattr(where, "id", None)  # a CuPy device
    return f"cuda:{number}" if isinstance(number, int) else str(where)


def is_on(x: Any, where: Any) -> bool:
    """Whether the array `x` is on the device `where`."""
    here = device_name(_array.device(x))
    wanted = device_name(where)
    return here == wanted or (wanted == "cuda" and here.startswith("cuda"))


def to_device(x: Any, where: Any, xp: Any = None) -> Any:
    """A copy of the array `x` on the device `where`: "cpu", "cuda[:N]", or a device of the
    namespace `xp` (where an array of xp came from, to send its gradient back)."""
    if isinstance(where, device):
        where = str(where)
    if where == "cpu":
        return np.array(_array.to_numpy(x))
    if not isinstance(where, str):
        return xp.asarray(_array.to_numpy(x), copy=True, device=where)
    cupy = _cupy(where)
    with cupy.cuda.Device(int(where.partition(":")[2] or 0)):
        on_gpu = hasattr(x, "__cuda_array_interface__")
        return cupy.asarray(x if on_gpu else _array.to_numpy(x))


def _cupy(where: str) -> Any:
    """CuPy, when it is installed and sees a GPU; else the one sentence that says why not."""
    try:
        import cupy
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # ImportError, or CUDA's own error without a driver or GPU
        reason = "CuPy is not installed" if isinstance(error, ImportError) else (
            f"CuPy finds no CUDA GPU ({type(error).__name__})")
        raise RuntimeError(f"device {where!r} needs CuPy and a CUDA GPU, and {reason}; "
                           "stir runs on the CPU with NumPy otherwise") from None
    if count == 0:
        raise RuntimeError(f"device {where!r} needs a CUDA GPU, and CuPy finds none")
    _array.register(cupy.ndarray, cupy)  # CuPy's module follows NumPy's names and the standard's
    return cupy


def cuda_is_available() -> bool:
    """Whether "cuda" can be used: CuPy is installed and sees a GPU (`stir.cuda.is_available`)."""
    try:
        _cupy("cuda")
    except RuntimeError:
        return False
    return True


def cuda_device_count() -> int:
    """How many GPUs CuPy sees; 0 without CuPy (`stir.cuda.device_count`)."""
    if not cuda_is_available():
        return 0
    import cupy
    return int(cupy.cuda.runtime.getDeviceCount())
