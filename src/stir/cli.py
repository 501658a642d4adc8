"""The `stir` command: `demo`, `train`, `predict`, `eval` and `playground`, with --help on each.

Exit status: 0 on success; 1 when the work fails (one line on stderr, no traceback); 2 for
bad input: a usage error, an unknown demo, a CSV or model file that cannot be used, an
output that would overwrite an input (the message names the file, line and column, or what
is wrong); 130 when interrupted by Ctrl-C, at any moment (at most one line on stderr).

The console script enters through the top-level module `_stir_entry`, which makes Ctrl-C
quiet before this package (and NumPy) is imported, then calls `parse_arguments` and `run`;
`main` is both in one call, for `python -m stir.cli` and for tests.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Callable

from ._version import __version__

from .commands import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

EXIT_STATUS = ("exit status: 0 success; 1 the work failed; 2 bad input or arguments; "
               "130 interrupted (Ctrl-C)")


def _demo_list() -> str:
    """One line per demo: its name and the first line of its docstring."""
    from . import demos
    width = max(map(len, demos.DEMOS))
    return "\n".join(f"  {name:<{width}}  {demos.summary(name)}" for name in demos.DEMOS)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subparser per subcommand."""
    from . import demos
    from .commands import playground, predict, train
    parser = argparse.ArgumentParser(
        prog="stir",
        description="stir: a small, fast, readable neural-network library on NumPy.",
        epilog=f"demos (run with: stir demo NAME):\n{_demo_list()}\n\n{EXIT_STATUS}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"stir {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo", help="run a seed experiment: print its numbers and save its figures",
        description="Run a demo: it prints its numbers and writes its figures (PNG) to --out.",
        epilog=f"demos:\n{_demo_list()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("name", nargs="?", default=demos.DEFAULT_DEMO, metavar="NAME",
                      help=f"which demo (default: {demos.DEFAULT_DEMO})")
    demo.add_argument("--out", default=demos.DEFAULT_OUT, metavar="DIR",
                      help=f"directory for the figures (default: ./{demos.DEFAULT_OUT})")
    demo.add_argument("--quick", action="store_true",
                      help="a reduced size that runs in a second or two")
    train.add_parser(commands)
    predict.add_parsers(commands)
    playground.add_parser(commands)
    return parser


def _run_demo(arguments: argparse.Namespace) -> int:
    from . import demos
    from .commands import UsageError
    if arguments.name not in demos.DEMOS:
        raise UsageError(f"unknown demo {arguments.name!r}; choose one of: "
                         f"{', '.join(demos.DEMOS)}")
    demos.DEMOS[arguments.name](out=arguments.out, quick=arguments.quick)
    return EXIT_OK


def _runners() -> dict[str, Callable[[argparse.Namespace], int]]:
    from .commands import playground, predict, train
    return {"demo": _run_demo, "train": train.run, "predict": predict.run_predict,
            "eval": predict.run_evaluation, "playground": playground.run}


def _bad_input_errors(command: str) -> tuple[type[BaseException], ...]:
    """What a user's input can cause: reported as such, with exit status 2. (A demo whose
    data is missing has failed, status 1: its input was fine.)"""
    from .commands import UsageError
    if command == "demo":
        return (UsageError,)
    from .data.csv_files import CSVError
    from .io.errors import ModelFormatError
    return UsageError, CSVError, ModelFormatError, FileNotFoundError, IsADirectoryError


def main(argv: list[str] | None = None) -> int:
    """Run the command with `argv` (default: sys.argv[1:]); returns the exit status."""
    return run(parse_arguments(argv))


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The parsed command line; argparse exits (status 2) on a usage error, 0 after --help."""
    return build_parser().parse_args(argv)


def run(arguments: argparse.Namespace) -> int:
    """Run the parsed command; returns the exit status. Errors, warnings and Ctrl-C are one
    line each on stderr."""
    label = "stir" if arguments.command is None else f"stir {arguments.command}"
    if arguments.command == "demo":
        label += f" {arguments.name}"
    try:
        if arguments.command is None:
            build_parser().print_help()
            return EXIT_OK
        with warnings.catch_warnings():  # (restores showwarning after the command)
            warnings.showwarning = lambda message, *_: print(
                f"{label}: warning: {_one_line(message)}", file=sys.stderr)
            return _runners()[arguments.command](arguments)
    except KeyboardInterrupt:
        print(f"{label}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`stir predict ... | head`): as Python's docs advise, point
        # stdout at devnull so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
    except _bad_input_errors(arguments.command) as error:
        print(f"{label}: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # the command's contract: one line on stderr, no traceback
        print(f"{label}: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILURE


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


if __name__ == "__main__":
    sys.exit(main())
