"""k-nearest neighbours: predict the majority label among the k closest training samples."""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from .._types import Array
from .base import Classifier, check_features, check_targets, encode_labels

METRICS = ("l2", "l1")
BLOCK_ELEMENTS = 1 << 22  # numbers per distance block: 32 MB in float64


class KNeighborsClassifier(Classifier):
    """Predicts, for each query x, the most common label among its k nearest training samples,
    by the distance d(x, x') = ‖x - x'‖₂ ("l2") or Σ|x - x'| ("l1").

    Deterministic ties: neighbours at equal distance are taken in training order, and when
    classes tie in votes the class of the nearest neighbour among them wins. Queries are
    processed in chunks so that no distance block exceeds ~4M numbers (set `chunk_size`, the
    queries per chunk, to override).

    >>> X = np.array([[0.0], [1.0], [2.0], [10.0]])
    >>> model = KNeighborsClassifier(k=3).fit(X, ["a", "a", "b", "b"])
    >>> model.predict([[0.4], [9.0]])
    array(['a', 'b'], dtype='<U1')
    >>> model.kneighbors([[9.0]])
    (array([[1., 7., 8.]]), array([[3, 2, 1]]))
    """

    _fitted_attribute = "X_"

    def __init__(self, k: int = 1, metric: str = "l2", chunk_size: int | None = None) -> None:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"KNeighborsClassifier: k must be an integer >= 1, got {k!r}")
        if metric not in METRICS:
            raise ValueError(f"KNeighborsClassifier: metric must be one of {METRICS}, got "
                             f"{metric!r}")
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"KNeighborsClassifier: chunk_size must be >= 1, got {chunk_size}")
        self.k = int(k)
        self.metric = metric
        self.chunk_size = chunk_size
        self.X_: Array | None = None
        self.targets_: Array | None = None
        self._squared_norms: Array | None = None

    def _settings(self) -> dict[str, Any]:
        return {"k": self.k, "metric": self.metric}

    def fit(self, X: Any, y: Any) -> KNeighborsClassifier:
        """Remember the training samples (k-NN does all its work at prediction)."""
        where = f"{type(self).__name__}.fit"
        X = check_features(X, where)
        y = check_targets(y, len(X), where)
        if self.k > len(X):
            raise ValueError(f"{where}: k = {self.k} exceeds the {len(X)} training samples")
        self.classes_, self.targets_ = encode_labels(y, where)
        self.X_ = X.copy()
        self._squared_norms = np.einsum("ij,ij->i", X, X) if self.metric == "l2" else None
        return self

    def kneighbors(self, X: Any) -> tuple[Array, Array]:
        """(distances, indices) of each query's k nearest training samples, nearest first."""
        distances, indices = [], []
        for block_distances, block_indices in self._neighbours(X):
            distances.append(block_distances)
            indices.append(block_indices)
        result = np.concatenate(distances)
        if self.metric == "l2":
            result = np.sqrt(result)  # the blocks hold squared distances: same order, cheaper
        return result, np.concatenate(indices)

    def predict(self, X: Any) -> Array:
        """The majority label of each query's k nearest neighbours."""
        votes = [self._vote(indices) for _, indices in self._neighbours(X)]
        assert self.classes_ is not None
        return self.classes_[np.concatenate(votes)]

    def _vote(self, indices: Array) -> Array:
        assert self.targets_ is not None and self.classes_ is not None
        n, n_classes = len(indices), len(self.classes_)
        labels = self.targets_[indices]  # (n, k), nearest first
        rows = np.arange(n)
        counts = np.bincount((rows[:, None] * n_classes + labels).ravel(), minlength=n * n_classes)
        counts = counts.reshape(n, n_classes)
        nearest_rank = np.full((n, n_classes), self.k)
        for rank in range(self.k - 1, -1, -1):  # k small steps; the last write is the nearest
            nearest_rank[rows, labels[:, rank]] = rank
        # More votes wins; among equal votes, the smaller rank of the class's nearest member.
        return (counts * (self.k + 1) + (self.k - nearest_rank)).argmax(axis=1)

    def _neighbours(self, X: Any) -> Iterator[tuple[Array, Array]]:
        self._check_fitted()
        assert self.X_ is not None
        X = check_features(X, f"{type(self).__name__}.predict", n_features=self.X_.shape[1])
        n_train = len(self.X_)
        chunk = self.chunk_size or max(1, BLOCK_ELEMENTS // n_train)
        for start in range(0, len(X), chunk):
            distances = self._distances(X[start:start + chunk])
            yield _k_smallest(distances, self.k)

    def _distances(self, queries: Array) -> Array:
        """(len(queries), n_train) distances: squared for l2 (the order is what matters)."""
        assert self.X_ is not None
        if self.metric == "l2":
            # ‖q - x‖² = ‖q‖² - 2 q·x + ‖x‖²: one matrix product instead of an (n, m, d) array.
            squared = np.einsum("ij,ij->i", queries, queries)[:, None] - 2 * (queries @ self.X_.T)
            squared += self._squared_norms
            return np.maximum(squared, 0, out=squared)  # round-off can dip below 0
        result = np.empty((len(queries), len(self.X_)), dtype=np.result_type(queries, self.X_))
        features = self.X_.shape[1]
        rows_per_block = max(1, BLOCK_ELEMENTS // max(1, len(queries) * features))
        for start in range(0, len(self.X_), rows_per_block):
            block = self.X_[start:start + rows_per_block]
            result[:, start:start + len(block)] = np.abs(
                queries[:, None, :] - block[None, :, :]
            ).sum(axis=2)
        return result


def _k_smallest(distances: Array, k: int) -> tuple[Array, Array]:
    """Per row, the k smallest distances and their columns, ordered by (distance, column)."""
    rows = np.arange(len(distances))
    if k < distances.shape[1]:
        candidates = np.argpartition(distances, k - 1, axis=1)[:, :k]
        kth = distances[rows[:, None], candidates].max(axis=1)
        # argpartition picks arbitrarily among values equal to the k-th; where such ties
        # straddle the cut, redo the row with a stable sort so lower columns win.
        ambiguous = np.flatnonzero((distances <= kth[:, None]).sum(axis=1) > k)
        for row in ambiguous:
            candidates[row] = np.argsort(distances[row], kind="stable")[:k]
    else:
        candidates = np.broadcast_to(np.arange(distances.shape[1]), distances.shape).copy()
    chosen = distances[rows[:, None], candidates]
    order = np.lexsort((candidates, chosen))  # by distance, then by column
    return np.take_along_axis(chosen, order, 1), np.take_along_axis(candidates, order, 1)
