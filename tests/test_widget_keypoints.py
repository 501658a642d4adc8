"""stir.widgets.Keypoints used from Python, without a browser: seed 000's piecewise-linear
model whose numbers (MSEs, network, trained fit) are checked against NumPy."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("anywidget", reason="stir.widgets needs anywidget")
pytest.importorskip("ipywidgets", reason="stir.widgets needs ipywidgets")

import stir  # noqa: E402
from stir.widgets import Keypoints  # noqa: E402
from stir.widgets.keypoints import SEED_X  # noqa: E402


def seed_data(n: int = 256, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Seed 000's gen_data twice: y = cos(2x + 20x²) + 0.1·noise, x uniform on [0, 1]."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        x = rng.random(n)
        out += [x, np.cos(2 * x + 20 * x ** 2) + 0.1 * rng.standard_normal(n)]
    return tuple(out)


X, Y, X_TEST, Y_TEST = seed_data()
# Ends at 0 and 1, six keypoints given out of order, as a learner leaves the sliders.
POINTS = [(0.0, 1.0), (0.5, 0.6), (0.36, 0.8), (0.62, 0.2), (0.74, -0.1), (0.82, -0.5),
          (0.95, -0.8), (1.0, -1.0)]
# The keypoints on the crests and troughs of cos(2x + 20x²): a learner's good fit.
GOOD = [(0.0, 1.0), (0.36, -0.8), (0.5, 0.6), (0.62, -0.9), (0.74, 0.9), (0.82, -0.7),
        (0.95, 0.8), (1.0, -1.0)]


def numpy_mse(points: list[tuple[float, float]], x: np.ndarray, y: np.ndarray) -> float:
    px, py = np.array(sorted(points)).T
    return float(np.mean((np.interp(x, px, py) - y) ** 2))


def evaluate(network: stir.nn.Module, x: np.ndarray) -> np.ndarray:
    with stir.no_grad():
        out = network(stir.tensor(x.reshape(-1, 1), dtype=stir.float64))
    return out.array.reshape(-1)


@pytest.fixture
def widget() -> Keypoints:
    return Keypoints(X, Y, X_TEST, Y_TEST, points=POINTS)


def test_the_mse_is_numpys_piecewise_linear_fit(widget: Keypoints) -> None:
    assert widget.points == sorted(POINTS)
    assert widget.train_mse == pytest.approx(numpy_mse(POINTS, X, Y), rel=1e-12)
    assert widget.test_mse == pytest.approx(numpy_mse(POINTS, X_TEST, Y_TEST), rel=1e-12)
    # Seed 000's comparison: the least-squares line, from NumPy's own fit.
    a, b = np.polyfit(X, Y, 1)
    assert widget.line_mse[0] == pytest.approx(np.mean((a * X + b - Y) ** 2), rel=1e-9)


def test_setting_points_recomputes_everything(widget: Keypoints) -> None:
    before = widget.train_mse
    widget.points = GOOD
    assert widget.points == GOOD
    assert widget.train_mse == pytest.approx(numpy_mse(GOOD, X, Y), rel=1e-12)
    assert widget.train_mse < 0.25 * before < widget.line_mse[0]  # seed 000: MUCH lower
    assert widget.curve == [list(p) for p in zip(*GOOD)]


def test_the_network_is_the_interpolation_of_the_points(widget: Keypoints) -> None:
    grid = np.linspace(0.0, 1.0, 1001)
    px, py = np.array(widget.points).T
    np.testing.assert_allclose(evaluate(widget.network, grid), np.interp(grid, px, py),
                               atol=1e-12)
    hidden, _, output = list(widget.network)
    assert hidden.weight.shape == (8, 1) and output.weight.shape == (1, 8)
    # What the table shows is the network's own weights.
    assert widget.weights["hidden_bias"] == hidden.bias.array.tolist()
    assert widget.weights["output_weight"] == output.weight.array.reshape(-1).tolist()
    assert widget.architecture == "Linear(1 => 8) → ReLU → Linear(8 => 1), 25 parameters"


def test_move_a_keypoint_past_another(widget: Keypoints) -> None:
    widget.move(1, x=0.55, y=0.0)  # the keypoint at 0.36 jumps past the one at 0.5
    xs = [x for x, _ in widget.points]
    assert xs == sorted(xs) and (0.55, 0.0) in widget.points and 0.36 not in xs
    assert widget.train_mse == pytest.approx(numpy_mse(widget.points, X, Y), rel=1e-12)
    widget.move(-1, y=0.25)  # an end moves up and down
    assert widget.points[-1] == (1.0, 0.25)
    grid = np.linspace(0.0, 1.0, 301)
    np.testing.assert_allclose(evaluate(widget.network, grid),
                               np.interp(grid, *np.array(widget.points).T), atol=1e-12)


@pytest.mark.parametrize("index, x, y, error, message", [
    (0, 0.1, None, ValueError, "keypoint 0 is an end"),
    (3, 1.5, None, ValueError, "strictly between the ends 0.0 and 1.0"),
    (3, 0.0, None, ValueError, "strictly between"),
    (3, None, float("nan"), ValueError, "finite"),
    (8, 0.5, 0.5, IndexError, "from 0 to 7"),
    (1.0, 0.5, 0.5, IndexError, "integer"),
])
def test_bad_moves_say_what_is_wrong(widget: Keypoints, index, x, y, error, message) -> None:
    before = widget.points
    with pytest.raises(error, match=message):
        widget.move(index, x, y)
    assert widget.points == before


def test_a_drag_off_the_plot_is_pinned_to_it(widget: Keypoints) -> None:
    handles = [list(p) for p in widget.handles]
    handles[0] = [-3.0, 1.0]      # an end dragged sideways keeps its x
    handles[2] = [7.0, 100.0]     # a keypoint dragged far off the top right corner
    widget.handles = handles      # as the front end sends it
    low, high = widget.y_range
    assert widget.handles[0] == [0.0, 1.0]
    assert widget.handles[2] == [1.0, high] and high < 2
    assert widget.train_mse == pytest.approx(numpy_mse(widget.points, X, Y), rel=1e-12)
    with pytest.raises(Exception, match="finite"):
        widget.handles = [[0.0, float("nan")], [1.0, 0.0]]


def test_two_keypoints_at_one_x_are_not_a_jump() -> None:
    points = [(0.0, 0.0), (0.5, 1.0), (0.5, -1.0), (1.0, 0.0)]
    widget = Keypoints(X, Y, points=points)
    kept = [(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]  # the fit keeps the first of the two
    assert widget.train_mse == pytest.approx(numpy_mse(kept, X, Y), rel=1e-12)
    assert widget.test_mse is None
    assert widget.curve == [list(p) for p in zip(*kept)]


def test_default_points_are_the_seeds() -> None:
    widget = Keypoints(X, Y)
    xs, ys = np.array(widget.points).T
    lo, hi = X.min(), X.max()
    assert len(xs) == 8 and xs[0] == lo and xs[-1] == hi
    np.testing.assert_allclose(xs[1:-1], lo + (hi - lo) * np.array(SEED_X))
    assert ys[0] == pytest.approx(1.0, abs=0.15)  # the seed's fixed end (0, 1): cos 0 = 1
    assert np.all(np.diff(ys[1:-1]) < 0)          # the seed's sort(rand(6); rev=true)


def test_train_lowers_the_mse_and_redraws_the_fit(widget: Keypoints) -> None:
    before, curve = widget.train_mse, widget.curve
    frames = widget.train(steps=400)  # the widget's lr
    assert len(frames) == 40 and frames[-1] == widget.train_mse
    assert widget.train_mse < 0.85 * before
    assert np.all(np.diff(frames) < 0)  # full-batch steps this small go steadily down
    assert widget.curve != curve and not widget.training
    # The drawn fit and the handles are the trained network's keypoints.
    xs, ys = stir.analysis.keypoints(widget.network, 0.0, 1.0)
    assert widget.curve == [xs.tolist(), ys.tolist()]
    assert widget.handles == np.stack([xs, ys], axis=1).tolist()
    assert widget.train_mse == pytest.approx(
        np.mean((evaluate(widget.network, X) - Y) ** 2), rel=1e-12)
    assert widget.test_mse == pytest.approx(
        np.mean((evaluate(widget.network, X_TEST) - Y_TEST) ** 2), rel=1e-12)
    assert widget.status == "Trained 400 SGD steps with lr = 0.0003."
    # Training continues from the trained weights, not from a rebuilt network.
    network = widget.network
    widget.train(steps=50)
    assert widget.network is network
    # A drag afterwards rebuilds a network through the keypoints it shows.
    widget.move(0, y=1.0)
    assert widget.network is not network
    grid = np.linspace(0.0, 1.0, 301)
    np.testing.assert_allclose(evaluate(widget.network, grid),
                               np.interp(grid, *np.array(widget.points).T), atol=1e-9)


def test_sgd_polishes_a_good_hand_made_fit_and_says_when_lr_is_too_large() -> None:
    widget = Keypoints(X, Y, points=GOOD)
    widget.train(steps=500)
    assert widget.train_mse < 0.8 * numpy_mse(GOOD, X, Y)
    widget.points = GOOD
    widget.train(steps=100, lr=0.03)  # 100 times too large for kinks this sharp
    assert widget.train_mse > numpy_mse(GOOD, X, Y)
    assert "The training MSE rose" in widget.status and "try a smaller lr" in widget.status


def test_minibatch_sgd_is_reproducible() -> None:
    results = []
    for _ in range(2):
        widget = Keypoints(X, Y, points=POINTS)
        widget.train(steps=300, batch_size=1, generator=stir.Generator(3))
        results.append(widget.points)
    assert results[0] == results[1]
    assert numpy_mse(results[0], X, Y) < numpy_mse(POINTS, X, Y)


def test_the_button_trains_and_reports_errors_in_the_status(widget: Keypoints) -> None:
    before = widget.train_mse
    widget.steps = 200
    widget._on_message(widget, {"action": "train"}, [])  # what the button sends
    assert widget.train_mse < before
    widget.lr = -1.0
    widget._on_message(widget, {"action": "train"}, [])
    assert "lr must be a positive number" in widget.status
    widget._on_message(widget, {"action": "reset"}, [])
    assert widget.points == sorted(POINTS)


def test_divergence_keeps_the_last_good_weights(widget: Keypoints) -> None:
    with pytest.raises(FloatingPointError, match="diverged at step"):
        widget.train(steps=200, lr=1e6, every=1)
    assert np.isfinite(widget.train_mse) and "Try a smaller lr" in widget.status
    assert all(np.isfinite(p.array).all() for p in widget.network.parameters())


def test_the_state_the_browser_gets_is_json(widget: Keypoints) -> None:
    state = widget.get_state()
    json.dumps(state)  # no NumPy scalars or arrays slip into the synced traits
    assert len(state["train_data"][0]) == 256 and len(state["handles"]) == 8
    assert "keypoints" in widget._esm and "stir-keypoints" in widget._css


@pytest.mark.parametrize("arguments, message", [
    ((X, Y[:-1]), "same length; got 256 and 255"),
    ((X.reshape(16, 16), Y), "must be 1-D; got shape"),
    ((np.where(X > 0.5, np.nan, X), Y), "non-finite"),
    ((X, Y, X_TEST), "both x_test and y_test"),
    ((X, Y, X_TEST, Y_TEST[:3]), "test x and y must have the same length"),
    (([], []), "empty"),
    ((["a", "b"], [1, 2]), "numbers"),
    ((np.ones(5), np.arange(5.0)), "all x are 1.0"),
])
def test_bad_data_says_what_is_wrong(arguments, message) -> None:
    with pytest.raises(ValueError, match=message):
        Keypoints(*arguments)


@pytest.mark.parametrize("points, message", [
    ([(0.0, 1.0)], "at least 2"),
    ([(0.0, 1.0, 2.0), (1.0, 0.0, 0.0)], "at least 2 \\(x, y\\) pairs"),
    ([(0.0, 1.0), (1.0, np.inf)], "finite"),
    ([(0.5, 1.0), (0.5, 0.0)], "two different x"),
])
def test_bad_points_say_what_is_wrong(points, message) -> None:
    with pytest.raises(ValueError, match=message):
        Keypoints(X, Y, points=points)


@pytest.mark.parametrize("keywords, message", [
    (dict(steps=0), "steps must be a positive integer"),
    (dict(steps=2.5), "steps must be a positive integer"),
    (dict(lr=0.0), "lr must be a positive number"),
    (dict(lr=float("nan")), "lr must be a positive number"),
    (dict(batch_size=0), "batch_size must be a positive integer"),
])
def test_bad_training_settings_say_what_is_wrong(widget: Keypoints, keywords, message) -> None:
    before = widget.points
    with pytest.raises(ValueError, match=message):
        widget.train(**keywords)
    assert widget.points == before
