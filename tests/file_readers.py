"""Every way stir reads a model or checkpoint file, and the promise each read must keep.

The promise: a bad file makes every reader raise stir.ModelFormatError and nothing else,
within one second, using at most twice the file's size plus 16 MiB (tracemalloc's peak,
which sees NumPy's arrays too), and a reader that loads into objects changes none of them
when it raises. `attempt` runs one read and says how it went; `deadline` turns a hang into
an exception and `memory_ceiling` turns a runaway allocation into a MemoryError, so that a
broken reader fails a test instead of stalling or swapping the machine.
"""

from __future__ import annotations

import io
import os
import signal
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stir
from stir.commands.trained_model import TrainedModel
from stir.training import TrainingError

from real_files import TRAINING, Run, differences

MIB = 2**20
TIME_LIMIT = 1.0  # seconds a load may take
HANG_AFTER = 5.0  # seconds after which a load is stopped as hung


def memory_limit(size: int) -> int:
    """The most a read of a `size`-byte file may allocate."""
    return 2 * size + 16 * MIB


def named_stream(data: bytes, path: Path) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = str(path)  # so that messages can name it
    return stream


# name → how it reads the file at `path` (holding `data`) into `run`'s objects
READERS: dict[str, Callable[[Path, bytes, Run | None], Any]] = {
    "load": lambda path, data, run: stir.load(path),
    "load_stream": lambda path, data, run: stir.load(named_stream(data, path)),
    "read": lambda path, data, run: stir.io.read(path),
    "load_into": lambda path, data, run: stir.load(path, model=run.model),
    "load_into_stream": lambda path, data, run: stir.load(named_stream(data, path),
                                                          model=run.model),
    "trained": lambda path, data, run: TrainedModel.load(path),
    "checkpoint_read": lambda path, data, run: stir.checkpoint.read(path),
    "checkpoint_load": lambda path, data, run: stir.checkpoint.load(
        path, model=run.model, optimizer=run.optimizer, scheduler=run.scheduler,
        generators=run.generators),
    "resume": lambda path, data, run: run.resume(path),
}
INTO_OBJECTS = {"load_into", "load_into_stream", "checkpoint_load", "resume"}


class Hang(BaseException):
    """Raised in a load that ran past HANG_AFTER (a BaseException: no `except Exception`
    in the library can swallow it)."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise Hang in the main thread after `seconds` (where SIGALRM exists)."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def memory_ceiling(headroom: int = 1024 * MIB) -> Iterator[None]:
    """Cap this process's address space at its current size plus `headroom` (on Linux), so
    that a reader allocating gigabytes gets a MemoryError rather than the machine's RAM."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        yield
        return
    previous = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (current + headroom, previous[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, previous)


@dataclass
class Attempt:
    """How one read went: its error (None if it loaded), the memory it took above what was
    in use before (bytes), its duration, what it changed of the objects when it raised, and
    how far a resumed fit got."""

    error: BaseException | None
    peak: int
    seconds: float
    changed: list[str]
    phase: str = ""

    @property
    def refused(self) -> bool:
        return isinstance(self.error, stir.ModelFormatError)

    @property
    def outcome(self) -> str:
        """'loaded', 'ModelFormatError', 'TrainingError' (a resumed run that then diverged,
        which is not the file's fault) or another exception's name."""
        return "loaded" if self.error is None else type(self.error).__name__


def attempt(reader: str, path: Path, data: bytes, run: Run | None = None,
            pristine: dict[str, Any] | None = None, hang_after: float = HANG_AFTER
            ) -> Attempt:
    """Read with `reader` under tracemalloc and a deadline of `hang_after` seconds. For a
    read into `run`'s objects, `pristine` is their snapshot before: a refusal must leave
    them so, and after anything else they are put back to it.

    tracemalloc slows allocation several times over, so a read that takes longer than
    TIME_LIMIT traced is timed again untraced, and that time counts."""
    if run is not None:
        run.phase = ""
    # Tracing only the read: tracemalloc slows every allocation, the harness's too.
    tracing = tracemalloc.is_tracing()
    if tracing:
        tracemalloc.reset_peak()
    else:
        tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    try:
        error, seconds = _timed(reader, path, data, run, hang_after)
    finally:
        peak = tracemalloc.get_traced_memory()[1] - before
        if not tracing:
            tracemalloc.stop()
    phase = run.phase if run is not None else ""
    changed = _settle(error, run, pristine)
    if seconds >= TIME_LIMIT and not isinstance(error, Hang) and not tracing:
        seconds = _timed(reader, path, data, run, hang_after)[1]
        _settle(None, run, pristine)
    return Attempt(error, peak, seconds, changed, phase)


def _timed(reader: str, path: Path, data: bytes, run: Run | None, hang_after: float
           ) -> tuple[BaseException | None, float]:
    started = time.perf_counter()
    try:
        with deadline(hang_after):
            READERS[reader](path, data, run)
    except BaseException as caught:
        if isinstance(caught, KeyboardInterrupt):
            raise
        return caught, time.perf_counter() - started
    return None, time.perf_counter() - started


def _settle(error: BaseException | None, run: Run | None, pristine: dict[str, Any] | None
            ) -> list[str]:
    """What a refusal changed in `run` (it must be nothing); the objects are then put back
    to `pristine` unless a clean refusal left them so."""
    if run is None or pristine is None:
        return []
    changed = differences(pristine, run.snapshot()) if isinstance(
        error, stir.ModelFormatError) else []
    if changed or not isinstance(error, stir.ModelFormatError):
        run.restore(pristine)
    return changed


def breaks_promise(result: Attempt, size: int) -> str | None:
    """What `result` did wrong for a file of `size` bytes, or None: it may load (or, for a
    resumed fit, load and then diverge) or raise ModelFormatError, but nothing else."""
    if result.error is not None and not result.refused and not (
            isinstance(result.error, TrainingError)
            and result.phase == TRAINING):
        return f"raised {describe_error(result.error)}"
    if result.changed:
        return f"raised ModelFormatError but changed {'; '.join(result.changed[:3])}"
    if result.peak > memory_limit(size):
        return (f"took {result.peak / MIB:.1f} MiB for a {size}-byte file (the limit is "
                f"{memory_limit(size) / MIB:.1f} MiB)")
    if result.seconds >= TIME_LIMIT:
        return f"took {result.seconds:.2f} s (the limit is {TIME_LIMIT} s)"
    return None


def describe_error(error: BaseException) -> str:
    """'TypeError at stir/io/safetensors_format.py:142: message' (the innermost line of
    stir that raised it)."""
    where = source_line(error)
    message = str(error)
    if isinstance(error, MemoryError):
        message += " (an allocation past the test's address-space ceiling: gigabytes)"
    if len(message) > 300:
        message = message[:300] + f"... ({len(message)} characters)"
    return f"{type(error).__name__}{f' at {where}' if where else ''}: {message}"


def source_line(error: BaseException) -> str:
    package = os.path.dirname(stir.__file__)
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(package)]
    if not frames:
        return ""
    frame = frames[-1]
    return f"src/stir/{os.path.relpath(frame.filename, package)}:{frame.lineno}"
