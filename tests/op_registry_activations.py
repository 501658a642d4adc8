"""The op registry's entries for the activations (stir.nn.functional), added to its table by
op_registry.py. Some take learnable weights as well as x (PReLU's slopes, APL's hinges): an
entry's `extras` makes them for x's shape, and they are checked like any other input."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stir
import stir.nn.functional as F
from op_registry import NONZERO, REAL, UNARY_LAYOUTS, Domain, Layout, OpSpec, make_array

LN2 = math.log(2.0)
_erf = np.vectorize(math.erf, otypes=[float])


def _torch() -> Any:
    import torch

    return torch


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(x / 2))


def _softplus(x: np.ndarray, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    return np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    if x.ndim == 0:
        return np.ones_like(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    if x.ndim == 0:
        return np.zeros_like(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _leaky(x: np.ndarray, slope: Any) -> np.ndarray:
    return np.where(x > 0, x, slope * x)


def _channel_weight(weight: np.ndarray, ndim: int) -> np.ndarray:
    return weight.reshape((-1,) + (1,) * (ndim - 2)) if weight.size > 1 else weight.reshape(())


HINGES = np.array([-1.5, 0.6, 1.3])  # kinks of the APL tests, kept away from the inputs
APL_DOMAIN = Domain(avoid=(0.0, *HINGES), margin=0.1)


def _apl_reference(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + (a * np.maximum(b - x[..., None], 0)).sum(axis=-1)


def _apl_torch(x: Any, a: Any, b: Any) -> Any:
    return x.relu() + (a * (b - x.unsqueeze(-1)).relu()).sum(dim=-1)


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _seeded() -> stir.Generator:
    return stir.Generator().manual_seed(7)


def _rrelu_train_reference(x: np.ndarray) -> np.ndarray:
    slopes = np.random.default_rng(7).uniform(0.1, 0.4, size=x.shape)
    return _leaky(x, slopes.astype(x.dtype))


# ----------------------------------------------------------------------------- the table
Extras = Callable[[np.random.Generator, tuple[int, ...]], tuple[np.ndarray, ...]]



def activation(name: str, stir_fn: Callable[..., Any], numpy_fn: Callable[..., Any],
               torch_fn: Callable[..., Any] | None, domain: Domain = REAL,
               layouts: list[Layout] = UNARY_LAYOUTS,
               extras: Extras = lambda rng, shape: (),
               torch_has_gradient: bool = True) -> OpSpec:
    """A registry entry for an activation of x (and the weights `extras` makes)."""
    def samples(rng: np.random.Generator) -> list[tuple[np.ndarray, ...]]:
        result = []
        for layout in layouts:
            x = make_array(rng, domain, layout)
            result.append((x, *extras(rng, x.shape)))
        return result

    min_dims = min(len(shape) for shape, _ in layouts)

    @st.composite
    def inputs(draw: Any) -> tuple[np.ndarray, ...]:
        shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4))
        x = draw(hnp.arrays(np.float64, shape, elements=domain.elements()))
        return (x, *extras(np.random.default_rng(0), shape))

    # Without a PyTorch gradient (torch.heaviside has none) there is no oracle to compare.
    return OpSpec(name, stir_fn, numpy_fn, torch_fn if torch_has_gradient else None, samples,
                  inputs())


def _channel_weights(count: Callable[[tuple[int, ...]], int]) -> Extras:
    return lambda rng, shape: (rng.uniform(0.05, 0.6, size=count(shape)),)


def _apl_parameters(per_feature: bool) -> Extras:
    def make(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
        lead = (shape[-1],) if per_feature else ()
        return rng.uniform(-1, 1, size=lead + (3,)), np.broadcast_to(HINGES, lead + (3,)).copy()
    return make


# Layouts for ops that need a channel (dim 1) or feature (last) dimension: at least 8 each.
WITH_CHANNELS = [layout for layout in UNARY_LAYOUTS if len(layout[0]) >= 2] + [
    ((2, 4), "c"), ((3, 2, 2), "t"), ((5, 3), "s")]
WITH_FEATURES = [layout for layout in UNARY_LAYOUTS if len(layout[0]) >= 1]
t = _torch
ACTIVATION_ENTRIES = [
    activation("identity", F.identity, lambda x: x, lambda x: x * 1),
    activation("step", F.step, lambda x: np.heaviside(x, 1.0),
         lambda x: t().heaviside(x, t().ones((), dtype=x.dtype)), NONZERO,
         torch_has_gradient=False),
    activation("sign", F.sign, np.sign, lambda x: x.sign(), NONZERO),
    activation("sigmoid", F.sigmoid, _sigmoid, lambda x: x.sigmoid(), Domain(-6, 6)),
    activation("tanh", F.tanh, np.tanh, lambda x: x.tanh()),
    activation("relu", F.relu, lambda x: np.maximum(x, 0), lambda x: x.relu(), NONZERO),
    activation("leaky_relu", F.leaky_relu, lambda x: _leaky(x, 0.01),
         lambda x: t().nn.functional.leaky_relu(x), NONZERO),
    activation("leaky_relu-0.2", lambda x: F.leaky_relu(x, 0.2), lambda x: _leaky(x, 0.2),
         lambda x: t().nn.functional.leaky_relu(x, 0.2), NONZERO),
    activation("very_leaky_relu", F.very_leaky_relu, lambda x: _leaky(x, 1 / 3),
         lambda x: t().nn.functional.leaky_relu(x, 1 / 3), NONZERO),
    activation("prelu-shared", F.prelu, lambda x, w: _leaky(x, w[0]),
         lambda x, w: t().nn.functional.prelu(x, w), NONZERO,
         extras=_channel_weights(lambda shape: 1)),
    activation("prelu-channels", F.prelu, lambda x, w: _leaky(x, _channel_weight(w, x.ndim)),
         lambda x, w: t().nn.functional.prelu(x, w), NONZERO, WITH_CHANNELS,
         extras=_channel_weights(lambda shape: shape[1])),
    activation("rrelu-eval", lambda x: F.rrelu(x, 0.1, 0.4), lambda x: _leaky(x, 0.25),
         lambda x: t().nn.functional.rrelu(x, 0.1, 0.4, training=False), NONZERO),
    activation("rrelu-train", lambda x: F.rrelu(x, 0.1, 0.4, training=True, generator=_seeded()),
         _rrelu_train_reference, None, NONZERO),
    activation("elu", F.elu, lambda x: np.where(x > 0, x, np.expm1(x)),
         lambda x: t().nn.functional.elu(x), NONZERO),
    activation("elu-0.5", lambda x: F.elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)),
         lambda x: t().nn.functional.elu(x, 0.5), NONZERO),
    activation("softplus", F.softplus, _softplus, lambda x: t().nn.functional.softplus(x),
         Domain(-6, 6)),
    activation("softplus-beta-threshold", lambda x: F.softplus(x, 2.0, 5.0),
         lambda x: _softplus(x, 2.0, 5.0), lambda x: t().nn.functional.softplus(x, 2.0, 5.0),
         Domain(-4, 4, avoid=(2.5,))),
    activation("centered_softplus", F.centered_softplus, lambda x: _softplus(x) - LN2,
         lambda x: t().nn.functional.softplus(x) - LN2),
    activation("apl-shared", F.apl, _apl_reference, _apl_torch, APL_DOMAIN,
         extras=_apl_parameters(per_feature=False)),
    activation("apl-per-feature", F.apl, _apl_reference, _apl_torch, APL_DOMAIN, WITH_FEATURES,
         extras=_apl_parameters(per_feature=True)),
    activation("softmax", lambda x: F.softmax(x, dim=-1), lambda x: _softmax(x, -1),
         lambda x: t().nn.functional.softmax(x, dim=-1)),
    activation("softmax-dim0", lambda x: F.softmax(x, dim=0), lambda x: _softmax(x, 0),
         lambda x: t().nn.functional.softmax(x, dim=0)),
    activation("log_softmax", lambda x: F.log_softmax(x, dim=-1), lambda x: _log_softmax(x, -1),
         lambda x: t().nn.functional.log_softmax(x, dim=-1)),
    activation("log_softmax-dim0", lambda x: F.log_softmax(x, dim=0), lambda x: _log_softmax(x, 0),
         lambda x: t().nn.functional.log_softmax(x, dim=0)),
    activation("gelu", F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))),
         lambda x: t().nn.functional.gelu(x), Domain(-4, 4)),
    activation("gelu-tanh", lambda x: F.gelu(x, approximate="tanh"), _gelu_tanh,
         lambda x: t().nn.functional.gelu(x, approximate="tanh")),
    activation("silu", F.silu, lambda x: x * _sigmoid(x), lambda x: t().nn.functional.silu(x)),
]
