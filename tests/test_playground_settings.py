"""The playground's settings: every field checked with a one-line message naming it, the
rules between fields, the point edits cleared when the data is drawn again, and the JSON
round trip. (The datasets: tests/test_playground_datasets.py.)"""

from __future__ import annotations

import math

import pytest

from stir.playground.settings import (
    ACTIVATIONS, FIELDS, MAX_EDITS, MAX_LAYERS, MAX_NEURONS, Settings, SettingsError,
    parse_settings,
)


def test_the_defaults_are_tf_playgrounds() -> None:
    settings = parse_settings({})
    assert settings == Settings()
    assert (settings.dataset, settings.noise, settings.perc_train_data, settings.batch_size,
            settings.learning_rate, settings.activation, settings.regularization,
            settings.network_shape, settings.features()) == (
        "circle", 0.0, 50.0, 10, 0.03, "tanh", "none", (4, 2), ("x", "y"))
    assert (settings.num_classes, settings.optimizer, settings.schedule,
            settings.schedule_epochs, settings.dropout, settings.activations,
            settings.added, settings.removed) == (2, "sgd", "constant", 100, 0.0, (), (), ())


def test_json_round_trip_of_every_field() -> None:
    changed = {"problem": "regression", "regDataset": "reg-gauss", "noise": 25,
               "percTrainData": 70, "batchSize": 30, "learningRate": 0.3, "activation": "relu",
               "regularization": "L1", "regularizationRate": 0.01, "networkShape": [8, 8, 3],
               "xSquared": True, "sinY": True, "x": False, "seed": 123, "loss": "square",
               "numClasses": 4, "optimizer": "adamw", "schedule": "cosine",
               "scheduleEpochs": 30, "dropout": 0.25, "activations": ["gelu", "prelu"],
               "added": [[1.5, -2.25, 0.5], [0.0, 6.0, -1.0]], "removed": [3, 0, 17]}
    settings = parse_settings(changed)
    again = settings.to_json()
    assert set(again) == set(FIELDS)
    assert {name: again[name] for name in changed} == changed
    assert parse_settings(again) == settings


def test_every_activation_and_the_per_layer_list() -> None:
    assert len(ACTIVATIONS) == 17 and {"step", "sign", "leaky_relu", "maxout"} <= set(ACTIVATIONS)
    for name in ACTIVATIONS:
        assert parse_settings({"activation": name}).activation == name
    settings = parse_settings({"networkShape": [4, 4, 2], "activations": ["relu", "apl"],
                               "activation": "elu"})
    assert settings.activations == ("relu", "apl")
    assert settings.layer_activations() == ("relu", "apl", "elu")
    assert parse_settings({"networkShape": [], "activations": []}).layer_activations() == ()


def test_the_new_choices_and_numbers() -> None:
    assert parse_settings({"numClasses": 10, "loss": "cross-entropy"}).num_classes == 10
    assert parse_settings({"numClasses": 3.0, "loss": "cross-entropy"}).num_classes == 3
    for name in ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"):
        assert parse_settings({"optimizer": name}).optimizer == name
    for name in ("constant", "step", "exponential", "cosine", "warmup"):
        assert parse_settings({"schedule": name}).schedule == name
    assert parse_settings({"scheduleEpochs": 100_000}).schedule_epochs == 100_000
    assert parse_settings({"dropout": 0.9}).dropout == 0.9
    assert parse_settings({"stopAfter": 30}).stop_after == 30
    curve = parse_settings({"problem": "regression", "regDataset": "curve", "y": False,
                            "sinX": True, "xSquared": True})
    assert curve.data_set() == "curve" and curve.features() == ("x", "xSquared", "sinX")
    assert parse_settings({"dataset": "upload"}).data_set() == "upload"
    assert parse_settings({"problem": "regression", "regDataset": "upload"}).data_set() == \
        "upload"


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
    ({"dataset": "moons"}, "dataset: must be one of circle, xor, gauss, spiral, upload; got "
                           "'moons'"),
    ({"regDataset": "circle"}, "regDataset: must be one of reg-plane, reg-gauss, curve, upload"),
    ({"activation": "swish"}, "activation: must be one of relu, tanh, sigmoid, linear, "
                              "leaky_relu"),
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
    # the new fields, one at a time
    ({"numClasses": 1}, "numClasses: must be an integer in [2, 10], got 1"),
    ({"numClasses": 11}, "numClasses: must be an integer in [2, 10], got 11"),
    ({"numClasses": 2.5}, "numClasses: must be an integer"),
    ({"optimizer": "lbfgs"}, "optimizer: must be one of sgd, momentum, nesterov, adam, adamw, "
                             "rmsprop, adagrad; got 'lbfgs'"),
    ({"schedule": "cyclic"}, "schedule: must be one of constant, step, exponential, cosine, "
                             "warmup; got 'cyclic'"),
    ({"scheduleEpochs": 0}, "scheduleEpochs: must be an integer in [1, 100000], got 0"),
    ({"scheduleEpochs": 100_001}, "scheduleEpochs: must be an integer in [1, 100000]"),
    ({"dropout": 0.95}, "dropout: must be a number in [0, 0.9], got 0.95"),
    ({"stopAfter": -1}, "stopAfter: must be an integer in [0, 100000], got -1"),
    ({"stopAfter": 2.5}, "stopAfter: must be an integer in [0, 100000], got 2.5"),
    ({"stopAfter": True}, "stopAfter: must be an integer"),
    ({"dropout": -0.1}, "dropout: must be a number in [0, 0.9]"),
    ({"dropout": math.nan}, "dropout: must be a number in [0, 0.9], got nan"),
    ({"activations": "relu"}, "activations: must be a list of at most 10 activations, each one "
                              "of relu, tanh"),
    ({"activations": ["relu", "swish"]}, "activations: must be a list of at most 10"),
    ({"activations": ["relu"] * 11}, "activations: must be a list of at most 10"),
    ({"activations": ["relu", "tanh", "elu"]},
     "activations: 3 names for 2 hidden layers (one per hidden layer, from the first)"),
    ({"numClasses": 3}, "numClasses: 3 classes need loss 'cross-entropy' (a softmax over 3 "
                        "outputs)"),
    ({"numClasses": 3, "loss": "cross-entropy", "dataset": "xor"},
     "numClasses: xor has 2 classes, not 3"),
    ({"problem": "regression", "regDataset": "curve"},
     "y: the curve task has one input, x; only x, xSquared, sinX may be on"),
    ({"problem": "regression", "regDataset": "curve", "y": False, "xTimesY": True},
     "xTimesY: the curve task has one input, x"),
    ({"added": [[1, 2]]}, "added: point 0 must be [x1, x2, label] here, got [1.0, 2.0]"),
    ({"added": [[1, 2, 1, 4]]}, "added: point 0 must be [x1, x2, label] or [x, label] of "
                                "finite numbers, got [1, 2, 1, 4]"),
    ({"added": [[1, 2, math.inf]]}, "added: point 0 must be [x1, x2, label] or [x, label] of "
                                    "finite numbers"),
    ({"added": [[1, "2", 0]]}, "added: point 0 must be [x1, x2, label] or [x, label]"),
    ({"added": [[1, 2, True]]}, "added: point 0 must be"),
    ({"added": [[0, 0, 1], [7, 0, 1]]}, "added: point 1: coordinates must be in [-6, 6], got "
                                        "[7.0, 0.0, 1.0]"),
    ({"added": [[0, 0, 2]]}, "added: point 0: the label must be a class index 0 to 1, got 2.0"),
    ({"added": [[0, 0, 0.5]]}, "added: point 0: the label must be a class index 0 to 1"),
    ({"added": [[0, 0, -1]]}, "added: point 0: the label must be a class index 0 to 1"),
    ({"added": [[0, 0, 0]] * (MAX_EDITS + 1)}, "added: must be a list of at most 500 points"),
    ({"added": {"0": [0, 0, 0]}}, "added: must be a list of at most 500 points"),
    ({"problem": "regression", "regDataset": "curve", "y": False, "added": [[0.5, 0.1, 2]]},
     "added: point 0 must be [x, label] here, got [0.5, 0.1, 2.0]"),
    ({"problem": "regression", "regDataset": "curve", "y": False, "added": [[1.5, 0.2]]},
     "added: point 0: coordinates must be in [0, 1], got [1.5, 0.2]"),
    ({"dataset": "upload", "added": [[0, 0, 1], [0.5, 1]]},
     "added: point 1 must be [x1, x2, label] here"),
    ({"removed": [1, -1]}, "removed: indices must be integers 0 or more, got -1"),
    ({"removed": [1.5]}, "removed: indices must be integers 0 or more, got 1.5"),
    ({"removed": [True]}, "removed: indices must be integers 0 or more, got True"),
    ({"removed": "3"}, "removed: must be a list of at most 500 point indices, got '3'"),
    ({"removed": list(range(MAX_EDITS + 1))}, "removed: must be a list of at most 500"),
    ({"removed": [4, 2, 4]}, "removed: index 4 is there twice"),
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


def test_class_rules_apply_to_classification_only() -> None:
    # A page that switches to regression keeps its numClasses for later; nothing refuses it.
    settings = parse_settings({"numClasses": 5, "loss": "cross-entropy"})
    regression = settings.updated({"problem": "regression", "loss": "square"})
    assert regression.num_classes == 5 and regression.classes() is None
    assert settings.classes() == 5
    assert parse_settings({"problem": "regression", "added": [[0, 0, 0.37]]}).added == (
        (0.0, 0.0, 0.37),)  # a regression's label is a target, not a class


def test_added_points_are_rounded_to_3_decimals_and_round_trip() -> None:
    settings = parse_settings({"added": [[1.23456, -5.9999, 1], [0.0005, 2, 0.0]]})
    assert settings.added == ((1.235, -6.0, 1.0), (0.001, 2.0, 0.0))
    assert parse_settings(settings.to_json()) == settings
    assert settings.to_json()["added"] == [[1.235, -6.0, 1.0], [0.001, 2.0, 0.0]]


EDITED = {"added": [[1.0, 2.0, 1.0]], "removed": [3, 5]}


@pytest.mark.parametrize("change", [{"dataset": "xor"}, {"noise": 5}, {"seed": 9},
                                    {"percTrainData": 60}, {"problem": "regression"},
                                    {"numClasses": 3, "loss": "cross-entropy"},
                                    {"regDataset": "reg-gauss"}])
def test_a_change_that_draws_the_data_again_clears_the_edits(change) -> None:
    settings = parse_settings(EDITED)
    assert (settings.added, settings.removed) == (((1.0, 2.0, 1.0),), (3, 5))
    changed = settings.updated(change)
    assert (changed.added, changed.removed) == ((), ())


@pytest.mark.parametrize("change", [{"learningRate": 0.3}, {"networkShape": [3]},
                                    {"activation": "relu"}, {"batchSize": 5},
                                    {"dropout": 0.5}, {"optimizer": "adam"}, {"noise": 0}])
def test_a_change_that_keeps_the_data_keeps_the_edits(change) -> None:
    settings = parse_settings(EDITED)
    changed = settings.updated(change)
    assert (changed.added, changed.removed) == (settings.added, settings.removed)


def test_a_link_with_its_edits_keeps_them() -> None:
    # The page sends its whole hash on load: the data fields differ from the server's
    # defaults, and the edits come with them.
    link = {"dataset": "spiral", "noise": 20, "seed": 4, **EDITED}
    assert Settings().updated(link).added == ((1.0, 2.0, 1.0),)
    assert parse_settings(link).removed == (3, 5)
    assert Settings().updated(link) == parse_settings(link)
