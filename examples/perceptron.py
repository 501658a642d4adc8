"""Seed 002, the perceptron: approve a loan when 2·income - debt - 30 000 > 0.

On linearly separable data the perceptron stops after finitely many mistakes: a
few dozen when income and debt are measured in units of 100 000, tens of thousands
with the seed's raw steps, where the offset b moves by only 1 per update.

The experiment is written once, as stir.demos.perceptron in src/stir/demos/perceptron.py: read it
there. `stir demo perceptron` runs the same function; so does this script, which prints the
numbers and writes the figures to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.perceptron(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
