"""Seed 000, "a curious learning task": fit y = cos(2x + 20x²) + noise on [0, 1].

A straight line (least squares) cannot follow the curve: its mean squared error stays near
the variance of y, about 0.5. A sum of d = 1024 shifted and scaled ReLUs,

    h(x) = Σᵢ wᵢ·ReLU(aᵢ·x + bᵢ),   aᵢ = ±1, bᵢ ~ U[-1, 1], wᵢ ~ N(0, 1) at the start,

trained by SGD on one random sample at a time (loss ½(h(x) - y)², lr 1e-4) bends to it.
Prints the train and test MSE of the line, then of h after 10 000 and 110 000 steps (the
seed's two training cells); draws both fits. `--quick`: 500 + 1 000 steps.
"""

import sys
from pathlib import Path

import numpy as np

import stir
import stir.nn.functional as F
import stir.plot
from stir import nn, optim
from stir.classic import LeastSquares
from stir.data import curious_curve


def sum_of_relus(d: int, rng: np.random.Generator) -> nn.Sequential:
    """h(x) = w·ReLU(a·x + b) as Linear(1 => d), ReLU, Linear(d => 1) without bias."""
    hidden, output = nn.Linear(1, d), nn.Linear(d, 1, bias=False)
    hidden.weight.data[:] = rng.choice([-1.0, 1.0], size=(d, 1))  # the aᵢ
    hidden.bias.data[:] = rng.uniform(-1.0, 1.0, size=d)          # the bᵢ
    output.weight.data[:] = rng.standard_normal((1, d))            # the wᵢ
    return nn.Sequential(hidden, nn.ReLU(), output)


def mse(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """(1/n)·Σ (h(xᵢ) - yᵢ)²."""
    with stir.no_grad():  # evaluation only: nothing to record for backward
        return float(np.mean((model(stir.tensor(x)).data - y) ** 2))


def main(out: str | Path = "stir-examples", quick: bool = False) -> dict[str, float]:
    rng = np.random.default_rng(0)
    x, y = curious_curve(256, seed=0)            # x, y of shape (256, 1)
    x_test, y_test = curious_curve(256, seed=1)

    line = LeastSquares().fit(x, y)             # min over a, b of Σ (a·xᵢ + b - yᵢ)²
    numbers = {"line_train_mse": float(np.mean((line.predict(x) - y) ** 2)),
               "line_test_mse": float(np.mean((line.predict(x_test) - y_test) ** 2))}
    print(f"least squares y = {line.coef_[0, 0]:.3f}·x + {line.intercept_[0]:.3f}: train MSE "
          f"{numbers['line_train_mse']:.4f}, test MSE {numbers['line_test_mse']:.4f}")

    model = sum_of_relus(1024, rng)
    optimizer = optim.SGD(model.parameters(), lr=1e-4)
    inputs, targets = stir.tensor(x), stir.tensor(y)
    done = 0
    for steps in (500, 1_500) if quick else (10_000, 110_000):
        for i in rng.integers(0, len(x), size=steps - done):
            loss = 0.5 * F.mse_loss(model(inputs[i:i + 1]), targets[i:i + 1])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        done = steps
        numbers[f"relu_{steps}_train_mse"] = mse(model, x, y)
        numbers[f"relu_{steps}_test_mse"] = mse(model, x_test, y_test)
        print(f"sum of 1024 ReLUs after {steps:>7,} SGD steps: train MSE "
              f"{numbers[f'relu_{steps}_train_mse']:.4f}, test MSE "
              f"{numbers[f'relu_{steps}_test_mse']:.4f}")

    if not stir.plot.available():
        print(f"(no figures: {stir.plot.INSTALL_HINT})")
        return numbers
    import matplotlib.pyplot as plt
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    # LeastSquares takes a column of x; fit_curve hands a function a 1-D array.
    stir.plot.fit_curve(lambda xs: line.predict(xs.reshape(-1, 1)), x, y, x_test, y_test,
                        lo=0.0, hi=1.0, title="Least squares line", ax=left)
    stir.plot.fit_curve(model, x, y, x_test, y_test, lo=0.0, hi=1.0,
                        title=f"Sum of 1024 ReLUs, {done:,} SGD steps", ax=right)
    print(f"wrote {stir.plot.save(figure, Path(out) / 'curious_curve.png')}")
    return numbers


if __name__ == "__main__":
    main(quick="--quick" in sys.argv[1:])
