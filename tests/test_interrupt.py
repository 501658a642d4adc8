"""Ctrl-C at any moment: exit status 130 and at most one line on stderr, never a traceback.

SIGINT is sent at random moments (0 s to twice the start-up time measured under the same
load, at least 1.5 s) to `stir train`, `stir predict` and `stir --help`, through the installed console script and through `python -m stir`. Every run
must end in one of these ways, by where the signal landed:

- "before Python": status -2 and no output: Python had not yet installed its handler;
- "Python start-up": Python's own output, from before `_stir_entry` set its handler:
  site's .pth files (here a few tens of milliseconds) and, for `python -m stir`, the import
  of the package `stir` (NumPy with it), which runs before `stir/__main__.py` and cannot be
  reached from it. Such output must show no frame of `stir/cli.py` or `stir/commands`, and
  no line of `_stir_entry.py` past the one that sets the handler;
  Or a bare "KeyboardInterrupt" and status 1, no traceback: the signal landed after site
  but before the first line of the script ran (CPython's pymain_run_file_obj runs pending
  signal handlers, `Py_MakePendingCalls`, before it runs the file, with no frame to show);
  Or CPython's "Exception ignored in: ... KeyboardInterrupt" when the signal landed in a
  callback of the import system (a module lock's weakref callback): CPython reports and
  drops an exception raised there, and start-up goes on, so the command then runs to its
  end (status 0). No code of stir has run yet, so none can see it;
- "stir start-up": 130 and "stir: interrupted" (the quiet handler of `_stir_entry`);
- "command": 130 and "stir train: interrupted; ..." (or predict's);
- "finished": status 0 and no stderr: the command had returned (a SIGINT during shutdown
  is ignored) or the process had exited.
"""

import collections
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import sysconfig
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import stir
import stir.cli

SRC = os.path.dirname(os.path.dirname(stir.__file__))
SCRIPT = Path(sysconfig.get_path("scripts")) / "stir"
ENVIRONMENT = {**os.environ, "PYTHONPATH": SRC}
TRIALS = 32  # per launcher: 64 moments in all
ENTRY = Path(SRC) / "_stir_entry.py"
INSTALLED_AT = next(number for number, line in enumerate(ENTRY.read_text().splitlines(), 1)
                    if "installed: start-up is quiet" in line)
ENTRY_FRAME = re.compile(r'_stir_entry\.py", line (\d+)')
COMMAND_FRAME = re.compile(r"stir[/\\](cli\.py|commands)")

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT (POSIX)")


def launchers():
    found = {"python -m stir": [sys.executable, "-m", "stir"]}
    if SCRIPT.exists() and "_stir_entry" in SCRIPT.read_text(errors="replace"):
        found["stir script"] = [str(SCRIPT)]
    return found


@contextlib.contextmanager
def children_get(disposition):
    """Children started meanwhile begin with SIGINT at its default (as from a terminal) or
    ignored: exec keeps an ignored signal and resets a handled one to the default. (Set in
    the parent rather than by preexec_fn, which is unsafe with threads.)"""
    handler = signal.default_int_handler if disposition == "default" else signal.SIG_IGN
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interrupt")
    X = np.random.default_rng(0).normal(size=(100, 2)).round(3)
    with open(folder / "data.csv", "w") as file:
        file.write("a,b,y\n")
        file.writelines(f"{a},{b},{a + b:.3f}\n" for a, b in X)
    result = subprocess.run([sys.executable, "-m", "stir", "train", "data.csv", "--target",
                             "y", "--epochs", "2", "--hidden", "4", "--quiet", "--out",
                             "model.safetensors"], cwd=folder, capture_output=True, text=True,
                            env=ENVIRONMENT, timeout=60)
    assert result.returncode == 0, result.stderr
    return folder


COMMANDS = {
    "train": ["train", "data.csv", "--target", "y", "--epochs", "1000", "--patience", "1000",
              "--hidden", "8", "--quiet", "--out", "run.safetensors"],
    "predict": ["predict", "model.safetensors", "data.csv"],
    "help": ["--help"],
}


def interrupt_once(launcher, command, moment, folder):
    """Run the command, send SIGINT `moment` seconds after starting it (unless it has ended
    by then); returns (where it landed, returncode, stderr)."""
    child = subprocess.Popen([*launcher, *COMMANDS[command]], cwd=folder, text=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env=ENVIRONMENT)
    try:
        child.wait(timeout=moment)
        sent = False
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGINT)
        sent = True
    _, stderr = child.communicate(timeout=60)
    return classify(child.returncode, stderr, sent, command), child.returncode, stderr


def classify(returncode, stderr, sent, command):
    lines = stderr.splitlines()
    if returncode == 130 and len(lines) == 1 and "Traceback" not in stderr:
        if lines[0] == "stir: interrupted":
            return "stir start-up"
        if lines[0].startswith(f"stir {command}: interrupted"):
            return "command"
    if returncode == 0 and stderr == "":
        return "finished" if not sent else "finished (signal ignored at shutdown)"
    if returncode == -signal.SIGINT and stderr == "":
        return "before Python"
    pythons_own = "Traceback (most recent call last)" in stderr or "Fatal Python error" in stderr
    before_our_handler = (not COMMAND_FRAME.search(stderr) and all(
        int(number) <= INSTALLED_AT for number in ENTRY_FRAME.findall(stderr)))
    if (sent and pythons_own and before_our_handler and returncode in (1, -2)
            and not any(line.startswith("stir") for line in lines)):
        return "Python start-up"
    if sent and returncode == 1 and stderr == "KeyboardInterrupt\n":
        return "Python start-up (before the script's first line)"
    frames = re.findall(r'File "([^"]+)"', stderr)
    if (sent and returncode == 0 and lines and lines[0].startswith("Exception ignored in")
            and lines[-1].startswith("KeyboardInterrupt") and frames
            and all(frame.startswith("<frozen importlib") for frame in frames)):
        return "Python start-up (dropped by CPython)"
    return "WRONG"


def start_up_seconds(folder):
    """The longest of three concurrent `python -m stir --help` runs: the time the command
    phase takes to begin under the test's own load (a busy CI machine takes twice as long
    as an idle one, and fixed moments then all land in start-up)."""
    def one(_):
        began = time.monotonic()
        subprocess.run([sys.executable, "-m", "stir", "--help"], cwd=folder, env=ENVIRONMENT,
                       capture_output=True, timeout=60, check=True)
        return time.monotonic() - began
    with ThreadPoolExecutor(max_workers=3) as pool:
        return max(pool.map(one, range(3)))


@pytest.mark.parametrize("returncode, stderr, sent, where", [
    (130, "stir predict: interrupted\n", True, "command"),
    (1, "KeyboardInterrupt\n", True, "Python start-up (before the script's first line)"),
    (1, "KeyboardInterrupt\n", False, "WRONG"),  # (no signal was sent: who raised it?)
    (130, "KeyboardInterrupt\n", True, "WRONG"),
    (1, "stir predict: error: KeyboardInterrupt\n", True, "WRONG"),
])
def test_where_a_signal_landed_is_read_from_status_and_output(returncode, stderr, sent, where):
    assert classify(returncode, stderr, sent, "predict") == where


def test_ctrl_c_at_random_moments_is_one_line_and_status_130(folder):
    rng = random.Random(0)
    horizon = max(1.5, 2 * start_up_seconds(folder))
    trials = [(name, launcher, command, rng.uniform(0, horizon))
              for name, launcher in launchers().items()
              for command in ["train"] * (TRIALS // 2) + ["predict", "help"] * (TRIALS // 4)]
    rng.shuffle(trials)
    start = time.monotonic()
    with children_get("default"), ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda trial: (trial, interrupt_once(*trial[1:], folder)),
                                trials))
    counts = collections.Counter((trial[0], where) for trial, (where, _, _) in results)
    summary = "; ".join(f"{name}: {where} {count}"
                        for (name, where), count in sorted(counts.items()))
    print(f"{len(trials)} SIGINTs over 0-{horizon:.2f} s, in {time.monotonic() - start:.1f} s:"
          f" {summary}")
    wrong = [(trial[0], trial[2], round(trial[3], 3), code, stderr[-400:])
             for trial, (where, code, stderr) in results if where == "WRONG"]
    assert not wrong, wrong
    landed = collections.Counter(where for where, _, _ in (result for _, result in results))
    assert landed["command"] >= 3 and landed["stir start-up"] >= 3, landed  # both phases hit


def test_a_sigint_ignored_by_the_parent_stays_ignored(folder):
    """`stir train ... &` in a script, or under nohup: Ctrl-C is not for it."""
    launcher = launchers().get("stir script") or [sys.executable, "-m", "stir"]
    with children_get("ignored"):
        child = subprocess.Popen(
            [*launcher, *COMMANDS["train"][:-1], "ignored.safetensors"], cwd=folder,
            text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENVIRONMENT)
    for pause in (0.05, 0.4):
        time.sleep(pause)
        child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 0 and stderr == ""
    assert (folder / "ignored.safetensors").exists()


def test_importing_stir_installs_no_signal_handler():
    code = ("import signal; before = signal.getsignal(signal.SIGINT); import stir, stir.cli, "
            "stir.commands.train, stir.commands.predict; "
            "assert signal.getsignal(signal.SIGINT) is before, signal.getsignal(signal.SIGINT)")
    with children_get("default"):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=ENVIRONMENT, timeout=60)
    assert result.returncode == 0, result.stderr


def test_main_returns_130_on_ctrl_c(monkeypatch, capsys):
    def interrupted(arguments):
        raise KeyboardInterrupt

    monkeypatch.setattr(stir.cli, "_runners", lambda: {"eval": interrupted})
    assert stir.cli.main(["eval", "m", "d.csv", "--target", "y"]) == 130
    assert capsys.readouterr().err == "stir eval: interrupted\n"


def test_the_console_script_uses_the_quiet_entry_point():
    if not SCRIPT.exists():
        pytest.skip(f"no installed stir script at {SCRIPT} (pip install -e . to make one)")
    assert "_stir_entry" in SCRIPT.read_text(errors="replace"), (
        f"{SCRIPT} predates the quiet entry point: reinstall with pip install -e .")
