"""The affine map of a linear layer, as a function."""

from __future__ import annotations

from ...ops.linalg import Linear
from ...tensor import Tensor


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """The affine map input @ weightᵀ + bias, with weight of shape (out, in).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x = stir.tensor([[1.0, 2.0]])
    >>> F.linear(x, stir.tensor([[3.0, -1.0]]), stir.tensor([0.5]))
    tensor([[1.5]])
    """
    return Linear.apply(input if isinstance(input, Tensor) else Tensor(input), weight, bias)
