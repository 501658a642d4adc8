"""Tests for stir.training: fit, evaluate, predict, callbacks, History, metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.training import (
    Callback, EarlyStopping, History, LRSchedulerCallback, TrainingError, evaluate, fit,
    predict,
)
from stir.training.metrics import accuracy, mae, mse, r2


def blobs(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian clusters in 2-D."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [-3.0, -2.0], [3.0, -2.0]])
    labels = rng.integers(0, 3, size=n)
    return (centres[labels] + 0.5 * rng.normal(size=(n, 2))).astype(np.float32), labels


def make_mlp(seed: int = 0) -> nn.Module:
    stir.manual_seed(seed)
    return nn.MLP([2, 16, 3], activation="relu")


def parameters_of(model: nn.Module) -> dict[str, np.ndarray]:
    return {name: tensor.array.copy() for name, tensor in model.state_dict().items()}


# ---------------------------------------------------------------- training works
def test_mlp_classifies_separable_blobs():
    x, y = blobs()
    model = make_mlp()
    history = fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.02), x, y,
                  epochs=15, metrics=["accuracy"], validation_data=blobs(100, seed=1),
                  verbose=0, generator=stir.Generator(0))
    assert history["accuracy"][-1] >= 0.97
    assert history["val_accuracy"][-1] >= 0.97
    assert history["loss"][-1] < history["loss"][0] / 5
    assert history.keys() == ["loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert len(history) == 15 and history.epochs == list(range(1, 16))
    assert model.training  # fit puts back the mode the model had


def test_regression_with_mse_and_r2():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, size=(256, 3))
    y = x @ np.array([[2.0], [-1.0], [0.5]]) + 0.3
    stir.manual_seed(0)
    model = nn.Linear(3, 1)
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
                  x, y, epochs=20, metrics=("mse", "r2", "mae"), verbose=0,
                  generator=stir.Generator(1))
    assert history["r2"][-1] > 0.999
    assert history["mse"][-1] < 1e-3
    results = evaluate(model, nn.MSELoss(), x, y, metrics=["mse", "r2"])
    assert results["r2"] > 0.999
    # The loss is MSE itself, so the two must agree (float32 vs float64 arithmetic).
    assert results["loss"] == pytest.approx(results["mse"], rel=1e-4)


def test_steps_counts_optimizer_steps():
    x, y = blobs(100)
    model = make_mlp()
    counter = StepCounter()
    history = fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), x, y,
                  steps=10, batch_size=32, callbacks=[counter], verbose=0)
    assert counter.steps == list(range(1, 11))
    assert len(history) == 3  # 4 batches per epoch: 4 + 4 + 2 steps


class StepCounter(Callback):
    def __init__(self) -> None:
        self.steps: list[int] = []

    def on_batch_end(self, step, logs):
        self.steps.append(step)


def test_reproducible_with_a_seeded_generator():
    x, y = blobs()

    def run() -> tuple[list[float], dict[str, np.ndarray]]:
        model = make_mlp(seed=5)
        history = fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.05), x, y,
                      epochs=3, batch_size=16, verbose=0, generator=stir.Generator(7))
        return history["loss"], parameters_of(model)

    (loss_a, params_a), (loss_b, params_b) = run(), run()
    assert loss_a == loss_b
    for name in params_a:
        assert np.array_equal(params_a[name], params_b[name]), name
    # A different shuffling seed gives a different run: the generator is really used.
    model = make_mlp(seed=5)
    fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.05), x, y, epochs=3,
        batch_size=16, verbose=0, generator=stir.Generator(8))
    assert not np.array_equal(parameters_of(model)["0.weight"], params_a["0.weight"])


# ---------------------------------------------------------------- callbacks
def test_early_stopping_restores_best_weights():
    # Train on a small noisy set, validate on a clean different one, with a large model
    # and a large rate: the validation loss must turn upwards; record weights per epoch.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 2)).astype(np.float32)
    y = rng.integers(0, 2, size=12)  # pure noise labels: memorizing them hurts validation
    x_val, y_val = rng.normal(size=(100, 2)).astype(np.float32), rng.integers(0, 2, size=100)
    stir.manual_seed(0)
    model = nn.MLP([2, 64, 64, 2], activation="relu")
    snapshots = Snapshots()
    stopper = EarlyStopping(monitor="val_loss", patience=3)
    history = fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.02), x, y,
                  epochs=200, batch_size=12, validation_data=(x_val, y_val),
                  callbacks=[snapshots, stopper], verbose=0)
    val = history["val_loss"]
    best = int(np.argmin(val)) + 1
    assert len(history) < 200, "validation loss never stopped improving"
    assert stopper.best_epoch == best == history.best()["epoch"]
    assert stopper.stopped_epoch == len(history) == best + 3
    assert val[-1] > val[best - 1]
    restored = parameters_of(model)
    for name, value in snapshots.states[best - 1].items():
        assert np.array_equal(restored[name], value), name
    assert not np.array_equal(restored["0.weight"], snapshots.states[-1]["0.weight"])


class Snapshots(Callback):
    def __init__(self) -> None:
        self.states: list[dict[str, np.ndarray]] = []

    def on_epoch_end(self, epoch, logs):
        self.states.append(parameters_of(self.model))


def test_early_stopping_mode_auto_and_missing_monitor():
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping(monitor="r2").mode == "max"
    assert EarlyStopping(monitor="val_loss").mode == "min"
    x, y = blobs(40)
    model = make_mlp()
    with pytest.raises(ValueError, match="'val_loss'.*records loss, lr.*validation_data"):
        fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), x, y, epochs=2,
            callbacks=[EarlyStopping()], verbose=0)


def test_lr_schedule_callback_follows_the_schedule():
    x, y = blobs(40)
    model = make_mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    callback = LRSchedulerCallback(optim.StepLR(opt, step_size=2, gamma=0.5))
    history = fit(model, F.cross_entropy, opt, x, y, epochs=5, callbacks=[callback],
                  verbose=0)
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_reduce_lr_on_plateau_gets_the_monitored_value():
    x, y = blobs(40)
    model = make_mlp()
    opt = optim.SGD(model.parameters(), lr=0.0)  # no learning: the loss is flat
    plateau = optim.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    fit(model, F.cross_entropy, opt, x, y, epochs=3, shuffle=False, validation_data=(x, y),
        callbacks=[LRSchedulerCallback(plateau, monitor="val_loss")], verbose=0)
    assert plateau.best == pytest.approx(evaluate(model, F.cross_entropy, x, y)["loss"])
    assert plateau.last_epoch == 3


# ---------------------------------------------------------------- non-finite values
class ExplodeAt(Callback):
    """Makes the next forward pass produce a NaN loss or NaN gradient after a given step."""

    def __init__(self, step: int) -> None:
        self.step = step
        self.saved: dict[str, np.ndarray] | None = None

    def on_batch_end(self, step, logs):
        if step == self.step:
            self.saved = parameters_of(self.model)
            self.model.poisoned = True


class Poisonable(nn.Module):
    def __init__(self, poison: str) -> None:
        super().__init__()
        self.layer = nn.Linear(2, 3)
        self.poison = poison
        self.poisoned = False

    def forward(self, x):
        out = self.layer(x)
        if not self.poisoned:
            return out
        if self.poison == "loss":
            return out * float("nan")
        # sqrt(0 * W) is 0, but its gradient is 0 * 1/(2·0) = NaN.
        return out + stir.sqrt(self.layer.weight * 0.0).sum()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("poison, kind", [("loss", "the loss is nan"),
                                          ("grad", "the gradient of 'layer.weight'")])
def test_non_finite_stops_with_epoch_and_step(poison, kind):
    x, y = blobs(64)
    stir.manual_seed(0)
    model = Poisonable(poison)
    explode = ExplodeAt(step=6)  # 4 batches of 16 per epoch: step 7 is epoch 2, batch 3
    with pytest.raises(TrainingError, match=f"epoch 2, step 7: {kind}") as info:
        fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), x, y,
            epochs=5, batch_size=16, callbacks=[explode], verbose=0)
    assert isinstance(info.value, FloatingPointError)
    assert (info.value.epoch, info.value.step) == (2, 7)
    assert info.value.kind == ("loss" if poison == "loss" else "gradient")
    assert "parameters are those after step 6" in str(info.value)
    after = parameters_of(model)
    for name, value in explode.saved.items():
        assert np.array_equal(after[name], value), name


# ---------------------------------------------------------------- output and modes
@pytest.mark.parametrize("verbose", [0, 1])
def test_quiet_when_not_a_terminal(capsys, verbose):
    x, y = blobs(40)
    model = make_mlp()
    fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), x, y, epochs=2,
        validation_data=(x, y), metrics=["accuracy"], verbose=verbose)
    evaluate(model, F.cross_entropy, x, y)
    predict(model, x)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_2_shows_the_bar(capsys):
    x, y = blobs(40)
    model = make_mlp()
    fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), x, y, epochs=2,
        metrics=["accuracy"], verbose=2)
    err = capsys.readouterr().err
    assert "epoch 2/2" in err and "accuracy=" in err and "samples/s" in err


def test_evaluate_and_predict_use_eval_mode_and_batches():
    stir.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    x = np.random.default_rng(0).normal(size=(37, 4)).astype(np.float32)
    with stir.no_grad():
        model.eval()
        expected = model(stir.tensor(x)).array.copy()
    model.train()
    out = predict(model, x, batch_size=5)
    assert out.shape == (37, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert np.array_equal(predict(model, stir.tensor(x), batch_size=100), out)
    assert model.training  # the mode is put back
    y = np.arange(37) % 3
    results = evaluate(model, F.cross_entropy, x, y, metrics=["accuracy"], batch_size=4)
    full = F.cross_entropy(stir.tensor(expected), stir.tensor(y)).item()
    assert results["loss"] == pytest.approx(full, rel=1e-5)
    assert results["accuracy"] == accuracy(expected, y)
    assert all(parameter.grad is None for parameter in model.parameters())  # under no_grad


# ---------------------------------------------------------------- errors
def bad_calls():
    x, y = blobs(20)
    model = make_mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    run = dict(model=model, loss_fn=F.cross_entropy, optimizer=opt, x=x, y=y, verbose=0)
    return [
        ("length", {**run, "y": y[:10], "epochs": 1}, ValueError, "x has 20.*y has 10"),
        ("empty", {**run, "x": x[:0], "y": y[:0], "epochs": 1}, ValueError, "x is empty"),
        ("both", {**run, "epochs": 1, "steps": 3}, ValueError, "exactly one of epochs"),
        ("neither", run, ValueError, "exactly one of epochs"),
        ("epochs 0", {**run, "epochs": 0}, ValueError, "epochs must be an int >= 1"),
        ("batch 0", {**run, "epochs": 1, "batch_size": 0}, ValueError, "batch_size must be"),
        ("non-scalar", {**run, "epochs": 1,
                        "loss_fn": lambda o, t: F.cross_entropy(o, t, reduction="none")},
         ValueError, r"scalar \(one element\), got shape \(20,\)"),
        ("not a tensor", {**run, "epochs": 1, "loss_fn": lambda o, t: 1.0}, TypeError,
         "scalar stir Tensor, got float"),
        ("metric", {**run, "epochs": 1, "metrics": ["acc"]}, ValueError,
         "unknown metric 'acc'; the known metrics are accuracy, mae, mse, r2"),
        ("validation", {**run, "epochs": 1, "validation_data": x}, TypeError, "pair"),
        ("verbose", {**run, "epochs": 1, "verbose": 3}, ValueError, "verbose must be 0, 1"),
        ("callback", {**run, "epochs": 1, "callbacks": [print]}, TypeError, "Callback"),
    ]


@pytest.mark.parametrize("label, kwargs, error, message", bad_calls(),
                         ids=[case[0] for case in bad_calls()])
def test_fit_refuses_bad_input(label, kwargs, error, message):
    before = parameters_of(kwargs["model"])
    with pytest.raises(error, match=message):
        fit(**kwargs)
    after = parameters_of(kwargs["model"])
    assert all(np.array_equal(before[name], after[name]) for name in before)


def test_evaluate_and_predict_refuse_bad_input():
    model = make_mlp()
    x, y = blobs(10)
    with pytest.raises(ValueError, match="same number of samples"):
        evaluate(model, F.cross_entropy, x, y[:3])
    with pytest.raises(ValueError, match="batch_size must be"):
        predict(model, x, batch_size=0)
    with pytest.raises(ValueError, match="x is empty"):
        predict(model, x[:0])


# ---------------------------------------------------------------- metrics and History
@pytest.mark.parametrize("output, target, expected", [
    (np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([1, 0, 0]), 2 / 3),
    (np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([[0, 1], [0, 1]]), 1 / 2),  # one-hot
    (np.array([[2.0], [-1.0], [0.5]]), np.array([1, 0, 0]), 2 / 3),           # logit > 0
    (np.array([2.0, -1.0, -0.5]), np.array([1, -1, 1]), 2 / 3),               # sign, ±1
])
def test_accuracy_conventions(output, target, expected):
    assert accuracy(output, target) == pytest.approx(expected)


def test_regression_metrics_against_formulas():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(50, 2))
    output = target + 0.3 * rng.normal(size=(50, 2))
    assert mse(output, target) == pytest.approx(np.mean((output - target) ** 2))
    assert mae(output, target) == pytest.approx(np.mean(np.abs(output - target)))
    per_column = [1 - np.sum((target[:, j] - output[:, j]) ** 2)
                  / np.sum((target[:, j] - target[:, j].mean()) ** 2) for j in range(2)]
    assert r2(output, target) == pytest.approx(np.mean(per_column))
    assert r2(output[:, :1], target[:, 0]) == pytest.approx(per_column[0])  # (n,1) vs (n,)
    with pytest.raises(ValueError, match="do not match"):
        mse(output, target[:10])


def test_custom_metric_callable():
    x, y = blobs(40)
    model = make_mlp()

    def first_output_mean(output, target):
        return float(output[:, 0].mean())

    history = fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), x, y,
                  epochs=1, shuffle=False, batch_size=40, metrics=[first_output_mean],
                  verbose=0)
    assert "first_output_mean" in history and math.isfinite(history["first_output_mean"][0])


def test_history_best_and_printing():
    history = History()
    for loss, acc in [(0.9, 0.5), (0.4, 0.8), (0.5, 0.9)]:
        history.append({"loss": loss, "val_accuracy": acc, "lr": 0.01})
    assert history.best()["epoch"] == 2
    assert history.best("val_accuracy") == {"epoch": 3, "loss": 0.5, "val_accuracy": 0.9,
                                            "lr": 0.01}
    assert history.best("val_accuracy", mode="min")["epoch"] == 1
    text = str(history)
    assert text.splitlines()[0].split() == ["epoch", "loss", "val_accuracy", "lr"]
    assert text.splitlines()[3].split() == ["3", "0.5000", "0.9000", "0.0100"]
    assert repr(history) == "History(3 epochs; best loss 0.4000 at epoch 2)"
    with pytest.raises(KeyError, match="no 'val_loss'; it has loss, val_accuracy, lr"):
        history["val_loss"]
