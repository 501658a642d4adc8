"""stir.checkpoint (atomic, checksummed, every part restored) and fit's ModelCheckpoint."""

import os

import numpy as np
import pytest

import stir
from stir import checkpoint, nn, optim
from stir.io import ModelFormatError
from stir.io.atomic import write_atomic
from stir.training import ModelCheckpoint
import stir.nn.functional as F


def trained(steps=3, seed=0):
    stir.manual_seed(seed)
    model = nn.MLP([3, 4, 2])
    opt = optim.Adam(model.parameters(), lr=0.01)
    schedule = optim.StepLR(opt, step_size=2, gamma=0.5)
    x, y = stir.randn(8, 3), stir.tensor(np.arange(8) % 2)
    for _ in range(steps):
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        schedule.step()
    return model, opt, schedule, (x, y)


def test_a_checkpoint_restores_model_optimizer_schedule_and_random_state(tmp_path):
    model, opt, schedule, (x, y) = trained()
    path = checkpoint.save(tmp_path / "run.ckpt", model=model, optimizer=opt,
                           scheduler=schedule, epoch=7, history={"loss": [1.0, 0.5]},
                           best=(0.25, np.arange(3)))
    expected_draw = stir.randn(4).array
    fresh, fresh_opt, fresh_schedule, _ = trained(steps=0, seed=1)
    contents = checkpoint.load(path, model=fresh, optimizer=fresh_opt,
                               scheduler=fresh_schedule)
    assert np.array_equal(stir.randn(4).array, expected_draw)  # the random state came back
    assert contents["epoch"] == 7 and contents["history"] == {"loss": [1.0, 0.5]}
    assert contents["best"][0] == 0.25 and contents["best"][1].tolist() == [0, 1, 2]
    assert contents["version"] == stir.__version__
    for a, b in zip(model.parameters(), fresh.parameters()):
        assert np.array_equal(a.array, b.array)
    assert fresh_schedule.last_epoch == schedule.last_epoch
    assert fresh_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    # one more identical step on both gives identical weights: the Adam moments came back
    for model_, opt_ in ((model, opt), (fresh, fresh_opt)):
        opt_.zero_grad()
        F.cross_entropy(model_(x), y).backward()
        opt_.step()
    for a, b in zip(model.parameters(), fresh.parameters()):
        assert np.array_equal(a.array, b.array)


def test_a_checkpoint_that_does_not_fit_changes_nothing(tmp_path):
    model, opt, _, _ = trained()
    path = checkpoint.save(tmp_path / "run.ckpt", model=model, optimizer=opt)
    other = nn.MLP([3, 4, 2])
    before = [p.array.copy() for p in other.parameters()]
    wrong_optimizer = optim.SGD([other[0].weight], lr=0.1)  # fewer parameters than saved
    with pytest.raises(ModelFormatError, match="optimizer state does not fit"):
        checkpoint.load(path, model=other, optimizer=wrong_optimizer)
    assert all(np.array_equal(a, p.array) for a, p in zip(before, other.parameters()))
    with pytest.raises(ModelFormatError, match="holds no scheduler"):
        checkpoint.load(path, model=other, scheduler=optim.StepLR(opt, step_size=1))


def test_a_damaged_checkpoint_is_refused(tmp_path):
    model, opt, _, _ = trained()
    path = checkpoint.save(tmp_path / "run.ckpt", model=model, optimizer=opt)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFormatError, match="checksum"):
        checkpoint.load(path, model=model)
    model_file = stir.save(model, tmp_path / "model.safetensors")
    with pytest.raises(ModelFormatError, match="'model' file, not a checkpoint"):
        checkpoint.load(model_file)


@pytest.mark.parametrize("state, error, message", [
    ({"version": 1}, ValueError, "reserved"),
    ({"model": 1}, TypeError, "must be a stir.nn.Module"),
    ({"optimizer": 1}, TypeError, "state_dict"),
    ({"random": 1}, ValueError, "reserved"),
    ({"thing": object()}, TypeError, "cannot save object"),
    ({"thing": {(1, 2): 3}}, TypeError, "keys must be strings or integers"),
])
def test_save_refuses_state_it_cannot_store(state, error, message, tmp_path):
    with pytest.raises(error, match=message):
        checkpoint.save(tmp_path / "x.ckpt", **state)
    assert list(tmp_path.iterdir()) == []


def test_special_values_round_trip(tmp_path):
    state = {"counts": {0: 1, "a": 2}, "inf": float("inf"), "nan": float("nan"),
             "pair": (1, "x"), "flag": True, "nothing": None, "scalar": np.float32(2.5)}
    path = checkpoint.save(tmp_path / "x.ckpt", **state)
    back = checkpoint.load(path)
    assert back["counts"] == {0: 1, "a": 2} and back["pair"] == (1, "x")
    assert back["inf"] == float("inf") and np.isnan(back["nan"])
    assert back["flag"] is True and back["nothing"] is None and back["scalar"] == 2.5


def test_atomic_write_leaves_the_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = write_atomic(tmp_path / "f.bin", b"old")

    def broken_replace(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match=f"cannot write {path}: No space") as error:
        write_atomic(path, b"new")
    monkeypatch.undo()
    assert error.value.errno == 28
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]


def test_atomic_write_leaves_other_temp_files_alone(tmp_path):
    """A temp file may be a live writer's (another process's): only its maker removes it."""
    stale = tmp_path / ".f.bin.abc123.tmp"
    stale.write_bytes(b"half")
    unrelated = tmp_path / ".g.bin.abc.tmp"
    unrelated.write_bytes(b"other")
    write_atomic(tmp_path / "f.bin", b"new")
    assert sorted(os.listdir(tmp_path)) == [".f.bin.abc123.tmp", ".g.bin.abc.tmp", "f.bin"]
    assert stale.read_bytes() == b"half"


def test_atomic_write_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "f.bin", b"x")


def test_fit_checkpoints_every_n_epochs(tmp_path):
    stir.manual_seed(0)
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    saver = ModelCheckpoint(tmp_path / "e{epoch}.ckpt", every=2)
    stir.fit(model, F.mse_loss, opt, x, y, epochs=5, batch_size=8, callbacks=[saver],
             verbose=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e2.ckpt", "e4.ckpt"]
    assert saver.last_epoch == 4
    contents = checkpoint.load(tmp_path / "e4.ckpt", restore_random=False)
    assert contents["epoch"] == 4 and set(contents["logs"]) == {"loss", "lr"}
    assert contents["optimizer"]["state"][0]["momentum_buffer"].shape == (1, 2)


def test_model_checkpoint_checks_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="every"):
        ModelCheckpoint(tmp_path / "x.ckpt", every=0)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ModelCheckpoint(tmp_path / "missing" / "x.ckpt")
