"""What every demo shares: where figures go, saving them, the demo error, and the command line
of the scripts in examples/."""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

DEFAULT_OUT = "stir-demo-output"
PLOT_HINT = 'install the plot extra with pip install "stir[plot]" to get the figures'


class DemoError(RuntimeError):
    """A demo cannot run here (for example, its data is missing); the message says why."""


def matplotlib_available() -> bool:
    """Whether matplotlib can be imported (the figures need it; the numbers do not)."""
    return importlib.util.find_spec("matplotlib") is not None


def pyplot() -> Any:
    """matplotlib.pyplot with the file-only Agg backend, unless pyplot was already set up."""
    import matplotlib
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")  # demos only write PNGs, so no window is ever needed
    import matplotlib.pyplot as plt
    return plt


class Figures:
    """Saves a demo's figures as PNGs under `out` and prints each path.

    `save(name, draw)` calls draw(path), which must write the figure at path and return it.
    Without matplotlib nothing is drawn and the hint is printed once.

    >>> import tempfile
    >>> figures = Figures(tempfile.mkdtemp(), "doc")
    >>> figures.save("never", lambda path: None) if not matplotlib_available() else None
    """

    def __init__(self, out: str | Path, demo: str) -> None:
        self.directory = Path(out)
        self.demo = demo
        self.paths: list[Path] = []
        self._warned = False

    def save(self, name: str, draw: Callable[[Path], Any]) -> Path | None:
        """Draw figure `name` into <out>/<demo>_<name>.png; returns the path (None without
        matplotlib)."""
        if not matplotlib_available():
            if not self._warned:
                print(f"(no figures: {PLOT_HINT})")
                self._warned = True
            return None
        path = self.directory / f"{self.demo}_{name}.png"
        self.directory.mkdir(parents=True, exist_ok=True)
        plt = pyplot()
        before = _stamp(path)
        figure = draw(path)
        if figure is not None:
            # Saved here unless draw wrote it itself: a PNG left by an earlier run is replaced.
            if _stamp(path) in (None, before):
                figure.savefig(path, dpi=100, bbox_inches="tight")
            plt.close(figure)
        self.paths.append(path)
        print(f"wrote {path}")
        return path


def _stamp(path: Path) -> tuple[int, int] | None:
    """The file's modification time and size, None when it does not exist."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_mtime_ns, status.st_size


def heading(text: str) -> None:
    """Print a demo's title line."""
    print(f"== {text} ==")


def run_script(main: Callable[..., Any], description: str | None = None,
               argv: Sequence[str] | None = None) -> None:
    """What `python3 examples/NAME.py [--quick] [--out DIR]` does: main(out=DIR, quick=...).

    Without --out, main's own default folder is used. `description` (the script's docstring)
    is what --help prints. A DemoError, such as missing data, ends the script with one line
    and exit status 1, as `stir demo` does; any other error is a bug and keeps its traceback.
    """
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a reduced size, which runs in a second or two")
    default = inspect.signature(main).parameters["out"].default
    parser.add_argument("--out", default=default, metavar="DIR",
                        help="the folder for the figures (default: ./%(default)s)")
    arguments = parser.parse_args(argv)
    try:
        main(out=arguments.out, quick=arguments.quick)
    except DemoError as error:
        raise SystemExit(f"{parser.prog}: error: {error}") from None
