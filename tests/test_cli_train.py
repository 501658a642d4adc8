"""`stir train`, `stir predict` and `stir eval`, run as a user runs them: as subprocesses.

Bad input exits with status 2 and one line on stderr naming the file, line and column;
Ctrl-C during training leaves the last complete checkpoint, says where it is and exits 130.
"""

import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import stir

SRC = os.path.dirname(os.path.dirname(stir.__file__))


def run(*arguments, cwd, timeout=120):
    environment = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-m", "stir", *map(str, arguments)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=environment)


def interrupt(arguments, cwd, after_line, seconds):
    """Run `stir` with `arguments` as a user would, with Ctrl-C (SIGINT) `seconds` after it
    prints a line starting with `after_line`; returns (exit status, stderr)."""
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from stir.cli import main; sys.exit(main(sys.argv[1:]))")
    child = subprocess.Popen(
        [sys.executable, "-u", "-c", code, *map(str, arguments)], cwd=cwd,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": SRC})
    while not child.stdout.readline().startswith(after_line):
        pass
    time.sleep(seconds)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=120)
    return child.returncode, stderr


def write_csv(path, header, rows):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two small data sets: a regression on prices and a two-class ring."""
    folder = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)).round(4)
    price = 50_000 + 1000 * (3 * X[:, 0] - 2 * X[:, 1] + X[:, 2] * X[:, 0])
    write_csv(folder / "houses.csv", ["rooms", "age", "size", "price"],
              [[*x, f"{p:.2f}"] for x, p in zip(X, price)])
    kind = np.where((X[:, :2] ** 2).sum(axis=1) > 1.2, "out", "in")
    write_csv(folder / "rings.csv", ["a", "b", "c", "kind"],
              [[*x, k] for x, k in zip(X, kind)])
    return folder


@pytest.fixture(scope="module")
def trained(folder):
    """Both models, trained once for the predict and eval tests."""
    results = {}
    for name, target in (("houses", "price"), ("rings", "kind")):
        results[name] = run("train", f"{name}.csv", "--target", target, "--epochs", 40,
                            "--quiet", cwd=folder)
    return results


def test_train_reports_metrics_against_a_baseline_and_saves_the_model(folder, trained):
    houses, rings = trained["houses"], trained["rings"]
    assert houses.returncode == 0, houses.stderr
    assert "target 'price' (regression)" in houses.stdout
    r2 = float(houses.stdout.split("r2 ")[1].split()[0])
    # (300 rows of a regression: the epoch count is chosen by 5-fold cross-validation)
    assert "5-fold cross-validation: the folds' mean validation loss was lowest" in houses.stdout
    assert r2 > 0.9 and "baseline, always the training folds' mean" in houses.stdout
    assert rings.returncode == 0, rings.stderr
    accuracy = float(rings.stdout.split("validation accuracy ")[1].split()[0])
    baseline = float(rings.stdout.split("baseline, always 'out': ")[1].split(")")[0])
    assert accuracy > 0.85 > baseline + 0.2
    for name in ("houses", "rings"):
        assert (folder / f"{name}.safetensors").exists()
        assert (folder / f"{name}.checkpoint.safetensors").exists()
    metadata = stir.io.read(folder / "rings.safetensors").metadata["stir_train"]
    assert metadata["features"] == ["a", "b", "c"] and metadata["classes"] == ["in", "out"]
    assert len(metadata["standardizer"]["mean"]) == 3


def test_predict_writes_one_csv_row_per_input_row(folder, trained):
    result = run("predict", "rings.safetensors", "rings.csv", "--probabilities", cwd=folder)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(result.stdout.splitlines()))
    assert rows[0] == ["kind", "probability_in", "probability_out"]
    assert len(rows) == 301 and {row[0] for row in rows[1:]} <= {"in", "out"}
    assert all(abs(float(row[1]) + float(row[2]) - 1) < 1e-5 for row in rows[1:])
    truth = [row[3] for row in csv.reader(open(folder / "rings.csv"))][1:]
    assert np.mean([row[0] == t for row, t in zip(rows[1:], truth)]) > 0.85
    out = run("predict", "houses.safetensors", "houses.csv", "--out", "prices.csv", cwd=folder)
    assert out.returncode == 0 and out.stdout == "" and "wrote 300 predictions" in out.stderr
    prices = [float(row[0]) for row in list(csv.reader(open(folder / "prices.csv")))[1:]]
    assert len(prices) == 300 and 40_000 < np.mean(prices) < 60_000  # in the target's units


def test_eval_prints_the_metrics(folder, trained):
    rings = run("eval", "rings.safetensors", "rings.csv", "--target", "kind", cwd=folder)
    assert rings.returncode == 0, rings.stderr
    assert float(rings.stdout.split("accuracy ")[1].split()[0]) > 0.85
    houses = run("eval", "houses.safetensors", "houses.csv", "--target", "price", cwd=folder)
    assert houses.returncode == 0 and float(houses.stdout.split("r2 ")[1].split()[0]) > 0.9


BAD_CSVS = {
    "missing target": ("a,b\n1,2\n", "line 1: no target column 'y'"),
    "non-numeric feature": ("a,y\n1,2\nhello,3\n", "line 3, column 'a': 'hello' is not a number"),
    "ragged row": ("a,y\n1,2\n3,4,5\n", "line 3: expected 2 values"),
    "empty file": ("", "the file is empty"),
    "infinity": ("a,y\n1,2\ninf,3\n4,5\n", "line 3, column 'a': 'inf' is not a finite number"),
}


@pytest.mark.parametrize("case", list(BAD_CSVS))
def test_a_bad_csv_exits_2_naming_file_line_and_column(case, tmp_path):
    text, message = BAD_CSVS[case]
    (tmp_path / "bad.csv").write_text(text)
    result = run("train", "bad.csv", "--target", "y", "--quiet", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("stir train: error: bad.csv: ") and message in result.stderr
    assert not (tmp_path / "bad.safetensors").exists()


def test_predict_names_the_columns_that_do_not_match(folder, trained, tmp_path):
    write_csv(tmp_path / "other.csv", ["a", "c", "d"], [[1, 2, 3]])
    result = run("predict", folder / "rings.safetensors", "other.csv", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "missing column(s) ['b']" in result.stderr and "extra column(s) ['d']" in result.stderr


@pytest.mark.parametrize("model, message", [
    ("rings.csv", "not a safetensors file"),
    ("rings.checkpoint.safetensors", "a training checkpoint (weights, optimizer state, the "
                                     "run's position), not a model"),
    ("nowhere.safetensors", "nowhere.safetensors"),
])
def test_predict_with_a_file_that_is_not_a_trained_model_exits_2(folder, trained, model,
                                                                 message):
    result = run("predict", model, "rings.csv", cwd=folder)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_with_an_unknown_class_names_the_line(folder, trained, tmp_path):
    write_csv(tmp_path / "new.csv", ["a", "b", "c", "kind"], [[0, 0, 0, "in"], [1, 1, 1, "mid"]])
    result = run("eval", folder / "rings.safetensors", "new.csv", "--target", "kind",
                 cwd=tmp_path)
    assert result.returncode == 2
    assert "line 3, column 'kind': 'mid' is not one of the classes" in result.stderr


@pytest.mark.parametrize("arguments, message", [
    (["--activation", "relux"], "did you mean 'relu'"),
    (["--validation", "1.5"], "--validation must be in [0, 1)"),
    (["--hidden", "64,x"], "expected widths like 64,64"),
    (["--epochs", "0"], "must be positive"),
])
def test_bad_arguments_exit_2(folder, arguments, message, tmp_path):
    result = run("train", folder / "rings.csv", "--target", "kind", *arguments, cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr


@pytest.mark.parametrize("command", ["demo", "train", "predict", "eval"])
def test_every_subcommand_has_help(command, tmp_path):
    result = run(command, "--help", cwd=tmp_path)
    assert result.returncode == 0 and f"usage: stir {command}" in result.stdout


def test_ctrl_c_keeps_the_last_complete_checkpoint_and_says_where(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4000, 4)).round(3)
    write_csv(tmp_path / "long.csv", ["a", "b", "c", "d", "y"],
              [[*x, round(float(x.sum()), 3)] for x in X])
    # A child started from pytest may inherit an ignored SIGINT; give it Python's handler.
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from stir.cli import main; sys.exit(main(sys.argv[1:]))")
    child = subprocess.Popen(
        [sys.executable, "-c", code, "train", "long.csv", "--target", "y", "--epochs", "10000",
         "--patience", "10000", "--checkpoint-every", "0", "--quiet"], cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": SRC})
    checkpoint_path = tmp_path / "long.checkpoint.safetensors"
    deadline = time.monotonic() + 60
    while not checkpoint_path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # let a few more epochs (and checkpoint writes) happen
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert stderr.count("\n") == 1
    assert "interrupted; the last complete checkpoint (step " in stderr
    assert f"stir train --resume {checkpoint_path.name} continues the run" in stderr
    assert "Traceback" not in stderr
    step = int(stderr.split("(step ")[1].split(",")[0])
    epoch = int(stderr.split(", epoch ")[1].split(")")[0].split(",")[0])  # (", fold k of K")
    contents = stir.checkpoint.load(checkpoint_path, restore_random=False)
    assert contents["epoch"] == epoch >= 1 and contents["fit"]["step"] == step
    assert not (tmp_path / "long.safetensors").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_predict_into_a_closed_pipe_exits_quietly(folder, trained, tmp_path):
    rows = [[0.1 * i, 0.2, 0.3] for i in range(20_000)]
    write_csv(tmp_path / "many.csv", ["a", "b", "c"], rows)
    child = subprocess.Popen([sys.executable, "-m", "stir", "predict",
                              str(folder / "rings.safetensors"), "many.csv"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": SRC})
    assert child.stdout.readline() == b"kind\n"
    child.stdout.close()  # like `| head -1`
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 1
    assert stderr == ""
