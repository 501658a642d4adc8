"""`torch.optim.lr_scheduler` by its PyTorch name: every schedule, imported from its home
(schedules.py: the base and the per-epoch formulas; schedules_composed.py: schedules of
schedules and of your functions; schedules_cyclic.py: warm restarts, one-cycle, cyclic).

>>> import stir
>>> from stir.optim.lr_scheduler import StepLR
>>> opt = stir.optim.SGD([stir.zeros(1, requires_grad=True)], lr=1.0)
>>> schedule = stir.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
>>> _ = opt.step(); schedule.step(); schedule.get_last_lr()
[0.5]
"""

from .schedules import (
    EPOCH_DEPRECATION_WARNING, ConstantLR, CosineAnnealingLR, ExponentialLR, LinearLR,
    LRScheduler, MultiStepLR, PolynomialLR, ReduceLROnPlateau, StepLR,
)
from .schedules_composed import ChainedScheduler, LambdaLR, MultiplicativeLR, SequentialLR
from .schedules_cyclic import CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR

#: PyTorch's old name of the base class, kept there for code that subclasses it.
_LRScheduler = LRScheduler

__all__ = [
    "ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
    "CyclicLR", "EPOCH_DEPRECATION_WARNING", "ExponentialLR", "LRScheduler", "LambdaLR",
    "LinearLR", "MultiStepLR", "MultiplicativeLR", "OneCycleLR", "PolynomialLR",
    "ReduceLROnPlateau", "SequentialLR", "StepLR",
]
