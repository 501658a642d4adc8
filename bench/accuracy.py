"""Time to accuracy: train an MLP on handwritten digits until it classifies ≥ 97 % of the test
images correctly, in stir, PyTorch and scikit-learn.

All use the same recipe as far as each library allows: the data of `stir.data.load_digits()`
(MNIST when cached, else scikit-learn's 8×8 digits), the layers `HIDDEN` with ReLU, softmax
cross-entropy, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8, no weight decay), minibatches of
`BATCH` drawn from a fresh shuffle each epoch, float32, and Glorot-uniform weights and biases
(U(±√(6/(in+out))), scikit-learn's own scheme for ReLU). stir and PyTorch start from the
same arrays and shuffles (so they need the same epochs, up to rounding); scikit-learn draws
its own (`MLPClassifier` takes no initial
weights), with the same scheme. Test accuracy is checked after every epoch, off the clock:
the time is that of the training epochs only. Each library trains once per seed, the
libraries taking turns, and the median over seeds is reported.
"""

from __future__ import annotations

import statistics
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .engines import default_torch_threads, load_torch
from .names import STIR_COMPILED, STIR_MODULES, TORCH_1_THREAD, TORCH_MODULES

HIDDEN = (128,)
BATCH = 32
LR = 1e-3
TARGET_ACCURACY = 0.97

Epoch = Callable[[np.ndarray], None]  # trains one epoch over the rows in the given order
Accuracy = Callable[[], float]  # test accuracy now


@dataclass(frozen=True)
class Run:
    """One training run: seconds and epochs until the target, or None if never reached."""

    seconds: float | None
    epochs: int | None
    final_accuracy: float


@dataclass(frozen=True)
class AccuracyResult:
    """Every library's runs (one per seed), the data set and the epoch limit."""

    runs: dict[str, list[Run]]
    unavailable: dict[str, str]
    data_name: str
    max_epochs: int
    layers: tuple[int, ...] = ()  # the MLP's widths, input first
    max_seconds: float = float("inf")  # of training per run, after which it gives up

    def median_seconds(self, name: str) -> float | None:
        """Median seconds to the target over seeds; None unless most runs reached it."""
        times = [run.seconds for run in self.runs[name]]
        reached = [t for t in times if t is not None]
        if len(reached) * 2 <= len(times):
            return None
        return statistics.median([t if t is not None else float("inf") for t in times])

    def median_epochs(self, name: str) -> float | None:
        epochs = [run.epochs for run in self.runs[name] if run.epochs is not None]
        return statistics.median(epochs) if epochs else None


def glorot_params(layers: tuple[int, ...], seed: int) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...], W of shape (out, in), all U(±√(6/(in+out))), float32.

    >>> [p.shape for p in glorot_params((64, 128, 10), seed=0)]
    [(128, 64), (128,), (10, 128), (10,)]
    """
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(layers[:-1], layers[1:]):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def _batches(order: np.ndarray) -> list[np.ndarray]:
    return [order[start:start + BATCH] for start in range(0, len(order), BATCH)]


def stir_trainer(data: Any, params: list[np.ndarray], compiled: bool) -> tuple[Epoch, Accuracy]:
    """stir: nn.Sequential, F.cross_entropy, optim.Adam (or `stir.compile` of them)."""
    import stir
    from stir.nn import Linear, ReLU, Sequential
    from stir.nn.functional import cross_entropy
    from stir.optim import Adam

    widths = [p.shape[1] for p in params[0::2]] + [params[-1].shape[0]]
    modules: list[Any] = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        modules += [Linear(n_in, n_out), ReLU()]
    model = Sequential(*modules[:-1])
    names = [f"{2 * i}.{kind}" for i in range(len(widths) - 1) for kind in ("weight", "bias")]
    model.load_state_dict(dict(zip(names, params)))
    optimizer = Adam(model.parameters(), lr=LR)
    compile_step = getattr(stir, "compile", None)
    if compiled:
        if compile_step is None:
            raise ImportError("stir.compile is not in stir yet")
        train_step = compile_step(model, cross_entropy, optimizer)
    else:
        def train_step(x: Any, t: Any) -> Any:
            loss = cross_entropy(model(x), t)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss

    def epoch(order: np.ndarray) -> None:
        for rows in _batches(order):
            train_step(stir.from_numpy(data.X_train[rows]), stir.from_numpy(data.y_train[rows]))

    def accuracy() -> float:
        with stir.no_grad():
            logits = model(stir.from_numpy(data.X_test)).array
        return float((logits.argmax(axis=1) == data.y_test).mean())

    return epoch, accuracy


def torch_trainer(data: Any, params: list[np.ndarray], threads: int | None = None
                  ) -> tuple[Epoch, Accuracy]:
    """PyTorch: nn.Sequential, nn.CrossEntropyLoss, optim.Adam; `threads` intra-op threads
    (None: PyTorch's default), set now for the run that follows."""
    torch = load_torch()
    if torch is None:
        raise ImportError("PyTorch is not installed")
    torch.set_num_threads(threads or default_torch_threads() or 1)

    widths = [p.shape[1] for p in params[0::2]] + [params[-1].shape[0]]
    modules: list[Any] = []
    for n_in, n_out in zip(widths[:-1], widths[1:]):
        modules += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*modules[:-1])
    with torch.no_grad():
        for parameter, value in zip(model.parameters(), params):
            parameter.copy_(torch.from_numpy(value))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    x_test = torch.from_numpy(data.X_test)

    def epoch(order: np.ndarray) -> None:
        for rows in _batches(order):
            x = torch.from_numpy(data.X_train[rows])
            t = torch.from_numpy(data.y_train[rows])
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x), t).backward()
            optimizer.step()

    def accuracy() -> float:
        with torch.no_grad():
            predicted = model(x_test).argmax(dim=1).numpy()
        return float((predicted == data.y_test).mean())

    return epoch, accuracy


def sklearn_trainer(data: Any, seed: int) -> tuple[Epoch, Accuracy]:
    """scikit-learn: `MLPClassifier(solver="adam", alpha=0)`, one `partial_fit` per epoch
    (it shuffles the rows itself, so the order given is not used)."""
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=HIDDEN, activation="relu", solver="adam",
                          alpha=0.0, batch_size=BATCH, learning_rate_init=LR,
                          beta_1=0.9, beta_2=0.999, epsilon=1e-8, shuffle=True,
                          random_state=seed)
    classes = np.unique(data.y_train)

    def epoch(order: np.ndarray) -> None:
        model.partial_fit(data.X_train, data.y_train, classes=classes)

    def accuracy() -> float:
        return float(model.score(data.X_test, data.y_test))

    return epoch, accuracy


def train_to_target(epoch: Epoch, accuracy: Accuracy, n_rows: int, max_epochs: int,
                    seed: int, max_seconds: float = float("inf")) -> Run:
    """Train epoch by epoch (shuffles seeded by `seed`) until the test accuracy reaches
    `TARGET_ACCURACY`; the clock runs during the epochs only. Give up after `max_epochs`
    epochs or `max_seconds` of training (a library slowed tenfold by a busy core must not
    hold up the whole benchmark)."""
    rng = np.random.default_rng(seed)
    seconds, current = 0.0, 0.0
    for index in range(1, max_epochs + 1):
        order = rng.permutation(n_rows)
        start = time.perf_counter()
        epoch(order)
        seconds += time.perf_counter() - start
        current = accuracy()
        if current >= TARGET_ACCURACY:
            return Run(seconds, index, current)
        if seconds > max_seconds:
            break
    return Run(None, None, current)


def measure_accuracy(seeds: int, max_epochs: int, max_seconds: float,
                     pause_seconds: float = 0.05) -> AccuracyResult:
    """Every library's time to the target accuracy, the libraries taking turns per seed;
    each run gives up after `max_epochs` epochs or `max_seconds` of training."""
    import stir.data

    data = stir.data.load_digits()
    layers = (data.X_train.shape[1], *HIDDEN, int(data.y_train.max()) + 1)
    makers: dict[str, Callable[[int], tuple[Epoch, Accuracy]]] = {
        STIR_MODULES: lambda s: stir_trainer(data, glorot_params(layers, s), compiled=False),
        STIR_COMPILED: lambda s: stir_trainer(data, glorot_params(layers, s), compiled=True),
        TORCH_MODULES: lambda s: torch_trainer(data, glorot_params(layers, s)),
        TORCH_1_THREAD: lambda s: torch_trainer(data, glorot_params(layers, s), 1),
        "scikit-learn": lambda s: sklearn_trainer(data, s),
    }
    unavailable = {}
    for name, make in list(makers.items()):
        try:
            make(0)
        except ImportError as error:
            unavailable[name] = f"{type(error).__name__}: {error}"
            del makers[name]
    if default_torch_threads() == 1:
        makers.pop(TORCH_1_THREAD, None)  # the same as "pytorch modules" here
    runs: dict[str, list[Run]] = {name: [] for name in makers}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's ConvergenceWarning on partial fits
        for seed in range(seeds):
            names = list(makers)
            shift = seed % len(names)  # no library always follows the same one
            for name in names[shift:] + names[:shift]:
                time.sleep(pause_seconds)  # let the previous library's threads settle
                epoch, accuracy = makers[name](seed)
                runs[name].append(train_to_target(epoch, accuracy, len(data.X_train),
                                                  max_epochs, seed, max_seconds))
    if load_torch() is not None:
        load_torch().set_num_threads(default_torch_threads())
    return AccuracyResult(runs, unavailable, data.name, max_epochs, layers, max_seconds)
