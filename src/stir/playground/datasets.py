"""TF Playground's six datasets, ported from its src/dataset.ts, seeded, and its split.

Each generator returns `(points, labels)`: points float64 of shape (n, 2) in about
[-6, 6]², labels float64 of shape (n,): -1 or +1 for the four classification sets, a target
in [-1, 1] for the two regression sets. `noise` is a fraction (TF Playground's slider / 100).
The formulas are TF Playground's, draw for draw in kind (uniform, or Marsaglia's polar
method for the Gaussians); only the random stream differs, NumPy's instead of seedrandom's.
`make_data(settings)` draws TF Playground's 500 (classification) or 1200 (regression)
points, shuffles them and splits them as it does: the first `percTrainData`% train.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from .settings import Settings

__all__ = [
    "DATASETS", "MAX_POINTS", "NUM_SAMPLES_CLASSIFY", "NUM_SAMPLES_REGRESS", "Data",
    "classify_circle", "classify_spiral", "classify_two_gauss", "classify_xor", "make_data",
    "regress_gaussian", "regress_plane",
]

#: TF Playground's point counts, and the most points a playground holds.
NUM_SAMPLES_CLASSIFY, NUM_SAMPLES_REGRESS, MAX_POINTS = 500, 1200, 5000

Generated = tuple[np.ndarray, np.ndarray]


def classify_circle(n: int, noise: float, rng: np.random.Generator) -> Generated:
    """Half the points inside radius 2.5 (label +1 unless noise moves them out), half in the
    ring 3.5..5 (label -1); the label is read at the point moved by uniform noise·[-5, 5]².

    >>> points, labels = classify_circle(4, 0.0, np.random.default_rng(0))
    >>> labels.tolist()
    [1.0, 1.0, -1.0, -1.0]
    """
    radius = 5.0
    half = -(-n // 2)  # (TF loops i < n/2 for each part: an odd n gets one point more)
    r = np.concatenate([rng.uniform(0, radius * 0.5, half),
                        rng.uniform(radius * 0.7, radius, half)])
    angle = rng.uniform(0, 2 * np.pi, 2 * half)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    moved = points + rng.uniform(-radius, radius, points.shape) * noise
    labels = np.where(np.hypot(moved[:, 0], moved[:, 1]) < radius * 0.5, 1.0, -1.0)
    return points, labels


def classify_xor(n: int, noise: float, rng: np.random.Generator) -> Generated:
    """Uniform in [-5, 5]², pushed 0.3 away from both axes; label +1 where x·y >= 0 at the
    point moved by uniform noise·[-5, 5]².

    >>> points, labels = classify_xor(200, 0.0, np.random.default_rng(0))
    >>> bool((np.abs(points) >= 0.3).all()), bool((labels == np.sign(points.prod(1))).all())
    (True, True)
    """
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    moved = points + rng.uniform(-5, 5, (n, 2)) * noise
    labels = np.where(moved[:, 0] * moved[:, 1] >= 0, 1.0, -1.0)
    return points, labels


def classify_two_gauss(n: int, noise: float, rng: np.random.Generator) -> Generated:
    """Two Gaussians, +1 around (2, 2) and -1 around (-2, -2), of variance 0.5 + 7·noise
    (TF Playground's scale from noise [0, 0.5] to variance [0.5, 4]).

    >>> points, labels = classify_two_gauss(1000, 0.0, np.random.default_rng(0))
    >>> np.round(points[labels > 0].mean(0)).tolist(), round(float(points[:500].var()), 1)
    ([2.0, 2.0], 0.5)
    """
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    half = -(-n // 2)  # (as classify_circle)
    centres = np.concatenate([np.full((half, 2), 2.0), np.full((half, 2), -2.0)])
    labels = np.concatenate([np.ones(half), -np.ones(half)])
    return centres + np.sqrt(variance) * _polar_normal(rng, centres.shape), labels


def classify_spiral(n: int, noise: float, rng: np.random.Generator) -> Generated:
    """Two arms of 1.75 turns out to radius 5, the second turned by π; uniform noise·[-1, 1]
    on each coordinate.

    >>> points, labels = classify_spiral(4, 0.0, np.random.default_rng(0))
    >>> np.round(points, 2).tolist(), labels.tolist()
    ([[0.0, 0.0], [-1.77, 1.77], [0.0, 0.0], [1.77, -1.77]], [1.0, 1.0, -1.0, -1.0])
    """
    half = n / 2
    arm = np.arange(int(np.ceil(half)), dtype=np.float64)
    r = arm / half * 5
    parts = []
    for delta in (0.0, np.pi):
        t = 1.75 * arm / half * 2 * np.pi + delta
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
    points = np.concatenate(parts)
    points = points + rng.uniform(-1, 1, points.shape) * noise
    labels = np.concatenate([np.ones(len(arm)), -np.ones(len(arm))])
    return points, labels


def regress_plane(n: int, noise: float, rng: np.random.Generator) -> Generated:
    """Uniform in [-6, 6]²; target (x + y) / 10 read at the point moved by noise·[-6, 6]².

    >>> points, targets = regress_plane(100, 0.0, np.random.default_rng(0))
    >>> bool(np.allclose(targets, points.sum(1) / 10))
    True
    """
    points = rng.uniform(-6, 6, (n, 2))
    moved = points + rng.uniform(-6, 6, (n, 2)) * noise
    return points, moved.sum(axis=1) / 10


#: regress_gaussian's bumps: centre x, centre y, sign.
GAUSSIANS = ((-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1))


def regress_gaussian(n: int, noise: float, rng: np.random.Generator) -> Generated:
    """Six signed cones: at each point the largest in absolute value of sign·max(0, 1 − d/2),
    d the distance to a centre (TF Playground's clamped scale from [0, 2] to [1, 0]), read at
    the point moved by noise·[-6, 6]².

    >>> targets = regress_gaussian(1, 0.0, np.random.default_rng(0))[1]
    >>> float(np.abs(targets).max()) <= 1
    True
    """
    points = rng.uniform(-6, 6, (n, 2))
    moved = points + rng.uniform(-6, 6, (n, 2)) * noise
    cones = np.stack([sign * np.clip(1 - np.hypot(moved[:, 0] - cx, moved[:, 1] - cy) / 2, 0, 1)
                      for cx, cy, sign in GAUSSIANS], axis=1)
    # TF keeps the first of equal magnitudes (it replaces only on a strictly larger one).
    return points, cones[np.arange(n), np.abs(cones).argmax(axis=1)]


#: The generators by TF Playground's dataset names.
DATASETS: dict[str, Callable[[int, float, np.random.Generator], Generated]] = {
    "circle": classify_circle, "xor": classify_xor, "gauss": classify_two_gauss,
    "spiral": classify_spiral, "reg-plane": regress_plane, "reg-gauss": regress_gaussian,
}


@dataclasses.dataclass(frozen=True)
class Data:
    """A playground's points, split: (n, 2) points and (n,) labels for each part."""

    train_points: np.ndarray
    train_labels: np.ndarray
    test_points: np.ndarray
    test_labels: np.ndarray


def make_data(settings: Settings) -> Data:
    """The points of `settings`: drawn with its seed, shuffled, and split as TF Playground
    does (the first floor(n · percTrainData / 100) train).

    >>> data = make_data(Settings())
    >>> data.train_points.shape, data.test_points.shape
    ((250, 2), (250, 2))
    """
    rng = np.random.default_rng([settings.seed, 1])  # (the network's weights use `seed`)
    name = settings.data_set()
    n = NUM_SAMPLES_CLASSIFY if settings.problem == "classification" else NUM_SAMPLES_REGRESS
    points, labels = DATASETS[name](n, settings.noise / 100, rng)
    order = rng.permutation(len(points))
    points, labels = points[order], labels[order]
    split = int(len(points) * settings.perc_train_data // 100)
    return Data(points[:split], labels[:split], points[split:], labels[split:])


def _polar_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal samples by Marsaglia's polar method, as TF Playground's normalRandom:
    (v1, v2) uniform in the unit disc, then v1·sqrt(-2 ln s / s) with s = v1² + v2²."""
    count = int(np.prod(shape))
    found: list[np.ndarray] = []
    while sum(map(len, found)) < count:
        v = rng.uniform(-1, 1, (2 * count + 16, 2))
        s = (v ** 2).sum(axis=1)
        keep = (s <= 1) & (s > 0)  # (TF rejects s > 1; s = 0 would divide by zero)
        found.append(v[keep, 0] * np.sqrt(-2 * np.log(s[keep]) / s[keep]))
    return np.concatenate(found)[:count].reshape(shape)
