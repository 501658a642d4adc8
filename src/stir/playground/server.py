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
- a refused request gets 403 and one line; an unknown route or a path outside the three
  assets 404; a method other than GET 405; every answer has a CSP of default-src 'self',
  no framing, no referrer and no caching;
- messages are capped (protocol.MAX_MESSAGE_BYTES in the app; Uvicorn closes the
  connection on a frame over WS_MAX_SIZE), and so are pages (MAX_PAGES at once), the
  network (settings.MAX_LAYERS, MAX_NEURONS) and the frame rate (FRAMES_PER_SECOND); a bad
  message gets an error frame and the connection goes on.

Training runs off the event loop, in a worker thread (asyncio.to_thread), one Session per
connection; while playing, each frame trains for most of a frame's time (so the steps per
frame adapt to the network), then builds the frame and its JSON in the thread too. Sessions
take turns, under one lock (`COMPUTE`): stir's grad mode is one process-wide flag, so one
page's frame (under no_grad) must not overlap another's training step, and under the GIL
the turns cost no throughput.
"""

from __future__ import annotations

import asyncio
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
from starlette.websockets import WebSocket, WebSocketClose

from .protocol import ProtocolError, limits, parse_message
from .session import Session
from .settings import Settings, SettingsError

__all__ = ["ASSETS", "COMPUTE", "FRAMES_PER_SECOND", "MAX_PAGES", "WS_MAX_SIZE", "bind",
           "create_app", "new_token", "run"]

#: The files the server serves, by URL path: all of them, from the package (nothing else).
ASSETS = {"/": ("index.html", "text/html; charset=utf-8"),
          "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/static/style.css": ("style.css", "text/css; charset=utf-8")}
#: The most frames a page gets each second, and the most pages served at once.
FRAMES_PER_SECOND, MAX_PAGES = 30, 32
#: The largest WebSocket frame Uvicorn reads before closing the connection (code 1009).
WS_MAX_SIZE = 64 * 1024
#: Held by whichever page's thread is running stir (see the module's docstring).
COMPUTE = threading.Lock()
#: The share of a frame's time spent training while playing (the rest: the frame itself).
TRAINING_SHARE = 0.6

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
    """One page's connection: its session, whether it plays, and the two tasks that share
    them (reading messages; training and sending frames), a lock keeping the session whole."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.session: Session | None = None
        self.playing = False
        self.session_lock, self.send_lock = asyncio.Lock(), asyncio.Lock()
        self.wake = asyncio.Event()

    async def run(self) -> None:
        await self._rebuild(Settings())
        trainer = asyncio.create_task(self._play())
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                raw = message.get("text")
                await self._handle(raw if raw is not None else message.get("bytes"))
        finally:
            trainer.cancel()

    async def _handle(self, raw: Any) -> None:
        try:
            message = parse_message(raw)
            assert self.session is not None
            if message.type == "settings":
                old = self.session.settings
                new = old.updated(message.settings)
                if new == old.updated({"learningRate": new.learning_rate}):
                    self.session.set_learning_rate(new.learning_rate)  # (atomic enough)
                    await self._send_json({"type": "settings", "settings": new.to_json(),
                                           "limits": limits()})
                else:
                    self.playing = False
                    await self._rebuild(new)
            elif message.type == "play":
                self.playing = True
                self.wake.set()
            elif message.type == "pause":
                self.playing = False
                await self._send_frame(0)
            elif message.type == "step":
                self.playing = False
                await self._send_frame(self.session.epoch_steps)
            elif message.type == "reset":
                self.playing = False
                await self._rebuild(self.session.settings)
        except (ProtocolError, SettingsError) as error:
            await self._send_json({"type": "error", "message": str(error)})
        except Exception as error:  # a bug must not end the page: say so and go on
            await self._send_json({"type": "error", "message": f"the server failed: "
                                   f"{type(error).__name__}: {error}"[:300]})

    async def _rebuild(self, settings: Settings) -> None:
        async with self.session_lock:
            self.session = await asyncio.to_thread(_computed, Session, settings)
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
            if seconds:
                self.session.train_for(seconds)
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
            await self._send_frame(0, interval * TRAINING_SHARE)
            await asyncio.sleep(max(0.0, interval - (loop.time() - started)))

    async def _send_json(self, data: dict[str, Any]) -> None:
        await self._send_text(json.dumps(data))

    async def _send_text(self, text: str) -> None:
        async with self.send_lock:
            await self.websocket.send_text(text)


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
