"""Sliding windows over the trailing (spatial) axes of an array, and their adjoint: the one
home of the index arithmetic that convolution and pooling share.

For an input of spatial size S, kernel k, stride s and dilation d (after padding), there are
    out = (S - d·(k - 1) - 1) // s + 1
windows along that axis, and window o, offset i reads element o·s + i·d.

`windows(x, ...)` is a view of shape (*leading, *out, *kernel) on NumPy (`as_strided`: no
copy; the matrix product that reads it makes the one im2col copy), and a stack of the k
strided slices on any other array. `add_windows(g, ...)` is its adjoint: each window's values
added back where they were read, in one loop over the kernel's offsets (k₁·k₂ slices of the
whole batch, never a loop over pixels or samples). `pad_zeros` pads the trailing axes.

>>> import numpy as np
>>> x = np.arange(5.0)
>>> windows(x, (2,), (2,), (1,))
array([[0., 1.],
       [2., 3.]])
>>> add_windows(np.ones((2, 2)), (5,), (2,), (2,), (1,))
array([1., 1., 1., 1., 0.])
"""

from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np

from .namespaces import device, namespace

_ndarray = np.ndarray


def output_size(size: int, kernel: int, stride: int, dilation: int) -> int:
    """How many windows fit along an axis of `size` (0 when none does)."""
    return max((size - dilation * (kernel - 1) - 1) // stride + 1, 0)


def _reads(kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int],
           out: Sequence[int]) -> Any:
    """For each kernel offset, the slices of the trailing axes it reads across all windows."""
    for offset in itertools.product(*(range(k) for k in kernel)):
        yield offset, tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                            for i, s, d, o in zip(offset, stride, dilation, out))


def windows(x: Any, kernel: Sequence[int], stride: Sequence[int],
            dilation: Sequence[int]) -> Any:
    """The windows of x over its last len(kernel) axes: shape (*leading, *out, *kernel)."""
    spatial = len(kernel)
    leading, sizes = x.shape[:-spatial], x.shape[-spatial:]
    out = tuple(output_size(n, k, s, d) for n, k, s, d in zip(sizes, kernel, stride, dilation))
    if type(x) is _ndarray:
        steps = x.strides[-spatial:]
        strides = (x.strides[:-spatial] + tuple(t * s for t, s in zip(steps, stride))
                   + tuple(t * d for t, d in zip(steps, dilation)))
        return np.lib.stride_tricks.as_strided(x, leading + out + tuple(kernel), strides,
                                               writeable=False)
    xp = namespace(x)
    ellipsis = (Ellipsis,)
    pieces = [x[ellipsis + reads] for _, reads in _reads(kernel, stride, dilation, out)]
    stacked = xp.stack(pieces, axis=-1)
    return xp.reshape(stacked, leading + out + tuple(kernel))


def add_windows(g: Any, shape: Sequence[int], kernel: Sequence[int], stride: Sequence[int],
                dilation: Sequence[int]) -> Any:
    """The adjoint of `windows`: zeros of `shape` (the padded input's), with each entry of
    g (shape (*leading, *out, *kernel)) added where `windows` read it."""
    spatial = len(kernel)
    out = tuple(g.shape[-2 * spatial:-spatial])
    xp = namespace(g)
    total = xp.zeros(tuple(shape), dtype=g.dtype, device=device(g))
    ellipsis = (Ellipsis,)
    window_axes = (slice(None),) * spatial
    for offset, reads in _reads(kernel, stride, dilation, out):
        total[ellipsis + reads] += g[ellipsis + window_axes + offset]
    return total


def pad_zeros(x: Any, pads: Sequence[tuple[int, int]]) -> Any:
    """x with (before, after) zeros on each of its last len(pads) axes (x itself if none)."""
    if not any(before or after for before, after in pads):
        return x
    if type(x) is _ndarray:
        return np.pad(x, [(0, 0)] * (x.ndim - len(pads)) + [tuple(p) for p in pads])
    xp = namespace(x)
    spatial = len(pads)
    shape = x.shape[:-spatial] + tuple(n + a + b for n, (a, b) in
                                        zip(x.shape[-spatial:], pads))
    padded = xp.zeros(shape, dtype=x.dtype, device=device(x))
    padded[(Ellipsis,) + tuple(slice(a, a + n) for n, (a, _) in
                               zip(x.shape[-spatial:], pads))] = x
    return padded


def crop(x: Any, pads: Sequence[tuple[int, int]]) -> Any:
    """The adjoint of `pad_zeros`: x without its (before, after) borders."""
    if not any(before or after for before, after in pads):
        return x
    spatial = len(pads)
    return x[(Ellipsis,) + tuple(slice(a, n - b) for n, (a, b) in
                                 zip(x.shape[-spatial:], pads))]


