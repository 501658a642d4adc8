"""Schedules made of other schedules or of your own functions: `SequentialLR` (one after
another), `ChainedScheduler` (all at once), `warmup`, `LambdaLR` and `MultiplicativeLR`.
"""

from __future__ import annotations

import types
from bisect import bisect_right
from typing import Any

from .optimizer import Optimizer
from .schedules import (
    LRScheduler, LinearLR, ReduceLROnPlateau, check_count, conform, copied, check_rates,
)


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
    ...     _ = opt.step(); schedule.step()
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
        _undo_initial_steps(self._schedulers)
        self._schedulers[0]._initial_step()
        self._last_lr = self._schedulers[0].get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)  # the next schedule starts from its base rates
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        state = {key: copied(value) for key, value in vars(self).items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.check_state_dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)
        for key in ("last_epoch", "_milestones", "_last_lr"):
            setattr(self, key, copied(state_dict[key]))

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
        conform({key: state_dict[key] for key in keys - {"_schedulers"}},
                 {key: own[key] for key in keys - {"_schedulers"}}, "a SequentialLR state dict")
        milestones = state_dict["_milestones"]
        if any(isinstance(m, bool) or not isinstance(m, int) or m < 1 for m in milestones) \
                or milestones != sorted(set(milestones)):
            raise ValueError(f"SequentialLR: milestones must be increasing positive integers, "
                             f"got {str(milestones)[:80]}")
        try:
            check_count("SequentialLR", "last_epoch", state_dict["last_epoch"], 0)
            check_rates("SequentialLR", "_last_lr", state_dict["_last_lr"])
        except TypeError as error:
            raise ValueError(str(error)) from None


def _undo_initial_steps(schedulers: list[Any]) -> None:
    """Take back the step each schedule made when it was built (inside nested ones too)."""
    for scheduler in schedulers:
        if hasattr(scheduler, "_schedulers"):
            _undo_initial_steps(scheduler._schedulers)
        else:
            scheduler.last_epoch -= 1


class ChainedScheduler(LRScheduler):
    """Step every schedule of `schedulers` at each `step()`, in order, so that their
    effects multiply (for instance a warm-up times a decay).

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import ChainedScheduler, ConstantLR, ExponentialLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = ChainedScheduler([ConstantLR(opt, factor=0.5, total_iters=2),
    ...                              ExponentialLR(opt, gamma=0.5)])
    >>> rates = []
    >>> for epoch in range(4):
    ...     rates += schedule.get_last_lr()
    ...     _ = opt.step(); schedule.step()
    >>> rates
    [0.5, 0.25, 0.25, 0.125]
    """

    def __init__(self, schedulers: list[LRScheduler], optimizer: Optimizer | None = None
                 ) -> None:
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError("ChainedScheduler expects at least one scheduler to be chained, "
                             "but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        for index, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler) or isinstance(scheduler,
                                                                    ReduceLROnPlateau):
                raise TypeError(f"ChainedScheduler: scheduler {index} is a "
                                f"{type(scheduler).__name__}, not an epoch-driven schedule")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"ChainedScheduler: scheduler {index} belongs to another "
                                 "optimizer")
        self._schedulers = schedulers
        self.optimizer = optimizer
        self._last_lr = self._schedulers[-1]._lrs()

    def step(self) -> None:  # type: ignore[override]
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = self._schedulers[-1]._lrs()

    def state_dict(self) -> dict[str, Any]:
        return {"_last_lr": list(self._last_lr),
                "_schedulers": [scheduler.state_dict() for scheduler in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.check_state_dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)
        self._last_lr = list(state_dict["_last_lr"])

    def check_state_dict(self, state_dict: dict[str, Any]) -> None:
        inner = state_dict.get("_schedulers") if isinstance(state_dict, dict) else None
        if not isinstance(state_dict, dict) or set(state_dict) != {"_last_lr", "_schedulers"} \
                or not isinstance(inner, list) or len(inner) != len(self._schedulers):
            raise ValueError(f"a ChainedScheduler state dict has the keys ['_last_lr', "
                             f"'_schedulers'], with {len(self._schedulers)} state dicts under "
                             "'_schedulers'")
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.check_state_dict(saved)
        conform(state_dict["_last_lr"], self._last_lr, "a ChainedScheduler's _last_lr")


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
    ...     _ = opt.step(); schedule.step()
    >>> [round(rate, 4) for rate in rates]
    [0.5, 0.75, 1.0, 0.5, 0.0]
    """
    optimizer = scheduler.optimizer
    ramp = LinearLR(optimizer, start_factor, 1.0, total_iters=warmup_iters)
    return SequentialLR(optimizer, [ramp, scheduler], milestones=[warmup_iters])



class _LambdaSchedule(LRScheduler):
    """The base of LambdaLR and MultiplicativeLR: one function of the epoch per group.

    As in PyTorch, a state dict keeps the attributes of callable objects (`fn.__dict__`)
    but not functions or lambdas (None in their place): make them again when you load."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        owner, groups = type(self).__name__, len(getattr(optimizer, "param_groups", []))
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        for function in self.lr_lambdas:
            if not callable(function):
                raise TypeError(f"{owner}: lr_lambda should be a function, but got "
                                f"{type(function).__name__}")
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict[str, Any]:
        state = {key: copied(value) for key, value in vars(self).items()
                 if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(function, types.FunctionType)
                               else copied(vars(function)) for function in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.check_state_dict(state_dict)
        for key, value in state_dict.items():
            if key != "lr_lambdas":
                setattr(self, key, copied(value))
        for function, saved in zip(self.lr_lambdas, state_dict["lr_lambdas"]):
            if saved is not None:
                vars(function).update(copied(saved))

    def _factors(self) -> list[float]:
        return [function(self.last_epoch) for function in self.lr_lambdas]


class LambdaLR(_LambdaSchedule):
    """Set each group's rate to its base rate times a function of the epoch:
    lr = base_lr·lr_lambda(epoch).

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import LambdaLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = LambdaLR(opt, lr_lambda=lambda epoch: 1 / (epoch + 1))
    >>> _ = opt.step(); schedule.step(); schedule.step(); schedule.get_last_lr()
    [0.3333333333333333]
    """

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        return [base * factor for base, factor in zip(self.base_lrs, self._factors())]


class MultiplicativeLR(_LambdaSchedule):
    """Multiply each group's rate by a function of the epoch at every step after the first:
    lr_epoch = lr_(epoch−1)·lr_lambda(epoch).

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import MultiplicativeLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = MultiplicativeLR(opt, lr_lambda=lambda epoch: 0.5)
    >>> _ = opt.step(); schedule.step(); schedule.step(); schedule.get_last_lr()
    [0.25]
    """

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        if self._is_initial:
            return self._lrs()
        return [lr * factor for lr, factor in zip(self._lrs(), self._factors())]
