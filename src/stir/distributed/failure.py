"""How a distributed job fails: promptly, on every rank, with one line saying why.

MPI's collectives block until every rank has joined; a rank that has raised, exited or
taken another path would leave the others waiting for ever. So stir never blocks: each
collective is started non-blocking and `wait` polls it, spinning for a moment (a step's
ranks arrive within microseconds of each other) and then yielding the core between polls;
past the group's timeout it ends the job. `abort` is the one way out: a line on stderr
naming the rank, then MPI_Abort, which makes the launcher stop every rank (mpiexec exits
with the code given). A rank killed outright (SIGKILL, out of memory) is seen by the
launcher itself, which ends the others.

The excepthook `install_excepthook` puts in place (init_process_group does, with more
than one rank) prints the traceback as Python would, then aborts: a script that raises on
one rank ends the job within moments instead of at the timeout.
"""

from __future__ import annotations

import sys
import time
from typing import Any, NoReturn

#: Spin this long on a collective before yielding the core between polls: long enough for
#: ranks in step, short enough not to starve a rank sharing the core (an oversubscribed job).
SPIN_SECONDS = 0.002
POLL_SLEEP = 0.0001
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
#: A pause between a rank's last line and MPI_Abort: the launcher forwards output through
#: pipes of its own, and a busy machine can see the job torn down before the line gets out.
FORWARD_SECONDS = 0.3

_previous_hook: list[Any] = [None]


def wait(request: Any, group: Any, what: str) -> None:
    """Wait for one MPI request, at most `group.timeout` seconds; past it, end the job."""
    wait_all([request], group, what)


def wait_all(requests: list[Any], group: Any, what: str) -> None:
    """Wait for every MPI request of the list, at most `group.timeout` seconds in all."""
    test = group.mpi.Request.Testall
    if test(requests):
        return
    start = time.monotonic()
    spin_until, deadline = start + SPIN_SECONDS, start + group.timeout
    while not test(requests):
        now = time.monotonic()
        if now > spin_until:
            if now > deadline:
                abort(group, f"{what} waited {group.timeout:g} s for the other ranks, which "
                      "have stopped, are stuck, or called another collective; ending the job")
            time.sleep(POLL_SLEEP)


def abort(group: Any, message: str, code: int = 1) -> NoReturn:
    """Print "stir.distributed: rank R of N: message" on stderr, then end every rank of
    the job with exit status `code` (MPI_Abort)."""
    print(f"stir.distributed: {group.label}: {message}", file=sys.stderr, flush=True)
    time.sleep(FORWARD_SECONDS)
    group.mpi.COMM_WORLD.Abort(code)
    raise SystemExit(code)  # (MPI_Abort does not return; this tells type checkers so)


def install_excepthook(group: Any) -> None:
    """Make an exception that nothing catches end the job after its traceback is printed
    (exit status 130 for KeyboardInterrupt, else 1)."""
    previous = sys.excepthook
    _previous_hook[0] = previous

    def end_the_job(kind: type[BaseException], value: BaseException, traceback: Any) -> None:
        previous(kind, value, traceback)
        code = EXIT_INTERRUPTED if issubclass(kind, KeyboardInterrupt) else 1
        abort(group, f"its script raised {kind.__name__}; ending the job, so that the other "
              "ranks do not wait for it", code)

    sys.excepthook = end_the_job


def remove_excepthook() -> None:
    """Put back the excepthook that was there before `install_excepthook`."""
    if _previous_hook[0] is not None:
        sys.excepthook = _previous_hook[0]
        _previous_hook[0] = None


def end_job(group: Any, code: int) -> NoReturn:
    """End every rank of the job with exit status `code`, after flushing this rank's
    output, without a message of its own (the caller has said what went wrong)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    time.sleep(FORWARD_SECONDS)
    group.mpi.COMM_WORLD.Abort(code)
    raise SystemExit(code)
