"""The benchmark's pure parts: FLOP counts, targets, report formatting, the new engines'
agreement with hand-written NumPy. Nothing here is timed."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import stir
from bench import source
from bench.__main__ import QUICK_SECTIONS, config_names, main, run_sections
from bench.accuracy import AccuracyResult, Run, glorot_params, train_to_target
from bench.check import Tolerance, check_engines
from bench.imports import ImportTimes
from bench.blas import kernel, numpy_blas_pools
from bench.machine import blas_facts, peak_facts
from bench import cnn, lstm
from bench.memory import ENGINE_MODULES, MemoryUse, measure_memory
from bench.memory import ENGINES as MEMORY_ENGINES
from bench.names import torch_reference
from bench.peak import PeakRun, Peaks, fraction_of_peak, gflops, matmul_flops, measure_in_child
from bench.problem import CONFIGS, make_problem, step_flops
from bench.report import (
    HEADERS, TORCH_RATIO, ConfigResult, markdown_report, noise_line, peak_lines, ratio_line,
    table_rows, text_table,
)
from bench.rows import engine_factory, engines_for, split_available, stir_compiled
from bench.engines import load_torch, numpy_manual
from bench.sections import (
    MB, accuracy_rows, accuracy_targets, aligned, import_targets, markdown_table,
    memory_rows, memory_section, memory_targets,
)
from bench.targets import GOALS, PEAK, Goal, check_goal, config_targets
from bench.timing import Settings, Timing

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
    ({"stir functional": 1.4, "numpy": 1.0}, True),
    ({"stir functional": 1.6, "numpy": 1.0}, False),
    ({"numpy": 1.0}, None),  # stir functional did not run
    ({"stir functional": 1.0}, None),  # the reference did not run
])
def test_goal_verdicts(medians: dict[str, float], expected: bool | None) -> None:
    goal = Goal("stir functional <= 1.5x numpy", ("stir functional",), "numpy", 1.5)
    assert check_goal(_result("tiny", medians), goal).met is expected


def test_goal_takes_the_fastest_stir_row() -> None:
    goal = Goal("stir <= 0.9x torch", ("stir modules", "stir compiled"), "pytorch modules", 0.9)
    result = _result("mnist", {"stir modules": 1.0, "stir compiled": 0.8,
                               "pytorch modules": 1.0})
    target = check_goal(result, goal)
    assert target.met is True
    assert "stir modules 1.00x" in target.detail and "stir compiled 0.80x" in target.detail


def test_wide_targets_use_the_matmul_peak() -> None:
    flops = step_flops(CONFIGS["wide"].layers, CONFIGS["wide"].batch)
    matmul = 0.01
    at_peak = flops / (matmul_flops() / matmul)  # the step time at exactly the peak rate
    fast = _result("wide", {"stir modules": at_peak / 0.95, "pytorch modules": 1.0},
                   peak=matmul)
    slow = _result("wide", {"stir modules": at_peak / 0.5, "pytorch modules": 1.0},
                   peak=matmul)
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
            "stir modules": [Run(1.0, 5, 0.97), Run(2.0, 6, 0.98), Run(3.0, 7, 0.97)],
            "pytorch modules": [Run(4.0, 5, 0.97), Run(None, None, 0.9), Run(6.0, 7, 0.97)],
            "scikit-learn": [Run(None, None, 0.9), Run(None, None, 0.9), Run(1.0, 3, 0.97)],
        },
        unavailable={"stir compiled": "ImportError: not yet"},
        data_name="digits", max_epochs=10, max_seconds=5.0,
    )
    rows = {row[0]: row for row in accuracy_rows(result)}
    assert rows["stir modules"][1:4] == ("2.000", "6", "1.00")
    assert rows["pytorch modules"][1] == "6.000"  # median of 4, inf, 6: the missed run is slow
    assert rows["scikit-learn"][1] == "not reached in 10 epochs or 5 s"
    assert rows["stir compiled"][1] == "unavailable"
    target = accuracy_targets(result)[0]
    assert target.met is True and "0.33x pytorch modules" in target.detail


@pytest.mark.parametrize("stir_bytes, expected", [(40, True), (60, False)])
def test_memory_target(stir_bytes: int, expected: bool) -> None:
    uses = {"stir modules": MemoryUse(100, 100 + stir_bytes),
            "pytorch modules": MemoryUse(500, 600)}
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
    result = _result("tiny", {"stir functional": 1.0, "numpy": 1.0})
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


# ------------------------------------------------------------------------------ row styles
TORCH_ROWS = ["pytorch modules", "pytorch functional", "pytorch modules (1 thread)"]
EXPECTED_ROWS = {  # display order; the PyTorch rows only with PyTorch installed
    "tiny": ["stir modules", "stir functional", "stir functional (raw ops)", "stir compiled",
             "numpy", "numpy (repeat)", *TORCH_ROWS, "jax jit"],
    "curious": ["stir modules", "stir functional", "stir compiled", "numpy",
                "numpy (repeat)", *TORCH_ROWS, "jax jit"],
    "mnist": ["stir modules", "stir compiled", "numpy", "numpy (repeat)",
              "pytorch modules", "pytorch modules (1 thread)", "jax jit"],
    "wide": ["stir modules", "stir compiled", "numpy", "numpy (repeat)",
             "pytorch modules", "pytorch modules (1 thread)", "jax jit"],
    "cnn": ["stir modules", "stir compiled", "numpy", "numpy (repeat)",
            "pytorch modules", "pytorch modules (1 thread)"],
    "lstm": ["stir modules", "stir compiled", "numpy", "numpy (repeat)",
             "pytorch modules", "pytorch modules (1 thread)"],
}


@pytest.mark.parametrize("config", list(CONFIGS))
def test_rows_name_their_style(monkeypatch, config: str) -> None:
    monkeypatch.setattr("bench.rows.default_torch_threads", lambda: 2)  # the 1-thread row
    expected = EXPECTED_ROWS[config]
    if load_torch() is None:
        expected = [name for name in expected if not name.startswith("pytorch")]
    assert list(engines_for(CONFIGS[config])) == expected


@pytest.mark.parametrize("row, reference", [
    ("stir modules", "pytorch modules"),
    ("stir compiled", "pytorch modules"),
    ("stir functional", "pytorch functional"),
    ("stir functional (raw ops)", "pytorch functional"),
    ("pytorch modules", "pytorch modules"),
    ("pytorch modules (1 thread)", "pytorch modules"),
    ("pytorch functional", "pytorch functional"),
    ("numpy", "pytorch modules"),
    ("numpy (repeat)", "pytorch modules"),
    ("jax jit", "pytorch modules"),
])
def test_torch_reference_is_of_the_same_style(row: str, reference: str) -> None:
    assert torch_reference(row) == reference


TINY_MEDIANS = {"stir modules": 1.0, "stir functional": 2.0, "stir functional (raw ops)": 4.0,
                "stir compiled": 0.5, "numpy": 1.0, "numpy (repeat)": 1.0,
                "pytorch modules": 10.0, "pytorch functional": 8.0,
                "pytorch modules (1 thread)": 5.0}


def test_table_ratios_compare_like_with_like() -> None:
    result = _result("tiny", TINY_MEDIANS, unavailable={"jax jit": "ImportError: no JAX"})
    column = HEADERS.index(TORCH_RATIO)
    ratios = {row[0]: row[column] for row in table_rows(result)}
    assert ratios == {
        "stir modules": "0.10", "stir functional": "0.25", "stir functional (raw ops)": "0.50",
        "stir compiled": "0.05", "numpy": "0.10", "numpy (repeat)": "0.10",
        "pytorch modules": "1.00", "pytorch functional": "1.00",
        "pytorch modules (1 thread)": "0.50", "jax jit": "–",
    }
    line = ratio_line(result)
    assert ("stir functional, stir functional (raw ops), pytorch functional against "
            "pytorch functional") in line
    assert "stir modules, stir compiled, numpy" in line
    assert "jax jit against pytorch modules" in line
    assert line in text_table(result)


def test_functional_rows_have_no_ratio_without_pytorch_functional() -> None:
    medians = {name: m for name, m in TINY_MEDIANS.items() if name != "pytorch functional"}
    column = HEADERS.index(TORCH_RATIO)
    ratios = {row[0]: row[column] for row in table_rows(_result("tiny", medians))}
    assert ratios["stir functional"] == "n/a"  # never against pytorch modules instead
    assert ratios["stir modules"] == "0.10"


@pytest.mark.parametrize("config", list(CONFIGS))
def test_goals_compare_like_with_like(config: str) -> None:
    rows = set(EXPECTED_ROWS[config])
    for goal in GOALS[config]:
        assert set(goal.subjects) <= rows, goal
        assert goal.reference in rows | {PEAK}, goal
        if goal.reference.startswith("pytorch"):
            assert all(torch_reference(name) == goal.reference for name in goal.subjects), goal


def test_tiny_targets() -> None:
    targets = config_targets(_result("tiny", TINY_MEDIANS))
    assert [(t.description, t.met) for t in targets] == [
        ("stir functional <= 1.5x hand-written NumPy", False),  # 2.0x
        ("stir compiled <= 1.0x hand-written NumPy", True),
        ("stir compiled no slower than JAX jit", None),  # jax jit not run
        ("stir modules >= 8x faster than pytorch modules", True),  # 0.10x
        ("stir functional >= 8x faster than pytorch functional", False),  # 0.25x
        ("stir compiled >= 8x faster than pytorch modules", True),
    ]
    assert targets[3].detail.startswith("0.10x") and targets[4].detail.startswith("0.25x")


def test_mnist_targets_are_against_pytorch_modules() -> None:
    result = _result("mnist", {"stir modules": 0.8, "stir compiled": 0.7,
                               "pytorch modules": 1.0, "pytorch functional": 0.1})
    target = config_targets(result)[0]
    assert target.description == "stir <= 0.9x pytorch modules' step"
    assert target.met is True and "stir modules 0.80x; stir compiled 0.70x" in target.detail


@pytest.mark.parametrize("config", ["tiny", "curious"])
def test_functional_rows_agree_with_numpy(config: str) -> None:
    if load_torch() is None:
        pytest.skip("PyTorch is not installed")
    problem = make_problem(CONFIGS[config])
    names = ["numpy", "stir functional", "pytorch functional"]
    losses = check_engines(problem, {name: engine_factory(problem.config, name)
                                     for name in names})
    assert losses["pytorch functional"] == pytest.approx(losses["numpy"], rel=1e-5)


def test_functional_rows_only_where_the_functional_form_exists() -> None:
    with pytest.raises(ValueError, match="no engine 'stir functional'"):
        engine_factory(CONFIGS["mnist"], "stir functional")
    assert set(ENGINE_MODULES) <= set(EXPECTED_ROWS["mnist"])  # the memory rows exist


# ------------------------------------------------------------------------------ machine
def _fake_threadpoolctl(pools: list[dict]) -> types.ModuleType:
    module = types.ModuleType("threadpoolctl")
    module.__version__ = "9.9"
    module.threadpool_info = lambda: pools
    return module


def test_blas_facts_name_numpy_kernel(monkeypatch) -> None:
    numpy_lib = str(Path(np.__file__).resolve().parent.with_name("numpy.libs") / "libopen.so")
    pools = [
        {"user_api": "openmp", "internal_api": "openmp", "filepath": "/torch/libgomp.so",
         "num_threads": 2, "version": None},
        {"user_api": "blas", "internal_api": "mkl", "filepath": "/torch/libmkl.so",
         "num_threads": 2, "version": "2024"},
        {"user_api": "blas", "internal_api": "openblas", "filepath": numpy_lib,
         "num_threads": 2, "version": "0.3.31", "architecture": "Haswell",
         "threading_layer": "pthreads"},
    ]
    monkeypatch.setitem(sys.modules, "threadpoolctl", _fake_threadpoolctl(pools))
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")
    facts = blas_facts()
    assert facts["numpy BLAS kernel (threadpoolctl 9.9)"] == (
        "openblas 0.3.31, kernel (architecture) Haswell, 2 threads (pthreads), libopen.so")
    assert facts["OpenBLAS variables"] == "OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512"
    assert kernel(numpy_blas_pools()) == "Haswell"


def test_blas_facts_without_threadpoolctl(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import raises ImportError
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    monkeypatch.delenv("OPENBLAS_L2_SIZE", raising=False)
    assert blas_facts() == {"numpy BLAS kernel": "threadpoolctl not installed",
                            "OpenBLAS variables": "neither set"}


def _peak_run(seconds: float, architecture: str) -> PeakRun:
    return PeakRun(Timing([seconds] * 5, 3), [{"internal_api": "openblas",
                                                "architecture": architecture}])


def test_peak_facts_show_both_peaks_and_the_variables() -> None:
    peaks = Peaks(_peak_run(0.010, "Haswell"), _peak_run(0.005, "SkylakeX"),
                  "OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512")
    facts = peak_facts(peaks)
    as_set = facts["matmul peak, OpenBLAS variables as set"]
    unset = facts["matmul peak, OpenBLAS variables unset"]
    assert as_set.startswith(f"{gflops(matmul_flops(), 0.010):.0f} GFLOP/s (10.00 ms")
    assert "this process, OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512" in as_set
    assert "kernel Haswell" in as_set and "kernel SkylakeX" in unset
    assert "without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE" in unset
    assert unset.endswith("2.00x the rate with them as set")
    failed = peak_facts(peaks._replace(unset=PeakRun(None, None, "the child failed (boom)")))
    assert failed["matmul peak, OpenBLAS variables unset"] == (
        "not measured: the child failed (boom)")


def test_peak_child_runs_without_the_openblas_variables(monkeypatch) -> None:
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    monkeypatch.setenv("OPENBLAS_L2_SIZE", "512")
    calls = []

    def fake_run(command, **kwargs):
        calls.append((command, kwargs))
        answer = {"per_step": [0.005] * 5, "steps_per_block": 4,
                  "pools": [{"architecture": "SkylakeX"}]}
        return subprocess.CompletedProcess(command, 0, json.dumps(answer) + "\n", "")

    run = measure_in_child(Settings(5, 0.03, 0.2), run=fake_run)
    (command, kwargs), = calls
    assert command[1:] == ["-m", "bench.peak", "5", "0.03", "0.2"]
    assert "OPENBLAS_CORETYPE" not in kwargs["env"] and "OPENBLAS_L2_SIZE" not in kwargs["env"]
    assert kwargs["env"]["PATH"] == os.environ["PATH"]  # everything else is kept
    assert os.environ["OPENBLAS_CORETYPE"] == "Haswell"  # this process's is left alone
    assert run.timing == Timing([0.005] * 5, 4) and kernel(run.pools) == "SkylakeX"

    def failing_run(command, **kwargs):
        return subprocess.CompletedProcess(command, 1, "", "Traceback...\nOSError: boom")

    assert measure_in_child(Settings(5, 0.03, 0.2), run=failing_run).error == (
        "the child process failed (OSError: boom)")


# ------------------------------------------------------------------------------ stir source
def test_child_env_puts_the_stir_source_first(monkeypatch) -> None:
    monkeypatch.setattr(source, "_extra_path", ["/old/src"])
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = source.child_env(drop=("HOME",))
    assert env["PYTHONPATH"] == os.pathsep.join(["/old/src", "/elsewhere"])
    assert "HOME" not in env and os.environ["PYTHONPATH"] == "/elsewhere"


def test_stir_source_must_hold_stir(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(source, "_extra_path", [])
    with pytest.raises(source.SourceError, match="no stir/__init__.py"):
        source.use_stir_source(tmp_path)
    (tmp_path / "src" / "stir").mkdir(parents=True)
    (tmp_path / "src" / "stir" / "__init__.py").write_text("")
    with pytest.raises(source.SourceError, match="already imported from"):
        source.use_stir_source(tmp_path)  # this process imported the installed stir
    assert main(["--stir-src", str(tmp_path / "nowhere")]) == 2  # before anything is timed


def test_stir_source_of_the_stir_already_imported(monkeypatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(source, "_extra_path", [])
    folder = Path(stir.__file__).resolve().parent
    assert source.use_stir_source(folder.parent) == folder
    assert source.child_env()["PYTHONPATH"].split(os.pathsep)[0] == str(folder.parent)
    assert str(folder) in source.describe_stir()


def test_markdown_header_names_the_stir_under_test() -> None:
    machine = {"stir": "0.1.0 from /old/src/stir (git 4e35186)", "cpu": "x"}
    text = markdown_report([_result("tiny", TINY_MEDIANS)], machine,
                           Settings(1, 0.01, 0.01), "today", "python -m bench")
    assert "stir under test: 0.1.0 from /old/src/stir (git 4e35186)." in text
    assert f"| engine | median µs/step | IQR µs/step | × numpy | {TORCH_RATIO} |" in text


def test_versus_compares_round_by_round_and_calls_only_a_consistent_change_slower() -> None:
    from bench.versus import compare, parse_args
    noisy = [({"stir modules": 1.0}, {"stir modules": r}) for r in (0.97, 1.04, 1.0, 1.02)]
    slower = [({"stir modules": 1.0, "stir compiled": 2.0},
               {"stir modules": r, "stir compiled": 2.0}) for r in (1.05, 1.06, 1.07, 1.08)]
    (same,) = compare(noisy)
    assert same.verdict(0.01) == "same (within noise)" and same.before == 1.0
    modules, compiled = compare(slower)
    assert modules.verdict(0.01) == "slower" and modules.ratio == pytest.approx(1.065)
    assert compiled.verdict(0.01) == "same (within noise)"
    # a row missing from a round (an older stir cannot build it) is left out
    assert [r.row for r in compare([({"stir compiled": 1.0}, {"stir compiled": 1.0,
                                                              "stir modules": 1.0})] * 2)] == [
        "stir compiled"]
    with pytest.raises(SystemExit):
        parse_args(["/tmp", "--only", "tiny,nope"])
    with pytest.raises(SystemExit):
        parse_args(["/tmp", "--processes", "1"])


# ------------------------------------------------------------------------------ cnn and lstm
NETWORKS = ("cnn", "lstm")


@pytest.mark.parametrize("config", NETWORKS)
def test_network_problems_are_float32_and_named_as_pytorch_names_them(config: str) -> None:
    problem = make_problem(CONFIGS[config])
    assert problem.xs[0].shape == (64, *CONFIGS[config].input_shape)
    assert problem.xs[0].dtype == np.float32 and problem.ts[0].dtype == np.int64
    assert all(p.dtype == np.float32 for p in problem.params)
    assert len(problem.names) == len(problem.params)
    torch = load_torch()
    if torch is None:
        pytest.skip("PyTorch is not installed")
    model = (cnn.lenet(torch.nn, CONFIGS[config].layers) if config == "cnn"
             else lstm.classifier(torch.nn, 10))
    shapes = {name: tuple(value.shape) for name, value in model.state_dict().items()}
    assert shapes == {name: p.shape for name, p in zip(problem.names, problem.params)}


def test_network_configurations_describe_their_model() -> None:
    assert CONFIGS["cnn"].describe().startswith(
        "LeNet-5 on 1×28×28 images: Conv2d(1, 6, 5, padding=2) → ReLU → MaxPool2d(2) → "
        "Conv2d(6, 16, 5) → ReLU → MaxPool2d(2) → Flatten → Linear(400, 120) → ReLU")
    assert "batch 64, softmax cross-entropy loss, SGD with momentum 0.9 (lr 0.01)" in (
        CONFIGS["cnn"].describe())
    assert CONFIGS["lstm"].describe().startswith(
        "LSTM(32, 128, num_layers=2, batch_first=True) on sequences of 32 steps of 32 "
        "features, the last step's output → Linear(128, 10), batch 64")


def _small_problem(config: str):
    """The configuration's model on batches of 8 (the check's 3 steps stay fast)."""
    return make_problem(dataclasses.replace(CONFIGS[config], batch=8, n_batches=4))


def _network_factories(config: str, rows: tuple[str, ...]) -> dict:
    """The rows' factories, skipping the test when one cannot be built (PyTorch missing,
    stir's layer not written yet) with the reason."""
    problem = _small_problem(config)
    factories = {row: engine_factory(problem.config, row) for row in ("numpy", *rows)}
    if "pytorch modules" in rows and load_torch() is None:
        pytest.skip("PyTorch is not installed")
    available, unavailable = split_available(problem, factories)
    if unavailable:
        pytest.skip("; ".join(f"{row}: {why}" for row, why in unavailable.items()))
    return available


@pytest.mark.parametrize("config", NETWORKS)
def test_network_numpy_step_agrees_with_pytorch(config: str) -> None:
    factories = _network_factories(config, ("pytorch modules",))
    losses = check_engines(_small_problem(config), factories)  # losses, parameters, updates
    assert losses["numpy"] == pytest.approx(losses["pytorch modules"], rel=1e-5)
    assert losses["numpy"] == pytest.approx(np.log(10), rel=0.05)  # near-uniform at the start


@pytest.mark.parametrize("config, row", [(config, row) for config in NETWORKS
                                         for row in ("stir modules", "stir compiled")])
def test_network_stir_rows_agree_with_numpy_and_pytorch(config: str, row: str) -> None:
    factories = _network_factories(config, (row,))
    if load_torch() is not None:
        factories["pytorch modules"] = engine_factory(CONFIGS[config], "pytorch modules")
    losses = check_engines(_small_problem(config), factories)
    assert losses[row] == pytest.approx(losses["numpy"], rel=1e-5)


def test_numpy_pooling_sends_the_gradient_to_the_maximum() -> None:
    x = np.array([[[[1.0, 5.0, 0.0, 0.0], [2.0, 3.0, 0.0, 0.0]]]], np.float32)  # (1, 1, 2, 4)
    y, blocks = cnn.pool_forward(x)
    assert y.tolist() == [[[[5.0, 0.0]]]]
    grad = cnn.pool_backward(np.ones_like(y), blocks, y)
    assert grad[0, 0, :, :2].tolist() == [[0.0, 1.0], [0.0, 0.0]]
    assert grad[0, 0, :, 2:].sum() == 4  # a tie of zeros: only ever after a ReLU (see doc)


def test_numpy_convolution_gradients_match_central_differences() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 5, 5))
    w, b = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    weights = rng.standard_normal((2, 3, 5, 5))  # a random linear loss of the output

    def loss(x: np.ndarray, w: np.ndarray) -> float:
        return float((cnn.conv_forward(x, w, b, 1)[0] * weights).sum())

    _, cols = cnn.conv_forward(x, w, b, 1)
    grad_w, grad_b, grad_x = cnn.conv_backward(weights, cols, w, x.shape, 1)
    assert grad_b == pytest.approx(weights.sum(axis=(0, 2, 3)))
    for array, grad in ((x, grad_x), (w, grad_w)):
        for index in [(1, 1, 2, 2), (0, 0, 0, 1), (1, 0, 2, 0)]:
            step = np.zeros_like(array)
            step[index] = 1e-6
            args = (x + step, w) if array is x else (x, w + step)
            args_back = (x - step, w) if array is x else (x, w - step)
            numeric = (loss(*args) - loss(*args_back)) / 2e-6
            assert grad[index] == pytest.approx(numeric, rel=1e-6)


@pytest.mark.parametrize("stir_time, torch_time, met", [(0.9, 1.0, True), (1.1, 1.0, False)])
def test_cnn_target_is_no_slower_than_pytorch_eager(stir_time: float, torch_time: float,
                                                    met: bool) -> None:
    result = _result("cnn", {"stir modules": stir_time, "stir compiled": 2.0,
                             "pytorch modules": torch_time})
    (target,) = config_targets(result)
    assert target.met is met and "pytorch modules" in target.description


@pytest.mark.parametrize("stir_time, met", [(1.4, True), (1.6, False)])
def test_lstm_target_is_within_one_and_a_half_pytorch(stir_time: float, met: bool) -> None:
    (target,) = config_targets(_result("lstm", {"stir modules": stir_time,
                                                "pytorch modules": 1.0}))
    assert target.met is met and target.detail.endswith("needs <= 1.5x")
    missing = _result("lstm", {"pytorch modules": 1.0},
                      unavailable={"stir modules": "ImportError: stir.nn.LSTM is not in stir"})
    assert config_targets(missing)[0].met is None


def test_network_tables_show_ratios_to_numpy_and_pytorch() -> None:
    result = _result("cnn", {"stir modules": 2.0, "numpy": 4.0, "pytorch modules": 1.0})
    rows = {row[0]: row for row in table_rows(result)}
    assert rows["stir modules"][3:5] == ("0.50", "2.00")
    assert "LeNet-5" in text_table(result)


def test_cnn_memory_target_and_section() -> None:
    uses = {"stir modules": MemoryUse(100, 140), "pytorch modules": MemoryUse(500, 600)}
    (target,) = memory_targets(uses, "cnn")
    assert target.met is True and "cnn run" in target.description
    section = memory_section(uses, {"stir compiled": "ImportError: no"}, 5, "cnn")
    assert section.title == "peak memory of a cnn training run"
    assert section.rows[0][-1] == "warm step MB" and section.rows[1][-1] == "–"
    assert {len(row) for row in section.rows} == {6}
    assert memory_rows({"numpy": MemoryUse(0, 2 * MB, warm_step=MB)})[1][-1] == "1.0"
    assert "5 training steps of the cnn configuration" in section.method
    assert set(MEMORY_ENGINES["cnn"]) <= set(EXPECTED_ROWS["cnn"])


def test_memory_section_measures_mnist_and_cnn(monkeypatch) -> None:
    calls = []

    def fake_measure(steps, engines, config_name):
        calls.append((config_name, engines))
        return {name: MemoryUse(10, 20) for name in engines}, {}

    monkeypatch.setattr("bench.__main__.measure_memory", fake_measure)
    sections = run_sections(["memory"], QUICK_SECTIONS)
    assert [name for name, _ in calls] == ["mnist", "cnn"]
    assert calls[1][1] == ("stir modules", "stir compiled", "numpy", "pytorch modules")
    assert [s.title for s in sections] == ["peak memory of a training run",
                                           "peak memory of a cnn training run"]


def test_cnn_memory_child_runs_the_numpy_engine() -> None:
    uses, unavailable = measure_memory(2, ("numpy",), "cnn")
    assert not unavailable and uses["numpy"].above_baseline > 0
    assert uses["numpy"].warm_step is not None  # the high-water mark was reset after step 1
