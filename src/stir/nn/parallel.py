"""`torch.nn.parallel`: DistributedDataParallel, one model trained by several processes.

Each rank holds a whole copy of the model and runs it on its own part of the batch; after
`loss.backward()` the gradients are averaged over the ranks, so every rank's optimizer
takes the same step and the copies stay identical.

How "after backward" is found without hooks in stir's engine: the backward walk takes
nodes newest first, so a node recorded just before the module's forward is the last one
the walk reaches, once every gradient of the forward's parameters has been delivered.
DDP's forward records such a node (a zero joined to the output: `output + 0`, the same
values) whose backward averages the gradients in one flat buffer per dtype
(stir.distributed.buckets). Averaging is linear, so gradients accumulated over several
backward passes before a step (or several forwards in one loss) still average correctly;
`no_sync()` skips the exchange for passes whose gradients the next synced pass carries.
A use of the parameters recorded *before* the forward (a penalty computed first) reaches
them after the exchange: compute it after the forward.

>>> import stir, stir.distributed as dist
>>> from stir import nn
>>> dist.init_process_group()                 # one process: DDP is the module itself
>>> model = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
>>> model(stir.ones(3, 2)).shape
stir.Size([3, 1])
>>> sorted(model.state_dict())                # PyTorch's names: module.<name>
['module.bias', 'module.weight']
>>> dist.destroy_process_group()
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from .. import distributed
from ..autograd import Function
from ..distributed.buckets import GradientBuckets
from ..distributed.collectives import broadcast_array
from ..distributed.process_group import current_group
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from .module import Module


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training over the initialized process group.

    At construction the parameters and buffers are copied from rank 0 to every rank; each
    forward (with `broadcast_buffers`) copies rank 0's buffers again, as PyTorch does, and
    the backward through its output replaces every parameter's gradient by the mean over
    the ranks: g = (1/N) Σ_r g_r. With equal shards of a batch and a mean loss, that is the
    gradient of the whole batch. `bucket_cap_mb` splits each dtype's buffer into messages
    of at most that size (default: one message per dtype). PyTorch's other arguments
    (`device_ids`, `find_unused_parameters`, ...) are accepted; stir runs on the CPU, and a
    parameter without a gradient on every rank keeps `.grad` None. `module` is the wrapped
    model; save `ddp.module` to get the plain model's names.
    """

    def __init__(self, module: Module, device_ids: Any = None, output_device: Any = None,
                 dim: int = 0, broadcast_buffers: bool | None = True, init_sync: bool = True,
                 process_group: Any = None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps a stir.nn.Module, got "
                            f"{type(module).__name__}")
        if not distributed.is_initialized():
            raise ValueError("DistributedDataParallel: " + distributed.process_group
                             .NOT_INITIALIZED)
        self.module = module
        group = current_group()
        self.broadcast_buffers = broadcast_buffers is not False
        self.require_backward_grad_sync = True
        parameters = [p for p in module.parameters() if p.requires_grad]
        object.__setattr__(self, "_group", group)
        object.__setattr__(self, "_buckets", GradientBuckets(parameters, group, bucket_cap_mb))
        dtype = next((p.array.dtype for p in parameters if p.array.dtype.kind == "f"),
                     np.dtype(np.float32))
        object.__setattr__(self, "_anchor", Tensor(np.zeros((), dtype), requires_grad=True))
        if init_sync and group.size > 1:
            for tensor in (*module.parameters(), *module.buffers()):
                broadcast_array(tensor.array, 0, group, "DistributedDataParallel's first copy")

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        group = self._group
        if group.size > 1 and self.broadcast_buffers:
            for buffer in self.module.buffers():
                broadcast_array(buffer.array, 0, group, "DistributedDataParallel's buffers")
        syncing = (group.size > 1 and self.require_backward_grad_sync and is_grad_enabled())
        gate = _AverageAfterBackward.apply(self._anchor, self._buckets) if syncing else None
        output = self.module(*inputs, **kwargs)
        if gate is None:
            return output
        return _joined(output, gate)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """Backward passes in this block keep their gradients local (accumulated); the
        first synced pass after it averages the sum."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    @property
    def reduce_seconds(self) -> float:
        """The time this rank has spent averaging gradients (packing, all-reduce,
        unpacking), in seconds."""
        return self._buckets.seconds


class _AverageAfterBackward(Function):
    """A zero whose backward, the last of the pass, averages the gradients (see above)."""

    backward_on_arrays = True

    @staticmethod
    def forward(ctx: Any, anchor: Tensor, buckets: GradientBuckets) -> Tensor:
        ctx.buckets = buckets
        return Tensor(np.zeros((), anchor.array.dtype))

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> tuple[None, None]:
        ctx.buckets.reduce(mean=True)
        return None, None


def _joined(output: Any, gate: Tensor) -> Any:
    """The output with the gate added to its first floating tensor (the one a loss reads);
    a tuple or list keeps its other members as they are."""
    if isinstance(output, Tensor):
        if output.array.dtype.kind != "f":
            raise TypeError("DistributedDataParallel: the module's output is not floating, "
                            "so no backward can pass through it")
        return output + gate.to(output.dtype) if output.dtype != gate.dtype else output + gate
    if isinstance(output, (tuple, list)) and output:
        first = next((i for i, item in enumerate(output) if isinstance(item, Tensor)
                      and item.array.dtype.kind == "f"), None)
        if first is not None:
            items = list(output)
            items[first] = _joined(items[first], gate)
            return type(output)(items) if type(output) in (tuple, list) else \
                type(output)(*items)
    raise TypeError(f"DistributedDataParallel: the module returned "
                    f"{type(output).__name__}; stir needs a tensor (or a tuple or list "
                    "holding one) to average the gradients after backward")
