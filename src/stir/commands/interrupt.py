"""Ctrl-C during `stir train`, taken between two optimizer steps: the step under way
finishes, a checkpoint of the run as it then is gets written, and training stops with
KeyboardInterrupt, so `stir train --resume` continues from that very step. A second Ctrl-C
stops at once (the last checkpoint written stays).

>>> from stir.training import Callback
>>> with StopBetweenSteps(saver=None) as stopper:
...     isinstance(stopper, Callback), stopper.requested
(True, False)
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from ..training import Callback


class StopBetweenSteps(Callback):
    """A context manager that holds SIGINT back while training runs (main thread only, and
    not when SIGINT is ignored: then it does nothing), and the callback that acts on it after a step: `saver`'s
    `save_now()` (a ModelCheckpoint, or None), then KeyboardInterrupt. `requested` says
    whether Ctrl-C came; `saved` whether this stop wrote the checkpoint."""

    def __init__(self, saver: Any) -> None:
        self.saver, self.requested, self.saved = saver, False, False
        self._previous: Any = None

    def __enter__(self) -> StopBetweenSteps:
        # (a SIGINT the parent ignores, as `nohup` and `&` in some shells arrange, stays so)
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is not signal.SIG_IGN):
            self._previous = signal.signal(signal.SIGINT, self._hold)
        return self

    def __exit__(self, *_: Any) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def _hold(self, *_: Any) -> None:
        self.requested = True
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second one: at once

    def on_batch_end(self, step: int, logs: dict[str, float]) -> bool:
        if self.requested:
            if self.saver is not None:
                self.saver.save_now()
                self.saved = True
            raise KeyboardInterrupt
        return False

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool:
        return self.on_batch_end(0, logs)
