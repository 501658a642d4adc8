"""Layers: `Linear`, `MLP`, `Maxout`, the dropouts (`Dropout`, `Dropout1d`, `Dropout2d`) and
the reshapers (`Flatten`, `Unflatten`, `Upsample`). `Sequential`, which MLP is, and the other
containers are in containers.py."""

from __future__ import annotations

import math
from typing import Any, Callable, Literal, Sequence

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import functional as F
from .containers import Sequential
from .functional.dropout import dropout_probability
from .module import Module
from .parameter import Parameter

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Flatten", "Linear", "MLP", "Maxout",
           "Sequential", "Unflatten", "Upsample"]


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
        dropout_probability(type(self).__name__, p)
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


class Dropout1d(Dropout):
    """Channel dropout as a module: wraps `F.dropout1d` (zero each channel x[n, c, :] of an
    (N, C, L) or (C, L) input with probability p in training, scaling the rest by
    1/(1-p)); in evaluation, the identity.

    >>> import stir
    >>> drop = stir.nn.Dropout1d(0.5, generator=stir.Generator().manual_seed(0))
    >>> out = drop(stir.ones(2, 3, 4))
    >>> bool((out == out[:, :, :1]).all())
    True
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout1d(x, self.p, self.training, self.inplace, generator=self.generator)


class Dropout2d(Dropout):
    """Channel dropout as a module: wraps `F.dropout2d` (zero each channel x[n, c, :, :] of
    an (N, C, H, W) input with probability p in training, scaling the rest by 1/(1-p));
    in evaluation, the identity. A 3-D input is read as (N, C, L), as PyTorch does today.

    >>> import stir
    >>> drop = stir.nn.Dropout2d(0.5, generator=stir.Generator().manual_seed(0))
    >>> out = drop(stir.ones(2, 3, 4, 4))
    >>> bool((out == out[:, :, :1, :1]).all()), drop.eval()(out) is out
    (True, True)
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout2d(x, self.p, self.training, self.inplace, generator=self.generator)


class Unflatten(Module):
    """Split dimension `dim` (negative from the end) into `unflattened_size`, one entry of
    which may be -1 (inferred): Flatten's inverse.

    >>> import stir
    >>> stir.nn.Unflatten(1, (2, -1))(stir.zeros(5, 12)).shape
    stir.Size([5, 2, 6])
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, but found "
                            f"type {type(unflattened_size).__name__}")
        for position, size in enumerate(unflattened_size):
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
                raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, but "
                                f"found element of type {type(size).__name__} at pos "
                                f"{position}")
        sizes = tuple(int(size) for size in unflattened_size)
        if not sizes or sizes.count(-1) > 1 or any(size < -1 for size in sizes):
            raise ValueError(f"Unflatten: unflattened_size must be one or more sizes, at most "
                             f"one of them -1; got {sizes}")
        self.dim, self.unflattened_size = int(dim), sizes

    def forward(self, x: Tensor) -> Tensor:
        shape = tuple(x.shape)
        if not -len(shape) <= self.dim < max(len(shape), 1):
            raise IndexError(f"{self!r}: dim {self.dim} is out of range for an input of "
                             f"shape {shape}")
        try:
            return x.unflatten(self.dim, self.unflattened_size)
        except RuntimeError:
            raise ValueError(f"{self!r}: the sizes {self.unflattened_size} do not multiply to "
                             f"dimension {self.dim} of the input, of shape {shape}") from None

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Upsample(Module):
    """Resample the spatial dimensions to `size` or by `scale_factor`: wraps
    `F.interpolate` (modes "nearest", "nearest-exact", "linear", "bilinear", "trilinear").

    >>> import stir
    >>> up = stir.nn.Upsample(scale_factor=2, mode="bilinear")
    >>> up, up(stir.ones(1, 3, 4, 4)).shape
    (Upsample(scale_factor=2.0, mode='bilinear'), stir.Size([1, 3, 8, 8]))
    """

    def __init__(self, size: int | tuple[int, ...] | None = None,
                 scale_factor: float | None = None,
                 mode: Literal["nearest", "nearest-exact", "linear", "bilinear",
                               "trilinear"] = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.size = tuple(size) if isinstance(size, (list, tuple)) else size
        if isinstance(scale_factor, (list, tuple)):  # PyTorch's per-axis form, kept too
            self.scale_factor: Any = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        shown = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                 else f"size={self.size!r}")
        return shown + f", mode={self.mode!r}"


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
