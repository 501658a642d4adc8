"""Shape primitives: reshape, permute, indexing (and its adjoint, scatter-add), concatenate.

Reshape, permute and basic indexing return views of the input's memory, as NumPy and PyTorch
do; such a view shares its base's counter of in-place changes, so modifying either is caught
if backward still needs the old values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Context
from .primitive import Primitive
from ..tensor import Tensor
from . import dual


def _share_version_if_view(result: Tensor, source: Tensor) -> Tensor:
    if np.may_share_memory(result.data, source.data):
        result._version = source._version
    return result


class Reshape(Primitive):
    """z = x with a new shape (same elements, row-major order);  dz/dx reshapes back."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, shape: tuple[int, ...]) -> Any:
        ctx.shape = x.shape
        return x.data.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return grad_output.reshape(ctx.shape), None


class Permute(Primitive):
    """z = x with its dimensions reordered by `axes`;  dz/dx reorders back."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, axes: tuple[int, ...]) -> Any:
        inverse = [0] * len(axes)
        for position, axis in enumerate(axes):
            inverse[axis] = position
        ctx.inverse = tuple(inverse)
        return x.data.transpose(axes)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return dual.permute(grad_output, ctx.inverse), None


def is_basic_index(index: Any) -> bool:
    """True for indices made of ints, slices, None and Ellipsis (they give views)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(
        part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice))
        for part in parts
    )


class GetItem(Primitive):
    """z = x[index] (slices, integers, integer arrays, boolean masks);
    dz/dx scatters the gradient back, adding where an element was picked more than once."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, index: Any) -> Any:
        ctx.shape, ctx.index = x.shape, index
        return x.data[index]

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return dual.scatter_add(grad_output, ctx.index, ctx.shape), None


class ScatterAdd(Primitive):
    """z = zeros(shape) with z[index] += x (repeated indices add up);  dz/dx = z[index]."""

    @staticmethod
    def forward(ctx: Context, x: Tensor, index: Any, shape: tuple[int, ...]) -> Any:
        ctx.index = index
        return dual.scatter_add_array(x.data, index, shape)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        return grad_output[ctx.index], None, None


class Concatenate(Primitive):
    """z = the inputs joined along `axis`;  each input's gradient is its slice of dz."""

    @staticmethod
    def forward(ctx: Context, axis: int, *xs: Tensor) -> Any:
        ctx.axis = axis
        ctx.bounds = np.cumsum([0] + [x.shape[axis] for x in xs])
        return np.concatenate([x.data for x in xs], axis=axis)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        lead = (slice(None),) * ctx.axis
        grads = [None]
        for i, (start, stop) in enumerate(zip(ctx.bounds[:-1], ctx.bounds[1:])):
            needed = ctx.needs_input_grad[i + 1]
            grads.append(grad_output[lead + (slice(start, stop),)] if needed else None)
        return tuple(grads)
