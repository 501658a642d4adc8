"""Convolution over any number of spatial axes, as three primitives closed under
differentiation: `Convolution` (x, w) → y, its adjoint in the input `ConvolutionInput`
(g, w) → x-shaped (the transposed convolution), and its adjoint in the weight
`ConvolutionWeight` (x, g) → w-shaped. All three are bilinear, so the backward of each is
made of the other two, and a gradient of a gradient is again a convolution.

Shapes: x (N, C, *S), w (O, C/G, *K), y (N, O, *out), with G groups, each of O/G outputs
seeing its own C/G inputs. The input is zero-padded by `pads` ((before, after) per spatial
axis) inside the primitive, and the adjoint crops the same borders, so padding's adjoint is
exact. The index arithmetic (windows, their adjoint) is `_array.windows`'s; the products are
one batched matrix product per call, over the whole batch. On NumPy the large arrays (the
im2col columns, the products) go into arrays reused from step to step once nothing holds
them (`_array.windows.Scratch`): their first-touch page faults were most of an eager step's
convolution time. Empty batches work (no -1 in any reshape).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from .. import _array
from .._array.windows import scratch
from ..autograd import Context
from ..tensor import Tensor, as_tensor
from .primitive import Primitive


class Geometry(NamedTuple):
    """How a convolution slides: per spatial axis its stride, dilation, (before, after) zero
    padding, the unpadded input's size, the kernel's size and the number of windows taken
    (at most the number that fit: a transposed convolution's output padding may leave the
    last input positions unread); and the number of groups."""

    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    pads: tuple[tuple[int, int], ...]
    groups: int
    size: tuple[int, ...]
    kernel: tuple[int, ...]
    out: tuple[int, ...]

    def padded(self) -> tuple[int, ...]:
        return tuple(n + a + b for n, (a, b) in zip(self.size, self.pads))


# From this many rows of the columns (C/G·∏K) on, the columns hold the whole batch side by
# side, (G, C/G·∏K, N·∏out), so that each product is one matrix product over the batch
# rather than N small ones. Measured (forward and weight gradient, 3×3 and 5×5 kernels,
# batch 32 to 128): with 144 to 288 rows the batch inside is 0.56–0.80× the time of the
# per-sample products (LeNet's second layer, 150 rows: 3.8 → 2.8 ms; its weight gradient
# alone 1.6 → 0.45 ms); with 25 to 72 rows it is 1.2–2.2× (LeNet's first layer, 25 rows).
_BATCH_INSIDE_FROM = 100


def _batch_inside(x: Any, geometry: Geometry) -> bool:
    """Whether `_columns` lays the batch out inside each row (see _BATCH_INSIDE_FROM)."""
    rows = x.shape[1] // geometry.groups * math.prod(geometry.kernel)
    return type(x) is _array.NDARRAY and rows >= _BATCH_INSIDE_FROM


def _columns(x: Any, geometry: Geometry) -> Any:
    """im2col: the windows of padded x as (N, G, C/G·∏K, ∏out), or, when `_batch_inside`,
    as (G, C/G·∏K, N·∏out); the one copy of a forward (on NumPy into a reused array:
    `_array.windows.Scratch`)."""
    xp = _array.namespace(x)
    spatial = len(geometry.kernel)
    windows = _array.windows(_array.pad_zeros(x, geometry.pads), geometry.kernel,
                             geometry.stride, geometry.dilation)
    windows = windows[(Ellipsis,) + tuple(slice(0, o) for o in geometry.out)
                      + (slice(None),) * spatial]
    n, channels, groups = x.shape[0], x.shape[1], geometry.groups
    rows, count = channels // groups * math.prod(geometry.kernel), math.prod(geometry.out)
    kernel_axes = tuple(range(2 + spatial, 2 + 2 * spatial))
    out_axes = tuple(range(2, 2 + spatial))
    if _batch_inside(x, geometry):
        # (N, C, *out, *K) → (C, *K, N, *out)
        columns = scratch.empty(x, (channels,) + tuple(geometry.kernel) + (n,)
                                + tuple(geometry.out))
        columns[...] = xp.permute_dims(windows, (1,) + kernel_axes + (0,) + out_axes)
        return xp.reshape(columns, (groups, rows, n * count))
    # (N, C, *out, *K) → (N, C, *K, *out): each window's entries along a column
    axes = (0, 1) + kernel_axes + out_axes
    shape = (n, groups, rows, count)
    if type(x) is not _array.NDARRAY:
        return xp.reshape(xp.permute_dims(windows, axes), shape)
    columns = scratch.empty(x, (n, channels) + tuple(geometry.kernel) + tuple(geometry.out))
    columns[...] = xp.permute_dims(windows, axes)
    return xp.reshape(columns, shape)


def _convolve(x: Any, w: Any, geometry: Geometry, columns: Any = None) -> Any:
    """y[n, o, p] = Σ_{c, k} w[o, c, k] · x_padded[n, g(o)·C/G + c, p·s + k·d], on arrays."""
    xp = _array.namespace(x)
    if columns is None:
        columns = _columns(x, geometry)
    groups, out_channels, n = geometry.groups, w.shape[0], x.shape[0]
    matrix = xp.reshape(w, (groups, out_channels // groups, columns.shape[-2]))
    y = scratch.matmul(matrix, columns)
    if _batch_inside(x, geometry):  # (G, O/G, N·∏out) → (N, O, *out), copied C-contiguous
        # as PyTorch's output is (x.view(-1, 400) after it must work); the flat reshape copies
        count = math.prod(geometry.out)
        y = xp.permute_dims(xp.reshape(y, (out_channels, n, count)), (1, 0, 2))
        return xp.reshape(xp.reshape(y, (n, out_channels * count)),
                          (n, out_channels) + tuple(geometry.out))
    # (N, G, O/G, ∏out), already in (N, O, *out) order
    return xp.reshape(y, (n, out_channels) + tuple(geometry.out))


def _convolve_input(g: Any, w: Any, geometry: Geometry) -> Any:
    """The adjoint of `_convolve` in x: each window's share w·g added back where it was read,
    then the padding cropped; on arrays."""
    xp = _array.namespace(g)
    spatial = len(geometry.kernel)
    n, out_channels = g.shape[0], g.shape[1]
    groups, per_group = geometry.groups, w.shape[1]
    # Computed with the batch as the last axis, so that each of add_windows' slices (one per
    # kernel offset) is a run of out·N contiguous values, not of out alone: 3× faster on
    # LeNet's second layer. The batch is then a trailing axis of kernel 1 for add_windows.
    kernel_first = (0,) + tuple(range(3, 3 + spatial)) + (2, 1)  # (G, *K, C/G, O/G)
    # (explicit sizes: a -1 is ambiguous in an empty batch's reshape)
    matrix = xp.reshape(xp.permute_dims(xp.reshape(w, (groups, out_channels // groups)
                                                   + w.shape[1:]), kernel_first),
                        (groups, per_group * math.prod(geometry.kernel), out_channels // groups))
    batch_last = tuple(range(1, 2 + spatial)) + (0,)  # (O, *out, N)
    rows = xp.reshape(xp.permute_dims(g, batch_last), (groups, out_channels // groups,
                                                       math.prod(geometry.out) * n))
    columns = scratch.matmul(matrix, rows)  # (G, ∏K·C/G, ∏out·N)
    columns = xp.reshape(columns, (groups,) + tuple(geometry.kernel) + (per_group,)
                         + tuple(geometry.out) + (n, 1))
    # as (G, C/G, *out, N, *K, 1): the layout add_windows reads, a view
    axes = ((0, 1 + spatial) + tuple(range(2 + spatial, 3 + 2 * spatial))
            + tuple(range(1, 1 + spatial)) + (3 + 2 * spatial,))
    one = (1,)
    padded = _array.add_windows(xp.permute_dims(columns, axes),
                                (groups, per_group) + geometry.padded() + (n,),
                                geometry.kernel + one, geometry.stride + one,
                                geometry.dilation + one)
    cropped = _array.crop(padded, geometry.pads + ((0, 0),))
    batch_first = (2 + spatial, 0, 1) + tuple(range(2, 2 + spatial))
    # a C-contiguous gradient (the flat reshape copies), which later sums and reshapes of
    # the gradient read fastest
    flat = xp.reshape(xp.permute_dims(cropped, batch_first),
                      (n, groups * per_group * math.prod(geometry.size)))
    return xp.reshape(flat, (n, groups * per_group) + tuple(geometry.size))


def _convolve_weight(x: Any, g: Any, geometry: Geometry, columns: Any = None) -> Any:
    """The adjoint of `_convolve` in w: Σ over the batch and the windows of g · window."""
    xp = _array.namespace(g)
    if columns is None:
        columns = _columns(x, geometry)
    n, out_channels, groups = g.shape[0], g.shape[1], geometry.groups
    count = math.prod(geometry.out)
    shape = (out_channels, x.shape[1] // groups) + tuple(geometry.kernel)
    if _batch_inside(x, geometry):
        # columns (G, C/G·∏K, N·∏out) times g as (G, N·∏out, O/G), copied C-contiguous:
        # in this order OpenBLAS runs the long sum 1.5× faster than as g·columnsᵀ
        rows = xp.reshape(xp.permute_dims(xp.reshape(g, (n, groups, out_channels // groups,
                                                         count)), (1, 0, 3, 2)),
                          (groups, n * count, out_channels // groups))
        total = xp.permute_dims(xp.matmul(columns, rows), (0, 2, 1))  # (G, O/G, C/G·∏K)
        return xp.reshape(total, shape)
    rows = xp.reshape(g, (n, groups, out_channels // groups, count))
    per_sample = scratch.matmul(rows, xp.permute_dims(columns, (0, 1, 3, 2)))
    total = xp.sum(per_sample, axis=0)  # (G, O/G, C/G·∏K)
    return xp.reshape(total, shape)


def _recorded(*operands: Any) -> bool:
    return any(isinstance(a, Tensor) for a in operands)


def convolve(geometry: Geometry, x: Any, w: Any) -> Any:
    """The convolution of arrays, or (recorded) of tensors."""
    if _recorded(x, w):
        return Convolution.apply(geometry, as_tensor(x), as_tensor(w), None)
    return _convolve(x, w, geometry)


def convolve_input(geometry: Geometry, g: Any, w: Any) -> Any:
    """The transposed convolution of arrays, or (recorded) of tensors."""
    if _recorded(g, w):
        return ConvolutionInput.apply(geometry, as_tensor(g), as_tensor(w))
    return _convolve_input(g, w, geometry)


def convolve_weight(geometry: Geometry, x: Any, g: Any) -> Any:
    """The weight gradient of arrays, or (recorded) of tensors."""
    if _recorded(x, g):
        return ConvolutionWeight.apply(geometry, as_tensor(x), as_tensor(g))
    return _convolve_weight(x, g, geometry)


class Convolution(Primitive):
    """y = x ⋆ w + b (cross-correlation over the padded input; b per output channel);
    dy/dx = ConvolutionInput(g, w), dy/dw = ConvolutionWeight(x, g), dy/db = Σ g over the
    batch and the windows.

    The bias is a part of it for speed, added in place into the product's fresh array; the
    im2col columns are kept for the weight's gradient, so they are built once per step.
    """

    @staticmethod
    def forward(ctx: Context, geometry: Geometry, x: Tensor, weight: Tensor,
                bias: Tensor | None) -> Any:
        ctx.geometry = geometry
        ctx.save_for_backward(x, weight)
        columns = _columns(x.array, geometry)
        if weight.requires_grad:
            ctx.columns = columns
        y = _convolve(x.array, weight.array, geometry, columns)
        if bias is not None:
            y += _array.namespace(y).reshape(bias.array, (-1,) + (1,) * len(geometry.kernel))
        return y

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, weight = ctx.saved_tensors
        geometry = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[1:]
        grad_x = convolve_input(geometry, grad_output, weight) if need_x else None
        grad_w = grad_b = None
        if need_w:
            if isinstance(grad_output, Tensor):  # recorded: the columns would be constants
                grad_w = convolve_weight(geometry, x, grad_output)
            else:
                grad_w = _convolve_weight(x, grad_output, geometry, ctx.columns)
        if need_b:
            axes = (0,) + tuple(range(2, grad_output.ndim))
            if isinstance(grad_output, Tensor):
                grad_b = grad_output.sum(axis=axes)
            else:
                grad_b = _array.namespace(grad_output).sum(grad_output, axis=axes)
        return None, grad_x, grad_w, grad_b


class ConvolutionInput(Primitive):
    """z = ConvolutionInput(g, w), the adjoint of the convolution in its input (the
    transposed convolution): ⟨z, x⟩ = ⟨g, x ⋆ w⟩ for every x. So dz/dg is the convolution
    of the gradient with w, and dz/dw is ConvolutionWeight(gradient, g)."""

    @staticmethod
    def forward(ctx: Context, geometry: Geometry, g: Tensor, weight: Tensor) -> Any:
        ctx.geometry = geometry
        ctx.save_for_backward(g, weight)
        return _convolve_input(g.array, weight.array, geometry)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        g, weight = ctx.saved_tensors
        geometry = ctx.geometry
        need_g, need_w = ctx.needs_input_grad[1:]
        grad_g = convolve(geometry, grad_output, weight) if need_g else None
        grad_w = convolve_weight(geometry, grad_output, g) if need_w else None
        return None, grad_g, grad_w


class ConvolutionWeight(Primitive):
    """v = ConvolutionWeight(x, g), the adjoint of the convolution in its weight:
    ⟨v, w⟩ = ⟨g, x ⋆ w⟩ for every w. So dv/dx = ConvolutionInput(g, gradient) and
    dv/dg = x ⋆ gradient."""

    @staticmethod
    def forward(ctx: Context, geometry: Geometry, x: Tensor, g: Tensor) -> Any:
        ctx.geometry = geometry
        ctx.save_for_backward(x, g)
        return _convolve_weight(x.array, g.array, geometry)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, g = ctx.saved_tensors
        geometry = ctx.geometry
        need_x, need_g = ctx.needs_input_grad[1:]
        grad_x = convolve_input(geometry, g, grad_output) if need_x else None
        grad_g = convolve(geometry, x, grad_output) if need_g else None
        return None, grad_x, grad_g
