"""The named tuples PyTorch's `torch.return_types` gives for results of two or more tensors:
`values, indices = x.sort()` or `_, predicted = x.max(1)` unpacks them, and
`x.sort().indices` reads one by name. They print with PyTorch's names: `max(values=...,
indices=...)`.

>>> import stir
>>> stir.tensor([3.0, 1.0]).sort()
sort(values=tensor([1., 3.]), indices=tensor([1, 0]))
"""

from __future__ import annotations

from typing import NamedTuple

from ..tensor import Tensor


class sort(NamedTuple):  # noqa: N801 (PyTorch's name)
    values: Tensor
    indices: Tensor


class topk(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class histogram(NamedTuple):  # noqa: N801
    hist: Tensor
    bin_edges: Tensor


class max_result(NamedTuple):  # noqa: N801 (PyTorch's torch.return_types.max, as it prints)
    values: Tensor
    indices: Tensor


class min_result(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class median_result(NamedTuple):  # noqa: N801
    values: Tensor
    indices: Tensor


class aminmax_result(NamedTuple):  # noqa: N801
    min: Tensor
    max: Tensor


# (`max` and `min` are also Python's builtins, so these four keep a suffix in the code.)
max_result.__name__ = max_result.__qualname__ = "max"
min_result.__name__ = min_result.__qualname__ = "min"
median_result.__name__ = median_result.__qualname__ = "median"
aminmax_result.__name__ = aminmax_result.__qualname__ = "aminmax"
