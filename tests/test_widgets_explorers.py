"""Seed 003's explorer widgets used from Python: set a value, check the model and the numbers
against NumPy written out here (BumpBuilder, ActivationExplorer, WarpExplorer); and each
widget created in a real kernel, where it shows as a widget view."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("anywidget", reason="the widgets need anywidget: pip install anywidget")
pytest.importorskip("ipywidgets", reason="the widgets need ipywidgets: pip install ipywidgets")

from test_notebooks import kernel_dir  # noqa: F401 (a fixture: this interpreter's kernel)

import stir.widgets
from stir.widgets._explorers import ExplorerValueError
from stir.widgets.activations import NAMES

relu = lambda z: np.maximum(z, 0.0)


# ---- BumpBuilder ----------------------------------------------------------------------------

def numpy_bumps(f, k: int, x: np.ndarray) -> np.ndarray:
    """Seed 003's K bumps on [0, 1], as stir.analysis.bump_network documents them: cells of
    width w = 1/K, ramps r = w/2 centred on the inner cell edges, heights f(centre)."""
    parts = []
    for j in range(k):
        e1, e2, e3, e4 = bump_edges(k, j)
        bump = (relu(x - e1) - relu(x - e2) - relu(x - e3) + relu(x - e4)) / (e2 - e1)
        parts.append(float(f((j + 0.5) / k)) * bump)
    return np.array(parts)


def bump_edges(k: int, j: int) -> np.ndarray:
    """Bump j's edges e₁ < e₂ ≤ e₃ < e₄; the outer ramps lie outside [0, 1]."""
    w, r = 1.0 / k, 0.5 / k
    e1 = -r if j == 0 else j * w - r / 2
    e3 = 1.0 if j == k - 1 else (j + 1) * w - r / 2
    return np.array([e1, e1 + r, e3, e3 + r])


def numpy_mlp(model, x: np.ndarray) -> np.ndarray:
    first, last = model[0], model[2]
    hidden = relu(x[:, None] @ first.weight.array.T + first.bias.array)
    return (hidden @ last.weight.array.T + last.bias.array).ravel()


def test_bump_builder_draws_seed_003s_bumps_and_their_error() -> None:
    widget = stir.widgets.BumpBuilder(n_bumps=4)
    x, f = np.asarray(widget.xs), lambda t: t * np.sin(2 * np.pi * t) + 0.5  # the demo's target
    parts = numpy_bumps(f, 4, x)
    np.testing.assert_allclose(widget.target_curve, f(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(widget.parts, parts, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(widget.bump_curve, parts.sum(axis=0), rtol=1e-5, atol=1e-6)
    assert widget.bump_mse == pytest.approx(np.mean((parts.sum(axis=0) - f(x)) ** 2), rel=1e-9)
    assert widget.network[0].out_features == widget.mlp[0].out_features == 16
    mlp = numpy_mlp(widget.mlp, x)
    np.testing.assert_allclose(widget.mlp_curve, mlp, rtol=1e-5, atol=1e-6)
    assert widget.mlp_mse == pytest.approx(np.mean((mlp - f(x)) ** 2), rel=1e-9)
    assert widget.mlp_mse < 0.1 * np.var(f(x))  # trained: far better than the mean
    # Kinks in [0, 1]: the bumps' ramp ends (neighbours share a ramp), and each trained unit's
    # -bᵢ/aᵢ where its ReLU turns on or off.
    edges = np.unique(np.concatenate([bump_edges(4, j) for j in range(4)]))
    np.testing.assert_allclose(widget.bump_kinks, edges[(edges >= 0) & (edges <= 1)],
                               atol=1e-12)
    a, c = widget.mlp[0].weight.array.ravel(), widget.mlp[0].bias.array
    kinks = np.sort(-c / a)
    kinks = kinks[(kinks >= 0) & (kinks <= 1)]
    np.testing.assert_allclose(widget.mlp_kinks, kinks, rtol=1e-5, atol=1e-7)


def test_more_bumps_fit_better_and_moving_back_reuses_the_trained_mlp() -> None:
    widget = stir.widgets.BumpBuilder()
    first_mlp, five = widget.mlp, widget.bump_mse
    widget.n_bumps = 8
    assert widget.bump_mse < five and widget.mlp[0].out_features == 32
    assert widget.bump_mse == pytest.approx(
        np.mean((numpy_bumps(widget.function, 8, widget.grid).sum(axis=0)
                 - widget.function(widget.grid)) ** 2), rel=1e-9)
    widget.n_bumps = 5
    assert widget.mlp is first_mlp and widget.bump_mse == five


def test_bump_builder_targets_by_name_or_function() -> None:
    widget = stir.widgets.BumpBuilder(target="step", n_bumps=2)
    np.testing.assert_array_equal(widget.target_curve, (np.asarray(widget.xs) >= 0.5) * 1.0)
    widget.target = "sine"
    np.testing.assert_allclose(widget.target_curve, np.sin(2 * np.pi * widget.grid), atol=1e-6)
    own = stir.widgets.BumpBuilder(target=np.cos, n_bumps=3)
    assert own.target == "cos" and ["cos", "cos: cos(x)"] in own.targets
    np.testing.assert_allclose(own.bump_curve, numpy_bumps(np.cos, 3, own.grid).sum(axis=0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("value, message", [(0, "from 1 to 32"), (33, "from 1 to 32"),
                                            (2.5, "must be an integer"), (True, "integer")])
def test_n_bumps_out_of_range_says_the_range(value: object, message: str) -> None:
    widget = stir.widgets.BumpBuilder(n_bumps=1)
    with pytest.raises(ValueError, match=message):
        widget.n_bumps = value
    assert widget.n_bumps == 1
    with pytest.raises(ExplorerValueError, match="n_bumps"):
        stir.widgets.BumpBuilder(n_bumps=value)


def test_an_unknown_target_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown target 'cosine'.*wave, sine, gaussian"):
        stir.widgets.BumpBuilder(target="cosine")


# ---- ActivationExplorer ---------------------------------------------------------------------

def _phi(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


_sigmoid = lambda x: 1 / (1 + np.exp(-x))
#: NumPy references for every activation the explorer offers, at the parameters tested.
REFERENCES = {
    "identity": ({}, lambda x: x),
    "step": ({}, lambda x: (x >= 0) * 1.0),
    "sign": ({}, np.sign),
    "sigmoid": ({}, _sigmoid),
    "tanh": ({}, np.tanh),
    "relu": ({}, relu),
    "leaky_relu": ({"negative_slope": 0.2}, lambda x: np.where(x > 0, x, 0.2 * x)),
    "very_leaky_relu": ({}, lambda x: np.where(x > 0, x, x / 3)),
    "prelu": ({"weight": -0.5}, lambda x: np.where(x > 0, x, -0.5 * x)),
    "rrelu": ({"lower": 0.1, "upper": 0.5}, lambda x: np.where(x > 0, x, 0.3 * x)),
    "elu": ({"alpha": 2.0}, lambda x: np.where(x > 0, x, 2.0 * np.expm1(x))),
    "softplus": ({"beta": 2.0}, lambda x: np.log1p(np.exp(2 * x)) / 2),
    "centered_softplus": ({}, lambda x: np.log1p(np.exp(x)) - np.log(2)),
    "apl": ({"a1": 0.5, "b1": -1.0, "a2": -0.25, "b2": 1.5},
            lambda x: relu(x) + 0.5 * relu(-1.0 - x) - 0.25 * relu(1.5 - x)),
    "gelu": ({}, lambda x: x * _phi(x)),
    "silu": ({}, lambda x: x * _sigmoid(x)),
}


def test_every_explorer_activation_has_a_reference() -> None:
    assert set(REFERENCES) == set(NAMES)


def test_the_explorer_offers_every_elementwise_activation_of_stir() -> None:
    """A new activation in stir.nn fails here until the explorer offers it (or says why not)."""
    import stir.plot
    from stir.nn.activations import ACTIVATIONS
    from stir.widgets.activations import ALIASES, NOT_ELEMENTWISE

    assert set(ACTIVATIONS) == set(NAMES) | set(ALIASES) | set(NOT_ELEMENTWISE)
    assert set(stir.plot.DEFAULT_ACTIVATIONS) <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_activation_and_its_derivative_match_numpy(name: str) -> None:
    params, reference = REFERENCES[name]
    widget = stir.widgets.ActivationExplorer(name, **params)
    x = widget.x
    np.testing.assert_allclose(widget.values, reference(x), rtol=1e-7, atol=1e-9)
    # f' by backward() against central differences of the NumPy formula, away from kinks.
    kinks = np.array([0.0, -1.0, 1.5])
    away = np.min(np.abs(x[:, None] - kinks[None, :]), axis=1) > 0.02
    h = 1e-5
    central = (reference(x + h) - reference(x - h)) / (2 * h)
    np.testing.assert_allclose(widget.derivative[away], central[away], rtol=1e-5, atol=1e-6)
    # The probe: f and f' at one point, and the same numbers the front end draws.
    widget.probe = 0.7
    assert widget.probe_value == pytest.approx(float(reference(np.array(0.7))), abs=1e-9)
    assert widget.probe_slope == pytest.approx(
        float((reference(np.array(0.7 + h)) - reference(np.array(0.7 - h))) / (2 * h)), abs=1e-5)
    assert widget.formula.startswith(("f(x)", "σ(x)", "ReLU", "tanh")) and widget.derivative_formula


def test_moving_a_parameter_recomputes_and_a_new_name_resets_the_parameters() -> None:
    widget = stir.widgets.ActivationExplorer(name="ELU")
    assert widget.name == "elu" and widget.params == {"alpha": 1.0}
    widget.params = {"alpha": 0.5}
    assert widget.values[0] == pytest.approx(0.5 * np.expm1(-4.0))
    assert "α = 0.50" in widget.formula
    assert widget.derivative[0] == pytest.approx(0.5 * np.exp(-4.0))
    widget.name = "leaky_relu"
    assert widget.params == {"negative_slope": 0.01}
    assert widget.derivative[0] == pytest.approx(0.01)
    assert [spec["name"] for spec in widget.param_specs] == ["negative_slope"]
    widget.name = "gelu"
    widget.params = {"approximate": "tanh"}
    assert "tanh" in widget.formula and widget.ys[0] == pytest.approx(
        0.5 * -4 * (1 + np.tanh(np.sqrt(2 / np.pi) * (-4 + 0.044715 * -64))), abs=1e-6)


def test_each_update_counts_up_the_revision_the_front_end_waits_for() -> None:
    widget = stir.widgets.ActivationExplorer()
    first = widget.revision
    widget.probe = -2.0
    widget.name = "tanh"  # one update for the name and its (no) parameters
    assert widget.revision == first + 2
    assert widget.derivative[np.argmin(np.abs(widget.x))] == 1.0


@pytest.mark.parametrize("build, message", [
    (lambda: stir.widgets.ActivationExplorer("relu6"), ("unknown activation 'relu6'.*known "
                                                       "names: identity, step")),
    (lambda: stir.widgets.ActivationExplorer("softmax"), "not elementwise"),
    (lambda: stir.widgets.ActivationExplorer("elu", alpha=7.0), "alpha must be from 0 to 3"),
    (lambda: stir.widgets.ActivationExplorer("elu", beta=1.0), "elu has alpha; got beta"),
    (lambda: stir.widgets.ActivationExplorer("rrelu", lower=0.5, upper=0.2), "lower ≤ upper"),
    (lambda: stir.widgets.ActivationExplorer("gelu", approximate="erf"), "'none', 'tanh'"),
])
def test_bad_activation_input_says_what_is_wrong(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


# ---- WarpExplorer ---------------------------------------------------------------------------

def test_warp_separates_in_hidden_space_what_no_line_separates_in_x() -> None:
    widget = stir.widgets.WarpExplorer()
    X, y = widget.X, np.asarray(widget.labels)
    np.testing.assert_allclose(widget.points, X, rtol=1e-5, atol=1e-6)
    W, b = np.asarray(widget.weights), np.asarray(widget.bias)
    assert (W.tolist(), b.tolist()) == ([[1.0, -0.6], [0.4, 1.0]], [0.1, -0.2])  # the demo's
    H = relu(X @ W.T + b)
    np.testing.assert_allclose(widget.hidden, H, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(y, np.where(H.sum(axis=1) > 1, 1, -1))  # the demo's rule
    assert widget.accuracy == 1.0 and widget.input_accuracy < 0.95


def test_setting_the_weights_moves_the_points_and_refits_the_line() -> None:
    widget = stir.widgets.WarpExplorer()
    X, y = widget.X, widget.y
    widget.weights = [[0.0, 1.0], [0.0, -1.0]]  # both units see only x₂: x₁ is lost
    widget.bias = [0.0, 0.5]
    W, b = np.array(widget.weights), np.array(widget.bias)
    H = relu(X @ W.T + b)
    np.testing.assert_allclose(widget.features, H, rtol=1e-12)
    np.testing.assert_allclose(widget.hidden, H, rtol=1e-5, atol=1e-6)
    a, c = widget.line.weight.array.ravel(), float(widget.line.bias.array[0])
    np.testing.assert_allclose(widget.boundary, [*a, c], rtol=1e-5)
    assert widget.accuracy == pytest.approx(np.mean(np.where(H @ a + c > 0, 1, -1) == y))
    assert widget.accuracy < 0.9  # x₂ alone cannot tell the classes apart
    grid = relu(widget._grid @ W.T + b)
    np.testing.assert_allclose(widget.grid_hidden, grid, rtol=1e-3, atol=1e-4)
    cells = widget._cells
    np.testing.assert_array_equal(widget.regions, (relu(cells @ W.T + b) @ a + c > 0) * 1)


@pytest.mark.parametrize("trait, value, message", [
    ("weights", [[1.0, 0.0]], r"shape \(2, 2\)"), ("bias", [0.0, float("nan")], "finite"),
    ("weights", "north", "numbers of shape"),
])
def test_bad_weights_say_what_is_wrong(trait: str, value: object, message: str) -> None:
    widget = stir.widgets.WarpExplorer(n_points=20)
    with pytest.raises(ValueError, match=message):
        setattr(widget, trait, value)


# ---- in a real kernel -----------------------------------------------------------------------

def test_each_explorer_shows_as_a_widget_in_a_kernel(kernel_dir: Path,  # noqa: F811
                                                     tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason="pip install nbformat")
    nbclient = pytest.importorskip("nbclient", reason="pip install nbclient")
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    cells = ["import stir.widgets", "stir.widgets.BumpBuilder(n_bumps=3)",
             "stir.widgets.ActivationExplorer('elu', alpha=0.5)",
             "w = stir.widgets.WarpExplorer()\nw.weights = [[1.0, 0.0], [0.0, 1.0]]\nw",
             "print(round(w.accuracy, 3), w.input_accuracy < 1)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    manager = KernelManager(kernel_name="stir-test",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    nbclient.NotebookClient(notebook, km=manager, timeout=120,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell in notebook.cells[1:4]:
        views = [output for output in cell.outputs if output.get("output_type") ==
                 "execute_result" and "application/vnd.jupyter.widget-view+json" in
                 output["data"]]
        assert len(views) == 1, cell.outputs
        assert views[0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
    assert notebook.cells[4].outputs[0]["text"].split()[1] == "True"
