"""`Parameter`: a tensor that a `Module` registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf tensor that requires grad and is registered by a `Module` on assignment.

    As `torch.nn.Parameter`, it shares memory with the tensor (or array) it is made from;
    made from a tensor with history (`Parameter(torch.randn(3, 2) * 0.1)`) it is a new leaf
    holding those values, with no history of its own. `Parameter()` is empty (shape (0,)).

    >>> import stir
    >>> w = stir.nn.Parameter(stir.zeros(2, 3))
    >>> w.requires_grad, w.shape, w.is_leaf
    (True, stir.Size([2, 3]), True)
    >>> stir.nn.Parameter(stir.ones(2, requires_grad=True) * 3)
    Parameter containing:
    tensor([3., 3.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.zeros(0, dtype=np.float32)
        if isinstance(data, Tensor):
            version = data._version
            data = data.array
        else:
            version, data = None, np.asarray(data)
        super().__init__(data, requires_grad=requires_grad)
        if version is not None:  # the same memory: in-place changes of either are seen
            self._version = version

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
