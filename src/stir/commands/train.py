"""`stir train DATA.csv --target COL`: fit an MLP to a CSV file and save it with its
preprocessing.

The file's columns are encoded (numbers, dates, one-hot text, missing cells imputed: see
stir.data.csv_files) and the rows split into training and validation (seeded); features are
standardized with the training rows' statistics, and so is a regression target. The network
is trained with early stopping on the validation loss (the best epoch's weights are kept),
then by default refit on all the rows for the epochs early stopping chose; or, with --folds
(by default for a small regression), the epoch count is chosen by K-fold cross-validation
(cross_validation.py) and the model trained on all the rows for it. Checkpoints are
written atomically every --checkpoint-every seconds (at an epoch's end), at the end, and on
Ctrl-C after the step under way (exit status 130; `--resume` continues from it exactly:
run_settings.py, interrupt.py). The report puts the validation metrics next to a trivial
baseline's: the majority class, or the mean. Before it reads the data, `run` checks where it
will write (see `output_paths`): never over the CSV, over a file that is not a stir model or
checkpoint (without --force), or into a missing or read-only folder.

`--processes N` trains the same run with N processes under MPI (train_processes.py): the
model is the one-process run's up to floating-point rounding, and a checkpoint of it
resumes exactly, with --processes or without. `--sweep "lr=1e-3,1e-2 hidden=32;64,64"`
tries every combination of the settings in a process pool and keeps the best by
validation loss (train_sweep.py).
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from ..data.csv_files import MISSING_POLICIES, CSVDataset, describe_dropped, load_csv
from ..data.csv_table import DELIMITERS, CSVTable
from ..distributed import is_main_process, launched_world_size
from ..random import manual_seed
from ..training import EarlyStopping, ModelCheckpoint, fit, metrics, predict
from . import EXIT_INTERRUPTED, EXIT_OK, UsageError
from .column_summary import describe_columns
from .cross_validation import (
    FOLDS_KEY, FoldsInterrupted, cross_validate, describe, parse_folds, resolve_folds,
)
from .output_paths import check_outputs, stir_output
from .run_settings import KEY as SETTINGS_KEY
from .run_settings import (
    check_alone, check_same_file, read_settings, resumed_arguments, settings_of,
)
from .train_processes import (
    as_rank, launch, launched_arguments, private_checkpoint, stop_between_steps,
)
from .train_setup import DEFAULT_LR, OPTIMIZERS, loss_for, prepare
from .train_sweep import run_sweep
from .trained_model import TrainedModel

DEFAULTS: dict[str, Any] = {}  # every option's default, filled in by add_parser


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """The `train` subcommand's arguments."""
    parser = commands.add_parser(
        "train", help="fit an MLP to a CSV file and save it with its preprocessing",
        description=__doc__.split("\n\n")[0].replace("`", ""),
        epilog="example: stir train houses.csv --target price --hidden 64,64 --epochs 50",
    )
    parser.add_argument("csv", metavar="DATA.csv", nargs="?", help="training data: a header "
                        "row, feature columns (numbers, ISO dates or text, one-hot encoded) and "
                        "the target column")
    parser.add_argument("--target", metavar="COL", help="the column to predict (required, "
                        "except with --resume)")
    parser.add_argument("--drop", action="append", default=[], metavar="COL[,COL...]",
                        help="columns to leave out: identifiers, leaks; may be repeated, and a "
                        "column whose name holds a comma is named whole (default: none)")
    parser.add_argument("--missing", choices=MISSING_POLICIES, default="impute",
                        help="a missing feature cell (empty, NA, N/A, NaN, null, ?): impute "
                        "it with the training rows' median or most frequent category, drop "
                        "its row, or stop with an error (default: impute)")
    parser.add_argument("--delimiter", type=_delimiter, metavar="CHAR",
                        help="the cell separator: , ; tab or | (default: detected)")
    parser.add_argument("--task", choices=("auto", "classification", "regression"),
                        default="auto", help="default: auto, classes when the target is text, or "
                        "integers with 2 distinct values or at most 20 seen 3 times each on "
                        "average; regression otherwise")
    parser.add_argument("--hidden", type=_widths, default=[64, 64], metavar="W,W,...",
                        help="hidden layer widths (default: 64,64; 'none' for a linear model)")
    parser.add_argument("--activation", default="relu", help="default: relu")
    parser.add_argument("--epochs", type=_positive(int), default=100, metavar="N",
                        help="most passes over the data (default: 100)")
    parser.add_argument("--batch-size", type=_positive(int), default=32, metavar="N",
                        help="rows per optimizer step (default: 32)")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="adam",
                        help="default: adam")
    parser.add_argument("--lr", type=_positive(float), metavar="X",
                        help="learning rate (default: 0.01 for sgd and adagrad, 0.001 for the "
                        "others)")
    parser.add_argument("--validation", type=float, metavar="FRACTION",
                        help="fraction of rows held out for early stopping (default: 0.2, "
                        "when --folds does not hold out folds instead)")
    parser.add_argument("--folds", type=parse_folds, default="auto", metavar="K",
                        help="choose the epoch count by K-fold cross-validation, then refit on "
                        "all the rows; 0: one held-out split (--validation); auto: 5 folds "
                        "for a regression of at most 10000 rows, unless --validation or "
                        "--no-refit is given (default: auto)")
    parser.add_argument("--patience", type=_positive(int), default=10, metavar="N",
                        help="stop after N epochs without a better validation loss (default: 10)")
    parser.add_argument("--refit", action=argparse.BooleanOptionalAction, default=True,
                        help="after early stopping, train a fresh network on all the rows "
                        "(training and validation) for the number of epochs it chose, and save "
                        "that one (default: --refit)")
    parser.add_argument("--seed", type=_positive(int, zero=True, noun="an integer"), default=0,
                        help="an integer >= 0 for the split, the initial weights and the "
                        "shuffling (default: 0)")
    parser.add_argument("--out", metavar="MODEL", help="where to save the model (default: "
                        "DATA.safetensors in the current folder)")
    parser.add_argument("--checkpoint", metavar="PATH", help="where checkpoints are written "
                        "(default: MODEL with .checkpoint before its suffix)")
    parser.add_argument("--checkpoint-every", type=_positive(float, zero=True), default=60.0,
                        metavar="SECONDS",
                        help="write a checkpoint at the end of the first epoch this long after "
                        "the last one, at the end of training, and on Ctrl-C (after the step "
                        "under way); 0: after every epoch (default: 60)")
    parser.add_argument("--resume", metavar="CHECKPOINT", help="continue the run that wrote "
                        "CHECKPOINT, exactly as if it had not stopped: the file, the options "
                        "and the paths come from it (give no other option but --quiet, "
                        "--force or --processes)")
    parser.add_argument("--force", action="store_true", help="let --out replace an existing "
                        "file that is not a stir model, and --checkpoint one that is not a stir "
                        "checkpoint (never the input CSV, a folder, or --out and --checkpoint "
                        "as one file)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (default: a bar "
                        "when stderr is a terminal)")
    parser.add_argument("--processes", type=_positive(int), metavar="N",
                        help="train with N processes under MPI (pip install \"stir[mpi]\"): "
                        "they share each batch and average their gradients, so the model is "
                        "the one-process run's up to rounding; with --sweep, N trials at a "
                        "time (default: 1; with --sweep, one per core)")
    parser.add_argument("--sweep", metavar="SETTINGS",
                        help='try every combination, such as "lr=1e-3,1e-2 hidden=32;64,64" '
                        "(NAME=V1,V2,...; values separated by ; when they hold commas; NAME "
                        "one of lr, hidden, activation, optimizer, batch-size, epochs, "
                        "patience), each early-stopped on the validation rows; saves the best "
                        "to MODEL and the table to MODEL.sweep.csv")
    parser.add_argument("--launched-settings", help=argparse.SUPPRESS)  # (--processes' ranks)
    DEFAULTS.update(vars(parser.parse_args([])))  # for --resume's check of what was given
    return parser


def run(arguments: argparse.Namespace) -> int:
    """Train, report, save; returns the exit status. With --processes N (and no --sweep)
    the run is started again in N processes under mpiexec (train_processes.py); in a
    process mpiexec started, it runs as one rank of the job."""
    if getattr(arguments, "launched_settings", None) is not None:
        arguments = launched_arguments(arguments.launched_settings)
    if not getattr(arguments, "sweep", None) and getattr(arguments, "processes", None):
        if arguments.processes > 1:
            return launch(arguments)
        arguments.processes = None  # (one process: this one; --resume may come with it)
    if launched_world_size() > 1:
        if getattr(arguments, "sweep", None):
            raise UsageError("--sweep runs its trials in a process pool of its own "
                             "(--processes N of them at a time); start it without mpiexec")
        return as_rank("stir train", lambda: _run(arguments))
    return _run(arguments)


def _run(arguments: argparse.Namespace) -> int:
    resume_from = arguments.resume
    if resume_from is not None:
        check_alone(arguments, DEFAULTS)
        settings, step = read_settings(resume_from)
        check_same_file(settings)
        # (a checkpoint from before --folds is of a one-split run)
        arguments = resumed_arguments({"folds": 0, **settings}, arguments)
        print(f"resuming the run of {resume_from} after its step {step}: {arguments.csv}, "
              f"target {arguments.target!r}")
    elif arguments.csv is None or arguments.target is None:
        raise UsageError("give the training data and its target: stir train DATA.csv --target "
                         "COL (or --resume CHECKPOINT)")
    # The CSV's name with .safetensors, in the current folder ("." names the folder itself).
    stem = Path(arguments.csv).name or Path(arguments.csv).resolve().name or "model"
    out = Path(arguments.out or Path(stem).with_suffix(".safetensors"))
    checkpoint = Path(arguments.checkpoint or out.with_suffix(".checkpoint" + out.suffix))
    validation = 0.2 if arguments.validation is None else arguments.validation
    if not 0 <= validation < 1:
        raise UsageError(f"--validation must be in [0, 1), got {validation}")
    try:
        nn.make_activation(arguments.activation)
    except ValueError as error:
        raise UsageError(f"--activation: {error}") from None
    check_outputs([("the input CSV", arguments.csv)],
                  [stir_output("--out", out, "model", default=arguments.out is None),
                   stir_output("--checkpoint", checkpoint, "checkpoint",
                               default=arguments.checkpoint is None)], arguments.force)
    drop = (_dropped_columns(arguments.drop, CSVTable(arguments.csv, arguments.delimiter).header)
            if arguments.drop else [])
    if getattr(arguments, "sweep", None):
        return run_sweep(arguments, drop, out, SWEEP_TYPES)
    def read(validation: float) -> CSVDataset:
        return load_csv(arguments.csv, arguments.target, task=arguments.task,
                        validation=validation, seed=arguments.seed, drop=drop,
                        missing=arguments.missing, delimiter=arguments.delimiter)

    data = read(validation if arguments.folds in ("auto", 0) else 0.0)
    folds = resolve_folds(arguments, data.task, len(data.X_train) + len(data.X_val))
    if folds and len(data.X_val):  # (auto chose folds: read again, every row for training)
        data = read(0.0)
    manual_seed(arguments.seed)
    trained, y_train, y_val = prepare(data, arguments)
    print(_describe_data(data, folds))
    lr = arguments.lr or DEFAULT_LR[arguments.optimizer]
    optimizer = OPTIMIZERS[arguments.optimizer](trained.model.parameters(), lr=lr)
    print(f"model: MLP {trained.model.architecture} ({arguments.activation}), "
          f"{trained.model.parameter_count():,} parameters; {arguments.optimizer} lr {lr:g}, "
          f"up to {arguments.epochs} epochs of batch {arguments.batch_size}")
    settings = settings_of(arguments, out, checkpoint)
    if folds:
        return _train_by_folds(data, arguments, folds, y_train, lr, settings, out, checkpoint,
                               resume_from)
    has_validation = len(data.X_val) > 0
    # Braces escaped: ModelCheckpoint would fill in {epoch}; --checkpoint is a literal path.
    saver = ModelCheckpoint(str(checkpoint).replace("{", "{{").replace("}", "}}"), every=None,
                            every_seconds=arguments.checkpoint_every,
                            state={SETTINGS_KEY: settings})
    callbacks: list[Any] = [saver]
    if has_validation:
        callbacks.append(EarlyStopping("val_loss", patience=arguments.patience))
    loss_fn = loss_for(trained.task)
    try:
        # (after EarlyStopping, whose state it saves; in a job, the ranks agree on it)
        with stop_between_steps(saver) as interrupt:
            history = fit(trained.model, loss_fn, optimizer, data.X_train, y_train,
                          epochs=arguments.epochs, batch_size=arguments.batch_size,
                          validation_data=(data.X_val, y_val) if has_validation else None,
                          callbacks=[*callbacks, interrupt],
                          verbose=0 if arguments.quiet else 1,
                          resume_from=resume_from)
    except KeyboardInterrupt:
        where = (_last_checkpoint(checkpoint) if saver.last_path is not None else
                 "no step finished, so this run wrote no checkpoint")
        print(f"stir train: interrupted; {where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    stopper = callbacks[1] if has_validation else None
    print(_kept(history, stopper, arguments))
    rows, split = (data.X_val, data.y_val), "validation"
    if not has_validation:
        rows, split = (data.X_train, data.y_train), "training (no validation rows)"
    for line in _report(trained, *rows, data.y_train, split):
        print(line)
    facts = {"epochs": len(history), "optimizer": arguments.optimizer, "lr": lr,
             "activation": arguments.activation, "source": str(arguments.csv)}
    if stopper is not None and arguments.refit:
        refit = _refit(data, arguments, lr, stopper.best_epoch, y_train, y_val,
                       "the number early stopping chose; the metrics above are the "
                       "early-stopped model's on rows it did not train on (--no-refit keeps "
                       "that model)")
        if refit is None:  # interrupted: the early-stopped model is kept rather than lost
            if is_main_process():
                trained.save(out, facts)
            print(f"stir train: interrupted during the refit; saved the early-stopped model "
                  f"(epoch {stopper.best_epoch}) to {out}", file=sys.stderr)
            return EXIT_INTERRUPTED
        trained, facts = refit, {**facts, "epochs": stopper.best_epoch, "refit": True}
    if is_main_process():  # (rank 0 of a job writes; the others' models are the same)
        trained.save(out, facts)
    print(f"saved the model to {out} (checkpoint: {saver.last_path})")
    return EXIT_OK


def _kept(history: Any, stopper: EarlyStopping | None, arguments: argparse.Namespace) -> str:
    """Which epoch's weights the model has, and why."""
    epochs = len(history)
    if stopper is None:
        return f"trained {epochs} epochs; no validation rows, so the last epoch's weights kept"
    best, loss = stopper.best_epoch, f"validation loss {stopper.best:.4g}"
    if epochs < arguments.epochs:
        return (f"trained {epochs} epochs: stopped early, no better validation loss for "
                f"{arguments.patience} epochs; the weights of epoch {best} kept ({loss})")
    if best == epochs:
        return (f"trained {epochs} epochs (the --epochs limit); the last epoch's weights kept, "
                f"its {loss} the best (more epochs may help)")
    return (f"trained {epochs} epochs (the --epochs limit); the weights of epoch {best} kept, "
            f"the best {loss}")


def _train_by_folds(data: CSVDataset, arguments: argparse.Namespace, folds: int,
                    y_train: np.ndarray, lr: float, settings: dict[str, Any], out: Path,
                    checkpoint: Path, resume_from: str | None) -> int:
    """The epoch count chosen by cross-validation, then the model trained on all the rows
    for it, and saved; returns the exit status."""
    loss_fn = loss_for(data.task)

    def build() -> tuple[Any, Any, Any]:
        manual_seed(arguments.seed)
        model = prepare(data, arguments)[0].model
        return model, OPTIMIZERS[arguments.optimizer](model.parameters(), lr=lr), loss_fn

    try:
        result = cross_validate(data.X_train, y_train, data.task, folds, arguments, build,
                                settings, private_checkpoint(checkpoint), resume_from)
    except FoldsInterrupted as stop:
        where = (_last_checkpoint(stop.checkpoint) if stop.checkpoint is not None else
                 "no step finished, so this run wrote no checkpoint")
        print(f"stir train: interrupted; {where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(describe(result))
    refit = _refit(data, arguments, lr, result.epochs, y_train, y_train[:0],
                   "the number cross-validation chose")
    if refit is None:
        where = (_last_checkpoint(result.checkpoint) if result.checkpoint is not None else
                 "no checkpoint was written")
        print(f"stir train: interrupted during the refit; {where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if is_main_process():
        refit.save(out, {"epochs": result.epochs, "optimizer": arguments.optimizer, "lr": lr,
                         "activation": arguments.activation, "source": str(arguments.csv),
                         "refit": True, "folds": folds})
    print(f"saved the model to {out} (checkpoint: {result.checkpoint})")
    return EXIT_OK


def _refit(data: CSVDataset, arguments: argparse.Namespace, lr: float, epochs: int,
           y_train: np.ndarray, y_val: np.ndarray, why: str) -> TrainedModel | None:
    """A fresh network (the same seed, so the same initial weights) trained on the training
    and validation rows together for `epochs` (`why`: how that number was chosen), under
    the preprocessing fitted on the training rows; None if Ctrl-C stopped it."""
    rows = len(data.X_train) + len(data.X_val)
    print(f"refit: a fresh network on all {rows} rows for {epochs} epochs, {why}")
    manual_seed(arguments.seed)
    refit, _, _ = prepare(data, arguments)
    optimizer = OPTIMIZERS[arguments.optimizer](refit.model.parameters(), lr=lr)
    loss_fn = loss_for(refit.task)
    X = np.concatenate([data.X_train, data.X_val])
    y = np.concatenate([y_train, y_val])
    try:
        fit(refit.model, loss_fn, optimizer, X, y, epochs=epochs,
            batch_size=arguments.batch_size, verbose=0 if arguments.quiet else 1)
    except KeyboardInterrupt:
        return None
    return refit


def _last_checkpoint(path: Path) -> str:
    """Where the run can be taken up again, read from the file itself: a second Ctrl-C
    may have come during a save, which then left the previous checkpoint in place."""
    from .. import checkpoint as checkpoints
    from ..io.errors import ModelFormatError

    try:
        contents = checkpoints.read(path)
        step = contents["fit"]["step"]
    except (ModelFormatError, KeyError, TypeError, OSError):
        return f"{path} is not a complete checkpoint"
    record = contents.get(FOLDS_KEY)
    fold = (f", fold {record['fold'] + 1} of {record['folds']}"
            if isinstance(record, dict) and {"fold", "folds"} <= set(record) else "")
    return (f"the last complete checkpoint (step {step}, epoch {contents['epoch']}{fold}) is "
            f"{path}; stir train --resume {shlex.quote(str(path))} continues the run")


def _describe_data(data: CSVDataset, folds: int) -> str:
    kind = (f"classification, {len(data.classes)} classes" if data.task == "classification"
            else "regression")
    dropped = describe_dropped(data.dropped)
    rows = (f"{len(data.X_train)} rows in {folds} folds of cross-validation" if folds else
            f"{len(data.X_train)} training rows, {len(data.X_val)} validation rows")
    lines = [f"data: {data.path}: {rows}, {len(data.feature_names)} features; target "
             f"{data.target!r} ({kind})", *describe_columns(data)]
    if dropped:
        lines.append(f"data: {dropped}")
    return "\n".join(lines)


def _report(trained: TrainedModel, X: np.ndarray, y: np.ndarray, y_train: np.ndarray,
            split: str) -> list[str]:
    """Metrics on (X, y) (already standardized) beside the trivial baseline's."""
    raw = predict(trained.model, X)
    if trained.task == "classification":
        majority = int(np.bincount(y_train, minlength=len(trained.classes)).argmax())
        baseline = float(np.mean(y == majority))
        return [f"{split} accuracy {metrics.accuracy(raw, y):.4f}  (baseline, always "
                f"{trained.classes[majority]!r}: {baseline:.4f})"]
    values = raw[:, 0].astype(np.float64) * trained.target_std + trained.target_mean
    target = y[:, 0]
    mean = np.full_like(target, float(y_train.mean()))
    return [f"{split} mse {metrics.mse(values, target):.4g}  mae {metrics.mae(values, target):.4g}"
            f"  r2 {metrics.r2(values, target):.4f}",
            f"  (baseline, always the training mean {mean[0]:.4g}: mse "
            f"{metrics.mse(mean, target):.4g}  mae {metrics.mae(mean, target):.4g}  r2 "
            f"{metrics.r2(mean, target):.4f})"]


def _dropped_columns(values: list[str], header: list[str]) -> list[str]:
    """The columns the --drop values name: a value that is a column's name whole (commas
    included), or else a comma-separated list of names; load_csv checks that they exist.

    >>> _dropped_columns(["id,date", "name, with comma"], ["id", "date", "name, with comma"])
    ['id', 'date', 'name, with comma']
    """
    names: list[str] = []
    for value in values:
        parts = [value.strip()] if value.strip() in header else value.split(",")
        names += [part.strip() for part in parts]
    if not all(names):
        raise UsageError(f"--drop: expected column names like id,date, got {values!r}")
    return names


def _delimiter(text: str) -> str:
    delimiter = {"tab": "\t", "\\t": "\t"}.get(text, text)
    if delimiter not in DELIMITERS:
        raise argparse.ArgumentTypeError(f"expected one of , ; tab |, got {text!r}")
    return delimiter


def _widths(text: str) -> list[int]:
    if text.strip().lower() in ("", "none"):
        return []
    try:
        widths = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 64,64, got {text!r}") from None
    if any(width < 1 for width in widths):
        raise argparse.ArgumentTypeError(f"widths must be positive, got {text!r}")
    return widths


def _positive(kind: type, zero: bool = False, noun: str = "a number") -> Any:
    """An argparse type: a finite `kind` above 0 (at least 0 with `zero`)."""
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not ((value >= 0 if zero else value > 0) and math.isfinite(value)):
            bound = f"{noun} >= 0" if zero else "positive"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text!r}")
        return value
    parse.__name__ = kind.__name__
    return parse


#: How --sweep reads each setting's values: as the option itself does.
SWEEP_TYPES: dict[str, Any] = {
    "lr": _positive(float), "hidden": _widths, "activation": str, "optimizer": str,
    "batch_size": _positive(int), "epochs": _positive(int), "patience": _positive(int),
}
