"""`python -m bench.versus BEFORE [--after DIR] [--only tiny,curious] [--processes N]`:
the stir rows of two checkouts, before and after a change, timed in alternating processes.

On a shared virtual machine one whole process can run several percent faster or slower than
the next (seen here: NumPy's dot of a small matrix 0.63 µs in one process, 1.03 µs in
another), so two separate runs of `python -m bench` cannot tell a 3% change from noise.
Here each of N rounds starts one process per checkout, in alternating order, each timing
every stir row of a configuration for a few blocks; a row's figure per process is its median
block. The report gives each row's median over the processes, the median of the per-round
ratios (after / before, paired: the two processes of a round ran back to back), and their
interquartile range, the noise. A row counts as slower only when even the lower quartile of
its ratios is above 1 + `--margin`.

    python -m bench.versus /tmp/base/src           # the installed stir is "after"
    python -m bench.versus /tmp/base/src --after src --only tiny --processes 12
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from .names import STIR_COMPILED, STIR_FUNCTIONAL, STIR_MODULES, STIR_RAW_OPS
from .problem import CONFIGS

STIR_ROWS = (STIR_MODULES, STIR_FUNCTIONAL, STIR_RAW_OPS, STIR_COMPILED)
DEFAULT_CONFIGS = ("tiny", "curious", "mnist")


def time_rows(config_name: str, blocks: int, block_seconds: float) -> dict[str, float]:
    """In this process: the median seconds per step of each stir row of the configuration
    (the rows this stir can build), over `blocks` blocks of about `block_seconds` each."""
    from .problem import make_problem
    from .rows import engines_for, split_available
    from .timing import calibrate, time_block, warm_up

    problem = make_problem(CONFIGS[config_name], seed=0)
    wanted = {name: factory for name, factory in engines_for(problem.config).items()
              if name in STIR_ROWS}
    factories, _ = split_available(problem, wanted)
    engines = {name: factory(problem) for name, factory in factories.items()}
    sizes = {}
    for name, engine in engines.items():
        warm_up(engine.step, 0.3)
        sizes[name] = calibrate(engine.step, block_seconds)
    per_step: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(blocks):
        for name, engine in engines.items():
            per_step[name].append(time_block(engine.step, sizes[name]))
    return {name: statistics.median(values) for name, values in per_step.items()}


def run_child(source: Path, config_name: str, blocks: int, block_seconds: float
              ) -> dict[str, float]:
    """`time_rows` in a new process that imports stir from `source` (None: the installed)."""
    command = [sys.executable, "-m", "bench.versus", "--child", config_name,
               "--blocks", str(blocks), "--block-seconds", str(block_seconds)]
    if source is not None:
        command += ["--stir-src", str(source)]
    done = subprocess.run(command, capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise RuntimeError(f"the timing process for {source or 'the installed stir'} failed:"
                           f"\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class RowComparison(NamedTuple):
    row: str
    before: float  # median over processes, seconds per step
    after: float
    ratio: float  # median of the paired per-round ratios after / before
    low: float  # their quartiles
    high: float

    def verdict(self, margin: float) -> str:
        if self.low > 1 + margin:
            return "slower"
        if self.high < 1 - margin:
            return "faster"
        return "same (within noise)"


def compare(rounds: list[tuple[dict[str, float], dict[str, float]]]) -> list[RowComparison]:
    """Each row timed by both checkouts in every round, compared round by round."""
    rows = [row for row in STIR_ROWS if all(row in b and row in a for b, a in rounds)]
    result = []
    for row in rows:
        ratios = sorted(after[row] / before[row] for before, after in rounds)
        low, _, high = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
        result.append(RowComparison(
            row, statistics.median(b[row] for b, _ in rounds),
            statistics.median(a[row] for _, a in rounds),
            statistics.median(ratios), low, high))
    return result


def markdown(config_name: str, rows: list[RowComparison], processes: int,
             margin: float) -> str:
    lines = [f"### {config_name} ({processes} processes per checkout)", "",
             "| row | before µs/step | after µs/step | after / before | quartiles | verdict |",
             "|---|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r.row} | {r.before * 1e6:.1f} | {r.after * 1e6:.1f} | "
                     f"{r.ratio:.3f} | {r.low:.3f}–{r.high:.3f} | {r.verdict(margin)} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.versus", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", nargs="?", type=Path,
                        help="the stir before the change: a checkout or its src/")
    parser.add_argument("--after", type=Path, default=None,
                        help="the stir after it (default: the installed one)")
    parser.add_argument("--only", default=",".join(DEFAULT_CONFIGS),
                        help=f"configurations (default: {','.join(DEFAULT_CONFIGS)})")
    parser.add_argument("--processes", type=int, default=10,
                        help="processes per checkout and configuration (default: 10)")
    parser.add_argument("--blocks", type=int, default=5, help="blocks per row per process")
    parser.add_argument("--block-seconds", type=float, default=0.1)
    parser.add_argument("--margin", type=float, default=0.01,
                        help="a change smaller than this fraction is no change (default 0.01)")
    parser.add_argument("--child", metavar="CONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--stir-src", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is None and args.before is None:
        parser.error("give the checkout to compare with (BEFORE)")
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown or not names:
        parser.error(f"unknown configuration(s) {', '.join(unknown) or '(none)'}; "
                     f"choose from {', '.join(CONFIGS)}")
    if args.processes < 2:
        parser.error("--processes must be at least 2, to measure the noise")
    args.only = names
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        if args.stir_src is not None:
            from .source import use_stir_source
            use_stir_source(args.stir_src)
        timings = time_rows(args.child, args.blocks, args.block_seconds)
        print(json.dumps(timings))
        return 0
    for config_name in args.only:
        rounds = []
        for index in range(args.processes):
            print(f"{config_name}: round {index + 1}/{args.processes}", file=sys.stderr,
                  flush=True)
            sources = [args.before, args.after]
            if index % 2:  # alternate which goes first, so that drift falls on both
                sources.reverse()
            got = {str(s): run_child(s, config_name, args.blocks, args.block_seconds)
                   for s in sources}
            rounds.append((got[str(args.before)], got[str(args.after)]))
        print(markdown(config_name, compare(rounds), args.processes, args.margin), "\n",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
