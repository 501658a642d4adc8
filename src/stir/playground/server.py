"""The playground's server: one page, its assets, and a WebSocket per page running a Session.

Safe to leave running (the rules, each checked on every HTTP request and WebSocket
handshake, before any route runs):
- it binds 127.0.0.1 unless told otherwise;
- the `Host` header must name the server: 127.0.0.1:PORT, localhost:PORT, [::1]:PORT or
  the --host given, so that a DNS-rebound name is refused; an `Origin` header, when there
  is one, must be http:// and one of those (browsers always send it on a WebSocket);
- the token (secrets.token_urlsafe, made by the command) is required, from `?token=` in the
  URL, as Jupyter does, or from the cookie the page's first answer sets (HttpOnly,
  SameSite=Strict, one name per port);
- a refused request gets 403 and one line; an unknown route or a path outside the assets
  (ASSETS: the page, and the scripts and style sheets beside it) 404; a method other than
  GET 405; every answer has a CSP of default-src 'self', no framing, no referrer and no
  caching;
- messages are capped in size (protocol.MAX_MESSAGE_BYTES, an upload
  MAX_UPLOAD_MESSAGE_BYTES, in the app; Uvicorn closes the connection on a frame over
  WS_MAX_SIZE) and in number (protocol.MESSAGES_PER_SECOND a page, beyond a burst of
  MESSAGE_BURST: dropped, with an error frame), and so are pages (MAX_PAGES at once), the
  network (settings.MAX_LAYERS, MAX_NEURONS), uploads (protocol.MAX_UPLOAD_BYTES,
  datasets.MAX_POINTS) and the frame rate (FRAMES_PER_SECOND); a bad message gets an error
  frame and the connection goes on.

Training runs off the event loop, in a worker thread (asyncio.to_thread), one Session per
connection; while playing, each frame trains for most of a frame's time (so the steps per
frame adapt to the network), then builds the frame and its JSON in the thread too. Sessions
take turns, under one lock (`COMPUTE`): stir's grad mode is one process-wide flag, so one
page's frame (under no_grad) must not overlap another's training step, and under the GIL
the turns cost no throughput. Everything else that runs stir (reading an upload, an edit of
the points or a weight, the backprop step, an export) runs the same way, in a thread under
COMPUTE; the event loop only reads, checks and sends messages.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import socket
import threading
from importlib import resources
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request, cookie_parser
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import (WebSocket, WebSocketClose, WebSocketDisconnect,
                                  WebSocketState)

from ..data.csv_table import CSVError
from . import export
from .datasets import Upload, upload_settings
from .protocol import (MAX_UPLOAD_MESSAGE_BYTES, Message, MessageRate, ProtocolError, limits,
                       parse_message)
from .session import Session
from .settings import Settings, SettingsError
from .upload import parse_upload

__all__ = ["ASSETS", "COMPUTE", "FRAMES_PER_SECOND", "MAX_PAGES", "WS_MAX_SIZE", "bind",
           "create_app", "new_token", "run"]

_KINDS = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
#: The files the server serves, by URL path: the page at /, and its scripts and style sheets
#: under /static/, all from the package's static folder, listed once (nothing else).
ASSETS = {"/": ("index.html", "text/html; charset=utf-8"), **{
    f"/static/{entry.name}": (entry.name, _KINDS[entry.name[entry.name.rfind("."):]])
    for entry in sorted(resources.files(__package__).joinpath("static").iterdir(),
                        key=lambda entry: entry.name)
    if entry.is_file() and entry.name.endswith(tuple(_KINDS))}}
#: The most frames a page gets each second, and the most pages served at once.
FRAMES_PER_SECOND, MAX_PAGES = 30, 32
#: The largest WebSocket frame Uvicorn reads before closing the connection (code 1009): room
#: for the largest upload message (protocol.py refuses one beyond it with an error frame).
WS_MAX_SIZE = 1024 * 1024
#: Held by whichever page's thread is running stir (see the module's docstring).
COMPUTE = threading.Lock()
#: The share of a frame's time spent training while playing (the rest: the frame itself).
TRAINING_SHARE = 0.6
#: The longest error message sent (a CSV's column list, say, is cut there).
_LONGEST_ERROR = 300

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_token() -> str:
    """A fresh random token for a server's URL (32 bytes, URL-safe).

    >>> len(new_token()) >= 43
    True
    """
    return secrets.token_urlsafe(32)


def create_app(token: str, port: int, host: str = "127.0.0.1") -> ASGIApp:
    """The ASGI app of a server on `host`:`port` that accepts `token`.

    >>> app = create_app(new_token(), 8765)
    >>> callable(app)
    True
    """
    if len(token) < 16:
        raise ValueError("the token must be at least 16 characters")
    pages = {path: (resources.files(__package__).joinpath("static", name).read_bytes(), kind)
             for path, (name, kind) in ASSETS.items()}

    async def asset(request: Request) -> Response:
        body, kind = pages.get(request.url.path, (None, ""))
        if body is None:
            return PlainTextResponse("not found", status_code=404)
        return Response(body, media_type=kind)

    routes = [Route(path, asset, methods=["GET", "HEAD"]) for path in ASSETS]
    routes.append(WebSocketRoute("/ws", _Pages().serve))
    return _Guard(Starlette(routes=routes), token, port, host)


class _Guard:
    """The checks every request passes before the app sees it: Host, Origin and the token;
    and the security headers on every answer."""

    def __init__(self, app: ASGIApp, token: str, port: int, host: str) -> None:
        self.app, self.token, self.port = app, token, port
        names = {"127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host}
        self.hosts = {f"{name}:{port}".lower() for name in names}
        self.origins = {f"http://{name}" for name in self.hosts}
        self.cookie = f"stir-playground-{port}"
        # (Chromium rejects an IPv6 literal in a CSP source; 'self' covers the page's own)
        sockets = " ".join(f"ws://{name}" for name in sorted(self.hosts) if "[" not in name)
        self.headers = [
            (b"content-security-policy", (
                f"default-src 'self'; connect-src 'self' {sockets}; img-src 'self' data:; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'").encode()),
            (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        refusal, from_query = self.check(scope)
        if refusal is not None:
            if scope["type"] == "websocket":
                return await WebSocketClose(code=1008, reason=refusal)(scope, receive, send)
            return await self._with_headers(PlainTextResponse(
                f"forbidden: {refusal}\n", status_code=403), False)(scope, receive, send)
        await self._with_headers(self.app, from_query)(scope, receive, send)

    def check(self, scope: Scope) -> tuple[str | None, bool]:
        """Why a request is refused (None: it is not), and whether its token came in the
        URL (then the answer sets the cookie)."""
        headers: dict[str, str] = {}
        for key, value in scope.get("headers", []):
            name = key.decode("latin-1").lower()
            if name in headers and name in ("host", "origin", "cookie"):
                return "repeated header", False
            headers[name] = value.decode("latin-1")
        if headers.get("host", "").lower() not in self.hosts:
            return "bad Host header (open the URL stir playground printed)", False
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in self.origins:
            return "bad Origin header", False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [])
        if given:
            ok = len(given) == 1 and secrets.compare_digest(given[0].encode(), self.token.encode())
            return (None, True) if ok else ("wrong token", False)
        cookie = cookie_parser(headers.get("cookie", "")).get(self.cookie)
        if cookie is not None and secrets.compare_digest(cookie.encode(), self.token.encode()):
            return None, False
        return "a token is needed: open the URL stir playground printed (/?token=...)", False

    def _with_headers(self, app: ASGIApp, set_cookie: bool) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            async def send_with_headers(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", [])) + self.headers
                    if set_cookie:
                        headers.append((b"set-cookie", (
                            f"{self.cookie}={self.token}; Path=/; HttpOnly; "
                            "SameSite=Strict").encode()))
                    message = {**message, "headers": headers}
                await send(message)
            await app(scope, receive, send_with_headers)
        return wrapped


class _Pages:
    """The WebSocket endpoint: at most MAX_PAGES pages at once, each with its own _Page."""

    def __init__(self) -> None:
        self.open = 0

    async def serve(self, websocket: WebSocket) -> None:
        if self.open >= MAX_PAGES:
            await websocket.close(code=1013, reason="too many pages open")
            return
        self.open += 1
        try:
            await websocket.accept()
            await _Page(websocket).run()
        finally:
            self.open -= 1


class _Page:
    """One page's connection: its session, whether it plays, the file it uploaded, and the
    two tasks that share them (reading messages; training and sending frames), a lock
    keeping the session whole."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.session: Session | None = None
        self.upload: Upload | None = None
        self.playing = False
        self.session_lock, self.send_lock = asyncio.Lock(), asyncio.Lock()
        self.wake = asyncio.Event()
        self.rate = MessageRate()
        self.handlers: dict[str, Callable[[Message], Awaitable[None]]] = {
            "settings": self._on_settings, "play": self._on_play, "pause": self._on_pause,
            "step": self._on_step, "reset": self._on_reset, "addPoint": self._on_add_point,
            "removePoint": self._on_remove_point, "upload": self._on_upload,
            "weight": self._on_weight, "backprop": self._on_backprop,
            "export": self._on_export}

    async def run(self) -> None:
        """Serve the page until it closes, even in the middle of a send (which raises
        WebSocketDisconnect from _send_text: the page has gone, and that is no error)."""
        trainer = None
        try:
            await self._rebuild(Settings())
            trainer = asyncio.create_task(self._play())
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if not self.rate.allow():
                    await self._send_error(f"too many messages: at most "
                                           f"{self.rate.rate:g} a second")
                    continue
                raw = message.get("text")
                await self._handle(raw if raw is not None else message.get("bytes"))
        except WebSocketDisconnect:
            pass
        finally:
            if trainer is not None:
                trainer.cancel()

    async def _handle(self, raw: Any) -> None:
        try:
            message = parse_message(raw)
            await self.handlers[message.type](message)
        except WebSocketDisconnect:
            raise  # (the page has gone: nobody to tell)
        except (ProtocolError, SettingsError, CSVError) as error:
            await self._send_error(str(error))
        except Exception as error:  # a bug must not end the page: say so and go on
            await self._send_error(f"the server failed: {type(error).__name__}: {error}")

    async def _on_settings(self, message: Message) -> None:
        assert self.session is not None
        old = self.session.settings
        new = old.updated(message.settings)
        if new == old.updated({"learningRate": new.learning_rate}):
            # (between two steps, so that the export's replay of it is exact)
            await self._in_session(lambda session: session.set_learning_rate(
                new.learning_rate))
            await self._send_json({"type": "settings", "settings": new.to_json(),
                                   "limits": limits()})
        else:
            await self._rebuild(new, pause=True)

    async def _on_play(self, message: Message) -> None:
        await self._in_session(lambda session: session.go_on())
        self.playing = True
        self.wake.set()

    async def _on_pause(self, message: Message) -> None:
        self.playing = False
        await self._send_frame(0)

    async def _on_step(self, message: Message) -> None:
        assert self.session is not None
        self.playing = False
        await self._send_frame(self.session.epoch_steps)

    async def _on_reset(self, message: Message) -> None:
        assert self.session is not None
        await self._rebuild(self.session.settings, pause=True)

    async def _on_add_point(self, message: Message) -> None:
        new = await self._in_session(lambda session: session.with_point_added(
            message.values["point"]))
        await self._rebuild(new)  # (playing goes on if it was on)

    async def _on_remove_point(self, message: Message) -> None:
        new = await self._in_session(lambda session: session.with_point_removed(
            message.values["index"]))
        await self._rebuild(new)

    async def _on_upload(self, message: Message) -> None:
        assert self.session is not None
        values = message.values
        upload = await asyncio.to_thread(_computed, parse_upload, values["name"],
                                         values["text"], values["target"], values["task"],
                                         values["features"])
        settings = upload_settings(self.session.settings, upload)
        await self._rebuild(settings, upload, pause=True)  # (new data, as a new dataset)

    async def _on_weight(self, message: Message) -> None:
        values = message.values
        await self._in_session(lambda session: session.set_weight(
            values["layer"], values["to"], values["from"], values["value"], values["piece"]))
        await self._send_frame(0)

    async def _on_backprop(self, message: Message) -> None:
        self.playing = False
        text = await self._in_session(lambda session: json.dumps(session.backprop_step()))
        await self._send_text(text)
        await self._send_frame(0)

    async def _on_export(self, message: Message) -> None:
        if message.values["kind"] == "model":
            data = await self._in_session(lambda session: base64.b64encode(
                export.model_file(session)).decode("ascii"))
            answer = {"filename": "playground.safetensors", "base64": data}
        else:
            answer = {"filename": "playground.py", "text": await self._in_session(
                export.script)}
        await self._send_json({"type": "export", "kind": message.values["kind"], **answer})

    async def _in_session(self, work: Callable[[Session], Any]) -> Any:
        """`work(session)`, in a worker thread under COMPUTE, the session kept whole."""
        async with self.session_lock:
            assert self.session is not None
            return await asyncio.to_thread(_computed, work, self.session)

    async def _rebuild(self, settings: Settings, upload: Upload | None = None,
                       pause: bool = False) -> None:
        """A fresh session of `settings` (on `upload`, the page's file from now on, when
        given; on the page's last one when the settings name dataset "upload"), paused if
        `pause`, then the settings, the data and a frame sent. Nothing changes if the
        session cannot be built (a SettingsError)."""
        upload = upload or self.upload
        async with self.session_lock:  # (Session refuses "upload" without one, or unlike it)
            self.session = await asyncio.to_thread(_computed, Session, settings, upload)
            self.upload = upload
            self.playing = self.playing and not pause
            points = await asyncio.to_thread(json.dumps, self.session.points())
        await self._send_json({"type": "settings", "settings": settings.to_json(),
                               "limits": limits()})
        await self._send_text(points)
        await self._send_frame(0)

    async def _send_frame(self, steps: int, seconds: float = 0.0) -> None:
        async with self.session_lock:
            text = await asyncio.to_thread(self._advance, steps, seconds)
        await self._send_text(text)

    def _advance(self, steps: int, seconds: float) -> str:
        """(In a worker thread.) Train, then the frame as JSON text."""
        assert self.session is not None
        with COMPUTE:
            if seconds:  # (a playing frame; none once paused, though it waited for the lock)
                if self.playing:
                    self.session.train_for(seconds)
                    if self.session.stopped is not None:  # (the stopping rule: pause here)
                        self.playing = False
            else:
                self.session.train(steps)
            frame = self.session.frame()
        return json.dumps({**frame, "playing": self.playing})

    async def _play(self) -> None:
        loop, interval = asyncio.get_running_loop(), 1 / FRAMES_PER_SECOND
        while True:
            if not self.playing:
                self.wake.clear()
                await self.wake.wait()
                continue
            started = loop.time()
            try:
                await self._send_frame(0, interval * TRAINING_SHARE)
            except WebSocketDisconnect:
                return  # (the page has gone; run() sees it too, and ends)
            await asyncio.sleep(max(0.0, interval - (loop.time() - started)))

    async def _send_error(self, text: str) -> None:
        """An error frame: the message on one line, cut at _LONGEST_ERROR characters."""
        text = " ".join(text.split())
        if len(text) > _LONGEST_ERROR:
            text = text[:_LONGEST_ERROR - 3] + "..."
        await self._send_json({"type": "error", "message": text})

    async def _send_json(self, data: dict[str, Any]) -> None:
        await self._send_text(json.dumps(data))

    async def _send_text(self, text: str) -> None:
        """Send `text`, or raise WebSocketDisconnect if the page has gone. (Starlette
        raises that on the first failed send, but a RuntimeError on the next, and older
        Starlettes let the server's OSError through.)"""
        async with self.send_lock:
            if self.websocket.application_state is not WebSocketState.CONNECTED:
                raise WebSocketDisconnect(code=1006)
            try:
                await self.websocket.send_text(text)
            except OSError as error:
                raise WebSocketDisconnect(code=1006) from error


def _computed(function: Callable[..., Any], *arguments: Any) -> Any:
    with COMPUTE:
        return function(*arguments)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free one), for `run`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=64)


def run(listening: socket.socket, token: str, host: str) -> None:
    """Serve the playground on a socket from `bind` until Ctrl-C."""
    import uvicorn

    port = listening.getsockname()[1]
    config = uvicorn.Config(create_app(token, port, host), log_level="warning",
                            ws_max_size=WS_MAX_SIZE, server_header=False, proxy_headers=False,
                            limit_concurrency=4 * MAX_PAGES, access_log=False)
    uvicorn.Server(config).run(sockets=[listening])
