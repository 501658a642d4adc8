"""Activation functions, each with its derivative and the value chosen where it has none.

The seeds' table (lecture 004) and lecture 003's list, plus GELU and SiLU. The formula, its
derivative convention and an example are stated here, on the function users call; the modules
of `stir.nn` (`activations.py`) wrap these, and the primitives they need are in
`stir.ops.activations`.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ... import _array
from ... import random as _random
from ...ops import probabilities
from ...ops.activations import ELU, LeakyReLU, NormalCDF, Sigmoid, Sign, Softplus, Step
from ...tensor import Tensor, as_tensor
from .dropout import in_place_result

LN2 = math.log(2.0)

def identity(input: Any) -> Tensor:
    """y = x;  dy/dx = 1. The input itself (seed 004's "none").

    >>> import stir, stir.nn.functional as F
    >>> F.identity(stir.tensor([-1.0, 2.0]))
    tensor([-1.,  2.])
    """
    return as_tensor(input)


def step(input: Any) -> Tensor:
    """The Heaviside step: y = 1 for x ≥ 0, else 0;  dy/dx = 0 everywhere, the jump at 0
    included, so gradient descent through it learns nothing (seed 004). NaN stays NaN.

    >>> import stir, stir.nn.functional as F
    >>> x = stir.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> y = F.step(x); y.sum().backward(); y, x.grad
    (tensor([0., 1., 1.], grad_fn=Step), tensor([0., 0., 0.]))
    """
    return Step.apply(as_tensor(input))


heaviside = step


def sign(input: Any) -> Tensor:
    """y = -1 for x < 0, 0 at 0, 1 for x > 0 (the perceptron's);  dy/dx = 0 everywhere.

    >>> import stir, stir.nn.functional as F
    >>> F.sign(stir.tensor([-3.0, 0.0, 2.0]))
    tensor([-1.,  0.,  1.])
    """
    return Sign.apply(as_tensor(input))


def sigmoid(input: Any) -> Tensor:
    """The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ);  σ'(x) = σ(x)(1 - σ(x)). Exact at any x.

    >>> import stir, stir.nn.functional as F
    >>> F.sigmoid(stir.tensor([0.0, -1000.0, 1000.0]))
    tensor([0.5, 0. , 1. ])
    """
    return Sigmoid.apply(as_tensor(input))


def tanh(input: Any) -> Tensor:
    """tanh x = (e²ˣ - 1)/(e²ˣ + 1);  tanh'(x) = 1 - tanh²x.

    >>> import stir, stir.nn.functional as F
    >>> F.tanh(stir.tensor([0.0, 100.0]))
    tensor([0., 1.])
    """
    return as_tensor(input).tanh()


def relu(input: Any, inplace: bool = False) -> Tensor:
    """ReLU(x) = max(0, x);  ReLU'(x) = 1 for x > 0, else 0 (0 at x = 0, as PyTorch).
    `inplace=True` writes the result into `input` and returns it, with PyTorch's in-place
    rules.

    >>> import stir, stir.nn.functional as F
    >>> F.relu(stir.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    result = as_tensor(input).relu()
    return in_place_result(input, result) if inplace else result


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Tensor:
    """y = x for x > 0, else αx (α = negative_slope; max(x, αx) for α ≤ 1);
    dy/dx = 1 for x > 0, else α (α at x = 0, as PyTorch).

    >>> import stir, stir.nn.functional as F
    >>> F.leaky_relu(stir.tensor([-2.0, 3.0]), 0.2)
    tensor([-0.4,  3. ])
    """
    return LeakyReLU.apply(as_tensor(input), float(negative_slope))


def very_leaky_relu(input: Any, negative_slope: float = 1 / 3) -> Tensor:
    """The very leaky ReLU (VLReLU): a leaky ReLU with a large slope, α = 1/3 by default
    (Graham's choice, within seed 004's range 0.1 … 0.5);  dy/dx = 1 for x > 0, else α.

    >>> import stir, stir.nn.functional as F
    >>> F.very_leaky_relu(stir.tensor([-3.0, 3.0]))
    tensor([-1.,  3.])
    """
    return LeakyReLU.apply(as_tensor(input), float(negative_slope))


def prelu(input: Any, weight: Tensor) -> Tensor:
    """The parametric ReLU: y = x for x > 0, else a·x, with a learnable slope a per channel
    (dimension 1) or one for all, as PyTorch;  dy/dx = 1 for x > 0, else a (a at 0);
    dy/da = x for x ≤ 0, else 0.

    >>> import stir, stir.nn.functional as F
    >>> F.prelu(stir.tensor([[-2.0, 4.0]]), stir.tensor([0.25]))
    tensor([[-0.5,  4. ]])
    """
    x, weight = as_tensor(input), as_tensor(weight)
    count = weight.numel()
    if count != 1:
        channels = x.shape[1] if x.ndim >= 2 else 1
        if weight.ndim != 1 or count != channels:
            raise ValueError(
                f"prelu: weight of shape {tuple(weight.shape)} must have 1 element or one per channel "
                f"(dimension 1 of the input, of shape {tuple(x.shape)})"
            )
        weight = weight.reshape((count,) + (1,) * (x.ndim - 2))
    else:
        weight = weight.reshape(())
    return LeakyReLU.apply(x, weight)


def rrelu(input: Any, lower: float = 1 / 8, upper: float = 1 / 3, training: bool = False,
          generator: _random.Generator | None = None) -> Tensor:
    """The randomized leaky ReLU: y = x for x > 0, else a·x, with a drawn uniformly from
    [lower, upper] for each element in training, and a = (lower + upper)/2 in evaluation;
    dy/dx = 1 for x > 0, else a (a at 0).

    >>> import stir, stir.nn.functional as F
    >>> F.rrelu(stir.tensor([-4.0, 1.0]), 0.25, 0.5)
    tensor([-1.5,  1. ])
    """
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: need 0 ≤ lower ≤ upper, got lower={lower}, upper={upper}")
    x = as_tensor(input)
    if not training:
        return LeakyReLU.apply(x, (lower + upper) / 2)
    slopes = _random.resolve(generator).uniform(lower, upper, size=x.shape)
    return LeakyReLU.apply(x, _array.beside(slopes, x.array, x.array.dtype))


def elu(input: Any, alpha: float = 1.0) -> Tensor:
    """The exponential linear unit: y = x for x > 0, else α(eˣ - 1);
    dy/dx = 1 for x > 0, else αeˣ (α at 0, the left derivative, as PyTorch).

    >>> import stir, stir.nn.functional as F
    >>> F.elu(stir.tensor([-1.0, 2.0]))
    tensor([-0.63212055,  2.        ])
    """
    return ELU.apply(as_tensor(input), float(alpha))


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """y = (1/β) ln(1 + e^(βx)), a smooth ReLU, and y = x where βx > threshold (as PyTorch);
    dy/dx = σ(βx), and 1 where βx > threshold. Stable for any x.

    >>> import stir, stir.nn.functional as F
    >>> F.softplus(stir.tensor([0.0, -1000.0, 1000.0]))
    tensor([6.931472e-01, 0.000000e+00, 1.000000e+03])
    """
    return Softplus.apply(as_tensor(input), float(beta), float(threshold))


def centered_softplus(input: Any) -> Tensor:
    """The centred softplus of seed 004: y = ln(eˣ + 1) - ln 2, so y(0) = 0;  dy/dx = σ(x).

    >>> import stir, stir.nn.functional as F
    >>> F.centered_softplus(stir.tensor([0.0, 1.0]))  # float32's last digit varies by CPU
    tensor([0.        , 0.620114...])
    """
    return softplus(input) - LN2


def apl(input: Any, a: Tensor, b: Tensor) -> Tensor:
    """The adaptive piecewise linear unit (Agostinelli et al., 2014):
    y = max(0, x) + Σ_s a_s·max(0, b_s - x), with S hinges at b_s of learnable slopes a_s.

    `a` and `b` have shape (S,), shared by all features, or (features, S), one set per
    feature (the last dimension of x). dy/dx = [x > 0] - Σ_s a_s·[x < b_s],
    dy/da_s = max(0, b_s - x), dy/db_s = a_s·[x < b_s]: each hinge's derivative is taken
    as 0 at its kink, as ReLU's.

    >>> import stir, stir.nn.functional as F
    >>> F.apl(stir.tensor([-1.0, 2.0]), stir.tensor([0.5]), stir.tensor([1.0]))
    tensor([1., 2.])
    """
    x, a, b = as_tensor(input), as_tensor(a), as_tensor(b)
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise ValueError(
            f"apl: a and b need one shape, (S,) or (features, S); got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.ndim == 2 and (x.ndim == 0 or x.shape[-1] != a.shape[0]):
        raise ValueError(
            f"apl: per-feature hinges of shape {tuple(a.shape)} need inputs whose last dimension is "
            f"{a.shape[0]}; got shape {tuple(x.shape)}"
        )
    hinges = (b - x.unsqueeze(-1)).relu()
    return x.relu() + (a * hinges).sum(axis=-1)


def implicit_dim(name: str, ndim: int, stacklevel: int = 3) -> int:
    """PyTorch's deprecated choice when no dim is given: 0 for inputs of 0, 1 or 3
    dimensions, else 1, with its warning (`stacklevel` frames up: the user's call)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Any, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """softmax(x)_i = e^(x_i) / Σ_j e^(x_j) along `dim`: positive, summing to 1;
    ∂y_i/∂x_j = y_i(δ_ij - y_j). Stable for any x. `dtype` converts x first (an integer x
    needs it, as in PyTorch); an empty dimension gives an empty result. Without `dim`,
    PyTorch's deprecated implicit choice (0 for 0, 1 or 3 dimensions, else 1), with its
    warning.

    >>> import stir, stir.nn.functional as F
    >>> F.softmax(stir.tensor([1.0, 1.0, 1000.0]), dim=0)
    tensor([0., 0., 1.])
    """
    x = as_tensor(input)
    if dim is None:
        dim = implicit_dim("softmax", x.ndim)
    return probabilities.softmax(x, dim, dtype=dtype)


def log_softmax(input: Any, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """log_softmax(x)_i = x_i - log Σ_j e^(x_j) along `dim`;  ∂y_i/∂x_j = δ_ij - softmax(x)_j.
    Stable for any x: log_softmax([c, c]) = [-ln 2, -ln 2] up to c = 3e38 in float32.
    `dtype`, an empty dimension and an omitted `dim` as in `softmax`.

    >>> import stir, stir.nn.functional as F
    >>> F.log_softmax(stir.tensor([3e38, 3e38]), dim=-1)
    tensor([-0.6931472, -0.6931472])
    """
    x = as_tensor(input)
    if dim is None:
        dim = implicit_dim("log_softmax", x.ndim)
    return probabilities.log_softmax(x, dim, dtype=dtype)


def gelu(input: Any, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit: y = x·Φ(x), Φ the standard normal distribution function;
    dy/dx = Φ(x) + x·φ(x). With approximate='tanh', as PyTorch:
    y = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), differentiated as written.

    >>> import stir, stir.nn.functional as F
    >>> F.gelu(stir.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.15865526,  0.        ,  0.8413447 ])
    """
    x = as_tensor(input)
    if approximate == "none":
        return x * NormalCDF.apply(x)
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * (inner.tanh() + 1) * 0.5
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Any) -> Tensor:
    """The sigmoid linear unit (swish): y = x·σ(x);  dy/dx = σ(x)(1 + x(1 - σ(x))).

    >>> import stir, stir.nn.functional as F
    >>> F.silu(stir.tensor([0.0, 1.0]))
    tensor([0.       , 0.7310586])
    """
    x = as_tensor(input)
    return x * sigmoid(x)


__all__ = [
    "apl", "centered_softplus", "elu", "gelu", "heaviside", "identity", "leaky_relu",
    "log_softmax", "prelu", "relu", "rrelu", "sigmoid", "sign", "silu", "softmax", "softplus",
    "step", "tanh", "very_leaky_relu",
]
