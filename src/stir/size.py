"""`Size`: a tensor's shape, a tuple of ints that prints as PyTorch's `torch.Size` does.

>>> import stir
>>> x = stir.zeros(2, 3)
>>> x.shape
stir.Size([2, 3])
>>> x.shape == (2, 3), x.shape.numel()
(True, 6)
"""

from __future__ import annotations

import math


class Size(tuple):  # type: ignore[type-arg]
    """A shape: a tuple of ints (equal to the plain tuple), with PyTorch's `numel()` and repr.
    Its slices and sums are plain tuples (PyTorch's are Sizes): tuple's own fast indexing is
    kept, since stir's code reads shapes on every step."""

    __slots__ = ()

    def numel(self) -> int:
        """The number of elements of a tensor of this shape: the product of its sizes."""
        return math.prod(self)

    def __repr__(self) -> str:
        return f"stir.Size({list(self)})"
