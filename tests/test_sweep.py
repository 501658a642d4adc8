"""stir.sweep: a grid or a seeded random search through an executor, the results table
and its CSV, the best model saved, failures reported; and `stir train --sweep`.

The oracle of a process pool is the same sweep run serially, in this process."""

from __future__ import annotations

import csv
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.sweeps import LogUniform, Uniform, expand


def train_xor(lr: float, width: int):
    """A small classifier trained by fit (seeded by the sweep); its model and metrics."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(160, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    model = nn.MLP([2, width, 2], activation="tanh")
    history = stir.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=lr),
                       x[:120], y[:120], epochs=4, batch_size=16,
                       validation_data=(x[120:], y[120:]), metrics=["accuracy"], verbose=0)
    return model, {"val_loss": history["val_loss"][-1],
                   "val_accuracy": history["val_accuracy"][-1]}


def fails_for_wide(lr: float, width: int):
    if width > 8:
        raise ValueError(f"width {width} is too wide\nfor this test")
    return {"val_loss": lr}


def metrics_only(lr: float, width: int):
    return {"val_loss": (lr - 0.1) ** 2 + width / 100}


class InProcess:
    """An executor (the concurrent.futures interface) running each call at once, here."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


GRID = {"lr": [0.05, 0.5], "width": [4, 16]}


def without_seconds(rows):
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def test_a_process_pool_gives_the_serial_results(tmp_path):
    pooled = stir.sweep(train_xor, GRID, max_workers=2, csv=tmp_path / "pool.csv",
                        save_best=tmp_path / "best.safetensors", verbose=0)
    serial = stir.sweep(train_xor, GRID, executor=InProcess(), verbose=0)
    assert without_seconds(pooled) == without_seconds(serial)
    assert [row["rank"] for row in pooled] == [1, 2, 3, 4]
    assert sorted((row["lr"], row["width"]) for row in pooled) == [
        (0.05, 4), (0.05, 16), (0.5, 4), (0.5, 16)]
    losses = [row["val_loss"] for row in pooled]
    assert losses == sorted(losses)
    # The best model is the best trial's, trained again here from the same seed.
    best = pooled[0]
    stir.manual_seed(0)
    model, _ = train_xor(best["lr"], best["width"])
    saved = stir.load(tmp_path / "best.safetensors")
    assert all(np.array_equal(saved.state_dict()[k].numpy(), v.numpy())
               for k, v in model.state_dict().items())
    with open(tmp_path / "pool.csv", newline="") as file:
        table = list(csv.DictReader(file))
    assert [int(row["trial"]) for row in table] == [row["trial"] for row in pooled]
    assert list(table[0]) == ["rank", "trial", "lr", "width", "val_loss", "val_accuracy",
                              "seconds"]
    assert float(table[0]["val_loss"]) == best["val_loss"]


def test_the_metric_and_its_direction(tmp_path):
    rows = stir.sweep(train_xor, GRID, executor=InProcess(), metric="val_accuracy",
                      verbose=0)
    accuracies = [row["val_accuracy"] for row in rows]
    assert accuracies == sorted(accuracies, reverse=True)  # "auto": accuracy is maximized
    rows = stir.sweep(metrics_only, GRID, executor=InProcess(), mode="max", verbose=0)
    assert [row["val_loss"] for row in rows] == sorted((r["val_loss"] for r in rows),
                                                       reverse=True)
    with pytest.raises(ValueError, match="no trial returned the metric 'r2'"):
        stir.sweep(metrics_only, GRID, executor=InProcess(), metric="r2", verbose=0)


def test_a_seeded_random_search():
    grid = {"lr": LogUniform(1e-4, 1.0), "width": [4, 8, 16], "momentum": Uniform(0.0, 0.9)}
    first, again = expand(grid, n_samples=20, seed=3), expand(grid, n_samples=20, seed=3)
    assert first == again and expand(grid, n_samples=20, seed=4) != first
    assert all(1e-4 <= d["lr"] < 1.0 and d["width"] in (4, 8, 16)
               and 0 <= d["momentum"] < 0.9 for d in first)
    assert len({d["width"] for d in first}) == 3
    lists = expand({"a": [1, 2, 3], "b": [1, 2]}, n_samples=4, seed=0)
    assert len(lists) == 4 and len({tuple(d.values()) for d in lists}) == 4  # distinct
    with pytest.raises(ValueError, match="only a random search draws from"):
        expand(grid)
    rows = stir.sweep(metrics_only, {"lr": LogUniform(0.01, 1.0), "width": [1, 2]},
                      executor=InProcess(), n_samples=5, seed=1, verbose=0)
    assert len(rows) == 5


def test_several_grids_and_fixed_values():
    assert expand([{"a": [1, 2], "b": "x"}, {"a": [3]}]) == [
        {"a": 1, "b": "x"}, {"a": 2, "b": "x"}, {"a": 3}]


def test_a_failed_trial_is_reported_and_ranked_last(tmp_path):
    with pytest.warns(UserWarning) as caught:
        rows = stir.sweep(fails_for_wide, GRID, executor=InProcess(), verbose=0,
                          csv=tmp_path / "t.csv")
    assert [str(w.message) for w in caught] == [
        f"sweep: trial {trial} (lr={lr}, width=16) failed: ValueError: width 16 is too wide "
        "for this test" for trial, lr in ((1, 0.05), (3, 0.5))]
    assert [bool(row["error"]) for row in rows] == [False, False, True, True]
    assert "error" in next(csv.DictReader(open(tmp_path / "t.csv")))
    with pytest.raises(RuntimeError, match="every trial failed; trial 0"):
        stir.sweep(fails_for_wide, {"lr": [0.1], "width": [9, 10]}, executor=InProcess(),
                   verbose=0)


def test_a_lambda_cannot_go_to_a_process_pool():
    with pytest.raises(TypeError, match="train_fn is a lambda"):
        stir.sweep(lambda lr: {"val_loss": lr}, {"lr": [1, 2]}, verbose=0)

    def inner(lr):
        return {"val_loss": lr}
    with pytest.raises(TypeError, match="a function defined inside another"):
        stir.sweep(inner, {"lr": [1, 2]}, verbose=0)
    with ThreadPoolExecutor(2) as pool:  # threads take any callable
        assert len(stir.sweep(inner, {"lr": [1, 2]}, executor=pool, verbose=0)) == 2


@pytest.mark.parametrize("grid, message", [
    ({}, "non-empty dict"),
    ({"lr": []}, "has no values"),
    ({"rank": [1, 2]}, "names a column of the results table"),
    ({"not an identifier": [1]}, "must be an identifier"),
])
def test_bad_grids(grid, message):
    with pytest.raises((ValueError, TypeError), match=message):
        stir.sweep(metrics_only, grid, executor=InProcess(), verbose=0)


def test_bad_results_are_errors():
    def no_dict(lr):
        return lr
    with pytest.raises(RuntimeError, match="must return a dict of metrics"):
        stir.sweep(no_dict, {"lr": [1]}, executor=InProcess(), verbose=0)

    def clash(lr):
        return {"lr": lr}
    with pytest.raises(ValueError, match="also the name of a setting"):
        stir.sweep(clash, {"lr": [1]}, executor=InProcess(), verbose=0)


# ------------------------------------------------------------------ stir train --sweep
def write_table(path: Path, rows: int = 300) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(rows, 3))
    label = np.where(x[:, 0] + x[:, 1] * x[:, 2] > 0, "yes", "no")
    lines = ["a,b,c,label"] + [",".join(f"{v:.5f}" for v in row) + f",{t}"
                               for row, t in zip(x, label)]
    path.write_text("\n".join(lines) + "\n")


def stir_train(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stir", "train", *arguments], cwd=cwd,
                          capture_output=True, text=True, timeout=180)


def test_stir_train_sweep_saves_the_best_trial_and_the_table(tmp_path):
    write_table(tmp_path / "t.csv")
    result = stir_train("t.csv", "--target", "label", "--epochs", "5", "--quiet",
                        "--sweep", "lr=1e-3,1e-2 hidden=8;16,16", "--processes", "2",
                        cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sweep: 4 trials (lr=0.001,0.01 hidden=8;16,16), 2 at a time" in result.stdout
    with open(tmp_path / "t.sweep.csv", newline="") as file:
        table = list(csv.DictReader(file))
    assert len(table) == 4 and table[0]["rank"] == "1"
    losses = [float(row["val_loss"]) for row in table]
    assert losses == sorted(losses)
    best = table[0]
    hidden = ",".join(map(str, widths_of(best["hidden"])))
    # The best trial's model is what stir train --no-refit saves with its settings.
    again = stir_train("t.csv", "--target", "label", "--epochs", "5", "--quiet",
                       "--no-refit", "--lr", best["lr"], "--hidden", hidden,
                       "--out", "again.safetensors", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    swept = stir.load(tmp_path / "t.safetensors").state_dict()
    alone = stir.load(tmp_path / "again.safetensors").state_dict()
    assert all(np.array_equal(swept[k].numpy(), alone[k].numpy()) for k in alone)
    predicted = subprocess.run([sys.executable, "-m", "stir", "predict", "t.safetensors",
                                "t.csv"], cwd=tmp_path, capture_output=True, text=True,
                               timeout=60)
    assert predicted.returncode == 0, predicted.stderr  # a model with its preprocessing


def widths_of(text: str) -> list[int]:
    import json
    return json.loads(text)


@pytest.mark.parametrize("sweep, message", [
    ("lr", "expected NAME=V1,V2"),
    ("seed=1,2", "'seed' is not a setting a sweep varies"),
    ("lr=1e-3 lr=1e-2", "lr is given twice"),
    ("lr=fast", "lr=fast: expected a number"),
    ("optimizer=adam,lbfgs", "optimizer=lbfgs: choose among"),
    ("hidden=8;x", "hidden=x: expected widths"),
])
def test_stir_train_sweep_syntax_errors(tmp_path, sweep, message):
    write_table(tmp_path / "t.csv", rows=20)
    result = stir_train("t.csv", "--target", "label", "--sweep", sweep, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_stir_train_sweep_needs_validation_rows(tmp_path):
    write_table(tmp_path / "t.csv", rows=20)
    result = stir_train("t.csv", "--target", "label", "--sweep", "lr=0.1", "--validation",
                        "0", cwd=tmp_path)
    assert result.returncode == 2 and "--validation must be above 0" in result.stderr
