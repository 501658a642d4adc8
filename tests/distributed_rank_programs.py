"""The programs that tests/test_distributed_jobs.py runs on every rank (under mpiexec) and, as
the oracle, in one process without a launcher. It holds no tests itself.

    python distributed_rank_programs.py fit OUT [--epochs E] [--batch B] [--steps S]
        [--checkpoint PATH --every-steps K] [--resume PATH] [--fail kill|raise|exit --at S]
        [--own-data]                                   (each rank given other rows: an error)
    python distributed_rank_programs.py ddp OUT --batch G      (G: the global batch)
    python distributed_rank_programs.py sampler OUT --samples N [--drop-last]
    python distributed_rank_programs.py collectives OUT

Each rank writes OUT.RANK.npz: the parameters (fit, ddp), its sampler's indices, or the
collectives' results; fit also writes the per-step losses and the History's columns.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

import numpy as np

import stir
import stir.distributed as dist
import stir.nn.functional as F
from stir import nn, optim
from stir.training import Callback, ModelCheckpoint
from stir.utils.data import DataLoader, DistributedSampler, TensorDataset


def data(samples: int = 100) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, 5))
    return x, (x[:, 0] * x[:, 1] + x[:, 2] > 0).astype(np.int64)


def network() -> nn.Module:
    return nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 2)).double()


class Steps(Callback):
    """Records each step's loss; at step `at` this rank (rank 1) fails as told."""

    def __init__(self, fail: str | None, at: int) -> None:
        self.losses: list[float] = []
        self.fail, self.at = fail, at

    def on_batch_end(self, step: int, logs: dict[str, float]) -> None:
        self.losses.append(logs["loss"])
        if self.fail and step == self.at and rank() == 1:
            if self.fail == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.fail == "raise":
                raise ValueError(f"rank 1 fails on purpose at step {step}")
            sys.exit(3)  # a clean exit in mid-training: the others must not wait for ever


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def write(out: str, **arrays: np.ndarray) -> None:
    np.savez(f"{out}.{rank()}.npz", **arrays)


def parameters(model: nn.Module) -> dict[str, np.ndarray]:
    return {f"param.{name}": p.array for name, p in model.named_parameters()}


def run_fit(arguments: argparse.Namespace) -> None:
    stir.manual_seed(arguments.seed)
    x, y = data()
    if arguments.own_data:  # a mistake fit must catch: each rank given other rows
        x = x + int(os.environ.get("PMI_RANK", "0"))
    model = network()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    steps = Steps(arguments.fail, arguments.at)
    callbacks: list[Callback] = [steps]
    if arguments.checkpoint:
        callbacks.append(ModelCheckpoint(arguments.checkpoint, every=None,
                                         every_steps=arguments.every_steps))
    length = ({"steps": arguments.steps} if arguments.steps else {"epochs": arguments.epochs})
    history = stir.fit(model, F.cross_entropy, optimizer, x[:80], y[:80], **length,
                       batch_size=arguments.batch, validation_data=(x[80:], y[80:]),
                       metrics=["accuracy"], callbacks=callbacks, verbose=0,
                       resume_from=arguments.resume)
    write(arguments.out, **parameters(model), losses=np.array(steps.losses),
          **{f"history.{key}": np.array(history[key]) for key in history.keys()},
          world=np.array(dist.get_world_size() if dist.is_initialized() else 1))


def run_ddp(arguments: argparse.Namespace) -> None:
    """PyTorch's loop: DistributedSampler, DistributedDataParallel, zero_grad, backward,
    step; the global batch shared among the ranks."""
    dist.init_process_group()
    world = dist.get_world_size()
    stir.manual_seed(dist.get_rank())  # different initial weights: DDP must copy rank 0's
    x, y = data()
    model = nn.parallel.DistributedDataParallel(network())
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    dataset = TensorDataset(stir.tensor(x), stir.tensor(y))
    sampler = DistributedSampler(dataset, seed=7)
    loader = DataLoader(dataset, batch_size=arguments.batch // world, sampler=sampler)
    for epoch in range(3):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
    write(arguments.out, **parameters(model.module))
    dist.destroy_process_group()


def run_sampler(arguments: argparse.Namespace) -> None:
    dist.init_process_group()
    sampler = DistributedSampler(range(arguments.samples), seed=3,
                                 drop_last=arguments.drop_last)
    epochs = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        epochs.append(list(sampler))
    write(arguments.out, indices=np.array(epochs), length=np.array(len(sampler)))


def run_collectives(arguments: argparse.Namespace) -> None:
    dist.init_process_group()
    r, n = dist.get_rank(), dist.get_world_size()
    results = {}
    for op in (dist.ReduceOp.SUM, dist.ReduceOp.AVG, dist.ReduceOp.MAX, dist.ReduceOp.MIN,
               dist.ReduceOp.PRODUCT):
        t = stir.tensor([r + 1.0, -2.0 * r, 0.5])
        dist.all_reduce(t, op=op)
        results[op.name] = t.numpy()
    t = stir.full((2, 3), float(r))[:, ::2]  # a view that is not contiguous
    dist.all_reduce(t)
    results["view"] = t.numpy()
    b = stir.tensor([float(r)] * 3)
    dist.broadcast(b, src=n - 1)
    results["broadcast"] = b.numpy()
    parts = [stir.zeros(2, dtype=stir.int64) for _ in range(n)]
    dist.all_gather(parts, stir.tensor([r, 10 * r]))
    results["gather"] = np.stack([p.numpy() for p in parts])
    work = dist.all_reduce(stir.ones(1), async_op=True)
    results["async"] = np.array(work.wait())
    dist.barrier()
    write(arguments.out, **results)
    dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("program", choices=["fit", "ddp", "sampler", "collectives"])
    parser.add_argument("out")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint")
    parser.add_argument("--every-steps", type=int)
    parser.add_argument("--resume")
    parser.add_argument("--fail", choices=["kill", "raise", "exit"])
    parser.add_argument("--at", type=int, default=3)
    parser.add_argument("--samples", type=int, default=12)
    parser.add_argument("--drop-last", action="store_true")
    parser.add_argument("--own-data", action="store_true")
    arguments = parser.parse_args()
    {"fit": run_fit, "ddp": run_ddp, "sampler": run_sampler,
     "collectives": run_collectives}[arguments.program](arguments)


if __name__ == "__main__":
    main()
