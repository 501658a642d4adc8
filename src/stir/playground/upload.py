"""A CSV a page uploads, read by stir's own CSV reader and scaled onto the playground's axes.

`parse_upload(name, text)` takes the file as the page sends it (its name and its text);
`read_upload(path)` reads one from disk. Both read it with `stir.data.load_csv`, so that its
problems get `stir train`'s messages, naming the file (as uploaded) and the line, and both
give an `Upload`. The target is the column named, or else the last one; the other columns
must be one or two numeric features (one: a 1-D task, as the curve). The features are
scaled linearly onto [-5, 5] (one feature: onto [0, 1]) and a regression target onto
[-1, 1] (a constant column onto the middle); the original ranges are in the Upload's `axes`,
for the page's axis labels (a constant column's low == high). A file is at most
protocol.MAX_UPLOAD_BYTES of UTF-8, datasets.MAX_POINTS rows and settings.MAX_CLASSES
classes; every refusal is a one-line `CSVError` naming the file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..data import load_csv
from ..data.csv_table import CSVError, CSVTable
from .datasets import MAX_POINTS, Upload
from .protocol import MAX_UPLOAD_BYTES
from .settings import MAX_CLASSES

__all__ = ["FEATURE_RANGE", "TARGET_RANGE", "X_RANGE", "parse_upload",
           "read_upload", "safe_name", "scaled"]

#: Where the features go: both axes of a 2-D task; the one x of a 1-D task; a regression target.
FEATURE_RANGE, X_RANGE, TARGET_RANGE = (-5.0, 5.0), (0.0, 1.0), (-1.0, 1.0)
_FALLBACK_NAME = "upload.csv"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_TASKS = ("auto", "classification", "regression")


def safe_name(name: Any) -> str:
    """The base name of an uploaded file, safe as a file name and in a message: no folders,
    only letters, digits, '.', '-' and '_' (others become '_'), at most 100 characters, and
    `upload.csv` when nothing usable is left.

    >>> safe_name("../../etc/passwd"), safe_name("C:\\\\data\\\\my points.csv"), safe_name("..")
    ('passwd', 'my_points.csv', 'upload.csv')
    """
    if not isinstance(name, str):
        return _FALLBACK_NAME
    base = re.split(r"[/\\]", name)[-1]
    base = _UNSAFE.sub("_", base).strip("._-")[-100:].lstrip("._-")
    return base or _FALLBACK_NAME


def scaled(values: np.ndarray, target: tuple[float, float]) -> tuple[np.ndarray, float, float]:
    """`values` mapped linearly onto the interval `target` (their least value to its low end,
    their greatest to its high end), with the least and greatest; a constant column maps to
    the middle of `target` (its low == high says so).

    >>> scaled(np.array([2.0, 4.0, 3.0]), (-5.0, 5.0))
    (array([-5.,  5.,  0.]), 2.0, 4.0)
    >>> scaled(np.array([7.0, 7.0]), (0.0, 1.0))
    (array([0.5, 0.5]), 7.0, 7.0)
    """
    low, high = float(values.min()), float(values.max())
    start, stop = target
    if low == high:
        return np.full(len(values), (start + stop) / 2), low, high
    # Halved first, so that a span such as 1e308 − (−1e308) does not overflow to inf.
    fraction = (values / 2 - low / 2) / (high / 2 - low / 2)
    return start + (stop - start) * fraction, low, high


def parse_upload(name: Any, text: Any, target: str | None = None, task: str = "auto",
                 features: Sequence[str] | None = None) -> Upload:
    """The Upload of a file a page sent: `text` written to a private temporary folder under
    the file's safe base name (`safe_name`), read by `read_upload`, and deleted; its messages
    name the file as uploaded.

    >>> upload = parse_upload("../pets.csv", "weight,height,kind\\n4,30,cat\\n30,60,dog\\n")
    >>> upload.name, upload.problem, upload.class_names
    ('pets.csv', 'classification', ('cat', 'dog'))
    >>> sorted(zip(upload.points.tolist(), upload.labels.tolist()))
    [([-5.0, -5.0], 0.0), ([5.0, 5.0], 1.0)]
    """
    shown = safe_name(name)
    if not isinstance(text, str):
        raise CSVError(f"{shown}: the file must be sent as text, got {type(text).__name__}")
    # (A character is at least one byte: the length alone refuses a huge text unencoded.)
    data = _encoded(text) if len(text) <= MAX_UPLOAD_BYTES else b""
    if len(text) > MAX_UPLOAD_BYTES or len(data) > MAX_UPLOAD_BYTES:
        raise CSVError(f"{shown}: the file is over {MAX_UPLOAD_BYTES // 1024} KiB, the most "
                       "the playground reads")
    with tempfile.TemporaryDirectory(prefix="stir-playground-") as folder:
        path = os.path.join(folder, shown)
        with open(path, "xb") as handle:
            handle.write(data)
        try:
            return read_upload(path, target, task, features)  # (named `shown`, its base name)
        except CSVError as error:
            raise CSVError(str(error).replace(path, shown)) from None


def read_upload(path: str | Path, target: str | None = None, task: str = "auto",
                features: Sequence[str] | None = None) -> Upload:
    """A CSV file read by `stir.data.load_csv` (no validation part, not standardized) as an
    Upload: its target `target` (None: the last column), as classes or a regression target
    by `task` (load_csv's rule for "auto"), and one or two numeric features, scaled: the
    columns named in `features`, in that order, the others left out (None: every column
    but the target, which must then be one or two). The rows
    come in load_csv's seeded shuffle (a file sorted by class still splits into train and
    test evenly); a row whose target or a feature is missing is left out (a plotted point
    must be where the file puts it, not at an imputed median), and its line is listed in
    `left_out`, which the page shows.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "curve.csv")
    >>> _ = open(path, "w").write("x;y\\n0;1\\n5;-1\\n10;0.5\\n")
    >>> upload = read_upload(path, task="regression")
    >>> upload.dims, sorted(zip(upload.points.ravel().tolist(), upload.labels.tolist()))
    (1, [(0.0, 1.0), (0.5, -1.0), (1.0, 0.5)])
    >>> upload.axes["x1"], upload.axes["label"]
    ({'name': 'x', 'low': 0.0, 'high': 10.0}, {'name': 'y', 'low': -1.0, 'high': 1.0})
    """
    name = str(path)
    if task not in _TASKS:
        raise CSVError(f"{name}: task must be one of {', '.join(_TASKS)}, got {task!r}")
    if target is not None and not isinstance(target, str):
        raise CSVError(f"{name}: the target must be a column name, got {type(target).__name__}")
    if os.path.isfile(name) and os.path.getsize(name) > MAX_UPLOAD_BYTES:
        raise CSVError(f"{name}: the file is over {MAX_UPLOAD_BYTES // 1024} KiB, the most the "
                       "playground reads")
    header = CSVTable(name).header  # (the columns are counted before any row is read)
    target = header[-1] if target is None else target
    others = [column for column in header if column != target]
    if features is None:
        features = others
        if target in header and not features:
            raise CSVError(f"{name}: line 1: only the target column {target!r}; the "
                           "playground plots one or two feature columns")
        if target in header and len(features) > 2:
            listed = ", ".join(repr(column) for column in features[:5])
            raise CSVError(f"{name}: line 1: the playground plots one or two feature columns; "
                           f"besides the target {target!r} there are {len(features)}: "
                           f"{listed}" + (", ..." if len(features) > 5 else "")
                           + "; name the one or two to plot (feature columns)")
    else:
        features = list(features)
        _check_features(name, features, header, target)
    data = load_csv(name, target=target, task=task, validation=0.0, standardize=False,
                    dtype=np.float64, missing="drop",
                    drop=[column for column in others if column not in features])
    for encoding in data.columns:
        if encoding.kind == "category":
            raise CSVError(f"{name}: the playground plots numeric features; column "
                           f"{encoding.name!r} is text")
    # (load_csv keeps the file's column order; the page's order picks the axes)
    X = data.X_train[:, [data.feature_names.index(column) for column in features]]
    rows = len(X)
    if rows > MAX_POINTS:
        raise CSVError(f"{name}: {rows} data rows; the playground holds at most {MAX_POINTS}")
    classes = tuple(str(label) for label in data.classes)
    if data.task == "classification" and len(classes) > MAX_CLASSES:
        raise CSVError(f"{name}: column {target!r} has {len(classes)} classes; the playground "
                       f"shows at most {MAX_CLASSES}"
                       + (" (a number to predict? upload it as a regression)"
                          if all(isinstance(label, int) for label in data.classes) else ""))
    dims = len(features)
    axes: dict[str, Any] = {}
    columns = []
    for index, column in enumerate(features):
        values, low, high = scaled(X[:, index], X_RANGE if dims == 1
                                   else FEATURE_RANGE)
        columns.append(values)
        axes[f"x{index + 1}"] = {"name": column, "low": low, "high": high}
    if data.task == "classification":
        labels = data.y_train.astype(np.float64)
        axes["label"] = {"name": target, "classes": list(classes)}
    else:
        labels, low, high = scaled(data.y_train[:, 0], TARGET_RANGE)
        axes["label"] = {"name": target, "low": low, "high": high}
    return Upload(name=os.path.basename(name), target=target, problem=data.task,
                  num_classes=len(classes) if data.task == "classification" else None,
                  class_names=classes, points=np.stack(columns, axis=1), labels=labels,
                  axes=axes, dims=dims,
                  left_out=tuple(sorted(data.dropped + data.dropped_missing)))


def _check_features(name: str, features: list[str], header: list[str], target: str) -> None:
    """The feature columns a page named: one or two distinct columns of the file, not the
    target (a CSVError at line 1 otherwise)."""
    if not 1 <= len(features) <= 2 or not all(isinstance(f, str) for f in features):
        raise CSVError(f"{name}: the playground plots one or two feature columns; "
                       f"{len(features)} were named")
    if len(set(features)) != len(features):
        raise CSVError(f"{name}: the feature column {features[0]!r} is named twice")
    for column in features:
        if column == target:
            raise CSVError(f"{name}: line 1: {column!r} is the target; it cannot also be a "
                           "feature")
        if column not in header:
            raise CSVError(f"{name}: line 1: no column {column!r}; the columns are {header}")


def _encoded(text: str) -> bytes:
    """The text as UTF-8; a lone surrogate (JSON's \\ud800) kept as its bytes, which are not
    UTF-8, so that the CSV reader says so at its line."""
    return text.encode("utf-8", "surrogatepass")
