"""Where the code runs: a Jupyter kernel, a terminal, or neither (a pipe, a file, CI).

Progress bars, live plots and figures behave differently in each: a kernel gets widgets and
inline images, a terminal gets text that redraws in place, and a pipe gets nothing that
redraws. IPython is never imported here; a kernel has always imported it already.

>>> in_kernel()  # doctest runs outside a kernel
False
"""

from __future__ import annotations

import sys
from typing import Any


def ipython_shell() -> Any:
    """The running IPython shell, or None outside IPython (IPython is not imported here)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    get_ipython = getattr(ipython, "get_ipython", None)
    return get_ipython() if callable(get_ipython) else None


def in_kernel() -> bool:
    """Whether this process is a Jupyter kernel (ipykernel's shell), where rich outputs show.

    Terminal IPython is not a kernel: it gets the terminal bar, like a script.
    """
    shell = ipython_shell()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"
