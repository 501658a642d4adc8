"""Seed 003, universal approximation: with 4K hidden units a network can sum K bumps.

Four ReLUs make a bump; K bumps scaled to f's height approximate f ever better as K
grows. The reality check: a trained network of the same width does not learn bumps.

The experiment is written once, as stir.demos.bumps in src/stir/demos/bumps.py: read it
there. `stir demo bumps` runs the same function; so does this script, which prints the
numbers and writes the figures to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.bumps(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
