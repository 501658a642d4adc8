"""Padding, as PyTorch's `F.pad`: composed of the shape primitives (slices, concatenation,
broadcasting), so its gradient is theirs: the slice of the output's gradient over the input,
plus, for reflect, replicate and circular padding, the gradients of the copied borders
added back where they were copied from."""

from __future__ import annotations

import numbers
from typing import Any, Sequence

from ... import _array, ops
from ...tensor import Tensor, as_tensor

MODES = ("constant", "reflect", "replicate", "circular")


def _along(axis: int, ndim: int, part: slice) -> tuple[slice, ...]:
    """The index taking `part` along `axis` and everything along the others."""
    return (slice(None),) * axis + (part,) + (slice(None),) * (ndim - axis - 1)


def _check(pad: Sequence[int], x: Tensor, mode: str, value: Any) -> list[int]:
    if mode not in MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad: pad must be a tuple of ints, not {type(pad).__name__}")
    for position, amount in enumerate(pad):
        if isinstance(amount, bool) or not isinstance(amount, numbers.Integral):
            raise TypeError(f"pad: pad must be a tuple of ints, but found element of type "
                            f"{type(amount).__name__} at pos {position}")
    if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise TypeError(f"pad: value must be a number, not {type(value).__name__}")
    pad = [int(p) for p in pad]
    if len(pad) % 2:
        raise ValueError("pad: padding length must be divisible by 2")
    if len(pad) > 2 * x.ndim:
        raise ValueError(f"pad: padding length should be less than or equal to two times the "
                         f"input dimension but got padding length {len(pad)} and input of "
                         f"dimension {x.ndim}")
    if mode != "constant":
        if value is not None:
            raise ValueError(f'pad: padding mode "{mode}" doesn\'t take in value argument')
        padded = len(pad) // 2
        if padded not in (1, 2, 3) or x.ndim not in (padded + 1, padded + 2):
            raise NotImplementedError(
                f"pad: {mode} padding of {padded} dimension(s) (a pad of length {len(pad)}) "
                f"needs an input of {padded + 1} or {padded + 2} dimensions (a batch and/or "
                f"channels first, as PyTorch); got {x.ndim}")
    return pad


def pad(input: Any, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last dimensions: `pad` = (before_last, after_last, before_second_last, ...),
    pairs from the last dimension backwards, as PyTorch. Modes: "constant" (fill with
    `value`, 0 by default; a negative pad crops), "reflect" (mirror without repeating the
    edge: pads smaller than the dimension), "replicate" (repeat the edge), "circular" (wrap
    around). The gradient reaches each input element once per place it appears.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x = stir.tensor([[0.0, 1.0, 2.0]])
    >>> F.pad(x, (1, 2)), F.pad(x, (1, 2), mode="reflect")
    (tensor([[0., 0., 1., 2., 0., 0.]]), tensor([[1., 0., 1., 2., 1., 0.]]))
    >>> F.pad(x, (2, 1), mode="replicate"), F.pad(x, (1, 1), mode="circular")
    (tensor([[0., 0., 0., 1., 2., 2.]]), tensor([[2., 0., 1., 2., 0.]]))
    """
    x = as_tensor(input)
    amounts = _check(pad, x, mode, value)
    for pair in range(len(amounts) // 2):
        axis = x.ndim - 1 - pair
        before, after = amounts[2 * pair], amounts[2 * pair + 1]
        if before or after:
            x = _pad_axis(x, axis, before, after, mode, 0 if value is None else value)
    return x


def _pad_axis(x: Tensor, axis: int, before: int, after: int, mode: str, value: Any) -> Tensor:
    size, ndim = x.shape[axis], x.ndim
    if mode == "reflect" and max(before, after) >= size:
        raise ValueError(f"pad: padding size should be less than the corresponding input "
                         f"dimension, but got: padding ({before}, {after}) at dimension "
                         f"{axis} of input {list(x.shape)}")
    if mode == "circular" and max(before, after) > size:
        raise ValueError("pad: padding value causes wrapping around more than once.")
    cropped_before, cropped_after = max(-before, 0), max(-after, 0)
    if cropped_before + cropped_after > size:
        raise ValueError(f"pad: the input size {size}, plus negative padding {before} and "
                         f"{after} resulted in a negative output size, which is invalid "
                         f"(dimension {axis})")
    middle = x[_along(axis, ndim, slice(cropped_before, size - cropped_after))]
    parts = [_border(x, axis, before, mode, value, first=True), middle,
             _border(x, axis, after, mode, value, first=False)]
    return ops.concatenate([part for part in parts if part is not None], axis=axis)


def _border(x: Tensor, axis: int, amount: int, mode: str, value: Any,
            first: bool) -> Tensor | None:
    """The `amount` elements added before (`first`) or after x along `axis`."""
    if amount <= 0:
        return None
    size, ndim = x.shape[axis], x.ndim
    if mode == "constant":
        shape = x.shape[:axis] + (amount,) + x.shape[axis + 1:]
        array = x.array
        xp = _array.namespace(array)
        return Tensor(xp.full(shape, value, dtype=array.dtype, device=_array.device(array)))
    if mode == "reflect":  # the mirror image without the edge itself
        part = slice(amount, 0, -1) if first else slice(size - 2, _stop(size - 2 - amount), -1)
        return x[_along(axis, ndim, part)]
    if mode == "replicate":
        edge = x[_along(axis, ndim, slice(0, 1) if first else slice(size - 1, size))]
        return edge.broadcast_to(x.shape[:axis] + (amount,) + x.shape[axis + 1:])
    return x[_along(axis, ndim, slice(size - amount, size) if first else slice(0, amount))]


def _stop(index: int) -> int | None:
    """A slice's stop for a backward slice ending at element 0 (None: -1 means the last)."""
    return index if index >= 0 else None
