"""Space warping: a 2-unit ReLU hidden layer h = ReLU(Wx + b) folds the plane."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import stir
import stir.plot
from stir import nn

from ._common import DEFAULT_OUT, Figures, heading

WEIGHT = [[1.0, -0.6], [0.4, 1.0]]
BIAS = [0.1, -0.2]


def warp(out: str | Path = DEFAULT_OUT, quick: bool = False) -> dict[str, float]:
    """Seed 003's space warping: a grid under h = ReLU(Wx + b) with 2 hidden units.

    Prints which share of the square [-1, 1]² lands in the open quadrant (both units on), on
    an axis (one unit off) and at the origin (both off); `quick` changes nothing."""
    heading("warp: h = ReLU(Wx + b) with 2 hidden units (seed 003)")
    layer = nn.Linear(2, 2, dtype=stir.float64)
    layer.weight.data[...] = WEIGHT
    layer.bias.data[...] = BIAS
    hidden = nn.Sequential(layer, nn.ReLU())
    side = np.linspace(-1.0, 1.0, 201)
    points = np.stack(np.meshgrid(side, side), axis=-1).reshape(-1, 2)
    with stir.no_grad():
        image = hidden(stir.tensor(points, dtype=stir.float64)).data
    units_on = (image > 0).sum(axis=1)
    shares = {"both_on": float(np.mean(units_on == 2)), "one_off": float(np.mean(units_on == 1)),
              "both_off": float(np.mean(units_on == 0))}
    print(f"W = {WEIGHT}, b = {BIAS}")
    print(f"share of [-1, 1]²: kept as is (both units on) {shares['both_on']:.3f}, folded onto "
          f"an axis {shares['one_off']:.3f}, collapsed to the origin {shares['both_off']:.3f}")
    Figures(out, "warp").save("grid", lambda path: stir.plot.grid_warp(hidden, path=path))
    return shares
