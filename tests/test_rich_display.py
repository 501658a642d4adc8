"""Rich displays: the HTML Jupyter shows for modules, tensors and histories, and stir.plot
figures shown exactly once in a real kernel.

The HTML is parsed (html.parser) and its text checked for what a learner must see; odd
inputs (empty, NaN, integer, huge, hostile names) must still give balanced HTML, fast.
The kernel tests run cells with nbclient in this interpreter; the browser test renders the
displays in Chromium, light and dark, and checks they are drawn and need nothing external.
"""

from __future__ import annotations

import base64
import math
import os
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import stir
from stir import nn
from stir.display import module_html as module_display
from stir.training import History

VOID = {"br", "hr", "img", "input", "meta", "link", "col", "area", "base", "wbr", "source"}


class Parsed(HTMLParser):
    """The text, the start tags and their attributes, and whether every tag was closed."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.open: list[str] = []
        self.errors: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if not self.open or self.open[-1] != "style":
            self.text.append(data)

    @property
    def titles(self) -> list[str]:
        """The tooltips: a layer's whole text (`Linear(2 => 5)`) is its cell's title."""
        return [attrs["title"] or "" for _, attrs in self.tags if "title" in attrs]

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


def pictures(page: Parsed) -> list[Parsed]:
    """The SVG documents of the page's images (data URIs), parsed."""
    found = []
    for tag, attrs in page.tags:
        source = attrs.get("src") or ""
        if tag == "img":
            assert source.startswith("data:image/svg+xml;base64,"), source[:40]
            found.append(Parsed(base64.b64decode(source.split(",", 1)[1]).decode("utf-8")))
    return found


def parse(markup: str) -> Parsed:
    assert isinstance(markup, str) and markup
    parsed = Parsed(markup)
    assert parsed.errors == [] and parsed.open == [], (parsed.errors, parsed.open)
    assert not any(tag == "script" for tag, _ in parsed.tags), "no JavaScript in a display"
    assert not any((attrs.get("src") or attrs.get("href") or "data:").split(":")[0] != "data"
                   for _, attrs in parsed.tags), "no external assets"
    assert parsed.count("svg") == 0, "pictures are images: a sanitizer drops inline <svg>"
    return parsed


# ---------------------------------------------------------------------------- modules
def test_a_module_lists_its_layers_shapes_and_counts() -> None:
    net = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Sequential(nn.Linear(5, 3), nn.Tanh()),
                        nn.Linear(3, 1))
    net[0].weight.requires_grad = False
    page = parse(net._repr_html_())
    text = page.all_text
    assert page.titles == ["Linear(2 => 5)", "ReLU()", "Sequential()", "Linear(5 => 3)",
                           "Tanh()", "Linear(3 => 1)"]
    for expected in ("Sequential", "(N, 5)", "(N, 3)", "(N, 1)", "input (N, 2)",
                     "37 parameters", "27 trainable, 10 frozen", "5 trainable", "148 B"):
        assert expected in text, expected
    assert page.count("details") == 1 and page.count("summary") == 1  # the nested Sequential
    assert "18" in text and "15" in text and "4" in text


def test_shapes_are_left_out_rather_than_guessed() -> None:
    class Custom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(stir.ones(3))
            self.body = nn.MLP([3, 4, 2])

        def forward(self, x):
            return self.body(x * self.scale)

    page = parse(Custom()._repr_html_())
    text = page.all_text
    assert "output shape" not in text and "(N," not in text
    assert "scale" in text and "Parameter (3,)" in text and "MLP()" in page.titles
    assert f"{3 + 16 + 10:,} parameters" in text
    # The first layer states no input size: no dry run.
    assert "output shape" not in parse(nn.Sequential(nn.ReLU(), nn.Linear(2, 1))
                                       ._repr_html_()).all_text
    # A chain that fails on its own input size shows no shapes, and does not raise.
    broken = nn.Sequential(nn.Linear(2, 3), nn.Linear(4, 1))
    page = parse(broken._repr_html_())
    assert "output shape" not in page.all_text and "Linear(4 => 1)" in page.titles


def test_the_dry_run_changes_no_state() -> None:
    net = nn.Sequential(nn.Linear(3, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    before = [p.array.copy() for p in net.parameters()]
    stir.manual_seed(7)
    expected = stir.rand(3).array
    stir.manual_seed(7)
    assert "(N, 8)" in parse(net._repr_html_()).all_text
    assert np.array_equal(stir.rand(3).array, expected), "the display drew random numbers"
    assert all(m.training for m in net.modules())
    assert all(p.grad is None for p in net.parameters())
    assert all(np.array_equal(a, p.array) for a, p in zip(before, net.parameters()))
    net.eval()
    assert "eval mode" in parse(net._repr_html_()).all_text
    assert not any(m.training for m in net.modules())


def test_empty_shared_and_hostile_modules() -> None:
    page = parse(nn.Module()._repr_html_())
    assert page.titles == ["Module()"] and "0 parameters" in page.all_text
    assert "(model)" in page.all_text

    layer = nn.Linear(2, 2)
    page = parse(nn.Sequential(layer, nn.ReLU(), layer)._repr_html_())
    assert "Linear(2 => 2)  same as 0" in page.titles and "6 parameters" in page.all_text

    class Hostile(nn.Module):
        def extra_repr(self) -> str:
            return "<script>alert('x')</script> & <b>"

    page = parse(nn.Sequential(Hostile())._repr_html_())  # no <script> or <b> got through
    assert page.titles == ["Hostile(<script>alert('x')</script> & <b>)"]
    assert "<script>alert('x')</script> & <b>" in page.all_text.replace(" ", " ")
    assert page.count("b") == 1  # the header's own

    class Broken(nn.Module):
        def extra_repr(self) -> str:
            raise RuntimeError("no")

    assert parse(Broken()._repr_html_()).titles == ["Broken(…)"]


def test_a_huge_module_is_capped_and_says_what_it_left_out() -> None:
    net = nn.Sequential(*[nn.Linear(4, 4) for _ in range(300)])
    started = time.perf_counter()
    markup = net._repr_html_()
    seconds = time.perf_counter() - started
    page = parse(markup)
    rows = sum(1 for tag, attrs in page.tags if tag == "div"
               and "grid-template-columns" in (attrs.get("style") or ""))
    assert rows == module_display.MAX_ROWS + 1  # the heading and the rows shown
    assert "100 more rows not shown" in page.all_text
    assert "6,000 parameters" in page.all_text
    assert seconds < 1.0, f"{seconds:.2f} s for a display"

    deep: nn.Module = nn.Linear(1, 1)
    for _ in range(module_display.MAX_DEPTH + 5):
        deep = nn.Sequential(deep)
    text = parse(deep._repr_html_()).all_text
    assert "more rows not shown" in text and "(N, 1)" in text


# ---------------------------------------------------------------------------- tensors
def test_a_tensor_shows_what_it_is_and_a_picture() -> None:
    x = stir.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    page = parse(y._repr_html_())
    for expected in ("Tensor", "shape (3,)", "float32", "cpu", "grad_fn=Mul", "min", "max",
                     "mean", "9", "3 elements"):
        assert expected in page.all_text, expected
    (sparkline,) = pictures(page)
    assert sparkline.count("circle") == 3 and sparkline.count("path") == 1  # a dot each
    assert "requires_grad=True" in parse(x._repr_html_()).all_text

    matrix = stir.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    page = parse(matrix._repr_html_())
    (cells,) = pictures(page)
    (picture,) = [attrs for tag, attrs in cells.tags if tag == "image"]
    assert int(picture["width"]) * 3 == int(picture["height"]) * 4  # 4 columns, 3 rows
    assert picture["href"].startswith("data:image/png;base64,iVBOR")  # a PNG of the cells
    assert cells.text[:12] == [str(k) for k in range(12)]  # each value printed in its cell
    assert "shape (3, 4)" in page.all_text and "the 3 × 4 values" in page.titles[0]


def test_a_parameter_and_a_scalar() -> None:
    weight = nn.Linear(3, 2).weight
    page = parse(weight._repr_html_())
    assert "Parameter" in page.all_text and "requires_grad=True" in page.all_text
    assert len(pictures(page)) == 1
    page = parse(stir.tensor(3.14159)._repr_html_())
    assert "3.14159" in page.all_text and pictures(page) == [] and "shape ()" in page.all_text


@pytest.mark.parametrize("values", [
    np.array([], dtype=np.float32).reshape(0, 3),
    np.array([np.nan, np.inf, -np.inf, 1.0], dtype=np.float32),
    np.full((4, 4), np.nan, dtype=np.float64),
    np.arange(10, dtype=np.int64),
    np.array([True, False, True]),
    np.zeros((2, 3, 4), dtype=np.float32),
    np.ones((1, 5000), dtype=np.float32),
    np.float16([1.0, 2.0]),
], ids=["empty", "nan-inf", "all-nan", "int", "bool", "3-d", "long-row", "float16"])
def test_odd_tensors_never_raise(values: np.ndarray) -> None:
    page = parse(stir.Tensor(values)._repr_html_())
    assert f"shape {tuple(values.shape)}" in page.all_text
    assert str(values.dtype) in page.all_text


def test_odd_tensor_statistics() -> None:
    text = parse(stir.Tensor(np.array([np.nan, np.inf, -np.inf, 1.0, 3.0]))
                 ._repr_html_()).all_text
    assert "NaN 1" in text and "inf 2 (+1 / -1)" in text and "mean 2" in text
    assert "no elements" in parse(stir.zeros(0)._repr_html_()).all_text
    assert "True 2 False 1" in parse(stir.tensor([True, False, True])._repr_html_()).all_text
    assert "finite none" in parse(stir.Tensor(np.full(3, np.nan))._repr_html_()).all_text


def test_big_tensors_get_a_cheap_summary_only() -> None:
    big = stir.Tensor(np.linspace(-1, 1, 4_000_000, dtype=np.float32))
    started = time.perf_counter()
    page = parse(big._repr_html_())
    assert time.perf_counter() - started < 0.5
    assert pictures(page) == []
    assert "evenly spaced of 4,000,000 elements" in page.all_text
    medium = parse(stir.zeros(400, 400)._repr_html_())  # exact statistics, no picture
    assert pictures(medium) == [] and "160,000 elements" in medium.all_text


# ---------------------------------------------------------------------------- histories
def history(epochs: int = 12) -> History:
    record = History()
    for epoch in range(1, epochs + 1):
        record.append({"loss": 1 / epoch, "val_loss": 1 / epoch + 0.01 * (epoch - 8) ** 2,
                       "accuracy": 1 - 0.5 / epoch, "lr": 0.1 / epoch})
    return record


def test_a_history_draws_its_curves_and_the_best_epoch() -> None:
    page = parse(history()._repr_html_())
    text = page.all_text
    panels = pictures(page)  # loss (with val_loss), accuracy, lr
    assert [panel.text[0] for panel in panels] == ["loss", "accuracy", "lr"]
    assert [panel.count("path") for panel in panels] == [2, 1, 1]
    assert "12 epochs" in text and "best val_loss" in text and "at epoch 9" in text
    assert "best 0.1211 @ 9" in panels[0].all_text  # 1/9 + 0.01, the least
    assert "loss and val_loss by epoch; best 0.1211 at epoch 9" == page.titles[0]
    for name in ("loss", "val_loss", "accuracy", "lr", "last", "best", "epoch"):
        assert name in text


def test_odd_histories() -> None:
    assert "no epoch recorded yet" in parse(History()._repr_html_()).all_text
    record = History()
    for value in (math.nan, 2.0, math.inf, 1.0):
        record.append({"loss": value})
    text = parse(record._repr_html_()).all_text
    assert "best loss 1 at epoch 4" in text
    record = History()
    record.append({"loss": math.nan})
    assert "1 epoch" in parse(record._repr_html_()).all_text
    long = History()
    for epoch in range(5000):
        long.append({"loss": 1 / (epoch + 1)})
    started = time.perf_counter()
    (panel,) = pictures(parse(long._repr_html_()))
    assert time.perf_counter() - started < 0.5 and "(log)" in panel.all_text


# ---------------------------------------------------------------------------- figures
def test_outside_a_kernel_figures_stay_with_pyplot() -> None:
    pytest.importorskip("matplotlib", reason="stir.plot needs matplotlib")
    import matplotlib.pyplot as plt

    import stir.display.figures
    import stir.plot

    figure = stir.plot.activations(["relu"])
    try:
        assert figure.number in plt.get_fignums()  # plt.show() would show it, as before
        assert stir.display.figures.pending() == []
    finally:
        plt.close(figure)


def test_in_a_widget_callback_figures_stay_with_pyplot(monkeypatch: pytest.MonkeyPatch) -> None:
    """A widget's callback (a comm message, no cell running) shows figures its own way."""
    pytest.importorskip("matplotlib", reason="stir.plot needs matplotlib")
    import matplotlib.pyplot as plt

    import stir.display.figures as figures
    import stir.plot

    class Kernel:
        def get_parent(self) -> dict:
            return {"header": {"msg_type": "comm_msg"}}

    class Shell:
        kernel = Kernel()

    monkeypatch.setattr(figures, "inline", lambda: True)
    monkeypatch.setattr(figures, "ipython_shell", lambda: Shell())
    figure = stir.plot.activations(["relu"])
    try:
        assert figure.number in plt.get_fignums() and figures.pending() == []
    finally:
        plt.close(figure)


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernel spec that starts this interpreter (as tests/test_notebooks.py makes it)."""
    pytest.importorskip("ipykernel", reason="the kernel tests need ipykernel")
    pytest.importorskip("matplotlib", reason="stir.plot needs matplotlib")
    from ipykernel.kernelspec import write_kernel_spec

    kernels = tmp_path_factory.mktemp("kernels")
    write_kernel_spec(kernels / "stir-test", overrides={"argv": [
        sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]})
    return kernels


CELLS = {
    "setup": "import stir, stir.plot\nfrom stir import nn\nfrom stir.training import History",
    "last line": "stir.plot.activations(['relu'])",
    "middle": "stir.plot.activations(['relu'])\nprint('after the figure')",
    "two": "stir.plot.activations(['relu'])\nstir.plot.activations(['tanh'])",
    "assigned": "figure = stir.plot.activations(['relu'])",
    "named again": "a = stir.plot.activations(['relu'])\nb = stir.plot.activations(['tanh'])\na",
    "saved": "figure = stir.plot.activations(['relu'])\n"
             "_ = stir.plot.save(figure, 'saved.png')",
    "loop": "for name in ('relu', 'tanh', 'elu'):\n    stir.plot.activations([name])",
    "pyplot empty": "import matplotlib.pyplot as plt\nlen(plt.get_fignums())",
    "module": "nn.MLP([2, 5, 1])",
    "tensor": "stir.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True) * 2",
    "history": "h = History()\nh.append({'loss': 1.0})\nh.append({'loss': 0.5})\nh",
}


def test_in_a_kernel_figures_show_once_and_objects_show_html(kernel_dir: Path,
                                                             tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason="pip install nbformat")
    nbclient = pytest.importorskip("nbclient", reason="pip install nbclient")
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    root = Path(__file__).resolve().parents[1] / "src"
    cells = [f"import stir\nassert stir.__file__.startswith({str(root)!r}), stir.__file__",
             *CELLS.values()]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    manager = KernelManager(kernel_name="stir-test",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    nbclient.NotebookClient(notebook, km=manager, timeout=120,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = dict(zip(CELLS, [cell.outputs for cell in notebook.cells[1:]]))

    def images(name: str) -> int:
        return sum("image/png" in output.get("data", {}) for output in outputs[name])

    errors = [o for cell in outputs.values() for o in cell if o["output_type"] == "error"]
    assert errors == []
    assert images("last line") == 1
    assert images("middle") == 1 and "after the figure" in outputs["middle"][0]["text"]
    assert images("two") == 2
    assert images("assigned") == 1
    assert images("named again") == 2
    assert images("saved") == 0 and (tmp_path / "saved.png").stat().st_size > 1000
    assert images("loop") == 3
    assert outputs["pyplot empty"][0]["data"]["text/plain"] == "0"
    for name in ("module", "tensor", "history"):
        results = [o for o in outputs[name] if o["output_type"] == "execute_result"]
        assert len(results) == 1 and "text/html" in results[0]["data"], name
    assert "Linear" in outputs["module"][0]["data"]["text/html"]
    assert "grad_fn=Mul" in outputs["tensor"][0]["data"]["text/html"]
    assert "data:image/svg+xml" in outputs["history"][0]["data"]["text/html"]


# ---------------------------------------------------------------------------- in a browser
def test_the_displays_render_in_chromium_light_and_dark(tmp_path: Path) -> None:
    """Each display drawn in Chromium on a light and a dark page: nonblank, a sensible size,
    and no request leaves the page. Screenshots go to $STIR_SHOTS (else a temporary dir)."""
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    shots = Path(os.environ.get("STIR_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    stir.manual_seed(0)
    weights = stir.randn(6, 8)
    weights.array[1, 2] = np.nan
    displays = {
        "module": nn.Sequential(nn.Linear(2, 16), nn.ReLU(),
                                nn.Sequential(nn.Linear(16, 8), nn.Tanh()), nn.Linear(8, 1)),
        "tensor_1d": stir.sin(stir.linspace(0, 6.3, 100)),
        "tensor_2d": weights,
        "tensor_small": stir.tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]], requires_grad=True),
        "history": history(30),
    }
    requests: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(chromium), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 300})
            page.route("**/*", lambda route: (requests.append(route.request.url),
                                              route.abort()))
            for name, shown in displays.items():
                for theme, background, ink in (("light", "#ffffff", "#1a1a1a"),
                                               ("dark", "#111111", "#d4d4d4")):
                    page.set_content(f'<body style="background:{background};color:{ink}">'
                                     f"<div id=out>{shown._repr_html_()}</div></body>")
                    box = page.locator("#out > div").last.bounding_box()
                    assert box and 150 < box["width"] < 1000 and 40 < box["height"] < 700, \
                        (name, box)
                    path = shots / f"{name}_{theme}.png"
                    png = page.locator("#out").screenshot(path=str(path))
                    assert len(png) > 2000, f"{name} looks blank"
                    for picture in page.locator("#out img").all():  # each image decoded
                        assert picture.evaluate("i => i.complete && i.naturalWidth") > 0
            # A nested container folds away with a click (HTML <details>, no JavaScript).
            page.set_content(f"<div id=out>{displays['module']._repr_html_()}</div>")
            inner = page.get_by_text("Linear(16 => 8)")
            assert inner.is_visible()
            page.locator("summary").first.click()
            assert not inner.is_visible() and page.get_by_text("Linear(8 => 1)").is_visible()
        finally:
            browser.close()
    assert requests == [], f"a display asked for {requests}"
