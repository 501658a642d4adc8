"""A model's architecture as JSON, and the model rebuilt from it.

`describe(model)` gives a nested dict naming each layer's class and constructor arguments,
e.g. {"type": "Linear", "in_features": 2, "out_features": 5, "bias": true, "dtype":
"float32"}; containers (`Sequential`, `MLP`) list their layers by name. `build(spec)` makes
a fresh model of that architecture (its weights are then loaded from the file). Only the
layers in `RECIPES` can be named, so a file can never make stir construct anything else,
and the parameter count a spec implies is checked against the file before anything is
allocated.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import nn
from ..nn.module import Module
from ..random import Generator
from .errors import ModelFormatError

CONTAINERS = {"Sequential": nn.Sequential, "MLP": nn.MLP}
DTYPE_NAMES = ("float16", "float32", "float64")


class UnsupportedArchitecture(TypeError):
    """A model with a layer stir cannot describe (for instance a user-defined Module)."""


@dataclass(frozen=True)
class Recipe:
    """How to save and remake one layer class: `arguments(layer)` gives the constructor's
    keyword arguments; `numel(arguments)` the parameter count they imply."""

    cls: type
    arguments: Callable[[Any], dict[str, Any]] = lambda layer: {}
    numel: Callable[[dict[str, Any]], int] = lambda arguments: 0
    has_dtype: bool = False  # whether the constructor takes dtype= for its parameters
    initialises_randomly: bool = False  # whether it takes generator= for its initial values


def _linear_numel(a: dict[str, Any]) -> int:
    return a["out_features"] * (a["in_features"] + (1 if a["bias"] else 0))


RECIPES: dict[str, Recipe] = {
    "Linear": Recipe(nn.Linear, lambda m: {"in_features": m.in_features,
                                           "out_features": m.out_features,
                                           "bias": m.bias is not None},
                     _linear_numel, has_dtype=True, initialises_randomly=True),
    "Maxout": Recipe(nn.Maxout, lambda m: {"in_features": m.in_features,
                                           "out_features": m.out_features,
                                           "pieces": m.pieces},
                     lambda a: a["out_features"] * a["pieces"] * (a["in_features"] + 1),
                     has_dtype=True, initialises_randomly=True),
    "Dropout": Recipe(nn.Dropout, lambda m: {"p": m.p}),
    "Flatten": Recipe(nn.Flatten, lambda m: {"start_dim": m.start_dim, "end_dim": m.end_dim}),
    "LeakyReLU": Recipe(nn.LeakyReLU, lambda m: {"negative_slope": m.negative_slope}),
    "VeryLeakyReLU": Recipe(nn.VeryLeakyReLU,
                            lambda m: {"negative_slope": m.negative_slope}),
    "PReLU": Recipe(nn.PReLU, lambda m: {"num_parameters": m.num_parameters},
                    lambda a: a["num_parameters"], has_dtype=True),
    "RReLU": Recipe(nn.RReLU, lambda m: {"lower": m.lower, "upper": m.upper}),
    "ELU": Recipe(nn.ELU, lambda m: {"alpha": m.alpha}),
    "Softplus": Recipe(nn.Softplus, lambda m: {"beta": m.beta, "threshold": m.threshold}),
    "APL": Recipe(nn.APL, lambda m: {"num_hinges": m.num_hinges,
                                     "num_features": m.num_features},
                  lambda a: 2 * a["num_hinges"] * (a["num_features"] or 1),
                  has_dtype=True, initialises_randomly=True),
    "Softmax": Recipe(nn.Softmax, lambda m: {"dim": m.dim}),
    "LogSoftmax": Recipe(nn.LogSoftmax, lambda m: {"dim": m.dim}),
    "GELU": Recipe(nn.GELU, lambda m: {"approximate": m.approximate}),
    **{cls.__name__: Recipe(cls) for cls in (nn.Identity, nn.Step, nn.Sign, nn.Sigmoid,
                                             nn.Tanh, nn.ReLU, nn.CenteredSoftplus, nn.SiLU)},
}


def describe(model: Module) -> dict[str, Any]:
    """The architecture of `model` as JSON-ready data; raises UnsupportedArchitecture for a
    layer stir cannot remake.

    >>> describe(nn.Sequential(nn.Linear(2, 3), nn.ReLU()))["layers"]["0"]["type"]
    'Linear'
    """
    kind = type(model).__name__
    if type(model) is CONTAINERS.get(kind):
        spec: dict[str, Any] = {"type": kind}
        if kind == "MLP":
            spec["architecture"] = list(model.architecture)
        spec["layers"] = {name: describe(layer) for name, layer in model._modules.items()}
        return spec
    recipe = RECIPES.get(kind)
    if recipe is None or type(model) is not recipe.cls:  # a subclass may differ: refuse it
        raise UnsupportedArchitecture(
            f"stir cannot describe a {type(model).__module__}.{type(model).__qualname__}; "
            f"it can rebuild {', '.join(sorted({*CONTAINERS, *RECIPES}))}")
    spec = {"type": kind, **recipe.arguments(model)}
    if recipe.has_dtype:
        spec["dtype"] = _parameter_dtype(model)
    return spec


def build(spec: Any, numel_in_file: int, name: str) -> Module:
    """A fresh model with the architecture `spec`, checked first: every layer type must be
    known, with exactly its arguments, and the parameters must number `numel_in_file`.
    Building does not touch the global random generator."""
    implied = _check(spec, "architecture", name)
    if implied != numel_in_file:
        raise ModelFormatError(f"{name}: the architecture has {implied} parameters but the "
                               f"file holds {numel_in_file} numbers")
    return _build(spec, "architecture", name)


def _check(spec: Any, where: str, name: str) -> int:
    """Validate `spec` (without building anything) and return its parameter count."""
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ModelFormatError(f"{name}: {where} must be an object with a 'type'")
    kind = spec["type"]
    if kind in CONTAINERS:
        allowed = {"type", "layers"} | ({"architecture"} if kind == "MLP" else set())
        layers = spec.get("layers")
        if set(spec) != allowed or not isinstance(layers, dict):
            raise ModelFormatError(f"{name}: {where} ({kind}) needs exactly the fields "
                                   f"{sorted(allowed)} with 'layers' an object")
        widths = spec.get("architecture", [1, 1])
        if not isinstance(widths, list) or not all(
                isinstance(w, int) and not isinstance(w, bool) and w > 0 for w in widths):
            raise ModelFormatError(f"{name}: {where} (MLP): the architecture must be a list "
                                   f"of positive integers, got {widths!r}")
        return sum(_check(layer, f"{where}.{key}", name) for key, layer in layers.items())
    recipe = RECIPES.get(kind)
    if recipe is None:
        raise ModelFormatError(f"{name}: {where}: unknown layer type {kind!r}")
    arguments = _arguments(spec, recipe, f"{name}: {where}")
    for key, value in arguments.items():
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**40:
            raise ModelFormatError(f"{name}: {where} ({kind}): {key}={value} is out of range")
    try:
        return int(recipe.numel(arguments))
    except (KeyError, TypeError) as error:
        raise ModelFormatError(f"{name}: {where} ({kind}): missing or malformed argument "
                               f"{error}") from None


def _arguments(spec: dict[str, Any], recipe: Recipe, where: str) -> dict[str, Any]:
    arguments = {key: value for key, value in spec.items() if key not in ("type", "dtype")}
    allowed = set(inspect.signature(recipe.cls).parameters) - {"dtype", "generator"}
    unknown = sorted(set(arguments) - allowed) + (["dtype"] if "dtype" in spec
                                                  and not recipe.has_dtype else [])
    if unknown:
        raise ModelFormatError(f"{where} ({spec['type']}): unknown argument(s) {unknown}; "
                               f"it takes {sorted(allowed)}")
    if recipe.has_dtype and spec.get("dtype") not in DTYPE_NAMES:
        raise ModelFormatError(f"{where} ({spec['type']}): dtype must be one of "
                               f"{DTYPE_NAMES}, got {spec.get('dtype')!r}")
    return arguments


def _build(spec: dict[str, Any], where: str, name: str) -> Module:
    kind = spec["type"]
    if kind in CONTAINERS:
        layers = {key: _build(layer, f"{where}.{key}", name)
                  for key, layer in spec["layers"].items()}
        model = CONTAINERS[kind].__new__(CONTAINERS[kind])
        nn.Sequential.__init__(model, *layers.values())  # an MLP is a Sequential + widths
        model._modules.clear()
        for key, layer in layers.items():
            model.add_module(key, layer)
        if kind == "MLP":
            model.architecture = spec["architecture"]
        return model
    recipe = RECIPES[kind]
    arguments = _arguments(spec, recipe, f"{name}: {where}")
    if recipe.has_dtype:
        arguments["dtype"] = np.dtype(spec["dtype"])
    if recipe.initialises_randomly:
        arguments["generator"] = _PLACEHOLDER  # the values are overwritten from the file
    try:
        return recipe.cls(**arguments)
    except (TypeError, ValueError) as error:
        raise ModelFormatError(f"{name}: {where} ({kind}): {error}") from None


class _ZerosInstead:
    """Stands in for a NumPy generator while a layer is built only to receive a file's
    weights: `uniform` gives a read-only view of zeros, so the layer's `astype` makes the
    parameter's only copy (a float64 draw would briefly cost twice the parameter)."""

    @staticmethod
    def uniform(low: float, high: float, size: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(np.float32(0), size)


class _PlaceholderGenerator(Generator):
    @property
    def numpy(self) -> Any:  # type: ignore[override]
        return _ZerosInstead


_PLACEHOLDER = _PlaceholderGenerator()


def _parameter_dtype(layer: Module) -> str:
    dtypes = {str(parameter.dtype) for parameter in layer.parameters()}
    return dtypes.pop() if len(dtypes) == 1 else "float32"
