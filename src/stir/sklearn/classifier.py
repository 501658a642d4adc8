"""`MLPClassifier`: stir's MLP, trained as `stir train` trains a classifier, as a
scikit-learn classifier."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..nn import functional as F
from .base import FLOATS, SPARSE, MLPEstimator, dense

__all__ = ["MLPClassifier"]

class MLPClassifier(ClassifierMixin, MLPEstimator):
    """A multilayer perceptron classifier: softmax over the network's outputs, one per
    class, trained on the cross-entropy −log p(y | x) with `stir train`'s defaults (see
    `MLPEstimator` for the hyperparameters and how training goes).

    p(class k | x) = exp(z_k) / Σ_j exp(z_j),  z = MLP((x − mean) / std)

    Labels may be any sortable values (strings, ints, bools); `classes_` holds them sorted,
    and the columns of `predict_proba` follow that order. Fitted attributes: classes_,
    n_features_in_ (and feature_names_in_ for a data frame with string column names),
    model_, standardizer_, history_, best_epoch_, n_iter_.

    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> names = load_iris().target_names[y]
    >>> clf = MLPClassifier(random_state=0)  # (64, 64), relu, Adam 1e-3, batch 32, 100 epochs
    >>> clf.fit(X, names).classes_.tolist()
    ['setosa', 'versicolor', 'virginica']
    >>> bool(clf.score(X, names) > 0.9), clf.predict_proba(X[:2]).shape
    (True, (2, 3))
    """

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on X (n_samples, n_features) and the labels y (n_samples,); returns self."""
        settings = self.check_settings()
        X, y = validate_data(self, X, y, dtype=FLOATS, accept_sparse=SPARSE)
        X = dense(X)
        check_classification_targets(y)
        classes, indices = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"{type(self).__name__}: y holds only one class, "
                             f"{classes.tolist()[0]!r}; a classifier needs at least 2")
        self.fit_network(settings, X, indices.reshape(-1).astype(np.int64), len(classes),
                         F.cross_entropy)
        self.classes_ = classes
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Each row's class probabilities (n_samples, n_classes), in the order of classes_."""
        return np.exp(self.predict_log_proba(X))

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log p(class | x) (n_samples, n_classes): z − logsumexp(z), in float64."""
        check_is_fitted(self)
        X = dense(validate_data(self, X, dtype=FLOATS, reset=False, accept_sparse=SPARSE))
        z = self.network_outputs(X)
        z = z - z.max(axis=1, keepdims=True)  # for exp: the largest logit becomes 0
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (n_samples,), a label from classes_."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_log_proba(X), axis=1)]
