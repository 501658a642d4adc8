"""A playground session: TF Playground's network in stir, its loss falling within a set
number of steps, its frames plain JSON, and the default network's speed (the issue asks for
at least 1 000 steps a second)."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest

import stir
from stir.playground.session import Session, grid_points, input_features
from stir.playground.settings import Settings


def test_the_network_is_tf_playgrounds() -> None:
    session = Session(Settings(network_shape=(4, 2), x1_squared=True))
    widths = [(m.in_features, m.out_features) for m in session.network
              if isinstance(m, stir.nn.Linear)]
    assert widths == [(3, 4), (4, 2), (2, 1)]
    names = [type(m).__name__ for m in session.network]
    assert names == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Tanh"]
    linears = [m for m in session.network if isinstance(m, stir.nn.Linear)]
    weights = np.concatenate([m.weight.detach().numpy().ravel() for m in linears])
    assert np.abs(weights).max() <= 0.5 and weights.std() > 0.2  # U(-0.5, 0.5): 0.29
    assert all(np.all(m.bias.detach().numpy() == np.float32(0.1)) for m in linears)
    regression = Session(Settings(problem="regression", activation="relu"))
    assert [type(m).__name__ for m in regression.network][-2:] == ["ReLU", "Linear"]


def test_seeded_and_reproducible() -> None:
    first, again = Session(Settings(seed=5)), Session(Settings(seed=5))
    first.train(40)
    again.train(40)
    assert first.losses() == again.losses()
    other = Session(Settings(seed=6))
    other.train(40)
    assert other.losses() != first.losses()


def test_the_features_are_tf_playgrounds() -> None:
    points = np.array([[0.5, -2.0], [3.0, 1.5]])
    names = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")
    x1, x2 = points.T
    expected = np.stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, np.sin(x1), np.sin(x2)], 1)
    assert np.allclose(input_features(points, names), expected, atol=1e-6)


def test_the_loss_shown_is_half_the_mean_squared_error() -> None:
    session = Session(Settings())
    inputs = input_features(session.data.test_points, ("x", "y"))
    with stir.no_grad():
        output = session.network(stir.from_numpy(inputs)).numpy()[:, 0]
    expected = 0.5 * np.mean((output - session.data.test_labels) ** 2)
    assert session.losses()[1] == pytest.approx(expected, rel=1e-5)


# A real threshold for each: TF Playground's defaults (4-2 tanh, lr 0.03, batch 10) reach
# these in the given number of epochs; an untrained network is near 0.5.
LEARNS = [
    ("circle", {}, 100, 0.05),
    ("xor", {}, 100, 0.08),
    ("gauss", {}, 20, 0.02),
    ("xor", {"loss": "cross-entropy"}, 100, 0.25),
    ("circle", {"activation": "relu", "x1_squared": True, "x2_squared": True}, 40, 0.05),
    ("circle", {"regularization": "L2", "regularization_rate": 0.001}, 100, 0.08),
    ("circle", {"regularization": "L1", "regularization_rate": 0.001}, 100, 0.08),
]


@pytest.mark.parametrize("dataset, options, epochs, threshold", LEARNS,
                         ids=[f"{d}-{'-'.join(o) or 'default'}" for d, o, _, _ in LEARNS])
def test_the_test_loss_falls(dataset, options, epochs, threshold) -> None:
    session = Session(Settings(dataset=dataset, **options))
    before = session.losses()[1]
    session.train(epochs * session.epoch_steps)
    after = session.losses()[1]
    assert before > 0.3 and after < threshold, (before, after)
    assert session.frame()["testAccuracy"] > 0.9


def test_regression_learns_the_plane() -> None:
    session = Session(Settings(problem="regression", reg_dataset="reg-plane"))
    before = session.losses()[1]
    session.train(20 * session.epoch_steps)
    assert before > 0.05 and session.losses()[1] < 0.005


def test_a_regularization_shrinks_the_weights() -> None:
    sizes = {}
    for kind in ("none", "L1", "L2"):
        session = Session(Settings(regularization=kind, regularization_rate=0.03))
        session.train(50 * session.epoch_steps)
        weights = session.frame()["weights"]
        sizes[kind] = sum(float(np.abs(np.array(w)).sum()) for w in weights)
    assert sizes["L1"] < 0.7 * sizes["none"] and sizes["L2"] < 0.7 * sizes["none"]


def test_the_learning_rate_changes_without_a_reset() -> None:
    session = Session(Settings())
    session.train(30)
    session.set_learning_rate(0.3)
    assert session.steps == 30 and session.optimizer.param_groups[0]["lr"] == 0.3
    assert session.settings.learning_rate == 0.3


def test_a_frame_is_plain_json_with_every_neuron() -> None:
    session = Session(Settings(network_shape=(3, 5, 2)), grid=50, neuron_grid=12)
    session.train(7)
    frame = session.frame()
    again = json.loads(json.dumps(frame, allow_nan=False))
    assert again == frame
    assert (frame["type"], frame["step"]) == ("frame", 7)
    assert frame["epoch"] == pytest.approx(7 / 25)
    assert frame["output"]["size"] == 50 and len(frame["output"]["values"]) == 2500
    assert all(-1 <= v <= 1 for v in frame["output"]["values"])  # tanh output
    layers = frame["neurons"]["layers"]
    assert [len(layer) for layer in layers] == [3, 5, 2]
    assert all(len(neuron) == 144 for layer in layers for neuron in layer)
    assert [np.shape(w) for w in frame["weights"]] == [(3, 2), (5, 3), (2, 5), (1, 2)]
    assert [len(b) for b in frame["biases"]] == [3, 5, 2, 1]
    points = session.points()
    assert np.shape(points["train"]) == (250, 3) and np.shape(points["test"]) == (250, 3)


def test_the_heatmap_is_the_networks_output_on_the_grid() -> None:
    session = Session(Settings(dataset="xor", network_shape=(3,)))
    session.train(100)
    frame = session.frame()
    grid = grid_points(50)
    assert grid[0].tolist() == [-6, 6] and grid[-1].tolist() == [6, -6]
    with stir.no_grad():
        direct = session.network(stir.from_numpy(input_features(grid, ("x", "y")))).numpy()
    assert np.allclose(frame["output"]["values"], direct.ravel(), atol=1e-3)
    first_neuron = np.tanh(input_features(grid_points(12), ("x", "y"))
                           @ frame["weights"][0][0] + frame["biases"][0][0])
    assert np.allclose(frame["neurons"]["layers"][0][0], first_neuron, atol=2e-3)


def test_cross_entropy_shows_the_probability_on_the_same_scale() -> None:
    session = Session(Settings(loss="cross-entropy"))
    assert type(list(session.network)[-1]).__name__ == "Linear"  # a logit out
    session.train(200)
    frame = session.frame()
    with stir.no_grad():
        logits = session.network(session._grid_inputs).numpy().ravel()
    assert np.allclose(frame["output"]["values"], 2 / (1 + np.exp(-logits)) - 1, atol=1e-3)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_a_diverging_network_still_gives_json() -> None:
    session = Session(Settings(problem="regression", activation="relu", learning_rate=10,
                               network_shape=(32, 32, 32)))
    session.train(200)
    text = json.dumps(session.frame(), allow_nan=False)  # NaN and inf become null
    assert "trainLoss" in text


def test_no_hidden_layer_and_no_test_points() -> None:
    session = Session(Settings(network_shape=(), perc_train_data=90))
    session.train(5)
    assert session.frame()["neurons"]["layers"] == []


def test_train_for_adapts_the_steps_to_the_time() -> None:
    session = Session(Settings())
    short, longer = session.train_for(0.01), session.train_for(0.1)
    assert 1 <= short < longer


def test_the_default_network_trains_over_1000_steps_a_second() -> None:
    """The number is printed (pytest -s) for the closing note; this machine (2 shared
    cores) measured about 12 000 steps/s, alone."""
    session = Session(Settings())
    session.train(50)  # (warm up)
    best = 0.0
    for _ in range(3):
        started = time.perf_counter()
        session.train(1000)
        best = max(best, 1000 / (time.perf_counter() - started))
    started = time.perf_counter()
    frames = 0
    while time.perf_counter() - started < 0.5:
        json.dumps(session.frame())
        frames += 1
    frame_seconds = (time.perf_counter() - started) / frames
    print(f"\ndefault network: {best:.0f} steps/s; a frame and its JSON: "
          f"{1000 * frame_seconds:.2f} ms")
    assert best >= 1000 and not math.isnan(best)
    assert frame_seconds < 1 / 30
