"""Tables from other libraries as arrays of numbers: pandas and polars data frames and
series, Arrow tables and arrays, and anything else NumPy's array protocol (`__array__`)
converts. None of those libraries is imported here: each converts itself.

What the conversion cannot turn into numbers is refused with a message that names the
column and the row, rather than becoming an array of Python objects or a network trained on
NaN: a text or date column (encode it first: one-hot, or `stir train` on a CSV file, which
does it), and a missing cell (None, pandas' NA, NaN; impute or drop it first). A column of
numbers that came out as Python objects (pandas' nullable Int64 without a missing cell, for
instance) is converted.

>>> import numpy as np
>>> as_numbers("fit", "x", [[1, 2.5], [3, 4.0]])
array([[1. , 2.5],
       [3. , 4. ]])
>>> as_numbers("fit", "x", np.array([[1.0, "red"]], dtype=object))
Traceback (most recent call last):
...
TypeError: fit: x's column 1 holds text ('red' in row 0); encode it as numbers first (one-hot, \
or train on a CSV file with stir train, which does)
"""

from __future__ import annotations

import numbers
import re
from typing import Any

import numpy as np

__all__ = ["as_numbers", "column_names"]


def as_numbers(owner: str, name: str, value: Any, finite: bool = True,
               dtype: Any = None) -> np.ndarray:
    """`value` as a NumPy array of numbers (bool, integer or floating), checked: a TypeError
    for a column that is not numbers (a date or time column too, which some libraries turn
    into their own counts of days or microseconds), and (if `finite`) a ValueError for a
    missing or non-finite cell, each naming the column (by name when the table has names)
    and the first row. With `finite=False` a missing cell is kept as NaN. Floats are cast
    to `dtype` if given, and a value that does not fit in it is named too."""
    if value is None:
        raise TypeError(f"{owner}: {name} is None; give an array, a tensor or a data frame")
    if type(value).__name__ == "LazyFrame":  # (polars: a query, not yet data)
        raise TypeError(f"{owner}: {name} is a polars LazyFrame, a query not yet run; call "
                        f"its .collect() first")
    _refuse_temporal(owner, name, value)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:  # (columns NumPy finds no common type for)
        raise TypeError(f"{owner}: {name} cannot be read as an array of numbers: "
                        f"{error}") from None
    if array.dtype == object:
        array = _objects_as_numbers(owner, name, array, column_names(value))
    elif array.dtype.kind in "USMm":
        names = column_names(value)
        what = (f"{name}'s columns {', '.join(map(repr, names))} hold" if names
                else f"{name} holds")
        raise TypeError(f"{owner}: {what} {_kind_of(array.dtype)}, not numbers; encode "
                        f"them as numbers first")
    elif array.dtype.kind not in "fiub":
        raise TypeError(f"{owner}: {name} must hold numbers, got dtype {array.dtype}")
    if finite and array.dtype.kind == "f":
        _check_finite(owner, name, array, column_names(value))
    if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype:
        original, array = array, _cast(array, dtype)
        if finite:
            _check_fits(owner, name, original, array, column_names(value))
    return array


def column_names(value: Any) -> list[str] | None:
    """The column names of a data frame (pandas, polars: `columns`) or Arrow table
    (`column_names`); None for anything else, whose columns are then named by number."""
    for attribute in ("column_names", "columns"):
        names = getattr(value, attribute, None)
        if names is not None and not callable(names):
            try:
                return [str(name) for name in names]
            except TypeError:
                return None
    return None


#: The type names of date and time columns: pandas' and NumPy's (datetime64, timedelta64,
#: period), polars' (Date, Datetime, Duration, Time) and Arrow's (date32, timestamp, ...).
_TEMPORAL = re.compile(r"(date|datetime|timestamp|duration|time|timedelta|period)",
                       re.IGNORECASE)


def _column_types(value: Any) -> list[str]:
    """The type name of each column of a frame or table, or of a series' values; [] for
    anything that does not say."""
    schema = getattr(value, "schema", None)
    types = getattr(schema, "types", None)  # an Arrow table or record batch
    if types is None and not isinstance(value, np.ndarray):
        types = getattr(value, "dtypes", None)  # a pandas or polars frame
    if types is None:
        one = getattr(value, "type", None) or getattr(value, "dtype", None)  # a series
        types = [] if one is None or callable(one) else [one]
    try:
        return [str(kind) for kind in types]
    except TypeError:
        return []


def _refuse_temporal(owner: str, name: str, value: Any) -> None:
    """A TypeError naming the first date or time column of a frame, before NumPy turns it
    into numbers of some unit (or fails to find a common type with the others)."""
    for column, kind in enumerate(_column_types(value)):
        if _TEMPORAL.match(kind):
            names = column_names(value)
            where = (f"{name}'s column {names[column]!r}" if names and column < len(names)
                     else name)
            raise TypeError(f"{owner}: {where} holds dates or times ({kind}), not numbers; "
                            f"turn it into numbers first (days since a date, for instance) "
                            f"or leave it out")


def _cast(array: np.ndarray, dtype: Any) -> np.ndarray:
    with np.errstate(over="ignore"):  # (what overflows is named by _check_fits)
        return array.astype(dtype)


def _check_fits(owner: str, name: str, original: np.ndarray, cast: np.ndarray,
                names: list[str] | None) -> None:
    """A ValueError naming the first value that was finite and is not in the narrower type."""
    if np.isfinite(cast).all():
        return
    first = np.unravel_index(int(np.argmax(~np.isfinite(cast))), cast.shape)
    where = _where(name, cast, int(first[1]) if cast.ndim >= 2 else 0, names)
    raise ValueError(f"{owner}: {where} has a value too large for {cast.dtype} "
                     f"({float(original[first])!r} in row {int(first[0])}); scale it down, or "
                     f"train the model in float64 (model.double())")


def _kind_of(dtype: np.dtype) -> str:
    return {"U": "text", "S": "bytes", "M": "dates", "m": "time spans"}[dtype.kind]


def _where(name: str, array: np.ndarray, column: int, names: list[str] | None) -> str:
    """`x's column 'price'` (or `column 3`, or just `x` for one column of values)."""
    if array.ndim < 2:
        return name
    if names is not None and len(names) == array.shape[1]:
        return f"{name}'s column {names[column]!r}"
    return f"{name}'s column {column}"


def _objects_as_numbers(owner: str, name: str, array: np.ndarray, names: list[str] | None
                        ) -> np.ndarray:
    """An array of Python objects as floats (or integers and booleans when every column is
    of them), refusing text and other objects by column. A missing cell (None, pandas' NA)
    becomes NaN, which _check_finite then names."""
    table = array.reshape(len(array), -1) if array.ndim else array.reshape(1, 1)
    missing = np.zeros(table.shape, dtype=bool)
    kinds_seen: set[type] = set()
    for column in range(table.shape[1]):
        cells = table[:, column]
        # Types are checked a column at a time (a set of a few types), cells only for the
        # message: a frame of a million rows should not cost a Python loop per cell.
        kinds = set(map(type, cells))
        kinds_seen |= kinds
        if not all(issubclass(kind, _NUMBERS) for kind in kinds):
            missing[:, column] = [_is_missing(cell) for cell in cells]
            _refuse_column(owner, _where(name, array, column, names), cells, missing[:, column])
        elif float in kinds or any(kind.__name__ in _MISSING_TYPES for kind in kinds):
            missing[:, column] = [_is_missing(cell) for cell in cells]
    if not missing.any() and all(issubclass(kind, _INTEGERS) for kind in kinds_seen):
        return np.array(table.tolist()).reshape(array.shape)
    numbers_only = np.where(missing, np.nan, table)
    return numbers_only.astype(np.float64).reshape(array.shape)


#: Cell types a numeric column may hold, and the types of pandas' missing markers, NA and NaT
#: (named, so that pandas is never imported).
_NUMBERS = (numbers.Number, np.bool_, type(None))
_INTEGERS = (bool, int, np.integer, np.bool_)
_MISSING_TYPES = ("NAType", "NaTType")


def _refuse_column(owner: str, where: str, cells: np.ndarray, missing: np.ndarray) -> None:
    """The TypeError for a column with a cell that is neither a number nor missing."""
    for row, cell in enumerate(cells):
        if missing[row] or isinstance(cell, _NUMBERS):
            continue
        if isinstance(cell, (str, bytes)):
            raise TypeError(f"{owner}: {where} holds text ({cell!r} in row {row}); encode it "
                            f"as numbers first (one-hot, or train on a CSV file with stir "
                            f"train, which does)")
        raise TypeError(f"{owner}: {where} holds {type(cell).__name__} values ({cell!r} in row "
                        f"{row}), not numbers; convert it to numbers first")


def _is_missing(cell: Any) -> bool:
    """None, a float NaN, or pandas' NA and NaT (recognised by their type names, so that
    pandas is never imported)."""
    if cell is None:
        return True
    if isinstance(cell, float):
        return cell != cell
    return type(cell).__name__ in _MISSING_TYPES


def _check_finite(owner: str, name: str, array: np.ndarray, names: list[str] | None) -> None:
    finite = np.isfinite(array)
    if finite.all():
        return
    bad = ~finite
    count = int(bad.sum())
    first = np.unravel_index(int(np.argmax(bad)), array.shape)
    value = array[first]
    where = _where(name, array, int(first[1]) if array.ndim >= 2 else 0, names)
    cells = "cell" if count == 1 else "cells"
    if value != value:
        raise ValueError(f"{owner}: {where} has a missing cell (NaN) in row {int(first[0])} "
                         f"({count} non-finite {cells} in all); impute or drop the missing "
                         f"cells first (stir train imputes a CSV file's)")
    raise ValueError(f"{owner}: {where} has an infinite cell ({value}) in row {int(first[0])} "
                     f"({count} non-finite {cells} in all); replace or drop them first")
