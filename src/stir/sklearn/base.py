"""What the two estimators share: their hyperparameters, and training as `stir train` does.

`MLPEstimator.fit_network` is `stir train`'s recipe on arrays (stir/commands/train.py): the
rows are split, seeded, into training and a `validation_fraction` held out; the features are
standardized with the training rows' statistics; an MLP is trained with Adam (lr 1e-3) in
batches of 32 for up to `max_epochs`, early stopping on the validation loss (`patience`
epochs) putting the best epoch's weights back; then, with `refit`, a fresh network (the same
seed, so the same initial weights and shuffling) is trained on all the rows for the best
epoch's count, and kept. With `folds` (by default for a regression of at most 10 000 rows,
as in `stir train`: stir.training.folds) the epoch count is chosen by K-fold
cross-validation instead, on features standardized with all the rows' statistics. The network trains in float32, as `stir train`'s does; the kept
weights are then held in float64, which predictions are computed in.

One seed drives it all, from `random_state`: an int is the seed itself (so random_state=0
splits and initializes as `stir train --seed 0`); None or a `numpy.random.RandomState` gives
one drawn from it, as scikit-learn's estimators do. The global generator (`stir.manual_seed`)
is neither read nor changed: the network and the shuffling use their own `stir.Generator`.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from .. import nn
from ..commands.train import DEFAULT_LR, OPTIMIZERS
from ..data import Standardizer
from ..random import Generator
from ..training import EarlyStopping, History, fit, predict
from ..training.folds import auto_folds, best_epoch, fold_rows

__all__ = ["FLOATS", "MLPEstimator", "SPARSE", "check_random_state_setting", "dense",
           "seed_of"]

#: X as the estimators take it: float32 stays float32, anything else becomes float64.
FLOATS = (np.float64, np.float32)
#: The SciPy sparse formats taken (as a OneHotEncoder in a ColumnTransformer gives them);
#: the network's matrix products are dense, so X is made dense, one fit's worth at a time.
SPARSE = ("csr", "csc", "coo")


def dense(X: Any) -> np.ndarray:
    """X as a dense array (a SciPy sparse matrix's `toarray()`; an array as it is)."""
    return X.toarray() if hasattr(X, "toarray") else X

#: Seeds are drawn below 2**32, the range scikit-learn's `random_state` ints take.
_SEEDS = 2**32


class MLPEstimator(BaseEstimator):
    """The hyperparameters of `MLPClassifier` and `MLPRegressor`, stored as given (checked by
    `fit`, as scikit-learn's convention asks), and the training both share. Every default is
    `stir train`'s (`stir train --help`).

    hidden_layer_sizes  the hidden widths, e.g. (64, 64); () for a linear model
    activation          between the hidden layers: any name stir.nn.make_activation knows
    optimizer           "adam", "adamw", "sgd", "rmsprop" or "adagrad"
    learning_rate       None: 0.01 for sgd and adagrad, 0.001 for the others
    batch_size          rows per optimizer step
    max_epochs          the most passes over the training rows
    validation_fraction rows held out for early stopping, in [0, 1); 0: no early stopping,
                        max_epochs of training on all the rows
    patience            epochs without a better validation loss before stopping
    refit               after early stopping, train a fresh network on all the rows for the
                        epochs it chose (False: keep the early-stopped network)
    folds               "auto" (5 for a regression of at most 10 000 rows when refit and
                        validation_fraction > 0, else 0), 0 (one held-out split) or K >= 2:
                        the epoch count chosen by K-fold cross-validation, then refit
    random_state        None, an int >= 0 (the seed) or a numpy.random.RandomState
    verbose             0 silent, 1 a progress bar on a terminal or in Jupyter, 2 always

    >>> MLPEstimator(hidden_layer_sizes=(8,)).get_params()["hidden_layer_sizes"]
    (8,)
    """

    def __init__(self, hidden_layer_sizes: Any = (64, 64), activation: str = "relu",
                 optimizer: str = "adam", learning_rate: float | None = None,
                 batch_size: int = 32, max_epochs: int = 100, validation_fraction: float = 0.2,
                 patience: int = 10, refit: bool = True, folds: Any = "auto",
                 random_state: Any = None, verbose: int = 0) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.refit = refit
        self.folds = folds
        self.random_state = random_state
        self.verbose = verbose

    def fit_network(self, settings: tuple[list[int], float], X: np.ndarray,
                    targets: np.ndarray, outputs: int, loss_fn: Callable[..., Any],
                    scale_target: bool = False) -> Standardizer | None:
        """Train on X (n, d) and `targets` (class indices, or a float64 (n, k) target) with
        the `settings` that `check_settings` gave, and set the fitted attributes: model_ (the
        stir MLP), standardizer_ (the features'), history_ (the early-stopping run's stir
        History), best_epoch_ (None without validation rows), n_iter_ (the epochs the kept
        network was trained for). With `scale_target`, the network learns the target
        standardized with the training rows' statistics, as in `stir train`; that
        Standardizer is returned (None without)."""
        widths, lr = settings
        seed = seed_of(self.random_state, type(self).__name__)
        n = len(X)
        folds = self._folds(outputs if scale_target else 0, n)
        if folds:
            return self._fit_by_folds(widths, lr, seed, folds, X, targets, outputs, loss_fn,
                                      scale_target)
        held_out = int(round(self.validation_fraction * n))
        if held_out >= n:
            raise ValueError(f"{type(self).__name__}: validation_fraction="
                             f"{self.validation_fraction} of {n} rows leaves none to train "
                             "on; lower it, or give more rows")
        order = np.random.default_rng(seed).permutation(n)  # as stir train (load_csv) splits
        train, val = order[held_out:], order[:held_out]
        standardizer = Standardizer.fit(X[train])
        target_scaler = Standardizer.fit(targets[train]) if scale_target else None
        if target_scaler is not None:
            targets = target_scaler.transform(targets)
        X_train, y_train = standardizer.transform(X[train]), targets[train]
        X_val, y_val = standardizer.transform(X[val]), targets[val]
        architecture = [X.shape[1], *widths, outputs]
        stopper = EarlyStopping("val_loss", patience=self.patience) if held_out else None
        model, history = self._train(architecture, lr, seed, loss_fn, X_train, y_train,
                                     self.max_epochs, stopper,
                                     (X_val, y_val) if stopper is not None else None)
        epochs = len(history)
        if stopper is not None and self.refit:
            # No epoch improved only if every validation loss was NaN; fit stops at a NaN
            # training loss first, so best_epoch is at least 1 here.
            epochs = max(stopper.best_epoch, 1)
            model, _ = self._train(architecture, lr, seed, loss_fn,
                                   np.concatenate([X_train, X_val]),
                                   np.concatenate([y_train, y_val]), epochs, None, None)
        # Trained in float32; kept in float64 (the same values), so that a row's prediction
        # does not move in the last float32 digit with the rows batched beside it.
        model.double()
        # Set only now: a fit stopped by a TrainingError (a loss gone NaN) keeps the network
        # fitted before.
        self.model_, self.standardizer_, self.history_ = model, standardizer, history
        self.best_epoch_ = stopper.best_epoch if stopper is not None else None
        self.n_iter_ = epochs
        return target_scaler

    def _folds(self, regression_outputs: int, n: int) -> int:
        """The folds this fit uses (0: one held-out split); `regression_outputs` is 0 for a
        classifier."""
        if self.folds != "auto":
            if self.folds > n:
                raise ValueError(f"{type(self).__name__}: folds={self.folds} is more than the "
                                 f"{n} rows")
            return int(self.folds)
        if not self.refit or self.validation_fraction == 0:
            return 0
        return auto_folds("regression" if regression_outputs else "classification", n)

    def _fit_by_folds(self, widths: list[int], lr: float, seed: int, folds: int,
                      X: np.ndarray, targets: np.ndarray, outputs: int,
                      loss_fn: Callable[..., Any], scale_target: bool) -> Standardizer | None:
        """fit_network with the epoch count chosen by `folds`-fold cross-validation: a
        network per fold (the same seed) for max_epochs, then one on all the rows for the
        epoch count where the folds' mean validation loss is lowest."""
        order = np.random.default_rng(seed).permutation(len(X))  # load_csv's row order
        X, targets = X[order], targets[order]
        standardizer = Standardizer.fit(X)
        target_scaler = Standardizer.fit(targets) if scale_target else None
        if target_scaler is not None:
            targets = target_scaler.transform(targets)
        X = standardizer.transform(X)
        architecture = [X.shape[1], *widths, outputs]
        curves = []
        for train, held_out in fold_rows(len(X), folds, seed):
            _, history = self._train(architecture, lr, seed, loss_fn, X[train], targets[train],
                                     self.max_epochs, None, (X[held_out], targets[held_out]))
            curves.append(history["val_loss"])
        epochs, _ = best_epoch(curves)
        model, history = self._train(architecture, lr, seed, loss_fn, X, targets, epochs,
                                     None, None)
        model.double()  # (as in fit_network)
        self.model_, self.standardizer_, self.history_ = model, standardizer, history
        self.best_epoch_ = self.n_iter_ = epochs
        return target_scaler

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def network_outputs(self, X: np.ndarray) -> np.ndarray:
        """The fitted network's raw outputs (n, outputs) on X, standardized as in training,
        in float64."""
        return predict(self.model_, self.standardizer_.transform(X, dtype=np.float64))

    def _train(self, architecture: list[int], lr: float, seed: int, loss_fn: Callable[..., Any],
               X: np.ndarray, y: np.ndarray, epochs: int, stopper: EarlyStopping | None,
               validation: tuple[np.ndarray, np.ndarray] | None) -> tuple[nn.MLP, History]:
        # One generator, first for the initial weights and then for the shuffling, as
        # `stir train` draws both from the global one right after manual_seed(seed).
        generator = Generator(seed)
        model = nn.MLP(architecture, activation=self.activation, generator=generator)
        optimizer = OPTIMIZERS[self.optimizer](model.parameters(), lr=lr)
        history = fit(model, loss_fn, optimizer, X, y, epochs=epochs,
                      batch_size=self.batch_size,
                      validation_data=validation,
                      callbacks=[stopper] if stopper is not None else [],
                      verbose=self.verbose, generator=generator)
        return model, history

    def check_settings(self) -> tuple[list[int], float]:
        """The hidden widths and the learning rate, after checking every hyperparameter;
        a ValueError names the first bad one and what it takes. `fit` calls it first, so
        that a bad setting changes nothing."""
        name = type(self).__name__
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else sizes
        try:
            widths = list(sizes)
        except TypeError:
            widths = [None]
        if not all(_integer(w) and w >= 1 for w in widths):
            raise ValueError(f"{name}: hidden_layer_sizes must be positive widths like "
                             f"(64, 64) (or () for a linear model), got {sizes!r}")
        try:
            nn.make_activation(self.activation)
        except (ValueError, TypeError) as error:
            raise ValueError(f"{name}: activation: {error}") from None
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"{name}: optimizer must be one of {', '.join(sorted(OPTIMIZERS))}, "
                             f"got {self.optimizer!r}")
        lr = self.learning_rate
        if lr is not None and not (isinstance(lr, Real) and not isinstance(lr, bool)
                                   and math.isfinite(lr) and lr > 0):
            raise ValueError(f"{name}: learning_rate must be a positive number or None (the "
                             f"optimizer's default), got {lr!r}")
        for key in ("batch_size", "max_epochs", "patience"):
            value = getattr(self, key)
            if not (_integer(value) and value >= 1):
                raise ValueError(f"{name}: {key} must be an int >= 1, got {value!r}")
        fraction = self.validation_fraction
        if not (isinstance(fraction, Real) and not isinstance(fraction, bool)
                and 0 <= fraction < 1):
            raise ValueError(f"{name}: validation_fraction must be in [0, 1), got {fraction!r}")
        if not isinstance(self.refit, (bool, np.bool_)):
            raise ValueError(f"{name}: refit must be True or False, got {self.refit!r}")
        if not (isinstance(self.folds, str) and self.folds == "auto"
                or _integer(self.folds) and (self.folds == 0 or self.folds >= 2)):
            raise ValueError(f"{name}: folds must be 'auto', 0 or an int >= 2, got "
                             f"{self.folds!r}")
        if _integer(self.folds) and self.folds >= 2 and not self.refit:
            raise ValueError(f"{name}: folds={self.folds} always refits on all the rows; "
                             f"refit=False needs folds=0")
        if self.verbose not in (0, 1, 2) or isinstance(self.verbose, float):
            raise ValueError(f"{name}: verbose must be 0, 1 or 2, got {self.verbose!r}")
        check_random_state_setting(self.random_state, name)
        return [int(w) for w in widths], float(lr or DEFAULT_LR[self.optimizer])


def seed_of(random_state: Any, where: str = "seed_of") -> int:
    """The one seed a fit uses: an int random_state itself; from None (numpy's global
    RandomState) or a RandomState, an int drawn below 2**32.

    >>> seed_of(7), seed_of(np.random.RandomState(0)) == seed_of(np.random.RandomState(0))
    (7, True)
    """
    check_random_state_setting(random_state, where)
    if _integer(random_state):
        return int(random_state)
    return int(check_random_state(random_state).randint(_SEEDS, dtype=np.int64))


def check_random_state_setting(random_state: Any, where: str) -> None:
    """A ValueError unless random_state is None, an int >= 0 or a numpy RandomState; draws
    nothing."""
    if _integer(random_state) and not 0 <= random_state < 2**64:  # stir's seeds are 64-bit
        raise ValueError(f"{where}: an int random_state must be from 0 to 2**64 - 1, got "
                         f"{random_state}")
    if not (random_state is None or _integer(random_state)
            or isinstance(random_state, np.random.RandomState)):
        raise ValueError(f"{where}: random_state must be None, an int >= 0 or a "
                         f"numpy.random.RandomState, got {random_state!r}")


def _integer(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, (bool, np.bool_))
