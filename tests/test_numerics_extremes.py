"""Numerics at the extremes, as one table run under np.errstate(all="raise"): no overflow,
no invalid operation, no division by zero, at ±1e3 in float32 and ±1e300 in float64, and
log 2 exactly enough on equal logits at any offset up to 3e38. Then inf and NaN inputs,
which must behave as PyTorch's do (docs/numerics.md lists the behaviour)."""

import math

import numpy as np
import pytest

import stir
import stir.nn.functional as F

LN2 = math.log(2)
BIG = {np.float32: 1e3, np.float64: 1e300}


def value_and_grad(function, values, dtype):
    x = stir.tensor(np.asarray(values, dtype=dtype), requires_grad=True)
    y = function(x)
    y.sum().backward()
    return y.array, x.grad.array


# (name, function, input as a function of big, expected value, expected gradient)
SATURATING = [
    ("sigmoid", stir.sigmoid, lambda b: [b, -b], [1.0, 0.0], [0.0, 0.0]),
    ("tanh", stir.tanh, lambda b: [b, -b], [1.0, -1.0], [0.0, 0.0]),
    ("softplus", F.softplus, lambda b: [b, -b], lambda b: [b, 0.0], [1.0, 0.0]),
    ("bce_with_logits target 1", lambda x: F.binary_cross_entropy_with_logits(
        x, stir.ones(2, dtype=x.dtype), reduction="none"),
     lambda b: [b, -b], lambda b: [0.0, b], [0.0, -1.0]),
    ("bce_with_logits target 0", lambda x: F.binary_cross_entropy_with_logits(
        x, stir.zeros(2, dtype=x.dtype), reduction="none"),
     lambda b: [b, -b], lambda b: [b, 0.0], [1.0, 0.0]),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", SATURATING, ids=[case[0] for case in SATURATING])
def test_saturating_functions_stay_finite_with_the_right_gradients(case, dtype):
    name, function, inputs, expected, gradient = case
    big = BIG[dtype]
    expected = expected(big) if callable(expected) else expected
    with np.errstate(all="raise"):
        value, grad = value_and_grad(function, inputs(big), dtype)
    assert value.dtype == dtype and np.isfinite(value).all() and np.isfinite(grad).all()
    np.testing.assert_allclose(value, expected, rtol=1e-6, atol=0)
    np.testing.assert_allclose(grad, gradient, rtol=1e-6, atol=0)


OFFSETS = [0.0, 1.0, -1.0, 1e3, -1e3, 1e10, -1e10, 1e30, -1e30, 3e38, -3e38]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("offset", OFFSETS)
def test_equal_logits_give_log_2_at_any_offset(offset, dtype):
    with np.errstate(all="raise"):
        logits = stir.tensor(np.array([[offset, offset]], dtype=dtype), requires_grad=True)
        log_probabilities = F.log_softmax(logits, dim=1)
        loss = F.cross_entropy(logits, stir.tensor([0]))
        loss.backward()
        lse = stir.logsumexp(logits, dim=1)
    np.testing.assert_allclose(log_probabilities.array, [[-LN2, -LN2]], atol=1e-6, rtol=0)
    assert abs(float(loss) - LN2) <= 1e-6
    np.testing.assert_allclose(logits.grad.array, [[-0.5, 0.5]], atol=1e-6, rtol=0)
    # log Σ e^x = offset + ln 2, as exactly as the dtype can hold it
    assert np.isclose(float(lse.array[0]) - offset, LN2, atol=1e-6 + 4 * abs(offset) *
                      np.finfo(dtype).eps)


# ----------------------------------------------------------------- inf and NaN, as PyTorch
SPECIALS = [math.inf, -math.inf, math.nan, 0.0, 1.0]
ELEMENTWISE = ["relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs", "softplus",
               "leaky_relu", "elu", "gelu", "silu"]


def stir_function(name):
    return getattr(F, name, None) or getattr(stir, name)


# Where stir deliberately differs (docs/numerics.md): (function, input) -> stir's value.
DEVIATIONS = {("gelu", math.inf): math.inf}  # x·Φ(x) → ∞; PyTorch 2.13 gives NaN


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_inf_and_nan_inputs_behave_as_in_pytorch(name):
    torch = pytest.importorskip("torch")
    values = np.array(SPECIALS, dtype=np.float32)
    with np.errstate(all="ignore"):
        value, grad = value_and_grad(stir_function(name), values, np.float32)
    x = torch.tensor(values, requires_grad=True)
    reference = getattr(torch.nn.functional, name, None) or getattr(torch, name)
    y = reference(x)
    y.sum().backward()
    expected = y.detach().numpy().copy()
    for position, special in enumerate(SPECIALS):
        if (name, special) in DEVIATIONS:
            expected[position] = DEVIATIONS[name, special]
    # equal NaN positions and infinities; finite values to float32 rounding
    np.testing.assert_allclose(value, expected, rtol=1e-6, atol=0, equal_nan=True,
                               err_msg=f"{name} values")
    np.testing.assert_allclose(grad, x.grad.numpy(), rtol=1e-6, atol=0, equal_nan=True,
                               err_msg=f"{name} gradients")


@pytest.mark.parametrize("row", [[math.inf, 0.0], [-math.inf, 0.0], [math.nan, 0.0],
                                 [math.inf, math.inf], [-math.inf, -math.inf]])
def test_softmax_family_with_inf_and_nan_as_in_pytorch(row):
    torch = pytest.importorskip("torch")
    logits = np.array([row], dtype=np.float32)
    with np.errstate(all="ignore"):
        ours = {"softmax": F.softmax(stir.tensor(logits), dim=1).array,
                "log_softmax": F.log_softmax(stir.tensor(logits), dim=1).array,
                "cross_entropy": np.array(float(F.cross_entropy(stir.tensor(logits),
                                                                stir.tensor([1]))))}
    t = torch.tensor(logits)
    theirs = {"softmax": torch.softmax(t, dim=1).numpy(),
              "log_softmax": torch.log_softmax(t, dim=1).numpy(),
              "cross_entropy": np.array(float(torch.nn.functional.cross_entropy(
                  t, torch.tensor([1]))))}
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-6, atol=1e-7,
                                   equal_nan=True, err_msg=key)
