"""Counting, as PyTorch's: histc, histogram and bincount. None is differentiable (PyTorch
gives them no derivative either): each returns a tensor outside the graph.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

from .. import _array
from ..tensor import Tensor
from . import return_types


def _floating(name: str, x: Tensor) -> None:
    if not _array.is_floating(x.array):
        raise NotImplementedError(f'"{name}" not implemented for \'{x.dtype}\' (as in '
                                  "PyTorch: convert the input with .float() first)")


def _counts(x: Any, edges: Any, weight: Any) -> Any:
    """How many entries of the flat array x (or how much weight) fall in each bin between
    consecutive `edges`: [e_i, e_i+1), the last bin closed; entries outside (and NaN) are
    left out."""
    xp = _array.namespace(x)
    bins = edges.shape[0] - 1
    inside = (x >= edges[0]) & (x <= edges[-1])
    searchsorted = _array.maths.standard_function(edges, "searchsorted")
    position = xp.astype(searchsorted(edges, x, side="right"), _array.dtype_in(x, "int64")) - 1
    position = xp.where(position >= bins, bins - 1, position)
    kept = xp.where(inside, position, bins)  # bin `bins` collects the entries left out
    if weight is not None:
        weight = xp.where(inside, weight, xp.zeros((), dtype=weight.dtype))
    counts = _array.maths.bincount(kept, bins + 1, weight)[:bins]
    return xp.astype(counts, x.dtype if weight is None else weight.dtype)


def _data_range(name: str, flat: Any, low: float, high: float) -> tuple[float, float]:
    """[low, high], or the data's own range when both are 0 (empty data: [0, 0])."""
    xp = _array.namespace(flat)
    if low == high == 0 and flat.shape[0]:
        low, high = float(xp.min(flat)), float(xp.max(flat))
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.{name}: range of [{low:g}, {high:g}] is not finite")
    if low > high:
        raise RuntimeError(f"torch.{name}: max must be larger than min")
    return low, high


def _edges(flat: Any, low: float, high: float, bins: int) -> Any:
    linspace = _array.maths.standard_function(flat, "linspace")
    return linspace(low, high, bins + 1, dtype=flat.dtype, device=_array.device(flat))


def histc(x: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts of x's entries in `bins` equal bins over [min, max] (x's own range when both
    are 0; widened by 1 each way when it is a single point), in x's dtype; entries outside
    are ignored, and max falls in the last bin.

    >>> import stir
    >>> stir.histc(stir.tensor([1.0, 2.0, 1.0]), bins=4, min=0, max=3)
    tensor([0., 2., 1., 0.])
    """
    _floating("histogram_cpu", x)
    if int(bins) <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    xp = _array.namespace(x.array)
    flat = xp.reshape(x.array, (-1,))
    low, high = _data_range("histc", flat, float(min), float(max))
    if low == high:
        low, high = low - 1, high + 1
    edges = _edges(flat, low, high, int(bins))
    return Tensor(_counts(flat, edges, None))


def histogram(x: Tensor, bins: Any = 100, *, range: Any = None, weight: Any = None,
              density: bool = False) -> return_types.histogram:
    """(hist, bin_edges): counts (or summed `weight`) of x's entries in the bins between
    consecutive edges, the last bin closed; `bins` an int (equal bins over `range`, by
    default x's range, widened by 0.5 each way when a single point) or a 1-d tensor of
    increasing edges. With `density`, counts divided by total count and bin width.

    >>> import stir
    >>> stir.histogram(stir.tensor([1.0, 2.0, 1.0]), bins=2)
    histogram(hist=tensor([2., 1.]), bin_edges=tensor([1. , 1.5, 2. ]))
    """
    _floating("histogram_cpu", x)
    xp = _array.namespace(x.array)
    flat = xp.reshape(x.array, (-1,))
    if isinstance(bins, Tensor):
        edges = _array.beside(bins.array, flat, x.array.dtype)
        if edges.ndim != 1 or edges.shape[0] < 2:
            raise RuntimeError("torch.histogram(): bins tensor should have one dimension "
                               f"and at least 2 elements, but got shape {list(bins.shape)}")
    else:
        if int(bins) <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins}")
        low, high = (0.0, 0.0) if range is None else (float(range[0]), float(range[1]))
        low, high = _data_range("histogram", flat, low, high)
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = _edges(flat, low, high, int(bins))
    weights = None
    if weight is not None:
        weights = xp.reshape(_array.beside(weight.array, flat, x.array.dtype), (-1,))
        if weights.shape != flat.shape:
            raise RuntimeError("torch.histogram(): if weight tensor is provided it should "
                               "have the same shape as the input tensor")
    hist = _counts(flat, edges, weights)
    if density:
        hist = hist / (xp.sum(hist) * (edges[1:] - edges[:-1]))
    return return_types.histogram(Tensor(hist), Tensor(edges))


def bincount(x: Tensor, weights: Any = None, minlength: int = 0) -> Tensor:
    """How often each of 0, 1, …, max(x) occurs in the 1-d non-negative integer tensor x
    (at least `minlength` counts), int64; with `weights`, their sums per value (float64,
    or float32 for float32 weights).

    >>> import stir
    >>> stir.bincount(stir.tensor([1, 1, 3]))
    tensor([0, 2, 0, 1])
    """
    array = x.array
    if _array.kind(array.dtype) not in "iu":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{x.dtype}\' (as in '
                                  "PyTorch: it counts integers)")
    xp = _array.namespace(array)
    if array.ndim != 1 or (array.shape[0] and int(xp.min(array)) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if int(minlength) < 0:
        raise RuntimeError("minlength should be >= 0")
    length = builtins.max(int(minlength), int(xp.max(array)) + 1 if array.shape[0] else 0)
    if weights is None:
        return Tensor(_array.maths.bincount(array, length))
    values = _array.beside(weights.array if isinstance(weights, Tensor) else weights, array)
    if values.shape != array.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    dtype = "float32" if str(values.dtype).endswith("float32") else "float64"
    values = xp.astype(values, _array.dtype_in(values, dtype))
    return Tensor(xp.astype(_array.maths.bincount(array, length, values),
                            _array.dtype_in(values, dtype)))

