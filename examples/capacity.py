"""Seed 003, setting the size of a network: hidden units add capacity, L2 takes it back.

Networks of 3, 6 and 20 hidden units with L2 strength λ = 0, 0.001, 0.01 and 0.1
classify noisy moons; their training and test accuracy and decision regions.

The experiment is written once, as stir.demos.capacity in src/stir/demos/capacity.py: read it
there. `stir demo capacity` runs the same function; so does this script, which prints the
numbers and writes the figures to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.capacity(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
