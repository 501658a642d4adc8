"""Seeded synthetic datasets: the seeds' curious curve, paraboloid and income/debt data, and
the usual 2-D classification toys (spirals, moons, circles, xor, blobs).

Every function returns NumPy arrays `(X, y)`: X is float32 of shape (n, d). Regression
targets are float32 of shape (n, 1) (ready for `mse_loss` against an (n, 1) output);
classification labels are int64 of shape (n,) (0..classes-1, or -1/+1 for `income_debt`).
Pass `seed=` (an int) or `generator=` (a `stir.Generator`); with neither, the default
generator is used, which `stir.manual_seed` resets.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .._types import Array
from ..random import Generator, resolve

#: The true rule of `income_debt`: +1 when 2·income − debt − 0.3·scale > 0 (seed 002).
INCOME_DEBT_WEIGHT = (2.0, -1.0)
INCOME_DEBT_BIAS = -0.3


def _rng(seed: int | None, generator: Generator | None) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError("pass seed= or generator=, not both")
    if seed is not None:
        return np.random.default_rng(seed)
    return resolve(generator)


def _check_n(name: str, n: int, least: int = 1) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < least:
        raise ValueError(f"{name}: n must be an int >= {least}, got {n!r}")


def _shuffled(X: Array, y: Array, rng: np.random.Generator) -> tuple[Array, Array]:
    order = rng.permutation(len(X))
    return X[order].astype(np.float32), y[order].astype(np.int64)


def curious_curve(
    n: int = 256, noise: float = 0.1, seed: int | None = None,
    generator: Generator | None = None,
) -> tuple[Array, Array]:
    """Seed 000's curve: x ~ U[0, 1], y = cos(2x + 20x²) + noise·N(0, 1); X, y of shape (n, 1).

    >>> X, y = curious_curve(4, seed=0)
    >>> X.shape, y.shape, X.dtype
    ((4, 1), (4, 1), dtype('float32'))
    """
    _check_n("curious_curve", n)
    rng = _rng(seed, generator)
    x = rng.random(n)
    y = np.cos(2 * x + 20 * x**2) + noise * rng.standard_normal(n)
    return x.astype(np.float32)[:, None], y.astype(np.float32)[:, None]


def paraboloid(
    n: int = 1000, low: float = 0.0, high: float = 1.0, seed: int | None = None,
    generator: Generator | None = None,
) -> tuple[Array, Array]:
    """Seed 001's surface: X ~ U[low, high]² (the unit square by default), y = 1 − |X|².

    X has shape (n, 2), y shape (n, 1).

    >>> X, y = paraboloid(3, seed=0)
    >>> bool(np.allclose(y[:, 0], 1 - (X ** 2).sum(axis=1)))
    True
    """
    _check_n("paraboloid", n)
    rng = _rng(seed, generator)
    X = rng.uniform(low, high, size=(n, 2))
    y = 1 - (X**2).sum(axis=1, keepdims=True)
    return X.astype(np.float32), y.astype(np.float32)


def income_debt(
    n: int = 100, margin: float = 0.05, scale: float = 100_000.0, seed: int | None = None,
    generator: Generator | None = None,
) -> tuple[Array, Array]:
    """Seed 002's perceptron data: income, debt ~ U[0, scale),
    y = sign(2·income − debt − 0.3·scale).

    The true hyperplane is w = INCOME_DEBT_WEIGHT = (2, −1), b = INCOME_DEBT_BIAS·scale. Points
    closer to it than `margin·scale` (Euclidean distance) are redrawn, so the classes are
    separated by a band of width 2·margin·scale and the perceptron converges in at most
    (R/γ)² mistakes (seed 002's original, margin 0, can need very many). X has shape (n, 2);
    y is int64 −1/+1 of shape (n,).

    >>> X, y = income_debt(50, seed=0)
    >>> w, b = np.array(INCOME_DEBT_WEIGHT), INCOME_DEBT_BIAS * 100_000
    >>> bool((np.sign(X @ w + b) == y).all()), sorted(set(y.tolist()))
    (True, [-1, 1])
    """
    _check_n("income_debt", n)
    if not 0 <= margin < 0.2:
        raise ValueError(
            f"income_debt: margin must be in [0, 0.2) (a fraction of scale), got {margin}"
        )
    rng = _rng(seed, generator)
    w, b = np.array(INCOME_DEBT_WEIGHT), INCOME_DEBT_BIAS
    kept: list[Array] = []
    count = 0
    while count < n:
        # Unit-square points first; rejection keeps the accepted ones uniform off the band.
        points = rng.random((2 * n, 2))
        distance = (points @ w + b) / np.linalg.norm(w)
        points = points[np.abs(distance) >= max(margin, 1e-9)]
        kept.append(points)
        count += len(points)
    X = np.concatenate(kept)[:n]
    y = np.where(X @ w + b > 0, 1, -1).astype(np.int64)
    return (X * scale).astype(np.float32), y


def spirals(
    n: int = 300, classes: int = 2, noise: float = 0.2, turns: float = 1.0,
    seed: int | None = None, generator: Generator | None = None,
) -> tuple[Array, Array]:
    """Interleaved spiral arms (CS231n's): arm k has radius r ∈ [0, 1] and angle
    θ = 2π·turns·r + 2πk/classes + noise·N(0, 1), point (r sin θ, r cos θ).

    n is split as evenly as possible across the arms; X (n, 2), y (n,) in 0..classes-1.

    >>> X, y = spirals(7, classes=3, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((7, 2), [3, 2, 2])
    """
    _check_n("spirals", n)
    if classes < 2:
        raise ValueError(f"spirals: classes must be >= 2, got {classes}")
    rng = _rng(seed, generator)
    counts = [n // classes + (k < n % classes) for k in range(classes)]
    points, labels = [], []
    for k, count in enumerate(counts):
        radius = np.linspace(0.0, 1.0, count)
        theta = 2 * np.pi * (turns * radius + k / classes) + noise * rng.standard_normal(count)
        points.append(np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=1))
        labels.append(np.full(count, k))
    return _shuffled(np.concatenate(points), np.concatenate(labels), rng)


def moons(
    n: int = 100, noise: float = 0.0, seed: int | None = None,
    generator: Generator | None = None,
) -> tuple[Array, Array]:
    """Two interleaving half circles (sklearn's make_moons): class 0 is (cos t, sin t) and
    class 1 is (1 − cos t, 0.5 − sin t) for t ∈ [0, π], plus noise·N(0, 1); shuffled.

    X (n, 2), y (n,) with n // 2 rows of class 0.

    >>> X, y = moons(10, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((10, 2), [5, 5])
    """
    _check_n("moons", n, 2)
    rng = _rng(seed, generator)
    outer, inner = n // 2, n - n // 2
    t_outer, t_inner = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    X = np.concatenate([
        np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
        np.stack([1 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1),
    ])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, np.repeat([0, 1], [outer, inner]), rng)


def circles(
    n: int = 100, noise: float = 0.0, factor: float = 0.8, seed: int | None = None,
    generator: Generator | None = None,
) -> tuple[Array, Array]:
    """A circle inside another (sklearn's make_circles): class 0 on the unit circle, class 1
    on the circle of radius `factor`, plus noise·N(0, 1); shuffled. X (n, 2), y (n,).

    >>> X, y = circles(8, factor=0.5, seed=0)
    >>> np.round(np.hypot(X[:, 0], X[:, 1]), 3)[np.argsort(y, kind="stable")].tolist()
    [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5]
    """
    _check_n("circles", n, 2)
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor}")
    rng = _rng(seed, generator)
    outer, inner = n // 2, n - n // 2
    t_outer = np.linspace(0, 2 * np.pi, outer, endpoint=False)
    t_inner = np.linspace(0, 2 * np.pi, inner, endpoint=False)
    X = np.concatenate([
        np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1),
        factor * np.stack([np.cos(t_inner), np.sin(t_inner)], axis=1),
    ])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, np.repeat([0, 1], [outer, inner]), rng)


def xor(
    n: int = 200, noise: float = 0.0, seed: int | None = None,
    generator: Generator | None = None,
) -> tuple[Array, Array]:
    """The XOR pattern: X ~ U[−1, 1]², y = 1 where x₁ and x₂ have opposite signs, else 0;
    noise·N(0, 1) is added to X after labelling. X (n, 2), y (n,).

    >>> X, y = xor(5, seed=0)
    >>> bool((y == ((X[:, 0] > 0) != (X[:, 1] > 0))).all())
    True
    """
    _check_n("xor", n)
    rng = _rng(seed, generator)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.int64)
    X = X + noise * rng.standard_normal(X.shape)
    return X.astype(np.float32), y


def blobs(
    n: int = 100, centers: int | Sequence[Sequence[float]] = 3, n_features: int = 2,
    cluster_std: float = 1.0, center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None, generator: Generator | None = None,
) -> tuple[Array, Array]:
    """Gaussian clusters (sklearn's make_blobs): class k is centres[k] + cluster_std·N(0, I).

    `centers` is a count (centres drawn uniformly in `center_box`) or a (classes, d) array.
    n is split as evenly as possible; X (n, d), y (n,); shuffled.

    >>> X, y = blobs(9, centers=[[0, 0], [5, 5], [-5, 5]], cluster_std=0.1, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((9, 2), [3, 3, 3])
    """
    _check_n("blobs", n)
    rng = _rng(seed, generator)
    if isinstance(centers, (int, np.integer)):
        if centers < 1:
            raise ValueError(f"blobs: centers must be >= 1, got {centers}")
        points = rng.uniform(*center_box, size=(int(centers), n_features))
    else:
        points = np.asarray(centers, dtype=np.float64)
        if points.ndim != 2 or len(points) == 0:
            raise ValueError(
                f"blobs: centers must be a (classes, d) array, got shape {tuple(points.shape)}"
            )
    classes = len(points)
    counts = [n // classes + (k < n % classes) for k in range(classes)]
    y = np.repeat(np.arange(classes), counts)
    X = points[y] + cluster_std * rng.standard_normal((n, points.shape[1]))
    return _shuffled(X, y, rng)
