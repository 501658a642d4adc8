"""Atomic checkpoints under fault injection: a writer killed with SIGKILL at random moments,
200 times, always leaves a checkpoint that loads with a valid checksum (the previous one or
the new one, whole) and at most one temporary file, which no later save removes (only its
maker may: stir cannot tell a dead writer's from a live one's); a full disk leaves the old
file and no temporary file."""

import errno
import os
import signal
import time

import numpy as np
import pytest

import stir
from stir import checkpoint
from stir.io import atomic

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")

TRIALS = 200


def content(version):
    """Checkpoint `version`: 1 MB of a value that says which version it is."""
    return {"generation": version, "weights": np.full(250_000, version, dtype=np.float32)}


def check_whole(path, allowed):
    loaded = checkpoint.read(path)  # verifies the header and the SHA-256
    version = loaded["generation"]
    assert version in allowed
    assert (loaded["weights"] == version).all()
    return version


def writer(path, first_version):
    """The child: save versions first_version, first_version + 1, ... as fast as it can."""
    version = first_version
    while True:
        checkpoint.save(path, **content(version))
        version += 1


def save_seconds(path, repeats=5):
    """The median time of one save on this machine's disk, now (CI's disk is several times
    slower than a workstation's, so a fixed kill window would hit before the first save)."""
    checkpoint.save(path, **content(0))  # the first save warms the page cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        checkpoint.save(path, **content(0))
        times.append(time.perf_counter() - start)
    return sorted(times)[repeats // 2]


def test_sigkill_at_random_moments_never_leaves_a_torn_checkpoint(tmp_path):
    path = tmp_path / "run.ckpt"
    # Kill moments spread over about four saves: most kills find some saves complete (so
    # many versions survive) and many land inside one (so temporary files are left).
    window = max(0.02, 4 * save_seconds(path))
    rng = np.random.default_rng(0)
    newest, survivors, temps_left = 0, set(), 0
    for trial in range(TRIALS):
        ready, started = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child never returns into pytest
            try:
                os.write(started, b"!")
                writer(path, newest + 1)
            finally:
                os._exit(0)
        os.close(started)
        os.read(ready, 1)  # the kill's moment counts from when the child runs, however busy
        os.close(ready)    # the machine is (a slow fork must not use up the window)
        time.sleep(float(rng.uniform(0, window)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        # Whatever the moment of the kill: a complete checkpoint, no older than the last one
        # seen, and no newer than any the child could have started.
        version = check_whole(path, allowed=range(newest, newest + 10_000))
        survivors.add(version)
        newest = version
        # Saves in the children can be slower than the measured median (CI's fsyncs vary
        # several-fold): when most kills so far came before a child's first save finished,
        # kill later, up to a second.
        if trial >= 10 and len(survivors) < 0.6 * (trial + 1):
            window = min(1.0, window * 1.2)
        temps = [name for name in os.listdir(tmp_path) if name.endswith(atomic.TEMP_SUFFIX)]
        assert len(temps) <= 1, temps  # the dead writer's one save in flight, if any
        assert all(name.startswith(f".run.ckpt.{pid}-") for name in temps)
        temps_left += len(temps)
        for name in temps:  # as the docs say a user may, once no save is running
            os.remove(tmp_path / name)
    assert len(survivors) > TRIALS // 2  # the kills landed while writing went on
    assert temps_left > 0  # some kills did land mid-write
    stale = tmp_path / ".run.ckpt.1-dead.tmp"
    stale.write_bytes(b"a dead writer's half")
    checkpoint.save(path, **content(newest + 1))
    assert sorted(os.listdir(tmp_path)) == [stale.name, "run.ckpt"]  # not swept: not ours
    assert check_whole(path, allowed={newest + 1}) == newest + 1
    print(f"{TRIALS} kills within {window * 1e3:.0f} ms at the end; {len(survivors)} distinct "
          f"versions survived; a temporary file was left behind after {temps_left} of them")


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_full_disk_leaves_the_old_checkpoint(failing, tmp_path, monkeypatch):
    path = checkpoint.save(tmp_path / "run.ckpt", **content(1))
    full = OSError(errno.ENOSPC, "No space left on device")

    def refuse(*args, **kwargs):
        raise full

    if failing == "write":
        real_write = os.write

        def half_written(descriptor, data):  # the disk fills up halfway through the file
            real_write(descriptor, bytes(data)[:len(data) // 2])
            raise full

        monkeypatch.setattr(os, "write", half_written)
    else:
        monkeypatch.setattr(os, failing, refuse)
    with pytest.raises(OSError, match=f"cannot write {path}: No space left") as error:
        checkpoint.save(path, **content(2))
    monkeypatch.undo()
    assert error.value.errno == errno.ENOSPC
    assert os.listdir(tmp_path) == ["run.ckpt"]
    assert check_whole(path, allowed={1}) == 1
