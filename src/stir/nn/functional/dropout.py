"""Dropout, as functions: `F.dropout` (elements), `F.dropout1d` and `F.dropout2d` (whole
channels), and the one rule for an `inplace=True` result."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

from ... import _array
from ... import random as _random
from ...tensor import Tensor, as_tensor


def dropout_probability(name: str, p: Any) -> float:
    """p as a float in [0, 1], or PyTorch's error."""
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")
    return float(p)


def in_place_result(input: Tensor, result: Tensor) -> Tensor:
    """What `inplace=True` returns: `input` holding `result`'s values, as PyTorch. While
    recording, that is an in-place change with PyTorch's rules: allowed on a tensor with
    history (which then ends in the change), refused on a leaf that requires grad."""
    input.copy_(result)
    return input


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            generator: _random.Generator | None = None) -> Tensor:
    """Inverted dropout: in training, each element is zeroed with probability p and the rest
    scaled by 1/(1-p), so the expected value is unchanged (all zeros at p = 1); out of
    training (`training=False`), the input itself. The mask is drawn from `generator` (or
    stir's global one); dy/dx is the same mask times 1/(1-p).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> out = F.dropout(stir.ones(100_000), 0.25, generator=stir.Generator().manual_seed(0))
    >>> sorted(set(round(v, 4) for v in out.tolist())), round(float(out.mean()), 2)
    ([0.0, 1.3333], 1.0)
    """
    p = dropout_probability("dropout", p)
    x = as_tensor(input)
    return _masked(x, x.shape, p, training, inplace, generator)


def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: _random.Generator | None = None) -> Tensor:
    """Channel dropout for (N, C, L) or (C, L) inputs: in training, each channel x[n, c, :]
    is zeroed whole with probability p and the rest scaled by 1/(1-p); out of training, the
    input itself. dy/dx is the same mask times 1/(1-p).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> out = F.dropout1d(stir.ones(2, 3, 4), generator=stir.Generator().manual_seed(0))
    >>> out[:, :, 0].tolist() == out[:, :, 3].tolist(), sorted(set(out.flatten().tolist()))
    (True, [0.0, 2.0])
    """
    p = dropout_probability("dropout1d", p)
    x = as_tensor(input)
    if x.ndim not in (2, 3):
        raise ValueError(f"dropout1d: expected input of shape (N, C, L) or (C, L), got "
                         f"{tuple(x.shape)}")
    channels = x.shape[:-1] + (1,)  # unbatched (C, L): one draw per channel
    return _masked(x, channels, p, training, inplace, generator)


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: _random.Generator | None = None) -> Tensor:
    """Channel dropout for (N, C, H, W) inputs: in training, each channel x[n, c, :, :] is
    zeroed whole with probability p and the rest scaled by 1/(1-p) (neighbouring pixels are
    correlated, so dropping single ones regularises little); out of training, the input
    itself. dy/dx is the same mask times 1/(1-p). A 3-D input is read as (N, C, L), with
    PyTorch's warning, as PyTorch does today (not as an unbatched (C, H, W)).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> out = F.dropout2d(stir.ones(4, 8, 2, 2), generator=stir.Generator().manual_seed(0))
    >>> bool((out == out[:, :, :1, :1]).all()), sorted(set(out.flatten().tolist()))
    (True, [0.0, 2.0])
    """
    p = dropout_probability("dropout2d", p)
    x = as_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected input of shape (N, C, H, W) or (N, C, L), got "
                         f"{tuple(x.shape)}")
    if x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim (as PyTorch); use dropout1d "
                      "for that", stacklevel=2)
    channels = x.shape[:2] + (1,) * (x.ndim - 2)
    return _masked(x, channels, p, training, inplace, generator)


def _masked(x: Tensor, channels: tuple[int, ...], p: float, training: bool,
                     inplace: bool, generator: _random.Generator | None) -> Tensor:
    """Dropout with one draw per entry of `channels` (x's shape, or x's with ones where a
    channel's mask is shared), broadcast over x."""
    if not training or p == 0:
        return x
    if p == 1:
        result = x * 0
    else:
        keep = _random.resolve(generator).random(channels) >= p  # drawn on the host
        scale = _array.beside(keep * (1 / (1 - p)), x.array, x.array.dtype)
        result = x * Tensor(scale)
    return in_place_result(x, result) if inplace else result
