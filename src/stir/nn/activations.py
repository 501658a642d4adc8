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
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """y = x;  dy/dx = 1. Returns its input itself.

    >>> import stir
    >>> stir.nn.Identity()(stir.tensor([1.0, -2.0]))
    tensor([ 1., -2.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.identity(x)


class Step(Module):
    """The Heaviside step: y = 1 for x ≥ 0, else 0;  dy/dx = 0 everywhere (also at 0).

    >>> import stir
    >>> stir.nn.Step()(stir.tensor([-1.0, 0.0, 3.0]))
    tensor([0., 1., 1.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.step(x)


class Sign(Module):
    """y = sign(x) ∈ {-1, 0, 1};  dy/dx = 0 everywhere (also at 0).

    >>> import stir
    >>> stir.nn.Sign()(stir.tensor([-2.0, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.sign(x)


class Sigmoid(Module):
    """σ(x) = 1/(1 + e⁻ˣ);  σ' = σ(1 - σ). Exact for any x.

    >>> import stir
    >>> stir.nn.Sigmoid()(stir.tensor([0.0]))
    tensor([0.5])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """y = tanh x;  dy/dx = 1 - tanh²x.

    >>> import stir
    >>> stir.nn.Tanh()(stir.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class ReLU(Module):
    """y = max(0, x);  dy/dx = 1 for x > 0, else 0 (0 at x = 0).

    >>> import stir
    >>> stir.nn.ReLU()(stir.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """y = x for x > 0, else αx;  dy/dx = 1 for x > 0, else α (α at 0).

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
    """A leaky ReLU with a large slope, α = 1/3 by default;  dy/dx = 1 for x > 0, else α.

    >>> import stir
    >>> stir.nn.VeryLeakyReLU()(stir.tensor([-3.0, 3.0]))
    tensor([-1.,  3.])
    """

    def __init__(self, negative_slope: float = 1 / 3) -> None:
        super().__init__(negative_slope)


class PReLU(Module):
    """y = x for x > 0, else a·x, with a learnable slope a, one for all channels or one per
    channel (dimension 1), starting at `init`;  dy/dx = 1 for x > 0, else a (a at 0);
    dy/da = x for x ≤ 0, else 0.

    >>> import stir
    >>> layer = stir.nn.PReLU(3)
    >>> layer, layer(stir.ones(2, 3)).shape
    (PReLU(num_parameters=3)  # 3 parameters, (2, 3))
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
    """y = x for x > 0, else a·x: in training a is drawn uniformly from [lower, upper] for
    each element (from `generator`), in evaluation a = (lower + upper)/2;
    dy/dx = 1 for x > 0, else a (a at 0).

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
    """y = x for x > 0, else α(eˣ - 1);  dy/dx = 1 for x > 0, else αeˣ (α at 0).

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
    """y = (1/β) ln(1 + e^(βx)), and x where βx > threshold;  dy/dx = σ(βx) (1 there).

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
    """y = ln(eˣ + 1) - ln 2, zero at 0;  dy/dx = σ(x).

    >>> import stir
    >>> stir.nn.CenteredSoftplus()(stir.tensor([0.0]))
    tensor([0.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.centered_softplus(x)


class APL(Module):
    """The adaptive piecewise linear unit: y = max(0, x) + Σ_s a_s·max(0, b_s - x), with
    `num_hinges` (S) learnable hinges, shared by all features or, given `num_features`, one
    set per feature (last dimension). The slopes a start at 0 (a ReLU), the hinges b uniform
    in [-1, 1]. dy/dx = [x > 0] - Σ_s a_s·[x < b_s] (each kink's derivative taken as 0).

    >>> import stir
    >>> layer = stir.nn.APL(num_hinges=2, num_features=4)
    >>> layer, layer(stir.ones(3, 4)).shape
    (APL(num_hinges=2, num_features=4)  # 16 parameters, (3, 4))
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
    """y_i = e^(x_i) / Σ_j e^(x_j) along `dim`;  ∂y_i/∂x_j = y_i(δ_ij - y_j).

    >>> import stir
    >>> stir.nn.Softmax(dim=-1)(stir.tensor([0.0, 0.0]))
    tensor([0.5, 0.5])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """y_i = x_i - log Σ_j e^(x_j) along `dim`;  ∂y_i/∂x_j = δ_ij - softmax(x)_j.

    >>> import stir
    >>> stir.nn.LogSoftmax(dim=-1)(stir.tensor([1.0, 1.0]))
    tensor([-0.6931472, -0.6931472])
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)


class GELU(Module):
    """y = x·Φ(x) (Φ the standard normal distribution function), or PyTorch's tanh
    approximation with approximate='tanh';  dy/dx = Φ(x) + x·φ(x).

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
    """y = x·σ(x) (swish);  dy/dx = σ(x)(1 + x(1 - σ(x))).

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
