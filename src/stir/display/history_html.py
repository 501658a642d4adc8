"""A training history in a notebook: one small chart per quantity (the loss with the
validation loss, each metric with its validation twin), the best epoch marked, and a table
of the last and best values.

The history is read duck-typed (`keys()`, `history[key]`, `.epochs`, `.best(monitor)`), so
this file imports nothing of stir.training.

>>> from stir.training import History
>>> h = History()
>>> for loss in (0.9, 0.5, 0.7):
...     h.append({"loss": loss})
>>> text = history_html(h)
>>> "best" in text and "data:image/svg+xml" in text
True
"""

from __future__ import annotations

from typing import Any

from .svg import BLUE, BOX, GREEN, HEADER, MUTED, ORANGE, escape, format_number, html_or_repr, \
    image, legend, panel, table

#: Charts drawn at most (the table lists every quantity).
MAX_PANELS = 12


def history_html(history: Any) -> str:
    """The HTML Jupyter shows for a History; never raises (falls back to the repr)."""
    return html_or_repr(_render, history)


def _best(history: Any, key: str) -> tuple[int, float] | None:
    """(epoch, value) where `key` was best (History.best decides min or max), or None."""
    try:
        best = history.best(key)
    except (ValueError, KeyError):  # every value NaN, or nothing recorded
        return None
    return int(best["epoch"]), float(best[key])


def _render(history: Any) -> str:
    columns = {key: [float(v) for v in history[key]] for key in history.keys()}
    epochs = [int(e) for e in getattr(history, "epochs", [])] or \
        list(range(1, max(map(len, columns.values()), default=0) + 1))
    kind = escape(type(history).__name__)
    if not epochs or not columns:
        return (f'<div style="{BOX}"><b>{kind}</b> <span style="{MUTED}">· no epoch '
                "recorded yet</span></div>")
    facts = [f"{len(epochs):,} epoch{'s' if len(epochs) != 1 else ''}"]
    monitor = "val_loss" if "val_loss" in columns else "loss" if "loss" in columns else ""
    best_monitor = _best(history, monitor) if monitor else None
    if best_monitor is not None:
        facts.append(f"best {monitor} {format_number(best_monitor[1])} at epoch "
                     f"{best_monitor[0]}")
    keys = [key for key in columns if not (key.startswith("val_") and key[4:] in columns)]
    keys = [key for key in keys if key != "lr" or len(set(columns[key])) > 1]
    charts = []
    for key in keys[:MAX_PANELS]:
        series = [(key, columns[key], BLUE, False)]
        if f"val_{key}" in columns:
            series.append((f"val_{key}", columns[f"val_{key}"], ORANGE, True))
        watched = series[-1][0]
        best = None if key == "lr" else _best(history, watched)
        chart = panel(key, series, epochs[:len(series[0][1])], best)
        title = " and ".join(name for name, *_ in series) + " by epoch" + (
            f"; best {format_number(best[1])} at epoch {best[0]}" if best else "")
        charts.append(f"<div>{image(chart, title)}</div>")
    entries = [("training", BLUE, False)]
    if any(key.startswith("val_") for key in columns):
        entries.append(("validation", ORANGE, True))
    key_line = (f'<div style="{MUTED};margin-bottom:2px">{legend(entries)}'
                f'<span style="color:{GREEN}">● ┆</span> best epoch</div>')
    rows = []
    for key, values in columns.items():
        best = None if key == "lr" else _best(history, key)
        rows.append((key, format_number(values[-1]) if values else "",
                     format_number(best[1]) if best else "", str(best[0]) if best else ""))
    header = (f'<div style="{HEADER}"><b>{kind}</b> '
              f'<span style="{MUTED}">· {" · ".join(escape(f) for f in facts)}</span></div>')
    return (f'<div style="{BOX}">{header}{key_line}'
            '<div style="display:flex;gap:8px;flex-wrap:wrap;align-items:flex-start">'
            + "".join(charts) + f'<div style="padding-top:14px">'
            f'{table(rows, ("", "last", "best", "epoch"))}</div></div></div>')
