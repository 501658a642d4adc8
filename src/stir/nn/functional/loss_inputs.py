"""How a loss checks its input and target before computing anything: one rule per check,
shared by every loss in `losses.py`, each error naming the loss the user called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...ops.losses import REDUCTIONS
from ...tensor import Tensor, as_tensor


def check_reduction(name: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def pair(name: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:
    """Input and target as tensors of one shape; the target takes the input's dtype (so a
    float32 loss stays float32 against float64 or integer targets)."""
    x = as_tensor(input)
    if x.dtype.kind != "f":
        raise ValueError(f"{name}: input must be floating point, got {x.dtype}")
    if not isinstance(target, Tensor) or target.dtype.kind != "f":
        target = Tensor(np.asarray(target.array if isinstance(target, Tensor) else target,
                                   dtype=x.dtype))
    elif target.dtype != x.dtype:
        target = target.to(x.dtype)
    if x.shape != target.shape:
        raise ValueError(
            f"{name}: input of shape {x.shape} and target of shape {target.shape} differ; "
            "broadcasting them would silently compare the wrong pairs"
        )
    return x, target


def check_finite(name: str, what: str, values: np.ndarray) -> None:
    if not np.isfinite(values).all():
        raise ValueError(f"{name}: {what} contains NaN or infinity")


def constant(name: str, what: str, value: Any, dtype: Any) -> np.ndarray | None:
    """A weight as a finite constant array of the input's dtype (None stays None)."""
    if value is None:
        return None
    array = np.asarray(value.array if isinstance(value, Tensor) else value, dtype=dtype)
    check_finite(name, what, array)
    return array


def class_weight(name: str, weight: Any, classes: int, dtype: Any) -> np.ndarray | None:
    array = constant(name, "weight", weight, dtype)
    if array is not None and array.shape != (classes,):
        raise ValueError(
            f"{name}: weight must hold one number per class, shape ({classes},); "
            f"got shape {array.shape}"
        )
    return array


def index_target(name: str, target: Any) -> np.ndarray:
    values = target.array if isinstance(target, Tensor) else np.asarray(target)
    if values.dtype.kind not in "iu":
        raise ValueError(
            f"{name}: target must be an integer tensor of class indices, got {values.dtype}"
        )
    return values


def broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape the given shapes broadcast to, or None when they do not."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def classes_of(name: str, x: Tensor) -> int:
    """The number of classes C of input (C,), (N, C) or (N, C, d1, ...)."""
    shape = x.shape
    if x.dtype.kind != "f" or not shape or shape[1 if len(shape) > 1 else 0] == 0:
        raise ValueError(f"{name}: input must be floating point of shape (C,), (N, C) or "
                         f"(N, C, d1, ...) with C >= 1; got {x.dtype} of shape {shape}")
    return shape[1] if len(shape) > 1 else shape[0]


def rows(x: Tensor) -> Tensor:
    """(C,), (N, C) or (N, C, d1, ...) as rows of C values: (1, C), (N, C), (N·d1·..., C)."""
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x.reshape(1, -1)
    return x.permute(0, *range(2, x.ndim), 1).reshape(-1, x.shape[1])


def index_rows(name: str, x: Tensor, target: np.ndarray) -> tuple[Tensor, np.ndarray, tuple]:
    """Rows of x, the target as one index per row, and the shape of one loss per sample."""
    if x.ndim == 2 and target.shape == x.shape[:1]:  # the common case, first
        return x, target, target.shape
    expected = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
    if target.shape != expected:
        raise ValueError(
            f"{name}: a class-index target for input of shape {x.shape} must have shape "
            f"{expected} (one index per sample); got {target.shape}"
        )
    return rows(x), target.reshape(-1), expected
