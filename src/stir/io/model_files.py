"""`stir.save(model, path)` and `stir.load(path)`: a model in one safetensors file.

The file holds the model's state dict as tensors and, in its header, the architecture
(so `stir.load(path)` rebuilds the model from the file alone), the caller's `metadata`
(`stir train` keeps its preprocessing there), the stir and NumPy versions and a checksum.
A model with layers stir cannot describe (say, your own Module subclass) is saved too, and
loads into a model you make: `stir.load(path, model=MyNet())`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from ..nn.module import Module
from ..tensor import Tensor
from .architecture import UnsupportedArchitecture, build, check, describe
from .errors import ModelFormatError
from .stir_files import display_name, read_stir_file, write_stir_file

KIND = "model"
FIELDS = ("metadata", "model_class", "architecture")


class ModelFile(NamedTuple):
    """What a model file holds: `state_dict` (name → array), `architecture` (None when the
    model could not be described, or for a plain safetensors file), the caller's
    `metadata`, and the `version` of stir that wrote it (None for a plain file)."""

    state_dict: dict[str, np.ndarray]
    architecture: dict[str, Any] | None
    metadata: dict[str, Any]
    version: str | None
    model_class: str | None


def save(model: Module | dict[str, Any], path: str | Path,
         metadata: dict[str, Any] | None = None) -> Path:
    """Save `model` (a Module, or a state dict of tensors or arrays) to `path` atomically,
    with `metadata` (JSON data: numbers, strings, lists, dicts) in its header.

    >>> import stir, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "net.safetensors")
    >>> net = stir.nn.MLP([2, 5, 1])
    >>> _ = stir.save(net, path, metadata={"trained_on": "paraboloid"})
    >>> again = stir.load(path)
    >>> again
    MLP(
      (0): Linear(2 => 5)  # 15 parameters
      (1): ReLU()
      (2): Linear(5 => 1)  # 6 parameters
    )  # 21 parameters
    >>> bool((again(stir.ones(1, 2)) == net(stir.ones(1, 2))).all())
    True
    >>> stir.io.read(path).metadata
    {'trained_on': 'paraboloid'}
    """
    fields: dict[str, Any] = {"metadata": dict(metadata or {})}
    if isinstance(model, Module):
        state = model.state_dict()
        fields["model_class"] = f"{type(model).__module__}.{type(model).__qualname__}"
        try:
            fields["architecture"] = describe(model)
        except UnsupportedArchitecture:
            pass  # saved as weights only; `load` says to pass model=
    elif isinstance(model, dict):
        state = model
    else:
        raise TypeError(f"stir.save: expected a Module or a state dict, got "
                        f"{type(model).__name__}")
    tensors = {}
    for key, value in state.items():
        if not isinstance(key, str):
            raise TypeError(f"stir.save: state dict keys must be strings, got {key!r}")
        array = value.array if isinstance(value, Tensor) else value
        if not isinstance(array, np.ndarray):
            raise TypeError(f"stir.save: {key!r} is a {type(value).__name__}, not a tensor or "
                            "array")
        tensors[key] = array
    return write_stir_file(path, KIND, tensors, fields)


def read(path: str | Path | BinaryIO) -> ModelFile:
    """Everything in the model file at `path` (or in a binary file object), checked (a
    ModelFormatError says what is wrong otherwise), the architecture included. Plain
    safetensors files (for instance from `safetensors.torch`) are read too, with no
    architecture and empty metadata."""
    tensors, fields = read_stir_file(path, KIND, FIELDS, allow_plain=True)
    name = display_name(path)
    metadata = fields.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ModelFormatError(f"{name}: stir.metadata must be a JSON object")
    model_class = fields.get("model_class")
    if model_class is not None and not isinstance(model_class, str):
        raise ModelFormatError(f"{name}: stir.model_class must be a string")
    architecture = fields.get("architecture")
    if architecture is not None:
        numel, _ = check(architecture, name)
        held = sum(array.size for array in tensors.values())
        if numel != held:
            raise ModelFormatError(f"{name}: the architecture has {numel} parameters but the "
                                   f"file holds {held} numbers")
    return ModelFile(tensors, architecture, metadata, fields.get("version"), model_class)


def load(path: str | Path | BinaryIO, model: Module | None = None) -> Module:
    """The model saved at `path` (or in a binary file object): rebuilt from the file's
    architecture, or, given `model`, that model with the file's weights loaded into it (every
    name and shape must match).

    >>> import stir, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "linear.safetensors")
    >>> _ = stir.save(stir.nn.Linear(3, 1), path)
    >>> stir.load(path, model=stir.nn.Linear(3, 2))
    Traceback (most recent call last):
    ...
    stir.ModelFormatError: ...linear.safetensors: the weights do not fit Linear: size mismatch for weight: the state dict has shape (1, 3), the model (2, 3); size mismatch for bias: the state dict has shape (1,), the model (2,)
    """
    return model_from(read(path), display_name(path), model)


def model_from(contents: ModelFile, name: str, model: Module | None = None) -> Module:
    """The model of the file `name` whose `contents` `read` gave: rebuilt from its
    architecture, or `model` with its weights loaded (as `load` does)."""
    if model is None:
        if contents.architecture is None:
            saved = f" (saved from a {contents.model_class})" if contents.model_class else ""
            raise ModelFormatError(
                f"{name}: the file holds weights but no architecture{saved}, so stir cannot "
                "rebuild the model: make it yourself and pass it, stir.load(path, model=...)")
        arrays = contents.state_dict.values()
        model = build(contents.architecture, name, sum(array.size for array in arrays),
                      sum(array.nbytes for array in arrays))
    elif not isinstance(model, Module):
        raise TypeError(f"stir.load: model must be a stir.nn.Module, got "
                        f"{type(model).__name__}")
    try:
        model.load_state_dict(contents.state_dict)
    except ValueError as error:
        message = str(error).replace("load_state_dict for ", "the weights do not fit ", 1)
        raise ModelFormatError(f"{name}: {message}") from None
    return model
