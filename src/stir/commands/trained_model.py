"""A model trained by `stir train`, with what it needs to read new CSV rows: the file's
columns and their encodings (numbers, dates, one-hot text, each with its fill for a missing
cell), the feature names, their standardization, the task, the class labels and the
target's scale.

All of it is kept in the model file's metadata under "stir_train", so `stir predict` and
`stir eval` need only the file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..data.csv_columns import ColumnEncoding
from ..data.csv_files import Standardizer
from ..io import ModelFormatError, read, save
from ..io.errors import WrongFileKind
from ..io.model_files import model_from
from ..nn.module import Module
from ..training import predict

KEY = "stir_train"


@dataclass
class TrainedModel:
    """A network plus its preprocessing. For regression the network predicts
    (y − target_mean) / target_std; for classification, one logit per class. `columns`
    are the file's columns the features come from, in order (a model saved before stir
    kept them reads each feature from the column of its name, as a number); `left_out`
    are the columns training left out (--drop), which a file to predict on may still have."""

    model: Module
    feature_names: list[str]
    target: str
    task: str
    standardizer: Standardizer
    classes: list[Any] = field(default_factory=list)
    target_mean: float = 0.0
    target_std: float = 1.0
    columns: list[ColumnEncoding] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.columns:
            self.columns = [ColumnEncoding(name, "number", None) for name in self.feature_names]

    def outputs(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (n, classes) or predicted values (n,) for raw features X."""
        raw = predict(self.model, self.standardizer.transform(X))
        if self.task == "classification":
            shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)
        # float64: the scale may take the values past float32's range
        return raw[:, 0].astype(np.float64) * self.target_std + self.target_mean

    def save(self, path: str | Path, extra: dict[str, Any]) -> Path:
        """Save the network with this preprocessing (and `extra` facts) in its metadata."""
        metadata = {KEY: {
            "features": self.feature_names, "target": self.target, "task": self.task,
            "standardizer": self.standardizer.to_dict(), "classes": self.classes,
            "target_mean": self.target_mean, "target_std": self.target_std,
            "columns": [column.to_dict() for column in self.columns],
            "left_out": self.left_out, **extra,
        }}
        return save(self.model, path, metadata=metadata)

    @classmethod
    def load(cls, path: str | Path) -> TrainedModel:
        """The trained model in the file at `path`; a ModelFormatError if it was not saved by
        `stir train`, or if any of its preprocessing is malformed or does not fit the
        network (checked before it is used: the feature names, the task, the classes, the
        standardizer, the target's scale and the network's input and output widths)."""
        name = str(path)
        try:
            contents = read(path)
        except WrongFileKind as error:
            if error.found != "checkpoint":
                raise
            raise ModelFormatError(
                f"{name}: a training checkpoint (weights, optimizer state, the run's "
                f"position), not a model: stir predict and stir eval take the model file that "
                f"stir train saves when it finishes (--out, by default DATA.safetensors); "
                f"train again to finish an interrupted run") from None
        info = contents.metadata.get(KEY)
        if not isinstance(info, dict):
            raise ModelFormatError(f"{name}: no preprocessing in this model file; stir "
                                   "predict and stir eval need a model saved by stir train")
        try:
            fields = _checked(info)
        except ValueError as error:
            raise ModelFormatError(f"{name}: malformed stir train metadata: {error}") from None
        trained = cls(model_from(contents, name), *fields)
        outputs = len(trained.classes) if trained.task == "classification" else 1
        try:
            width = predict(trained.model, np.zeros((1, len(trained.feature_names)),
                                                    np.float32)).shape
        except (ValueError, TypeError, IndexError) as error:
            raise ModelFormatError(f"{name}: the network does not take the "
                                   f"{len(trained.feature_names)} features the file lists: "
                                   f"{error}") from None
        if width != (1, outputs):
            raise ModelFormatError(f"{name}: the network gives {width[1:]} outputs per row, "
                                   f"but its {trained.task} needs {outputs}")
        return trained


def _checked(info: dict[str, Any]) -> tuple[Any, ...]:
    """The constructor's arguments after the model, from `stir train`'s metadata, each of
    the right type and range; a ValueError names the first that is not."""
    features, target, task = info.get("features"), info.get("target"), info.get("task")
    if not isinstance(features, list) or not features \
            or not all(isinstance(f, str) for f in features) \
            or len(set(features)) != len(features):
        raise ValueError("the features must be a non-empty list of distinct names")
    if not isinstance(target, str) or task not in ("classification", "regression"):
        raise ValueError("the target must be a name and the task classification or regression")
    classes = info.get("classes")
    if not isinstance(classes, list) or not all(
            isinstance(c, (str, int, float)) and not isinstance(c, bool) for c in classes):
        raise ValueError("the classes must be a list of labels (text or numbers)")
    if (task == "classification") != bool(classes) or len(classes) == 1:
        raise ValueError(f"a {task} model with {len(classes)} classes")
    numbers = {key: info.get(key) for key in ("target_mean", "target_std")}
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in numbers.values()) or numbers["target_std"] <= 0:
        raise ValueError("target_mean and target_std must be finite numbers, target_std > 0")
    columns = info.get("columns")
    if columns is not None:
        if not isinstance(columns, list):
            raise ValueError("the columns must be a list of encodings")
        columns = [ColumnEncoding.from_dict(column) for column in columns]
        expanded = [name for column in columns for name in column.feature_names]
        if expanded != features:
            raise ValueError(f"the columns' encodings give the features {expanded}, not the "
                             f"{features} the file lists")
    left_out = info.get("left_out", [])
    if not isinstance(left_out, list) or not all(isinstance(c, str) for c in left_out):
        raise ValueError("left_out must be a list of column names")
    standardizer = info.get("standardizer")
    if not isinstance(standardizer, dict) or set(standardizer) != {"mean", "std"} or not all(
            isinstance(column, list) and len(column) == len(features) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in column)
            for column in standardizer.values()):
        raise ValueError(f"the standardizer must hold a mean and a std for each of the "
                         f"{len(features)} features")
    return (features, target, task, Standardizer.from_dict(standardizer), classes,
            float(numbers["target_mean"]), float(numbers["target_std"]), columns or [],
            left_out)
