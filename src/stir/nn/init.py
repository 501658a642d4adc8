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
          "selu": 3 / 4}


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
                         f"{tensor.shape}")
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
