"""Containers: `Sequential`, `ModuleList`, `ModuleDict`, `ParameterList`, `ParameterDict`.

Each registers what it holds under PyTorch's names ("0", "1", ... or the dict's keys), so a
model keeping its layers in `self.layers = nn.ModuleList([...])` lists them in `parameters()`
as `layers.0.weight`, saves and loads them, moves them with `.to()` and switches their mode
with `train()`. A plain Python list would do none of that (stir warns when it sees one).
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from itertools import chain
from typing import Any, Iterator

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def _position(index: Any, length: int) -> int:
    """`index` (negative from the end) as a position in [0, length), or PyTorch's error."""
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range")
    return index + length if index < 0 else index


def _renumber(container: Module, modules: Iterable[Module]) -> None:
    """Hold `modules` under the names "0", "1", ... in order (after a removal or insertion,
    as PyTorch renumbers)."""
    modules = list(modules)
    container._modules.clear()
    for index, module in enumerate(modules):
        container.add_module(str(index), module)


def _pairs(name: str, entries: Any) -> Iterator[tuple[Any, Any]]:
    """The (key, value) pairs of a mapping or of an iterable of pairs, with PyTorch's errors."""
    if isinstance(entries, Mapping):
        yield from entries.items()
        return
    if not isinstance(entries, Iterable):
        raise TypeError(f"{name}.update should be called with an iterable of key/value "
                        f"pairs, but got {type(entries).__name__}")
    for number, pair in enumerate(entries):
        if not isinstance(pair, Iterable):
            raise TypeError(f"{name} update sequence element #{number} should be Iterable; "
                            f"is {type(pair).__name__}")
        pair = tuple(pair)
        if len(pair) != 2:
            raise ValueError(f"{name} update sequence element #{number} has length "
                             f"{len(pair)}; 2 is required")
        yield pair


# ----------------------------------------------------------------------------- modules
class Sequential(Module):
    """Modules applied one after another: Sequential(f, g)(x) = g(f(x)). Named "0", "1", ...
    or by the keys of one OrderedDict argument.

    >>> import stir
    >>> net = stir.nn.Sequential(stir.nn.Linear(2, 3), stir.nn.Linear(3, 1))
    >>> len(net), net(stir.ones(4, 2)).shape
    (2, stir.Size([4, 1]))
    >>> [name for name, _ in net.named_parameters()]
    ['0.weight', '0.bias', '1.weight', '1.bias']
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(modules):
                self.add_module(str(index), module)

    def forward(self, input: Any) -> Any:
        for name, module in self._modules.items():
            try:
                input = module(input)
            except ValueError as error:
                raise ValueError(f"{type(self).__name__} layer {name}: {error}") from None
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        """One layer, or a Sequential of a slice of them keeping their names (as PyTorch)."""
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return list(self._modules.values())[_position(index, len(self))]

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[_position(index, len(self))]
        setattr(self, name, module)

    def __delitem__(self, index: int | slice) -> None:
        names = list(self._modules)
        for name in names[index] if isinstance(index, slice) else [
                names[_position(index, len(self))]]:
            del self._modules[name]
        _renumber(self, self._modules.values())

    def append(self, module: Module) -> Sequential:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: {Module}")
        length = len(self)
        if not -length <= index <= length:
            raise IndexError(f"Index out of range: {index}")
        modules = list(self._modules.values())
        modules.insert(index, module)
        _renumber(self, modules)
        return self

    def pop(self, index: int | slice) -> Any:
        value = self[index]
        del self[index]
        return value

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        return self.extend(list(other))

    def __mul__(self, other: int) -> Sequential:
        if not isinstance(other, int):
            raise TypeError(f"unsupported operand type(s) for *: {type(self)} and {type(other)}")
        if other <= 0:
            raise ValueError(f"Non-positive multiplication factor {other} for {type(self)}")
        return Sequential(*(list(self) * other))  # the same modules, repeated

    __rmul__ = __mul__

    def __imul__(self, other: int) -> Sequential:
        repeated = self * other
        _renumber(self, repeated)
        return self


class ModuleList(Module):
    """A list of modules, registered as "0", "1", ...: indexing (negative, slices), `len`,
    iteration, `append`, `extend`, `insert`, `pop`, `+=`, as a Python list. It has no
    forward: call its modules in your own.

    >>> import stir
    >>> class Stack(stir.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = stir.nn.ModuleList([stir.nn.Linear(2, 2) for _ in range(3)])
    ...     def forward(self, x):
    ...         for layer in self.layers:
    ...             x = layer(x)
    ...         return x
    >>> [name for name, _ in Stack().named_parameters()][:3]
    ['layers.0.weight', 'layers.0.bias', 'layers.1.weight']
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self += modules

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(list(self._modules.values())[index])
        return self._modules[str(_position(index, len(self)))]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_position(index, len(self))), module)

    def __delitem__(self, index: int | slice) -> None:
        modules = list(self._modules.values())
        del modules[index if isinstance(index, slice) else _position(index, len(self))]
        _renumber(self, modules)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList(chain(self, other))

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        if not isinstance(modules, Iterable):
            raise TypeError("ModuleList.extend should be called with an iterable, but got "
                            + type(modules).__name__)
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert before `index`, as `list.insert` (PyTorch's fails for a negative one)."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        modules = list(self._modules.values())
        modules.insert(index, module)
        _renumber(self, modules)

    def pop(self, index: int | slice = -1) -> Any:
        value = self[index]
        del self[index]
        return value


class ModuleDict(Module):
    """A dict of modules, registered under their keys (in insertion order): `d[key]`,
    `d[key] = module`, `del`, `in`, `len`, iteration over the keys, `keys()`, `items()`,
    `values()`, `update()`, `pop()`, `clear()`. It has no forward.

    >>> import stir
    >>> heads = stir.nn.ModuleDict({"age": stir.nn.Linear(4, 1), "kind": stir.nn.Linear(4, 3)})
    >>> list(heads), heads["kind"](stir.ones(2, 4)).shape
    (['age', 'kind'], stir.Size([2, 3]))
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None
                 = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        self._modules.clear()

    def pop(self, key: str) -> Module:
        value = self[key]
        del self[key]
        return value

    def keys(self) -> Any:
        return self._modules.keys()

    def items(self) -> Any:
        return self._modules.items()

    def values(self) -> Any:
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, module in _pairs("ModuleDict", modules):
            self[key] = module


# ----------------------------------------------------------------------------- parameters
def _as_parameter(value: Any) -> Any:
    """A tensor made a Parameter (sharing its memory), as PyTorch's containers do."""
    return Parameter(value) if isinstance(value, Tensor) and not isinstance(
        value, Parameter) else value


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        size = "x".join(str(n) for n in value.shape)
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        return f"{kind} containing: [{value.dtype} of size {size}]"
    return f"Object of type: {type(value).__name__}"


class _ParameterContainer(Module):
    """What ParameterList and ParameterDict share: a repr of their entries, no forward."""

    def _entries(self) -> Iterator[tuple[Any, Any]]:
        raise NotImplementedError

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{type(self).__name__} should not be called.")

    def __repr__(self) -> str:
        lines = [f"  ({key}): {_describe(value)}" for key, value in self._entries()]
        count = self.parameter_count()
        tail = f"  # {count:,} parameters" if count else ""
        return f"{type(self).__name__}(" + "".join("\n" + line for line in lines) + (
            "\n)" if lines else ")") + tail

    def _set(self, name: str, value: Any) -> None:
        value = _as_parameter(value)
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        else:
            setattr(self, name, value)

    def _get(self, name: str) -> Any:
        for registry in self._registries():
            if name in registry:
                return registry[name]
        return self.__dict__[name]


class ParameterList(_ParameterContainer):
    """A list of parameters, registered as "0", "1", ...; a tensor put in it becomes a
    Parameter sharing its memory. Indexing (negative, slices), `len`, iteration, `append`,
    `extend`, `+=`.

    >>> import stir
    >>> weights = stir.nn.ParameterList([stir.zeros(2, 3), stir.zeros(3)])
    >>> weights
    ParameterList(
      (0): Parameter containing: [float32 of size 2x3]
      (1): Parameter containing: [float32 of size 3]
    )  # 9 parameters
    >>> [name for name, _ in weights.named_parameters()]
    ['0', '1']
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self += values

    def _entries(self) -> Iterator[tuple[Any, Any]]:
        return enumerate(self)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self._get(str(index)) for index in range(len(self)))

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(list(self)[index])
        return self._get(str(_position(index, len(self))))

    def __setitem__(self, index: int, value: Any) -> None:
        self._set(str(_position(index, len(self))), value)

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        index = len(self)
        object.__setattr__(self, "_size", index + 1)
        self._set(str(index), value)
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError("ParameterList.extend should be called with an iterable, but got "
                            + type(values).__name__)
        for value in list(values):
            self.append(value)
        return self


class ParameterDict(_ParameterContainer):
    """A dict of parameters, registered under their (string) keys; a tensor put in it
    becomes a Parameter sharing its memory. The dict's methods, as PyTorch's.

    >>> import stir
    >>> scales = stir.nn.ParameterDict({"gain": stir.ones(2), "shift": stir.zeros(2)})
    >>> sorted(scales.keys()), scales["gain"].requires_grad
    (['gain', 'shift'], True)
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    def _entries(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.items())

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return self._get(key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"Index given to ParameterDict cannot be used as a key as it is "
                            f"not a string (type is '{type(key).__name__}'). Open an issue on "
                            "github if you need non-string keys.")
        self._set(key, value)
        self._keys[key] = None

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def copy(self) -> ParameterDict:
        return ParameterDict(OrderedDict((key, self[key]) for key in self._keys))

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        key = list(self._keys)[-1]
        return key, self.pop(key)

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        return ParameterDict((key, default) for key in keys)

    def keys(self) -> Any:
        return self._keys.keys()

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((key, self[key]) for key in self._keys)

    def values(self) -> Iterator[Any]:
        return (self[key] for key in self._keys)

    def update(self, parameters: Any) -> None:
        """Add the entries of a mapping or of an iterable of pairs; a plain dict's in sorted
        key order, as PyTorch (an OrderedDict or ParameterDict keeps its order)."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            entries: Iterable[tuple[Any, Any]] = parameters.items()
        elif isinstance(parameters, Mapping):
            entries = sorted(parameters.items())
        else:
            entries = _pairs("ParameterDict", parameters)
        for key, value in entries:
            self[key] = value

    def __or__(self, other: ParameterDict) -> ParameterDict:
        copy = self.copy()
        copy.update(other)
        return copy

    def __ror__(self, other: ParameterDict) -> ParameterDict:
        copy = other.copy()
        copy.update(self)
        return copy

    def __ior__(self, other: ParameterDict) -> ParameterDict:
        self.update(other)
        return self
