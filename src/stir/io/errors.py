"""The one error every bad model or checkpoint file raises."""

from __future__ import annotations


class ModelFormatError(ValueError):
    """A file that stir will not load: the message names the file and what is wrong.

    Every problem with a file's bytes (empty, truncated, a bad header, a checksum that does
    not match, a tensor that does not fit the model) raises this one type, so a caller
    needs a single `except stir.ModelFormatError`.
    """


ModelFormatError.__module__ = "stir"  # its public name, as tracebacks show it
