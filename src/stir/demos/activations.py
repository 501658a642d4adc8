"""Seeds 003 and 004's activation functions: every σ and its derivative σ', by autograd.

An activation acts on each number alone, so after y = σ(x) for a vector x that requires
grad, y.sum().backward() leaves σ'(xᵢ) in x.grad[i]: the derivative at every point at once.
Each derivative is checked against the central difference (σ(x + h) - σ(x - h)) / 2h at
points away from the kinks of step, sign and the ReLUs (at a kink stir, like PyTorch, picks
one side's slope: 0 for ReLU at 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.plot
from stir import nn

from ._common import DEFAULT_OUT, Figures, heading

POINTS = (-2.0, -0.5, 0.5, 2.0)
H = 1e-6  # the central difference's step: its error is O(h²), float64 rounding O(1e-16 / h)


def derivative(activation: nn.Module, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ(points) and σ'(points), by one backward pass.

    >>> derivative(nn.make_activation("relu"), np.array([-1.0, 2.0]))
    (array([0., 2.]), array([0., 1.]))
    """
    x = stir.tensor(points, dtype=stir.float64, requires_grad=True)
    y = activation(x)
    y.sum().backward()  # ∂(Σⱼ σ(xⱼ))/∂xᵢ = σ'(xᵢ), as σ acts elementwise
    return y.array, x.grad.array


def central_difference(activation: nn.Module, points: np.ndarray) -> np.ndarray:
    """(σ(x + h) - σ(x - h)) / 2h at each point, with no autograd.

    >>> central_difference(nn.make_activation("tanh"), np.array([0.0])).round(6)
    array([1.])
    """
    with stir.no_grad():
        right = activation(stir.tensor(points + H, dtype=stir.float64)).array
        left = activation(stir.tensor(points - H, dtype=stir.float64)).array
    return (right - left) / (2 * H)


def activations(out: str | Path = DEFAULT_OUT, quick: bool = False) -> dict[str, float]:
    """Every elementwise activation σ and its derivative σ', from autograd.

    Prints σ(x) and σ'(x) (by backward) at a few x for stir.plot.DEFAULT_ACTIVATIONS, and the
    largest disagreement with central differences; draws them all. `quick` changes nothing
    (it is already fast). Returns σ'(0.5) by the activation's name, and max_difference."""
    heading("activations: σ(x) and σ'(x) from autograd")
    names = list(stir.plot.DEFAULT_ACTIVATIONS)  # every one that is elementwise, no parameters
    points = np.array(POINTS)
    print(f"{'name':>18}" + "".join(f"{f'σ({x:+.1f})':>10}{f'σ′({x:+.1f})':>10}" for x in POINTS))
    numbers: dict[str, float] = {}
    worst = 0.0
    for name in names:
        activation = nn.make_activation(name)
        values, slopes = derivative(activation, points)
        worst = max(worst, float(np.abs(slopes - central_difference(activation, points)).max()))
        numbers[name] = float(slopes[2])  # σ'(0.5)
        print(f"{name:>18}" + "".join(f"{v:+10.4f}{d:+10.4f}" for v, d in zip(values, slopes)))
    numbers["max_difference"] = worst
    print(f"largest |autograd - central difference| over all of them: {worst:.1e}")
    Figures(out, "activations").save("all", lambda path: stir.plot.activations(names,
                                                                                path=path))
    return numbers
