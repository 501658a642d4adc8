"""A playground's settings: TF Playground's, under its names, checked from plain JSON.

The JSON keys are TF Playground's URL-hash names (`learningRate`, `networkShape`, `x`,
`xSquared`, ...), so that a link from playground.tensorflow.org names the same setup here;
the rest are stir's additions (docs/playground.md, "The page–server contract"): `loss`,
`numClasses`, `optimizer`, `schedule`, `scheduleEpochs`, `dropout`, `activations` (one per
hidden layer), `stopAfter` (the stopping rule), and the point edits `added` and `removed`. `parse_settings` checks every
field's type and range, then the rules between fields, before anything is built; a bad one
is a one-line `SettingsError` naming the field. The network's limits are lifted from TF
Playground's 6 layers of 8 neurons to `MAX_LAYERS` layers of `MAX_NEURONS`, capped for the
server's sake.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = [
    "ACTIVATIONS", "CLASSIFICATION_SETS", "CURVE_FEATURES", "DATA_FIELDS", "FEATURES", "FIELDS",
    "MAX_CLASSES", "MAX_EDITS", "MAX_LAYERS", "MAX_NEURONS", "OPTIMIZERS", "REGRESSION_SETS",
    "SCHEDULES", "Settings", "SettingsError", "is_integer", "is_number", "parse_settings",
    "shown",
]

#: The network's caps: hidden layers, and neurons in one layer (TF Playground: 6 and 8).
MAX_LAYERS, MAX_NEURONS = 10, 32
#: The most classes, and the most entries in each of `added` and `removed`.
MAX_CLASSES, MAX_EDITS = 10, 500
#: The datasets of each problem, by TF Playground's names ("curve" and "upload": stir's).
CLASSIFICATION_SETS = ("circle", "xor", "gauss", "spiral", "upload")
REGRESSION_SETS = ("reg-plane", "reg-gauss", "curve", "upload")
#: The input features in TF Playground's order: its name, and the attribute of `Settings`.
FEATURES = (("x", "x1"), ("y", "x2"), ("xSquared", "x1_squared"), ("ySquared", "x2_squared"),
            ("xTimesY", "x1_times_x2"), ("sinX", "sin_x1"), ("sinY", "sin_x2"))
#: The features of a task with one input, x₁ (the curve, or a CSV with one feature column).
CURVE_FEATURES = ("x", "xSquared", "sinX")
#: The hidden layers' activations: the seeds' (stir.playground.network builds them).
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear", "leaky_relu", "very_leaky_relu", "prelu",
               "rrelu", "elu", "softplus", "centered_softplus", "maxout", "apl", "gelu", "silu",
               "step", "sign")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad")
SCHEDULES = ("constant", "step", "exponential", "cosine", "warmup")
#: The fields whose change draws other points: `added` and `removed` no longer apply then.
DATA_FIELDS = ("problem", "dataset", "regDataset", "noise", "percTrainData", "seed",
               "numClasses")

Point = tuple[float, ...]


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
    num_classes: int = 2
    optimizer: str = "sgd"
    schedule: str = "constant"
    schedule_epochs: int = 100
    dropout: float = 0.0
    stop_after: int = 0  # pause when the test loss has not improved for this many epochs (0: off)
    activations: tuple[str, ...] = ()      # per hidden layer from the first; then `activation`
    added: tuple[Point, ...] = ()          # training points added: (x1, x2, label) or (x, label)
    removed: tuple[int, ...] = ()          # indices of generated training points removed

    def features(self) -> tuple[str, ...]:
        """The JSON names of the input features switched on, in TF Playground's order."""
        return tuple(name for name, attribute in FEATURES if getattr(self, attribute))

    def data_set(self) -> str:
        """The dataset the problem uses: `dataset` or `reg_dataset`."""
        return self.dataset if self.problem == "classification" else self.reg_dataset

    def data_field(self) -> str:
        """The JSON name of the field that chose the dataset: "dataset" or "regDataset"."""
        return "dataset" if self.problem == "classification" else "regDataset"

    def classes(self) -> int | None:
        """The number of classes K of a classification, None for a regression."""
        return self.num_classes if self.problem == "classification" else None

    def layer_activations(self) -> tuple[str, ...]:
        """Each hidden layer's activation: its entry in `activations`, else `activation`.

        >>> Settings(network_shape=(4, 4, 2), activations=("relu",)).layer_activations()
        ('relu', 'tanh', 'tanh')
        """
        given = self.activations
        return tuple(given[i] if i < len(given) else self.activation
                     for i in range(len(self.network_shape)))

    def to_json(self) -> dict[str, Any]:
        """The settings under their JSON names; `parse_settings` reads them back.

        >>> parse_settings(Settings().to_json()) == Settings()
        True
        """
        return {name: _listed(getattr(self, field.attribute)) for name, field in FIELDS.items()}

    def updated(self, changes: Any) -> Settings:
        """These settings with the JSON fields in `changes` replaced, all checked first. A
        change of a field in DATA_FIELDS clears `added` and `removed` (they indexed the old
        points), unless `changes` gives them too (as a link does).

        >>> Settings(added=((1.0, 2.0, 1.0),)).updated({"learningRate": 0.1}).added
        ((1.0, 2.0, 1.0),)
        >>> Settings(added=((1.0, 2.0, 1.0),)).updated({"noise": 10}).added
        ()
        """
        return parse_settings(changes, base=self)


@dataclasses.dataclass(frozen=True)
class _Field:
    """One JSON field: the attribute it sets, and the values it takes."""

    attribute: str
    kind: str          # "choice", "number", "integer", "bool", "shape", "names" or "points"
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
    "activation": _Field("activation", "choice", ACTIVATIONS),
    "regularization": _Field("regularization", "choice", ("none", "L1", "L2")),
    "regularizationRate": _Field("regularization_rate", "number", low=0, high=10),
    "networkShape": _Field("network_shape", "shape", low=1, high=MAX_NEURONS),
    **{name: _Field(attribute, "bool") for name, attribute in FEATURES},
    "seed": _Field("seed", "integer", low=0, high=2**32 - 1),
    "loss": _Field("loss", "choice", ("square", "cross-entropy")),
    "numClasses": _Field("num_classes", "integer", low=2, high=MAX_CLASSES),
    "optimizer": _Field("optimizer", "choice", OPTIMIZERS),
    "schedule": _Field("schedule", "choice", SCHEDULES),
    "scheduleEpochs": _Field("schedule_epochs", "integer", low=1, high=100_000),
    "dropout": _Field("dropout", "number", low=0, high=0.9),
    "stopAfter": _Field("stop_after", "integer", low=0, high=100_000),
    "activations": _Field("activations", "names", ACTIVATIONS),
    "added": _Field("added", "points"),
    "removed": _Field("removed", "indices"),
}


def parse_settings(data: Any, base: Settings | None = None) -> Settings:
    """Settings from a JSON object: the fields given replace those of `base` (default: TF
    Playground's defaults). Every field is checked, then the rules between fields; the
    first bad one is a SettingsError naming it. Added points are rounded to 3 decimals.

    >>> parse_settings({"dataset": "xor", "networkShape": [8, 8, 8]}).network_shape
    (8, 8, 8)
    >>> parse_settings({"learningRate": -1})
    Traceback (most recent call last):
    ...
    stir.playground.settings.SettingsError: learningRate: must be a number in (0, 10], got -1
    """
    if not isinstance(data, dict):
        raise SettingsError(f"settings: must be a JSON object, got {shown(data)}")
    base = base or Settings()
    changes = {}
    for name, value in data.items():
        field = FIELDS.get(name) if isinstance(name, str) else None
        if field is None:
            raise SettingsError(f"{shown(name, 40)}: unknown setting; the settings are "
                                f"{', '.join(FIELDS)}")
        changes[field.attribute] = _checked(name, field, value)
    settings = dataclasses.replace(base, **changes)
    redrawn = any(getattr(settings, attribute) != getattr(base, attribute)
                  for attribute in (FIELDS[name].attribute for name in DATA_FIELDS))
    if redrawn:
        settings = dataclasses.replace(settings, added=changes.get("added", ()),
                                       removed=changes.get("removed", ()))
    _check_together(settings)
    return settings


def _check_together(settings: Settings) -> None:
    """The rules between fields (each message names the field to change)."""
    features = settings.features()
    if not features:
        raise SettingsError("x: at least one input feature must be on")
    classification = settings.problem == "classification"
    if settings.loss == "cross-entropy" and not classification:
        raise SettingsError("loss: cross-entropy needs problem 'classification'")
    classes = settings.num_classes
    if classification and classes > 2 and settings.loss != "cross-entropy":
        raise SettingsError(f"numClasses: {classes} classes need loss 'cross-entropy' (a "
                            f"softmax over {classes} outputs)")
    if classification and classes > 2 and settings.dataset == "xor":
        raise SettingsError(f"numClasses: xor has 2 classes, not {classes} (circle, gauss and "
                            "spiral take 2 to 10)")
    if not classification and settings.reg_dataset == "curve":
        other = [name for name in features if name not in CURVE_FEATURES]
        if other:
            raise SettingsError(f"{other[0]}: the curve task has one input, x; only "
                                f"{', '.join(CURVE_FEATURES)} may be on")
    layers = len(settings.network_shape)
    if len(settings.activations) > layers:
        raise SettingsError(f"activations: {len(settings.activations)} names for {layers} "
                            "hidden layers (one per hidden layer, from the first)")
    _check_added(settings)
    if len(set(settings.removed)) != len(settings.removed):
        repeated = next(i for i in settings.removed if settings.removed.count(i) > 1)
        raise SettingsError(f"removed: index {repeated} is there twice")


def _check_added(settings: Settings) -> None:
    """Each added row: [x, label] for a task with one input (the curve; an upload may have
    one or two), else [x1, x2, label]; the point in the square drawn ([0, 1] or [-6, 6]²);
    the label a class index (classification) or a finite target (regression)."""
    if not settings.added:
        return
    if settings.data_set() == "upload":  # (the file decides; make_data checks it agrees)
        wanted = len(settings.added[0])
    else:
        wanted = 2 if settings.data_set() == "curve" else 3
    low, high = (0.0, 1.0) if wanted == 2 else (-6.0, 6.0)
    shape = "[x, label]" if wanted == 2 else "[x1, x2, label]"
    classes = settings.classes()
    for index, row in enumerate(settings.added):
        where = f"added: point {index}"
        if len(row) != wanted:
            raise SettingsError(f"{where} must be {shape} here, got {shown(list(row))}")
        if not all(low <= value <= high for value in row[:-1]):
            raise SettingsError(f"{where}: coordinates must be in [{_number(low)}, "
                                f"{_number(high)}], got {shown(list(row))}")
        label = row[-1]
        if classes is not None and not (is_integer(label) and 0 <= label < classes):
            raise SettingsError(f"{where}: the label must be a class index 0 to {classes - 1}, "
                                f"got {shown(label)}")


def _checked(name: str, field: _Field, value: Any) -> Any:
    if field.kind == "choice":
        if not isinstance(value, str) or value not in field.choices:
            raise SettingsError(f"{name}: must be one of {', '.join(field.choices)}; got "
                                f"{shown(value)}")
        return value
    if field.kind == "bool":
        if not isinstance(value, bool):
            raise SettingsError(f"{name}: must be true or false, got {shown(value)}")
        return value
    if field.kind == "shape":
        if not isinstance(value, list) or len(value) > MAX_LAYERS or not all(
                is_integer(width) and field.low <= width <= field.high for width in value):
            raise SettingsError(f"{name}: must be a list of at most {MAX_LAYERS} hidden-layer "
                                f"widths, each 1 to {MAX_NEURONS}; got {shown(value)}")
        return tuple(int(width) for width in value)
    if field.kind == "names":
        if not isinstance(value, list) or len(value) > MAX_LAYERS or not all(
                isinstance(item, str) and item in field.choices for item in value):
            raise SettingsError(f"{name}: must be a list of at most {MAX_LAYERS} activations, "
                                f"each one of {', '.join(field.choices)}; got {shown(value)}")
        return tuple(value)
    if field.kind == "points":
        return _points(name, value)
    if field.kind == "indices":
        if not isinstance(value, list) or len(value) > MAX_EDITS:
            raise SettingsError(f"{name}: must be a list of at most {MAX_EDITS} point indices, "
                                f"got {shown(value)}")
        for index in value:
            if not (is_integer(index) and 0 <= index < 2**31):
                raise SettingsError(f"{name}: indices must be integers 0 or more, got "
                                    f"{shown(index)}")
        return tuple(int(index) for index in value)
    integer = field.kind == "integer"
    if not _is_number(value, integer) or not (
            field.low < value if field.low_open else field.low <= value) or value > field.high:
        low, high = _number(field.low), _number(field.high)
        span = f"({low}, {high}]" if field.low_open else f"[{low}, {high}]"
        noun = "an integer" if integer else "a number"
        raise SettingsError(f"{name}: must be {noun} in {span}, got {shown(value)}")
    return int(value) if integer else float(value)


def _points(name: str, value: Any) -> tuple[Point, ...]:
    """Rows of 2 or 3 finite numbers, each rounded to 3 decimals (as the link holds them)."""
    if not isinstance(value, list) or len(value) > MAX_EDITS:
        raise SettingsError(f"{name}: must be a list of at most {MAX_EDITS} points, got "
                            f"{shown(value)}")
    rows = []
    for index, row in enumerate(value):
        if not isinstance(row, list) or len(row) not in (2, 3) or not all(
                _is_number(number, False) for number in row):
            raise SettingsError(f"{name}: point {index} must be [x1, x2, label] or [x, label] "
                                f"of finite numbers, got {shown(row)}")
        rows.append(tuple(round(float(number), 3) for number in row))
    return tuple(rows)


def _is_number(value: Any, integer: bool) -> bool:
    return is_integer(value) if integer else is_number(value)


def is_number(value: Any) -> bool:
    """A finite JSON number; not a bool, and not 1e999 (read as inf) nor 10**400 (JSON allows
    it; it does not fit a float).

    >>> is_number(0.5), is_number(True), is_number(float("nan")), is_number(10**400)
    (True, False, False, False)
    """
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def is_integer(value: Any) -> bool:
    """An integer, or a float with an integer's value (JSON writes 3 as 3 or 3.0); not a bool.

    >>> is_integer(3), is_integer(3.0), is_integer(3.5), is_integer(True)
    (True, True, False, False)
    """
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _listed(value: Any) -> Any:
    """A value as JSON: tuples (and tuples of tuples) as lists."""
    return [_listed(item) for item in value] if isinstance(value, tuple) else value


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def shown(value: Any, width: int = 60) -> str:
    """A short one-line picture of a (possibly hostile) JSON value for a message.

    >>> shown(list(range(30)), 20)
    '[0, 1, 2, 3, 4, 5...'
    """
    text = " ".join(repr(value).split())
    return text if len(text) <= width else text[:width - 3] + "..."


# (The private names, for modules that still import them.)
