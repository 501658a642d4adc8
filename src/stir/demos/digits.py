"""Handwritten digits: a one-vs-rest perceptron and an MLP, scored on held-out test images."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import stir
import stir.nn.functional as F
import stir.plot
from stir import nn, optim
from stir.classic import Perceptron
from stir.data import Digits, DigitsNotFoundError, load_digits

from ._common import DEFAULT_OUT, DemoError, Figures, heading, pyplot

#: Training images used per source, (full, quick); None keeps them all. MNIST's full MLP run
#: stays under a minute with all 60 000; its perceptrons get a subsample (see PERCEPTRON_TRAIN).
TRAIN_SIZE = {"MNIST": (None, 2_000), "scikit-learn digits": (None, 600)}
TEST_SIZE = {"MNIST": (None, 1_000), "scikit-learn digits": (None, None)}
#: The perceptrons loop in Python over mistakes, so on MNIST they learn from a subsample.
PERCEPTRON_TRAIN = {"MNIST": (20_000, 2_000), "scikit-learn digits": (None, None)}
HIDDEN = {"MNIST": (256, 128), "scikit-learn digits": (128, 64)}
EPOCHS = {"MNIST": (8, 10), "scikit-learn digits": (40, 15)}
PERCEPTRON_EPOCHS = (20, 10)
VALIDATION_FRACTION = 0.1
BATCH_SIZE = 64
LEARNING_RATE = 1e-3


class OneVsRestPerceptron:
    """One binary perceptron per class k (k against the rest); predicts the class whose
    perceptron scores highest: ŷ = argmax_k (w_k·x + b_k).

    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    >>> OneVsRestPerceptron(max_epochs=10).fit(X, np.array([0, 1, 2])).predict(X).tolist()
    [0, 1, 2]
    """

    def __init__(self, max_epochs: int = 20, seed: int = 0) -> None:
        self.max_epochs = max_epochs
        self.seed = seed
        self.perceptrons: list[Perceptron] = []
        self.classes_: np.ndarray = np.array([], dtype=np.int64)

    def fit(self, X: np.ndarray, y: np.ndarray) -> OneVsRestPerceptron:
        """Train one perceptron per class on (y == class); returns the model."""
        self.classes_ = np.unique(y)
        self.perceptrons = [
            Perceptron(max_epochs=self.max_epochs, shuffle=True, seed=self.seed + index,
                       track_updates=False).fit(X, (y == label).astype(np.int64))
            for index, label in enumerate(self.classes_)
        ]
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """The score of each class's perceptron, one column per class."""
        return np.stack([p.decision_function(X) for p in self.perceptrons], axis=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The class whose perceptron gives the largest score."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]


def _subsample(X: np.ndarray, y: np.ndarray, size: int | None,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """At most `size` rows of (X, y), chosen at random (all of them, in order, for None)."""
    if size is None or size >= len(X):
        return X, y
    chosen = np.sort(rng.choice(len(X), size, replace=False))
    return X[chosen], y[chosen]


def _draw_predictions(path: Path, data: Digits, X: np.ndarray, y: np.ndarray,
                      predicted: np.ndarray, title: str) -> Any:
    """Test images in a 4×8 mosaic, each under its predicted digit (red, with the truth, when
    wrong). One image with text on it: 32 separate axes take most of a second to draw."""
    plt = pyplot()
    rows, columns = 4, 8
    height, width = data.image_shape
    cell_height, cell_width = height * 3 // 2, width + width // 4  # room for the label above
    mosaic = np.zeros((rows * cell_height, columns * cell_width), dtype=np.float32)
    figure, ax = plt.subplots(figsize=(columns * 1.1, rows * 1.4), layout="constrained")
    for index in range(min(len(X), rows * columns)):
        top = (index // columns) * cell_height + cell_height - height
        left = (index % columns) * cell_width
        mosaic[top:top + height, left:left + width] = X[index].reshape(height, width)
        wrong = predicted[index] != y[index]
        ax.text(left + width / 2, top - 1, f"{predicted[index]}"
                + (f" (is {y[index]})" if wrong else ""), ha="center", va="bottom",
                color="red" if wrong else "black", fontsize=9)
    ax.imshow(mosaic, cmap="gray_r", vmin=0, vmax=1)
    ax.set_axis_off()
    ax.set_title(title)
    return figure


def _train_mlp(architecture: list[int], X: np.ndarray, y: np.ndarray, X_val: np.ndarray,
               y_val: np.ndarray, epochs: int, seed: int) -> tuple[nn.MLP, Any]:
    """A ReLU MLP trained by Adam on the cross-entropy, validated after each epoch; returns the
    model and its stir.fit History."""
    generator = stir.Generator().manual_seed(seed)
    model = nn.MLP(architecture, generator=generator)
    history = stir.fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=LEARNING_RATE),
                       X, y, epochs=epochs, batch_size=BATCH_SIZE,
                       validation_data=(X_val, y_val), metrics=["accuracy"], verbose=0,
                       generator=generator)
    return model, history


def digits(out: str | Path = DEFAULT_OUT, quick: bool = False, seed: int = 0,
           root: str | Path | None = None) -> dict[str, float]:
    """Handwritten digits: a one-vs-rest perceptron and an MLP, with their test accuracy.

    Uses MNIST when its four files are in `root` (default ~/.cache/stir/mnist), otherwise
    scikit-learn's bundled 8×8 digits (1 437 training, 360 test images); with neither, says
    what to install. 10% of the training images are held out to validate the MLP; both
    models learn from the rest. The perceptron is ten binary stir.classic.Perceptrons, digit
    k against the rest (on MNIST, from 20 000 images: it steps in Python on each mistake);
    the MLP (ReLU, one or two hidden layers) is trained by Adam with stir.fit. Draws test
    images with the MLP's predictions, and its training curves. Quick: fewer images and
    epochs. Returns the test accuracies, the MLP's final validation accuracy and the sizes.
    """
    heading("digits: a perceptron and an MLP on handwritten digits")
    try:
        data = load_digits(root, seed=seed)
    except DigitsNotFoundError as error:
        raise DemoError(str(error)) from None
    size = 1 if quick else 0
    rng = np.random.default_rng(seed)
    X_test, y_test = _subsample(data.X_test, data.y_test, TEST_SIZE[data.name][size], rng)
    X, y = _subsample(data.X_train, data.y_train, TRAIN_SIZE[data.name][size], rng)
    order = rng.permutation(len(X))
    n_validation = max(1, int(round(VALIDATION_FRACTION * len(X))))
    validation, train = order[:n_validation], order[n_validation:]
    X_train, y_train, X_val, y_val = X[train], y[train], X[validation], y[validation]
    subsampled = len(X) < len(data.X_train) or len(X_test) < len(data.X_test)
    print(f"data: {data.name} ({data.source}); {len(X_train):,} training, {len(X_val):,} "
          f"validation and {len(X_test):,} test images of {data.image_shape[0]}×"
          f"{data.image_shape[1]} pixels" + (" (a random subsample)" if subsampled else ""))

    X_linear, y_linear = _subsample(X_train, y_train, PERCEPTRON_TRAIN[data.name][size], rng)
    started = time.perf_counter()
    linear = OneVsRestPerceptron(PERCEPTRON_EPOCHS[size], seed).fit(X_linear, y_linear)
    perceptron_accuracy = float(np.mean(linear.predict(X_test) == y_test))
    fewer = (f", from a subsample of {len(X_linear):,} training images"
             if len(X_linear) < len(X_train) else "")
    print(f"perceptron (one-vs-rest: {len(linear.classes_)} stir.classic.Perceptron, at most "
          f"{PERCEPTRON_EPOCHS[size]} epochs each{fewer}): test accuracy "
          f"{perceptron_accuracy:.4f} ({time.perf_counter() - started:.1f} s)")

    hidden = HIDDEN[data.name][:1] if quick else HIDDEN[data.name]
    architecture = [X.shape[1], *hidden, 10]
    epochs = EPOCHS[data.name][size]
    started = time.perf_counter()
    model, history = _train_mlp(architecture, X_train, y_train, X_val, y_val, epochs, seed)
    predicted = stir.predict(model, X_test).argmax(axis=1)
    mlp_accuracy = float(np.mean(predicted == y_test))
    validation_accuracy = history["val_accuracy"][-1]
    print(f"MLP {' → '.join(map(str, architecture))} (ReLU; Adam lr {LEARNING_RATE}, batch "
          f"{BATCH_SIZE}, {epochs} epochs): validation accuracy {validation_accuracy:.4f}, "
          f"test accuracy {mlp_accuracy:.4f} ({time.perf_counter() - started:.1f} s)")

    figures = Figures(out, "digits")
    figures.save("predictions", lambda path: _draw_predictions(
        path, data, X_test, y_test, predicted,
        f"{data.name}: the MLP's predictions on test images (test accuracy {mlp_accuracy:.3f})"))
    figures.save("history", lambda path: stir.plot.history_curves(history, path=path))
    return {"perceptron_test_accuracy": perceptron_accuracy, "mlp_test_accuracy": mlp_accuracy,
            "mlp_validation_accuracy": validation_accuracy, "train_size": float(len(X_train)),
            "test_size": float(len(X_test)), "pixels": float(X.shape[1])}
