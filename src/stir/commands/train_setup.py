"""What every `stir train` run builds from its options: the optimizer by name, its default
learning rate, the loss for the task, and the untrained network with its preprocessing
(shared by a run, its refit, its folds, and each trial of a sweep).

>>> sorted(OPTIMIZERS), DEFAULT_LR["sgd"]
(['adagrad', 'adam', 'adamw', 'rmsprop', 'sgd'], 0.01)
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from .. import nn, optim
from ..data.csv_files import CSVDataset
from ..nn import functional as F
from .trained_model import TrainedModel

OPTIMIZERS = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD,
              "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad}
DEFAULT_LR = {"adam": 1e-3, "adamw": 1e-3, "sgd": 1e-2, "rmsprop": 1e-3, "adagrad": 1e-2}


def loss_for(task: str) -> Any:
    """Cross-entropy for a classification, the mean squared error for a regression."""
    return F.cross_entropy if task == "classification" else F.mse_loss


def prepare(data: CSVDataset, arguments: argparse.Namespace
            ) -> tuple[TrainedModel, np.ndarray, np.ndarray]:
    """The untrained model with its preprocessing, and the targets as the network sees them
    (a regression target scaled by the training rows' mean and std)."""
    classification = data.task == "classification"
    outputs = len(data.classes) if classification else 1
    architecture = [len(data.feature_names), *arguments.hidden, outputs]
    model = nn.MLP(architecture, activation=arguments.activation)
    trained = TrainedModel(model, data.feature_names, data.target, data.task,
                           data.standardizer, list(data.classes), columns=data.columns,
                           left_out=list(data.left_out))
    if classification:
        return trained, data.y_train, data.y_val
    # float64: a target near float32's limit (3e38) would overflow its own statistics
    trained.target_mean = float(data.y_train.astype(np.float64).mean())
    trained.target_std = float(data.y_train.astype(np.float64).std()) or 1.0
    scale = (lambda y: ((y.astype(np.float64) - trained.target_mean)
                        / trained.target_std).astype(np.float32))
    return trained, scale(data.y_train), scale(data.y_val)
