"""`stir predict MODEL DATA.csv` and `stir eval MODEL DATA.csv`: use a model saved by
`stir train` on new rows.

`predict` writes one row per input row: the predicted value or class (and, with
--probabilities, one column per class). The CSV must have the columns the model was trained
on, in any order; the target column may be present and is then ignored. `--out` is checked
before anything is predicted (see `output_paths`): never the model or the CSV, and an
existing file only if it holds predictions, unless --force. `eval` compares the
predictions with the target column and prints the metrics.
"""

from __future__ import annotations

import argparse
import csv
import sys
from typing import Any, TextIO

import numpy as np

from ..data.csv_files import describe_dropped, read_features, read_labeled_rows
from ..io.atomic import write_atomic
from ..training import metrics
from . import EXIT_OK, UsageError
from .output_paths import check_outputs, predictions_csv
from .trained_model import TrainedModel



def add_parsers(commands: Any) -> None:
    """The `predict` and `eval` subcommands' arguments."""
    predict = commands.add_parser(
        "predict", help="predict the target for each row of a CSV file (as CSV)",
        description="Predict with a model saved by stir train; writes CSV to --out or stdout.",
        epilog="example: stir predict houses.safetensors new_houses.csv --out prices.csv")
    predict.add_argument("model", metavar="MODEL", help="a model file written by stir train")
    predict.add_argument("csv", metavar="DATA.csv", help="rows with the model's feature columns")
    predict.add_argument("--out", metavar="FILE", help="write the CSV here (default: stdout); "
                         "an existing FILE is replaced only if it holds predictions: its header "
                         "is the model's target column, then only probability_ columns")
    predict.add_argument("--force", action="store_true", help="let --out replace an existing "
                         "file that does not hold predictions (never MODEL, DATA.csv or a "
                         "folder)")
    predict.add_argument("--probabilities", action="store_true",
                         help="for a classifier, add one probability column per class")
    evaluate = commands.add_parser(
        "eval", help="metrics of a saved model on a labelled CSV file",
        description="Evaluate a model saved by stir train on a CSV file that has the target.",
        epilog="example: stir eval houses.safetensors test_houses.csv")
    evaluate.add_argument("model", metavar="MODEL", help="a model file written by stir train")
    evaluate.add_argument("csv", metavar="DATA.csv", help="rows with the features and target")
    evaluate.add_argument("--target", metavar="COL", help="the target column (default: the "
                          "one the model was trained to predict, which is the only one allowed)")


def run_predict(arguments: argparse.Namespace) -> int:
    """Write the predictions as CSV; returns the exit status."""
    trained = TrainedModel.load(arguments.model)
    if arguments.out:
        check_outputs([("the model", arguments.model), ("the input CSV", arguments.csv)],
                      [predictions_csv("--out", arguments.out, trained.target)],
                      arguments.force)
    X = _features(trained, arguments.csv)
    outputs = trained.outputs(X)
    header = [trained.target]
    if trained.task == "classification":
        rows = [[trained.classes[i]] for i in outputs.argmax(axis=1)]
        if arguments.probabilities:
            header += [f"probability_{label}" for label in trained.classes]
            rows = [row + [f"{p:.6g}" for p in probabilities]
                    for row, probabilities in zip(rows, outputs)]
    else:
        rows = [[f"{value:.7g}"] for value in outputs]
    if arguments.out:
        text = _csv_text(header, rows)
        write_atomic(arguments.out, text.encode())
        print(f"wrote {len(rows)} predictions to {arguments.out}", file=sys.stderr)
    else:
        _write_csv(sys.stdout, header, rows)
    return EXIT_OK


def run_evaluation(arguments: argparse.Namespace) -> int:
    """Print the model's metrics on a labelled CSV; returns the exit status."""
    trained = TrainedModel.load(arguments.model)
    if arguments.target not in (None, trained.target):
        raise UsageError(f"--target {arguments.target!r}: {arguments.model} was trained to "
                         f"predict {trained.target!r}; leave --target out to use it")
    target = trained.target
    classes = trained.classes if trained.task == "classification" else None
    rows = read_labeled_rows(arguments.csv, trained.feature_names, target, classes,
                             standardizer=trained.standardizer, encodings=trained.columns,
                             ignore=trained.left_out)
    X, y = rows.X, rows.y
    outputs = trained.outputs(X)
    dropped = describe_dropped(rows.dropped)
    print(f"{arguments.csv}: {len(X)} rows, target {target!r} ({trained.task})"
          + (f"; {dropped}" if dropped else ""))
    if trained.task == "classification":
        log_likelihood = np.log(np.maximum(outputs[np.arange(len(y)), y], 1e-300))
        print(f"accuracy {metrics.accuracy(outputs, y):.4f}  cross-entropy "
              f"{-log_likelihood.mean():.4f}")
    else:
        target = y[:, 0]
        print(f"mse {metrics.mse(outputs, target):.4g}  mae {metrics.mae(outputs, target):.4g}"
              f"  r2 {metrics.r2(outputs, target):.4f}")
    return EXIT_OK


def _features(trained: TrainedModel, path: str) -> np.ndarray:
    """The model's features from `path`; the target column, if present, is ignored."""
    return read_features(path, trained.feature_names,
                         ignore=[trained.target, *trained.left_out],
                         standardizer=trained.standardizer, encodings=trained.columns)


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    import io

    buffer = io.StringIO()
    _write_csv(buffer, header, rows)
    return buffer.getvalue()


def _write_csv(stream: TextIO, header: list[str], rows: list[list[Any]]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
