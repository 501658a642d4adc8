"""Seed 001, neural networks by composition: a [2, 5, 1] ReLU network learns 1 - |x|².

Trained by stochastic gradient descent with the seed's hand-written backpropagation
(stir.explicit), after checking it against the gradient stir's autograd computes;
the cost falls from about 0.7 to the seed's few thousandths.

The experiment is written once, as stir.demos.paraboloid in src/stir/demos/paraboloid.py: read it
there. `stir demo paraboloid` runs the same function; so does this script, which prints the
numbers and writes the figures to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.paraboloid(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
