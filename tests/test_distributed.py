"""stir.distributed in one process, without a launcher (and without needing mpi4py): the
world of one, PyTorch's errors, DistributedSampler's rule, DistributedDataParallel's
"after backward", fit's choice to train alone, and the messages when MPI is missing.
The jobs of several processes are in test_distributed_jobs.py."""

from __future__ import annotations

import datetime
import math
import sys

import numpy as np
import pytest

import stir
import stir.distributed as dist
import stir.nn.functional as F
from stir import nn
from stir.distributed import launch
from stir.distributed.buckets import GradientBuckets
from stir.distributed.process_group import Group
from stir.training.data_parallel import DataParallel
from stir.utils.data import DistributedSampler


@pytest.fixture
def world():
    dist.init_process_group()
    yield
    if dist.is_initialized():
        dist.destroy_process_group()


@pytest.fixture
def no_launcher(monkeypatch):
    for size, rank in dist.process_group.LAUNCHER_VARIABLES:
        monkeypatch.delenv(size, raising=False)
        monkeypatch.delenv(rank, raising=False)


def test_a_world_of_one_leaves_every_tensor_as_it_is(world, no_launcher):
    assert (dist.get_rank(), dist.get_world_size(), dist.is_initialized()) == (0, 1, True)
    for op in dist.ReduceOp:
        t = stir.tensor([1.5, -2.0])
        dist.all_reduce(t, op=op)
        assert t.tolist() == [1.5, -2.0]
    t = stir.tensor([3, 4])
    dist.broadcast(t, src=0)
    assert t.tolist() == [3, 4]
    assert dist.barrier(async_op=True).wait() is True


@pytest.mark.parametrize("call, message", [
    (lambda: dist.get_rank(), "Default process group has not been initialized"),
    (lambda: dist.get_world_size(), "Default process group has not been initialized"),
    (lambda: dist.destroy_process_group(), "Default process group has not been initialized"),
    (lambda: dist.init_process_group("gloo"), "backend 'gloo' is not available"),
    (lambda: dist.init_process_group(init_method="tcp://a:1"), "rendezvous"),
    (lambda: dist.init_process_group(world_size=2), "world_size=2, but the launcher"),
    (lambda: dist.init_process_group(timeout=5), "positive datetime.timedelta"),
])
def test_pytorch_errors_before_and_at_init(call, message, no_launcher):
    with pytest.raises(ValueError, match=message):
        call()
    assert not dist.is_initialized()


def test_init_twice_is_an_error(world, no_launcher):
    with pytest.raises(ValueError, match="twice"):
        dist.init_process_group()


def test_collectives_refuse_what_they_cannot_send(world, no_launcher):
    with pytest.raises(TypeError, match="ReduceOp"):
        dist.all_reduce(stir.ones(2), op="sum")
    with pytest.raises(TypeError, match="AVG needs a floating tensor"):
        dist.all_reduce(stir.tensor([1, 2]), op=dist.ReduceOp.AVG)
    with pytest.raises(TypeError, match="expected a stir Tensor"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(ValueError, match=r"src must be a rank in \[0, 0\]"):
        dist.broadcast(stir.ones(1), src=1)
    with pytest.raises(ValueError, match="list of 1 tensors"):
        dist.all_gather([stir.ones(1), stir.ones(1)], stir.ones(1))


def test_the_timeout_comes_from_the_argument_or_the_variable(monkeypatch, no_launcher):
    dist.init_process_group(timeout=datetime.timedelta(seconds=7))
    assert dist.process_group.current_group().timeout == 7
    dist.destroy_process_group()
    monkeypatch.setenv("STIR_DISTRIBUTED_TIMEOUT", "2.5")
    dist.init_process_group()
    assert dist.process_group.current_group().timeout == 2.5
    dist.destroy_process_group()
    monkeypatch.setenv("STIR_DISTRIBUTED_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="STIR_DISTRIBUTED_TIMEOUT must be a number"):
        dist.init_process_group()


def test_a_launcher_without_mpi4py_says_how_to_install_it(monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # an import of it fails
    with pytest.raises(RuntimeError, match=r'started by an MPI launcher with 2 processes.*'
                                           r'pip install "stir\[mpi\]"'):
        dist.init_process_group()
    assert not dist.is_initialized()


def test_import_stir_does_not_import_mpi4py():
    import subprocess
    code = ("import sys, stir, stir.distributed, stir.nn, stir.training, stir.sweeps; "
            "print('mpi4py' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.strip() == "False", result.stderr


# ------------------------------------------------------------------ DistributedSampler
def pytorch_rule(n: int, replicas: int, rank: int, drop_last: bool, order: list[int]):
    """DistributedSampler's indices as PyTorch computes them, from the epoch's order."""
    if drop_last and n % replicas:
        per = math.ceil((n - replicas) / replicas)
    else:
        per = math.ceil(n / replicas)
    total = per * replicas
    if drop_last:
        order = order[:total]
    else:
        padding = total - len(order)
        order = order + (order * math.ceil(padding / len(order)))[:padding] if padding else order
    return order[rank:total:replicas]


@pytest.mark.parametrize("n", [1, 2, 7, 10, 12])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_distributed_sampler_follows_pytorchs_rule(n, replicas, drop_last, shuffle):
    samplers = [DistributedSampler(range(n), num_replicas=replicas, rank=rank,
                                   shuffle=shuffle, seed=5, drop_last=drop_last)
                for rank in range(replicas)]
    for epoch in (0, 1):
        for sampler in samplers:
            sampler.set_epoch(epoch)
        order = (stir.Generator(5 + epoch).numpy.permutation(n).tolist() if shuffle
                 else list(range(n)))
        for rank, sampler in enumerate(samplers):
            assert list(sampler) == pytorch_rule(n, replicas, rank, drop_last, order)
            assert len(sampler) == len(list(sampler))
        if n % replicas == 0:  # no padding, nothing dropped: every index exactly once
            assert sorted(i for s in samplers for i in s) == list(range(n))


def test_distributed_sampler_reshuffles_only_when_told_the_epoch():
    sampler = DistributedSampler(range(50), num_replicas=2, rank=0, seed=1)
    first, again = list(sampler), list(sampler)
    sampler.set_epoch(1)
    assert first == again and list(sampler) != first


def test_distributed_sampler_agrees_with_pytorch_without_shuffling():
    torch_data = pytest.importorskip("torch.utils.data.distributed",
                                     reason="PyTorch is the oracle here")
    for n, replicas, drop_last in [(10, 3, False), (10, 3, True), (1, 4, False), (9, 3, False)]:
        for rank in range(replicas):
            theirs = torch_data.DistributedSampler(range(n), num_replicas=replicas, rank=rank,
                                                   shuffle=False, drop_last=drop_last)
            ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank,
                                      shuffle=False, drop_last=drop_last)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_distributed_sampler_errors(no_launcher):
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                                         r"\[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))


def test_distributed_sampler_reads_the_group(world, no_launcher):
    sampler = DistributedSampler(range(6), shuffle=False)
    assert (sampler.num_replicas, sampler.rank, list(sampler)) == (1, 0, list(range(6)))


# ------------------------------------------------------------------ DistributedDataParallel
def test_ddp_in_a_world_of_one_is_the_module(world, no_launcher):
    stir.manual_seed(0)
    plain = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    wrapped = nn.parallel.DistributedDataParallel(plain)
    assert nn.DistributedDataParallel is nn.parallel.DistributedDataParallel
    x, y = stir.randn(5, 3), stir.tensor([0, 1, 1, 0, 1])
    F.cross_entropy(wrapped(x), y).backward()
    grads = [p.grad.numpy().copy() for p in plain.parameters()]
    plain.zero_grad()
    F.cross_entropy(plain(x), y).backward()
    assert all((g == p.grad.numpy()).all() for g, p in zip(grads, plain.parameters()))
    assert list(wrapped.state_dict()) == [f"module.{k}" for k in plain.state_dict()]


def test_ddp_needs_a_group(no_launcher):
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))


class Recorder:
    """Stands for the buckets: records every gradient at the moment DDP asks to average."""

    def __init__(self, parameters):
        self.parameters, self.seen = list(parameters), []
        self.seconds = 0.0

    def reduce(self, mean=False, **_):
        self.seen.append([None if p.grad is None else p.grad.numpy().copy()
                          for p in self.parameters])


def test_ddp_averages_once_every_gradient_of_the_pass_has_arrived(world, no_launcher):
    """A pretend world of two (no messages: the group has no communicator): the gate's
    backward must run last, after every parameter's gradient is final."""
    stir.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(),
                          nn.Linear(8, 1))
    wrapped = nn.parallel.DistributedDataParallel(model)
    recorder = Recorder(model.parameters())
    object.__setattr__(wrapped, "_group", Group(rank=0, size=2, timeout=1.0))
    object.__setattr__(wrapped, "_buckets", recorder)
    x = stir.randn(6, 3)
    loss = (wrapped(x) ** 2).mean() + 0.1 * (model[0].weight ** 2).sum()  # used after too
    loss.backward()
    assert len(recorder.seen) == 1
    final = [p.grad.numpy() for p in model.parameters()]
    assert all((seen == now).all() for seen, now in zip(recorder.seen[0], final))
    with wrapped.no_sync():
        (wrapped(x) ** 2).mean().backward()
    assert len(recorder.seen) == 1  # no exchange inside no_sync
    with stir.no_grad():
        wrapped(x)
    assert len(recorder.seen) == 1


def test_buckets_sum_in_one_buffer_per_dtype_and_keep_none(world, no_launcher):
    group = dist.process_group.current_group()
    a = nn.Parameter(stir.ones(3))
    b = nn.Parameter(stir.ones(2, dtype=stir.float64))
    unused = nn.Parameter(stir.zeros(1))
    ((a * 2).sum() + (b * 3).sum()).backward()
    buckets = GradientBuckets([a, b, unused], group, extras=2)
    assert [bucket.dtype for bucket in buckets.buckets] == [np.float32, np.float64]
    extra = buckets.reduce(scale=0.5, extra=[1.0, 2.0])
    assert extra.tolist() == [1.0, 2.0]
    assert a.grad.tolist() == [1.0] * 3 and b.grad.tolist() == [1.5] * 2
    assert unused.grad is None
    capped = GradientBuckets([a, b], group, bucket_cap_mb=8 / (1 << 20))  # 8-byte messages
    assert len(capped._chunks(capped.buckets[0].buffer)) == 2  # 3 grads + 1 flag, float32


# ------------------------------------------------------------------ fit and the launcher
def test_fit_trains_alone_without_a_launcher_or_inside_alone(no_launcher, monkeypatch):
    assert DataParallel.join() is None
    monkeypatch.setenv("PMI_SIZE", "4")
    with dist.alone():
        assert DataParallel.join() is None
    assert not dist.is_initialized()


def test_data_parallel_shards_cover_the_batch():
    for size in (1, 2, 3, 5):
        for rows in (1, 2, 7, 16):
            parts = [DataParallel(Group(rank=r, size=size, timeout=1.0)) for r in range(size)]
            bounds = parts[0].bounds(rows)
            assert bounds[0][0] == 0 and bounds[-1][1] == rows
            assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
            weights = [part.shard(rows)[1] for part in parts]
            assert math.isclose(sum(weights), 1.0)
            assert sum(part.shard(rows)[2] for part in parts) == rows


def test_launching_without_mpi4py_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(launch, "is_mpi_available", lambda: False)
    with pytest.raises(RuntimeError, match=r'pip install "stir\[mpi\]"'):
        launch.mpiexec_command(2, ["-c", "pass"])
    from stir import cli
    (tmp_path / "d.csv").write_text("a,y\n1,0\n2,1\n")
    status = cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--processes", "2"])
    assert status == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("stir train: error: mpi4py is not installed") and "\n" not in error


def test_no_mpiexec_anywhere_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(launch.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(launch.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"no mpiexec found .* pip install"):
        launch.find_mpiexec()


def test_each_rank_gets_a_share_of_the_cores_unless_told():
    assert launch.environment(3, cores=8, base={})["OMP_NUM_THREADS"] == "2"
    assert launch.environment(4, cores=2, base={})["MKL_NUM_THREADS"] == "1"
    assert launch.environment(2, cores=8, base={"OPENBLAS_NUM_THREADS": "3"})[
        "OPENBLAS_NUM_THREADS"] == "3"


def test_mpis_banners_are_left_out_of_the_commands_output():
    from stir.commands.train_processes import noise
    banner = ["", "=" * 83, "=   BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES",
              "YOUR APPLICATION TERMINATED WITH THE EXIT STRING: Killed (signal 9)",
              "This typically refers to a problem with your application.",
              "Please see the FAQ page for debugging suggestions",
              "[mpiexec@vm] Sending Ctrl-C to processes as requested"]
    assert all(noise(line) for line in banner)
    assert not any(noise(line) for line in ["stir train: error: bad.csv: line 3: ...",
                                            "data: 4 number columns: a, b, c, d"])


def test_the_benchmarks_efficiency_and_all_reduce_share():
    """bench.distributed's arithmetic on made-up timings: strong scaling compares steps/s,
    weak scaling samples/s, each against N times one process's."""
    from bench.distributed import summarize

    def run(processes, rows, seconds, reduce=0.0):
        return {"processes": processes, "rows": rows, "steps": 100, "seconds": seconds,
                "reduce_seconds": reduce}

    measured = {"runs": {("strong", 1): [run(1, 128, 1.0), run(1, 128, 1.2), run(1, 128, 0.8)],
                         ("strong", 2): [run(2, 64, 0.625, 0.125)] * 3,
                         ("weak", 1): [run(1, 128, 1.0)],
                         ("weak", 2): [run(2, 128, 1.25, 0.25)]}}
    rows = {(row["mode"], row["processes"]): row for row in summarize(measured)}
    assert rows["strong", 1]["steps_per_second"] == 100
    assert rows["strong", 2]["efficiency"] == pytest.approx(160 / 200)  # 1.6x of 2x
    assert rows["strong", 2]["allreduce_share"] == pytest.approx(0.2)
    assert rows["strong", 2]["allreduce_ms"] == pytest.approx(1.25)
    assert rows["weak", 2]["efficiency"] == pytest.approx(0.8)  # 2 x 128 rows in 1.25x time


def test_the_cost_model_by_hand():
    from stir.distributed.cost import ring_allreduce_seconds, step_cost

    # 2(N-1)/N x 40 MB over 100 Gbit/s (12.5 GB/s), 8 machines: 1.75 x 3.2 ms, + 14 x 3 us
    assert ring_allreduce_seconds(40e6, 8, 100, latency=3e-6) == pytest.approx(
        1.75 * 40e6 / 12.5e9 + 14 * 3e-6)
    assert ring_allreduce_seconds(40e6, 1, 100) == 0
    one = step_cost(1e7, 1, 10, batch=128, flops_per_second=1e11)
    assert one.communication == 0 and one.efficiency == 1
    assert one.compute == pytest.approx(6 * 1e7 * 128 / 1e11)
