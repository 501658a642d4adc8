"""Seed 002: the perceptron learns an income/debt hyperplane.

Approve a loan when 2·income - debt - 30 000 > 0. The perceptron f(x) = sign(w·x + b) starts
at w = 0, b = 0 and visits the applicants in turn; on a mistake it moves the line towards the
right answer, w ← w + η·y·x and b ← b + η·c·y. On linearly separable data it stops after
finitely many mistakes, at most (R/γ)² for data of radius R and margin γ.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stir.classic import Perceptron
from stir.data import INCOME_DEBT_BIAS, INCOME_DEBT_WEIGHT, income_debt

from ._common import DEFAULT_OUT, Figures, heading, pyplot

SCALE = 100_000.0


def _line(ax, w: np.ndarray, b: float, label: str, style: str) -> None:
    """Draw w·x + b = 0 across the data box [0, SCALE]² (debt as a function of income)."""
    income = np.array([0.0, SCALE])
    ax.plot(income, -(w[0] * income + b) / w[1], style, linewidth=2, label=label)


def perceptron(out: str | Path = DEFAULT_OUT, quick: bool = False,
               seed: int = 0) -> dict[str, float]:
    """Seed 002: the perceptron learns the income/debt hyperplane.

    Trains on 100 applicants of income_debt (margin 0.05; quick: 50) until an epoch without
    mistakes; prints the updates, the accuracy and the learned hyperplane next to the true one,
    and plots the accuracy per sample visit and both hyperplanes.

    The seed steps w by 1e-5·x and b by 1 on inputs of size 1e5, so b needs ~10⁴ updates to
    reach the true offset: the demo runs that too, and it takes thousands of epochs. Measuring
    income and debt in units of 100 000 is the same perceptron, but b moves as fast as w and
    the (R/γ)² mistake bound is small: a few dozen updates. Returns the numbers by name."""
    heading("perceptron: sign(2·income - debt - 30 000) (seed 002)")
    n = 50 if quick else 100
    X, y = income_debt(n, margin=0.05, scale=SCALE, seed=seed)
    model = Perceptron(max_epochs=1000).fit(X / SCALE, y)
    accuracy = float(model.score(X / SCALE, y))
    # Back to income/debt units, w·(x/S) + b = (w/S)·x + b, then rescaled so w₂ = -1 like the
    # true (2, -1, -30 000): a hyperplane is defined only up to a positive scale.
    w, b = np.asarray(model.coef_, dtype=float) / SCALE, float(model.intercept_)
    w, b = w / -w[1], b / -w[1]
    true_w, true_b = np.array(INCOME_DEBT_WEIGHT, dtype=float), INCOME_DEBT_BIAS * SCALE
    # How close the directions are: the cosine of the angle between the two normals.
    cosine = float(w @ true_w / (np.linalg.norm(w) * np.linalg.norm(true_w)))
    print(f"{n} points; converged: {model.converged_} after {model.n_epochs_} epochs and "
          f"{len(model.update_steps)} updates; training accuracy {accuracy:.3f}")
    print(f"learned w = ({w[0]:.3f}, {w[1]:.0f}), b = {b:.0f}; true w = (2, -1), "
          f"b = {true_b:.0f}; cos(angle between the normals) = {cosine:.4f}")
    # The seed's own steps on the raw numbers: η = 1e-5 and c = 1e5, so b moves by 1 per update.
    raw = Perceptron(max_epochs=100_000, lr=1e-5, intercept_scaling=SCALE,
                     track_updates=False).fit(X, y)
    raw_updates = sum(raw.mistakes_per_epoch)
    print(f"the seed's steps on the raw numbers: converged: {raw.converged_} after "
          f"{raw.n_epochs_:,} epochs and {raw_updates:,} updates")

    def draw(path: Path):
        plt = pyplot()
        figure, (curve, plane) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        curve.plot(model.accuracy_per_step())  # the seed's plot: accuracy at every visit
        curve.set(title="training accuracy before each sample visit", xlabel="sample visit",
                  ylabel="accuracy", ylim=(0, 1.05))
        for label, sign, marker, colour in (("y = +1", 1, "+", "b"),
                                            ("y = -1", -1, "_", "r")):
            chosen = y == sign
            plane.scatter(X[chosen, 0], X[chosen, 1], marker=marker, color=colour, s=80,
                          label=label)
        _line(plane, true_w, true_b, "true hyperplane", "g-")
        _line(plane, w, b, "learned hyperplane", "k--")
        plane.set(xlim=(0, SCALE), ylim=(0, SCALE), xlabel="income", ylabel="debt",
                  title="true and learned hyperplanes")
        plane.legend(loc="upper left", fontsize="small")
        return figure

    Figures(out, "perceptron").save("hyperplanes", draw)
    return {"accuracy": accuracy, "epochs": float(model.n_epochs_),
            "updates": float(len(model.update_steps)), "slope": float(w[0]),
            "cosine_to_true": cosine, "raw_converged": float(raw.converged_),
            "raw_epochs": float(raw.n_epochs_), "raw_updates": float(raw_updates)}
