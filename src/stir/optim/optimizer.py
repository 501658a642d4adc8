"""`Optimizer`: hyperparameters, per-parameter state and one update rule.

An optimizer holds `param_groups` (lists of parameters, each group with its own options) and
`state` (a dict of buffers per parameter). `step()` walks the parameters that have a gradient
and applies the subclass's rule to their raw arrays (`tensor.array`) in place. A subclass
supplies three things, nothing else:

- `check_options(group)`: raise ValueError/TypeError for a bad option value;
- `init_state(param, group)`: the buffers of one parameter before its first step;
- `update(param, grad, state, group)`: one step on the arrays `param` (written in place)
  and `grad` (read only: it belongs to the caller).

The arrays may be of any array-API namespace (NumPy's, CuPy's, array-api-strict's): a rule
computes with in-place operators and the functions of `_array.namespace(param)`, never with
NumPy by name, and its state arrays are of the parameter's namespace and device.

`state_dict()` is plain data (numbers, lists, and copies of the state arrays: NumPy arrays
for NumPy parameters) with parameters referred to by their position across the groups, as
in PyTorch, so a checkpoint needs no pickle.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Callable, Iterable

import numpy as np  # for the types of options and saved values only; arrays go through _array

from .. import _array
from .._types import Array
from ..grad_mode import enable_grad
from ..tensor import Tensor

ParamsT = Iterable[Any]  # tensors, (name, tensor) pairs, or dicts (parameter groups)

# Keys a group may hold besides its options: PyTorch's names, and what schedules add.
_EXTRA_GROUP_KEYS = frozenset({"params", "param_names", "initial_lr", "name"} | {
    "max_lr", "min_lr", "max_momentum", "base_momentum"})  # OneCycleLR's and CyclicLR's
_SCHEDULE_RATES = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum")


class Optimizer:
    """The base of all optimizers: `param_groups`, `state`, `zero_grad`, `step`, state dicts.

    `params` is an iterable of tensors (or of `(name, tensor)` pairs), or of dicts, each a
    parameter group `{"params": [...], "lr": ..., ...}` whose missing options come from
    `defaults`.

    >>> import stir
    >>> from stir.optim import SGD
    >>> w = stir.tensor([1.0, 2.0], requires_grad=True)
    >>> b = stir.tensor([0.5], requires_grad=True)
    >>> opt = SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
    >>> [group["lr"] for group in opt.param_groups]
    [0.1, 0.01]
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.check_options(self.defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                "dicts, but got a Tensor (wrap it in a list: [tensor])"
            )
        _refuse_sets(params)
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------ the subclass contract
    def check_options(self, group: dict[str, Any]) -> None:
        """Raise ValueError (or TypeError) if an option of `group` has a bad value."""

    def init_state(self, param: Array, group: dict[str, Any]) -> dict[str, Any]:
        """The state of one parameter before its first step (its buffers)."""
        return {}

    def update(self, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]
               ) -> None:
        """Apply one step of the rule to `param` in place."""
        raise NotImplementedError(f"{type(self).__name__} does not define update()")

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (missing ones from `defaults`).

        >>> import stir
        >>> from stir.optim import SGD
        >>> opt = SGD([stir.zeros(2, requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": stir.zeros(3, requires_grad=True), "lr": 0.5})
        >>> len(opt.param_groups), opt.param_groups[1]["lr"]
        (2, 0.5)
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("a parameter group needs a 'params' entry")
        index = len(self.param_groups)
        group = dict(param_group)
        unknown = sorted(set(group) - set(self.defaults) - _EXTRA_GROUP_KEYS)
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: unknown option(s) {unknown} in parameter group "
                f"{index}; the options are {sorted(self.defaults)}"
            )
        group["params"], names = _split_names(group["params"], index)
        if names is not None:
            group["param_names"] = names
        if not group["params"]:
            raise ValueError(f"parameter group {index} has no parameters")
        for position, param in enumerate(group["params"]):
            _check_param(param, f"parameter {position} of group {index}")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        for name, value in group.items():
            if name != "params":  # a NumPy float64 option would promote float32 arithmetic
                group[name] = _python_numbers(value)
        self.check_options(group)
        seen: dict[int, str] = {}
        for other_index, other in enumerate([*self.param_groups, group]):
            for position, param in enumerate(other["params"]):
                where = f"parameter {position} of group {other_index}"
                if id(param) in seen:
                    raise ValueError(
                        f"some parameters appear more than once: {where} "
                        f"(shape {tuple(param.shape)}) is the same tensor as {seen[id(param)]}"
                    )
                seen[id(param)] = where
        self.param_groups.append(group)

    # ------------------------------------------------------------ the training loop
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set them to None (default) or fill them with zeros."""
        for group in self.param_groups:
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                elif grad.grad_fn is not None:  # a recorded gradient: keep its graph intact
                    param.grad = Tensor(_array.namespace(grad.array).zeros_like(grad.array))
                else:
                    grad.array[...] = 0
                    grad._version[0] += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return `closure()` if given.

        `closure` re-evaluates the loss (with gradients enabled) before the update.
        """
        loss = None
        self._opt_called = True  # read by the schedules' check of the call order
        if closure is not None:
            with enable_grad():
                loss = closure()
        state = self.state
        for group in self.param_groups:
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                if grad.array.shape != param.array.shape or grad.array.dtype != param.array.dtype:
                    _refuse_grad(param, grad)  # broadcasting would silently go wrong
                param_state = state[param]
                if not param_state:
                    param_state.update(self.init_state(param.array, group))
                self.update(param.array, grad.array, param_state, group)
                param._version[0] += 1  # graphs that saved this parameter are now stale
        return loss

    # ------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict[str, Any]:
        """A snapshot as plain data: `{"state": {index: {...}}, "param_groups": [...]}`.

        Parameters are numbered across the groups in order; arrays are copies.

        >>> import stir
        >>> from stir.optim import SGD
        >>> w = stir.tensor([1.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward(); _ = opt.step()
        >>> saved = opt.state_dict()
        >>> saved["state"], saved["param_groups"][0]["params"]
        ({0: {'momentum_buffer': array([2.], dtype=float32)}}, [0])
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            saved = {key: _plain(value) for key, value in group.items() if key != "params"}
            saved["params"] = [index_of.setdefault(id(p), len(index_of)) for p in group["params"]]
            groups.append(saved)
        state = {}
        for group in self.param_groups:
            for param in group["params"]:
                param_state = self.state.get(param)
                if param_state:
                    state[index_of[id(param)]] = {k: _plain(v) for k, v in param_state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore options and state saved by `state_dict()` (of an optimizer over parameters
        of the same shapes, grouped the same way). Arrays are copied, cast to each parameter's
        dtype. Nothing is changed unless all of it fits (see `check_state_dict`)."""
        self.param_groups, self.state = self._loaded(state_dict, copy=True)

    def check_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Raise the ValueError `load_state_dict(state_dict)` would raise, changing nothing.

        Every option must pass `check_options`; each parameter's saved state must have the
        keys of a fresh one (`init_state`) with values of the same kind (an array of the
        parameter's shape, or a count), plus only buffers of the parameter's shape.
        """
        self._loaded(state_dict, copy=False)

    def _loaded(self, state_dict: Any, copy: bool
                ) -> tuple[list[dict[str, Any]], defaultdict[Tensor, dict[str, Any]]]:
        """The param_groups and state `state_dict` describes, every part of it checked."""
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError("an optimizer state dict has exactly the keys 'state' and "
                             "'param_groups'")
        saved_groups, saved_states = state_dict["param_groups"], state_dict["state"]
        if not isinstance(saved_groups, list) or not isinstance(saved_states, dict):
            raise ValueError("an optimizer state dict's 'param_groups' is a list and its "
                             "'state' a dict")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"the loaded state dict has {len(saved_groups)} parameter group(s), this "
                f"{type(self).__name__} has {len(self.param_groups)}"
            )
        params: list[tuple[Tensor, dict[str, Any]]] = []  # each with its new group
        new_groups = []
        for index, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            new_group = self._loaded_group(index, group, saved, len(params))
            new_groups.append(new_group)
            params.extend((param, new_group) for param in group["params"])
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for key, saved_state in saved_states.items():
            # int keys may have become strings in a JSON round trip
            index = key if isinstance(key, int) and not isinstance(key, bool) else \
                int(key) if isinstance(key, str) and key.isdigit() and len(key) < 10 else -1
            if not 0 <= index < len(params):
                raise ValueError(f"loaded state refers to parameter {key!r}; there are "
                                 f"{len(params)}")
            param, group = params[index]
            state[param] = self._loaded_state(saved_state, param, group, index, copy)
        return new_groups, state

    def _loaded_group(self, index: int, group: dict[str, Any], saved: Any, first: int
                      ) -> dict[str, Any]:
        if not isinstance(saved, dict) or not isinstance(saved.get("params"), list):
            raise ValueError(f"loaded parameter group {index} must be a dict with a 'params' "
                             "list")
        expected = list(range(first, first + len(group["params"])))
        if saved["params"] != expected:
            raise ValueError(
                f"the loaded state dict has {len(saved['params'])} parameter(s) in group "
                f"{index}, this optimizer has {len(group['params'])} (numbered from "
                f"{first}; the state dict's begin {str(saved['params'][:5])[:60]})"
            )
        unknown = sorted(map(str, set(saved) - set(self.defaults) - _EXTRA_GROUP_KEYS))
        if unknown:
            raise ValueError(f"loaded parameter group {index} has unknown option(s) {unknown}")
        new_group = {key: _python_numbers(_restored(value, self.defaults.get(key)))
                     for key, value in saved.items() if key != "params"}
        new_group["params"] = group["params"]
        for name, default in self.defaults.items():  # options newer than the save
            new_group.setdefault(name, default)
        names = new_group.get("param_names")
        if names is not None and (not isinstance(names, list) or len(names) != len(
                group["params"]) or not all(isinstance(name, str) for name in names)):
            raise ValueError(f"loaded parameter group {index}: param_names must be a list of "
                             f"{len(group['params'])} strings")
        try:
            for key in _SCHEDULE_RATES:
                if key in new_group:
                    check_range(type(self).__name__, new_group, key)
            if "name" in new_group and not isinstance(new_group["name"], str):
                raise TypeError(f"the group's name must be a string, got {new_group['name']!r}")
            self.check_options(new_group)
        except TypeError as error:  # a bad type in a file is a bad value of the state dict
            raise ValueError(f"loaded parameter group {index}: {error}") from None
        return new_group

    def _loaded_state(self, saved: Any, param: Tensor, group: dict[str, Any], index: int,
                      copy: bool) -> dict[str, Any]:
        where = f"loaded state of parameter {index}"
        if not isinstance(saved, dict):
            raise ValueError(f"{where} must be a dict, got {type(saved).__name__}")
        fresh = self.init_state(param.array, group)
        missing = sorted(set(fresh) - set(saved))
        if missing:
            raise ValueError(f"{where} lacks {missing}")
        loaded = {}
        for name, value in saved.items():
            like = fresh.get(name, param.array)  # a buffer made at the first step (momentum)
            if is_array(like):
                loaded[name] = _cast_like(value, param, f"{where}, {name}", copy)
            elif isinstance(value, bool) or not isinstance(value, type(like)) \
                    or not math.isfinite(value) or value < 0:
                raise ValueError(f"{where}, {name} must be a {type(like).__name__} >= 0, got "
                                 f"{value!r}")
            else:
                loaded[name] = value
        return loaded

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            count = sum(p.array.size for p in group["params"])
            lines.append(f"Parameter Group {index}  # {len(group['params'])} tensors, "
                         f"{count} parameters")
            lines += [f"    {key}: {group[key]}" for key in sorted(group)
                      if key not in ("params", "param_names")]
        return "\n".join([*lines, ")"])


# ---------------------------------------------------------------- shared by the rules
def prepared_grad(param: Array, grad: Array, weight_decay: float, maximize: bool) -> Array:
    """The gradient the rule follows: negated to maximize, plus weight_decay·param (coupled
    L2 decay). A new array when changed, so the caller's `.grad` is never written."""
    if maximize:
        grad = -grad
    if weight_decay != 0:
        grad = grad + weight_decay * param
    return grad


def copy_of(x: Array) -> Array:
    """A copy of the array `x`, of its namespace, on its device (NumPy's keeps x's layout)."""
    return _array.namespace(x).asarray(x, copy=True)


def is_array(value: Any) -> bool:
    """Whether `value` is an array (of NumPy or another array-API namespace), not a scalar."""
    return isinstance(value, np.ndarray) or (
        hasattr(value, "__array_namespace__") and not isinstance(value, np.generic))


def check_range(owner: str, group: dict[str, Any], name: str, low: float = 0.0,
                high: float = math.inf, *, low_open: bool = False, high_open: bool = False
                ) -> None:
    """Raise a ValueError naming `name` unless group[name] is a finite number in the range."""
    check_value(owner, name, group[name], low, high, low_open=low_open, high_open=high_open)


def check_value(owner: str, name: str, value: Any, low: float = 0.0, high: float = math.inf,
                *, low_open: bool = False, high_open: bool = False) -> None:
    """Raise a ValueError naming `name` and `value` unless it is a finite number in the range
    (closed at each end unless `low_open`/`high_open`); a TypeError if it is not a number."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__} "
                        f"{value!r}")
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (math.isfinite(value) and above and below):
        if high == math.inf:
            interval = f"{'>' if low_open else '>='} {low:g}"
        else:
            interval = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{owner}: invalid {name} = {value!r}; expected a finite number "
                         f"{interval}")


def check_flag(owner: str, group: dict[str, Any], name: str) -> None:
    """Raise a TypeError unless group[name] is a bool."""
    if not isinstance(group[name], (bool, np.bool_)):
        raise TypeError(f"{owner}: {name} must be True or False, got {group[name]!r}")


def _split_names(params: Any, index: int) -> tuple[list[Tensor], list[str] | None]:
    if isinstance(params, Tensor):
        return [params], None
    _refuse_sets(params)
    items = list(params)
    named = [isinstance(item, tuple) for item in items]
    if not any(named):
        return items, None
    if not all(named):
        raise ValueError(f"parameter group {index} mixes named and unnamed parameters")
    return [tensor for _, tensor in items], [name for name, _ in items]


def _refuse_sets(params: Any) -> None:
    if isinstance(params, (set, frozenset)):
        raise TypeError("optimizer parameters need to be in an ordered collection (a list), "
                        "not a set, so that their order is the same in every run")


def _check_param(param: Any, where: str) -> None:
    if not isinstance(param, Tensor):
        raise TypeError(f"optimizer can only optimize Tensors, but {where} is a "
                        f"{type(param).__name__}")
    if _array.kind(param.array.dtype) != "f":
        raise TypeError(f"{where} is {param.array.dtype}; only floating-point tensors can be "
                        "optimized")
    if not param.requires_grad:
        raise ValueError(f"{where} (shape {tuple(param.shape)}) does not require grad; create it "
                         "with requires_grad=True or leave it out of the optimizer")
    if not param.is_leaf:
        raise ValueError(f"can't optimize a non-leaf Tensor: {where} was computed from other "
                         "tensors (use .detach().requires_grad_() to make a leaf)")


def _refuse_grad(param: Tensor, grad: Tensor) -> None:
    raise ValueError(f"a parameter of shape {tuple(param.shape)} and dtype {param.dtype} has a .grad "
                     f"of shape {tuple(grad.shape)} and dtype {grad.dtype}; they must be the same")


def _plain(value: Any) -> Any:
    """A copy made of numbers, strings, lists and arrays (each of its own namespace)."""
    if is_array(value):
        return copy_of(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _python_numbers(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_python_numbers(item) for item in value)
    return value


def _restored(value: Any, default: Any) -> Any:
    if isinstance(default, tuple) and isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def _cast_like(value: Any, param: Tensor, where: str, copy: bool = True) -> Any:
    if isinstance(value, Tensor):  # PyTorch's state dicts hold tensors; stir's, arrays
        value = value.array
    if not is_array(value):
        raise ValueError(f"{where} must be an array of shape {tuple(param.shape)}, got "
                         f"{type(value).__name__}")
    if tuple(value.shape) != tuple(param.shape):
        raise ValueError(f"{where} has shape {tuple(value.shape)}, the parameter has shape "
                         f"{tuple(param.shape)}")
    if not casts_to_floating(value.dtype):
        raise ValueError(f"{where} holds {value.dtype}, which does not cast to the "
                         f"parameter's {param.array.dtype}")
    return adopted(value, param.array) if copy else value


def casts_to_floating(dtype: Any) -> bool:
    """Whether values of `dtype` (of any namespace) cast to a floating dtype, as NumPy's
    `can_cast(dtype, floating, "same_kind")`: bool, integers and floats do."""
    try:
        return _array.kind(dtype) in "biuf"
    except TypeError:  # not a dtype NumPy can name
        return False


def adopted(value: Any, like: Array) -> Array:
    """A new array of the values of `value` (an array of any namespace: saved data, often
    NumPy's) in the namespace, dtype and device of the array `like`."""
    xp = _array.namespace(like)
    where = _array.device(like)
    if type(value) is not type(like):
        value = xp.asarray(value, device=where)  # may share value's memory: copied below
    elif _array.device(value) != where:
        value = value.to_device(where)
    return xp.astype(value, like.dtype, copy=True)
