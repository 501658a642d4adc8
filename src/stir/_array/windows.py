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
`scratch` hands out arrays reused across steps for convolution's and pooling's large
temporaries (see `Scratch`).

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
import math
import sys
import threading
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




class Scratch:
    """Reusable arrays for the large temporaries and outputs of convolution and pooling
    (im2col columns, products, unpooled gradients), kept by size and dtype and handed out
    again only once nothing else references one (the step that used it has dropped it:
    no tensor, view or graph holds it). A fresh array of a few MB costs more in first-touch
    page faults than the work that fills it (5 MB: ~3 ms, against 0.5 ms for the copy),
    and a training step meets the same shapes each time; so eager steps touch warm memory.
    Kept for the 16 most recent sizes, a few arrays each, 64 MB in all at most (what it
    keeps between steps, so that a large model does not hold its temporaries twice); NumPy
    only (other namespaces allocate as usual).

    >>> a = scratch.empty(np.ones(1), (2, 3))
    >>> where = a.__array_interface__["data"][0]
    >>> b = scratch.empty(np.ones(1), (3, 2))  # a is still referenced: other memory
    >>> b.__array_interface__["data"][0] == where
    False
    >>> del a, b
    >>> scratch.empty(np.ones(1), (6,)).__array_interface__["data"][0] == where  # a's again
    True
    """

    def __init__(self, sizes: int = 16, per_size: int = 4, most: int = 64 << 20) -> None:
        self.sizes, self.per_size, self.most = sizes, per_size, most
        self.arrays: dict[tuple[Any, ...], list[Any]] = {}
        self.lock = threading.Lock()  # (the test and the hand-out as one, across threads)

    def empty(self, like: Any, shape: tuple[int, ...], dtype: Any = None) -> Any:
        """An uninitialised array of `shape` (like's dtype unless given), beside `like`."""
        dtype = like.dtype if dtype is None else dtype
        if type(like) is not _ndarray:
            return namespace(like).empty(shape, dtype=dtype, device=device(like))
        # Kept flat, by size: arrays of one size and different shapes (a layer's output and
        # a gradient of its input) share one, as malloc would reuse its memory.
        with self.lock:
            return self._reused(tuple(shape), np.dtype(dtype))

    def _reused(self, shape: tuple[int, ...], dtype: Any) -> Any:
        key = (math.prod(shape), dtype)
        arrays = self.arrays.pop(key, [])
        self.arrays[key] = arrays  # (re)inserted last: the most recently used size
        for flat in arrays:
            # referenced by the list, the loop and getrefcount's argument only: no array
            # handed out (a view of it) is alive
            if sys.getrefcount(flat) == 3:
                return flat.reshape(shape)
        flat = np.empty(key[0], dtype=dtype)
        if flat.nbytes > self.most:  # (too large to keep)
            return flat.reshape(shape)
        arrays.append(flat)
        del arrays[:-self.per_size]
        while len(self.arrays) > 1 and (len(self.arrays) > self.sizes
                                        or self._bytes() > self.most):
            del self.arrays[next(iter(self.arrays))]  # the oldest (never `key`, the newest)
        return flat.reshape(shape)

    def _bytes(self) -> int:
        return sum(a.nbytes for arrays in self.arrays.values() for a in arrays)

    def zeros(self, like: Any, shape: tuple[int, ...]) -> Any:
        """Zeros of `shape` and like's dtype, beside `like`."""
        if type(like) is not _ndarray:
            return namespace(like).zeros(shape, dtype=like.dtype, device=device(like))
        array = self.empty(like, shape)
        array.fill(0)
        return array

    def matmul(self, a: Any, b: Any) -> Any:
        """a @ b (stacks of matrices broadcast), into a reused array on NumPy."""
        if type(a) is not _ndarray or type(b) is not _ndarray or a.dtype != b.dtype:
            return a @ b
        shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
        return np.matmul(a, b, out=self.empty(a, shape))


scratch = Scratch()
