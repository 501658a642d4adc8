"""Pooling layers, as PyTorch's: `MaxPool1d`, `MaxPool2d`, `AvgPool1d`, `AvgPool2d`,
`AdaptiveAvgPool1d`, `AdaptiveAvgPool2d`. Each wraps its function of
`stir.nn.functional.pooling` (the formulas are there), keeps its constructor's arguments as
attributes of the same names, as PyTorch stores them, and has no parameters. The window
arguments are checked when the layer is made; the input's shape when it is called, in
messages that name the layer.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .functional import pooling as P
from .module import Module


class _Pool(Module):
    """What the layers share: their name in messages, which is their repr."""

    def _name(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class _MaxPool(_Pool):
    spatial = 2

    def __init__(self, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, dilation: int | tuple[int, ...] = 1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        P.window_arguments(type(self).__name__, kernel_size, stride, padding, dilation,
                           self.spatial)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = bool(return_indices), bool(ceil_mode)

    def forward(self, input: Any) -> Any:
        return P.max_pool(self._name(), input, self.kernel_size, self.stride, self.padding,
                          self.dilation, self.ceil_mode, self.return_indices, self.spatial)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPool):
    """The largest entry of each window of an (N, C, H, W) or (C, H, W) input: wraps
    `F.max_pool2d` (the gradient goes to the first maximum of each window, as PyTorch's).

    >>> import stir
    >>> layer = stir.nn.MaxPool2d(2)
    >>> layer
    MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    >>> layer(stir.zeros(8, 6, 24, 24)).shape
    stir.Size([8, 6, 12, 12])
    """

    spatial = 2


class MaxPool1d(_MaxPool):
    """The largest entry of each window of an (N, C, L) or (C, L) input: wraps
    `F.max_pool1d`.

    >>> import stir
    >>> stir.nn.MaxPool1d(3, stride=2)(stir.zeros(4, 2, 9)).shape
    stir.Size([4, 2, 4])
    """

    spatial = 1


class AvgPool2d(_Pool):
    """The mean of each window of an (N, C, H, W) or (C, H, W) input: wraps `F.avg_pool2d`.

    >>> import stir
    >>> layer = stir.nn.AvgPool2d(3, stride=2, padding=1)
    >>> layer
    AvgPool2d(kernel_size=3, stride=2, padding=1)
    >>> layer(stir.ones(1, 5, 5)).shape
    stir.Size([1, 3, 3])
    """

    def __init__(self, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None) -> None:
        super().__init__()
        P.window_arguments("AvgPool2d", kernel_size, stride, padding, 1, 2)
        if divisor_override is not None and (isinstance(divisor_override, bool) or not
                                             isinstance(divisor_override, int)
                                             or divisor_override == 0):
            raise ValueError(f"AvgPool2d: divisor_override must be a non-zero int or None, "
                             f"got {divisor_override!r}")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input: Any) -> Tensor:
        return P.avg_pool(self._name(), input, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad, self.divisor_override, 2)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _single(value: Any) -> tuple[int, ...]:
    """PyTorch's `_single`: AvgPool1d keeps its window arguments as 1-tuples."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class AvgPool1d(_Pool):
    """The mean of each window of an (N, C, L) or (C, L) input: wraps `F.avg_pool1d`. As
    PyTorch, it keeps its window arguments as 1-tuples.

    >>> import stir
    >>> layer = stir.nn.AvgPool1d(2)
    >>> layer
    AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))
    >>> layer(stir.tensor([[1.0, 3.0, 2.0, 0.0]]))
    tensor([[2., 1.]])
    """

    def __init__(self, kernel_size: int | tuple[int, ...],
                 stride: int | tuple[int, ...] | None = None,
                 padding: int | tuple[int, ...] = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        P.window_arguments("AvgPool1d", kernel_size, stride, padding, 1, 1)
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)

    def forward(self, input: Any) -> Tensor:
        return P.avg_pool(self._name(), input, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad, None, 1)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptiveAvgPool(_Pool):
    spatial = 2

    def __init__(self, output_size: int | tuple[int, ...]) -> None:
        super().__init__()
        P.output_sizes(type(self).__name__, output_size, self.spatial)
        self.output_size = output_size

    def forward(self, input: Any) -> Tensor:
        return P.adaptive_avg_pool(self._name(), input, self.output_size, self.spatial)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptiveAvgPool):
    """The mean over each of output_size bins of an (N, C, H, W) or (C, H, W) input, whatever
    its size: wraps `F.adaptive_avg_pool2d` (None in output_size keeps the input's size).

    >>> import stir
    >>> layer = stir.nn.AdaptiveAvgPool2d((1, 1))
    >>> layer
    AdaptiveAvgPool2d(output_size=(1, 1))
    >>> layer(stir.ones(2, 16, 5, 7)).shape
    stir.Size([2, 16, 1, 1])
    """

    spatial = 2


class AdaptiveAvgPool1d(_AdaptiveAvgPool):
    """The mean over each of output_size bins of an (N, C, L) or (C, L) input: wraps
    `F.adaptive_avg_pool1d`.

    >>> import stir
    >>> stir.nn.AdaptiveAvgPool1d(3)(stir.ones(2, 4, 10)).shape
    stir.Size([2, 4, 3])
    """

    spatial = 1
