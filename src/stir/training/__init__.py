"""Training a model on arrays in memory: `fit`, `evaluate`, `predict`, callbacks, History.

    fit.py        fit, evaluate, predict
    data_parallel.py  fit across processes: shards of each batch, gradients averaged
    callbacks.py  EarlyStopping, checkpoints and the other callbacks
    live_plot.py  LivePlot, curves that follow training;  progress_bar.py: fit's bar
    metrics.py    accuracy and the other metrics fit reports
    folds.py      the epoch count chosen by k-fold cross-validation
    history.py    History, what fit returns;  progress.py: where a run is, for resuming

>>> from stir.training import fit, evaluate, predict, EarlyStopping
"""

from .callbacks import Callback, EarlyStopping, LRSchedulerCallback, ModelCheckpoint
from .fit import TrainingError, evaluate, fit, predict
from .history import History
from .live_plot import LivePlot
from .metrics import METRICS, accuracy, mae, mse, r2

__all__ = [
    "accuracy", "Callback", "EarlyStopping", "evaluate", "fit", "History", "LivePlot",
    "LRSchedulerCallback", "mae", "METRICS", "ModelCheckpoint", "mse", "predict", "r2",
    "TrainingError",
]
