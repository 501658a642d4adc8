"""Normalisation layers, as PyTorch's: `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`,
`GroupNorm`. Each wraps its function in `stir.nn.functional.normalization`, where the
formulas are; a batch norm also keeps running statistics as buffers (running_mean,
running_var, num_batches_tracked: the keys of PyTorch's state dict, so one loads here).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..tensor import Tensor, as_tensor
from .functional import normalization as norm
from .module import Module
from .parameter import Parameter


def _positive(layer: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


def _real(layer: str, name: str, value: Any, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{layer}: {name} must be a float{' or None' if optional else ''}, "
                        f"got {value!r}")
    return float(value)


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ in the input ranks they take."""

    ranks: tuple[int, ...] = ()
    layouts: str = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 dtype: Any = np.float32, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = _positive(name, "num_features", num_features)
        self.eps = _real(name, "eps", eps)
        self.momentum = _real(name, "momentum", momentum, optional=True)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        channels = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(channels, dtype=dtype))
            self.bias = Parameter(np.zeros(channels, dtype=dtype)) if bias else None
        else:
            self.weight = self.bias = None
        if self.track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(channels, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(channels, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            for buffer in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(buffer, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batches seen (in place, as PyTorch)."""
        if self.track_running_stats:
            self.running_mean.array[...] = 0
            self.running_var.array[...] = 1
            self.num_batches_tracked.array[...] = 0

    def reset_parameters(self) -> None:
        """The running statistics reset, weight 1 and bias 0."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.array[...] = 1
        if self.bias is not None:
            self.bias.array[...] = 0

    def _check(self, x: Tensor) -> None:
        shape = tuple(x.shape)
        if x.ndim not in self.ranks:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected input of "
                             f"shape {self.layouts.format(C=self.num_features)}, got {shape}")
        if shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected input of "
                             f"shape {self.layouts.format(C=self.num_features)}, got {shape} "
                             f"({shape[1]} channels, not {self.num_features})")

    def forward(self, input: Any) -> Tensor:
        x = as_tensor(input)
        self._check(x)
        name = f"{type(self).__name__}({self.num_features})"
        tracking = self.training and self.track_running_stats
        # As PyTorch: out of training, batch statistics only when there are no running ones.
        batch_statistics = self.training or (self.running_mean is None
                                             and self.running_var is None)
        use_running = not self.training or self.track_running_stats
        return norm.batch_norm_counted(
            x, self.running_mean if use_running else None,
            self.running_var if use_running else None, self.weight, self.bias,
            batch_statistics, self.momentum if self.momentum is not None or tracking else 0.0,
            self.eps, self.num_batches_tracked if tracking else None, name)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs: wraps `F.batch_norm` with a
    per-channel weight (ones) and bias (zeros), and in training moves the running
    statistics by `momentum` (None: their cumulative average over num_batches_tracked
    batches), which out of training normalise instead (unless track_running_stats=False).

    >>> import stir
    >>> layer = stir.nn.BatchNorm1d(3)
    >>> layer.extra_repr()
    '3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True'
    >>> layer(stir.tensor([[0.0, 1.0, 2.0], [2.0, 3.0, 6.0]])).detach().round(decimals=3)
    tensor([[-1., -1., -1.],
            [ 1.,  1.,  1.]])
    >>> layer.running_mean, layer.num_batches_tracked
    (tensor([0.1, 0.2, 0.4]), tensor(1))
    """

    ranks = (2, 3)
    layouts = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, each channel over the batch and every
    position: wraps `F.batch_norm` as `BatchNorm1d` does.

    >>> import stir
    >>> layer = stir.nn.BatchNorm2d(4)
    >>> layer(stir.randn(2, 4, 3, 3)).shape, layer.running_var.shape
    (stir.Size([2, 4, 3, 3]), stir.Size([4]))
    """

    ranks = (4,)
    layouts = "(N, {C}, H, W)"


class LayerNorm(Module):
    """Layer normalisation over the last dimensions, which must be `normalized_shape`:
    wraps `F.layer_norm`, with an elementwise weight (ones) and bias (zeros) of that shape
    when elementwise_affine (the bias only when `bias`).

    >>> import stir
    >>> layer = stir.nn.LayerNorm(2)
    >>> layer
    LayerNorm((2,), eps=1e-05, elementwise_affine=True, bias=True)  # 4 parameters
    >>> layer(stir.tensor([[1.0, 3.0]])).detach().round(decimals=3)
    tensor([[-1.,  1.]])
    """

    def __init__(self, normalized_shape: int | tuple[int, ...], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        self.normalized_shape = norm._normalized_shape("LayerNorm", normalized_shape)
        self.eps = _real("LayerNorm", "eps", eps)
        self.elementwise_affine = bool(elementwise_affine)
        shape = self.normalized_shape
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dtype))
            self.bias = Parameter(np.zeros(shape, dtype=dtype)) if bias else None
        else:
            self.weight = self.bias = None

    def forward(self, input: Any) -> Tensor:
        x = as_tensor(input)
        dims = self.normalized_shape
        if tuple(x.shape)[max(x.ndim - len(dims), 0):] != dims or x.ndim < len(dims):
            raise ValueError(f"LayerNorm({dims}): expected input of shape "
                             f"(*, {', '.join(map(str, dims))}), got {tuple(x.shape)}")
        return norm.layer_norm(x, dims, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation: the channels of (N, C, *) inputs split into num_groups groups,
    each standardised per sample; wraps `F.group_norm` with a per-channel weight (ones) and
    bias (zeros) when affine.

    >>> import stir
    >>> layer = stir.nn.GroupNorm(2, 4)
    >>> layer
    GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)  # 8 parameters
    >>> layer(stir.randn(3, 4, 5)).shape
    stir.Size([3, 4, 5])
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, dtype: Any = np.float32, *, bias: bool = True) -> None:
        super().__init__()
        self.num_groups = _positive("GroupNorm", "num_groups", num_groups)
        self.num_channels = _positive("GroupNorm", "num_channels", num_channels)
        if self.num_channels % self.num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.eps = _real("GroupNorm", "eps", eps)
        self.affine = bool(affine)
        if self.affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=dtype))
            self.bias = Parameter(np.zeros(self.num_channels, dtype=dtype)) if bias else None
        else:
            self.weight = self.bias = None

    def forward(self, input: Any) -> Tensor:
        x = as_tensor(input)
        channels = self.num_channels
        if x.ndim < 2 or x.shape[1] != channels:
            raise ValueError(f"GroupNorm({self.num_groups}, {channels}): expected input of "
                             f"shape (N, {channels}, *), got {tuple(x.shape)}")
        return norm.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
