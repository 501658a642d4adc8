"""Learning-rate schedules, as `torch.optim.lr_scheduler`: call `step()` once per epoch (or
per batch) after `optimizer.step()`; each writes the new rate into every group's "lr".

The rules are PyTorch's own recursive forms (each new rate computed from the group's current
one), so that schedules compose the way PyTorch's do and the numbers are the same; each
docstring gives the closed form they follow when nothing else touches the rate.
"""

from __future__ import annotations

import copy
import math
import warnings
from bisect import bisect_right
from collections import Counter
from typing import Any, Callable, Iterable

from .optimizer import Optimizer, check_value

#: PyTorch's warnings, word for word.
STEP_ORDER_WARNING = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and "
    "later, you should call them in the opposite order: `optimizer.step()` before "
    "`lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first "
    "value of the learning rate schedule. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate")
EPOCH_DEPRECATION_WARNING = (
    "The epoch parameter in `scheduler.step()` was not necessary and is being deprecated "
    "where possible. Please use `scheduler.step()` to step the scheduler. During the "
    "deprecation, if epoch is different from None, the closed form is used instead of the "
    "new chainable form, where available. Please open an issue if you are unable to "
    "replicate your use case: https://github.com/pytorch/pytorch/issues/new/choose.")

#: A hyperparameter's check: (owner, name, value) → None, raising ValueError or TypeError.
Check = Callable[[str, str, Any], None]


def _count(minimum: int) -> Check:
    return lambda owner, name, value: check_count(owner, name, value, minimum)


def _number(low: float = 0.0, high: float = math.inf, **ends: bool) -> Check:
    return lambda owner, name, value: check_value(owner, name, value, low, high, **ends)


def check_rates(owner: str, name: str, values: Any) -> None:
    """Raise ValueError unless `values` is a list of finite rates >= 0."""
    if not isinstance(values, list):
        raise ValueError(f"{owner}: {name} must be a list of rates, got {values!r}")
    for value in values:
        check_value(owner, name, value, 0.0)


def _any_number(owner: str, name: str, value: Any) -> None:
    """A number, infinite or not (a plateau's best value starts at infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{owner}: {name} must be a number, got {str(value)[:80]}".lstrip(": "))


def _one_of(*allowed: str) -> Check:
    def check(owner: str, name: str, value: Any) -> None:
        if value not in allowed:
            raise ValueError(f"{owner}: {name} must be one of {allowed}, got {value!r}")
    return check


class LRScheduler:
    """The base of the schedules: `step()`, `get_last_lr()`, `state_dict()`.

    A subclass defines `get_lr()`, the rates for `last_epoch` (already advanced), and, when
    there is one, `closed_form_lr()`, the same rates from `base_lrs` alone (PyTorch's
    `_get_closed_form_lr`: `step(epoch)` and `SequentialLR` use it).

    As in PyTorch, building a schedule sets every group's rate to the schedule's first one,
    and the first `step()` warns when it comes before any `optimizer.step()` (the usual
    order is `optimizer.step()` then `scheduler.step()`; the other skips the first rate).
    """

    _is_initial = False
    _get_lr_called_within_step = False
    #: The schedule's settings, each with its check: the constructor and `load_state_dict`
    #: both apply them, so a state dict cannot set a value the constructor would refuse.
    _hyperparameters: dict[str, Check] = {}
    #: Where the schedule is, checked the same way (`last_epoch` is -1 before the first step).
    _progress: dict[str, Check] = {"last_epoch": _count(-1), "base_lrs": check_rates,
                                   "_last_lr": check_rates, "_step_count": _count(0)}
    #: State-dict keys a file may lack (state dicts saved before stir kept them).
    _optional = frozenset({"_step_count"})

    def _check_hyperparameters(self) -> None:
        """Raise ValueError/TypeError naming the first bad setting."""
        for name, check in self._hyperparameters.items():
            check(type(self).__name__, name, getattr(self, name))

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs a stir Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for index, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param_groups[{index}] has no 'initial_lr', needed to "
                                   f"resume {type(self).__name__} at last_epoch={last_epoch}; "
                                   "load the optimizer's state dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True  # the step that applies the schedule's starting rate
        try:
            self.step()
        finally:
            del self._is_initial

    def get_lr(self) -> list[float]:
        """The rates for the epoch `last_epoch` (called by `step()`; to read the current
        rates, call `get_last_lr()`: calling this warns, as in PyTorch)."""
        raise NotImplementedError

    def closed_form_lr(self) -> list[float]:
        """The rates at `last_epoch` computed from `base_lrs` alone."""
        raise NotImplementedError

    def _has_closed_form(self) -> bool:
        return type(self).closed_form_lr is not LRScheduler.closed_form_lr

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch and set every group's learning rate (`epoch`, deprecated in
        PyTorch and warned about as there, jumps to that epoch instead)."""
        if len(self.base_lrs) != len(self.optimizer.param_groups):
            raise RuntimeError(f"{type(self).__name__} was built for {len(self.base_lrs)} "
                               f"parameter group(s), the optimizer now has "
                               f"{len(self.optimizer.param_groups)}; build the schedule after "
                               "adding the groups")
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(STEP_ORDER_WARNING, UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Move to the next epoch (or to `epoch`, by the closed form if there is one) and set
        the rates."""
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                lrs = self.get_lr()
            else:
                self.last_epoch = epoch
                lrs = self.closed_form_lr() if self._has_closed_form() else self.get_lr()
        finally:
            del self._get_lr_called_within_step
        self._set(lrs)

    def _warn_outside_step(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, please "
                          "use `get_last_lr()`.", UserWarning, stacklevel=3)

    def _set(self, lrs: list[float]) -> None:
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates the last `step()` set, one per parameter group."""
        return list(self._last_lr)

    def _lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer, as plain data."""
        return {key: copied(value) for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` saved (from a schedule of the same kind, over the same
        parameter groups); nothing changes unless all of it fits (see `check_state_dict`)."""
        self.check_state_dict(state_dict)
        for key, value in state_dict.items():
            setattr(self, key, copied(value))

    def check_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Raise the ValueError `load_state_dict(state_dict)` would raise, changing nothing:
        the same keys as this schedule's own state dict, each value of the same kind (an
        integer where it has an integer, a list as long as its list), and every setting and
        rate one the constructor would accept."""
        own = self.state_dict()
        if isinstance(state_dict, dict):  # keys newer than the file keep their values
            own = {key: value for key, value in own.items()
                   if key in state_dict or key not in self._optional}
        conform(state_dict, own, f"a {type(self).__name__} state dict")
        candidate = copy.copy(self)  # checked with the new values; self stays as it is
        for key, value in state_dict.items():
            setattr(candidate, key, value)
        try:
            candidate._check_hyperparameters()
            for name, check in self._progress.items():
                if name in state_dict:
                    check(type(self).__name__, name, state_dict[name])
            if "base_lrs" in own and len(state_dict["base_lrs"]) != len(own["base_lrs"]):
                raise ValueError(f"base_lrs has {len(state_dict['base_lrs'])} rates for "
                                 f"{len(own['base_lrs'])} parameter groups")
        except TypeError as error:  # a wrong type in a file is a bad state dict
            raise ValueError(str(error)) from None


class StepLR(LRScheduler):
    """Multiply the rate by gamma every step_size epochs: lr = base_lr·gamma^⌊epoch/step_size⌋.

    >>> import stir
    >>> from stir.optim import SGD, StepLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = StepLR(opt, step_size=2, gamma=0.5)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates += schedule.get_last_lr()
    ...     _ = opt.step(); schedule.step()
    >>> rates
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    _hyperparameters = {"step_size": _count(1), "gamma": _number(0.0)}

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size, self.gamma = step_size, gamma
        self._check_hyperparameters()
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by gamma every epoch: lr = base_lr·gamma^epoch.

    >>> import stir
    >>> from stir.optim import SGD, ExponentialLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = ExponentialLR(opt, gamma=0.5)
    >>> _ = opt.step(); schedule.step(); schedule.step(); schedule.get_last_lr()
    [0.25]
    """

    _hyperparameters = {"gamma": _number(0.0)}

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        self._check_hyperparameters()
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self._is_initial:
            return self._lrs()
        return [lr * self.gamma for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from base_lr down to eta_min over T_max epochs (then back up):

        lr = eta_min + (base_lr − eta_min)·(1 + cos(π·epoch / T_max)) / 2

    >>> import stir
    >>> from stir.optim import SGD, CosineAnnealingLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = CosineAnnealingLR(opt, T_max=4)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates.append(round(schedule.get_last_lr()[0], 4))
    ...     _ = opt.step(); schedule.step()
    >>> rates
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    _hyperparameters = {"T_max": _count(1), "eta_min": _number(0.0)}

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        self.T_max, self.eta_min = T_max, eta_min
        self._check_hyperparameters()
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        epoch, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
        if self._step_count == 1 and epoch > 0:  # resumed (last_epoch given): closed form
            return self.closed_form_lr()
        if (epoch - 1 - T) % (2 * T) == 0:  # leaving the bottom: the ratio below is 0/0
            return [lr + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._lrs())]
        ratio = (1 + math.cos(math.pi * epoch / T)) / (1 + math.cos(math.pi * (epoch - 1) / T))
        return [ratio * (lr - low) + low for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        cosine = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * cosine / 2 for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the rate by a factor going linearly from start_factor to end_factor over
    total_iters epochs, then keep it (a linear warm-up with the defaults):

        lr = base_lr·(start + (end − start)·min(epoch, total_iters) / total_iters)

    >>> import stir
    >>> from stir.optim import SGD, LinearLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates += schedule.get_last_lr()
    ...     _ = opt.step(); schedule.step()
    >>> rates
    [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    _hyperparameters = {"start_factor": _number(0.0, 1.0, low_open=True),
                        "end_factor": _number(0.0, 1.0), "total_iters": _count(1)}

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        self._check_hyperparameters()
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._lrs()
        span = self.end_factor - self.start_factor
        growth = 1.0 + span / (self.total_iters * self.start_factor
                               + (self.last_epoch - 1) * span)
        return [lr * growth for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        done = min(self.total_iters, self.last_epoch) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * done
        return [base * factor for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by gamma at each epoch in `milestones` (a milestone given twice
    multiplies twice): lr = base_lr·gamma^(number of milestones ≤ epoch).

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import MultiStepLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates += schedule.get_last_lr()
    ...     _ = opt.step(); schedule.step()
    >>> rates
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    _hyperparameters = {"gamma": _number(0.0)}

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        _check_milestones("MultiStepLR", self.milestones)
        self.gamma = gamma
        self._check_hyperparameters()
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self.last_epoch not in self.milestones:
            return self._lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]

    def check_state_dict(self, state_dict: dict[str, Any]) -> None:
        # The milestones are a setting, not a shape: any set of them may be loaded.
        if not isinstance(state_dict, dict) or not isinstance(state_dict.get("milestones"),
                                                              dict):
            raise ValueError("a MultiStepLR state dict needs its 'milestones' as a dict of "
                             "epoch → count")
        _check_milestones("MultiStepLR", state_dict["milestones"])
        candidate = copy.copy(self)
        candidate.milestones = Counter()  # the same shape as any milestones
        LRScheduler.check_state_dict(candidate, {**state_dict, "milestones": {}})

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)


def _check_milestones(owner: str, milestones: dict[Any, Any]) -> None:
    for epoch, count in milestones.items():
        epoch = int(epoch) if isinstance(epoch, str) and epoch.isdigit() else epoch
        check_count(owner, "a milestone", epoch, 0)
        check_count(owner, "a milestone's count", count, 1)


class ConstantLR(LRScheduler):
    """Multiply the rate by `factor` for the first `total_iters` epochs, then restore it:
    lr = base_lr·factor while epoch < total_iters, else base_lr.

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import ConstantLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = ConstantLR(opt, factor=0.5, total_iters=2)
    >>> rates = []
    >>> for epoch in range(4):
    ...     rates += schedule.get_last_lr()
    ...     _ = opt.step(); schedule.step()
    >>> rates
    [0.5, 0.5, 1.0, 1.0]
    """

    _hyperparameters = {"factor": _number(0.0, 1.0), "total_iters": _count(0)}

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        self.factor, self.total_iters = factor, total_iters
        self._check_hyperparameters()
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._lrs()]
        if self.last_epoch != self.total_iters:
            return self._lrs()
        return [lr * (1.0 / self.factor) for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        factor = self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor)
        return [base * factor for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the rate to zero over `total_iters` epochs along a polynomial of `power`:

        lr = base_lr·(1 − min(epoch, total_iters) / total_iters)^power

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import PolynomialLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = PolynomialLR(opt, total_iters=4, power=2.0)
    >>> rates = []
    >>> for epoch in range(6):
    ...     rates += schedule.get_last_lr()
    ...     _ = opt.step(); schedule.step()
    >>> rates
    [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """

    _hyperparameters = {"total_iters": _count(1), "power": _number(0.0)}

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        self.total_iters, self.power = total_iters, power
        self._check_hyperparameters()
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        epoch, total = self.last_epoch, self.total_iters
        if self._is_initial or epoch > total:
            return self._lrs()
        decay = ((1.0 - epoch / total) / (1.0 - (epoch - 1) / total)) ** self.power
        return [lr * decay for lr in self._lrs()]

    def closed_form_lr(self) -> list[float]:
        left = 1.0 - min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * left**self.power for base in self.base_lrs]


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by `factor` when a metric has not improved for `patience` epochs.

    Improvement means, for mode 'min', metric < best·(1 − threshold) ('rel') or
    metric < best − threshold ('abs') (mirrored for 'max'). After a reduction, `cooldown`
    epochs pass before bad epochs count again; rates never go below `min_lr`, and changes
    smaller than `eps` are skipped.

    >>> import stir
    >>> from stir.optim import SGD, ReduceLROnPlateau
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 1.0, 1.5, 1.5]:
    ...     schedule.step(loss)
    ...     print(schedule.get_last_lr()[0], end=" ")
    1.0 1.0 1.0 0.5 0.5 0.5 0.25
    """

    _hyperparameters = {
        "mode": _one_of("min", "max"), "threshold_mode": _one_of("rel", "abs"),
        "factor": _number(0.0, 1.0, high_open=True), "patience": _count(0),
        "cooldown": _count(0), "threshold": _number(0.0), "eps": _number(0.0),
        "min_lrs": check_rates,
    }
    _progress = {"last_epoch": _count(0), "_last_lr": check_rates, "best": _any_number,
                 "num_bad_epochs": _count(0), "cooldown_counter": _count(0)}

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8
                 ) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau needs a stir Optimizer, got "
                            f"{type(optimizer).__name__}")
        groups = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        if len(min_lrs) != groups:
            raise ValueError(f"ReduceLROnPlateau: expected {groups} min_lr values (one per "
                             f"parameter group), got {len(min_lrs)}")
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.min_lrs, self.eps = cooldown, min_lrs, eps
        self._check_hyperparameters()
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = self._lrs()

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric (a number or a one-element tensor); `epoch`, deprecated
        in PyTorch and warned about as there, sets `last_epoch`."""
        if len(self.min_lrs) != len(self.optimizer.param_groups):
            raise RuntimeError(f"ReduceLROnPlateau was built for {len(self.min_lrs)} parameter "
                               f"group(s), the optimizer now has "
                               f"{len(self.optimizer.param_groups)}")
        current = float(metrics)
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cool-down do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                old_lr = float(group["lr"])
                new_lr = max(old_lr * self.factor, min_lr)
                if old_lr - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = self._lrs()

    def is_better(self, metric: float, best: float) -> bool:
        """Whether `metric` improves on `best` by more than the threshold."""
        if self.threshold_mode == "rel":
            scale = 1.0 - self.threshold if self.mode == "min" else 1.0 + self.threshold
            return metric < best * scale if self.mode == "min" else metric > best * scale
        if self.mode == "min":
            return metric < best - self.threshold
        return metric > best + self.threshold


def conform(value: Any, like: Any, where: str) -> None:
    """Raise ValueError unless `value` has the shape of `like`: the same keys, lists of the
    same lengths, numbers where it has numbers, strings where it has strings."""
    if isinstance(like, dict):
        if not isinstance(value, dict) or set(value) != set(like):
            got = sorted(map(str, value)) if isinstance(value, dict) else type(value).__name__
            raise ValueError(f"{where} has the keys {sorted(like)}, got {str(got)[:200]}")
        for key, item in like.items():
            conform(value[key], item, f"{where}[{key!r}]")
    elif isinstance(like, list):
        if not isinstance(value, list) or len(value) != len(like):
            raise ValueError(f"{where} must be a list of {len(like)}, got {str(value)[:80]}")
        for index, item in enumerate(like):
            conform(value[index], item, f"{where}[{index}]")
    elif isinstance(like, (int, float)) and not isinstance(like, bool):
        _any_number("", where, value)
    elif not isinstance(value, type(like)):
        raise ValueError(f"{where} must be a {type(like).__name__}, got {str(value)[:80]}")


def copied(value: Any) -> Any:
    """A copy of the lists and dicts of `value` (the numbers and strings in them shared)."""
    if isinstance(value, list):
        return [copied(item) for item in value]
    if isinstance(value, dict):
        return {key: copied(item) for key, item in value.items()}
    return value


def check_count(owner: str, name: str, value: Any, minimum: int) -> None:
    """Raise ValueError unless `value` is an integer (not a bool) >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{owner}: invalid {name} = {value!r}; expected an integer >= "
                         f"{minimum}")
