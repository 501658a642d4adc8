"""A model's architecture as JSON, and the model rebuilt from it.

`describe(model)` gives a nested dict naming each layer's class and constructor arguments,
e.g. {"type": "Linear", "in_features": 2, "out_features": 5, "bias": true, "dtype":
"float32"}; containers (`Sequential`, `MLP`, `ModuleList`, `ModuleDict`) list their layers
by name. `build(spec)` makes a fresh model of that architecture (its weights are then loaded
from the file). Only the layers in `RECIPES` can be named, so a file can never make stir
construct anything else, and the parameter count a spec implies is checked against the file
before anything is allocated. `RECIPES` is read from the modules themselves, the
constructors of stir.nn's public classes, so it cannot drift from them; a few tables add
what a signature cannot say.
"""

from __future__ import annotations

import ast
import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import nn
from ..nn.functional.sparse import padding_row
from ..nn.module import Module
from ..nn.registration import check_name
from ..random import Generator
from .bounded_json import MAX_DEPTH, depth
from .errors import ModelFormatError, quote

CONTAINERS = {"Sequential": nn.Sequential, "MLP": nn.MLP, "ModuleList": nn.ModuleList,
              "ModuleDict": nn.ModuleDict}
DTYPE_NAMES = ("float16", "float32", "float64")
#: Largest width, count or number of layers a file may name.
MAX_COUNT = 2**40
#: Longest list of widths in an MLP's "architecture", and longest layer name.
MAX_WIDTHS, MAX_NAME = 10_000, 256


class UnsupportedArchitecture(TypeError):
    """A model with a layer stir cannot describe (for instance a user-defined Module)."""


# ---------------------------------------------------------------- argument checks
# Each check takes (value, where) and returns the value or raises ModelFormatError, so a
# file's argument reaches a constructor, or a parameter count, only once its type and range
# are known.
Check = Callable[[Any, str], Any]


def _fail(where: str, wanted: str, value: Any) -> ModelFormatError:
    return ModelFormatError(f"{where} must be {wanted}, got {quote(value)}")


def count(value: Any, where: str) -> int:
    """An integer in [1, MAX_COUNT] (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_COUNT:
        raise _fail(where, f"an integer from 1 to 2**{MAX_COUNT.bit_length() - 1}", value)
    return value


def natural(value: Any, where: str) -> int:
    """An integer in [0, MAX_COUNT] (an LSTM's proj_size: 0 is none)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise _fail(where, f"an integer from 0 to 2**{MAX_COUNT.bit_length() - 1}", value)
    return value


def optional_count(value: Any, where: str) -> int | None:
    """None, or a `count`."""
    return None if value is None else count(value, where)


def flag(value: Any, where: str) -> bool:
    """True or false."""
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


def optional_flag(value: Any, where: str) -> bool | None:
    """None, or a `flag` (Upsample's align_corners: None is the mode's default)."""
    return None if value is None else flag(value, where)


def real(value: Any, where: str) -> float:
    """A finite number (JSON has no others; `bounded_json` refuses 1e400)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise _fail(where, "a finite number", value)
    return value


def probability(value: Any, where: str) -> float:
    """A number in [0, 1]."""
    if not 0 <= real(value, where) <= 1:
        raise _fail(where, "a number in [0, 1]", value)
    return value


def optional_positive(value: Any, where: str) -> float | None:
    """None, or a finite number above 0."""
    if value is not None and not real(value, where) > 0:
        raise _fail(where, "null or a number above 0", value)
    return value


def dim(value: Any, where: str) -> int:
    """A dimension index, from -64 to 63."""
    if isinstance(value, bool) or not isinstance(value, int) or not -64 <= value < 64:
        raise _fail(where, "a dimension index from -64 to 63", value)
    return value


def optional_dim(value: Any, where: str) -> int | None:
    """None (PyTorch's implicit choice of dimension), or a `dim`."""
    return None if value is None else dim(value, where)


def optional_index(value: Any, where: str) -> int | None:
    """None, or an integer from -MAX_COUNT to MAX_COUNT - 1 (a row, negative from the end;
    `RELATIONS` bounds it by the table's size)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or not -MAX_COUNT <= value < MAX_COUNT):
        raise _fail(where, f"null or an integer from -2**{MAX_COUNT.bit_length() - 1} to "
                    f"2**{MAX_COUNT.bit_length() - 1} - 1", value)
    return value


def optional_real(value: Any, where: str) -> float | None:
    """None, or a `real` (BatchNorm's momentum: None means a cumulative average)."""
    return None if value is None else real(value, where)


#: Most entries a size tuple (a kernel, a stride, a shape) may have: one per dimension.
MAX_DIMS = 64


def _sizes(value: Any, where: str, lowest: int, wanted: str) -> int | tuple[int, ...]:
    """An integer from `lowest` to MAX_COUNT, or a list of 1 to MAX_DIMS of them (JSON has no
    tuples: the layer gets a tuple, as PyTorch's layers keep them)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    if not 1 <= len(items) <= MAX_DIMS or any(
            isinstance(item, bool) or not isinstance(item, int)
            or not lowest <= item <= MAX_COUNT for item in items):
        raise _fail(where, f"{wanted}, or a list of 1 to {MAX_DIMS} of them", value)
    return tuple(value) if isinstance(value, (list, tuple)) else value


def sizes(value: Any, where: str) -> int | tuple[int, ...]:
    """A size per spatial dimension (kernel, stride, dilation, padding, output size): one
    integer from 0, or a list of them (the layer's constructor refuses a zero kernel or
    stride with its own message)."""
    return _sizes(value, where, 0, f"an integer from 0 to 2**{MAX_COUNT.bit_length() - 1}")


def optional_sizes(value: Any, where: str) -> int | tuple[int, ...] | None:
    """None (a pooling layer's stride: the kernel's), or `sizes`."""
    return None if value is None else sizes(value, where)


def output_sizes(value: Any, where: str) -> int | tuple[int | None, ...]:
    """An adaptive pooling's output size: `sizes`, in which a list may hold null for a
    dimension kept as the input's (PyTorch's (None, 3))."""
    if isinstance(value, (list, tuple)) and None in value:
        sizes([1 if item is None else item for item in value], where)
        return tuple(value)
    return sizes(value, where)


def padding(value: Any, where: str) -> int | tuple[int, ...] | str:
    """A convolution's padding: `sizes`, or "same" or "valid"."""
    return choice("same", "valid")(value, where) if isinstance(value, str) \
        else sizes(value, where)


def shape(value: Any, where: str) -> tuple[int, ...]:
    """A list of 1 to MAX_DIMS sizes, one of which may be -1 (Unflatten's, inferred)."""
    if not isinstance(value, (list, tuple)) or list(value).count(-1) > 1:
        raise _fail(where, f"a list of 1 to {MAX_DIMS} sizes, at most one of them -1", value)
    _sizes([1 if item == -1 else item for item in value], where, 1,
           f"a list of 1 to {MAX_DIMS} sizes, at most one of them -1")
    return tuple(value)


def choice(*allowed: str) -> Check:
    """One of the strings `allowed`."""
    def check(value: Any, where: str) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise _fail(where, f"one of {allowed}", value)
        return value
    return check


@dataclass(frozen=True)
class Recipe:
    """How to save and remake one layer class: `arguments` maps each constructor argument
    saved to its check; `values(layer)` gives their values (the attributes of the same names
    unless `read` says otherwise); `numel(arguments)` the parameter count they imply;
    `relate(arguments)` raises ValueError when they do not fit together."""

    cls: type
    arguments: dict[str, Check]
    numel: Callable[[dict[str, Any]], int]
    read: dict[str, Callable[[Any], Any]]
    has_dtype: bool  # whether the constructor takes dtype= for its parameters
    initialises_randomly: bool  # whether it takes generator= for its initial values
    relate: Callable[[dict[str, Any]], Any]

    def values(self, layer: Any) -> dict[str, Any]:
        """The saved arguments of `layer`, in the constructor's order."""
        return {name: self.read[name](layer) if name in self.read else getattr(layer, name)
                for name in self.arguments}


# ---------------------------------------------------------------- what a signature cannot say
# Each table is keyed by class and holds for its subclasses too (LogSoftmax is a Softmax);
# `derive` refuses an entry naming no argument, so a renamed one fails the registry test.

#: The public Module classes that cannot be saved, and why.
UNSAVEABLE: dict[str, str] = {
    "Module": "the base class: a model of your own has no recipe; load it with model=",
    **dict.fromkeys(("BCELoss", "BCEWithLogitsLoss", "CosineEmbeddingLoss",
                     "CosineSimilarityLoss", "CrossEntropyLoss", "HuberLoss", "L1Loss",
                     "MSELoss", "MultiClassHingeLoss", "MultiMarginLoss", "NLLLoss",
                     "PerceptronLoss", "SmoothL1Loss"),
                    "a loss scores a model's output; it is not part of a model's forward"),
    **dict.fromkeys(("ParameterList", "ParameterDict"),
                    "it holds bare tensors of any shape, not layers; load it with model="),
    "DistributedDataParallel": "a wrapper for training on several processes: save its "
                               ".module, as PyTorch programs do",
}
#: Ranges an annotation (int, float) is too loose to give.
RANGES: dict[type, dict[str, Check]] = {
    nn.Dropout: {"p": probability},  # p = 1 zeroes everything, as PyTorch's
    nn.Flatten: {"start_dim": dim, "end_dim": dim},  # indices, negative from the end
    nn.Softmax: {"dim": optional_dim},
    nn.Embedding: {"padding_idx": optional_index, "max_norm": optional_positive},
    nn.Unflatten: {"dim": dim},
    nn.Upsample: {"scale_factor": optional_positive},
    nn.AdaptiveAvgPool1d: {"output_size": output_sizes},
    nn.AdaptiveAvgPool2d: {"output_size": output_sizes},
    nn.RNN: {"dropout": probability}, nn.GRU: {"dropout": probability},
    nn.LSTM: {"dropout": probability, "proj_size": natural},
}
#: Arguments not saved, and why: they say how a layer runs or starts, not what it computes
#: (so files from a stir before the argument existed load too).
NOT_SAVED: dict[type, dict[str, str]] = {
    nn.PReLU: {"init": "the saved weight replaces it"},
    nn.ReLU: {"inplace": "whether it overwrites its input, not what it computes"},
    nn.Dropout: {"inplace": "whether it overwrites its input, not what it computes"},
}
#: How to read back an argument a layer does not keep as the attribute of its name.
READ: dict[type, dict[str, Callable[[Any], Any]]] = {
    nn.Linear: {"bias": lambda layer: layer.bias is not None},  # the attribute is a tensor
    **dict.fromkeys((nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d,
                     nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm),
                    {"bias": lambda layer: layer.bias is not None}),
}
#: The parameter count of each layer with parameters (those taking dtype=), from checked
#: arguments, before anything is allocated (a file may say out_features=2**40). A test
#: compares each with a built layer's.
NUMEL: dict[type, Callable[[dict[str, Any]], int]] = {
    nn.Linear: lambda a: a["out_features"] * (a["in_features"] + a["bias"]),
    nn.Maxout: lambda a: a["out_features"] * a["pieces"] * (a["in_features"] + 1),
    nn.PReLU: lambda a: a["num_parameters"],
    nn.APL: lambda a: 2 * a["num_hinges"] * (a["num_features"] or 1),
    nn.Embedding: lambda a: a["num_embeddings"] * a["embedding_dim"],
    nn.Conv1d: lambda a: _convolution_numel(a, 1, transposed=False),
    nn.Conv2d: lambda a: _convolution_numel(a, 2, transposed=False),
    nn.ConvTranspose1d: lambda a: _convolution_numel(a, 1, transposed=True),
    nn.ConvTranspose2d: lambda a: _convolution_numel(a, 2, transposed=True),
    # Buffers are in the file too: running mean and variance, and the batch count.
    nn.BatchNorm1d: lambda a: _batch_norm_numel(a),
    nn.BatchNorm2d: lambda a: _batch_norm_numel(a),
    nn.LayerNorm: lambda a: math.prod(_per_dim(a["normalized_shape"], 1))
    * a["elementwise_affine"] * (1 + a["bias"]),
    nn.GroupNorm: lambda a: a["num_channels"] * a["affine"] * (1 + a["bias"]),
    nn.RNN: lambda a: _recurrent_numel(a, 1), nn.LSTM: lambda a: _recurrent_numel(a, 4),
    nn.GRU: lambda a: _recurrent_numel(a, 3),
    nn.RNNCell: lambda a: _cell_numel(a, 1), nn.LSTMCell: lambda a: _cell_numel(a, 4),
    nn.GRUCell: lambda a: _cell_numel(a, 3),
}
def _per_dim(size: int | tuple[int, ...], dims: int) -> tuple[int, ...]:
    """A size given once for every dimension (3) or per dimension ((3, 5))."""
    return size if isinstance(size, tuple) else (size,) * dims


def _convolution_numel(a: dict[str, Any], dims: int, transposed: bool) -> int:
    """weight (out, in/groups, *kernel), transposed (in, out/groups, *kernel); bias (out)."""
    kernel = math.prod(_per_dim(a["kernel_size"], dims))
    rows, columns = ((a["in_channels"], a["out_channels"]) if transposed
                     else (a["out_channels"], a["in_channels"]))
    return rows * (columns // a["groups"]) * kernel + a["out_channels"] * a["bias"]


def _batch_norm_numel(a: dict[str, Any]) -> int:
    """weight and bias when affine; running mean, variance and batch count when tracked."""
    channels = a["num_features"]
    return (channels * a["affine"] * (1 + a["bias"])
            + (2 * channels + 1) * a["track_running_stats"])


def _divides(groups: int, channels: int, layer: str) -> None:
    if channels % groups:
        raise ValueError(f"{layer}: num_channels ({channels}) must be divisible by num_groups "
                         f"({groups})")


def _cell_numel(a: dict[str, Any], gates: int, inputs: int | None = None) -> int:
    """weight_ih (gates·h, inputs), weight_hh (gates·h, h), and two biases (gates·h)."""
    hidden = a["hidden_size"]
    inputs = a["input_size"] if inputs is None else inputs
    return gates * hidden * (inputs + hidden + 2 * a["bias"])


def _recurrent_numel(a: dict[str, Any], gates: int) -> int:
    """A cell per layer and direction; layer k > 0 reads both directions' outputs. (An
    LSTM's proj_size is refused by its constructor: stir has no projections.)"""
    hidden, directions = a["hidden_size"], 1 + a["bidirectional"]
    return directions * sum(
        _cell_numel(a, gates, a["input_size"] if layer == 0 else hidden * directions)
        for layer in range(a["num_layers"]))


#: Rules tying checked arguments together, each raising ValueError (with the layer's own
#: message) when they do not fit; run before anything is allocated.
RELATIONS: dict[type, Callable[[dict[str, Any]], Any]] = {
    nn.Embedding: lambda a: padding_row(a["padding_idx"], a["num_embeddings"]),
    nn.GroupNorm: lambda a: _divides(a["num_groups"], a["num_channels"], "GroupNorm"),
}
#: The check an annotation names (besides a Literal of strings: `choice`), as written.
BY_ANNOTATION: dict[str, Check] = {
    "int": count, "bool": flag, "float": real, "int | None": optional_count,
    "Optional[int]": optional_count, "float | None": optional_real,
    "bool | None": optional_flag,
    "int | tuple[int, ...]": sizes, "int | tuple[int, ...] | None": optional_sizes,
    "int | tuple[int, ...] | str": padding, "tuple[int, ...]": shape,
}


# ---------------------------------------------------------------- the recipes, derived
class _NoRecipe(Exception):
    """Why no recipe can be read from a class's constructor."""


def _inherited(table: dict[type, dict[str, Any]], cls: type) -> dict[str, Any]:
    """The entries of `table` for `cls` and its bases, the nearest class's winning."""
    return {key: value for klass in reversed(cls.__mro__)
            for key, value in table.get(klass, {}).items()}


def _annotation_check(annotation: Any, name: str) -> Check:
    """The check `annotation` names. The modules postpone their annotations (they are the
    strings written), which are parsed, never evaluated: stir evaluates no text."""
    text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
    try:
        node = ast.parse(text, mode="eval").body
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal":
            parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            allowed = tuple(part.value for part in parts if isinstance(part, ast.Constant))
            if parts and len(allowed) == len(parts) and all(
                    isinstance(value, str) for value in allowed):
                return choice(*allowed)
        return BY_ANNOTATION[ast.unparse(node)]
    except (SyntaxError, ValueError, KeyError):
        shown = "no annotation" if annotation is inspect.Parameter.empty else repr(text)
        raise _NoRecipe(f"{name!r} has {shown}, which names no check (int, bool, float, "
                        "int | None, a Literal of strings)") from None


def _recipe(cls: type) -> Recipe:
    """The recipe read from the constructor of `cls`: its parameters but dtype= and
    generator= (which say has_dtype and initialises_randomly) and the NOT_SAVED ones."""
    parameters = dict(inspect.signature(cls).parameters)
    has_dtype = parameters.pop("dtype", None) is not None
    # Only a layer with parameters (dtype=) draws its initial values, which the file
    # replaces, from generator=; Dropout and RReLU draw while running, so a rebuilt one gets
    # none (the global generator), not the placeholder, which can only give zeros.
    initialises_randomly = parameters.pop("generator", None) is not None and has_dtype
    ranges, not_saved, read = (_inherited(table, cls) for table in (RANGES, NOT_SAVED, READ))
    for table, entries in (("RANGES", ranges), ("NOT_SAVED", not_saved), ("READ", read)):
        if stale := sorted(set(entries) - set(parameters)):
            raise _NoRecipe(f"{table} names {stale}, not arguments of its constructor")
    arguments = {}
    for name, parameter in parameters.items():
        if name == "type" or parameter.kind not in (parameter.POSITIONAL_OR_KEYWORD,
                                                    parameter.KEYWORD_ONLY):
            raise _NoRecipe(f"its constructor takes {parameter}, which a file cannot name")
        if name in not_saved and parameter.default is parameter.empty:
            raise _NoRecipe(f"NOT_SAVED names {name!r}, which has no default")
        if name not in not_saved:
            arguments[name] = ranges.get(name) or _annotation_check(parameter.annotation, name)
    numel = next((NUMEL[klass] for klass in cls.__mro__ if klass in NUMEL), None)
    if numel is None and has_dtype:
        raise _NoRecipe("it takes dtype=, so it has parameters, but NUMEL has no formula "
                        "for their count")
    relate = next((RELATIONS[klass] for klass in cls.__mro__ if klass in RELATIONS),
                  lambda arguments: None)
    return Recipe(cls, arguments, numel or (lambda arguments: 0), read, has_dtype,
                  initialises_randomly, relate)


def derive(namespace: Any = nn) -> tuple[dict[str, Recipe], dict[str, str]]:
    """The recipes of the public Module classes of `namespace` (stir.nn) by class name, and
    the classes with no recipe and no decision: neither a container nor UNSAVEABLE, and a
    constructor no recipe can be read from, each with why (a test requires there be none).

    >>> recipes, undecided = derive()
    >>> list(recipes["Linear"].arguments), recipes["Linear"].has_dtype, undecided
    (['in_features', 'out_features', 'bias'], True, {})
    """
    recipes: dict[str, Recipe] = {}
    undecided: dict[str, str] = {}
    seen: dict[str, type] = {}  # by the name a file gives; an alias (SVMLoss) is seen again
    for public in sorted(name for name in dir(namespace) if not name.startswith("_")):
        cls = getattr(namespace, public)
        if not (isinstance(cls, type) and issubclass(cls, Module)):
            continue
        kind = cls.__name__
        if seen.setdefault(kind, cls) is not cls:  # a file could not tell the two apart
            recipes.pop(kind, None)
            undecided[kind] = "two public classes have this name"
        elif CONTAINERS.get(kind) is not cls and kind not in UNSAVEABLE:
            try:
                recipes[kind] = _recipe(cls)
            except _NoRecipe as why:
                undecided[kind] = str(why)
    return recipes, undecided


RECIPES, UNDECIDED = derive()


def describe(model: Module) -> dict[str, Any]:
    """The architecture of `model` as JSON-ready data; raises UnsupportedArchitecture for a
    layer stir cannot remake.

    >>> describe(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))["layers"]["0"]["type"]
    'Linear'
    """
    spec = _describe(model)
    if depth(spec) > MAX_DEPTH:
        raise UnsupportedArchitecture(f"stir cannot describe a model nested more than "
                                      f"{MAX_DEPTH // 2} containers deep")
    return spec


def _describe(model: Module) -> dict[str, Any]:
    kind = type(model).__name__
    if type(model) is CONTAINERS.get(kind):
        spec: dict[str, Any] = {"type": kind}
        if kind == "MLP":
            spec["architecture"] = list(model.architecture)
        for position, key in enumerate(model._modules):
            if why := _name_problem(model, key, position):
                raise UnsupportedArchitecture(f"stir cannot describe a {kind} with a layer "
                                              f"named {key!r}: {why}")
        spec["layers"] = {name: _describe(layer) for name, layer in model._modules.items()}
        return spec
    recipe = RECIPES.get(kind)
    if recipe is None or type(model) is not recipe.cls:  # a subclass may differ: refuse it
        why = UNSAVEABLE.get(kind) or UNDECIDED.get(kind)
        why = f" ({why})" if why and getattr(nn, kind, None) is type(model) else ""
        raise UnsupportedArchitecture(
            f"stir cannot describe a {type(model).__module__}.{type(model).__qualname__}{why}; "
            f"it can rebuild {', '.join(sorted({*CONTAINERS, *RECIPES}))}")
    spec = {"type": kind, **recipe.values(model)}
    if recipe.has_dtype:
        spec["dtype"] = _parameter_dtype(model)
    return spec


def check(spec: Any, name: str) -> tuple[int, int]:
    """Validate the architecture `spec` read from the file `name` without building anything:
    every layer type known, with exactly its arguments, each of the right type and range.
    Returns the number of parameters it implies and the bytes they take.

    >>> check({"type": "Linear", "in_features": 2, "out_features": "a", "bias": True,
    ...        "dtype": "float32"}, "net.safetensors")
    Traceback (most recent call last):
    ...
    stir.ModelFormatError: net.safetensors: architecture (Linear): out_features must be an integer from 1 to 2**40, got 'a'
    """
    if depth(spec) > MAX_DEPTH:  # the JSON reader already refuses this; a dict may not
        raise ModelFormatError(f"{name}: the architecture is nested more than {MAX_DEPTH} "
                               "levels deep")
    return _check(spec, "architecture", name)


def build(spec: Any, name: str, numel_in_file: int, bytes_in_file: int) -> Module:
    """A fresh model with the architecture `spec` of the file `name`, checked first (see
    `check`): its parameters must number `numel_in_file` and take at most `bytes_in_file`
    bytes, the size of the file's tensors, so building costs no more than the file holds.
    Building does not touch the global random generator."""
    numel, nbytes = check(spec, name)
    if numel != numel_in_file:
        raise ModelFormatError(f"{name}: the architecture has {numel} parameters but the "
                               f"file holds {numel_in_file} numbers")
    if nbytes > bytes_in_file:
        raise ModelFormatError(f"{name}: the architecture's parameters take {nbytes} bytes "
                               f"but the file's tensors only {bytes_in_file} (the dtypes do "
                               "not match)")
    return _build(spec, "architecture", name)


def _check(spec: Any, where: str, name: str) -> tuple[int, int]:
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ModelFormatError(f"{name}: {where} must be an object with a 'type'")
    kind = spec["type"]
    if kind in CONTAINERS:
        allowed = {"type", "layers"} | ({"architecture"} if kind == "MLP" else set())
        layers = spec.get("layers")
        if set(spec) != allowed or not isinstance(layers, dict):
            raise ModelFormatError(f"{name}: {where} ({kind}) needs exactly the fields "
                                   f"{sorted(allowed)} with 'layers' an object")
        if kind == "MLP":
            widths = spec["architecture"]
            if not isinstance(widths, list) or len(widths) > MAX_WIDTHS:
                raise _fail(f"{name}: {where} (MLP): the architecture",
                            f"a list of at most {MAX_WIDTHS} widths", widths)
            for width in widths:
                count(width, f"{name}: {where} (MLP): a width")
        numel = nbytes = 0
        empty = _empty(kind, spec.get("architecture", []))
        for position, (key, layer) in enumerate(layers.items()):
            if why := _name_problem(empty, key, position):
                raise ModelFormatError(f"{name}: {where} ({kind}): the layer name "
                                       f"{quote(key)} cannot be used: {why}")
            layer_numel, layer_bytes = _check(layer, f"{where}.{key}", name)
            numel, nbytes = numel + layer_numel, nbytes + layer_bytes
        return numel, nbytes
    recipe = RECIPES.get(kind)
    if recipe is None:
        raise ModelFormatError(f"{name}: {where}: unknown layer type {quote(kind)}")
    arguments = _arguments(spec, recipe, f"{name}: {where}")
    try:
        recipe.relate(arguments)
    except ValueError as error:
        raise ModelFormatError(f"{name}: {where} ({kind}): {error}") from None
    numel = recipe.numel(arguments)
    itemsize = np.dtype(spec["dtype"]).itemsize if recipe.has_dtype else 0
    return numel, numel * itemsize


def _arguments(spec: dict[str, Any], recipe: Recipe, where: str) -> dict[str, Any]:
    """The checked constructor arguments of the layer `spec` (all of them, nothing else)."""
    kind = spec["type"]
    given = set(spec) - {"type", "dtype"}
    expected = set(recipe.arguments)
    if given != expected or ("dtype" in spec) != recipe.has_dtype:
        wanted = sorted(expected | ({"dtype"} if recipe.has_dtype else set()))
        raise ModelFormatError(f"{where} ({kind}): the arguments must be exactly {wanted}, "
                               f"got {quote(sorted(set(spec) - {'type'}))}")
    if recipe.has_dtype:
        choice(*DTYPE_NAMES)(spec["dtype"], f"{where} ({kind}): dtype")
    return {key: validate(spec[key], f"{where} ({kind}): {key}")
            for key, validate in recipe.arguments.items()}


def _empty(kind: str, widths: list[int]) -> Module:
    """A container of `kind` holding no layers yet (an MLP keeps its `widths`)."""
    cls = CONTAINERS[kind]
    if kind != "MLP":
        return cls()
    model = cls.__new__(cls)  # its constructor would make the layers itself
    nn.Sequential.__init__(model)  # an MLP is a Sequential + widths
    model.architecture = widths
    return model


def _name_problem(container: Module, key: Any, position: int) -> str | None:
    """Why `key` cannot name the layer at `position` of `container` (add_module's rules:
    no ".", not the name of an attribute such as "train"; a ModuleList's "0", "1", ...), or
    None. The same rule for `describe` and `check`, so stir never writes what it refuses."""
    if not isinstance(key, str) or len(key) > MAX_NAME:
        return f"a layer name must be a string of at most {MAX_NAME} characters"
    if type(container) is nn.ModuleList and key != str(position):
        return f"a ModuleList numbers its layers 0, 1, ... in order, so this one is {position}"
    try:
        check_name(container, "module", key, container._modules)
    except (KeyError, TypeError) as error:
        return str(error.args[0])
    return None


def _build(spec: dict[str, Any], where: str, name: str) -> Module:
    kind = spec["type"]
    if kind in CONTAINERS:
        model = _empty(kind, spec.get("architecture", []))
        for key, layer in spec["layers"].items():
            model.add_module(key, _build(layer, f"{where}.{key}", name))
        return model
    recipe = RECIPES[kind]
    arguments = _arguments(spec, recipe, f"{name}: {where}")
    if recipe.has_dtype:
        arguments["dtype"] = np.dtype(spec["dtype"])
    if recipe.initialises_randomly:
        arguments["generator"] = _PLACEHOLDER  # the values are overwritten from the file
    try:
        return recipe.cls(**arguments)
    # NotImplementedError: arguments a layer has but stir does not implement (an LSTM's
    # proj_size); in a file, that is the file's error like any refused argument.
    except (TypeError, ValueError, NotImplementedError) as error:
        raise ModelFormatError(f"{name}: {where} ({kind}): {error}") from None


class _ZerosInstead:
    """Stands in for a NumPy generator while a layer is built only to receive a file's
    weights: `uniform` gives a read-only view of zeros, so the layer's `astype` makes the
    parameter's only copy (a float64 draw would briefly cost twice the parameter)."""

    @staticmethod
    def uniform(low: float, high: float, size: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(np.float32(0), size)

    @staticmethod
    def standard_normal(size: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(np.float32(0), size)


class _PlaceholderGenerator(Generator):
    @property
    def numpy(self) -> Any:  # type: ignore[override]
        return _ZerosInstead


_PLACEHOLDER = _PlaceholderGenerator()


def _parameter_dtype(layer: Module) -> str:
    dtypes = {str(parameter.dtype) for parameter in layer.parameters()}
    return dtypes.pop() if len(dtypes) == 1 else "float32"
