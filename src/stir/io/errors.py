"""The one error every bad model or checkpoint file raises."""

from __future__ import annotations

from typing import Any


class ModelFormatError(ValueError):
    """A file that stir will not load: the message names the file and what is wrong.

    Every problem with a file (not a regular file, empty, truncated, a bad header, a field
    of the wrong type or out of range, a checksum that does not match, a tensor that does
    not fit the model) raises this one type, so a caller needs a single
    `except stir.ModelFormatError`. A file that does not exist or cannot be opened raises
    the usual OSError (FileNotFoundError, PermissionError).
    """


ModelFormatError.__module__ = "stir"  # its public name, as tracebacks show it


class WrongFileKind(ModelFormatError):
    """A stir file of another kind than the one asked for (a checkpoint given as a model):
    `found` and `expected` name the two kinds, for a caller that can say what to do."""

    def __init__(self, message: str, found: str, expected: str) -> None:
        super().__init__(message)
        self.found, self.expected = found, expected


def quote(value: Any, limit: int = 80) -> str:
    """repr(value) cut to `limit` characters: a hostile file chooses what messages quote.

    >>> quote("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..."
    """
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."
