"""The benchmark's pure parts: FLOP counts, targets, report formatting, the new engines'
agreement with hand-written NumPy. Nothing here is timed."""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
import pytest

import stir
from bench.__main__ import config_names
from bench.accuracy import AccuracyResult, Run, glorot_params, train_to_target
from bench.check import Tolerance, check_engines
from bench.imports import ImportTimes
from bench.memory import MemoryUse
from bench.peak import fraction_of_peak, gflops, matmul_flops
from bench.problem import CONFIGS, make_problem, step_flops
from bench.report import ConfigResult, noise_line, peak_lines, text_table
from bench.rows import engine_factory, split_available, stir_compiled
from bench.engines import numpy_manual
from bench.sections import (
    accuracy_rows, accuracy_targets, aligned, import_targets, markdown_table, memory_targets,
)
from bench.targets import Goal, check_goal, config_targets
from bench.timing import Timing

TOLERANCE = Tolerance(rtol=1e-4, atol=1e-6, update=1e-3)


@pytest.mark.parametrize("layers, batch, expected", [
    ((2, 5, 1), 100, 4 * 100 * 2 * 5 + 6 * 100 * 5 * 1),
    ((784, 1024, 1024, 10), 512,
     4 * 512 * 784 * 1024 + 6 * 512 * 1024 * 1024 + 6 * 512 * 1024 * 10),
    ((3, 4), 2, 4 * 2 * 3 * 4),  # one layer: forward and weight gradient only
])
def test_step_flops(layers: tuple[int, ...], batch: int, expected: int) -> None:
    assert step_flops(layers, batch) == expected


def test_peak_arithmetic() -> None:
    assert matmul_flops(2) == 16
    assert gflops(matmul_flops(1024), 0.01) == pytest.approx(214.748, rel=1e-4)
    # a step of the same FLOPs as one product, in twice its time: half the peak
    layers, batch = (1024, 1024), 512  # 4 · 512 · 1024² = 2 · 1024³
    assert fraction_of_peak(layers, batch, 0.02, 0.01) == pytest.approx(0.5)


def _result(name: str, medians: dict[str, float], peak: float | None = None,
            unavailable: dict[str, str] | None = None) -> ConfigResult:
    return ConfigResult(
        config=CONFIGS[name],
        timings={row: Timing([m, m, m], 1) for row, m in medians.items()},
        unavailable=unavailable or {},
        first_losses={row: 1.0 for row in medians},
        tolerance=TOLERANCE,
        other_load="none",
        peak=None if peak is None else Timing([peak, peak, peak], 1),
    )


@pytest.mark.parametrize("medians, expected", [
    ({"stir eager": 1.4, "numpy": 1.0}, True),
    ({"stir eager": 1.6, "numpy": 1.0}, False),
    ({"numpy": 1.0}, None),  # stir eager did not run
    ({"stir eager": 1.0}, None),  # the reference did not run
])
def test_goal_verdicts(medians: dict[str, float], expected: bool | None) -> None:
    goal = Goal("stir eager <= 1.5x numpy", ("stir eager",), "numpy", 1.5)
    assert check_goal(_result("tiny", medians), goal).met is expected


def test_goal_takes_the_fastest_stir_row() -> None:
    goal = Goal("stir <= 0.9x torch", ("stir eager", "stir compiled"), "pytorch eager", 0.9)
    result = _result("mnist", {"stir eager": 1.0, "stir compiled": 0.8, "pytorch eager": 1.0})
    target = check_goal(result, goal)
    assert target.met is True
    assert "stir eager 1.00x" in target.detail and "stir compiled 0.80x" in target.detail


def test_wide_targets_use_the_matmul_peak() -> None:
    flops = step_flops(CONFIGS["wide"].layers, CONFIGS["wide"].batch)
    matmul = 0.01
    at_peak = flops / (matmul_flops() / matmul)  # the step time at exactly the peak rate
    fast = _result("wide", {"stir eager": at_peak / 0.95, "pytorch eager": 1.0}, peak=matmul)
    slow = _result("wide", {"stir eager": at_peak / 0.5, "pytorch eager": 1.0}, peak=matmul)
    assert [t.met for t in config_targets(fast)] == [True, True]
    assert config_targets(slow)[0].met is False
    assert "95%" in config_targets(fast)[0].detail
    assert any("GFLOP/s" in line for line in peak_lines(fast))
    assert "float32 matmul" in text_table(fast)


def test_aligned_and_markdown_tables() -> None:
    rows = [("name", "value"), ("a", "1.5"), ("longer", "22")]
    lines = aligned(rows)
    assert lines[0] == "name    value"
    assert lines[1] == "------  -----"
    assert lines[3] == "longer     22"
    assert markdown_table(rows)[1] == "| --- | ---: |"


def test_accuracy_rows_and_target() -> None:
    result = AccuracyResult(
        runs={
            "stir eager": [Run(1.0, 5, 0.97), Run(2.0, 6, 0.98), Run(3.0, 7, 0.97)],
            "pytorch eager": [Run(4.0, 5, 0.97), Run(None, None, 0.9), Run(6.0, 7, 0.97)],
            "scikit-learn": [Run(None, None, 0.9), Run(None, None, 0.9), Run(1.0, 3, 0.97)],
        },
        unavailable={"stir compiled": "ImportError: not yet"},
        data_name="digits", max_epochs=10, max_seconds=5.0,
    )
    rows = {row[0]: row for row in accuracy_rows(result)}
    assert rows["stir eager"][1:4] == ("2.000", "6", "1.00")
    assert rows["pytorch eager"][1] == "6.000"  # median of 4, inf, 6: the missed run is slow
    assert rows["scikit-learn"][1] == "not reached in 10 epochs or 5 s"
    assert rows["stir compiled"][1] == "unavailable"
    target = accuracy_targets(result)[0]
    assert target.met is True and "0.33x pytorch eager" in target.detail


@pytest.mark.parametrize("stir_bytes, expected", [(40, True), (60, False)])
def test_memory_target(stir_bytes: int, expected: bool) -> None:
    uses = {"stir eager": MemoryUse(100, 100 + stir_bytes),
            "pytorch eager": MemoryUse(500, 600)}
    assert memory_targets(uses)[0].met is expected


def test_import_target() -> None:
    times = ImportTimes({"numpy": [0.10, 0.10], "stir": [0.12, 0.14]}, missing=())
    target = import_targets(times)[0]
    assert target.met is True and target.detail == "1.30x"


def test_only_accepts_configurations_and_sections() -> None:
    assert config_names("wide, accuracy,wide") == ["wide", "accuracy"]
    with pytest.raises(argparse.ArgumentTypeError, match="unknown configuration.*nope"):
        config_names("tiny,nope")


def test_glorot_params() -> None:
    params = glorot_params((64, 128, 10), seed=1)
    bound = np.sqrt(6 / (64 + 128))
    assert all(p.dtype == np.float32 for p in params)
    assert np.abs(params[0]).max() <= bound and np.abs(params[0]).max() > 0.9 * bound


def test_stir_compiled_is_unavailable_without_stir_compile(monkeypatch) -> None:
    monkeypatch.setattr(stir, "compile", None, raising=False)  # as before stir.compile existed
    problem = make_problem(CONFIGS["tiny"])
    _, unavailable = split_available(problem, {"stir compiled": stir_compiled})
    assert "stir.compile" in unavailable["stir compiled"]


def _eager_compile(model, loss_fn, optimizer):  # the API stir.compile will have, done eagerly
    def step(x, t):
        optimizer.zero_grad()
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        return loss
    return step


@pytest.mark.parametrize("config", ["tiny", "mnist"])
def test_stir_compiled_row_agrees_with_numpy(monkeypatch, config: str) -> None:
    monkeypatch.setattr(stir, "compile", _eager_compile, raising=False)
    problem = make_problem(CONFIGS[config])
    losses = check_engines(problem, {"numpy": numpy_manual, "stir compiled": stir_compiled})
    assert losses["stir compiled"] == pytest.approx(losses["numpy"], rel=1e-5)


@pytest.mark.parametrize("config", ["tiny", "mnist"])
def test_jax_row_agrees_with_numpy(config: str) -> None:
    pytest.importorskip("jax")
    problem = make_problem(CONFIGS[config])
    jax_jit = engine_factory(problem.config, "jax jit")
    losses = check_engines(problem, {"numpy": numpy_manual, "jax jit": jax_jit})
    assert losses["jax jit"] == pytest.approx(losses["numpy"], rel=1e-5)


@pytest.mark.parametrize("repeat, flagged", [(1.05, False), (0.85, True)])
def test_noise_line(repeat: float, flagged: bool) -> None:
    line = noise_line(_result("tiny", {"numpy": 1.0, "numpy (repeat)": repeat}))
    assert ("WARNING" in line) is flagged
    assert noise_line(_result("tiny", {"numpy": 1.0})) is None


def test_noisy_runs_are_marked() -> None:
    result = _result("tiny", {"stir eager": 1.0, "numpy": 1.0})
    noisy = dataclasses.replace(result, noisy=True)
    assert "NOISY" not in config_targets(result)[0].detail
    assert "NOISY" in config_targets(noisy)[0].detail


@pytest.mark.parametrize("accuracies, max_seconds, expected_epochs", [
    ([0.5, 0.96, 0.97, 0.99], float("inf"), 3),
    ([0.5, 0.6, 0.7, 0.8], float("inf"), None),  # never reaches 97 %
    ([0.5, 0.6, 0.97, 0.99], 0.0, None),  # gives up after the first epoch: out of time
])
def test_train_to_target(accuracies: list[float], max_seconds: float,
                         expected_epochs: int | None) -> None:
    orders = []
    values = iter(accuracies)
    run = train_to_target(orders.append, lambda: next(values), n_rows=5, max_epochs=4,
                          seed=0, max_seconds=max_seconds)
    assert run.epochs == expected_epochs
    assert (run.seconds is None) == (expected_epochs is None)
    assert all(sorted(order) == list(range(5)) for order in orders)  # each epoch a shuffle
