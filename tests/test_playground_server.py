"""The playground's server through Starlette's TestClient: the token, Host and Origin checks
on HTTP and on the WebSocket, the assets and nothing else, the security headers, and the
protocol, with a hostile-input corpus after which the same socket (and others) still work."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("starlette", reason="the playground server needs starlette")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2")

from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from stir.playground import server  # noqa: E402
from stir.playground.protocol import MAX_MESSAGE_BYTES  # noqa: E402

PORT = 8765
TOKEN = "t" * 20 + "secret"
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def client():
    with TestClient(server.create_app(TOKEN, PORT), base_url=BASE) as client:
        yield client


def socket(client, token=TOKEN, **headers):
    query = f"?token={token}" if token is not None else ""
    headers = {"host": f"127.0.0.1:{PORT}", **headers}
    return client.websocket_connect(f"ws://127.0.0.1:{PORT}/ws{query}", headers=headers)


def opening(websocket) -> list[dict]:
    """The three messages a page gets first: settings, data, frame."""
    return [websocket.receive_json() for _ in range(3)]


# ---- HTTP ----

def test_the_page_and_its_assets_with_the_token(client) -> None:
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/static/app.js" in page.text and "http" not in page.text.replace(
        'lang="en"', "")  # no asset from elsewhere
    cookie = page.headers["set-cookie"]
    assert f"stir-playground-{PORT}={TOKEN}" in cookie and "HttpOnly" in cookie \
        and "SameSite=Strict" in cookie
    # The cookie now stands for the token.
    script = client.get("/static/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert client.get("/static/style.css").status_code == 200


def test_the_javascript_builds_no_code_and_no_html_from_text() -> None:
    from importlib import resources
    scripts = [entry for entry in resources.files("stir.playground").joinpath("static")
               .iterdir() if entry.name.endswith(".js")]
    assert "app.js" in {entry.name for entry in scripts}
    for entry in scripts:
        text = entry.read_text()
        for forbidden in ("eval(", "new Function", "innerHTML", "outerHTML",
                          "insertAdjacentHTML", "document.write", "http://", "https://"):
            assert forbidden not in text, (entry.name, forbidden)


def test_every_script_the_page_names_is_served_and_nothing_else(client) -> None:
    import re

    page = client.get(f"/?token={TOKEN}").text
    named = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', page))
    assert "/static/app.js" in named and "/static/style.css" in named
    assert named <= set(server.ASSETS), named - set(server.ASSETS)
    for path in named:
        answer = client.get(path)
        assert answer.status_code == 200, path
        kind = "javascript" if path.endswith(".js") else "text/css"
        assert kind in answer.headers["content-type"], path
    assert set(server.ASSETS) == {"/"} | {path for path in server.ASSETS
                                          if path.startswith("/static/")
                                          and path.endswith((".js", ".css"))}


def test_security_headers_on_every_answer(client) -> None:
    for answer in (client.get(f"/?token={TOKEN}"), client.get("/nowhere"),
                   TestClient(client.app, base_url=BASE).get("/")):  # (refused: 403)
        headers = answer.headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"


def test_no_token_or_a_wrong_one_is_refused() -> None:
    fresh = TestClient(server.create_app(TOKEN, PORT), base_url=BASE)
    for path in ("/", "/static/app.js", "/?token=wrong", f"/?token={TOKEN}x",
                 f"/?token={TOKEN}&token={TOKEN}", "/?token="):
        answer = fresh.get(path)
        assert answer.status_code == 403, path
        assert answer.text.startswith("forbidden:") and "set-cookie" not in answer.headers
    for cookie, status in ((f"stir-playground-{PORT}=wrong", 403),
                           (f"stir-playground-{PORT + 1}={TOKEN}", 403),
                           (f"stir-playground-{PORT}={TOKEN}", 200)):
        assert fresh.get("/", headers={"cookie": cookie}).status_code == status, cookie


@pytest.mark.parametrize("host", ["evil.example:8765", "127.0.0.1", "127.0.0.1:8766",
                                  "localhost.evil.example:8765", "", "0.0.0.0:8765"])
def test_a_bad_host_is_refused(client, host) -> None:
    answer = client.get(f"/?token={TOKEN}", headers={"host": host})
    assert answer.status_code == 403 and "Host" in answer.text


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765",
                                  "LOCALHOST:8765"])
def test_the_loopback_names_are_accepted(client, host) -> None:
    assert client.get(f"/?token={TOKEN}", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:8766", "null",
                                    "https://127.0.0.1:8765", "http://127.0.0.1:8765.evil"])
def test_a_bad_origin_is_refused(client, origin) -> None:
    answer = client.get(f"/?token={TOKEN}", headers={"origin": origin})
    assert answer.status_code == 403 and "Origin" in answer.text


def test_the_own_origin_is_accepted(client) -> None:
    for origin in (BASE, f"http://localhost:{PORT}"):
        assert client.get(f"/?token={TOKEN}", headers={"origin": origin}).status_code == 200


@pytest.mark.parametrize("path", ["/static/../server.py", "/static/%2e%2e/server.py",
                                  "/static/..%2fserver.py", "/static/session.py",
                                  "/static/", "/static/index.html/", "/server.py", "/etc/passwd",
                                  "/static/%2e%2e%2f%2e%2e%2fsettings.py", "/ws", "//static/app.js",
                                  "/static/app.js%00", "/index.html"])
def test_traversal_and_unknown_routes_get_404(client, path) -> None:
    answer = client.get(path + ("&" if "?" in path else "?") + f"token={TOKEN}")
    assert 400 <= answer.status_code < 500 and answer.status_code != 200, path
    assert "def " not in answer.text and "root:" not in answer.text


def test_only_get(client) -> None:
    assert client.post(f"/?token={TOKEN}").status_code == 405
    assert client.delete(f"/static/app.js?token={TOKEN}").status_code == 405


# ---- the WebSocket handshake ----

@pytest.mark.parametrize("token, headers, reason", [
    (None, {}, "a token is needed"), ("wrong", {}, "wrong token"),
    (TOKEN, {"host": "evil.example:8765"}, "bad Host"),
    (TOKEN, {"origin": "http://evil.example"}, "bad Origin"),
    (TOKEN, {"origin": "null"}, "bad Origin"),
], ids=["no-token", "wrong-token", "bad-host", "bad-origin", "null-origin"])
def test_a_bad_handshake_is_refused(client, token, headers, reason) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        with socket(client, token, **headers) as websocket:
            websocket.receive_json()
    assert refused.value.code == 1008 and refused.value.reason.startswith(reason)


def test_the_cookie_opens_the_socket_too(client) -> None:
    client.get(f"/?token={TOKEN}")  # (sets the cookie)
    with socket(client, None, origin=BASE) as websocket:
        assert [m["type"] for m in opening(websocket)] == ["settings", "data", "frame"]


# ---- the protocol ----

def test_the_opening_messages(client) -> None:
    with socket(client) as websocket:
        settings, data, frame = opening(websocket)
    assert settings["settings"]["dataset"] == "circle" and settings["limits"]["maxLayers"] == 10
    assert len(data["train"]) == 250 and len(data["test"]) == 250
    assert frame["step"] == 0 and frame["playing"] is False
    assert len(frame["output"]["values"]) == 2500


def test_step_settings_reset_and_play(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "step"})
        frame = websocket.receive_json()
        assert (frame["type"], frame["step"], frame["epoch"]) == ("frame", 25, 1.0)
        websocket.send_json({"type": "settings", "settings": {"learningRate": 0.3}})
        message = websocket.receive_json()
        assert message["type"] == "settings" and message["settings"]["learningRate"] == 0.3
        websocket.send_json({"type": "step"})
        assert websocket.receive_json()["step"] == 50  # a learning rate alone: no reset
        websocket.send_json({"type": "settings", "settings": {"dataset": "xor",
                                                              "networkShape": [8, 8]}})
        settings, data, frame = opening(websocket)
        assert settings["settings"]["dataset"] == "xor" and frame["step"] == 0
        assert [len(layer) for layer in frame["neurons"]["layers"]] == [8, 8]
        websocket.send_json({"type": "play"})
        frames = [websocket.receive_json() for _ in range(5)]
        assert all(f["playing"] for f in frames)
        steps = [f["step"] for f in frames]
        assert steps == sorted(steps) and steps[-1] > steps[0] > 0
        assert frames[-1]["testLoss"] < frame["testLoss"]
        websocket.send_json({"type": "pause"})
        last = websocket.receive_json()
        while last["playing"]:
            last = websocket.receive_json()
        websocket.send_json({"type": "reset"})
        settings, data, frame = opening(websocket)
        assert frame["step"] == 0 and settings["settings"]["dataset"] == "xor"


HOSTILE = [
    ("not json", "not JSON"),
    ("", "not JSON"),
    ("[1, 2]", "a message must be a JSON object"),
    ('"play"', "a message must be a JSON object"),
    ("{}", "unknown message type"),
    ('{"type": "explode"}', "unknown message type 'explode'"),
    ('{"type": 5}', "unknown message type 'int'"),
    ('{"type": "play", "extra": 1}', "play message: unknown key 'extra'"),
    ('{"type": "settings", "settings": [1]}', "settings message: \"settings\" must be"),
    ('{"type": "settings", "settings": {"learningRate": NaN}}', "not JSON"),
    ('{"type": "settings", "settings": {"learningRate": Infinity}}', "not JSON"),
    ('{"type": "settings", "settings": {"learningRate": 1e999}}', "learningRate: must be"),
    ('{"type": "settings", "settings": {"networkShape": [32, 32, 32, 32, 32, 32, 32, 32, 32, '
     '32, 32]}}', "networkShape: must be a list of at most 10"),
    ('{"type": "settings", "settings": {"networkShape": [1000000]}}', "networkShape:"),
    ('{"type": "settings", "settings": {"batchSize": 1e308}}', "batchSize: must be"),
    ('{"type": "settings", "settings": {"__proto__": {}}}', "'__proto__': unknown setting"),
    ("[" * 5000 + "]" * 5000, "not JSON"),
    ('{"type": "settings", "settings": {"seed": ' + "9" * 4000 + "}}", "seed: must be an integer"),
    ('{"type": "' + "x" * (MAX_MESSAGE_BYTES + 10) + '"}', "message too long"),
    ("\u00e9" * (MAX_MESSAGE_BYTES // 2 + 1), "message too long"),
]


def test_hostile_messages_get_an_error_frame_and_the_socket_goes_on(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        for text, expected in HOSTILE:
            websocket.send_text(text)
            answer = websocket.receive_json()
            assert answer["type"] == "error", text[:60]
            assert expected in answer["message"], (text[:60], answer["message"])
            assert "\n" not in answer["message"] and len(answer["message"]) < 400
        websocket.send_text('{"type": "settings"}')  # no change: the settings, no rebuild
        assert websocket.receive_json()["type"] == "settings"
        websocket.send_bytes(b'{"type": "step"}')
        assert "binary" in websocket.receive_json()["message"]
        websocket.send_json({"type": "step"})
        frame = websocket.receive_json()
        assert frame["type"] == "frame" and frame["step"] == 25  # nothing changed before


def test_a_bad_setting_changes_nothing(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "settings", "settings": {"dataset": "xor", "noise": 99}})
        assert websocket.receive_json()["message"].startswith("noise:")
        websocket.send_json({"type": "step"})
        assert websocket.receive_json()["step"] == 25  # no rebuild happened


def test_twenty_pages_at_once_each_with_its_own_training(client) -> None:
    from contextlib import ExitStack

    with ExitStack() as stack:
        sockets = [stack.enter_context(socket(client)) for _ in range(20)]
        for websocket in sockets:
            opening(websocket)
        for index, websocket in enumerate(sockets):
            websocket.send_json({"type": "settings", "settings": {"seed": index + 1}})
        for index, websocket in enumerate(sockets):
            settings, _, _ = opening(websocket)
            assert settings["settings"]["seed"] == index + 1
        sockets[3].send_text("garbage")
        assert sockets[3].receive_json()["type"] == "error"
        for websocket in sockets:
            websocket.send_json({"type": "step"})
        answers = [websocket.receive_json() for websocket in sockets]
        assert all(a["type"] == "frame" for a in answers), answers[0]
        losses = [a["testLoss"] for a in answers]
        assert len(set(losses)) > 10  # twenty sessions, seeded apart
    assert client.get(f"/?token={TOKEN}").status_code == 200  # still serving


def test_too_many_pages_are_turned_away(client, monkeypatch) -> None:
    monkeypatch.setattr(server, "MAX_PAGES", 2)
    fresh = TestClient(server.create_app(TOKEN, PORT), base_url=BASE)
    with socket(fresh) as first, socket(fresh) as second:
        opening(first), opening(second)
        with pytest.raises(WebSocketDisconnect) as refused:
            with socket(fresh) as third:
                third.receive_json()
        assert refused.value.code == 1013
    with socket(fresh) as again:  # room again once they closed
        assert opening(again)[0]["type"] == "settings"


def test_frames_are_capped_at_30_a_second(client) -> None:
    import time

    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "play"})
        websocket.receive_json()
        started = time.perf_counter()
        for _ in range(15):
            websocket.receive_json()
        rate = 15 / (time.perf_counter() - started)
        websocket.send_json({"type": "pause"})
    print(f"\nframes/s while playing (TestClient): {rate:.1f}")
    assert 10 < rate <= server.FRAMES_PER_SECOND * 1.15


def test_json_text_is_what_the_server_sends(client) -> None:
    with socket(client) as websocket:
        text = websocket.receive_text()
    assert json.loads(text)["type"] == "settings"


@pytest.mark.parametrize("last_message", ["pause", "step", "backprop", "play"])
def test_a_page_that_goes_mid_send_ends_quietly(last_message) -> None:
    """A browser tab closed while the server sends: Uvicorn's send raises OSError, and every
    send after that would raise too. The page must end without raising (it did, and Uvicorn
    logged "Exception in ASGI application" and a traceback for each closed tab)."""
    import asyncio

    from starlette.websockets import WebSocket

    incoming = [{"type": "websocket.connect"},
                {"type": "websocket.receive", "text": '{"type": "play"}'},
                {"type": "websocket.receive", "text": json.dumps({"type": last_message})},
                {"type": "websocket.disconnect", "code": 1006}]
    sent: list[str] = []

    async def receive() -> dict:
        await asyncio.sleep(0.05)  # (the trainer's frames go out between messages)
        return incoming.pop(0)

    async def send(message: dict) -> None:
        sent.append(message["type"])
        if len(sent) > 4:  # accept, then the page's three opening messages; then it has gone
            raise OSError("the client went away")  # (as Uvicorn's ClientDisconnected is)

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    pages = server._Pages()
    asyncio.run(pages.serve(WebSocket(scope, receive, send)))  # (and does not raise)
    assert sent == ["websocket.accept"] + ["websocket.send"] * 4  # nothing after the failure
    assert pages.open == 0 and incoming in ([], [{"type": "websocket.disconnect",
                                                  "code": 1006}])  # (all read)
