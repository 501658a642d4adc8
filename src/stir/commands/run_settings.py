"""The settings of a `stir train` run, kept in each of its checkpoints, so that
`stir train --resume CHECKPOINT` rebuilds the same run: the same file (checked by its
SHA-256), the same options, the same paths; `fit` then restores the weights, the optimizer,
the random generators and its position from the checkpoint, and the run goes on as if it had
never stopped.

>>> import argparse
>>> settings = {"csv": "/data/a.csv", "epochs": 5}
>>> vars(resumed_arguments(settings, argparse.Namespace(quiet=True, resume="c")))
{'csv': '/data/a.csv', 'epochs': 5, 'quiet': True, 'resume': 'c', 'force': False}
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path
from typing import Any

from ..io.errors import ModelFormatError
from . import UsageError

KEY = "stir_train"  # the checkpoint's field that holds the settings
#: Options that belong to one invocation, not to the run: --resume may come with them.
OWN_OPTIONS = ("quiet", "resume", "force")


def settings_of(arguments: argparse.Namespace, out: Path, checkpoint: Path) -> dict[str, Any]:
    """The run's options as plain data, with absolute paths and the CSV's digest."""
    settings = {key: value for key, value in vars(arguments).items()
                if key not in OWN_OPTIONS and key != "command"}
    settings.update(csv=str(Path(arguments.csv).resolve()), out=str(out.resolve()),
                    checkpoint=str(checkpoint.resolve()), csv_sha256=file_digest(arguments.csv))
    return settings


def file_digest(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_settings(path: str) -> tuple[dict[str, Any], int]:
    """The settings in a checkpoint of `stir train`, and the step it was taken after; a
    ModelFormatError if it has none."""
    from .. import checkpoint

    contents = checkpoint.read(path)
    settings, cursor = contents.get(KEY), contents.get("fit")
    if not isinstance(settings, dict) or "csv" not in settings or not isinstance(cursor, dict):
        raise ModelFormatError(f"{path}: a checkpoint without the settings of a stir train "
                               f"run, so --resume cannot rebuild the run (resume it with "
                               f"stir.fit(..., resume_from=) in Python)")
    return settings, int(cursor["step"])


def check_alone(arguments: argparse.Namespace, defaults: dict[str, Any]) -> None:
    """--resume takes every setting from the checkpoint: any other option given (one whose
    value is not its default) is a UsageError that names it."""
    given = [key for key, value in vars(arguments).items()
             if key not in OWN_OPTIONS and key in defaults and value != defaults[key]]
    if given:
        shown = ", ".join("--" + key.replace("_", "-") if key not in ("csv",) else "DATA.csv"
                          for key in given)
        raise UsageError(f"--resume takes the run's settings from its checkpoint; leave out "
                         f"{shown} (only --quiet and --force may come with it)")


def resumed_arguments(settings: dict[str, Any], arguments: argparse.Namespace
                      ) -> argparse.Namespace:
    """The saved run's arguments, with this invocation's own options (--quiet, --resume)."""
    own = {key: getattr(arguments, key, False) for key in OWN_OPTIONS}
    return argparse.Namespace(**{**settings, **own})


def check_same_file(settings: dict[str, Any]) -> None:
    """The CSV must still be the one the run trained on, byte for byte."""
    path = settings["csv"]
    try:
        digest = file_digest(path)
    except OSError as error:
        raise UsageError(f"--resume: cannot read the run's CSV {path}: {error.strerror}") \
            from None
    if digest != settings.get("csv_sha256"):
        raise UsageError(f"--resume: {path} has changed since the checkpoint was written "
                         f"(its SHA-256 differs); a resumed run must read the same rows")
