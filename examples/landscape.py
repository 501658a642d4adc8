"""Seed 003, 1-D slices of the loss landscape: L(θ + α·d) along random directions d.

The seed's 4-layer ReLU network on 10 features and 10 categories: around the
starting θ the loss is high and flat, around the trained θ it is a valley.

The experiment is written once, as stir.demos.landscape in src/stir/demos/landscape.py: read it
there. `stir demo landscape` runs the same function; so does this script, which prints the
numbers and writes the figures to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.landscape(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
