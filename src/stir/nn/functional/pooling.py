"""Pooling, as PyTorch's `F.max_pool1d/2d`, `F.avg_pool1d/2d`, `F.adaptive_avg_pool1d/2d`
and `F.adaptive_max_pool1d/2d`: a summary (the largest entry, the mean) of each window over
the last one or two axes, batched (N, C, *spatial) or not (C, *spatial).

Along an axis of size S, with kernel k, stride s, padding p and dilation d, there are
    out = ⌊(S + 2p − d·(k − 1) − 1) / s⌋ + 1
windows (⌈·⌉ with `ceil_mode`, dropping a last window that would start in the right
padding); window o reads the entries o·s − p + i·d, i = 0 … k−1. The checks and their
messages are PyTorch's rules in stir's words; the primitives are in `stir.ops.pooling`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import _array
from ...grad_mode import is_grad_enabled
from ...ops.pooling import AvgPool, Geometry, MaxPool, first_maxima, indices_of
from ...tensor import Tensor, as_tensor

_AXES = {1: "L", 2: "H, W"}


def _ints(name: str, what: str, value: Any, spatial: int) -> tuple[int, ...]:
    """An int or a tuple of 1 or `spatial` ints, as one int per pooled axis."""
    parts = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in parts):
        raise TypeError(f"{name}: {what} must be an int or a tuple of ints, got {value!r}")
    if len(parts) == 1:
        parts = parts * spatial
    if len(parts) != spatial:
        raise ValueError(f"{name}: {what} must be a single int or a tuple of {spatial} ints, "
                         f"got {value!r}")
    return tuple(int(v) for v in parts)


def _shown(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(values) == 1 else str(values)


def check_input(name: str, input: Any, spatial: int) -> Tensor:
    """input as a tensor of (N, C, *spatial) or (C, *spatial) dimensions, with the sizes
    past the batch non-zero; `name` (a function's, or a layer's repr) leads the message."""
    x = as_tensor(input)
    expected = f"(N, C, {_AXES[spatial]}) or (C, {_AXES[spatial]})"
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{name}: expected input of shape {expected}, got {tuple(x.shape)}")
    if 0 in x.shape[-spatial - 1:]:
        raise ValueError(f"{name}: expected input of shape {expected} with C and "
                         f"{_AXES[spatial]} non-zero, got {tuple(x.shape)}")
    return x


def window_arguments(name: str, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
                     spatial: int) -> tuple[tuple[int, ...], ...]:
    """(kernel, stride, padding, dilation), one int per pooled axis, checked as PyTorch
    checks them (stride None or empty: the kernel size). The layers check them when made."""
    kernel = _ints(name, "kernel_size", kernel_size, spatial)
    steps = kernel if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else _ints(name, "stride", stride, spatial)
    pads = _ints(name, "padding", padding, spatial)
    dilations = _ints(name, "dilation", dilation, spatial)
    for what, values in (("kernel_size", kernel), ("stride", steps),
                         ("dilation", dilations)):
        if min(values) <= 0:
            raise ValueError(f"{name}: {what} must be greater than zero, got {_shown(values)}")
    if min(pads) < 0:
        raise ValueError(f"{name}: padding must be non-negative, got {_shown(pads)}")
    if any(p > k // 2 for p, k in zip(pads, kernel)):
        raise ValueError(f"{name}: padding {_shown(pads)} should be at most half of the "
                         f"kernel size {_shown(kernel)}")
    return kernel, steps, pads, dilations


def _geometry(name: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
              dilation: Any, ceil_mode: bool, spatial: int, effective: bool = False
              ) -> tuple[Geometry, tuple[int, ...]]:
    """The windows' geometry and the output's pooled sizes, checked as PyTorch checks them."""
    kernel, steps, pads, dilations = window_arguments(name, kernel_size, stride, padding,
                                                      dilation, spatial)
    sizes = tuple(x.shape[-spatial:])
    out, padded = [], []
    for size, k, s, p, d in zip(sizes, kernel, steps, pads, dilations):
        reach = d * (k - 1) + 1
        count = (size + 2 * p - reach + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (count - 1) * s >= size + p:
            count -= 1  # PyTorch's rule: the last window must start inside the input
        out.append(count)
        padded.append((p, max(p, (count - 1) * s + reach - size - p)))
    if min(out) < 1:
        reaches = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilations))
        shown = reaches if effective and reaches != kernel else kernel
        inputs = tuple(n + 2 * p for n, p in zip(sizes, pads))
        raise ValueError(f"{name}: kernel size {_shown(shown)} is larger than the padded "
                         f"input {_shown(inputs)} (output size {_shown(tuple(out))} is too "
                         "small)")
    return Geometry(kernel, steps, dilations, tuple(padded)), tuple(out)


def max_pool(name: str, input: Any, kernel_size: Any, stride: Any, padding: Any,
             dilation: Any, ceil_mode: bool, return_indices: bool, spatial: int) -> Any:
    """`max_pool1d`/`max_pool2d` over `spatial` axes, its messages led by `name` (a layer's
    repr, when a layer calls it)."""
    x = check_input(name, input, spatial)
    geometry, _ = _geometry(name, x, kernel_size, stride, padding, dilation, ceil_mode,
                            spatial, effective=True)
    if not return_indices:
        return MaxPool.apply(x, geometry, None)
    values, picks = first_maxima(x.array, geometry)
    if x.requires_grad and is_grad_enabled():
        pooled = MaxPool.apply(x, geometry, picks)
    else:
        pooled = Tensor(values)
    return pooled, Tensor(indices_of(picks, geometry, tuple(x.shape)))


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Any:
    """z[n, c, i, j] = max over a, b of x[n, c, i·s₁ − p₁ + a·d₁, j·s₂ − p₂ + b·d₂] (padding
    reads −∞): the largest entry of each kernel_size window, for x of shape (N, C, H, W) or
    (C, H, W). stride defaults to kernel_size; padding is at most half the kernel. The
    gradient goes to one entry per window: the first maximum in row-major order, as
    PyTorch's. With `return_indices` also the flat (int64) index of each pick into the
    H·W plane.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x = stir.tensor([[[1.0, 2.0, 5.0, 5.0], [4.0, 3.0, 0.0, 5.0]]], requires_grad=True)
    >>> F.max_pool2d(x, 2)
    tensor([[[4., 5.]]], grad_fn=MaxPool)
    >>> F.max_pool2d(x, 2).sum().backward()
    >>> x.grad
    tensor([[[0., 0., 1., 0.],
             [1., 0., 0., 0.]]])
    """
    return max_pool("max_pool2d", input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices, 2)


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False
               ) -> Any:
    """z[n, c, i] = max over a of x[n, c, i·s − p + a·d], for x of shape (N, C, L) or (C, L):
    `max_pool2d` along one axis.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.max_pool1d(stir.tensor([[1.0, 3.0, 2.0, 0.0, 4.0]]), 2, stride=1)
    tensor([[3., 3., 2., 4.]])
    """
    return max_pool("max_pool1d", input, kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices, 1)


def _counts(size: int, out: int, kernel: int, stride: int, pad: int,
            include_pad: bool) -> tuple[int, ...]:
    """How many entries PyTorch divides each window's sum by, along one axis: the window
    clipped to the padded input, and to the input itself unless padding counts."""
    counts = []
    for o in range(out):
        start = o * stride - pad
        end = min(start + kernel, size + pad)
        if not include_pad:
            start, end = max(start, 0), min(end, size)
        counts.append(end - start)
    return tuple(counts)


def avg_pool(name: str, input: Any, kernel_size: Any, stride: Any, padding: Any,
             ceil_mode: bool, count_include_pad: bool, divisor_override: int | None,
             spatial: int) -> Tensor:
    """`avg_pool1d`/`avg_pool2d` over `spatial` axes, its messages led by `name`."""
    x = check_input(name, input, spatial)
    if not _array.is_floating(x.array):
        raise TypeError(f"{name}: expected a floating-point input, got {x.dtype}")
    geometry, out = _geometry(name, x, kernel_size, stride, padding, 1, ceil_mode, spatial)
    pads = tuple(before for before, _ in geometry.pads)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int):
            raise TypeError(f"{name}: divisor_override must be an int, got "
                            f"{divisor_override!r}")
        if divisor_override == 0:
            raise ValueError(f"{name}: divisor_override must not be zero")
        divisor: Any = divisor_override
    else:
        counts = tuple(_counts(n, o, k, s, p, count_include_pad) for n, o, k, s, p in
                       zip(x.shape[-spatial:], out, geometry.kernel, geometry.stride, pads))
        full = all(set(c) == {k} for c, k in zip(counts, geometry.kernel))
        divisor = int(np.prod(geometry.kernel)) if full else counts
    return AvgPool.apply(x, geometry, divisor)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """z[n, c, i, j] = (1/D) Σ over a, b of x[n, c, i·s₁ − p₁ + a, j·s₂ − p₂ + b] (padding
    reads 0), for x of shape (N, C, H, W) or (C, H, W): each window's mean. D is the
    window's size clipped to the padded input (with `count_include_pad=False`, to the
    input itself), or `divisor_override`. The gradient of each output is spread evenly
    over its window (/D).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.avg_pool2d(stir.tensor([[[1.0, 2.0, 5.0, 7.0], [4.0, 3.0, 0.0, 4.0]]]), 2)
    tensor([[[2.5, 4. ]]])
    """
    return avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override, 2)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """z[n, c, i] = (1/D) Σ over a of x[n, c, i·s − p + a], for x of shape (N, C, L) or
    (C, L): `avg_pool2d` along one axis.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.avg_pool1d(stir.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
    tensor([[2., 1.]])
    """
    return avg_pool("avg_pool1d", input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None, 1)


def output_sizes(name: str, output_size: Any, spatial: int) -> tuple[int | None, ...]:
    """output_size as one size (or None: the input's) per pooled axis, each ≥ 0."""
    parts = tuple(output_size) if isinstance(output_size, (tuple, list)) else \
        (output_size,) * spatial
    if len(parts) != spatial:
        raise ValueError(f"{name}: output_size must be an int or a tuple of {spatial}, got "
                         f"{output_size!r}")
    if not all(p is None or (isinstance(p, (int, np.integer)) and not isinstance(p, bool))
               for p in parts):
        raise TypeError(f"{name}: output_size must hold ints (or None), got {output_size!r}")
    if any(p is not None and p < 0 for p in parts):
        raise ValueError(f"{name}: output_size must be non-negative, got {output_size!r}")
    return tuple(None if p is None else int(p) for p in parts)


def bins(size: int, out: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins along an axis: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _averaging(size: int, out: int, like: Tensor) -> Tensor:
    """The (out, size) matrix whose row i averages bin i."""
    matrix = np.zeros((out, size))
    for row, (start, end) in enumerate(bins(size, out)):
        matrix[row, start:end] = 1.0 / (end - start)
    return Tensor(_array.beside(matrix, like.array, like.array.dtype))


def adaptive_avg_pool(name: str, input: Any, output_size: Any, spatial: int) -> Tensor:
    """`adaptive_avg_pool1d`/`2d` over `spatial` axes, its messages led by `name`."""
    x = check_input(name, input, spatial)
    if not _array.is_floating(x.array):
        raise TypeError(f"{name}: expected a floating-point input, got {x.dtype}")
    sizes = tuple(x.shape[-spatial:])
    out = tuple(n if o is None else o
                for o, n in zip(output_sizes(name, output_size, spatial), sizes))
    if min(out) > 0 and all(n % o == 0 for n, o in zip(sizes, out)):
        # Equal bins: ordinary windows, as fast as avg_pool (global pooling included).
        kernel = tuple(n // o for n, o in zip(sizes, out))
        geometry = Geometry(kernel, kernel, (1,) * spatial, ((0, 0),) * spatial)
        return AvgPool.apply(x, geometry, int(np.prod(kernel)))
    # Bins of unequal size: the mean along each axis is a product with a constant matrix.
    z = x @ _averaging(sizes[-1], out[-1], x).mT
    if spatial == 2:
        z = _averaging(sizes[0], out[0], x) @ z
    return z


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:
    """z[n, c, i, j] = the mean of x[n, c, h, w] over bin i of the rows and bin j of the
    columns, for x of shape (N, C, H, W) or (C, H, W): the output is `output_size`
    (an int, or a pair whose None keeps the input's size); row bin i is
    [⌊i·H/out⌋, ⌈(i+1)·H/out⌉), as PyTorch's. The gradient of each output is spread
    evenly over its bin.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.adaptive_avg_pool2d(stir.arange(12.0).reshape(1, 3, 4), (2, None)).shape
    stir.Size([1, 2, 4])
    >>> F.adaptive_avg_pool2d(stir.arange(12.0).reshape(1, 3, 4), 1)
    tensor([[[5.5]]])
    """
    return adaptive_avg_pool("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Tensor:
    """z[n, c, i] = the mean of x[n, c, l] over bin i, for x of shape (N, C, L) or (C, L):
    `adaptive_avg_pool2d` along one axis.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.adaptive_avg_pool1d(stir.tensor([[1.0, 3.0, 2.0, 0.0, 4.0]]), 2)
    tensor([[2., 2.]])
    """
    return adaptive_avg_pool("adaptive_avg_pool1d", input, output_size, 1)


def _clamped_bins(size: int, out: int) -> tuple[np.ndarray, int]:
    """(out, K) positions of each bin, K the largest bin, short bins repeating their last
    position (a repeat comes after the entry it repeats, so it never is a first maximum)."""
    spans = bins(size, out)
    widest = max((end - start for start, end in spans), default=1)
    positions = np.array([[min(start + r, end - 1) for r in range(widest)]
                          for start, end in spans], dtype=np.int64).reshape(out, widest)
    return positions, widest


def adaptive_max_pool(name: str, input: Any, output_size: Any, return_indices: bool,
                      spatial: int) -> Any:
    """`adaptive_max_pool1d`/`2d`: the first maximum of each bin found on the arrays, then
    picked with `take_along_dim`, so the gradient is the gather's (a scatter to it)."""
    x = check_input(name, input, spatial)
    sizes = tuple(x.shape[-spatial:])
    out = tuple(n if o is None else o
                for o, n in zip(output_sizes(name, output_size, spatial), sizes))
    if 0 in out:
        raise ValueError(f"{name}: output_size must be positive, got {output_size!r}")
    values = _array.to_numpy(x.array)
    lead = values.shape[:-spatial]
    if spatial == 1:
        columns, _ = _clamped_bins(sizes[0], out[0])
        first = values[..., columns].reshape(lead + out + (-1,)).argmax(axis=-1)
        flat = columns[np.arange(out[0]), first]
    else:
        rows, _ = _clamped_bins(sizes[0], out[0])
        columns, widest = _clamped_bins(sizes[1], out[1])
        windows = values[..., rows[:, :, None, None], columns[None, None, :, :]]
        order = tuple(range(len(lead))) + tuple(len(lead) + a for a in (0, 2, 1, 3))
        first = windows.transpose(order).reshape(lead + out + (-1,)).argmax(axis=-1)
        row = rows[np.arange(out[0])[:, None], first // widest]
        flat = row * sizes[1] + columns[np.arange(out[1]), first % widest]
    index = Tensor(_array.beside(np.ascontiguousarray(flat), x.array))
    picked = x.flatten(-spatial).take_along_dim(index.flatten(-spatial), -1).reshape(
        lead + out)
    return (picked, index) if return_indices else picked


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """z[n, c, i, j] = the largest of x[n, c, h, w] over bin i of the rows and bin j of the
    columns (the bins of `adaptive_avg_pool2d`), for x of shape (N, C, H, W) or (C, H, W).
    The gradient goes to the first maximum of each bin, as PyTorch's; `return_indices`
    gives its flat index into the H·W plane too.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.adaptive_max_pool2d(stir.arange(12.0).reshape(1, 3, 4), (2, 3))
    tensor([[[ 5.,  6.,  7.],
             [ 9., 10., 11.]]])
    """
    return adaptive_max_pool("adaptive_max_pool2d", input, output_size, return_indices, 2)


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """z[n, c, i] = the largest of x[n, c, l] over bin i, for x of shape (N, C, L) or (C, L):
    `adaptive_max_pool2d` along one axis.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.adaptive_max_pool1d(stir.tensor([[1.0, 3.0, 2.0, 0.0, 4.0]]), 2)
    tensor([[3., 4.]])
    """
    return adaptive_max_pool("adaptive_max_pool1d", input, output_size, return_indices, 1)
