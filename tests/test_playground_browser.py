"""`stir playground` in a real browser (Debian's Chromium driven by Playwright, which cannot
download its own browsers here): the page loads from the package alone (every request
outside the server is blocked and recorded), play trains the network (the test loss falls
and the heatmap changes), the state lands in the URL, and a link with another state
reproduces it. A screenshot of the trained page is left in the test's folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

CHROMIUM = os.environ.get("STIR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage"]


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


def _number(page, element: str) -> float:
    text = page.locator(f"#{element}").inner_text()
    return float(text) if text not in ("", "-") else float("nan")


def _first_frame(page, seconds: float = 20) -> None:
    """Wait for the page to show a test loss. (Polled from here: Playwright's
    wait_for_function evaluates a string in the page, which the page's CSP forbids.)"""
    deadline = time.monotonic() + seconds
    while page.locator("#test-loss").inner_text() in ("", "-"):
        assert time.monotonic() < deadline, "no frame reached the page"
        time.sleep(0.1)


def test_play_trains_the_network_in_the_browser(server, tmp_path):
    from playwright.sync_api import sync_playwright

    origin = server.split("/?")[0]
    outside: list[str] = []

    def only_the_server(route):
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", only_the_server)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("console", lambda message: errors.append(message.text)
                    if message.type == "error" else None)
            page.goto(server)
            _first_frame(page)
            before = _number(page, "test-loss")
            pixels = "Array.from(document.querySelector('#heatmap').getContext('2d')" \
                     ".getImageData(0, 0, 400, 400).data.slice(0, 400 * 400 * 4, 997))"
            heatmap_before = page.evaluate(pixels)
            page.click("#play")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not _number(page, "test-loss") < before / 5:
                time.sleep(0.25)
            after = _number(page, "test-loss")
            page.click("#play")  # (pause)
            page.screenshot(path=str(tmp_path / "trained.png"))
            assert after < before / 5, (before, after)
            assert _number(page, "epoch") > 0
            assert page.evaluate(pixels) != heatmap_before
            assert "dataset=circle" in page.url and "learningRate=0.03" in page.url
            # A link with another state reproduces it: xor, a wider network.
            link = server + "#dataset=xor&networkShape=6%2C3&learningRate=0.1"
            page.goto(link)
            page.reload()
            _first_frame(page)
            assert page.locator("#dataset").input_value() == "xor"
            assert page.locator("#networkShape").input_value() == "6,3"
            assert page.locator("#learningRate").input_value() == "0.1"
            assert errors == [] and outside == []
        finally:
            browser.close()
