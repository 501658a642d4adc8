"""`stir playground`: TensorFlow Playground on the real library, served to a local page.

Training runs in stir on the server, one session per page, and streams frames (heatmaps,
curves, weights, losses) over a WebSocket; the page only draws them. Starlette and Uvicorn
(the optional `playground` extra: pip install "stir[playground]") are needed by server.py
alone: the settings, datasets, sessions and exports work without them. docs/playground.md
holds the contract between the page and the server.

    settings.py  the settings, under TF Playground's names, checked from plain JSON
    datasets.py  TF Playground's datasets (K classes), seed 000's curve, an upload's data,
                 and the split and point edits
    upload.py    CSV uploads: a file's two feature columns and its label or target, read by
                 stir's CSV reader
    network.py   the network, optimizer, schedule, inputs and loss, as calls of stir's
                 public classes
    views.py     a frame's pictures: the output, the neurons, the 1-D curve and its exact
                 pieces, the warp of a two-unit layer
    session.py   one page's training: the network stepped by stir.optim, and its frames
    export.py    the network as a stir model file, and as a script that trains it again
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

from .datasets import DATASETS, Data, Upload, make_data, upload_settings
from .export import model_file, script
from .protocol import MAX_MESSAGE_BYTES, ProtocolError, parse_message
from .session import Event, Session
from .settings import MAX_LAYERS, MAX_NEURONS, Settings, SettingsError, parse_settings

#: What to run to get the server.
INSTALL_HINT = 'pip install "stir[playground]" (starlette and uvicorn)'

__all__ = [
    "DATASETS", "Data", "Event", "INSTALL_HINT", "MAX_LAYERS", "MAX_MESSAGE_BYTES",
    "MAX_NEURONS", "ProtocolError", "Session", "Settings", "SettingsError", "Upload",
    "make_data", "model_file", "parse_message", "parse_settings", "script", "upload_settings",
]
