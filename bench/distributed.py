"""`python -m bench.distributed [--steps N] [--rounds R] [--out PATH]`: data-parallel
training in miniature, the mnist configuration on 1 and on 2 processes (issue 17).

The step is bench/problem.py's mnist one (784 → 256 → 256 → 10, ReLU, cross-entropy,
SGD with momentum 0.9, lr 0.01, float32), written as a PyTorch user writes a data-parallel
loop: `nn.parallel.DistributedDataParallel`, `zero_grad()`, `loss.backward()` (which
averages the gradients across the ranks), `step()`. Each run is a job of its own
(`mpiexec -n 2`, or one process without a launcher), with one BLAS thread per process
(OPENBLAS_NUM_THREADS=1 and the like), so that two processes use the two cores a
one-process run leaves one of idle. Two ways to share the work:

    strong  the global batch stays 128: each of N ranks computes 128 / N rows per step
    weak    each rank computes 128 rows: the global batch is 128·N

Steps per second are the global optimizer steps; the parallel efficiency is the speedup
divided by N (strong: steps/s ÷ (N × one process's), weak: samples/s ÷ (N × one
process's)). "all-reduce" is the share of a rank's step spent averaging the gradient
(packing, the MPI all-reduce itself, unpacking; the wait for the slower rank included),
from DistributedDataParallel.reduce_seconds. Rounds alternate the jobs (1, 2, 1, 2, ...)
and the medians are reported, with the cores other processes kept busy meanwhile. A job
in each round times the all-reduce of the gradient's bytes alone, for the cost model's
bandwidth. Results go to bench/DISTRIBUTED.md, with the cost model of docs/distributed.md
computed from this machine's measured single-core rate.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

from .machine import cpu_model
from .problem import CONFIGS, make_problem, step_flops

DEFAULT_OUT = Path(__file__).resolve().parent / "DISTRIBUTED.md"
ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                     "MKL_NUM_THREADS")}
MODES = ("strong", "weak")
WARMUP_STEPS = 20


def worker(mode: str, steps: int) -> None:
    """One rank of a timed job: prints rank 0's JSON result line."""
    import stir
    import stir.distributed as dist
    import stir.nn.functional as F
    from stir import nn, optim

    dist.init_process_group()
    rank, size = dist.get_rank(), dist.get_world_size()
    config = CONFIGS["mnist"]
    problem = make_problem(config)
    layers = []
    for n_in, n_out in zip(config.layers[:-1], config.layers[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    model.load_state_dict({name: stir.tensor(value)
                           for name, value in zip(problem.names, problem.params)})
    ddp = nn.parallel.DistributedDataParallel(model)
    optimizer = optim.SGD(ddp.parameters(), lr=config.lr, momentum=config.momentum)
    rows = config.batch // size if mode == "strong" else config.batch
    if mode == "strong":  # rank r: its slice of each global batch of 128
        batches = [(x[rank * rows:(rank + 1) * rows], t[rank * rows:(rank + 1) * rows])
                   for x, t in zip(problem.xs, problem.ts)]
    else:  # rank r: whole batches of its own (the rotation shifted by r)
        batches = [(problem.xs[(i + rank) % len(problem.xs)],
                    problem.ts[(i + rank) % len(problem.ts)]) for i in range(len(problem.xs))]
    batches = [(stir.tensor(x), stir.tensor(t)) for x, t in batches]

    def run(count: int) -> None:
        for index in range(count):
            xb, yb = batches[index % len(batches)]
            optimizer.zero_grad()
            F.cross_entropy(ddp(xb), yb).backward()
            optimizer.step()

    run(WARMUP_STEPS)
    dist.barrier()
    reduced_before = ddp.reduce_seconds
    started = time.perf_counter()
    run(steps)
    seconds = time.perf_counter() - started
    dist.barrier()
    reduce = stir.tensor([ddp.reduce_seconds - reduced_before])
    dist.all_reduce(reduce, op=dist.ReduceOp.AVG)
    if rank == 0:
        print(json.dumps({"processes": size, "mode": mode, "rows": rows, "steps": steps,
                          "seconds": seconds, "reduce_seconds": float(reduce.item()),
                          "gradient_bytes": int(sum(p.numel() for p in model.parameters())
                                                * 4)}))


def allreduce_worker(repeats: int) -> None:
    """Time the all-reduce of the mnist gradient's bytes alone (float32, one buffer)."""
    from mpi4py import MPI

    config = CONFIGS["mnist"]
    count = sum(a * b + b for a, b in zip(config.layers[:-1], config.layers[1:]))
    data = np.ones(count, dtype=np.float32)
    comm = MPI.COMM_WORLD
    for _ in range(50):  # (the first large messages set up MPICH's shared-memory queues)
        comm.Allreduce(MPI.IN_PLACE, data)
    blocks = []
    for _ in range(5):
        comm.Barrier()
        started = time.perf_counter()
        for _ in range(repeats):
            comm.Allreduce(MPI.IN_PLACE, data)
        blocks.append((time.perf_counter() - started) / repeats)
    seconds = statistics.median(blocks)
    if comm.Get_rank() == 0:
        print(json.dumps({"bytes": data.nbytes, "seconds": seconds}))


def launch(processes: int, arguments: list[str]) -> dict:
    """Run this module's worker in a job of `processes` (1: no launcher) and read its line."""
    env = {**os.environ, **ONE_THREAD}
    command = [sys.executable, "-m", "bench.distributed", *arguments]
    if processes > 1:
        from stir.distributed.launch import mpiexec_command
        command = mpiexec_command(processes, command[1:])
    else:
        for name in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE"):
            env.pop(name, None)
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env,
                            cwd=Path(__file__).resolve().parents[1])
    if result.returncode != 0:
        raise RuntimeError(f"bench.distributed: {' '.join(command)} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class OtherLoad:
    """Cores kept busy by processes other than this one and its jobs, over a stretch."""

    def __init__(self) -> None:
        self.start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        busy = (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")
        ours = sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
                   for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
        return time.monotonic(), busy, ours

    def cores(self) -> float:
        end = self._sample()
        wall, busy, ours = (e - s for e, s in zip(end, self.start))
        return max(0.0, (busy - ours) / wall)


def measure(steps: int, rounds: int) -> dict:
    """Every job, `rounds` times, alternated; the medians, and the other load meanwhile."""
    load = OtherLoad()
    runs: dict[tuple[str, int], list[dict]] = {}
    alone = []
    for _ in range(rounds):
        for mode in MODES:
            for processes in (1, 2):
                found = launch(processes, ["--worker", mode, "--steps", str(steps)])
                runs.setdefault((mode, processes), []).append(found)
        alone.append(launch(2, ["--allreduce", "100"]))
    seconds = sorted(found["seconds"] for found in alone)
    allreduce = {"bytes": alone[0]["bytes"], "seconds": statistics.median(seconds),
                 "low": seconds[0], "high": seconds[-1]}
    return {"runs": runs, "allreduce": allreduce, "other_cores": load.cores()}


def summarize(measured: dict) -> list[dict]:
    """One row per (mode, processes): median steps/s, efficiency and all-reduce share."""
    rows = []
    for mode in MODES:
        base = None
        for processes in (1, 2):
            runs = measured["runs"][(mode, processes)]
            rate = statistics.median(r["steps"] / r["seconds"] for r in runs)
            share = statistics.median(r["reduce_seconds"] / r["seconds"] for r in runs)
            samples = rate * runs[0]["rows"] * processes
            base = base or samples
            rows.append({"mode": mode, "processes": processes, "rows": runs[0]["rows"],
                         "steps_per_second": rate, "samples_per_second": samples,
                         "efficiency": samples / (processes * base),
                         "allreduce_share": share if processes > 1 else 0.0,
                         "step_ms": 1e3 / rate,
                         "allreduce_ms": 1e3 * share / rate if processes > 1 else 0.0})
    return rows


def report(measured: dict, rows: list[dict], steps: int, rounds: int) -> str:
    from stir.distributed.cost import cost_table

    config = CONFIGS["mnist"]
    single = next(r for r in rows if r["mode"] == "strong" and r["processes"] == 1)
    flops = step_flops(config.layers, config.batch) * single["steps_per_second"]
    allreduce = measured["allreduce"]
    bandwidth = 2 * (2 - 1) / 2 * allreduce["bytes"] / allreduce["seconds"]
    lines = [
        "# Data-parallel training in miniature: the mnist step on 1 and 2 processes",
        "",
        f"Run on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC with "
        f"`python -m bench.distributed --steps {steps} --rounds {rounds}`: "
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy "
        f"{np.__version__}, one BLAS thread per process; MPICH through mpi4py, one machine "
        "(shared memory). Other processes kept "
        f"{measured['other_cores']:.2f} cores busy meanwhile"
        + (" (a noisy run: the figures are lower bounds)." if measured["other_cores"] > 0.2
           else "."),
        "",
        "mnist: 784 → 256 → 256 → 10 (ReLU), cross-entropy, SGD with momentum 0.9, float32, "
        "through DistributedDataParallel (one all-reduce of the 1.08 MB gradient per step). "
        "strong: a global batch of 128 shared by the ranks; weak: 128 rows per rank. Medians "
        f"of {rounds} alternated jobs of {steps} steps each.",
        "",
        "| sharing | processes | rows per rank | steps/s | samples/s | parallel efficiency "
        "| all-reduce share of a step | all-reduce ms/step |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(f"| {row['mode']} | {row['processes']} | {row['rows']} | "
                     f"{row['steps_per_second']:.1f} | {row['samples_per_second']:.0f} | "
                     f"{row['efficiency']:.0%} | {row['allreduce_share']:.1%} | "
                     f"{row['allreduce_ms']:.3f} |")
    lines += [
        "",
        f"The all-reduce of the gradient alone (one float32 buffer of {allreduce['bytes']:,} "
        f"bytes, two ranks, shared memory; one job per round, each the median of 5 blocks "
        f"of 100): {allreduce['seconds'] * 1e6:.0f} µs, the median of the rounds (from "
        f"{allreduce['low'] * 1e6:.0f} to {allreduce['high'] * 1e6:.0f} µs), an effective "
        f"{bandwidth * 8 / 1e9:.1f} Gbit/s by the ring model's 2(N−1)/N × bytes.",
        "",
        f"One process's step computes {step_flops(config.layers, config.batch) / 1e6:.0f} "
        f"MFLOP in {single['step_ms']:.2f} ms: {flops / 1e9:.1f} GFLOP/s on one core. The "
        "cost model of docs/distributed.md at that rate (batch 128 per machine; latency "
        "30 µs a message at 10 Gbit/s, 3 µs at 100 Gbit/s):",
        "",
        cost_table([1e4, 269_322, 1e6, 1e7, 1e8], [2, 8, 32], [(10, 30e-6), (100, 3e-6)],
                   batch=128, flops_per_second=flops),
        "",
    ]
    return "\n".join(textwrap.fill(line, 100) if line and line[0] not in "|#" else line
                     for line in lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.distributed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300, help="timed steps per job")
    parser.add_argument("--rounds", type=int, default=5, help="jobs of each kind")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--allreduce", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.worker:
        worker(arguments.worker, arguments.steps)
        return 0
    if arguments.allreduce:
        allreduce_worker(arguments.allreduce)
        return 0
    measured = measure(arguments.steps, arguments.rounds)
    rows = summarize(measured)
    text = report(measured, rows, arguments.steps, arguments.rounds)
    arguments.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
