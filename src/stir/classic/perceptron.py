"""The perceptron learning algorithm of seed 002: mistake-driven updates of a linear rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import Array
from .base import Classifier, check_features, check_targets, encode_labels


class Perceptron(Classifier):
    """f(x) = sign(w·x + b), trained by visiting the samples one by one and, on a mistake,

        w ← w + η yᵢ xᵢ,    b ← b + η c yᵢ        (yᵢ ∈ {-1, +1}, c = intercept_scaling)

    which is gradient descent on the loss max(0, -yᵢ (w·xᵢ + b)). A sample is a mistake when
    sign(w·xᵢ + b) ≠ yᵢ; a score of exactly 0 counts as a mistake (sign(0) = 0, as in the seed,
    so training starts from w = 0, b = 0 by correcting the first sample). Training stops after
    the first epoch without a mistake (`converged_` is then True) or after `max_epochs`.

    Labels: `classes_[0]` (the smaller) plays -1 and `classes_[1]` plays +1, so labels -1/+1
    and 0/1 both work; y must have exactly two classes. `intercept_scaling` is the value of the
    constant feature behind b: seed 002 used b ← b + 10⁵ η yᵢ to match inputs of size ~10⁵.

    Recorded while training: `mistakes_per_epoch`, `accuracy_per_epoch` (training accuracy after
    each epoch) and, when `track_updates` is set, `accuracy_per_update` (training accuracy
    before any update, then after each one; this costs one pass over X per update) and
    `update_steps` (at which sample visit, counted from 0, each update happened).
    `accuracy_per_step()` expands these into the seed's curve, one value per visit.

    >>> X = np.array([[2.0, 1.0], [1.0, 3.0], [3.0, 0.5], [0.5, 2.0]])
    >>> model = Perceptron().fit(X, [1, 0, 1, 0])
    >>> model.predict(X), model.converged_, model.mistakes_per_epoch
    (array([1, 0, 1, 0]), True, [2, 2, 1, 0])
    >>> model.update_steps, model.accuracy_per_update
    ([0, 1, 4, 5, 8], [0.5, 0.5, 0.75, 0.5, 0.75, 1.0])
    """

    def __init__(
        self,
        max_epochs: int = 100,
        lr: float = 1.0,
        shuffle: bool = False,
        seed: int | None = None,
        intercept_scaling: float = 1.0,
        track_updates: bool = True,
    ) -> None:
        if max_epochs < 1:
            raise ValueError(f"Perceptron: max_epochs must be >= 1, got {max_epochs}")
        if not lr > 0:
            raise ValueError(f"Perceptron: lr must be > 0, got {lr}")
        self.max_epochs = max_epochs
        self.lr = lr
        self.shuffle = shuffle
        self.seed = seed
        self.intercept_scaling = intercept_scaling
        self.track_updates = track_updates
        self.coef_: Array | None = None
        self.intercept_ = 0.0
        self.converged_ = False
        self.n_epochs_ = 0
        self.mistakes_per_epoch: list[int] = []
        self.accuracy_per_epoch: list[float] = []
        self.accuracy_per_update: list[float] = []
        self.update_steps: list[int] = []
        self._n_fit_samples = 0

    def _settings(self) -> dict[str, Any]:
        return {"max_epochs": self.max_epochs, "lr": self.lr, "shuffle": self.shuffle}

    def fit(self, X: Any, y: Any) -> Perceptron:
        """Run the perceptron learning algorithm from w = 0, b = 0; returns the model."""
        where = f"{type(self).__name__}.fit"
        X = check_features(X, where)
        y = check_targets(y, len(X), where)
        self.classes_, indices = encode_labels(y, where, n_classes=2)
        signs = (2 * indices - 1).astype(X.dtype)  # classes_[0] -> -1, classes_[1] -> +1
        w = np.zeros(X.shape[1], dtype=X.dtype)
        b = 0.0
        step_b = self.lr * self.intercept_scaling
        rng = np.random.default_rng(self.seed)
        self.mistakes_per_epoch, self.accuracy_per_epoch = [], []
        self.accuracy_per_update, self.update_steps = [], []
        if self.track_updates:
            self.accuracy_per_update.append(_accuracy(X, signs, w, b))
        self.converged_ = False
        self._n_fit_samples = len(X)
        step = 0
        block_size = 16
        for _ in range(self.max_epochs):
            order = rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
            mistakes = 0
            position = 0
            while position < len(order):
                # w only changes on a mistake, so score a block of upcoming samples at once and
                # jump to the first mistake among them: exact, and far fewer Python steps. The
                # block is about twice the last gap between mistakes.
                block = order[position:position + block_size]
                margins = signs[block] * (X[block] @ w + b)
                wrong = np.flatnonzero(margins <= 0)
                if len(wrong) == 0:
                    position += len(block)
                    block_size = min(2 * block_size, 4096)
                    continue
                block_size = max(16, 2 * (int(wrong[0]) + 1))
                i = block[wrong[0]]
                w += (self.lr * signs[i]) * X[i]
                b += step_b * float(signs[i])
                mistakes += 1
                if self.track_updates:
                    self.update_steps.append(step + position + int(wrong[0]))
                    self.accuracy_per_update.append(_accuracy(X, signs, w, b))
                position += int(wrong[0]) + 1
            step += len(order)
            self.mistakes_per_epoch.append(mistakes)
            self.accuracy_per_epoch.append(_accuracy(X, signs, w, b))
            if mistakes == 0:
                self.converged_ = True
                break
        self.n_epochs_ = len(self.mistakes_per_epoch)
        self.coef_, self.intercept_ = w, b
        return self

    def decision_function(self, X: Any) -> Array:
        """The score w·x + b of each row; positive means `classes_[1]`."""
        self._check_fitted()
        assert self.coef_ is not None
        X = check_features(X, f"{type(self).__name__}.predict", n_features=len(self.coef_))
        return X @ self.coef_ + self.intercept_

    def predict(self, X: Any) -> Array:
        """`classes_[1]` where w·x + b > 0, else `classes_[0]`."""
        scores = self.decision_function(X)
        assert self.classes_ is not None
        return self.classes_[(scores > 0).astype(np.intp)]

    def accuracy_per_step(self) -> Array:
        """Training accuracy before each sample visit, as seed 002 plots it (needs
        `track_updates`): the accuracy after the latest update made before that visit.

        >>> X = np.array([[1.0], [-1.0], [2.0]])
        >>> Perceptron().fit(X, [1, 0, 1]).accuracy_per_step()
        array([0.33333333, 1.        , 1.        , 1.        , 1.        , 1.        ])
        """
        self._check_fitted()
        if not self.track_updates:
            raise ValueError("Perceptron.accuracy_per_step: fit with track_updates=True")
        n_steps = self.n_epochs_ * self._n_fit_samples
        # Visit t sees the weights after every update made at a visit < t.
        updates_before = np.searchsorted(np.array(self.update_steps, dtype=np.intp),
                                         np.arange(n_steps))
        return np.array(self.accuracy_per_update)[updates_before]


def _accuracy(X: Array, signs: Array, w: Array, b: float) -> float:
    return float(np.mean(((X @ w + b) > 0) == (signs > 0)))
