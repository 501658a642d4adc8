"""Image features against neural networks (seed 003): a linear classifier on raw pixels, on a
colour (here: intensity) histogram and on HOG features, against a 2-layer MLP and a small
convolutional network that learn their own features from the pixels.

The seed's point, measured: a linear classifier is only as good as its features. A histogram
of intensities ignores where the ink is, so it cannot tell most digits apart; HOG keeps the
position and direction of the edges, and beats the pixels themselves. The networks learn
their features, and the CNN, whose first layer learns small edge filters much like HOG's
fixed gradient directions, is the best of the five.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

import stir
import stir.nn.functional as F
import stir.features
from stir import nn, optim
from stir.data import DatasetNotFoundError, Standardizer, load_digits, load_mnist
from stir.data.digits import SKLEARN_INSTALL
from stir.data.idx import default_mnist_root
from stir.training import LRSchedulerCallback

from ._common import DEFAULT_OUT, DemoError, Figures, heading
from ._features_figure import draw_comparison

BATCH_SIZE = 64
LEARNING_RATE = {"linear": 1e-2, "network": 1e-3}
#: An intensity histogram of 16 equal ranges of [0, 1]: the 8×8 digits have 17 grey levels.
HISTOGRAM_BINS = 16
HOG_BINS = 9
#: The test digits whose HOG the figure draws: three with edges in different directions.
SHOWN = (0, 4, 7)


class Images(NamedTuple):
    """Grey images in [0, 1], (n, h, w) float32, with int64 labels, split into train and test."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


class Setting(NamedTuple):
    """How one data set is run: sizes, HOG cells, and each model's size and epochs."""

    train_size: int | None  # None keeps every training image
    test_size: int | None
    hog_cell: int
    mlp_hidden: int
    channels: tuple[int, int]  # the CNN's two convolutions
    cnn_hidden: int
    linear_epochs: int
    mlp_epochs: int
    cnn_epochs: int
    shifts: bool  # train the CNN on the images and their four 1-pixel shifts


#: (full, quick) for each data set. On the 8×8 digits HOG uses 2×2-pixel cells (4×4 cells of
#: 9 bins: 144 numbers; 4×4-pixel cells leave 36, too few); MNIST's 28×28 images get 4×4 cells.
#: MNIST is subsampled so that the whole demo stays within minutes on two cores.
SETTINGS = {
    "8×8 digits": (Setting(None, None, 2, 128, (16, 32), 128, 40, 40, 10, True),
                   Setting(400, None, 2, 32, (4, 8), 32, 10, 30, 20, False)),
    "MNIST": (Setting(10_000, 2_000, 4, 256, (16, 32), 128, 10, 10, 3, False),
              Setting(500, 200, 4, 32, (4, 8), 32, 3, 3, 1, False)),
}


class Result(NamedTuple):
    """One row of the table."""

    data: str
    model: str
    features: str
    n_features: int
    accuracy: float
    seconds: float


def small_digits(seed: int) -> Images:
    """scikit-learn's 8×8 digits, split as stir.data.load_digits splits them: a shuffle seeded
    with `seed`, 1 437 training and 360 test images."""
    if importlib.util.find_spec("sklearn") is None:
        raise DemoError(f"features: the 8×8 digits come with scikit-learn: run "
                        f"`{SKLEARN_INSTALL}`")
    digits = load_digits(seed=seed, source="sklearn")
    if digits.image_shape != (8, 8):
        raise DemoError(f"features: expected the 8×8 digits, got {digits.name}")
    shape = (-1, *digits.image_shape)
    return Images("8×8 digits", digits.X_train.reshape(shape), digits.y_train,
                  digits.X_test.reshape(shape), digits.y_test)


def cached_mnist(root: str | Path | None) -> Images | None:
    """MNIST from its cache folder (never downloaded here), or None when it is not there."""
    try:
        mnist = load_mnist(root, download=False, flatten=False)
    except DatasetNotFoundError:
        return None
    return Images("MNIST", mnist.X_train, mnist.y_train, mnist.X_test, mnist.y_test)


def intensity_histogram(images: np.ndarray) -> np.ndarray:
    """features.colour_histogram of grey images: with R = G = B the hue is undefined, so the
    "channels" mode is the one that sees them, and its three histograms are the same one."""
    rgb = np.repeat(images[..., None], 3, axis=-1)
    histograms = stir.features.colour_histogram(rgb, bins=HISTOGRAM_BINS, mode="channels")
    return histograms[:, :HISTOGRAM_BINS]


def one_pixel_shifts(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The images (n, 1, h, w) and their shifts by one pixel up, down, left and right (the
    row or column that comes in is blank): 5n images.

    >>> X, y = one_pixel_shifts(np.arange(4.0).reshape(1, 1, 2, 2), np.array([7]))
    >>> X[:, 0, 0].tolist(), y.tolist()
    ([[0.0, 1.0], [0.0, 0.0], [2.0, 3.0], [0.0, 0.0], [1.0, 0.0]], [7, 7, 7, 7, 7])
    """
    shifted = [X]
    for axis in (2, 3):
        for step in (1, -1):
            image = np.roll(X, step, axis=axis)
            blank = [slice(None)] * 4
            blank[axis] = slice(0, 1) if step == 1 else slice(-1, None)
            image[tuple(blank)] = 0
            shifted.append(image)
    return np.concatenate(shifted), np.tile(y, len(shifted))


def small_cnn(size: int, channels: tuple[int, int], hidden: int,
              generator: stir.Generator) -> nn.Sequential:
    """Conv 3×3 → ReLU → Conv 3×3 → ReLU → MaxPool 2 → Linear → ReLU → Linear(10), for
    (n, 1, size, size) images.

    >>> model = small_cnn(8, (4, 8), 16, stir.Generator().manual_seed(0))
    >>> stir.predict(model, np.zeros((2, 1, 8, 8), dtype=np.float32)).shape
    (2, 10)
    """
    first, second = channels
    return nn.Sequential(
        nn.Conv2d(1, first, 3, padding=1, generator=generator), nn.ReLU(),
        nn.Conv2d(first, second, 3, padding=1, generator=generator), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(second * (size // 2) ** 2, hidden, generator=generator), nn.ReLU(),
        nn.Linear(hidden, 10, generator=generator))


def train(model: nn.Module, X: np.ndarray, y: np.ndarray, epochs: int, lr: float,
          generator: stir.Generator) -> nn.Module:
    """Adam on the cross-entropy, in minibatches, with stir.fit; the learning rate falls from
    lr to 0 along a cosine over the epochs (which steadies the last epochs' test accuracy)."""
    optimizer = optim.Adam(model.parameters(), lr=lr)
    schedule = LRSchedulerCallback(optim.CosineAnnealingLR(optimizer, T_max=epochs))
    stir.fit(model, F.cross_entropy, optimizer, X, y, epochs=epochs, batch_size=BATCH_SIZE,
             callbacks=[schedule], verbose=0, generator=generator)
    return model


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    """The share of X whose largest output is the label."""
    return float(np.mean(stir.predict(model, X).argmax(axis=1) == y))


def _subsample(images: Images, setting: Setting, seed: int) -> Images:
    """At most setting's numbers of training and test images, chosen at random."""
    rng = np.random.default_rng(seed)
    parts = []
    for X, y, size in ((images.X_train, images.y_train, setting.train_size),
                       (images.X_test, images.y_test, setting.test_size)):
        chosen = (np.arange(len(X)) if size is None or size >= len(X)
                  else np.sort(rng.choice(len(X), size, replace=False)))
        parts += [X[chosen], y[chosen]]
    return Images(images.name, *parts)


def compare(images: Images, setting: Setting, seed: int) -> tuple[list[Result], nn.Module]:
    """The five models on one data set: their rows of the table, and the trained CNN."""
    data = _subsample(images, setting, seed)
    rows: list[Result] = []
    extractors: list[tuple[str, str, Callable[[np.ndarray], np.ndarray]]] = [
        ("linear", "raw pixels", lambda X: X.reshape(len(X), -1)),
        ("linear", f"intensity histogram ({HISTOGRAM_BINS} bins)", intensity_histogram),
        ("linear", f"HOG ({setting.hog_cell}×{setting.hog_cell} cells, {HOG_BINS} bins)",
         lambda X: stir.features.hog(X[..., None], cell_size=setting.hog_cell, bins=HOG_BINS)),
    ]
    for index, (model_name, feature_name, extract) in enumerate(extractors):
        generator = stir.Generator().manual_seed(seed + index)
        started = time.perf_counter()
        scaler = Standardizer.fit(extract(data.X_train))  # linear models want centred inputs
        Z_train = scaler.transform(extract(data.X_train)).astype(np.float32)
        model = nn.Linear(Z_train.shape[1], 10, generator=generator)
        train(model, Z_train, data.y_train, setting.linear_epochs, LEARNING_RATE["linear"],
              generator)
        seconds = time.perf_counter() - started
        Z_test = scaler.transform(extract(data.X_test)).astype(np.float32)
        rows.append(Result(data.name, model_name, feature_name, Z_train.shape[1],
                           accuracy(model, Z_test, data.y_test), seconds))

    pixels = data.X_train[0].size
    generator = stir.Generator().manual_seed(seed + 3)
    started = time.perf_counter()
    mlp = nn.MLP([pixels, setting.mlp_hidden, 10], generator=generator)
    train(mlp, data.X_train.reshape(-1, pixels), data.y_train, setting.mlp_epochs,
          LEARNING_RATE["network"], generator)
    rows.append(Result(data.name, f"MLP {pixels} → {setting.mlp_hidden} → 10", "raw pixels",
                       pixels, accuracy(mlp, data.X_test.reshape(-1, pixels), data.y_test),
                       time.perf_counter() - started))

    generator = stir.Generator().manual_seed(seed + 4)
    started = time.perf_counter()
    X, y = data.X_train[:, None], data.y_train
    if setting.shifts:
        X, y = one_pixel_shifts(X, y)
    size = data.X_train.shape[1]
    cnn = small_cnn(size, setting.channels, setting.cnn_hidden, generator)
    train(cnn, X, y, setting.cnn_epochs, LEARNING_RATE["network"], generator)
    first, second = setting.channels
    rows.append(Result(data.name, f"CNN conv{first}-conv{second}-pool-{setting.cnn_hidden}",
                       "raw pixels" + (" + 1-pixel shifts" if setting.shifts else ""), pixels,
                       accuracy(cnn, data.X_test[:, None], data.y_test),
                       time.perf_counter() - started))
    return rows, cnn


def print_table(rows: list[Result]) -> None:
    """The results as one aligned text table."""
    header = ("data", "model", "features", "#features", "test accuracy", "training s")
    cells = [header] + [(r.data, r.model, r.features, f"{r.n_features:,}", f"{r.accuracy:.4f}",
                         f"{r.seconds:.1f}") for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for number, row in enumerate(cells):
        print("  ".join(cell.ljust(width) if i < 3 else cell.rjust(width)
                        for i, (cell, width) in enumerate(zip(row, widths))))
        if number == 0:
            print("  ".join("-" * width for width in widths))


def features(out: str | Path = DEFAULT_OUT, quick: bool = False, seed: int = 0,
             mnist_root: str | Path | None = None) -> dict[str, float]:
    """Image features vs neural networks: linear on pixels, histogram, HOG; an MLP; a CNN.

    On scikit-learn's 8×8 digits (the shuffle of stir.data.load_digits with `seed`: 1 437
    training and 360 test images), and also on MNIST when its files are in `mnist_root`
    (default ~/.cache/stir/mnist; 10 000 training and 2 000 test images drawn at random).
    Linear classifiers (softmax regression, Adam lr 0.01) learn from standardized features:
    the raw pixels, an intensity histogram (features.colour_histogram of the grey image) and
    HOG (features.hog); a 2-layer ReLU MLP and a small CNN (conv 16 → conv 32 → max-pool →
    128 → 10; Adam lr 0.001) learn from the pixels, the CNN on the 8×8 digits also from their
    1-pixel shifts. Every learning rate follows a cosine down to 0. Prints one table (test
    accuracy, and training seconds including the features' computation) and draws the
    accuracies and times, with the CNN's first-layer filters beside HOG's direction bins.
    Quick: 400 training images, tiny networks, few epochs. Returns, per data set ("digits"
    or "mnist") and model ("pixels", "histogram", "hog", "mlp", "cnn"), the test accuracy
    as "<data>_<model>_accuracy" and the seconds as "<data>_<model>_seconds".
    """
    heading("features: image features vs neural networks (seed 003)")
    size = 1 if quick else 0
    sets = [small_digits(seed)]
    mnist = cached_mnist(mnist_root)
    if mnist is None:
        folder = Path(mnist_root) if mnist_root is not None else default_mnist_root()
        print(f"MNIST is not in its folder {folder}: the 8×8 digits only")
    else:
        sets.append(mnist)
    rows: list[Result] = []
    cnns: dict[str, nn.Module] = {}
    for images in sets:
        setting = SETTINGS[images.name][size]
        n_train, n_test = (len(images.X_train) if setting.train_size is None
                           else min(setting.train_size, len(images.X_train)),
                           len(images.X_test) if setting.test_size is None
                           else min(setting.test_size, len(images.X_test)))
        print(f"{images.name}: {n_train:,} training and {n_test:,} test images of "
              f"{images.X_train.shape[1]}×{images.X_train.shape[2]} pixels, seed {seed}")
        found, cnns[images.name] = compare(images, setting, seed)
        rows += found
    print_table(rows)

    digits = sets[0]
    shown = [digits.X_test[np.flatnonzero(digits.y_test == label)[0]] for label in SHOWN]
    Figures(out, "features").save("comparison", lambda path: draw_comparison(
        rows, cnns[digits.name], np.stack(shown), SETTINGS[digits.name][size].hog_cell,
        HOG_BINS))
    keys = ("pixels", "histogram", "hog", "mlp", "cnn")
    numbers: dict[str, float] = {}
    for index, row in enumerate(rows):
        prefix = f"{'digits' if row.data == digits.name else 'mnist'}_{keys[index % 5]}"
        numbers[f"{prefix}_accuracy"] = row.accuracy
        numbers[f"{prefix}_seconds"] = row.seconds
    return numbers
