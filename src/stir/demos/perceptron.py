"""Seed 002: the perceptron learns an income/debt hyperplane."""

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

    Trains on income_debt (margin 0.05) until an epoch without mistakes; plots accuracy per
    sample visit and the true and learned hyperplanes.

    The seed steps w by 1e-5·x and b by 1 on inputs of size 1e5, so b needs ~10⁴ updates to
    reach the true offset; measuring income and debt in units of 100 000 is the same
    perceptron, but b moves as fast as w and the (R/γ)² mistake bound is small."""
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
    # Compare directions: a hyperplane is w and b up to a positive scale.
    cosine = float(w @ true_w / (np.linalg.norm(w) * np.linalg.norm(true_w)))
    print(f"{n} points; converged: {model.converged_} after {model.n_epochs_} epochs and "
          f"{len(model.update_steps)} updates; training accuracy {accuracy:.3f}")
    print(f"learned w = ({w[0]:.3f}, {w[1]:.0f}), b = {b:.0f}; true w = (2, -1), "
          f"b = {true_b:.0f}; cos(angle between the normals) = {cosine:.4f}")

    def draw(path: Path):
        plt = pyplot()
        figure, (curve, plane) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        curve.plot(model.accuracy_per_step())
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
            "updates": float(len(model.update_steps)), "cosine_to_true": cosine}
