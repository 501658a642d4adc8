"""Writing a file so that a crash leaves either the old file or the new one, never a mix.

`write_atomic` writes to a temporary file in the destination's directory, flushes and
fsyncs it, renames it over the destination with `os.replace` (atomic on POSIX and Windows),
then fsyncs the directory so the rename itself survives a power cut. A crash before the
rename leaves a stray temporary file, which the next successful write removes.
"""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_prefix(path: Path) -> str:
    """Temporary files for `path` are named .<name>.<random>.tmp beside it."""
    return f".{path.name}."


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Replace the file at `path` by `data` atomically; returns the path.

    >>> import tempfile, os
    >>> target = Path(tempfile.mkdtemp()) / "model.safetensors"
    >>> _ = write_atomic(target, b"first"); _ = write_atomic(target, b"second")
    >>> target.read_bytes(), os.listdir(target.parent)
    (b'second', ['model.safetensors'])
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {directory} does not exist")
    descriptor, temp_name = tempfile.mkstemp(prefix=temp_prefix(path), suffix=TEMP_SUFFIX,
                                             dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:  # also KeyboardInterrupt: never leave a half-written temp file
        _remove_quietly(Path(temp_name))
        raise
    _fsync_directory(directory)
    _remove_stale_temps(path)
    return path


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; its rename is durable enough
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_stale_temps(path: Path) -> None:
    """Temporary files of earlier writes to `path` that a crash left behind."""
    for stale in path.parent.glob(f"{glob.escape(temp_prefix(path))}*{TEMP_SUFFIX}"):
        _remove_quietly(stale)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
