"""The `stir` command: `stir demo [NAME] [--out DIR] [--quick]`, --help and --version.

Exit status: 0 on success, 1 when a demo fails (one line on stderr, no traceback), 2 on a
usage error such as an unknown demo name.
"""

from __future__ import annotations

import argparse
import sys

from ._version import __version__

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _demo_list() -> str:
    """One line per demo: its name and the first line of its docstring."""
    from . import demos
    width = max(map(len, demos.DEMOS))
    return "\n".join(f"  {name:<{width}}  {demos.summary(name)}" for name in demos.DEMOS)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subparser per subcommand."""
    from . import demos
    parser = argparse.ArgumentParser(
        prog="stir",
        description="stir: a small, fast, readable neural-network library on NumPy.",
        epilog=f"demos (run with: stir demo NAME):\n{_demo_list()}",
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
    return parser


def _run_demo(parser: argparse.ArgumentParser, name: str, out: str, quick: bool) -> int:
    from . import demos
    if name not in demos.DEMOS:
        parser.exit(EXIT_USAGE, f"stir demo: error: unknown demo {name!r}; choose one of: "
                                f"{', '.join(demos.DEMOS)}\n")
    try:
        demos.DEMOS[name](out=out, quick=quick)
    except KeyboardInterrupt:
        print(f"stir demo {name}: interrupted", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:  # the command's contract: one line on stderr, no traceback
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"stir demo {name}: error: {message}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command with `argv` (default: sys.argv[1:]); returns the exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    if arguments.command == "demo":
        return _run_demo(parser, arguments.name, arguments.out, arguments.quick)
    parser.print_help()
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
