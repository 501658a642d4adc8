"""LivePlot: its PNG outside a notebook, its figure, its checkpointed curves, its throttled
redraws of one display in a (pretended) kernel; and, in a real Jupyter kernel run with
nbclient, what a learner sees from `stir.fit`: a notebook progress-bar widget and one live
figure updated in place, not one image per epoch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.training import LivePlot, ModelCheckpoint
from stir.training.live_plot import _written_by_liveplot
from test_notebooks import kernel_dir  # noqa: F401  (the kernel spec fixture, reused)

pytest.importorskip("matplotlib", reason="LivePlot draws with matplotlib")

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"


def data(n: int = 96) -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(n, 2)).astype(np.float32)
    return x, (x[:, 0] > x[:, 1]).astype(np.int64)


def run(callbacks, epochs=4, resume_from=None, validation=True):
    stir.manual_seed(0)
    x, y = data()
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    return stir.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.3), x, y,
                    epochs=epochs, batch_size=16, metrics=["accuracy"],
                    validation_data=(x, y) if validation else None, callbacks=callbacks,
                    verbose=0, generator=stir.Generator(1), resume_from=resume_from)


# ---------------------------------------------------------------- outside a notebook: a PNG
def test_outside_a_kernel_it_writes_its_png_at_the_end(tmp_path):
    path = tmp_path / "runs" / "today" / "curves.png"  # folders that do not exist yet
    live = LivePlot(path)
    history = run([live])
    assert live.saved_path == path and path.read_bytes().startswith(PNG)
    assert _written_by_liveplot(path)
    assert live.history == history.history


def test_the_default_png_is_liveplot_png_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    live = LivePlot()
    run([live], epochs=2)
    assert live.saved_path == Path("liveplot.png") and (tmp_path / "liveplot.png").exists()
    run([LivePlot()], epochs=2)  # its own file is replaced on the next run


def test_it_never_overwrites_a_file_it_did_not_write(tmp_path, monkeypatch):
    data_file = tmp_path / "digits.png"
    data_file.write_bytes(PNG + b"\0\0\0\0IEND")  # somebody's image, say an input
    with pytest.raises(FileExistsError, match="not written by a LivePlot"):
        LivePlot(data_file)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "liveplot.png").write_bytes(b"not a picture")
    with pytest.raises(FileExistsError):  # the default path too, before the first epoch
        run([LivePlot()], epochs=1)
    assert (tmp_path / "liveplot.png").read_bytes() == b"not a picture"


@pytest.mark.parametrize("path, error", [("curves.jpg", ValueError), ("folder.png", OSError),
                                         ("notes/curves.png", NotADirectoryError)])
def test_a_bad_path_is_refused_before_training(tmp_path, path, error):
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "notes").write_text("a file where a folder would go")
    with pytest.raises(error):
        LivePlot(tmp_path / path)


@pytest.mark.parametrize("options", [{"interval": -1}, {"interval": "fast"}, {"dpi": 0},
                                     {"dpi": 72.0}])
def test_bad_settings_are_errors(options):
    with pytest.raises(ValueError):
        LivePlot(**options)


# ---------------------------------------------------------------- the figure
def test_the_figure_has_one_line_per_history_key(tmp_path):
    live = LivePlot(tmp_path / "curves.png")
    history = run([live])
    figure = live.figure()
    assert [axes.get_title() for axes in figure.axes] == ["loss", "accuracy"]
    lines = {line.get_label(): line for axes in figure.axes for line in axes.get_lines()}
    keys = [key for key in history.keys() if key != "lr"]  # the learning rate is left out
    assert sorted(lines) == sorted(keys) and len(keys) == 4
    for key in keys:
        assert list(lines[key].get_ydata()) == pytest.approx(history[key])
        assert list(lines[key].get_xdata()) == [1, 2, 3, 4]


def test_no_epoch_no_figure():
    with pytest.raises(ValueError, match="no epoch"):
        LivePlot().figure()


# ---------------------------------------------------------------- a checkpoint keeps the curves
def test_a_resumed_run_draws_the_whole_run(tmp_path):
    whole = run([LivePlot(tmp_path / "whole.png")], epochs=4)
    checkpoint = ModelCheckpoint(tmp_path / "epoch{epoch}.ckpt")
    run([LivePlot(tmp_path / "first.png"), checkpoint], epochs=4)
    resumed = LivePlot(tmp_path / "resumed.png")
    run([resumed, ModelCheckpoint(tmp_path / "again.ckpt")], epochs=4,
        resume_from=tmp_path / "epoch2.ckpt")
    assert resumed.history.keys() == whole.history.keys()
    for key, values in whole.history.items():
        assert resumed.history[key] == pytest.approx(values), key


@pytest.mark.parametrize("state", [{}, {"history": []}, {"history": {"loss": "low"}},
                                   {"history": {"loss": [1.0], "val_loss": [1.0, 2.0]}},
                                   {"history": {"loss": [True]}}])
def test_a_malformed_state_is_refused(state):
    with pytest.raises(ValueError):
        LivePlot().check_state_dict(state)


# ---------------------------------------------------------------- in a (pretended) kernel
class Displays:
    """Stands in for IPython.display.display: records what is shown and updated."""

    def __init__(self) -> None:
        self.shown: list = []
        self.updates = 0

    def __call__(self, image, display_id=False):
        assert display_id is True
        self.shown.append(image)
        return self

    def update(self, image) -> None:
        assert image.data.startswith(PNG)
        self.updates += 1


@pytest.fixture
def displays(monkeypatch, tmp_path):
    pytest.importorskip("IPython", reason="the live figure is shown with IPython.display")
    import IPython.display

    monkeypatch.setattr(stir.notebook, "in_kernel", lambda: True)
    recorder = Displays()
    monkeypatch.setattr(IPython.display, "display", recorder)
    monkeypatch.chdir(tmp_path)
    return recorder


class Clock:
    """time.monotonic for LivePlot: moves only when told, and by `per_draw` while it draws."""

    def __init__(self, live: LivePlot, per_draw: float) -> None:
        self.now = 1000.0
        png = live.png

        def drawing() -> bytes:
            self.now += per_draw
            return png()

        live.png = drawing

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("epoch_seconds, per_draw, drawn_after", [
    (2.0, 0.0, [1, 2, 3, 4, 5, 6, 7, 8]),  # slow epochs: every one is drawn
    (0.1, 0.0, [1, 4, 7, 8]),  # fast ones: one redraw per `interval` (0.25 s), and the last
    (0.1, 0.17, [1, 8, 15, 20]),  # a redraw of 0.17 s: 4 x that before the next, and the last
])
def test_in_a_kernel_one_display_is_updated_paced_and_the_last_epoch_drawn(
        displays, monkeypatch, epoch_seconds, per_draw, drawn_after):
    from stir.training import live_plot

    live = LivePlot(interval=0.25)
    clock = Clock(live, per_draw)
    monkeypatch.setattr(live_plot.time, "monotonic", clock)
    drawn = []
    live.on_train_begin(None, None)
    for epoch in range(1, drawn_after[-1] + 1):
        clock.now += epoch_seconds
        before = len(displays.shown) + displays.updates
        live.on_epoch_end(epoch, {"loss": 1 / epoch, "val_loss": 1.1 / epoch})
        if len(displays.shown) + displays.updates > before:
            drawn.append(epoch)
    live.on_train_end()
    if drawn[-1] != drawn_after[-1]:
        drawn.append(drawn_after[-1])  # drawn by on_train_end
    assert drawn == drawn_after
    assert len(displays.shown) == 1 and displays.shown[0].data.startswith(PNG)
    assert displays.updates == len(drawn_after) - 1  # the one display, updated in place


def test_in_a_kernel_no_file_unless_a_path_is_given(displays, tmp_path):
    live = LivePlot()
    run([live], epochs=3)
    assert len(displays.shown) == 1 and displays.updates <= 2
    assert live.saved_path is None and list(tmp_path.iterdir()) == []


def test_in_a_kernel_a_path_given_is_written_too(displays, tmp_path):
    live = LivePlot(tmp_path / "curves.png")
    run([live], epochs=2)
    assert len(displays.shown) == 1 and live.saved_path == tmp_path / "curves.png"


# ---------------------------------------------------------------- in a real kernel
NOTEBOOK_CODE = [
    f"import os, numpy as np, stir\n"
    f"assert stir.__file__.startswith({str(ROOT / 'src')!r}), stir.__file__\n"
    "import stir.nn.functional as F\n"
    "from stir import nn, optim",
    "stir.manual_seed(0)\n"
    "x = np.random.default_rng(0).normal(size=(256, 2)).astype(np.float32)\n"
    "y = (x[:, 0] > x[:, 1]).astype(np.int64)\n"
    "model = nn.Linear(2, 2)\n"
    "live = stir.LivePlot(interval=0)\n"
    "history = stir.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.5), x, y,\n"
    "                   epochs=6, batch_size=32, metrics=['accuracy'],\n"
    "                   validation_data=(x, y), callbacks=[live])",
    "assert live.saved_path is None and not os.path.exists('liveplot.png')\n"
    "assert len(history) == 6",
]
WIDGET = "application/vnd.jupyter.widget-view+json"


def test_fit_in_a_real_kernel_shows_a_notebook_bar_and_one_live_figure(kernel_dir, tmp_path):
    pytest.importorskip("ipywidgets", reason="the notebook bar is an ipywidgets widget")
    nbformat = pytest.importorskip("nbformat", reason="pip install nbformat")
    nbclient = pytest.importorskip("nbclient", reason="pip install nbclient")
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    class Recording(nbclient.NotebookClient):
        """Keeps every message the kernel sends (nbclient folds display updates in)."""
        messages: list = []

        def process_message(self, msg, cell, cell_index):
            self.messages.append(msg)
            return super().process_message(msg, cell, cell_index)

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)
                                               for code in NOTEBOOK_CODE])
    manager = KernelManager(kernel_name="stir-test",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    client = Recording(notebook, km=manager, timeout=300,
                       resources={"metadata": {"path": str(tmp_path)}})
    client.messages = []
    client.execute()
    errors = [o for cell in notebook.cells for o in cell.outputs if o.output_type == "error"]
    assert not errors, errors

    outputs = notebook.cells[1].outputs
    bars = [o for o in outputs if o.output_type == "display_data" and WIDGET in o.data]
    images = [o for o in outputs if o.output_type == "display_data" and "image/png" in o.data]
    assert len(bars) == 1, outputs  # tqdm's notebook bar, a widget
    assert len(images) == 1, [o.output_type for o in outputs]  # one figure, not one per epoch
    assert not [o for o in outputs if o.output_type == "stream" and "%|" in o.text]  # no text bar

    fit_cell = [m for m in client.messages if m["parent_header"].get("msg_id")
                and m["msg_type"] in ("display_data", "update_display_data")
                and "image/png" in m["content"]["data"]]
    first, *updates = fit_cell
    assert first["msg_type"] == "display_data"
    display_id = first["content"]["transient"]["display_id"]
    assert updates and all(m["msg_type"] == "update_display_data"  # at least the last epoch
                           and m["content"]["transient"]["display_id"] == display_id
                           for m in updates)

    # The bar's final state, kept by nbclient as widget state: full and green.
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    progress = [model["state"] for model in state.values()
                if model["model_name"] in ("FloatProgressModel", "IntProgressModel")]
    assert len(progress) == 1 and progress[0]["value"] == progress[0]["max"] == 48
    assert progress[0]["bar_style"] == "success"
    texts = [model["state"]["value"] for model in state.values()
             if model["model_name"] == "HTMLModel"]
    assert any("loss=" in text and "accuracy=" in text and "samples/s" in text
               for text in texts), texts

