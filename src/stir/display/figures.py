"""stir.plot's figures in a Jupyter kernel: each shown exactly once.

matplotlib's inline backend shows every figure still open in pyplot at the end of a cell,
and Jupyter also shows the cell's value: a stir.plot call on a cell's last line returned a
figure that was shown twice. So in a kernel with the inline backend, a figure stir.plot
made is closed from pyplot once it is drawn (the end-of-cell flush skips it). The cell's
latest figure waits: after the cell, a `post_run_cell` callback displays it unless it is
the cell's value (Jupyter showed that one). When another figure is drawn, the waiting one
cannot be the value any more and is displayed at once, so the figures keep their order.
Each figure is shown exactly once either way. Code that displays a figure itself (a live
plot updating a display in place) calls `release(figure)` first.

Elsewhere (a script, a terminal, another backend such as ipympl's widget, or a widget's
callback, when no cell is running) nothing here acts: figures stay with pyplot as
matplotlib leaves them, for `plt.show()` and saving. Inside a cell, the figure has left
pyplot: `plt.show()` does not show it (the end of the cell does), and pyplot's state calls
(`plt.title`, `plt.savefig`) reach a new figure, not it; change it with the figure it
returned (`fig.suptitle`, `fig.axes[0].set_title`, `fig.savefig`), which is shown with the
changes made later in the cell.

>>> made(object())  # outside a kernel: nothing is kept
>>> pending()
[]
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

from ..notebook import in_kernel, ipython_shell

# Figures stir.plot created that are not yet drawn (made, then finished); by identity, and
# weakly, so a figure abandoned after an error is not kept alive.
_made: weakref.WeakSet[Any] = weakref.WeakSet()
# The last figure drawn in the running cell: it may be the cell's value, so it waits.
_pending: list[Any] = []
# Figures of the running cell shown already (a later one was drawn after them), with their
# display handles: one named again as the cell's value is blanked here, Jupyter shows it.
_shown: list[tuple[Any, Any]] = []


def inline() -> bool:
    """Whether this is a Jupyter kernel drawing with matplotlib's inline backend."""
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None or not in_kernel():
        return False
    return "inline" in str(matplotlib.get_backend()).lower()


def made(figure: Any) -> None:
    """Note a new figure stir.plot is about to draw into (only in an inline kernel)."""
    if inline():
        _made.add(figure)


def finished(figure: Any, saved: bool = False) -> None:
    """stir.plot has drawn `figure`: in an inline kernel, take it from pyplot and show it
    once. A figure saved again afterwards (stir.plot.save, which writes and closes) is not
    shown, as a figure closed in pyplot is not."""
    if figure not in _made:
        if saved:
            _pending[:] = [kept for kept in _pending if kept is not figure]
        return
    _made.discard(figure)
    shell = ipython_shell()
    if not _running_a_cell(shell):  # a widget's callback: its own code shows figures
        return
    import matplotlib.pyplot as plt  # already imported: stir.plot made the figure
    from IPython.display import display  # a kernel has IPython imported already

    plt.close(figure)
    for earlier in _pending:  # not the cell's value: a later figure came after it
        _shown.append((earlier, display(earlier, display_id=True)))
    _pending[:] = [figure]
    if show_pending not in shell.events.callbacks["post_run_cell"]:
        shell.events.register("post_run_cell", show_pending)


def release(figure: Any) -> Any:
    """Leave `figure` to the caller, who displays it (a live plot updating a display in
    place, say): it will not be shown after the cell. Returns the figure.

    >>> release("a figure")
    'a figure'
    """
    _pending[:] = [kept for kept in _pending if kept is not figure]
    return figure


def pending() -> list[Any]:
    """The figure waiting to be shown at the end of the running cell (if any)."""
    return list(_pending)


def _running_a_cell(shell: Any) -> bool:
    """Whether the kernel is running a cell (an execute_request), not a widget's callback."""
    get_parent = getattr(getattr(shell, "kernel", None), "get_parent", None)
    parent = get_parent() if callable(get_parent) else getattr(shell, "parent_header", {})
    kind = (parent or {}).get("header", {}).get("msg_type", "execute_request")
    return kind == "execute_request"


def show_pending(result: Any = None) -> None:
    """After a cell: display its last figure unless it is the cell's value (Jupyter has
    shown that one), blank an earlier one that is the value, and forget them all."""
    value = getattr(result, "result", None)
    figures, shown = list(_pending), list(_shown)
    _pending.clear()
    _shown.clear()
    if not figures and not shown:
        return
    from IPython.display import display

    for figure in figures:
        if figure is not value:
            display(figure)
    for figure, handle in shown:
        if figure is value and handle is not None:
            handle.update({"text/plain": ""}, raw=True)
