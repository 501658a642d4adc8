"""The results: one table of engines per configuration, the targets, and the Markdown file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .check import CHECK_STEPS, Tolerance
from .problem import Config
from .timing import Settings, Timing

NUMPY = "numpy"
TORCH = "pytorch eager"
TORCH_1_THREAD = "pytorch eager (1 thread)"
STIR = "stir eager"

HEADERS = ("engine", "median µs/step", "IQR µs/step", "× numpy", "× pytorch", "blocks × steps")


class Goal(NamedTuple):
    """What stir eager must reach on one configuration."""

    max_to_numpy: float | None  # at most this × hand-written NumPy's time; None: only stated
    max_to_torch: float  # at most this × PyTorch eager's time
    strictly_faster: bool  # "<" rather than "<=" against PyTorch


# tiny measures per-operation overhead, where stir has to stay close to the NumPy floor;
# on mnist the matrix products dominate and the goal is to keep up with PyTorch.
GOALS = {
    "tiny": Goal(max_to_numpy=2.0, max_to_torch=1.0, strictly_faster=True),
    "mnist": Goal(max_to_numpy=None, max_to_torch=1.0, strictly_faster=False),
    # seed 000's one-sample loop: within 1.5x of the NumPy loop, and faster than PyTorch
    "curious": Goal(max_to_numpy=1.5, max_to_torch=1.0, strictly_faster=True),
}
DEFAULT_GOAL = GOALS["mnist"]


@dataclass(frozen=True)
class Target:
    """One goal of this stage and whether the measurement meets it (None: not measurable)."""

    description: str
    met: bool | None
    detail: str

    @property
    def verdict(self) -> str:
        return {True: "MET", False: "NOT MET", None: "NOT CHECKED"}[self.met]


@dataclass(frozen=True)
class ConfigResult:
    """Everything measured on one configuration."""

    config: Config
    timings: dict[str, Timing]
    unavailable: dict[str, str]  # engine name -> why it could not be built
    first_losses: dict[str, float]
    tolerance: Tolerance
    other_load: str


def _ratio(value: float, reference: Timing | None) -> str:
    return "n/a" if reference is None else f"{value / reference.median:.2f}"


def table_rows(result: ConfigResult) -> list[tuple[str, ...]]:
    """One row of strings per engine, timed ones first, then the unavailable ones."""
    timings = result.timings
    numpy_timing, torch_timing = timings.get(NUMPY), timings.get(TORCH)
    rows = []
    for name, timing in timings.items():
        q1, q3 = timing.quartiles
        rows.append((
            name,
            f"{timing.median * 1e6:.1f}",
            f"{q1 * 1e6:.1f} – {q3 * 1e6:.1f}",
            _ratio(timing.median, numpy_timing),
            _ratio(timing.median, torch_timing),
            f"{len(timing.per_step)} × {timing.steps_per_block}",
        ))
    for name in result.unavailable:
        rows.append((name, "unavailable", "–", "–", "–", "–"))
    return rows


def unavailable_notes(result: ConfigResult) -> list[str]:
    """One sentence per engine that could not be built, with the reason."""
    notes = []
    for name, reason in result.unavailable.items():
        label = f"stir {result.config.name} engine" if name == STIR else f"{name} engine"
        notes.append(f"{label} unavailable: {reason}")
    return notes


def targets(result: ConfigResult) -> list[Target]:
    """The configuration's targets (`GOALS`), checked on the medians."""
    timings, goal = result.timings, GOALS.get(result.config.name, DEFAULT_GOAL)
    torch_goal = ("stir eager faster than PyTorch eager" if goal.strictly_faster else
                  f"stir eager at least as fast as PyTorch eager (ratio <= "
                  f"{goal.max_to_torch:.1f})")
    numpy_goal = f"stir eager <= {goal.max_to_numpy or 0:.1f}x hand-written NumPy"
    stir, numpy_timing, torch_timing = timings.get(STIR), timings[NUMPY], timings.get(TORCH)
    if stir is None:
        why = f"stir eager unavailable: {result.unavailable.get(STIR, 'not run')}"
        missing = [numpy_goal] if goal.max_to_numpy is not None else []
        return [Target(text, None, why) for text in [*missing, torch_goal]]
    to_numpy = stir.median / numpy_timing.median
    result_targets = []
    if goal.max_to_numpy is not None:
        result_targets.append(
            Target(numpy_goal, to_numpy <= goal.max_to_numpy, f"{to_numpy:.2f}x")
        )
    if torch_timing is None:
        result_targets.append(Target(torch_goal, None, "PyTorch missing"))
        return result_targets
    to_torch = stir.median / torch_timing.median
    detail = f"{to_torch:.2f}x PyTorch"
    one_thread = timings.get(TORCH_1_THREAD)
    if one_thread is not None:
        detail += f"; {stir.median / one_thread.median:.2f}x PyTorch with 1 thread"
    if goal.max_to_numpy is None:
        detail += f"; {to_numpy:.2f}x hand-written NumPy"
    met = (to_torch < goal.max_to_torch if goal.strictly_faster
           else to_torch <= goal.max_to_torch)
    result_targets.append(Target(torch_goal, met, detail))
    return result_targets


def text_table(result: ConfigResult) -> str:
    """One configuration's table, notes, targets and load as aligned plain text."""
    config = result.config
    rows = [HEADERS, *table_rows(result)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = [f"== {config.name}: {config.describe()}", ""]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [f"  note: {note}" for note in unavailable_notes(result)]
    lines += ["", "Targets:"]
    lines += [f"  [{t.verdict}] {t.description} ({t.detail})" for t in targets(result)]
    lines.append(f"Other load: {result.other_load}")
    return "\n".join(lines)


def text_machine(machine: dict[str, str]) -> str:
    """The machine description as aligned plain text."""
    width = max(len(label) for label in machine)
    lines = ["Machine:"]
    lines += [f"  {label.ljust(width)}  {value}" for label, value in machine.items()]
    return "\n".join(lines)


def _markdown_section(result: ConfigResult) -> list[str]:
    config, tolerance = result.config, result.tolerance
    align = ["---"] + ["---:"] * (len(HEADERS) - 1)
    table = [f"| {' | '.join(HEADERS)} |", f"| {' | '.join(align)} |"]
    table += [f"| {' | '.join(row)} |" for row in table_rows(result)]
    losses = ", ".join(f"{name} {loss:.6f}" for name, loss in result.first_losses.items())
    return [
        f"## {config.name}",
        "",
        f"{config.describe()}. What it measures: {config.summary}.",
        "",
        *table,
        "",
        *(f"**Note:** {note}" for note in unavailable_notes(result)),
        *([""] if result.unavailable else []),
        "Targets:",
        "",
        *(f"- **{t.verdict}**: {t.description} ({t.detail})" for t in targets(result)),
        "",
        f"Other load: {result.other_load}.",
        "",
        f"Agreement before timing: loss on the first batch {losses}; losses and parameters "
        f"after {CHECK_STEPS} steps within rtol {tolerance.rtol:g}, atol "
        f"{tolerance.atol:g}, and the {CHECK_STEPS}-step updates within "
        f"{tolerance.update:g} of the largest NumPy update.",
        "",
    ]


def markdown_report(
    results: list[ConfigResult],
    machine: dict[str, str],
    settings: Settings,
    date: str,
    command: str,
) -> str:
    """The whole result as a Markdown document."""
    lines = [
        "# Benchmark: one training step of small MLPs",
        "",
        f"Run on {date} with `{command}`.",
        "",
        "One step is forward, backward and the parameter update. Each table gives the median "
        "over blocks of the time per step; IQR is the 25th–75th percentile over blocks; "
        "ratios are of medians. `numpy (repeat)` is the NumPy engine timed again under "
        "another name: its gap to `numpy` shows the noise of the measurement.",
        "",
    ]
    for result in results:
        lines += _markdown_section(result)
    lines += [
        "## Machine",
        "",
        *(f"- {label}: {value}" for label, value in machine.items()),
        "",
        "## Method",
        "",
        "- The configurations run one after the other; within one, all engines run in one "
        "process and are checked first to agree with hand-written NumPy.",
        f"- Each engine warmed up for {settings.warmup_seconds:g} s, then the steps per block "
        f"calibrated to about {settings.block_seconds * 1e3:g} ms.",
        f"- {settings.rounds} rounds, round-robin over the engines (the first engine rotates "
        f"each round), {settings.pause_seconds * 1e3:g} ms pause before every block so that "
        "thread pools left spinning by the previous engine settle.",
        "- Timer: `time.perf_counter`. `pytorch eager` keeps PyTorch's default threads; the "
        "`(1 thread)` row sets `torch.set_num_threads(1)` before each of its blocks (and the "
        "default back before the other row's). NumPy's BLAS keeps its default threads.",
        "",
    ]
    return "\n".join(lines)
