"""`Parameter`: a tensor that a `Module` registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered by a `Module` on assignment.

    It shares memory with the array or tensor it is made from, as `torch.nn.Parameter` does.

    >>> import stir
    >>> w = stir.nn.Parameter(stir.zeros(2, 3))
    >>> w.requires_grad, w.shape
    (True, (2, 3))
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.zeros(0, dtype=np.float32)
        if isinstance(data, Tensor):
            if data.grad_fn is not None:
                raise ValueError(
                    "a Parameter must be made from a leaf tensor (this one has a grad_fn); "
                    "use .detach() first"
                )
            data = data.array
        super().__init__(np.asarray(data), requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
