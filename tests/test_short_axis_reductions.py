"""The largest and smallest entries over a short last axis (a maxout's pieces), which
stir's NumPy namespace compares slice by slice because NumPy's reduce is slow there: the
result must be NumPy's to the bit (NaN, signed zeros, every dtype, keepdims), and the
tensor ops built on it keep their values and gradients."""

from __future__ import annotations

import numpy as np
import pytest

import stir
from stir._array.namespaces import SHORT_AXIS, _max, _min

SHAPES = [(5, 2), (3, 4, 8), (7, 3), (2, SHORT_AXIS + 1), (4, 1), (100, 32, 2), (0, 3),
          (2, 3, 0, 2)]


def _samples(shape, dtype, rng):
    values = rng.standard_normal(shape) * 3
    if dtype in (np.float32, np.float64) and values.size:
        flat = values.reshape(-1)
        flat[::7], flat[1::5], flat[2::5] = np.nan, -0.0, 0.0  # (ties of ±0, and NaNs)
    return values.astype(dtype)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_],
                         ids=lambda dtype: np.dtype(dtype).name)
def test_the_same_bits_as_numpys_reduce(shape, dtype) -> None:
    x = _samples(shape, dtype, np.random.default_rng(len(shape)))
    for axis in (-1, (len(shape) - 1,), 0, None):
        for keepdims in (False, True):
            for ours, ufunc in ((_max, np.maximum), (_min, np.minimum)):
                try:
                    expected = ufunc.reduce(x, axis=axis, keepdims=keepdims)
                except ValueError:  # (no identity for an empty slice: the same error)
                    with pytest.raises(ValueError):
                        ours(x, axis, keepdims)
                    continue
                got = ours(x, axis, keepdims)
                assert got.shape == expected.shape and got.dtype == expected.dtype
                assert np.ascontiguousarray(got).tobytes() == \
                    np.ascontiguousarray(expected).tobytes(), (shape, axis, keepdims)


def test_a_maxout_units_value_and_gradient_are_unchanged() -> None:
    x = stir.tensor([[1.0, 3.0, 2.0, 2.0], [-1.0, -5.0, float("nan"), 0.0]],
                    requires_grad=True)
    pieces = x.reshape(2, 2, 2)
    values = pieces.max(axis=-1)
    assert np.array_equal(values.detach().numpy(), [[3.0, 2.0], [-1.0, np.nan]],
                          equal_nan=True)
    values[0].sum().backward()  # (the first row alone: its tie shares the gradient)
    assert x.grad.numpy().tolist() == [[0.0, 1.0, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0]]
