"""`python -m bench [--quick] [--only tiny,mnist,...,accuracy] [--out PATH] [--stir-src DIR]`:
check, time, print and write the results."""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import sys
from pathlib import Path
from typing import NamedTuple

from .accuracy import measure_accuracy
from .check import MismatchError, check_engines, tolerance_for
from .engines import EngineFactory
from .imports import LIBRARIES, measure_imports
from .machine import OtherLoad, describe
from .memory import CONFIGS as MEMORY_CONFIGS
from .memory import ENGINES as MEMORY_ENGINES
from .memory import measure_memory
from .names import NUMPY, STIR_COMPILED, STIR_MODULES, TORCH_MODULES
from .peak import PEAK_CONFIGS, PEAK_ROW, matmul_engine, measure_peaks
from .problem import CONFIGS, Problem, make_problem
from .report import ConfigResult, markdown_report, summary_lines, text_machine, text_table
from .rows import engines_for, split_available
from .sections import (
    Section, accuracy_section, imports_section, markdown_section, memory_section, text_section,
)
from .source import SourceError, describe_harness, describe_stir, use_stir_source
from .targets import config_targets
from .timing import Settings, run_interleaved

# --quick must stay around a minute for 4 configurations of up to 10 rows and the sections
QUICK = Settings(rounds=10, block_seconds=0.03, warmup_seconds=0.2)
FULL = Settings(rounds=60, block_seconds=0.15, warmup_seconds=2.0)  # ~10 minutes
SECTIONS = ("memory", "imports", "accuracy")  # run after the step tables, in this order


class SectionSettings(NamedTuple):
    """How much of each section after the step tables to run."""

    memory_steps: int
    import_rounds: int
    accuracy_seeds: int
    accuracy_epochs: int
    accuracy_seconds: float  # training time after which a run gives up
    everything: bool = True  # False: memory and imports only of what the targets compare


QUICK_SECTIONS = SectionSettings(memory_steps=20, import_rounds=5, accuracy_seeds=3,
                                 accuracy_epochs=40, accuracy_seconds=2.0, everything=False)
FULL_SECTIONS = SectionSettings(memory_steps=200, import_rounds=9, accuracy_seeds=9,
                                accuracy_epochs=100, accuracy_seconds=10.0)
QUICK_MEMORY_ENGINES = (STIR_MODULES, STIR_COMPILED, NUMPY, TORCH_MODULES)
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
    """The configurations and sections named in a comma-separated list, checked against
    `CONFIGS` and `SECTIONS`."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in (*CONFIGS, *SECTIONS)]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown configuration(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join((*CONFIGS, *SECTIONS))}"
        )
    return list(dict.fromkeys(names))  # drop repeats, keep the order


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Time one training step of small networks (MLPs, LeNet-5, an LSTM) in "
                    "stir, NumPy, PyTorch and JAX; then peak memory, import time and time to "
                    "accuracy.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short run (under a minute in all)"
    )
    parser.add_argument(
        "--only", type=config_names, default=[*CONFIGS, *SECTIONS], metavar="NAMES",
        help="comma-separated configurations and sections to run (default: all, "
             f"{','.join((*CONFIGS, *SECTIONS))})",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT,
        help="where to write the Markdown results (default: bench/RESULTS.md)",
    )
    parser.add_argument(
        "--stir-src", type=Path, default=None, metavar="DIR",
        help="time the stir package under DIR (a checkout's src/, or the checkout) instead "
             "of the installed one, in this process and its children; for before/after "
             "comparisons with the same harness (PYTHONPATH=DIR python -m bench works too)",
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
    if problem.config.name in PEAK_CONFIGS:
        engines[PEAK_ROW] = matmul_engine()
    other_load = OtherLoad()
    timings = run_interleaved(engines, settings)
    peak = timings.pop(PEAK_ROW, None)
    cores = other_load.cores()
    return ConfigResult(
        config=problem.config,
        timings=timings,
        unavailable=checked.unavailable,
        first_losses=checked.first_losses,
        tolerance=tolerance_for(problem),
        other_load=describe_load(cores),
        peak=peak,
        noisy=cores is not None and cores > NOISY_CORES,
    )


def run_sections(names: list[str], settings: SectionSettings) -> list[Section]:
    """The sections after the step tables that `names` selects, each printed when done."""
    sections = []
    for config_name in MEMORY_CONFIGS if "memory" in names else ():
        print(f"\nmemory ({config_name}): {settings.memory_steps} steps of each engine, one "
              "process each...", flush=True)
        engines = MEMORY_ENGINES[config_name]
        if not settings.everything:
            engines = tuple(name for name in engines if name in QUICK_MEMORY_ENGINES)
        uses, unavailable = measure_memory(settings.memory_steps, engines, config_name)
        sections.append(memory_section(uses, unavailable, settings.memory_steps,
                                       config_name))
    if "imports" in names:
        print(f"\nimports: {settings.import_rounds} rounds...", flush=True)
        # after the memory runs the files are cached: no warm-up round needed
        times = measure_imports(settings.import_rounds, 0 if "memory" in names else 1,
                                LIBRARIES if settings.everything else ("numpy", "stir"))
        sections.append(imports_section(times))
    if "accuracy" in names:
        print(f"\naccuracy: {settings.accuracy_seeds} seeds...", flush=True)
        other_load = OtherLoad()
        result = measure_accuracy(settings.accuracy_seeds, settings.accuracy_epochs,
                                  settings.accuracy_seconds)
        section = accuracy_section(result)
        cores = other_load.cores()
        if cores is not None and cores > NOISY_CORES:
            section = section._replace(targets=[
                dataclasses.replace(t, detail=f"{t.detail}; NOISY RUN, not reliable")
                for t in section.targets
            ])
        load = describe_load(cores)
        sections.append(section._replace(method=f"{section.method} Other load: {load}."))
    for section in sections:
        print()
        print(text_section(*section), flush=True)
    return sections


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.stir_src is not None:
        try:
            use_stir_source(args.stir_src)
        except SourceError as error:
            print(f"bench: {error}", file=sys.stderr)
            return 2
    print(f"stir under test: {describe_stir()}\nbench harness: {describe_harness()}\n",
          flush=True)
    try:
        checked = check_all([name for name in args.only if name in CONFIGS])
    except MismatchError as error:
        print(f"bench: aborted, {error}", file=sys.stderr)
        return 1
    results = []
    for item in checked:
        results.append(time_config(item, settings))
        print()
        print(text_table(results[-1]), flush=True)
    sections = run_sections(args.only, QUICK_SECTIONS if args.quick else FULL_SECTIONS)
    print("\nmatmul peak: with the OpenBLAS variables as set, then in a child process "
          "without them...", flush=True)
    machine = describe(measure_peaks(settings))
    print()
    print(text_machine(machine))
    date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    all_targets = [dataclasses.replace(target, description=f"{result.config.name}: "
                                       f"{target.description}")
                   for result in results for target in config_targets(result)]
    all_targets += [target for section in sections for target in section.targets]
    print("\nTargets of this run (" + ", ".join(args.only) + "):")
    print("\n".join(summary_lines(all_targets)))
    extra = [line for section in sections for line in markdown_section(*section)]
    args.out.write_text(markdown_report(results, machine, settings, date, command,
                                        tuple(extra), tuple(all_targets)), encoding="utf-8")
    print(f"\nWrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
