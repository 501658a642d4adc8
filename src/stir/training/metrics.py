"""Metrics for `fit` and `evaluate`: functions of NumPy arrays (outputs, targets) -> float.

Metrics are named in `fit(..., metrics=("accuracy", "r2"))`, or given as callables taking the
same two arrays. They are computed once per epoch over all the outputs of that epoch, so that
R² and accuracy are those of the whole set, not averages of per-batch values.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

Metric = Callable[[np.ndarray, np.ndarray], float]


def accuracy(output: np.ndarray, target: np.ndarray) -> float:
    """The fraction of correct predictions, with the prediction read from the output as follows.

    - Several columns (scores or logits per class): the class is `argmax(output, axis=1)`;
      the target is class indices, or one-hot / probability rows (then its argmax too).
    - One column or 1-D output (a single logit or score): with targets in {-1, +1} the class
      is `sign(output)` (0 counts as +1); otherwise the targets are {0, 1} and the class is
      `output > 0`, a threshold of 0 on the logit (probability 1/2 after a sigmoid).

    >>> import numpy as np
    >>> accuracy(np.array([[2.0, 0.1], [0.3, 0.9]]), np.array([0, 0]))
    0.5
    >>> accuracy(np.array([1.5, -0.2, 0.3]), np.array([1, -1, -1]))
    0.6666666666666666
    """
    output, target = np.asarray(output), np.asarray(target)
    if output.ndim >= 2 and output.shape[1] > 1:
        predicted = output.argmax(axis=1)
        if target.shape == output.shape:
            target = target.argmax(axis=1)
    else:
        scores = output.reshape(len(output))
        target = target.reshape(len(target))
        if (target < 0).any():
            predicted = np.where(scores >= 0, 1, -1)
        else:
            predicted = (scores > 0).astype(np.int64)
    if predicted.shape != target.shape:
        raise ValueError(f"accuracy: targets of shape {tuple(target.shape)} do not match "
                         f"predictions of shape {tuple(predicted.shape)}")
    return float((predicted == target).mean())


def mse(output: np.ndarray, target: np.ndarray) -> float:
    """The mean squared error mean((output - target)²).

    >>> import numpy as np
    >>> mse(np.array([1.0, 2.0]), np.array([0.0, 4.0]))
    2.5
    """
    output, target = _aligned(output, target, "mse")
    return float(np.mean((output - target) ** 2))


def mae(output: np.ndarray, target: np.ndarray) -> float:
    """The mean absolute error mean(|output - target|).

    >>> import numpy as np
    >>> mae(np.array([1.0, 2.0]), np.array([0.0, 4.0]))
    1.5
    """
    output, target = _aligned(output, target, "mae")
    return float(np.mean(np.abs(output - target)))


def r2(output: np.ndarray, target: np.ndarray) -> float:
    """The coefficient of determination R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², per output column and
    then averaged over columns (scikit-learn's "uniform_average"); 1 is a perfect fit and 0
    is no better than predicting the mean. A constant target column scores 1 if fitted
    exactly and 0 otherwise.

    >>> import numpy as np
    >>> r2(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    0.7857142857142857
    """
    output, target = _aligned(output, target, "r2")
    output = output.reshape(len(output), -1).astype(np.float64)
    target = target.reshape(len(target), -1).astype(np.float64)
    residual = ((target - output) ** 2).sum(axis=0)
    total = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
    safe_total = np.where(total > 0, total, 1.0)
    scores = np.where(total > 0, 1.0 - residual / safe_total, np.where(residual == 0, 1.0, 0.0))
    return float(scores.mean())


METRICS: dict[str, Metric] = {"accuracy": accuracy, "mse": mse, "mae": mae, "r2": r2}

# Metrics where larger is better; EarlyStopping's mode="auto" reads this.
HIGHER_IS_BETTER = ("accuracy", "r2")


def resolve_metrics(metrics: object) -> dict[str, Metric]:
    """Names (or callables) -> {name: function}; a callable is named by its `__name__`.

    >>> list(resolve_metrics(["accuracy", "r2"]))
    ['accuracy', 'r2']
    >>> resolve_metrics(["acc"])
    Traceback (most recent call last):
    ...
    ValueError: unknown metric 'acc'; the known metrics are accuracy, mae, mse, r2 (or pass a \
function of (output, target) arrays)
    """
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    resolved: dict[str, Metric] = {}
    for metric in metrics:  # type: ignore[union-attr]
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(f"unknown metric {metric!r}; the known metrics are "
                                 f"{', '.join(sorted(METRICS))} (or pass a function of "
                                 "(output, target) arrays)")
            resolved[metric] = METRICS[metric]
        elif callable(metric):
            resolved[getattr(metric, "__name__", type(metric).__name__)] = metric
        else:
            raise TypeError(f"a metric is a name or a function, got {type(metric).__name__}")
    return resolved


def _aligned(output: np.ndarray, target: np.ndarray, name: str
             ) -> tuple[np.ndarray, np.ndarray]:
    # (n,) targets against (n, 1) outputs is the usual single-output regression case.
    output, target = np.asarray(output), np.asarray(target)
    if output.shape != target.shape:
        if output.size != target.size:
            raise ValueError(f"{name}: outputs of shape {tuple(output.shape)} and targets of shape "
                             f"{tuple(target.shape)} do not match")
        target = target.reshape(output.shape)
    return output, target
