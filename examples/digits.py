"""Handwritten digits: a one-vs-rest perceptron and an MLP, scored on held-out images.

MNIST when its four files are in ~/.cache/stir/mnist, otherwise scikit-learn's 8×8
digits (pip install scikit-learn); with neither, the script says what to install.

The experiment is written once, as stir.demos.digits in src/stir/demos/digits.py: read it
there. `stir demo digits` runs the same function; so does this script, which prints the
numbers and writes the figures to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.digits(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
