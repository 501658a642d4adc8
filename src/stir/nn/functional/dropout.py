"""Dropout, as a function: `F.dropout`, and the one rule for an `inplace=True` result."""

from __future__ import annotations

import numbers
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
    if not training or p == 0:
        return x
    if p == 1:
        result = x * 0
    else:
        keep = _random.resolve(generator).random(x.shape) >= p  # drawn on the host
        scale = _array.beside(keep * (1 / (1 - p)), x.array, x.array.dtype)
        result = x * Tensor(scale)
    return in_place_result(x, result) if inplace else result
