"""Hostile model and checkpoint files, made the way an attacker makes them.

The SHA-256 in a stir file only detects accidents: whoever edits a file can compute it
again. So these tools edit a file's header as data and then `seal` it, recomputing the
checksum exactly as `stir.io.stir_files.checksum` will check it. `dumps` writes JSON that
Python's `json` will not (a key twice, a 5 000-digit integer, 1e400), because a reader must
refuse such text too. CASES is the fixed corpus of the files an outside check found, each
a small builder; the real files they and the fuzzer start from are in `real_files`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _quoted  # what json.dumps does to a str
from typing import Any

import numpy as np

import stir
from stir.io.safetensors_format import DTYPES
from stir.io.stir_files import checksum

from real_files import fit_checkpoint

# The stir fields that are plain strings; every other "stir.*" value is JSON text.
PLAIN_FIELDS = {"stir.format", "stir.format_version", "stir.version", "stir.numpy_version",
                "stir.sha256"}
SEAL = "<the checksum, recomputed>"  # stands for stir.sha256 until the header is final
INTO_FIELD = "<json>"  # a path step from a "stir.*" string into the JSON it holds


# ---------------------------------------------------------------- JSON that json won't write
class Raw:
    """JSON text written as it is: "1e400", a 5 000-digit integer, "[[[...]]]"."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Pairs:
    """An object written as these (key, value) pairs in order, so a key can repeat."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: tuple[tuple[str, Any], ...]) -> None:
        self.pairs = pairs


@dataclass(frozen=True)
class Embedded:
    """A "stir.*" field: JSON held in a JSON string. `text` caches an unedited field's."""

    value: Any
    text: str | None = None


def dumps(node: Any) -> str:
    """The JSON text of `node`, which may contain Raw, Pairs and Embedded."""
    if isinstance(node, (dict, list)):
        try:
            return json.dumps(node)  # plain JSON, at the C encoder's speed
        except TypeError:
            pass  # it holds a Raw, Pairs or Embedded (json knows none of them): piece by piece
    if isinstance(node, str):
        return _quoted(node)
    if isinstance(node, Raw):
        return node.text
    if isinstance(node, Embedded):
        return _quoted(node.text if node.text is not None else dumps(node.value))
    if isinstance(node, (dict, Pairs)):
        pairs = node.pairs if isinstance(node, Pairs) else node.items()
        return "{" + ", ".join(f"{_quoted(key)}: {dumps(value)}" for key, value in pairs) + "}"
    if isinstance(node, (list, tuple)):
        return "[" + ", ".join(map(dumps, node)) + "]"
    return json.dumps(node)


def digits(count: int) -> Raw:
    """An integer of `count` digits, beyond what Python's int() parses by default (4 300)."""
    return Raw("9" * count)


def nested(value: Any, depth: int) -> Raw:
    """`value` inside `depth` lists, written without recursion."""
    return Raw("[" * depth + dumps(value) + "]" * depth)


# ---------------------------------------------------------------- files as trees
def split(data: bytes) -> tuple[dict[str, Any], bytes]:
    """The header of a valid file as a tree (each "stir.*" JSON field an Embedded, the
    checksum the SEAL) and the tensor bytes after it."""
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + length])
    metadata = {}
    for key, value in header.pop("__metadata__").items():
        if key == "stir.sha256":
            metadata[key] = SEAL
        elif key in PLAIN_FIELDS:
            metadata[key] = value
        else:
            metadata[key] = Embedded(json.loads(value), value)
    return {"__metadata__": metadata, **header}, data[8 + length:]


def seal(tree: Any, body: bytes, junk: dict[str, Any] | None = None) -> bytes:
    """The file of header `tree` and tensor bytes `body`, with the checksum an attacker
    computes: over the tensors the header describes, where they can be decoded at all.
    `junk` adds header entries that are not tensors (the checksum does not cover them, so
    it is computed without parsing them: they may be megabytes)."""
    text = dumps(tree)
    placeholder = json.dumps(SEAL)  # absent when an edit replaced the checksum itself
    digest = json.dumps(attacker_checksum(text, body)) if placeholder in text else placeholder
    if junk:
        text = dumps({**tree, **junk})
    header = text.replace(placeholder, digest).encode("utf-8", "surrogatepass")
    return len(header).to_bytes(8, "little") + header + body


def attacker_checksum(text: str, body: bytes) -> str:
    """stir.sha256 for the header `text` (read as a lenient parser reads it) and `body`."""
    try:
        header = json.loads(text)  # a repeated key: the last one wins, as in most parsers
    except (ValueError, RecursionError):
        return "0" * 64  # stir cannot parse it either, so never reaches the checksum
    metadata = header.pop("__metadata__", None) if isinstance(header, dict) else None
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        return "0" * 64
    tensors = {key: array for key, array in ((key, decoded(entry, body))
                                             for key, entry in header.items())
               if array is not None}
    try:
        return checksum(tensors, metadata)
    except (TypeError, ValueError):
        return "0" * 64


def decoded(entry: Any, body: bytes) -> np.ndarray | None:
    """The array a tensor entry describes, or None where there is none to decode."""
    try:
        dtype = DTYPES[entry["dtype"]]
        shape, (begin, end) = entry["shape"], entry["data_offsets"]
        # At most NumPy's 64 dimensions, of plain integers: math.prod of 80 000 threes is
        # slow, and of [[], 2**200] a list repeated past memory.
        if len(shape) > 64 or not all(type(n) is int and n >= 0 for n in shape):
            return None
        count = math.prod(shape)
        if count * dtype.itemsize != end - begin or not 0 <= begin <= end <= len(body):
            return None
        return np.frombuffer(body, dtype, count, begin).reshape(shape)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None


def layout(tensors: dict[str, tuple[str, Any, bytes]]) -> tuple[dict[str, Any], bytes]:
    """Header entries and body for tensors given as name → (dtype, shape, bytes), with
    consistent data_offsets (the shape may claim anything)."""
    entries, chunks, position = {}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        entries[name] = {"dtype": dtype, "shape": shape,
                         "data_offsets": [position, position + len(raw)]}
        chunks.append(raw)
        position += len(raw)
    return entries, b"".join(chunks)


def tensors_of(tree: dict[str, Any], body: bytes) -> dict[str, tuple[str, Any, bytes]]:
    """The inverse of `layout` for a valid file."""
    return {name: (entry["dtype"], entry["shape"],
                   body[entry["data_offsets"][0]:entry["data_offsets"][1]])
            for name, entry in tree.items() if name != "__metadata__"}


def with_field(data: bytes, field_name: str, path: tuple[Any, ...], value: Any) -> bytes:
    """`data` resealed with the value at `path` inside the JSON of "stir.<field_name>"."""
    tree, body = split(data)
    tree["__metadata__"]["stir." + field_name] = Embedded(
        replaced(tree["__metadata__"]["stir." + field_name].value, path, value))
    return seal(tree, body)


def replaced(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of `node` with `value` at `path`; only the containers on the path are copied."""
    if not path:
        return value
    if isinstance(node, Embedded):
        return Embedded(replaced(node.value, path[1:], value))
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[path[0]] = replaced(node[path[0]], path[1:], value)
    return copy


def model_tree(architecture: Any, tensors: dict[str, tuple[str, Any, bytes]] | None = None
               ) -> tuple[dict[str, Any], bytes]:
    """The header tree and body of a model file with this architecture (any JSON node),
    `stir train`'s metadata and these tensors, ready to be edited and sealed."""
    entries, body = layout(tensors or {})
    metadata = {"stir.format": "model", "stir.format_version": "1",
                "stir.version": stir.__version__, "stir.numpy_version": np.__version__,
                "stir.metadata": Embedded(TRAINED_METADATA),
                "stir.model_class": Embedded("stir.nn.layers.Sequential"),
                "stir.architecture": Embedded(architecture), "stir.sha256": SEAL}
    return {"__metadata__": metadata, **entries}, body


def model_file(architecture: Any, tensors: dict[str, tuple[str, Any, bytes]] | None = None
               ) -> bytes:
    return seal(*model_tree(architecture, tensors))


def f32(*shape: int) -> tuple[str, list[int], bytes]:
    return "F32", list(shape), bytes(4 * math.prod(shape))


def linear(inputs: Any, outputs: Any, bias: bool = True) -> dict[str, Any]:
    return {"type": "Linear", "in_features": inputs, "out_features": outputs, "bias": bias,
            "dtype": "float32"}


def sequential(*layers: Any) -> dict[str, Any]:
    return {"type": "Sequential", "layers": {str(i): layer for i, layer in enumerate(layers)}}


# What `stir train` keeps, so that TrainedModel.load gets as far as building the model.
TRAINED_METADATA = {"stir_train": {
    "features": ["a", "b"], "target": "y", "task": "classification",
    "standardizer": {"mean": [0.0, 1.0], "std": [1.0, 2.0]}, "classes": ["no", "yes"],
    "target_mean": 0.0, "target_std": 1.0}}


# ---------------------------------------------------------------- the corpus
def _small_linear() -> tuple[dict[str, Any], dict[str, tuple[str, Any, bytes]]]:
    return linear(2, 3), {"weight": f32(3, 2), "bias": f32(3)}


def out_features_a_string() -> bytes:
    """`"a" * (in_features + 1)` made a 2 GB string, then int() raised (372 bytes then)."""
    return model_file(linear(2**31, "a"))


def prelu_cancelling(inputs: int, outputs: int) -> Callable[[], bytes]:
    def build() -> bytes:
        """A negative PReLU count cancels the Linear's in the parameter count, so the count
        "matches" a file of no tensors and the Linear is allocated."""
        return model_file(sequential(linear(inputs, outputs, bias=False),
                                     {"type": "PReLU", "num_parameters": -inputs * outputs,
                                      "dtype": "float32"}))
    return build


def header_of_empty_lists() -> bytes:
    """A 15 MiB header, almost all `[]`: 5 million lists once parsed (406 MiB)."""
    count = (15 * 2**20) // 3
    tree, body = model_tree(*_small_linear())
    return seal(tree, body, junk={"junk": Raw("[" + "[]," * (count - 1) + "[]]")})


def _small_linear_padded(padding: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The small Linear, and `padding` bytes of another tensor: a large file may spend more
    memory on its header, so that no size budget refuses it before the check under test."""
    architecture, tensors = _small_linear()
    if padding:
        tensors["padding"] = ("U8", [padding], bytes(padding))
    return architecture, tensors


def repeated_key_among(count: int, padding: int = 0) -> Callable[[], bytes]:
    def build() -> bytes:
        """`count` metadata keys, one of them twice: counting each key's repeats is
        quadratic (40 000 keys took 15–22 s, 150 000 more than 120 s)."""
        tree, body = model_tree(*_small_linear_padded(padding))
        keys = [(str(number), "") for number in range(count)]
        tree["__metadata__"] = Pairs((*tree["__metadata__"].items(), *keys,
                                      keys[count // 2]))
        return seal(tree, body)
    return build


def repeated_key_in_a_field() -> bytes:
    """A key twice inside stir.metadata, which the checksum covers as text."""
    tree, body = model_tree(*_small_linear())
    tree["__metadata__"]["stir.metadata"] = Embedded(Pairs(
        (("stir_train", TRAINED_METADATA["stir_train"]), ("stir_train", 5))))
    return seal(tree, body)


def long_shape(length: int, padding: int = 0) -> Callable[[], bytes]:
    def build() -> bytes:
        """A shape of `length` entries (80 000 took 5–7 s, 300 000 took 77 s)."""
        architecture, tensors = _small_linear_padded(padding)
        tensors["weight"] = ("F32", [3] * length, bytes(4))
        return model_file(architecture, tensors)
    return build


def weight_as(dtype: Any, shape: Any, raw: bytes) -> Callable[[], bytes]:
    def build() -> bytes:
        """The small Linear's file with its weight entry claiming this dtype and shape over
        `raw` (the byte ranges still tile the data, so only the claim is wrong)."""
        architecture, tensors = _small_linear()
        tensors["weight"] = (dtype, shape, raw)
        return model_file(architecture, tensors)
    return build


def offsets_of_5000_digits() -> bytes:
    """The weight's data_offsets end as a 5 000-digit integer (Python's int() refuses more
    than 4 300 digits with a ValueError that is not a JSONDecodeError)."""
    tree, body = model_tree(*_small_linear())
    tree["weight"] = {**tree["weight"], "data_offsets": [0, digits(5000)]}
    return seal(tree, body)


def architecture_of(node: Any) -> Callable[[], bytes]:
    def build() -> bytes:
        """The small Linear's file with this architecture instead."""
        return model_file(node, _small_linear()[1])
    return build


def nested_sequentials(depth: int) -> Raw:
    inner = dumps(linear(2, 3))
    return Raw('{"type": "Sequential", "layers": {"0": ' * depth + inner + "}}" * depth)


def checkpoint_field(field_name: str, path: tuple[Any, ...], value: Any
                     ) -> Callable[[], bytes]:
    def build() -> bytes:
        """fit's mid-epoch checkpoint with one value inside stir.<field_name> replaced."""
        return with_field(fit_checkpoint(), field_name, path, value)
    return build


def order_with_index(index: int) -> bytes:
    """The epoch's permutation of 64 samples with `index` last: the checkpoint was taken
    at sample 32, so that entry is still to be used."""
    tree, body = split(fit_checkpoint())
    end = tree["state.fit.order"]["data_offsets"][1]
    body = body[:end - 8] + np.int64(index).tobytes() + body[end:]
    return seal(tree, body)


def outputs_of_width(width: int) -> bytes:
    """The epoch's outputs so far (32 samples), `width` wide where the model gives 2 (found
    by the structured fuzzer: resumed, the run failed at the epoch's end)."""
    tree, body = split(fit_checkpoint())
    tensors = tensors_of(tree, body)
    tensors["state.fit.outputs"] = f32(32, width)
    entries, body = layout(tensors)
    return seal({"__metadata__": tree["__metadata__"], **entries}, body)


@dataclass(frozen=True)
class Case:
    """One hostile file. `level` says which readers must refuse it: "bytes", all of them;
    "load", those that load it (reading alone may succeed); "resume", fit's resume only.
    `field` is what the message must name, besides the file."""

    name: str
    build: Callable[[], bytes]
    kind: str
    level: str
    field: str | None = None


def _model(name: str, build: Callable[[], bytes], level: str, field: str | None = None
           ) -> Case:
    return Case(name, build, "model", level, field)


def _checkpoint(name: str, build: Callable[[], bytes], level: str, field: str | None = None
                ) -> Case:
    return Case(name, build, "checkpoint", level, field)


# Enough tensor bytes that a budget for the header's parsing which grows with the file (as
# a reader may well have) still lets the 40 000 keys or the 80 000 entries be parsed.
PADDING = 8 * 2**20

CASES = [
    _model("out_features_a_string", out_features_a_string, "load", "out_features"),
    _model("prelu_cancels_a_1_GB_linear", prelu_cancelling(16384, 16384), "load",
           "num_parameters"),
    _model("prelu_cancels_a_4_GB_linear", prelu_cancelling(32768, 32768), "load",
           "num_parameters"),
    _model("prelu_cancels_a_2_TiB_linear", prelu_cancelling(2**19, 2**20), "load",
           "num_parameters"),
    _model("header_of_15_MiB_of_empty_lists", header_of_empty_lists, "bytes"),
    _model("repeated_key_among_40_000", repeated_key_among(40_000), "bytes"),
    _model("repeated_key_among_150_000", repeated_key_among(150_000), "bytes"),
    _model("repeated_key_among_40_000_in_an_8_MiB_file",
           repeated_key_among(40_000, PADDING), "bytes"),
    _model("repeated_key_inside_stir_metadata", repeated_key_in_a_field, "bytes"),
    _model("shape_of_80_000_entries", long_shape(80_000), "bytes"),
    _model("shape_of_300_000_entries", long_shape(300_000), "bytes"),
    _model("shape_of_80_000_entries_in_an_8_MiB_file", long_shape(80_000, PADDING), "bytes"),
    _model("dtype_is_a_list", weight_as(["F32"], [3, 2], bytes(24)), "bytes", "dtype"),
    _model("integer_of_5000_digits_in_the_header", offsets_of_5000_digits, "bytes"),
    _model("integer_of_5000_digits_in_the_architecture",
           architecture_of(linear(digits(5000), 3)), "bytes"),
    _model("shape_of_65_dimensions", weight_as("F32", [1] * 65, bytes(4)), "bytes", "shape"),
    _model("shape_0_by_2_62", weight_as("F32", [0, 2**62], b""), "load", "weight"),
    _model("width_1e400", architecture_of(linear(Raw("1e400"), 3)), "load", "in_features"),
    _model("495_nested_sequentials", architecture_of(nested_sequentials(495)), "load",
           "architecture"),
    _checkpoint("generator_state_minus_1",
                checkpoint_field("random", ("default", "state", "state"), -1), "load",
                "random"),
    _checkpoint("generator_state_2_200",
                checkpoint_field("random", ("default", "state", "state"), 2**200), "load",
                "random"),
    _checkpoint("lists_nested_500_deep",
                checkpoint_field("optimizer", ("param_groups", 0, "lr"), nested(0.01, 500)),
                "load", "lr"),
    _checkpoint("fit_position_1e400",
                checkpoint_field("state", ("fit", "position"), Raw("1e400")), "resume",
                "position"),
    _checkpoint("order_holds_999_of_64", lambda: order_with_index(999), "resume", "order"),
    _checkpoint("fit_step_minus_5", checkpoint_field("state", ("fit", "step"), -5), "resume",
                "step"),
    _checkpoint("fit_outputs_4_wide_for_2_classes", lambda: outputs_of_width(4), "resume",
                "outputs"),
]
