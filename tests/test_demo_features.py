"""The features demo (seed 003's image features vs neural networks): the command runs, prints
one table of five models per data set, draws its figure, uses MNIST only from its folder, and
(slow) its CNN reaches 98.5% on the 8×8 digits' test split."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stir
from stir import demos
from stir.data import load_digits, write_idx
from stir.data.idx import MNIST_FILES
from stir.demos import features as features_module
from stir.demos._features_figure import filter_directions, first_filters

pytest.importorskip("sklearn", reason="the 8×8 digits come with scikit-learn")
demo_module = sys.modules["stir.demos.features"]
HAS_MATPLOTLIB = demos.matplotlib_available()
MODELS = ("pixels", "histogram", "hog", "mlp", "cnn")
SOURCE_ROOT = str(Path(stir.__file__).resolve().parents[1])


def table_rows(printed: str, data: str) -> list[str]:
    return [line for line in printed.splitlines() if line.startswith(data)
            and "test images" not in line]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, Path]:
    out = tmp_path_factory.mktemp("features")
    no_mnist = tmp_path_factory.mktemp("no-mnist")
    from contextlib import redirect_stdout
    from io import StringIO
    printed = StringIO()
    with redirect_stdout(printed):
        numbers = features_module(out=out, quick=True, mnist_root=no_mnist)
    return numbers, printed.getvalue(), out


def test_the_demo_is_registered() -> None:
    assert demos.DEMOS["features"] is features_module
    assert "features vs neural networks" in demos.summary("features")


def test_quick_run_prints_five_rows_and_returns_their_numbers(quick_run) -> None:
    numbers, printed, _ = quick_run
    rows = table_rows(printed, "8×8 digits")
    assert len(rows) == 5, printed
    for row, words in zip(rows, ["raw pixels", "intensity histogram", "HOG", "MLP", "CNN"]):
        assert words in row
    assert "MNIST is not in its folder" in printed
    assert set(numbers) == {f"digits_{m}_{kind}" for m in MODELS
                            for kind in ("accuracy", "seconds")}
    assert all(0.0 <= numbers[f"digits_{m}_accuracy"] <= 1.0 for m in MODELS)
    # Even quick, the features rank as the seed says: a histogram ignores where the ink is.
    assert numbers["digits_histogram_accuracy"] < 0.4 < numbers["digits_pixels_accuracy"]
    assert numbers["digits_hog_accuracy"] > 0.85


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="figures need matplotlib")
def test_quick_run_writes_its_figure(quick_run) -> None:
    _, printed, out = quick_run
    figure = out / "features_comparison.png"
    assert figure.read_bytes().startswith(b"\x89PNG") and figure.stat().st_size > 10_000
    assert f"wrote {figure}" in printed


def test_the_command_runs_the_demo(tmp_path: Path) -> None:
    env = {**os.environ, "MPLBACKEND": "Agg", "HOME": str(tmp_path),  # no MNIST cache
           "PYTHONPATH": os.pathsep.join(filter(None, [SOURCE_ROOT,
                                                      os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "stir", "demo", "features", "--quick",
                             "--out", str(tmp_path / "out")], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(table_rows(result.stdout, "8×8 digits")) == 5, result.stdout
    assert (tmp_path / "out" / "features_comparison.png").exists() == HAS_MATPLOTLIB


def test_mnist_in_its_folder_gets_the_five_models_too(tmp_path: Path, capsys) -> None:
    assert demo_module.cached_mnist(tmp_path) is None  # an empty folder: the 8×8 digits only
    rng = np.random.default_rng(0)
    for name, size in zip(MNIST_FILES, (120, 120, 40, 40)):
        shape = (size, 28, 28) if "images" in name else (size,)
        write_idx(tmp_path / name, rng.integers(0, 256 if "images" in name else 10, shape)
                  .astype(np.uint8))
    mnist = demo_module.cached_mnist(tmp_path)
    assert mnist is not None and mnist.X_train.shape == (120, 28, 28)
    rows, cnn = demo_module.compare(mnist, demo_module.SETTINGS["MNIST"][1], seed=0)
    assert [row.n_features for row in rows] == [784, demo_module.HISTOGRAM_BINS, 7 * 7 * 9,
                                                784, 784]
    demo_module.print_table(rows)
    assert len(table_rows(capsys.readouterr().out, "MNIST")) == 5
    assert first_filters(cnn).shape == (4, 3, 3)


def test_without_scikit_learn_the_demo_says_what_to_install(monkeypatch) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "sklearn" else find_spec(name, *args))
    with pytest.raises(demos.DemoError, match="pip install scikit-learn"):
        demo_module.small_digits(0)


def test_the_split_is_load_digits_split(tmp_path: Path) -> None:
    images = demo_module.small_digits(0)
    assert images.X_train.shape == (1437, 8, 8) and images.X_test.shape == (360, 8, 8)
    digits = load_digits(tmp_path, seed=0)  # an empty folder: no MNIST
    np.testing.assert_array_equal(digits.y_test, images.y_test)
    np.testing.assert_array_equal(digits.X_train.reshape(-1, 8, 8), images.X_train)


def test_intensity_histogram_counts_grey_levels() -> None:
    images = np.zeros((2, 8, 8), dtype=np.float32)
    images[1, :4] = 1.0  # half the pixels white
    histogram = demo_module.intensity_histogram(images)
    assert histogram.shape == (2, demo_module.HISTOGRAM_BINS)
    np.testing.assert_allclose(histogram.sum(axis=1), 1.0)
    assert histogram[0, 0] == 1.0 and histogram[1, 0] == histogram[1, -1] == 0.5


def test_one_pixel_shifts_move_the_ink_and_keep_the_labels() -> None:
    X = np.zeros((1, 1, 3, 3), dtype=np.float32)
    X[0, 0, 1, 1] = 1.0
    shifted, labels = demo_module.one_pixel_shifts(X, np.array([4]))
    assert shifted.shape == (5, 1, 3, 3) and labels.tolist() == [4] * 5
    where = [tuple(np.argwhere(image[0])[0]) for image in shifted]
    assert where == [(1, 1), (2, 1), (0, 1), (1, 2), (1, 0)]
    edge = np.zeros((1, 1, 3, 3), dtype=np.float32)
    edge[0, 0, 2, :] = 1.0  # the bottom row falls off when shifted down
    assert demo_module.one_pixel_shifts(edge, np.array([0]))[0][1].sum() == 0.0


def test_filter_directions_follow_hog_angles() -> None:
    ramp = np.tile(np.array([-1.0, 0.0, 1.0]), (3, 1))  # brighter to the right: 0°
    blob = -np.ones((3, 3))
    blob[1, 1] = 8.0
    angles, shares = filter_directions(np.stack([ramp, ramp.T, -ramp.T, blob]))
    np.testing.assert_allclose(angles[:3], [0.0, 90.0, 90.0], atol=1e-9)  # 270° mod 180
    np.testing.assert_allclose(shares, [1.0, 1.0, 1.0, 0.0], atol=1e-9)
    # The angle agrees with what features.hog says of an image of that ramp.
    image = np.tile(np.arange(8.0), (8, 1)).T  # brighter downwards: 90°
    hog = stir.features.hog(image, cell_size=8, bins=9)
    assert hog.argmax() == 4 and filter_directions(image[None, 2:5, 2:5])[0][0] == 90.0


def test_first_filters_reads_the_first_convolution() -> None:
    cnn = demo_module.small_cnn(8, (3, 4), 8, stir.Generator().manual_seed(0))
    assert first_filters(cnn).shape == (3, 3, 3)
    with pytest.raises(ValueError, match="no Conv2d"):
        first_filters(stir.nn.Sequential(stir.nn.Linear(2, 2)))


@pytest.mark.slow
def test_the_default_run_gets_the_cnn_to_98_5_percent(tmp_path: Path) -> None:
    numbers = features_module(out=tmp_path, mnist_root=tmp_path)
    assert numbers["digits_cnn_accuracy"] >= 0.985, numbers
    assert numbers["digits_hog_accuracy"] > numbers["digits_pixels_accuracy"], numbers
    assert numbers["digits_cnn_accuracy"] > max(numbers[f"digits_{m}_accuracy"]
                                                for m in MODELS[:4]), numbers
