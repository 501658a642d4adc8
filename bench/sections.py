"""The sections after the step tables: import time, peak memory and time to accuracy, each as
rows, targets, plain text and Markdown."""

from __future__ import annotations

from typing import NamedTuple

from .accuracy import BATCH, HIDDEN, LR, TARGET_ACCURACY, AccuracyResult
from .imports import ImportTimes
from .memory import CONFIG as MEMORY_CONFIG
from .memory import MemoryUse
from .targets import STIR_ROWS, TORCH, Target

MB = 2**20


def aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows of cells as plain-text lines: the first column left-aligned, the others right,
    a rule under the header (the first row).

    >>> aligned([("a", "n"), ("bb", "10")])
    ['a    n', '--  --', 'bb  10']
    """
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def markdown_table(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows of cells as a Markdown table (the first row is the header)."""
    align = ["---"] + ["---:"] * (len(rows[0]) - 1)
    return [f"| {' | '.join(rows[0])} |", f"| {' | '.join(align)} |",
            *(f"| {' | '.join(row)} |" for row in rows[1:])]


# ------------------------------------------------------------------------------ imports
def import_rows(times: ImportTimes) -> list[tuple[str, ...]]:
    """Library, median ms, × numpy."""
    rows = [("import", "median ms", "× numpy", "runs")]
    for module, values in times.seconds.items():
        rows.append((module, f"{times.median(module) * 1e3:.0f}",
                     f"{times.ratio(module):.2f}", str(len(values))))
    rows += [(module, "not installed", "–", "–") for module in times.missing]
    return rows


def import_targets(times: ImportTimes) -> list[Target]:
    ratio = times.ratio("stir")
    return [Target("import stir <= 1.3x import numpy", ratio <= 1.3, f"{ratio:.2f}x")]


# ------------------------------------------------------------------------------ memory
def memory_rows(uses: dict[str, MemoryUse]) -> list[tuple[str, ...]]:
    """Engine, MB above baseline, baseline MB, peak MB, × pytorch (above baseline), and the
    warm step's MB (the peak of the steps after the first above the memory after it)."""
    torch = uses.get(TORCH)
    rows = [("engine", "MB above baseline", "baseline MB", "peak MB", "× pytorch",
             "warm step MB")]
    for name, use in uses.items():
        ratio = "n/a" if torch is None else f"{use.above_baseline / torch.above_baseline:.2f}"
        warm = "–" if use.warm_step is None else f"{use.warm_step / MB:.1f}"
        rows.append((name, f"{use.above_baseline / MB:.1f}", f"{use.baseline / MB:.1f}",
                     f"{use.peak / MB:.1f}", ratio, warm))
    return rows


def memory_targets(uses: dict[str, MemoryUse], config_name: str = MEMORY_CONFIG
                   ) -> list[Target]:
    description = f"peak memory of the {config_name} run (above baseline) <= half of PyTorch's"
    stir = [use.above_baseline for name, use in uses.items() if name in STIR_ROWS]
    if not stir or TORCH not in uses:
        return [Target(description, None, "stir or PyTorch not measured")]
    ratio = min(stir) / uses[TORCH].above_baseline
    return [Target(description, ratio <= 0.5, f"{ratio:.2f}x")]


def memory_method(steps: int, config_name: str = MEMORY_CONFIG) -> str:
    return (f"{steps} training steps of the {config_name} configuration, each engine in a "
            "fresh process. Baseline: resident memory after importing the library and "
            "building the data (the same arrays for all); peak: the high-water mark (VmHWM) "
            "over the training run, reset at the baseline. The target is on peak − baseline. Warm "
            "step: the high-water mark reset again after the first step, the peak of the "
            "later steps above the memory after the first (what a step takes on top of the "
            "parameters, optimizer state, pools and kernels loaded once).")


# ------------------------------------------------------------------------------ accuracy
def _not_reached(result: AccuracyResult) -> str:
    limit = "" if result.max_seconds == float("inf") else f" or {result.max_seconds:g} s"
    return f"not reached in {result.max_epochs} epochs{limit}"


def accuracy_rows(result: AccuracyResult) -> list[tuple[str, ...]]:
    """Library, median seconds to the target, median epochs, × fastest, reached/runs."""
    medians = {name: result.median_seconds(name) for name in result.runs}
    fastest = min((t for t in medians.values() if t is not None), default=None)
    rows = [("library", f"median s to {TARGET_ACCURACY:.0%}", "median epochs", "× fastest",
             "runs reaching it")]
    for name, runs in result.runs.items():
        seconds, epochs = medians[name], result.median_epochs(name)
        reached = sum(run.seconds is not None for run in runs)
        rows.append((
            name,
            _not_reached(result) if seconds is None else f"{seconds:.3f}",
            "–" if epochs is None else f"{epochs:g}",
            "–" if seconds is None or fastest is None else f"{seconds / fastest:.2f}",
            f"{reached}/{len(runs)}",
        ))
    rows += [(name, "unavailable", "–", "–", "–") for name in result.unavailable]
    return rows


def accuracy_targets(result: AccuracyResult) -> list[Target]:
    description = (f"time to {TARGET_ACCURACY:.0%} on digits: stir the fastest of stir, "
                   "PyTorch and scikit-learn")
    stir = [t for name in STIR_ROWS if name in result.runs
            if (t := result.median_seconds(name)) is not None]
    others = {name: result.median_seconds(name) for name in (TORCH, "scikit-learn")
              if name in result.runs}
    if not stir:
        return [Target(description, False if result.runs else None, "stir did not reach it")]
    best = min(stir)
    ratios = [f"{best / t:.2f}x {name}" for name, t in others.items() if t is not None]
    met = all(t is None or best <= t for t in others.values())
    return [Target(description, met, "; ".join(ratios) or "no other library reached it")]


def accuracy_method(result: AccuracyResult) -> str:
    layers = " → ".join(map(str, result.layers or ("in", *HIDDEN, "out")))
    return (f"{result.data_name}; MLP {layers} with ReLU, softmax cross-entropy, Adam (lr "
            f"{LR:g}), batch {BATCH}, Glorot-uniform init, up to {result.max_epochs} epochs; "
            "test accuracy checked after each epoch, off the clock; median over "
            f"{len(next(iter(result.runs.values()), []))} seeds, the libraries taking turns. "
            "stir and PyTorch start from the same weights and shuffles; scikit-learn "
            "(MLPClassifier, partial_fit per epoch, alpha 0) from its own draw.")


# ------------------------------------------------------------------------------ output
def text_section(title: str, rows: list[tuple[str, ...]], targets: list[Target],
                 method: str) -> str:
    """A section as plain text: title, table, method, targets."""
    lines = [f"== {title}", "", *aligned(rows), f"  {method}", "", "Targets:"]
    lines += [f"  [{t.verdict}] {t.description} ({t.detail})" for t in targets]
    return "\n".join(lines)


def markdown_section(title: str, rows: list[tuple[str, ...]], targets: list[Target],
                     method: str) -> list[str]:
    """A section as Markdown lines."""
    return [f"## {title}", "", method, "", *markdown_table(rows), "", "Targets:", "",
            *(f"- **{t.verdict}**: {t.description} ({t.detail})" for t in targets), ""]


class Section(NamedTuple):
    """One section after the step tables, ready to print and to write."""

    title: str
    rows: list[tuple[str, ...]]
    targets: list[Target]
    method: str


def imports_section(times: ImportTimes) -> Section:
    method = ("`import NAME` timed inside a fresh `python -c` process (interpreter start-up "
              "left out), the libraries taking turns; medians over the runs.")
    return Section("import time", import_rows(times), import_targets(times), method)


def memory_section(uses: dict[str, MemoryUse], unavailable: dict[str, str],
                   steps: int, config_name: str = MEMORY_CONFIG) -> Section:
    rows = memory_rows(uses) + [(name, "unavailable", "–", "–", "–", "–")
                                for name in unavailable]
    title = ("peak memory of a training run" if config_name == MEMORY_CONFIG
             else f"peak memory of a {config_name} training run")
    return Section(title, rows, memory_targets(uses, config_name),
                   memory_method(steps, config_name))


def accuracy_section(result: AccuracyResult) -> Section:
    return Section(f"time to {TARGET_ACCURACY:.0%} test accuracy on digits",
                   accuracy_rows(result), accuracy_targets(result), accuracy_method(result))
