"""Image features vs neural networks (seed 003): a linear classifier on raw pixels, on an
intensity histogram and on HOG features, against a 2-layer MLP and a small CNN that learn their
own features from the pixels, on scikit-learn's 8×8 digits (pip install scikit-learn) and
also on MNIST when its four files are in ~/.cache/stir/mnist.

The experiment is written once, as stir.demos.features in src/stir/demos/features.py: read it
there. `stir demo features` runs the same function; so does this script, which prints the
table and writes the figure to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.features(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
