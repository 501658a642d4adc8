"""Activation modules, one per function of `stir.nn.functional`, and `make_activation`.

Each module's forward is its function (`stir.nn.functional.activations` states the maths and
the derivative conventions); PReLU and APL hold learnable parameters, RReLU is random in training.
Maxout, which changes the width, is a layer (`stir.nn.Maxout`).
"""

from __future__ import annotations

import difflib
from typing import Any, Callable, Literal

import numpy as np

from .. import random as _random
from ..tensor import Tensor
from . import functional as F
from .functional.activations import implicit_dim
from .functional.dropout import in_place_result
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """The identity as a module: wraps `F.identity`, which returns its input itself.

    >>> import stir
    >>> stir.nn.Identity()(stir.tensor([1.0, -2.0]))
    tensor([ 1., -2.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.identity(x)


class Step(Module):
    """The Heaviside step as a module: wraps `F.step` (its formula and derivative).

    >>> import stir
    >>> stir.nn.Step()(stir.tensor([-1.0, 0.0, 3.0]))
    tensor([0., 1., 1.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.step(x)


class Sign(Module):
    """The sign as a module: wraps `F.sign`.

    >>> import stir
    >>> stir.nn.Sign()(stir.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.sign(x)


class Sigmoid(Module):
    """The logistic sigmoid as a module: wraps `F.sigmoid` (exact for any x).

    >>> import stir
    >>> stir.nn.Sigmoid()(stir.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """The hyperbolic tangent as a module: wraps `F.tanh`.

    >>> import stir
    >>> stir.nn.Tanh()(stir.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class ReLU(Module):
    """The rectified linear unit as a module: wraps `F.relu`. With `inplace=True` the input
    itself is overwritten and returned, with PyTorch's in-place rules (see `F.dropout`'s
    `in_place_result`).

    >>> import stir
    >>> stir.nn.ReLU()(stir.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    >>> x = stir.tensor([-1.0, 2.0])
    >>> stir.nn.ReLU(inplace=True)(x) is x, x
    (True, tensor([0., 2.]))
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        result = F.relu(x)
        return in_place_result(x, result) if self.inplace and isinstance(x, Tensor) else result

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """The leaky ReLU as a module: wraps `F.leaky_relu` with its `negative_slope`.

    >>> import stir
    >>> stir.nn.LeakyReLU(0.2)
    LeakyReLU(negative_slope=0.2)
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class VeryLeakyReLU(LeakyReLU):
    """The very leaky ReLU (slope 1/3 by default) as a module: wraps
    `F.very_leaky_relu`.

    >>> import stir
    >>> stir.nn.VeryLeakyReLU()(stir.tensor([-3.0, 3.0]))
    tensor([-1.,  3.])
    """

    def __init__(self, negative_slope: float = 1 / 3) -> None:
        super().__init__(negative_slope)


class PReLU(Module):
    """The parametric ReLU as a module: wraps `F.prelu` with a learnable slope, one for all
    channels or one per channel (dimension 1), starting at `init`.

    >>> import stir
    >>> layer = stir.nn.PReLU(3)
    >>> layer, layer(stir.ones(2, 3)).shape
    (PReLU(num_parameters=3)  # 3 parameters, stir.Size([2, 3]))
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25,
                 dtype: Any = np.float32) -> None:
        super().__init__()
        if not isinstance(num_parameters, (int, np.integer)) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive integer, "
                             f"got {num_parameters!r}")
        self.num_parameters = int(num_parameters)
        self.weight = Parameter(np.full(self.num_parameters, init, dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """The randomized leaky ReLU as a module: wraps `F.rrelu`; in training each slope is
    drawn uniformly from [lower, upper] (from `generator`), in evaluation it is
    (lower + upper)/2.

    >>> import stir
    >>> stir.nn.RReLU(0.1, 0.3).eval()(stir.tensor([-10.0, 1.0]))
    tensor([-2.,  1.])
    """

    def __init__(self, lower: float = 1 / 8, upper: float = 1 / 3,
                 generator: _random.Generator | None = None) -> None:
        super().__init__()
        if not 0 <= lower <= upper:
            raise ValueError(f"RReLU: need 0 ≤ lower ≤ upper, got lower={lower}, upper={upper}")
        self.lower, self.upper = float(lower), float(upper)
        self.generator = generator

    def forward(self, x: Tensor) -> Tensor:
        return F.rrelu(x, self.lower, self.upper, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}"


class ELU(Module):
    """The exponential linear unit as a module: wraps `F.elu` with its `alpha`.

    >>> import stir
    >>> stir.nn.ELU(alpha=2.0)
    ELU(alpha=2.0)
    """

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """The softplus as a module: wraps `F.softplus` with its `beta` and `threshold`.

    >>> import stir
    >>> stir.nn.Softplus()
    Softplus(beta=1.0, threshold=20.0)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class CenteredSoftplus(Module):
    """The softplus shifted to pass through 0 as a module: wraps `F.centered_softplus`.

    >>> import stir
    >>> stir.nn.CenteredSoftplus()(stir.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.centered_softplus(x)


class APL(Module):
    """The adaptive piecewise linear unit as a module: wraps `F.apl` with `num_hinges` (S)
    learnable hinges, shared by all features or, given `num_features`, one set per feature
    (last dimension). The slopes a start at 0 (a ReLU), the hinges b uniform in [-1, 1].

    >>> import stir
    >>> layer = stir.nn.APL(num_hinges=2, num_features=4)
    >>> layer, layer(stir.ones(3, 4)).shape
    (APL(num_hinges=2, num_features=4)  # 16 parameters, stir.Size([3, 4]))
    """

    def __init__(self, num_hinges: int = 2, num_features: int | None = None,
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        for name, value in (("num_hinges", num_hinges), ("num_features", num_features)):
            if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
                raise ValueError(f"APL: {name} must be a positive integer, got {value!r}")
        self.num_hinges, self.num_features = int(num_hinges), num_features
        shape = (self.num_hinges,) if num_features is None else (int(num_features),
                                                                  self.num_hinges)
        self.a = Parameter(np.zeros(shape, dtype=dtype))
        self.b = Parameter(_random.resolve(generator).uniform(-1, 1, size=shape).astype(dtype))

    def forward(self, x: Tensor) -> Tensor:
        return F.apl(x, self.a, self.b)

    def extra_repr(self) -> str:
        features = "" if self.num_features is None else f", num_features={self.num_features}"
        return f"num_hinges={self.num_hinges}{features}"


class Softmax(Module):
    """The softmax along `dim` as a module: wraps `F.softmax`. Without a `dim`, PyTorch's
    deprecated implicit choice (dimension 0 for inputs of 0, 1 or 3 dimensions, else 1),
    with its warning.

    >>> import stir
    >>> stir.nn.Softmax(dim=-1)(stir.tensor([0.0, 0.0]))
    tensor([0.5, 0.5])
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def _dim(self, x: Tensor) -> int:
        return implicit_dim(type(self).__name__.lower(), x.ndim, 5) if self.dim is None \
            else self.dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self._dim(x))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """The log-softmax along `dim` as a module: wraps `F.log_softmax`.

    >>> import stir
    >>> stir.nn.LogSoftmax(dim=-1)(stir.tensor([1.0, 1.0]))
    tensor([-0.6931472, -0.6931472])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self._dim(x))


class GELU(Module):
    """The Gaussian error linear unit as a module: wraps `F.gelu` (exact, or PyTorch's tanh
    approximation with approximate='tanh').

    >>> import stir
    >>> stir.nn.GELU()
    GELU(approximate='none')
    """

    def __init__(self, approximate: Literal["none", "tanh"] = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """The sigmoid linear unit (swish) as a module: wraps `F.silu`.

    >>> import stir
    >>> stir.nn.SiLU()(stir.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


ACTIVATIONS: dict[str, Callable[..., Module]] = {
    "identity": Identity, "step": Step, "heaviside": Step, "sign": Sign, "sigmoid": Sigmoid,
    "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "very_leaky_relu": VeryLeakyReLU,
    "prelu": PReLU, "rrelu": RReLU, "elu": ELU, "softplus": Softplus,
    "centered_softplus": CenteredSoftplus, "apl": APL, "softmax": Softmax,
    "log_softmax": LogSoftmax, "gelu": GELU, "silu": SiLU, "swish": SiLU,
}
# "LeakyReLU", "leaky-relu" and "leaky_relu" all mean the same.
_COMPACT = {name.replace("_", ""): name for name in ACTIVATIONS}


def make_activation(name: str, **options: Any) -> Module:
    """A new activation module from its name: make_activation("relu") is ReLU(), and
    `options` go to the constructor (make_activation("elu", alpha=0.5) is ELU(alpha=0.5)).
    Case, '-' and '_' do not matter ("LeakyReLU", "leaky_relu").

    >>> import stir
    >>> stir.nn.make_activation("leaky_relu"), stir.nn.make_activation("ELU", alpha=0.5)
    (LeakyReLU(negative_slope=0.01), ELU(alpha=0.5))
    """
    if not isinstance(name, str):
        raise TypeError(f"make_activation: the name must be a string, got {name!r}")
    compact = name.strip().lower().replace("-", "").replace("_", "")
    if compact in _COMPACT:
        make = ACTIVATIONS[_COMPACT[compact]]
        if make in (Softmax, LogSoftmax):  # by name: over the last dimension, the classes
            options.setdefault("dim", -1)
        try:
            return make(**options)
        except TypeError as error:
            raise TypeError(f"make_activation({name!r}): {error}") from None
    if compact == "maxout":
        raise ValueError("make_activation: maxout changes the width, so it is a layer: use "
                         "stir.nn.Maxout(in_features, out_features, pieces) in place of Linear")
    close = difflib.get_close_matches(name.lower(), list(ACTIVATIONS), n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ValueError(f"make_activation: unknown activation {name!r}; {hint}"
                     f"known names: {', '.join(sorted(ACTIVATIONS))}")


__all__ = [
    "APL", "ELU", "GELU", "CenteredSoftplus", "Identity", "LeakyReLU", "LogSoftmax", "PReLU",
    "RReLU", "ReLU", "SiLU", "Sigmoid", "Sign", "Softmax", "Softplus", "Step", "Tanh",
    "VeryLeakyReLU", "make_activation",
]
