"""The op registry's entries for normalisation: `F.batch_norm` in training (batch
statistics; the running buffers are fresh constants each call, so the output does not
depend on them) and out of it (fixed running statistics), `F.layer_norm` over one and two
dimensions with and without an affine map, and `F.group_norm`. Weights and biases are
inputs, so they are gradchecked too. The NumPy references are the formulas themselves.

op_registry.py adds NORMALIZATION_ENTRIES to its table.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stir
import stir.nn.functional as F
from op_registry import Layout, OpSpec, _arrays, custom
from op_registry import _torch as t

EPS = 1e-5


def _standardised(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS)


def _channel_view(v: np.ndarray, ndim: int) -> np.ndarray:
    return v.reshape((1, -1) + (1,) * (ndim - 2))


def _batch_axes(x: Any) -> tuple[int, ...]:
    return (0,) + tuple(range(2, x.ndim))


def _spread(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """x plus a ramp along `axes`, so that no group it normalises is nearly constant
    (where the derivative blows up and central differences are meaningless)."""
    sizes = [x.shape[a] for a in axes]
    count = int(np.prod(sizes))
    ramp = np.arange(count, dtype=np.float64).reshape(sizes) * (4.0 / count)
    other = tuple(a for a in range(x.ndim) if a not in axes)
    return x + np.expand_dims(ramp, other)


def _spread_enough(axes_of: Any) -> Any:
    """`valid`: every normalised group's standard deviation is at least 0.1."""
    def valid(x: np.ndarray, *rest: np.ndarray) -> bool:
        return bool(np.all(x.std(axis=axes_of(x)) >= 0.1))
    return valid


# ----------------------------------------------------------------------------- batch norm
def _beside(x: Any, values: np.ndarray) -> stir.Tensor:
    """A constant tensor of `values` in x's dtype, array library and device (NumPy, or
    array-api-strict in tests/test_array_api.py)."""
    xp = stir._array.namespace(x.array)
    return stir.Tensor(xp.asarray(values.astype(np.float64), dtype=x.array.dtype,
                                  device=stir._array.device(x.array)))


def _fresh(x: Any) -> tuple[stir.Tensor, stir.Tensor]:
    channels = x.shape[1]
    return _beside(x, np.zeros(channels)), _beside(x, np.ones(channels))


def _torch_fresh(x: Any) -> tuple[Any, Any]:
    return t().zeros(x.shape[1], dtype=x.dtype), t().ones(x.shape[1], dtype=x.dtype)


def _running(channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed running statistics for the entries out of training."""
    return np.linspace(-0.5, 0.5, channels), np.linspace(0.5, 1.5, channels)


def _numpy_batch_norm(x: np.ndarray, w: np.ndarray | None = None,
                      b: np.ndarray | None = None, training: bool = True) -> np.ndarray:
    if training:
        y = _standardised(x, _batch_axes(x))
    else:
        mean, var = _running(x.shape[1])
        y = (x - _channel_view(mean, x.ndim)) / np.sqrt(_channel_view(var, x.ndim) + EPS)
    if w is not None:
        y = y * _channel_view(w, x.ndim)
    return y + _channel_view(b, x.ndim) if b is not None else y


def _stir_eval(x: Any, w: Any, b: Any) -> Any:
    mean, var = (_beside(x, v) for v in _running(x.shape[1]))
    return F.batch_norm(x, mean, var, w, b, training=False)


def _torch_eval(x: Any, w: Any, b: Any) -> Any:
    mean, var = (t().tensor(v, dtype=x.dtype) for v in _running(x.shape[1]))
    return t().nn.functional.batch_norm(x, mean, var, w, b, training=False)


BATCH_LAYOUTS: list[list[Layout]] = [  # (x, weight, bias); ≥ 3 values per channel
    [((4, 3), "c"), ((3,), "c"), ((3,), "c")],
    [((5, 1), "c"), ((1,), "c"), ((1,), "c")],
    [((3, 4), "t"), ((4,), "s"), ((4,), "c")],
    [((2, 3, 4), "s"), ((3,), "c"), ((3,), "s")],
    [((1, 2, 3), "c"), ((2,), "c"), ((2,), "c")],
    [((2, 2, 2, 3), "c"), ((2,), "c"), ((2,), "c")],
    [((3, 2, 1, 1), "c"), ((2,), "c"), ((2,), "c")],
    [((2, 3, 2, 2), "t"), ((3,), "c"), ((3,), "c")],
]


@st.composite
def _batch_inputs(draw: Any, parts: int = 3, spread: bool = True) -> tuple[np.ndarray, ...]:
    channels = draw(st.integers(1, 3))
    rest = draw(st.sampled_from([(), (1,), (3,), (2, 2), (1, 3)]))
    batch = draw(st.integers(1 if rest and np.prod(rest) > 2 else 3, 3))
    x = draw(_arrays((batch, channels) + rest))
    if spread:
        x = _spread(x, _batch_axes(x))
    return (x,) + tuple(draw(_arrays((channels,))) for _ in range(parts - 1))


def _batch_train_entry() -> OpSpec:
    spec = custom(
        "batch_norm-train",
        lambda x, w, b: F.batch_norm(x, *_fresh(x), w, b, training=True),
        lambda x, w, b: _numpy_batch_norm(x, w, b),
        lambda x, w, b: t().nn.functional.batch_norm(x, *_torch_fresh(x), w, b,
                                                    training=True),
        BATCH_LAYOUTS, _batch_inputs())
    spec.valid = _spread_enough(_batch_axes)
    return spec


def _batch_train_plain_entry() -> OpSpec:
    spec = custom(
        "batch_norm-train-no-affine",
        lambda x: F.batch_norm(x, *_fresh(x), training=True),
        lambda x: _numpy_batch_norm(x),
        lambda x: t().nn.functional.batch_norm(x, *_torch_fresh(x), training=True),
        [layouts[:1] for layouts in BATCH_LAYOUTS], _batch_inputs(parts=1))
    spec.valid = _spread_enough(_batch_axes)
    return spec


def _batch_eval_entry() -> OpSpec:
    return custom(
        "batch_norm-eval", _stir_eval,
        lambda x, w, b: _numpy_batch_norm(x, w, b, training=False), _torch_eval,
        BATCH_LAYOUTS, _batch_inputs(spread=False))


# ----------------------------------------------------------------------------- layer norm
def _trailing(dims: int) -> Any:
    return lambda x: tuple(range(x.ndim - dims, x.ndim))


def _numpy_layer_norm(dims: int) -> Any:
    def reference(x: np.ndarray, w: np.ndarray | None = None,
                  b: np.ndarray | None = None) -> np.ndarray:
        y = _standardised(x, _trailing(dims)(x))
        y = y * w if w is not None else y
        return y + b if b is not None else y
    return reference


@st.composite
def _layer_inputs(draw: Any, dims: int, affine: bool) -> tuple[np.ndarray, ...]:
    normalized = tuple(draw(st.integers(2, 4)) for _ in range(dims))
    lead = draw(st.sampled_from([(), (1,), (2,), (3, 1)]))
    x = _spread(draw(_arrays(lead + normalized)), _trailing(dims)(np.empty(lead + normalized)))
    return (x, draw(_arrays(normalized)), draw(_arrays(normalized))) if affine else (x,)


LAYER_LAYOUTS = {  # (x, weight, bias) for normalized_shape = the last `dims` of x
    1: [[((4, 3), "c"), ((3,), "c"), ((3,), "c")],
        [((1, 5), "c"), ((5,), "c"), ((5,), "c")],
        [((3, 4), "t"), ((4,), "s"), ((4,), "c")],
        [((2, 3, 4), "s"), ((4,), "c"), ((4,), "s")],
        [((6,), "c"), ((6,), "c"), ((6,), "c")],
        [((2, 1, 3), "c"), ((3,), "c"), ((3,), "c")],
        [((2, 2, 2, 3), "t"), ((3,), "c"), ((3,), "c")],
        [((5, 2), "s"), ((2,), "c"), ((2,), "c")]],
    2: [[((2, 3, 4), "c"), ((3, 4), "c"), ((3, 4), "c")],
        [((1, 2, 3), "c"), ((2, 3), "t"), ((2, 3), "c")],
        [((3, 4), "t"), ((3, 4), "c"), ((3, 4), "s")],
        [((2, 3, 2), "s"), ((3, 2), "c"), ((3, 2), "c")],
        [((2, 2, 4, 3), "c"), ((4, 3), "s"), ((4, 3), "c")],
        [((3, 1, 4), "c"), ((1, 4), "c"), ((1, 4), "c")],
        [((2, 2, 3), "t"), ((2, 3), "c"), ((2, 3), "c")],
        [((4, 2, 2), "c"), ((2, 2), "c"), ((2, 2), "c")]],
}


def _layer_entry(dims: int, affine: bool) -> OpSpec:
    def shape(x: Any) -> tuple[int, ...]:
        return tuple(x.shape[x.ndim - dims:])
    layouts = LAYER_LAYOUTS[dims] if affine else [s[:1] for s in LAYER_LAYOUTS[dims]]
    spec = custom(
        f"layer_norm-{dims}d" + ("-affine" if affine else ""),
        lambda x, *wb: F.layer_norm(x, shape(x), *wb),
        _numpy_layer_norm(dims),
        lambda x, *wb: t().nn.functional.layer_norm(x, shape(x), *wb),
        layouts, _layer_inputs(dims, affine))
    spec.valid = _spread_enough(_trailing(dims))
    return spec


# ----------------------------------------------------------------------------- group norm
def _groups(x: Any) -> int:
    """The groups the entries split x's channels into: 2 when they are even, else 1."""
    return 2 if x.shape[1] % 2 == 0 else 1


def _numpy_group_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    groups = _groups(x)
    grouped = x.reshape(x.shape[0], groups, -1)
    y = _standardised(grouped, (2,)).reshape(x.shape)
    return y * _channel_view(w, x.ndim) + _channel_view(b, x.ndim)


def _group_spread(x: np.ndarray) -> bool:
    grouped = x.reshape(x.shape[0], _groups(x), -1)
    return bool(np.all(grouped.std(axis=2) >= 0.1))


@st.composite
def _group_inputs(draw: Any) -> tuple[np.ndarray, ...]:
    channels = draw(st.sampled_from([1, 2, 3, 4]))
    rest = draw(st.sampled_from([(2,), (3,), (2, 2), (1, 3)]))
    x = draw(_arrays((draw(st.integers(1, 3)), channels) + rest))
    x = x + np.arange(x[0].size).reshape(x.shape[1:]) * (4.0 / x[0].size)
    return x, draw(_arrays((channels,))), draw(_arrays((channels,)))


GROUP_LAYOUTS: list[list[Layout]] = [
    [((2, 4, 3), "c"), ((4,), "c"), ((4,), "c")],
    [((1, 2, 5), "c"), ((2,), "c"), ((2,), "c")],
    [((3, 3, 2), "s"), ((3,), "s"), ((3,), "c")],
    [((2, 4, 2, 2), "t"), ((4,), "c"), ((4,), "s")],
    [((2, 6), "c"), ((6,), "c"), ((6,), "c")],
    [((3, 1, 4), "c"), ((1,), "c"), ((1,), "c")],
    [((2, 2, 1, 3), "c"), ((2,), "c"), ((2,), "c")],
    [((4, 4), "t"), ((4,), "c"), ((4,), "c")],
]


def _group_entry() -> OpSpec:
    spec = custom(
        "group_norm",
        lambda x, w, b: F.group_norm(x, _groups(x), w, b),
        _numpy_group_norm,
        lambda x, w, b: t().nn.functional.group_norm(x, _groups(x), w, b),
        GROUP_LAYOUTS, _group_inputs())
    spec.valid = lambda x, *rest: _group_spread(x)
    return spec


NORMALIZATION_ENTRIES = [
    _batch_train_entry(), _batch_train_plain_entry(), _batch_eval_entry(),
    *[_layer_entry(dims, affine) for dims in (1, 2) for affine in (True, False)],
    _group_entry(),
]
