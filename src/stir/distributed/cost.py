"""The cost model of data-parallel training: when does a second machine pay?

Each step, every machine computes the forward and backward of its own batch of b rows,
about 6·P·b floating-point operations for P parameters (2·P·b forward, 4·P·b backward),
taking T = 6·P·b / F seconds at F operations per second; then the machines average the
gradient, G = P × 4 bytes in float32. A ring all-reduce sends and receives 2(N−1)/N × G
bytes on each machine (a reduce-scatter, then an all-gather, each (N−1)/N × G), so over
links of bandwidth W it takes

    C = 2(N−1)/N × G / W  (+ 2(N−1) × α, the latency of each of its 2(N−1) messages)

With each machine keeping its batch (the global batch N·b), N machines process N·b rows
per T + C seconds instead of b per T: a speedup of N·T / (T + C), a parallel efficiency
E = T / (T + C). Data-parallel training pays while C is small beside T: E ≥ 1/2 needs
T ≥ C. C hardly grows with N (2(N−1)/N < 2), but it grows with P as T does, so the
ratio C / T = (2(N−1)/N × 4 / W) / (6·b / F) depends on the batch, the machine's speed
and the links, not on the model's size: a faster machine (larger F) needs faster links.

>>> round(ring_allreduce_seconds(4e6, 2, 10) * 1e3, 3)   # 4 MB over 10 Gbit/s, 2 machines
3.2
>>> step = step_cost(1e6, 8, gbit_per_second=10, batch=128, flops_per_second=1e11)
>>> round(step.compute * 1e3, 2), round(step.communication * 1e3, 2), round(step.efficiency, 3)
(7.68, 5.6, 0.578)
"""

from __future__ import annotations

from dataclasses import dataclass

BYTES_PER_PARAMETER = 4  # float32 gradients


def ring_allreduce_seconds(gradient_bytes: float, processes: int, gbit_per_second: float,
                           latency: float = 0.0) -> float:
    """2(N−1)/N × gradient bytes ÷ bandwidth, plus 2(N−1) × latency (seconds)."""
    if processes < 1 or gbit_per_second <= 0:
        raise ValueError("ring_allreduce_seconds: needs processes >= 1 and a bandwidth > 0")
    hops = 2 * (processes - 1)
    return hops / processes * gradient_bytes / (gbit_per_second * 1e9 / 8) + hops * latency


@dataclass(frozen=True)
class StepCost:
    """One step of N machines: `compute` and `communication` seconds, and the parallel
    efficiency T / (T + C)."""

    compute: float
    communication: float

    @property
    def efficiency(self) -> float:
        """The fraction of N machines' time spent computing."""
        return self.compute / (self.compute + self.communication)


def step_cost(parameters: float, processes: int, gbit_per_second: float, batch: int,
              flops_per_second: float, latency: float = 0.0) -> StepCost:
    """The cost of a step of `parameters` trained on `processes` machines, each computing
    `batch` rows at `flops_per_second`, linked at `gbit_per_second`."""
    compute = 6 * parameters * batch / flops_per_second
    communication = ring_allreduce_seconds(parameters * BYTES_PER_PARAMETER, processes,
                                           gbit_per_second, latency) if processes > 1 else 0.0
    return StepCost(compute, communication)


def cost_table(parameters: list[float], processes: list[int],
               links: list[tuple[float, float]], batch: int, flops_per_second: float) -> str:
    """A Markdown table: for each model size and link (Gbit/s, latency in seconds), the
    compute per step, the all-reduce time and the efficiency on each number of machines.

    >>> print(cost_table([1e6], [2, 8], [(10, 0.0)], batch=128, flops_per_second=1e11))
    | parameters | gradient | compute / step | link | all-reduce N=2, 8 | efficiency N=2, 8 |
    |---:|---:|---:|---:|---:|---:|
    | 1M | 4 MB | 7.68 ms | 10 Gbit/s | 3.2, 5.6 ms | 71%, 58% |
    """
    counts = ", ".join(map(str, processes))
    lines = [f"| parameters | gradient | compute / step | link | all-reduce N={counts} | "
             f"efficiency N={counts} |", "|---:|---:|---:|---:|---:|---:|"]
    for size in parameters:
        for link, latency in links:
            steps = [step_cost(size, n, link, batch, flops_per_second, latency)
                     for n in processes]
            times = ", ".join(_number(step.communication * 1e3) for step in steps)
            shares = ", ".join(f"{step.efficiency:.0%}" for step in steps)
            lines.append(f"| {_count(size)} | {_count(size * BYTES_PER_PARAMETER, 'B')} | "
                         f"{_number(steps[0].compute * 1e3)} ms | {link:g} Gbit/s | {times} ms "
                         f"| {shares} |")
    return "\n".join(lines)


def _count(value: float, unit: str = "") -> str:
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= scale:
            shown = f"{value / scale:.3g}{prefix}"
            return f"{shown} {unit}".replace(f"{prefix} {unit}", f" {prefix}{unit}") \
                if unit else shown
    return f"{value:g} {unit}".strip()


def _number(value: float) -> str:
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"
