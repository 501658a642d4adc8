"""stir.sklearn's MLPClassifier and MLPRegressor: scikit-learn's own check suite, its tools
(Pipeline, GridSearchCV, cross_val_score), and the oracle of `stir train` itself, whose
recipe the estimators follow weight for weight."""

import csv
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="stir.sklearn needs scikit-learn (pip install stir[sklearn])")

from sklearn.base import clone  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.datasets import load_diabetes, load_iris  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import stir  # noqa: E402
from stir import cli  # noqa: E402
from stir.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

SRC = os.path.dirname(os.path.dirname(stir.__file__))
IRIS = load_iris(return_X_y=True)
DIABETES = load_diabetes(return_X_y=True)


# ---------------------------------------------------------------- scikit-learn's checks
# Small runs (20 epochs) keep the suite to a few seconds; every check is expected to pass.
@parametrize_with_checks([MLPClassifier(max_epochs=20), MLPRegressor(max_epochs=20)])
def test_scikit_learn_checks(estimator, check):
    check(estimator)


# ---------------------------------------------------------------- the optional import
def python(code):
    environment = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_import_stir_leaves_scikit_learn_alone_and_stir_sklearn_reaches_the_real_one():
    result = python("import sys, stir; print('sklearn' in sys.modules); "
                    "import stir.sklearn, sklearn.base; print(sklearn.base.__file__)")
    assert result.returncode == 0, result.stderr
    before, where = result.stdout.split()
    assert before == "False"
    assert os.path.join("sklearn", "base.py") in where
    assert not where.startswith(os.path.join(SRC, "stir"))  # not stir's own stir/sklearn


def test_without_scikit_learn_the_import_names_the_extra():
    result = python("import sys; sys.modules['sklearn'] = None; import stir.sklearn")
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: stir.sklearn needs scikit-learn")
    assert 'pip install "stir[sklearn]"' in last


# ---------------------------------------------------------------- the recipe of stir train
def test_the_defaults_are_stir_trains():
    arguments = cli.parse_arguments(["train", "data.csv", "--target", "y"])
    for estimator in (MLPClassifier(), MLPRegressor()):
        params = estimator.get_params()
        assert list(params["hidden_layer_sizes"]) == arguments.hidden
        assert (params["activation"], params["optimizer"]) == (arguments.activation,
                                                               arguments.optimizer)
        assert params["learning_rate"] is arguments.lr is None
        assert params["batch_size"] == arguments.batch_size
        assert params["max_epochs"] == arguments.epochs
        assert arguments.validation is None  # stir train: 0.2 when folds do not hold out
        assert params["validation_fraction"] == 0.2
        assert params["folds"] == arguments.folds == "auto"
        assert params["patience"] == arguments.patience
        assert params["refit"] is arguments.refit is True


def write_csv(path, header, rows):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.mark.parametrize("task, folds", [("regression", "auto"), ("regression", "0"),
                                         ("classification", "auto")])
def test_the_same_weights_as_stir_train_with_the_same_seed(task, folds, tmp_path, monkeypatch,
                                                           capsys):
    """`stir train --seed 3` and random_state=3 split, standardize, initialize, shuffle,
    stop early (or cross-validate: a small regression's default) and refit alike: the saved
    network's weights are the estimator's, exactly."""
    from stir.commands.trained_model import TrainedModel

    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 3))
    if task == "regression":
        # In 1/16ths: exact in float32, which stir train reads a target into (the estimator
        # keeps float64), so that both standardize the same numbers.
        y = np.round(16 * (100 + 10 * (X[:, 0] - 2 * X[:, 1] + X[:, 2] ** 2))) / 16
        cells = [repr(float(value)) for value in y]
        estimator = MLPRegressor(hidden_layer_sizes=(16, 8), max_epochs=30, random_state=3,
                                 folds=folds if folds == "auto" else int(folds))
    else:
        y = np.array(["left", "middle", "right"])[np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])]
        cells = list(y)
        estimator = MLPClassifier(hidden_layer_sizes=(16, 8), max_epochs=30, random_state=3)
    write_csv(tmp_path / "data.csv", ["a", "b", "c", "y"],
              [[*map(repr, map(float, row)), cell] for row, cell in zip(X, cells)])
    monkeypatch.chdir(tmp_path)
    status = cli.main(["train", "data.csv", "--target", "y", "--hidden", "16,8",
                            "--epochs", "30", "--seed", "3", "--quiet", "--folds", folds])
    assert status == 0, capsys.readouterr()
    saved = TrainedModel.load(tmp_path / "data.safetensors")
    estimator.fit(X, y)
    assert saved.task == task
    assert estimator.n_iter_ == stir.io.read(tmp_path / "data.safetensors").metadata[
        "stir_train"]["epochs"]
    theirs = {name: tensor.numpy() for name, tensor in saved.model.state_dict().items()}
    ours = {name: tensor.numpy() for name, tensor in estimator.model_.state_dict().items()}
    assert theirs.keys() == ours.keys()
    for name in theirs:
        np.testing.assert_array_equal(ours[name], theirs[name].astype(np.float64), name)
    if task == "classification":
        assert saved.classes == estimator.classes_.tolist()
        np.testing.assert_allclose(estimator.predict_proba(X), saved.outputs(X), atol=1e-6)
    else:
        np.testing.assert_allclose(estimator.predict(X), saved.outputs(X), rtol=1e-5)


def test_refit_trains_a_fresh_network_for_the_epochs_early_stopping_chose():
    X, y = IRIS
    settings = dict(hidden_layer_sizes=(8,), max_epochs=300, patience=3, learning_rate=0.01,
                    random_state=0)
    refit = MLPClassifier(**settings).fit(X, y)
    kept = MLPClassifier(**settings, refit=False).fit(X, y)
    assert len(refit.history_) < 300  # stopped early
    assert refit.best_epoch_ == kept.best_epoch_ == len(refit.history_) - 3
    assert refit.n_iter_ == refit.best_epoch_
    assert kept.n_iter_ == len(kept.history_)
    assert not np.array_equal(refit.predict_proba(X), kept.predict_proba(X))


def test_without_validation_rows_every_epoch_runs_on_every_row():
    X, y = IRIS
    model = MLPClassifier(hidden_layer_sizes=(8,), max_epochs=7, validation_fraction=0.0,
                          random_state=0).fit(X, y)
    assert model.best_epoch_ is None and model.n_iter_ == len(model.history_) == 7
    assert "val_loss" not in model.history_


# ---------------------------------------------------------------- scikit-learn's tools
def test_cross_val_score_on_iris_and_diabetes():
    accuracy = cross_val_score(MLPClassifier(random_state=0), *IRIS, cv=5)
    r2 = cross_val_score(MLPRegressor(random_state=0), *DIABETES, cv=5)
    assert accuracy.mean() > 0.9  # the majority class scores 0.33
    assert r2.mean() > 0.3  # the mean scores about 0


def test_grid_search_over_hidden_layer_sizes():
    X, y = IRIS
    search = GridSearchCV(MLPClassifier(random_state=0),
                          {"hidden_layer_sizes": [(2,), (32, 32)]}, cv=3).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 2 and search.best_score_ == scores.max() > 0.9
    assert search.best_params_ == {"hidden_layer_sizes": (32, 32)}  # 2 units are too few
    assert search.best_estimator_.score(X, y) > 0.9


def test_a_pipeline_with_scaling_and_one_hot_text():
    """A category that moves the target by ±3 is learned only through its one-hot columns."""
    pandas = pytest.importorskip("pandas", reason="a data frame with a text column")
    rng = np.random.default_rng(0)
    n = 400
    frame = pandas.DataFrame({"x": rng.normal(size=n) * 1000,
                              "colour": rng.choice(["red", "green", "blue"], size=n)})
    effect = frame["colour"].map({"red": 3.0, "green": 0.0, "blue": -3.0}).to_numpy()
    y = frame["x"].to_numpy() / 1000 + effect + rng.normal(scale=0.1, size=n)
    columns = make_column_transformer((StandardScaler(), ["x"]), (OneHotEncoder(), ["colour"]))
    model = make_pipeline(columns, MLPRegressor(random_state=0))
    r2 = cross_val_score(model, frame, y, cv=3)
    only_x = cross_val_score(MLPRegressor(random_state=0), frame[["x"]], y, cv=3)
    assert r2.mean() > 0.95 and only_x.mean() < 0.3
    fitted = model.fit(frame, y)
    assert fitted[-1].n_features_in_ == 4


def test_feature_names_from_a_data_frame():
    pandas = pytest.importorskip("pandas", reason="a data frame with column names")
    X, y = IRIS
    frame = pandas.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    model = MLPClassifier(max_epochs=5, random_state=0).fit(frame, y)
    assert model.feature_names_in_.tolist() == ["sl", "sw", "pl", "pw"]
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        from_array = model.predict(X)
    np.testing.assert_array_equal(model.predict(frame), from_array)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        model.predict(frame[["sw", "sl", "pl", "pw"]])


def test_clone_gives_the_same_settings_unfitted():
    model = MLPRegressor(hidden_layer_sizes=(5,), learning_rate=0.01, random_state=4)
    model.fit(*DIABETES)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "model_")
    np.testing.assert_array_equal(copy.fit(*DIABETES).predict(DIABETES[0]),
                                  model.predict(DIABETES[0]))


# ---------------------------------------------------------------- seeds
def test_the_same_random_state_gives_the_same_predictions_and_another_differs():
    X, y = DIABETES
    first = MLPRegressor(max_epochs=10, random_state=0).fit(X, y).predict(X)
    again = MLPRegressor(max_epochs=10, random_state=0).fit(X, y).predict(X)
    other = MLPRegressor(max_epochs=10, random_state=1).fit(X, y).predict(X)
    state = MLPRegressor(max_epochs=10, random_state=np.random.RandomState(5))
    from_states = [clone(state).set_params(random_state=np.random.RandomState(5)).fit(X, y)
                   .predict(X) for _ in range(2)]
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(*from_states)
    assert not np.allclose(first, other)


@pytest.mark.parametrize("random_state", [0, None])
def test_fitting_leaves_stirs_global_generator_alone(random_state):
    stir.manual_seed(11)
    before = stir.default_generator.get_state()
    MLPClassifier(max_epochs=3, random_state=random_state).fit(*IRIS)
    assert stir.default_generator.get_state() == before


# ---------------------------------------------------------------- classes and targets
@pytest.mark.parametrize("labels", [
    np.array(["cat", "dog", "eel"]), np.array([-1, 5, 20]), np.array([False, True, True]),
])
def test_labels_of_any_type(labels):
    X, y = IRIS
    model = MLPClassifier(random_state=0).fit(X, labels[y])
    assert model.classes_.tolist() == sorted(set(labels.tolist()))
    predicted = model.predict(X)
    assert predicted.dtype == labels.dtype and np.mean(predicted == labels[y]) > 0.9
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], predicted)
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-12,
                               atol=1e-12)


def test_one_class_is_refused_with_a_message():
    with pytest.raises(ValueError, match="y holds only one class, 'a'; a classifier needs"):
        MLPClassifier(max_epochs=2).fit(IRIS[0], ["a"] * 150)


def test_several_regression_outputs():
    X, y = DIABETES
    Y = np.stack([y, -3 * y + 1000], axis=1)
    model = MLPRegressor(random_state=0).fit(X, Y)
    predicted = model.predict(X)
    assert predicted.shape == Y.shape and model.n_outputs_ == 2
    assert (r2_score(Y, predicted, multioutput="raw_values") > 0.5).all()
    # Each output unit learns the same standardized target, negated: nearly the same line.
    assert np.corrcoef(predicted[:, 0], predicted[:, 1])[0, 1] < -0.99


def test_the_target_is_standardized_so_its_units_do_not_matter():
    X, y = DIABETES
    small = MLPRegressor(max_epochs=20, random_state=0).fit(X, y).predict(X)
    large = MLPRegressor(max_epochs=20, random_state=0).fit(X, 1e6 * y + 5e7).predict(X)
    np.testing.assert_allclose(large, 1e6 * small + 5e7, rtol=1e-4)


def test_float32_and_float64_features_train_alike():
    X, y = IRIS
    X32 = X.astype(np.float32)
    single = MLPClassifier(max_epochs=10, random_state=0).fit(X32, y)
    double = MLPClassifier(max_epochs=10, random_state=0).fit(X32.astype(np.float64), y)
    np.testing.assert_array_equal(single.predict_proba(X32), double.predict_proba(X32))


# ---------------------------------------------------------------- bad settings
@pytest.mark.parametrize("setting, value, message", [
    ("hidden_layer_sizes", (64, 0), "hidden_layer_sizes must be positive widths"),
    ("hidden_layer_sizes", "64", "hidden_layer_sizes must be positive widths"),
    ("activation", "rleu", "activation: make_activation: unknown activation 'rleu'"),
    ("optimizer", "adamm", "optimizer must be one of adagrad, adam, adamw, rmsprop, sgd"),
    ("learning_rate", 0.0, "learning_rate must be a positive number or None"),
    ("batch_size", 0, "batch_size must be an int >= 1"),
    ("max_epochs", 2.5, "max_epochs must be an int >= 1"),
    ("patience", True, "patience must be an int >= 1"),
    ("validation_fraction", 1.0, r"validation_fraction must be in \[0, 1\)"),
    ("refit", "yes", "refit must be True or False"),
    ("random_state", -1, r"an int random_state must be from 0 to 2\*\*64 - 1, got -1"),
    ("random_state", 2**64, r"an int random_state must be from 0 to 2\*\*64 - 1"),
    ("random_state", "seed", "random_state must be None, an int >= 0 or a numpy"),
    ("verbose", 3, "verbose must be 0, 1 or 2"),
])
def test_a_bad_setting_is_named_at_fit(setting, value, message):
    X, y = IRIS
    model = MLPClassifier(max_epochs=2, random_state=0).fit(X, y)
    before = model.predict_proba(X)
    model.set_params(**{setting: value})  # stored as given, as scikit-learn asks
    with pytest.raises(ValueError, match=f"^MLPClassifier: {message}") as error:
        model.fit(X, y)
    assert "\n" not in str(error.value)
    np.testing.assert_array_equal(model.predict_proba(X), before)  # still the fitted model


def test_too_few_rows_for_the_validation_fraction():
    with pytest.raises(ValueError, match="validation_fraction=0.9 of 2 rows leaves none"):
        MLPRegressor(validation_fraction=0.9).fit([[0.0], [1.0]], [0.0, 1.0])


def test_a_sparse_one_hot_encoding_trains_as_its_dense_twin():
    """A ColumnTransformer's OneHotEncoder on a column of many categories hands on a SciPy
    sparse matrix (its sparse_threshold): the estimators take it, as scikit-learn's MLP
    does, and learn exactly what they learn from the same matrix made dense."""
    from scipy import sparse

    rng = np.random.default_rng(0)
    codes = rng.integers(0, 50, size=300)
    X = sparse.csr_matrix((np.ones(300), (np.arange(300), codes)), shape=(300, 50))
    y = (codes % 3 == 0).astype(int)
    settings = dict(hidden_layer_sizes=(8,), max_epochs=5, random_state=0)
    from_sparse = MLPClassifier(**settings).fit(X, y)
    from_dense = MLPClassifier(**settings).fit(X.toarray(), y)
    np.testing.assert_array_equal(from_sparse.predict_proba(X),
                                  from_dense.predict_proba(X.toarray()))
    regressor = MLPRegressor(**settings).fit(X.tocsc(), codes.astype(float))
    assert regressor.predict(X.tocoo()).shape == (300,)
