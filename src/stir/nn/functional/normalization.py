"""Normalisation, as PyTorch's `F.batch_norm`, `F.layer_norm` and `F.group_norm`: each
standardises x over some axes, x̂ = (x − μ)/√(σ² + eps) with the biased variance σ², then
scales and shifts it, y = x̂·w + b. They differ in the axes: batch norm every axis but the
channels (1), layer norm the last few, group norm each group of channels of one sample.
One primitive, `stir.ops.normalization.Normalize`, computes all three (and moves batch
norm's running statistics, so that a `stir.compile` replay moves them too).
"""

from __future__ import annotations

import numbers
from typing import Any, Sequence

from ...ops import normalization as _ops
from ...tensor import Tensor, as_tensor


def _shape(x: Any) -> tuple[int, ...]:
    return tuple(x.shape)


def _per_channel(name: str, what: str, value: Tensor | None, channels: int) -> None:
    """A weight, bias or running statistic must hold one value per channel."""
    if value is not None and _shape(value) != (channels,):
        raise ValueError(f"{name}: expected {what} of shape ({channels},), one value per "
                         f"channel of the input, got {_shape(value)}")


def _check_batch(name: str, x: Tensor) -> None:
    """Training needs more than one value per channel (else every x̂ is 0 and the unbiased
    variance is 0/0), as PyTorch checks."""
    shape = _shape(x)
    count = shape[0]
    for size in shape[2:]:
        count *= size
    if count == 1:
        raise ValueError(f"{name}: expected more than 1 value per channel when training, got "
                         f"input of shape {shape}")


def _epsilon(name: str, eps: Any) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real):
        raise TypeError(f"{name}: eps must be a float, got {type(eps).__name__}")
    return float(eps)


def batch_norm(input: Any, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation of x of shape (N, C), (N, C, L) or (N, C, H, W): each channel c
    standardised over every other axis, y = (x − μ_c)/√(σ²_c + eps)·w_c + b_c.

    In training μ and σ² (biased) are the batch's, and when given, the running statistics
    move towards them in place: running = (1 − momentum)·running + momentum·batch, with the
    batch's unbiased variance for running_var. Out of training the running statistics are
    μ and σ², so y is an affine map of x. Gradients flow to x, weight and bias; in training
    dx = (w/σ)·(dy − mean(dy) − x̂·mean(dy·x̂)), the means over the axes normalised.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x = stir.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> mean, var = stir.zeros(2), stir.ones(2)
    >>> F.batch_norm(x, mean, var, training=True, eps=0.0)
    tensor([[-1., -1.],
            [ 1.,  1.]])
    >>> mean, var
    (tensor([0.2, 2. ]), tensor([ 1.1, 20.9]))
    """
    return batch_norm_counted(input, running_mean, running_var, weight, bias, training,
                              momentum, eps, None, "batch_norm")


def batch_norm_counted(input: Any, running_mean: Tensor | None, running_var: Tensor | None,
                       weight: Tensor | None, bias: Tensor | None, training: bool,
                       momentum: float | None, eps: float, counter: Tensor | None,
                       name: str) -> Tensor:
    """`batch_norm`, also counting the batches in `counter` (a module's
    num_batches_tracked), which momentum=None needs for its cumulative average; errors
    start with `name`."""
    x = as_tensor(input)
    eps = _epsilon(name, eps)
    if x.ndim < 2:
        raise ValueError(f"{name}: expected input of shape (N, C, *), with at least 2 "
                         f"dimensions, got {_shape(x)}")
    if momentum is None and counter is None:
        raise TypeError(f"{name}: momentum must be a float, got None (a cumulative average "
                        "needs a count of batches: nn.BatchNorm1d(momentum=None) keeps one)")
    channels = x.shape[1]
    for what, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        _per_channel(name, what, value, channels)
    view = (1, channels) + (1,) * (x.ndim - 2)
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        _check_batch(name, x)
        return _ops.Normalize.apply(x, weight, bias, running_mean, running_var, counter,
                                    axes, view, momentum, eps)
    if running_mean is None or running_var is None:
        raise ValueError(f"{name}: running_mean and running_var must be given out of "
                         "training (training=False normalises with them)")
    # An affine map of x: composed, since nothing here needs a primitive of its own.
    scale = (running_var + eps) ** -0.5
    if weight is not None:
        scale = scale * weight
    out = (x - running_mean.reshape(view)) * scale.reshape(view)
    return out + bias.reshape(view) if bias is not None else out


def _normalized_shape(name: str, normalized_shape: Any) -> tuple[int, ...]:
    """PyTorch's normalized_shape (an int or a sequence of ints) as a tuple."""
    dims = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else (
        tuple(normalized_shape) if isinstance(normalized_shape, Sequence) else None)
    if dims is None or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool)
                               for d in dims):
        raise TypeError(f"{name}: normalized_shape must be an int or a sequence of ints, got "
                        f"{normalized_shape!r}")
    if not dims or any(d < 1 for d in dims):
        raise ValueError(f"{name}: normalized_shape must be positive sizes, got "
                         f"{normalized_shape!r}")
    return tuple(int(d) for d in dims)


def layer_norm(input: Any, normalized_shape: int | Sequence[int],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Layer normalisation: each sample standardised over its last len(normalized_shape)
    axes (which must be `normalized_shape`), y = (x − μ)/√(σ² + eps)·w + b, with w and b
    of shape normalized_shape, elementwise. The gradient is that of `batch_norm` in
    training, its means over the normalised axes.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.layer_norm(stir.tensor([[1.0, 3.0], [0.0, 10.0]]), (2,), eps=0.0)
    tensor([[-1.,  1.],
            [-1.,  1.]])
    """
    x = as_tensor(input)
    name = "layer_norm"
    dims = _normalized_shape(name, normalized_shape)
    eps = _epsilon(name, eps)
    if _shape(x)[x.ndim - len(dims):] != dims or x.ndim < len(dims):
        raise ValueError(f"{name}: expected input of shape (*, {', '.join(map(str, dims))}) "
                         f"for normalized_shape={dims}, got {_shape(x)}")
    for what, value in (("weight", weight), ("bias", bias)):
        if value is not None and _shape(value) != dims:
            raise ValueError(f"{name}: expected {what} of shape {dims} (normalized_shape), "
                             f"got {_shape(value)}")
    axes = tuple(range(x.ndim - len(dims), x.ndim))
    return _ops.Normalize.apply(x, weight, bias, None, None, None, axes, None, None, eps)


def group_norm(input: Any, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalisation of x of shape (N, C, *): the C channels split into num_groups
    groups of C/num_groups, each group of each sample standardised over its channels and
    positions, then y = x̂·w_c + b_c per channel.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x = stir.tensor([[1.0, 3.0, 0.0, 10.0]])
    >>> F.group_norm(x, 2, eps=0.0)
    tensor([[-1.,  1., -1.,  1.]])
    """
    x = as_tensor(input)
    name = "group_norm"
    eps = _epsilon(name, eps)
    if isinstance(num_groups, bool) or not isinstance(num_groups, numbers.Integral):
        raise TypeError(f"{name}: num_groups must be an int, got {num_groups!r}")
    if x.ndim < 2:
        raise ValueError(f"{name}: expected input of shape (N, C, *), with at least 2 "
                         f"dimensions, got {_shape(x)}")
    shape = _shape(x)
    channels = shape[1]
    if num_groups < 1 or channels % num_groups:
        raise ValueError(f"{name}: expected the input's {channels} channels to split into "
                         f"num_groups={num_groups} equal groups, got input of shape {shape}")
    for what, value in (("weight", weight), ("bias", bias)):
        _per_channel(name, what, value, channels)
    groups = int(num_groups)
    positions = 1
    for size in shape[2:]:
        positions *= size
    grouped = (shape[0], groups, channels // groups, positions)
    out = _ops.Normalize.apply(x.reshape(grouped), weight, bias, None, None, None, (2, 3),
                               (1, groups, channels // groups, 1), None, eps)
    return out.reshape(shape)
