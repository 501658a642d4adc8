"""The playground's data: TF Playground's six datasets against the formulas of its
src/dataset.ts, with class indices and K classes; seed 000's curve against NumPy; uploads;
and make_data's split and point edits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stir.playground.datasets import (
    DATASETS, GAUSSIANS, NUM_SAMPLES_CLASSIFY, NUM_SAMPLES_CURVE, NUM_SAMPLES_REGRESS, Upload,
    make_data, point_added, point_removed, upload_settings,
)
from stir.playground.settings import Settings, SettingsError, parse_settings

RNG = np.random.default_rng
CLASSIFY = ("circle", "xor", "gauss", "spiral")


@pytest.mark.parametrize("name", sorted(set(DATASETS) - {"curve"}))
def test_shapes_labels_and_the_square(name) -> None:
    points, labels = DATASETS[name](500, 0.0, RNG(1))
    assert points.shape == (500, 2) and labels.shape == (500,)
    assert np.isfinite(points).all() and np.isfinite(labels).all()
    if name.startswith("reg-"):
        assert np.abs(points).max() <= 6 and np.abs(labels).max() <= 1.2
    else:
        assert set(np.unique(labels)) == {0.0, 1.0}  # class indices
        assert np.abs(points).max() <= 6.5


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_seeded(name) -> None:
    first, again, other = (DATASETS[name](100, 0.2, RNG(seed)) for seed in (3, 3, 4))
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_circle_is_tf_playgrounds() -> None:
    points, labels = DATASETS["circle"](1000, 0.0, RNG(0))
    radius = np.hypot(points[:, 0], points[:, 1])
    inner, outer = radius[:500], radius[500:]
    assert inner.max() <= 2.5 and 3.5 <= outer.min() and outer.max() <= 5
    assert (labels[:500] == 1).all() and (labels[500:] == 0).all()  # TF's +1 is class 1
    noisy_points, noisy = DATASETS["circle"](1000, 0.5, RNG(0))
    assert 0 < (noisy[:500] == 0).mean() < 0.9  # noise flips labels, never moves points
    assert np.abs(np.hypot(*noisy_points.T)[:500]).max() <= 2.5


def test_xor_is_tf_playgrounds() -> None:
    points, labels = DATASETS["xor"](1000, 0.0, RNG(0))
    assert (np.abs(points) >= 0.3).all() and (np.abs(points) <= 5.3).all()
    assert (labels == np.where(points[:, 0] * points[:, 1] >= 0, 1, 0)).all()
    with pytest.raises(ValueError, match="xor has 2 classes, not 3"):
        DATASETS["xor"](10, 0.0, RNG(0), classes=3)


def test_gauss_is_tf_playgrounds() -> None:
    for noise, variance in ((0.0, 0.5), (0.5, 4.0), (0.25, 2.25)):
        points, labels = DATASETS["gauss"](20_000, noise, RNG(0))
        positive = points[labels == 1]
        assert np.allclose(positive.mean(axis=0), 2, atol=0.06)
        assert np.allclose(points[labels == 0].mean(axis=0), -2, atol=0.06)
        assert np.allclose(positive.var(axis=0), variance, rtol=0.05)


def test_spiral_is_tf_playgrounds() -> None:
    n = 500
    points, labels = DATASETS["spiral"](n, 0.0, RNG(0))
    i = np.arange(n // 2)
    r, t = i / (n / 2) * 5, 1.75 * i / (n / 2) * 2 * math.pi
    assert np.allclose(points[:250], np.stack([r * np.sin(t), r * np.cos(t)], 1))
    assert np.allclose(points[250:], -points[:250])  # turned by π
    assert (labels[:250] == 1).all() and (labels[250:] == 0).all()
    noisy, _ = DATASETS["spiral"](n, 0.5, RNG(0))
    assert 0 < np.abs(noisy - points).max() <= 0.5


def test_regression_planes_are_tf_playgrounds() -> None:
    points, targets = DATASETS["reg-plane"](1000, 0.0, RNG(0))
    assert np.allclose(targets, (points[:, 0] + points[:, 1]) / 10)
    points, targets = DATASETS["reg-gauss"](1000, 0.0, RNG(0))
    for (x, y), target in zip(points[:50], targets[:50]):
        label = 0.0
        for cx, cy, sign in GAUSSIANS:  # TF Playground's getLabel, line by line
            new = sign * min(max(1 - math.dist((x, y), (cx, cy)) / 2, 0), 1)
            if abs(new) > abs(label):
                label = new
        assert target == pytest.approx(label)
    assert targets.max() > 0.8 and targets.min() < -0.8


# ---- K classes ----

@pytest.mark.parametrize("classes", [2, 3, 5, 10])
@pytest.mark.parametrize("name", ["circle", "gauss", "spiral"])
def test_k_class_sets_have_k_classes_of_equal_size(name, classes) -> None:
    n = 500
    points, labels = DATASETS[name](n, 0.0, RNG(2), classes=classes)
    assert points.shape == (n, 2) and labels.shape == (n,)
    counts = np.bincount(labels.astype(int), minlength=classes)
    assert len(counts) == classes and counts.sum() == n
    assert counts.max() - counts.min() <= 1 and set(np.unique(labels)) == set(range(classes))


@pytest.mark.parametrize("classes", [3, 4, 7])
def test_the_k_rings_are_read_by_radius(classes) -> None:
    points, labels = DATASETS["circle"](3000, 0.0, RNG(0), classes=classes)
    radius, band = np.hypot(*points.T), 5 / classes
    assert radius.max() <= 5
    ring = np.minimum(np.floor(radius / band), classes - 1)
    assert (labels == classes - 1 - ring).all()  # the disc in the middle: class K-1
    for label in range(classes):  # each ring keeps clear of the next: a 0.4·band gap
        j = classes - 1 - label
        inside = radius[labels == label]
        assert inside.min() >= band * j + (0.4 * band if j else 0) - 1e-12
        assert inside.max() <= band * (j + 1)


@pytest.mark.parametrize("classes", [3, 6])
def test_the_k_gaussians_sit_on_a_circle(classes) -> None:
    points, labels = DATASETS["gauss"](12_000, 0.0, RNG(0), classes=classes)
    for label in range(classes):
        angle = math.radians(225 - label * 360 / classes)
        centre = 4 * np.array([math.cos(angle), math.sin(angle)])
        mine = points[labels == label]
        assert np.allclose(mine.mean(axis=0), centre, atol=0.06)
        assert np.allclose(mine.var(axis=0), 0.5, rtol=0.08)


def test_the_k_spiral_arms_are_turned_by_2pi_over_k() -> None:
    classes, n = 3, 600
    points, labels = DATASETS["spiral"](n, 0.0, RNG(0), classes=classes)
    per_arm = n / classes
    i = np.arange(200)
    r = i / per_arm * 5
    for j in range(classes):
        t = 1.75 * i / per_arm * 2 * math.pi + 2 * math.pi * j / classes
        arm = points[labels == classes - 1 - j]
        assert np.allclose(arm, np.stack([r * np.sin(t), r * np.cos(t)], 1))


def test_make_data_draws_k_classes() -> None:
    settings = parse_settings({"dataset": "spiral", "numClasses": 4, "loss": "cross-entropy"})
    data = make_data(settings)
    assert data.num_classes == 4 and data.dims == 2 and data.axes is None
    both = np.concatenate([data.train_labels, data.test_labels])
    assert np.bincount(both.astype(int)).tolist() == [125] * 4


# ---- the curve ----

def test_the_curve_is_seed_000s_formula() -> None:
    points, targets = DATASETS["curve"](1000, 0.2, RNG(7))
    rng = RNG(7)  # the same draws, by hand: x ~ U[0, 1], then the noise N(0, 1)
    x = rng.uniform(0, 1, 1000)
    expected = np.cos(2 * x + 20 * x ** 2) + 0.2 * rng.standard_normal(1000)
    assert points.shape == (1000, 1)
    assert np.array_equal(points[:, 0], x) and np.allclose(targets, expected, atol=1e-12)


def test_make_data_gives_the_curve_task() -> None:
    settings = parse_settings({"problem": "regression", "regDataset": "curve", "y": False,
                               "noise": 10, "percTrainData": 25})
    data = make_data(settings)
    assert data.dims == 1 and data.num_classes is None
    assert len(data.train_points) + len(data.test_points) == NUM_SAMPLES_CURVE == 512
    assert len(data.train_points) == 128 and data.train_points.shape[1] == 1
    every = np.concatenate([data.train_points, data.test_points])[:, 0]
    residual = np.concatenate([data.train_labels, data.test_labels]) - np.cos(
        2 * every + 20 * every ** 2)
    assert 0 <= every.min() and every.max() <= 1
    assert 0.09 < residual.std() < 0.11  # σ = noise / 100


# ---- the split and the edits ----

def test_make_data_draws_shuffles_and_splits_as_tf_playground() -> None:
    data = make_data(Settings(perc_train_data=70))
    assert len(data.train_points) == 350 and len(data.test_points) == 150
    assert 0.3 < (data.train_labels == 1).mean() < 0.7  # shuffled before the split
    regression = make_data(Settings(problem="regression", perc_train_data=10))
    assert len(regression.train_points) + len(regression.test_points) == NUM_SAMPLES_REGRESS
    assert len(regression.train_points) == 120 and regression.num_classes is None
    again = make_data(Settings(perc_train_data=70))
    assert np.array_equal(again.train_points, data.train_points)
    other = make_data(Settings(perc_train_data=70, seed=1))
    assert not np.array_equal(other.train_points, data.train_points)
    assert len(data.train_points) + len(data.test_points) == NUM_SAMPLES_CLASSIFY


def test_removed_and_added_apply_to_the_training_part() -> None:
    plain = make_data(Settings())
    edited = make_data(parse_settings({"removed": [0, 7, 249],
                                       "added": [[1.5, -2.0, 1], [0.25, 0.5, 0]]}))
    kept = np.delete(np.arange(250), [0, 7, 249])
    assert np.array_equal(edited.train_points[:247], plain.train_points[kept])
    assert np.array_equal(edited.train_labels[:247], plain.train_labels[kept])
    assert edited.train_points[247:].tolist() == [[1.5, -2.0], [0.25, 0.5]]
    assert edited.train_labels[247:].tolist() == [1.0, 0.0]
    assert edited.origins.tolist() == kept.tolist() + [-1, -2]
    assert np.array_equal(edited.test_points, plain.test_points)  # the test part is untouched


def test_a_removed_index_past_the_training_points_is_refused() -> None:
    with pytest.raises(SettingsError, match=r"^removed: index 250 is past the 250 training "
                                            r"points$"):
        make_data(parse_settings({"removed": [3, 250]}))


def test_adding_and_removing_a_point_gives_new_settings() -> None:
    settings = Settings()
    data = make_data(settings)
    one = point_removed(settings, data, 4)
    assert one.removed == (4,) and one.added == ()
    two = point_added(one, [1.2346, 5.5, 1])
    assert two.added == ((1.235, 5.5, 1.0),) and two.removed == (4,)
    data_two = make_data(two)
    assert len(data_two.train_points) == 250 and data_two.train_points[-1].tolist() == [1.235, 5.5]
    # Index 4 of the edited list is generated point 5 (4 is gone); the last is the added one.
    three = point_removed(two, data_two, 4)
    assert three.removed == (4, 5)
    four = point_removed(three, make_data(three), 248)
    assert four.added == () and four.removed == (4, 5)
    assert np.array_equal(make_data(four).train_points, np.delete(data.train_points, [4, 5], 0))


@pytest.mark.parametrize("index, message", [
    (250, "index: must be a training point's index, 0 to 249; got 250"),
    (-1, "index: must be a training point's index, 0 to 249; got -1"),
    (1.5, "index: must be a training point's index"),
    (True, "index: must be a training point's index"),
    ("3", "index: must be a training point's index"),
])
def test_a_bad_index_to_remove_is_refused(index, message) -> None:
    settings = Settings()
    with pytest.raises(SettingsError, match="^" + message.replace("(", r"\(")):
        point_removed(settings, make_data(settings), index)


def test_a_bad_point_to_add_is_refused_and_so_is_the_501st() -> None:
    with pytest.raises(SettingsError, match="^added: point 0: the label must be a class index"):
        point_added(Settings(), [0, 0, 5])
    full = parse_settings({"added": [[0, 0, 0]] * 500})
    with pytest.raises(SettingsError, match="^added: at most 500 points can be added$"):
        point_added(full, [0, 0, 1])


# ---- uploads ----

def _upload(dims: int = 2, problem: str = "classification", n: int = 40) -> Upload:
    rng = RNG(3)
    points = rng.uniform(-5, 5, (n, dims)) if dims == 2 else rng.uniform(0, 1, (n, 1))
    classes = 3 if problem == "classification" else None
    labels = np.arange(n) % 3 * 1.0 if classes else rng.uniform(-1, 1, n)
    names = ("a", "b", "c") if classes else ()
    label_axis = {"name": "kind", "classes": list(names)} if classes else {
        "name": "y", "low": 0.0, "high": 9.0}
    return Upload("points.csv", "kind", problem, classes, names, points, labels,
                  {"x1": {"name": "u", "low": 0.0, "high": 1.0}, "label": label_axis}, dims)


def test_an_upload_is_split_as_generated_points_are() -> None:
    upload = _upload()
    settings = upload_settings(parse_settings({"seed": 5, "percTrainData": 60}), upload)
    data = make_data(settings, upload)
    order = np.random.default_rng([5, 1]).permutation(40)  # the split's shuffle, by hand
    assert np.array_equal(data.train_points, upload.points[order[:24]])
    assert np.array_equal(data.test_labels, upload.labels[order[24:]])
    assert data.num_classes == 3 and data.axes == upload.axes and data.dims == 2


def test_upload_settings_turn_the_page_to_the_file() -> None:
    settings = upload_settings(parse_settings({"xTimesY": True, "removed": [1]}), _upload())
    assert (settings.dataset, settings.num_classes, settings.loss) == ("upload", 3,
                                                                      "cross-entropy")
    assert settings.removed == () and settings.features() == ("x", "y", "xTimesY")
    one = upload_settings(Settings(x2=False, x1=False, x2_squared=True), _upload(1, "regression"))
    assert (one.problem, one.reg_dataset, one.loss, one.features()) == (
        "regression", "upload", "square", ("x",))
    data = make_data(one, _upload(1, "regression"))
    assert data.dims == 1 and data.train_points.shape == (20, 1)


@pytest.mark.parametrize("changes, upload, message", [
    ({"dataset": "upload"}, None, "dataset: 'upload' is the last CSV file uploaded on this "
                                  "page, and there is none: upload the CSV file again"),
    ({"problem": "regression", "regDataset": "upload"}, None,
     "regDataset: 'upload' is the last CSV file uploaded"),
    ({"dataset": "upload", "numClasses": 3, "loss": "cross-entropy"}, _upload(2, "regression"),
     "problem: points.csv is a regression data set, so the problem must be 'regression'"),
    ({"dataset": "upload"}, _upload(), "numClasses: points.csv has 3 classes, not 2"),
    ({"problem": "regression", "regDataset": "upload"}, _upload(1, "regression"),
     "y: points.csv has one feature, x; only x, xSquared, sinX may be on"),
    ({"problem": "regression", "regDataset": "upload", "y": False, "added": [[0.5, 0.5, 0.5]]},
     _upload(1, "regression"), "added: points must be 2 numbers long here (the data has 1 "
                               "input and a label)"),
])
def test_an_upload_that_does_not_fit_the_settings_is_refused(changes, upload, message) -> None:
    with pytest.raises(SettingsError) as caught:
        make_data(parse_settings(changes), upload)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_an_upload_given_for_generated_data_is_not_used() -> None:
    assert np.array_equal(make_data(Settings(), _upload()).train_points,
                          make_data(Settings()).train_points)
