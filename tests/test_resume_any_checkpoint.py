"""`fit(resume_from=...)` is exact from every checkpoint a run writes: after each optimizer
step (the last one included), after each epoch, and after a callback asked to stop.

A reference run with shuffling, dropout, metrics, validation, a learning-rate schedule and
early stopping saves a checkpoint after every step and every epoch. Resuming from each one
with freshly made objects must end with the same weights, optimizer state and History,
bit for bit (np.array_equal), as the run that never stopped.
"""

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.training import EarlyStopping, LRSchedulerCallback, ModelCheckpoint, fit

DATA = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
TARGET = (DATA[:, 0] * DATA[:, 1] > 0).astype(np.int64)
VALIDATION = (DATA[:20], 1 - TARGET[:20])  # flipped: its loss rises, so the run stops early


def parts():
    """A fresh model, optimizer, schedule and the callbacks that keep state."""
    stir.manual_seed(123)  # overwritten by the checkpoint when resuming
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
    optimizer = optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    schedule = optim.StepLR(optimizer, step_size=2, gamma=0.5)
    stopper = EarlyStopping("val_loss", patience=2)
    return model, optimizer, [stopper, LRSchedulerCallback(schedule)]


def train(folder, resume_from=None, **length):
    model, optimizer, callbacks = parts()
    if resume_from is None:
        callbacks += [ModelCheckpoint(folder / "step{step}.ckpt", every=None, every_steps=1),
                      ModelCheckpoint(folder / "epoch{epoch}.ckpt")]
    history = fit(model, F.cross_entropy, optimizer, DATA, TARGET, batch_size=16,
                  validation_data=VALIDATION, metrics=["accuracy"], callbacks=callbacks,
                  verbose=0, resume_from=resume_from, **length)
    return model, optimizer, history


def same_run(first, second):
    (model_a, opt_a, history_a), (model_b, opt_b, history_b) = first, second
    for (name, a), (_, b) in zip(model_a.state_dict().items(), model_b.state_dict().items()):
        assert np.array_equal(a.array, b.array), name
    state_a, state_b = opt_a.state_dict(), opt_b.state_dict()
    assert state_a["param_groups"] == state_b["param_groups"]
    for index, buffers in state_a["state"].items():
        assert np.array_equal(buffers["momentum_buffer"],
                              state_b["state"][index]["momentum_buffer"])
    assert history_a.epochs == history_b.epochs
    assert history_a.history == history_b.history


@pytest.mark.parametrize("length", [{"epochs": 12}, {"steps": 18}], ids=["epochs", "steps"])
def test_resuming_from_every_checkpoint_of_a_run_is_exact(length, tmp_path):
    reference = train(tmp_path, **length)
    checkpoints = sorted(tmp_path.glob("*.ckpt"))
    steps = sorted(int(p.stem[4:]) for p in checkpoints if p.stem.startswith("step"))
    assert steps == list(range(1, steps[-1] + 1))  # a checkpoint after every step, the last too
    if "epochs" in length:
        assert len(reference[2]) < 12, "early stopping should have ended this run"
    for path in checkpoints:
        same_run(reference, train(tmp_path / "unused", resume_from=path, **length))


def test_the_final_steps_checkpoint_keeps_the_last_epoch(tmp_path):
    """The case the outside check found: History [1, 2] instead of [1, 2, 3]."""
    model, optimizer, _ = parts()
    saver = ModelCheckpoint(tmp_path / "last.ckpt", every=None, every_steps=1)
    history = fit(model, F.cross_entropy, optimizer, DATA, TARGET, batch_size=16, epochs=3,
                  callbacks=[saver], verbose=0)
    model, optimizer, _ = parts()
    resumed = fit(model, F.cross_entropy, optimizer, DATA, TARGET, batch_size=16, epochs=3,
                  verbose=0, resume_from=tmp_path / "last.ckpt")
    assert resumed.epochs == history.epochs == [1, 2, 3]
    assert resumed.history == history.history


class SaveNowAfterStep(stir.training.Callback):
    """Calls a saver's save_now() after one chosen step, as stir train's Ctrl-C does."""

    def __init__(self, saver, step):
        self.saver, self.step = saver, step

    def on_batch_end(self, step, logs):
        if step == self.step:
            self.saver.save_now()


def run_with(callbacks_after, resume_from=None):
    model, optimizer, callbacks = parts()
    history = fit(model, F.cross_entropy, optimizer, DATA, TARGET, batch_size=16, epochs=12,
                  validation_data=VALIDATION, metrics=["accuracy"],
                  callbacks=[*callbacks, *callbacks_after], verbose=0, resume_from=resume_from)
    return model, optimizer, history


@pytest.mark.parametrize("step", [1, 3, 4, 8])
def test_save_now_between_two_steps_resumes_exactly(step, tmp_path):
    """save_now() mid-epoch (steps 1, 3) and after an epoch's last step (4 steps an epoch:
    4, 8), as stir train's Ctrl-C calls it: the resumed run is the reference, bit for bit."""
    reference = run_with([])
    saver = ModelCheckpoint(tmp_path / "now{step}.ckpt", every=None)
    run_with([SaveNowAfterStep(saver, step), saver])
    path = tmp_path / f"now{step}.ckpt"
    assert stir.checkpoint.read(path)["fit"]["step"] == step
    same_run(reference, run_with([], resume_from=path))


@pytest.mark.parametrize("seconds", [0, 3600])
def test_timed_checkpoints_each_epoch_or_only_at_the_end_with_the_callers_state(seconds,
                                                                                tmp_path):
    saver = ModelCheckpoint(tmp_path / "epoch{epoch}.ckpt", every=None, every_seconds=seconds,
                            state={"settings": {"lr": 0.2}})
    history = run_with([saver])[2]
    written = sorted(int(p.stem[5:]) for p in tmp_path.glob("*.ckpt"))
    assert written == (history.epochs if seconds == 0 else [len(history)])
    last = stir.checkpoint.read(tmp_path / f"epoch{len(history)}.ckpt")
    assert last["settings"] == {"lr": 0.2} and last["epoch"] == len(history)
