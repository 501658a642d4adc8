"""Tensor's `new_*` methods, as PyTorch's: a new tensor with this one's dtype and device
unless told otherwise, never requiring grad unless asked (even from a Parameter), and
sharing nothing with it. Used where a model makes its state, e.g. `weight.new_zeros(n, h)`
for an RNN's first hidden state.

One family of `Tensor`'s methods, a base class of `stir.tensor.Tensor`. `stir.creation`,
which they call, is built on Tensor (and on NumPy, which Tensor's seam with stir.ops may not
reach), so the package's `__init__` binds `_creation` here once both exist.

>>> import stir
>>> w = stir.nn.Parameter(stir.ones(2, dtype=stir.float64))
>>> h = w.new_zeros(3, 4)
>>> h.shape, h.dtype, h.requires_grad
(stir.Size([3, 4]), dtype('float64'), False)
>>> w.new_tensor([1, 2]).dtype, w.new_full((2,), 7.0).tolist()
(dtype('float64'), [7.0, 7.0])
"""

from __future__ import annotations

from typing import Any

_creation: Any = None  # stir.creation, bound by stir/__init__.py


class CreationMethods:
    """new_tensor, new_zeros, new_ones, new_empty, new_full."""

    def _like(self, dtype: Any, device: Any) -> dict[str, Any]:
        return {"dtype": self.dtype if dtype is None else dtype,  # type: ignore[attr-defined]
                "device": self.device if device is None else device}  # type: ignore

    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Any:
        """A copy of `data` with this tensor's dtype and device."""
        return _creation.tensor(data, **self._like(dtype, device), requires_grad=requires_grad)

    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        """Zeros of `size` (ints, or one tuple)."""
        return _creation.zeros(*size, **self._like(dtype, device), requires_grad=requires_grad)

    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        """Ones of `size` (ints, or one tuple)."""
        return _creation.ones(*size, **self._like(dtype, device), requires_grad=requires_grad)

    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
        """A tensor of `size` whose values are not to be relied on (zeros in stir)."""
        return _creation.empty(*size, **self._like(dtype, device), requires_grad=requires_grad)

    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Any:
        """`fill_value` everywhere in a tensor of `size`."""
        return _creation.full(size, fill_value, **self._like(dtype, device),
                              requires_grad=requires_grad)
