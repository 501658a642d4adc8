"""The WebSocket messages between a page and its session, and the checks on what a page sends.

Page to server, one JSON object per text message of at most MAX_MESSAGE_BYTES (an upload:
MAX_UPLOAD_MESSAGE_BYTES, room for a file of upload.MAX_UPLOAD_BYTES written as JSON):

    {"type": "settings", "settings": {...}}  change some settings (TF Playground's names);
                                              a change of learningRate alone keeps training,
                                              any other rebuilds the data and the network
    {"type": "play"}   {"type": "pause"}      train continuously, or stop
    {"type": "step"}                          pause, then train one epoch
    {"type": "reset"}                         a fresh network on the same data (paused)
    {"type": "addPoint", "point": [x1, x2, label]}   add a training point ([x, label] in a
                                              1-D task); the data and network are rebuilt
    {"type": "removePoint", "index": i}       remove training point i (of the last "data")
    {"type": "upload", "name": "points.csv", "text": "...", "target": "label" | null,
     "task": "auto" | "classification" | "regression",
     "features": ["x", "y"] | null}           a CSV to train on (see upload.py); features:
                                              the one or two columns plotted (null: all);
                                              the page pauses on its data and a new network
    {"type": "weight", "layer": l, "to": i, "from": j | null, "value": v, "piece": k}
                                              set a weight (or, from null, a bias) and train
                                              on from it; "piece" (a maxout layer's only)
                                              says which of its affine maps
    {"type": "backprop"}                      pause, then one minibatch step, shown
    {"type": "export", "kind": "model" | "script"}   the network as a stir model file, or a
                                              Python script that trains it again

Server to page: "settings" (the whole settings and the limits, after every change),
"data" (the points, after every rebuild), "frame" (see `Session.frame`, plus "playing"),
"backprop" (the step's batch, losses and gradients), "export" (a file to save), and
{"type": "error", "message": "..."} for a message that cannot be used, after which the
connection goes on as before. A page sends at most MESSAGES_PER_SECOND messages a second
(MESSAGE_BURST at once): beyond that, each is dropped with an error frame (`MessageRate`).
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any, Callable

from .settings import FIELDS, MAX_LAYERS, MAX_NEURONS, is_integer, is_number, shown

__all__ = ["EXPORT_KINDS", "MAX_MESSAGE_BYTES", "MAX_UPLOAD_BYTES", "MAX_UPLOAD_MESSAGE_BYTES",
           "MESSAGES_PER_SECOND", "MESSAGE_BURST", "MESSAGE_TYPES", "Message", "MessageRate",
           "ProtocolError", "UPLOAD_TASKS", "WEIGHT_LIMIT", "limits", "parse_message"]

#: The largest message a page may send; the settings fit in well under 2 KiB.
MAX_MESSAGE_BYTES = 16 * 1024
#: The largest file a page may upload, in bytes of UTF-8 (upload.py checks it).
MAX_UPLOAD_BYTES = 256 * 1024
#: The largest upload message: JSON writes a file's quotes, backslashes and line ends as two
#: characters each, so twice the file, and room for the other keys.
MAX_UPLOAD_MESSAGE_BYTES = 2 * MAX_UPLOAD_BYTES + 4096
#: The keys each message type may hold besides "type"; those marked "?" may be left out.
MESSAGE_TYPES: dict[str, tuple[str, ...]] = {
    "settings": ("settings?",), "play": (), "pause": (), "step": (), "reset": (),
    "addPoint": ("point",), "removePoint": ("index",),
    "upload": ("name", "text", "target?", "task?", "features?"),
    "weight": ("layer", "to", "from", "value", "piece?"), "backprop": (),
    "export": ("kind",),
}
#: The tasks an upload may ask for (stir.data.load_csv's), and the kinds of export.
UPLOAD_TASKS, EXPORT_KINDS = ("auto", "classification", "regression"), ("model", "script")
#: The largest weight a page may set, in absolute value (beyond it float32 training is
#: soon all inf and NaN).
WEIGHT_LIMIT = 1000.0
#: The messages a page may send a second, on average, and at once (see MessageRate).
MESSAGES_PER_SECOND, MESSAGE_BURST = 50, 100
_LONGEST_NAME = 1000  # characters of an uploaded file's name


class ProtocolError(ValueError):
    """A message that cannot be used; its text is the error frame's message."""


@dataclasses.dataclass(frozen=True)
class Message:
    """One checked message from a page: its type, the settings it changes (a settings
    message) and its other values by key (`from` as "from"), each of the checked type."""

    type: str
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


def parse_message(text: Any) -> Message:
    """A page's message, checked: a JSON object of a known type with only its own keys, each
    of its type (an integer index at least 0, a finite number, ...). What needs the session
    to check (an index past the last point, a layer the network lacks) is checked by the
    server, and the settings themselves by `parse_settings` when they are applied.

    >>> parse_message('{"type": "play"}')
    Message(type='play', settings={}, values={})
    >>> parse_message('{"type": "weight", "layer": 0, "to": 1, "from": null, "value": 0.5}')
    Message(type='weight', settings={}, values={'layer': 0, 'to': 1, 'from': None, \
'value': 0.5, 'piece': None})
    >>> parse_message('{"type": "jump"}')
    Traceback (most recent call last):
    ...
    stir.playground.protocol.ProtocolError: unknown message type 'jump'; the types are \
settings, play, pause, step, reset, addPoint, removePoint, upload, weight, backprop, export
    """
    if isinstance(text, (bytes, bytearray)):
        raise ProtocolError("binary messages are not used: send JSON text")
    if not isinstance(text, str):
        raise ProtocolError("a message must be JSON text")
    size = len(text) if len(text) > MAX_UPLOAD_MESSAGE_BYTES else len(
        text.encode("utf-8", "surrogatepass"))
    too_long = ProtocolError(f"message too long: at most {MAX_MESSAGE_BYTES} bytes (an upload: "
                             f"{MAX_UPLOAD_MESSAGE_BYTES})")
    if size > MAX_UPLOAD_MESSAGE_BYTES:
        raise too_long
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        if size > MAX_MESSAGE_BYTES:
            raise too_long from None
        raise ProtocolError(f"not JSON: {' '.join(str(error).split())[:120]}") from None
    if size > MAX_MESSAGE_BYTES and not (isinstance(data, dict) and data.get("type") == "upload"):
        raise too_long
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object with a \"type\"")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        named = kind if isinstance(kind, str) and len(kind) <= 40 else type(kind).__name__
        raise ProtocolError(f"unknown message type {named!r}; the types are "
                            f"{', '.join(MESSAGE_TYPES)}")
    keys = {key.rstrip("?"): key.endswith("?") for key in MESSAGE_TYPES[kind]}
    extra = sorted(str(key)[:40] for key in data if key != "type" and key not in keys)
    if extra:
        raise ProtocolError(f"{kind} message: unknown key {extra[0]!r}")
    missing = [key for key, optional in keys.items() if not optional and key not in data]
    if missing:
        raise ProtocolError(f"{kind} message: {json.dumps(missing[0])} is missing")
    if kind == "settings":
        settings = data.get("settings", {})
        if not isinstance(settings, dict):
            raise ProtocolError("settings message: \"settings\" must be a JSON object")
        return Message(kind, settings)
    return Message(kind, values={key: _checked(kind, key, data.get(key)) for key in keys})


def _checked(kind: str, key: str, value: Any) -> Any:
    """One value of a message, checked for its type (and its range, where that does not
    depend on the session); the ProtocolError names the message and the key."""
    where = f"{kind} message: {json.dumps(key)}"
    null_means = {"from": " or null (the bias)", "piece": " or null (a Linear layer)"}
    if key in ("index", "layer", "to") or (key in null_means and value is not None):
        if not is_integer(value) or value < 0:
            raise ProtocolError(f"{where} must be an integer at least 0"
                                f"{null_means.get(key, '')}, got {shown(value)}")
        return int(value)
    if key in ("from", "piece"):
        return None
    if key == "value":
        if not is_number(value) or abs(value) > WEIGHT_LIMIT:
            raise ProtocolError(f"{where} must be a number in [-{WEIGHT_LIMIT:g}, "
                                f"{WEIGHT_LIMIT:g}], got {shown(value)}")
        return float(value)
    if key == "point":
        if not isinstance(value, list) or len(value) not in (2, 3) or not all(
                is_number(number) for number in value):
            raise ProtocolError(f"{where} must be a list [x1, x2, label] (or [x, label]) of "
                                f"finite numbers, got {shown(value)}")
        return [float(number) for number in value]
    if key == "name":
        if not isinstance(value, str) or len(value) > _LONGEST_NAME:
            raise ProtocolError(f"{where} must be a file name of at most {_LONGEST_NAME} "
                                f"characters, got {shown(value)}")
        return value
    if key == "text":
        if not isinstance(value, str):
            raise ProtocolError(f"{where} must be the file's text, a string; got "
                                f"{type(value).__name__}")
        return value
    if key == "target":
        if value is not None and (not isinstance(value, str) or len(value) > _LONGEST_NAME):
            raise ProtocolError(f"{where} must be a column name or null (the last column), "
                                f"got {shown(value)}")
        return value
    if key == "features":
        if value is not None and (not isinstance(value, list) or not 1 <= len(value) <= 2
                                  or not all(isinstance(column, str)
                                             and len(column) <= _LONGEST_NAME
                                             for column in value)):
            raise ProtocolError(f"{where} must be a list of one or two column names, or null "
                                f"(every column but the target), got {shown(value)}")
        return value
    choices = {"task": UPLOAD_TASKS, "kind": EXPORT_KINDS}[key]
    value = "auto" if key == "task" and value is None else value
    if not isinstance(value, str) or value not in choices:
        raise ProtocolError(f"{where} must be one of {', '.join(choices)}; got {shown(value)}")
    return value


def limits() -> dict[str, Any]:
    """What a page may ask for, sent with the settings so that its controls match."""
    choices = {name: list(field.choices) for name, field in FIELDS.items() if field.choices}
    return {"maxLayers": MAX_LAYERS, "maxNeurons": MAX_NEURONS,
            "maxMessageBytes": MAX_MESSAGE_BYTES, "maxUploadBytes": MAX_UPLOAD_BYTES,
            "choices": choices}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class MessageRate:
    """A token bucket: `allow()` says whether one more message may be used now, at most
    `rate` a second on average and `burst` at once (a bucket of `burst` tokens, refilled at
    `rate` a second; each message takes one). `clock` gives seconds (a test's may be fake).

    >>> now = [0.0]
    >>> bucket = MessageRate(rate=2, burst=3, clock=lambda: now[0])
    >>> [bucket.allow() for _ in range(4)]
    [True, True, True, False]
    >>> now[0] = 0.5  # one token back
    >>> bucket.allow(), bucket.allow()
    (True, False)
    """

    def __init__(self, rate: float = MESSAGES_PER_SECOND, burst: int = MESSAGE_BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.last = float(burst), clock()

    def allow(self) -> bool:
        """Take a token if there is one: whether the message may be used."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
