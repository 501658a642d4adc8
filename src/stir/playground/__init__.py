"""`stir playground`: TensorFlow Playground on the real library, served to a local page.

Training runs in stir on the server, one session per page, and streams frames (heatmaps,
weights, losses) over a WebSocket; the page only draws them. Starlette and Uvicorn (the
optional `playground` extra: pip install "stir[playground]") are needed by server.py alone:
the settings, datasets and sessions work without them.

    settings.py  the settings, under TF Playground's names, checked from plain JSON
    datasets.py  TF Playground's six datasets, ported from its dataset.ts, and its split
    session.py   one page's training: a stir MLP stepped by stir.optim, and its frames
    protocol.py  the WebSocket messages: parsing and checking what a page sends
    server.py    the Starlette app: the page, its assets, the token, Host and Origin checks
                 and the WebSocket that runs a session off the event loop
    static/      the page: index.html, app.js (plain JavaScript, canvas), style.css

>>> from stir.playground import Session, Settings
>>> session = Session(Settings(dataset="xor"))
>>> session.train(10), session.frame()["step"]
(10, 10)
"""

from __future__ import annotations

from .datasets import DATASETS, Data, make_data
from .protocol import MAX_MESSAGE_BYTES, ProtocolError, parse_message
from .session import Session
from .settings import MAX_LAYERS, MAX_NEURONS, Settings, SettingsError, parse_settings

#: What to run to get the server.
INSTALL_HINT = 'pip install "stir[playground]" (starlette and uvicorn)'

__all__ = [
    "DATASETS", "Data", "INSTALL_HINT", "MAX_LAYERS", "MAX_MESSAGE_BYTES", "MAX_NEURONS",
    "ProtocolError", "Session", "Settings", "SettingsError", "make_data", "parse_message",
    "parse_settings",
]
