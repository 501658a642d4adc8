"""Opening a file only if it is a regular file: the one rule for every file stir reads.

A FIFO opened for reading waits for a writer, and a device such as /dev/zero never ends,
so a reader that trusts a path can hang or fill memory. `open_regular` opens without
blocking, looks at what it opened with `fstat`, and gives it back (blocking again) only if
it is a regular file; otherwise it raises `NotARegularFile`, whose `kind` says what it is.
Each reader turns that into its own error (`ModelFormatError`, `CSVError`).

>>> import tempfile
>>> open_regular(tempfile.mkdtemp())
Traceback (most recent call last):
...
stir.regular_files.NotARegularFile: a directory
"""

from __future__ import annotations

import os
import stat
from typing import Any

_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
          | getattr(os, "O_BINARY", 0))
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


class NotARegularFile(ValueError):
    """The path names something other than a regular file; `kind` says what."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def open_regular(path: Any) -> tuple[int, os.stat_result]:
    """An open, blocking, read-only descriptor of the regular file at `path`, and its
    `fstat`. An OSError if it cannot be opened; NotARegularFile if it is not a regular file
    (nothing has been read from it, and it is closed again)."""
    descriptor = os.open(path, _FLAGS)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotARegularFile(file_kind(status.st_mode))
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, status


def file_kind(mode: int) -> str:
    """What a file of `mode` (from stat) is, with its article: "a directory", ..."""
    return next((kind for test, kind in _KINDS if test(mode)),
                "a regular file" if stat.S_ISREG(mode) else "a special file")
