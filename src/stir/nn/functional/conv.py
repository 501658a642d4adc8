"""Convolutions, as PyTorch's `F.conv1d`, `F.conv2d`, `F.conv_transpose1d` and
`F.conv_transpose2d`: the arguments read and checked here, the maths done by the three
primitives of `stir.ops.conv`."""

from __future__ import annotations

import numbers
from typing import Any, Sequence

from ... import _array
from ...ops.conv import Convolution, ConvolutionInput, Geometry
from ...tensor import Tensor, as_tensor

_AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(int(n) for n in x.shape)


def _text(shape: Sequence[Any]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def expand(value: Any, spatial: int, what: str, name: str, least: int) -> tuple[int, ...]:
    """An int or a tuple of `spatial` ints, each at least `least`, as a tuple."""
    values = (value,) * spatial if isinstance(value, numbers.Integral) else value
    if not isinstance(values, (tuple, list)) or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{name}: {what} must be an int or a tuple of {spatial} ints, "
                        f"got {value!r}")
    values = tuple(int(v) for v in values)
    if len(values) == 1:
        values *= spatial
    if len(values) != spatial:
        raise ValueError(f"{name}: {what} must be an int or a tuple of {spatial} ints, "
                         f"got {value!r}")
    if any(v < least for v in values):
        kind = "positive" if least == 1 else "non-negative"
        raise ValueError(f"{name}: {what} must be {kind}, got {_text(values)}")
    return values


def same_pads(kernel: Sequence[int], dilation: Sequence[int]) -> tuple[tuple[int, int], ...]:
    """padding='same' as PyTorch pads: d·(k - 1) in all, the odd one on the right/bottom."""
    totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
    return tuple((t // 2, t - t // 2) for t in totals)


def read_padding(padding: Any, kernel: Sequence[int], stride: Sequence[int],
                 dilation: Sequence[int], name: str) -> tuple[tuple[int, int], ...]:
    """The (before, after) zeros per spatial axis that `padding` asks for."""
    spatial = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * spatial
        if padding != "same":
            raise ValueError(f"{name}: invalid padding string {padding!r}, should be one of "
                             "{'valid', 'same'}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{name}: padding='same' is not supported for strided "
                             f"convolutions (stride {_text(stride)})")
        return same_pads(kernel, dilation)
    return tuple((p, p) for p in expand(padding, spatial, "padding", name, 0))


def _check_input(name: str, x: Tensor, spatial: int) -> None:
    axes = _AXES[spatial]
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(f"{name}: expected input of shape {_text(('N', 'C') + axes)} or "
                         f"{_text(('C',) + axes)}, got {_text(_shape(x))}")


def _check_weight(name: str, w: Tensor, spatial: int, groups: Any, transposed: bool) -> int:
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral):
        raise TypeError(f"{name}: groups must be an int, got {groups!r}")
    if groups < 1:
        raise ValueError(f"{name}: groups must be positive, got {groups}")
    kernel = tuple(f"k{a}" for a in _AXES[spatial])
    channels = ("in_channels", "out_channels/groups") if transposed else (
        "out_channels", "in_channels/groups")
    if w.ndim != spatial + 2:
        raise ValueError(f"{name}: expected weight of shape {_text(channels + kernel)}, got "
                         f"{_text(_shape(w))}")
    if w.shape[0] % groups:
        raise ValueError(f"{name}: the weight's {channels[0]} ({w.shape[0]}, of weight "
                         f"{_text(_shape(w))}) must be divisible by groups ({groups})")
    return int(groups)


def _check_bias(name: str, bias: Tensor | None, channels: int) -> None:
    if bias is not None and _shape(bias) != (channels,):
        raise ValueError(f"{name}: expected bias of shape ({channels},), got "
                         f"{_text(_shape(bias))}")


def _check_channels(name: str, x: Tensor, channels: int, w: Tensor, groups: int) -> None:
    received = x.shape[-(w.ndim - 1)]
    if received != channels:
        spatial = _AXES[w.ndim - 2]
        batch = ("N",) if x.ndim == w.ndim else ()
        raise ValueError(f"{name}: expected input of shape {_text(batch + (channels,) + spatial)}"
                         f" (weight {_text(_shape(w))}, groups={groups}), got "
                         f"{_text(_shape(x))}")


def convolution(name: str, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
                dilation: Any, groups: Any, spatial: int) -> Tensor:
    """The checked convolution of `spatial` spatial axes behind conv1d and conv2d."""
    x, w = as_tensor(input), as_tensor(weight)
    _check_input(name, x, spatial)
    groups = _check_weight(name, w, spatial, groups, transposed=False)
    _check_channels(name, x, w.shape[1] * groups, w, groups)
    b = None if bias is None else as_tensor(bias)
    _check_bias(name, b, w.shape[0])
    kernel = _shape(w)[2:]
    stride = expand(stride, spatial, "stride", name, 1)
    dilation = expand(dilation, spatial, "dilation", name, 1)
    pads = read_padding(padding, kernel, stride, dilation, name)
    size = _shape(x)[-spatial:]
    padded = tuple(n + a + c for n, (a, c) in zip(size, pads))
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(r > n for r, n in zip(reach, padded)):
        dilated = "" if reach == kernel else f" (dilated: {_text(reach)})"
        raise ValueError(f"{name}: kernel size {_text(kernel)}{dilated} is larger than the "
                         f"padded input {_text(padded)}")
    out = tuple(_array.output_size(n, k, s, d)
                for n, k, s, d in zip(padded, kernel, stride, dilation))
    geometry = Geometry(stride, dilation, pads, groups, size, kernel, out)
    unbatched = x.ndim == spatial + 1
    y = Convolution.apply(geometry, x.unsqueeze(0) if unbatched else x, w, b)
    return y.squeeze(0) if unbatched else y


def transposed_convolution(name: str, input: Any, weight: Any, bias: Any, stride: Any,
                           padding: Any, output_padding: Any, groups: Any, dilation: Any,
                           spatial: int) -> Tensor:
    """The checked transposed convolution behind conv_transpose1d and conv_transpose2d."""
    x, w = as_tensor(input), as_tensor(weight)
    _check_input(name, x, spatial)
    groups = _check_weight(name, w, spatial, groups, transposed=True)
    _check_channels(name, x, w.shape[0], w, groups)
    b = None if bias is None else as_tensor(bias)
    _check_bias(name, b, w.shape[1] * groups)
    kernel = _shape(w)[2:]
    stride = expand(stride, spatial, "stride", name, 1)
    dilation = expand(dilation, spatial, "dilation", name, 1)
    if isinstance(padding, str):
        raise TypeError(f"{name}: padding must be an int or a tuple of {spatial} ints, "
                        f"got {padding!r}")
    pads = tuple((p, p) for p in expand(padding, spatial, "padding", name, 0))
    extra = expand(output_padding, spatial, "output_padding", name, 0)
    if any(e >= s and e >= d for e, s, d in zip(extra, stride, dilation)):
        raise ValueError(f"{name}: output padding must be smaller than either stride or "
                         f"dilation, got output_padding={_text(extra)}, stride={_text(stride)},"
                         f" dilation={_text(dilation)}")
    inner = _shape(x)[-spatial:]
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1 for n, s, (p, _), d, k, e in
                 zip(inner, stride, pads, dilation, kernel, extra))
    if any(n < 1 for n in size):
        raise ValueError(f"{name}: the output size {_text(size)} of input "
                         f"{_text(_shape(x))} is too small (padding {_text(pads)})")
    geometry = Geometry(stride, dilation, pads, groups, size, kernel, inner)
    unbatched = x.ndim == spatial + 1
    y = ConvolutionInput.apply(geometry, x.unsqueeze(0) if unbatched else x, w)
    if b is not None:
        y = y + b.reshape((-1,) + (1,) * spatial)
    return y.squeeze(0) if unbatched else y


def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """The 1-D convolution (cross-correlation) of `conv2d`, of input (N, C, L) or (C, L)
    with weight (O, C/groups, k).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.conv1d(stir.tensor([[[1.0, 2.0, 3.0, 4.0]]]), stir.tensor([[[1.0, -1.0]]]))
    tensor([[[-1., -1., -1.]]])
    """
    return convolution("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """The 2-D convolution (a cross-correlation, as in PyTorch) of input (N, C, H, W) or
    (C, H, W) with weight (O, C/G, kH, kW):

        y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · x̃[n, g·C/G + c, i·s + p·d, j·s + q·d]

    where x̃ is x with `padding` zeros around (an int, a pair, "valid" for none or "same"
    for an output of the input's size: d·(k - 1) zeros, the odd one at the right/bottom;
    stride 1 only), s the stride, d the dilation and g = o // (O/G) the group of output o.
    The output has shape (N, O, (H + 2p - d·(kH - 1) - 1) // s + 1, ...). The gradients
    are the transposed convolution of the output's gradient (for x) and the correlation of
    x with it (for w); the bias's is its sum.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x = stir.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.conv2d(x, stir.ones(1, 1, 2, 2), stir.tensor([0.5]))
    tensor([[[[ 8.5, 12.5],
              [20.5, 24.5]]]])
    >>> F.conv2d(x, stir.ones(2, 1, 3, 3), padding="same").shape
    stir.Size([1, 2, 3, 3])
    """
    return convolution("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The 1-D transposed convolution of `conv_transpose2d`, of input (N, C, L) or (C, L)
    with weight (C, O/groups, k).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.conv_transpose1d(stir.tensor([[[1.0, 2.0]]]), stir.tensor([[[1.0, -1.0]]]))
    tensor([[[ 1.,  1., -2.]]])
    """
    return transposed_convolution("conv_transpose1d", input, weight, bias, stride, padding,
                                  output_padding, groups, dilation, 1)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Tensor:
    """The transposed convolution, the adjoint of `conv2d` in its input: each input value,
    times the kernel, added into the output at stride s (so it upsamples),

        y[n, o, i·s + p·d - pad, j·s + q·d - pad] += x[n, c, i, j] · w[c, o - g·O/G, p, q],

    for input (N, C, H, W) or (C, H, W) and weight (C, O/G, kH, kW), and a bias per output
    channel. The output has (H - 1)·s - 2·pad + d·(kH - 1) + output_padding + 1 rows;
    output_padding (smaller than the stride or the dilation) adds rows at the bottom.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.conv_transpose2d(stir.ones(1, 1, 2, 2), stir.ones(1, 1, 2, 2), stride=2).shape
    stir.Size([1, 1, 4, 4])
    """
    return transposed_convolution("conv_transpose2d", input, weight, bias, stride, padding,
                                  output_padding, groups, dilation, 2)
