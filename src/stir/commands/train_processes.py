"""`stir train ... --processes N`: the same run, trained by N processes under MPI.

The command starts `mpiexec -n N python -m stir.cli train --launched-settings FILE`, FILE
holding this invocation's options (JSON), and waits for it: each process runs the command
as a rank of the job (`as_rank`); `fit` shares each batch among them and averages their
gradients (stir.training.data_parallel), so the model is the one-process run's up to
floating-point rounding. Rank 0 alone prints and writes the checkpoints and the model; the
others' output is discarded (their failures are reported, see below). The job's lines come
back through this process, which leaves out MPI's own banners (mpiexec's "BAD
TERMINATION" box, MPI_Abort's line) and passes Ctrl-C on: mpiexec gives it to every rank,
the ranks agree on the step to stop after (`AgreedStop`), rank 0 writes the checkpoint,
and the exit status is 130.

A rank whose command fails prints its one line (rank 0's as in one process; another
rank's after a second's grace, in which rank 0, failing alike, usually ends the job first)
and ends the job with the command's exit status: the others never wait for it.
`mpiexec -n N stir train ...` run by hand works the same, MPI's banners included.

>>> noise("Abort(2) on node 0 (rank 0 in comm 0): application called MPI_Abort(...)")
True
>>> noise("saved the model to houses.safetensors")
False
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from .. import distributed
from ..data.csv_files import CSVError
from ..distributed import failure
from ..distributed.collectives import any_rank
from ..distributed.launch import environment, mpiexec_command
from ..distributed.process_group import current_group
from ..io.errors import ModelFormatError
from . import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError
from .interrupt import StopBetweenSteps

#: Lines MPI's launcher and library print about a failed job, which the command's own
#: one-line message already covers.
NOISE = re.compile(r"^\s*$|^=+\s*$|^=   |^YOUR APPLICATION TERMINATED|^This typically refers "
                   r"to a problem|^Please see the FAQ page|^Abort\(\d+\) on node|"
                   r"^\[mpiexec@|^\[proxy:")
#: What a rank other than 0 waits before it reports a failure and ends the job.
GRACE_SECONDS = 1.0
#: Options of the launching invocation that the ranks do not take.
LAUNCHER_ONLY = ("processes", "launched_settings")
BAD_INPUT = (UsageError, CSVError, ModelFormatError, FileNotFoundError, IsADirectoryError)


def noise(line: str) -> bool:
    """Whether `line` is one of MPI's messages about a failed job."""
    return NOISE.search(line) is not None


def launch(arguments: argparse.Namespace, label: str = "stir train") -> int:
    """Run the command in `arguments.processes` processes under mpiexec; returns the exit
    status (the job's: 0, 1, 2 or 130; 1 when a rank was killed)."""
    settings = {key: value for key, value in vars(arguments).items()
                if key not in LAUNCHER_ONLY}
    folder = tempfile.mkdtemp(prefix="stir-launch-")
    try:
        path = Path(folder) / "settings.json"
        path.write_text(json.dumps(settings), encoding="utf-8")
        command = mpiexec_command(arguments.processes, ["-m", "stir.cli", arguments.command,
                                                        "--launched-settings", str(path)])
        env = {**environment(arguments.processes), "PYTHONUNBUFFERED": "1"}
        status = _run_job(command, env)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if status in (EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED):
        return status
    print(f"{label}: error: the job of {arguments.processes} processes ended with status "
          f"{status}: a process was killed or failed outside stir", file=sys.stderr)
    return EXIT_FAILURE


def launched_arguments(path: str) -> argparse.Namespace:
    """The options `launch` wrote to `path`, for a rank of the job."""
    try:
        settings = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UsageError(f"--launched-settings: cannot read {path}: {error}") from None
    if not isinstance(settings, dict):
        raise UsageError(f"--launched-settings: {path} does not hold a run's options")
    return argparse.Namespace(**settings, **{key: None for key in LAUNCHER_ONLY})


def as_rank(label: str, run: Callable[[], int]) -> int:
    """Run the command as one rank of the job: joined to the group, silent unless rank 0,
    and ending the whole job if it fails here."""
    if not distributed.is_initialized():
        distributed.init_process_group()
    group = current_group()
    main = group.rank == 0
    try:
        with _quiet(not main):
            status = run()
    except Exception as error:
        status = EXIT_USAGE if isinstance(error, BAD_INPUT) else EXIT_FAILURE
        _report(group, label, f"error: {' '.join(str(error).split()) or type(error).__name__}")
        failure.end_job(group, status)
    except KeyboardInterrupt:
        _report(group, label, "interrupted")
        failure.end_job(group, EXIT_INTERRUPTED)
    if status != EXIT_OK:  # (the command said why) the others may be waiting for this rank
        if not main:
            time.sleep(GRACE_SECONDS)
        failure.end_job(group, status)
    return status


def stop_between_steps(saver: Any) -> StopBetweenSteps:
    """Ctrl-C handling for a run's fit: the ranks of a job agree on it, and only rank 0
    writes the checkpoint; one process alone takes it as it comes."""
    if not distributed.is_initialized() or current_group().size == 1:
        return StopBetweenSteps(saver)
    return AgreedStop(saver if current_group().rank == 0 else None)


class AgreedStop(StopBetweenSteps):
    """StopBetweenSteps for a rank of a job: after each step the ranks learn whether any
    of them got Ctrl-C (one tiny all-reduce), so all stop after the same step, the one
    whose checkpoint rank 0 writes."""

    def on_batch_end(self, step: int, logs: dict[str, float]) -> bool:
        self.requested = any_rank(self.requested, current_group(), "the Ctrl-C check")
        return super().on_batch_end(step, logs)


def private_checkpoint(path: Path) -> Path:
    """`path` on rank 0; on another rank a file of the same name in a folder of its own,
    removed at exit, for code that may write a checkpoint on every rank."""
    if distributed.is_main_process():
        return path
    folder = tempfile.mkdtemp(prefix="stir-rank-")
    atexit.register(shutil.rmtree, folder, True)
    return Path(folder) / path.name


# ------------------------------------------------------------------ helpers
def _report(group: Any, label: str, what: str) -> None:
    if group.rank == 0:
        print(f"{label}: {what}", file=sys.stderr, flush=True)
    else:
        time.sleep(GRACE_SECONDS)  # rank 0, failing alike, ends the job before this line
        print(f"{label}: {group.label}: {what}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _quiet(silent: bool) -> Iterator[None]:
    if not silent:
        yield
        return
    # (its failures are raised, and reported by as_rank outside this block)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), \
            contextlib.redirect_stderr(devnull), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _run_job(command: list[str], env: dict[str, str]) -> int:
    """Run mpiexec, relaying its output without MPI's noise and passing Ctrl-C on."""
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, text=True, bufsize=1)
    relays = [threading.Thread(target=_relay, args=(source, target), daemon=True)
              for source, target in ((child.stdout, sys.stdout), (child.stderr, sys.stderr))]
    for relay in relays:
        relay.start()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: child.send_signal(signal.SIGINT))
    try:
        status = child.wait()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    for relay in relays:
        relay.join(timeout=5)
    return status


def _relay(source: IO[str] | None, target: IO[str]) -> None:
    assert source is not None
    for line in source:
        if not noise(line):
            target.write(line)
            target.flush()
