"""Values and gradients at NaN and ±inf, as PyTorch 2.13: max and min (full and over a
dimension, with their indices), maximum and minimum, the Huber loss, clamp, relu and abs.

Each case runs in both libraries on the same inputs with the same random upstream gradient,
in float32 and float64; values and gradients must agree with NaN at the same places.
A gradient is checked both ways the engine computes it: on arrays (an ordinary backward) and
on tensors (`create_graph=True`, the recorded backward of higher-order gradients).

stir's max and min share the gradient evenly between ties (as torch.amax); where a slice
holds a NaN the maximum is NaN and the gradient goes to its NaNs, split evenly between them,
which is what torch.max() does for a full reduction. So a reduction over a dimension is
compared with PyTorch's full max()/min() applied to each slice; with a single NaN in a slice
that is also what torch.max(dim) gives (all of it to the NaN, whose index it returns).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pytest

import stir
import stir.nn.functional as F

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for these cases")

nan, inf = math.nan, math.inf
DTYPES = {"float32": np.float32, "float64": np.float64}

ROWS = np.array([[1.0, nan, 3.0, nan],     # two NaNs: they share the gradient
                 [2.0, 7.0, 7.0, 1.0],     # a finite tie
                 [nan, 0.0, 1.0, 2.0],     # one NaN, first
                 [inf, 1.0, inf, -inf],    # tied infinities
                 [-inf, -inf, -inf, -inf],
                 [-inf, nan, inf, 0.0]])
ONE_NAN = np.array([[1.0, nan, 3.0], [nan, -inf, inf], [0.0, 2.0, nan]])


def per_slice(reduce: Callable[[Any], Any], kept: int) -> Callable[[Any], Any]:
    """PyTorch's full reduction of each slice x.select(kept, i), i.e. a reduction over every
    dimension but `kept` by its rule for ties and NaN (which torch.max(dim) does not follow:
    it gives the gradient to the one index it returns)."""
    return lambda t: torch.stack([reduce(part) for part in t.unbind(kept)])


# (id, stir function, PyTorch function, inputs): each function takes its inputs as tensors.
CASES: list[tuple[str, Callable[..., Any], Callable[..., Any], list[Any]]] = [
    # 1. full max and min of an array holding NaN
    ("max-all-two-nans", lambda x: x.max(), lambda x: x.max(), [ROWS[0]]),
    ("max-all-2d", lambda x: x.max(), lambda x: x.max(), [ROWS]),
    ("min-all-2d", lambda x: x.min(), lambda x: x.min(), [ROWS]),
    ("max-all-nan-after-inf", lambda x: x.max(), lambda x: x.max(), [[-inf, inf, nan]]),
    ("stir.max-all", lambda x: stir.max(x), lambda x: torch.max(x), [ROWS[5]]),
    ("max-all-inf-tie", lambda x: x.max(), lambda x: x.max(), [ROWS[3]]),
    ("min-0d-nan", lambda x: x.min(), lambda x: x.min(), [nan]),
    # 2. over a dimension: a single NaN per slice, against torch.max(dim) itself
    ("max-dim1-one-nan", lambda x: x.max(axis=1), lambda x: x.max(dim=1).values, [ONE_NAN]),
    ("min-dim1-one-nan", lambda x: x.min(axis=1), lambda x: x.min(dim=1).values, [ONE_NAN]),
    ("max-dim0-keepdim-one-nan", lambda x: x.max(axis=0, keepdims=True),
     lambda x: x.max(dim=0, keepdim=True).values, [ONE_NAN]),
    ("min-axis-1-keepdims-one-nan", lambda x: x.min(axis=-1, keepdims=True),
     lambda x: x.min(dim=-1, keepdim=True).values, [ONE_NAN]),
    # ... and any slices (NaNs and ties shared evenly), against PyTorch's rule per slice
    ("max-dim1", lambda x: x.max(axis=1), per_slice(torch.max, 0), [ROWS]),
    ("min-dim1", lambda x: x.min(axis=1), per_slice(torch.min, 0), [ROWS]),
    ("max-dim0", lambda x: x.max(axis=0), per_slice(torch.max, 1), [ROWS]),
    ("min-dim0-keepdim", lambda x: x.min(axis=0, keepdims=True),
     lambda x: per_slice(torch.min, 1)(x).unsqueeze(0), [ROWS]),
    ("max-dims-0-2", lambda x: x.max(axis=(0, 2)), per_slice(torch.max, 1),
     [ROWS.reshape(3, 2, 4)]),
    ("min-dims-0-2-keepdim", lambda x: x.min(axis=(0, 2), keepdims=True),
     lambda x: per_slice(torch.min, 1)(x).reshape(1, 2, 1), [ROWS.reshape(3, 2, 4)]),
    # 3. maximum and minimum: a NaN on either side passes the gradient to both, as PyTorch
    ("maximum", stir.maximum, torch.maximum,
     [[nan, 1.0, nan, 2.0, 3.0, inf, -inf, inf, 4.0],
      [1.0, nan, nan, 2.0, 1.0, inf, -inf, nan, 5.0]]),
    ("minimum", stir.minimum, torch.minimum,
     [[nan, 1.0, nan, 2.0, 3.0, inf, -inf, inf, 4.0],
      [1.0, nan, nan, 2.0, 1.0, inf, -inf, nan, 5.0]]),
    ("maximum-broadcast", stir.maximum, torch.maximum,
     [[[nan], [1.0], [2.0]], [[1.0, nan, 2.0, -inf]]]),
    ("minimum-broadcast", stir.minimum, torch.minimum,
     [[[nan], [1.0], [2.0]], [[1.0, nan, 2.0, -inf]]]),
    # 5. what was already right: clamp at NaN, relu and abs at ±inf
    ("clamp", lambda x: x.clamp(-1.0, 1.0), lambda x: x.clamp(-1.0, 1.0),
     [[nan, inf, -inf, 0.5, -2.0, 1.0, -1.0]]),
    ("clamp-min", lambda x: x.clamp(min=0.0), lambda x: x.clamp(min=0.0),
     [[nan, inf, -inf, 0.5, -2.0, 0.0]]),
    ("clamp-max", lambda x: x.clamp(max=0.0), lambda x: x.clamp(max=0.0),
     [[nan, inf, -inf, 0.5, -2.0, 0.0]]),
    ("clamp-nan-bound", lambda x: x.clamp(nan, 1.0), lambda x: x.clamp(nan, 1.0),
     [[nan, inf, 0.5]]),
    ("relu", lambda x: x.relu(), lambda x: x.relu(), [[nan, inf, -inf, 0.5, -2.0, 0.0]]),
    ("abs", lambda x: x.abs(), lambda x: x.abs(), [[nan, inf, -inf, 0.5, -2.0, 0.0]]),
]

# 4. the Huber loss with infinite and NaN input or target, every reduction and two deltas
HUBER_INPUT = [inf, -inf, nan, inf, 0.3, 2.0, inf, 1.0, -inf, 0.5]
HUBER_TARGET = [0.0, 0.0, 0.0, inf, 0.0, 0.0, -inf, nan, 1.0, inf]
for reduction in ("none", "mean", "sum"):
    for delta in (1.0, 0.5):
        CASES.append((
            f"huber-{reduction}-delta{delta}",
            lambda x, t, r=reduction, d=delta: F.huber_loss(x, t, reduction=r, delta=d),
            lambda x, t, r=reduction, d=delta: torch.nn.functional.huber_loss(
                x, t, reduction=r, delta=d),
            [HUBER_INPUT, HUBER_TARGET]))
        CASES.append((  # only the infinite entries: a finite mean and sum
            f"huber-inf-only-{reduction}-delta{delta}",
            lambda x, t, r=reduction, d=delta: F.huber_loss(x, t, reduction=r, delta=d),
            lambda x, t, r=reduction, d=delta: torch.nn.functional.huber_loss(
                x, t, reduction=r, delta=d),
            [[inf, -inf, 0.3, 1.0], [0.0, 1.0, inf, -inf]]))


def run_stir(function: Callable[..., Any], arrays: list[np.ndarray], upstream: np.ndarray,
             create_graph: bool) -> tuple[np.ndarray, list[np.ndarray]]:
    inputs = [stir.tensor(a, requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):  # NumPy's "invalid value" at NaN is expected here
        z = function(*inputs)
        grads = stir.grad(z, inputs, stir.tensor(upstream), create_graph=create_graph)
    return z.array, [np.asarray(g.array) for g in grads]


def run_torch(function: Callable[..., Any], arrays: list[np.ndarray], upstream: np.ndarray
              ) -> tuple[np.ndarray, list[np.ndarray]]:
    inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    z = function(*inputs)
    grads = torch.autograd.grad(z, inputs, torch.from_numpy(upstream))
    return z.detach().numpy(), [g.numpy() for g in grads]


@pytest.mark.parametrize("create_graph", [False, True], ids=["arrays", "tensors"])
@pytest.mark.parametrize("dtype", DTYPES, ids=list(DTYPES))
@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_values_and_gradients_at_nan_and_inf_as_in_pytorch(case: Any, dtype: str,
                                                            create_graph: bool) -> None:
    name, ours, theirs, inputs = case
    numpy_dtype = DTYPES[dtype]
    arrays = [np.array(values, dtype=numpy_dtype) for values in inputs]
    upstream = _upstream(theirs, arrays, numpy_dtype)
    expected, expected_grads = run_torch(theirs, arrays, upstream)
    value, grads = run_stir(ours, arrays, upstream, create_graph)
    assert value.dtype == numpy_dtype and value.shape == expected.shape
    # assert_allclose with equal_nan requires NaN (and each infinity) at the same places
    np.testing.assert_allclose(value, expected, rtol=1e-6, atol=0, equal_nan=True,
                               err_msg=f"{name} values")
    for position, (grad, reference) in enumerate(zip(grads, expected_grads)):
        assert grad.shape == reference.shape
        np.testing.assert_allclose(grad, reference, rtol=1e-6, atol=1e-7, equal_nan=True,
                                   err_msg=f"{name}: gradient of input {position}")


def _upstream(theirs: Callable[..., Any], arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    """A random upstream gradient of the output's shape (in (0.5, 2): no accidental zeros)."""
    shape = theirs(*[torch.tensor(a) for a in arrays]).shape
    return np.random.default_rng(7).uniform(0.5, 2.0, size=tuple(shape)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=list(DTYPES))
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("which", ["max", "min"])
def test_indices_of_the_extremes_as_in_pytorch(which: str, dim: int, dtype: str) -> None:
    """stir's max(dim) returns only the values; its indices are argmax/argmin, which must
    name the first NaN of a slice (or the first of tied extremes), as torch.max(dim) on the
    CPU."""
    x = np.concatenate([ROWS, [[0.0, 5.0, nan, 5.0], [4.0, 4.0, 4.0, nan]]]).astype(DTYPES[dtype])
    ours = getattr(stir.tensor(x), f"arg{which}")(dim=dim).array
    reference = getattr(torch.tensor(x), which)(dim=dim)
    np.testing.assert_array_equal(ours, reference.indices.numpy())
    with np.errstate(all="ignore"):
        values = getattr(stir.tensor(x), which)(dim=dim).values.array
    np.testing.assert_array_equal(values, reference.values.numpy())  # NaN == NaN here


def test_the_nans_of_a_row_share_its_gradient() -> None:
    """The rule in words, independently of PyTorch: a slice's NaNs share its gradient."""
    x = stir.tensor([[1.0, nan, 3.0, nan], [nan, 0.0, 1.0, 2.0]], requires_grad=True)
    with np.errstate(all="ignore"):
        x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.array, [[0, 0.5, 0, 0.5], [1, 0, 0, 0]])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_second_derivative_of_huber_at_inf_and_nan_as_in_pytorch(reduction: str) -> None:
    """The gradient recorded on tensors differentiates again as PyTorch's: d²L/dd² is 1 (÷ n
    for the mean) where |d| < δ, 0 beyond, 0 at ±inf and at NaN."""
    inputs = np.array([inf, -inf, nan, 0.3, 2.0, 0.5, -inf, 0.1])
    targets = np.array([0.0, 0.0, 0.0, 0.0, 0.0, inf, 1.0, -0.2])
    weights = np.random.default_rng(3).uniform(0.5, 2.0, size=(2, inputs.size))
    x, t = (torch.tensor(a, requires_grad=True) for a in (inputs, targets))
    loss = torch.nn.functional.huber_loss(x, t, reduction=reduction)
    grads = torch.autograd.grad(loss, (x, t), torch.ones_like(loss), create_graph=True)
    expected = torch.autograd.grad(sum((g * torch.from_numpy(w)).sum()
                                       for g, w in zip(grads, weights)), (x, t))
    ours_x, ours_t = (stir.tensor(a, requires_grad=True) for a in (inputs, targets))
    with np.errstate(all="ignore"):
        ours = F.huber_loss(ours_x, ours_t, reduction=reduction)
        first = stir.grad(ours, [ours_x, ours_t], stir.ones(ours.shape, dtype=np.float64),
                          create_graph=True)
        second = stir.grad(sum((g * stir.tensor(w)).sum() for g, w in zip(first, weights)),
                           [ours_x, ours_t])
    for mine, reference in zip(second, expected):
        np.testing.assert_allclose(mine.array, reference.numpy(), rtol=1e-12, atol=0,
                                   equal_nan=True)
