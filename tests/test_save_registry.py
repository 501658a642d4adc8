"""The registry of saveable layers (`stir.io.architecture.RECIPES`) is read from the modules:
every public Module of stir.nn is saveable, a container or listed as unsaveable with why;
each recipe saves its constructor's arguments; its parameter count matches a built layer's;
and a model of every saveable layer survives a round trip."""

import inspect
import itertools
from typing import Literal

import numpy as np
import pytest

import stir
from stir import nn
from stir.io import architecture
from stir.io.architecture import (
    CONTAINERS, NOT_SAVED, RANGES, RECIPES, UNSAVEABLE, count, derive, flag, fraction,
    optional_count,
)


def public_modules(namespace=nn):
    """The public Module classes of `namespace` by class name, found without `derive`."""
    found = (getattr(namespace, name) for name in dir(namespace) if not name.startswith("_"))
    return {cls.__name__: cls for cls in found
            if isinstance(cls, type) and issubclass(cls, nn.Module)}


def check_every_module_decided(namespace=nn):
    recipes, undecided = derive(namespace)
    decided = set(recipes) | set(CONTAINERS) | set(UNSAVEABLE)
    missing = {kind: undecided.get(kind, "no recipe") for kind in public_modules(namespace)
               if kind not in decided}
    assert not missing, ("each public Module of stir.nn must be saveable (a recipe read "
                         "from its constructor), a container, or in UNSAVEABLE with why; "
                         f"undecided: {missing}")


# ---------------------------------------------------------------- (1) every module decided
def test_every_public_module_is_saveable_a_container_or_unsaveable_with_a_reason():
    check_every_module_decided()
    assert RECIPES.keys() == derive()[0].keys()
    public = public_modules()
    assert set(UNSAVEABLE) <= set(public), "UNSAVEABLE names a class stir.nn no longer has"
    assert not set(UNSAVEABLE) & set(RECIPES) and not set(CONTAINERS) & set(RECIPES)
    for kind, why in UNSAVEABLE.items():
        assert why and "\n" not in why and len(why) < 100, kind
    for kind, cls in CONTAINERS.items():
        assert public[kind] is cls


def test_a_new_module_without_a_decision_fails_the_registry_test(monkeypatch):
    class Undecided(nn.Module):  # no annotation: no check for its argument
        def __init__(self, size=3):
            super().__init__()
            self.size = size

    monkeypatch.setattr(nn, "Undecided", Undecided, raising=False)
    with pytest.raises(AssertionError, match="Undecided.*'size' has no annotation"):
        check_every_module_decided()
    monkeypatch.setitem(UNSAVEABLE, "Undecided", "a test's module")
    check_every_module_decided()


def _takes_str(self, mode: str = "a"): ...
def _takes_args(self, *sizes: int): ...
def _takes_type(self, type: int = 1): ...


@pytest.mark.parametrize("init, why", [
    (_takes_str, "'mode' has 'str', which names no check"),
    (_takes_args, r"takes \*sizes: int, which a file cannot name"),
    (_takes_type, "takes type: int = 1, which a file cannot name"),
])
def test_a_constructor_no_recipe_can_be_read_from_says_why(init, why, monkeypatch):
    monkeypatch.setattr(nn, "Odd", type("Odd", (nn.Module,), {"__init__": init}),
                        raising=False)
    with pytest.raises(AssertionError, match=f"Odd.*{why}"):
        check_every_module_decided()


def test_a_new_layer_with_parameters_needs_a_parameter_count(monkeypatch):
    class Scale(nn.Module):
        def __init__(self, width: int, dtype=np.float32):
            super().__init__()
            self.width, self.weight = width, nn.Parameter(np.ones(width, dtype))

    monkeypatch.setattr(nn, "Scale", Scale, raising=False)
    assert "NUMEL has no formula" in derive()[1]["Scale"]
    monkeypatch.setitem(architecture.NUMEL, Scale, lambda a: a["width"])
    recipe = derive()[0]["Scale"]
    assert list(recipe.arguments) == ["width"] and recipe.arguments["width"] is count
    assert recipe.has_dtype and not recipe.initialises_randomly


def test_a_new_annotated_layer_is_saveable_as_it_is(monkeypatch):
    class Shift(nn.Module):
        def __init__(self, by: float = 1.0, *, twice: bool = False,
                     mode: Literal["a", "b"] = "a") -> None:
            super().__init__()
            self.by, self.twice, self.mode = by, twice, mode

    monkeypatch.setattr(nn, "Shift", Shift, raising=False)
    recipe = derive()[0]["Shift"]
    assert recipe.values(Shift(2.0, mode="b")) == {"by": 2.0, "twice": False, "mode": "b"}
    with pytest.raises(stir.ModelFormatError, match=r"mode must be one of \('a', 'b'\)"):
        recipe.arguments["mode"]("c", "mode")


def test_a_table_entry_naming_no_argument_makes_its_layer_undecided(monkeypatch):
    monkeypatch.setitem(RANGES, nn.Dropout, {"rate": fraction})  # as if p were renamed
    assert "RANGES names ['rate']" in derive()[1]["Dropout"]
    with pytest.raises(AssertionError, match="Dropout"):
        check_every_module_decided()


# ---------------------------------------------------------------- (2) arguments = parameters
@pytest.mark.parametrize("kind", sorted(RECIPES))
def test_a_recipe_saves_exactly_its_constructors_parameters(kind):
    recipe = RECIPES[kind]
    assert recipe.cls is public_modules()[kind]
    parameters = inspect.signature(recipe.cls).parameters
    not_saved = {name for cls in recipe.cls.__mro__ for name in NOT_SAVED.get(cls, {})}
    assert list(recipe.arguments) == [name for name in parameters if name not in
                                      {"dtype", "generator", *not_saved}]
    assert recipe.has_dtype == ("dtype" in parameters)
    assert recipe.initialises_randomly == ({"dtype", "generator"} <= set(parameters))
    # The defaults pass their checks, and a layer built with them reads back the same.
    defaults = {name: parameters[name].default for name in recipe.arguments
                if parameters[name].default is not inspect.Parameter.empty}
    for name, default in defaults.items():
        assert recipe.arguments[name](default, name) == default, name
    if len(defaults) == len(recipe.arguments):
        assert recipe.values(recipe.cls()) == defaults


# ---------------------------------------------------------------- (3) parameter counts
def samples(recipe, name, position):
    """Values of the argument `name` to build with: counts differ between arguments, so a
    formula that mixes two up is caught; other arguments take their defaults."""
    check = recipe.arguments[name]
    if check is count:
        return [2 + position, 5 + 2 * position]
    if check is optional_count:
        return [None, 3 + position]
    if check is flag:
        return [True, False]
    default = inspect.signature(recipe.cls).parameters[name].default
    assert default is not inspect.Parameter.empty, f"no value to build {name} with"
    return [default]


@pytest.mark.parametrize("kind", sorted(RECIPES))
def test_a_parameter_count_formula_matches_the_built_layer(kind):
    recipe = RECIPES[kind]
    names = list(recipe.arguments)
    for values in itertools.product(*(samples(recipe, name, position)
                                      for position, name in enumerate(names))):
        arguments = dict(zip(names, values))
        dtype = {"dtype": np.float64} if recipe.has_dtype else {}
        layer = recipe.cls(**arguments, **dtype)
        numel = sum(parameter.numel() for parameter in layer.parameters())
        assert recipe.numel(arguments) == numel, arguments
        spec = {"type": kind, **arguments, **({"dtype": "float64"} if dtype else {})}
        assert architecture.check(spec, "t") == (numel, 8 * numel), arguments


# ---------------------------------------------------------------- (4) round trip
def every_layer_changed():
    """One of each saveable layer, each argument with a default given another value, in an
    order that runs on inputs of shape (5, 2, 3)."""
    return nn.Sequential(
        nn.Flatten(start_dim=-2, end_dim=2), nn.Linear(6, 8, bias=False), nn.LeakyReLU(0.2),
        nn.VeryLeakyReLU(0.5), nn.PReLU(8, init=0.1), nn.RReLU(0.05, 0.2), nn.ELU(0.5),
        nn.Softplus(2.0, 10.0), nn.APL(3, 8), nn.GELU("tanh"), nn.Dropout(0.25),
        nn.Identity(), nn.Sigmoid(), nn.Tanh(), nn.SiLU(), nn.CenteredSoftplus(), nn.ReLU(),
        nn.Maxout(8, 4, pieces=3), nn.Softmax(dim=0), nn.LogSoftmax(dim=1), nn.Sign(),
        nn.Step(),
    )


def test_the_round_trip_model_has_every_layer_with_changed_arguments():
    model = every_layer_changed()
    assert {type(layer).__name__ for layer in model} == set(RECIPES)
    for layer in model:
        recipe = RECIPES[type(layer).__name__]
        parameters = inspect.signature(recipe.cls).parameters
        for name, value in recipe.values(layer).items():
            assert value != parameters[name].default, (type(layer).__name__, name)


def test_a_model_of_every_saveable_layer_round_trips(tmp_path):
    stir.manual_seed(0)
    model = every_layer_changed().eval()
    again = stir.load(stir.save(model, tmp_path / "every.safetensors")).eval()
    assert repr(again) == repr(model)
    assert architecture.describe(again) == architecture.describe(model)
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert a.dtype == b.dtype and np.array_equal(a.data, b.data), name
    x = stir.randn(5, 2, 3)
    # Each layer's output, not only the last one's; in training too, where Dropout and
    # RReLU draw from the global generator, rebuilt or not.
    for train in (False, True):
        model.train(train), again.train(train)
        for end in range(1, len(model) + 1):
            outputs = []
            for net in (model, again):
                stir.manual_seed(1)
                outputs.append(net[:end](x).data)
            assert np.array_equal(*outputs), (model[end - 1], train)
