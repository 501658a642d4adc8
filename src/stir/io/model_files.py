"""`stir.save(obj, f)` and `stir.load(f)`: a model, or what PyTorch programs save, in one
safetensors file (never Python's object serialization: a file can only ever be data).

A Module's file holds its state dict as tensors and, in its header, the architecture (so
`stir.load(path)` rebuilds the model from the file alone), the caller's `metadata` (`stir
train` keeps its preprocessing there), the stir and NumPy versions and a checksum. A model
with layers stir cannot describe (say, your own Module subclass) is saved too, and loads into
a model you make: `stir.load(path, model=MyNet())`.

Anything else PyTorch programs `torch.save` — a state dict, a tensor, or dicts, lists and
tuples nesting tensors, numbers, strings, bools and None (`{"epoch": 3, "model":
model.state_dict(), "optimizer": opt.state_dict()}`) — is saved with its tensors as the
file's tensors (a state dict's under its own keys, so any safetensors reader sees them) and
its structure as JSON in the header (`stir.object`, see `plain_data`), and loads back as
that object: an OrderedDict stays one, tuples stay tuples, tensors keep dtype and shape.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import numpy as np

from ..devices import device
from ..nn.module import Module
from ..tensor import Tensor
from .architecture import UnsupportedArchitecture, build, check, describe
from .errors import ModelFormatError
from .plain_data import join_arrays, split_arrays
from .stir_files import display_name, read_stir_file, write_stir_file

KIND = "model"
FIELDS = ("metadata", "model_class", "architecture", "object")


class ModelFile(NamedTuple):
    """What a model file holds: `state_dict` (name → array), `architecture` (None when the
    model could not be described, or for a plain safetensors file), the caller's
    `metadata`, the `version` of stir that wrote it (None for a plain file), the
    `model_class` saved, and `object`: what `stir.save` was given when it was not a Module
    (None otherwise), rebuilt, its tensors sharing the arrays of `state_dict`."""

    state_dict: dict[str, np.ndarray]
    architecture: dict[str, Any] | None
    metadata: dict[str, Any]
    version: str | None
    model_class: str | None
    object: Any = None


def save(obj: Any, f: str | Path | BinaryIO, metadata: dict[str, Any] | None = None, *,
         pickle_module: Any = None, pickle_protocol: Any = None,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> Any:
    """Save `obj` to the path `f` atomically (or into the binary file object `f`), with
    `metadata` (JSON data: numbers, strings, lists, dicts) in its header; returns `f`.

    `obj` is a Module (a model file: `stir.load` rebuilds the model), or what `torch.save`
    is given in PyTorch programs: a state dict, a tensor, or dicts, lists and tuples of
    tensors, arrays, numbers, strings, bools and None. PyTorch's serialization options
    (`pickle_module`, `pickle_protocol`, ...) are accepted and have nothing to choose: stir
    writes safetensors and JSON only.

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
    >>> _ = stir.save({"epoch": 3, "model": net.state_dict()}, path)
    >>> checkpoint = stir.load(path)
    >>> checkpoint["epoch"], list(checkpoint["model"])[:2]
    (3, ['0.weight', '0.bias'])
    """
    fields: dict[str, Any] = {"metadata": dict(metadata or {})}
    tensors: dict[str, np.ndarray] = {}
    if isinstance(obj, Module):
        fields["model_class"] = f"{type(obj).__module__}.{type(obj).__qualname__}"
        try:
            fields["architecture"] = describe(obj)
        except UnsupportedArchitecture:
            pass  # saved as weights only; `load` says to pass model=
        for key, value in obj.state_dict().items():
            tensors[key] = value.array if isinstance(value, Tensor) else value
    elif isinstance(obj, (Tensor, np.ndarray, dict, list, tuple)):
        try:
            fields["object"] = split_arrays(obj, "", tensors, keep_tensors=True)
        except TypeError as error:
            raise TypeError(f"stir.save: {str(error).replace('a checkpoint holds', 'a file holds')}"
                            " (PyTorch's torch.save would serialize any Python object; stir "
                            "files hold data only: save a model's state_dict(), not the model, "
                            "inside a dict)") from None
        for key, array in tensors.items():
            if not isinstance(key, str):
                raise TypeError(f"stir.save: tensor names must be strings, got {key!r}")
    else:
        raise TypeError(f"stir.save: expected a Module or a state dict, a tensor, or a dict, "
                        f"list or tuple of them, got {type(obj).__name__}")
    return write_stir_file(f, KIND, tensors, fields)


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
    saved = None
    if "object" in fields:
        used: set[str] = set()
        saved = join_arrays(fields["object"], tensors, name, used)
        unused = sorted(set(tensors) - used)
        if unused:
            raise ModelFormatError(f"{name}: the file holds tensors its stir.object never "
                                   f"refers to: {str(unused[:5])[:200]}")
    return ModelFile(tensors, architecture, metadata, fields.get("version"), model_class,
                     saved)


def load(f: str | Path | BinaryIO, map_location: Any = None, pickle_module: Any = None, *,
         weights_only: bool | None = None, mmap: bool | None = None,
         model: Module | None = None, **pickle_load_args: Any) -> Any:
    """What `stir.save` wrote to `f` (a path or a binary file object): the object saved (a
    state dict comes back as an OrderedDict of tensors, ready for `model.load_state_dict`),
    or a saved Module rebuilt from the file's architecture; given `model`, that model with
    the file's weights loaded into it (every name and shape must match; a plain safetensors
    file, say from `safetensors.torch.save_file`, loads so).

    `map_location` is PyTorch's: None or "cpu" (stir files hold CPU tensors), a device or
    its name ("cuda" moves every tensor there), a dict of saved location → target (the
    saved location is always "cpu"), or a function called as `fn(tensor, "cpu")` for each
    tensor, whose result (a tensor, or None for no change) is used (PyTorch passes storages).
    `weights_only`, `pickle_module`, `mmap` and PyTorch's other options are accepted and
    change nothing: a stir file is safetensors and JSON, so loading one never runs code and
    is always as safe as PyTorch's `weights_only=True`. A PyTorch `.pt`/`.pth` file is
    refused with a ModelFormatError saying how to convert it.

    >>> import stir, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "linear.safetensors")
    >>> _ = stir.save(stir.nn.Linear(3, 1), path)
    >>> stir.load(path, model=stir.nn.Linear(3, 2))
    Traceback (most recent call last):
    ...
    stir.ModelFormatError: ...linear.safetensors: the weights do not fit Linear: size mismatch for weight: the state dict has shape (1, 3), the model ...
    >>> net = stir.nn.Linear(3, 1)
    >>> _ = stir.save(net.state_dict(), path)
    >>> state = stir.load(path, map_location="cpu", weights_only=True)
    >>> type(state).__name__, list(state), tuple(state["weight"].shape)
    ('OrderedDict', ['weight', 'bias'], (1, 3))
    >>> _ = net.load_state_dict(state)
    """
    contents = read(f)
    name = display_name(f)
    if model is not None or contents.object is None:
        result = model_from(contents, name, model)
    else:
        result = contents.object
    return _mapped(result, map_location)


def _mapped(value: Any, map_location: Any) -> Any:
    """`value` with its tensors (and a model's) moved as `map_location` says."""
    if map_location is None:
        return value
    if isinstance(map_location, dict):
        return _mapped(value, map_location.get("cpu"))
    if callable(map_location) and not isinstance(map_location, (str, device)):
        return _walk(value, lambda tensor: _called(map_location, tensor))
    target = device(map_location)
    if target.type == "cpu":
        return value
    if isinstance(value, Module):
        return value.to(target)
    return _walk(value, lambda tensor: tensor.to(target))


def _called(map_location: Any, tensor: Tensor) -> Tensor:
    moved = map_location(tensor, "cpu")
    if moved is None:
        return tensor
    if not isinstance(moved, Tensor):
        raise TypeError(f"stir.load: map_location returned a {type(moved).__name__}; it must "
                        "return a tensor (or None to keep the tensor where it is)")
    return moved


def _walk(value: Any, move: Any) -> Any:
    if isinstance(value, Tensor):
        return move(value)
    if isinstance(value, OrderedDict):
        return OrderedDict((key, _walk(item, move)) for key, item in value.items())
    if isinstance(value, dict):
        return {key: _walk(item, move) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_walk(item, move) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, Module):
        raise TypeError("stir.load: a map_location function cannot move a whole model; pass "
                        "a device, or move the model with model.to(device)")
    return value


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
