"""The hostile corpus: the files an outside check found stir mishandling, each refused.

Each case in `hostile_files.CASES` is read by every reader of its kind. Every reader must
keep the promise (ModelFormatError or a load, within one second and 2 × size + 16 MiB, and a
refusal changes nothing it was loading into); the readers the case's level names must
refuse it, with a message that names the file and, for a field's problem, the field.
Special files (a FIFO, /dev/zero, a 2 GB sparse file, a directory) are read in a child
process, so that a reader that blocks or reads forever fails the test instead of hanging
it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from file_readers import INTO_OBJECTS, attempt, breaks_promise, memory_ceiling
from hostile_files import CASES, Case
from real_files import fit_run

READERS_OF = {"model": ("load", "load_stream", "read", "trained"),
              "checkpoint": ("checkpoint_read", "checkpoint_load", "resume")}
MUST_REFUSE = {("model", "bytes"): {"load", "load_stream", "read", "trained"},
               ("model", "load"): {"load", "load_stream", "trained"},
               ("checkpoint", "bytes"): {"checkpoint_read", "checkpoint_load", "resume"},
               ("checkpoint", "load"): {"checkpoint_load", "resume"},
               ("checkpoint", "resume"): {"resume"}}
PATH_READERS = ("load", "read", "trained", "checkpoint_read", "checkpoint_load", "resume")
SPECIAL_FILES = ("fifo", "dev_zero", "sparse_2_GB_wrong_length", "directory")
POSIX = os.name == "posix" and hasattr(os, "mkfifo") and os.path.exists("/dev/zero")


class Built:
    """The corpus's files, each written once per module, when a test first needs it."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.files = folder, {}

    def path(self, case: Case) -> tuple[Path, bytes]:
        if case.name not in self.files:
            data = case.build()
            # A neutral name: a message that names the file must not name the field by luck.
            suffix = "ckpt" if case.kind == "checkpoint" else "safetensors"
            path = self.folder / f"file{len(self.files)}.{suffix}"
            path.write_bytes(data)
            self.files[case.name] = path, data
        return self.files[case.name]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return Built(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("case, reader", [(case, reader) for case in CASES
                                          for reader in READERS_OF[case.kind]],
                         ids=lambda value: value if isinstance(value, str) else value.name)
def test_a_hostile_file_is_refused_within_the_limits(case, reader, built):
    path, data = built.path(case)
    run = fit_run() if reader in INTO_OBJECTS else None
    with memory_ceiling():
        result = attempt(reader, path, data, run, run.snapshot() if run else None)
    problem = breaks_promise(result, len(data))
    assert problem is None, f"{case.name} ({len(data)} bytes) via {reader}: {problem}"
    if reader in MUST_REFUSE[case.kind, case.level]:
        assert result.refused, f"{case.name} via {reader}: loaded; it must be refused"
        message = str(result.error)
        assert str(path) in message, f"the message does not name the file: {message}"
        if case.field:
            assert case.field in message.replace(str(path), ""), (
                f"the message does not name {case.field}: {message}")


def test_the_corpus_names_are_distinct():
    assert len({case.name for case in CASES}) == len(CASES)


# ---------------------------------------------------------------- special files
CHILD = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
from file_readers import INTO_OBJECTS, attempt, breaks_promise, memory_ceiling
from real_files import fit_run
for special, path in json.loads(sys.argv[2]).items():
    for reader in json.loads(sys.argv[3]):
        run = fit_run() if reader in INTO_OBJECTS else None
        with memory_ceiling():
            result = attempt(reader, path, b"", run, run.snapshot() if run else None,
                             hang_after=2.0)
        print(json.dumps({"special": special, "reader": reader, "outcome": result.outcome,
                          "message": str(result.error)[:500], "peak": result.peak,
                          "problem": breaks_promise(result, 0)}), flush=True)
"""


def make_special_files(folder: Path) -> dict[str, str]:
    fifo = folder / "fifo.st"
    os.mkfifo(fifo)
    sparse = folder / "sparse.st"
    with open(sparse, "wb") as file:
        file.write((2**40).to_bytes(8, "little"))  # claims a 1 TiB header
        file.truncate(2 * 2**30)
    directory = folder / "directory.st"
    directory.mkdir()
    return {"fifo": str(fifo), "dev_zero": "/dev/zero",
            "sparse_2_GB_wrong_length": str(sparse), "directory": str(directory)}


@pytest.fixture(scope="module")
def special_results(tmp_path_factory):
    """Each path reader on each special file, in one child process (a reader blocked on
    the FIFO is stopped by the child's deadline; the parent's timeout is the last resort)."""
    if not POSIX:
        pytest.skip("FIFOs and /dev/zero are POSIX")
    paths = make_special_files(tmp_path_factory.mktemp("special"))
    command = [sys.executable, "-c", CHILD, os.path.dirname(__file__), json.dumps(paths),
               json.dumps(PATH_READERS)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                              check=False)  # each line says how its reader went
        output = done.stdout
    except subprocess.TimeoutExpired as timeout:
        output = (timeout.stdout or b"").decode() if isinstance(timeout.stdout, bytes) else (
            timeout.stdout or "")
    results = {}
    for line in output.splitlines():
        entry = json.loads(line)
        results[entry["special"], entry["reader"]] = entry
    return results, paths


@pytest.mark.skipif(not POSIX, reason="FIFOs and /dev/zero are POSIX")
@pytest.mark.parametrize("special", SPECIAL_FILES)
@pytest.mark.parametrize("reader", PATH_READERS)
def test_a_special_file_is_refused_at_once(special, reader, special_results):
    """None of these is a file worth reading: its type or its first 8 bytes say so, so the
    memory allowed is the 16 MiB of an empty file, even for the 2 GB one."""
    results, paths = special_results
    entry = results.get((special, reader))
    assert entry is not None, f"{reader} on {special}: the child process never finished it"
    assert entry["problem"] is None, f"{reader} on {special}: {entry['problem']}"
    assert entry["outcome"] == "ModelFormatError", (reader, special, entry)
    assert paths[special] in entry["message"], entry["message"]
