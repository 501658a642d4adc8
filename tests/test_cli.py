"""The `stir` command: --help and --version, as a new user runs them."""

import shutil
import subprocess
import sys

import pytest

import stir


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


def test_unknown_option_exits_with_usage_error():
    result = run(sys.executable, "-m", "stir", "--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_console_script_is_installed():
    if shutil.which("stir") is None:
        pytest.skip("the stir console script is not on PATH (package not pip-installed)")
    result = run("stir", "--version")
    assert result.returncode == 0 and stir.__version__ in result.stdout
