"""A playground's settings: TF Playground's, under its names, checked from plain JSON.

The JSON keys are TF Playground's URL-hash names (`learningRate`, `networkShape`, `x`,
`xSquared`, ...), so that a link from playground.tensorflow.org names the same setup here;
`loss` (square or cross-entropy) is stir's addition. `parse_settings` checks every field's
type and range before anything is built, and a bad one is a one-line `SettingsError` naming
the field. The network's limits are lifted from TF Playground's 6 layers of 8 neurons to
`MAX_LAYERS` layers of `MAX_NEURONS`, capped for the server's sake.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = [
    "CLASSIFICATION_SETS", "FEATURES", "FIELDS", "MAX_LAYERS", "MAX_NEURONS",
    "REGRESSION_SETS", "Settings", "SettingsError", "parse_settings",
]

#: The network's caps: hidden layers, and neurons in one layer (TF Playground: 6 and 8).
MAX_LAYERS, MAX_NEURONS = 10, 32
#: The datasets of each problem, by TF Playground's names.
CLASSIFICATION_SETS = ("circle", "xor", "gauss", "spiral")
REGRESSION_SETS = ("reg-plane", "reg-gauss")
#: The input features in TF Playground's order: its name, and the attribute of `Settings`.
FEATURES = (("x", "x1"), ("y", "x2"), ("xSquared", "x1_squared"), ("ySquared", "x2_squared"),
            ("xTimesY", "x1_times_x2"), ("sinX", "sin_x1"), ("sinY", "sin_x2"))


class SettingsError(ValueError):
    """A setting that cannot be used; the message is one line and names the field."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """One playground's setup; the defaults are TF Playground's (circle, 4-2 tanh network).

    >>> Settings().network_shape, Settings().learning_rate, Settings().features()
    ((4, 2), 0.03, ('x', 'y'))
    """

    problem: str = "classification"
    dataset: str = "circle"
    reg_dataset: str = "reg-plane"
    noise: float = 0.0             # percent, 0..50, as TF Playground's slider
    perc_train_data: float = 50.0  # percent of the points used for training, 10..90
    batch_size: int = 10
    learning_rate: float = 0.03
    activation: str = "tanh"
    regularization: str = "none"
    regularization_rate: float = 0.0
    network_shape: tuple[int, ...] = (4, 2)
    x1: bool = True
    x2: bool = True
    x1_squared: bool = False
    x2_squared: bool = False
    x1_times_x2: bool = False
    sin_x1: bool = False
    sin_x2: bool = False
    seed: int = 0
    loss: str = "square"

    def features(self) -> tuple[str, ...]:
        """The JSON names of the input features switched on, in TF Playground's order."""
        return tuple(name for name, attribute in FEATURES if getattr(self, attribute))

    def data_set(self) -> str:
        """The dataset the problem uses: `dataset` or `reg_dataset`."""
        return self.dataset if self.problem == "classification" else self.reg_dataset

    def to_json(self) -> dict[str, Any]:
        """The settings under their JSON names; `parse_settings` reads them back.

        >>> parse_settings(Settings().to_json()) == Settings()
        True
        """
        return {name: list(value) if isinstance(value := getattr(self, field.attribute), tuple)
                else value for name, field in FIELDS.items()}

    def updated(self, changes: Any) -> Settings:
        """These settings with the JSON fields in `changes` replaced, all checked first.

        >>> Settings().updated({"learningRate": 0.1}).learning_rate
        0.1
        """
        return parse_settings(changes, base=self)


@dataclasses.dataclass(frozen=True)
class _Field:
    """One JSON field: the attribute it sets, and the values it takes."""

    attribute: str
    kind: str                        # "choice", "number", "integer", "bool" or "shape"
    choices: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 0.0
    low_open: bool = False           # the low end excluded (a learning rate of 0 does nothing)


#: Every JSON field, by name: what `parse_settings` accepts.
FIELDS: dict[str, _Field] = {
    "problem": _Field("problem", "choice", ("classification", "regression")),
    "dataset": _Field("dataset", "choice", CLASSIFICATION_SETS),
    "regDataset": _Field("reg_dataset", "choice", REGRESSION_SETS),
    "noise": _Field("noise", "number", low=0, high=50),
    "percTrainData": _Field("perc_train_data", "number", low=10, high=90),
    "batchSize": _Field("batch_size", "integer", low=1, high=1000),
    "learningRate": _Field("learning_rate", "number", low=0, high=10, low_open=True),
    "activation": _Field("activation", "choice", ("relu", "tanh", "sigmoid", "linear")),
    "regularization": _Field("regularization", "choice", ("none", "L1", "L2")),
    "regularizationRate": _Field("regularization_rate", "number", low=0, high=10),
    "networkShape": _Field("network_shape", "shape", low=1, high=MAX_NEURONS),
    **{name: _Field(attribute, "bool") for name, attribute in FEATURES},
    "seed": _Field("seed", "integer", low=0, high=2**32 - 1),
    "loss": _Field("loss", "choice", ("square", "cross-entropy")),
}


def parse_settings(data: Any, base: Settings | None = None) -> Settings:
    """Settings from a JSON object: the fields given replace those of `base` (default: TF
    Playground's defaults). Every field is checked before any is used; the first bad one is
    a SettingsError naming it.

    >>> parse_settings({"dataset": "xor", "networkShape": [8, 8, 8]}).network_shape
    (8, 8, 8)
    >>> parse_settings({"learningRate": -1})
    Traceback (most recent call last):
    ...
    stir.playground.settings.SettingsError: learningRate: must be a number in (0, 10], got -1
    """
    if not isinstance(data, dict):
        raise SettingsError(f"settings: must be a JSON object, got {_shown(data)}")
    changes = {}
    for name, value in data.items():
        field = FIELDS.get(name) if isinstance(name, str) else None
        if field is None:
            raise SettingsError(f"{_shown(name, 40)}: unknown setting; the settings are "
                                f"{', '.join(FIELDS)}")
        changes[field.attribute] = _checked(name, field, value)
    settings = dataclasses.replace(base or Settings(), **changes)
    if not settings.features():
        raise SettingsError("x: at least one input feature must be on")
    if settings.loss == "cross-entropy" and settings.problem != "classification":
        raise SettingsError("loss: cross-entropy needs problem 'classification'")
    return settings


def _checked(name: str, field: _Field, value: Any) -> Any:
    if field.kind == "choice":
        if not isinstance(value, str) or value not in field.choices:
            raise SettingsError(f"{name}: must be one of {', '.join(field.choices)}; got "
                                f"{_shown(value)}")
        return value
    if field.kind == "bool":
        if not isinstance(value, bool):
            raise SettingsError(f"{name}: must be true or false, got {_shown(value)}")
        return value
    if field.kind == "shape":
        if not isinstance(value, list) or len(value) > MAX_LAYERS or not all(
                _is_integer(width) and field.low <= width <= field.high for width in value):
            raise SettingsError(f"{name}: must be a list of at most {MAX_LAYERS} hidden-layer "
                                f"widths, each 1 to {MAX_NEURONS}; got {_shown(value)}")
        return tuple(int(width) for width in value)
    integer = field.kind == "integer"
    number_ok = _is_integer(value) if integer else (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value))
    if not number_ok or not (field.low < value if field.low_open else field.low <= value) \
            or value > field.high:
        low, high = _number(field.low), _number(field.high)
        span = f"({low}, {high}]" if field.low_open else f"[{low}, {high}]"
        noun = "an integer" if integer else "a number"
        raise SettingsError(f"{name}: must be {noun} in {span}, got {_shown(value)}")
    return int(value) if integer else float(value)


def _is_integer(value: Any) -> bool:
    """An integer, or a float with an integer's value (JSON writes 3 as 3 or 3.0)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _shown(value: Any, width: int = 60) -> str:
    """A short one-line picture of a (possibly hostile) JSON value for a message."""
    text = " ".join(repr(value).split())
    return text if len(text) <= width else text[:width - 3] + "..."
