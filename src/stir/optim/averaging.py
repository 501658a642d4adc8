"""Averaging of steps: keep a running average of the parameters visited by an optimizer.

The iterates of stochastic gradient descent jitter around a minimum; their average sits
closer to it (Polyak & Juditsky; stochastic weight averaging) and an exponential moving
average tracks a slowly moving target with less noise. The averages live beside the
parameters; `swapped_in()` puts them into the parameters for evaluation and back afterwards.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import numpy as np

from ..tensor import Tensor

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
    [3. 4.]
    >>> w.data                                               # the live weights are back
    array([6., 8.], dtype=float32)
    """

    def __init__(self, params: Iterable[Tensor], kind: str = "polyak",
                 decay: float = 0.999) -> None:
        if isinstance(params, Tensor):
            params = [params]
        self.params = list(params)
        if not self.params:
            raise ValueError("AveragedParameters got an empty parameter list")
        for index, param in enumerate(self.params):
            if not isinstance(param, Tensor) or param.array.dtype.kind != "f":
                raise TypeError(f"AveragedParameters averages floating-point Tensors; "
                                f"parameter {index} is {_describe(param)}")
        if len({id(param) for param in self.params}) != len(self.params):
            raise ValueError("AveragedParameters: the same tensor appears more than once")
        _check_kind_and_decay(kind, decay)
        self.kind = kind
        self.decay = float(decay)
        self.n_averaged = 0
        self.averages = [param.array.copy() for param in self.params]
        self.swapped = False

    def update(self) -> None:
        """Fold the current parameter values into the average."""
        if self.swapped:
            raise RuntimeError("update() while the averages are swapped in would average the "
                               "average; swap back first")
        self.n_averaged += 1
        for param, average in zip(self.params, self.averages):
            if self.n_averaged == 1:
                np.copyto(average, param.array)
            elif self.kind == "polyak":
                average += (param.array - average) / self.n_averaged
            else:
                average += (1 - self.decay) * (param.array - average)

    def swap(self) -> None:
        """Exchange the parameter values and the averages, in place (call again to undo)."""
        if self.n_averaged == 0:
            raise RuntimeError("nothing to swap in yet: call update() after an optimizer step")
        for param, average in zip(self.params, self.averages):
            live = param.array.copy()
            np.copyto(param.array, average)
            np.copyto(average, live)
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
            return [Tensor(param.array.copy()) for param in self.params]
        return [Tensor(average.copy()) for average in self.averages]

    def state_dict(self) -> dict[str, Any]:
        """Plain data: kind, decay, n_averaged and copies of the averages."""
        if self.swapped:
            # The parameters hold the averages now: a checkpoint of the model taken at the
            # same time would resume training from the average.
            raise RuntimeError("state_dict() while the averages are swapped in; swap back "
                               "first")
        return {"kind": self.kind, "decay": self.decay, "n_averaged": self.n_averaged,
                "averages": [average.copy() for average in self.averages]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` saved (for parameters of the same shapes); nothing
        changes unless all of it fits (see `check_state_dict`)."""
        self.check_state_dict(state_dict)
        self.kind, self.decay = state_dict["kind"], float(state_dict["decay"])
        self.n_averaged = int(state_dict["n_averaged"])
        self.averages = [np.array(a, dtype=p.array.dtype)
                         for p, a in zip(self.params, state_dict["averages"])]

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
            if not isinstance(average, np.ndarray) or average.shape != param.shape \
                    or not np.can_cast(average.dtype, param.array.dtype, "same_kind"):
                raise ValueError(f"loaded average {index} must be an array of shape "
                                 f"{param.shape} and a floating dtype, got "
                                 f"{_describe(average)} of shape {np.shape(average)}")

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


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a {value.array.dtype} tensor"
    return f"a {type(value).__name__}"
