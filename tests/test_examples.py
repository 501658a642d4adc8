"""The scripts in examples/: each runs at its quick size, returns sensible numbers, writes its
figures, and uses only stir's public API. Each experiment is written once, in stir.demos: the
script examples/NAME.py of demo NAME only calls stir.demos.NAME, and every demo has one. New
examples are found by glob; each needs an entry in EXPECTED saying what its numbers must show
(and, if it runs no demo, one in STANDALONE saying why)."""

from __future__ import annotations

import ast
import importlib.util
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

import stir
import stir.demos

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.py"))
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def load(path: Path) -> ModuleType:
    """Import an example by its path, as `python examples/NAME.py` would run it."""
    spec = importlib.util.spec_from_file_location(f"stir_example_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def close(value: float, expected: float, tolerance: float = 1e-4) -> bool:
    return abs(value - expected) <= tolerance


# What the quick run of each example must show, by name: (what it means, check of the numbers).
EXPECTED: dict[str, list[tuple[str, Callable[[dict], bool]]]] = {
    "activations": [
        ("autograd agrees with central differences", lambda n: n["max_difference"] < 1e-6),
        ("ReLU'(0.5) = 1", lambda n: n["relu"] == 1.0),
        ("σ'(0.5) = σ(0.5)(1 - σ(0.5))", lambda n: close(n["sigmoid"], 0.2350037)),
        ("tanh'(0.5) = 1 - tanh²(0.5)", lambda n: close(n["tanh"], 1 - math.tanh(0.5) ** 2)),
    ],
    "bumps": [
        ("more bumps, smaller error", lambda n: n["bumps_4_max_error"] > n["bumps_16_max_error"]
         > n["bumps_64_max_error"]),
        ("64 bumps are within 0.06 of f", lambda n: n["bumps_64_max_error"] < 0.06),
        ("the trained network fits", lambda n: n["trained_max_error"] < 0.3),
        ("but not with bumps: fewer kinks in [0, 1] than 64 bumps",
         lambda n: n["trained_kinks"] < n["bumps_64_kinks"]),
    ],
    "capacity": [
        ("accuracies are better than chance",
         lambda n: all(0.6 < value <= 1.0 for value in n.values())),
        ("λ = 0.1 fits the training set less than λ = 0",
         lambda n: n["accuracy_20_0.1"] < n["accuracy_20_0.0"]),
        ("3 hidden units fit less than 20", lambda n: n["accuracy_3_0.0"]
         < n["accuracy_20_0.0"]),
        ("every cell has a training and a test accuracy", lambda n: len(n) == 24 and all(
            f"{kind}accuracy_{width}_{strength}" in n for kind in ("", "test_")
            for width in (3, 6, 20) for strength in (0.0, 0.001, 0.01, 0.1))),
        ("on new points, 20 units at their best λ beat 3 units at theirs",
         lambda n: max(n[f"test_accuracy_20_{s}"] for s in (0.0, 0.001, 0.01, 0.1))
         > max(n[f"test_accuracy_3_{s}"] for s in (0.0, 0.001, 0.01, 0.1))),
    ],
    "curious": [
        ("least squares has MSE ≈ 0.5", lambda n: 0.4 < n["least_squares_train_mse"] < 0.6
         and 0.4 < n["least_squares_test_mse"] < 0.6),
        ("the ReLUs beat the line",
         lambda n: n["relu_3000_train_mse"] < 0.7 * n["least_squares_train_mse"]
         and n["relu_3000_test_mse"] < 0.7 * n["least_squares_test_mse"]),
        ("more steps, smaller error", lambda n: n["relu_3000_train_mse"]
         < n["relu_1000_train_mse"]),
    ],
    "custom_function": [
        ("gradcheck passes ReLU and MatVec",
         lambda n: n["gradcheck_relu"] == 1.0 and n["gradcheck_matvec"] == 1.0),
        ("gradcheck catches MyMM's wrong backward", lambda n: n["gradcheck_mymm"] == 0.0),
        ("training with them lowers the loss", lambda n: n["last_loss"] < n["first_loss"] / 3),
    ],
    "digits": [
        ("the perceptron is far better than chance", lambda n: n["perceptron_test_accuracy"]
         > 0.75),
        ("the MLP is better still", lambda n: n["mlp_test_accuracy"] > 0.85
         and n["mlp_test_accuracy"] > n["perceptron_test_accuracy"]),
    ],
    "features": [
        ("an intensity histogram is far worse than the pixels", lambda n:
         n["digits_histogram_accuracy"] < 0.4 < n["digits_pixels_accuracy"]),
        ("HOG beats the raw pixels", lambda n: n["digits_hog_accuracy"]
         > n["digits_pixels_accuracy"]),
    ],
    "landscape": [
        ("training lowers the loss", lambda n: n["trained_loss"] < 0.2 * n["initial_loss"]),
        ("the trained θ is in a valley", lambda n: n["trained_edge_loss"]
         > 10 * n["trained_loss"]),
        ("the network learns", lambda n: n["trained_accuracy"] > 0.9),
    ],
    "paraboloid": [
        ("autograd equals hand-written backprop", lambda n: n["gradient_difference"] < 1e-10),
        ("the cost decreased", lambda n: n["cost"] < n["cost_before"] / 10 and n["cost"] < 0.05),
        ("the fit is within 0.6 of the target everywhere on the square",
         lambda n: 0.0 < n["max_error"] < 0.6),
    ],
    "perceptron": [
        ("separable data is learned exactly", lambda n: n["accuracy"] == 1.0),
        ("the seed's raw steps converge, slowly",
         lambda n: n["raw_converged"] == 1.0 and n["raw_updates"] > 10 * n["updates"]),
        ("the learned slope is near the true 2", lambda n: 1.5 < n["slope"] < 2.5),
    ],
    "warp": [
        ("no line separates the points in x", lambda n: n["x_converged"] == 0.0
         and n["x_best_accuracy"] < 1.0),
        ("a line does in h", lambda n: n["h_converged"] == 1.0 and n["h_accuracy"] == 1.0),
    ],
}

# The examples that run no demo, and why each is a script of its own.
STANDALONE = {
    "custom_function": "it teaches stir.Function (your own forward and backward), not a seed "
                       "experiment that `stir demo` shows",
}


def test_examples_are_found() -> None:
    assert len(EXAMPLES) >= 10, [path.name for path in EXAMPLES]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs_quick(path: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    try:
        numbers = load(path).main(out=tmp_path, quick=True)
    except stir.demos.DemoError as error:  # digits, with neither MNIST nor scikit-learn here
        pytest.skip(str(error))
    printed = capsys.readouterr().out
    assert isinstance(numbers, dict) and numbers, f"{path.name}: main must return its numbers"
    bad = {key: value for key, value in numbers.items()
           if not isinstance(value, (int, float)) or not math.isfinite(value)}
    assert not bad, f"{path.name}: numbers that are not finite: {bad}"
    assert path.stem in EXPECTED, f"{path.name}: add what its numbers must show to EXPECTED"
    failed = [meaning for meaning, check in EXPECTED[path.stem] if not check(numbers)]
    assert not failed, f"{path.name}: {failed}; numbers {numbers}"
    figures = sorted(tmp_path.glob("*.png"))
    if HAS_MATPLOTLIB:
        assert figures and all(figure.stat().st_size > 1000 for figure in figures), figures
        assert all(f"wrote {figure}" in printed for figure in figures)
    else:
        assert not figures and 'pip install "stir[plot]"' in printed


def test_example_without_matplotlib_prints_the_hint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    module = load(EXAMPLES_DIR / "perceptron.py")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "matplotlib" else find_spec(name, *args))
    numbers = module.main(out=tmp_path, quick=True)
    assert numbers["accuracy"] == 1.0
    assert 'pip install "stir[plot]"' in capsys.readouterr().out
    assert not list(tmp_path.glob("*.png"))


def imported_names(source: str) -> list[str]:
    """Every module and name an example imports, as dotted paths."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_uses_only_public_api(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    private = [name for name in imported_names(source) if name.startswith("stir")
               and any(part.startswith("_") for part in name.split("."))]
    assert not private, f"{path.name} imports private names: {private}"
    assert not re.search(r"\bstir(\.\w+)*\._", source), f"{path.name} uses a private name"
    assert 'if __name__ == "__main__":' in source and "def main(" in source


def dotted(node: ast.expr) -> str:
    """`stir.demos.warp` for the expression stir.demos.warp ("" for anything else)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and dotted(node.value):
        return f"{dotted(node.value)}.{node.attr}"
    return ""


def test_every_demo_has_an_example() -> None:
    missing = sorted(set(stir.demos.DEMOS) - {path.stem for path in EXAMPLES})
    assert not missing, f"add examples/NAME.py running each of these demos: {missing}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs_its_demo_instead_of_a_copy(path: Path) -> None:
    """examples/NAME.py for demo NAME is main(out, quick) returning stir.demos.NAME(out=out,
    quick=quick), and nothing else: its maths, data and model live in the demo only."""
    if path.stem in STANDALONE:
        assert path.stem not in stir.demos.DEMOS, f"{path.name} has a demo: run it"
        return
    assert path.stem in stir.demos.DEMOS, (
        f"{path.name} runs no demo: make the experiment a demo in src/stir/demos (and call "
        f"it), or say in STANDALONE why it is a script of its own")
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    definitions = [node.name for node in tree.body
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    assert definitions == ["main"], f"{path.name} defines {definitions}: only main belongs here"
    others = [name for name in imported_names(source)
              if name.startswith("stir") and name != "stir.demos"]
    assert not others, f"{path.name} imports {others}: the demo does the work, not the script"
    main, = (node for node in tree.body if isinstance(node, ast.FunctionDef))
    body = [statement for statement in main.body if not (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))]
    call = body[0].value if len(body) == 1 and isinstance(body[0], ast.Return) else None
    assert isinstance(call, ast.Call) and dotted(call.func) in (
        f"stir.demos.{path.stem}", f"demos.{path.stem}"), (
        f"{path.name}: main must be `return stir.demos.{path.stem}(out=out, quick=quick)`")
    passed = {keyword.arg: dotted(keyword.value) for keyword in call.keywords}
    assert passed == {"out": "out", "quick": "quick"}, (
        f"{path.name} passes {passed} to the demo; pass main's out and quick through")


def test_example_runs_as_a_script(tmp_path: Path) -> None:
    source_root = str(Path(stir.__file__).resolve().parents[1])  # wherever stir is imported from
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, str(EXAMPLES_DIR / "activations.py"), "--quick"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "largest |autograd - central difference|" in result.stdout
    if HAS_MATPLOTLIB:
        assert (tmp_path / "stir-examples" / "activations_all.png").exists()


def test_run_script_reads_quick_and_out_and_reports_a_demo_error(tmp_path: Path) -> None:
    calls = []

    def main(out: str = "the-default", quick: bool = False) -> dict[str, float]:
        calls.append((out, quick))
        return {}

    stir.demos.run_script(main, "doc", argv=[])
    stir.demos.run_script(main, "doc", argv=["--quick", "--out", str(tmp_path)])
    assert calls == [("the-default", False), (str(tmp_path), True)]

    def no_data(out: str = "the-default", quick: bool = False) -> dict[str, float]:
        raise stir.demos.DemoError("no digits here: pip install scikit-learn")

    with pytest.raises(SystemExit) as exit:  # one line on stderr, exit status 1
        stir.demos.run_script(no_data, "doc", argv=["--quick"])
    assert str(exit.value.code).endswith("error: no digits here: pip install scikit-learn")


def test_a_figure_from_an_earlier_run_is_replaced_not_kept(tmp_path: Path) -> None:
    """Figures.save writes the drawn figure even where an older PNG of that name lies."""
    pytest.importorskip("matplotlib", reason="figures need matplotlib")
    from stir.demos._common import Figures, pyplot

    stale = tmp_path / "demo_one.png"
    stale.write_bytes(b"an old picture")

    def draw(path: Path) -> object:
        figure, ax = pyplot().subplots()
        ax.plot([0, 1], [1, 0])
        return figure

    Figures(tmp_path, "demo").save("one", draw)
    assert stale.read_bytes().startswith(b"\x89PNG")
