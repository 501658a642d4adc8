"""What `stir train` did to each column of its file, in a few short lines.

>>> from stir.data.csv_columns import ColumnEncoding
>>> from types import SimpleNamespace
>>> data = SimpleNamespace(columns=[
...     ColumnEncoding("weight", "number", 5.5), ColumnEncoding("size", "number", 2.0),
...     ColumnEncoding("colour", "category", "red", ["blue", "green", "red"]),
...     ColumnEncoding("born", "date", 18000.0)],
...     missing_cells={"weight": 3, "colour": 1}, left_out=["id"], dropped_missing=[],
...     row_numbers=[])
>>> print("\\n".join(describe_columns(data)))
data: 2 number columns: weight, size
data: 1 text column, one-hot: colour (3 categories)
data: 1 date column, as days since 1970-01-01: born
data: left out: id
data: missing cells imputed from the training rows: weight 3 (median 5.5), colour 1 ('red')
"""

from __future__ import annotations

from typing import Any

from ..data.csv_columns import drop_hint

_SHOWN = 4  # names listed per kind before "..."


def describe_columns(data: Any) -> list[str]:
    """The summary lines for a `CSVDataset` (its columns, missing_cells, left_out,
    row_numbers and dropped_missing): each kind of column with its names, the columns left
    out or that look like row numbers, then the missing cells and what was done with them."""
    kinds: dict[str, list[str]] = {"number": [], "category": [], "date": []}
    for column in data.columns:
        kinds[column.kind].append(column.name if column.kind != "category" else
                                  f"{column.name} ({_count(len(column.categories))})")
    lines = []
    for kind, (what, how) in (("number", ("number", "")), ("category", ("text", ", one-hot")),
                              ("date", ("date", ", as days since 1970-01-01"))):
        names = kinds[kind]
        if names:
            plural = "column" if len(names) == 1 else "columns"
            lines.append(f"data: {len(names)} {what} {plural}{how}: {_listed(names)}")
    if data.left_out:
        lines.append(f"data: left out: {_listed(list(data.left_out))}")
    for name in data.row_numbers:
        lines.append(f"data: note: {name} rises with every row, as a row number does; if it "
                     f"is an identifier, leave it out with {drop_hint(name)}")
    if data.missing_cells and data.dropped_missing:
        lines.append(f"data: missing cells: {_listed(_counts(data))}; their "
                     f"{len(data.dropped_missing)} rows dropped (--missing drop)")
    elif data.missing_cells:
        fills = {column.name: column for column in data.columns}
        shown = [f"{name} {count} ({_fill(fills[name])})"
                 for name, count in data.missing_cells.items()]
        lines.append(f"data: missing cells imputed from the training rows: {_listed(shown)}")
    return lines


def _count(categories: int) -> str:
    return f"{categories} categor{'y' if categories == 1 else 'ies'}"


def _counts(data: Any) -> list[str]:
    return [f"{name} {count}" for name, count in data.missing_cells.items()]


def _fill(column: Any) -> str:
    if column.kind == "category":
        return repr(column.fill)
    return f"median {column.fill:.6g}"


def _listed(names: list[str]) -> str:
    if len(names) <= _SHOWN:
        return ", ".join(names)
    return ", ".join(names[:_SHOWN - 1]) + f", ... ({len(names) - _SHOWN + 1} more)"
