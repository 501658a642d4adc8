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

from .io.errors import ModelFormatError, quote
from .io.plain_data import join_arrays, split_arrays
from .io.stir_files import read_stir_file, write_stir_file
from .nn.module import Module
from .random import Generator, check_state, default_generator

KIND = "checkpoint"
PARTS = ("model", "optimizer", "scheduler")
RESERVED = (*PARTS, "random", "version", "numpy_version")
FIELDS = (*PARTS, "random", "state")


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
                  for name, generator in generators_of(model, generators).items()}
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
    "numpy_version": ..., **state}. A bad file raises ModelFormatError: besides what every
    stir file is checked for, each random state must be a valid generator state, the model
    part a dict of arrays, and every tensor in the file referred to exactly once."""
    arrays, fields = read_stir_file(path, KIND, FIELDS)
    used: set[str] = set()
    contents = {key: join_arrays(value, arrays, str(path), used)
                for key, value in fields.items()}
    unused = sorted(set(arrays) - used)
    if unused:
        raise ModelFormatError(f"{path}: the file holds tensors that nothing refers to: "
                               f"{quote(unused)}")
    state = contents.pop("state", {})
    randomness = contents.get("random")
    if not isinstance(state, dict) or not isinstance(randomness, dict):
        raise ModelFormatError(f"{path}: the checkpoint's state and random fields must be "
                               "objects")
    for name, generator_state in randomness.items():
        try:
            check_state(generator_state)
        except ValueError as error:
            raise ModelFormatError(f"{path}: malformed state for the random generator "
                                   f"{quote(name)}: {error}") from None
    model_state = contents.get("model", {})
    if not isinstance(model_state, dict) or not all(
            isinstance(value, np.ndarray) for value in model_state.values()):
        raise ModelFormatError(f"{path}: the model part must map names to tensors")
    for part in ("optimizer", "scheduler"):
        if part in contents and not isinstance(contents[part], dict):
            raise ModelFormatError(f"{path}: the {part} part must be an object")
    return {**contents, **state}


def load(path: str | Path, model: Module | None = None, optimizer: Any = None,
         scheduler: Any = None, generators: dict[str, Generator] | None = None,
         restore_random: bool = True) -> dict[str, Any]:
    """Read the checkpoint at `path` (see `read`), load its parts into `model`, `optimizer`
    and `scheduler` (those given), restore the random generators (the default one, the
    model's own and those in `generators`; unless `restore_random=False`), and return
    everything it holds.

    A load is a transaction: every part is checked against its target first, and nothing
    is changed unless all of them fit; otherwise ModelFormatError says which part does not.
    """
    contents = read(path)
    restore(path, contents, model, optimizer, scheduler, generators, restore_random)
    return contents


def restore(path: str | Path, contents: dict[str, Any], model: Module | None = None,
            optimizer: Any = None, scheduler: Any = None,
            generators: dict[str, Generator] | None = None, restore_random: bool = True
            ) -> None:
    """Put what `read(path)` returned back into the given objects (as `load` does): check
    every part, then change them all."""
    parts = [(name, target) for name, target in (("model", model), ("optimizer", optimizer),
                                                 ("scheduler", scheduler))
             if target is not None]
    for name, target in parts:
        if name not in contents:
            raise ModelFormatError(f"{path}: the checkpoint holds no {name} state to load")
        check = getattr(target, "check_state_dict", None)
        if check is not None:
            _as_format_error(path, name, check, contents[name])
    live = generators_of(model, generators) if restore_random else {}
    saved = contents["random"]
    missing = sorted(set(saved) - set(live))
    if restore_random and missing:
        raise ModelFormatError(f"{path}: the checkpoint has random state for {missing}, which "
                               "nothing here uses; pass the generators= it was saved with, or "
                               "restore_random=False")
    # Everything fits. A part of a type stir does not know (no check_state_dict) can still
    # refuse its state: those go first, so that nothing else has changed if one does.
    foreign = [(name, target) for name, target in parts
               if getattr(target, "check_state_dict", None) is None]
    before = [(target, target.state_dict()) for _, target in foreign]
    for index, (name, target) in enumerate(foreign):
        try:
            _as_format_error(path, name, target.load_state_dict, contents[name])
        except ModelFormatError:
            for earlier, state in before[:index]:
                earlier.load_state_dict(state)
            raise
    for name, target in parts:
        if (name, target) not in foreign:
            target.load_state_dict(contents[name])
    for name, generator in live.items():
        if name in saved:
            generator.set_state(saved[name])


def _as_format_error(path: str | Path, part: str, function: Any, state: Any) -> None:
    """Call function(state), reporting what a bad state raises as the file's fault."""
    try:
        function(state)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ModelFormatError(f"{path}: the {part} state does not fit: {error}") from None


def generators_of(model: Module | None, given: dict[str, Generator] | None
                ) -> dict[str, Generator]:
    """Every generator a checkpoint saves: the default one, the model's own (named
    "model.<module>.<attribute>") and the given ones, by name."""
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
