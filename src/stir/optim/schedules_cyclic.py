"""Schedules that go up and down: `CosineAnnealingWarmRestarts`, `OneCycleLR`, `CyclicLR`.

`OneCycleLR` and `CyclicLR` also cycle the momentum (SGD's and RMSprop's "momentum", or
Adam's first beta) against the rate, as PyTorch's do, unless `cycle_momentum=False`; they
keep their bounds in each parameter group ("max_lr", "max_momentum", ...), as PyTorch's do,
so an optimizer's state dict carries them.
"""

from __future__ import annotations

import math
import types
from typing import Any, Callable

from .optimizer import Optimizer
from .schedules import LRScheduler, copied


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per parameter group: `value` repeated, or a list of exactly that many."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {groups}.")
        return list(value)
    return [value] * groups


def _start_momentum_cycle(scheduler: LRScheduler, optimizer: Optimizer, base: Any, top: Any,
                          fresh: bool) -> None:
    """Check the optimizer has a momentum (or Adam's beta1) and, when `fresh`, set it to the
    top of the cycle, keeping the bounds in each group."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                         "option enabled")
    scheduler.use_beta1 = "betas" in optimizer.defaults
    tops = _per_group("max_momentum", optimizer, top)
    bases = _per_group("base_momentum", optimizer, base)
    if fresh:
        for group, high, low in zip(optimizer.param_groups, tops, bases):
            _set_momentum(group, high, scheduler.use_beta1)
            group["max_momentum"], group["base_momentum"] = high, low


def _set_momentum(group: dict[str, Any], value: float, use_beta1: bool) -> None:
    if use_beta1:
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every cycle, the i-th cycle lasting T_0·T_mult^i epochs:

        lr = eta_min + (base_lr − eta_min)·(1 + cos(π·T_cur / T_i)) / 2

    where T_cur counts the epochs since the last restart (it may be fractional:
    `step(epoch + batch / batches)` anneals within an epoch, as in PyTorch).

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import CosineAnnealingWarmRestarts
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
    >>> schedule = CosineAnnealingWarmRestarts(opt, T_0=2)
    >>> rates = []
    >>> for epoch in range(5):
    ...     rates += schedule.get_last_lr()
    ...     _ = opt.step(); schedule.step()
    >>> [round(rate, 4) for rate in rates]
    [1.0, 0.5, 1.0, 0.5, 1.0]
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if not isinstance(T_0, int) or isinstance(T_0, bool) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or isinstance(T_mult, bool) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if isinstance(eta_min, bool) or not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type "
                             f"{type(eta_min)}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        cosine = 1 + math.cos(math.pi * self.T_cur / self.T_i)
        return [self.eta_min + (base - self.eta_min) * cosine / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to `epoch` (a number of epochs, fractional or not)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        elif epoch < 0:
            raise ValueError(f"Expected non-negative epoch, but got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                cycles = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**cycles - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**cycles
        else:
            self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        self._get_lr_called_within_step = True
        try:
            lrs = self.get_lr()
        finally:
            del self._get_lr_called_within_step
        self._set(lrs)


class OneCycleLR(LRScheduler):
    """The 1cycle policy: per batch, the rate climbs from max_lr/div_factor to max_lr over the
    first pct_start of `total_steps`, then anneals to max_lr/(div_factor·final_div_factor)
    (with `three_phase`, it first comes back down to the start and only then anneals). Each
    phase follows `anneal_strategy`, 'cos' (start + (end − start)·(1 − cos(π·pct)) / 2) or
    'linear'; the momentum moves the other way between max_momentum and base_momentum.

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import OneCycleLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> schedule = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    >>> rates = []
    >>> for step in range(10):
    ...     rates.append(round(schedule.get_last_lr()[0], 4))
    ...     _ = opt.step(); schedule.step()
    >>> rates[:4], round(opt.param_groups[0]["momentum"], 4)
    ([0.04, 0.52, 1.0, 0.9505], 0.945)
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"OneCycleLR needs a stir Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        if total_steps is not None:
            if not _positive_int(total_steps):
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not _positive_int(epochs):
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not _positive_int(steps_per_epoch):
                raise ValueError(f"Expected positive integer steps_per_epoch, but got "
                                 f"{steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND "
                             "steps_per_epoch)")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._schedule_phases = _phases(pct_start, self.total_steps, three_phase)
        self._anneal_func_type = anneal_strategy
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _start_momentum_cycle(self, optimizer, base_momentum, max_momentum,
                                  fresh=last_epoch == -1)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total "
                             f"steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for index, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or index == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal(group[phase["start_momentum"]],
                                                group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                _set_momentum(group, momentum, self.use_beta1)
        return lrs


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _phases(pct_start: float, total_steps: int, three_phase: bool) -> list[dict[str, Any]]:
    """OneCycleLR's phases: the step each ends at and the group keys it goes between."""
    up = float(pct_start * total_steps) - 1

    def phase(end_step: float, lrs: str, momenta: str) -> dict[str, Any]:
        start_lr, end_lr = lrs.split()
        start_momentum, end_momentum = momenta.split()
        return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr,
                "start_momentum": start_momentum, "end_momentum": end_momentum}

    if three_phase:
        return [phase(up, "initial_lr max_lr", "max_momentum base_momentum"),
                phase(float(2 * pct_start * total_steps) - 2, "max_lr initial_lr",
                      "base_momentum max_momentum"),
                phase(total_steps - 1, "initial_lr min_lr", "max_momentum max_momentum")]
    return [phase(up, "initial_lr max_lr", "max_momentum base_momentum"),
            phase(total_steps - 1, "max_lr min_lr", "base_momentum max_momentum")]


class CyclicLR(LRScheduler):
    """The cyclical learning rate policy: per batch, the rate goes from base_lr up to max_lr
    in step_size_up steps and back in step_size_down, the height scaled per cycle by `mode`
    ('triangular': 1, 'triangular2': halved each cycle, 'exp_range': gamma^step) or by your
    `scale_fn`; the momentum moves the other way between max_momentum and base_momentum.

    >>> import stir
    >>> from stir.optim import SGD
    >>> from stir.optim.lr_scheduler import CyclicLR
    >>> opt = SGD([stir.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
    >>> schedule = CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2)
    >>> rates = []
    >>> for step in range(6):
    ...     rates.append(round(schedule.get_last_lr()[0], 4))
    ...     _ = opt.step(); schedule.step()
    >>> rates
    [0.1, 0.3, 0.5, 0.3, 0.1, 0.3]
    """

    def __init__(self, optimizer: Optimizer, base_lr: float | list[float],
                 max_lr: float | list[float], step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: float = 0.8, max_momentum: float = 0.9,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"CyclicLR needs a stir Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        base_lrs = _per_group("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for group, lr in zip(optimizer.param_groups, base_lrs):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode, self.gamma = mode, gamma
        self._scale_fn_custom = scale_fn
        # The built-in modes fix their scale mode, as in PyTorch.
        self.scale_mode = scale_mode if scale_fn is not None else \
            "iterations" if mode == "exp_range" else "cycle"
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _start_momentum_cycle(self, optimizer, base_momentum, max_momentum,
                                  fresh=last_epoch == -1)
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The height of the cycle `x` (or of the step `x`, in scale mode 'iterations')."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        self._warn_outside_step()
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * scale_factor * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                _set_momentum(group, high - (high - low) * scale_factor * scale,
                              self.use_beta1)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """As PyTorch's: a `scale_fn` that is a function or lambda is not saved (None in its
        place); a callable object's attributes are."""
        state = super().state_dict()
        function = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None if function is None or isinstance(
            function, types.FunctionType) else copied(vars(function))
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        saved = state_dict.get("_scale_fn_custom") if isinstance(state_dict, dict) else None
        rest = {key: value for key, value in state_dict.items() if key != "_scale_fn_custom"}
        function = self._scale_fn_custom
        self._scale_fn_custom = None  # compared as plain data, then put back
        try:
            super().load_state_dict({**rest, "_scale_fn_custom": None})
        finally:
            self._scale_fn_custom = function
        if saved is not None and function is not None:
            vars(function).update(copied(saved))
