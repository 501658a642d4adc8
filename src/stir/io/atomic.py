"""Writing a file so that a crash leaves either the old file or the new one, never a mix.

`write_atomic` writes to a temporary file `.NAME.PID-RANDOM.tmp` beside the destination,
fsyncs it, renames it over the destination with `os.replace` (atomic on POSIX and Windows),
then fsyncs the directory so the rename itself survives a power cut.

Only the process that made a temporary file removes it (when its write fails or is
interrupted). A process killed outright (SIGKILL, a power cut) leaves its `.NAME.*.tmp`
behind: it is an unfinished copy that nothing reads, safe to delete by hand once no stir
process is writing NAME (PID in its name says which process made it). stir never deletes
another process's temporary file, because it cannot tell one left by a dead writer from
one a live writer is still filling (another run, perhaps on another machine sharing the
folder): deleting that would make the other save fail.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_prefix(path: Path) -> str:
    """Temporary files for `path` are named .<name>.<pid>-<random>.tmp beside it."""
    return f".{path.name}."


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Replace the file at `path` by `data` atomically; returns the path.

    A new file gets the permissions the umask gives (0o666 & ~umask, as `open` does); an
    existing file keeps its permission bits. A symlink is written through, as `cp` does:
    its target is replaced (a dangling link's target is created) and the link stays.
    An OSError (a full disk, a read-only folder, ...) keeps its class and errno, and its
    message names `path`: "cannot write PATH: No space left on device"; the old file is
    left as it was.

    >>> import tempfile, os
    >>> target = Path(tempfile.mkdtemp()) / "model.safetensors"
    >>> _ = write_atomic(target, b"first"); _ = write_atomic(target, b"second")
    >>> target.read_bytes(), os.listdir(target.parent)
    (b'second', ['model.safetensors'])
    """
    path = Path(path)
    destination = Path(os.path.realpath(path))  # through symlinks: replace what cp would
    directory = destination.parent
    if not directory.is_dir():
        raise FileNotFoundError(f"cannot write {path}: the folder {directory} does not exist")
    if destination.is_symlink():  # realpath stops at a loop of links
        raise _cannot_write(path, OSError(errno.ELOOP, os.strerror(errno.ELOOP)))
    temp: Path | None = None
    try:
        temp, descriptor = _create_temp(destination)
        try:
            _copy_mode(destination, descriptor)
            _write_all(descriptor, data)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temp, destination)
        temp = None
        _fsync_directory(directory)
    except OSError as error:
        raise _cannot_write(path, error) from None
    finally:  # also on KeyboardInterrupt: never leave a half-written temporary file
        if temp is not None:
            _remove_quietly(temp)
    return path


def _create_temp(destination: Path) -> tuple[Path, int]:
    """A new temporary file beside `destination`, opened for writing; O_EXCL, so it is
    ours alone. Mode 0o666 lets the kernel apply the umask, as for any new file."""
    for _ in range(100):
        temp = destination.with_name(f"{temp_prefix(destination)}{os.getpid()}-"
                                     f"{os.urandom(4).hex()}{TEMP_SUFFIX}")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            return temp, os.open(temp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name")


def _copy_mode(destination: Path, descriptor: int) -> None:
    """Give the temporary file the permission bits of the file it will replace."""
    try:
        mode = stat.S_IMODE(os.stat(destination).st_mode) & 0o777
    except FileNotFoundError:
        return
    if hasattr(os, "fchmod"):
        os.fchmod(descriptor, mode)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _cannot_write(path: Path, error: OSError) -> OSError:
    """`error` again, of the same class and errno, with a message that names `path`."""
    reason = error.strerror or str(error)
    named = type(error)(f"cannot write {path}: {reason}")
    named.errno = error.errno  # set alone: str() stays the message (strerror would reword it)
    return named


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":  # Windows cannot open a directory; its rename is durable enough
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
