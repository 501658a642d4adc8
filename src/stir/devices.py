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


def is_device_name(value: Any) -> bool:
    """Whether `value` names a device ("cpu", "cuda", "cuda:1") rather than a dtype."""
    return isinstance(value, str) and (value == "cpu" or value.split(":")[0] == "cuda")


def device_name(where: Any) -> str:
    """A device as stir names it: "cpu" for NumPy's, "cuda" or "cuda:N" for CuPy's, else as
    the backend prints it."""
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
