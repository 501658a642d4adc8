"""A CSV column read chunk by chunk, and the encodings a trained model keeps for it.

`ColumnValues` takes one column's cells a chunk at a time and keeps them in as little memory
as the column needs: float64 numbers (NaN where a missing marker was) for as long as every
cell is a number or a marker, then, from the first cell that is neither, one int32 code per
row into the distinct texts. `ColumnEncoding` is what a model keeps to turn a raw column into
feature columns, fitted on the training rows:

- "number": the value; a missing cell is the training rows' median.
- "date": ISO dates (YYYY-MM-DD, with an optional time) as days since 1970-01-01; a missing
  cell is the training rows' median.
- "category": one 0/1 column per category of the training rows, in sorted order; a missing
  cell is the most frequent category; a category the training rows never had is all zeros
  (the caller warns, naming it).

>>> import numpy as np
>>> colour = ColumnValues("colour")
>>> colour.add_cells(("red", "NA", "blue", "red"), np.arange(2, 6))
>>> colour.numeric, colour.texts()
(False, (array([0, 1, 2, 0], dtype=int32), ['red', 'NA', 'blue']))
>>> size = ColumnValues("size")
>>> size.add_cells(("1.5", "?", "3"), np.arange(2, 5))
>>> size.numeric, size.numbers().tolist()
(True, [1.5, nan, 3.0])
"""

from __future__ import annotations

import math
import re
import shlex
from typing import Any, Sequence

import numpy as np

from .._types import Array

#: Cells that mean "no value": pandas' default NA strings, plus "?". In a text target they
#: are ordinary labels ("NA" may well be North America); only an empty cell is missing there.
MISSING_MARKERS = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?",
})
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")
#: Dates whose order of day and month cannot be told from the text alone.
AMBIGUOUS_DATE = re.compile(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")
#: A number written with a decimal comma (1,5) or grouped thousands (1,000 or 1.000,5).
COMMA_NUMBER = re.compile(r"[+-]?(\d{1,3}([.\u00a0 ]\d{3})+|\d+),\d+")


def label_key(label: Any) -> str:
    """One spelling per value, so the file's "1", "1.0" and a saved 1 are the same class or
    category: the one rule, in training and in prediction.

    >>> label_key("1.0"), label_key(" cat "), label_key(2.5), label_key("nan")
    ('1', 'cat', '2.5', 'nan')
    """
    try:
        number = float(label)
    except (TypeError, ValueError):
        return str(label).strip()
    if not math.isfinite(number):
        return str(label).strip()
    return str(int(number)) if number.is_integer() else repr(number)


class ColumnValues:
    """One column's cells, added a chunk at a time (see the module's docstring).

    `first_text` is (line, cell) of the first cell that is neither a number nor a missing
    marker (None while the column is numeric); `first_infinite` the same for the first
    infinite number (an error for a feature, reported by the caller with its line).
    `rows` is room for that many numbers, allocated at once (see `Growing`)."""

    def __init__(self, name: str, rows: int = 0) -> None:
        self.name = name
        self._numbers: Growing | None = Growing(np.float64, rows)
        self._codes: list[Array] = []
        self._keys: dict[str, int] = {}
        self.first_text: tuple[int, str] | None = None
        self.first_infinite: tuple[int, str] | None = None
        self.rows = 0

    @property
    def numeric(self) -> bool:
        """Whether every cell so far was a number or a missing marker."""
        return self._numbers is not None

    def add_numbers(self, values: Array, lines: Array) -> None:
        """A chunk already parsed as float64 (NaN where a cell was missing)."""
        if self._numbers is None:
            self._add_codes([_number_key(v) for v in values.tolist()])
        else:
            start = len(self._numbers.filled())
            self._numbers.append(values)
            # (looked for in the copy: contiguous, where `values` may be a strided column)
            self._note_infinite(self._numbers.filled()[start:], lines, None)
        self.rows += len(values)

    def add_cells(self, cells: Sequence[str], lines: Array) -> None:
        """A chunk of cell strings."""
        if self._numbers is not None:
            values, text_at = _parse_numbers(cells)
            if text_at is None:
                self._note_infinite(values, lines, cells)
                self._numbers.append(values)
                self.rows += len(cells)
                return
            self._note_infinite(values[:text_at], lines, cells)  # (those before the text)
            self.first_text = (int(lines[text_at]), cells[text_at].strip())
            self._to_text()
        self._add_codes([cell.strip() for cell in cells])
        self.rows += len(cells)

    def numbers(self) -> Array:
        """All the rows' values (float64, NaN where missing); only while `numeric`."""
        if self._numbers is None:
            raise ValueError(f"column {self.name!r} is not numeric")
        return self._numbers.filled()

    def release(self) -> None:
        """Free the values (once the column is encoded); the column reads as empty after."""
        if self._numbers is not None:
            self._numbers = Growing()
        self._codes, self._keys = [], {}

    def texts(self) -> tuple[Array, list[str]]:
        """(codes, keys): each row's code (int32) into the distinct stripped cells `keys`, in
        the order met. A numeric column is given as the `label_key` of its numbers (a
        missing cell as "")."""
        if self._numbers is not None:
            self._to_text()
        codes = np.concatenate(self._codes) if self._codes else np.empty(0, np.int32)
        return codes, list(self._keys)

    def _to_text(self) -> None:
        numbers, self._numbers = self._numbers, None
        if numbers is not None and len(numbers.filled()):
            self._add_codes([_number_key(v) for v in numbers.filled().tolist()])

    def _add_codes(self, keys: list[str]) -> None:
        table = self._keys
        self._codes.append(np.fromiter((table.setdefault(key, len(table)) for key in keys),
                                       dtype=np.int32, count=len(keys)))

    def _note_infinite(self, values: Array, lines: Array, cells: Sequence[str] | None
                       ) -> None:
        if self.first_infinite is not None:
            return
        infinite = np.flatnonzero(np.isinf(values))
        if infinite.size:
            row = int(infinite[0])
            cell = cells[row].strip() if cells is not None else repr(float(values[row]))
            self.first_infinite = (int(lines[row]), cell)


class Growing:
    """An array appended to in place, its room doubled when full: a column of a million
    rows is then one array, never a list of chunks joined at the end (which would hold it
    twice, and leave the chunks' memory to the allocator rather than to the system).
    `capacity` is the room to start with: a good estimate spares every doubling (each a
    copy, and a moment with the old and the new array both held), and room never written
    costs no memory, since the system gives an array's pages only as they are first
    written.

    >>> column = Growing()
    >>> column.append(np.array([1.0, 2.0])); column.append(np.array([3.0]))
    >>> column.filled()
    array([1., 2., 3.])
    """

    def __init__(self, dtype: Any = np.float64, capacity: int = 0) -> None:
        self._array, self._count = np.empty(capacity, dtype), 0

    def append(self, values: Array) -> None:
        end = self._count + len(values)
        if end > len(self._array):
            grown = np.empty(max(end, 2 * len(self._array), 1024), self._array.dtype)
            grown[:self._count] = self._array[:self._count]
            self._array = grown
        self._array[self._count:end] = values
        self._count = end

    def filled(self) -> Array:
        return self._array[:self._count]


def _number_key(value: float) -> str:
    return "" if math.isnan(value) else label_key(value)


def _parse_numbers(cells: Sequence[str]) -> tuple[Array, int | None]:
    """The cells as float64 with NaN for missing markers, and None; or the index of the first
    cell that is neither a number nor a marker (and the values so far, unused)."""
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        pass
    else:
        return values, None
    values = np.empty(len(cells))
    for index, cell in enumerate(cells):
        try:
            values[index] = float(cell)
        except ValueError:
            if cell.strip() not in MISSING_MARKERS:
                return values, index
            values[index] = math.nan
    return values, None


KINDS = ("number", "date", "category")


class ColumnEncoding:
    """How one raw column becomes feature columns (see the module's docstring): `kind`, the
    value a missing cell takes (`fill`: a number, or a category) and, for a category column,
    the training rows' `categories` in sorted order. `to_dict()` / `from_dict()` give plain
    JSON values, kept in a model file's metadata.

    >>> encoding = ColumnEncoding("colour", "category", "red", ["blue", "red"])
    >>> encoding.feature_names
    ['colour=blue', 'colour=red']
    >>> ColumnEncoding.from_dict(encoding.to_dict()) == encoding
    True
    """

    def __init__(self, name: str, kind: str, fill: float | str | None,
                 categories: Sequence[str] = ()) -> None:
        if kind not in KINDS:
            raise ValueError(f"ColumnEncoding: kind must be one of {KINDS}, got {kind!r}")
        if (kind == "category") != bool(categories):
            raise ValueError("ColumnEncoding: a category column, and only one, has categories")
        if kind == "category" and fill is not None and fill not in categories:
            raise ValueError(f"ColumnEncoding: the fill {fill!r} is not one of the categories")
        if kind != "category" and fill is not None and not (
                isinstance(fill, (int, float)) and not isinstance(fill, bool)
                and math.isfinite(fill)):
            raise ValueError(f"ColumnEncoding: a {kind} column's fill must be a finite number")
        self.name, self.kind, self.fill = name, kind, fill
        self.categories = list(categories)

    @property
    def feature_names(self) -> list[str]:
        """The names of the feature columns it gives: its own, or one per category."""
        if self.kind == "category":
            return [f"{self.name}={category}" for category in self.categories]
        return [self.name]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "fill": self.fill,
                "categories": self.categories}

    @classmethod
    def from_dict(cls, data: Any) -> ColumnEncoding:
        """The inverse of `to_dict`; a ValueError says what is malformed."""
        if not isinstance(data, dict) or set(data) != {"name", "kind", "fill", "categories"}:
            raise ValueError("a column encoding must hold exactly name, kind, fill and "
                             "categories")
        name, categories = data["name"], data["categories"]
        if not isinstance(name, str) or not isinstance(categories, list) or not all(
                isinstance(c, str) for c in categories) or len(set(categories)) != len(
                categories):
            raise ValueError("a column encoding's name must be text and its categories a "
                             "list of distinct texts")
        return cls(name, data["kind"], data["fill"], categories)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ColumnEncoding) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return (f"ColumnEncoding({self.name!r}, {self.kind!r}, fill={self.fill!r}"
                + (f", {len(self.categories)} categories)" if self.categories else ")"))


#: A text column with more distinct values than this, or with more than half its rows
#: distinct (and over MIN_IDENTIFIER values), looks like an identifier: refused, naming --drop.
MAX_CATEGORIES = 100
MIN_IDENTIFIER = 20


class ColumnProblem(ValueError):
    """A column that cannot be encoded; `line` is where (None: the column as a whole). The
    caller adds the file's name and what to do."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class InfiniteCell(ColumnProblem):
    """A cell holding an infinite number (1e999, inf, infinity); the caller quotes the cell as
    the file writes it, which NumPy's parsed value ('inf') does not tell."""


def fit_encoding(values: ColumnValues, lines: Array, train: Array) -> ColumnEncoding:
    """The encoding of a training file's column, its statistics from the rows `train`
    (indices into the column's rows; `lines` their line numbers)."""
    name = values.name
    if values.numeric:
        numbers = values.numbers()
        if values.first_infinite is not None:
            line, cell = values.first_infinite
            raise InfiniteCell(f"{cell!r} is not a finite number", line)
        return ColumnEncoding(name, "number", _median(numbers[train], name))
    codes, keys = values.texts()
    present = [k for k, key in enumerate(keys) if key not in MISSING_MARKERS]
    if present and all(ISO_DATE.fullmatch(keys[k]) for k in present):
        days = date_values(codes, keys, lines, name)
        return ColumnEncoding(name, "date", _median(days[train], name))
    ambiguous = [keys[k] for k in present if AMBIGUOUS_DATE.fullmatch(keys[k])]
    if len(ambiguous) * 2 > len(present):
        raise ColumnProblem(f"dates like {ambiguous[0]!r}, whose order of day and month "
                            f"cannot be told; write them as YYYY-MM-DD to use them")
    commas = [k for k in present if COMMA_NUMBER.fullmatch(keys[k])]
    if commas and 2 * len(commas) >= len(present):
        # (one-hot encoding "1,5" and "2,25" as categories would be a silent wrong answer)
        k, line = _earliest(codes, lines, commas)
        raise ColumnProblem(f"{comma_number_problem(keys[k])}: convert the file, or leave the "
                            f"column out with {drop_hint(name)}", line)
    numbers = {k for k in present if is_number(keys[k])}  # (a set: tested once per cell)
    if numbers and len(numbers) < len(present) and 2 * len(numbers) >= len(present):
        # mostly numbers: a typo, not categories, which one-hot would hide.
        k, line = _earliest(codes, lines, [k for k in present if k not in numbers])
        raise ColumnProblem(f"{keys[k]!r} is not a number, in a column of numbers; correct "
                            f"it, mark it missing (NA), or leave the column out with "
                            f"{drop_hint(name)}", line)
    canonical = [label_key(key) for key in keys]
    counts: dict[str, int] = {}
    for code, count in zip(*np.unique(codes[train], return_counts=True)):
        key = canonical[code]
        if keys[code] not in MISSING_MARKERS:
            counts[key] = counts.get(key, 0) + int(count)
    if not counts:
        raise ColumnProblem("no values in the training rows (every cell is missing)")
    rows = sum(counts.values())
    if len(counts) > MAX_CATEGORIES or (len(counts) > MIN_IDENTIFIER
                                        and len(counts) * 2 > rows):
        raise ColumnProblem(f"{len(counts)} distinct texts in {rows} training rows: an "
                            f"identifier or free text, not categories")
    fill = max(sorted(counts), key=counts.__getitem__)  # the most frequent; ties: the first
    return ColumnEncoding(name, "category", fill, sorted(counts))


def date_values(codes: Array, keys: list[str], lines: Array, name: str) -> Array:
    """Each row's ISO date as days since 1970-01-01 (float64; NaN where missing); a
    ColumnProblem at the first cell that is not such a date."""
    days = np.full(len(keys), np.nan)
    for k, key in enumerate(keys):
        if key in MISSING_MARKERS:
            continue
        if not ISO_DATE.fullmatch(key):
            raise ColumnProblem(f"{key!r} is not a date (YYYY-MM-DD)", _first_line(codes, k,
                                                                                    lines))
        seconds = np.datetime64(key.replace(" ", "T"), "s").astype(np.int64)
        days[k] = float(seconds) / 86_400
    return days[codes]


def drop_hint(name: str) -> str:
    """The `stir train` option that leaves the column `name` out, quoted for a shell.

    >>> drop_hint("id"), drop_hint("Individual ID")
    ('--drop id', "--drop 'Individual ID'")
    """
    return f"--drop {shlex.quote(name)}"


def comma_number_problem(text: str) -> str:
    """What is wrong with a cell such as '1,5' (see COMMA_NUMBER), for a message.

    >>> comma_number_problem("1,5")
    "'1,5' looks like a number written with a comma; stir reads numbers with a decimal \
point (1.5) and no thousands separator"
    """
    return (f"{text!r} looks like a number written with a comma; stir reads numbers with a "
            f"decimal point (1.5) and no thousands separator")


def is_number(text: str) -> bool:
    """Whether Python reads the text as a float (inf and nan included)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _earliest(codes: Array, lines: Array, candidates: Sequence[int]) -> tuple[int, int]:
    """Which of the texts `candidates` (codes) comes first in the column, and its line. Each
    text's first row comes from one pass over the codes, not one pass per text."""
    first_rows = np.full(max(int(codes.max(initial=-1)), *candidates) + 1, len(codes))
    seen, first = np.unique(codes, return_index=True)
    first_rows[seen] = first
    k = min(candidates, key=lambda k: first_rows[k])
    return k, int(lines[first_rows[k]])


def _first_line(codes: Array, code: int, lines: Array) -> int:
    return int(lines[int(np.flatnonzero(codes == code)[0])])


def _median(values: Array, name: str) -> float:
    """The median of the values that are not NaN, as np.median gives it. `values` must be a
    copy (the training rows' values, gathered): it is reordered in place.

    One partition at the middle, then the largest value below it for an even count:
    np.median partitions at both middle places and at the last one (to look for NaN), which
    takes four times as long on a column of a million rows.

    >>> _median(np.array([3.0, np.nan, 1.0, 2.0, 10.0]), "x"), _median(np.array([2.0]), "x")
    (2.5, 2.0)
    """
    holes = np.isnan(values)
    present = values[~holes] if holes.any() else values
    if not present.size:
        raise ColumnProblem("no values in the training rows (every cell is missing)")
    middle = len(present) // 2
    present.partition(middle)
    if len(present) % 2:
        return float(present[middle])
    return float((present[:middle].max() + present[middle]) / 2)


def encode(encoding: ColumnEncoding, values: ColumnValues, lines: Array
           ) -> tuple[Array, dict[str, int]]:
    """The feature columns (float64, (n, width)) of a file's column under `encoding`, a
    missing cell taking its fill, and the categories the training rows never had, with
    their counts (their rows are all zeros). A ColumnProblem names the first cell that does
    not fit the encoding (text in a number column, a non-date in a date column, a missing
    cell where the encoding has no fill). `encoded_numbers` and `category_indices` give the
    same without the (n, width) array.

    >>> import numpy as np
    >>> colour = ColumnValues("colour")
    >>> colour.add_cells(("red", "NA", "green"), np.arange(2, 5))
    >>> features, unseen = encode(ColumnEncoding("colour", "category", "red", ["blue", "red"]),
    ...                           colour, np.arange(2, 5))
    >>> features.tolist(), unseen
    ([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0]], {'green': 1})
    """
    if encoding.kind != "category":
        return encoded_numbers(encoding, values, lines)[:, None], {}
    indices, unseen = category_indices(encoding, values, lines)
    features = np.empty((len(indices), len(encoding.categories)))
    one_hot(indices, features)
    return features, unseen


def encoded_numbers(encoding: ColumnEncoding, values: ColumnValues, lines: Array) -> Array:
    """A number or date column's one feature (float64, (n,)), a missing cell taking its
    fill; a ColumnProblem as `encode` says."""
    if encoding.kind == "number":
        if not values.numeric:
            line, cell = values.first_text or (None, "")
            if COMMA_NUMBER.fullmatch(cell):
                raise ColumnProblem(comma_number_problem(cell), line)
            raise ColumnProblem(f"{cell!r} is not a number (the model was trained on numbers "
                                f"in this column)", line)
        if values.first_infinite is not None:
            line, cell = values.first_infinite
            raise InfiniteCell(f"{cell!r} is not a finite number", line)
        return _filled(values.numbers(), encoding, lines)
    codes, keys = values.texts()
    return _filled(date_values(codes, keys, lines, encoding.name), encoding, lines)


def category_indices(encoding: ColumnEncoding, values: ColumnValues, lines: Array
                     ) -> tuple[Array, dict[str, int]]:
    """A category column's rows as indices into `encoding.categories` (int64, (n,); -1 for
    a category the training rows never had), and those categories with their counts; a
    ColumnProblem at a missing cell when the encoding has no fill."""
    codes, keys = values.texts()
    index = {category: k for k, category in enumerate(encoding.categories)}
    missing, unseen_codes = -2, -1
    fill = missing if encoding.fill is None else index[str(encoding.fill)]
    mapping = np.array([fill if key in MISSING_MARKERS else
                        index.get(label_key(key), unseen_codes) for key in keys] or [0],
                       dtype=np.int64)
    indices = mapping[codes] if len(codes) else np.empty(0, np.int64)
    if (indices == missing).any():
        row = int(np.flatnonzero(indices == missing)[0])
        raise ColumnProblem("missing cell, and the model has no value to fill it with",
                            int(lines[row]))
    unseen = {keys[k]: int((codes == k).sum()) for k in range(len(keys))
              if mapping[k] == unseen_codes}
    return indices, unseen


def one_hot(indices: Array, out: Array) -> None:
    """Write the one-hot rows of `indices` (see `category_indices`) into `out` (n, width):
    row i all 0 but a 1 at column indices[i] (none where it is -1).

    >>> out = np.empty((3, 2), np.float32)
    >>> one_hot(np.array([1, -1, 0]), out); out.tolist()
    [[0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    """
    out[...] = 0
    seen = np.flatnonzero(indices >= 0)
    out[seen, indices[seen]] = 1


def _filled(numbers: Array, encoding: ColumnEncoding, lines: Array) -> Array:
    holes = np.isnan(numbers)
    if holes.any():
        if encoding.fill is None:
            raise ColumnProblem("missing cell, and the model has no value to fill it with",
                                int(lines[int(np.flatnonzero(holes)[0])]))
        numbers = np.where(holes, float(encoding.fill), numbers)
    return numbers
