"""Optimizers, iterate averaging, learning-rate schedules and gradient clipping, with
PyTorch's names (`torch.optim`, `torch.optim.lr_scheduler`, `torch.nn.utils.clip_grad_*`).

    optimizer.py  Optimizer: parameter groups, state, zero_grad, state dicts
    sgd.py        SGD (momentum, Nesterov, weight decay);  adaptive.py: Adagrad, RMSprop, Adam
    averaging.py  iterate averaging (Polyak, EMA)
    lr_scheduler.py  torch.optim.lr_scheduler: every schedule, from its home:
      schedules.py           the base, and the per-epoch formulas (StepLR, CosineAnnealingLR, ...)
                             and ReduceLROnPlateau
      schedules_composed.py  SequentialLR, ChainedScheduler, warmup, LambdaLR, MultiplicativeLR
      schedules_cyclic.py    CosineAnnealingWarmRestarts, OneCycleLR, CyclicLR

>>> import stir
>>> import stir.optim as optim
>>> w = stir.tensor([2.0, -3.0], requires_grad=True)
>>> opt = optim.Adam([w], lr=0.1)
>>> for _ in range(200):
...     opt.zero_grad()
...     loss = (w * w).sum()
...     loss.backward()
...     _ = opt.step()
>>> bool(loss.item() < 1e-3)
True
"""

from .optimizer import Optimizer
from .sgd import SGD
from .adaptive import Adagrad, Adam, AdamW, RMSprop
from .averaging import AveragedParameters
from . import lr_scheduler
from .lr_scheduler import (
    CosineAnnealingLR, ExponentialLR, LinearLR, LRScheduler, ReduceLROnPlateau, SequentialLR,
    StepLR,
)
from .schedules_composed import warmup
from ..nn.utils import clip_grad_norm_, clip_grad_value_  # clipping lives where PyTorch has it

__all__ = [
    "Adagrad", "Adam", "AdamW", "AveragedParameters", "CosineAnnealingLR", "ExponentialLR",
    "LRScheduler", "LinearLR", "Optimizer", "RMSprop", "ReduceLROnPlateau", "SGD",
    "SequentialLR", "StepLR", "clip_grad_norm_", "clip_grad_value_", "lr_scheduler", "warmup",
]
