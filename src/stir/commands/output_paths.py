"""Where `stir train` and `stir predict` may write, checked before they read data or train.

- An output that is the same file as an input, or as the other output, is refused, even
  with --force. "The same file" is `os.path.samefile`: a symlink, a hard link or another
  spelling of the path is caught, not only an equal name.
- An existing output is replaced only if it is what the command writes: `train --out` a
  stir model, `train --checkpoint` a stir checkpoint, `predict --out` a predictions CSV
  (see `predictions_csv`). Any other regular file needs --force; an empty one never does
  (nothing is lost). A folder or a device at the output path is refused, even with --force.
- The folder an output goes in must exist, be a folder and be writable. For a symlink
  that is the folder of its target: stir writes through links, as `cp` does.

Every refusal is a UsageError (exit status 2), one line naming the option and the path.
"""

from __future__ import annotations

import csv
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..io.stir_files import stir_kind
from . import UsageError

HEADER_BYTES = 65536  # a predictions CSV's header line is read from this much of the file


@dataclass(frozen=True)
class Output:
    """A file a command is about to write: the option that names it (`default` if the user
    did not), its path, and what a file already there must be for the command to replace
    it without --force (`replaceable`, described by `kind`)."""

    option: str
    path: Path
    kind: str
    replaceable: Callable[[Path], bool]
    default: bool = False

    @property
    def label(self) -> str:
        return f"the default {self.option}" if self.default else self.option


def stir_output(option: str, path: str | Path, kind: str, default: bool = False) -> Output:
    """An output that may replace only a stir file of `kind` ("model" or "checkpoint").

    >>> stir_output("--out", "m.safetensors", "model", default=True).label
    'the default --out'
    """
    names = {"model": "a stir model file", "checkpoint": "a stir checkpoint"}
    return Output(option, Path(path), names[kind], lambda found: stir_kind(found) == kind,
                  default)


def predictions_csv(option: str, path: str | Path, target: str) -> Output:
    """An output that may replace only what `stir predict` writes for `target`: a text file
    whose header row is `target`, then nothing but probability_... columns. A safetensors
    file (stir's or not) starts with NUL bytes, so it never qualifies.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "p.csv").write_text("price\\n1.5\\n")
    >>> _ = (folder / "data.csv").write_text("price,rooms\\n1.5,3\\n")
    >>> output = predictions_csv("--out", folder / "p.csv", "price")
    >>> output.replaceable(folder / "p.csv"), output.replaceable(folder / "data.csv")
    (True, False)
    """
    def replaceable(found: Path) -> bool:
        try:
            with open(found, "rb") as file:
                line = file.read(HEADER_BYTES).split(b"\n", 1)[0].rstrip(b"\r")
            fields = next(csv.reader([line.decode("utf-8")]), [])
        except (OSError, UnicodeDecodeError, csv.Error):
            return False
        return (b"\0" not in line and fields[:1] == [target]
                and all(field.startswith("probability_") for field in fields[1:]))

    return Output(option, Path(path), f"a predictions CSV of the target {target!r}",
                  replaceable)


def check_outputs(inputs: Sequence[tuple[str, str | Path]], outputs: Sequence[Output],
                  force: bool) -> None:
    """Raise UsageError if writing `outputs` could destroy an input (given as (description,
    path), e.g. ("the input CSV", "data.csv")), one another, or a file of another kind
    (unless `force`), or could not happen for want of a writable folder.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "data.csv").write_text("a,y\\n1,2\\n")
    >>> (folder / "alias.csv").symlink_to("data.csv")
    >>> try:
    ...     check_outputs([("the input CSV", folder / "data.csv")],
    ...                   [stir_output("--out", folder / "alias.csv", "model")], force=True)
    ... except UsageError as error:
    ...     print(str(error).replace(str(folder), "F"))
    --out F/alias.csv is the input CSV F/data.csv (the same file): stir never overwrites its
    input, even with --force
    """
    for output in outputs:
        for description, path in inputs:
            if os.path.exists(path) and _same_file(output.path, Path(path)):
                raise UsageError(f"{output.label} {output.path} is {description} {path} (the "
                                 "same file): stir never overwrites its input, even with "
                                 "--force")
    for index, first in enumerate(outputs):
        for second in outputs[index + 1:]:
            if _same_file(first.path, second.path):
                raise UsageError(f"{second.label} {second.path} and {first.label} "
                                 f"{first.path} are the same file: give them different paths")
    for output in outputs:
        _check_folder(output)
        _check_existing(output, force)


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:  # one does not exist yet: the same if both names lead to one place
        return (os.path.normcase(os.path.realpath(first))
                == os.path.normcase(os.path.realpath(second)))


def _check_folder(output: Output) -> None:
    folder = Path(os.path.realpath(output.path)).parent
    shown = folder if output.path.is_symlink() else output.path.parent  # as the user wrote it
    if not folder.is_dir():
        if folder.exists():
            raise UsageError(f"{output.label}: {shown} is not a folder")
        raise UsageError(f"{output.label}: the folder {shown} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{output.label}: the folder {shown} is not writable")


def _check_existing(output: Output, force: bool) -> None:
    target = Path(os.path.realpath(output.path))
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(status.st_mode):
        raise UsageError(f"{output.label} {output.path} is a folder")
    if not stat.S_ISREG(status.st_mode):
        raise UsageError(f"{output.label} {output.path} is not a regular file")
    if status.st_size == 0 or force or output.replaceable(target):
        return
    raise UsageError(f"{output.label} {output.path} exists and is not {output.kind}; pass "
                     "--force to replace it")
