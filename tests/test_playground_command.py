"""`stir playground`: its arguments, the message when Starlette is missing, and a real
server (Uvicorn) started as a user would, answering the page and refusing what it must."""

from __future__ import annotations

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


def test_a_real_server_answers_its_page_only() -> None:
    http = pytest.importorskip("httpx2", reason="the check uses httpx2")
    pytest.importorskip("uvicorn", reason="the playground server needs uvicorn")
    process = subprocess.Popen([sys.executable, "-m", "stir.cli", "playground", "--port", "0",
                                "--no-browser"], stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
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
    finally:
        process.terminate()
        process.wait(timeout=10)
