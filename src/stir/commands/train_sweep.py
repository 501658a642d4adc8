"""`stir train DATA.csv --target COL --sweep "lr=1e-3,1e-2 hidden=32;64,64"`: every
combination of the settings tried, ranked by validation loss, and the best model saved.

The syntax: space-separated NAME=VALUES, where VALUES are separated by commas, or by
semicolons when a value holds commas itself (hidden=32;64,64 is the widths [32] and
[64, 64]). NAME is one of the training settings below (`--batch-size` is batch-size or
batch_size); each value is read as the option itself reads it. The rows and their split
are the run's (--seed, --validation, --drop, ...: the same for every trial, so the trials
are compared on the same validation rows). Each trial is the single-split run with early
stopping, without the refit: its model is the one `stir train --no-refit` would save with
those settings. The trials run in a process pool, --processes at a time (default: one per
core); the table goes to MODEL.sweep.csv and the best trial's model to MODEL (--out).

>>> from stir.commands.train import SWEEP_TYPES
>>> parse_sweep("lr=1e-3,1e-2 hidden=32;64,64", SWEEP_TYPES)
{'lr': [0.001, 0.01], 'hidden': [[32], [64, 64]]}
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import nn
from ..data.csv_files import CSVDataset, load_csv
from ..random import manual_seed
from ..sweeps import sweep
from ..training import EarlyStopping, fit, metrics, predict
from . import EXIT_OK, UsageError
from .output_paths import Output, check_outputs
from .train_setup import DEFAULT_LR, OPTIMIZERS, loss_for, prepare

#: The settings a sweep may vary, and their command-line spelling.
SWEEPABLE = {"lr": "--lr", "hidden": "--hidden", "activation": "--activation",
             "optimizer": "--optimizer", "batch_size": "--batch-size", "epochs": "--epochs",
             "patience": "--patience"}
TABLE_HEADER = "rank,trial,"
SHOWN_ROWS = 10
_data_cache: dict[tuple[Any, ...], CSVDataset] = {}  # a worker reads the CSV once


def parse_sweep(text: str, types: dict[str, Callable[[str], Any]]) -> dict[str, list[Any]]:
    """The grid a --sweep value names, each value read by `types[name]`."""
    grid: dict[str, list[Any]] = {}
    example = '"lr=1e-3,1e-2 hidden=32;64,64"'
    for part in text.split():
        name, sep, values = part.partition("=")
        key = name.strip().lstrip("-").replace("-", "_")
        if not sep or not values:
            raise UsageError(f"--sweep: expected NAME=V1,V2,... such as {example}, got {part!r}")
        if key not in SWEEPABLE:
            raise UsageError(f"--sweep: {name!r} is not a setting a sweep varies; choose among "
                             f"{', '.join(n.replace('_', '-') for n in SWEEPABLE)} (the rows "
                             "and their split stay the run's)")
        if key in grid:
            raise UsageError(f"--sweep: {name} is given twice")
        pieces = values.split(";") if ";" in values else values.split(",")
        grid[key] = [_value(key, piece.strip(), types) for piece in pieces]
    if not grid:
        raise UsageError(f"--sweep: name at least one setting, such as {example}")
    return grid


def run_sweep(arguments: argparse.Namespace, drop: list[str], out: Path,
              types: dict[str, Callable[[str], Any]]) -> int:
    """Run the sweep of `arguments.sweep`, print the table, save it and the best model."""
    grid = parse_sweep(arguments.sweep, types)
    if arguments.folds not in ("auto", 0):
        raise UsageError("--sweep ranks the trials by their validation loss on one split; "
                         "leave out --folds")
    validation = 0.2 if arguments.validation is None else arguments.validation
    if validation == 0:
        raise UsageError("--sweep ranks the trials by their validation loss: --validation "
                         "must be above 0")
    table = out.with_suffix(".sweep.csv")
    check_outputs([("the input CSV", arguments.csv)], [_table_output(table)], arguments.force)
    base = {**vars(arguments), "validation": validation, "drop": drop, "sweep": None,
            "folds": 0}
    count = int(np.prod([len(values) for values in grid.values()]))
    workers = arguments.processes or min(count, os.cpu_count() or 1)
    shown = " ".join(f"{k.replace('_', '-')}={_joined(list(map(_text, v)))}"
                     for k, v in grid.items())
    print(f"sweep: {count} trials ({shown}), {workers} at a time; each trains on "
          f"{arguments.csv} with early stopping on the validation rows")
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    from multiprocessing import get_context

    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        rows = sweep(partial(run_trial, base), grid, executor=pool, seed=arguments.seed,
                     metric="val_loss", csv=table, save_best=out,
                     verbose=0 if arguments.quiet else 1)
    for line in _table_lines(rows, list(grid)):
        print(line)
    best = rows[0]
    again = " ".join(f"{SWEEPABLE[k]} {shlex.quote(_text(best[k]))}" for k in grid)
    print(f"best: trial {best['trial']} (validation loss {best['val_loss']:.4g}); saved its "
          f"model to {out} (table: {table}). To train it on all the rows: stir train "
          f"{shlex.quote(str(arguments.csv))} --target {shlex.quote(arguments.target)} {again}")
    return EXIT_OK


def run_trial(base: dict[str, Any], **settings: Any) -> tuple[bytes, dict[str, float]]:
    """One trial, in a worker: the run's single split with these settings, early-stopped
    on the validation loss; returns the model file's bytes and its validation metrics."""
    arguments = argparse.Namespace(**{**base, **settings})
    data = _read(arguments)
    manual_seed(arguments.seed)
    trained, y_train, y_val = prepare(data, arguments)
    lr = arguments.lr or DEFAULT_LR[arguments.optimizer]
    optimizer = OPTIMIZERS[arguments.optimizer](trained.model.parameters(), lr=lr)
    stopper = EarlyStopping("val_loss", patience=arguments.patience)
    history = fit(trained.model, loss_for(trained.task), optimizer, data.X_train, y_train,
                  epochs=arguments.epochs, batch_size=arguments.batch_size,
                  validation_data=(data.X_val, y_val), callbacks=[stopper], verbose=0)
    found = {"val_loss": stopper.best, "best_epoch": stopper.best_epoch,
             "epochs_run": len(history)}
    raw = predict(trained.model, data.X_val)
    if trained.task == "classification":
        found["val_accuracy"] = metrics.accuracy(raw, data.y_val)
    else:
        values = raw[:, 0].astype(np.float64) * trained.target_std + trained.target_mean
        found["val_r2"] = metrics.r2(values, data.y_val[:, 0])
        found["val_mae"] = metrics.mae(values, data.y_val[:, 0])
    buffer = io.BytesIO()
    trained.save(buffer, {"epochs": len(history), "optimizer": arguments.optimizer, "lr": lr,
                          "activation": arguments.activation, "source": str(arguments.csv),
                          "sweep": {k: settings[k] for k in settings}})
    return buffer.getvalue(), {key: float(value) for key, value in found.items()}


def _read(arguments: argparse.Namespace) -> CSVDataset:
    key = (str(arguments.csv), arguments.target, arguments.task, arguments.validation,
           arguments.seed, tuple(arguments.drop), arguments.missing, arguments.delimiter)
    if key not in _data_cache:
        _data_cache[key] = load_csv(arguments.csv, arguments.target, task=arguments.task,
                                    validation=arguments.validation, seed=arguments.seed,
                                    drop=arguments.drop, missing=arguments.missing,
                                    delimiter=arguments.delimiter)
    return _data_cache[key]


def _value(key: str, text: str, types: dict[str, Callable[[str], Any]]) -> Any:
    try:
        value = types[key](text)
    except (argparse.ArgumentTypeError, ValueError) as error:
        raise UsageError(f"--sweep: {key.replace('_', '-')}={text}: {error}") from None
    if key == "optimizer" and value not in OPTIMIZERS:
        raise UsageError(f"--sweep: optimizer={text}: choose among {', '.join(OPTIMIZERS)}")
    if key == "activation":
        try:
            nn.make_activation(value)
        except ValueError as error:
            raise UsageError(f"--sweep: activation={text}: {error}") from None
    return value


def _joined(texts: list[str]) -> str:
    """Values as --sweep writes them: with commas, or semicolons if one holds a comma."""
    return (";" if any("," in text for text in texts) else ",").join(texts)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _table_output(path: Path) -> Output:
    def replaceable(found: Path) -> bool:
        try:
            with open(found, encoding="utf-8") as file:
                return file.readline().startswith(TABLE_HEADER)
        except (OSError, UnicodeDecodeError):
            return False
    return Output("the sweep table", path, "a stir sweep table", replaceable, default=True)


def _table_lines(rows: list[dict[str, Any]], names: list[str]) -> list[str]:
    """The best SHOWN_ROWS rows, aligned: rank, trial (as the best-trial line and the CSV
    number it), settings, validation metrics, seconds."""
    columns = ["rank", "trial", *names, *[k for k in rows[0] if k.startswith("val_")],
               "best_epoch", "seconds"]
    cells = [[("-" if row.get(c) is None else _cell(row.get(c))) for c in columns]
             for row in rows[:SHOWN_ROWS]]
    header = [c.replace("_", "-") if c in SWEEPABLE else c for c in columns]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *cells)]
    lines = ["  ".join(f"{h:>{w}}" for h, w in zip(header, widths))]
    lines += ["  ".join(f"{c:>{w}}" for c, w in zip(line, widths)) for line in cells]
    if len(rows) > SHOWN_ROWS:
        lines.append(f"... {len(rows) - SHOWN_ROWS} more in the table")
    failed = [row for row in rows if row.get("error")]
    if failed:
        print(f"sweep: {len(failed)} trials failed (see the table's error column)",
              file=sys.stderr)
    return lines


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if not value.is_integer() or abs(value) >= 1e4 else str(int(value))
    return _text(value)
