"""The `stir` command."""

from __future__ import annotations

import argparse
import sys

from ._version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stir",
        description="stir: a small, fast, readable neural-network library on NumPy.",
        epilog="Subcommands (demo, train, predict, eval) arrive with the training issue.",
    )
    parser.add_argument("--version", action="version", version=f"stir {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
