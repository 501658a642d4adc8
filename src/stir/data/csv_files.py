"""CSV files: numeric feature columns plus one named target, split, standardized.

`load_csv` reads a training file (header row required) into a `CSVDataset`; `read_features`
reads a file to predict on, checked against the feature names a model was trained with.
Every problem in a file raises `CSVError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._types import Array

#: An integer target with at most this many distinct values is taken as class labels.
MAX_AUTO_CLASSES = 20
TASKS = ("auto", "classification", "regression")


class CSVError(ValueError):
    """A CSV file that cannot be used; the message names the file, line and column."""


class Standardizer:
    """Per-feature standardization z = (x − mean) / std, fitted on training rows only.

    A constant feature (std 0) gets std 1, so it maps to 0 instead of dividing by zero.
    `to_dict()` / `from_dict()` give plain lists, to store beside a model's weights.

    >>> s = Standardizer.fit(np.array([[1.0, 10.0], [3.0, 10.0]]))
    >>> s.transform(np.array([[2.0, 10.0], [3.0, 10.0]])).tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    >>> Standardizer.from_dict(s.to_dict()).inverse_transform(np.array([[1.0, 0.0]])).tolist()
    [[3.0, 10.0]]
    """

    def __init__(self, mean: Any, std: Any) -> None:
        self.mean = np.asarray(mean, dtype=np.float32).reshape(-1)
        self.std = np.asarray(std, dtype=np.float32).reshape(-1)
        if self.mean.shape != self.std.shape:
            raise ValueError(
                f"Standardizer: mean has {self.mean.size} values but std has {self.std.size}"
            )
        if not (np.isfinite(self.mean).all() and (self.std > 0).all()):
            raise ValueError("Standardizer: mean must be finite and std positive")

    @classmethod
    def fit(cls, X: Array) -> Standardizer:
        """Mean and (population) standard deviation of each column of X (n, d)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"Standardizer.fit needs a non-empty (n, d) array, got {X.shape}")
        std = X.std(axis=0)
        return cls(X.mean(axis=0), np.where(std > 0, std, 1.0))

    def _check(self, X: Array) -> Array:
        X = np.asarray(X, dtype=np.float32)
        if X.ndim != 2 or X.shape[1] != self.mean.size:
            raise ValueError(
                f"Standardizer: expected (n, {self.mean.size}) features, got shape {X.shape}"
            )
        return X

    def transform(self, X: Array) -> Array:
        """(X − mean) / std as float32."""
        return (self._check(X) - self.mean) / self.std

    def inverse_transform(self, Z: Array) -> Array:
        """Z·std + mean as float32: undoes `transform`."""
        return self._check(Z) * self.std + self.mean

    def to_dict(self) -> dict[str, list[float]]:
        """{"mean": [...], "std": [...]} as plain floats (JSON-safe)."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Standardizer:
        """The inverse of `to_dict`; a ValueError names a missing key."""
        missing = [key for key in ("mean", "std") if key not in data]
        if missing:
            raise ValueError(f"Standardizer.from_dict: missing key(s) {missing}")
        return cls(data["mean"], data["std"])

    def __repr__(self) -> str:
        return f"Standardizer({self.mean.size} features)"


@dataclass
class CSVDataset:
    """What `load_csv` returns. X arrays are float32 (n, d), standardized when asked;
    y is int64 (n,) class indices for classification, float32 (n, 1) for regression.
    `classes` lists the original labels in index order (`classes[y[i]]` is row i's label);
    it is empty for regression. `standardizer` is None when standardize=False."""

    path: str
    feature_names: list[str]
    target: str
    task: str
    X_train: Array
    y_train: Array
    X_val: Array
    y_val: Array
    classes: list[Any]
    standardizer: Standardizer | None

    @property
    def class_to_index(self) -> dict[Any, int]:
        """label → class index."""
        return {label: index for index, label in enumerate(self.classes)}


def load_csv(
    path: str | Path, target: str, task: str = "auto", validation: float = 0.2, seed: int = 0,
    standardize: bool = True,
) -> CSVDataset:
    """Read a CSV with a header row; every column but `target` must be numeric.

    task "auto" picks classification when the target is not numeric, or is integer-valued
    with at most MAX_AUTO_CLASSES distinct values that repeat (fewer distinct values than
    rows, or just two); otherwise regression. A random `validation` fraction of rows
    (seeded) is held out; the standardizer is fitted on the training rows alone.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pets.csv")
    >>> _ = open(path, "w").write("weight,height,kind\\n4,30,cat\\n30,60,dog\\n5,25,cat\\n")
    >>> data = load_csv(path, target="kind", validation=0.0)
    >>> data.task, data.classes, data.feature_names, data.X_train.shape
    ('classification', ['cat', 'dog'], ['weight', 'height'], (3, 2))
    """
    if task not in TASKS:
        raise ValueError(f"load_csv: task must be one of {TASKS}, got {task!r}")
    if not 0 <= validation < 1:
        raise ValueError(f"load_csv: validation must be in [0, 1), got {validation}")
    name = str(path)
    header, lines, rows = _read_table(name)
    if target not in header:
        raise CSVError(
            f"{name}: line 1: no target column {target!r}; the columns are {header}"
        )
    column = header.index(target)
    if len(header) == 1:
        raise CSVError(f"{name}: line 1: only the target column {target!r}; no feature columns")
    feature_names = [h for i, h in enumerate(header) if i != column]
    features = [i for i in range(len(header)) if i != column]
    X = _numeric(name, header, lines, [[row[i] for i in features] for row in rows], features)
    y, classes, task = _target(name, target, column, lines, [row[column] for row in rows], task)
    order = np.random.default_rng(seed).permutation(len(rows))
    held_out = int(round(validation * len(rows)))
    if held_out >= len(rows):
        raise CSVError(f"{name}: only {len(rows)} data rows; none would be left for training")
    train, val = order[held_out:], order[:held_out]
    standardizer = Standardizer.fit(X[train]) if standardize else None
    X = X.astype(np.float32)
    if standardizer is not None:
        X = standardizer.transform(X)
    return CSVDataset(
        name, feature_names, target, task, X[train], y[train], X[val], y[val], classes,
        standardizer,
    )


def read_features(
    path: str | Path, feature_names: Sequence[str], allow_extra: bool = False,
    ignore: Sequence[str] = (),
) -> Array:
    """The columns `feature_names` of a CSV, in that order, as float32 (n, d) for prediction.

    Missing columns are an error; so are extra ones, unless `allow_extra` or they are
    named in `ignore` (for instance the target column of a labelled file).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "new.csv")
    >>> _ = open(path, "w").write("height,weight\\n30,4\\n")
    >>> read_features(path, ["weight", "height"]).tolist()
    [[4.0, 30.0]]
    """
    name = str(path)
    header, lines, rows = _read_table(name)
    return _select_features(name, header, lines, rows, feature_names,
                            ignore=header if allow_extra else ignore,
                            extra_hint="" if ignore else " (pass allow_extra=True to ignore them)")


def _select_features(
    name: str, header: list[str], lines: list[int], rows: list[list[str]],
    feature_names: Sequence[str], ignore: Sequence[str], extra_hint: str = "",
) -> Array:
    """The columns `feature_names` as float32 (n, d); a CSVError names missing columns and
    extra ones that are not in `ignore`."""
    missing = [f for f in feature_names if f not in header]
    extra = [h for h in header if h not in feature_names and h not in ignore]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {missing}")
        if extra:
            parts.append(f"extra column(s) {extra}{extra_hint}")
        raise CSVError(
            f"{name}: line 1: the columns do not match the model's features "
            f"{list(feature_names)}: {'; '.join(parts)}"
        )
    columns = [header.index(f) for f in feature_names]
    table = [[row[i] for i in columns] for row in rows]
    return _numeric(name, header, lines, table, columns).astype(np.float32)


def read_labeled(
    path: str | Path, feature_names: Sequence[str], target: str, classes: Sequence[Any] | None,
) -> tuple[Array, Array]:
    """Features (as `read_features`) and the target of a CSV, to evaluate a trained model:
    class indices into `classes` (int64), or float32 (n, 1) values when `classes` is None.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "test.csv")
    >>> _ = open(path, "w").write("kind,weight\\ndog,30\\ncat,4\\n")
    >>> X, y = read_labeled(path, ["weight"], "kind", ["cat", "dog"])
    >>> X.tolist(), y.tolist()
    ([[30.0], [4.0]], [1, 0])
    """
    name = str(path)
    header, lines, rows = _read_table(name)
    if target not in header:
        raise CSVError(f"{name}: line 1: no target column {target!r}; the columns are {header}")
    X = _select_features(name, header, lines, rows, feature_names, ignore=[target])
    column = header.index(target)
    values = [row[column] for row in rows]
    if classes is None:
        y = _numeric(name, header, lines, [[v] for v in values], [column])
        return X, y.astype(np.float32)
    index = {_label_key(label): i for i, label in enumerate(classes)}
    y = np.empty(len(values), dtype=np.int64)
    for i, (line, value) in enumerate(zip(lines, values)):
        key = _label_key(value.strip())
        if key not in index:
            raise CSVError(f"{name}: line {line}, column {target!r}: {value.strip()!r} is not "
                           f"one of the classes the model knows: {list(classes)}")
        y[i] = index[key]
    return X, y


def _label_key(label: Any) -> str:
    """One spelling per label, so the file's "1", "1.0" and the saved 1 all match."""
    try:
        number = float(label)
    except (TypeError, ValueError):
        return str(label)
    return str(int(number)) if number.is_integer() else repr(number)


def _read_table(name: str) -> tuple[list[str], list[int], list[list[str]]]:
    """Header, each data row's line number, and the rows (blank lines skipped)."""
    try:
        handle = open(name, newline="", encoding="utf-8-sig")
    except OSError as error:
        raise CSVError(f"{name}: cannot open: {error.strerror or error}") from None
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next((row for row in reader if row), None)
            if header is None:
                raise CSVError(f"{name}: the file is empty; expected a header row of column names")
            header = [h.strip() for h in header]
            header_line = reader.line_num
            _check_header(name, header_line, header)
            lines, rows = [], []
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(header):
                    raise CSVError(
                        f"{name}: line {reader.line_num}: expected {len(header)} values "
                        f"(one per column of the header), got {len(row)}"
                    )
                lines.append(reader.line_num)
                rows.append(row)
        except csv.Error as error:
            raise CSVError(f"{name}: line {reader.line_num}: {error}") from None
        except UnicodeDecodeError as error:
            raise CSVError(f"{name}: not UTF-8 text ({error.reason})") from None
    if not rows:
        raise CSVError(f"{name}: line {header_line}: only a header row; no data rows")
    return header, lines, rows


def _check_header(name: str, line: int, header: list[str]) -> None:
    for position, column in enumerate(header):
        if not column:
            raise CSVError(f"{name}: line {line}: column {position + 1} has an empty name")
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise CSVError(f"{name}: line {line}: duplicate column name(s) {duplicates}")


def _numeric(
    name: str, header: list[str], lines: list[int], table: list[list[str]], columns: list[int],
) -> Array:
    """float64 (n, d) from strings; a CSVError names the first bad cell."""
    try:
        X = np.array(table, dtype=np.float64).reshape(len(table), len(columns))
        if np.isfinite(X).all():
            return X
    except ValueError:
        pass
    # The fast path failed: find the first bad cell to name it.
    for row, line in zip(table, lines):
        for value, column in zip(row, columns):
            problem = _cell_problem(value)
            if problem:
                raise CSVError(
                    f"{name}: line {line}, column {header[column]!r}: {problem}"
                )
    # NumPy's parser refused something Python's float() accepts (such as "1_000").
    return np.array([[float(value) for value in row] for row in table], dtype=np.float64)


def _cell_problem(value: str) -> str | None:
    if not value.strip():
        return "empty cell (every feature needs a number)"
    try:
        number = float(value)
    except ValueError:
        return f"{value!r} is not a number (features must be numeric)"
    if not math.isfinite(number):
        return f"{value!r} is not a finite number (NaN and infinity are not allowed)"
    return None


def _target(
    name: str, target: str, column: int, lines: list[int], values: list[str], task: str,
) -> tuple[Array, list[Any], str]:
    """The target as class indices or regression values, its classes, and the task."""
    for line, value in zip(lines, values):
        if not value.strip():
            raise CSVError(f"{name}: line {line}, column {target!r}: empty target cell")
    numbers: list[float] | None = []
    for line, value in zip(lines, values):
        problem = _cell_problem(value)
        if problem:
            if task == "regression":
                raise CSVError(
                    f"{name}: line {line}, column {target!r}: {problem} "
                    f"(a regression target must be numeric)"
                )
            numbers = None
            break
        numbers.append(float(value))
    if task == "auto":
        task = "classification" if numbers is None or _looks_like_classes(numbers) else "regression"
    if task == "regression":
        return np.array(numbers, dtype=np.float32).reshape(-1, 1), [], task
    labels: list[Any]
    if numbers is None:
        labels = [v.strip() for v in values]
    elif all(n.is_integer() for n in numbers):
        labels = [int(n) for n in numbers]
    else:
        labels = numbers
    classes = sorted(set(labels))
    index = {label: i for i, label in enumerate(classes)}
    return np.array([index[label] for label in labels], dtype=np.int64), classes, task


def _looks_like_classes(numbers: list[float]) -> bool:
    if not all(n.is_integer() for n in numbers):
        return False
    distinct = len(set(numbers))
    return distinct <= MAX_AUTO_CLASSES and (distinct < len(numbers) or distinct <= 2)
