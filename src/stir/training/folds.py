"""Choosing the number of epochs by k-fold cross-validation.

One held-out split chooses the epoch count from one noisy validation curve; on a small table
(a few hundred rows, 60 of them held out) the curve's minimum moves by tens of epochs from
one split to the next. K folds give K curves on disjoint held-out rows, every row held out
once; the epoch count is where their mean is lowest,

    best = argmin over e of (1/K) Σ_k  L_k(e),   L_k(e) = validation loss of fold k after e epochs,

and the model is then trained on all the rows for `best` epochs. It costs K + 1 trainings.

`auto_folds` is `stir train`'s rule for when to pay that: a regression of at most
MAX_AUTO_ROWS rows (and at least two per fold). (For a regression the validation loss, the mean squared error, is the
score itself: R² = 1 − MSE / Var(y). A classifier's cross-entropy reaches its lowest before
its accuracy peaks, and sharpening that early minimum lost accuracy on two of the seven
classification tables in bench/RACE.md, so classification keeps one held-out split.)

>>> [(len(train), val.tolist()) for train, val in fold_rows(6, 3, seed=0)]
[(4, [2, 3]), (4, [4, 5]), (4, [0, 1])]
>>> best_epoch([[3.0, 2.0, 2.5], [2.0, 2.2, 1.0]])  # the means: 2.5, 2.1, 1.75
(3, 1.75)
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["AUTO_FOLDS", "MAX_AUTO_ROWS", "auto_folds", "best_epoch", "fold_rows"]

#: The folds `auto_folds` chooses...
AUTO_FOLDS = 5
#: ...for a regression of at most this many rows (beyond, one split is noisy no more, and
#: K + 1 trainings would cost minutes).
MAX_AUTO_ROWS = 10_000


def auto_folds(task: str, rows: int) -> int:
    """AUTO_FOLDS for a regression of 2 × AUTO_FOLDS to MAX_AUTO_ROWS rows, else 0 (one
    held-out split).

    >>> auto_folds("regression", 300), auto_folds("classification", 300)
    (5, 0)
    """
    small = 2 * AUTO_FOLDS <= rows <= MAX_AUTO_ROWS
    return AUTO_FOLDS if task == "regression" and small else 0


def fold_rows(n: int, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(training rows, validation rows) for each of `folds` folds of rows 0..n-1: a seeded
    shuffle cut into `folds` near-equal parts, each the validation rows of one fold; both
    index arrays sorted (so the rows are read in file order)."""
    if not 2 <= folds <= n:
        raise ValueError(f"folds must be from 2 to the number of rows ({n}), got {folds}")
    parts = np.array_split(np.random.default_rng(seed).permutation(n), folds)
    everything = np.arange(n)
    pairs = []
    for part in parts:
        held_out = np.sort(part)
        pairs.append((np.setdiff1d(everything, held_out), held_out))
    return pairs


def best_epoch(curves: Sequence[Sequence[float]]) -> tuple[int, float]:
    """The epoch (counted from 1) where the folds' mean validation loss is lowest (the first
    such, in a tie), and that mean; the curves must be of one length."""
    lengths = {len(curve) for curve in curves}
    if len(lengths) != 1 or 0 in lengths:
        raise ValueError(f"the validation curves must be of one length, above 0; got lengths "
                         f"{sorted(lengths)}")
    mean = np.mean(np.asarray(curves, dtype=np.float64), axis=0)
    index = int(np.argmin(mean))
    return index + 1, float(mean[index])
