"""Seeds 003 and 004, activation functions: every σ and its derivative σ', by autograd.

One backward pass through y = σ(x) gives σ'(xᵢ) at every point at once; each is
checked against a central difference.

The experiment is written once, as stir.demos.activations in src/stir/demos/activations.py: read it
there. `stir demo activations` runs the same function; so does this script, which prints the
numbers and writes the figures to ./stir-examples (or --out DIR); --quick runs a reduced size.
"""

from pathlib import Path

import stir.demos


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    """Run the experiment; returns its numbers by name."""
    return stir.demos.activations(out=out, quick=quick)


if __name__ == "__main__":
    stir.demos.run_script(main, __doc__)
