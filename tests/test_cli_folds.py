"""`stir train --folds` (issue 15's defaults that win): the epoch count of a small regression
chosen by K-fold cross-validation, then a refit on all the rows; the rule for when, the
options that conflict with it, and Ctrl-C in the middle of a fold, then --resume, ending with
the uninterrupted run's model bit for bit."""


import numpy as np
import pytest
from test_cli_train import interrupt, run

import stir
from stir.training.folds import auto_folds, best_epoch, fold_rows


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """curve.csv: 200 rows of a noisy regression; labels.csv: a 0/1 target."""
    folder = tmp_path_factory.mktemp("folds")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 3)).round(3)
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + rng.normal(scale=0.3, size=200)
    rows = "".join(f"{a},{b},{c},{t:.4f}\n" for (a, b, c), t in zip(X, y))
    (folder / "curve.csv").write_text("a,b,c,y\n" + rows)
    labels = "".join(f"{a},{b},{c},{int(t > 1)}\n" for (a, b, c), t in zip(X, y))
    (folder / "labels.csv").write_text("a,b,c,y\n" + labels)
    return folder


def test_fold_rows_hold_out_every_row_once():
    pairs = fold_rows(103, 5, seed=4)
    held_out = np.concatenate([held for _, held in pairs])
    assert sorted(held_out.tolist()) == list(range(103))
    for train, held in pairs:
        assert not set(train) & set(held) and len(train) + len(held) == 103
        assert list(train) == sorted(train) and 20 <= len(held) <= 21
    with pytest.raises(ValueError, match="folds must be from 2 to the number of rows"):
        fold_rows(3, 4, seed=0)


def test_best_epoch_is_the_lowest_mean_the_first_of_a_tie():
    assert best_epoch([[1.0, 0.5, 0.5], [1.0, 0.5, 0.5]]) == (2, 0.5)
    assert best_epoch([[4.0, 1.0], [0.0, 3.0]]) == (1, 2.0)
    with pytest.raises(ValueError, match="of one length"):
        best_epoch([[1.0], [1.0, 2.0]])
    assert [auto_folds("regression", n) for n in (9, 10, 10_000, 10_001)] == [0, 5, 5, 0]


def test_a_small_regression_is_cross_validated_then_refit(folder):
    result = run("train", "curve.csv", "--target", "y", "--epochs", 25, "--quiet", cwd=folder)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "200 rows in 5 folds of cross-validation" in out
    assert [line for line in out.splitlines() if line.startswith("fold ")] == [
        f"fold {k} of 5: training on 160 rows, validating on 40" for k in range(1, 6)]
    line = next(line for line in out.splitlines() if line.startswith("5-fold"))
    epochs = int(line.split("lowest after ")[1].split()[0])
    assert 1 <= epochs <= 25
    assert f"refit: a fresh network on all 200 rows for {epochs} epochs, the number " \
           f"cross-validation chose" in out
    facts = stir.io.read(folder / "curve.safetensors").metadata["stir_train"]
    assert (facts["folds"], facts["epochs"], facts["refit"]) == (5, epochs, True)
    # The model is the refit: the same seed and epochs on every row, with --folds 0 and
    # --validation 0, is the same network, so the folds chose only the epoch count.
    again = run("train", "curve.csv", "--target", "y", "--epochs", epochs, "--folds", 0,
                "--validation", 0, "--quiet", "--out", "plain.safetensors", cwd=folder)
    assert again.returncode == 0, again.stderr
    ours = stir.io.read(folder / "curve.safetensors").state_dict
    theirs = stir.io.read(folder / "plain.safetensors").state_dict
    for name in ours:
        assert np.array_equal(ours[name], theirs[name]), name


@pytest.mark.parametrize("options, split", [
    (("--folds", 0), "160 training rows, 40 validation rows"),
    (("--validation", 0.3), "140 training rows, 60 validation rows"),
    (("--no-refit",), "160 training rows, 40 validation rows"),
])
def test_one_held_out_split_when_asked_for(folder, options, split):
    result = run("train", "curve.csv", "--target", "y", "--epochs", 5, "--quiet", *options,
                 "--out", "split.safetensors", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert split in result.stdout and "fold 1 of" not in result.stdout


def test_classification_keeps_one_split_unless_folds_are_given(folder):
    plain = run("train", "labels.csv", "--target", "y", "--epochs", 5, "--quiet",
                "--out", "labels.safetensors", cwd=folder)
    assert plain.returncode == 0 and "160 training rows, 40 validation rows" in plain.stdout
    folded = run("train", "labels.csv", "--target", "y", "--epochs", 5, "--quiet", "--folds",
                 3, "--out", "labels3.safetensors", cwd=folder)
    assert folded.returncode == 0, folded.stderr
    assert "3-fold cross-validation" in folded.stdout and "validation accuracy" in folded.stdout
    assert "baseline, always the training folds' majority class" in folded.stdout


@pytest.mark.parametrize("options, message", [
    (("--folds", 3, "--no-refit"), "with --folds every fold's network saw only part of"),
    (("--folds", 3, "--validation", 0.2), "--folds and --validation both choose"),
    (("--folds", 1), "expected auto, 0, or a number of folds >= 2, got '1'"),
    (("--folds", "many"), "expected auto, 0, or a number of folds >= 2"),
    (("--folds", 500), "--folds 500: more folds than the 200 training rows"),
])
def test_folds_that_cannot_be(folder, options, message):
    result = run("train", "curve.csv", "--target", "y", "--epochs", 2, *options,
                 "--out", "bad.safetensors", cwd=folder)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (folder / "bad.safetensors").exists()


def test_ctrl_c_in_a_fold_then_resume_gives_the_uninterrupted_model(folder, tmp_path):
    """Interrupted in fold 3: the checkpoint says which fold and holds the finished folds'
    curves; --resume goes on in fold 3 and ends with the reference model, bit for bit."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2000, 4)).round(3)
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    (tmp_path / "long.csv").write_text(
        "a,b,c,d,y\n" + "".join(f"{','.join(map(str, x))},{t:.4f}\n" for x, t in zip(X, y)))
    settings = ("--target", "y", "--epochs", 40, "--quiet")
    reference = run("train", "long.csv", *settings, "--out", "reference.safetensors",
                    cwd=tmp_path, timeout=300)
    assert reference.returncode == 0, reference.stderr
    # (0.05 s: a few steps into fold 3, of 2 000 steps)
    status, stderr = interrupt(["train", "long.csv", *settings], tmp_path, "fold 3 of 5", 0.05)
    assert status == 130, stderr
    assert "stir train --resume long.checkpoint.safetensors continues the run" in stderr
    assert ", fold 3 of 5) is long.checkpoint.safetensors" in stderr
    saved = stir.checkpoint.read(tmp_path / "long.checkpoint.safetensors")
    record = saved["stir_train_folds"]
    assert record["fold"] == 2 and len(record["losses"]) == 2  # (counted from 0)
    assert saved["fit"]["step"] >= 1
    resumed = run("train", "--resume", "long.checkpoint.safetensors", "--quiet", cwd=tmp_path,
                  timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert [line for line in resumed.stdout.splitlines() if line.startswith("fold ")] == [
        f"fold {k} of 5: training on 1600 rows, validating on 400" for k in (3, 4, 5)]
    ours = stir.io.read(tmp_path / "long.safetensors").state_dict
    theirs = stir.io.read(tmp_path / "reference.safetensors").state_dict
    for name in ours:
        assert np.array_equal(ours[name], theirs[name]), name
    chosen = [line for line in reference.stdout.splitlines() if line.startswith("5-fold")]
    assert chosen == [line for line in resumed.stdout.splitlines() if line.startswith("5-fold")]


@pytest.mark.parametrize("record", [
    None, "text", {"folds": 5, "fold": 1, "losses": [], "scores": []},
    {"folds": 4, "fold": 1, "losses": [[1.0, 1.0]], "scores": [[0.0, 0.0]]},
    {"folds": 5, "fold": 1, "losses": [[1.0]], "scores": [[0.0]]},  # a curve too short
    {"folds": 5, "fold": 1, "losses": [[1.0, "x"]], "scores": [[0.0, 0.0]]},
    {"folds": 5, "fold": 7, "losses": [], "scores": []},
])
def test_a_malformed_fold_record_is_refused(record, tmp_path):
    from stir.commands.cross_validation import _progress
    from stir.io.errors import ModelFormatError

    state = {} if record is None else {"stir_train_folds": record}
    path = stir.checkpoint.save(tmp_path / "c.ckpt", model=stir.nn.Linear(1, 1), **state)
    with pytest.raises(ModelFormatError, match="no valid record of 5-fold cross-validation"):
        _progress(str(path), 5, epochs=2)
    good = {"folds": 5, "fold": 1, "losses": [[1.0, 0.5]], "scores": [[0.1, 0.2]]}
    path = stir.checkpoint.save(tmp_path / "d.ckpt", model=stir.nn.Linear(1, 1),
                                stir_train_folds=good)
    assert _progress(str(path), 5, epochs=2) == (1, [[1.0, 0.5]], [[0.1, 0.2]])


def test_one_row_per_fold_still_gives_a_pooled_r2(tmp_path):
    """Leave-one-out: each fold's own R² is undefined (one row); the report pools the folds'
    squared errors, R² = 1 − Σ n_k MSE_k / Σ (y − ȳ)², so a good fit reads near 1, not 0."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=11)
    y = 2 * a + 0.1 * rng.normal(size=11)
    (tmp_path / "r11.csv").write_text(
        "a,y\n" + "".join(f"{u:.4f},{v:.4f}\n" for u, v in zip(a, y)))
    result = run("train", "r11.csv", "--target", "y", "--folds", 11, "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("11-fold"))
    r2 = float(line.split("validation r2 ")[1].split()[0])
    baseline = float(line.split("mean: ")[1].rstrip(")"))
    assert r2 > 0.9 and baseline < 0, line
