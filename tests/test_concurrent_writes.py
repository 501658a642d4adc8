"""Several writers, one folder: no save removes another's temporary file, so every save
succeeds and the file left is one writer's whole checkpoint.

(Before, each save swept every `.NAME.*.tmp` after its rename, another process's file in
flight too, and that process's rename then failed.)
"""

import multiprocessing
import os
import subprocess
import sys

import numpy as np
import pytest

import stir
from stir import checkpoint

SRC = os.path.dirname(os.path.dirname(stir.__file__))
SAVES = 300

pytestmark = pytest.mark.skipif(os.name != "posix", reason="forks processes (POSIX)")


def save_many(path, writer, results):
    """Save SAVES checkpoints to `path`; report the errors."""
    errors = []
    for index in range(SAVES):
        try:
            checkpoint.save(path, writer=writer, index=index,
                            weights=np.full(2000, index, dtype=np.float32))
        except Exception as error:  # counted, not raised: the parent reports them all
            errors.append(repr(error))
    results.put((writer, errors))


def test_two_processes_saving_to_one_path_never_fail(tmp_path):
    path = tmp_path / "run.ckpt"
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    writers = [context.Process(target=save_many, args=(path, writer, results))
               for writer in ("a", "b")]
    for process in writers:
        process.start()
    reports = dict(results.get(timeout=120) for _ in writers)
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    failed = {writer: errors for writer, errors in reports.items() if errors}
    assert not failed, {writer: (len(errors), errors[0]) for writer, errors in failed.items()}
    final = checkpoint.read(path)  # whole: header and SHA-256 check out
    assert final["writer"] in ("a", "b") and (final["weights"] == final["index"]).all()
    assert os.listdir(tmp_path) == ["run.ckpt"]  # each removed or renamed its own temps


def test_a_save_in_flight_is_not_removed_by_another_save(tmp_path):
    """Another process's temporary file, still being written (held open), survives our
    save, and its writer can then finish: its rename succeeds."""
    path = tmp_path / "run.ckpt"
    checkpoint.save(path, generation=1)
    in_flight = tmp_path / ".run.ckpt.x.tmp"
    with open(in_flight, "wb") as other:
        other.write(b"half of a checkpoint")
        other.flush()
        checkpoint.save(path, generation=2)
        assert in_flight.exists() and in_flight.read_bytes() == b"half of a checkpoint"
        assert checkpoint.read(path)["generation"] == 2
        other.truncate(0)
        other.seek(0)
        checkpoint.save(tmp_path / "theirs.ckpt", generation=3)
        other.write((tmp_path / "theirs.ckpt").read_bytes())
    os.replace(in_flight, path)  # the other writer finishes
    assert checkpoint.read(path)["generation"] == 3


def test_a_temp_file_a_kill_left_is_left_alone(tmp_path):
    """stir cannot tell a dead writer's temporary file from a live one's, so it keeps it;
    it is safe to delete by hand."""
    stale = tmp_path / ".f.bin.4242-abcd.tmp"
    stale.write_bytes(b"half")
    checkpoint.save(tmp_path / "f.bin", generation=1)
    assert sorted(os.listdir(tmp_path)) == [".f.bin.4242-abcd.tmp", "f.bin"]


ROUNDS = 5


def test_two_concurrent_train_runs_in_one_folder_both_succeed(tmp_path):
    """Outputs whose names extend each other (model, model.v2; their checkpoints
    model.checkpoint and model.checkpoint.v2): the old sweep of `.model.*.tmp` took the
    other run's files in flight."""
    rng = np.random.default_rng(0)
    with open(tmp_path / "data.csv", "w") as file:
        file.write("a,b,y\n")
        for x in rng.normal(size=(40, 2)).round(3):
            file.write(f"{x[0]},{x[1]},{x.sum():.3f}\n")
    environment = {**os.environ, "PYTHONPATH": SRC}
    failures = []
    for round_ in range(ROUNDS):
        runs = [subprocess.Popen(
            [sys.executable, "-m", "stir", "train", "data.csv", "--target", "y", "--out", out,
             "--hidden", "4", "--epochs", "40", "--patience", "100", "--batch-size", "4",
             "--quiet"], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, env=environment) for out in ("model", "model.v2")]
        for run in runs:
            _, stderr = run.communicate(timeout=120)
            if run.returncode != 0:
                failures.append((round_, run.returncode, stderr.strip()))
    assert not failures, failures
    for name in ("model", "model.v2"):
        stir.load(tmp_path / name)
        checkpoint.read(tmp_path / name.replace("model", "model.checkpoint"))
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
