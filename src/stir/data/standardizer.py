"""Standardizing features, and the one test of whether a value fits the model's dtype.

A CSV's cells are parsed in float64; the model computes in float32 (or another floating
dtype). `as_dtype` casts and names the first value that would become infinite, and
`Standardizer` computes in float64 so that values near float32's limit do not overflow on
the way, casting its result the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import Array, DTypeLike


class Standardizer:
    """Per-feature standardization z = (x − mean) / std, fitted on training rows only.

    The statistics and the arithmetic are float64, so values near float32's limit do not
    overflow on the way; a result that does not fit the output dtype is a ValueError naming
    the row and feature. A constant feature (std 0) gets std 1, so it maps to 0 instead of
    dividing by zero. `to_dict()` / `from_dict()` give plain lists, to store beside a model's
    weights.

    >>> s = Standardizer.fit(np.array([[1.0, 10.0], [3.0, 10.0]]))
    >>> s.transform(np.array([[2.0, 10.0], [3.0, 10.0]])).tolist()
    [[0.0, 0.0], [1.0, 0.0]]
    >>> Standardizer.from_dict(s.to_dict()).inverse_transform(np.array([[1.0, 0.0]])).tolist()
    [[3.0, 10.0]]
    >>> big = Standardizer.fit(np.array([[3e38], [3e38], [-3e38]]))  # mean 1e38, std 2.8e38
    >>> round(float(big.transform(np.array([[-3e38]]))[0, 0]), 4)  # float32: −3e38 − 1e38 → −inf
    -1.4142
    """

    def __init__(self, mean: Any, std: Any) -> None:
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.std = np.asarray(std, dtype=np.float64).reshape(-1)
        if self.mean.shape != self.std.shape:
            raise ValueError(
                f"Standardizer: mean has {self.mean.size} values but std has {self.std.size}"
            )
        if not (np.isfinite(self.mean).all() and np.isfinite(self.std).all()
                and (self.std > 0).all()):
            raise ValueError("Standardizer: mean must be finite and std finite and positive")

    @classmethod
    def fit(cls, X: Array) -> Standardizer:
        """Mean and (population) standard deviation of each column of X (n, d)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or len(X) == 0:
            raise ValueError(f"Standardizer.fit needs a non-empty (n, d) array, got {X.shape}")
        std = X.std(axis=0)
        return cls(X.mean(axis=0), np.where(std > 0, std, 1.0))

    def _check(self, X: Array) -> Array:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.mean.size:
            raise ValueError(
                f"Standardizer: expected (n, {self.mean.size}) features, got shape {X.shape}"
            )
        return X

    def transform(self, X: Array, dtype: DTypeLike = np.float32) -> Array:
        """(X − mean) / std, computed in float64, as `dtype`."""
        return as_dtype((self._check(X) - self.mean) / self.std, dtype,
                         "Standardizer: (x − mean) / std")

    def inverse_transform(self, Z: Array, dtype: DTypeLike = np.float32) -> Array:
        """Z·std + mean, computed in float64, as `dtype`: undoes `transform`."""
        return as_dtype(self._check(Z) * self.std + self.mean, dtype,
                         "Standardizer: z·std + mean")

    def to_dict(self) -> dict[str, list[float]]:
        """{"mean": [...], "std": [...]} as plain floats (JSON-safe)."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Standardizer:
        """The inverse of `to_dict`; a ValueError names a missing key."""
        missing = [key for key in ("mean", "std") if key not in data]
        if missing:
            raise ValueError(f"Standardizer.from_dict: missing key(s) {missing}")
        return cls(data["mean"], data["std"])

    def __repr__(self) -> str:
        return f"Standardizer({self.mean.size} features)"


class DoesNotFit(ValueError):
    """A value, finite in float64, that overflows the dtype asked for, at (row, column)."""

    def __init__(self, message: str, row: int, column: int, value: float) -> None:
        super().__init__(message)
        self.row, self.column, self.value = row, column, value


def as_dtype(values: Array, dtype: DTypeLike, what: str) -> Array:
    """float64 `values` (n, d) cast to `dtype`; `DoesNotFit` names the first value that
    becomes infinite. The one test of "fits the model's dtype" for cells and standardization."""
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is reported below
        cast = values.astype(dtype)
    bad = ~np.isfinite(cast)
    if not bad.any():
        return cast
    row, column = (int(i) for i in np.argwhere(bad)[0])
    value = float(values[row, column])
    raise DoesNotFit(f"{what} (row {row}, feature {column}) = {value:.4g} does not fit in "
                      f"{dtype_range(dtype)}", row, column, value)


def dtype_range(dtype: DTypeLike) -> str:
    return f"{np.dtype(dtype).name} (largest magnitude {float(np.finfo(dtype).max):.4g})"


def float_dtype(dtype: DTypeLike) -> np.dtype:
    kind = np.dtype(dtype)
    if kind.kind != "f":
        raise ValueError(f"dtype must be a floating-point type, got {kind}")
    return kind
