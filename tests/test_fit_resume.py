"""Bit-exact resume: 2N steps in one run equal N steps, a checkpoint, and N more steps in a
new process, to the last bit, with shuffling, dropout, RReLU, a schedule and momentum or
Adam; and two runs from the same seed are identical.

(Across machines, NumPy builds or BLAS thread counts only agreement to about 1e-5 is
promised: floating-point sums may be taken in another order there.)
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

import stir

SCRIPT = Path(__file__).with_name("fit_resume_run.py")
SRC = os.path.dirname(os.path.dirname(stir.__file__))
N = 10  # 50 samples in batches of 8: 7 steps an epoch, so step 10 is inside epoch 2


def run(*arguments):
    result = subprocess.run([sys.executable, str(SCRIPT), *map(str, arguments)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": SRC})
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_resuming_in_a_new_process_continues_bit_for_bit(optimizer, tmp_path):
    run(optimizer, 2 * N, tmp_path / "whole.safetensors")
    checkpoint = tmp_path / "run.ckpt"
    run(optimizer, N, tmp_path / "first.safetensors", "--checkpoint-every", N,
        "--checkpoint", checkpoint)
    run(optimizer, 2 * N, tmp_path / "second.safetensors", "--resume", checkpoint)
    whole = load_file(tmp_path / "whole.safetensors")
    first = load_file(tmp_path / "first.safetensors")
    second = load_file(tmp_path / "second.safetensors")
    assert len(whole["losses"]) == 2 * N and len(first["losses"]) == N == len(second["losses"])
    assert np.array_equal(whole["losses"], np.concatenate([first["losses"], second["losses"]]))
    params = [key for key in whole if key.startswith("param.")]
    assert params and all(np.array_equal(whole[key], second[key]) for key in params)
    # the History of the resumed run is the whole run's, epoch by epoch
    assert np.array_equal(whole["history_loss"], second["history_loss"])
    assert np.array_equal(whole["history_val_accuracy"], second["history_val_accuracy"])


def test_two_runs_from_the_same_seed_are_identical(tmp_path):
    run("adam", N, tmp_path / "a.safetensors")
    run("adam", N, tmp_path / "b.safetensors")
    a, b = load_file(tmp_path / "a.safetensors"), load_file(tmp_path / "b.safetensors")
    assert all(np.array_equal(a[key], b[key]) for key in a)


def test_a_checkpoint_without_fit_progress_cannot_resume(tmp_path):
    model = stir.nn.Linear(2, 2)
    opt = stir.optim.SGD(model.parameters(), lr=0.1)
    path = stir.checkpoint.save(tmp_path / "plain.ckpt", model=model, optimizer=opt)
    with pytest.raises(stir.ModelFormatError, match="no fit progress"):
        stir.fit(model, stir.nn.functional.cross_entropy, opt, np.ones((4, 2)),
                 np.zeros(4, dtype=np.int64), epochs=1, verbose=0, resume_from=path)
