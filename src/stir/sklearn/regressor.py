"""`MLPRegressor`: stir's MLP, trained as `stir train` trains a regression, as a
scikit-learn regressor."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..nn import functional as F
from .base import FLOATS, SPARSE, MLPEstimator, dense

__all__ = ["MLPRegressor"]


class MLPRegressor(RegressorMixin, MLPEstimator):
    """A multilayer perceptron regressor, trained on the mean squared error of the
    standardized target with `stir train`'s defaults (see `MLPEstimator` for the
    hyperparameters and how training goes).

    ŷ = MLP((x − mean_x) / std_x) · std_y + mean_y

    The target's mean and std (a constant target: std 1) are the training split's, as in
    `stir train`; standardizing it is what puts `stir train` ahead of scikit-learn's own
    MLPRegressor on real tables (which does not). y may be 1-D (n_samples,) or 2-D
    (n_samples, n_outputs); `predict` gives the same shape, in float64. `score` is R²
    (averaged over the outputs). Fitted attributes: n_features_in_
    (and feature_names_in_ for a data frame with string column names), n_outputs_,
    target_standardizer_, model_, standardizer_, history_, best_epoch_, n_iter_.

    >>> from sklearn.datasets import load_diabetes
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape, bool(reg.score(X, y) > 0.4)
    ((3,), True)
    """

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on X (n_samples, n_features) and y (n_samples,) or (n_samples, n_outputs);
        returns self."""
        settings = self.check_settings()
        X, y = validate_data(self, X, y, dtype=FLOATS, multi_output=True, y_numeric=True,
                             accept_sparse=SPARSE)
        X = dense(X)
        targets = np.asarray(y, dtype=np.float64)
        one_target = targets.ndim == 1
        targets = targets.reshape(len(targets), -1)
        self.target_standardizer_ = self.fit_network(settings, X, targets, targets.shape[1],
                                                     F.mse_loss, scale_target=True)
        self.n_outputs_, self._one_target = targets.shape[1], one_target
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predicted target (n_samples,) or (n_samples, n_outputs), as y was, in float64."""
        check_is_fitted(self)
        X = dense(validate_data(self, X, dtype=FLOATS, reset=False, accept_sparse=SPARSE))
        values = self.target_standardizer_.inverse_transform(self.network_outputs(X),
                                                             dtype=np.float64)
        return values[:, 0] if self._one_target else values

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
