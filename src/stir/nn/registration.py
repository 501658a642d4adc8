"""The rules a `Module` applies to what is assigned to it: PyTorch's rules for the names of
submodules, parameters and buffers, and stir's warning about Modules or Parameters kept in a
plain list, tuple or dict attribute, which nothing registers (PyTorch says nothing there)."""

from __future__ import annotations

import warnings
from typing import Any

from .parameter import Parameter


class UnregisteredModuleWarning(UserWarning):
    """Modules or Parameters kept in a plain list, tuple or dict attribute of a Module, where
    nothing registers them (PyTorch does not either, and says nothing)."""


#: The plain containers whose Modules and Parameters no Module registers.
PLAIN_CONTAINERS = (list, tuple, dict)
#: How many elements of a plain container are looked at: a list of layers starts with one,
#: and a long list of numbers must cost no more to assign than a short one.
_ELEMENTS_LOOKED_AT = 64
#: (class, attribute) pairs already warned about: once each, however many instances.
_WARNED: set[tuple[type, str]] = set()


def warn_if_unregistered(owner: Any, name: str, value: Any, module_class: type,
                         stacklevel: int) -> None:
    """Warn, once per class and attribute, when `value` (a list, tuple or dict) holds a
    Module (an instance of `module_class`, passed in: module.py imports this file) or a
    Parameter, which nothing registers: `parameters()`, `state_dict()`, `.to()` and
    `train()` would silently skip it."""
    key = (type(owner), name)
    if key in _WARNED:
        return
    elements = value.values() if type(value) is dict else value
    held = None
    for index, element in enumerate(elements):
        if index == _ELEMENTS_LOOKED_AT:
            break
        if isinstance(element, (module_class, Parameter)):
            held = element
            break
    if held is None:
        return
    _WARNED.add(key)
    kind = "Module" if isinstance(held, module_class) else "Parameter"
    mapping = type(value) is dict
    container = {("Module", False): "nn.ModuleList", ("Module", True): "nn.ModuleDict",
                 ("Parameter", False): "nn.ParameterList",
                 ("Parameter", True): "nn.ParameterDict"}[kind, mapping]
    warnings.warn(
        f"{type(owner).__name__}.{name} is a plain Python {type(value).__name__} holding "
        f"{kind}s, which are not registered: parameters(), state_dict(), .to() and train() "
        f"will not see them, so they are neither trained nor saved (PyTorch skips them "
        f"silently too); wrap it: self.{name} = {container}(...)",
        UnregisteredModuleWarning, stacklevel=stacklevel)


def check_name(owner: Any, what: str, name: Any, registry: dict[str, Any]) -> None:
    """PyTorch's rules for the name of a submodule, parameter or buffer."""
    if not isinstance(name, str):
        raise TypeError(f"{what} name should be a string. Got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{what} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{what} name can\'t contain ".", got: {name}')
    if name not in registry and (hasattr(type(owner), name) or name in owner.__dict__ or any(
            name in other for other in owner._registries() if other is not registry)):
        raise KeyError(f"attribute '{name}' already exists")
