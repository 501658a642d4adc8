"""Seed 003, space warping: a hidden layer h = ReLU(Wx + b) of 2 units folds the plane.

Points labelled by h₁ + h₂ > 1 cannot be separated by a line in x, and can in h: a
perceptron never stops on x and stops after a few epochs on h.

The experiment is written once, as stir.demos.warp in src/stir/demos/warp.py: read it
there. `stir demo warp` runs the same function; so does this script, which prints the
numbers and writes the figures to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.warp(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
