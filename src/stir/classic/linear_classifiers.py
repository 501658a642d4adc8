"""Linear classifiers of seed 003: scores s = W x + b, a softmax or multiclass SVM loss plus
λ Σ W², minimized by minibatch SGD with momentum. Gradients are derived by hand, in NumPy.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .._types import Array
from .base import Classifier, check_features, check_targets, encode_labels

LossFunction = Callable[..., tuple[float, Array, Array]]


def _check_loss_inputs(W: Array, b: Array, X: Array, y: Array, where: str) -> None:
    if W.ndim != 2 or b.shape != (W.shape[0],) or X.ndim != 2 or X.shape[1] != W.shape[1]:
        raise ValueError(
            f"{where}: need W (C, D), b (C,), X (N, D); got W {W.shape}, b {tuple(b.shape)}, X {X.shape}"
        )
    if y.shape != (len(X),) or y.dtype.kind not in "iu":
        raise ValueError(f"{where}: y must be {len(X)} integer class indices, got {tuple(y.shape)} "
                         f"of dtype {y.dtype}")
    if len(y) and (y.min() < 0 or y.max() >= len(W)):
        raise ValueError(f"{where}: class indices must lie in [0, {len(W)}), got {y.min()} to "
                         f"{y.max()}")


def softmax_loss(W: Array, b: Array, X: Array, y: Array, reg: float) -> tuple[float, Array, Array]:
    """L = (1/N) Σᵢ -log(e^{s_{yᵢ}} / Σⱼ e^{sⱼ}) + λ Σ W², with s = W xᵢ + b; returns
    (L, ∂L/∂W, ∂L/∂b), where ∂L/∂s = (softmax(s) - onehot(yᵢ)) / N and ∂L/∂W = (∂L/∂s)ᵀ X + 2λW.

    y holds class indices 0..C-1. Stable for any score size (the row maximum is subtracted).

    >>> W, b = np.zeros((3, 2)), np.zeros(3)
    >>> loss, dW, db = softmax_loss(W, b, np.ones((4, 2)), np.array([0, 1, 2, 0]), 0.1)
    >>> bool(np.isclose(loss, np.log(3))), db.round(4)
    (True, array([-0.1667,  0.0833,  0.0833]))
    """
    _check_loss_inputs(W, b, X, y, "softmax_loss")
    n, rows = len(X), np.arange(len(X))
    scores = X @ W.T + b
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    log_likelihood = shifted[rows, y] - np.log(total[:, 0])
    loss = -log_likelihood.mean() + reg * np.vdot(W, W)
    grad_scores = exp / total
    grad_scores[rows, y] -= 1
    grad_scores /= n
    return float(loss), grad_scores.T @ X + (2 * reg) * W, grad_scores.sum(axis=0)


def svm_loss(W: Array, b: Array, X: Array, y: Array, reg: float) -> tuple[float, Array, Array]:
    """L = (1/N) Σᵢ Σ_{j≠yᵢ} max(0, sⱼ - s_{yᵢ} + 1) + λ Σ W², with s = W xᵢ + b; returns
    (L, ∂L/∂W, ∂L/∂b). Each positive margin adds 1/N to ∂L/∂sⱼ and takes 1/N from ∂L/∂s_{yᵢ}
    (a margin of exactly 0 counts as inactive: the subgradient 0, as ReLU's).

    >>> W, b = np.zeros((3, 2)), np.zeros(3)
    >>> loss, dW, db = svm_loss(W, b, np.ones((2, 2)), np.array([0, 1]), 0.0)
    >>> loss, db
    (2.0, array([-0.5, -0.5,  1. ]))
    """
    _check_loss_inputs(W, b, X, y, "svm_loss")
    n, rows = len(X), np.arange(len(X))
    scores = X @ W.T + b
    margins = np.maximum(scores - scores[rows, y][:, None] + 1, 0)
    margins[rows, y] = 0
    loss = margins.sum() / n + reg * np.vdot(W, W)
    grad_scores = (margins > 0).astype(scores.dtype)
    grad_scores[rows, y] = -grad_scores.sum(axis=1)
    grad_scores /= n
    return float(loss), grad_scores.T @ X + (2 * reg) * W, grad_scores.sum(axis=0)


class LinearClassifier(Classifier):
    """Scores s = W x + b for each class; predicts the class of the largest score.

    Trained by minibatch SGD on a loss plus λ Σ W² (the bias is not regularized): each epoch
    visits the samples in a random order, `batch_size` at a time, and steps with momentum as in
    seed 003: v ← ρ v + ∂L/∂W, W ← W - lr·v (ρ = `momentum`; 0 is plain SGD). W starts at
    0.001·N(0, 1), b at 0. Features of very different scales train badly: standardize them.

    After fit: `coef_` (W, shape (n_classes, n_features)), `intercept_` (b), `classes_`,
    `loss_per_epoch` (mean minibatch loss in each epoch).
    """

    _loss_function: LossFunction

    def __init__(
        self,
        reg: float = 1e-3,
        lr: float = 0.1,
        epochs: int = 50,
        batch_size: int = 200,
        momentum: float = 0.0,
        seed: int | None = None,
    ) -> None:
        if reg < 0 or not lr > 0 or epochs < 1 or batch_size < 1 or not 0 <= momentum < 1:
            raise ValueError(
                f"{type(self).__name__}: need reg >= 0, lr > 0, epochs >= 1, batch_size >= 1 "
                f"and 0 <= momentum < 1; got reg={reg}, lr={lr}, epochs={epochs}, "
                f"batch_size={batch_size}, momentum={momentum}"
            )
        self.reg = reg
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.momentum = momentum
        self.seed = seed
        self.coef_: Array | None = None
        self.intercept_: Array | None = None
        self.loss_per_epoch: list[float] = []

    def _settings(self) -> dict[str, Any]:
        return {"reg": self.reg, "lr": self.lr, "epochs": self.epochs,
                "batch_size": self.batch_size, "momentum": self.momentum}

    def fit(self, X: Any, y: Any) -> LinearClassifier:
        """Train W and b from scratch by minibatch SGD; returns the model."""
        where = f"{type(self).__name__}.fit"
        X = check_features(X, where)
        y = check_targets(y, len(X), where)
        self.classes_, targets = encode_labels(y, where)
        rng = np.random.default_rng(self.seed)
        W = (0.001 * rng.standard_normal((len(self.classes_), X.shape[1]))).astype(X.dtype)
        b = np.zeros(len(self.classes_), dtype=X.dtype)
        velocity_W, velocity_b = np.zeros_like(W), np.zeros_like(b)
        loss_function = type(self)._loss_function
        self.loss_per_epoch = []
        # Overflow is reported once, as divergence, below; not as NumPy warnings on the way.
        with np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(self.epochs):
                order = rng.permutation(len(X))
                losses = []
                for start in range(0, len(X), self.batch_size):
                    batch = order[start:start + self.batch_size]
                    loss, grad_W, grad_b = loss_function(W, b, X[batch], targets[batch], self.reg)
                    losses.append(loss)
                    velocity_W *= self.momentum
                    velocity_W += grad_W
                    velocity_b *= self.momentum
                    velocity_b += grad_b
                    W -= self.lr * velocity_W
                    b -= self.lr * velocity_b
                self.loss_per_epoch.append(float(np.mean(losses)))
                if not np.isfinite(self.loss_per_epoch[-1]):
                    raise ValueError(
                        f"{where}: the loss became {self.loss_per_epoch[-1]} in epoch {epoch}; "
                        f"lower lr (now {self.lr}) or standardize the features"
                    )
        self.coef_, self.intercept_ = W, b
        return self

    def decision_function(self, X: Any) -> Array:
        """The class scores X Wᵀ + b, one row per sample, one column per class."""
        self._check_fitted()
        assert self.coef_ is not None
        X = check_features(X, f"{type(self).__name__}.predict", n_features=self.coef_.shape[1])
        return X @ self.coef_.T + self.intercept_

    def predict(self, X: Any) -> Array:
        """The class with the largest score (the first such class on a tie)."""
        scores = self.decision_function(X)
        assert self.classes_ is not None
        return self.classes_[scores.argmax(axis=1)]

    def loss(self, X: Any, y: Any) -> float:
        """The training objective (data loss plus λ Σ W²) of the fitted model on (X, y)."""
        self._check_fitted()
        assert self.coef_ is not None and self.intercept_ is not None
        assert self.classes_ is not None
        where = f"{type(self).__name__}.loss"
        X = check_features(X, where, n_features=self.coef_.shape[1])
        y = check_targets(y, len(X), where)
        targets = np.searchsorted(self.classes_, y)
        unknown = (targets >= len(self.classes_)) | (
            self.classes_[np.minimum(targets, len(self.classes_) - 1)] != y
        )
        if unknown.any():
            raise ValueError(f"{where}: label {y[unknown][0]!r} is not one of the fitted classes")
        loss_function = type(self)._loss_function
        return loss_function(self.coef_, self.intercept_, X, targets, self.reg)[0]


class SoftmaxClassifier(LinearClassifier):
    """A linear classifier trained on the softmax (cross-entropy) loss plus λ Σ W².

    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(-2, 1, (50, 2)), rng.normal(2, 1, (50, 2))])
    >>> y = np.repeat(["a", "b"], 50)
    >>> model = SoftmaxClassifier(seed=0).fit(X, y)
    >>> model.score(X, y) > 0.95, float(model.predict_proba(X[:1]).sum().round(6))
    (True, 1.0)
    """

    _loss_function = staticmethod(softmax_loss)

    def predict_proba(self, X: Any) -> Array:
        """softmax(W x + b): each row holds the class probabilities, in `classes_` order."""
        scores = self.decision_function(X)
        exp = np.exp(scores - scores.max(axis=1, keepdims=True))
        return exp / exp.sum(axis=1, keepdims=True)


class SVMClassifier(LinearClassifier):
    """A linear classifier trained on the multiclass SVM hinge loss (margin 1) plus λ Σ W².

    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(-2, 1, (50, 2)), rng.normal(2, 1, (50, 2))])
    >>> SVMClassifier(seed=0).fit(X, np.repeat([0, 1], 50)).score(X, np.repeat([0, 1], 50)) > 0.95
    True
    """

    _loss_function = staticmethod(svm_loss)
