"""`stir train`, `predict` and `eval` on real-looking tables (issue 15), as subprocesses:
text, date and identifier columns, missing cells, semicolons, the task rule, the refit on
all rows and the message about the epoch kept, eval reading its target from the model, a
checkpoint given where a model is expected, and Ctrl-C then --resume."""

import json

import numpy as np
import pytest
from test_cli_train import interrupt, run

import stir


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """shop.csv: an identifier, a number with missing cells, a text column, ISO dates and
    an income, semicolon-separated; a 0/1 target that depends on the income and the city."""
    folder = tmp_path_factory.mktemp("tables")
    rng = np.random.default_rng(0)
    lines = ["id;age;city;joined;income;bought"]
    for i in range(300):
        city = rng.choice(["Paris", "Lyon", "Nice"])
        income = rng.normal(3000, 800)
        bought = int(income / 1000 + (city == "Nice") + rng.normal() > 3.5)
        age = str(rng.integers(18, 80)) if rng.random() > 0.05 else "NA"
        joined = f"20{rng.integers(10, 24)}-{rng.integers(1, 13):02d}-{rng.integers(1, 28):02d}"
        lines.append(f"c{i};{age};{city if rng.random() > 0.03 else ''};{joined};"
                     f"{income:.2f};{bought}")
    (folder / "shop.csv").write_text("\n".join(lines) + "\n")
    (folder / "new.csv").write_text("id;age;city;joined;income;bought\n"
                                    "z1;30;Paris;2015-01-01;4000;1\n"
                                    "z2;;Rome;2019-05-05;2000;0\n")
    return folder


@pytest.fixture(scope="module")
def shop(folder):
    return run("train", "shop.csv", "--target", "bought", "--drop", "id", "--epochs", 30,
               "--quiet", cwd=folder)


def test_train_says_what_it_did_to_each_column(shop):
    assert shop.returncode == 0, shop.stderr
    for line in ["data: 2 number columns: age, income",
                 "data: 1 text column, one-hot: city (3 categories)",
                 "data: 1 date column, as days since 1970-01-01: joined",
                 "data: left out: id",
                 "data: missing cells imputed from the training rows: age "]:
        assert line in shop.stdout, shop.stdout
    assert shop.stderr == ""


def test_the_model_keeps_the_encodings_and_predict_uses_them(folder, shop):
    assert shop.returncode == 0, shop.stderr
    info = stir.io.read(folder / "shop.safetensors").metadata["stir_train"]
    assert [c["kind"] for c in info["columns"]] == ["number", "category", "date", "number"]
    assert info["left_out"] == ["id"] and info["refit"] is True
    result = run("predict", "shop.safetensors", "new.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "bought" and len(result.stdout.splitlines()) == 3
    assert result.stderr.strip() == (
        "stir predict: warning: new.csv: column 'city': categories the model was not trained "
        "on: 'Rome' (1 row); their rows have 0 in every city= column")


def test_eval_reads_the_target_from_the_model(folder, shop):
    assert shop.returncode == 0, shop.stderr
    result = run("eval", "shop.safetensors", "shop.csv", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "shop.csv: 300 rows, target 'bought' (classification)" in result.stdout
    wrong = run("eval", "shop.safetensors", "shop.csv", "--target", "income", cwd=folder)
    assert wrong.returncode == 2
    assert wrong.stderr == ("stir eval: error: --target 'income': shop.safetensors was trained "
                            "to predict 'bought'; leave --target out to use it\n")


def test_a_checkpoint_given_as_a_model_says_what_to_use(folder, shop):
    assert shop.returncode == 0, shop.stderr
    result = run("predict", "shop.checkpoint.safetensors", "new.csv", cwd=folder)
    assert result.returncode == 2
    assert "a training checkpoint" in result.stderr and "--out" in result.stderr


def test_an_identifier_column_is_refused_naming_drop(folder):
    result = run("train", "shop.csv", "--target", "bought", "--quiet", cwd=folder)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("stir train: error: shop.csv: column 'id': 240 distinct "
                                    "texts in 240 training rows")
    assert result.stderr.rstrip().endswith("--drop id")


def test_missing_cells_refused_or_dropped_by_option(folder):
    refused = run("train", "shop.csv", "--target", "bought", "--drop", "id", "--missing",
                  "error", "--quiet", cwd=folder)
    assert refused.returncode == 2 and "missing cell" in refused.stderr
    assert "--missing impute" in refused.stderr
    dropped = run("train", "shop.csv", "--target", "bought", "--drop", "id", "--missing",
                  "drop", "--epochs", 2, "--quiet", "--out", "dropped.safetensors", cwd=folder)
    assert dropped.returncode == 0, dropped.stderr
    assert "rows dropped (--missing drop)" in dropped.stdout


def test_a_forced_comma_on_a_semicolon_file_is_one_column(folder):
    result = run("train", "shop.csv", "--target", "bought", "--delimiter", ",", cwd=folder)
    assert result.returncode == 2
    assert "no target column 'bought'" in result.stderr


def test_thirteen_distinct_integers_in_fifteen_rows_are_a_regression(tmp_path):
    values = [120, 156, 98, 143, 101, 170, 133, 99, 160, 145, 120, 156, 111, 187, 129]
    rows = "".join(f"{i},{v}\n" for i, v in enumerate(values))
    (tmp_path / "small.csv").write_text("x,y\n" + rows)
    result = run("train", "small.csv", "--target", "y", "--epochs", 2, "--quiet",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "target 'y' (regression)" in result.stdout
    forced = run("train", "small.csv", "--target", "y", "--task", "classification",
                 "--epochs", 2, "--quiet", "--out", "classes.safetensors", cwd=tmp_path)
    assert "(classification, 13 classes)" in forced.stdout


def test_refit_and_the_kept_epoch_are_reported(folder):
    common = ("train", "shop.csv", "--target", "bought", "--drop", "id", "--quiet")
    capped = run(*common, "--epochs", 3, "--out", "capped.safetensors", cwd=folder)
    assert capped.returncode == 0, capped.stderr
    assert "trained 3 epochs (the --epochs limit)" in capped.stdout
    assert "refit: a fresh network on all 300 rows for 3 epochs" in capped.stdout
    kept = run(*common, "--epochs", 3, "--no-refit", "--out", "kept.safetensors", cwd=folder)
    assert kept.returncode == 0, kept.stderr
    assert "refit" not in kept.stdout
    refit = stir.io.read(folder / "capped.safetensors")
    early = stir.io.read(folder / "kept.safetensors")
    assert "refit" not in early.metadata["stir_train"]
    assert json.dumps(early.metadata["stir_train"]["columns"]) == json.dumps(
        refit.metadata["stir_train"]["columns"])
    differs = [not np.array_equal(refit.state_dict[name], early.state_dict[name])
               for name in early.state_dict]
    assert any(differs)  # trained on 60 more rows


def test_drop_takes_repeated_lists_and_names_holding_commas(tmp_path):
    rows = "".join(f"{i},{i % 3},{i * 7 % 5},{i % 2}\n" for i in range(30))
    (tmp_path / "odd.csv").write_text('id,"size, cm",x,y\n' + rows)
    result = run("train", "odd.csv", "--target", "y", "--drop", "id", "--drop", "size, cm",
                 "--epochs", 2, "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "data: left out: id, size, cm" in result.stdout
    assert "data: 1 number column: x" in result.stdout


def test_ctrl_c_then_resume_gives_the_uninterrupted_model_bit_for_bit(tmp_path):
    """Ctrl-C with no checkpoint yet (the default interval is 60 s) saves one after the
    step under way; `--resume` then ends with the very model an uninterrupted run saves."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(3000, 4)).round(3)
    y = np.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    (tmp_path / "long.csv").write_text(
        "a,b,c,d,y\n" + "".join(f"{','.join(map(str, x))},{t:.4f}\n" for x, t in zip(X, y)))
    # (all 60 epochs, about 4 500 steps: the Ctrl-C 0.1 s in lands in the run, not the refit)
    settings = ("--target", "y", "--epochs", 60, "--patience", 60, "--quiet", "--folds", 0)
    reference = run("train", "long.csv", *settings, "--out", "reference.safetensors",
                    cwd=tmp_path)
    assert reference.returncode == 0, reference.stderr
    # (0.1 s: a Ctrl-C before the first step ends is held until it has)
    status, stderr = interrupt(["train", "long.csv", *settings], tmp_path, "model:", 0.1)
    assert status == 130, stderr
    assert "stir train --resume long.checkpoint.safetensors continues the run" in stderr
    assert not (tmp_path / "long.safetensors").exists()
    step = stir.checkpoint.read(tmp_path / "long.checkpoint.safetensors")["fit"]["step"]
    assert step >= 1  # (a restart from scratch would give the same model: this is a resume)
    resumed = run("train", "--resume", "long.checkpoint.safetensors", "--quiet", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming the run of long.checkpoint.safetensors after its step {step}:" in \
        resumed.stdout
    ours = stir.io.read(tmp_path / "long.safetensors").state_dict
    theirs = stir.io.read(tmp_path / "reference.safetensors").state_dict
    assert list(ours) == list(theirs)
    for name in ours:
        assert np.array_equal(ours[name], theirs[name]), name
    report = [line for line in reference.stdout.splitlines() if line.startswith(
        ("trained", "validation", "refit"))]
    assert report == [line for line in resumed.stdout.splitlines() if line.startswith(
        ("trained", "validation", "refit"))]


def test_resume_refuses_other_options_a_changed_file_and_other_checkpoints(folder, shop):
    assert shop.returncode == 0, shop.stderr
    result = run("train", "--resume", "shop.checkpoint.safetensors", "--epochs", 5,
                 cwd=folder)
    assert result.returncode == 2
    assert "leave out --epochs (only --quiet and --force may come with it)" in result.stderr
    copy = folder / "copy"
    copy.mkdir(exist_ok=True)
    (copy / "shop.csv").write_text((folder / "shop.csv").read_text())
    trained = run("train", "shop.csv", "--target", "bought", "--drop", "id", "--epochs", 2,
                  "--quiet", cwd=copy)
    assert trained.returncode == 0, trained.stderr
    with open(copy / "shop.csv", "a") as file:
        file.write("c9999;40;Lyon;2020-01-01;3000;1\n")
    changed = run("train", "--resume", "shop.checkpoint.safetensors", cwd=copy)
    assert changed.returncode == 2 and "has changed since the checkpoint" in changed.stderr
    model = stir.nn.Linear(2, 1)
    stir.checkpoint.save(copy / "plain.ckpt", model=model)
    plain = run("train", "--resume", "plain.ckpt", cwd=copy)
    assert plain.returncode == 2 and "without the settings of a stir train run" in plain.stderr
    bare = run("train", cwd=copy)
    assert bare.returncode == 2 and "stir train DATA.csv --target COL" in bare.stderr
