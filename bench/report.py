"""The results: a table of engines, the stage targets, and the Markdown file."""

from __future__ import annotations

from dataclasses import dataclass

from .timing import Settings, Timing

NUMPY = "numpy"
TORCH = "pytorch eager"
TORCH_1_THREAD = "pytorch eager (1 thread)"
STIR = "stir eager"
STIR_MAX_RATIO_TO_NUMPY = 2.0

HEADERS = ("engine", "median µs/step", "IQR µs/step", "× numpy", "× pytorch", "blocks × steps")


@dataclass(frozen=True)
class Target:
    """One goal of this stage and whether the measurement meets it (None: not measurable)."""

    description: str
    met: bool | None
    detail: str

    @property
    def verdict(self) -> str:
        return {True: "MET", False: "NOT MET", None: "NOT CHECKED"}[self.met]


def _ratio(value: float, reference: Timing | None) -> str:
    return "n/a" if reference is None else f"{value / reference.median:.2f}"


def table_rows(timings: dict[str, Timing]) -> list[tuple[str, ...]]:
    """One row of strings per engine, in the order of `timings`."""
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
    return rows


def targets(timings: dict[str, Timing]) -> list[Target]:
    """This stage's targets: stir within 2x of hand-written NumPy, and faster than PyTorch."""
    stir, numpy_timing, torch_timing = timings[STIR], timings[NUMPY], timings.get(TORCH)
    to_numpy = stir.median / numpy_timing.median
    result = [Target(
        f"stir eager <= {STIR_MAX_RATIO_TO_NUMPY:.1f}x hand-written NumPy",
        to_numpy <= STIR_MAX_RATIO_TO_NUMPY,
        f"{to_numpy:.2f}x",
    )]
    if torch_timing is None:
        result.append(Target("stir eager faster than PyTorch eager", None, "PyTorch missing"))
    else:
        to_torch = stir.median / torch_timing.median
        detail = f"{to_torch:.2f}x PyTorch"
        one_thread = timings.get(TORCH_1_THREAD)
        if one_thread is not None:
            detail += f"; {stir.median / one_thread.median:.2f}x PyTorch with 1 thread"
        result.append(Target("stir eager faster than PyTorch eager", to_torch < 1.0, detail))
    return result


def text_report(timings: dict[str, Timing], machine: dict[str, str]) -> str:
    """The table, the targets and the machine as aligned plain text, for the terminal."""
    rows = [HEADERS, *table_rows(timings)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.append("")
    lines.append("Targets for this stage:")
    for target in targets(timings):
        lines.append(f"  [{target.verdict}] {target.description} ({target.detail})")
    lines.append("")
    lines.append("Machine:")
    width = max(len(label) for label in machine)
    lines.extend(f"  {label.ljust(width)}  {value}" for label, value in machine.items())
    return "\n".join(lines)


def markdown_report(
    timings: dict[str, Timing],
    machine: dict[str, str],
    settings: Settings,
    first_losses: dict[str, float],
    date: str,
    command: str,
) -> str:
    """The whole result as a Markdown document."""
    rows = table_rows(timings)
    align = ["---"] + ["---:"] * (len(HEADERS) - 1)
    table = [f"| {' | '.join(HEADERS)} |", f"| {' | '.join(align)} |"]
    table += [f"| {' | '.join(row)} |" for row in rows]
    losses = ", ".join(f"{name} {loss:.6f}" for name, loss in first_losses.items())
    lines = [
        "# Benchmark: one training step of a small MLP",
        "",
        f"Run on {date} with `{command}`.",
        "",
        "Model: Linear(2, 5) → ReLU → Linear(5, 1), batch 100, MSE loss, plain SGD "
        "(lr 0.01), float32, 64 rotating minibatches. One step is forward, backward and "
        "the parameter update.",
        "",
        *table,
        "",
        "Median over blocks of the time per step; IQR is the 25th–75th percentile over "
        "blocks; ratios are of medians. `numpy (repeat)` is the NumPy engine timed again "
        "under another name: its gap to `numpy` shows the noise of the measurement.",
        "",
        "## Targets for this stage",
        "",
        *(f"- **{t.verdict}**: {t.description} ({t.detail})" for t in targets(timings)),
        "",
        "## Machine",
        "",
        *(f"- {label}: {value}" for label, value in machine.items()),
        "",
        "## Method",
        "",
        f"- All engines in one process, checked first to agree (loss on the first batch: "
        f"{losses}; parameters after 3 steps within rtol 1e-4).",
        f"- Each engine warmed up for {settings.warmup_seconds:g} s, then the steps per block "
        f"calibrated to about {settings.block_seconds * 1e3:g} ms.",
        f"- {settings.rounds} rounds, round-robin over the engines (the first engine rotates "
        f"each round), {settings.pause_seconds * 1e3:g} ms pause before every block so that "
        "thread pools left spinning by the previous engine settle.",
        "- Timer: `time.perf_counter`. `pytorch eager` keeps PyTorch's default threads; the "
        "`(1 thread)` row sets `torch.set_num_threads(1)` before each of its blocks (and the "
        "default back before the other row's).",
        "",
    ]
    return "\n".join(lines)
