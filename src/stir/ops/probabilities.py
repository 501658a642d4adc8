"""The softmax and log-softmax along one dimension, as PyTorch's `x.softmax(dim)`,
`torch.softmax` and `F.softmax` compute them: the dimension checked, `dtype=` applied first,
integer inputs refused (unless empty: PyTorch checks in a kernel that does not run), and an
empty dimension giving an empty result. The formulas are on
`stir.nn.functional.softmax` and `log_softmax`; the primitives in `activations.py`.
"""

from __future__ import annotations

from typing import Any

from .. import _array
from ..tensor import Tensor, as_tensor
from .activations import LogSoftmax, Softmax
from .reductions import normalize_axes


def _prepared(name: str, x: Any, dim: Any, dtype: Any) -> tuple[Tensor, tuple[int, ...]]:
    x = as_tensor(x)
    if dtype is not None:
        x = x.to(dtype)
    if not _array.is_floating(x.array) and x.numel():  # (PyTorch checks in its kernel)
        raise NotImplementedError(f'"{name}" not implemented for \'{x.dtype}\' (as in '
                                  "PyTorch: pass dtype=stir.float, or convert the input with "
                                  ".float() first)")
    if not hasattr(dim, "__index__") or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return x, normalize_axes(dim, x.ndim)


def softmax(x: Any, dim: Any, *, dtype: Any = None) -> Tensor:
    """e^x / Σ e^x along `dim` (an empty dimension gives an empty result)."""
    x, axes = _prepared("softmax", x, dim, dtype)
    if x.numel() == 0:
        return x.clone()
    return Softmax.apply(x, axes)


def log_softmax(x: Any, dim: Any, *, dtype: Any = None) -> Tensor:
    """x - log Σ e^x along `dim` (an empty dimension gives an empty result)."""
    x, axes = _prepared("log_softmax", x, dim, dtype)
    if x.numel() == 0:
        return x.clone()
    return LogSoftmax.apply(x, axes)
