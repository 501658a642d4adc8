"""fit's progress bar: which one is shown where, and a text bar that stays readable at 80 and
100 columns (the bar itself keeps at least MIN_BAR cells, the text never wraps)."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.training import progress_bar
from stir.training.progress_bar import MIN_BAR, TextBar, TrainingBar, choose, fields, fitted


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def kernel(monkeypatch):
    """Pretend to run in a Jupyter kernel (stir.notebook.in_kernel is what decides)."""
    monkeypatch.setattr(stir.notebook, "in_kernel", lambda: True)


# ---------------------------------------------------------------- which bar
@pytest.mark.parametrize("verbose, stream, expected", [
    (0, Terminal(), None), (1, Terminal(), "text"), (1, io.StringIO(), None),
    (2, io.StringIO(), "text"), (2, Terminal(), "text")])
def test_outside_a_kernel_a_terminal_gets_the_text_bar(verbose, stream, expected):
    assert choose(verbose, stream) == expected


@pytest.mark.parametrize("verbose, expected", [(0, None), (1, "notebook"), (2, "notebook")])
def test_in_a_kernel_the_notebook_bar(kernel, monkeypatch, verbose, expected):
    monkeypatch.setattr(progress_bar, "widgets_available", lambda: True)
    assert choose(verbose, io.StringIO()) == expected


def test_without_ipywidgets_a_kernel_gets_the_text_bar_and_one_hint(kernel, monkeypatch):
    monkeypatch.setattr(progress_bar, "widgets_available", lambda: False)
    monkeypatch.setattr(progress_bar, "_hinted", False)
    with pytest.warns(UserWarning, match="pip install ipywidgets"):
        assert choose(1) == "text"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second hint would raise here
        assert choose(2) == "text"


@pytest.mark.parametrize("verbose", [-1, 3, "2", None])
def test_a_bad_verbose_is_an_error(verbose):
    with pytest.raises(ValueError, match="verbose must be 0, 1 or 2"):
        choose(verbose)


# ---------------------------------------------------------------- the text at 80 / 100 columns
LOGS = {"loss": 0.123456, "accuracy": 0.91234, "r2": 0.8765, "val_loss": 0.1357,
        "val_accuracy": 0.9051, "val_r2": 0.8432, "lr": 0.1}


def render(ncols: int | None, desc: str = "epoch 13/200", n: int = 12345,
           total: int = 40000) -> str:
    """The bar as tqdm draws it at `ncols` columns, with many values to show."""
    bar = TextBar(total=total, initial=0, bar_format=progress_bar.BAR_FORMAT, ncols=ncols,
                  desc=desc, file=io.StringIO(), mininterval=0, ascii=False)
    bar.values, bar.samples_per_second = dict(LOGS), 12345.6
    bar.n = n
    line = str(bar)
    bar.close()
    return line


def bar_cells(line: str) -> int:
    match = re.search(r"%\|([^|]*)\|", line)
    assert match, line
    return len(match.group(1))


@pytest.mark.parametrize("ncols", [80, 100])
@pytest.mark.parametrize("desc", ["epoch 3/20", "epoch 130/2000"])
def test_the_text_bar_keeps_its_bar_at_80_and_100_columns(ncols, desc):
    line = render(ncols, desc)
    assert len(line) <= ncols, line
    assert bar_cells(line) >= MIN_BAR, line
    assert line.startswith(desc + " ") and "loss=0.1235" in line and "12.3k samples/s" in line
    assert "lr=" not in line  # the learning rate is in the History, not the bar


def test_a_wider_screen_shows_more_and_full_names():
    at_80, at_100, unbounded = render(80), render(100), render(None)
    assert len(at_100.split()) >= len(at_80.split())
    assert "acc=0.912" in at_80 and "accuracy=" not in at_80
    for key in ("accuracy=0.912", "val_loss=0.1357", "val_accuracy=0.905", "val_r2=0.843"):
        assert key in unbounded  # no width to fit: full names, ...
    assert "12345/40000" not in unbounded  # ... but at most MAX_FIELDS: the step count goes


def test_fitting_drops_the_least_useful_fields_first():
    items = fields(LOGS, 12345.6, 12345, 40000, 754.0, 16.4)
    assert [f.short for f in items][:2] == ["12345/40000", "12:34<28:06"]
    assert fitted(items, 30) == "12:34<28:06 loss=0.1235"
    assert fitted(items, 46) == "12:34<28:06 loss=0.1235 12.3k samples/s"
    assert fitted(items, 0) == ""
    assert len(fitted(items, None).split()) == progress_bar.MAX_FIELDS + 1  # "12.3k samples/s"


def test_long_metric_names_are_cut_on_a_narrow_screen():
    items = fields({"loss": 1.0, "balanced_error_rate": 0.25}, None, 1, 2, 1.0, 1.0)
    assert items[-1].text == "balanced_error_rate=0.25"
    assert items[-1].short == "balance…=0.25"


# ---------------------------------------------------------------- fit drives it
def small_run(verbose, **options):
    stir.manual_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    model = nn.Linear(2, 2)
    return stir.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.5), x, y,
                    epochs=3, batch_size=16, metrics=["accuracy"], validation_data=(x, y),
                    verbose=verbose, **options)


def test_fit_with_verbose_2_draws_the_last_epoch(capsys):
    history = small_run(2)
    last = re.split(r"[\r\n]", capsys.readouterr().err.strip())[-1]
    assert last.startswith("epoch 3/3 100%|")
    assert f"loss={history['loss'][-1]:.4g}" in last
    assert f"accuracy={history['accuracy'][-1]:.3g}" in last and "samples/s" in last


def test_the_bar_does_not_change_the_numbers(capsys):
    quiet, shown = small_run(0), small_run(2)
    assert quiet.history == shown.history


# ---------------------------------------------------------------- the notebook bar's colour
@pytest.mark.parametrize("failed, colour", [(False, "success"), (True, "danger")])
def test_a_notebook_bar_stopped_early_is_green_unless_the_run_failed(capsys, failed, colour):
    pytest.importorskip("ipywidgets", reason="the notebook bar is an ipywidgets widget")
    bar = progress_bar.notebook_bar_class()(total=10, bar_format=progress_bar.BAR_FORMAT,
                                            desc="epoch 1/5")
    bar.values = {"loss": 0.5, "accuracy": 0.75}
    bar.update(4)  # EarlyStopping, say, after 4 of 10 steps
    bar.failed = failed
    bar.close()
    _, progress, text = bar.container.children
    assert progress.bar_style == colour and progress.value == 4
    assert "loss=0.5" in text.value and "accuracy=0.75" in text.value


def test_a_training_bar_that_is_off_does_nothing():
    bar = TrainingBar(total=5, initial=0, epoch=1, epochs=1, verbose=1, stream=io.StringIO())
    assert not bar.enabled
    bar.start_epoch(1)
    bar.step(0.5, 100.0)
    bar.end_epoch({"loss": 0.5}, 100.0)
    bar.finish()
    bar.close()
