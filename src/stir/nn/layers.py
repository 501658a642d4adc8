"""Layers: `Linear`, `MLP`, `Dropout`, `Flatten`, `Maxout` (`Sequential`, which MLP is, and
the other containers are in containers.py)."""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import functional as F
from .containers import Sequential
from .functional.dropout import dropout_probability
from .module import Module
from .parameter import Parameter

__all__ = ["Dropout", "Flatten", "Linear", "MLP", "Maxout", "Sequential"]


def _uniform(shape: tuple[int, ...], bound: float, generator: _random.Generator | None,
             dtype: Any) -> Parameter:
    values = _random.resolve(generator).uniform(-bound, bound, size=shape)
    return Parameter(values.astype(dtype))


class Linear(Module):
    """The affine map y = x Wᵀ + b, with W of shape (out_features, in_features).

    Initialised as PyTorch does: W and b uniform in ±1/√in_features.

    >>> import stir
    >>> layer = stir.nn.Linear(5, 2)
    >>> layer
    Linear(5 => 2)  # 12 parameters
    >>> layer(stir.ones(3, 5)).shape
    stir.Size([3, 2])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {value!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        bound = 1 / math.sqrt(in_features)
        self.weight = _uniform((out_features, in_features), bound, generator, dtype)
        if bias:
            self.bias = _uniform((out_features,), bound, generator, dtype)
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        parameters = self._parameters  # read directly: self.weight goes through __getattr__
        try:
            weight, bias = parameters["weight"], parameters["bias"]
        except KeyError:  # deleted: let the attribute lookup raise its usual error
            weight, bias = self.weight, self.bias
        try:
            return F.linear(x, weight, bias)
        except ValueError:
            shape = getattr(x, "shape", None)
            shape = tuple(shape) if shape is not None else None
            raise ValueError(
                f"{type(self).__name__}({self.in_features} => {self.out_features}) expects "
                f"inputs whose last dimension is {self.in_features}; got shape {shape}"
            ) from None

    def extra_repr(self) -> str:
        return f"{self.in_features} => {self.out_features}" + ("" if self.bias is not None
                                                                else ", bias=False")


def _activation_factory(activation: Any) -> Callable[[], Module]:
    """A maker of fresh activation modules from a name, a Module class or a module."""
    if isinstance(activation, str):
        from .activations import make_activation

        return lambda: make_activation(activation)
    if isinstance(activation, type) and issubclass(activation, Module):
        return activation
    if isinstance(activation, Module):
        if any(True for _ in activation.parameters()):
            raise ValueError(
                f"MLP: the activation {activation!r} has parameters, so each layer needs its "
                f"own: pass the class ({type(activation).__name__}) instead of an instance"
            )
        return lambda: activation
    raise TypeError(
        f"MLP: activation must be a name such as 'relu', a Module class or a module; got "
        f"{activation!r}"
    )


class MLP(Sequential):
    """A multilayer perceptron: affine maps alternating with an activation, built from the
    architecture, the sequence of layer widths (seed 001's word): for [2, 5, 1],
    Linear(2 => 5), activation, Linear(5 => 1) (then `output_activation`, if any).

    N(x) = W_k σ(… σ(W_2 σ(W_1 x + b_1) + b_2) …) + b_k

    >>> import stir
    >>> net = stir.nn.MLP([2, 5, 1])
    >>> net.architecture, net.parameter_count()
    ([2, 5, 1], 21)
    """

    def __init__(self, architecture: Sequence[int], activation: Any = "relu",
                 output_activation: Any = None, bias: bool = True, dtype: Any = np.float32,
                 generator: _random.Generator | None = None) -> None:
        widths = list(architecture)
        if len(widths) < 2 or any(not isinstance(w, (int, np.integer)) or w < 1 for w in widths):
            raise ValueError(
                f"MLP: the architecture must be two or more positive widths, got {widths}"
            )
        make = _activation_factory(activation)
        layers: list[Module] = []
        for index, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
            layers.append(Linear(n_in, n_out, bias=bias, dtype=dtype, generator=generator))
            if index < len(widths) - 2:
                layers.append(make())
        if output_activation is not None:
            layers.append(_activation_factory(output_activation)())
        super().__init__(*layers)
        self.architecture = [int(w) for w in widths]


class Dropout(Module):
    """Dropout as a module: wraps `F.dropout` (zero each element with probability p in
    training, scaling the rest by 1/(1-p)); in evaluation, the identity.

    >>> import stir
    >>> drop = stir.nn.Dropout(0.5, generator=stir.Generator().manual_seed(0))
    >>> out = drop(stir.ones(100_000))
    >>> sorted(set(out.tolist())), round(float(out.mean()), 2)
    ([0.0, 2.0], 1.0)
    """

    def __init__(self, p: float = 0.5, inplace: bool = False,
                 generator: _random.Generator | None = None) -> None:
        super().__init__()
        dropout_probability("Dropout", p)
        self.p, self.inplace = float(p), bool(inplace)
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.inplace, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}" + (", inplace=True" if self.inplace else "")


class Flatten(Module):
    """Merge dimensions start_dim … end_dim into one (by default all but the batch).

    >>> import stir
    >>> stir.nn.Flatten()(stir.zeros(2, 3, 4)).shape
    stir.Size([2, 12])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Maxout(Module):
    """y_j = max over k of (W_jk x + b_jk): the largest of `pieces` affine maps per output
    (Goodfellow et al., 2013; seed 004's table). The gradient goes to the winning piece.

    >>> import stir
    >>> layer = stir.nn.Maxout(3, 2, pieces=4)
    >>> layer(stir.ones(5, 3)).shape, layer.parameter_count()
    (stir.Size([5, 2]), 32)
    """

    def __init__(self, in_features: int, out_features: int, pieces: int = 2,
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        if not isinstance(pieces, (int, np.integer)) or pieces < 1:
            raise ValueError(f"Maxout: pieces must be a positive integer, got {pieces!r}")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        self.affine = Linear(in_features, out_features * pieces, dtype=dtype,
                             generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        z = self.affine(x)
        return z.reshape(*z.shape[:-1], self.out_features, self.pieces).max(axis=-1)

    def extra_repr(self) -> str:
        return f"{self.in_features} => {self.out_features}, pieces={self.pieces}"
