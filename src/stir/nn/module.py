"""`Module`: parameters and submodules registered by assignment, state dicts, train/eval.

A module is a plain object whose attributes hold its parameters (`Parameter`), its
submodules (`Module`) and its buffers (tensors that are state but not learned); assigning one
registers it, so `parameters()` and `state_dict()` find it without any bookkeeping by hand.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from .. import _array, devices
from ..tensor import Tensor
from .parameter import Parameter
from .registration import PLAIN_CONTAINERS, check_name, warn_if_unregistered


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """The base of every layer and network: subclass it, assign parameters and submodules in
    `__init__`, and write `forward`.

    >>> import stir
    >>> class Affine(stir.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = stir.nn.Parameter(stir.ones(2))
    ...         self.b = stir.nn.Parameter(stir.zeros(1))
    ...     def forward(self, x):
    ...         return (x * self.w).sum(axis=-1) + self.b
    >>> model = Affine()
    >>> [name for name, _ in model.named_parameters()]
    ['w', 'b']
    >>> model(stir.tensor([[1.0, 2.0]]))
    tensor([3.], grad_fn=Add)
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # ---------------------------------------------------------------- registration
    def _registries(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        try:
            return self._parameters, self._buffers, self._modules  # type: ignore[return-value]
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before "
                "assigning parameters or submodules"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        parameters, buffers, modules = self._registries()
        if isinstance(value, Parameter):
            self._forget(name, keep=parameters)  # a replaced one keeps its place, as PyTorch
            parameters[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            modules[name] = value
        elif name in parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} of "
                    f"{type(self).__name__} (a stir.nn.Parameter or None is expected)"
                )
            parameters[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"buffer {name!r} must be a tensor or None")
            buffers[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as submodule {name!r}")
            modules[name] = None
        else:
            if type(value) in PLAIN_CONTAINERS and value:
                warn_if_unregistered(self, name, value, Module, stacklevel=3)
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: dict[str, Any] | None = None) -> None:
        """Drop `name` from every registry but `keep` (where it is about to be replaced in
        place, so it keeps its position) and from the plain attributes."""
        for registry in self._registries():
            if registry is not keep:
                registry.pop(name, None)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: the registered names, else a clear error.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        known = [*self.__dict__.get("_parameters", {}), *self.__dict__.get("_buffers", {}),
                 *self.__dict__.get("_modules", {}), *(k for k in self.__dict__
                                                      if not k.startswith("_"))]
        import difflib  # only on this error path: it is slow to import

        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}{hint}")

    def __delattr__(self, name: str) -> None:
        for registry in self._registries():
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, parameter: Parameter | None) -> None:
        """Register `parameter` under `name` (None keeps the name with no parameter)."""
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(f"cannot assign '{type(parameter).__name__}' object to parameter "
                            f"'{name}' (stir.nn.Parameter or None required)")
        registry = self._registries()[0]
        check_name(self, "parameter", name, registry)
        self._forget(name, keep=registry)
        registry[name] = parameter

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register state that is not learned (running statistics, masks) under `name`;
        persistent buffers are part of the state dict."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a tensor or None")
        registry = self._registries()[1]
        check_name(self, "buffer", name, registry)
        self._forget(name, keep=registry)
        registry[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register `module` as a submodule named `name` (PyTorch's rules: a string, not
        empty, without ".", not the name of another attribute)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        registry = self._registries()[2]
        check_name(self, "module", name, registry)
        self._forget(name, keep=registry)
        registry[name] = module

    register_module = add_module  # PyTorch's other name for it

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path `target` ("" is this module).

        >>> import stir
        >>> net = stir.nn.Sequential(stir.nn.Linear(2, 3), stir.nn.ReLU())
        >>> net.get_submodule("1")
        ReLU()
        """
        module: Module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = child
        return module

    # ---------------------------------------------------------------- traversal
    def named_modules(self, memo: set[Any] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and every submodule below it, depth first, with dotted names; each
        once unless `remove_duplicate` is False (a shared one then under each name)."""
        seen: set[int] = set() if memo is None else {id(m) for m in memo}
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
                if memo is not None:
                    memo.add(module)
            yield name, module
            children = [(f"{name}.{child}" if name else child, sub)
                        for child, sub in module._modules.items() if sub is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (a module's own, then each submodule's, in
        the order they were assigned), each once even if shared unless `remove_duplicate`
        is False."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _named_members(self, registry: str, prefix: str, recurse: bool,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else iter([(prefix, self)])
        for owner_name, owner in owners:
            owner._check_plain_attributes()
            for name, member in getattr(owner, registry).items():
                if member is None or (remove_duplicate and id(member) in seen):
                    continue
                seen.add(id(member))
                yield (f"{owner_name}.{name}" if owner_name else name), member

    def _check_plain_attributes(self) -> None:
        """Once per module, the first time its parameters are listed: warn about a plain
        list, tuple or dict attribute that was filled with modules after it was assigned
        (`self.layers = []`, then `self.layers.append(...)`), which `__setattr__` missed."""
        attributes = self.__dict__
        if "_plain_checked" in attributes:
            return
        object.__setattr__(self, "_plain_checked", True)
        for name, value in list(attributes.items()):
            if type(value) in PLAIN_CONTAINERS and value:
                warn_if_unregistered(self, name, value, Module, stacklevel=5)

    # ---------------------------------------------------------------- modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, RReLU random) here and below; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    # PyTorch's Module.eval() (training off), which every PyTorch program calls: a method,
    # not the builtin eval; nothing here evaluates text (tests/test_lint.py).
    def eval(self) -> Module:
        """Set evaluation mode here and below; returns self."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter (to None, or to zeros in place)."""
        for parameter in self.parameters():
            if set_to_none:
                parameter.grad = None
            elif parameter.grad is not None:
                parameter.grad.array[...] = 0

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for parameter in self.parameters():
            parameter.requires_grad = requires_grad
        return self

    def apply(self, function: Callable[[Module], None]) -> Module:
        """Call `function` on every submodule, then on self, as PyTorch: each child's
        `apply` first, in order (so a submodule's own children come before it).

        >>> import stir
        >>> net = stir.nn.Sequential(stir.nn.Linear(2, 2), stir.nn.ReLU())
        >>> _ = net.apply(lambda m: print(type(m).__name__))
        Linear
        ReLU
        Sequential
        """
        for child in self.children():
            child.apply(function)
        function(self)
        return self

    def to(self, *target: Any, dtype: Any = None, device: Any = None) -> Module:
        """Convert every floating parameter and buffer to `dtype` and/or move every parameter
        and buffer to `device` ("cpu", or "cuda" with CuPy), in place, as PyTorch's
        `model.to(dtype)`, `model.to(device)`, `model.to(device, dtype)`; returns the module.
        The tensors stay the same objects, so an optimizer made before still holds them.

        >>> import stir
        >>> layer = stir.nn.Linear(2, 1).to("cpu", stir.float64)
        >>> layer.weight.dtype, layer.weight.device
        (dtype('float64'), device(type='cpu'))
        """
        for value in target:
            if devices.is_device_name(value):
                device = value
            else:
                dtype = value
        for tensor in [*self.parameters(), *self.buffers()]:
            array = tensor.array
            if device is not None and not devices.is_on(array, device):
                array = devices.to_device(array, device)
            if dtype is not None and _array.is_floating(array):
                wanted = _array.dtype_in(array, dtype)
                if wanted != array.dtype:
                    array = _array.namespace(array).astype(array, wanted)
            if array is not tensor.array:
                tensor.array = array
                tensor._version[0] += 1
                if tensor.grad is not None:  # the gradient follows, as in PyTorch
                    grad = tensor.grad.array
                    if device is not None and not devices.is_on(grad, device):
                        grad = devices.to_device(grad, device)
                    if grad.dtype != array.dtype:
                        grad = _array.namespace(grad).astype(grad, array.dtype)
                    tensor.grad = Tensor(grad)
        return self

    def cpu(self) -> Module:
        """Every parameter and buffer on the host (NumPy), in place."""
        return self.to("cpu")

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    # ---------------------------------------------------------------- state
    def state_dict(self, *, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name (after `prefix`, which ends
        in "." as PyTorch's does), detached and sharing memory (or the tensors themselves
        with `keep_vars`); a submodule used twice is there under both names, as in PyTorch.
        Entries go into `destination` when given (and it is returned)."""
        state: Any = OrderedDict() if destination is None else destination
        for owner_name, owner in self.named_modules(remove_duplicate=False):
            lead = prefix + (f"{owner_name}." if owner_name else "")
            for name, parameter in owner._parameters.items():
                if parameter is not None:
                    state[lead + name] = parameter if keep_vars else parameter.detach()
            for name, buffer in owner._buffers.items():
                if buffer is not None and name not in owner._non_persistent:
                    state[lead + name] = buffer if keep_vars else buffer.detach()
        return state

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values (tensors or arrays) into this module's parameters and buffers.

        With `strict`, every key must match: the error names every missing, unexpected and
        mis-shaped key at once. Shapes must match even when not strict, and each value must
        be numbers that cast to the parameter's dtype (float64 into float32 is fine, text is
        not). Nothing is changed unless everything fits (see `check_state_dict`).
        """
        plan = self._load_plan(state_dict, strict)
        for target, array in plan:
            np.copyto(target.array, array, casting="same_kind")
            target._version[0] += 1
        own = self.state_dict()
        return IncompatibleKeys([key for key in own if key not in state_dict],
                                [key for key in state_dict if key not in own])

    def check_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> None:
        """Raise the ValueError `load_state_dict(state_dict, strict)` would raise, changing
        nothing: for loading several parts (a model and its optimizer) all or none."""
        self._load_plan(state_dict, strict)

    def _load_plan(self, state_dict: dict[str, Any], strict: bool
                   ) -> list[tuple[Tensor, np.ndarray]]:
        """Each target tensor with the array to copy into it, once everything is checked."""
        if not isinstance(state_dict, dict):
            raise ValueError(f"load_state_dict for {type(self).__name__}: expected a dict of "
                             f"tensors, got {type(state_dict).__name__}")
        own = self.state_dict()
        problems, plan = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value.array if isinstance(value, Tensor) else value
            if not isinstance(array, np.ndarray):
                problems.append(f"{key} is a {type(value).__name__}, not a tensor or array")
            elif array.shape != target.shape:
                problems.append(f"size mismatch for {key}: the state dict has shape "
                                f"{array.shape}, the model {tuple(target.shape)}")
            elif not np.can_cast(array.dtype, target.array.dtype, casting="same_kind"):
                problems.append(f"{key} holds {array.dtype}, which does not cast to the "
                                f"model's {target.array.dtype}")
            else:
                plan.append((target, array))
        if strict:
            missing = [key for key in own if key not in state_dict]
            unexpected = [key for key in state_dict if key not in own]
            if unexpected:
                problems.insert(0, f"unexpected keys: {', '.join(map(str, unexpected))}")
            if missing:
                problems.insert(0, f"missing keys: {', '.join(missing)}")
        if problems:
            raise ValueError(
                f"load_state_dict for {type(self).__name__}: " + "; ".join(problems)
            )
        return plan

    # ---------------------------------------------------------------- calling and printing
    def forward(self, *inputs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.forward(*inputs, **kwargs)

    def parameter_count(self, trainable_only: bool = False) -> int:
        """The number of learnable numbers (elements of every parameter)."""
        return sum(p.numel() for p in self.parameters()
                   if p.requires_grad or not trainable_only)

    def extra_repr(self) -> str:
        """What goes between the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            count = self.parameter_count()
            return head + ")" + (f"  # {count:,} parameters" if count else "")
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + f"\n)  # {self.parameter_count():,} parameters"

    def _repr_html_(self) -> str:
        """The layers as an HTML table, for Jupyter (stir.display.module_html)."""
        from ..display.module_html import module_html

        return module_html(self)

    def summary(self) -> str:
        """A table of the layers with their parameter counts, and the totals.

        >>> import stir
        >>> print(stir.nn.Sequential(stir.nn.Linear(2, 5), stir.nn.Linear(5, 1)).summary())
        layer  type    parameters
        -----  ------  ----------
        0      Linear          15
        1      Linear           6
        total: 21 parameters (21 trainable)
        """
        rows = [(name, type(module).__name__,
                 sum(p.numel() for p in module.parameters(recurse=False)))
                for name, module in self.named_modules() if name]
        rows = [row for row in rows if row[2] or not list(self._modules_of(row[0]))]
        header = ("layer", "type", "parameters")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(3)]
        lines = [f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]:>{widths[2]}}",
                 "  ".join("-" * width for width in widths)]
        lines += [f"{n:<{widths[0]}}  {t:<{widths[1]}}  {c:>{widths[2]},}" for n, t, c in rows]
        total, trainable = self.parameter_count(), self.parameter_count(trainable_only=True)
        lines.append(f"total: {total:,} parameters ({trainable:,} trainable)")
        return "\n".join(lines)

    def _modules_of(self, dotted: str) -> Iterator[Module]:
        module: Module = self
        for part in dotted.split("."):
            module = module._modules[part]
        return module.children()
