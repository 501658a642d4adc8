"""`stir playground` in a real browser (Debian's Chromium driven by Playwright, which cannot
download its own browsers here), used as a person would: the page loads from the package
alone (every request outside the server is blocked and recorded, and every console error
fails the test), play trains the network, the state lands in the URL and a link reproduces
it; points are added and removed by clicking, a CSV is uploaded, the model and the script
are downloaded and checked against what the page showed, the curve task shows its linear
pieces, a link's weight is edited by clicking it, and the backprop step draws gradients.

Each state is saved as a screenshot in the test's folder and, when STIR_SCREENSHOTS names a
folder, there too. (The page is polled from here: Playwright's wait_for_function evaluates
a string in the page, which the page's CSP, no unsafe-eval, forbids; page.evaluate of a
plain expression goes through the debugger protocol and works.)
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest

CHROMIUM = os.environ.get("STIR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]
# The page's colours (common.js): TF Playground's scale and the classes' palette.
ORANGE, GREY, BLUE = (245, 147, 34), (232, 234, 235), (8, 119, 189)
PALETTE = [ORANGE, BLUE, (214, 39, 40)]
PIECES_COLOUR = (214, 39, 40)


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright "
                        "(pip install playwright; the browser is Debian's chromium)")
    pytest.importorskip("uvicorn", reason="the playground server needs uvicorn")
    pytest.importorskip("starlette", reason="the playground server needs starlette")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
                    f"STIR_CHROMIUM)")
    process = subprocess.Popen([sys.executable, "-m", "stir.cli", "playground", "--port", "0",
                                "--no-browser"], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("stir playground: serving at http://127.0.0.1:"), line
        yield line.split()[-1]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A fresh page on the server, recording its console errors and any request that
    leaves the server (blocked)."""

    def __init__(self, browser, server: str) -> None:
        self.server, self.origin = server, server.split("/?")[0]
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.page.route("**/*", self._only_the_server)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: self.errors.append(message.text)
                     if message.type == "error" else None)

    def _only_the_server(self, route) -> None:
        if route.request.url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()


@pytest.fixture
def watched(browser, server):
    page = Watched(browser, server)
    try:
        yield page
        assert page.errors == [], page.errors
        assert page.outside == [], page.outside
    finally:
        page.context.close()


def _screenshot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    folder = os.environ.get("STIR_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


def _number(page, element: str) -> float:
    text = page.locator(f"#{element}").inner_text()
    return float(text) if text not in ("", "-") else float("nan")


def _until(condition, what: str, seconds: float = 20):
    """Poll `condition()` until it is truthy (its value is returned)."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _value(page, expression: str):
    """A value of the page's, as JSON (the page's state is one global, `state`); None for
    undefined (JSON.stringify gives no text for it: before the first frame, say)."""
    text = page.evaluate(f"JSON.stringify({expression})")
    return None if text is None else json.loads(text)


def _first_frame(page, seconds: float = 20) -> None:
    _until(lambda: page.locator("#test-loss").inner_text() not in ("", "-"),
           "a frame on the page", seconds)


def _hash(page) -> dict[str, str]:
    """The URL hash's settings. (Read in the page: Playwright's page.url can lag behind the
    page's history.replaceState.)"""
    fragment = page.evaluate("window.location.hash").lstrip("#")
    return {name: unquote(value) for name, _, value in
            (part.partition("=") for part in fragment.split("&")) if name}


def _play_for(page, seconds: float) -> None:
    page.click("#play")
    time.sleep(seconds)
    page.click("#play")  # (pause)
    _until(lambda: page.locator("#play").inner_text() == "play", "the pause")


def _open(watched, fragment: str = ""):
    page = watched.page
    page.goto(watched.server + fragment)
    _first_frame(page)
    return page


def _open_link_afresh(page, watched) -> None:
    """Copy the page's link, start over on a plain page, then open the link in a new load
    (a new session on the server: what it shows comes from the link alone)."""
    link = page.evaluate("window.location.href")
    page.goto(watched.server)
    page.reload()
    _first_frame(page)
    page.goto(link)
    page.reload()


def _heatmap_place(page, x1: float, x2: float) -> tuple[float, float]:
    """Where the domain point (x1, x2) of [-6, 6]² is on the screen."""
    box = page.locator("#overlay").bounding_box()
    return (box["x"] + (x1 + 6) / 12 * box["width"], box["y"] + (6 - x2) / 12 * box["height"])


def _colour(value: float) -> tuple[int, ...]:
    """The page's colour of a value on [-1, 1] (common.js's `colour`)."""
    v = max(-1.0, min(1.0, value))
    a, b, t = (GREY, ORANGE, -v) if v < 0 else (GREY, BLUE, v)
    # (JavaScript's Math.round: halves go up)
    return tuple(int(math.floor(a[i] + (b[i] - a[i]) * t + 0.5)) for i in range(3))


def test_play_trains_the_network_in_the_browser(watched, tmp_path):
    page = _open(watched)
    before = _number(page, "test-loss")
    pixels = "Array.from(document.querySelector('#heatmap').getContext('2d')" \
             ".getImageData(0, 0, 50, 50).data)"
    heatmap_before = page.evaluate(pixels)
    page.click("#play")
    _until(lambda: _number(page, "test-loss") < before / 5, "the test loss to fall", 30)
    time.sleep(2.5)  # (the frame rate is measured over the last two seconds)
    rate = _number(page, "rate")
    draw_times = sorted(_value(page, "state.drawTimes"))
    page.click("#play")  # (pause)
    _screenshot(page, tmp_path, "trained")
    after = _number(page, "test-loss")
    assert after < before / 5, (before, after)
    assert _number(page, "epoch") > 0 and _number(page, "test-accuracy") > 0.9
    assert page.evaluate(pixels) != heatmap_before
    # Drawing a frame of the default network takes well under 50 ms (20 frames/s); the
    # rate shown is the server's pace (at most 30 a second) as this machine's load allows.
    median = draw_times[len(draw_times) // 2]
    print(f"frames/s shown {rate}, median draw {median:.2f} ms")
    assert median < 50, draw_times
    assert rate >= 10, rate
    state = _hash(page)
    assert state["dataset"] == "circle" and state["learningRate"] == "0.03"
    # A link with another state reproduces it: xor, a wider network; TF Playground's names
    # that stir has not (cosX, discretize, ...) and its fractional seeds are left out.
    page.goto(watched.server + "#dataset=xor&networkShape=6%2C3&learningRate=0.1"
              "&seed=0.80875&discretize=false&cosX=false&collectStats=false&hideText=false")
    page.reload()
    _until(lambda: page.locator("#dataset").input_value() == "xor", "the link's dataset")
    _until(lambda: page.locator("#networkShape").input_value() == "6,3", "the link's layers")
    assert page.locator("#learningRate").input_value() == "0.1"
    assert page.locator("#columns .layer").count() == 4  # features, 6, 3, output
    assert page.locator("#error").inner_text() == ""


def test_the_layer_buttons_and_the_new_settings_are_in_the_link(watched, tmp_path):
    page = _open(watched)
    page.click("#addLayer")
    _until(lambda: _hash(page).get("networkShape") == "4,2,2", "a third hidden layer")
    page.locator("#columns .layer").nth(1).locator("button[title='add a neuron']").click()
    _until(lambda: _hash(page).get("networkShape") == "5,2,2", "a fifth neuron")
    assert page.locator("#columns .layer").nth(1).locator(".neuron").count() == 5
    page.locator(".layer-activation[data-layer='2']").select_option("relu")
    _until(lambda: _hash(page).get("activations") == "tanh,tanh,relu", "layer 3's relu")
    page.click("#removeLayer")  # (the per-layer list is trimmed with the layer)
    _until(lambda: _hash(page).get("networkShape") == "5,2", "the third layer gone")
    assert _hash(page)["activations"] == "tanh,tanh"
    page.select_option("#optimizer", "adam")
    page.select_option("#dataset", "spiral")
    _until(lambda: _hash(page).get("dataset") == "spiral", "spiral")
    page.select_option("#numClasses", "3")  # (more than two classes: cross-entropy too)
    _until(lambda: _hash(page).get("numClasses") == "3", "three classes")
    state = _hash(page)
    assert state["loss"] == "cross-entropy" and state["optimizer"] == "adam"
    assert page.locator(".output-node").count() == 3
    _first_frame(page)
    _screenshot(page, tmp_path, "three-classes")
    _open_link_afresh(page, watched)
    _until(lambda: page.locator("#numClasses").input_value() == "3", "the link's classes")
    _until(lambda: _value(page, "state.frame && state.frame.output.classes") == 3,
           "a three-class frame")
    assert page.locator("#optimizer").input_value() == "adam"
    assert page.locator("#networkShape").input_value() == "5,2"
    assert _value(page, "state.settings.activations") == ["tanh", "tanh"]


def _empty_place(train: list[list[float]]) -> tuple[float, float]:
    """A place of the heatmap far (in pixels) from every training point."""
    points = np.array([row[:2] for row in train])
    for x1 in np.arange(-5.5, 5.6, 0.5):
        for x2 in np.arange(-5.5, 5.6, 0.5):
            if np.min(np.hypot(points[:, 0] - x1, points[:, 1] - x2)) > 0.6:
                return float(x1), float(x2)
    raise AssertionError("no empty place on the heatmap")


def test_clicks_add_and_remove_points(watched, tmp_path):
    page = _open(watched)
    train = _value(page, "state.data.train")
    assert page.locator("#pointCount").inner_text().startswith(f"{len(train)} training")
    x1, x2 = _empty_place(train)
    page.select_option("#pointClass", "0")
    page.mouse.click(*_heatmap_place(page, x1, x2))
    _until(lambda: _value(page, "state.data.train.length") == len(train) + 1, "a point added")
    added = [float(v) for v in _hash(page)["added"].split(",")]
    assert added[0] == pytest.approx(x1, abs=0.01) and added[1] == pytest.approx(x2, abs=0.01)
    assert page.locator("#pointCount").inner_text().startswith(f"{len(train) + 1} training")
    # A click on a generated training point removes it.
    target = train[7]
    page.mouse.click(*_heatmap_place(page, target[0], target[1]))
    _until(lambda: _hash(page).get("removed") == "7", "point 7 removed")
    now = _value(page, "state.data.train")
    assert len(now) == len(train) and target not in now
    assert added in [[round(a, 3), round(b, 3), c] for a, b, c in now]
    _screenshot(page, tmp_path, "points-edited")
    # The page still trains on the edited data.
    before = _value(page, "state.frame.step")
    _play_for(page, 1.5)
    assert _value(page, "state.frame.step") > before
    assert _hash(page)["removed"] == "7" and _hash(page)["added"]
    # The link reproduces the edited data exactly.
    _open_link_afresh(page, watched)
    _until(lambda: _value(page, "state.data.train") == now, "the link's edited points")


def _three_classes_csv(path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = ["width,height,kind"]
    for centre_x, centre_y, name in ((10, 200, "ant"), (30, 260, "bee"), (20, 320, "cat")):
        for _ in range(60):
            rows.append(f"{centre_x + 3 * rng.normal():.3f},"
                        f"{centre_y + 15 * rng.normal():.2f},{name}")
    path.write_text("\n".join(rows) + "\n")


def _overlay_pixel(page, place: tuple[float, float]) -> tuple[int, int, int]:
    x, y = (int(v) for v in place)
    return tuple(page.evaluate(f"Array.from(document.querySelector('#overlay')"
                               f".getContext('2d').getImageData({x}, {y}, 1, 1).data)")[:3])


def test_a_csv_upload_is_drawn_and_trained(watched, tmp_path):
    page = _open(watched)
    csv = tmp_path / "insects.csv"
    _three_classes_csv(csv)
    lines = csv.read_text().splitlines()
    lines[4], lines[8] = "12.5,NA,ant", ",250,bee"  # (two rows the page must say it left out)
    csv.write_text("\n".join(lines) + "\n")
    page.set_input_files("#uploadFile", str(csv))
    _until(lambda: page.locator("#dataset").input_value() == "upload", "the upload's data")
    _until(lambda: _value(page, "state.data.numClasses") == 3, "the upload's three classes")
    _first_frame(page)
    assert page.locator("#error").inner_text() == ""
    assert page.locator("#uploadNote").inner_text() == (
        "classes of kind: ant, bee, cat; 2 rows of the file left out for a missing cell "
        "(lines 5, 9)")
    axes = page.locator("#axes").inner_text()
    assert re.search(r"horizontal \(x₁\): width, [\d.]+ to [\d.]+", axes), axes
    assert re.search(r"vertical \(x₂\): height, [\d.]+ to [\d.]+", axes), axes
    train = _value(page, "state.data.train")
    assert len(train) == 89 and {row[2] for row in train} == {0, 1, 2}
    assert page.locator(".output-node").count() == 3
    # Every class's points are drawn in its colour (at a point's centre, on the overlay).
    for label in range(3):
        places = [(200 + row[0] * 200 / 6, 200 - row[1] * 200 / 6) for row in train
                  if row[2] == label]
        assert any(_overlay_pixel(page, place) == PALETTE[label] for place in places), label
    before = _number(page, "test-loss")
    _play_for(page, 3)
    after = _number(page, "test-loss")
    assert after < before / 3, (before, after)
    assert _value(page, "state.frame.output.classes") == 3
    _screenshot(page, tmp_path, "upload-trained")
    # A bad file: the server's message, naming the file and the line.
    bad = tmp_path / "broken.csv"
    bad.write_text("a,b,kind\n1,2,x\n3,oops,y\n")
    page.set_input_files("#uploadFile", str(bad))
    _until(lambda: "broken.csv" in page.locator("#error").inner_text(), "the upload's error")
    message = page.locator("#error").inner_text()
    assert "line 3" in message and "oops" in message, message
    _screenshot(page, tmp_path, "upload-error")
    # A file over the server's limit is refused here, saying the limit.
    big = tmp_path / "big.csv"
    big.write_text("a,b,kind\n" + "1.000000,2.000000,x\n" * 14000)
    page.set_input_files("#uploadFile", str(big))
    _until(lambda: "too big" in page.locator("#error").inner_text(), "the size refusal")
    assert "262144 bytes" in page.locator("#error").inner_text()


def test_the_downloaded_model_predicts_the_heatmap(watched, tmp_path):
    import stir
    from stir.playground import Settings, make_data
    from stir.playground.session import grid_points, input_features

    page = _open(watched)
    for _ in range(3):
        page.click("#step")
    _until(lambda: _value(page, "state.frame.step") == 75, "three epochs")
    size = _value(page, "state.frame.output.size")
    pixels = np.array(page.evaluate(
        f"Array.from(document.querySelector('#heatmap').getContext('2d')"
        f".getImageData(0, 0, {size}, {size}).data)")).reshape(size * size, 4)[:, :3]
    with page.expect_download() as download:
        page.click("#exportModel")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == "playground.safetensors"
    model = stir.load(path).eval()
    settings = _value(page, "state.settings")
    features = tuple(name for name in ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX",
                                       "sinY") if settings[name])
    with stir.no_grad():
        outputs = model(stir.from_numpy(input_features(grid_points(size), features)))
    expected = np.array([_colour(float(v)) for v in outputs.numpy().ravel()])
    # Each cell's colour is the model's output there, to the frame's rounding (3 decimals:
    # at most one step of 255 apart), and the two agree on the class everywhere.
    assert np.abs(pixels - expected).max() <= 1
    shown, exact = np.array(_value(page, "state.frame.output.values")), outputs.numpy().ravel()
    clear = np.abs(exact) >= 0.0005  # (nearer 0, the frame's rounding may flip the sign)
    assert np.array_equal(shown[clear] >= 0, exact[clear] >= 0)
    # And the model's loss on the page's data is the loss the page shows.
    data = make_data(Settings().updated(settings))
    with stir.no_grad():
        test = model(stir.from_numpy(input_features(data.test_points, features)))
    labels = 2 * data.test_labels - 1  # (class 0 and 1 as TF Playground's -1 and +1)
    loss = float(np.mean(0.5 * (test.numpy().ravel() - labels) ** 2))
    assert f"{loss:.3f}" == page.locator("#test-loss").inner_text()
    assert loss == pytest.approx(_value(page, "state.frame.testLoss"), abs=1e-6)


def test_the_downloaded_script_prints_the_pages_losses(watched, tmp_path):
    page = _open(watched)
    page.click("#step")
    _until(lambda: _value(page, "state.frame.step") == 25, "an epoch")
    page.select_option("#learningRate", "0.1")  # (replayed by the script at step 25)
    _until(lambda: _value(page, "state.settings.learningRate") == 0.1, "the new rate")
    page.click("#step")
    page.click("#step")
    _until(lambda: _value(page, "state.frame.step") == 75, "two more epochs")
    shown = page.locator("#test-loss").inner_text()
    frame_loss = _value(page, "state.frame.testLoss")
    with page.expect_download() as download:
        page.click("#exportScript")
    folder = tmp_path / "run"
    folder.mkdir()
    script = folder / download.value.suggested_filename
    download.value.save_as(script)
    assert script.name == "playground.py"
    done = subprocess.run([sys.executable, script.name], cwd=folder, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = re.search(r"train loss ([\d.]+)  test loss ([\d.]+)", done.stdout)
    assert found, done.stdout
    assert f"{float(found[2]):.3f}" == shown
    assert float(found[2]) == frame_loss  # (the frame's six decimals, too)


def test_the_curve_task_shows_its_linear_pieces(watched, tmp_path):
    page = _open(watched, "#problem=regression&regDataset=curve&activation=relu"
                          "&networkShape=8%2C8&y=false&learningRate=0.03")
    _until(lambda: _value(page, "state.frame && state.frame.curve && "
                                "state.frame.curve.pieces") is not None, "a curve frame")
    _play_for(page, 2)
    pieces = _value(page, "state.frame.curve.pieces")
    assert len(pieces["xs"]) >= 3  # (a relu network's curve has a few pieces already)
    count = len(pieces["xs"]) - 1
    assert f"its {count} exact linear piece" in page.locator("#legend").inner_text()
    # The pieces' end points are drawn as dots in their own colour.
    plot = np.array(page.evaluate("Array.from(document.querySelector('#overlay')"
                                  ".getContext('2d').getImageData(0, 0, 400, 400).data)"))
    rgb = plot.reshape(-1, 4)[:, :3]
    assert (rgb == PIECES_COLOUR).all(axis=1).sum() > 50
    assert _value(page, "document.querySelector('#heatmap').hidden") is True
    # Each hidden neuron's thumbnail is its curve over x (eight of them per layer).
    assert page.locator("#columns .layer").nth(1).locator(".neuron canvas").count() == 8
    _screenshot(page, tmp_path, "curve-pieces")
    # A maxout network's curve is piecewise linear too (max of two lines per unit).
    page.select_option("#activation", "maxout")
    _until(lambda: _value(page, "state.settings.activation") == "maxout", "maxout")
    _play_for(page, 2)
    pieces = _value(page, "state.frame.curve.pieces")
    assert pieces is not None and len(pieces["xs"]) >= 3
    assert f"its {len(pieces['xs']) - 1} exact linear piece" in page.locator(
        "#legend").inner_text()
    assert not page.locator("#accuracy").is_visible()  # (a regression has no accuracy)
    _screenshot(page, tmp_path, "curve-maxout-pieces")
    page.select_option("#activation", "tanh")  # (no exact pieces for a curved activation)
    _until(lambda: "only for relu, linear and maxout" in page.locator("#legend").inner_text(),
           "no pieces")


def _link_middle(page, feature: int, neuron: int) -> tuple[float, float]:
    """The middle of the link from an input feature to a first-layer neuron (its curve
    passes through the middle of its two ends)."""
    start = page.locator(".feature .thumb").nth(feature).bounding_box()
    end = page.locator("#columns .layer").nth(1).locator(".neuron canvas").nth(
        neuron).bounding_box()
    return ((start["x"] + start["width"] + end["x"]) / 2,
            (start["y"] + start["height"] / 2 + end["y"] + end["height"] / 2) / 2)


def test_a_click_on_a_link_edits_its_weight(watched, tmp_path):
    page = _open(watched)
    before = _value(page, "state.frame.weights")
    page.mouse.click(*_link_middle(page, 0, 0))
    editor = page.locator(".weight-editor")
    _until(lambda: editor.count() == 1, "the weight's field")
    assert editor.get_attribute("title") == "weight from x₁ to layer 1 neuron 1"
    assert float(editor.input_value()) == before[0][0][0]
    editor.fill("2.5")
    _screenshot(page, tmp_path, "weight-editor")
    editor.press("Enter")
    _until(lambda: _value(page, "state.frame.weights[0][0][0]") == 2.5, "the new weight")
    after = _value(page, "state.frame.weights")
    after[0][0][0] = before[0][0][0]
    assert after == before  # (that weight alone)
    # Escape cancels.
    page.mouse.click(*_link_middle(page, 1, 2))
    _until(lambda: editor.count() == 1, "the second weight's field")
    assert editor.get_attribute("title") == "weight from x₂ to layer 1 neuron 3"
    editor.fill("-7")
    editor.press("Escape")
    assert editor.count() == 0
    time.sleep(0.3)
    assert _value(page, "state.frame.weights[0][2][1]") == before[0][2][1]
    # A neuron's corner edits its bias.
    page.locator("#columns .layer").nth(1).locator(".bias").first.click()
    _until(lambda: editor.count() == 1, "the bias's field")
    editor.fill("-1.25")
    editor.press("Enter")
    _until(lambda: _value(page, "state.frame.biases[0][0]") == -1.25, "the new bias")
    # Training goes on from the edited network.
    page.click("#step")
    _until(lambda: _value(page, "state.frame.step") == 25, "an epoch")
    assert _value(page, "state.frame.weights[0][0][0]") != 2.5


def _curve_middle(page, layer: int, to: int, from_: int, piece) -> tuple[float, float]:
    """The middle of a drawn link (or of one piece of a maxout link), on the screen."""
    where = page.evaluate(
        f"bezierAt(diagram.curves.find(c => c.layer === {layer} && c.to === {to} && "
        f"c.from === {from_} && c.piece === {json.dumps(piece)}).bezier, 0.5)")
    box = page.locator("#network").bounding_box()
    return box["x"] + where[0], box["y"] + where[1]


def test_a_maxout_layer_draws_and_edits_each_piece(watched, tmp_path):
    page = _open(watched, "#activations=maxout&activation=tanh")
    options = page.locator(".layer-activation[data-layer='0'] option").all_inner_texts()
    assert "maxout" in options
    assert page.locator(".layer-activation[data-layer='0']").input_value() == "maxout"
    # Two curves for each link into the maxout layer (2 × 4 links), one for the others.
    assert _value(page, "diagram.curves.length") == 2 * 8 + 8 + 2
    before = _value(page, "state.frame.weights")
    assert len(before[0][0][0]) == 2 and isinstance(before[1][0][0], float)
    page.mouse.click(*_curve_middle(page, 0, 0, 0, 1))
    editor = page.locator(".weight-editor")
    _until(lambda: editor.count() == 1, "the piece's field")
    assert editor.get_attribute("title") == "weight from x₁ to layer 1 neuron 1, piece 2"
    assert float(editor.input_value()) == before[0][0][0][1]
    _screenshot(page, tmp_path, "maxout-piece-editor")
    editor.fill("2.5")
    editor.press("Enter")
    _until(lambda: _value(page, "state.frame.weights[0][0][0][1]") == 2.5, "the piece's weight")
    assert _value(page, "state.frame.weights[0][0][0][0]") == before[0][0][0][0]
    # The bias corner: piece 1 first, and the choice beside the field picks piece 2.
    biases = _value(page, "state.frame.biases[0][0]")
    page.locator("#columns .layer").nth(1).locator(".bias").first.click()
    _until(lambda: editor.count() == 1, "the bias's field")
    assert editor.get_attribute("title") == "bias of layer 1 neuron 1, piece 1"
    assert float(editor.input_value()) == biases[0]
    page.locator(".weight-piece").select_option(label="piece 2")
    assert editor.get_attribute("title") == "bias of layer 1 neuron 1, piece 2"
    assert float(editor.input_value()) == biases[1] and editor.count() == 1
    editor.fill("-1.25")
    editor.press("Enter")
    _until(lambda: _value(page, "state.frame.biases[0][0]") == [biases[0], -1.25], "the bias")
    assert page.locator(".weight-piece").count() == 0  # (gone with its field)
    first = _number(page, "test-loss")
    _play_for(page, 3)
    assert _number(page, "test-loss") < first
    _screenshot(page, tmp_path, "maxout-trained")


def test_the_backprop_step_draws_the_gradients(watched, tmp_path):
    page = _open(watched)
    links = "Array.from(document.querySelector('#links').getContext('2d').getImageData(" \
            "0, 0, document.querySelector('#links').width, " \
            "document.querySelector('#links').height).data)"
    page.click("#step")
    _until(lambda: _value(page, "state.frame.step") == 25, "an epoch")
    weights_drawn = page.evaluate(links)
    page.click("#backprop")
    _until(lambda: _value(page, "state.gradients && state.frame.step") == 26, "the backprop")
    legend = page.locator("#linkLegend").inner_text()
    assert "the gradient of one minibatch's loss" in legend, legend
    gradients = _value(page, "state.gradients")
    shown = re.search(r"loss (\S+) before the step, (\S+) after", legend)
    assert shown, legend
    assert float(shown[1]) == pytest.approx(gradients["loss"], rel=1e-3)
    assert float(shown[2]) == pytest.approx(gradients["lossAfter"], rel=1e-3)
    assert page.evaluate(links) != weights_drawn
    _screenshot(page, tmp_path, "backprop")
    page.click("#step")  # (the next frame asked for: the weights again)
    _until(lambda: "weights" in page.locator("#linkLegend").inner_text(), "the weights")
    assert _value(page, "state.gradients") is None


def test_the_stopping_rule_pauses_and_says_why(watched, tmp_path):
    page = _open(watched, "#dataset=xor&noise=40&learningRate=0.3")
    page.select_option("#stopAfter", "10")
    _until(lambda: _hash(page).get("stopAfter") == "10", "stopAfter in the link")
    page.click("#play")
    # (polled on the message: on a busy machine the play and the stop can both come and go
    # between two looks at the button)
    said = _until(lambda: page.locator("#stopped").inner_text(), "the stopping rule",
                  seconds=60)
    _until(lambda: page.locator("#play").inner_text() == "play", "the pause")
    assert said.startswith("stopped at epoch ") and "not improved for 10 epochs" in said, said
    assert said == _value(page, "state.frame.stopped")
    _screenshot(page, tmp_path, "stopped")
    page.click("#play")  # (goes on: the message goes away while it trains)
    _until(lambda: page.locator("#stopped").inner_text() != said, "training on")
