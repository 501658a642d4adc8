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


def test_where_widgets_do_not_render_their_text_says_what_they_show() -> None:
    """nbconvert, GitHub and terminals show a widget's text/plain: its numbers, not an address."""
    pytest.importorskip("anywidget", reason="the widgets need anywidget")
    import numpy as np

    x = np.linspace(0.0, 1.0, 40)
    keypoints = stir.widgets.Keypoints(x, x ** 2)
    assert repr(keypoints) == f"Keypoints(8 points, train MSE {keypoints.train_mse:.4g})"
    bumps = stir.widgets.BumpBuilder(n_bumps=3)
    assert "n_bumps=3" in repr(bumps) and f"{bumps.bump_mse:.4g}" in repr(bumps)
    assert repr(stir.widgets.ActivationExplorer("elu")) == "ActivationExplorer('elu', alpha=1.0)"
    warp = stir.widgets.WarpExplorer()
    assert f"{warp.accuracy:.1%} right in hidden space" in repr(warp)
    a = stir.tensor(2.0, requires_grad=True)
    tracer = stir.widgets.BackpropTracer(a * a + 1)
    tracer.step()
    assert repr(tracer) == "BackpropTracer(step 1 of 2: ['Add', 'Mul'])"
