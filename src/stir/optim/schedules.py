"""Learning-rate schedules, as `torch.optim.lr_scheduler`: call `step()` once per epoch (or
per batch) after `optimizer.step()`; each writes the new rate into every group's "lr".

The rules are PyTorch's own recursive forms (each new rate computed from the group's current
one), so that schedules compose the way PyTorch's do and the numbers are the same; each
docstring gives the closed form they follow when nothing else touches the rate.
"""

from __future__ import annotations

import copy
import math
from bisect import bisect_right
from typing import Any, Callable

from .optimizer import Optimizer, check_value

#: A hyperparameter's check: (owner, name, value) → None, raising ValueError or TypeError.
Check = Callable[[str, str, Any], None]


def _count(minimum: int) -> Check:
    return lambda owner, name, value: _check_count(owner, name, value, minimum)


def _number(low: float = 0.0, high: float = math.inf, **ends: bool) -> Check:
    return lambda owner, name, value: check_value(owner, name, value, low, high, **ends)


def _rates(owner: str, name: str, values: Any) -> None:
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

    A subclass defines `get_lr()`, the rates for `last_epoch` (already advanced), and
    `closed_form_lr()`, the same rates from `base_lrs` alone.
    """

    _is_initial = False
    #: The schedule's settings, each with its check: the constructor and `load_state_dict`
    #: both apply them, so a state dict cannot set a value the constructor would refuse.
    _hyperparameters: dict[str, Check] = {}
    #: Where the schedule is, checked the same way (`last_epoch` is -1 before the first step).
    _progress: dict[str, Check] = {"last_epoch": _count(-1), "base_lrs": _rates,
                                   "_last_lr": _rates}

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
        self._is_initial = True  # the step that applies the schedule's starting rate
        try:
            self.step()
        finally:
            del self._is_initial

    def get_lr(self) -> list[float]:
        """The rates for the epoch `last_epoch` (called by `step()`)."""
        raise NotImplementedError

    def closed_form_lr(self) -> list[float]:
        """The rates at `last_epoch` computed from `base_lrs` alone."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set every group's learning rate."""
        if len(self.base_lrs) != len(self.optimizer.param_groups):
            raise RuntimeError(f"{type(self).__name__} was built for {len(self.base_lrs)} "
                               f"parameter group(s), the optimizer now has "
                               f"{len(self.optimizer.param_groups)}; build the schedule after "
                               "adding the groups")
        self.last_epoch += 1
        self._set(self.get_lr())

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
        return {key: _copied(value) for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict()` saved (from a schedule of the same kind, over the same
        parameter groups); nothing changes unless all of it fits (see `check_state_dict`)."""
        self.check_state_dict(state_dict)
        for key, value in state_dict.items():
            setattr(self, key, _copied(value))

    def check_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Raise the ValueError `load_state_dict(state_dict)` would raise, changing nothing:
        the same keys as this schedule's own state dict, each value of the same kind (an
        integer where it has an integer, a list as long as its list), and every setting and
        rate one the constructor would accept."""
        own = self.state_dict()
        _conform(state_dict, own, f"a {type(self).__name__} state dict")
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
    ...     schedule.step()
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
    >>> schedule.step(); schedule.step(); schedule.get_last_lr()
    [0.25]
    """

    _hyperparameters = {"gamma": _number(0.0)}

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        self._check_hyperparameters()
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
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
    ...     schedule.step()
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
        epoch, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._lrs()
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
    ...     schedule.step()
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


class SequentialLR(LRScheduler):
    """Run `schedulers` one after another, switching at the epochs in `milestones`.

    >>> import stir
    >>> from stir.optim import SGD, ExponentialLR, LinearLR, SequentialLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> warm = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = ExponentialLR(opt, gamma=0.5)
    >>> schedule = SequentialLR(opt, [warm, decay], milestones=[2])
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates += schedule.get_last_lr()
    ...     schedule.step()
    >>> rates
    [0.5, 0.75, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler],
                 milestones: list[int], last_epoch: int = -1) -> None:
        if not schedulers:
            raise ValueError("SequentialLR needs at least one scheduler")
        for index, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler) or isinstance(scheduler,
                                                                    ReduceLROnPlateau):
                raise TypeError(f"SequentialLR: scheduler {index} is a "
                                f"{type(scheduler).__name__}, not an epoch-driven schedule")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {index} belongs to another optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR needs one milestone fewer than schedulers, got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        if any(not isinstance(m, int) or m < 1 for m in milestones) \
                or list(milestones) != sorted(set(milestones)):
            raise ValueError(f"SequentialLR: milestones must be increasing positive integers, "
                             f"got {list(milestones)}")
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        # Undo what building the schedulers did, then start the first one afresh.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        self._schedulers[0]._initial_step()
        self._last_lr = self._schedulers[0].get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler.last_epoch = 0  # the next schedule starts from its base rates
            scheduler._set(scheduler.closed_form_lr())
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        state = {key: _copied(value) for key, value in vars(self).items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.check_state_dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)
        for key in ("last_epoch", "_milestones", "_last_lr"):
            setattr(self, key, _copied(state_dict[key]))

    def check_state_dict(self, state_dict: dict[str, Any]) -> None:
        keys = {"last_epoch", "_milestones", "_last_lr", "_schedulers"}
        inner = state_dict.get("_schedulers") if isinstance(state_dict, dict) else None
        if not isinstance(state_dict, dict) or set(state_dict) != keys \
                or not isinstance(inner, list) or len(inner) != len(self._schedulers):
            raise ValueError(f"a SequentialLR state dict has the keys {sorted(keys)}, with "
                             f"{len(self._schedulers)} state dicts under '_schedulers'")
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.check_state_dict(saved)
        own = {key: value for key, value in self.state_dict().items() if key in keys}
        _conform({key: state_dict[key] for key in keys - {"_schedulers"}},
                 {key: own[key] for key in keys - {"_schedulers"}}, "a SequentialLR state dict")
        milestones = state_dict["_milestones"]
        if any(isinstance(m, bool) or not isinstance(m, int) or m < 1 for m in milestones) \
                or milestones != sorted(set(milestones)):
            raise ValueError(f"SequentialLR: milestones must be increasing positive integers, "
                             f"got {str(milestones)[:80]}")
        try:
            _check_count("SequentialLR", "last_epoch", state_dict["last_epoch"], 0)
            _rates("SequentialLR", "_last_lr", state_dict["_last_lr"])
        except TypeError as error:
            raise ValueError(str(error)) from None


def warmup(scheduler: LRScheduler, warmup_iters: int, start_factor: float = 1.0 / 3
           ) -> SequentialLR:
    """Linear warm-up from start_factor·lr to lr over `warmup_iters` epochs, then `scheduler`.

    The same as PyTorch's `SequentialLR(opt, [LinearLR(opt, start_factor, 1.0,
    warmup_iters), scheduler], milestones=[warmup_iters])`.

    >>> import stir
    >>> from stir.optim import SGD, CosineAnnealingLR, warmup
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = warmup(CosineAnnealingLR(opt, T_max=2), warmup_iters=2, start_factor=0.5)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates += schedule.get_last_lr()
    ...     schedule.step()
    >>> [round(rate, 4) for rate in rates]
    [0.5, 0.75, 1.0, 0.5, 0.0]
    """
    optimizer = scheduler.optimizer
    ramp = LinearLR(optimizer, start_factor, 1.0, total_iters=warmup_iters)
    return SequentialLR(optimizer, [ramp, scheduler], milestones=[warmup_iters])


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
        "min_lrs": _rates,
    }
    _progress = {"last_epoch": _count(0), "_last_lr": _rates, "best": _any_number,
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

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Record this epoch's metric (a number or a one-element tensor)."""
        if len(self.min_lrs) != len(self.optimizer.param_groups):
            raise RuntimeError(f"ReduceLROnPlateau was built for {len(self.min_lrs)} parameter "
                               f"group(s), the optimizer now has "
                               f"{len(self.optimizer.param_groups)}")
        current = float(metrics)
        self.last_epoch += 1
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


def _conform(value: Any, like: Any, where: str) -> None:
    """Raise ValueError unless `value` has the shape of `like`: the same keys, lists of the
    same lengths, numbers where it has numbers, strings where it has strings."""
    if isinstance(like, dict):
        if not isinstance(value, dict) or set(value) != set(like):
            got = sorted(map(str, value)) if isinstance(value, dict) else type(value).__name__
            raise ValueError(f"{where} has the keys {sorted(like)}, got {str(got)[:200]}")
        for key, item in like.items():
            _conform(value[key], item, f"{where}[{key!r}]")
    elif isinstance(like, list):
        if not isinstance(value, list) or len(value) != len(like):
            raise ValueError(f"{where} must be a list of {len(like)}, got {str(value)[:80]}")
        for index, item in enumerate(like):
            _conform(value[index], item, f"{where}[{index}]")
    elif isinstance(like, (int, float)) and not isinstance(like, bool):
        _any_number("", where, value)
    elif not isinstance(value, type(like)):
        raise ValueError(f"{where} must be a {type(like).__name__}, got {str(value)[:80]}")


def _copied(value: Any) -> Any:
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    return value


def _check_count(owner: str, name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{owner}: invalid {name} = {value!r}; expected an integer >= "
                         f"{minimum}")
