"""The digits loader and demo: MNIST from a folder, scikit-learn's digits, or a clear error."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stir
import stir.data.digits
from stir import demos
from stir.data import DatasetNotFoundError, DigitsNotFoundError, IDXError, load_digits, write_idx
from stir.data.idx import MNIST_FILES

HAS_MATPLOTLIB = demos.matplotlib_available()


def patterns(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n noisy 28×28 images of three shapes: a horizontal bar (0), a vertical bar (1), a
    hollow square (2)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n).astype(np.uint8)
    images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
    for image, label in zip(images, labels):
        offset = rng.integers(-3, 4)
        if label == 0:
            image[12 + offset:16 + offset, 4:24] = 255
        elif label == 1:
            image[4:24, 12 + offset:16 + offset] = 255
        else:
            image[6:22, 6:22] = 255
            image[10:18, 10:18] = 0
    return images, labels


def write_mnist(root: Path, n_train: int = 200, n_test: int = 50, gzipped: bool = True) -> Path:
    """MNIST's four files in `root`, holding the patterns above (the images gzipped or not)."""
    root.mkdir(parents=True, exist_ok=True)
    train, test = patterns(n_train, seed=1), patterns(n_test, seed=2)
    arrays = (train[0], train[1], test[0], test[1])
    for name, array in zip(MNIST_FILES, arrays):
        write_idx(root / (name if gzipped else name.removesuffix(".gz")), array)
    return root


@pytest.fixture
def no_sklearn(monkeypatch):
    """Make `import sklearn` (and its submodules) fail, as on a machine without it."""
    for name in [name for name in sys.modules if name.startswith("sklearn.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "sklearn", None)


# --- MNIST from a folder ----------------------------------------------------------------------

@pytest.mark.parametrize("gzipped", [True, False])
def test_load_digits_reads_mnist_files_from_root(tmp_path, gzipped):
    root = write_mnist(tmp_path / "mnist", gzipped=gzipped)
    data = load_digits(root)
    assert data.name == "MNIST" and str(root) in data.source
    assert data.X_train.shape == (200, 784) and data.X_test.shape == (50, 784)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert 0.0 <= data.X_train.min() and data.X_train.max() == 1.0
    assert data.image_shape == (28, 28)
    images, labels = patterns(50, seed=2)
    np.testing.assert_array_equal(data.y_test, labels)
    np.testing.assert_allclose(data.X_test[3], images[3].reshape(-1) / 255.0, rtol=1e-6)


def test_load_digits_prefers_mnist_to_sklearn(tmp_path):
    # Whether or not scikit-learn is installed, MNIST files in the folder win.
    assert load_digits(write_mnist(tmp_path)).name == "MNIST"


def test_demo_trains_on_the_mnist_files_in_root(tmp_path, capsys):
    root = write_mnist(tmp_path / "mnist")
    numbers = demos.digits(out=tmp_path / "out", quick=True, root=root)
    printed = capsys.readouterr().out
    assert f"MNIST (MNIST files in {root})" in printed
    assert "one-vs-rest" in printed and "MLP 784" in printed
    assert numbers["pixels"] == 784 and numbers["test_size"] == 50
    assert numbers["train_size"] == 180  # 10% of 200 held out for validation
    assert numbers["perceptron_test_accuracy"] >= 0.95, numbers
    assert numbers["mlp_test_accuracy"] >= 0.95, numbers
    if HAS_MATPLOTLIB:
        for name in ("predictions", "history"):
            png = tmp_path / "out" / f"digits_{name}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and str(png) in printed


def test_damaged_mnist_is_reported_not_skipped(tmp_path):
    root = write_mnist(tmp_path)
    (root / MNIST_FILES[0]).write_bytes(gzip.compress(b"\x00\x00\x08\x03short"))
    with pytest.raises(IDXError, match="truncated"):
        load_digits(root)


# --- scikit-learn's digits --------------------------------------------------------------------

def test_load_digits_falls_back_to_sklearn(tmp_path):
    pytest.importorskip("sklearn")
    data = load_digits(tmp_path, seed=0)
    assert data.name == "scikit-learn digits" and data.image_shape == (8, 8)
    assert data.X_train.shape == (1437, 64) and data.X_test.shape == (360, 64)
    assert data.X_train.dtype == np.float32 and data.y_test.dtype == np.int64
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    assert set(np.unique(data.y_test)) == set(range(10))
    again, other = load_digits(tmp_path, seed=0), load_digits(tmp_path, seed=1)
    np.testing.assert_array_equal(again.y_test, data.y_test)
    assert not np.array_equal(other.y_test, data.y_test)
    # The split is a partition: every image once, in train or test.
    rows = np.concatenate([data.X_train, data.X_test])
    assert len(np.unique(rows, axis=0)) == len(np.unique(np.concatenate(
        [other.X_train, other.X_test]), axis=0))


def test_demo_quick_on_sklearn_digits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    numbers = demos.digits(out=tmp_path / "out", quick=True, root=tmp_path / "no-mnist")
    printed = capsys.readouterr().out
    assert "scikit-learn digits" in printed and "test accuracy" in printed
    assert numbers["pixels"] == 64 and numbers["test_size"] == 360
    assert numbers["perceptron_test_accuracy"] >= 0.75, numbers
    assert numbers["mlp_test_accuracy"] >= 0.85, numbers


# --- neither ----------------------------------------------------------------------------------

def test_neither_source_names_the_files_the_folder_and_pip(tmp_path, no_sklearn):
    root = tmp_path / "empty"
    with pytest.raises(DigitsNotFoundError) as caught:
        load_digits(root)
    message = str(caught.value)
    assert isinstance(caught.value, DatasetNotFoundError)
    for name in MNIST_FILES:
        assert name in message
    assert str(root) in message and "pip install scikit-learn" in message


def test_neither_source_uses_the_default_cache_folder(tmp_path, monkeypatch, no_sklearn):
    monkeypatch.setattr(stir.data.digits, "default_mnist_root", lambda: tmp_path / "cache")
    with pytest.raises(demos.DemoError, match="pip install scikit-learn") as caught:
        demos.digits(out=tmp_path / "out", quick=True)
    assert str(tmp_path / "cache") in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_cli_without_either_source_exits_1_with_one_line(tmp_path):
    # A home without ~/.cache/stir/mnist, and an `sklearn` that cannot be imported.
    blocker = tmp_path / "blocker" / "sklearn"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("scikit-learn blocked by the test")\n')
    source = Path(stir.__file__).resolve().parents[1]
    environment = dict(os.environ, HOME=str(tmp_path / "home"),
                       PYTHONPATH=os.pathsep.join([str(blocker.parent), str(source)]))
    result = subprocess.run(
        [sys.executable, "-m", "stir", "demo", "digits", "--quick", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, env=environment)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stir demo digits: error:"), result.stderr
    assert "pip install scikit-learn" in lines[0] and MNIST_FILES[0] in lines[0]
    assert str(tmp_path / "home" / ".cache" / "stir" / "mnist") in lines[0]
    assert "Traceback" not in result.stderr


def test_a_source_picks_one_set_whatever_the_folder_holds(tmp_path):
    pytest.importorskip("sklearn")
    root = write_mnist(tmp_path / "mnist")
    assert load_digits(root).name == "MNIST" == load_digits(root, source="mnist").name
    small = load_digits(root, source="sklearn", seed=3)
    assert small.name == "scikit-learn digits" and small.X_train.shape == (1437, 64)
    assert np.array_equal(small.y_test, load_digits(tmp_path / "empty", seed=3).y_test)
    with pytest.raises(DatasetNotFoundError):
        load_digits(tmp_path / "empty", source="mnist")
    with pytest.raises(ValueError, match="source must be 'auto', 'mnist' or 'sklearn'"):
        load_digits(root, source="cifar")
