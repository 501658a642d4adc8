"""Handwritten digits from whichever source this machine has: MNIST from its cache folder,
else scikit-learn's bundled 8×8 digits, else an error that says how to get either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

from .._types import Array
from .idx import MNIST_FILES, DatasetNotFoundError, default_mnist_root, load_mnist

#: How many of scikit-learn's 1 797 digits `load_digits` keeps apart for testing (about 20%).
SKLEARN_TEST_SIZE = 360
SKLEARN_INSTALL = "pip install scikit-learn"


class DigitsNotFoundError(DatasetNotFoundError):
    """Neither MNIST (in its folder) nor scikit-learn's digits (the package) is available."""


class Digits(NamedTuple):
    """A digits data set: X float32 in [0, 1], (n, h·w) flattened; y int64 in 0..9, (n,).

    `image_shape` is (h, w) for drawing a row of X as an image; `name` says which set it is
    and `source` where it was read from.
    """

    X_train: Array
    y_train: Array
    X_test: Array
    y_test: Array
    image_shape: tuple[int, int]
    name: str
    source: str


def load_digits(root: str | Path | None = None, download: bool = False,
                seed: int = 0, source: Literal["auto", "mnist", "sklearn"] = "auto") -> Digits:
    """Handwritten digits: MNIST when its four files are in `root` (default
    ~/.cache/stir/mnist), otherwise scikit-learn's 8×8 digits when scikit-learn is installed;
    `source="mnist"` or `"sklearn"` asks for one of them only.

    MNIST gives 60 000 training and 10 000 test images of 28×28 pixels (x / 255);
    `download=True` fetches missing MNIST files first. scikit-learn's set has 1 797 images of
    8×8 pixels (x / 16), split by a shuffle seeded with `seed` into 1 437 training and 360 test
    images. With neither, a DigitsNotFoundError names the MNIST files, their folder, and
    `pip install scikit-learn`.

    >>> import tempfile
    >>> from stir.data import write_idx
    >>> root = tempfile.mkdtemp()
    >>> images = np.zeros((4, 28, 28), dtype=np.uint8)
    >>> for name, array in [("train-images-idx3-ubyte", images), ("t10k-images-idx3-ubyte",
    ...                     images[:2]), ("train-labels-idx1-ubyte", np.arange(4, dtype=np.uint8)),
    ...                     ("t10k-labels-idx1-ubyte", np.arange(2, dtype=np.uint8))]:
    ...     write_idx(f"{root}/{name}", array)
    >>> digits = load_digits(root)
    >>> digits.name, digits.X_train.shape, digits.X_train.dtype, digits.y_test.tolist()
    ('MNIST', (4, 784), dtype('float32'), [0, 1])
    """
    if source not in ("auto", "mnist", "sklearn"):
        raise ValueError(f"load_digits: source must be 'auto', 'mnist' or 'sklearn', got "
                         f"{source!r}")
    directory = Path(root) if root is not None else default_mnist_root()
    download_problem = ""
    if source != "sklearn":
        try:
            mnist = load_mnist(directory, download=download, flatten=True)
        except DatasetNotFoundError as missing:
            if source == "mnist":
                raise
            # Offline the download's failure is worth showing; without download it adds
            # nothing.
            download_problem = f" ({missing})" if download else ""
        else:
            return Digits(mnist.X_train, mnist.y_train, mnist.X_test, mnist.y_test, (28, 28),
                          "MNIST", f"MNIST files in {directory}")
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError:
        raise DigitsNotFoundError(
            f"no handwritten digits here: MNIST is not in {directory}{download_problem} and "
            f"scikit-learn is not installed. Either place the four MNIST files "
            f"{', '.join(MNIST_FILES)} (gzipped or not) in {directory}, or run "
            f"`{SKLEARN_INSTALL}` to use its bundled 8×8 digits."
        ) from None
    return _split_sklearn_digits(sklearn_load_digits(), seed)


def _split_sklearn_digits(bunch: object, seed: int) -> Digits:
    """scikit-learn's digits (pixel values 0..16) scaled to [0, 1] and split by a seeded shuffle."""
    images = np.asarray(getattr(bunch, "images"))
    X = (images.reshape(len(images), -1) / 16.0).astype(np.float32)
    y = np.asarray(getattr(bunch, "target"), dtype=np.int64)
    order = np.random.default_rng(seed).permutation(len(X))
    test, train = order[:SKLEARN_TEST_SIZE], order[SKLEARN_TEST_SIZE:]
    height, width = images.shape[1:]
    return Digits(X[train], y[train], X[test], y[test], (int(height), int(width)),
                  "scikit-learn digits",
                  f"scikit-learn's bundled 8×8 digits, shuffled with seed {seed}")
