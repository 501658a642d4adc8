"""A model trained by `stir train`, with what it needs to read new CSV rows: the feature
names, their standardization, the task, the class labels and the target's scale.

All of it is kept in the model file's metadata under "stir_train", so `stir predict` and
`stir eval` need only the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..data.csv_files import Standardizer
from ..io import ModelFormatError, load, read, save
from ..nn.module import Module
from ..training import predict

KEY = "stir_train"


@dataclass
class TrainedModel:
    """A network plus its preprocessing. For regression the network predicts
    (y − target_mean) / target_std; for classification, one logit per class."""

    model: Module
    feature_names: list[str]
    target: str
    task: str
    standardizer: Standardizer
    classes: list[Any] = field(default_factory=list)
    target_mean: float = 0.0
    target_std: float = 1.0

    def outputs(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (n, classes) or predicted values (n,) for raw features X."""
        raw = predict(self.model, self.standardizer.transform(X))
        if self.task == "classification":
            shifted = np.exp(raw - raw.max(axis=1, keepdims=True))
            return shifted / shifted.sum(axis=1, keepdims=True)
        return raw[:, 0] * self.target_std + self.target_mean

    def save(self, path: str | Path, extra: dict[str, Any]) -> Path:
        """Save the network with this preprocessing (and `extra` facts) in its metadata."""
        metadata = {KEY: {
            "features": self.feature_names, "target": self.target, "task": self.task,
            "standardizer": self.standardizer.to_dict(), "classes": self.classes,
            "target_mean": self.target_mean, "target_std": self.target_std, **extra,
        }}
        return save(self.model, path, metadata=metadata)

    @classmethod
    def load(cls, path: str | Path) -> TrainedModel:
        """The trained model in the file at `path`; a ModelFormatError if it was not saved by
        `stir train` (or its preprocessing is malformed)."""
        info = read(path).metadata.get(KEY)
        if not isinstance(info, dict):
            raise ModelFormatError(f"{path}: no preprocessing in this model file; stir "
                                   "predict and stir eval need a model saved by stir train")
        try:
            features, task, classes = info["features"], info["task"], info["classes"]
            if (not isinstance(features, list) or not all(isinstance(f, str) for f in features)
                    or task not in ("classification", "regression")
                    or not isinstance(classes, list)):
                raise ValueError("bad features, task or classes")
            trained = cls(load(path), features, str(info["target"]), task,
                          Standardizer.from_dict(info["standardizer"]), classes,
                          float(info["target_mean"]), float(info["target_std"]))
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFormatError(f"{path}: malformed stir train metadata: {error}") from None
        if trained.standardizer.mean.size != len(features):
            raise ModelFormatError(f"{path}: the standardizer has {trained.standardizer.mean.size}"
                                   f" features but the file lists {len(features)}")
        return trained
