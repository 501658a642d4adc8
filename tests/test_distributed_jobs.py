"""Jobs of several processes, started with mpiexec as a user starts them: fit and
DistributedDataParallel against the one-process run, DistributedSampler's cover of each
epoch, the collectives, a rank that dies, raises or exits, resuming a job bit for bit, and
`stir train --processes`. The programs each rank runs are in distributed_rank_programs.py.
Every job runs under a timeout; -n 3 and -n 4 oversubscribe this two-core machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="stir.distributed's jobs need mpi4py: "
                                     'pip install "stir[mpi]"')
from stir.distributed.launch import find_mpiexec  # noqa: E402

try:
    MPIEXEC = find_mpiexec()
except RuntimeError:
    pytest.skip("no mpiexec to start jobs with (the MPICH wheel: pip install mpich)",
                allow_module_level=True)

RANKS = Path(__file__).with_name("distributed_rank_programs.py")
ENV = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
       "PYTHONUNBUFFERED": "1"}


def job(processes: int, *arguments: str, timeout: float = 120, env: dict | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess:
    """mpiexec -n PROCESSES python distributed_rank_programs.py ARGUMENTS."""
    return subprocess.run([MPIEXEC, "-n", str(processes), sys.executable, str(RANKS),
                           *arguments], capture_output=True, text=True, timeout=timeout,
                          env=env or ENV, cwd=cwd)


def alone(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The same program in one process, without a launcher: the oracle."""
    env = {k: v for k, v in ENV.items() if k not in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE")}
    return subprocess.run([sys.executable, str(RANKS), *arguments], capture_output=True,
                          text=True, timeout=timeout, env=env)


def results(out: Path, processes: int) -> list[dict[str, np.ndarray]]:
    return [dict(np.load(f"{out}.{rank}.npz")) for rank in range(processes)]


def ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stdout + result.stderr


def max_difference(first: dict, second: dict, prefix: str) -> float:
    return max(float(np.abs(first[key] - second[key]).max()) for key in first
               if key.startswith(prefix))


@pytest.mark.parametrize("processes, batch", [(2, 16), (3, 7), (3, 2)])
def test_fit_on_n_ranks_is_the_one_process_run(tmp_path, processes, batch):
    """Identical parameters on every rank, and the one-process run's on the same global
    batches to 1e-6 (float64): 80 rows in batches of 16 (equal shards), 7 (a last batch of
    3 rows, one per rank) and 2 (a rank with no row of its own in every batch)."""
    ok(alone("fit", str(tmp_path / "one"), "--batch", str(batch)))
    ok(job(processes, "fit", str(tmp_path / "many"), "--batch", str(batch)))
    one, = results(tmp_path / "one", 1)
    ranks = results(tmp_path / "many", processes)
    assert int(ranks[0]["world"]) == processes and int(one["world"]) == 1
    for other in ranks[1:]:
        assert all((ranks[0][key] == other[key]).all() for key in ranks[0]), "ranks differ"
    assert max_difference(one, ranks[0], "param.") < 1e-6
    assert max_difference(one, ranks[0], "history.") < 1e-6
    assert max_difference(one, ranks[0], "losses") < 1e-6


def test_fit_refuses_ranks_given_different_rows(tmp_path):
    result = job(2, "fit", str(tmp_path / "f"), "--own-data")
    assert result.returncode == 1
    assert "x, y or validation_data differ from rank 0's" in result.stderr  # (either rank's)


@pytest.mark.parametrize("processes", [2, 4])
def test_ddp_loop_is_the_one_process_run(tmp_path, processes):
    """PyTorch's loop with DistributedSampler and DistributedDataParallel; the ranks start
    from different weights (DDP copies rank 0's) and share global batches of 12."""
    ok(job(1, "ddp", str(tmp_path / "one"), "--batch", "12"))
    ok(job(processes, "ddp", str(tmp_path / "many"), "--batch", "12"))
    one, = results(tmp_path / "one", 1)
    ranks = results(tmp_path / "many", processes)
    for other in ranks[1:]:
        assert all((ranks[0][key] == other[key]).all() for key in ranks[0])
    assert max_difference(one, ranks[0], "param.") < 1e-6


def test_the_sampler_covers_every_sample_once_per_epoch(tmp_path):
    ok(job(3, "sampler", str(tmp_path / "even"), "--samples", "12"))
    shares = [r["indices"] for r in results(tmp_path / "even", 3)]
    for epoch in range(3):
        assert sorted(np.concatenate([s[epoch] for s in shares]).tolist()) == list(range(12))
    assert not (shares[0][0] == shares[0][1]).all()  # set_epoch reshuffles
    ok(job(3, "sampler", str(tmp_path / "padded"), "--samples", "10"))
    padded = results(tmp_path / "padded", 3)
    for epoch in range(3):  # PyTorch's rule: 4 each, two indices taken twice
        seen = np.concatenate([r["indices"][epoch] for r in padded])
        assert len(seen) == 12 and set(seen.tolist()) == set(range(10))
    ok(job(3, "sampler", str(tmp_path / "dropped"), "--samples", "10", "--drop-last"))
    dropped = results(tmp_path / "dropped", 3)
    seen = np.concatenate([r["indices"][0] for r in dropped])
    assert len(seen) == 9 == len(set(seen.tolist()))


def test_collectives_on_three_ranks(tmp_path):
    ok(job(3, "collectives", str(tmp_path / "c")))
    for rank, found in enumerate(results(tmp_path / "c", 3)):
        assert found["SUM"].tolist() == [6.0, -6.0, 1.5]
        assert found["AVG"].tolist() == [2.0, -2.0, 0.5]
        assert found["MAX"].tolist() == [3.0, 0.0, 0.5]
        assert found["MIN"].tolist() == [1.0, -4.0, 0.5]
        assert found["PRODUCT"].tolist() == [6.0, 0.0, 0.125]
        assert found["view"].tolist() == [[3.0, 3.0], [3.0, 3.0]]
        assert found["broadcast"].tolist() == [2.0, 2.0, 2.0]
        assert found["gather"].tolist() == [[0, 0], [1, 10], [2, 20]]


@pytest.mark.parametrize("fail, seconds, code, says", [
    ("kill", 30, None, "Killed"),
    ("raise", 30, 1, "stir.distributed: rank 1 of 2: its script raised ValueError"),
    ("exit", 30, None, "waited 2 s for the other ranks, which have stopped"),
])
def test_a_rank_that_fails_ends_the_job(tmp_path, fail, seconds, code, says):
    """Killed (the launcher sees it), raising (the excepthook aborts) or exiting cleanly
    mid-training (the others' bounded wait gives up): the job ends with an error status
    and a line saying so, well within the timeout, never a hang."""
    started = time.monotonic()
    result = job(2, "fit", str(tmp_path / "f"), "--fail", fail, "--at", "3",
                 timeout=seconds + 30, env={**ENV, "STIR_DISTRIBUTED_TIMEOUT": "2"})
    elapsed = time.monotonic() - started
    assert result.returncode != 0 and (code is None or result.returncode == code)
    assert says in result.stdout + result.stderr
    assert elapsed < seconds


def test_a_job_resumes_bit_for_bit(tmp_path):
    """A 2-process run's checkpoint from mid-epoch, resumed by 2 processes, ends exactly
    as the run that never stopped; resumed by one process, the same to rounding."""
    pattern = str(tmp_path / "ck{step}.ckpt")
    ok(job(2, "fit", str(tmp_path / "full"), "--steps", "22", "--checkpoint", pattern,
           "--every-steps", "3"))
    assert (tmp_path / "ck9.ckpt").exists()  # step 9: mid-epoch (5 batches per epoch)
    ok(job(2, "fit", str(tmp_path / "resumed"), "--steps", "22", "--resume",
           str(tmp_path / "ck9.ckpt")))
    full, = results(tmp_path / "full", 1)
    for resumed in results(tmp_path / "resumed", 2):
        for key in full:
            expected = full[key][9:] if key == "losses" else full[key]
            assert np.array_equal(resumed[key], expected), key
    ok(alone("fit", str(tmp_path / "alone"), "--steps", "22", "--resume",
             str(tmp_path / "ck9.ckpt")))
    single, = results(tmp_path / "alone", 1)
    assert max_difference(full, single, "param.") < 1e-9


def test_sweep_through_mpi_pool_executor(tmp_path):
    """stir.sweep with mpi4py.futures' MPIPoolExecutor: workers on the ranks of a job."""
    script = tmp_path / "sweep_job.py"
    script.write_text(
        "import json, sys, stir\n"
        "from mpi4py.futures import MPIPoolExecutor\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_sweep import train_xor\n"
        "if __name__ == '__main__':\n"
        "    with MPIPoolExecutor() as pool:\n"
        "        rows = stir.sweep(train_xor, {'lr': [0.05, 0.5], 'width': [4, 16]},\n"
        "                          executor=pool, verbose=0)\n"
        "    print(json.dumps([[r['lr'], r['width'], r['val_loss']] for r in rows]))\n")
    result = subprocess.run([MPIEXEC, "-n", "3", sys.executable, "-m", "mpi4py.futures",
                             str(script)], capture_output=True, text=True, timeout=120,
                            env=ENV, cwd=tmp_path)
    ok(result)
    import json
    import stir
    from test_sweep import train_xor

    found = json.loads(result.stdout.strip().splitlines()[-1])
    serial = stir.sweep(train_xor, {"lr": [0.05, 0.5], "width": [4, 16]},
                        executor=InProcess(), verbose=0)
    assert found == [[r["lr"], r["width"], r["val_loss"]] for r in serial]


class InProcess:
    """An executor that runs each call at once, in this process."""

    def submit(self, fn, *args, **kwargs):
        from concurrent.futures import Future
        future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


# ------------------------------------------------------------------ stir train --processes
def write_table(path: Path, rows: int = 400, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4))
    label = np.where(x[:, 0] * x[:, 1] + x[:, 2] > 0, "yes", "no")
    lines = ["a,b,c,d,label"] + [",".join(f"{v:.5f}" for v in row) + f",{t}"
                                 for row, t in zip(x, label)]
    path.write_text("\n".join(lines) + "\n")


def stir_train(*arguments: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stir", "train", *arguments], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=ENV)


def weights(path: Path) -> dict[str, np.ndarray]:
    import stir
    return {k: v.numpy() for k, v in stir.load(path).state_dict().items()}


def test_stir_train_with_processes_is_the_one_process_run(tmp_path):
    write_table(tmp_path / "t.csv")
    common = ["t.csv", "--target", "label", "--epochs", "6", "--quiet"]
    one = stir_train(*common, "--out", "one.safetensors", cwd=tmp_path)
    two = stir_train(*common, "--out", "two.safetensors", "--processes", "2", cwd=tmp_path)
    ok(one)
    ok(two)
    first, second = weights(tmp_path / "one.safetensors"), weights(tmp_path / "two.safetensors")
    assert max(float(np.abs(first[k] - second[k]).max()) for k in first) < 1e-5  # float32
    # Only rank 0 prints: the same report, once.
    lines = two.stdout.splitlines()
    assert len(lines) == len(one.stdout.splitlines())
    assert sum(line.startswith("saved the model to") for line in lines) == 1
    assert two.stderr == ""


def test_stir_train_with_processes_reports_bad_input_once(tmp_path):
    (tmp_path / "bad.csv").write_text("a,label\n1,yes\nx\n")
    result = stir_train("bad.csv", "--target", "label", "--processes", "2", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "stir train: error: bad.csv: line 3: expected 2 values (one per column of the "
        "header), got 1"]
    assert "BAD TERMINATION" not in result.stdout


def test_ctrl_c_of_a_job_then_resume_is_the_uninterrupted_run(tmp_path):
    """Ctrl-C reaches every rank through mpiexec; the ranks stop after the same step, rank
    0 writes the checkpoint, and `--resume` with --processes 2 finishes the run exactly as
    the uninterrupted one did."""
    write_table(tmp_path / "t.csv", rows=1500)
    common = ["--target", "label", "--epochs", "8", "--batch-size", "8", "--quiet",
              "--no-refit", "--patience", "100", "--checkpoint-every", "0"]  # 1200 steps
    ok(stir_train("t.csv", *common, "--processes", "2", "--out", "full.safetensors",
                  cwd=tmp_path))
    child = subprocess.Popen([sys.executable, "-m", "stir", "train", "t.csv", *common,
                              "--processes", "2", "--out", "cut.safetensors"], cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    deadline = time.monotonic() + 60
    while not (tmp_path / "cut.checkpoint.safetensors").exists():  # epoch 1 is done: every
        assert time.monotonic() < deadline and child.poll() is None  # rank is training
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, out + err
    assert "stir train: interrupted; the last complete checkpoint" in err
    assert err.count("interrupted") == 1 and "BAD TERMINATION" not in out + err
    resumed = stir_train("--resume", "cut.checkpoint.safetensors", "--processes", "2",
                         "--quiet", cwd=tmp_path)
    ok(resumed)
    full, cut = weights(tmp_path / "full.safetensors"), weights(tmp_path / "cut.safetensors")
    assert all(np.array_equal(full[k], cut[k]) for k in full)
