"""Gradient clipping, as `torch.nn.utils`: rescale all gradients when their joint norm is too
large, or clamp each gradient entry to a range. Both work in place on `.grad`, on arrays of
any namespace (through the array seam)."""

from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

from .. import _array
from .._types import Array
from ..tensor import Tensor


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients so that their total norm is at most `max_norm`; return that norm.

    The total norm is the p-norm of all gradients seen as one vector (the p-norm of their
    p-norms); every gradient is multiplied by min(1, max_norm / (total_norm + 1e-6)).
    Parameters without a gradient are skipped.

    >>> import stir
    >>> from stir.nn.utils import clip_grad_norm_
    >>> w = stir.tensor([1.0, 1.0], requires_grad=True)
    >>> b = stir.tensor([1.0], requires_grad=True)
    >>> (3 * w.sum() + 4 * b.sum()).backward()        # gradients [3, 3] and [4]
    >>> clip_grad_norm_([w, b], max_norm=1.0, norm_type="inf")
    tensor(4.)
    >>> [round(g, 4) for g in w.grad.tolist() + b.grad.tolist()]   # scaled by 1 / 4
    [0.75, 0.75, 1.0]
    """
    grads = _grads(parameters)
    if isinstance(max_norm, bool) or not isinstance(max_norm, numbers.Real) \
            or not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be a number >= 0, got {max_norm!r}")
    p = _norm_order(norm_type)
    if not grads:
        return Tensor(_array.NUMPY.zeros((), dtype=_array.NUMPY.float32))
    xp = _array.namespace(grads[0].array)
    dtype = xp.result_type(*[grad.array for grad in grads])
    norms = xp.stack([xp.astype(_vector_norm(grad.array, p), dtype) for grad in grads])
    total = _vector_norm(norms, p)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is {total} and so cannot be "
            "clipped; pass error_if_nonfinite=False to clip anyway (the gradients become nan "
            "or 0)"
        )
    scale = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    if not scale == 1.0:  # also when nan: nan gradients, as in PyTorch
        with _array.errstate(invalid="ignore"):  # inf·0 = nan is the documented outcome
            for grad in grads:
                _array.update("mul", grad.array, scale)
                grad._version[0] += 1
    return Tensor(total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient entry into [−clip_value, clip_value], in place.

    >>> import stir
    >>> from stir.nn.utils import clip_grad_value_
    >>> w = stir.tensor([1.0, 1.0, 1.0], requires_grad=True)
    >>> (w * stir.tensor([-3.0, 0.5, 2.0])).sum().backward()
    >>> clip_grad_value_([w], 1.0)
    >>> w.grad
    tensor([-1. ,  0.5,  1. ])
    """
    grads = _grads(parameters)
    if isinstance(clip_value, bool) or not isinstance(clip_value, numbers.Real) \
            or not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be a number >= 0, got "
                         f"{clip_value!r}")
    for grad in grads:
        _array.clip_into(grad.array, -clip_value, clip_value)
        grad._version[0] += 1


def _grads(parameters: Any) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = []
    for index, param in enumerate(parameters):
        if not isinstance(param, Tensor):
            raise TypeError(f"gradient clipping takes Tensors; item {index} is a "
                            f"{type(param).__name__}")
        if param.grad is not None:
            grads.append(param.grad)
    return grads


def _norm_order(norm_type: Any) -> float:
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        p = math.nan
    if not p > 0:
        raise ValueError(f"norm_type must be a positive number or 'inf', got {norm_type!r}")
    return p


def _vector_norm(array: Array, p: float) -> Any:
    """The p-norm of all entries of `array`, as a 0-d array of its namespace and dtype."""
    xp = _array.namespace(array)
    if array.size == 0:
        return xp.zeros((), dtype=array.dtype, device=_array.device(array))
    if p == 2:
        return xp.sqrt(_array.sum_of_squares(array))
    magnitude = xp.abs(xp.reshape(array, (-1,)))
    if p == math.inf:
        return xp.max(magnitude)
    if p == 1:
        return xp.sum(magnitude)
    return xp.sum(magnitude**p) ** (1 / p)
