"""The progress bar `fit` shows, chosen and formatted in one place.

- In a Jupyter kernel: tqdm's notebook bar (an ipywidgets progress bar; without ipywidgets,
  the text bar and a one-time hint to install it).
- On a terminal: tqdm's text bar, redrawn in place on stderr.
- Anywhere else (a pipe, a log file, CI): nothing, unless `verbose=2` asks for a bar.

Right of the bar come the step count, the time, the loss, the metrics and the throughput;
at 80 columns:

    epoch 3/20  45%|███████▋         | 00:12<00:15 loss=0.1235 acc=0.912 12.3k samples/s

While an epoch runs, "loss" is that epoch's running mean and the metrics are those of the
last finished epoch (they are computed once per epoch). On a terminal the text is fitted to
the width: names are shortened first (accuracy -> acc), then the least useful fields are
left out (the step count first, the time last), so the bar keeps at least MIN_BAR cells at
80 columns. At most MAX_FIELDS fields are shown anywhere.

>>> fitted([Field(0, "00:12<00:15", "00:12<00:15"), Field(1, "loss=0.1234", "loss=0.1234"),
...         Field(3, "accuracy=0.912", "acc=0.912")], room=33)
'00:12<00:15 loss=0.1234 acc=0.912'
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import time
import warnings
from typing import Any, TextIO

from tqdm import tqdm
from tqdm.utils import disp_len

from .. import notebook

#: The fewest cells the drawn bar keeps on a terminal (fields are dropped to make room).
MIN_BAR = 10
#: The most fields shown right of the bar, however wide the screen.
MAX_FIELDS = 8
#: The bar's layout; `fields` is filled in by `_Fields.format_dict`.
BAR_FORMAT = "{desc} {percentage:3.0f}%|{bar}| {fields}"
# Width of BAR_FORMAT without the description, the bar and the fields: " 100%|" and "| ".
_FIXED = 8
#: Names shortened on a narrow terminal.
SHORT_NAMES = {"accuracy": "acc"}
_hinted = False


def choose(verbose: int, stream: TextIO | None = None) -> str | None:
    """Which bar `fit(verbose=...)` shows here: "notebook", "text" or None (no bar).

    verbose 0 never shows one; 1 shows the notebook bar in a kernel and the text bar when
    `stream` (default stderr) is a terminal; 2 always shows one (the notebook bar in a
    kernel, else the text bar).

    >>> choose(0), choose(2)  # outside a kernel
    (None, 'text')
    """
    if verbose not in (0, 1, 2):
        raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
    if verbose == 0:
        return None
    if notebook.in_kernel():
        if widgets_available():
            return "notebook"
        _hint_once()
        return "text"
    stream = sys.stderr if stream is None else stream
    return "text" if verbose == 2 or _is_terminal(stream) else None


def widgets_available() -> bool:
    """Whether ipywidgets, which tqdm's notebook bar is drawn with, can be imported."""
    return importlib.util.find_spec("ipywidgets") is not None


@dataclasses.dataclass(frozen=True)
class Field:
    """One item right of the bar: `priority` 0 is kept longest; `short` is for narrow screens."""

    priority: int
    text: str
    short: str


def fields(values: dict[str, float], samples_per_second: float | None, n: int,
           total: int | None, elapsed: float, steps_per_second: float | None) -> list[Field]:
    """The fields for fit's numbers, in display order: steps, time, the logged values (in
    their order, "lr" left out), samples/s. Kept longest: the time, the loss, samples/s,
    the first metric, val_loss, the first metric's val_ twin, then the other values in
    order; the step count last.

    >>> [f.short for f in fields({"loss": 0.51234, "accuracy": 0.9125, "val_loss": 0.6},
    ...                          12345.0, 225, 500, 12.3, 18.0)]
    ['225/500', '00:12<00:15', 'loss=0.5123', 'acc=0.912', 'val_loss=0.6', '12.3k samples/s']
    """
    remaining = ("?" if not steps_per_second or total is None
                 else tqdm.format_interval((total - n) / steps_per_second))
    clock = f"{tqdm.format_interval(elapsed)}<{remaining}"
    steps = f"{n}/{total if total is not None else '?'}"
    found = [Field(100, steps, steps), Field(0, clock, clock)]
    metrics = [key for key in values if not key.startswith("val_") and key not in ("loss", "lr")]
    first = metrics[0] if metrics else "loss"
    ranks = {"loss": 1, first: 3, "val_loss": 4, f"val_{first}": 5}
    for order, (key, value) in enumerate(values.items()):
        if key == "lr":
            continue
        base = key[4:] if key.startswith("val_") else key
        priority = ranks.get(key, 6 + order)
        number = f"{value:.4g}" if base == "loss" else f"{value:.3g}"
        prefix = "val_" if key.startswith("val_") else ""
        found.append(Field(priority, f"{key}={number}", f"{prefix}{_short(base)}={number}"))
    if samples_per_second:
        rate = f"{tqdm.format_sizeof(samples_per_second)} samples/s"
        found.append(Field(2, rate, rate))
    return found


def fitted(items: list[Field], room: int | None) -> str:
    """The fields as one line of at most `room` cells (None: any length): full names if they
    fit, else short names, else the most important fields that fit; never more than
    MAX_FIELDS. The kept fields stay in display order."""
    ranked = sorted(range(len(items)), key=lambda i: items[i].priority)[:MAX_FIELDS]
    kept = sorted(ranked)

    def line(indices: list[int], short: bool) -> str:
        return " ".join(items[i].short if short else items[i].text for i in sorted(indices))

    if room is None or disp_len(line(kept, False)) <= room:
        return line(kept, False)
    chosen: list[int] = []
    for index in ranked:
        if disp_len(line(chosen + [index], True)) <= room:
            chosen.append(index)
    return line(chosen, True)


class _Fields:
    """Mixed into a tqdm class: the text right of the bar, made from fit's numbers each time
    tqdm draws (at most ten times a second), fitted to the terminal's width if `fit_width`."""

    def __init__(self, *args: Any, fit_width: bool, **kwargs: Any) -> None:
        self.values: dict[str, float] = {}
        self.samples_per_second: float | None = None
        self.fit_width, self.failed = fit_width, False
        super().__init__(*args, **kwargs)  # draws the bar once: the attributes exist by then

    @property
    def format_dict(self) -> dict[str, Any]:
        d = super().format_dict  # type: ignore[misc]
        ncols = d.get("ncols")
        room = (ncols - disp_len(d.get("prefix") or "") - _FIXED - MIN_BAR
                if self.fit_width and isinstance(ncols, int) and ncols > 0 else None)
        rate = d["rate"]  # tqdm's smoothed steps/s; before it has one, the mean so far
        if not rate and d["elapsed"] and d["n"] > d["initial"]:
            rate = (d["n"] - d["initial"]) / d["elapsed"]
        items = fields(self.values, self.samples_per_second, d["n"], d["total"],
                       d["elapsed"], rate)
        d["fields"] = fitted(items, None if room is None else max(room, 0))
        return d


class TextBar(_Fields, tqdm):
    """tqdm's text bar with fit's fields, fitted to the terminal's width."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, fit_width=True, **kwargs)


_notebook_class: type | None = None


def notebook_bar_class() -> type:
    """tqdm's notebook bar with fit's fields (made on first use: tqdm.notebook imports
    IPython and ipywidgets). A run that ended normally, even before its last planned step
    (EarlyStopping), is drawn green; only a failed or interrupted one is red."""
    global _notebook_class
    if _notebook_class is None:
        from tqdm.notebook import tqdm as notebook_tqdm

        class NotebookBar(_Fields, notebook_tqdm):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, fit_width=False, **kwargs)

            def close(self) -> None:
                if self.disable:
                    return
                # tqdm.notebook would call a run that stopped early "danger" (red).
                super(notebook_tqdm, self).close()
                self.disp(bar_style="danger" if self.failed else "success",
                          check_delay=False)

        _notebook_class = NotebookBar
    return _notebook_class


class TrainingBar:
    """The bar of one `fit` run, or nothing (`enabled` False: every method does nothing).

    `fit` calls `start_epoch(epoch)`, `step(loss, samples_per_second)` after each optimizer
    step, `end_epoch(logs, samples_per_second)`, `finish()` once the run has ended normally,
    and `close()` in any case.

    >>> bar = TrainingBar(total=10, initial=0, epoch=1, epochs=2, verbose=0)
    >>> bar.enabled, bar.kind
    (False, None)
    """

    def __init__(self, total: int, initial: int, epoch: int, epochs: int, verbose: int,
                 stream: TextIO | None = None) -> None:
        self.kind = choose(verbose, stream)
        self.epochs = epochs
        self._finished = False
        self._bar: Any = None
        if self.kind is None:
            return
        options = dict(total=total, initial=initial, unit="step", leave=True,
                       dynamic_ncols=True, bar_format=BAR_FORMAT,
                       desc=self._description(epoch))
        if self.kind == "notebook":
            self._bar = notebook_bar_class()(**options)
        else:
            self._bar = TextBar(file=sys.stderr if stream is None else stream, **options)

    @property
    def enabled(self) -> bool:
        return self._bar is not None

    def start_epoch(self, epoch: int) -> None:
        if self._bar is not None:
            self._bar.set_description_str(self._description(epoch), refresh=False)

    def step(self, loss: float, samples_per_second: float) -> None:
        """One optimizer step done; `loss` is the epoch's running mean."""
        if self._bar is not None:
            self._bar.values["loss"] = loss
            self._bar.samples_per_second = samples_per_second
            self._bar.update(1)

    def end_epoch(self, logs: dict[str, float], samples_per_second: float) -> None:
        """The epoch's row of the History; drawn now unless tqdm drew very recently."""
        bar = self._bar
        if bar is None:
            return
        bar.values = {key: value for key, value in logs.items() if key != "lr"}
        bar.samples_per_second = samples_per_second
        if time.time() - bar.last_print_t >= bar.mininterval:  # tqdm's clock and pace
            bar.refresh()

    def finish(self) -> None:
        """The run ended normally (perhaps stopped early on purpose)."""
        self._finished = True

    def close(self) -> None:
        """Draw the final state and let go of the bar (red in a notebook unless finished)."""
        if self._bar is not None:
            self._bar.failed = not self._finished
            self._bar.close()
            self._bar = None

    def _description(self, epoch: int) -> str:
        return f"epoch {epoch}/{self.epochs}"


def _short(name: str) -> str:
    """A metric's name for a narrow screen: at most 8 cells."""
    name = SHORT_NAMES.get(name, name)
    return name if len(name) <= 8 else name[:7] + "…"


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed file
        return False


def _hint_once() -> None:
    global _hinted
    if not _hinted:
        _hinted = True
        warnings.warn("stir.fit: the notebook progress bar needs ipywidgets (pip install "
                      "ipywidgets, or pip install \"stir[notebook]\"); showing the text bar "
                      "instead", stacklevel=4)
