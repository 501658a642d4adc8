"""`stir playground`: TensorFlow Playground on stir, served to a page in the browser.

The server (stir.playground.server) binds 127.0.0.1 by default and answers only requests
that carry the random token in the URL it prints, name it in their Host header, and come
from its own page; training runs in stir on the server, one network per page. It needs
Starlette and Uvicorn: pip install "stir[playground]".
"""

from __future__ import annotations

import argparse
import errno
import sys
import webbrowser
from typing import Any

from . import EXIT_OK, UsageError

__all__ = ["DEFAULT_PORT", "add_parser", "run", "url_of"]

#: The port tried first when --port is not given (a free one is taken if it is in use).
DEFAULT_PORT = 8765
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def add_parser(commands: Any) -> argparse.ArgumentParser:
    """The `playground` subcommand's arguments."""
    parser = commands.add_parser(
        "playground", help="TensorFlow Playground on stir, in the browser",
        description=__doc__.split("\n\n")[0].replace("`", ""),
        epilog="example: stir playground --port 8765 --no-browser",
    )
    parser.add_argument("--port", type=_port, metavar="N", help=f"the port (default: "
                        f"{DEFAULT_PORT}, or a free one if it is in use; 0: any free one)")
    parser.add_argument("--host", default="127.0.0.1", metavar="H", help="the address to "
                        "listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--no-browser", action="store_true", help="print the URL only; do "
                        "not open a browser")
    return parser


def url_of(host: str, port: int, token: str) -> str:
    """The page's address with its token.

    >>> url_of("::1", 8765, "abc")
    'http://[::1]:8765/?token=abc'
    """
    name = f"[{host}]" if ":" in host else host
    return f"http://{name}:{port}/?token={token}"


def run(arguments: argparse.Namespace) -> int:
    """Serve until Ctrl-C; returns the exit status."""
    try:
        from ..playground import INSTALL_HINT
        from ..playground import server
    except ImportError as error:
        if error.name in ("starlette", "uvicorn") or "starlette" in str(error):
            raise RuntimeError(f"stir playground needs {error.name or 'starlette'}: "
                               'pip install "stir[playground]"') from None
        raise
    try:
        import uvicorn  # noqa: F401  (checked before the socket is bound)
    except ImportError:
        raise RuntimeError(f"stir playground needs uvicorn: {INSTALL_HINT}") from None
    host = arguments.host
    listening = _bind(server, host, arguments.port)
    token = server.new_token()
    url = url_of(host if host not in ("0.0.0.0", "::") else "127.0.0.1",
                 listening.getsockname()[1], token)
    if host not in _LOOPBACK:
        print(f"stir playground: warning: listening on {host}: anyone who can reach it and "
              "has the token can use this server", file=sys.stderr)
    print(f"stir playground: serving at {url}\n(Ctrl-C to stop)", flush=True)
    if not arguments.no_browser:
        webbrowser.open(url)
    server.run(listening, token, host)
    return EXIT_OK


def _bind(server: Any, host: str, port: int | None) -> Any:
    """A listening socket on host:port; with no port, DEFAULT_PORT, or a free one when
    another program has that. Any other failure (an address this machine does not have, a
    name that does not resolve) is a UsageError naming host and port."""
    tried = DEFAULT_PORT if port is None else port
    try:
        return server.bind(host, tried)
    except OSError as error:
        if port is None and error.errno == errno.EADDRINUSE:
            return _bind(server, host, 0)
        reason = (error.strerror or str(error)).split(" (while attempting")[0]  # (socket's)
        raise UsageError(f"cannot listen on {host}:{tried}: {reason}") from None


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is an integer from 0 to 65535, got {text!r}")
    return value
