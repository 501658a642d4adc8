"""`stir playground`: its arguments, the message when Starlette is missing, the ports and
addresses it cannot listen on, and a real server (Uvicorn) started as a user would, answering
the page, refusing what it must, and quiet when tabs close mid-play."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest

from stir import cli


def test_the_subcommand_and_its_options() -> None:
    arguments = cli.parse_arguments(["playground", "--port", "0", "--no-browser"])
    assert (arguments.command, arguments.port, arguments.host, arguments.no_browser) == (
        "playground", 0, "127.0.0.1", True)
    with pytest.raises(SystemExit):
        cli.parse_arguments(["playground", "--port", "70000"])


def test_a_missing_starlette_names_the_extra(monkeypatch, capsys) -> None:
    for name in list(sys.modules):
        if name == "starlette" or name.startswith(("starlette.", "stir.playground.server")):
            monkeypatch.delitem(sys.modules, name)
    import stir.playground

    monkeypatch.delattr(stir.playground, "server", raising=False)  # (as if never imported)
    monkeypatch.setitem(sys.modules, "starlette", None)  # (an import of it now fails)
    status = cli.main(["playground", "--no-browser", "--port", "0"])
    error = capsys.readouterr().err
    assert status == 1 and 'pip install "stir[playground]"' in error
    assert error.count("\n") == 1


@contextlib.contextmanager
def _served(stderr=None):
    """`stir playground --port 0 --no-browser` in a process of its own, as a user starts it
    (its error output to `stderr`, a file, when given); yields the line it prints first."""
    process = subprocess.Popen([sys.executable, "-m", "stir.cli", "playground", "--port", "0",
                                "--no-browser"], stdout=subprocess.PIPE, stderr=stderr,
                               text=True)
    try:
        yield process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_real_server_answers_its_page_only() -> None:
    http = pytest.importorskip("httpx2", reason="the check uses httpx2")
    pytest.importorskip("uvicorn", reason="the playground server needs uvicorn")
    with _served() as line:
        assert line.startswith("stir playground: serving at http://127.0.0.1:")
        url = line.split()[-1]
        base, token = url.split("/?token=")
        assert len(token) >= 43
        page = http.get(url, timeout=10)
        assert page.status_code == 200 and "stir playground" in page.text
        assert http.get(base + "/", timeout=10).status_code == 403
        host = base.removeprefix("http://")
        rebound = http.get(url, headers={"host": "attacker.example:" + host.split(":")[1]},
                            timeout=10)
        assert rebound.status_code == 403
        assert http.get(base + "/static/../x?token=" + token, timeout=10).status_code == 404


def test_tabs_closed_mid_play_leave_no_traceback(tmp_path) -> None:
    """Pages dropped (as a closed tab drops them) while frames stream and right after a
    message: the server logs nothing and serves the next page."""
    websockets = pytest.importorskip("websockets", reason="the check uses websockets")
    pytest.importorskip("uvicorn", reason="the playground server needs uvicorn")
    import asyncio
    import json

    log = tmp_path / "server.log"
    with log.open("w") as stderr, _served(stderr) as line:
        base, token = line.split()[-1].split("/?token=")
        address = base.replace("http://", "ws://") + "/ws?token=" + token

        async def drop_a_page(last: str) -> None:
            page = await websockets.connect(address, origin=base, open_timeout=10)
            await page.send(json.dumps({"type": "play"}))
            await asyncio.sleep(0.2)
            await page.send(json.dumps({"type": last}))
            page.transport.abort()  # (no closing handshake: the TCP connection just ends)

        async def pages() -> str:
            for last in ["pause", "step", "backprop", "play"] * 2:
                await drop_a_page(last)
            await asyncio.sleep(0.5)
            async with websockets.connect(address, origin=base, open_timeout=10) as page:
                return json.loads(await page.recv())["type"]

        assert asyncio.run(pages()) == "settings"
    assert "Traceback" not in log.read_text(), log.read_text()[-2000:]


@pytest.mark.parametrize("host, reason", [("10.255.255.1", "Cannot assign requested address"),
                                          ("nosuch.invalid", "")])  # (the resolver's words)
def test_an_address_it_cannot_listen_on_is_a_usage_error(capsys, host, reason) -> None:
    pytest.importorskip("starlette", reason="the playground server needs starlette")
    pytest.importorskip("uvicorn", reason="the playground server needs uvicorn")
    status = cli.main(["playground", "--no-browser", "--host", host])
    error = capsys.readouterr().err
    assert status == 2 and error.count("\n") == 1, error
    assert error.startswith(f"stir playground: error: cannot listen on {host}:8765: ")
    assert reason in error and "while attempting" not in error


def test_a_busy_default_port_gives_a_free_one_and_a_busy_chosen_port_an_error(
        monkeypatch, capsys) -> None:
    pytest.importorskip("starlette", reason="the playground server needs starlette")
    import socket

    from stir.commands import UsageError, playground
    from stir.playground import server

    with socket.create_server(("127.0.0.1", 0)) as taken:
        busy = taken.getsockname()[1]
        monkeypatch.setattr(playground, "DEFAULT_PORT", busy)
        with playground._bind(server, "127.0.0.1", None) as listening:
            assert listening.getsockname()[1] not in (busy, 0)
        with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{busy}: "
                           "Address already in use$"):
            playground._bind(server, "127.0.0.1", busy)
