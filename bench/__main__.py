"""`python -m bench [--quick] [--out PATH]`: check, time, print and write the results."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path

from .check import MismatchError, check_engines
from .engines import available_engines
from .machine import OtherLoad, describe
from .problem import make_problem
from .report import markdown_report, text_report
from .timing import Settings, run_interleaved

QUICK = Settings(rounds=15, block_seconds=0.04, warmup_seconds=0.3)
FULL = Settings(rounds=60, block_seconds=0.2, warmup_seconds=2.0)
DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"
NOISY_CORES = 0.2  # cores used by other processes above which the run is flagged as noisy


def describe_load(cores: float | None) -> str:
    """A line on how busy other processes kept the CPUs while we were timing."""
    if cores is None:
        return "unknown (no /proc/stat)"
    text = f"{cores:.2f} cores busy with other processes during timing"
    if cores > NOISY_CORES:
        text += " (WARNING: noisy run, PyTorch's threads suffer most; rerun on an idle machine)"
    return text


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time one training step of a small MLP in stir, NumPy and PyTorch.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short run (well under a minute)"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT,
        help="where to write the Markdown results (default: bench/RESULTS.md)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    problem = make_problem(seed=0)
    factories = available_engines()
    try:
        first_losses = check_engines(problem, factories)
    except MismatchError as error:
        print(f"bench: aborted, {error}", file=sys.stderr)
        return 1
    print(f"Engines agree: first-batch loss {first_losses['numpy']:.6f}.")
    print(
        f"Timing {len(factories)} engines, {settings.rounds} rounds of "
        f"~{settings.block_seconds * 1e3:g} ms blocks...",
        flush=True,
    )
    engines = {name: factory(problem) for name, factory in factories.items()}
    other_load = OtherLoad()
    timings = run_interleaved(engines, settings)
    machine = describe()
    machine["other load"] = describe_load(other_load.cores())
    print()
    print(text_report(timings, machine))
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        markdown_report(timings, machine, settings, first_losses, date, command),
        encoding="utf-8",
    )
    print(f"\nWrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
