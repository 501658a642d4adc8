"""The op registry's entries for the reductions operations (PyTorch's names, issue 12), added to
its table by op_registry.py.

The statistics reduce dimensions of at least 2 entries (`SPREAD_LAYOUTS`), so that the
unbiased variance is defined; the products meet exact zeros through a fixed mask
(`_with_zeros`: one zero in some rows, two in others), where their gradients take their
other branch; max, min and median keep away from ties (`distinct`)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stir
from op_registry import (
    NONZERO, POSITIVE, REAL, UNARY_LAYOUTS, Domain, Layout, OpSpec, custom, distinct, make_array,
    unary,
)


def _torch() -> Any:
    import torch

    return torch


t = _torch
INF = float("inf")

#: Shapes whose every dimension has at least 2 entries, but one of size 1 (kept apart).
SPREAD_LAYOUTS: list[list[Layout]] = [
    [((3, 4), "c")], [((2, 3, 2), "s")], [((4, 3), "t")], [((5,), "c")], [((2, 1, 3), "c")],
    [((1, 4), "c")], [((3, 2), "c")], [((6,), "s")],
]


def _spread_strategy(min_side: int = 2) -> st.SearchStrategy[Any]:
    shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=min_side, max_side=4)
    floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    return hnp.arrays(np.float64, shapes, elements=floats).map(lambda a: (a,))


def spread(name: str, stir_fn: Callable[..., Any], numpy_fn: Callable[..., Any],
           torch_fn: Callable[..., Any], domain: Domain = REAL,
           valid: Callable[..., bool] | None = None) -> OpSpec:
    """An entry over SPREAD_LAYOUTS; the 1-size dimensions are never the reduced last one."""
    spec = custom(name, stir_fn, numpy_fn, torch_fn, SPREAD_LAYOUTS, _spread_strategy(), domain)
    if valid is not None:
        spec.valid = valid
    return spec


def _zero_mask(shape: tuple[int, ...]) -> np.ndarray:
    """1 everywhere but at fixed places: entry 1 of every slice along the last dimension is
    0, and entry 2 as well in every other slice (two zeros there)."""
    mask = np.ones(shape)
    if not shape:
        return mask
    flat = mask.reshape(-1, shape[-1])
    flat[:, 1 % shape[-1]] = 0
    if shape[-1] > 2:
        flat[::2, 2] = 0
    return mask


def _with_zeros(x: Any) -> Any:
    """x with exact zeros placed by `_zero_mask` (x's gradient there is 0)."""
    mask = _zero_mask(tuple(x.shape))
    if isinstance(x, np.ndarray):
        return x * mask
    if isinstance(x, stir.Tensor):
        return x * stir.Tensor(stir._array.beside(mask, x.array, x.array.dtype))
    return x * t().as_tensor(mask, dtype=x.dtype)


def _spread_out(x: np.ndarray) -> bool:
    """std has a kink where a slice's entries are all equal; keep away from it."""
    return bool(np.min(np.std(x, axis=-1)) > 0.05)


def _not_tiny(x: np.ndarray) -> bool:
    """cumprod's gradient divides by the entries (as PyTorch's): exact unless subnormal."""
    return bool(np.all((x == 0) | (np.abs(x) > 1e-100)))


def _lower_median(x: np.ndarray, axis: int) -> np.ndarray:
    return np.take(np.sort(x, axis=axis), (x.shape[axis] - 1) // 2, axis=axis)


def _last(x: Any) -> int:
    return x.ndim - 1 if x.ndim else 0


# ----------------------------------------------------------------------------- einsum
@st.composite
def _einsum_operands(draw: Any, letters: str) -> tuple[np.ndarray, ...]:
    """Operands for an equation's inputs, sizes 1 … 3 drawn per letter."""
    inputs = letters.split("->")[0].split(",")
    sizes = {s: draw(st.integers(1, 3)) for s in set("".join(inputs))}
    floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    return tuple(draw(hnp.arrays(np.float64, tuple(sizes[s] for s in term), elements=floats))
                 for term in inputs)


def einsum_entry(name: str, equation: str, shapes: list[list[Layout]]) -> OpSpec:
    return custom(name, lambda *xs: stir.einsum(equation, *xs),
                  lambda *xs: np.einsum(equation, *xs),
                  lambda *xs: t().einsum(equation, *xs), shapes,
                  _einsum_operands(equation))


def _pairs(first: list[tuple[int, ...]], second: list[tuple[int, ...]]) -> list[list[Layout]]:
    kinds = ["c", "t", "c", "s", "c", "c", "t", "c"]
    return [[(a, kinds[i]), (b, "c" if i % 2 else kinds[-1 - i])]
            for i, (a, b) in enumerate(zip(first, second))]


MATRIX_PAIRS = _pairs([(2, 3), (1, 1), (3, 1), (1, 4), (4, 2), (2, 2), (3, 3), (2, 4)],
                      [(3, 4), (1, 1), (1, 2), (4, 1), (2, 3), (2, 2), (3, 1), (4, 4)])
BATCH_PAIRS = _pairs([(2, 2, 3), (1, 1, 1), (3, 2, 1), (2, 1, 4), (1, 3, 2), (2, 2, 2),
                      (4, 1, 3), (2, 3, 3)],
                     [(2, 3, 4), (1, 1, 1), (3, 1, 2), (2, 4, 1), (1, 2, 3), (2, 2, 2),
                      (4, 3, 2), (2, 3, 1)])
SQUARES: list[list[Layout]] = [[((n, n), kind)] for n, kind in
                               [(3, "c"), (1, "c"), (2, "t"), (4, "c"), (3, "t"), (2, "c"),
                                (5, "c"), (1, "t")]]
VECTOR_PAIRS: list[list[Layout]] = [[((n,), a), ((m,), b)] for n, m, a, b in
                                    [(3, 2, "c", "c"), (1, 1, "c", "c"), (4, 3, "s", "c"),
                                     (2, 5, "c", "s"), (5, 1, "c", "c"), (1, 4, "s", "c"),
                                     (3, 3, "c", "c"), (2, 2, "s", "s")]]


@st.composite
def _matrix_pair(draw: Any, batch: bool = False) -> tuple[np.ndarray, np.ndarray]:
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    lead = (draw(st.integers(1, 3)),) if batch else ()
    floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    return (draw(hnp.arrays(np.float64, lead + (n, k), elements=floats)),
            draw(hnp.arrays(np.float64, lead + (k, m), elements=floats)))


@st.composite
def _matrix_vector(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    return (draw(hnp.arrays(np.float64, (n, k), elements=floats)),
            draw(hnp.arrays(np.float64, (k,), elements=floats)))


@st.composite
def _vectors(draw: Any, same: bool) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 5))
    m = n if same else draw(st.integers(1, 5))
    floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    return (draw(hnp.arrays(np.float64, (n,), elements=floats)),
            draw(hnp.arrays(np.float64, (m,), elements=floats)))


@st.composite
def _addmm_inputs(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b = draw(_matrix_pair())
    floats = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    shape = draw(st.sampled_from([(a.shape[0], b.shape[1]), (b.shape[1],), ()]))
    return draw(hnp.arrays(np.float64, shape, elements=floats)), a, b


MATRIX_VECTOR = [[(a[0], a[1]), ((a[0][1],), kind)] for a, kind in
                 zip([pair[0] for pair in MATRIX_PAIRS], ["c", "s", "c", "c", "s", "c", "c", "c"])]
SAME_VECTORS = [[a, (a[0], "c")] for a, _ in VECTOR_PAIRS]
ADDMM_LAYOUTS = [[((pair[0][0][0], pair[1][0][1]), "c")] + pair for pair in MATRIX_PAIRS[:4]] + \
                [[((pair[1][0][1],), "c")] + pair for pair in MATRIX_PAIRS[4:6]] + \
                [[((), "c")] + pair for pair in MATRIX_PAIRS[6:]]


def _up_to_two_dims(rng: np.random.Generator) -> list[tuple[np.ndarray]]:
    """The registry's layouts of at most 2 dimensions, and two more matrices, for t()."""
    layouts = [layout for layout in UNARY_LAYOUTS if len(layout[0]) <= 2]
    layouts += [((1, 3), "c"), ((2, 5), "t")]
    return [(make_array(rng, REAL, layout),) for layout in layouts]


REDUCTIONS_ENTRIES: list[OpSpec] = [
    # spread
    unary("var-all-biased", lambda x: x.var(correction=0), np.var,
          lambda x: x.var(correction=0)),
    spread("var-dim", lambda x: x.var(-1), lambda x: np.var(x, axis=-1, ddof=1),
           lambda x: x.var(-1)),
    spread("var-dim-keepdim-biased", lambda x: x.var(0, False, True),
           lambda x: np.var(x, axis=0, keepdims=True), lambda x: x.var(0, False, True)),
    spread("std-all", lambda x: x.std(), lambda x: np.std(x, ddof=1), lambda x: x.std(),
           valid=lambda x: np.std(x) > 0.05),
    spread("std-dim-correction", lambda x: stir.std(x, dim=-1, correction=0.5),
           lambda x: np.std(x, axis=-1, ddof=0.5),
           lambda x: t().std(x, dim=-1, correction=0.5), valid=_spread_out),
    spread("std_mean", lambda x: sum(stir.std_mean(x, -1, keepdim=True)),
           lambda x: np.std(x, axis=-1, ddof=1, keepdims=True) + np.mean(x, -1, keepdims=True),
           lambda x: sum(t().std_mean(x, -1, keepdim=True)), valid=_spread_out),
    spread("var_mean", lambda x: sum(stir.var_mean(x, -1)),
           lambda x: np.var(x, axis=-1, ddof=1) + np.mean(x, -1),
           lambda x: sum(t().var_mean(x, -1))),
    # norms (away from 0, where |x| has a kink)
    unary("norm-all", lambda x: x.norm(), lambda x: np.sqrt(np.sum(x * x)),
          lambda x: x.norm(), NONZERO),
    unary("norm-dim-keepdim", lambda x: x.norm(dim=-1, keepdim=True),
          lambda x: np.sqrt(np.sum(x * x, axis=-1, keepdims=True)),
          lambda x: x.norm(dim=-1, keepdim=True), NONZERO, min_dims=1),
    unary("norm-p1", lambda x: stir.norm(x, 1), lambda x: np.sum(np.abs(x)),
          lambda x: t().norm(x, 1), NONZERO),
    unary("norm-p3-dim0", lambda x: x.norm(3, dim=0),
          lambda x: np.sum(np.abs(x) ** 3, axis=0) ** (1 / 3), lambda x: x.norm(3, dim=0),
          NONZERO, min_dims=1),
    unary("norm-inf", lambda x: x.norm(INF), lambda x: np.max(np.abs(x)),
          lambda x: x.norm(INF), POSITIVE, valid=distinct),
    # products and running sums
    unary("prod-all", lambda x: x.prod(), np.prod, lambda x: x.prod()),
    unary("prod-dim", lambda x: x.prod(-1), lambda x: np.prod(x, axis=-1 if x.ndim else None),
          lambda x: x.prod(-1)),
    unary("prod-dim-keepdim", lambda x: x.prod(0, keepdim=True),
          lambda x: np.prod(x, axis=0, keepdims=True) if x.ndim else x,
          lambda x: x.prod(0, keepdim=True)),
    unary("prod-zeros", lambda x: _with_zeros(x).prod(-1),
          lambda x: np.prod(_with_zeros(x), axis=-1), lambda x: _with_zeros(x).prod(-1),
          min_dims=1),
    unary("prod-zeros-all", lambda x: _with_zeros(x).prod(), lambda x: np.prod(_with_zeros(x)),
          lambda x: _with_zeros(x).prod(), min_dims=1),
    unary("cumsum", lambda x: x.cumsum(-1),
          lambda x: np.cumsum(x, axis=-1) if x.ndim else x, lambda x: x.cumsum(-1)),
    unary("cumsum-dim0", lambda x: stir.cumsum(x, dim=0),
          lambda x: np.cumsum(x, axis=0) if x.ndim else x, lambda x: t().cumsum(x, dim=0)),
    unary("cumprod", lambda x: x.cumprod(-1),
          lambda x: np.cumprod(x, axis=-1) if x.ndim else x, lambda x: x.cumprod(-1),
          valid=_not_tiny),
    unary("cumprod-zeros", lambda x: _with_zeros(x).cumprod(-1),
          lambda x: np.cumprod(_with_zeros(x), axis=-1), lambda x: _with_zeros(x).cumprod(-1),
          min_dims=1),
    # the extremes and the median, with their indices
    unary("max-dim-values", lambda x: x.max(-1).values,
          lambda x: np.max(x, axis=-1) if x.ndim else x, lambda x: x.max(-1).values,
          valid=distinct),
    unary("min-dim-keepdim", lambda x: stir.min(x, 0, keepdim=True)[0],
          lambda x: np.min(x, axis=0, keepdims=True) if x.ndim else x,
          lambda x: t().min(x, 0, keepdim=True)[0], valid=distinct),
    unary("amax-dim", lambda x: stir.amax(x, -1), lambda x: np.max(x, axis=-1 if x.ndim else None),
          lambda x: t().amax(x, -1), valid=distinct),
    unary("aminmax", lambda x: sum(x.aminmax()), lambda x: np.min(x) + np.max(x),
          lambda x: sum(x.aminmax()), valid=distinct),
    unary("median-all", lambda x: x.median(), lambda x: _lower_median(x.reshape(-1), 0),
          lambda x: x.median(), valid=distinct),
    unary("median-dim", lambda x: x.median(-1).values,
          lambda x: _lower_median(x, -1) if x.ndim else x, lambda x: x.median(-1).values,
          valid=distinct),
    spread("logsumexp-keepdim", lambda x: stir.logsumexp(x, 0, keepdim=True),
           lambda x: np.log(np.sum(np.exp(x), axis=0, keepdims=True)),
           lambda x: t().logsumexp(x, 0, keepdim=True)),
    unary("softmax-method", lambda x: x.softmax(0),
          lambda x: np.exp(x) / np.sum(np.exp(x), axis=0) if x.ndim else np.ones_like(x),
          lambda x: x.softmax(0)),
    unary("log_softmax-function", lambda x: stir.log_softmax(x, -1),
          lambda x: x - np.log(np.sum(np.exp(x), axis=-1, keepdims=True)) if x.ndim
          else np.zeros_like(x), lambda x: t().log_softmax(x, -1)),
    # linear algebra
    custom("mm", stir.mm, np.matmul, lambda x, y: t().mm(x, y), MATRIX_PAIRS, _matrix_pair()),
    custom("bmm", lambda x, y: x.bmm(y), np.matmul, lambda x, y: x.bmm(y), BATCH_PAIRS,
           _matrix_pair(batch=True)),
    custom("mv", lambda x, y: x.mv(y), np.matmul, lambda x, y: x.mv(y), MATRIX_VECTOR,
           _matrix_vector()),
    custom("dot", stir.dot, np.dot, lambda x, y: t().dot(x, y), SAME_VECTORS,
           _vectors(same=True)),
    custom("outer", lambda x, y: x.outer(y), np.outer, lambda x, y: x.outer(y), VECTOR_PAIRS,
           _vectors(same=False)),
    custom("inner", stir.inner, np.inner, lambda x, y: t().inner(x, y), MATRIX_PAIRS[1:2]
           + [[(p[0][0], p[0][1]), ((p[1][0][1], p[0][0][1]), p[1][1])] for p in MATRIX_PAIRS],
           _matrix_pair().map(lambda pair: (pair[0], pair[1].T.copy()))),
    custom("addmm", lambda c, a, b: stir.addmm(c, a, b, beta=0.5, alpha=2.0),
           lambda c, a, b: 0.5 * c + 2.0 * (a @ b),
           lambda c, a, b: t().addmm(c, a, b, beta=0.5, alpha=2.0), ADDMM_LAYOUTS,
           _addmm_inputs()),
    OpSpec("t", lambda x: x.t() * 1, lambda x: x.T, lambda x: x.t() * 1, _up_to_two_dims,
           _spread_strategy(1).filter(lambda a: a[0].ndim <= 2)),
    custom("trace", lambda x: x.trace(), np.trace, lambda x: x.trace(),
           SQUARES[:4] + [pair[:1] for pair in MATRIX_PAIRS[:4]],
           _matrix_pair().map(lambda pair: pair[:1])),
    einsum_entry("einsum-matmul", "ij,jk->ik", MATRIX_PAIRS),
    einsum_entry("einsum-batched-ellipsis", "...ij,...jk->...ik", BATCH_PAIRS),
    einsum_entry("einsum-implicit-outer", "i,j", VECTOR_PAIRS),
    einsum_entry("einsum-sum-over-one", "ij->i", [pair[:1] for pair in MATRIX_PAIRS]),
    einsum_entry("einsum-diagonal", "ii->i", SQUARES),
    einsum_entry("einsum-trace", "ii", SQUARES),
    einsum_entry("einsum-three", "ij,jk,kl->il",
                 [pair + [((pair[1][0][1], 2), "c")] for pair in MATRIX_PAIRS]),
]

