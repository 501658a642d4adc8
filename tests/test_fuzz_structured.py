"""Structure-aware fuzzing: real files with an edit in their header, checksum recomputed.

The bit-flip fuzzer (test_fuzz_files.py) passes because a flipped bit breaks the SHA-256
first; an attacker computes it again. So each mutant here starts from a real file (models of
several architectures, a weights-only file, a `stir train` model, checkpoints with SGD or
Adam and a schedule, one written mid-epoch by fit's ModelCheckpoint), takes one node of the
header's JSON tree (the tensor entries, `__metadata__`, and the JSON inside each "stir.*"
field) and changes it: its type, a huge or negative or fractional number, 1e400 or a
5 000-digit integer as raw text, a list nested 500 deep or 80 000 long, a key written twice,
a field removed or added; or it changes a tensor coherently (shape, dtype, an index out of
range, a tensor more or less); some mutants get a second edit. The checksum is then
recomputed over what the edited header describes, and the mutant is read by one of stir's
readers, which must load it or raise ModelFormatError, within the time and memory limits,
changing nothing it loads into when it refuses.

Each trial is reproducible from (seed, trial) alone: `trial_mutant(seed, trial)`; so the
trials are shared out over a few processes, one per core.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from stir.io.architecture import RECIPES
from stir.io.safetensors_format import DTYPES

from file_readers import (INTO_OBJECTS, MIB, READERS, Attempt, attempt, breaks_promise,
                          memory_ceiling, source_line)
from hostile_files import (INTO_FIELD, Embedded, Pairs, Raw, decoded, digits, dumps, layout,
                           nested, replaced, seal, split, tensors_of)
from real_files import LAYER_EXAMPLES, Seed, seeds

DEFAULT_MUTANTS, SLOW_MUTANTS = 20_000, 200_000
# Processes the trials are shared out over: the cores this process may use, up to four.
WORKERS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
              else os.cpu_count() or 1)
MAX_HANGS = 5  # a hang costs HANG_AFTER seconds: after this many, stop and report
TENSOR_EDITS = 0.2  # the share of edits that change a tensor rather than a JSON node
SECOND_EDITS = 0.15  # the share of mutants edited once more (a tensor and its architecture)


# ---------------------------------------------------------------- one edit of a JSON node
def _numbers(node: Any, rnd: random.Random) -> Any:
    return rnd.choice([
        2**31, 2**32, 2**62, 2**63, 2**64, 2**200, -2**62, -1, 0, 1, -5, 1.5, -1.5, 1e300,
        digits(5000), Raw("-" + "9" * 5000), Raw("1e400"), Raw("-1e400"), Raw("NaN"),
        Raw("Infinity"), True, False, str(node),
        *([node + 1, node - 1, -node, node * 2**40, node + 0.5] if isinstance(node, int)
          else [-node, node * 1e300]),
    ])


def _strings(node: str, rnd: random.Random) -> Any:
    return rnd.choice([
        "", "x", "1", "-1", "1e400", "nan", "inf", "model", "checkpoint", "Linear",
        "Sequential", "MLP", "float64", "int64", "F64", "I64", "U8", "BOOL", "$array",
        "$dict", "\ud800", "é", node + "x", node[:-1], node.upper(), node * 1000, 0, 1, 2**62,
    ])


def _lists(node: list, rnd: random.Random) -> Any:
    scalars = all(not isinstance(item, (list, dict)) for item in node)
    choices = [
        lambda: nested(node, rnd.choice([1, 2, 10, 100, 500])),
        lambda: node + node, lambda: node + node[-1:], lambda: node + [0],
        lambda: node[:-1], list, lambda: node[:1], lambda: node[1:], lambda: node[::-1],
        lambda: {str(index): item for index, item in enumerate(node)},
    ]
    if scalars and node:  # a long list of numbers: the 80 000-entry shape (rarely: it is slow)
        choices.append(lambda: node + node[-1:] * rnd.choice([1000, 1000, 1000, 80_000]))
    return rnd.choice(choices)()


def _dicts(node: dict, rnd: random.Random) -> Any:
    if not node:
        return rnd.choice([{"type": "Linear"}, {"$array": "0.weight"}, {"": None}, []])
    key = rnd.choice(list(node))
    other = {k: v for k, v in node.items() if k != key}
    choices = [
        lambda: other,
        lambda: {**node, "extra": 0}, lambda: {**node, "type": "Linear"},
        lambda: {**node, "$array": rnd.choice(["0.weight", "model.0.bias", "missing"])},
        lambda: Pairs((*node.items(), (key, node[key]))),
        lambda: Pairs((*node.items(), (key, _swapped(node[key], rnd)))),
        lambda: Pairs(((key, _swapped(node[key], rnd)), *node.items())),
        lambda: {**other, key + "_": node[key]}, lambda: {**other, "": node[key]},
        lambda: {**other, key.upper(): node[key]}, dict, lambda: list(node.values()),
    ]
    return rnd.choice(choices)()


def _swapped(node: Any, rnd: random.Random) -> Any:
    """The same content as another type: number, string, list, dict, bool or null."""
    return rnd.choice([0, 1, "x", "", [], {}, True, False, None, [node], {"value": node},
                       dumps(node) if not isinstance(node, Embedded) else 0])


def _field_text(node: Embedded, rnd: random.Random) -> Any:
    """A "stir.*" field replaced by other text: broken, non-JSON or not a string at all."""
    return rnd.choice(["", "{", "null", "[]", "{}", "NaN", "Infinity", "1e400", "9" * 5000,
                       "[" * 500 + "]" * 500, '"x"', "true", node.text or "", 5, [], None])


def edited(node: Any, rnd: random.Random) -> tuple[Any, str]:
    """`node` after one random edit, and the edit's name (the new value, shortened)."""
    if rnd.random() < 0.2 or isinstance(node, (Raw, Pairs)):  # the latter from a first edit
        new = _swapped(node, rnd)
    elif isinstance(node, Embedded):
        new = _field_text(node, rnd)
    elif isinstance(node, bool) or node is None:
        new = rnd.choice([not node, 0, 1, "true", None, [], 2**62])
    elif isinstance(node, (int, float)):
        new = _numbers(node, rnd)
    elif isinstance(node, str):
        new = _strings(node, rnd)
    elif isinstance(node, list):
        new = _lists(node, rnd)
    else:
        new = _dicts(node, rnd)
    return new, shortened(new)


def shortened(node: Any) -> str:
    if isinstance(node, list) and len(node) > 20:
        return f"{dumps(node[:3])[:-1]}, ... ({len(node)} items)]"
    text = node.text if isinstance(node, Raw) else dumps(node)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


# ---------------------------------------------------------------- one edit of a tensor
def tensor_edited(tree: dict[str, Any], body: bytes, rnd: random.Random
                  ) -> tuple[dict[str, Any], bytes, str]:
    """A coherent change of the tensors: header and bytes still agree, so that the file
    gets past the layout checks to the architecture and the state dicts. Raises ValueError
    when an earlier edit left an entry that describes no tensor."""
    if any(decoded(entry, body) is None for key, entry in tree.items() if key != "__metadata__"):
        raise ValueError("an entry no longer describes a tensor")
    tensors = tensors_of(tree, body)
    if not tensors:
        return (*_relaid(tree, {"extra": ("F32", [2], bytes(8))}), "add a tensor F32 [2]")
    name = rnd.choice(sorted(tensors))
    dtype, shape, raw = tensors[name]
    size = DTYPES[dtype].itemsize
    numel = len(raw) // size
    one = raw[:size].ljust(size, b"\0")
    many = rnd.choice([65, 65, 65, 80_000])  # one past NumPy's limit, or the slow 80 000
    choices: list[tuple[str, Any]] = [
        ("flattened", (dtype, [numel], raw)), ("a leading 1", (dtype, [1, *shape], raw)),
        ("reversed", (dtype, shape[::-1], raw)),
        (f"{many} dimensions", (dtype, [1] * many, one)),
        ("[0, 2**62]", (dtype, [0, 2**62], b"")), ("[2**62, 0]", (dtype, [2**62, 0], b"")),
        ("dropped", None), ("renamed", name + "x"), ("copied as 'extra'", "extra"),
    ]
    # Zeros, not the old bytes reread: a reinterpreted float may be NaN, and NaN weights
    # are data stir may load, not a malformed file.
    new_dtype = rnd.choice(sorted(DTYPES))
    choices.append((f"dtype {new_dtype}",
                    (new_dtype, shape, bytes(numel * DTYPES[new_dtype].itemsize))))
    if shape:
        axis = rnd.randrange(len(shape))
        length = rnd.choice([shape[axis] + 1, max(shape[axis] - 1, 0), 2 * shape[axis], 0])
        resized = [*shape[:axis], length, *shape[axis + 1:]]
        nbytes = size * math.prod(resized)
        choices.append((f"axis {axis} → {length}",
                        (dtype, resized, raw[:nbytes].ljust(nbytes, b"\0"))))
    if dtype in ("I64", "I32") and numel:  # indices (fit's order, targets): one out of range
        value = rnd.choice([-1, 999, 2**31 - 1])
        at = rnd.randrange(numel) * size
        raw = raw[:at] + value.to_bytes(size, "little", signed=True) + raw[at + size:]
        choices.append((f"entry {at // size} → {value}", (dtype, shape, raw)))
    label, change = rnd.choice(choices)
    if change is None:
        del tensors[name]
    elif change == "extra":
        tensors["extra"] = tensors[name]
    elif isinstance(change, str):
        tensors = {change if key == name else key: value for key, value in tensors.items()}
    else:
        tensors[name] = change
    return (*_relaid(tree, tensors), f"tensor {name!r}: {label}")


def _relaid(tree: dict[str, Any], tensors: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    entries, body = layout(tensors)
    return {"__metadata__": tree["__metadata__"], **entries}, body


# ---------------------------------------------------------------- mutants
def node_paths(tree: Any) -> list[tuple[Any, ...]]:
    """The path of every node of the header tree, into the JSON of each "stir.*" field."""
    found, stack = [], [((), tree)]
    while stack:
        path, node = stack.pop()
        found.append(path)
        if isinstance(node, Embedded):
            stack.append(((*path, INTO_FIELD), node.value))
        elif isinstance(node, dict):
            stack.extend(((*path, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))
    return sorted(found, key=lambda path: [str(step) for step in path])


def node_at(tree: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        tree = tree.value if isinstance(tree, Embedded) else tree[step]
    return tree


@dataclass(frozen=True)
class Prepared:
    seed: Seed
    tree: dict[str, Any]
    body: bytes
    paths: list[tuple[Any, ...]]


@cache
def prepared() -> tuple[Prepared, ...]:
    return tuple(Prepared(seed, *split(seed.data), node_paths(split(seed.data)[0]))
                 for seed in seeds())


@dataclass(frozen=True)
class Mutant:
    seed: Seed
    reader: str
    data: bytes
    edit: str


def trial_mutant(seed: int, trial: int) -> Mutant:
    """Trial number `trial` of the run seeded `seed`: which file, which edit, which reader."""
    rnd = random.Random(f"{seed}:{trial}")
    base = prepared()[trial % len(prepared())]
    reader = rnd.choice(base.seed.readers)
    tree, body, edits = base.tree, base.body, []
    while not edits or rnd.random() < SECOND_EDITS:
        if rnd.random() < TENSOR_EDITS:
            try:
                tree, body, edit = tensor_edited(tree, body, rnd)
            except (KeyError, IndexError, TypeError, AttributeError, ValueError):
                break  # the first edit broke the tensor entries: nothing coherent to change
            edits.append(edit)
            continue
        path = rnd.choice(base.paths)  # the original's: after a first edit it may be gone
        try:
            node = node_at(tree, path)
        except (KeyError, IndexError, TypeError, AttributeError):
            break
        new, edit = edited(node, rnd)
        tree = replaced(tree, path, new)
        edits.append(f"{'/'.join(map(str, path)) or '(the header)'} → {edit}")
    return Mutant(base.seed, reader, seal(tree, body), " + ".join(edits))


# ---------------------------------------------------------------- the run and its report
@dataclass
class Tally:
    """What a run saw: outcomes by reader and type, the worst memory and time, and each
    distinct failure (by cause) with its count and first example."""

    seed: int
    mutants: int = 0
    outcomes: Counter = field(default_factory=Counter)
    checksum_refusals: int = 0
    worst_ratio: tuple[float, str] = (0.0, "")
    worst_peak: tuple[int, str] = (0, "")
    slowest: tuple[float, str] = (0.0, "")
    failures: dict[str, list[Any]] = field(default_factory=dict)
    hangs: int = 0
    seconds: float = 0.0

    def add(self, trial: int, mutant: Mutant, result: Attempt) -> None:
        self.mutants += 1
        self.outcomes[(mutant.reader, result.outcome)] += 1
        if result.refused and "checksum does not match" in str(result.error):
            self.checksum_refusals += 1
        size = len(mutant.data)
        name = f"trial {trial} ({mutant.seed.name} via {mutant.reader})"
        self.worst_ratio = max(self.worst_ratio, (result.peak / size, name))
        self.worst_peak = max(self.worst_peak, (result.peak, name))
        self.slowest = max(self.slowest, (result.seconds, name))
        problem = breaks_promise(result, size)
        if problem is None:
            return
        self.hangs += result.outcome == "Hang"
        entry = self.failures.setdefault(cause(mutant, result), [0, None])
        entry[0] += 1
        phase = f", in {result.phase}" if result.phase else ""
        entry[1] = entry[1] or (f"seed {self.seed}, {name}, {size} bytes, edit "
                                f"[{mutant.edit}]{phase}: {problem}")

    def merge(self, other: Tally) -> None:
        """Add what another process's share of the trials saw."""
        self.mutants += other.mutants
        self.outcomes += other.outcomes
        self.checksum_refusals += other.checksum_refusals
        self.worst_ratio = max(self.worst_ratio, other.worst_ratio)
        self.worst_peak = max(self.worst_peak, other.worst_peak)
        self.slowest = max(self.slowest, other.slowest)
        self.hangs += other.hangs
        for key, (count, example) in other.failures.items():
            entry = self.failures.setdefault(key, [0, example])
            entry[0] += count

    def report(self) -> str:
        totals: Counter = Counter()
        for (_, outcome), count in self.outcomes.items():
            totals[outcome] += count
        rate = self.mutants / max(self.seconds, 1e-9)
        lines = [(f"structured fuzz, seed {self.seed}: {self.mutants} mutants in "
                  f"{self.seconds:.1f} s ({rate:.0f}/s); outcomes:")]
        for outcome, total in totals.most_common():
            readers = ", ".join(f"{reader} {count}" for (reader, kind), count
                                in sorted(self.outcomes.items()) if kind == outcome)
            lines.append(f"  {outcome} {total} ({readers})")
        lines += [
            f"refused for the checksum: {self.checksum_refusals}",
            (f"worst memory ratio: {self.worst_ratio[0]:.1f}x the file, {self.worst_ratio[1]};"
             f" largest peak {self.worst_peak[0] / MIB:.2f} MiB, {self.worst_peak[1]}"),
            f"slowest load: {self.slowest[0]:.3f} s, {self.slowest[1]}",
            f"{len(self.failures)} distinct failures:",
        ]
        for key, (count, example) in sorted(self.failures.items(), key=lambda kv: -kv[1][0]):
            lines.append(f"  [{count}x] {key}\n      e.g. {example}")
        return "\n".join(lines)


def cause(mutant: Mutant, result: Attempt) -> str:
    """What groups failures: the exception and the line of stir that raised it, or for
    memory, time and changed objects, the reader and the edited field."""
    where = source_line(result.error) if result.error is not None else ""
    if result.error is not None and not result.refused and result.outcome != "TrainingError":
        return f"{result.outcome} at {where or '(outside stir)'}"
    if result.changed:
        return f"{mutant.reader}: refused at {where} after changing {result.changed[0]}"
    field_name = mutant.edit.split(" → ")[0]
    field_name = "/".join("*" if step.isdigit() else step for step in field_name.split("/"))
    kind = "memory" if result.seconds < 1.0 else "time"
    return f"{kind}: {mutant.seed.name} via {mutant.reader}, {field_name}"


def fuzz(count: int, seed: int, folder: Any, workers: int = WORKERS) -> Tally:
    """Trials 0 … count-1 of the run seeded `seed`, shared out over `workers` processes
    (every trial is reproducible alone, so the split changes no outcome)."""
    started = time.perf_counter()
    if workers <= 1:
        tally = fuzz_trials(range(count), seed, folder)
    else:
        shares = [range(first, count, workers) for first in range(workers)]
        spawn = multiprocessing.get_context("spawn")  # not fork: pytest may hold threads
        with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
            parts = list(pool.map(fuzz_trials, shares, [seed] * workers, [folder] * workers))
        tally = Tally(seed)
        for part in parts:
            tally.merge(part)
    tally.seconds = time.perf_counter() - started
    return tally


def fuzz_trials(trials: range, seed: int, folder: Any) -> Tally:
    """The given trials, in this process, under its memory ceiling."""
    warnings.simplefilter("ignore", RuntimeWarning)  # as the tests' filter says, in a worker
    tally = Tally(seed)
    runs = {base.seed.name: base.seed.make_run() for base in prepared() if base.seed.make_run}
    pristine = {name: run.snapshot() for name, run in runs.items()}
    path = Path(folder) / f"mutant-{os.getpid()}.safetensors"
    try:
        with memory_ceiling():
            for trial in trials:
                mutant = trial_mutant(seed, trial)
                path.write_bytes(mutant.data)
                into = mutant.reader in INTO_OBJECTS
                run = runs.get(mutant.seed.name) if into else None
                result = attempt(mutant.reader, path, mutant.data, run,
                                 pristine.get(mutant.seed.name) if into else None)
                tally.add(trial, mutant, result)
                if tally.hangs >= MAX_HANGS:
                    break
    finally:
        for name, run in runs.items():  # the default generator is shared with other tests
            run.restore(pristine[name])
    return tally


def run_and_check(count: int, seed: int, folder: Any) -> None:
    tally = fuzz(count, seed, folder)
    report = tally.report()
    print(report)
    assert not tally.failures, report
    assert tally.mutants == count, report
    # The recomputed checksum must hold: mutants refused for it never reach the parsers.
    assert tally.checksum_refusals < 0.02 * count, report


# ---------------------------------------------------------------- the tests
def test_the_real_files_cover_every_layer_kind_and_every_reader():
    assert set(LAYER_EXAMPLES) == set(RECIPES)
    assert {reader for base in prepared() for reader in base.seed.readers} == set(READERS)


@pytest.mark.parametrize("base", prepared(), ids=lambda base: base.seed.name)
def test_a_resealed_real_file_loads_with_every_reader(base, tmp_path):
    """The harness itself: a real file, split and sealed again without an edit, passes every
    reader, so a refusal of a mutant is the edit's doing."""
    data = seal(base.tree, base.body)
    path = tmp_path / "resealed.safetensors"
    path.write_bytes(data)
    for reader in sorted(set(base.seed.readers)):
        run = base.seed.make_run() if base.seed.make_run else None
        result = attempt(reader, path, data, run)
        assert result.error is None, (reader, result.error)


@pytest.fixture
def scratch(tmp_path):
    """Where each mutant is written for the readers that take a path: in memory when the
    system has a tmpfs (rewriting a file on disk 20 000 times costs a third of the run)."""
    shared = Path("/dev/shm")
    if shared.is_dir() and os.access(shared, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shared, prefix="stir-fuzz-") as folder:
            yield Path(folder)
    else:
        yield tmp_path


# A checkpoint may be valid and still absurd (a learning rate of 2**200): resumed, it trains
# into overflow, which NumPy warns about. That is the run's business, not the reader's.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_20_000_structured_mutants(scratch):
    run_and_check(DEFAULT_MUTANTS, 0, scratch)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_200_000_structured_mutants(scratch):
    run_and_check(SLOW_MUTANTS, 1, scratch)
