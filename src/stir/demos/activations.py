"""Every elementwise activation and its derivative, from stir's autograd."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.plot
from stir.nn import make_activation

from ._common import DEFAULT_OUT, Figures, heading

POINTS = (-2.0, -0.5, 0.5, 2.0)


def activations(out: str | Path = DEFAULT_OUT, quick: bool = False) -> dict[str, float]:
    """Every elementwise activation σ and its derivative σ', from autograd.

    Prints σ(x) and σ'(x) (by backward) at a few x for stir.plot.DEFAULT_ACTIVATIONS and
    draws them all; `quick` changes nothing (it is already fast). Returns σ'(0.5) by name."""
    heading("activations: σ(x) and σ'(x) from autograd")
    names = list(stir.plot.DEFAULT_ACTIVATIONS)
    print(f"{'name':>18}" + "".join(f"{f'σ({x:+.1f})':>10}{f'σ′({x:+.1f})':>10}" for x in POINTS))
    slopes: dict[str, float] = {}
    for name in names:
        x = stir.tensor(np.array(POINTS), dtype=stir.float64, requires_grad=True)
        output = make_activation(name)(x)
        output.sum().backward()  # σ acts elementwise, so x.grad holds σ'(xᵢ)
        values, derivatives = output.data, x.grad.data
        slopes[name] = float(derivatives[2])
        print(f"{name:>18}" + "".join(f"{v:+10.4f}{d:+10.4f}"
                                      for v, d in zip(values, derivatives)))
    Figures(out, "activations").save("all", lambda path: stir.plot.activations(names,
                                                                                path=path))
    return slopes
