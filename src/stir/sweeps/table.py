"""A sweep's results table: one row per trial, best first, and the same as a CSV file.

Each row holds "rank" (1 for the best), "trial" (its place in the list of settings, from
0), the settings, the metrics the training function returned, "seconds" (the trial's wall
time in its worker) and, when any trial failed, "error" (the failure in one line, empty
for the others). Ranking is by one metric, smallest first in mode "min" and largest first
in "max"; a trial that failed or whose metric is NaN comes after every other, and ties
keep the trials' order.

>>> rows = ranked([{"trial": 0, "lr": 0.1, "val_loss": 0.5, "seconds": 1.0},
...                {"trial": 1, "lr": 0.01, "val_loss": 0.25, "seconds": 1.5}],
...               "val_loss", "min")
>>> [(row["rank"], row["trial"]) for row in rows]
[(1, 1), (2, 0)]
>>> print(csv_text(rows), end="")
rank,trial,lr,val_loss,seconds
1,1,0.01,0.25,1.5
2,0,0.1,0.5,1.0
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from ..io.atomic import write_atomic

FIRST_COLUMNS = ("rank", "trial")


def ranked(rows: list[dict[str, Any]], metric: str, mode: str) -> list[dict[str, Any]]:
    """The rows sorted best first by `metric`, each with its "rank" put first."""
    def key(position_row: tuple[int, dict[str, Any]]) -> tuple[int, float, int]:
        position, row = position_row
        value = row.get(metric)
        if row.get("error") or not isinstance(value, (int, float)) or math.isnan(value):
            return (1, 0.0, position)
        return (0, value if mode == "min" else -value, position)

    ordered = [row for _, row in sorted(enumerate(rows), key=key)]
    return [{"rank": rank, **row} for rank, row in enumerate(ordered, 1)]


def csv_text(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV text: a header of every column met (in the order met), then one
    line per row; lists and dicts are written as JSON, a missing cell as empty."""
    columns: list[str] = []
    for row in rows:
        columns += [name for name in row if name not in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return buffer.getvalue()


def write_csv(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Write the rows to `path` as CSV, atomically (a crash leaves the old file or the
    new one); returns the path."""
    return write_atomic(path, csv_text(rows).encode("utf-8"))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)
    return str(value)
