"""Seed 000's keypoint widget in a real browser, used as a learner would.

A Jupyter server (Notebook 7) runs on 127.0.0.1 with a random token in a temporary folder that
holds one notebook making `stir.widgets.Keypoints` from seed 000's data. Debian's Chromium,
driven by Playwright, opens the notebook, runs it, drags a keypoint with the mouse (the MSE
text changes: the drag reached the kernel and stir recomputed it) and presses "SGD from these
weights" (the drawn fit moves and its MSE goes down). Every request that does not go to
127.0.0.1 is aborted and counted, and Chromium resolves no other host, so the widget must work
with nothing from a CDN. Screenshots go to $STIR_SCREENSHOTS (default: pytest's tmp_path).

It skips, saying why, only when Chromium, Playwright or Jupyter is missing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import pytest

CHROMIUM = os.environ.get("STIR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 # No host but this one resolves, so even a WebSocket cannot leave it.
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

NOTEBOOK_CODE = """\
import numpy as np
import stir.widgets

rng = np.random.default_rng(0)

def gen_data(n):
    xs = rng.random(n)
    return xs, np.cos(2 * xs + 20 * xs ** 2) + 0.1 * rng.standard_normal(n)

xs, ys = gen_data(256)
xs_test, ys_test = gen_data(256)
widget = stir.widgets.Keypoints(xs, ys, xs_test, ys_test)
widget"""

# Settings that keep the page quiet: no news or update checks (each a request off the machine
# and a toast over the notebook), and no "Select Kernel" dialog (it sometimes asks even when
# the notebook names its kernel).
QUIET_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                  {"fetchNews": "false", "checkForUpdates": False},
                  "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
                  {"autoStartDefaultKernel": True}}


def _needs() -> None:
    pytest.importorskip("playwright.sync_api", reason="the browser test needs playwright "
                        "(pip install playwright; the browser is Debian's chromium)")
    for name in ("jupyter_server", "notebook", "ipykernel"):
        pytest.importorskip(name, reason=f"the browser test needs {name} (a Jupyter server)")
    for name in ("anywidget", "ipywidgets"):
        pytest.importorskip(name, reason=f"stir.widgets needs {name}")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
                    f"STIR_CHROMIUM)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write(path: Path, content: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")


def _folder(root: Path) -> dict[str, str]:
    """The notebook, a kernel of this Python, and Jupyter's state, all under `root`;
    returns the server's environment."""
    source = NOTEBOOK_CODE.splitlines(keepends=True)
    _write(root / "work" / "keypoints.ipynb", {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "keypoints",
                   "metadata": {}, "outputs": [], "source": source}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5})
    # The user data folder comes first on Jupyter's path: this `python3` is the kernel.
    _write(root / "data" / "kernels" / "python3" / "kernel.json", {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"})
    for name, settings in QUIET_SETTINGS.items():
        _write(root / "settings" / name, settings)
    env = dict(os.environ, JUPYTER_DATA_DIR=str(root / "data"),
               JUPYTER_RUNTIME_DIR=str(root / "runtime"),
               JUPYTER_CONFIG_DIR=str(root / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(root / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"),
               JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
    # Where the widget front ends were installed: in a virtual environment that sees the
    # machine's packages, that is the machine's prefix, which Jupyter does not search.
    env["JUPYTER_PATH"] = os.pathsep.join(_extension_data_dirs())
    return env


def _extension_data_dirs() -> list[str]:
    """The share/jupyter folders holding the lab extensions of the widget packages."""
    from importlib import metadata

    folders = []
    for name in ("jupyterlab_widgets", "anywidget"):
        for file in metadata.distribution(name).files or []:
            parts = Path(str(file)).parts
            if "labextensions" in parts:
                share = Path(metadata.distribution(name).locate_file(file)).resolve()
                while share.name != "labextensions":
                    share = share.parent
                if str(share.parent) not in folders:
                    folders.append(str(share.parent))
                break
    return folders


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.loads(response.read() or b"null")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Notebook 7 server on 127.0.0.1; yields its base URL with the token as `?token=`."""
    _needs()
    root = tmp_path_factory.mktemp("jupyter")
    env = _folder(root)
    port, token = _free_port(), secrets.token_hex(16)
    log = open(root / "server.log", "w", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "notebook", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root / 'work'}",
         "--LabApp.news_url=",
         "--ServerApp.terminals_enabled=False", "--LabApp.extension_manager=readonly",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=root / "work", env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)  # its own process group: the kernel is stopped with it
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the Jupyter server did not start:\n" +
                                       (root / "server.log").read_text(encoding="utf-8"))
                time.sleep(0.25)
        yield f"{base}?token={token}"
    finally:
        _stop(process, base, token)
        log.close()


def _stop(process: subprocess.Popen, base: str, token: str) -> None:
    """Shut the kernels down through the server, then the server; kill what is left."""
    try:
        for kernel in _get(f"{base}/api/kernels?token={token}"):
            request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={token}",
                                             method="DELETE")
            urllib.request.urlopen(request, timeout=10).close()
    except OSError:
        pass
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # a kernel the server left behind, if any
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def _shots() -> Path | None:
    folder = os.environ.get("STIR_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return None


def _run_the_cell(page: Any) -> None:
    """Run the notebook's one cell once its kernel is connected (Ctrl+Enter: run, stay).

    The kernel indicator says "idle" once before the kernel connects, and a cell run then is
    lost, so the run is repeated until the prompt shows it started ([*] or [1])."""
    from playwright.sync_api import expect

    editor = page.locator(".jp-Cell .jp-InputArea-editor").first
    expect(editor).to_be_visible(timeout=30_000)
    prompt = page.locator(".jp-Cell .jp-InputPrompt").first
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            if "Select Kernel" not in dialog.first.inner_text():
                raise AssertionError("a dialog covers the notebook: " +
                                     dialog.first.inner_text())
            dialog.locator(".jp-mod-accept").first.click()  # its choice is Python 3
        if page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count():
            editor.click(timeout=5_000)
            page.keyboard.press("Control+Enter")
            try:
                expect(prompt).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=3_000)
                return
            except AssertionError:
                pass
        page.wait_for_timeout(250)
    raise AssertionError("the notebook's cell never ran: " + prompt.inner_text())


def test_drag_a_keypoint_and_train_in_chromium(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    shots = _shots() or tmp_path
    blocked: list[str] = []
    allowed: list[str] = []

    def only_local(route: Route) -> None:
        url = urlparse(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname == "127.0.0.1":
            allowed.append(route.request.url)
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    base, _, query = server.partition("?")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.route("**/*", only_local)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(f"{error.message}\n{error.stack}"))
            page.on("console", lambda message: errors.append(message.text)
                    if message.type == "error" else None)
            page.goto(f"{base}/notebooks/keypoints.ipynb?{query}")
            _run_the_cell(page)

            widget = page.locator(".stir-keypoints")
            train_mse = widget.locator("[data-role=train-mse]")
            expect(train_mse).to_have_text(re.compile(r"^\d+\.\d{4}$"), timeout=30_000)
            widget.scroll_into_view_if_needed()
            widget.screenshot(path=str(shots / "1_before_drag.png"))
            before = float(train_mse.inner_text())
            test_before = float(widget.locator("[data-role=test-mse]").inner_text())

            # Drag the middle keypoint (rank 3 of 0..7) 80 px down into the trough of the
            # data, as a hand would: in small steps, each one reported to the kernel.
            handle = widget.locator("[data-role=handle][data-rank='3']")
            box = handle.bounding_box()
            assert box is not None
            cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(cx, cy)
            page.mouse.down()
            for k in range(1, 11):
                page.mouse.move(cx + k, cy + 8 * k)
                page.wait_for_timeout(20)
            page.mouse.up()
            expect(train_mse).not_to_have_text(f"{before:.4f}", timeout=10_000)
            page.wait_for_timeout(300)  # the last frame of the drag has come back
            widget.screenshot(path=str(shots / "2_after_drag.png"))
            after_drag = float(train_mse.inner_text())
            assert after_drag != before
            assert float(widget.locator("[data-role=test-mse]").inner_text()) != test_before
            box_after = handle.bounding_box()
            assert box_after is not None and box_after["y"] > box["y"] + 50

            # SGD from these weights: the fit is redrawn while it trains, and ends lower.
            curve = widget.locator("[data-role=curve]")
            drawn = curve.get_attribute("d")
            widget.locator("[data-role=train]").click()
            status = widget.locator("[data-role=status]")
            expect(status).to_contain_text("SGD step", timeout=10_000)  # a frame mid-run
            expect(status).to_contain_text("Trained 2000 SGD steps", timeout=30_000)
            widget.screenshot(path=str(shots / "3_after_sgd.png"))
            trained = float(train_mse.inner_text())
            assert curve.get_attribute("d") != drawn
            assert trained < after_drag, (trained, after_drag)
            assert widget.locator("[data-role=weights] tbody tr").count() >= 3
            ours = [error for error in errors if re.search(r"anywidget|stir|keypoints|blob:",
                                                           error)]
            assert ours == [], ours
        finally:
            browser.close()
    # The page worked with every request off the machine refused (the route saw them all).
    assert len(allowed) > 20
    print(f"{len(allowed)} requests to 127.0.0.1; blocked {len(blocked)} others: {blocked[:5]}")
