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
    MISSING_MARKERS, ColumnEncoding, ColumnProblem, ColumnValues, Growing, drop_hint, encode,
    fit_encoding, is_number, label_key,
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
    holes = _missing_rows(values, feature_names, keep)
    missing_cells = {column: int(_holes(values[column])[keep].sum()) for column in feature_names}
    dropped_missing: list[int] = []
    if holes.any() and missing == "error":
        row, column = _first_hole(values, feature_names, keep)
        raise CSVError(f"{name}: line {int(lines[row])}, column {column!r}: missing cell "
                       f"(impute it with --missing impute, or drop its row with --missing drop)")
    if holes.any() and missing == "drop":
        dropped_missing = lines[keep[holes]].tolist()
        y, keep = y[~holes], keep[~holes]
    order = np.random.default_rng(seed).permutation(len(keep))
    held_out = int(round(validation * len(keep)))
    if held_out >= len(keep):
        raise CSVError(f"{name}: only {len(keep)} data rows; none would be left for training")
    train, val = order[held_out:], order[:held_out]
    row_numbers = [column for column in feature_names if _rises_by_row(values[column])]
    encodings, (X_train, X_val), standardizer = _split_features(
        table, values, feature_names, lines, [keep[train], keep[val]], dtype, standardize)
    names = [n for encoding in encodings for n in encoding.feature_names]
    if len(set(names)) != len(names):
        raise CSVError(f"{name}: line 1: one-hot encoding gives feature names that are "
                       f"also columns: {sorted({n for n in names if names.count(n) > 1})}")
    return CSVDataset(
        name, names, target, task, X_train, y[train], X_val, y[val], classes,
        standardizer, dropped, encodings, dropped_missing, table.delimiter,
        {column: count for column, count in missing_cells.items() if count}, list(drop),
        row_numbers,
    )


def _rises_by_row(column: ColumnValues) -> bool:
    """Whether a number column holds integers that rise from each row to the next."""
    if not column.numeric:
        return False
    numbers = column.numbers()
    return (len(numbers) > 2 and bool(np.all(np.diff(numbers) > 0))
            and bool(np.all(numbers == np.round(numbers))))


def _read_columns(table: CSVTable, names: Sequence[str]
                  ) -> tuple[Array, dict[str, ColumnValues]]:
    """Every data row's line number, and the columns `names` read chunk by chunk."""
    positions = [table.header.index(column) for column in names]
    values = {column: ColumnValues(column) for column in names}
    lines = Growing(np.int64)
    for chunk in table.chunks():
        lines.append(chunk.lines)
        for column, position in zip(names, positions):
            if chunk.numbers is not None:
                values[column].add_numbers(chunk.numbers[:, position], chunk.lines)
            else:
                values[column].add_cells(chunk.columns[position], chunk.lines)
    return lines.filled(), values


def _missing_rows(values: dict[str, ColumnValues], names: Sequence[str], keep: Array) -> Array:
    """Which of the rows `keep` have a missing cell in one of the columns `names`."""
    holes = np.zeros(len(keep), dtype=bool)
    for column in names:
        holes |= _holes(values[column])[keep]
    return holes


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
    encodings = [_fitted(name, values[column], lines, parts[0]) for column in names]
    width = sum(len(encoding.feature_names) for encoding in encodings)
    # Column-major while filled: a column's values are contiguous, and each page of an
    # array is first touched when its column is written, after earlier columns are freed.
    arrays = [np.empty((len(rows), width), dtype, order="F") for rows in parts]
    means, stds, at = np.zeros(width), np.ones(width), 0
    for column, encoding in zip(names, encodings):
        try:
            features, _ = encode(encoding, values[column], lines)
        except ColumnProblem as problem:
            raise CSVError(f"{name}: line {problem.line}, column {column!r}: {problem}") \
                from None
        values[column].release()
        span = slice(at, at + features.shape[1])
        if not _fits(features, dtype):  # every cell itself must fit, first
            kept = np.sort(np.concatenate(parts))  # in file order: the first bad cell is named
            try:
                as_dtype(features[kept], dtype, name)
            except DoesNotFit as error:
                line = int(lines[kept[error.row]])
                raise CSVError(f"{name}: line {line}, column {column!r}: "
                               f"{table.cell(line, column)!r} does not fit in "
                               f"{dtype_range(dtype)}") from None
        scaled = standardize and encoding.kind != "category"
        for part, (rows, array) in enumerate(zip(parts, arrays)):
            block = features[rows]
            if scaled and part == 0:  # the training rows: the statistics are theirs
                fitted = Standardizer.fit(block)
                means[span], stds[span] = fitted.mean, fitted.std
            if scaled:  # (x − mean) / std in place, in float64; checked before the cast
                block -= means[span]
                block /= stds[span]
                if not _fits(block, dtype):
                    _standardized(name, encoding.feature_names, lines[rows],
                                  Standardizer(means[span], stds[span]), features[rows], dtype)
            array[:, span] = block
        at = span.stop
    for index, array in enumerate(arrays):  # row-major for training's minibatches
        arrays[index] = np.ascontiguousarray(array)
        del array
    return encodings, arrays, Standardizer(means, stds) if standardize else None


def _fits(values: Array, dtype: np.dtype) -> bool:
    """Whether every one of the float64 values is finite in `dtype` (two reductions: no
    copy of a column of millions)."""
    largest = float(np.finfo(dtype).max)
    return not values.size or (float(values.max()) <= largest
                               and float(values.min()) >= -largest)


def _fitted(name: str, column: ColumnValues, lines: Array, train: Array) -> ColumnEncoding:
    """`fit_encoding`, its problem a CSVError naming the file, the column and, for a column
    that cannot be used at all, `--drop`."""
    try:
        return fit_encoding(column, lines, train)
    except ColumnProblem as problem:
        where = f"line {problem.line}, " if problem.line is not None else ""
        raise CSVError(f"{name}: {where}column {column.name!r}: {problem}"
                       + ("" if problem.line is not None else
                          f"; leave it out with {drop_hint(column.name)}")) from None


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
        _standardized(name, list(feature_names), lines.tolist(), standardizer, X, dtype)
    return X


def _model_features(table: CSVTable, encodings: Sequence[ColumnEncoding],
                    values: dict[str, ColumnValues], lines: Array, keep: Array,
                    dtype: np.dtype) -> Array:
    """The rows `keep` of a file's columns under a model's encodings, as `dtype`; a warning
    names the categories the model was not trained on, a CSVError any cell that does not
    fit."""
    name, blocks = table.name, []
    for encoding in encodings:
        try:
            features, unseen = encode(encoding, values[encoding.name], lines)
        except ColumnProblem as problem:
            raise CSVError(f"{name}: line {problem.line}, column {encoding.name!r}: "
                           f"{problem}") from None
        if unseen:
            shown = ", ".join(f"{category!r} ({count} row{'s' * (count != 1)})"
                              for category, count in
                              list(unseen.items())[:5]) + (", ..." * (len(unseen) > 5))
            warnings.warn(f"{name}: column {encoding.name!r}: categories the model was not "
                          f"trained on: {shown}; their rows have 0 in every {encoding.name}= "
                          f"column", UnseenCategoryWarning, stacklevel=3)
        blocks.append(features[keep])
    X = np.concatenate(blocks, axis=1) if blocks else np.empty((len(keep), 0))
    try:
        return as_dtype(X, dtype, name)
    except DoesNotFit as error:  # (only a number column can overflow: one-hot is 0 or 1)
        line = int(lines[keep[error.row]])
        column = [encoding.name for encoding in encodings
                  for _ in encoding.feature_names][error.column]
        raise CSVError(f"{name}: line {line}, column {column!r}: {table.cell(line, column)!r} "
                       f"does not fit in {dtype_range(dtype)}") from None


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
    codes, keys = values[target].texts()
    cells = [keys[code].strip() for code in codes.tolist()]
    numeric = classes is None or not any(isinstance(label, str) for label in classes)
    keep, dropped = _drop_missing(name, target, lines.tolist(), cells, numeric)
    kept = np.asarray(keep, dtype=np.int64)
    X = _model_features(table, encodings, values, lines, kept, dtype)
    kept_lines = lines[kept].tolist()
    if standardizer is not None:
        _standardized(name, list(feature_names), kept_lines, standardizer, X, dtype)
    if classes is None:
        numbers = _float64(name, [target], kept_lines, [[cells[i]] for i in keep], _TARGET_HINT)
        try:
            return LabeledRows(X, as_dtype(numbers, dtype, name), dropped)
        except DoesNotFit as error:
            line = kept_lines[error.row]
            raise CSVError(f"{name}: line {line}, column {target!r}: "
                           f"{table.cell(line, target)!r} does not fit in "
                           f"{dtype_range(dtype)}") from None
    index = _class_index(classes)
    y = np.empty(len(keep), dtype=np.int64)
    for i, row in enumerate(keep):
        key = label_key(cells[row])
        if key not in index:
            raise CSVError(f"{name}: line {kept_lines[i]}, column {target!r}: "
                           f"{cells[row]!r} is not one of the classes the model knows: "
                           f"{list(classes)}")
        y[i] = index[key]
    return LabeledRows(X, y, dropped)


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


def _standardized(
    name: str, names: list[str], lines: list[int], standardizer: Standardizer, X: Array,
    dtype: np.dtype,
) -> Array:
    """standardizer.transform(X) as `dtype`; a CSVError names the line and column of a value
    so far from the training rows that its standardized value overflows `dtype`."""
    try:
        return standardizer.transform(X, dtype)
    except DoesNotFit as error:
        row, column = error.row, error.column
        mean, std = standardizer.mean[column], standardizer.std[column]
        raise CSVError(
            f"{name}: line {lines[row]}, column {names[column]!r}: {float(X[row, column]):.7g} "
            f"is too far from the training rows: standardized with their mean {mean:.4g} and "
            f"std {std:.4g} it is {error.value:.4g}, which does not fit in {dtype_range(dtype)}"
        ) from None


def _float64(
    name: str, names: list[str], lines: list[int], table: list[list[str]], hint: str,
) -> Array:
    """float64 (n, d) from strings; a CSVError names the first cell that is not a finite
    number."""
    try:
        X = np.array(table, dtype=np.float64).reshape(len(table), len(names))
        if np.isfinite(X).all():
            return X
    except ValueError:
        pass
    # The fast path failed: find the first bad cell to name it.
    for row, line in zip(table, lines):
        for value, column in zip(row, names):
            problem = _cell_problem(value, hint)
            if problem:
                raise CSVError(f"{name}: line {line}, column {column!r}: {problem}")
    # NumPy's parser refused something Python's float() accepts (such as "1_000").
    return np.array([[float(value) for value in row] for row in table],
                    dtype=np.float64).reshape(len(table), len(names))


def _cell_problem(value: str, hint: str) -> str | None:
    if not value.strip():
        return "empty cell (every feature needs a number)"
    try:
        number = float(value)
    except ValueError:
        return f"{value.strip()!r} is not a number ({hint})"
    if not math.isfinite(number):
        return f"{value.strip()!r} is not a finite number (NaN and infinity are not allowed)"
    return None


def _drop_missing(
    name: str, target: str, lines: list[int], cells: list[str], numeric: bool,
) -> tuple[list[int], list[int]]:
    """The rows that keep their target (indices) and the lines of those dropped: in a
    numeric target a missing marker drops its row; in a text target every cell is a label,
    and an empty one is an error. The one rule, for training and for evaluation."""
    if not numeric:
        for line, cell in zip(lines, cells):
            if not cell:
                raise CSVError(f"{name}: line {line}, column {target!r}: empty target cell")
        return list(range(len(cells))), []
    keep = [i for i, cell in enumerate(cells) if cell not in MISSING_MARKERS]
    if not keep:
        raise CSVError(f"{name}: column {target!r}: every target cell is missing (empty, "
                       f"NA, ? or the like); there is nothing to learn or to compare with")
    return keep, [line for line, cell in zip(lines, cells) if cell in MISSING_MARKERS]


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
    numbers = numbers[keep]
    if column.first_infinite is not None:
        line, cell = column.first_infinite
        raise CSVError(f"{name}: line {line}, column {target!r}: {cell!r} is not a finite "
                       f"number ({_TARGET_HINT})")
    integers = bool(np.all(numbers == np.round(numbers)))
    distinct = np.unique(numbers)
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
