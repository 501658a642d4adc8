"""`stir train` and `stir predict` never destroy what they were given, and say why they refuse.

An output that is the same file as an input (by `os.path.samefile`, so through symlinks and
hard links) or as the other output exits 2 before any work, even with --force; an existing
file of another kind is replaced only with --force; a missing or read-only output folder is
found before training; a full disk is one line naming the file. `write_atomic` keeps an
existing file's mode, gives a new one the umask's, and writes through a symlink as `cp` does.

Most cases run `stir.cli.main` in-process (fast; the exit status is main's return value);
a few run `python -m stir` as a user would.
"""

import csv
import errno
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

import stir
import stir.cli
from stir.io.atomic import write_atomic
from stir.io.stir_files import stir_kind

SRC = os.path.dirname(os.path.dirname(stir.__file__))
QUICK = ("--epochs", "1", "--hidden", "4", "--quiet")


def write_csv(path, header=("a", "b", "y"), rows=40, seed=0):
    X = np.random.default_rng(seed).normal(size=(rows, 2)).round(3)
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows([[*x, round(float(x.sum()), 3)] for x in X])
    return path


def main(capsys, *arguments):
    """Run `stir ARGUMENTS` in-process: (exit status, stdout, stderr)."""
    status = stir.cli.main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def one_line(stderr):
    assert stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    return stderr


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A fresh current folder with data.csv (features a, b; target y)."""
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "data.csv")
    return tmp_path


@pytest.fixture
def model(folder, capsys):
    """model.safetensors, trained on data.csv."""
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out",
                          "model.safetensors", *QUICK)
    assert status == 0, err
    return folder / "model.safetensors"


# --- an output that is an input ----------------------------------------------------------

def test_train_out_equal_to_the_csv_exits_2_and_keeps_the_csv(folder, capsys):
    before = (folder / "data.csv").read_bytes()
    status, out, err = main(capsys, "train", "data.csv", "--target", "y", "--out", "data.csv",
                            *QUICK)
    assert status == 2
    assert "--out data.csv is the input CSV data.csv" in one_line(err)
    assert (folder / "data.csv").read_bytes() == before
    assert out == ""  # refused before reading the data or training
    assert sorted(os.listdir(folder)) == ["data.csv"]


def test_train_checkpoint_equal_to_the_csv_exits_2_before_training(folder, capsys):
    before = (folder / "data.csv").read_bytes()
    status, out, err = main(capsys, "train", "data.csv", "--target", "y", "--checkpoint",
                            "data.csv", *QUICK)
    assert status == 2 and out == ""
    assert "--checkpoint data.csv is the input CSV data.csv" in one_line(err)
    assert (folder / "data.csv").read_bytes() == before
    assert sorted(os.listdir(folder)) == ["data.csv"]


def test_the_default_out_is_refused_when_it_is_the_csv(folder, capsys):
    """A CSV named x.safetensors: the default --out (x.safetensors here) is the CSV."""
    write_csv(folder / "x.safetensors")
    before = (folder / "x.safetensors").read_bytes()
    status, _, err = main(capsys, "train", "x.safetensors", "--target", "y", *QUICK)
    assert status == 2
    assert "the default --out x.safetensors is the input CSV x.safetensors" in one_line(err)
    assert (folder / "x.safetensors").read_bytes() == before


def test_an_input_is_refused_even_with_force(folder, capsys):
    before = (folder / "data.csv").read_bytes()
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out", "data.csv",
                          "--force", *QUICK)
    assert status == 2 and "even with --force" in one_line(err)
    assert (folder / "data.csv").read_bytes() == before


@pytest.mark.parametrize("link", ["symlink", "hard link", "another spelling"])
def test_the_same_file_under_another_name_is_refused(folder, capsys, link):
    name = {"symlink": "alias.csv", "hard link": "alias.csv",
            "another spelling": f"../{folder.name}/data.csv"}[link]
    if link == "symlink":
        os.symlink("data.csv", folder / "alias.csv")
    elif link == "hard link":
        os.link(folder / "data.csv", folder / "alias.csv")
    before = (folder / "data.csv").read_bytes()
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out", name,
                          "--force", *QUICK)
    assert status == 2 and f"--out {name} is the input CSV data.csv" in one_line(err)
    assert (folder / "data.csv").read_bytes() == before


def test_out_and_checkpoint_may_not_be_one_file(folder, capsys):
    other = f"../{folder.name}/m.st"  # neither exists yet
    status, out, err = main(capsys, "train", "data.csv", "--target", "y", "--out", "m.st",
                            "--checkpoint", other, *QUICK)
    assert status == 2 and out == ""
    assert f"--checkpoint {other} and --out m.st are the same file" in one_line(err)
    assert not (folder / "m.st").exists()


def test_predict_out_equal_to_the_model_exits_2_and_keeps_the_model(model, capsys):
    before = model.read_bytes()
    status, out, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out",
                            "model.safetensors", "--force")
    assert status == 2 and out == ""
    assert "--out model.safetensors is the model model.safetensors" in one_line(err)
    assert model.read_bytes() == before
    stir.load(model)  # still the whole model


def test_predict_out_equal_to_the_csv_exits_2(model, capsys):
    before = (model.parent / "data.csv").read_bytes()
    status, _, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out",
                          "data.csv")
    assert status == 2 and "--out data.csv is the input CSV data.csv" in one_line(err)
    assert (model.parent / "data.csv").read_bytes() == before


def test_a_user_sees_the_refusal_as_exit_2_and_one_line(folder):
    """The same through the real command: `python -m stir`."""
    before = (folder / "data.csv").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "stir", "train", "data.csv", "--target", "y", "--out",
         "data.csv", *QUICK], cwd=folder, capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHONPATH": SRC})
    assert result.returncode == 2 and result.stdout == ""
    assert one_line(result.stderr).startswith("stir train: error: --out data.csv is the input")
    assert (folder / "data.csv").read_bytes() == before


def test_checkpoint_is_a_literal_path_even_with_braces(folder, capsys):
    """The checks above are about the path given, so that is the path written: braces are
    not a template (before, "{x}" was a KeyError and "{epoch}" one file per epoch)."""
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--checkpoint",
                          "c{x}{epoch}.ckpt", *QUICK)
    assert status == 0, err
    assert stir_kind(folder / "c{x}{epoch}.ckpt") == "checkpoint"


# --- an existing output of another kind --------------------------------------------------

def test_train_replaces_a_model_but_not_other_files_without_force(model, capsys):
    (model.parent / "notes.txt").write_text("my notes\n")
    checkpoint = model.parent / "model.checkpoint.safetensors"
    assert stir_kind(checkpoint) == "checkpoint"
    cases = [("--out", "notes.txt", "is not a stir model file"),
             ("--out", checkpoint.name, "is not a stir model file"),
             ("--checkpoint", "model.safetensors", "is not a stir checkpoint"),
             ("--checkpoint", "notes.txt", "is not a stir checkpoint")]
    for option, name, message in cases:
        before = (model.parent / name).read_bytes()
        extra = ("--out", "other.safetensors") if option == "--checkpoint" else ()
        status, out, err = main(capsys, "train", "data.csv", "--target", "y", option, name,
                                *extra, *QUICK)
        assert status == 2 and out == "", (option, name)
        assert f"{option} {name} exists and {message}" in one_line(err)
        assert "--force" in err
        assert (model.parent / name).read_bytes() == before
    # A model replaces a model, and a checkpoint a checkpoint: training again just works.
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out",
                          "model.safetensors", *QUICK)
    assert status == 0, err


def test_force_lets_train_replace_a_file_of_another_kind(folder, capsys):
    (folder / "notes.txt").write_text("my notes\n")
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out", "notes.txt",
                          "--force", *QUICK)
    assert status == 0, err
    assert stir_kind(folder / "notes.txt") == "model"


def test_an_empty_file_may_be_replaced(folder, capsys):
    (folder / "empty.safetensors").touch()  # as `mktemp` makes it: nothing to lose
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out",
                          "empty.safetensors", *QUICK)
    assert status == 0, err


def test_a_folder_at_out_is_refused_even_with_force(folder, capsys):
    (folder / "results").mkdir()
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out", "results",
                          "--force", *QUICK)
    assert status == 2 and "--out results is a folder" in one_line(err)


def test_predict_replaces_its_own_predictions_but_not_other_files(model, capsys):
    """What predict may replace without --force: a text file whose header is the model's
    target column, optionally followed by probability_... columns."""
    status, _, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out", "p.csv")
    assert status == 0, err
    status, _, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out", "p.csv")
    assert status == 0, err  # its own earlier output
    write_csv(model.parent / "other.csv", seed=1)  # a data file: header a,b,y
    stir.save(stir.nn.Linear(1, 1), model.parent / "plain.safetensors")
    for name in ("other.csv", "model.checkpoint.safetensors", "plain.safetensors"):
        before = (model.parent / name).read_bytes()
        status, out, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out",
                                name)
        assert status == 2 and out == "", name
        assert f"--out {name} exists and is not a predictions CSV" in one_line(err)
        assert (model.parent / name).read_bytes() == before
    status, _, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out",
                          "other.csv", "--force")
    assert status == 0, err
    assert (model.parent / "other.csv").read_text().startswith("y\n")


# --- output folders, checked before training ---------------------------------------------

@pytest.mark.parametrize("option", ["--out", "--checkpoint"])
def test_a_missing_output_folder_is_found_before_training(folder, capsys, option):
    status, out, err = main(capsys, "train", "data.csv", "--target", "y", option,
                            "nowhere/m.safetensors", *QUICK)
    assert status == 2 and out == ""
    assert f"{option}: the folder nowhere does not exist" in one_line(err)


def test_a_file_where_the_folder_should_be_is_named(folder, capsys):
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out",
                          "data.csv/m.safetensors", *QUICK)
    assert status == 2 and "--out: data.csv is not a folder" in one_line(err)


@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_read_only_output_folder_is_found_first(model, capsys, monkeypatch, command):
    locked = model.parent / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: (
        False if os.path.realpath(path) == str(locked) and mode & os.W_OK
        else real_access(path, mode, **kw)))
    arguments = (["train", "data.csv", "--target", "y", *QUICK] if command == "train" else
                 ["predict", "model.safetensors", "data.csv"])
    status, out, err = main(capsys, *arguments, "--out", "locked/out")
    assert status == 2 and out == ""
    assert "--out: the folder locked is not writable" in one_line(err)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs a user whom a folder's permissions bind (not root)")
def test_a_really_read_only_folder(folder, capsys):
    locked = folder / "locked"
    locked.mkdir(mode=0o555)
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--checkpoint",
                          "locked/c", *QUICK)
    assert status == 2 and "--checkpoint: the folder locked is not writable" in one_line(err)


def test_predict_into_a_missing_folder_exits_2_before_predicting(model, capsys):
    status, out, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out",
                            "no/such/p.csv")
    assert status == 2 and out == ""
    assert "--out: the folder no/such does not exist" in one_line(err)


# --- arguments and full disks ------------------------------------------------------------

@pytest.mark.parametrize("seed", ["-1", "1.5", "x"])
def test_seed_must_be_a_non_negative_integer(folder, capsys, seed):
    with pytest.raises(SystemExit) as exit_info:
        stir.cli.main(["train", "data.csv", "--target", "y", "--seed", seed])
    assert exit_info.value.code == 2
    assert "stir train: error: argument --seed: " in capsys.readouterr().err


def fail_writes(monkeypatch, name, error_number):
    """Make every os.write to a temporary file for `name` fail with `error_number`, after
    writing half of its bytes, as a disk that fills up does."""
    real_open, real_write, doomed = os.open, os.write, set()

    def opening(path, flags, *args, **kwargs):
        descriptor = real_open(path, flags, *args, **kwargs)
        if os.path.basename(path).startswith(f".{name}."):
            doomed.add(descriptor)
        return descriptor

    def writing(descriptor, data):
        if descriptor in doomed:
            real_write(descriptor, bytes(data)[:len(data) // 2])
            raise OSError(error_number, os.strerror(error_number))
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "open", opening)
    monkeypatch.setattr(os, "write", writing)


@pytest.mark.parametrize("error_number", [errno.ENOSPC, errno.EFBIG])
@pytest.mark.parametrize("which", ["model", "checkpoint"])
def test_a_full_disk_during_train_is_one_line_naming_the_file(model, capsys, monkeypatch,
                                                              which, error_number):
    name = "model.safetensors" if which == "model" else "model.checkpoint.safetensors"
    before = (model.parent / name).read_bytes()
    fail_writes(monkeypatch, name, error_number)
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out",
                          "model.safetensors", *QUICK)
    monkeypatch.undo()
    assert status == 1
    assert (f"stir train: error: cannot write {name}: {os.strerror(error_number)}"
            in one_line(err))
    assert (model.parent / name).read_bytes() == before
    assert not [n for n in os.listdir(model.parent) if n.endswith(".tmp")]


def test_a_full_disk_during_predict_is_one_line_naming_the_file(model, capsys, monkeypatch):
    status, _, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out", "p.csv")
    assert status == 0, err
    before = (model.parent / "p.csv").read_bytes()
    fail_writes(monkeypatch, "p.csv", errno.ENOSPC)
    status, _, err = main(capsys, "predict", "model.safetensors", "data.csv", "--out", "p.csv")
    monkeypatch.undo()
    assert status == 1
    assert "stir predict: error: cannot write p.csv: No space left on device" in one_line(err)
    assert (model.parent / "p.csv").read_bytes() == before


# --- write_atomic: modes, symlinks, errors -----------------------------------------------

@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_mode(tmp_path, umask, mode):
    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "f.bin", b"x")
        stir.save(stir.nn.Linear(1, 1), tmp_path / "m.safetensors")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(tmp_path / "f.bin").st_mode) == mode
    assert stat.S_IMODE(os.stat(tmp_path / "m.safetensors").st_mode) == mode


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o444])
def test_an_existing_file_keeps_its_mode(tmp_path, mode):
    path = write_atomic(tmp_path / "f.bin", b"old")
    os.chmod(path, mode)
    previous = os.umask(0o077)
    try:
        write_atomic(path, b"new")
    finally:
        os.umask(previous)
    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(path).st_mode) == mode


def test_a_symlink_is_written_through_as_cp_does(tmp_path):
    (tmp_path / "real").mkdir()
    target = write_atomic(tmp_path / "real" / "model.bin", b"old")
    os.symlink("real/model.bin", tmp_path / "link.bin")
    write_atomic(tmp_path / "link.bin", b"new")
    assert os.path.islink(tmp_path / "link.bin")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path / "real") == ["model.bin"]  # the temp was beside the target


def test_a_dangling_symlink_creates_its_target(tmp_path):
    os.symlink("made.bin", tmp_path / "link.bin")
    write_atomic(tmp_path / "link.bin", b"new")
    assert os.path.islink(tmp_path / "link.bin")
    assert (tmp_path / "made.bin").read_bytes() == b"new"


def test_train_writes_through_a_symlinked_out(model, capsys):
    os.symlink("model.safetensors", model.parent / "current.safetensors")
    status, _, err = main(capsys, "train", "data.csv", "--target", "y", "--out",
                          "current.safetensors", "--checkpoint", "c.ckpt", *QUICK)
    assert status == 0, err
    assert os.path.islink(model.parent / "current.safetensors")
    assert stir_kind(model) == "model"


@pytest.mark.parametrize("error_number", [errno.ENOSPC, errno.EFBIG, errno.EROFS,
                                          errno.EACCES])
@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failed_write_names_the_path_and_keeps_the_old_file(tmp_path, monkeypatch,
                                                              error_number, failing):
    path = write_atomic(tmp_path / "f.bin", b"old")

    def refuse(*args, **kwargs):
        raise OSError(error_number, os.strerror(error_number))

    if failing == "write":
        fail_writes(monkeypatch, "f.bin", error_number)
    else:
        monkeypatch.setattr(os, failing, refuse)
    with pytest.raises(OSError) as error:
        write_atomic(path, b"new")
    monkeypatch.undo()
    assert error.value.errno == error_number
    assert str(error.value) == f"cannot write {path}: {os.strerror(error_number)}"
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]
