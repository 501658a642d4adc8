"""How a loss checks its input and target before computing anything: one rule per check,
shared by every loss in `losses.py`, each error naming the loss the user called.

Targets and constants (weights) given as Python numbers, lists or NumPy arrays are made
arrays beside the input, in its namespace and on its device (`beside`), so that a loss of an
array-API input (CuPy's, say) takes NumPy class indices and weights as PyTorch takes lists.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ... import _array
from ...ops.losses import REDUCTIONS
from ...tensor import Tensor, as_tensor


def check_reduction(name: str, reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    return losses.sum() if reduction == "sum" else losses


def beside(value: Any, x: Tensor, dtype: Any = None) -> Any:
    """`value` (a tensor, an array, a list or a number) as an array beside x's: in its
    namespace and on its device, in `dtype` (None keeps value's own)."""
    return _array.beside(value.array if isinstance(value, Tensor) else value, x.array, dtype)


def pair(name: str, input: Any, target: Any) -> tuple[Tensor, Tensor]:
    """Input and target as tensors of one shape; the target takes the input's dtype (so a
    float32 loss stays float32 against float64 or integer targets)."""
    x = as_tensor(input)
    if _array.kind(x.dtype) != "f":
        raise ValueError(f"{name}: input must be floating point, got {x.dtype}")
    if not isinstance(target, Tensor) or _array.kind(target.dtype) != "f":
        target = Tensor(beside(target, x, x.dtype))
    elif target.dtype != x.dtype:
        target = target.to(x.dtype)
    if x.shape != target.shape:
        raise ValueError(
            f"{name}: input of shape {tuple(x.shape)} and target of shape "
            f"{tuple(target.shape)} differ; broadcasting them would silently compare the "
            "wrong pairs"
        )
    return x, target


def check_finite(name: str, what: str, values: Any) -> None:
    if not every(_array.namespace(values).isfinite(values)):
        raise ValueError(f"{name}: {what} contains NaN or infinity")


def every(condition: Any) -> bool:
    """Whether a bool array is all true. On NumPy by the array's own method: `np.all` (which
    is `_array.NUMPY.all`) adds 0.6 µs of Python to it."""
    if _array.is_numpy(condition):
        return bool(condition.all())
    return bool(_array.namespace(condition).all(condition))


def constant(name: str, what: str, value: Any, x: Tensor) -> Any:
    """A weight as a finite constant array of the input x's dtype, beside it (None stays
    None)."""
    if value is None:
        return None
    array = beside(value, x, x.dtype)
    check_finite(name, what, array)
    return array


def class_weight(name: str, weight: Any, classes: int, x: Tensor) -> Any:
    array = constant(name, "weight", weight, x)
    if array is not None and array.shape != (classes,):
        raise ValueError(
            f"{name}: weight must hold one number per class, shape ({classes},); "
            f"got shape {tuple(array.shape)}"
        )
    return array


def index_target(name: str, target: Any, x: Tensor) -> Any:
    """The class indices of `target` as an integer array beside the input x's."""
    values = target.array if isinstance(target, Tensor) else _array.as_array(target)
    if _array.kind(values.dtype) not in "iu":
        raise ValueError(
            f"{name}: target must be an integer tensor of class indices, got {values.dtype}"
        )
    if type(values) is not type(x.array):  # e.g. NumPy indices for logits on a GPU
        values = beside(values, x)
    return values


def broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...] | None:
    """The shape the given shapes broadcast to, or None when they do not."""
    ndim = max((len(shape) for shape in shapes), default=0)
    padded = [(1,) * (ndim - len(shape)) + tuple(shape) for shape in shapes]
    result = []
    for sizes in zip(*padded):
        stretched = set(sizes) - {1}
        if len(stretched) > 1:
            return None
        result.append(stretched.pop() if stretched else 1)
    return tuple(result)


def number(value: Any) -> Any:
    """One element of an array as an error message shows it: a NumPy scalar as it is (it
    prints as its dtype's shortest repr), another namespace's as a Python number."""
    if _array.is_numpy(value):
        return value
    return float(value) if _array.kind(value.dtype) == "f" else int(value)


def distinct(values: Any) -> Any:
    """The sorted distinct values of an array, as an error message shows them: NumPy's
    `unique` (_array.NUMPY has no unique_values), else a list of Python numbers."""
    if _array.is_numpy(values):
        return np.unique(values)
    xp = _array.namespace(values)
    found = xp.sort(xp.unique_values(values))
    return [number(found[i]) for i in range(found.shape[0])]


def classes_of(name: str, x: Tensor) -> int:
    """The number of classes C of input (C,), (N, C) or (N, C, d1, ...)."""
    shape = x.shape
    if _array.kind(x.dtype) != "f" or not shape or shape[1 if len(shape) > 1 else 0] == 0:
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


def index_rows(name: str, x: Tensor, target: Any) -> tuple[Tensor, Any, tuple]:
    """Rows of x, the target as one index per row, and the shape of one loss per sample."""
    if x.ndim == 2 and target.shape == x.shape[:1]:  # the common case, first
        return x, target, target.shape
    expected = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
    if target.shape != expected:
        raise ValueError(
            f"{name}: a class-index target for input of shape {tuple(x.shape)} must have shape "
            f"{tuple(expected)} (one index per sample); got {tuple(target.shape)}"
        )
    return rows(x), _array.namespace(target).reshape(target, (-1,)), expected


def legacy_reduction(name: str, size_average: Any, reduce: Any, reduction: str) -> str:
    """The reduction PyTorch's deprecated `size_average` and `reduce` arguments ask for, read
    by PyTorch's rule (with its warning); `reduction` itself when both are None.

    A string where `size_average` goes is stir's older positional `reduction`
    (`F.mse_loss(x, t, "sum")`; for cross_entropy, the settings after it in stir's older
    order too): PyTorch would read it as size_average=True and compute the mean, so stir
    warns rather than silently give either answer."""
    if size_average is None and reduce is None:
        check_reduction(name, reduction)
        return reduction
    if isinstance(size_average, str):
        check_reduction(name, size_average)
        if reduce is not None:
            raise TypeError(f"{name}: reduction given twice, as {size_average!r} where PyTorch "
                            f"has size_average and as reduce={reduce!r}; pass reduction= by "
                            "keyword")
        warnings.warn(
            f"{name}: the positional argument {size_average!r} is read as "
            f"reduction={size_average!r} (stir's older order); in PyTorch that position is "
            "the deprecated size_average, and a string there gives the mean: pass "
            "reduction= and the settings after it by keyword",
            UserWarning, stacklevel=3)
        return size_average
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    legacy = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{legacy}' instead.", UserWarning, stacklevel=3)
    return legacy


def elementwise_weight(name: str, weight: Any, x: Tensor) -> Any:
    """A weight of the input's shape (PyTorch 2.13's `weight=` of the regression losses) as
    a constant array, or None."""
    array = constant(name, "weight", weight, x)
    if array is not None and array.shape != x.shape:
        raise ValueError(f"{name}: weights and input must have the same size; got weight of "
                         f"shape {tuple(array.shape)} for input of shape {tuple(x.shape)}")
    return array
