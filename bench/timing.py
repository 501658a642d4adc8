"""Interleaved timing: every engine runs short blocks of steps, round-robin, many rounds.

Timing the engines one after another would let slow drifts (CPU frequency, other processes,
caches) land on one engine only. Interleaving spreads them over all engines, and the median
over blocks drops the outliers. Two more precautions:

* a short pause before each block, because a BLAS or OpenMP thread pool can keep spinning
  for a few milliseconds after its engine stops and steal a core from the next engine;
* the starting engine rotates from round to round, so no engine always follows the same one.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any, Callable

from .engines import Engine

Step = Callable[[], Any]
MAX_BLOCK_FACTOR = 5  # a block is cut short after this many times its target duration


@dataclass(frozen=True)
class Settings:
    """How long to warm up and how to split the timed run into blocks."""

    rounds: int  # blocks per engine
    block_seconds: float  # target duration of one block (the steps per block are calibrated)
    warmup_seconds: float  # untimed stepping per engine before calibration
    pause_seconds: float = 0.05  # idle time before each block


@dataclass(frozen=True)
class Timing:
    """Seconds per step of every block of one engine, and the steps per block."""

    per_step: list[float]
    steps_per_block: int

    @property
    def median(self) -> float:
        return statistics.median(self.per_step)

    @property
    def quartiles(self) -> tuple[float, float]:
        """The 25th and 75th percentiles of the per-block times."""
        q1, _, q3 = statistics.quantiles(self.per_step, n=4)
        return q1, q3


def time_block(step: Step, n_steps: int, max_seconds: float = float("inf")) -> float:
    """Run `n_steps` steps and return the mean seconds per step.

    The clock is read only every tenth of the block; if `max_seconds` have passed by then the
    block stops early (the mean is over the steps done), so a machine made slow by other work
    cannot stretch the run without bound.
    """
    chunk = max(1, n_steps // 10)
    done = 0
    start = time.perf_counter()
    while done < n_steps:
        for _ in range(min(chunk, n_steps - done)):
            step()
        done += min(chunk, n_steps - done)
        if time.perf_counter() - start > max_seconds:
            break
    return (time.perf_counter() - start) / done


def warm_up(step: Step, seconds: float, block_steps: int = 20) -> None:
    """Step for about `seconds`, and at least twice (the first call may be slow: lazy setup,
    compilation); slow steps (tens of ms) are not forced into whole blocks of `block_steps`."""
    deadline = time.perf_counter() + seconds
    time_block(step, 2)
    while (left := deadline - time.perf_counter()) > 0:
        time_block(step, block_steps, max_seconds=left)


def calibrate(step: Step, block_seconds: float, min_steps: int = 1) -> int:
    """The number of steps that takes about `block_seconds` on a warm engine.

    The fastest of three trial blocks is used, so a burst of load from elsewhere during
    calibration does not leave the engine with tiny blocks.
    """
    n_steps = min_steps
    while time_block(step, n_steps) * n_steps < block_seconds / 8:
        n_steps *= 2  # doubling from 1 step: a 30 ms step gets 1-step blocks, not 10
    per_step = min(time_block(step, n_steps) for _ in range(3))
    return max(min_steps, round(block_seconds / per_step))


def run_interleaved(engines: dict[str, Engine], settings: Settings) -> dict[str, Timing]:
    """Warm up and calibrate every engine, then time them round-robin; return per engine.

    Each engine's `prepare()` runs before its warm-up and before each of its blocks, outside
    the timed region and before the pause.
    """
    names = list(engines)
    steps_per_block = {}
    for name in names:
        engine = engines[name]
        engine.prepare()
        warm_up(engine.step, settings.warmup_seconds)
        steps_per_block[name] = calibrate(engine.step, settings.block_seconds)
    per_step: dict[str, list[float]] = {name: [] for name in names}
    max_block = MAX_BLOCK_FACTOR * settings.block_seconds
    for round_index in range(settings.rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            engines[name].prepare()
            time.sleep(settings.pause_seconds)
            per_step[name].append(
                time_block(engines[name].step, steps_per_block[name], max_block)
            )
    return {name: Timing(per_step[name], steps_per_block[name]) for name in names}
