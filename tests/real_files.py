"""Real files of every kind stir writes, and fresh objects to load each one into.

The structured fuzzer edits these; the hostile corpus starts its checkpoint cases from the
fit checkpoint. `Run` holds what a file is loaded into (model, optimizer, schedule, random
generators, fit's callbacks) and can take a snapshot of all of it, to check that a refused
file changed nothing.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.commands.trained_model import TrainedModel
from stir.data.csv_files import Standardizer
from stir.training import Callback, EarlyStopping, LRSchedulerCallback, ModelCheckpoint

# One layer of each kind an architecture can name (a test checks this covers RECIPES).
LAYER_EXAMPLES: dict[str, Callable[[], nn.Module]] = {
    "Linear": lambda: nn.Linear(3, 4), "Maxout": lambda: nn.Maxout(4, 4, pieces=2),
    "Embedding": lambda: nn.Embedding(5, 3, padding_idx=0),
    "Dropout": lambda: nn.Dropout(0.25), "Flatten": lambda: nn.Flatten(),
    "LeakyReLU": lambda: nn.LeakyReLU(0.02), "VeryLeakyReLU": lambda: nn.VeryLeakyReLU(),
    "PReLU": lambda: nn.PReLU(4), "RReLU": lambda: nn.RReLU(0.1, 0.3),
    "ELU": lambda: nn.ELU(0.5), "Softplus": lambda: nn.Softplus(2.0, 10.0),
    "APL": lambda: nn.APL(2, 4), "Softmax": lambda: nn.Softmax(-1),
    "LogSoftmax": lambda: nn.LogSoftmax(1), "GELU": lambda: nn.GELU("tanh"),
    **{name: getattr(nn, name) for name in ("Identity", "Step", "Sign", "Sigmoid", "Tanh",
                                            "ReLU", "CenteredSoftplus", "SiLU")},
    # The layers for images and sequences (saved, never run here: they need not chain).
    "Conv1d": lambda: nn.Conv1d(2, 3, 3, padding="same"),
    "Conv2d": lambda: nn.Conv2d(1, 2, (3, 2), stride=2, groups=1, bias=False),
    "ConvTranspose1d": lambda: nn.ConvTranspose1d(2, 2, 3, stride=2, output_padding=1),
    "ConvTranspose2d": lambda: nn.ConvTranspose2d(2, 1, 2, dilation=(1, 2)),
    "MaxPool1d": lambda: nn.MaxPool1d(2), "MaxPool2d": lambda: nn.MaxPool2d((2, 3), padding=1),
    "AvgPool1d": lambda: nn.AvgPool1d(3, stride=1),
    "AvgPool2d": lambda: nn.AvgPool2d(2, divisor_override=3),
    "AdaptiveAvgPool1d": lambda: nn.AdaptiveAvgPool1d(2),
    "AdaptiveAvgPool2d": lambda: nn.AdaptiveAvgPool2d((None, 2)),
    "BatchNorm1d": lambda: nn.BatchNorm1d(3, momentum=None),
    "BatchNorm2d": lambda: nn.BatchNorm2d(2, affine=False),
    "LayerNorm": lambda: nn.LayerNorm((2, 3)), "GroupNorm": lambda: nn.GroupNorm(2, 4),
    "Dropout1d": lambda: nn.Dropout1d(0.1), "Dropout2d": lambda: nn.Dropout2d(0.2),
    "Unflatten": lambda: nn.Unflatten(1, (2, -1)),
    "Upsample": lambda: nn.Upsample(scale_factor=2.0, mode="bilinear"),
    "RNN": lambda: nn.RNN(2, 3, nonlinearity="relu"),
    "LSTM": lambda: nn.LSTM(2, 2, num_layers=2, bidirectional=True),
    "GRU": lambda: nn.GRU(2, 2, batch_first=True, bias=False),
    "RNNCell": lambda: nn.RNNCell(2, 2), "LSTMCell": lambda: nn.LSTMCell(2, 2),
    "GRUCell": lambda: nn.GRUCell(2, 3),
}

LAYERS_PER_FILE = 12

# How far a resumed fit got when it raised: a TrainingError (a diverging run) is the file's
# fault only before training.
TRAINING = "training after the resume"

# fit's run: 64 samples in batches of 16, so step 6 is in the middle of epoch 2.
SAMPLES, BATCH, EPOCHS, CHECKPOINT_STEP = 64, 16, 2, 6


class Doubler(nn.Module):
    """A layer of the user's own: saved as weights only, loaded with model=."""

    def __init__(self) -> None:
        super().__init__()
        self.layer = nn.Linear(3, 2)

    def forward(self, x: stir.Tensor) -> stir.Tensor:
        return 2 * self.layer(x)


class _Phase(Callback):
    """First of a resumed run's callbacks: records how far fit got, for failure messages."""

    def __init__(self, run: Run) -> None:
        self.run = run

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        self.run.phase = "restoring callback states or the first step"

    def on_batch_end(self, step: int, logs: dict[str, float]) -> None:
        self.run.phase = TRAINING


@dataclass
class Run:
    """What a file is loaded into; `callbacks` non-empty means a fit run to resume."""

    model: nn.Module
    optimizer: Any = None
    scheduler: Any = None
    generators: dict[str, stir.Generator] = field(default_factory=dict)
    callbacks: list[Callback] = field(default_factory=list)
    phase: str = ""

    def resume(self, path: Path) -> None:
        self.phase = "reading and restoring the checkpoint"
        x, y = fit_data()
        stir.fit(self.model, F.cross_entropy, self.optimizer, x, y, epochs=EPOCHS,
                 batch_size=BATCH, validation_data=(x[:BATCH], y[:BATCH]),
                 metrics=["accuracy"], callbacks=[_Phase(self), *self.callbacks], verbose=0,
                 generator=self.generators["fit"], resume_from=path)

    def snapshot(self) -> dict[str, Any]:
        """Copies of every state a load may change."""
        state: dict[str, Any] = {"model": {key: tensor.array.copy() for key, tensor
                                           in self.model.state_dict().items()}}
        if self.optimizer is not None:
            state["optimizer"] = self.optimizer.state_dict()
        if self.scheduler is not None:
            state["scheduler"] = self.scheduler.state_dict()
        state["random"] = {name: g.get_state() for name, g in self.all_generators().items()}
        return state

    def all_generators(self) -> dict[str, stir.Generator]:
        """The default generator, the given ones and the model's layers' own."""
        return {"default": stir.default_generator, **self.generators,
                **{name: module.generator for name, module in self.model.named_modules()
                   if isinstance(getattr(module, "generator", None), stir.Generator)}}

    def restore(self, state: dict[str, Any]) -> None:
        """Put back what `snapshot` took."""
        self.model.load_state_dict(state["model"])
        if self.optimizer is not None:
            self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        for name, generator in self.all_generators().items():
            generator.set_state(state["random"][name])


def differences(before: Any, after: Any, where: str = "") -> list[str]:
    """Where `after` differs from `before`: values, types, dtypes and shapes, exactly."""
    if type(before) is not type(after):
        return [f"{where}: {type(before).__name__} became {type(after).__name__}"]
    if isinstance(before, np.ndarray):
        same = (before.dtype == after.dtype and before.shape == after.shape
                and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
        return [] if same else [f"{where}: the array changed"]
    if isinstance(before, dict):
        if list(before) != list(after):
            return [f"{where}: keys {list(before)} became {list(after)}"]
        return [found for key in before
                for found in differences(before[key], after[key], f"{where}.{key}")]
    if isinstance(before, (list, tuple)):
        if len(before) != len(after):
            return [f"{where}: length {len(before)} became {len(after)}"]
        return [found for index, (a, b) in enumerate(zip(before, after))
                for found in differences(a, b, f"{where}[{index}]")]
    same = before == after or (_is_nan(before) and _is_nan(after))
    return [] if same else [f"{where}: {before!r} became {after!r}"]


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def fit_data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(SAMPLES, 2)).astype(np.float32)
    return x, (x[:, 0] > x[:, 1]).astype(np.int64)


def fit_run() -> Run:
    """A fresh model, Adam, StepLR, EarlyStopping and generators for `fit`."""
    model = nn.Sequential(nn.Linear(2, 8, generator=stir.Generator(7)), nn.ReLU(),
                          nn.Dropout(0.2, generator=stir.Generator(8)),
                          nn.Linear(8, 2, generator=stir.Generator(9)))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.StepLR(optimizer, step_size=1, gamma=0.9)
    callbacks = [EarlyStopping(monitor="val_loss", patience=3), LRSchedulerCallback(scheduler)]
    return Run(model, optimizer, scheduler, {"fit": stir.Generator(1)}, callbacks)


def sgd_run() -> Run:
    model = nn.MLP([3, 5, 2], generator=stir.Generator(2))
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return Run(model, optimizer, optim.StepLR(optimizer, step_size=2, gamma=0.5),
               {"data": stir.Generator(5)})


def adam_run() -> Run:
    model = nn.Sequential(nn.Linear(3, 4, generator=stir.Generator(3)),
                          nn.RReLU(generator=stir.Generator(4)),
                          nn.Dropout(0.1, generator=stir.Generator(6)),
                          nn.Linear(4, 2, generator=stir.Generator(5)))
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    return Run(model, optimizer, optim.ReduceLROnPlateau(optimizer, patience=0))


def _train(run: Run, steps: int) -> None:
    x = stir.tensor(np.linspace(-1, 1, 24, dtype=np.float32).reshape(8, 3))
    y = stir.tensor(np.arange(8) % 2)
    for _ in range(steps):
        run.optimizer.zero_grad()
        F.cross_entropy(run.model(x), y).backward()
        run.optimizer.step()
        run.scheduler.step(*([1.0] if isinstance(run.scheduler, optim.ReduceLROnPlateau)
                             else []))


@dataclass(frozen=True)
class Seed:
    """A real file, the readers that apply to it, and a maker of objects to load it into."""

    name: str
    data: bytes
    readers: tuple[str, ...]
    make_run: Callable[[], Run] | None = None


MODEL_READERS = ("load", "load_stream", "read")
CHECKPOINT_READERS = ("checkpoint_load", "checkpoint_read")


@cache
def seeds() -> tuple[Seed, ...]:
    """Every kind of file stir writes (made once per process; the default generator is put
    back as it was)."""
    saved = stir.default_generator.get_state()
    stir.manual_seed(0)
    try:
        with tempfile.TemporaryDirectory(prefix="stir-real-files-") as folder:
            return tuple(_seeds(Path(folder)))
    finally:
        stir.default_generator.set_state(saved)


def _seeds(folder: Path) -> list[Seed]:
    # Every layer kind, in files of a dozen layers: a mutant's read costs about the file's
    # layer count (each is built and checked), and one edit lands in one layer anyway.
    makers = list(LAYER_EXAMPLES.values())
    layer_files = {f"layers_{start // LAYERS_PER_FILE + 1}": (
        nn.Sequential(*(make() for make in makers[start:start + LAYERS_PER_FILE])), None)
        for start in range(0, len(makers), LAYERS_PER_FILE)}
    nested = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.Tanh()),
                           nn.MLP([3, 4, 3], activation="gelu"),
                           nn.Sequential(nn.Sequential(nn.Linear(3, 1))))
    models = {"mlp": (nn.MLP([3, 4, 2]), {"trained_on": "paraboloid", "epochs": 3}),
              **layer_files, "nested": (nested, {"note": [1, {"a": []}]}),
              "float64": (nn.MLP([2, 3, 1], dtype=np.float64), None)}
    found = [Seed(name, stir.save(model, folder / f"{name}.safetensors", metadata).read_bytes(),
                  MODEL_READERS) for name, (model, metadata) in models.items()]
    found.append(Seed("custom", stir.save(Doubler(), folder / "custom.safetensors").read_bytes(),
                      ("load_into", "load_into_stream", "read"), lambda: Run(Doubler())))
    trained = TrainedModel(nn.MLP([2, 4, 3]), ["a", "b"], "y", "classification",
                           Standardizer([0.0, 1.0], [1.0, 2.0]), ["x", "y", "z"])
    found.append(Seed("trained", trained.save(folder / "trained.safetensors",
                                              {"epochs": 3}).read_bytes(),
                      ("trained", "load")))
    for name, make_run, state in (("sgd_checkpoint", sgd_run,
                                   {"epoch": 2, "history": {"loss": [1.0, 0.5]}, "note": "x"}),
                                  ("adam_checkpoint", adam_run,
                                   {"epoch": 1, "best": (0.5, np.arange(3))})):
        run = make_run()
        _train(run, 2)
        path = stir.checkpoint.save(folder / f"{name}.ckpt", model=run.model,
                                    optimizer=run.optimizer, scheduler=run.scheduler,
                                    generators=run.generators, **state)
        found.append(Seed(name, path.read_bytes(), CHECKPOINT_READERS, make_run))
    found.append(Seed("fit_checkpoint", fit_checkpoint(), ("resume", *CHECKPOINT_READERS),
                      fit_run))
    return found


@cache
def fit_checkpoint() -> bytes:
    """The file fit's ModelCheckpoint writes mid-epoch, with EarlyStopping's best weights."""
    run = fit_run()
    x, y = fit_data()
    with tempfile.TemporaryDirectory(prefix="stir-fit-checkpoint-") as folder:
        path = Path(folder) / "fit.ckpt"
        saver = ModelCheckpoint(path, every=None, every_steps=CHECKPOINT_STEP)
        stir.fit(run.model, F.cross_entropy, run.optimizer, x, y, epochs=EPOCHS,
                 batch_size=BATCH, validation_data=(x[:BATCH], y[:BATCH]), metrics=["accuracy"],
                 callbacks=[*run.callbacks, saver], verbose=0, generator=run.generators["fit"])
        return path.read_bytes()
