"""Resampling, as PyTorch's `F.interpolate`: nearest and (bi/tri)linear, one spatial axis at a
time (linear interpolation is separable), each a composite of `index_select` gathers and
products with constant weights, so its gradient is theirs: a scatter-add of the weighted
output gradient onto the input elements each output read."""

from __future__ import annotations

import math
import numbers
from typing import Any, Sequence

import numpy as np

from ... import _array, ops
from ...tensor import Tensor, as_tensor

#: The modes stir has, and the input rank each interpolating mode needs (nearest takes any).
MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear")
LINEAR_RANK = {"linear": 3, "bilinear": 4, "trilinear": 5}
SHAPES = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}


def interpolate(input: Any, size: int | Sequence[int] | None = None,
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample the spatial dimensions of an (N, C, L), (N, C, H, W) or (N, C, D, H, W)
    input to `size`, or to floor(in · scale_factor), as PyTorch. For each spatial axis of
    input size n and output size m, with s = 1/scale_factor when a scale is given (and not
    recomputed), else n/m, output index i reads:

    - "nearest": input index min(⌊i·s⌋, n-1) (PyTorch's legacy rule, s in float32; i
      itself when m = n and ⌊i/2⌋ when m = 2n, as PyTorch);
      "nearest-exact": min(⌊(i + ½)·s⌋, n-1);
    - "linear" (3-D), "bilinear" (4-D), "trilinear" (5-D): source x = (i + ½)·s - ½ clamped
      at 0, or x = i·(n-1)/(m-1) with `align_corners=True`; then
      y_i = (1-λ)·input[⌊x⌋] + λ·input[min(⌊x⌋+1, n-1)] with λ = x - ⌊x⌋, axis after axis.

    The gradient with respect to the input adds each output's gradient, times its weight,
    to the elements it read.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x = stir.tensor([[[1.0, 2.0, 4.0]]])
    >>> F.interpolate(x, scale_factor=2)
    tensor([[[1., 1., 2., 2., 4., 4.]]])
    >>> F.interpolate(x, size=5, mode="linear", align_corners=True)
    tensor([[[1. , 1.5, 2. , 3. , 4. ]]])
    """
    x = as_tensor(input)
    _check_mode(x, mode, align_corners, antialias)
    sizes, scales = _output(x, size, scale_factor, recompute_scale_factor)
    for axis in range(x.ndim - 1, 1, -1):  # the last axis first, as PyTorch sums
        spatial = axis - 2
        n, m = x.shape[axis], sizes[spatial]
        if mode.startswith("nearest"):
            if n != m:  # (an output of the input's size is the input, in PyTorch too)
                x = _repeat_or_take(x, axis, _nearest(n, m, scales[spatial], mode))
        else:
            x = _linear(x, axis, m, scales[spatial], bool(align_corners))
    return x


def _check_mode(x: Tensor, mode: Any, align_corners: Any, antialias: Any) -> None:
    if mode in ("bicubic", "area"):
        raise NotImplementedError(f"interpolate: mode {mode!r} is not in stir (it has "
                                  f"{', '.join(MODES)})")
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"interpolate: mode must be one of {', '.join(MODES)}; got {mode!r}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not in stir")
    if mode.startswith("nearest") and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | trilinear")
    if align_corners is not None and not isinstance(align_corners, (bool, np.bool_)):
        raise TypeError(f"interpolate: align_corners must be True, False or None; got "
                        f"{align_corners!r}")
    if x.ndim not in SHAPES:
        raise ValueError(f"interpolate: expected input of shape (N, C, L), (N, C, H, W) or "
                         f"(N, C, D, H, W), got {tuple(x.shape)}")
    if not mode.startswith("nearest") and _array.kind(x.array.dtype) != "f":
        raise TypeError(f"interpolate: {mode} mode needs a floating-point input, got "
                        f"{x.dtype}")
    rank = LINEAR_RANK.get(mode, x.ndim)
    if rank != x.ndim:
        raise ValueError(f"interpolate: {mode} mode needs input of shape {SHAPES[rank]}, got "
                         f"{tuple(x.shape)}")


def _per_axis(value: Any, count: int, name: str, kind: type) -> list[Any]:
    """`value` once per spatial axis: a number repeated, or a sequence of `count` numbers."""
    values = list(value) if isinstance(value, (tuple, list)) else [value] * count
    if len(values) != count:
        raise ValueError(f"interpolate: input and output must have the same number of spatial "
                         f"dimensions, but got {count} spatial dimension(s) and {name} "
                         f"{tuple(values)}")
    for item in values:
        if isinstance(item, bool) or not isinstance(item, kind):
            raise TypeError(f"interpolate: {name} must be a number or a sequence of numbers, "
                            f"got {value!r}")
    return values


def _output(x: Tensor, size: Any, scale_factor: Any, recompute: Any
            ) -> tuple[list[int], list[float | None]]:
    """The output size of each spatial axis, and the scale PyTorch computes indices with
    (None: from the sizes)."""
    count = x.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                             "explicit size")
        sizes = [int(n) for n in _per_axis(size, count, "size", numbers.Integral)]
        scales: list[float | None] = [None] * count
    elif scale_factor is not None:
        factors = [float(s) for s in _per_axis(scale_factor, count, "scale_factor",
                                                numbers.Real)]
        if not all(math.isfinite(s) and s > 0 for s in factors):
            raise ValueError(f"interpolate: scale_factor must be positive, got {scale_factor}")
        sizes = [math.floor(n * s) for n, s in zip(x.shape[2:], factors)]
        scales = [None] * count if recompute else list(factors)
    else:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    if not all(m > 0 for m in sizes):
        raise ValueError(f"interpolate: input and output sizes should be greater than 0, but "
                         f"got input {tuple(x.shape[2:])} and output {tuple(sizes)}")
    return sizes, scales


def _nearest(n: int, m: int, scale: float | None, mode: str) -> np.ndarray:
    """The input index each of m outputs reads, in PyTorch's float32 arithmetic."""
    if mode == "nearest" and m == 2 * n:
        # PyTorch's legacy shortcut, whatever the scale (its 2-D kernel and every backward;
        # its 1-D and 3-D forward kernels skip it, disagreeing with their own gradients).
        return np.arange(m) // 2
    s = np.float32(1.0 / scale) if scale else np.float32(n) / np.float32(m)
    i = np.arange(m, dtype=np.float32)
    source = np.floor((i + np.float32(0.5)) * s if mode == "nearest-exact" else i * s)
    return np.minimum(source.astype(np.int64), n - 1)


def _take(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """The slices `index` of x along `axis`. On NumPy, one gather along the leading axis by
    a single index array (stir.compile can compare that argument between two calls, not a
    tuple holding arrays); the array standard indexes every axis, as index_select does."""
    if not _array.is_numpy(x.array):
        return ops.index_select(x, axis, index)
    return ops.movedim(ops.getitem(ops.movedim(x, axis, 0), index), 0, axis)


def _repeat_or_take(x: Tensor, axis: int, index: np.ndarray) -> Tensor:
    """`_take`, or when each input slice is read k times in a row (an integer upscale), the
    slices broadcast k times: a copy with no gather, whose gradient is a sum."""
    n, m = x.shape[axis], len(index)
    if m % n or not np.array_equal(index, np.arange(m) // (m // n)):
        return _take(x, axis, index)
    wide = x.shape[:axis + 1] + (m // n,) + x.shape[axis + 1:]
    return x.unsqueeze(axis + 1).broadcast_to(wide).reshape(
        x.shape[:axis] + (m,) + x.shape[axis + 1:])


def _linear(x: Tensor, axis: int, m: int, scale: float | None, align_corners: bool) -> Tensor:
    """x resampled to m entries along `axis` by linear interpolation: two gathers, weighted."""
    n = x.shape[axis]
    # PyTorch computes the source positions in the input's own precision (float for float32).
    real = np.float32 if x.array.dtype == _array.namespace(x.array).float32 else np.float64
    i = np.arange(m, dtype=real)
    if align_corners:
        source = i * real((n - 1) / (m - 1) if m > 1 else 0)
    else:
        s = real(1.0 / scale) if scale else real(n) / real(m)
        source = np.maximum((i + real(0.5)) * s - real(0.5), real(0))
    low = np.minimum(source.astype(np.int64), n - 1)
    high = np.minimum(low + 1, n - 1)
    weight = np.clip(source - low, 0, 1).astype(real)
    array = x.array
    shape = (1,) * axis + (m,) + (1,) * (x.ndim - axis - 1)

    def constant(values: np.ndarray) -> Tensor:
        return Tensor(_array.beside(values.reshape(shape), array, array.dtype))

    return (_take(x, axis, low) * constant(1 - weight)
            + _take(x, axis, high) * constant(weight))
