"""The op registry's entries for the elementwise operations (PyTorch's names, issue 12), added to
its table by op_registry.py.

The roundings and the divisions that round jump at integers, where they have no derivative:
their inputs keep away from the jumps (`Domain.avoid`), and a divisor tensor is drawn so that
the quotient stays within one step (|x| < y, or 1 < x/y < 2)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stir
from op_registry import (
    NONZERO, POSITIVE, REAL, Domain, Layout, OpSpec, binary, make_array, unary,
)


def _torch() -> Any:
    import torch

    return torch


DIVISOR = 0.7
#: Away from the multiples of the divisor, where x / 0.7 is an integer.
OFF_MULTIPLES = Domain(avoid=tuple(k * DIVISOR for k in range(-3, 4)), margin=0.08)
OFF_INTEGERS = Domain(avoid=(-2.0, -1.0, 0.0, 1.0, 2.0), margin=0.08)
OFF_HALVES = Domain(avoid=(-1.5, -0.5, 0.5, 1.5), margin=0.08)
OFF_TWENTIETHS = Domain(avoid=tuple((k + 0.5) / 10 for k in range(-21, 21)), margin=0.01)
#: |x| < y: the quotient x/y is in (-1, 1), so ⌊x/y⌋ ∈ {-1, 0} and trunc(x/y) = 0.
SMALL_DIVIDEND = Domain(-0.9, 0.9, avoid=(0.0,), margin=0.1)
LARGE_DIVISOR = Domain(1.1, 2.5)
#: 1 < 2/y < 2 for y here: ⌊2/y⌋ = trunc(2/y) = 1, so the divisor's gradient is -1.
BETWEEN_ONE_AND_TWO = Domain(1.1, 1.9)


def _where_mask(shape: tuple[int, ...]) -> np.ndarray:
    return (np.arange(int(np.prod(shape))).reshape(shape) % 3) != 1


CLAMP_LAYOUTS: list[list[Layout]] = [
    [((), "c"), ((), "c"), ((), "c")], [((5,), "c"), ((5,), "s"), ((1,), "c")],
    [((3, 4), "t"), ((4,), "c"), ((3, 1), "c")], [((2, 3), "c"), ((2, 3), "c"), ((2, 3), "t")],
    [((2, 3), "c"), ((1, 1), "c"), ((), "c")], [((4, 2), "s"), ((1, 2), "c"), ((4, 1), "c")],
    [((2, 1, 3), "c"), ((3,), "c"), ((2, 1, 1), "c")], [((6,), "c"), ((), "c"), ((6,), "c")],
]


def _spread(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> None:
    """Move x, or a bound when it is the larger (in place, keeping layouts), at least 0.15
    away from the other."""
    for bound in (low, high):
        near = np.abs(x - bound) < 0.15
        if x.shape == np.broadcast_shapes(x.shape, bound.shape):
            x[...] = np.where(near, bound + np.where(x >= bound, 0.2, -0.2), x)
        else:
            bound[...] = np.where(near, x + np.where(bound >= x, 0.2, -0.2), bound)


def _clamp_samples(rng: np.random.Generator) -> list[tuple[np.ndarray, ...]]:
    """x with bounds low < high, except in the last sample, where low > high (high wins)."""
    chosen = []
    for index, (x_layout, low_layout, high_layout) in enumerate(CLAMP_LAYOUTS):
        x = make_array(rng, REAL, x_layout)
        low = make_array(rng, Domain(-1.5, -0.3), low_layout)
        high = make_array(rng, Domain(0.3, 1.5), high_layout)
        if index == len(CLAMP_LAYOUTS) - 1:
            low, high = high, low
        _spread(x, low, high)
        chosen.append((x, low, high))
    return chosen


@st.composite
def _clamp_inputs(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4))
    return tuple(draw(hnp.arrays(np.float64, shape, elements=REAL.elements()))
                 for shape in shapes.input_shapes)  # type: ignore[return-value]


def _clamp_valid(x: np.ndarray, low: np.ndarray, high: np.ndarray) -> bool:
    """Away from the kinks: x from both bounds, and the bounds from each other."""
    gaps = (np.subtract(x, low), np.subtract(x, high), np.subtract(low, high))
    return all(bool(np.all(np.abs(gap) > 1e-3)) for gap in gaps)


def _divisor_first(name: str, stir_fn: Any, numpy_fn: Any, torch_fn: Any) -> OpSpec:
    """`fn(c, y)` for a dividend c = ±2 (constant, or y·0 ± 2) and a divisor tensor y, with
    1 < 2/y < 2."""
    return unary(name, stir_fn, numpy_fn, torch_fn, BETWEEN_ONE_AND_TWO)


t = _torch
ELEMENTWISE_ENTRIES: list[OpSpec] = [
    # functions of reals
    unary("log10", lambda x: x.log10(), np.log10, lambda x: x.log10(), POSITIVE),
    unary("log2", lambda x: stir.log2(x), np.log2, lambda x: t().log2(x), POSITIVE),
    unary("log1p", lambda x: x.log1p(), np.log1p, lambda x: x.log1p(), Domain(-0.6, 2.0)),
    unary("expm1", lambda x: stir.expm1(x), np.expm1, lambda x: t().expm1(x)),
    unary("sinh", lambda x: x.sinh(), np.sinh, lambda x: x.sinh()),
    unary("cosh", lambda x: stir.cosh(x), np.cosh, lambda x: t().cosh(x)),
    unary("asin", lambda x: x.asin(), np.arcsin, lambda x: x.asin(), Domain(-0.8, 0.8)),
    unary("acos", lambda x: stir.acos(x), np.arccos, lambda x: t().acos(x), Domain(-0.8, 0.8)),
    unary("atan", lambda x: x.atan(), np.arctan, lambda x: x.atan()),
    unary("rsqrt", lambda x: x.rsqrt(), lambda x: 1 / np.sqrt(x), lambda x: x.rsqrt(),
          POSITIVE),
    unary("reciprocal", lambda x: stir.reciprocal(x), np.reciprocal,
          lambda x: t().reciprocal(x), NONZERO),
    unary("square", lambda x: x.square(), np.square, lambda x: x.square()),
    # rounding: gradient 0 away from the jumps
    unary("floor", lambda x: x.floor(), np.floor, lambda x: x.floor(), OFF_INTEGERS),
    unary("ceil", lambda x: stir.ceil(x), np.ceil, lambda x: t().ceil(x), OFF_INTEGERS),
    unary("trunc", lambda x: x.trunc(), np.trunc, lambda x: x.trunc(), OFF_INTEGERS),
    unary("round", lambda x: stir.round(x), np.round, lambda x: t().round(x), OFF_HALVES),
    unary("round-decimals", lambda x: x.round(decimals=1), lambda x: np.round(x, 1),
          lambda x: x.round(decimals=1), OFF_TWENTIETHS),
    # divisions that round
    unary("div-trunc", lambda x: stir.div(x, DIVISOR, rounding_mode="trunc"),
          lambda x: np.trunc(x / DIVISOR),
          lambda x: t().div(x, DIVISOR, rounding_mode="trunc"), OFF_MULTIPLES),
    unary("div-floor", lambda x: x.div(DIVISOR, rounding_mode="floor"),
          lambda x: np.floor_divide(x, DIVISOR),
          lambda x: x.div(DIVISOR, rounding_mode="floor"), OFF_MULTIPLES),
    binary("div-floor-tensors", lambda x, y: stir.div(x, y, rounding_mode="floor"),
           np.floor_divide, lambda x, y: t().div(x, y, rounding_mode="floor"),
           SMALL_DIVIDEND, LARGE_DIVISOR),
    unary("remainder", lambda x: x % DIVISOR, lambda x: np.remainder(x, DIVISOR),
          lambda x: x % DIVISOR, OFF_MULTIPLES),
    binary("remainder-tensors", lambda x, y: stir.remainder(x, y), np.remainder,
           lambda x, y: t().remainder(x, y), SMALL_DIVIDEND, LARGE_DIVISOR),
    # (PyTorch's `2.0 % y` has no derivative; its remainder of two tensors has)
    _divisor_first("rmod", lambda y: 2.0 % y, lambda y: np.remainder(2.0, y),
                   lambda y: t().remainder(t().full_like(y, 2.0), y)),
    unary("fmod", lambda x: x.fmod(DIVISOR), lambda x: np.fmod(x, DIVISOR),
          lambda x: x.fmod(DIVISOR), OFF_MULTIPLES),
    binary("fmod-tensors", lambda x, y: stir.fmod(x, y), np.fmod, lambda x, y: t().fmod(x, y),
           SMALL_DIVIDEND, LARGE_DIVISOR),
    _divisor_first("fmod-divisor", lambda y: stir.fmod(y * 0 - 2.0, y),
                   lambda y: np.fmod(-2.0, y), lambda y: t().fmod(y * 0 - 2.0, y)),
    # limits with tensor bounds, and where with a number
    OpSpec("clamp-tensor-bounds", lambda x, low, high: stir.clamp(x, low, high),
           lambda x, low, high: np.clip(x, low, high),
           lambda x, low, high: t().clamp(x, low, high), _clamp_samples, _clamp_inputs(),
           _clamp_valid),
    unary("clamp-tensor-min", lambda x: x.clamp(min=x * 0 + 0.3),
          lambda x: np.maximum(x, 0.3), lambda x: x.clamp(min=x * 0 + 0.3),
          Domain(avoid=(0.3,))),
    unary("where-number", lambda x: stir.where(stir.tensor(_where_mask(x.shape)), x, 0.5),
          lambda x: np.where(_where_mask(x.shape), x, 0.5),
          lambda x: t().where(t().as_tensor(_where_mask(tuple(x.shape))), x, 0.5)),
    unary("add-alpha", lambda x: stir.add(x, x * x, alpha=-2.5),
          lambda x: x - 2.5 * x * x, lambda x: t().add(x, x * x, alpha=-2.5)),
    unary("sub-alpha", lambda x: x.sub(3.0, alpha=2), lambda x: x - 6.0,
          lambda x: x.sub(3.0, alpha=2)),
]
