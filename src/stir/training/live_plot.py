"""LivePlot: the loss and metric curves of a `fit` run, drawn while it trains.

In a Jupyter kernel the figure is shown once, below the progress bar, and redrawn in place
after the epochs (one output updated through an IPython display handle, not one image per
epoch), and always after the last epoch. Redraws are paced so that drawing never slows a
fast run much: at most one every `interval` seconds, and after a redraw that took d
seconds, none for 4d (a PNG of the figure takes 0.05-0.2 s), so drawing takes at most about
a fifth of the time. Anywhere else nothing is drawn while training; the figure is written
as a PNG when training ends.

The figure has one panel per quantity, as `stir.plot.history_curves` draws them: "loss"
with "val_loss", each metric with its "val_" twin; "lr" is left out. matplotlib's object
API is used, never pyplot's figure list, so the inline backend does not show it a second
time at the end of the cell.
"""

from __future__ import annotations

import importlib.util
import io
import math
import struct
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import notebook
from .callbacks import Callback

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Where the PNG goes outside a notebook when no `path` is given (the working directory).
DEFAULT_PATH = "liveplot.png"
#: The PNG's "Software" text: marks a file a LivePlot wrote, the only kind it replaces.
SOFTWARE = "stir.training.LivePlot"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class LivePlot(Callback):
    """Loss and metric curves (training and validation) that follow training.

    - `path`: the PNG written when training ends (its folder is created). The default None
      writes DEFAULT_PATH ("liveplot.png" in the working directory) outside a notebook and
      no file in a notebook, where the figure is in the output already. An existing file is
      replaced only if an earlier LivePlot wrote it (its PNG carries the SOFTWARE tag), so a
      data file or someone's image is never overwritten: anything else is an error, raised
      before training starts.
    - `interval`: the fewest seconds between two redraws in a notebook (default 0.25: at
      most four a second; slow redraws are spaced further, see above).
    - `dpi`: the figure's resolution, in the notebook and in the file.

    `history` holds the curves (a dict of lists, one value per epoch) and `saved_path` the
    file written (None before); `figure()` draws them on a new matplotlib Figure. A
    checkpoint keeps the curves, so a resumed run draws the whole run.

    >>> import numpy as np, os, tempfile, stir
    >>> import stir.nn.functional as F
    >>> from stir import nn, optim
    >>> x = np.random.default_rng(0).normal(size=(64, 2))
    >>> y = (x[:, 0] > x[:, 1]).astype(np.int64)
    >>> model = nn.Linear(2, 2)
    >>> live = LivePlot(os.path.join(tempfile.mkdtemp(), "runs", "curves.png"))
    >>> _ = stir.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.5), x, y,
    ...              epochs=3, metrics=["accuracy"], callbacks=[live], verbose=0)
    >>> live.saved_path.name, len(live.history["loss"])
    ('curves.png', 3)
    """

    def __init__(self, path: str | Path | None = None, interval: float = 0.25,
                 dpi: int = 100) -> None:
        if importlib.util.find_spec("matplotlib") is None:
            raise ImportError('LivePlot draws with matplotlib: pip install "stir[plot]" '
                              "(or matplotlib)")
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) \
                or not interval >= 0:
            raise ValueError(f"LivePlot: interval must be a number of seconds >= 0, got "
                             f"{interval!r}")
        if isinstance(dpi, bool) or not isinstance(dpi, int) or not 10 <= dpi <= 1000:
            raise ValueError(f"LivePlot: dpi must be an int from 10 to 1000, got {dpi!r}")
        self.path = None if path is None else _check_path(Path(path))
        self.interval, self.dpi = float(interval), dpi
        self.history: dict[str, list[float]] = {}
        self.saved_path: Path | None = None
        self._target = self.path
        self._live = False
        self._handle: Any = None
        self._drawn = 0  # how many epochs the shown figure has
        self._next_draw = -math.inf  # time.monotonic() from which a redraw may start

    def on_train_begin(self, model: Any, optimizer: Any) -> None:
        super().on_train_begin(model, optimizer)
        self._live = notebook.in_kernel()
        self._target = self.path
        if self._target is None and not self._live:
            self._target = _check_path(Path(DEFAULT_PATH))
        self.history, self.saved_path = {}, None
        self._handle, self._drawn, self._next_draw = None, 0, -math.inf

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))
        if self._live and time.monotonic() >= self._next_draw:
            self._show()
        return False

    def on_train_end(self) -> None:
        if self._live and self._drawn != self._epochs():
            self._show()  # the last epoch is always drawn
        if self._target is not None and self._epochs():
            self.saved_path = self.save(self._target)

    def figure(self) -> Figure:
        """The curves so far on a new matplotlib Figure (not registered with pyplot)."""
        from matplotlib.figure import Figure

        from ..plot import history_curves

        if not self._epochs():
            raise ValueError("LivePlot.figure: no epoch has been recorded yet")
        panels = [key for key in self.history if key != "lr"
                  and not (key.startswith("val_") and key[4:] in self.history)]
        columns = min(len(panels), 3)
        rows = math.ceil(len(panels) / columns)
        figure = Figure(figsize=(4.2 * columns, 3.2 * rows), dpi=self.dpi, layout="constrained")
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        for extra in axes[len(panels):]:
            figure.delaxes(extra)
        history_curves(self.history, ax=list(axes[:len(panels)]))
        return figure

    def png(self) -> bytes:
        """The figure as PNG bytes, tagged as a LivePlot's."""
        buffer = io.BytesIO()
        self.figure().savefig(buffer, format="png", dpi=self.dpi,
                              metadata={"Software": SOFTWARE})
        return buffer.getvalue()

    def save(self, path: str | Path) -> Path:
        """Write the figure to `path` (a .png; its folder is made) atomically; return it.
        Refuses to replace a file that an earlier LivePlot did not write."""
        from ..io.atomic import write_atomic

        path = _check_path(Path(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_atomic(path, self.png())

    def state_dict(self) -> dict[str, Any]:
        return {"history": {key: list(values) for key, values in self.history.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.check_state_dict(state)
        self.history = {key: [float(v) for v in values]
                        for key, values in state["history"].items()}

    def check_state_dict(self, state: Any) -> None:
        """`history` maps names to lists of numbers, all of the same length."""
        if not isinstance(state, dict) or set(state) != {"history"} \
                or not isinstance(state["history"], dict):
            raise ValueError("a LivePlot state is {'history': {name: [values]}}")
        lengths = set()
        for key, values in state["history"].items():
            if not isinstance(key, str) or not isinstance(values, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                raise ValueError(f"LivePlot: history[{str(key)[:40]!r}] must be a list of "
                                 "numbers")
            lengths.add(len(values))
        if len(lengths) > 1:
            raise ValueError(f"LivePlot: the history's lists differ in length: "
                             f"{sorted(lengths)}")

    def _epochs(self) -> int:
        return len(next(iter(self.history.values()), []))

    def _show(self) -> None:
        """Draw the curves into the notebook: the first time a new output, then that one."""
        from IPython.display import Image, display  # a kernel has IPython imported

        started = time.monotonic()
        image = Image(data=self.png(), format="png")
        if self._handle is None:
            self._handle = display(image, display_id=True)
        else:
            self._handle.update(image)
        finished = time.monotonic()
        self._drawn = self._epochs()
        self._next_draw = max(started + self.interval, finished + 4 * (finished - started))


def _check_path(path: Path) -> Path:
    """A path LivePlot may write: a .png that is not a folder and, if it exists, a PNG an
    earlier LivePlot wrote."""
    if path.suffix.lower() != ".png":
        raise ValueError(f"LivePlot writes a PNG; its path must end in .png, got {str(path)!r}")
    if path.is_dir():
        raise IsADirectoryError(f"LivePlot: {path} is a folder; give a file name ending in .png")
    if path.exists() and not _written_by_liveplot(path):
        raise FileExistsError(f"LivePlot: {path} exists and was not written by a LivePlot; "
                              "it is not replaced. Give another path or remove the file")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(f"LivePlot: cannot make a folder for {path}: "
                                         f"{parent} is a file")
            break
    return path


def _written_by_liveplot(path: Path) -> bool:
    """Whether `path` is a PNG whose "Software" text chunk (before the image data) is ours."""
    try:
        with path.open("rb") as file:
            if file.read(8) != _PNG_SIGNATURE:
                return False
            while True:
                header = file.read(8)
                if len(header) < 8:
                    return False
                length, kind = struct.unpack(">I4s", header)
                if kind in (b"IDAT", b"IEND"):
                    return False
                if kind == b"tEXt" and length <= 4096:
                    key, _, value = file.read(length).partition(b"\0")
                    if key == b"Software":
                        return value == SOFTWARE.encode()
                    file.seek(4, io.SEEK_CUR)  # the chunk's CRC
                else:
                    file.seek(length + 4, io.SEEK_CUR)
    except OSError:
        return False
