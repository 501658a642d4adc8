"""The `stir` command: --help and --version, as a new user runs them."""

import shutil
import subprocess
import sys

import pytest

import stir
import stir.cli


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=60)


def test_version_prints_the_library_version():
    result = run(sys.executable, "-m", "stir", "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"stir {stir.__version__}"


def test_help_describes_the_command():
    result = run(sys.executable, "-m", "stir", "--help")
    assert result.returncode == 0
    assert "usage: stir" in result.stdout


def test_help_lists_the_exit_statuses():
    result = run(sys.executable, "-m", "stir", "--help")
    assert ("exit status: 0 success; 1 the work failed; 2 bad input or arguments; 130 "
            "interrupted (Ctrl-C)") in " ".join(result.stdout.split())


def test_unknown_option_exits_with_usage_error():
    result = run(sys.executable, "-m", "stir", "--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_console_script_is_installed():
    if shutil.which("stir") is None:
        pytest.skip("the stir console script is not on PATH (package not pip-installed)")
    result = run("stir", "--version")
    assert result.returncode == 0 and stir.__version__ in result.stdout


# --- stir demo -------------------------------------------------------------------------------

from stir import demos  # noqa: E402

HAS_MATPLOTLIB = demos.matplotlib_available()

# name -> (a printed phrase, (number name, low, high)) for the quick run.
QUICK_EXPECTATIONS = {
    "curious": ("least squares", ("least_squares_train_mse", 0.4, 0.6)),
    "paraboloid": ("cost", ("cost", 0.0, 0.05)),
    "perceptron": ("converged: True", ("accuracy", 1.0, 1.0)),
    "activations": ("sigmoid", ("relu", 1.0, 1.0)),
    "warp": ("collapsed to the origin", ("both_on", 0.05, 0.95)),
    "bumps": ("16 bumps,  64 hidden units", ("bumps_16_max_error", 0.0, 0.3)),
    "landscape": ("trained θ: L(α = 0)", ("trained_loss", 0.0, 0.2)),
    "capacity": ("training accuracy", ("accuracy_20_0.001", 0.85, 1.0)),
    "digits": ("test accuracy", ("mlp_test_accuracy", 0.8, 1.0)),
    "features": ("HOG", ("digits_hog_accuracy", 0.5, 1.0)),
}


def test_every_registered_demo_has_a_quick_expectation():
    assert set(QUICK_EXPECTATIONS) == set(demos.DEMOS)


@pytest.mark.parametrize("name", list(QUICK_EXPECTATIONS))
def test_demo_quick_prints_numbers_and_writes_pngs(name, tmp_path, capsys):
    phrase, (key, low, high) = QUICK_EXPECTATIONS[name]
    if name in ("digits", "features"):  # their data: MNIST or scikit-learn's digits
        pytest.importorskip("sklearn")
    numbers = demos.DEMOS[name](out=tmp_path, quick=True)
    printed = capsys.readouterr().out
    assert phrase in printed
    assert low <= numbers[key] <= high, numbers
    if not HAS_MATPLOTLIB:
        assert "pip install" in printed
        return
    pngs = sorted(tmp_path.glob(f"{name}_*.png"))
    assert pngs, f"{name} wrote no figure"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
        assert str(png) in printed


def test_curious_quick_relu_beats_least_squares(tmp_path, capsys):
    numbers = demos.curious(out=tmp_path, quick=True)
    assert numbers["relu_3000_train_mse"] < numbers["relu_1000_train_mse"]
    assert numbers["relu_3000_train_mse"] < 0.5 * numbers["least_squares_train_mse"]


def test_demo_without_matplotlib_prints_numbers_and_the_install_hint(tmp_path, capsys,
                                                                     monkeypatch):
    monkeypatch.setattr("stir.demos._common.matplotlib_available", lambda: False)
    demos.perceptron(out=tmp_path, quick=True)
    printed = capsys.readouterr().out
    assert "training accuracy" in printed
    assert 'pip install "stir[plot]"' in printed
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_curious_full_size_matches_the_seed(tmp_path, capsys):
    numbers = demos.curious(out=tmp_path)
    assert 0.4 < numbers["least_squares_train_mse"] < 0.6
    assert 0.4 < numbers["least_squares_test_mse"] < 0.6
    assert 0.03 < numbers["relu_10000_train_mse"] < 0.15
    assert numbers["relu_110000_train_mse"] < 0.045
    assert numbers["relu_110000_test_mse"] < 0.06


def test_cli_demo_activations_quick_writes_a_png(tmp_path):
    result = run(sys.executable, "-m", "stir", "demo", "activations", "--quick",
                 "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "sigmoid" in result.stdout
    if HAS_MATPLOTLIB:
        assert (tmp_path / "activations_all.png").stat().st_size > 1000


def test_cli_unknown_demo_exits_2_listing_the_demos():
    result = run(sys.executable, "-m", "stir", "demo", "no-such-demo")
    assert result.returncode == 2
    assert "unknown demo 'no-such-demo'" in result.stderr
    for name in demos.DEMOS:
        assert name in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("demo", "--help"), ("--help",)])
def test_cli_help_lists_the_demos(args):
    result = run(sys.executable, "-m", "stir", *args)
    assert result.returncode == 0
    for name in demos.DEMOS:
        assert name in result.stdout


def test_cli_demo_failure_is_one_line_exit_1(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run(sys.executable, "-m", "stir", "demo", "perceptron", "--quick",
                 "--out", str(blocker / "inside"))
    expected = 1 if HAS_MATPLOTLIB else 0  # without matplotlib nothing is written
    assert result.returncode == expected
    if HAS_MATPLOTLIB:
        assert result.stderr.startswith("stir demo perceptron: error:")
        assert len(result.stderr.strip().splitlines()) == 1


def test_main_in_process_returns_the_exit_status(tmp_path, capsys):
    assert stir.cli.main(["demo", "perceptron", "--quick", "--out", str(tmp_path)]) == 0
    assert "training accuracy" in capsys.readouterr().out
