"""Initializers: fill a tensor in place, reproducibly from a seed or a `stir.Generator`.

Each takes the tensor first and returns it, with PyTorch's names (`xavier_uniform_`, ...).
fan_in is the number of inputs of a layer (a weight's last dimension, times the receptive
field for more than two dimensions) and fan_out its number of outputs.
"""

from __future__ import annotations

import math
import numpy as np

from .. import random as _random
from ..grad_mode import no_grad
from ..tensor import Tensor
from .module import Module

_GAINS = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2.0),
          "selu": 3 / 4, **dict.fromkeys(("conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                          "conv_transpose2d", "conv_transpose3d"), 1.0)}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale of weights for an activation, as in PyTorch.

    >>> import stir
    >>> round(stir.nn.init.calculate_gain("relu"), 4)
    1.4142
    """
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; known: "
                         f"{sorted([*_GAINS, 'leaky_relu'])}")
    return _GAINS[nonlinearity]


def fans(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *receptive field)."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor of 2 or more dimensions, got shape "
                         f"{tuple(tensor.shape)}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    with no_grad():
        tensor.array[...] = values
        tensor._version[0] += 1
    return tensor


def _rng(generator: _random.Generator | None) -> np.random.Generator:
    return _random.resolve(generator)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0,
             generator: _random.Generator | None = None) -> Tensor:
    """Fill with samples of U(a, b)."""
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: _random.Generator | None = None) -> Tensor:
    """Fill with samples of N(mean, std²)."""
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape))


def constant_(tensor: Tensor, value: float) -> Tensor:
    """Fill with `value`."""
    return _fill(tensor, np.full(tensor.shape, value))


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0,
                    generator: _random.Generator | None = None) -> Tensor:
    """Glorot: U(±a) with a = gain·√(6 / (fan_in + fan_out)), keeping the variance of
    activations and of gradients alike through the layer."""
    fan_in, fan_out = fans(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0,
                   generator: _random.Generator | None = None) -> Tensor:
    """Glorot: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fans(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     generator: _random.Generator | None = None) -> Tensor:
    """He: U(±√3·σ) with σ = gain/√fan, so ReLU layers keep the variance of activations."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    generator: _random.Generator | None = None) -> Tensor:
    """He: N(0, σ²) with σ = gain/√fan."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: _random.Generator | None = None) -> Tensor:
    """Fill with samples of N(mean, std²) truncated to [a, b] (redrawn until inside)."""
    rng, size = _rng(generator), int(np.prod(tensor.shape))
    values = np.empty(0)
    while values.size < size:
        draw = rng.normal(mean, std, size=2 * (size - values.size) + 8)
        values = np.concatenate([values, draw[(draw >= a) & (draw <= b)]])
    return _fill(tensor, values[:size].reshape(tensor.shape))


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D (convolution) weight with the Dirac delta, so the convolution
    keeps each of its first input channels in each group."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_channels = tensor.shape[0]
    if out_channels % groups:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = out_channels // groups
    values = np.zeros(tensor.shape)
    centre = tuple(n // 2 for n in tensor.shape[2:])
    for group in range(groups):
        for channel in range(min(per_group, tensor.shape[1])):
            values[(group * per_group + channel, channel) + centre] = 1
    return _fill(tensor, values)


def orthogonal_(tensor: Tensor, gain: float = 1.0,
                generator: _random.Generator | None = None) -> Tensor:
    """Fill with a (semi-)orthogonal matrix times `gain` (Saxe et al., 2013), from the QR
    decomposition of a normal draw, as PyTorch; more than 2 dimensions are flattened after
    the first."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    rows = tensor.shape[0]
    columns = int(np.prod(tensor.shape)) // rows if rows else 0
    flattened = _rng(generator).normal(0.0, 1.0, size=(rows, columns))
    if rows < columns:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q *= np.sign(np.diag(r))  # a unique decomposition: r's diagonal made positive
    if rows < columns:
        q = q.T
    return _fill(tensor, (gain * q).reshape(tensor.shape))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01,
            generator: _random.Generator | None = None) -> Tensor:
    """Fill a 2-D tensor with N(0, std²) samples, then zero ceil(sparsity·rows) random
    entries of each column."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, columns = tensor.shape
    rng = _rng(generator)
    values = rng.normal(0.0, std, size=(rows, columns))
    zeros = math.ceil(sparsity * rows)
    for column in range(columns):
        values[rng.permutation(rows)[:zeros], column] = 0
    return _fill(tensor, values)


def seed_init_(module: Module, bias: float = 0.1,
               generator: _random.Generator | None = None) -> Module:
    """The seeds' scheme (seed 001): standard-normal weights and every bias set to 0.1,
    for each parameter of `module` (weights: 2 or more dimensions; biases: one).

    >>> import stir
    >>> net = stir.nn.init.seed_init_(stir.nn.MLP([2, 5, 1]), generator=stir.Generator(0))
    >>> net[0].bias.tolist()[:2]
    [0.10000000149011612, 0.10000000149011612]
    """
    for parameter in module.parameters():
        if parameter.ndim >= 2:
            normal_(parameter, 0.0, 1.0, generator)
        else:
            constant_(parameter, bias)
    return module
