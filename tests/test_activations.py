"""Activations: the derivative chosen at each kink; stability at extreme inputs; the modules,
make_activation and MLP. (The table-driven checks of every function are in test_ops.py.)"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

import numpy as np
import pytest

import stir
import stir.nn.functional as F
import op_registry  # noqa: F401  (first: it imports the entries below, which import it)
from op_registry_activations import ACTIVATION_ENTRIES, LN2, _erf, _seeded
from stir import nn

# Every activation is checked against NumPy, central differences (first and second
# derivatives), Hypothesis and PyTorch by tests/test_ops.py, from its entries in
# tests/op_registry_activations.py. This file checks what only activations have.


def test_every_public_function_is_in_the_registry() -> None:
    from stir.nn.functional import activations as activation_functions

    covered = {entry.name.split("-")[0] for entry in ACTIVATION_ENTRIES} | {"heaviside"}
    assert set(activation_functions.__all__) <= covered


# ----------------------------------------------------------------------------- kinks
def _gradient(function: Callable[[stir.Tensor], stir.Tensor], x: float) -> float:
    leaf = stir.tensor(x, dtype=stir.float64, requires_grad=True)
    function(leaf).backward()
    return float(leaf.grad)


_A, _B = stir.tensor([2.0], dtype=stir.float64), stir.tensor([0.5], dtype=stir.float64)
KINKS = [  # (name, function, point, the derivative documented there)
    ("relu at 0", F.relu, 0.0, 0.0),
    ("leaky_relu at 0", F.leaky_relu, 0.0, 0.01),
    ("leaky_relu 0.2 at 0", lambda x: F.leaky_relu(x, 0.2), 0.0, 0.2),
    ("very_leaky_relu at 0", F.very_leaky_relu, 0.0, 1 / 3),
    ("prelu at 0", lambda x: F.prelu(x, stir.tensor([0.3], dtype=stir.float64)), 0.0, 0.3),
    ("rrelu eval at 0", lambda x: F.rrelu(x, 0.1, 0.3), 0.0, 0.2),
    ("elu at 0", F.elu, 0.0, 1.0),
    ("elu alpha 2 at 0", lambda x: F.elu(x, 2.0), 0.0, 2.0),
    ("softplus at its threshold", lambda x: F.softplus(x, 1.0, 3.0), 3.0, 1 / (1 + math.exp(-3))),
    ("softplus past its threshold", lambda x: F.softplus(x, 1.0, 3.0), 3.5, 1.0),
    ("apl at 0 and at its hinge", lambda x: F.apl(x, stir.tensor([2.0], dtype=stir.float64),
                                                  stir.tensor([0.0], dtype=stir.float64)),
     0.0, 0.0),
    ("apl at its hinge", lambda x: F.apl(x, _A, _B), 0.5, 1.0),
    ("apl just below its hinge", lambda x: F.apl(x, _A, _B), 0.5 - 1e-9, 1.0 - 2.0),
    *[(f"step at {x}", F.step, x, 0.0) for x in (-1.0, 0.0, 2.0)],
    *[(f"heaviside at {x}", F.heaviside, x, 0.0) for x in (-1.0, 0.0)],
    *[(f"sign at {x}", F.sign, x, 0.0) for x in (-1.0, 0.0, 2.0)],
]


@pytest.mark.parametrize("function, x, expected", [k[1:] for k in KINKS],
                         ids=[k[0] for k in KINKS])
def test_derivative_at_kinks_is_the_documented_value(function: Any, x: float,
                                                     expected: float) -> None:
    assert _gradient(function, x) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_kink_conventions_agree_with_pytorch() -> None:
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    pairs = [(F.relu, torch.relu), (F.leaky_relu, functional.leaky_relu), (F.elu, functional.elu),
             (lambda x: F.elu(x, 2.0), lambda x: functional.elu(x, 2.0)), (F.sign, torch.sign),
             (lambda x: F.rrelu(x, 0.1, 0.3), lambda x: functional.rrelu(x, 0.1, 0.3))]
    for ours, theirs in pairs:
        x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        theirs(x).backward()
        assert _gradient(ours, 0.0) == float(x.grad)


def test_prelu_weight_gradient_is_x_on_the_negative_side_only() -> None:
    weight = stir.tensor([0.25], requires_grad=True)
    F.prelu(stir.tensor([-2.0, 0.0, 3.0]), weight).sum().backward()
    assert weight.grad.tolist() == [-2.0]


def test_step_learns_nothing_through_a_network() -> None:
    """Seed 004: the step's gradient is zero everywhere, so the first layer gets no signal."""
    net = nn.MLP([2, 4, 1], activation="step", generator=_seeded())
    loss = net(stir.randn(8, 2, generator=_seeded())).sum()
    loss.backward()
    assert not net[0].weight.grad.array.any() and net[2].weight.grad.array.any()


# ----------------------------------------------------------------------------- stability
EXTREMES = [(np.float32, 1e3), (np.float64, 1e300)]
S = 1 / (1 + math.exp(-1))  # σ(1)
STABLE = [  # (function, values at [-big, -1, 0, 1, big], derivatives there)
    (F.sigmoid, lambda big: [0, 1 - S, 0.5, S, 1], [0, S * (1 - S), 0.25, S * (1 - S), 0]),
    (F.softplus, lambda big: [0, math.log1p(math.exp(-1)), LN2, 1 + math.log1p(math.exp(-1)),
                              big], [0, 1 - S, 0.5, S, 1]),
    (F.centered_softplus, lambda big: [-LN2, math.log1p(math.exp(-1)) - LN2, 0,
                                       1 + math.log1p(math.exp(-1)) - LN2, big - LN2],
     [0, 1 - S, 0.5, S, 1]),
    (F.silu, lambda big: [0, S - 1, 0, S, big], [0, 1 - S - S * (1 - S), 0.5,
                                                 S + S * (1 - S), 1]),
    (F.elu, lambda big: [-1, math.expm1(-1), 0, 1, big], [0, math.exp(-1), 1, 1, 1]),
    (F.gelu, lambda big: [0, -0.5 * math.erfc(1 / math.sqrt(2)), 0,
                          0.5 * (1 + math.erf(1 / math.sqrt(2))), big], None),
]


@pytest.mark.parametrize("dtype, big", EXTREMES, ids=["float32", "float64"])
@pytest.mark.parametrize("function, values, derivatives", STABLE,
                         ids=[entry[0].__name__ for entry in STABLE])
def test_elementwise_stability_at_extreme_inputs(dtype: Any, big: float, function: Any,
                                                 values: Any, derivatives: Any) -> None:
    x = stir.tensor(np.array([-big, -1, 0, 1, big], dtype=dtype), requires_grad=True)
    with np.errstate(all="raise"):
        y = function(x)
        y.sum().backward()
    assert y.dtype == dtype and np.isfinite(y.array).all() and np.isfinite(x.grad.array).all()
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.array, values(big), rtol=rtol, atol=1e-30)
    if derivatives is not None:
        np.testing.assert_allclose(x.grad.array, derivatives, rtol=rtol, atol=1e-30)


OFFSETS = {np.float32: [0.0, 1e3, -1e3, 1e30, 3e38, -3e38],
           np.float64: [1e300, -1e300, 1.7e308, -1.7e308]}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_softmax_of_equal_logits_is_minus_log_2_at_any_offset(dtype: Any) -> None:
    for c in OFFSETS[dtype]:
        x = stir.tensor(np.array([c, c], dtype=dtype), requires_grad=True)
        with np.errstate(all="raise"):
            y = F.log_softmax(x, dim=-1)
            y[0].backward()
        np.testing.assert_allclose(y.array, [-LN2, -LN2], rtol=1e-6)
        np.testing.assert_allclose(x.grad.array, [0.5, -0.5], rtol=1e-6)


@pytest.mark.parametrize("dtype, big", EXTREMES, ids=["float32", "float64"])
def test_softmax_and_log_softmax_at_extreme_inputs(dtype: Any, big: float) -> None:
    x = stir.tensor(np.array([[-big, big], [big, big]], dtype=dtype), requires_grad=True)
    with np.errstate(all="raise"):
        log_p, p = F.log_softmax(x, dim=-1), F.softmax(x, dim=-1)
        (log_p[:, 0].sum() + p[:, 1].sum()).backward()
    np.testing.assert_allclose(log_p.array, [[-2 * big, 0], [-LN2, -LN2]], rtol=1e-6)
    np.testing.assert_allclose(p.array, [[0, 1], [0.5, 0.5]], rtol=1e-6)
    # d log_p0/dx = [1 - p0, -p1]; d p1/dx = p1(δ - p) = [-p0 p1, p0 p1]
    np.testing.assert_allclose(x.grad.array, [[1, -1], [0.25, -0.25]], rtol=1e-6)


# ----------------------------------------------------------------------------- modules
MODULES = [  # (module, the function it computes, its repr)
    (nn.Identity(), F.identity, "Identity()"),
    (nn.Step(), F.step, "Step()"),
    (nn.Sign(), F.sign, "Sign()"),
    (nn.Sigmoid(), F.sigmoid, "Sigmoid()"),
    (nn.Tanh(), F.tanh, "Tanh()"),
    (nn.ReLU(), F.relu, "ReLU()"),
    (nn.LeakyReLU(), F.leaky_relu, "LeakyReLU(negative_slope=0.01)"),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2)"),
    (nn.VeryLeakyReLU(), F.very_leaky_relu,
     "VeryLeakyReLU(negative_slope=0.3333333333333333)"),
    (nn.PReLU(), lambda x: F.prelu(x, stir.tensor([0.25])), "PReLU(num_parameters=1)"
                                                            "  # 1 parameters"),
    (nn.RReLU().eval(), F.rrelu, "RReLU(lower=0.125, upper=0.3333333333333333)"),
    (nn.ELU(), F.elu, "ELU(alpha=1.0)"),
    (nn.Softplus(), F.softplus, "Softplus(beta=1.0, threshold=20.0)"),
    (nn.Softplus(2, 5), lambda x: F.softplus(x, 2, 5), "Softplus(beta=2.0, threshold=5.0)"),
    (nn.CenteredSoftplus(), F.centered_softplus, "CenteredSoftplus()"),
    (nn.APL(), lambda x: F.relu(x), "APL(num_hinges=2)  # 4 parameters"),
    (nn.Softmax(dim=-1), lambda x: F.softmax(x, -1), "Softmax(dim=-1)"),
    (nn.LogSoftmax(dim=0), lambda x: F.log_softmax(x, 0), "LogSoftmax(dim=0)"),
    (nn.GELU(), F.gelu, "GELU(approximate='none')"),
    (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh"), "GELU(approximate='tanh')"),
    (nn.SiLU(), F.silu, "SiLU()"),
]


@pytest.mark.parametrize("module, function, text", MODULES, ids=[m[2] for m in MODULES])
def test_module_computes_its_function_and_reads_well(module: nn.Module, function: Any,
                                                     text: str) -> None:
    x = stir.randn(3, 4, generator=_seeded())
    np.testing.assert_array_equal(module(x).array, function(x).array)
    assert repr(module) == text


def test_prelu_learns_one_slope_per_channel() -> None:
    layer = nn.PReLU(3, init=0.1)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert layer.weight.shape == (3,) and layer.weight.dtype == np.float32
    x = stir.tensor([[[-1.0, 2.0]], [[-3.0, -4.0]], [[5.0, 6.0]]]).reshape(1, 3, 2)
    layer(x).sum().backward()
    assert layer.weight.grad.tolist() == [-1.0, -7.0, 0.0]
    with pytest.raises(ValueError, match=r"prelu: weight of shape \(3,\).*shape \(2, 4\)"):
        layer(stir.ones(2, 4))


def test_apl_hinges_are_learnable_parameters() -> None:
    layer = nn.APL(num_hinges=3, num_features=2, generator=_seeded())
    assert [name for name, _ in layer.named_parameters()] == ["a", "b"]
    assert layer.a.shape == layer.b.shape == (2, 3)
    assert not layer.a.array.any() and (np.abs(layer.b.array) <= 1).all()
    x = stir.randn(5, 2, generator=_seeded())
    np.testing.assert_array_equal(layer(x).array, F.relu(x).array)  # a = 0: a ReLU
    layer.a.array[...] = 0.5
    layer(x - 2).sum().backward()
    assert layer.a.grad.array.any() and layer.b.grad.array.any()
    with pytest.raises(ValueError, match="last dimension is 2"):
        layer(stir.ones(5, 3))


def test_rrelu_is_random_in_training_and_the_mean_in_evaluation() -> None:
    x = -stir.ones(1000)
    layer = nn.RReLU(0.1, 0.3)
    first, second = layer(x).array, layer(x).array
    assert (first != second).any() and ((-first >= 0.1) & (-first <= 0.3)).all()
    assert abs(-first.mean() - 0.2) < 0.01
    layer.eval()
    np.testing.assert_allclose(layer(x).array, -0.2)
    seeded = [nn.RReLU(generator=_seeded())(x).array for _ in range(2)]
    np.testing.assert_array_equal(*seeded)


ALL_NAMES = sorted(nn.activations.ACTIVATIONS)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_make_activation_builds_a_fresh_module(name: str) -> None:
    first, second = nn.make_activation(name), nn.make_activation(name)
    assert isinstance(first, nn.Module) and first is not second
    assert all(p is not q for p, q in zip(first.parameters(), second.parameters()))


@pytest.mark.parametrize("name, expected", [("LeakyReLU", nn.LeakyReLU), ("leaky-relu",
                         nn.LeakyReLU), (" GELU ", nn.GELU), ("LogSoftmax", nn.LogSoftmax),
                         ("heaviside", nn.Step), ("swish", nn.SiLU)])
def test_make_activation_ignores_case_and_separators(name: str, expected: type) -> None:
    assert type(nn.make_activation(name)) is expected


def test_make_activation_names_the_known_activations_on_an_unknown_one() -> None:
    with pytest.raises(ValueError, match="unknown activation 'lrelu'.*known names: apl, "):
        nn.make_activation("lrelu")
    with pytest.raises(ValueError, match="did you mean 'leaky_relu'"):
        nn.make_activation("leaky_rlu")
    with pytest.raises(ValueError, match=r"nn\.Maxout"):
        nn.make_activation("maxout")
    with pytest.raises(TypeError, match="must be a string"):
        nn.make_activation(3)
    with pytest.raises(TypeError, match=r"make_activation\('relu'\): .*slope"):
        nn.make_activation("relu", slope=0.1)


def test_make_activation_passes_options_to_the_module() -> None:
    assert repr(nn.make_activation("leaky_relu", negative_slope=0.2)) == repr(nn.LeakyReLU(0.2))
    layer = nn.make_activation("apl", num_hinges=3, num_features=4)
    assert layer.a.shape == (4, 3)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_mlp_builds_and_trains_with_every_activation(name: str) -> None:
    net = nn.MLP([2, 5, 1], activation=name, generator=_seeded())
    out = net(stir.randn(4, 2, generator=_seeded()))
    assert out.shape == (4, 1) and np.isfinite(out.array).all()
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


# ----------------------------------------------------------------------------- errors, docs
@pytest.mark.parametrize("call, error, message", [
    (lambda: F.prelu(stir.ones(2, 3), stir.ones(2)), ValueError, "one per channel"),
    (lambda: F.prelu(stir.ones(3), stir.ones(3)), ValueError, "one per channel"),
    (lambda: F.apl(stir.ones(3), stir.ones(2), stir.ones(3)), ValueError, "one shape"),
    (lambda: F.rrelu(stir.ones(3), 0.5, 0.1), ValueError, "lower ≤ upper"),
    (lambda: F.gelu(stir.ones(3), approximate="erf"), ValueError, "'none' or 'tanh'"),
    (lambda: F.softmax(stir.ones(3), dim=1), ValueError, "out of range"),
    (lambda: F.log_softmax(stir.ones(3), dim=1.5), TypeError, "must be int, not float"),
    (lambda: nn.GELU("fast"), ValueError, "'none' or 'tanh'"),
    (lambda: nn.PReLU(0), ValueError, "positive integer"),
    (lambda: nn.APL(num_hinges=0), ValueError, "num_hinges must be a positive integer"),
    (lambda: nn.APL(num_features=0), ValueError, "num_features must be a positive integer"),
], ids=["prelu-channels", "prelu-1d", "apl-shapes", "rrelu-bounds", "gelu-mode",
        "softmax-dim", "log_softmax-dim", "GELU", "PReLU", "APL-hinges", "APL-features"])
def test_bad_arguments_get_clear_errors(call: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()


DERIVATIVE_MARKS = ("dy/dx", "∂", "'(x)", "σ'")


@pytest.mark.parametrize("name", sorted(set(nn.activations.__all__) - {"make_activation"}))
def test_every_module_names_the_function_it_wraps(name: str) -> None:
    """The formula lives once, on the function: the module points to it."""
    wrapped = re.search(r"wraps\s+`F\.(\w+)`", getattr(nn, name).__doc__)
    assert wrapped is not None, name
    function = getattr(F, wrapped.group(1))
    assert any(mark in function.__doc__ for mark in DERIVATIVE_MARKS), wrapped.group(1)


def test_every_function_documents_its_derivative() -> None:
    from stir.nn.functional import activations as activation_functions

    for name in activation_functions.__all__:
        assert any(mark in getattr(F, name).__doc__ for mark in DERIVATIVE_MARKS), name


def test_gelu_is_exact_to_float64_over_the_whole_line() -> None:
    """NumPy has no erf: stir's own (piecewise Taylor series) must match math.erf."""
    x = np.concatenate([np.linspace(-12, 12, 4001), [0.0, -0.0, 5.9999, 6.0, -6.0001]])
    y = F.gelu(stir.tensor(x, dtype=stir.float64)).array
    np.testing.assert_allclose(y, 0.5 * x * (1 + _erf(x / math.sqrt(2))), rtol=1e-14,
                               atol=1e-15)
    assert np.isnan(F.gelu(stir.tensor([np.nan])).array).all()


def test_the_activations_table_names_each_function_by_its_module() -> None:
    """make_activation's table, kept by hand, matches the functions and modules: each
    activation function of F is a name in it, for the module that wraps that function."""
    from stir.nn.functional import activations as functions

    table = nn.activations.ACTIVATIONS
    for name in functions.__all__:
        cls = table[name]
        wrapped = re.search(r"wraps\s+`F\.(\w+)`", cls.__doc__)
        assert wrapped is not None and getattr(F, wrapped.group(1)) is getattr(F, name), name
    modules = {getattr(nn, n) for n in nn.activations.__all__} - {nn.make_activation}
    assert set(table.values()) == modules
