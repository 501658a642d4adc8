"""stir's files: safetensors with stir's fields in the header and a checksum over it all.

Every file stir writes (models and checkpoints) is a safetensors file whose "__metadata__"
holds `stir.format` ("model" or "checkpoint"), `stir.format_version`, the stir and NumPy
versions, the caller's fields as JSON strings under `stir.<field>`, and `stir.sha256`: the
SHA-256 of everything else (the fields and every tensor's name, dtype, shape and bytes),
verified on every read. Any other safetensors tool still reads the tensors.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .._version import __version__
from .atomic import write_atomic
from .errors import ModelFormatError
from .safetensors_format import decode, encode

FORMAT_VERSION = "1"
PREFIX = "stir."
REQUIRED = ("format", "format_version", "version", "numpy_version", "sha256")


def write_stir_file(path: str | Path, kind: str, tensors: dict[str, np.ndarray],
                    fields: dict[str, Any]) -> Path:
    """Write `tensors` and the JSON-ready `fields` atomically as a stir file of `kind`.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "demo.safetensors"
    >>> _ = write_stir_file(path, "model", {"w": np.ones(2)}, {"note": [1, 2]})
    >>> tensors, fields = read_stir_file(path, "model")
    >>> tensors["w"].tolist(), fields["note"]
    ([1.0, 1.0], [1, 2])
    """
    metadata = {PREFIX + "format": kind, PREFIX + "format_version": FORMAT_VERSION,
                PREFIX + "version": __version__, PREFIX + "numpy_version": np.__version__}
    for key, value in fields.items():
        try:
            metadata[PREFIX + key] = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise TypeError(f"cannot save {key!r}: {error} (it must be JSON data: numbers, "
                            "strings, lists and dicts with string keys)") from None
    metadata[PREFIX + "sha256"] = checksum(tensors, metadata)
    return write_atomic(path, encode(tensors, metadata))


def read_stir_file(path: str | Path | BinaryIO, kind: str, allow_plain: bool = False
                   ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The tensors and fields of the stir file of `kind` at `path` (or in the binary file
    object `path`, read to its end), after checking its header and its checksum. With
    `allow_plain`, a safetensors file without stir's fields gives its tensors and empty
    fields."""
    name = display_name(path)
    if hasattr(path, "read"):
        data = path.read()
        if not isinstance(data, bytes):
            raise TypeError(f"{name}: open the file in binary mode ('rb'), not text mode")
    else:
        data = Path(path).read_bytes()
    tensors, metadata = decode(data, name)
    stir_keys = {key for key in metadata if key.startswith(PREFIX)}
    if not stir_keys:
        if allow_plain:
            return tensors, {}
        raise ModelFormatError(f"{name}: not a stir {kind} file (a safetensors file without "
                               "stir's metadata)")
    missing = [PREFIX + key for key in REQUIRED if PREFIX + key not in metadata]
    if missing:
        raise ModelFormatError(f"{name}: the stir metadata lacks {', '.join(missing)}")
    if metadata[PREFIX + "format"] != kind:
        raise ModelFormatError(f"{name}: this is a stir {metadata[PREFIX + 'format']!r} file, "
                               f"not a {kind} file")
    if metadata[PREFIX + "format_version"] != FORMAT_VERSION:
        raise ModelFormatError(
            f"{name}: format version {metadata[PREFIX + 'format_version']!r}; this stir "
            f"({__version__}) reads version {FORMAT_VERSION}")
    stored = metadata[PREFIX + "sha256"]
    if stored != checksum(tensors, metadata):
        raise ModelFormatError(f"{name}: the checksum does not match: the file was changed "
                               "or damaged after it was written")
    fields = {}
    for key in stir_keys - {PREFIX + key for key in REQUIRED}:
        try:
            fields[key[len(PREFIX):]] = json.loads(metadata[key], parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise ModelFormatError(f"{name}: the metadata field {key!r} is not valid "
                                   "JSON") from None
    fields["version"] = metadata[PREFIX + "version"]
    fields["numpy_version"] = metadata[PREFIX + "numpy_version"]
    return tensors, fields


def display_name(path: Any) -> str:
    """How messages name a file: its path, or a file object's name."""
    return str(getattr(path, "name", "<stream>")) if hasattr(path, "read") else str(path)


def checksum(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> str:
    """SHA-256 (hex) of the metadata other than the checksum itself, then each tensor's
    name, dtype, shape and little-endian bytes, in name order."""
    digest = hashlib.sha256()
    fields = {key: value for key, value in metadata.items() if key != PREFIX + "sha256"}
    digest.update(json.dumps(fields, sort_keys=True).encode())
    for name in sorted(tensors):
        array = tensors[name]
        little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        digest.update(json.dumps([name, little.dtype.str, list(array.shape)]).encode())
        digest.update(little)  # the buffer itself: no copy of a large tensor
    return digest.hexdigest()


def _no_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")
