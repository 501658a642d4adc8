"""Seed 002, the perceptron: approve a loan when 2·income - debt - 30 000 > 0.

The perceptron f(x) = sign(w·x + b) starts at w = 0, b = 0 and visits the applicants in turn;
on a mistake it moves the line towards the right answer, w ← w + η·y·x and b ← b + η·c·y.
On linearly separable data it stops after finitely many mistakes. Measured in units of
100 000 it needs a few dozen updates; on the seed's raw numbers (η = 1e-5, c = 1e5) b moves
by only 1 per update and the same run takes thousands of epochs.
Prints the updates, the training accuracy and the learned hyperplane next to the true one;
draws the accuracy after each update and both hyperplanes. `--quick` changes nothing: it
is already fast.
"""

import sys
from pathlib import Path

import numpy as np

import stir.plot
from stir.classic import Perceptron
from stir.data import INCOME_DEBT_BIAS, INCOME_DEBT_WEIGHT, income_debt

SCALE = 100_000.0


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    X, y = income_debt(100, margin=0.05, seed=0)  # income, debt; y = ±1
    model = Perceptron(max_epochs=1_000).fit(X / SCALE, y)
    accuracy = float(model.score(X / SCALE, y))
    print(f"{len(X)} applicants, in units of 100 000: converged {model.converged_} after "
          f"{len(model.update_steps)} updates in {model.n_epochs_} epochs; accuracy "
          f"{accuracy:.3f}")
    raw = Perceptron(max_epochs=100_000, lr=1e-5, intercept_scaling=SCALE,
                     track_updates=False).fit(X, y)
    print(f"the seed's steps on raw numbers: converged {raw.converged_} after "
          f"{sum(raw.mistakes_per_epoch):,} updates in {raw.n_epochs_:,} epochs")

    # w·(x/S) + b = 0 is (w/S)·x + b = 0; divide by -w₂ to compare with the true (2, -1, b).
    w, b = model.coef_ / SCALE, float(model.intercept_)
    w, b = w / -w[1], b / -w[1]
    true_b = INCOME_DEBT_BIAS * SCALE
    print(f"boundary learned: debt = {w[0]:.3f}·income {'-' if b < 0 else '+'} {abs(b):,.0f};   "
          f"true: debt = "
          f"{INCOME_DEBT_WEIGHT[0]:.0f}·income - {-true_b:,.0f}")
    numbers = {"accuracy": accuracy, "updates": float(len(model.update_steps)),
               "raw_updates": float(sum(raw.mistakes_per_epoch)),
               "raw_converged": float(raw.converged_), "slope": float(w[0])}

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    import matplotlib.pyplot as plt
    figure, (curve, plane) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    curve.plot(model.accuracy_per_update, marker="o", markersize=3)
    curve.set(title="training accuracy after each update", xlabel="update", ylabel="accuracy")
    for sign, marker, colour in ((1, "+", "b"), (-1, "_", "r")):
        plane.scatter(*X[y == sign].T, marker=marker, color=colour, s=80, label=f"y = {sign:+d}")
    income = np.array([0.0, SCALE])
    plane.plot(income, INCOME_DEBT_WEIGHT[0] * income + true_b, "g-", label="true hyperplane")
    plane.plot(income, w[0] * income + b, "k--", label="learned hyperplane")
    plane.set(xlim=(0, SCALE), ylim=(0, SCALE), xlabel="income", ylabel="debt")
    plane.legend(loc="upper left", fontsize="small")
    print(f"wrote {stir.plot.save(figure, Path(out) / 'perceptron.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
