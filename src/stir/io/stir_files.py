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
from typing import Any, BinaryIO, Collection

import numpy as np

from .._version import __version__
from . import bounded_json
from .atomic import write_atomic
from .errors import ModelFormatError, WrongFileKind, quote
from .safetensors_format import encode, read

FORMAT_VERSION = "1"
PREFIX = "stir."
REQUIRED = ("format", "format_version", "version", "numpy_version", "sha256")


def write_stir_file(path: str | Path | BinaryIO, kind: str, tensors: dict[str, np.ndarray],
                    fields: dict[str, Any]) -> Any:
    """Write `tensors` and the JSON-ready `fields` atomically as a stir file of `kind` at
    `path` (returned), or into the binary file object `path` (which cannot be atomic).

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "demo.safetensors"
    >>> _ = write_stir_file(path, "model", {"w": np.ones(2)}, {"note": [1, 2]})
    >>> tensors, fields = read_stir_file(path, "model", fields=["note"])
    >>> tensors["w"].tolist(), fields["note"]
    ([1.0, 1.0], [1, 2])
    """
    metadata = {PREFIX + "format": kind, PREFIX + "format_version": FORMAT_VERSION,
                PREFIX + "version": __version__, PREFIX + "numpy_version": np.__version__}
    for key, value in fields.items():
        metadata[PREFIX + key] = bounded_json.dumps(value, repr(key))
    metadata[PREFIX + "sha256"] = checksum(tensors, metadata)
    data = encode(tensors, metadata)
    if hasattr(path, "write"):
        path.write(data)
        return path
    return write_atomic(path, data)


def read_stir_file(path: str | Path | BinaryIO, kind: str, fields: Collection[str],
                   allow_plain: bool = False) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The tensors and fields of the stir file of `kind` at `path` (or in the binary file
    object `path`, read to its end), after checking its header and its checksum. `fields`
    are the names a file of this kind may hold (any may be absent); another is an error.
    With `allow_plain`, a safetensors file without stir's fields gives its tensors and
    empty fields."""
    name = display_name(path)
    tensors, metadata = read(path, name)
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
        found = metadata[PREFIX + "format"]
        raise WrongFileKind(f"{name}: this is a stir {quote(found)} file, not a {kind} file",
                            str(found), kind)
    if metadata[PREFIX + "format_version"] != FORMAT_VERSION:
        raise ModelFormatError(
            f"{name}: format version {quote(metadata[PREFIX + 'format_version'])}; this stir "
            f"({__version__}) reads version {FORMAT_VERSION}")
    unknown = sorted(key for key in stir_keys
                     if key[len(PREFIX):] not in {*REQUIRED, *fields})
    if unknown:
        raise ModelFormatError(f"{name}: unknown stir field(s) {quote(unknown)} in a {kind} "
                               f"file (it may hold {', '.join(sorted(fields))})")
    stored = metadata[PREFIX + "sha256"]
    if stored != checksum(tensors, metadata):
        raise ModelFormatError(f"{name}: the checksum does not match: the file was changed "
                               "or damaged after it was written")
    values = {key[len(PREFIX):]: bounded_json.loads(metadata[key], f"{name}: field {key!r}")
              for key in sorted(stir_keys - {PREFIX + key for key in REQUIRED})}
    values["version"] = metadata[PREFIX + "version"]
    values["numpy_version"] = metadata[PREFIX + "numpy_version"]
    return tensors, values


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


def stir_kind(path: str | Path) -> str | None:
    """The kind of stir file at `path` ("model" or "checkpoint"), or None for anything else
    (a missing file, a folder, a FIFO, a CSV, a plain safetensors file, a damaged header).
    Reads and checks the header only, not the checksum: it is for deciding whether a file
    may be replaced.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "m.safetensors"
    >>> _ = write_stir_file(path, "model", {"w": np.ones(2)}, {})
    >>> stir_kind(path), stir_kind(path.parent), stir_kind(path.parent / "missing")
    ('model', None, None)
    """
    from .safetensors_format import read_header

    try:
        _, metadata, _ = read_header(path, str(path))
    except (ModelFormatError, OSError):
        return None
    kind = metadata.get(PREFIX + "format")
    return kind if kind in ("model", "checkpoint") else None
