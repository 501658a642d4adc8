"""Seeds 003 and 004, activation functions: every σ and its derivative σ', by autograd.

An activation acts on each number alone, so after y = σ(x) for a vector x that requires
grad, y.sum().backward() leaves σ'(xᵢ) in x.grad[i]: the derivative of every point at once.
Each derivative is checked against the central difference (σ(x + h) - σ(x - h)) / 2h at
points away from the kinks of step, sign and the ReLUs (at a kink stir, like PyTorch, picks
one side's slope: 0 for ReLU at 0).
Prints σ and σ' at x = -2, -0.5, 0.5, 2 and the largest disagreement with the differences;
draws every σ and σ'. `--quick` changes nothing: it is already fast.
"""

import sys
from pathlib import Path

import numpy as np

import stir
import stir.plot
from stir import nn

NAMES = list(stir.plot.DEFAULT_ACTIVATIONS)  # every one that is elementwise and parameter-free
POINTS = np.array([-2.0, -0.5, 0.5, 2.0])


def derivative(activation: nn.Module, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ(points) and σ'(points), by one backward pass."""
    x = stir.tensor(points, dtype=stir.float64, requires_grad=True)
    y = activation(x)
    y.sum().backward()  # ∂(Σⱼ σ(xⱼ))/∂xᵢ = σ'(xᵢ)
    return y.data, x.grad.data


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    print(f"{'σ':>18}" + "".join(f"{f'σ({x:+g})':>9}{f'σ′({x:+g})':>9}" for x in POINTS))
    numbers, worst, h = {}, 0.0, 1e-6
    for name in NAMES:
        activation = nn.make_activation(name)
        values, slopes = derivative(activation, POINTS)
        with stir.no_grad():
            right = activation(stir.tensor(POINTS + h, dtype=stir.float64)).data
            left = activation(stir.tensor(POINTS - h, dtype=stir.float64)).data
        worst = max(worst, float(np.abs(slopes - (right - left) / (2 * h)).max()))
        numbers[f"{name}_slope_at_0.5"] = float(slopes[2])
        print(f"{name:>18}" + "".join(f"{v:+9.4f}{d:+9.4f}" for v, d in zip(values, slopes)))
    numbers["max_difference"] = worst
    print(f"largest |autograd - central difference| over all of them: {worst:.1e}")

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    figure = stir.plot.activations(NAMES)  # σ solid, σ' dashed, one panel each
    print(f"wrote {stir.plot.save(figure, Path(out) / 'activations.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
