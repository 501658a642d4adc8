"""The pooling primitives: the largest entry of each window (`MaxPool`) and the sum of each
window (`AvgPool`), each with its adjoint, over the last one or two axes.

Both read the windows of the padded input through `_array.windows` (a strided view), one
kernel offset at a time: k₁·k₂ operations on arrays of the output's size, never a loop over
pixels or samples. Each pair is closed under differentiation: `MaxPool`'s backward is
`MaxPoolAdjoint` (the gradient put back where each window's entry was picked) and that one's
backward is `MaxPool` at the same picks; `AvgPool` and `AvgPoolAdjoint` are a linear map and
its transpose. The picks are piecewise constant in the input, so they are kept as constants.

The formulas, shapes and checks users see are on `stir.nn.functional.max_pool2d` and its
family (nn/functional/pooling.py); `Geometry` is what they hand down.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

from .. import _array
from .._array.windows import scratch
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive


@dataclass(frozen=True)
class Geometry:
    """Where the windows are, per pooled axis: their size, step and spacing, and the padding
    (before, after) that the windows read (after includes ceil_mode's extra room)."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]

    def offsets(self) -> list[tuple[int, ...]]:
        """The kernel's offsets in row-major order (PyTorch's order for the first maximum)."""
        return list(itertools.product(*(range(k) for k in self.kernel)))

    def padded_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        spatial = len(self.kernel)
        return tuple(shape[:-spatial]) + tuple(
            n + a + b for n, (a, b) in zip(shape[-spatial:], self.pads))


def _padded(x: Any, geometry: Geometry, value: float) -> Any:
    """x with `value` in the padding the geometry asks for (x itself when there is none)."""
    if not any(a or b for a, b in geometry.pads):
        return x
    xp = _array.namespace(x)
    padded = xp.full(geometry.padded_shape(tuple(x.shape)), value, dtype=x.dtype,
                     device=_array.device(x))
    spatial = len(geometry.kernel)
    padded[(Ellipsis,) + tuple(slice(a, a + n) for n, (a, _) in
                               zip(x.shape[-spatial:], geometry.pads))] = x
    return padded


def _windows(x: Any, geometry: Geometry, value: float) -> Any:
    return _array.windows(_padded(x, geometry, value), geometry.kernel, geometry.stride,
                          geometry.dilation)


def _real(geometry: Geometry, shape: tuple[int, ...], out: tuple[int, ...],
          offset: tuple[int, ...], xp: Any, where: Any) -> Any:
    """Which windows read a real entry (not padding) at `offset`: a bool array of `out`."""
    spatial = len(geometry.kernel)
    mask = None
    for axis, (size, count, i) in enumerate(zip(shape[-spatial:], out, offset)):
        position = (xp.arange(count, device=where) * geometry.stride[axis]
                    + (i * geometry.dilation[axis] - geometry.pads[axis][0]))
        inside = (position >= 0) & (position < size)
        layout = [1] * spatial
        layout[axis] = count
        inside = xp.reshape(inside, tuple(layout))
        mask = inside if mask is None else mask & inside
    return mask


def _lowest(x: Any) -> Any:
    """The padding of max pooling: -inf, or an integer array's own smallest value (padding
    never wins a tie, see `_real`)."""
    if _array.is_floating(x):
        return float("-inf")
    return _array.namespace(x).min(x) if x.size else 0


def maxima(x: Any, geometry: Geometry) -> Any:
    """Each window's largest entry (NaN where it holds one): k₁·k₂ − 1 maximums of views."""
    xp = _array.namespace(x)
    windows = _windows(x, geometry, _lowest(x))
    offsets = geometry.offsets()
    ellipsis = (Ellipsis,)
    best = windows[ellipsis + offsets[0]]
    for offset in offsets[1:]:
        best = xp.maximum(best, windows[ellipsis + offset])
    if len(offsets) == 1:  # (the view itself would share x's memory)
        best = xp.asarray(best, copy=True)
    return best


def first_picks(x: Any, best: Any, geometry: Geometry) -> Any:
    """Where each window's maximum `best` is, as its offset's number in row-major order:
    the first of tied maxima, the last NaN of a window holding NaN, and the first real
    entry of a window of -inf, as PyTorch's CPU kernel picks (small integers)."""
    xp = _array.namespace(x)
    windows = _windows(x, geometry, _lowest(x))
    offsets = geometry.offsets()
    ellipsis = (Ellipsis,)
    out = tuple(best.shape[-len(geometry.kernel):])
    padded = any(a or b for a, b in geometry.pads)
    small = _array.dtype_in(x, "int8" if len(offsets) < 128 else "int32")
    where = _array.device(x)
    picks = xp.full(best.shape, len(offsets) - 1, dtype=small, device=where)
    # Backwards over the offsets, so that the first tie is written last and stays (the
    # last offset is the starting value: some real entry of every window holds the maximum).
    # picks − hit·(picks − number) is `where(hit, number, picks)`, in small integers: this
    # arithmetic is several times faster than NumPy's where.
    for number in range(len(offsets) - 2, -1, -1):
        hit = windows[ellipsis + offsets[number]] == best
        if padded:
            hit = hit & _real(geometry, tuple(x.shape), out, offsets[number], xp, where)
        picks = picks - xp.astype(hit, small) * (picks - number)
    if _array.is_floating(x) and bool(xp.any(xp.isnan(best))):
        for number, offset in enumerate(offsets):  # PyTorch keeps the last NaN it meets
            picks = xp.where(xp.isnan(windows[ellipsis + offset]),
                             xp.asarray(number, dtype=small), picks)
    return picks


def first_maxima(x: Any, geometry: Geometry) -> tuple[Any, Any]:
    """(values, picks): each window's largest entry and where it is (`first_picks`)."""
    best = maxima(x, geometry)
    return best, first_picks(x, best, geometry)


def picked(x: Any, geometry: Geometry, picks: Any) -> Any:
    """Each window's entry at its pick (an offset's number): the gather MaxPool does."""
    xp = _array.namespace(x)
    windows = _windows(x, geometry, 0)
    ellipsis = (Ellipsis,)
    offsets = geometry.offsets()
    result = xp.asarray(windows[ellipsis + offsets[0]], copy=True)
    for number, offset in enumerate(offsets[1:], 1):
        result = xp.where(picks == number, windows[ellipsis + offset], result)
    return result


def unpooled(g: Any, geometry: Geometry, picks: Any, shape: tuple[int, ...]) -> Any:
    """The adjoint of `picked`: zeros of `shape` with each entry of g added where its
    window's pick is."""
    padded_shape = geometry.padded_shape(shape)
    if type(g) is _array.NDARRAY and all(s >= d * (k - 1) + 1 for k, s, d in zip(
            geometry.kernel, geometry.stride, geometry.dilation)):
        # Windows that do not overlap pick each entry at most once: one assignment at
        # the flat positions of the picks (the usual kernel_size == stride is this case).
        total = scratch.zeros(g, padded_shape)  # (a reused array: see Scratch)
        total.reshape(-1)[_positions(geometry, picks, padded_shape).reshape(-1)] = \
            g.reshape(-1)
        return _array.crop(total, geometry.pads)
    xp = _array.namespace(g)
    zero = xp.zeros((), dtype=g.dtype, device=_array.device(g))
    spread = xp.stack([xp.where(picks == number, g, zero)
                       for number in range(len(geometry.offsets()))], axis=-1)
    spread = xp.reshape(spread, tuple(g.shape) + geometry.kernel)
    total = _array.add_windows(spread, padded_shape, geometry.kernel, geometry.stride,
                               geometry.dilation)
    return _array.crop(total, geometry.pads)


def _product(sizes: Any) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


def _positions(geometry: Geometry, picks: Any, shape: tuple[int, ...]) -> Any:
    """Each pick's flat (int64) position in a NumPy array of `shape` (the padded input's):
    its window's start plus its offset's place within the window."""
    starts, deltas = _layout(geometry, tuple(picks.shape), shape)
    return starts + deltas[picks]


@functools.lru_cache(maxsize=32)
def _layout(geometry: Geometry, out: tuple[int, ...], shape: tuple[int, ...]) -> Any:
    """(starts, deltas) for `_positions`: the flat start of every window (of the output's
    shape, planes included) and each offset's distance from it. Kept for the few shapes a
    model meets: they are the same on every step."""
    xp = _array.NUMPY
    spatial = len(geometry.kernel)
    lead = len(shape) - spatial
    steps = [_product(shape[axis + 1:]) for axis in range(len(shape))]
    deltas = xp.asarray([sum(i * d * steps[lead + axis] for axis, (i, d) in
                             enumerate(zip(offset, geometry.dilation)))
                         for offset in geometry.offsets()], dtype=xp.int64)
    planes = xp.arange(_product(shape[:lead]), dtype=xp.int64) * _product(shape[lead:])
    starts = xp.reshape(planes, tuple(shape[:lead]) + (1,) * spatial)
    for axis in range(spatial):
        sizes = [1] * len(shape)
        sizes[lead + axis] = out[lead + axis]
        step = geometry.stride[axis] * steps[lead + axis]
        starts = starts + xp.reshape(xp.arange(out[lead + axis], dtype=xp.int64) * step,
                                     tuple(sizes))
    starts.flags.writeable = False  # (shared by every call that meets this shape)
    return starts, deltas


def indices_of(picks: Any, geometry: Geometry, shape: tuple[int, ...]) -> Any:
    """PyTorch's `return_indices`: each pick as a flat (int64) index into the unpadded
    plane of the last len(kernel) axes of an input of `shape`."""
    xp = _array.namespace(picks)
    where = _array.device(picks)
    spatial = len(geometry.kernel)
    rest = xp.astype(picks, _array.dtype_in(picks, "int64"))
    flat = None
    out = tuple(picks.shape[-spatial:])
    for axis in range(spatial - 1, -1, -1):  # the last axis varies fastest in the offsets
        kernel = geometry.kernel[axis]
        within = rest % kernel
        rest = rest // kernel
        layout = [1] * spatial
        layout[axis] = out[axis]
        starts = xp.reshape(xp.arange(out[axis], device=where) * geometry.stride[axis]
                            - geometry.pads[axis][0], tuple(layout))
        position = starts + within * geometry.dilation[axis]
        step = 1
        for later in shape[len(shape) - spatial + axis + 1:]:
            step *= later
        flat = position * step if flat is None else flat + position * step
    return flat


class MaxPool(Primitive):
    """z = each window's entry at `picks`: its first maximum when picks is None (-inf
    padding);  dz/dx = the gradient added back at those entries (`MaxPoolAdjoint`).
    A primitive for speed: one pass over the kernel's offsets, no copy of the windows;
    where the maxima are is found only when a backward asks."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, geometry: Geometry, picks: Any = None) -> Any:
        ctx.geometry, ctx.picks, ctx.shape = geometry, picks, tuple(x.shape)
        if picks is not None:
            return picked(x.array, geometry, picks)
        z = maxima(x.array, geometry)
        ctx.save_for_backward(x, z)
        return z

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        picks = ctx.picks
        if picks is None:  # found once, kept for a second backward through this node
            x, z = (dual.array(saved) for saved in ctx.saved_tensors)
            picks = ctx.picks = first_picks(x, z, ctx.geometry)
        if isinstance(grad_output, Tensor):
            grad = MaxPoolAdjoint.apply(grad_output, ctx.geometry, picks, ctx.shape)
        else:
            grad = unpooled(grad_output, ctx.geometry, picks, ctx.shape)
        return grad, None, None


class MaxPoolAdjoint(Primitive):
    """z = zeros of `shape` with each entry of g added where its window's pick is (a max
    unpooling);  dz/dg = the gradient at those entries (`MaxPool` at the same picks)."""

    @staticmethod
    def forward(ctx: Context, g: Tensor, geometry: Geometry, picks: Any,
                shape: tuple[int, ...]) -> Any:
        ctx.geometry, ctx.picks = geometry, picks
        return unpooled(g.array, geometry, picks, shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        if isinstance(grad_output, Tensor):
            grad = MaxPool.apply(grad_output, ctx.geometry, ctx.picks)
        else:
            grad = picked(grad_output, ctx.geometry, ctx.picks)
        return grad, None, None, None


def _divisor(like: Any, divisor: Any) -> Any:
    """The divisor as a number, or (from per-axis counts) an array over the output's axes:
    each window's count is the product of its counts along the axes."""
    if isinstance(divisor, int):
        return divisor
    xp = _array.namespace(like)
    where = _array.device(like)
    total = None
    for axis, counts in enumerate(divisor):
        layout = [1] * len(divisor)
        layout[axis] = len(counts)
        part = xp.reshape(xp.asarray(counts, dtype=like.dtype, device=where), tuple(layout))
        total = part if total is None else total * part
    return total


def window_sums(x: Any, geometry: Geometry, divisor: Any) -> Any:
    """Σ over each window of zero-padded x, divided by `divisor` (an int, or the per-axis
    counts whose product divides each output entry)."""
    windows = _windows(x, geometry, 0)
    ellipsis = (Ellipsis,)
    offsets = geometry.offsets()
    total = _array.namespace(x).asarray(windows[ellipsis + offsets[0]], copy=True)
    for offset in offsets[1:]:
        total += windows[ellipsis + offset]
    return total / _divisor(x, divisor) if divisor != 1 else total


def spread_sums(g: Any, geometry: Geometry, divisor: Any, shape: tuple[int, ...]) -> Any:
    """The adjoint of `window_sums`: each g / divisor added to every entry of its window."""
    xp = _array.namespace(g)
    scaled = g / _divisor(g, divisor) if divisor != 1 else g
    spatial = len(geometry.kernel)
    spread = xp.broadcast_to(xp.reshape(scaled, tuple(g.shape) + (1,) * spatial),
                             tuple(g.shape) + geometry.kernel)
    total = _array.add_windows(spread, geometry.padded_shape(shape), geometry.kernel,
                               geometry.stride, geometry.dilation)
    return _array.crop(total, geometry.pads)


class AvgPool(Primitive):
    """z = Σ over each window of zero-padded x, / divisor;  dz/dx = `AvgPoolAdjoint` of dz
    (each gradient / divisor spread over its window). A primitive for speed: k₁·k₂ adds of
    strided views."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, geometry: Geometry, divisor: Any) -> Any:
        ctx.geometry, ctx.divisor, ctx.shape = geometry, divisor, tuple(x.shape)
        return window_sums(x.array, geometry, divisor)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        if isinstance(grad_output, Tensor):
            grad = AvgPoolAdjoint.apply(grad_output, ctx.geometry, ctx.divisor, ctx.shape)
        else:
            grad = spread_sums(grad_output, ctx.geometry, ctx.divisor, ctx.shape)
        return grad, None, None


class AvgPoolAdjoint(Primitive):
    """z = each g / divisor spread over its window (zeros of `shape` elsewhere);
    dz/dg = `AvgPool` of the gradient: a linear map's transpose is the map."""

    @staticmethod
    def forward(ctx: Context, g: Tensor, geometry: Geometry, divisor: Any,
                shape: tuple[int, ...]) -> Any:
        ctx.geometry, ctx.divisor = geometry, divisor
        return spread_sums(g.array, geometry, divisor, shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        if isinstance(grad_output, Tensor):
            grad = AvgPool.apply(grad_output, ctx.geometry, ctx.divisor)
        else:
            grad = window_sums(grad_output, ctx.geometry, ctx.divisor)
        return grad, None, None, None
