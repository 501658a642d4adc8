"""The playground's settings and datasets: every field checked with a one-line message naming
it, and TF Playground's six datasets, compared with the formulas of its src/dataset.ts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stir.playground.datasets import (
    DATASETS, GAUSSIANS, NUM_SAMPLES_CLASSIFY, NUM_SAMPLES_REGRESS, make_data,
)
from stir.playground.settings import (
    FIELDS, MAX_LAYERS, MAX_NEURONS, Settings, SettingsError, parse_settings,
)


def test_the_defaults_are_tf_playgrounds() -> None:
    settings = parse_settings({})
    assert settings == Settings()
    assert (settings.dataset, settings.noise, settings.perc_train_data, settings.batch_size,
            settings.learning_rate, settings.activation, settings.regularization,
            settings.network_shape, settings.features()) == (
        "circle", 0.0, 50.0, 10, 0.03, "tanh", "none", (4, 2), ("x", "y"))


def test_json_round_trip_of_every_field() -> None:
    changed = {"problem": "regression", "regDataset": "reg-gauss", "noise": 25,
               "percTrainData": 70, "batchSize": 30, "learningRate": 0.3, "activation": "relu",
               "regularization": "L1", "regularizationRate": 0.01, "networkShape": [8, 8, 3],
               "xSquared": True, "sinY": True, "x": False, "seed": 123, "loss": "square"}
    settings = parse_settings(changed)
    again = settings.to_json()
    assert set(again) == set(FIELDS)
    assert {name: again[name] for name in changed} == changed
    assert parse_settings(again) == settings


BAD = [
    ({"learningRate": 0}, "learningRate: must be a number in (0, 10], got 0"),
    ({"learningRate": "0.1"}, "learningRate: must be a number in (0, 10], got '0.1'"),
    ({"learningRate": True}, "learningRate: must be a number"),
    ({"learningRate": 1e400}, "learningRate: must be a number"),      # inf from JSON
    ({"noise": 51}, "noise: must be a number in [0, 50], got 51"),
    ({"noise": -1}, "noise: must be a number in [0, 50]"),
    ({"percTrainData": 5}, "percTrainData: must be a number in [10, 90]"),
    ({"batchSize": 2.5}, "batchSize: must be an integer in [1, 1000], got 2.5"),
    ({"batchSize": 0}, "batchSize: must be an integer"),
    ({"seed": -1}, "seed: must be an integer in [0, 4294967295]"),
    ({"seed": 2**64}, "seed: must be an integer"),
    ({"dataset": "moons"}, "dataset: must be one of circle, xor, gauss, spiral; got 'moons'"),
    ({"regDataset": "circle"}, "regDataset: must be one of reg-plane, reg-gauss"),
    ({"activation": "gelu"}, "activation: must be one of relu, tanh, sigmoid, linear"),
    ({"regularization": "l2"}, "regularization: must be one of none, L1, L2"),
    ({"problem": None}, "problem: must be one of classification, regression; got None"),
    ({"x": 1}, "x: must be true or false, got 1"),
    ({"networkShape": [4, 0]}, "networkShape: must be a list of at most 10 hidden-layer "
                               "widths, each 1 to 32; got [4, 0]"),
    ({"networkShape": [MAX_NEURONS + 1]}, "networkShape: must be a list"),
    ({"networkShape": [1] * (MAX_LAYERS + 1)}, "networkShape: must be a list"),
    ({"networkShape": "4,2"}, "networkShape: must be a list"),
    ({"networkShape": [True]}, "networkShape: must be a list"),
    ({"x": False, "y": False}, "x: at least one input feature must be on"),
    ({"problem": "regression", "loss": "cross-entropy"},
     "loss: cross-entropy needs problem 'classification'"),
    ({"learning_rate": 0.1}, "'learning_rate': unknown setting; the settings are problem, "),
    ({"__class__": 1}, "'__class__': unknown setting"),
    ({"x" * 1000: 1}, "'xxxxxxxxxx"),
]


@pytest.mark.parametrize("data, message", BAD, ids=[str(m)[:40] for _, m in BAD])
def test_a_bad_field_is_one_line_naming_it(data, message) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(data)
    text = str(caught.value)
    assert text.startswith(message)
    assert "\n" not in text and len(text) < 400


@pytest.mark.parametrize("data", [[], "circle", None, 3])
def test_settings_must_be_an_object(data) -> None:
    with pytest.raises(SettingsError, match="^settings: must be a JSON object"):
        parse_settings(data)


def test_the_limits_are_lifted_from_tf_playgrounds_and_capped() -> None:
    widest = parse_settings({"networkShape": [MAX_NEURONS] * MAX_LAYERS})
    assert widest.network_shape == (32,) * 10 and (MAX_LAYERS, MAX_NEURONS) == (10, 32)
    assert parse_settings({"networkShape": []}).network_shape == ()
    assert parse_settings({"batchSize": 3.0}).batch_size == 3  # JSON's 3.0 is an integer


def test_an_update_checks_everything_before_changing_anything() -> None:
    base = Settings(learning_rate=0.1)
    with pytest.raises(SettingsError):
        base.updated({"noise": 10, "activation": "nope"})
    assert base.learning_rate == 0.1 and base.noise == 0  # (frozen: nothing half-applied)
    assert base.updated({"noise": 10}).noise == 10.0


# ---- the datasets ----

RNG = np.random.default_rng


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shapes_labels_and_the_square(name) -> None:
    points, labels = DATASETS[name](500, 0.0, RNG(1))
    assert points.shape == (500, 2) and labels.shape == (500,)
    assert np.isfinite(points).all() and np.isfinite(labels).all()
    if name.startswith("reg-"):
        assert np.abs(points).max() <= 6 and np.abs(labels).max() <= 1.2
    else:
        assert set(np.unique(labels)) == {-1.0, 1.0}
        assert np.abs(points).max() <= 6.5


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_seeded(name) -> None:
    first, again, other = (DATASETS[name](100, 0.2, RNG(seed)) for seed in (3, 3, 4))
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_circle_is_tf_playgrounds() -> None:
    points, labels = DATASETS["circle"](1000, 0.0, RNG(0))
    radius = np.hypot(points[:, 0], points[:, 1])
    inner, outer = radius[:500], radius[500:]
    assert inner.max() <= 2.5 and 3.5 <= outer.min() and outer.max() <= 5
    assert (labels[:500] == 1).all() and (labels[500:] == -1).all()
    noisy_points, noisy = DATASETS["circle"](1000, 0.5, RNG(0))
    assert 0 < (noisy[:500] == -1).mean() < 0.9  # noise flips labels, never moves points
    assert np.abs(np.hypot(*noisy_points.T)[:500]).max() <= 2.5


def test_xor_is_tf_playgrounds() -> None:
    points, labels = DATASETS["xor"](1000, 0.0, RNG(0))
    assert (np.abs(points) >= 0.3).all() and (np.abs(points) <= 5.3).all()
    assert (labels == np.where(points[:, 0] * points[:, 1] >= 0, 1, -1)).all()


def test_gauss_is_tf_playgrounds() -> None:
    for noise, variance in ((0.0, 0.5), (0.5, 4.0), (0.25, 2.25)):
        points, labels = DATASETS["gauss"](20_000, noise, RNG(0))
        positive = points[labels == 1]
        assert np.allclose(positive.mean(axis=0), 2, atol=0.06)
        assert np.allclose(points[labels == -1].mean(axis=0), -2, atol=0.06)
        assert np.allclose(positive.var(axis=0), variance, rtol=0.05)


def test_spiral_is_tf_playgrounds() -> None:
    n = 500
    points, labels = DATASETS["spiral"](n, 0.0, RNG(0))
    i = np.arange(n // 2)
    r, t = i / (n / 2) * 5, 1.75 * i / (n / 2) * 2 * math.pi
    assert np.allclose(points[:250], np.stack([r * np.sin(t), r * np.cos(t)], 1))
    assert np.allclose(points[250:], -points[:250])  # turned by π
    assert (labels[:250] == 1).all() and (labels[250:] == -1).all()
    noisy, _ = DATASETS["spiral"](n, 0.5, RNG(0))
    assert 0 < np.abs(noisy - points).max() <= 0.5


def test_regression_planes_are_tf_playgrounds() -> None:
    points, targets = DATASETS["reg-plane"](1000, 0.0, RNG(0))
    assert np.allclose(targets, (points[:, 0] + points[:, 1]) / 10)
    points, targets = DATASETS["reg-gauss"](1000, 0.0, RNG(0))
    for (x, y), target in zip(points[:50], targets[:50]):
        label = 0.0
        for cx, cy, sign in GAUSSIANS:  # TF Playground's getLabel, line by line
            new = sign * min(max(1 - math.dist((x, y), (cx, cy)) / 2, 0), 1)
            if abs(new) > abs(label):
                label = new
        assert target == pytest.approx(label)
    assert targets.max() > 0.8 and targets.min() < -0.8


def test_make_data_draws_shuffles_and_splits_as_tf_playground() -> None:
    data = make_data(Settings(perc_train_data=70))
    assert len(data.train_points) == 350 and len(data.test_points) == 150
    assert 0.3 < (data.train_labels == 1).mean() < 0.7  # shuffled before the split
    regression = make_data(Settings(problem="regression", perc_train_data=10))
    assert len(regression.train_points) + len(regression.test_points) == NUM_SAMPLES_REGRESS
    assert len(regression.train_points) == 120
    again = make_data(Settings(perc_train_data=70))
    assert np.array_equal(again.train_points, data.train_points)
    other = make_data(Settings(perc_train_data=70, seed=1))
    assert not np.array_equal(other.train_points, data.train_points)
    assert len(data.train_points) + len(data.test_points) == NUM_SAMPLES_CLASSIFY
