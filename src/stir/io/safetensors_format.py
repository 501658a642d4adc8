"""The safetensors format: written by the `safetensors` package, read here, strictly.

A safetensors file is an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then
the tensors' bytes. The JSON maps each tensor name to {"dtype", "shape", "data_offsets":
[begin, end]} (offsets into the data that follows the header), plus an optional
"__metadata__" of string → string. `decode` checks every claim the header makes before any
array is made, so a hostile file costs at most its own size in memory and raises
`ModelFormatError` rather than anything else.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from .errors import ModelFormatError

#: Headers larger than this are refused before they are parsed (safetensors allows 100 MB;
#: a model's index needs a few hundred bytes per tensor).
MAX_HEADER_BYTES = 16 * 2**20
LENGTH_BYTES = 8
#: safetensors dtype names → little-endian NumPy dtypes (what `safetensors.numpy` reads).
DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"), "U64": np.dtype("<u8"), "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"), "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
}
TENSOR_FIELDS = {"dtype", "shape", "data_offsets"}


def encode(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """The bytes of a safetensors file holding `tensors` and `metadata` (via `safetensors`).

    >>> data = encode({"w": np.ones(2, np.float32)}, {"note": "hi"})
    >>> decode(data, "example")[0]["w"].tolist(), decode(data, "example")[1]
    ([1.0, 1.0], {'note': 'hi'})
    """
    from safetensors.numpy import save

    for name, array in tensors.items():
        if array.dtype.newbyteorder("<") not in DTYPES.values():
            raise TypeError(f"cannot save tensor {name!r}: dtype {array.dtype} has no "
                            f"safetensors name (supported: {', '.join(DTYPES)})")
    # safetensors wants C-contiguous little-endian arrays.
    arrays = {name: np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
              for name, array in tensors.items()}
    return save(arrays, metadata=metadata or None)


def decode(data: bytes, name: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors (writable arrays) and metadata of the safetensors file `data`; `name`
    (a path) is used in messages. Raises ModelFormatError for anything malformed.

    Each array is copied straight out of `data` once the whole header has been checked, so
    reading costs the file's size again and no more.
    """
    entries, metadata, start = parse_header(data, name)
    tensors = {}
    for key, entry in entries.items():
        begin = start + entry["data_offsets"][0]
        little = np.frombuffer(data, dtype=entry["numpy_dtype"], count=entry["numel"],
                               offset=begin)
        tensors[key] = little.astype(little.dtype.newbyteorder("="))  # a native copy
        tensors[key].shape = tuple(entry["shape"])
    return tensors, metadata


def parse_header(data: bytes, name: str) -> tuple[dict[str, dict[str, Any]], dict[str, str],
                                                  int]:
    """Check the header of `data` completely: (tensor entries, metadata, data start).

    Each entry gets "numpy_dtype" and "numel" added. Every byte after the header must
    belong to exactly one tensor: no gaps, overlaps, truncation or trailing bytes.
    """
    size = len(data)
    if size == 0:
        raise ModelFormatError(f"{name}: the file is empty")
    if size < LENGTH_BYTES:
        raise ModelFormatError(f"{name}: the file has {size} bytes, fewer than the 8 of a "
                               "safetensors header length; it is not a model file")
    header_length = int.from_bytes(data[:LENGTH_BYTES], "little")
    if header_length > MAX_HEADER_BYTES:
        raise ModelFormatError(f"{name}: not a safetensors file: its first 8 bytes claim a "
                               f"{header_length}-byte header, more than the "
                               f"{MAX_HEADER_BYTES // 2**20} MiB limit")
    if header_length > size - LENGTH_BYTES:
        raise ModelFormatError(f"{name}: the header claims {header_length} bytes but the file "
                               f"has only {size - LENGTH_BYTES} after the length; it is "
                               "truncated or not a safetensors file")
    header = _json_object(bytes(data[LENGTH_BYTES:LENGTH_BYTES + header_length]), name)
    metadata = header.pop("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in metadata.items()):
        raise ModelFormatError(f"{name}: __metadata__ must map strings to strings")
    start = LENGTH_BYTES + header_length
    entries = {key: _entry(key, value, name) for key, value in header.items()}
    _check_layout(entries, size - start, name)
    return entries, metadata, start


def _json_object(raw: bytes, name: str) -> dict[str, Any]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ModelFormatError(f"{name}: the header is not valid UTF-8 (byte "
                               f"{error.start + LENGTH_BYTES})") from None

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        if len(set(keys)) != len(keys):
            twice = sorted({key for key in keys if keys.count(key) > 1})
            raise ModelFormatError(f"{name}: the header repeats the key(s) {twice}")
        return dict(pairs)

    try:
        header = json.loads(text, object_pairs_hook=no_duplicates,
                            parse_constant=_refuse_constant)
    except (json.JSONDecodeError, RecursionError) as error:
        detail = error.msg if isinstance(error, json.JSONDecodeError) else "nested too deeply"
        raise ModelFormatError(f"{name}: the header is not valid JSON: {detail}") from None
    if not isinstance(header, dict):
        raise ModelFormatError(f"{name}: the header must be a JSON object, got "
                               f"{type(header).__name__}")
    return header


def _refuse_constant(constant: str) -> Any:
    raise json.JSONDecodeError(f"{constant} is not JSON", constant, 0)


def _entry(key: str, value: Any, name: str) -> dict[str, Any]:
    where = f"{name}: tensor {key!r}"
    if not isinstance(value, dict) or set(value) != TENSOR_FIELDS:
        got = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ModelFormatError(f"{where}: an entry needs exactly the fields dtype, shape and "
                               f"data_offsets, got {got}")
    dtype = value["dtype"]
    if dtype not in DTYPES:
        raise ModelFormatError(f"{where}: unknown or unsupported dtype {dtype!r} (stir reads "
                               f"{', '.join(DTYPES)})")
    shape, offsets = value["shape"], value["data_offsets"]
    if not isinstance(shape, list) or not all(_natural(n) for n in shape):
        raise ModelFormatError(f"{where}: the shape must be a list of integers >= 0, got "
                               f"{shape!r}")
    if (not isinstance(offsets, list) or len(offsets) != 2 or not all(map(_natural, offsets))
            or offsets[0] > offsets[1]):
        raise ModelFormatError(f"{where}: data_offsets must be [begin, end] with "
                               f"0 <= begin <= end, got {offsets!r}")
    numel = math.prod(shape)  # Python integers: a huge shape cannot overflow here
    if numel * DTYPES[dtype].itemsize != offsets[1] - offsets[0]:
        raise ModelFormatError(
            f"{where}: shape {shape} of {dtype} needs {numel * DTYPES[dtype].itemsize} bytes "
            f"but data_offsets {offsets} span {offsets[1] - offsets[0]}")
    return {**value, "numpy_dtype": DTYPES[dtype], "numel": numel}


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _check_layout(entries: dict[str, dict[str, Any]], data_size: int, name: str) -> None:
    """The byte ranges, sorted, must tile [0, data_size) exactly."""
    position = 0
    for key, entry in sorted(entries.items(), key=lambda item: item[1]["data_offsets"]):
        begin, end = entry["data_offsets"]
        if begin < position:
            raise ModelFormatError(f"{name}: tensor {key!r} starts at byte {begin}, inside "
                                   "the previous tensor (overlapping ranges)")
        if begin > position:
            raise ModelFormatError(f"{name}: bytes {position}–{begin} belong to no tensor "
                                   f"(a gap before {key!r})")
        position = end
    if position > data_size:
        raise ModelFormatError(f"{name}: the tensors need {position} bytes of data but the "
                               f"file holds {data_size}; it is truncated")
    if position < data_size:
        raise ModelFormatError(f"{name}: {data_size - position} trailing bytes after the last "
                               "tensor")
