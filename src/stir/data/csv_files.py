"""CSV files: feature columns (numbers, ISO dates, text one-hot) plus one named target,
split, imputed and standardized.

`load_csv` reads a training file (header row required) into a `CSVDataset`; `read_features`
reads a file to predict on, checked against the feature names a model was trained with;
`read_labeled_rows` (or `read_labeled`) reads a file to evaluate a model on. Every problem in
a file raises `CSVError` naming the file, the line and the column.

Cells are parsed in float64 and must fit the model's dtype (float32 unless asked otherwise).
A numeric target may have missing cells (`MISSING_MARKERS`): those rows are dropped and their
line numbers kept, for the commands to report; a missing feature cell is imputed, dropped
or refused (`load_csv`'s `missing`). Only regular files are read, as UTF-8 (see csv_table).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .._types import Array, DTypeLike
from .csv_columns import (
    COMMA_NUMBER, MISSING_MARKERS, ColumnEncoding, ColumnProblem, ColumnValues, Growing,
    InfiniteCell, category_indices, comma_number_problem, drop_hint, encoded_numbers, fit_encoding,
    is_number, label_key, one_hot,
)
from .csv_table import CSVError, CSVTable
from .standardizer import DoesNotFit, Standardizer, as_dtype, dtype_range, float_dtype

__all__ = ["CSVDataset", "CSVError", "LabeledRows", "MISSING_MARKERS", "Standardizer",
           "describe_dropped", "load_csv", "read_features", "read_labeled",
           "read_labeled_rows"]

#: An integer target with at most this many distinct values may be taken as class labels...
MAX_AUTO_CLASSES = 20
#: ...when each value is seen this many times on average (rows >= this × distinct values).
MIN_ROWS_PER_CLASS = 3
TASKS = ("auto", "classification", "regression")
MISSING_POLICIES = ("impute", "drop", "error")
_TARGET_HINT = "a regression target must be numeric"
_CHECK_ROWS = 1 << 16  # rows standardized at a time to check them: a few MB of float64


@dataclass
class CSVDataset:
    """What `load_csv` returns. X arrays are (n, d) of the dtype asked for (float32 by
    default), standardized when asked; y is int64 (n,) class indices for classification, or
    (n, 1) values of that dtype for regression. `classes` lists the original labels in index
    order (`classes[y[i]]` is row i's label); it is empty for regression. `standardizer` is
    None when standardize=False. `dropped` lists the line numbers of the rows left out
    because their (numeric) target is missing; `describe_dropped` words it for a report.
    `columns` are the feature columns' encodings; `missing_cells` counts each column's
    missing cells in the rows kept (imputed, unless `missing="drop"` dropped their rows,
    listed in `dropped_missing`); `left_out` are the columns `drop` named; `row_numbers`
    the number columns whose integers rise with every row, as row numbers do (kept, but
    worth a note: an identifier predicts nothing)."""

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
    dropped: list[int] = field(default_factory=list)
    columns: list[ColumnEncoding] = field(default_factory=list)
    dropped_missing: list[int] = field(default_factory=list)
    delimiter: str = ","
    missing_cells: dict[str, int] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    row_numbers: list[str] = field(default_factory=list)

    @property
    def class_to_index(self) -> dict[Any, int]:
        """label → class index."""
        return {label: index for index, label in enumerate(self.classes)}


@dataclass
class LabeledRows:
    """What `read_labeled_rows` returns: X and y as `read_labeled` gives them, and `dropped`,
    the line numbers of the rows left out because their target is missing."""

    X: Array
    y: Array
    dropped: list[int]


def describe_dropped(lines: Sequence[int], shown: int = 5) -> str:
    """How many rows were dropped for a missing target, and the first `shown` line numbers;
    "" when none were.

    >>> describe_dropped([17])
    'dropped 1 row whose target is missing (line 17)'
    >>> describe_dropped([3, 4, 9])
    'dropped 3 rows whose target is missing (lines 3, 4, 9)'
    """
    if not lines:
        return ""
    listed = ", ".join(str(line) for line in lines[:shown]) + (", ..." * (len(lines) > shown))
    if len(lines) == 1:
        return f"dropped 1 row whose target is missing (line {listed})"
    return f"dropped {len(lines)} rows whose target is missing (lines {listed})"


def load_csv(
    path: str | Path, target: str, task: str = "auto", validation: float = 0.2, seed: int = 0,
    standardize: bool = True, dtype: DTypeLike = np.float32, drop: Sequence[str] = (),
    missing: str = "impute", delimiter: str | None = None,
) -> CSVDataset:
    """Read a CSV with a header row: the `target` column and feature columns of numbers,
    text (one-hot encoded) or ISO dates (days since 1970-01-01); the columns named in `drop`
    are left out.

    A target whose cells are all numbers or missing markers is numeric: the rows with a
    marker are dropped (listed in `dropped`). task "auto" then picks classification when the
    numbers are integers with two distinct values, or at most MAX_AUTO_CLASSES seen
    MIN_ROWS_PER_CLASS times each on average, and regression otherwise; any other target is
    text, and its cells are class labels. Classification needs at least two classes. A
    random `validation` fraction of rows (seeded) is held out; the encodings' statistics and
    the standardizer are fitted on the training rows alone. A missing feature cell
    (MISSING_MARKERS) is, by `missing`: "impute"d (the training rows' median, or most
    frequent category), its row "drop"ped (listed in `dropped_missing`), or an "error".
    Every value must fit `dtype`.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "pets.csv")
    >>> text = "weight,height,kind\\n4,30,cat\\n30,60,dog\\n5,25,cat\\n"
    >>> _ = open(path, "w").write(text)
    >>> data = load_csv(path, target="kind", validation=0.0)
    >>> data.task, data.classes, data.feature_names, data.X_train.shape
    ('classification', ['cat', 'dog'], ['weight', 'height'], (3, 2))
    >>> _ = open(path, "w").write(text.replace("cat", "1").replace("dog", "NA"))
    >>> data = load_csv(path, target="kind", task="regression", validation=0.0)
    >>> data.task, data.y_train.tolist(), data.dropped
    ('regression', [[1.0], [1.0]], [3])
    >>> _ = open(path, "w").write("colour;size;kind\\nred;1;a\\nblue;NA;b\\nred;3;a\\n")
    >>> data = load_csv(path, target="kind", validation=0.0, standardize=False)
    >>> data.feature_names, sorted(data.X_train.tolist())  # NA: the median size, 2
    (['colour=blue', 'colour=red', 'size'], [[0.0, 1.0, 1.0], [0.0, 1.0, 3.0], [1.0, 0.0, 2.0]])
    """
    if task not in TASKS:
        raise ValueError(f"load_csv: task must be one of {TASKS}, got {task!r}")
    if not 0 <= validation < 1:
        raise ValueError(f"load_csv: validation must be in [0, 1), got {validation}")
    if missing not in MISSING_POLICIES:
        raise ValueError(f"load_csv: missing must be one of {MISSING_POLICIES}, got {missing!r}")
    dtype = float_dtype(dtype)
    name = str(path)
    table = CSVTable(name, delimiter)
    header = table.header
    if target not in header:
        raise CSVError(
            f"{name}: line 1: no target column {target!r}; the columns are {header}"
        )
    unknown = [column for column in drop if column not in header]
    if unknown or target in drop:
        raise CSVError(f"{name}: line 1: cannot drop {unknown or [target]}: "
                       + ("not columns of the file" if unknown else "it is the target"))
    feature_names = [h for h in header if h != target and h not in drop]
    if not feature_names:
        raise CSVError(f"{name}: line 1: only the target column {target!r}; no feature columns")
    lines, values = _read_columns(table, [target, *feature_names])
    keep, dropped, y, classes, task = _target(table, target, lines, values[target], task, dtype)
    values.pop(target).release()  # (y holds what training needs of it)
    every_row = len(keep) == len(lines)  # (keep is then 0, 1, 2...: indexing by it would copy)
    missing_cells: dict[str, int] = {}
    holes = np.zeros(len(keep), dtype=bool)
    for column in feature_names:
        column_holes = _holes(values[column]) if every_row else _holes(values[column])[keep]
        if column_holes.any():
            missing_cells[column] = int(column_holes.sum())
            holes |= column_holes
    dropped_missing: list[int] = []
    if holes.any() and missing == "error":
        row, column = _first_hole(values, feature_names, keep)
        raise CSVError(f"{name}: line {int(lines[row])}, column {column!r}: missing cell "
                       f"(impute it with --missing impute, or drop its row with --missing drop)")
    if holes.any() and missing == "drop":
        dropped_missing = lines[keep[holes]].tolist()
        y, keep, every_row = y[~holes], keep[~holes], False
    order = np.random.default_rng(seed).permutation(len(keep))
    held_out = int(round(validation * len(keep)))
    if held_out >= len(keep):
        raise CSVError(f"{name}: only {len(keep)} data rows; none would be left for training")
    train, val = order[held_out:], order[:held_out]
    parts = [train, val] if every_row else [keep[train], keep[val]]
    del keep  # (8 bytes a row, freed before the columns are encoded)
    row_numbers = [column for column in feature_names if _rises_by_row(values[column])]
    encodings, (X_train, X_val), standardizer = _split_features(
        table, values, feature_names, lines, parts, dtype, standardize)
    names = [n for encoding in encodings for n in encoding.feature_names]
    if len(set(names)) != len(names):
        raise CSVError(f"{name}: line 1: one-hot encoding gives feature names that are "
                       f"also columns: {sorted({n for n in names if names.count(n) > 1})}")
    return CSVDataset(
        name, names, target, task, X_train, y[train], X_val, y[val], classes,
        standardizer, dropped, encodings, dropped_missing, table.delimiter, missing_cells,
        list(drop), row_numbers,
    )


def _rises_by_row(column: ColumnValues) -> bool:
    """Whether a number column holds integers that rise from each row to the next."""
    if not column.numeric:
        return False
    numbers = column.numbers()
    return (len(numbers) > 2 and bool(np.all(numbers[1:] > numbers[:-1]))
            and bool(np.all(numbers == np.round(numbers))))


def _read_columns(table: CSVTable, names: Sequence[str]
                  ) -> tuple[Array, dict[str, ColumnValues]]:
    """Every data row's line number, and the columns `names` read chunk by chunk."""
    positions = [table.header.index(column) for column in names]
    values = {column: ColumnValues(column, table.rows_hint) for column in names}
    lines = Growing(np.int64, table.rows_hint)
    for chunk in table.chunks():
        lines.append(chunk.lines)
        for column, position in zip(names, positions):
            if chunk.numbers is not None:
                values[column].add_numbers(chunk.numbers[:, position], chunk.lines)
            else:
                values[column].add_cells(chunk.columns[position], chunk.lines)
    return lines.filled(), values


def _holes(column: ColumnValues) -> Array:
    if column.numeric:
        return np.isnan(column.numbers())
    codes, keys = column.texts()
    return np.array([key in MISSING_MARKERS for key in keys] or [False])[codes]


def _first_hole(values: dict[str, ColumnValues], names: Sequence[str], keep: Array
                ) -> tuple[int, str]:
    """(row, column) of the first missing cell among the rows `keep`, in file order."""
    return min((int(keep[np.flatnonzero(_holes(values[c])[keep])[0]]), c) for c in names
               if _holes(values[c])[keep].any())


def _split_features(table: CSVTable, values: dict[str, ColumnValues], names: Sequence[str],
                    lines: Array, parts: Sequence[Array], dtype: np.dtype, standardize: bool
                    ) -> tuple[list[ColumnEncoding], list[Array], Standardizer | None]:
    """Each column's encoding, fitted on the rows parts[0] (the training rows: indices into
    the file's rows), and the features of the rows of each part as `dtype`, standardized
    with the training rows' mean and std when asked (one-hot features stay 0/1).

    Filled one column at a time into the final arrays, each column's float64 values freed
    once done, so that memory stays near what the columns take as float64 (a CSVError names
    the line and column of a problem)."""
    name = table.name
    # The statistics (median, mean, std) do not depend on the rows' order: they are taken
    # on the training rows in file order, which are gathered several times faster.
    in_order = _in_file_order(parts[0], len(lines))
    encodings = [_fitted(table, values[column], lines, in_order) for column in names]
    width = sum(len(encoding.feature_names) for encoding in encodings)
    # Column-major while filled: a column's values are contiguous, and each page of an
    # array is first touched when its column is written, after earlier columns are freed.
    arrays = [np.empty((len(rows), width), dtype, order="F") for rows in parts]
    means, stds, at = np.zeros(width), np.ones(width), 0
    for column, encoding in zip(names, encodings):
        span = slice(at, at + len(encoding.feature_names))
        at = span.stop
        try:
            if encoding.kind == "category":
                indices, _ = category_indices(encoding, values[column], lines)
            else:
                x = encoded_numbers(encoding, values[column], lines)
        except ColumnProblem as problem:
            raise _column_error(table, column, problem) from None
        values[column].release()
        if encoding.kind == "category":  # written as 0/1 straight into the arrays
            for rows, array in zip(parts, arrays):
                one_hot(indices[rows], array[:, span])
            continue
        if not _fits(x, dtype):  # every cell itself must fit, first
            _raise_first_misfit(table, column, x, lines, parts, dtype)
        z = x
        if standardize:  # (x − mean) / std in float64, checked before the cast
            fitted = Standardizer.fit(x[in_order, None])
            means[span], stds[span] = fitted.mean, fitted.std
            z = (x - fitted.mean[0]) / fitted.std[0]
            if not _fits(z, dtype):  # (maybe only in a row of neither part: then no error)
                for rows in parts:
                    _check_standardized(name, [column], lines[rows], fitted, x[rows, None], dtype)
        # Cast before the rows are gathered (in the split's random order): a gather from an
        # array half the size, which stays in the cache, is several times faster.
        with np.errstate(over="ignore"):  # (only a row of neither part can overflow here)
            z = z.astype(dtype, copy=False)
        for rows, array in zip(parts, arrays):
            np.take(z, rows, out=array[:, span.start])
        del x, z  # the column's float64 values are freed before the next is encoded
    for index, array in enumerate(arrays):  # row-major for training's minibatches
        arrays[index] = np.ascontiguousarray(array)
        del array
    return encodings, arrays, Standardizer(means, stds) if standardize else None


def _in_file_order(rows: Array, count: int) -> Array:
    """The indices `rows` (distinct, each below `count`) sorted, in linear time."""
    chosen = np.zeros(count, dtype=bool)
    chosen[rows] = True
    return np.flatnonzero(chosen)


def _raise_first_misfit(table: CSVTable, column: str, x: Array, lines: Array,
                        parts: Sequence[Array], dtype: np.dtype) -> None:
    """The CSVError for the first row of the parts, in file order, whose value in `column`
    does not fit `dtype`, quoted as written; nothing if only rows of neither part do."""
    kept = np.sort(np.concatenate(parts))
    try:
        as_dtype(x[kept, None], dtype, table.name)
    except DoesNotFit as error:
        line = int(lines[kept[error.row]])
        raise CSVError(f"{table.name}: line {line}, column {column!r}: "
                       f"{table.cell(line, column)!r} does not fit in "
                       f"{dtype_range(dtype)}") from None


def _fits(values: Array, dtype: np.dtype) -> bool:
    """Whether every one of the float64 values is finite in `dtype` (two reductions: no
    copy of a column of millions)."""
    largest = float(np.finfo(dtype).max)
    return not values.size or (float(values.max()) <= largest
                               and float(values.min()) >= -largest)


def _fitted(table: CSVTable, column: ColumnValues, lines: Array, train: Array
            ) -> ColumnEncoding:
    """`fit_encoding`, its problem a CSVError naming the file, the column and, for a column
    that cannot be used at all, `--drop`."""
    try:
        return fit_encoding(column, lines, train)
    except ColumnProblem as problem:
        if problem.line is not None:
            raise _column_error(table, column.name, problem) from None
        raise CSVError(f"{table.name}: column {column.name!r}: {problem}; leave it out with "
                       f"{drop_hint(column.name)}") from None


def _column_error(table: CSVTable, column: str, problem: ColumnProblem) -> CSVError:
    """A column's problem at a line as a CSVError naming the file, line and column; an
    infinite cell quoted as the file writes it ('infinity', '1e999'), read again."""
    text = str(problem)
    if isinstance(problem, InfiniteCell) and problem.line is not None:
        text = f"{table.cell(problem.line, column)!r} is not a finite number"
    return CSVError(f"{table.name}: line {problem.line}, column {column!r}: {text}")


def read_features(
    path: str | Path, feature_names: Sequence[str], allow_extra: bool = False,
    ignore: Sequence[str] = (), dtype: DTypeLike = np.float32,
    standardizer: Standardizer | None = None,
    encodings: Sequence[ColumnEncoding] | None = None,
) -> Array:
    """The columns `feature_names` of a CSV, in that order, as `dtype` (n, d) for prediction.

    With a model's `encodings` (`CSVDataset.columns`), `feature_names` are the encoded
    names and the file holds the raw columns the encodings name: text one-hot encoded,
    missing cells filled (an `UnseenCategoryWarning` names categories the training rows did
    not have; their one-hot columns are all 0). Without, every feature is a number column.

    Missing columns are an error; so are extra ones, unless `allow_extra` or they are
    named in `ignore` (for instance the target column of a labelled file). With a
    `standardizer`, a value so far from its training rows that its standardized value would
    not fit `dtype` is an error too (the features are returned as read, not standardized).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "new.csv")
    >>> _ = open(path, "w").write("height,weight\\n30,4\\n")
    >>> read_features(path, ["weight", "height"]).tolist()
    [[4.0, 30.0]]
    """
    dtype = float_dtype(dtype)
    name = str(path)
    encodings = list(encodings or [ColumnEncoding(f, "number", None) for f in feature_names])
    expanded = [n for encoding in encodings for n in encoding.feature_names]
    if expanded != list(feature_names):
        raise ValueError(f"read_features: the encodings give the features {expanded}, not "
                         f"{list(feature_names)}")
    table = CSVTable(name)
    raw = [encoding.name for encoding in encodings]
    _feature_columns(name, table.header, raw, ignore=table.header if allow_extra else ignore,
                     extra_hint="" if ignore else " (pass allow_extra=True to ignore them)")
    lines, values = _read_columns(table, raw)
    X = _model_features(table, encodings, values, lines, np.arange(len(lines)), dtype)
    if standardizer is not None:
        _check_standardized(name, list(feature_names), lines, standardizer, X, dtype)
    return X


def _model_features(table: CSVTable, encodings: Sequence[ColumnEncoding],
                    values: dict[str, ColumnValues], lines: Array, keep: Array,
                    dtype: np.dtype) -> Array:
    """The rows `keep` of a file's columns under a model's encodings, as `dtype`; a warning
    names the categories the model was not trained on, a CSVError any cell that does not
    fit (the first in the file). Written one column at a time into the final array, each
    column's values freed once written (as `_split_features` does)."""
    name = table.name
    width = sum(len(encoding.feature_names) for encoding in encodings)
    X = np.empty((len(keep), width), dtype, order="F")
    misfits: list[tuple[int, int, str]] = []  # (row, position, column) of overflows
    at = 0
    for position, encoding in enumerate(encodings):
        span = slice(at, at + len(encoding.feature_names))
        at = span.stop
        try:
            if encoding.kind == "category":
                indices, unseen = category_indices(encoding, values[encoding.name], lines)
            else:
                x = encoded_numbers(encoding, values[encoding.name], lines)
        except ColumnProblem as problem:
            raise _column_error(table, encoding.name, problem) from None
        values[encoding.name].release()
        if encoding.kind == "category":
            if unseen:
                _warn_unseen(name, encoding.name, unseen)
            one_hot(indices[keep], X[:, span])
            continue
        with np.errstate(over="ignore"):  # an overflow is reported below
            X[:, span.start] = x[keep]
        del x
        overflows = np.flatnonzero(np.isinf(X[:, span.start]))
        if overflows.size:
            misfits.append((int(overflows[0]), position, encoding.name))
    if misfits:  # (only a number column can overflow: one-hot is 0 or 1)
        row, _, column = min(misfits)
        line = int(lines[keep[row]])
        raise CSVError(f"{name}: line {line}, column {column!r}: {table.cell(line, column)!r} "
                       f"does not fit in {dtype_range(dtype)}")
    return np.ascontiguousarray(X)


def _warn_unseen(name: str, column: str, unseen: dict[str, int]) -> None:
    shown = ", ".join(f"{category!r} ({count} row{'s' * (count != 1)})"
                      for category, count in
                      list(unseen.items())[:5]) + (", ..." * (len(unseen) > 5))
    warnings.warn(f"{name}: column {column!r}: categories the model was not trained on: "
                  f"{shown}; their rows have 0 in every {column}= column",
                  UnseenCategoryWarning, stacklevel=4)


class UnseenCategoryWarning(UserWarning):
    """A text column holds categories that a model's training rows did not have."""


def read_labeled_rows(
    path: str | Path, feature_names: Sequence[str], target: str, classes: Sequence[Any] | None,
    dtype: DTypeLike = np.float32, standardizer: Standardizer | None = None,
    encodings: Sequence[ColumnEncoding] | None = None, ignore: Sequence[str] = (),
) -> LabeledRows:
    """Features (as `read_features`, under the model's `encodings` if given) and the target
    of a CSV, to evaluate a trained model, with the line numbers of the rows dropped because
    their target is missing. Columns named in `ignore` may be present (those a model left
    out in training).

    The target is read by the rule `load_csv` used on the training file: a regression
    model's (`classes` None) or a model whose classes are numbers has a numeric target,
    where MISSING_MARKERS drop the row; a model whose classes are text has labels, where
    only an empty cell is an error. Labels match classes by `label_key` ("1.0" is 1).

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "test.csv")
    >>> _ = open(path, "w").write("kind,weight\\n1,30\\n0.0,4\\nNA,5\\n")
    >>> rows = read_labeled_rows(path, ["weight"], "kind", [0, 1])
    >>> rows.X.tolist(), rows.y.tolist(), rows.dropped
    ([[30.0], [4.0]], [1, 0], [4])
    """
    dtype = float_dtype(dtype)
    name = str(path)
    encodings = list(encodings or [ColumnEncoding(f, "number", None) for f in feature_names])
    table = CSVTable(name)
    if target not in table.header:
        raise CSVError(f"{name}: line 1: no target column {target!r}; the columns are "
                       f"{table.header}")
    raw = [encoding.name for encoding in encodings]
    _feature_columns(name, table.header, raw, ignore=[target, *ignore])
    lines, values = _read_columns(table, [target, *raw])
    column = values.pop(target)
    numeric = classes is None or not any(isinstance(label, str) for label in classes)
    keep, dropped = _kept_rows(name, target, lines, column, numeric)
    X = _model_features(table, encodings, values, lines, keep, dtype)
    if standardizer is not None:
        _check_standardized(name, list(feature_names), lines[keep], standardizer, X, dtype)
    return LabeledRows(X, _evaluated_target(table, target, lines[keep], column, keep,
                                            classes, dtype), dropped)


def read_labeled(
    path: str | Path, feature_names: Sequence[str], target: str, classes: Sequence[Any] | None,
    dtype: DTypeLike = np.float32,
) -> tuple[Array, Array]:
    """Features (as `read_features`) and the target of a CSV, to evaluate a trained model:
    class indices into `classes` (int64), or (n, 1) values of `dtype` when `classes` is None.
    Rows whose target is missing are left out, as `read_labeled_rows` says.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "test.csv")
    >>> _ = open(path, "w").write("kind,weight\\ndog,30\\ncat,4\\n")
    >>> X, y = read_labeled(path, ["weight"], "kind", ["cat", "dog"])
    >>> X.tolist(), y.tolist()
    ([[30.0], [4.0]], [1, 0])
    """
    rows = read_labeled_rows(path, feature_names, target, classes, dtype)
    return rows.X, rows.y


def _class_index(classes: Sequence[Any]) -> dict[str, int]:
    """`label_key` of each class → its index."""
    return {label_key(label): index for index, label in enumerate(classes)}


def _feature_columns(
    name: str, header: list[str], feature_names: Sequence[str], ignore: Sequence[str],
    extra_hint: str = "",
) -> list[int]:
    """The header position of each of `feature_names`; a CSVError names missing columns and
    extra ones that are not in `ignore`. Sets and a dict keep it linear in the width."""
    position = {h: i for i, h in enumerate(header)}
    wanted, ignored = set(feature_names), set(ignore)
    missing = [f for f in feature_names if f not in position]
    extra = [h for h in header if h not in wanted and h not in ignored]
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
    return [position[f] for f in feature_names]


def _check_standardized(
    name: str, names: list[str], lines: Array, standardizer: Standardizer, X: Array,
    dtype: np.dtype,
) -> None:
    """A CSVError names the line and column of the first value so far from the training
    rows that its standardized value overflows `dtype`. The rows are standardized a block
    at a time, so that a file of millions never takes a float64 copy."""
    for start in range(0, len(X), _CHECK_ROWS):
        block = X[start:start + _CHECK_ROWS]
        try:
            standardizer.transform(block, dtype)
        except DoesNotFit as error:
            row, column = error.row, error.column
            mean, std = standardizer.mean[column], standardizer.std[column]
            raise CSVError(
                f"{name}: line {int(lines[start + row])}, column {names[column]!r}: "
                f"{float(block[row, column]):.7g} is too far from the training rows: "
                f"standardized with their mean {mean:.4g} and std {std:.4g} it is "
                f"{error.value:.4g}, which does not fit in {dtype_range(dtype)}"
            ) from None


def _cell_problem(value: str, hint: str) -> str | None:
    if not value.strip():
        return "empty cell (every feature needs a number)"
    try:
        number = float(value)
    except ValueError:
        if COMMA_NUMBER.fullmatch(value.strip()):
            return comma_number_problem(value.strip())
        return f"{value.strip()!r} is not a number ({hint})"
    if not math.isfinite(number):
        return f"{value.strip()!r} is not a finite number (NaN and infinity are not allowed)"
    return None


def _kept_rows(name: str, target: str, lines: Array, column: ColumnValues, numeric: bool
               ) -> tuple[Array, list[int]]:
    """The rows that keep their target (indices) and the lines of those dropped: in a
    numeric target a missing marker drops its row; in a text target every cell is a label,
    and an empty one is an error. The one rule, for training and for evaluation (on the
    column's numbers or distinct texts: never a Python step per row)."""
    if numeric and column.numeric:  # NaN where a marker was
        missing = np.isnan(column.numbers())
    else:
        codes, keys = column.texts()
        if not numeric:
            empty = [k for k, key in enumerate(keys) if not key]
            if empty:
                row = int(np.flatnonzero(np.isin(codes, empty))[0])
                raise CSVError(f"{name}: line {int(lines[row])}, column {target!r}: empty "
                               f"target cell")
            return np.arange(len(codes)), []
        missing = np.array([key in MISSING_MARKERS for key in keys] or [False])[codes]
    if missing.all():
        raise CSVError(f"{name}: column {target!r}: every target cell is missing (empty, "
                       f"NA, ? or the like); there is nothing to learn or to compare with")
    return np.flatnonzero(~missing), lines[missing].tolist()


def _evaluated_target(table: CSVTable, target: str, lines: Array, column: ColumnValues,
                      keep: Array, classes: Sequence[Any] | None, dtype: np.dtype) -> Array:
    """The target of the rows `keep` (their `lines`) to compare a model with: (n, 1) values
    of `dtype` when `classes` is None, else indices into `classes` (int64, matched by
    `label_key`); a CSVError names the first cell that is neither."""
    name = table.name
    if classes is None:
        problems = [where for where in (column.first_text, column.first_infinite) if where]
        if problems:
            line, _ = min(problems)
            raise CSVError(f"{name}: line {line}, column {target!r}: "
                           f"{_cell_problem(table.cell(line, target), _TARGET_HINT)}")
        try:
            return as_dtype(column.numbers()[keep, None], dtype, name)
        except DoesNotFit as error:
            line = int(lines[error.row])
            raise CSVError(f"{name}: line {line}, column {target!r}: "
                           f"{table.cell(line, target)!r} does not fit in "
                           f"{dtype_range(dtype)}") from None
    index = _class_index(classes)
    if column.numeric:  # each distinct number is matched once
        distinct, rows = np.unique(column.numbers()[keep], return_inverse=True)
        keys = [label_key(value) for value in distinct.tolist()]
    else:
        codes, keys = column.texts()
        rows = codes[keep]
    y = np.array([index.get(label_key(key), -1) for key in keys] or [0], np.int64)[rows]
    unknown = np.flatnonzero(y < 0)
    if unknown.size:
        line = int(lines[unknown[0]])
        raise CSVError(f"{name}: line {line}, column {target!r}: "
                       f"{table.cell(line, target)!r} is not one of the classes the model "
                       f"knows: {list(classes)}")
    return y


def _target(
    table: CSVTable, target: str, lines: Array, column: ColumnValues, task: str,
    dtype: np.dtype,
) -> tuple[Array, list[int], Array, list[Any], str]:
    """Which rows keep their target (indices), the lines of those dropped, the target as
    class indices or regression values, its classes, and the task: on the column's float64
    numbers when every cell is a number or a missing marker, else on its distinct texts
    (never a Python step per row: a file may have millions)."""
    name = table.name
    if not column.numeric:
        codes, keys = column.texts()
        if task == "regression":
            bad = [k for k, key in enumerate(keys) if key.strip() not in MISSING_MARKERS
                   and not is_number(key.strip())]
            row = int(np.flatnonzero(np.isin(codes, bad))[0])
            raise CSVError(f"{name}: line {int(lines[row])}, column {target!r}: "
                           f"{_cell_problem(keys[codes[row]].strip(), _TARGET_HINT)}")
        commas = [k for k, key in enumerate(keys) if COMMA_NUMBER.fullmatch(key.strip())]
        if task != "classification" and commas and 2 * len(commas) >= len(keys):
            row = int(np.flatnonzero(np.isin(codes, commas))[0])
            raise CSVError(f"{name}: line {int(lines[row])}, column {target!r}: "
                           f"{comma_number_problem(keys[codes[row]].strip())}: convert the "
                           f"file (or give --task classification if these are class names)")
        empty = [k for k, key in enumerate(keys) if not key.strip()]
        if empty:
            row = int(np.flatnonzero(np.isin(codes, empty))[0])
            raise CSVError(f"{name}: line {int(lines[row])}, column {target!r}: empty target "
                           f"cell")
        labels = [label_key(key) for key in keys]
        classes: list[Any] = sorted(set(labels))
        index = _class_index(classes)
        y = np.array([index[label] for label in labels], dtype=np.int64)[codes]
        return _classes_checked(name, target, classes, np.arange(len(codes)), [], y)
    numbers = column.numbers()
    missing = np.isnan(numbers)
    if missing.all():
        raise CSVError(f"{name}: column {target!r}: every target cell is missing (empty, "
                       f"NA, ? or the like); there is nothing to learn or to compare with")
    keep, dropped = np.flatnonzero(~missing), lines[missing].tolist()
    if dropped:
        numbers = numbers[keep]
    if column.first_infinite is not None:  # quoted as written ("1e999", not "inf")
        line, _ = column.first_infinite
        raise CSVError(f"{name}: line {line}, column {target!r}: "
                       f"{table.cell(line, target)!r} is not a finite number ({_TARGET_HINT})")
    integers = task != "regression" and bool(np.all(numbers == np.round(numbers)))
    # The distinct values take a sort of every row: only when they can matter (for "auto",
    # only integers can be classes).
    distinct = np.unique(numbers) if integers or task == "classification" else numbers[:0]
    if task == "auto":
        task = "classification" if _looks_like_classes(integers, len(distinct),
                                                       len(numbers)) else "regression"
    if task == "regression":
        try:
            y = as_dtype(numbers.reshape(-1, 1), dtype, name)
        except DoesNotFit as error:  # quoted as written in the file
            line = int(lines[keep[error.row]])
            raise CSVError(f"{name}: line {line}, column {target!r}: "
                           f"{table.cell(line, target)!r} does not fit in "
                           f"{dtype_range(dtype)}") from None
        return keep, dropped, y, [], task
    classes = [int(v) for v in distinct.tolist()] if integers else distinct.tolist()
    y = np.searchsorted(distinct, numbers).astype(np.int64)
    return _classes_checked(name, target, classes, keep, dropped, y)


def _classes_checked(name: str, target: str, classes: list[Any], keep: Array,
                     dropped: list[int], y: Array
                     ) -> tuple[Array, list[int], Array, list[Any], str]:
    if len(classes) < 2:
        raise CSVError(f"{name}: column {target!r}: every row has the class {classes[0]!r}; "
                       f"classification needs at least two classes")
    return keep, dropped, y, classes, "classification"


def _looks_like_classes(integers: bool, distinct: int, rows: int) -> bool:
    """Whether task "auto" takes a numeric target as classes: integers, and two distinct
    values, or at most MAX_AUTO_CLASSES each seen MIN_ROWS_PER_CLASS times on average (13
    distinct integers in 15 rows are a quantity, not 13 classes).

    >>> _looks_like_classes(True, 2, 3), _looks_like_classes(True, 3, 9)
    (True, True)
    >>> _looks_like_classes(True, 13, 15), _looks_like_classes(False, 2, 100)
    (False, False)
    """
    return integers and (distinct <= 2 or (distinct <= MAX_AUTO_CLASSES
                                           and rows >= MIN_ROWS_PER_CLASS * distinct))
