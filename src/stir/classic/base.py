"""What the classic models share: input checks, label encoding, and the `Model` and
`Classifier` bases with their fit/predict/score shape."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import Array


class NotFittedError(ValueError, AttributeError):
    """A model was asked to predict before `fit` was called."""


def check_features(X: Any, where: str, n_features: int | None = None) -> Array:
    """X as a finite 2-D float array (float32 stays float32; integers become float64)."""
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{where}: X must hold numbers, got an array of dtype {X.dtype}")
    if X.ndim != 2:
        hint = "; for one feature use X.reshape(-1, 1)" if X.ndim == 1 else ""
        raise ValueError(
            f"{where}: X must be 2-D, shape (n_samples, n_features), got shape {X.shape}{hint}"
        )
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{where}: X has no samples or no features (shape {X.shape})")
    if X.dtype.kind != "f":
        X = X.astype(np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"{where}: X contains NaN or infinity")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"{where}: X has {X.shape[1]} features but the model was fitted on {n_features}"
        )
    return X


def check_targets(y: Any, n_samples: int, where: str, numeric: bool = False) -> Array:
    """y as an array with one entry (or, if `numeric`, one row) per sample."""
    y = np.asarray(y)
    if numeric:
        if y.dtype.kind not in "biuf":
            raise TypeError(f"{where}: y must hold numbers, got an array of dtype {y.dtype}")
        if y.ndim not in (1, 2):
            raise ValueError(f"{where}: y must be 1-D or 2-D, got shape {tuple(y.shape)}")
        y = y if y.dtype.kind == "f" else y.astype(np.float64)
        if not np.isfinite(y).all():
            raise ValueError(f"{where}: y contains NaN or infinity")
    elif y.ndim != 1:
        raise ValueError(f"{where}: y must be 1-D (one label per sample), got shape {tuple(y.shape)}")
    if len(y) != n_samples:
        raise ValueError(f"{where}: X has {n_samples} samples but y has {len(y)}")
    return y


def encode_labels(y: Array, where: str, n_classes: int | None = None) -> tuple[Array, Array]:
    """(classes, indices): the sorted distinct labels and each sample's position among them."""
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{where}: labels y contain NaN or infinity")
    classes, indices = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"{where}: y has a single class {classes.tolist()}; need at least 2")
    if n_classes is not None and len(classes) != n_classes:
        raise ValueError(
            f"{where}: needs exactly {n_classes} classes, got {len(classes)}: "
            f"{classes.tolist()[:10]}"
        )
    return classes, indices.reshape(-1)


class Model:
    """What every classic model shares: `fit` returns self; `predict` refuses before `fit`."""

    _fitted_attribute = "coef_"

    def _check_fitted(self) -> None:
        if getattr(self, self._fitted_attribute, None) is None:
            raise NotFittedError(f"{type(self).__name__}: call fit(X, y) before using the model")

    def fit(self, X: Any, y: Any) -> Model:
        raise NotImplementedError

    def predict(self, X: Any) -> Array:
        raise NotImplementedError

    def __repr__(self) -> str:
        settings = ", ".join(f"{name}={value!r}" for name, value in self._settings().items())
        return f"{type(self).__name__}({settings})"

    def _settings(self) -> dict[str, Any]:
        return {}


class Classifier(Model):
    """A model predicting labels from `classes_`; `score` is the accuracy."""

    classes_: Array | None = None

    def score(self, X: Any, y: Any) -> float:
        """Accuracy: the fraction of samples whose predicted label equals y.

        >>> from stir.classic import KNeighborsClassifier
        >>> X = np.array([[0.0], [1.0], [2.0]])
        >>> KNeighborsClassifier().fit(X, [0, 1, 1]).score(X, [0, 1, 0])
        0.6666666666666666
        """
        prediction = self.predict(X)
        y = check_targets(y, len(prediction), f"{type(self).__name__}.score")
        return float(np.mean(prediction == y))
