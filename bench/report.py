"""The results: one table of engines per configuration, the targets, and the Markdown file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .check import CHECK_STEPS, Tolerance
from .names import NUMPY, NUMPY_REPEAT, torch_reference
from .peak import PEAK_ROW, fraction_of_peak, gflops, matmul_flops
from .problem import Config, step_flops
from .targets import Target, config_targets
from .timing import Settings, Timing

REPEAT = NUMPY_REPEAT
TORCH_RATIO = "× pytorch (same style)"
HEADERS = ("engine", "median µs/step", "IQR µs/step", "× numpy", TORCH_RATIO,
           "blocks × steps")


@dataclass(frozen=True)
class ConfigResult:
    """Everything measured on one configuration."""

    config: Config
    timings: dict[str, Timing]
    unavailable: dict[str, str]  # engine name -> why it could not be built
    first_losses: dict[str, float]
    tolerance: Tolerance
    other_load: str
    peak: Timing | None = None  # the float32 matmul, when this configuration is timed on it
    noisy: bool = False  # other processes kept a core busy: PyTorch's threads suffer most


def _ratio(value: float, reference: Timing | None) -> str:
    return "n/a" if reference is None else f"{value / reference.median:.2f}"


def table_rows(result: ConfigResult) -> list[tuple[str, ...]]:
    """One row of strings per engine, timed ones first, then the unavailable ones. The
    "× pytorch" ratio of each row is against the PyTorch row of its style
    (`names.torch_reference`)."""
    timings = result.timings
    numpy_timing = timings.get(NUMPY)
    rows = []
    for name, timing in timings.items():
        q1, q3 = timing.quartiles
        rows.append((
            name,
            f"{timing.median * 1e6:.1f}",
            f"{q1 * 1e6:.1f} – {q3 * 1e6:.1f}",
            _ratio(timing.median, numpy_timing),
            _ratio(timing.median, timings.get(torch_reference(name))),
            f"{len(timing.per_step)} × {timing.steps_per_block}",
        ))
    for name in result.unavailable:
        rows.append((name, "unavailable", "–", "–", "–", "–"))
    return rows


def unavailable_notes(result: ConfigResult) -> list[str]:
    """One sentence per engine that could not be built, with the reason."""
    return [f"{name} engine unavailable: {reason}" for name, reason in result.unavailable.items()]


def ratio_line(result: ConfigResult) -> str:
    """Which PyTorch row each row's "× pytorch" ratio is against, rows grouped by reference.

    The rows of no style (numpy, jax jit) are against pytorch modules, the headline."""
    groups: dict[str, list[str]] = {}
    for name in [*result.timings, *result.unavailable]:
        groups.setdefault(torch_reference(name), []).append(name)
    parts = [f"{', '.join(names)} against {reference}" for reference, names in groups.items()]
    return f"{TORCH_RATIO}: " + "; ".join(parts) + "."


NOISE_LIMIT = 0.10  # numpy (repeat) further than this from numpy: the timing is biased


def summary_lines(all_targets: Sequence[Target], prefix: str = "  ") -> list[str]:
    """Counts of MET / NOT MET / NOT CHECKED, then every target with its verdict."""
    counts = Counter(target.verdict for target in all_targets)
    head = ", ".join(f"{counts[v]} {v}" for v in ("MET", "NOT MET", "NOT CHECKED") if counts[v])
    noun = "target" if len(all_targets) == 1 else "targets"
    return [f"{len(all_targets)} {noun}: {head}.", "",
            *(f"{prefix}[{t.verdict}] {t.description} ({t.detail})" for t in all_targets)]


def noise_line(result: ConfigResult) -> str | None:
    """How far the same NumPy engine, timed twice, measured apart; None without the repeat."""
    first, repeat = result.timings.get(NUMPY), result.timings.get(REPEAT)
    if first is None or repeat is None:
        return None
    gap = repeat.median / first.median - 1
    verdict = ("OK" if abs(gap) <= NOISE_LIMIT else
               "WARNING: the ratios in this table are not trustworthy to this extent")
    return (f"Noise check: {REPEAT} measured {gap:+.1%} from {NUMPY} "
            f"({verdict}, limit ±{NOISE_LIMIT:.0%}).")


def peak_lines(result: ConfigResult) -> list[str]:
    """The matmul peak and each row's fraction of it (configurations timed against it)."""
    if result.peak is None:
        return []
    config, peak = result.config, result.peak.median
    flops = step_flops(config.layers, config.batch)
    fractions = ", ".join(
        f"{name} {fraction_of_peak(config.layers, config.batch, timing.median, peak):.0%}"
        for name, timing in result.timings.items()
    )
    return [
        f"float32 matmul peak ({PEAK_ROW}, timed among the rows): "
        f"{gflops(matmul_flops(), peak):.0f} GFLOP/s ({peak * 1e3:.2f} ms per product).",
        f"The step's matrix products: {flops / 1e9:.2f} GFLOP (6·batch·in·out per layer, "
        f"4· for the first, whose input needs no gradient); at the peak rate "
        f"{flops / (matmul_flops() / peak) * 1e3:.1f} ms. Fraction of the peak: {fractions}.",
    ]


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
    lines.append(f"  {ratio_line(result)}")
    lines += [f"  {line}" for line in peak_lines(result)]
    lines += [f"  {line}" for line in [noise_line(result)] if line]
    lines += ["", "Targets:"]
    lines += [f"  [{t.verdict}] {t.description} ({t.detail})" for t in config_targets(result)]
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
        ratio_line(result),
        "",
        *(line for text in peak_lines(result) for line in (text, "")),
        *(line for text in [noise_line(result)] if text for line in (text, "")),
        "Targets:",
        "",
        *(f"- **{t.verdict}**: {t.description} ({t.detail})" for t in config_targets(result)),
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
    extra: tuple[str, ...] = (),
    all_targets: tuple[Target, ...] = (),
) -> str:
    """The whole result as a Markdown document: `extra` is the Markdown of the sections after
    the step tables, `all_targets` every target of the run for the summary at the top."""
    lines = [
        "# Benchmark: training small networks in stir, NumPy, PyTorch, JAX and scikit-learn",
        "",
        f"Run on {date} with `{command}`.",
        "",
        *([f"stir under test: {machine['stir']}.", ""] if "stir" in machine else []),
        *(["## Targets", "", *summary_lines(all_targets, "- "), ""] if all_targets else []),
        "One step is forward, backward and the parameter update. Each table gives the median "
        "over blocks of the time per step; IQR is the 25th–75th percentile over blocks; "
        "ratios are of medians. `numpy (repeat)` is the NumPy engine timed again under "
        "another name: its gap to `numpy` shows the noise of the measurement.",
        "",
        "Each stir and PyTorch row names the style its step is written in, and "
        f"`{TORCH_RATIO}` compares it with PyTorch's row of the same style. `modules`: "
        "`nn.Sequential` of `Linear` and `ReLU`, the loss function, `optim.SGD`, then "
        "`zero_grad()`, `loss.backward()`, `step()` (the headline; in cnn and lstm the "
        "same step on LeNet-5's `nn.Sequential` and on an `nn.LSTM` classifier, built by "
        "the same code in both libraries). `functional` (tiny and "
        "curious): `F.linear`, `.relu()`, `F.mse_loss` on the parameter tensors, "
        "`loss.backward()`, then `p -= lr * grad` and the gradient set to None for each "
        "parameter under no_grad, the same operations in stir and PyTorch; `(raw ops)` "
        "writes stir's functional step with tensor operators only. `compiled`: the modules "
        "step given to `stir.compile`. The rows of no style (`numpy`, `jax jit`) are "
        "compared with `pytorch modules`.",
        "",
    ]
    for result in results:
        lines += _markdown_section(result)
    lines += extra
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
        "- Timer: `time.perf_counter`. `pytorch modules` and `pytorch functional` keep "
        "PyTorch's default threads; the `(1 thread)` row sets `torch.set_num_threads(1)` "
        "before each of its blocks (and the default back before the other rows'). NumPy's "
        "BLAS keeps its default threads.",
        "- `numpy` in cnn: im2col by `sliding_window_view` and one matrix product per "
        "convolution (and per gradient), 2×2 max pooling by a reshape; in lstm: every "
        "step's input terms in one product per layer, then the recurrence step by step, "
        "backpropagation through time by hand. No JAX rows there (its step is an MLP's).",
        "- `jax jit`: one `jax.jit` step function (`value_and_grad`, SGD by `tree_map`), "
        "blocking on the loss every step, so the timer sees the computation, not just its "
        "dispatch.",
        "- `stir compiled`: `step = stir.compile(model, loss_fn, optimizer)`, then "
        "`step(x, t)`; the same model, loss and optimizer as `stir modules`.",
        "- The matmul peaks of the machine section: the float32 1024³ product timed on its "
        "own, once in this process with the OpenBLAS variables as set, once in a child "
        "process whose environment lacks OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE.",
        "",
    ]
    return "\n".join(lines)
