"""Convolution layers: `Conv1d`, `Conv2d` (wrapping `F.conv1d`, `F.conv2d`) and
`ConvTranspose1d`, `ConvTranspose2d` (wrapping `F.conv_transpose1d`, `F.conv_transpose2d`),
with PyTorch's arguments, attributes, initialisation and reprs."""

from __future__ import annotations

import math
from typing import Any, Callable, Literal

import numpy as np

from .. import random as _random
from ..tensor import Tensor, as_tensor
from . import functional as F
from .functional.conv import expand, read_padding, same_pads
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")
_AXES = {1: ("L",), 2: ("H", "W")}


class _ConvNd(Module):
    """What the convolution layers share: their arguments read, checked and stored as
    PyTorch stores them, their parameters drawn, their repr and their input checks."""

    transposed = False
    spatial = 2

    def _setup(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
               padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
               output_padding: Any, dtype: Any, generator: _random.Generator | None) -> None:
        name, spatial = type(self).__name__, self.spatial
        for what, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only 'zeros' padding mode is supported, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = expand(kernel_size, spatial, "kernel_size", name, 1)
        self.stride = expand(stride, spatial, "stride", name, 1)
        self.dilation = expand(dilation, spatial, "dilation", name, 1)
        if isinstance(padding, str) and not self.transposed:
            read_padding(padding, self.kernel_size, self.stride, self.dilation, name)
            self.padding: Any = padding
        else:
            self.padding = expand(padding, spatial, "padding", name, 0)
        self.output_padding = expand(output_padding, spatial, "output_padding", name, 0)
        self.groups, self.padding_mode = int(groups), padding_mode
        if self.transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        # PyTorch's kaiming_uniform_(a=√5): U(±1/√fan_in), fan_in = shape[1]·∏kernel; the bias
        # draws from the same range
        bound = 1 / math.sqrt(shape[1] * math.prod(self.kernel_size))
        draw = _random.resolve(generator)
        self.weight = Parameter(draw.uniform(-bound, bound, size=shape).astype(dtype))
        if bias:
            self.bias = Parameter(draw.uniform(-bound, bound, size=(self.out_channels,))
                                  .astype(dtype))
        else:
            self.register_parameter("bias", None)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self.spatial:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.spatial:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.spatial:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text

    def _label(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _checked(self, input: Any) -> Tensor:
        """The input, once its rank and channel count are the layer's."""
        x = as_tensor(input)
        axes = _AXES[self.spatial]
        if x.ndim not in (self.spatial + 1, self.spatial + 2) or x.shape[-self.spatial - 1] \
                != self.in_channels:
            shapes = [("N", self.in_channels) + axes, (self.in_channels,) + axes]
            text = [("(" + ", ".join(str(n) for n in s) + ")") for s in shapes]
            raise ValueError(f"{self._label()}: expected input of shape {text[0]} or {text[1]}"
                             f", got {tuple(int(n) for n in x.shape)}")
        return x

    def _call(self, function: Callable[..., Tensor], *arguments: Any) -> Tensor:
        """function(*arguments), its errors named after the layer, not the function."""
        try:
            return function(*arguments)
        except ValueError as error:
            message = str(error).split(": ", 1)[-1]
            raise ValueError(f"{self._label()}: {message}") from None


class _Conv(_ConvNd):
    def forward(self, input: Tensor) -> Tensor:
        x = self._checked(input)
        padding = self.padding
        if self.padding_mode != "zeros":
            if padding == "same":
                pairs = same_pads(self.kernel_size, self.dilation)
            elif padding == "valid":  # (no padding: a string, not one amount per axis)
                pairs = tuple((0, 0) for _ in self.kernel_size)
            else:
                pairs = tuple((p, p) for p in padding)
            # F.pad's amounts go from the last axis backwards
            amounts = tuple(n for pair in reversed(pairs) for n in pair)
            x = F.pad(x, amounts, mode=self.padding_mode)
            padding = 0
        function = F.conv1d if self.spatial == 1 else F.conv2d
        return self._call(function, x, self.weight, self.bias, self.stride, padding,
                          self.dilation, self.groups)


class _ConvTranspose(_ConvNd):
    transposed = True

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        """The transposed convolution of input; `output_size` (the spatial sizes, or the
        whole shape) asks for one of the stride's possible output sizes, as PyTorch's:
        the output padding is then what reaches it, per axis, instead of the layer's."""
        x = self._checked(input)
        function = F.conv_transpose1d if self.spatial == 1 else F.conv_transpose2d
        return self._call(function, x, self.weight, self.bias, self.stride, self.padding,
                          self._output_padding(x, output_size), self.groups, self.dilation)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """The output padding that gives `output_size` (the layer's own when None)."""
        if output_size is None:
            return self.output_padding
        spatial = self.spatial
        sizes = list(output_size) if isinstance(output_size, (tuple, list)) else None
        if sizes is None or not all(isinstance(n, (int, np.integer)) and not isinstance(
                n, bool) for n in sizes):
            raise TypeError(f"{self._label()}: output_size must be a tuple of ints, got "
                            f"{output_size!r}")
        leading = x.ndim - spatial
        if len(sizes) == leading + spatial:
            sizes = sizes[leading:]
        if len(sizes) != spatial:
            raise ValueError(f"{self._label()}: for a {x.ndim}-D input, output_size must "
                             f"have {spatial} or {leading + spatial} elements, got "
                             f"{len(sizes)} ({tuple(output_size)})")
        inner = tuple(int(n) for n in x.shape[-spatial:])
        smallest = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
            inner, self.stride, self.padding, self.dilation, self.kernel_size))
        largest = tuple(m + s - 1 for m, s in zip(smallest, self.stride))
        if any(not lo <= int(n) <= hi for n, lo, hi in zip(sizes, smallest, largest)):
            raise ValueError(f"{self._label()}: requested an output size of "
                             f"{tuple(int(n) for n in sizes)}, but valid sizes range from "
                             f"{smallest} to {largest} (for an input of {inner})")
        return tuple(int(n) - m for n, m in zip(sizes, smallest))


class Conv1d(_Conv):
    """The 1-D convolution layer: wraps `F.conv1d` with its own weight
    (out_channels, in_channels/groups, kernel_size) and bias (out_channels), both drawn
    uniform in ±1/√(in_channels/groups · kernel_size) as PyTorch does. A `padding_mode`
    other than 'zeros' pads with `F.pad` first.

    >>> import stir
    >>> layer = stir.nn.Conv1d(2, 4, 3, padding="same")
    >>> layer
    Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same)  # 28 parameters
    >>> layer(stir.ones(8, 2, 10)).shape
    stir.Size([8, 4, 10])
    """

    spatial = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
                 dilation: int | tuple[int, ...] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: Literal["zeros", "reflect", "replicate", "circular"] = "zeros",
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                    bias, padding_mode, 0, dtype, generator)


class Conv2d(_Conv):
    """The 2-D convolution layer: wraps `F.conv2d` with its own weight
    (out_channels, in_channels/groups, kH, kW) and bias (out_channels), both drawn uniform
    in ±1/√(in_channels/groups · kH · kW) as PyTorch does. A `padding_mode` other than
    'zeros' pads with `F.pad` first.

    >>> import stir
    >>> layer = stir.nn.Conv2d(1, 6, 5)
    >>> layer
    Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))  # 156 parameters
    >>> layer(stir.ones(64, 1, 28, 28)).shape
    stir.Size([64, 6, 24, 24])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] | str = 0,
                 dilation: int | tuple[int, ...] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: Literal["zeros", "reflect", "replicate", "circular"] = "zeros",
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                    bias, padding_mode, 0, dtype, generator)


class ConvTranspose1d(_ConvTranspose):
    """The 1-D transposed convolution layer: wraps `F.conv_transpose1d` with its own weight
    (in_channels, out_channels/groups, kernel_size) and bias (out_channels), both uniform in
    ±1/√(out_channels/groups · kernel_size) as PyTorch draws them.

    >>> import stir
    >>> layer = stir.nn.ConvTranspose1d(4, 2, 3, stride=2)
    >>> layer(stir.ones(8, 4, 5)).shape
    stir.Size([8, 2, 11])
    """

    spatial = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                 output_padding: int | tuple[int, ...] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, ...] = 1, padding_mode: Literal["zeros"] = "zeros",
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                    bias, padding_mode, output_padding, dtype, generator)


class ConvTranspose2d(_ConvTranspose):
    """The 2-D transposed convolution layer (an upsampling): wraps `F.conv_transpose2d` with
    its own weight (in_channels, out_channels/groups, kH, kW) and bias (out_channels), both
    uniform in ±1/√(out_channels/groups · kH · kW) as PyTorch draws them.

    >>> import stir
    >>> layer = stir.nn.ConvTranspose2d(16, 6, 2, stride=2)
    >>> layer
    ConvTranspose2d(16, 6, kernel_size=(2, 2), stride=(2, 2))  # 390 parameters
    >>> layer(stir.ones(1, 16, 4, 4)).shape
    stir.Size([1, 6, 8, 8])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] = 1, padding: int | tuple[int, ...] = 0,
                 output_padding: int | tuple[int, ...] = 0, groups: int = 1, bias: bool = True,
                 dilation: int | tuple[int, ...] = 1, padding_mode: Literal["zeros"] = "zeros",
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        self._setup(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                    bias, padding_mode, output_padding, dtype, generator)
