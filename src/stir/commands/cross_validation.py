"""`stir train --folds K`: the epoch count chosen by K-fold cross-validation
(stir.training.folds), each fold's training checkpointed and resumable as a one-split run is.

Fold k trains a fresh network (the run's seed: the same initial weights for every fold) on
the other folds' rows for --epochs epochs, recording its validation loss and score after
every epoch; the epoch count is where the folds' mean validation loss is lowest. Each fold's
checkpoints carry, beside the run's settings, the fold's number and the finished folds'
curves (FOLDS_KEY), so `stir train --resume` goes on inside the fold it stopped in and skips
the folds before it.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import checkpoint as checkpoints
from ..io.errors import ModelFormatError
from ..training import ModelCheckpoint, fit
from ..training.folds import auto_folds, best_epoch, fold_rows
from . import UsageError
from .interrupt import StopBetweenSteps
from .run_settings import KEY as SETTINGS_KEY

__all__ = ["FOLDS_KEY", "FoldsInterrupted", "FoldsResult", "cross_validate", "describe",
           "parse_folds", "resolve_folds"]

FOLDS_KEY = "stir_train_folds"  # the checkpoint's field with the fold and the curves so far

#: Builds the network of one fold: (model, optimizer, loss function), after manual_seed.
Build = Callable[[], tuple[Any, Any, Any]]


class FoldsInterrupted(KeyboardInterrupt):
    """Ctrl-C during a fold; `checkpoint` is the last checkpoint this run wrote (None if no
    step finished)."""

    def __init__(self, checkpoint: Path | None) -> None:
        super().__init__()
        self.checkpoint = checkpoint


@dataclass
class FoldsResult:
    """What cross-validation found: the epoch count, the folds' mean validation loss there,
    the mean validation score there (accuracy or R², `metric`) and a constant predictor's
    (the majority class or the mean of the training folds), and the last checkpoint."""

    folds: int
    epochs: int
    loss: float
    metric: str
    score: float
    baseline: float
    checkpoint: Path | None


def resolve_folds(arguments: argparse.Namespace, task: str, rows: int) -> int:
    """The folds this run uses: --folds K as given (0: one held-out split); "auto":
    stir.training.folds.auto_folds's rule, unless --validation or --no-refit asks for one
    held-out split. A UsageError for K folds with --no-refit or --validation, which belong
    to one held-out split, or K above the rows."""
    if arguments.folds == "auto":
        if arguments.validation is not None or not arguments.refit:
            return 0
        return auto_folds(task, rows)
    folds = int(arguments.folds)
    if folds and arguments.validation is not None:
        raise UsageError("--folds and --validation both choose the held-out rows; give one")
    if folds and not arguments.refit:
        raise UsageError("--no-refit keeps the network early stopping chose on one held-out "
                         "split; with --folds every fold's network saw only part of the rows, "
                         "so the model is always the refit (use --folds 0 --no-refit)")
    if folds > rows:
        raise UsageError(f"--folds {folds}: more folds than the {rows} training rows")
    return folds


def parse_folds(text: str) -> str | int:
    """--folds: "auto", 0 (one held-out split) or an integer K >= 2."""
    if text == "auto":
        return text
    try:
        folds = int(text)
    except ValueError:
        folds = -1
    if folds < 0 or folds == 1:
        raise argparse.ArgumentTypeError(f"expected auto, 0, or a number of folds >= 2, got "
                                         f"{text!r}")
    return folds


def cross_validate(X: np.ndarray, y: np.ndarray, task: str, folds: int,
                   arguments: argparse.Namespace, build: Build, settings: dict[str, Any],
                   checkpoint: Path, resume_from: str | None) -> FoldsResult:
    """Train the `folds` folds of (X, y) (standardized features, the targets as the network
    learns them) and choose the epoch count; KeyboardInterrupt on Ctrl-C, after the fold's
    checkpoint is written."""
    metric = "accuracy" if task == "classification" else "r2"
    first, losses, scores = _progress(resume_from, folds, arguments.epochs)
    pairs = fold_rows(len(X), folds, arguments.seed)
    written: Path | None = None
    for fold in range(first, folds):
        train, held_out = pairs[fold]
        model, optimizer, loss_fn = build()
        # Braces escaped: ModelCheckpoint would fill in {epoch}; --checkpoint is a literal path.
        saver = ModelCheckpoint(
            str(checkpoint).replace("{", "{{").replace("}", "}}"), every=None,
            every_seconds=arguments.checkpoint_every,
            state={SETTINGS_KEY: settings,
                   FOLDS_KEY: {"folds": folds, "fold": fold, "losses": losses,
                               "scores": scores}})
        try:
            with StopBetweenSteps(saver) as interrupt:  # (a Ctrl-C after the line is held)
                print(f"fold {fold + 1} of {folds}: training on {len(train)} rows, validating "
                      f"on {len(held_out)}", flush=True)
                history = fit(model, loss_fn, optimizer, X[train], y[train],
                              epochs=arguments.epochs, batch_size=arguments.batch_size,
                              metrics=[metric], validation_data=(X[held_out], y[held_out]),
                              callbacks=[saver, interrupt], verbose=0 if arguments.quiet else 1,
                              resume_from=resume_from if fold == first else None)
        except KeyboardInterrupt:
            raise FoldsInterrupted(saver.last_path or written) from None
        written = saver.last_path or written
        losses = [*losses, [float(v) for v in history["val_loss"]]]
        scores = [*scores, [float(v) for v in history["val_" + metric]]]
    epochs, loss = best_epoch(losses)
    score, baseline = _pooled_scores(task, y, pairs, [curve[epochs - 1] for curve in losses],
                                     [curve[epochs - 1] for curve in scores])
    return FoldsResult(folds, epochs, loss, metric, score, baseline, written)


def describe(result: FoldsResult) -> str:
    """The report's line: which epoch count, why, and the held-out score beside a constant's."""
    constant = ("the training folds' majority class" if result.metric == "accuracy"
                else "the training folds' mean")
    return (f"{result.folds}-fold cross-validation: the folds' mean validation loss was lowest "
            f"after {result.epochs} epochs ({result.loss:.4g}); there, validation {result.metric} "
            f"{result.score:.4f} on rows each fold did not train on  (baseline, always "
            f"{constant}: {result.baseline:.4f})")


def _pooled_scores(task: str, y: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]],
                   losses: list[float], scores: list[float]) -> tuple[float, float]:
    """The folds' score at the chosen epoch over all their held-out rows together, and a
    constant predictor's (each fold's training majority class, or mean). Accuracy: the
    folds' accuracies weighted by their rows. R²: from the pooled squared error,

        R² = 1 − Σ_k n_k · MSE_k / Σ_i (y_i − ȳ)²,

    which a fold of one row cannot make undefined, as its own R² would be (NaN for a
    constant target)."""
    sizes = np.array([len(held_out) for _, held_out in pairs], dtype=np.float64)
    if task == "classification":
        constant = [np.mean(y[held_out] == np.bincount(y[train]).argmax())
                    for train, held_out in pairs]
        return float(np.average(scores, weights=sizes)), float(np.average(constant,
                                                                          weights=sizes))
    values = y[:, 0].astype(np.float64)
    total = float(((values - values.mean()) ** 2).sum())
    constant_error = sum(float(((values[held_out] - values[train].mean()) ** 2).sum())
                         for train, held_out in pairs)
    if total == 0:
        return math.nan, math.nan
    return 1 - float(np.dot(sizes, losses)) / total, 1 - constant_error / total


def _progress(resume_from: str | None, folds: int, epochs: int
              ) -> tuple[int, list[Any], list[Any]]:
    """Where a resumed run is: the fold to go on in, and the finished folds' loss and score
    curves, `epochs` numbers each (0 and none for a new run); a ModelFormatError for a
    checkpoint whose fold record is malformed or is of another number of folds."""
    if resume_from is None:
        return 0, [], []
    record = checkpoints.read(resume_from).get(FOLDS_KEY)
    try:
        fold, losses, scores = record["fold"], record["losses"], record["scores"]
        valid = (record["folds"] == folds and isinstance(fold, int) and 0 <= fold < folds
                 and isinstance(losses, list) and isinstance(scores, list)
                 and len(losses) == len(scores) == fold
                 and all(_curve(curve, epochs) for curve in [*losses, *scores]))
    except (TypeError, KeyError):
        valid = False
    if not valid:
        raise ModelFormatError(f"{resume_from}: no valid record of {folds}-fold "
                               f"cross-validation in this checkpoint, so --resume cannot tell "
                               f"which fold it stopped in")
    return fold, losses, scores


def _curve(values: Any, epochs: int) -> bool:
    """Whether `values` is a list of `epochs` numbers (finite or not: a loss may be inf)."""
    return (isinstance(values, list) and len(values) == epochs
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values))
