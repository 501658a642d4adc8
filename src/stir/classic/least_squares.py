"""Linear least squares: the β minimizing |y - Xβ - β₀|², by the normal equations or an SVD."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._types import Array
from .base import Model, check_features, check_targets

METHODS = ("normal", "lstsq")


class IllConditionedWarning(UserWarning):
    """A linear system was so ill-conditioned that its solution may have lost most digits."""


class LeastSquares(Model):
    """Ordinary least squares: minimize Σᵢ (yᵢ - xᵢ·β - β₀)² over β and the intercept β₀.

    method="normal" solves the normal equations XᵀX β = Xᵀy as the seeds do (seed 000:
    `inv(X X') X y` over inputs with a row of ones appended), but with `np.linalg.solve`
    rather than an inverse. With an intercept, X and y are first centred: that gives the same
    solution as appending a column of ones (β₀ = ȳ - x̄·β) and keeps the offset from worsening
    the conditioning. Solving XᵀX squares the condition number of X, so when cond(XᵀX)
    exceeds `cond_limit` fit warns with an `IllConditionedWarning`, and when XᵀX is singular
    to working precision it raises a ValueError. method="lstsq" solves the least-squares
    problem directly by an SVD of X (`np.linalg.lstsq`), which also gives the minimum-norm
    solution when features are collinear.

    After fit: `coef_` (shape (n_features,), or (n_features, n_targets) for 2-D y),
    `intercept_`, `condition_number_` (of XᵀX, centred when fitting an intercept), `rank_`.

    >>> x = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = LeastSquares().fit(x, 2 * x[:, 0] + 1)
    >>> model.coef_.round(12), round(float(model.intercept_), 12)
    (array([2.]), 1.0)
    >>> model.predict([[10.0]]).round(12), model.score(x, 2 * x[:, 0] + 1)
    (array([21.]), 1.0)
    """

    def __init__(
        self, fit_intercept: bool = True, method: str = "normal", cond_limit: float = 1e10
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"LeastSquares: method must be one of {METHODS}, got {method!r}")
        if not cond_limit > 1:
            raise ValueError(f"LeastSquares: cond_limit must be > 1, got {cond_limit}")
        self.fit_intercept = fit_intercept
        self.method = method
        self.cond_limit = cond_limit
        self.coef_: Array | None = None
        self.intercept_: Any = None
        self.condition_number_: float | None = None
        self.rank_: int | None = None

    def _settings(self) -> dict[str, Any]:
        return {"fit_intercept": self.fit_intercept, "method": self.method}

    def fit(self, X: Any, y: Any) -> LeastSquares:
        """Solve for `coef_` and `intercept_`; returns the model."""
        where = f"{type(self).__name__}.fit"
        # float64 whatever comes in: the normal equations square the condition number, and
        # float32 would leave too few digits for even a well-posed problem.
        X = check_features(X, where).astype(np.float64, copy=False)
        y = check_targets(y, len(X), where, numeric=True).astype(np.float64, copy=False)
        if self.fit_intercept:
            x_mean, y_mean = X.mean(axis=0), y.mean(axis=0)
            X, y = X - x_mean, y - y_mean
        if self.method == "normal":
            coef = self._solve_normal(X, y)
        else:
            coef, _, rank, singular_values = np.linalg.lstsq(X, y, rcond=None)
            self.rank_ = int(rank)
            smallest = singular_values[-1] if len(X) >= X.shape[1] else 0.0
            self.condition_number_ = (
                float((singular_values[0] / smallest) ** 2) if smallest > 0 else float("inf")
            )
        self.coef_ = coef
        if self.fit_intercept:
            self.intercept_ = y_mean - x_mean @ coef
        else:
            self.intercept_ = np.zeros(y.shape[1:]) if y.ndim == 2 else 0.0
        return self

    def _solve_normal(self, X: Array, y: Array) -> Array:
        gram = X.T @ X
        eigenvalues = np.linalg.eigvalsh(gram)  # ascending; XᵀX is symmetric
        smallest, largest = eigenvalues[0], eigenvalues[-1]
        tolerance = largest * len(eigenvalues) * np.finfo(np.float64).eps
        self.rank_ = int((eigenvalues > tolerance).sum())
        self.condition_number_ = float(largest / smallest) if smallest > 0 else float("inf")
        if self.condition_number_ > self.cond_limit:
            warnings.warn(
                f"LeastSquares: the normal equations are ill-conditioned (cond(XᵀX) = "
                f"{self.condition_number_:.3g} > {self.cond_limit:.3g}), so the coefficients may "
                "be inaccurate; use method='lstsq' (an SVD of X), or drop collinear features",
                IllConditionedWarning,
                stacklevel=3,
            )
        singular = ValueError(
            f"LeastSquares: XᵀX is singular to working precision (rank {self.rank_} of "
            f"{gram.shape[0]} features: some are collinear or constant, or there are fewer "
            "samples than features); method='lstsq' gives the minimum-norm solution"
        )
        if self.rank_ < gram.shape[0]:
            raise singular  # solve would return digits of round-off, or fail
        try:
            return np.linalg.solve(gram, X.T @ y)
        except np.linalg.LinAlgError as error:
            raise singular from error

    def predict(self, X: Any) -> Array:
        """ŷ = X β + β₀ for each row of X."""
        self._check_fitted()
        assert self.coef_ is not None
        X = check_features(X, f"{type(self).__name__}.predict", n_features=self.coef_.shape[0])
        return X @ self.coef_ + self.intercept_

    def score(self, X: Any, y: Any) -> float:
        """R² = 1 - Σ(y - ŷ)² / Σ(y - ȳ)², averaged over targets when y is 2-D.

        A constant y scores 1.0 if predicted exactly and 0.0 otherwise.
        """
        prediction = self.predict(X)
        y = check_targets(y, len(prediction), f"{type(self).__name__}.score", numeric=True)
        if y.shape != prediction.shape:
            raise ValueError(
                f"LeastSquares.score: y has shape {tuple(y.shape)}, predictions have {tuple(prediction.shape)}"
            )
        residual = ((y - prediction) ** 2).sum(axis=0)
        total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        safe_total = np.where(total > 0, total, 1.0)
        r2 = np.where(total > 0, 1 - residual / safe_total, np.where(residual == 0, 1.0, 0.0))
        return float(np.mean(r2))
