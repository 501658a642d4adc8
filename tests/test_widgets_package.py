"""stir.widgets is optional: `import stir` never pulls in the notebook stack, a widget's module
loads on first use, and a missing ipywidgets or anywidget is reported with the install line."""

from __future__ import annotations

import subprocess
import sys

import pytest

import stir.notebook
import stir.widgets


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_import_stir_loads_no_notebook_or_plotting_package() -> None:
    result = run("import sys, stir, stir.widgets, stir.notebook\n"
                 "heavy = {'IPython', 'ipywidgets', 'anywidget', 'matplotlib', 'traitlets'}\n"
                 "print(sorted(heavy & set(sys.modules)))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_an_unknown_widget_names_the_ones_there_are() -> None:
    with pytest.raises(AttributeError, match="Keypoints") as caught:
        stir.widgets.Keypoint  # noqa: B018 (the typo is the point)
    assert "has no attribute 'Keypoint'" in str(caught.value)


def test_a_missing_ipywidgets_says_what_to_install() -> None:
    # sys.modules[name] = None makes `import name` raise ImportError, as if it were absent.
    result = run("import sys\nsys.modules['anywidget'] = sys.modules['ipywidgets'] = None\n"
                 "import stir.widgets\n"
                 "try:\n    stir.widgets.Keypoints\n"
                 "except ImportError as error:\n    print(error)\n")
    assert result.returncode == 0, result.stderr
    assert 'pip install "stir[notebook]"' in result.stdout
    assert "stir.widgets.Keypoints needs" in result.stdout


def test_outside_a_kernel_there_is_no_kernel() -> None:
    assert stir.notebook.in_kernel() is False
