"""Averaging of steps: keep a running average of the parameters visited by an optimizer.

The iterates of stochastic gradient descent jitter around a minimum; their average sits
closer to it (Polyak & Juditsky; stochastic weight averaging) and an exponential moving
average tracks a slowly moving target with less noise. The averages live beside the
parameters; `swapped_in()` puts them into the parameters for evaluation and back afterwards.
Each average is an array of its parameter's namespace and device (`_array.namespace`), updated
with in-place operators, so any array-API arrays are averaged as NumPy's are.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import numpy as np  # for the types of options only; arrays go through _array

from .. import _array
from ..tensor import Tensor
from .optimizer import adopted, casts_to_floating, copy_of, is_array

_KINDS = ("polyak", "ema")


class AveragedParameters:
    """A running average of `params`, updated by `update()` after each optimizer step.

    With θ_k the parameters at the k-th `update()` call, the average a_k is

        polyak:  a_k = (θ_1 + … + θ_k) / k          (a_k = a_{k−1} + (θ_k − a_{k−1}) / k)
        ema:     a_1 = θ_1,  a_k = decay·a_{k−1} + (1 − decay)·θ_k

    as `torch.optim.swa_utils.AveragedModel` with its default (equal) average or with
    `get_ema_multi_avg_fn(decay)`.

    >>> import stir
    >>> w = stir.tensor([0.0, 4.0], requires_grad=True)
    >>> averaged = AveragedParameters([w])
    >>> for value in ([1.0, 1.0], [2.0, 3.0], [6.0, 8.0]):   # three "optimizer steps"
    ...     w.data[:] = value
    ...     averaged.update()
    >>> with averaged.swapped_in():                          # evaluate with the average
    ...     print(w.data)
    tensor([3., 4.])
    >>> w.data                                               # the live weights are back
    tensor([6., 8.])
    """

    def __init__(self, params: Iterable[Tensor], kind: str = "polyak",
                 decay: float = 0.999) -> None:
        if isinstance(params, Tensor):
            params = [params]
        self.params = list(params)
        if not self.params:
            raise ValueError("AveragedParameters got an empty parameter list")
        for index, param in enumerate(self.params):
            if not isinstance(param, Tensor) or _array.kind(param.array.dtype) != "f":
                raise TypeError(f"AveragedParameters averages floating-point Tensors; "
                                f"parameter {index} is {_describe(param)}")
        if len({id(param) for param in self.params}) != len(self.params):
            raise ValueError("AveragedParameters: the same tensor appears more than once")
        _check_kind_and_decay(kind, decay)
        self.kind = kind
        self.decay = float(decay)
        self.n_averaged = 0
        self.averages = [copy_of(param.array) for param in self.params]
        self.swapped = False

    def update(self) -> None:
        """Fold the current parameter values into the average."""
        if self.swapped:
            raise RuntimeError("update() while the averages are swapped in would average the "
                               "average; swap back first")
        self.n_averaged += 1
        for param, average in zip(self.params, self.averages):
            if self.n_averaged == 1:
                average[...] = param.array
            elif self.kind == "polyak":
                average += (param.array - average) / self.n_averaged
            else:
                average += (1 - self.decay) * (param.array - average)

    def swap(self) -> None:
        """Exchange the parameter values and the averages, in place (call again to undo)."""
        if self.n_averaged == 0:
            raise RuntimeError("nothing to swap in yet: call update() after an optimizer step")
        for param, average in zip(self.params, self.averages):
            live = copy_of(param.array)
            param.array[...] = average
            average[...] = live
            param._version[0] += 1
        self.swapped = not self.swapped

    @contextmanager
    def swapped_in(self) -> Iterator[AveragedParameters]:
        """Within the block the parameters hold the averages; afterwards, their own values."""
        if self.swapped:
            raise RuntimeError("the averages are already swapped in")
        self.swap()
        try:
            yield self
        finally:
            self.swap()

    def averaged_parameters(self) -> list[Tensor]:
        """Copies of the averages as tensors, in the order of `params`."""
        if self.swapped:
            return [Tensor(copy_of(param.array)) for param in self.params]
        return [Tensor(copy_of(average)) for average in self.averages]

    def state_dict(self) -> dict[str, Any]:
        """Plain data: kind, decay, n_averaged and copies of the averages."""
        if self.swapped:
            # The parameters hold the averages now: a checkpoint of the model taken at the
            # same time would resume training from the average.
            raise RuntimeError("state_dict() while the averages are swapped in; swap back "
                               "first")
        return {"kind": self.kind, "decay": self.decay, "n_averaged": self.n_averaged,
                "averages": [copy_of(average) for average in self.averages]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` saved (for parameters of the same shapes); nothing
        changes unless all of it fits (see `check_state_dict`)."""
        self.check_state_dict(state_dict)
        self.kind, self.decay = state_dict["kind"], float(state_dict["decay"])
        self.n_averaged = int(state_dict["n_averaged"])
        self.averages = [adopted(average, param.array)
                         for param, average in zip(self.params, state_dict["averages"])]

    def check_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Raise the ValueError `load_state_dict(state_dict)` would raise, changing nothing."""
        if self.swapped:
            raise RuntimeError("load_state_dict() while the averages are swapped in; swap "
                               "back first")
        expected = {"kind", "decay", "n_averaged", "averages"}
        if not isinstance(state_dict, dict) or set(state_dict) != expected:
            raise ValueError(f"an AveragedParameters state dict has the keys {sorted(expected)}")
        _check_kind_and_decay(state_dict["kind"], state_dict["decay"])
        count = state_dict["n_averaged"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"AveragedParameters: n_averaged must be an integer >= 0, got "
                             f"{str(count)[:60]}")
        averages = state_dict["averages"]
        if not isinstance(averages, list) or len(averages) != len(self.params):
            raise ValueError(f"loaded state has {len(averages)} averages for "
                             f"{len(self.params)} parameters" if isinstance(averages, list)
                             else "loaded averages must be a list of arrays")
        for index, (param, average) in enumerate(zip(self.params, averages)):
            if not is_array(average) or tuple(average.shape) != tuple(param.shape) \
                    or not casts_to_floating(average.dtype):
                raise ValueError(f"loaded average {index} must be an array of shape "
                                 f"{tuple(param.shape)} and a floating dtype, got "
                                 f"{_describe(average)} of shape {_shape(average)}")

    def __repr__(self) -> str:
        detail = f"decay={self.decay}, " if self.kind == "ema" else ""
        return (f"AveragedParameters(kind={self.kind!r}, {detail}n_averaged={self.n_averaged})"
                f"  # {len(self.params)} tensors")


def _check_kind_and_decay(kind: Any, decay: Any) -> None:
    if kind not in _KINDS:
        raise ValueError(f"AveragedParameters: kind must be 'polyak' or 'ema', got {kind!r}")
    if isinstance(decay, bool) or not isinstance(decay, (int, float, np.number)) \
            or not 0 <= decay < 1:
        raise ValueError(f"AveragedParameters: invalid decay = {decay!r}; expected a number "
                         "in [0, 1)")


def _shape(value: Any) -> Any:
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else np.shape(value)


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a {value.array.dtype} tensor"
    return f"a {type(value).__name__}"
