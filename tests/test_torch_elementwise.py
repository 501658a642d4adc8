"""The elementwise operations against PyTorch (issue 12): values, dtypes (integer and bool
inputs, float32 and float64, 0-d tensors), shapes, gradients and errors, each case run through
stir and torch alike: the method (`x.floor()`) and the function (`stir.floor(x)`)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import stir

torch = pytest.importorskip("torch")
# NumPy warns of the NaN and inf that PyTorch gives silently (sqrt of -1, 1/0)
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NAN, INF = float("nan"), float("inf")
#: Inputs by name, as lists and their dtype (None: the default float dtype).
INPUTS: dict[str, tuple[Any, str | None]] = {
    "float32": ([-0.5, 0.0, 0.25, 0.9, 3.0, 2.5], "float32"),
    "float64": ([-1.5, 0.5, 0.75, 1e-9, 12.5, -0.0], "float64"),
    "int64": ([0, 1, 2, -3, 7], "int64"),
    "int32": ([5, -2, 0], "int32"),
    "bool": ([True, False], "bool"),
    "0-d float32": (0.625, "float32"),
    "0-d int64": (3, "int64"),
    "2-d float32": ([[0.5, -1.25], [2.5, NAN]], "float32"),
}


def both(values: Any, dtype: str | None) -> tuple[stir.Tensor, Any]:
    return (stir.tensor(values, dtype=getattr(stir, dtype)),
            torch.tensor(values, dtype=getattr(torch, dtype)))


def dtype_name(x: Any) -> str:
    return str(x.dtype).removeprefix("torch.")


def assert_same(ours: Any, theirs: Any, rtol: float = 1e-6) -> None:
    """Same dtype, shape and values (NaN where NaN; float32 to its precision)."""
    if isinstance(theirs, torch.Tensor):
        assert dtype_name(ours) == dtype_name(theirs)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy().astype(np.float64),
                                   theirs.numpy().astype(np.float64), rtol=rtol, atol=1e-7)
    else:
        assert type(ours) is type(theirs) and ours == theirs


def outcome(function: Callable[[], Any]) -> Any:
    """The result, or the type and message of the error raised."""
    try:
        with np.errstate(all="ignore"):
            return function()
    except Exception as error:  # noqa: BLE001 (the exception is the result compared)
        return error


def assert_same_outcome(ours: Callable[[], Any], theirs: Callable[[], Any]) -> None:
    mine, reference = outcome(ours), outcome(theirs)
    if isinstance(reference, Exception):
        assert isinstance(mine, type(reference)), f"{mine!r}, not {reference!r}"
        return
    assert not isinstance(mine, Exception), f"{mine!r}; PyTorch gives {reference}"
    assert_same(mine, reference)


# ----------------------------------------------------------------------------- unary
FUNCTIONS_OF_REALS = ["exp", "expm1", "log", "log10", "log2", "log1p", "sqrt", "rsqrt", "sin",
                      "cos", "sinh", "cosh", "tanh", "asin", "acos", "atan", "arcsin",
                      "arccos", "arctan", "sigmoid", "reciprocal"]
KEEPING_INTEGERS = ["floor", "ceil", "round", "trunc", "fix", "sign", "neg", "negative",
                    "square", "abs", "absolute", "relu"]


@pytest.mark.parametrize("name", FUNCTIONS_OF_REALS + KEEPING_INTEGERS)
@pytest.mark.parametrize("kind", list(INPUTS))
def test_unary_matches_pytorch(name: str, kind: str) -> None:
    ours, theirs = both(*INPUTS[kind])
    assert_same_outcome(lambda: getattr(ours, name)(), lambda: getattr(theirs, name)())
    assert_same_outcome(lambda: getattr(stir, name)(ours), lambda: getattr(torch, name)(theirs))


def test_the_abs_builtin_works_on_tensors() -> None:
    assert_same(abs(stir.tensor([-1.5, 2.0])), abs(torch.tensor([-1.5, 2.0])))


def test_integers_give_float32_and_the_roundings_keep_them() -> None:
    x = stir.tensor([1, 2, 3])
    assert x.log10().dtype == stir.float32 and x.exp().dtype == stir.float32
    assert x.floor().dtype == stir.int64 and x.sign().dtype == stir.int64
    assert stir.tensor([True, False]).square().dtype == stir.int64


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, -1, -2, 400, -400])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_with_decimals_matches_pytorch(decimals: int, dtype: str) -> None:
    values = [1.2345, -2.5, 0.125, 1234.5, 15.0, 25.0, -35.0, 0.0, 2.675, 3.4e38]
    ours, theirs = both(values, dtype)
    assert_same_outcome(lambda: ours.round(decimals=decimals),
                        lambda: theirs.round(decimals=decimals))
    assert_same_outcome(lambda: stir.round(ours, decimals=decimals),
                        lambda: torch.round(theirs, decimals=decimals))


def test_logarithms_of_exact_powers_are_exact_as_in_pytorch() -> None:
    powers = [10.0 ** k for k in range(-6, 20)]
    for dtype in ("float32", "float64"):
        ours, theirs = both(powers, dtype)
        assert ours.log10().tolist() == theirs.log10().tolist()
        assert ours.log2().tolist() == theirs.log2().tolist()
    assert stir.tensor([1, 10, 100, 1000]).log10().tolist() == [0.0, 1.0, 2.0, 3.0]


def test_round_of_integers_with_decimals_is_refused_as_in_pytorch() -> None:
    with pytest.raises(NotImplementedError, match="round with decimals"):
        stir.tensor([1, 2]).round(decimals=1)
    with pytest.raises(NotImplementedError):
        torch.tensor([1, 2]).round(decimals=1)


def test_sign_of_nan_is_zero_and_of_bool_is_itself() -> None:
    assert stir.tensor([NAN, -0.0, -2.0, 3.0]).sign().tolist() == [0.0, 0.0, -1.0, 1.0]
    assert torch.tensor([NAN, -0.0, -2.0, 3.0]).sign().tolist() == [0.0, 0.0, -1.0, 1.0]
    assert stir.sign(stir.tensor([True, False])).dtype == stir.bool


def test_negating_a_bool_tensor_raises_pytorchs_error() -> None:
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        stir.tensor([True]).neg()
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        torch.tensor([True]).neg()


def test_functions_of_one_tensor_refuse_a_number_as_pytorch() -> None:
    with pytest.raises(TypeError, match="must be a tensor, not int"):
        stir.exp(2)
    with pytest.raises(TypeError):
        torch.exp(2)


# ----------------------------------------------------------------------------- binary
#: Operand pairs: (values, dtype) for a tensor, or a Python number.
PAIRS: dict[str, tuple[Any, Any]] = {
    "float32": (([7.0, -7.0, 7.0, -7.0, 6.0, 0.5], "float32"),
                ([3.0, 3.0, -3.0, -3.0, 3.0, 0.1], "float32")),
    "int64": (([7, -7, 7, -7, 6, 0], "int64"), ([3, 3, -3, -3, 3, 5], "int64")),
    "int64 and float32": (([7, -7, 8], "int64"), ([2.5, 2.0, -3.0], "float32")),
    "float32 and a float": (([7.5, -7.5, 1.0], "float32"), 2.0),
    "int64 and an int": (([7, -7, 8], "int64"), 2),
    "int32 and an int": (([7, -7, 8], "int32"), -3),
    "int64 and a float": (([7, -7, 8], "int64"), 2.5),
    "0-d float64 and float32": ((-5.5, "float64"), ([2.0, -1.5], "float32")),
    "float32 and 0-d float64": (([5.5, -1.0], "float32"), (2.0, "float64")),
    "broadcast": (([[1.0], [-4.5]], "float64"), ([2.0, -3.0, 0.7], "float64")),
    "float divisor 0": (([7.0, -7.0, 0.0], "float32"), ([0.0, 0.0, 0.0], "float32")),
    "int divisor 0": (([7, 1], "int64"), ([0, 1], "int64")),
    "bool": (([True, False], "bool"), ([True, True], "bool")),
}


def operand(spec: Any, library: Any) -> Any:
    if isinstance(spec, tuple):
        values, dtype = spec
        return library.tensor(values, dtype=getattr(library, dtype))
    return spec


BINARY = {
    "add": lambda m, x, y: m.add(x, y), "sub": lambda m, x, y: m.sub(x, y),
    "subtract": lambda m, x, y: m.subtract(x, y), "mul": lambda m, x, y: m.mul(x, y),
    "multiply": lambda m, x, y: m.multiply(x, y), "div": lambda m, x, y: m.div(x, y),
    "divide": lambda m, x, y: m.divide(x, y), "true_divide": lambda m, x, y: m.true_divide(x, y),
    "div-trunc": lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
    "div-floor": lambda m, x, y: m.div(x, y, rounding_mode="floor"),
    "floor_divide": lambda m, x, y: m.floor_divide(x, y),
    "remainder": lambda m, x, y: m.remainder(x, y), "fmod": lambda m, x, y: m.fmod(x, y),
    "//": lambda m, x, y: x // y, "%": lambda m, x, y: x % y,
    "reflected //": lambda m, x, y: 9 // y, "reflected %": lambda m, x, y: 9 % y,
    "add-alpha": lambda m, x, y: m.add(x, y, alpha=2),
    "sub-alpha": lambda m, x, y: m.sub(x, y, alpha=-3),
    "add-float-alpha": lambda m, x, y: m.add(x, y, alpha=0.5),
    "maximum": lambda m, x, y: m.maximum(x, y if not isinstance(y, (int, float)) else
                                         m.tensor(y)),
}


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("pair", list(PAIRS))
def test_binary_matches_pytorch(name: str, pair: str) -> None:
    first, second = PAIRS[pair]
    x, y = operand(first, stir), operand(second, stir)
    tx, ty = operand(first, torch), operand(second, torch)
    assert_same_outcome(lambda: BINARY[name](stir, x, y), lambda: BINARY[name](torch, tx, ty))
    if name in ("add", "mul", "sub", "remainder", "div"):  # the method too
        assert_same_outcome(lambda: getattr(x, name)(y), lambda: getattr(tx, name)(ty))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "true_divide", "floor_divide",
                                  "remainder", "pow"])
def test_arithmetic_functions_take_a_number_first(name: str) -> None:
    assert_same(getattr(stir, name)(2, stir.tensor([1.0, -4.0])),
                getattr(torch, name)(2, torch.tensor([1.0, -4.0])))


def test_integer_division_by_zero_raises_as_in_pytorch() -> None:
    for operation in (lambda a: a // 0, lambda a: a % 0, lambda a: a.fmod(0),
                      lambda a: a.div(0, rounding_mode="floor")):
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            operation(stir.tensor([7]))
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            operation(torch.tensor([7]))


def test_errors_of_alpha_and_of_rounding_mode_are_pytorchs() -> None:
    message = "For integral input tensors, argument alpha must not be a floating point number"
    with pytest.raises(RuntimeError, match=message):
        stir.add(stir.tensor([1]), stir.tensor([2]), alpha=2.5)
    with pytest.raises(RuntimeError, match=message):
        torch.add(torch.tensor([1]), torch.tensor([2]), alpha=2.5)
    message = "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'up'"
    with pytest.raises(RuntimeError, match=message):
        stir.div(stir.tensor([1.0]), 2, rounding_mode="up")
    with pytest.raises(RuntimeError, match=message):
        torch.div(torch.tensor([1.0]), 2, rounding_mode="up")
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor"):
        stir.tensor([True]).sub(stir.tensor([False]))


def grads(library: Any, function: Callable[..., Any], *arrays: Any) -> list[np.ndarray]:
    leaves = [library.tensor(a, dtype=library.float64, requires_grad=True) for a in arrays]
    out = function(library, *leaves)
    out.backward(library.ones_like(out) * 1.5)
    return [np.asarray(leaf.grad.tolist()) for leaf in leaves]


GRADIENTS = {
    "remainder": lambda m, x, y: m.remainder(x, y), "fmod": lambda m, x, y: m.fmod(x, y),
    "div-floor": lambda m, x, y: m.div(x, y, rounding_mode="floor"),
    "div-trunc": lambda m, x, y: m.div(x, y, rounding_mode="trunc"),
    "clamp": lambda m, x, y: m.clamp(x, y, y + 1),
    "maximum": lambda m, x, y: m.maximum(x, y), "minimum": lambda m, x, y: m.minimum(x, y),
    "roundings": lambda m, x, y: x.floor() + x.ceil() * y + x.round() + x.trunc() + y.sign(),
    "rsqrt and reciprocal": lambda m, x, y: y.rsqrt() + x.reciprocal(),
    "log and trig": lambda m, x, y: (y.log10() + y.log2() + y.log1p() + x.expm1() + x.sinh()
                                     + x.cosh() + (x / 8).asin() + (x / 8).acos() + x.atan()),
}


@pytest.mark.parametrize("name", list(GRADIENTS))
def test_gradients_match_pytorch(name: str) -> None:
    x = [3.0, -5.5, 7.25, -0.5, 2.0, 4.0]
    y = [2.0, 2.5, -3.0, 1.5, 2.0, 0.75]
    ours, theirs = grads(stir, GRADIENTS[name], x, y), grads(torch, GRADIENTS[name], x, y)
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-12)


def test_floor_divide_has_no_gradient_as_in_pytorch() -> None:
    x = stir.tensor([3.0, -5.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="derivative for floor_divide"):
        (x // 2).sum().backward()
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide"):
        (torch.tensor([3.0, -5.0], requires_grad=True) // 2).sum().backward()


# ----------------------------------------------------------------------------- comparisons
COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
               "less_equal", "not_equal"]


@pytest.mark.parametrize("name", COMPARISONS)
@pytest.mark.parametrize("other", ["tensor", "number", "broadcast", "int tensor"])
def test_comparisons_match_pytorch(name: str, other: str) -> None:
    ours, theirs = both([1.5, -2.5, NAN, 0.5], "float32")
    make = {"tensor": lambda m: m.tensor([1.5, 0.0, NAN, 1.0]), "number": lambda m: 0.5,
            "broadcast": lambda m: m.tensor([[0.0], [1.5]]),
            "int tensor": lambda m: m.tensor([1, -3, 0, 0])}[other]
    assert_same(getattr(ours, name)(make(stir)), getattr(theirs, name)(make(torch)))
    assert_same(getattr(stir, name)(ours, make(stir)), getattr(torch, name)(theirs, make(torch)))


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "logical_not"])
@pytest.mark.parametrize("kind", ["float32", "int64", "bool", "0-d float32", "2-d float32"])
def test_tests_of_values_match_pytorch(name: str, kind: str) -> None:
    values, dtype = INPUTS[kind]
    if kind == "float32":
        values = [*values, INF, -INF, NAN]
    ours, theirs = both(values, dtype)
    assert_same(getattr(ours, name)(), getattr(theirs, name)())
    assert_same(getattr(stir, name)(ours), getattr(torch, name)(theirs))


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_functions_match_pytorch(name: str) -> None:
    pairs = [(([0.0, 1.0, NAN, -2.0], "float32"), ([1, 0, 1, 0], "int64")),
             (([True, False, True, False], "bool"), ([True, True, False, False], "bool"))]
    for first, second in pairs:
        x, y = operand(first, stir), operand(second, stir)
        tx, ty = operand(first, torch), operand(second, torch)
        assert_same(getattr(x, name)(y), getattr(tx, name)(ty))
        assert_same(getattr(stir, name)(x, y), getattr(torch, name)(tx, ty))
    with pytest.raises(TypeError, match="must be a tensor"):
        getattr(stir, name)(stir.tensor([True]), True)
    with pytest.raises(TypeError):
        getattr(torch, name)(torch.tensor([True]), True)


CLOSE_CASES = {
    "near": (([1.0, 2.0], "float32"), ([1.0 + 1e-7, 2.0], "float32"), {}),
    "far": (([1.0, -2.5, 0.5], "float32"), ([1.0, -2.5001, 0.6], "float32"), {}),
    "tolerances": (([1.0, -2.5, 0.5], "float64"), ([1.1, -2.6, 0.5], "float64"),
                   {"rtol": 0.0, "atol": 0.2}),
    "nan": (([NAN, 1.0], "float32"), ([NAN, 1.0], "float32"), {}),
    "equal nan": (([NAN, 1.0], "float32"), ([NAN, 1.0], "float32"), {"equal_nan": True}),
    "infinities": (([INF, -INF, INF], "float32"), ([INF, -INF, -INF], "float32"), {}),
    "broadcast": (([1.5, 1.5], "float32"), (1.5, "float32"), {}),
    "integers": (([1, 2, 3], "int64"), ([1, 2, 4], "int64"), {"atol": 1}),
    "dtypes differ": (([1.0], "float32"), ([1.0], "float64"), {}),
    "negative rtol": (([1.0], "float32"), ([1.0], "float32"), {"rtol": -1.0}),
}


@pytest.mark.parametrize("case", list(CLOSE_CASES))
def test_isclose_and_allclose_match_pytorch(case: str) -> None:
    first, second, options = CLOSE_CASES[case]
    x, y = operand(first, stir), operand(second, stir)
    tx, ty = operand(first, torch), operand(second, torch)
    for name in ("isclose", "allclose"):
        assert_same_outcome(lambda: getattr(stir, name)(x, y, **options),
                            lambda: getattr(torch, name)(tx, ty, **options))
        assert_same_outcome(lambda: getattr(x, name)(y, **options),
                            lambda: getattr(tx, name)(ty, **options))
    assert type(outcome(lambda: stir.allclose(x, y, **options))) in (bool, RuntimeError)


def test_dtype_mismatch_in_allclose_quotes_pytorchs_message() -> None:
    with pytest.raises(RuntimeError, match="Float did not match Double"):
        stir.allclose(stir.ones(2), stir.ones(2, dtype=stir.float64))


@pytest.mark.parametrize("case", ["same", "values", "shape", "dtype", "nan", "broadcast"])
def test_equal_matches_pytorch(case: str) -> None:
    first, second = {
        "same": (([1.0, 2.0], "float32"), ([1.0, 2.0], "float32")),
        "values": (([1.0, 2.0], "float32"), ([1.0, 3.0], "float32")),
        "shape": (([1.0, 2.0], "float32"), ([1.0], "float32")),
        "dtype": (([1, 2], "int64"), ([1.0, 2.0], "float32")),
        "nan": (([NAN], "float32"), ([NAN], "float32")),
        "broadcast": (([[1.0], [1.0]], "float32"), ([1.0], "float32")),
    }[case]
    ours = stir.equal(operand(first, stir), operand(second, stir))
    assert type(ours) is bool and ours == torch.equal(operand(first, torch),
                                                      operand(second, torch))


# ----------------------------------------------------------------------------- clamp
CLAMPS = {
    "scalars": lambda m, x: m.clamp(x, -0.5, 1.0), "min only": lambda m, x: x.clamp(min=0.2),
    "max only": lambda m, x: m.clamp(x, max=0.0), "clip": lambda m, x: m.clip(x, 0, 1),
    "min > max": lambda m, x: m.clamp(x, 1.0, 0.0),
    "tensor bounds": lambda m, x: m.clamp(x, m.tensor([-1.0, 0.0, 0.0, 0.0, 0.0, 3.0]),
                                          m.tensor([1.0, 1.0, 1.0, 1.0, 2.0, 2.5])),
    "tensor min": lambda m, x: x.clamp(min=m.tensor([0.5])),
    "int with float bounds": lambda m, x: m.clamp(x.long(), 0.5, 1.5),
    "int with int bounds": lambda m, x: m.clamp(x.long(), 0, 2),
    "bool with int bounds": lambda m, x: m.clamp(x > 0, 0, 1),
    "float64 bound": lambda m, x: m.clamp(x, m.tensor([0.5], dtype=m.float64)),
    "clamp_min": lambda m, x: x.clamp_min(0.5), "clamp_max": lambda m, x: m.clamp_max(x, 0.5),
    "neither": lambda m, x: m.clamp(x),
}


@pytest.mark.parametrize("name", list(CLAMPS))
def test_clamp_matches_pytorch(name: str) -> None:
    values = [-2.0, 0.0, 0.5, 1.0, 3.0, 2.0]
    assert_same_outcome(lambda: CLAMPS[name](stir, stir.tensor(values)),
                        lambda: CLAMPS[name](torch, torch.tensor(values)))


def test_clamp_gradients_reach_tensor_bounds_as_in_pytorch() -> None:
    def run(m: Any) -> list[list[float]]:
        x = m.tensor([-2.0, 0.0, 0.5, 1.0, 3.0, 2.0, NAN], requires_grad=True)
        low = m.tensor([-1.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0], requires_grad=True)
        high = m.tensor([1.0, 1.0, 1.0, 1.0, 2.0, 2.5, 1.0], requires_grad=True)
        m.clamp(x, low, high).backward(m.arange(1.0, 8.0))
        return [t.grad.tolist() for t in (x, low, high)]

    assert run(stir) == run(torch)


def test_clamp_without_bounds_names_the_problem() -> None:
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        stir.clamp(stir.ones(2))


# ----------------------------------------------------------------------------- select
SELECTIONS = {
    "relu": lambda m, w: m.relu(w).sqrt(),
    "clamp": lambda m, w: m.clamp(w, 0.0, 0.5).sqrt(),
    "clamp min": lambda m, w: w.clamp(min=0.0).sqrt(),
    "maximum": lambda m, w: m.maximum(w, m.zeros_like(w)).sqrt(),
    "minimum": lambda m, w: (1 - m.minimum(w, m.ones_like(w))).sqrt(),
    "signed zeros": lambda m, w: m.minimum(-w, m.zeros_like(w)).neg().sqrt(),
    "maximum tie": lambda m, w: m.maximum(w, w.detach()).sqrt(),
}


@pytest.mark.parametrize("name", list(SELECTIONS))
def test_an_infinite_gradient_is_selected_away_not_multiplied(name: str) -> None:
    """`relu(w).sqrt()` at w = 0: sqrt's gradient is inf, and ReLU's 0 there must stay 0
    (inf * 0 would be NaN), as in PyTorch; likewise clamp, maximum and minimum."""
    values = [0.0, 1.0, -1.0, 0.25, 2.0]

    def run(m: Any) -> list[float]:
        w = m.tensor(values, requires_grad=True)
        SELECTIONS[name](m, w).sum().backward()
        return w.grad.tolist()

    ours, theirs = run(stir), run(torch)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


def test_maximum_and_minimum_split_ties_and_pass_nan_as_pytorch() -> None:
    def run(m: Any, name: str, seed: float) -> list[list[float]]:
        a = m.tensor([1.0, 2.0, 3.0, NAN, 1.0], requires_grad=True)
        b = m.tensor([1.0, 1.0, 4.0, 1.0, NAN], requires_grad=True)
        getattr(m, name)(a, b).backward(m.full((5,), seed))
        return [a.grad.tolist(), b.grad.tolist()]

    for name in ("maximum", "minimum"):
        for seed in (2.0, INF):
            assert run(stir, name, seed) == run(torch, name, seed)


def test_relu_selection_is_differentiable_again() -> None:
    def run(m: Any) -> list[float]:
        x = m.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        (g,) = m.autograd.grad((m.relu(x) ** 3).sum(), x, create_graph=True) if m is torch \
            else stir.grad((stir.relu(x) ** 3).sum(), x, create_graph=True)
        g.sum().backward()
        return x.grad.tolist()

    assert run(stir) == run(torch)


# ----------------------------------------------------------------------------- where
WHERES = {
    "numbers": lambda m, c: m.where(c, 1.0, 0),
    "ints": lambda m, c: m.where(c, 1, 0),
    "int64 and float32": lambda m, c: m.where(c, m.tensor([1, 2, 3]), m.tensor([0.5, 1.5, 2.5])),
    "int64 and float64": lambda m, c: m.where(c, m.tensor([1, 2, 3]),
                                              m.tensor([0.5, 1.5, 2.5], dtype=m.float64)),
    "float32 and a number": lambda m, c: m.where(c, m.tensor([0.5, 1.5, 2.5]), 2.0),
    "int64 and a float": lambda m, c: m.where(c, m.tensor([1, 2, 3]), 2.5),
    "float32 and 0-d float64": lambda m, c: m.where(c, m.tensor([0.5, 1.5, 2.5]),
                                                    m.tensor(2.0, dtype=m.float64)),
    "broadcast": lambda m, c: m.where(c, m.tensor([[1.0], [2.0]]), 0.0),
    "int condition": lambda m, c: m.where(c.long(), 1.0, 0.0),
    "condition alone": lambda m, c: m.where(m.stack([c, ~c]))[1],
    "int condition alone": lambda m, c: m.where(c.long() * 2)[0],
}


@pytest.mark.parametrize("name", list(WHERES))
def test_where_matches_pytorch(name: str) -> None:
    assert_same_outcome(lambda: WHERES[name](stir, stir.tensor([True, False, True])),
                        lambda: WHERES[name](torch, torch.tensor([True, False, True])))


def test_where_with_a_number_passes_the_gradient_to_the_tensor() -> None:
    x = stir.tensor([1.0, 2.0, 3.0], requires_grad=True)
    stir.where(stir.tensor([True, False, True]), x, 0.0).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):
        stir.where(stir.tensor([1, 0]), 1.0, 0.0)


def test_names_are_exported_as_in_pytorch() -> None:
    for name in FUNCTIONS_OF_REALS + KEEPING_INTEGERS + COMPARISONS + [
            "add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod",
            "clamp", "clip", "isclose", "allclose", "equal", "logical_and", "logical_or",
            "logical_xor", "logical_not", "isnan", "isinf", "isfinite"]:
        assert name in stir.__all__ and callable(getattr(stir, name))
        assert hasattr(stir.Tensor, name) == hasattr(torch.Tensor, name), name
