"""The playground's data: TF Playground's six datasets (ported from its src/dataset.ts,
seeded, with K classes where they take them), seed 000's curve, an uploaded CSV's points,
and the split and point edits that `make_data` applies to any of them.

Each generator returns `(points, labels)`: points float64 of shape (n, 2) in about
[-6, 6]² ((n, 1) in [0, 1] for the curve), labels float64 of shape (n,): a class index
0..K-1 for the classification sets (with two classes, class 0 is TF Playground's -1 and
class 1 its +1), a target in about [-1, 1] for the regression sets. `noise` is a fraction
(TF Playground's slider / 100). The formulas are TF Playground's, draw for draw in kind
(uniform, or Marsaglia's polar method for the Gaussians); only the random stream differs,
NumPy's instead of seedrandom's. `make_data(settings, upload)` draws TF Playground's 500
(classification) or 1200 (regression) points (512 for the curve), or takes the upload's,
shuffles them and splits them as it does: the first `percTrainData`% train; then the
training part loses the points `removed` names and gains those `added` lists.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from .settings import CURVE_FEATURES, MAX_EDITS, Settings, SettingsError

__all__ = [
    "DATASETS", "MAX_POINTS", "NUM_SAMPLES_CLASSIFY", "NUM_SAMPLES_CURVE", "NUM_SAMPLES_REGRESS",
    "Data", "Upload", "classify_circle", "classify_spiral", "classify_two_gauss", "classify_xor",
    "make_data", "point_added", "point_removed", "regress_curve", "regress_gaussian",
    "regress_plane", "upload_settings",
]

#: TF Playground's point counts, the curve's (seed 000), and the most points a playground holds.
NUM_SAMPLES_CLASSIFY, NUM_SAMPLES_REGRESS, NUM_SAMPLES_CURVE, MAX_POINTS = 500, 1200, 512, 5000

Generated = tuple[np.ndarray, np.ndarray]


def _class_sizes(n: int, classes: int) -> list[int]:
    """n points in `classes` parts as equal as can be, the first parts one larger."""
    return [n // classes + (part < n % classes) for part in range(classes)]


def classify_circle(n: int, noise: float, rng: np.random.Generator,
                    classes: int = 2) -> Generated:
    """K rings out to radius R = 5, the innermost (a disc) class K-1, the outermost class 0.
    With two classes TF Playground's: the disc of radius 2.5 and the ring 3.5..5. With K,
    ring j spans [R·j/K + 0.4·R/K (j > 0), R·(j+1)/K]. The label is read at the point moved
    by uniform noise·[-5, 5]²: K-1-⌊K·r/R⌋ (at most K-1), r the moved point's radius.

    >>> points, labels = classify_circle(4, 0.0, np.random.default_rng(0))
    >>> labels.tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    radius, band = 5.0, 5.0 / classes
    sizes = _class_sizes(n, classes)
    r = np.concatenate([rng.uniform(band * j + (0.4 * band if j else 0.0), band * (j + 1), size)
                        for j, size in enumerate(sizes)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    moved = points + rng.uniform(-radius, radius, points.shape) * noise
    ring = np.minimum(np.hypot(moved[:, 0], moved[:, 1]) // band, classes - 1)
    return points, (classes - 1 - ring).astype(np.float64)


def classify_xor(n: int, noise: float, rng: np.random.Generator,
                 classes: int = 2) -> Generated:
    """Uniform in [-5, 5]², pushed 0.3 away from both axes; class 1 where x·y >= 0 at the
    point moved by uniform noise·[-5, 5]², else class 0. Two classes only.

    >>> points, labels = classify_xor(200, 0.0, np.random.default_rng(0))
    >>> bool((np.abs(points) >= 0.3).all()), bool((labels == (points.prod(1) >= 0)).all())
    (True, True)
    """
    if classes != 2:
        raise ValueError(f"classify_xor: xor has 2 classes, not {classes}")
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    moved = points + rng.uniform(-5, 5, (n, 2)) * noise
    return points, np.where(moved[:, 0] * moved[:, 1] >= 0, 1.0, 0.0)


def classify_two_gauss(n: int, noise: float, rng: np.random.Generator,
                       classes: int = 2) -> Generated:
    """K Gaussians of variance 0.5 + 7·noise (TF Playground's scale from noise [0, 0.5] to
    variance [0.5, 4]) centred on a circle: class c at angle 225° − c·360°/K, radius 2√2
    for two classes (TF Playground's: class 1 around (2, 2), class 0 around (-2, -2)) and 4
    for more, so that neighbours stay apart.

    >>> points, labels = classify_two_gauss(1000, 0.0, np.random.default_rng(0))
    >>> np.round(points[labels == 1].mean(0)).tolist(), round(float(points[:500].var()), 1)
    ([2.0, 2.0], 0.5)
    """
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    circle = 2 * np.sqrt(2) if classes == 2 else 4.0
    parts, labels = [], []
    for j, size in enumerate(_class_sizes(n, classes)):
        label = classes - 1 - j  # (TF Playground draws its +1 class first)
        angle = np.radians(225 - label * 360 / classes)
        parts.append(np.tile([circle * np.cos(angle), circle * np.sin(angle)], (size, 1)))
        labels.append(np.full(size, float(label)))
    centres = np.concatenate(parts)
    return centres + np.sqrt(variance) * _polar_normal(rng, centres.shape), np.concatenate(labels)


def classify_spiral(n: int, noise: float, rng: np.random.Generator,
                    classes: int = 2) -> Generated:
    """K arms of 1.75 turns out to radius 5, arm j turned by 2πj/K and of class K-1-j
    (TF Playground's two: class 1, then class 0 turned by π); point i of an arm of n/K at
    radius 5·i/(n/K), angle 1.75·2π·i/(n/K); uniform noise·[-1, 1] on each coordinate.

    >>> points, labels = classify_spiral(4, 0.0, np.random.default_rng(0))
    >>> np.round(points, 2).tolist(), labels.tolist()
    ([[0.0, 0.0], [-1.77, 1.77], [0.0, 0.0], [1.77, -1.77]], [1.0, 1.0, 0.0, 0.0])
    """
    per_arm = n / classes
    parts, labels = [], []
    for j, size in enumerate(_class_sizes(n, classes)):
        arm = np.arange(size, dtype=np.float64)
        r = arm / per_arm * 5
        t = 1.75 * arm / per_arm * 2 * np.pi + 2 * np.pi * j / classes
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        labels.append(np.full(size, float(classes - 1 - j)))
    points = np.concatenate(parts)
    points = points + rng.uniform(-1, 1, points.shape) * noise
    return points, np.concatenate(labels)


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


def regress_curve(n: int, noise: float, rng: np.random.Generator) -> Generated:
    """Seed 000's curious curve: x ~ U[0, 1], y = cos(2x + 20x²) + noise·N(0, 1); the
    points have shape (n, 1) (one input).

    >>> points, targets = regress_curve(3, 0.0, np.random.default_rng(0))
    >>> points.shape, bool(np.allclose(targets, np.cos(2 * points[:, 0] + 20 * points[:, 0]**2)))
    ((3, 1), True)
    """
    x = rng.uniform(0, 1, n)
    return x[:, None], np.cos(2 * x + 20 * x**2) + noise * rng.standard_normal(n)


#: The generators by TF Playground's dataset names (the classification sets take `classes`).
DATASETS: dict[str, Callable[..., Generated]] = {
    "circle": classify_circle, "xor": classify_xor, "gauss": classify_two_gauss,
    "spiral": classify_spiral, "reg-plane": regress_plane, "reg-gauss": regress_gaussian,
    "curve": regress_curve,
}


@dataclasses.dataclass(frozen=True)
class Upload:
    """An uploaded CSV file's data, read and scaled (stir.playground.upload makes it):
    `points` (n, dims) float64 with each feature scaled into [-5, 5] (into [0, 1] when
    there is one), `labels` (n,) float64 (class indices, or targets scaled into [-1, 1]),
    the class names of a classification (num_classes of them; None and () for a
    regression), and `axes`, the "data" message's: {"x1": {"name", "low", "high"}, "x2": ...,
    "label": {"name", "low", "high"} or {"name", "classes"}}, the file's own scales;
    `left_out`, the file's line numbers of the rows left out for a missing cell.

    >>> upload = Upload("a.csv", "y", "regression", None, (), np.zeros((2, 1)), np.zeros(2),
    ...                 {}, 1)
    >>> upload.dims, upload.points.shape
    (1, (2, 1))
    """

    name: str
    target: str
    problem: str
    num_classes: int | None
    class_names: tuple[str, ...]
    points: np.ndarray
    labels: np.ndarray
    axes: dict[str, Any]
    dims: int
    left_out: tuple[int, ...] = ()


@dataclasses.dataclass(frozen=True)
class Data:
    """A playground's points, split: (n, dims) points and (n,) labels for each part; K for
    a classification (None for a regression); the upload's axes (None for generated data);
    and where each training point came from: its index among the generated (or uploaded)
    training points, or -1 - i for the i-th point of `added` (None: all generated, in order).
    """

    train_points: np.ndarray
    train_labels: np.ndarray
    test_points: np.ndarray
    test_labels: np.ndarray
    dims: int = 2
    num_classes: int | None = None
    axes: dict[str, Any] | None = None
    origins: np.ndarray | None = None


def make_data(settings: Settings, upload: Upload | None = None) -> Data:
    """The points of `settings`: drawn with its seed (or the upload's, when the dataset is
    "upload"), shuffled, and split as TF Playground does (the first
    floor(n · percTrainData / 100) train); then the training points `removed` names go and
    those `added` lists follow the rest.

    >>> data = make_data(Settings())
    >>> data.train_points.shape, data.test_points.shape, data.num_classes
    ((250, 2), (250, 2), 2)
    >>> make_data(Settings(removed=(0, 1), added=((1.0, 1.0, 0.0),))).train_points.shape
    (249, 2)
    """
    rng = np.random.default_rng([settings.seed, 1])  # (the network's weights use `seed`)
    name, classes = settings.data_set(), settings.classes()
    axes = None
    if name == "upload":
        points, labels, dims, axes = _uploaded(settings, upload)
    else:
        if name == "curve":
            n = NUM_SAMPLES_CURVE
        else:
            n = NUM_SAMPLES_CLASSIFY if classes is not None else NUM_SAMPLES_REGRESS
        options = {"classes": classes} if classes is not None else {}
        points, labels = DATASETS[name](n, settings.noise / 100, rng, **options)
        dims = points.shape[1]
    order = rng.permutation(len(points))
    points, labels = points[order], labels[order]
    split = int(len(points) * settings.perc_train_data // 100)
    train_points, train_labels = points[:split], labels[:split]
    origins = np.arange(split)
    if settings.removed:
        past = [index for index in settings.removed if index >= split]
        if past:
            raise SettingsError(f"removed: index {past[0]} is past the {split} training points")
        kept = np.setdiff1d(origins, settings.removed)
        train_points, train_labels, origins = train_points[kept], train_labels[kept], kept
    if settings.added:
        added = np.array(settings.added, dtype=np.float64)
        if added.shape[1] != dims + 1:
            raise SettingsError(f"added: points must be {dims + 1} numbers long here (the data "
                                f"has {dims} input{'s' if dims > 1 else ''} and a label)")
        train_points = np.concatenate([train_points, added[:, :-1]])
        train_labels = np.concatenate([train_labels, added[:, -1]])
        origins = np.concatenate([origins, -1 - np.arange(len(added))])
    return Data(train_points, train_labels, points[split:], labels[split:], dims, classes,
                axes, origins)


def _uploaded(settings: Settings, upload: Upload | None) -> tuple[np.ndarray, np.ndarray, int,
                                                                 dict[str, Any]]:
    """The upload's points, labels, dims and axes, once they agree with `settings`."""
    field = settings.data_field()
    if upload is None:
        raise SettingsError(f"{field}: 'upload' is the last CSV file uploaded on this page, "
                            "and there is none: upload the CSV file again")
    if upload.problem != settings.problem:
        raise SettingsError(f"problem: {upload.name} is a {upload.problem} data set, so the "
                            f"problem must be {upload.problem!r}")
    if upload.num_classes is not None and upload.num_classes != settings.num_classes:
        raise SettingsError(f"numClasses: {upload.name} has {upload.num_classes} classes, "
                            f"not {settings.num_classes}")
    if upload.dims == 1:
        other = [name for name in settings.features() if name not in CURVE_FEATURES]
        if other:
            raise SettingsError(f"{other[0]}: {upload.name} has one feature, x; only "
                                f"{', '.join(CURVE_FEATURES)} may be on")
    return upload.points, upload.labels, upload.dims, upload.axes


def upload_settings(settings: Settings, upload: Upload) -> Settings:
    """`settings` turned to an upload: its problem, the dataset "upload", its number of
    classes (with loss cross-entropy when there are more than 2; square for a regression),
    only x₁'s features when it has one column (x when none was on), x and y on when it has
    two, and no point edits.

    >>> upload = Upload("a.csv", "y", "classification", 3, ("a", "b", "c"),
    ...                 np.zeros((3, 1)), np.arange(3.0), {}, 1)
    >>> new = upload_settings(Settings(), upload)
    >>> new.dataset, new.num_classes, new.loss, new.features()
    ('upload', 3, 'cross-entropy', ('x',))
    """
    changes: dict[str, Any] = {"problem": upload.problem, "added": [], "removed": []}
    if upload.problem == "classification":
        changes.update(dataset="upload", numClasses=upload.num_classes)
        if (upload.num_classes or 2) > 2:
            changes["loss"] = "cross-entropy"
    else:
        changes.update(regDataset="upload", loss="square")
    if upload.dims == 1:
        changes.update({name: False for name in ("y", "ySquared", "xTimesY", "sinY")})
        if not any(name in CURVE_FEATURES for name in settings.features()):
            changes["x"] = True
    else:  # (both of the file's columns drawn in, whatever was on before)
        changes.update(x=True, y=True)
    return settings.updated(changes)


def point_added(settings: Settings, point: Any) -> Settings:
    """`settings` with `point` ([x1, x2, label], or [x, label] for one input) appended to
    `added`, checked (and rounded) as every setting is.

    >>> point_added(Settings(), [1.23456, -2, 1]).added
    ((1.235, -2.0, 1.0),)
    """
    if len(settings.added) >= MAX_EDITS:
        raise SettingsError(f"added: at most {MAX_EDITS} points can be added")
    return settings.updated({"added": [list(row) for row in settings.added] + [point],
                             "removed": list(settings.removed)})


def point_removed(settings: Settings, data: Data, index: Any) -> Settings:
    """`settings` without training point `index` of `data` (made from them): an added
    point leaves `added`, a generated one joins `removed`.

    >>> settings = Settings()
    >>> point_removed(settings, make_data(settings), 3).removed
    (3,)
    """
    count = len(data.train_points)
    whole = isinstance(index, (int, np.integer)) or (isinstance(index, float)
                                                     and index.is_integer())
    if isinstance(index, bool) or not whole or not 0 <= index < count:
        raise SettingsError(f"index: must be a training point's index, 0 to {count - 1}; got "
                            f"{' '.join(repr(index).split())[:40]}")
    index = int(index)
    origin = int(data.origins[index]) if data.origins is not None else index
    added, removed = [list(row) for row in settings.added], list(settings.removed)
    if origin < 0:
        del added[-1 - origin]
    else:
        if len(removed) >= MAX_EDITS:
            raise SettingsError(f"removed: at most {MAX_EDITS} points can be removed")
        removed = sorted(removed + [origin])
    return settings.updated({"added": added, "removed": removed})


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
