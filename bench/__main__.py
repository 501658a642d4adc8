"""`python -m bench [--quick] [--only tiny,mnist,curious] [--out PATH]`: check, time, print
and write the results."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import NamedTuple

from .check import MismatchError, check_engines, tolerance_for
from .engines import EngineFactory, engines_for, split_available
from .machine import OtherLoad, describe
from .problem import CONFIGS, Problem, make_problem
from .report import ConfigResult, markdown_report, text_machine, text_table
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


def config_names(text: str) -> list[str]:
    """The configurations named in a comma-separated list, checked against `CONFIGS`."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in CONFIGS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown configuration(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(CONFIGS)}"
        )
    return list(dict.fromkeys(names))  # drop repeats, keep the order


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time one training step of small MLPs in stir, NumPy and PyTorch.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short run (under a minute in all)"
    )
    parser.add_argument(
        "--only", type=config_names, default=list(CONFIGS), metavar="NAMES",
        help=f"comma-separated configurations to run (default: all, {','.join(CONFIGS)})",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT,
        help="where to write the Markdown results (default: bench/RESULTS.md)",
    )
    return parser.parse_args(argv)


class Checked(NamedTuple):
    """A configuration ready to time: its problem, its engines, and what the check found."""

    problem: Problem
    factories: dict[str, EngineFactory]
    unavailable: dict[str, str]  # engine name -> why it could not be built
    first_losses: dict[str, float]


def check_all(names: list[str]) -> list[Checked]:
    """Build and check every configuration's engines before timing any (fails early)."""
    checked = []
    for name in names:
        problem = make_problem(CONFIGS[name], seed=0)
        factories, unavailable = split_available(problem, engines_for(problem.config))
        first_losses = check_engines(problem, factories)
        print(f"{name}: engines agree, first-batch loss {first_losses['numpy']:.6f}.")
        for engine, reason in unavailable.items():
            print(f"{name}: {engine} unavailable: {reason}")
        checked.append(Checked(problem, factories, unavailable, first_losses))
    return checked


def time_config(checked: Checked, settings: Settings) -> ConfigResult:
    """Time one configuration's engines, interleaved."""
    problem, factories = checked.problem, checked.factories
    print(
        f"\n{problem.config.name}: timing {len(factories)} engines, {settings.rounds} rounds "
        f"of ~{settings.block_seconds * 1e3:g} ms blocks...",
        flush=True,
    )
    engines = {name: factory(problem) for name, factory in factories.items()}
    other_load = OtherLoad()
    timings = run_interleaved(engines, settings)
    return ConfigResult(
        config=problem.config,
        timings=timings,
        unavailable=checked.unavailable,
        first_losses=checked.first_losses,
        tolerance=tolerance_for(problem),
        other_load=describe_load(other_load.cores()),
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    try:
        checked = check_all(args.only)
    except MismatchError as error:
        print(f"bench: aborted, {error}", file=sys.stderr)
        return 1
    results = []
    for item in checked:
        results.append(time_config(item, settings))
        print()
        print(text_table(results[-1]), flush=True)
    machine = describe()
    print()
    print(text_machine(machine))
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown_report(results, machine, settings, date, command),
                        encoding="utf-8")
    print(f"\nWrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
