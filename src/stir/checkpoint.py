"""Checkpoints: everything needed to pick training up where it stopped, in one file.

`save(path, model=, optimizer=, scheduler=, **state)` writes the model's weights, the
optimizer's state (momentum buffers, Adam's moments and step counts), the schedule's
position, the default random generator's state and any further `state` you pass (epoch,
step, history: numbers, strings, lists, dicts, arrays) to one safetensors file, atomically
(see `stir.io.atomic`: a crash leaves the old checkpoint or the new one, never a torn file),
with a SHA-256 checksum that `load` verifies. `load(path, model=, optimizer=, scheduler=)`
puts each part back and returns the whole checkpoint as a dict.

>>> import stir, tempfile, os
>>> from stir import optim
>>> path = os.path.join(tempfile.mkdtemp(), "run.ckpt")
>>> model = stir.nn.Linear(2, 1)
>>> opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
>>> _ = save(path, model=model, optimizer=opt, epoch=3)
>>> fresh = stir.nn.Linear(2, 1)
>>> load(path, model=fresh, optimizer=optim.SGD(fresh.parameters(), lr=0.5))["epoch"]
3
>>> bool((fresh.weight == model.weight).all())
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .io.errors import ModelFormatError
from .io.plain_data import join_arrays, split_arrays
from .io.stir_files import read_stir_file, write_stir_file
from .nn.module import Module
from .random import Generator, default_generator

KIND = "checkpoint"
PARTS = ("model", "optimizer", "scheduler")
RESERVED = (*PARTS, "random", "version", "numpy_version")


def save(path: str | Path, model: Module | None = None, optimizer: Any = None,
         scheduler: Any = None, generators: dict[str, Generator] | None = None,
         **state: Any) -> Path:
    """Write a checkpoint of the given parts and `state` to `path` atomically; returns it.

    The random state saved is the default generator's, every `stir.Generator` held by a
    module of `model` (a Dropout's or RReLU's own, named "model.<module>.<attribute>"), and
    those in `generators` by the names given.
    """
    for key in state:
        if key in RESERVED:
            raise ValueError(f"checkpoint.save: {key!r} is reserved; pass it as the {key}= "
                             "argument or choose another name")
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"checkpoint.save: model must be a stir.nn.Module, got "
                        f"{type(model).__name__}")
    for name, part in (("optimizer", optimizer), ("scheduler", scheduler)):
        if part is not None and not callable(getattr(part, "state_dict", None)):
            raise TypeError(f"checkpoint.save: {name} must have a state_dict() method, got "
                            f"{type(part).__name__}")
    randomness = {name: generator.get_state()
                  for name, generator in _generators(model, generators).items()}
    arrays: dict[str, np.ndarray] = {}
    fields: dict[str, Any] = {
        "random": split_arrays(randomness, "random", arrays),
        "state": split_arrays(state, "state", arrays),
    }
    if model is not None:
        fields["model"] = split_arrays(dict(model.state_dict()), "model", arrays)
    if optimizer is not None:
        fields["optimizer"] = split_arrays(optimizer.state_dict(), "optimizer", arrays)
    if scheduler is not None:
        fields["scheduler"] = split_arrays(scheduler.state_dict(), "scheduler", arrays)
    return write_stir_file(path, KIND, arrays, fields)


def read(path: str | Path) -> dict[str, Any]:
    """Everything in the checkpoint at `path`, checked, without loading it anywhere:
    {"model": state dict, "optimizer": ..., "scheduler": ..., "random": ..., "version": ...,
    "numpy_version": ..., **state}. A bad file raises ModelFormatError."""
    arrays, fields = read_stir_file(path, KIND)
    contents = {key: join_arrays(value, arrays, str(path)) for key, value in fields.items()}
    state = contents.pop("state", {})
    if not isinstance(state, dict) or not isinstance(contents.get("random"), dict):
        raise ModelFormatError(f"{path}: the checkpoint's state and random fields must be "
                               "objects")
    return {**contents, **state}


def load(path: str | Path, model: Module | None = None, optimizer: Any = None,
         scheduler: Any = None, generators: dict[str, Generator] | None = None,
         restore_random: bool = True) -> dict[str, Any]:
    """Read the checkpoint at `path` (see `read`), load its parts into `model`, `optimizer`
    and `scheduler` (those given), restore the random generators (the default one, the
    model's own and those in `generators`; unless `restore_random=False`), and return
    everything it holds.

    Nothing is changed unless every given part fits; a file that is not a valid checkpoint,
    or whose parts do not fit, raises ModelFormatError.
    """
    contents = read(path)
    restore(path, contents, model, optimizer, scheduler, generators, restore_random)
    return contents


def restore(path: str | Path, contents: dict[str, Any], model: Module | None = None,
            optimizer: Any = None, scheduler: Any = None,
            generators: dict[str, Generator] | None = None, restore_random: bool = True
            ) -> None:
    """Put what `read(path)` returned back into the given objects (as `load` does)."""
    for name, target in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        if target is not None and name not in contents:
            raise ModelFormatError(f"{path}: the checkpoint holds no {name} state to load")
    live = _generators(model, generators) if restore_random else {}
    saved = contents["random"]
    missing = sorted(set(saved) - set(live))
    if restore_random and missing:
        raise ModelFormatError(f"{path}: the checkpoint has random state for {missing}, which "
                               "nothing here uses; pass the generators= it was saved with, or "
                               "restore_random=False")
    _load_parts(path, contents, model, optimizer, scheduler)
    for name, generator in live.items():
        if name in saved:
            try:
                generator.set_state(saved[name])
            except (KeyError, TypeError, ValueError) as error:
                raise ModelFormatError(f"{path}: malformed state for the random generator "
                                       f"{name!r}: {error}") from None


def _generators(model: Module | None, given: dict[str, Generator] | None
                ) -> dict[str, Generator]:
    """The default generator, the model's own (by module and attribute) and the given ones."""
    found: dict[str, Generator] = {"default": default_generator}
    if model is not None:
        for module_name, module in model.named_modules():
            for attribute, value in vars(module).items():
                if isinstance(value, Generator) and value is not default_generator:
                    found[f"model.{module_name}.{attribute}".replace("..", ".")] = value
    for name, generator in (given or {}).items():
        if not isinstance(generator, Generator):
            raise TypeError(f"checkpoint: generators[{name!r}] must be a stir.Generator, got "
                            f"{type(generator).__name__}")
        if generator is not default_generator:
            found[name] = generator
    return found


def _load_parts(path: str | Path, contents: dict[str, Any], model: Module | None,
                optimizer: Any, scheduler: Any) -> None:
    # Each load_state_dict checks everything before changing anything; the model's old
    # weights are kept so that an optimizer state that does not fit undoes the model too.
    before = {key: tensor.data.copy() for key, tensor in model.state_dict().items()} \
        if model is not None else None
    parts = (("model", model), ("optimizer", optimizer), ("scheduler", scheduler))
    for name, target in parts:
        if target is None:
            continue
        try:
            target.load_state_dict(contents[name])
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            if model is not None and name != "model":
                model.load_state_dict(before)
            raise ModelFormatError(f"{path}: the {name} state does not fit: {error}") from None
