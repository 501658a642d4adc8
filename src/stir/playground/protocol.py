"""The WebSocket messages between a page and its session, and the checks on what a page sends.

Page to server, one JSON object per text message of at most MAX_MESSAGE_BYTES:

    {"type": "settings", "settings": {...}}  change some settings (TF Playground's names);
                                              a change of learningRate alone keeps training,
                                              any other rebuilds the data and the network
    {"type": "play"}   {"type": "pause"}      train continuously, or stop
    {"type": "step"}                          pause, then train one epoch
    {"type": "reset"}                         a fresh network on the same data (paused)

Server to page: "settings" (the whole settings and the limits, after every change),
"data" (the points, after every rebuild), "frame" (see `Session.frame`, plus "playing"),
and {"type": "error", "message": "..."} for a message that cannot be used, after which the
connection goes on as before.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from .settings import FIELDS, MAX_LAYERS, MAX_NEURONS

__all__ = ["MAX_MESSAGE_BYTES", "MESSAGE_TYPES", "Message", "ProtocolError", "limits",
           "parse_message"]

#: The largest message a page may send; the settings fit in well under 2 KiB.
MAX_MESSAGE_BYTES = 16 * 1024
#: What each message type may hold besides "type".
MESSAGE_TYPES = {"settings": ("settings",), "play": (), "pause": (), "step": (), "reset": ()}


class ProtocolError(ValueError):
    """A message that cannot be used; its text is the error frame's message."""


@dataclasses.dataclass(frozen=True)
class Message:
    """One checked message from a page: its type, and the settings it changes."""

    type: str
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)


def parse_message(text: Any) -> Message:
    """A page's message, checked: a JSON object of a known type with only its own keys.
    (The settings themselves are checked by `parse_settings` when they are applied.)

    >>> parse_message('{"type": "play"}')
    Message(type='play', settings={})
    >>> parse_message('{"type": "jump"}')
    Traceback (most recent call last):
    ...
    stir.playground.protocol.ProtocolError: unknown message type 'jump'; the types are \
settings, play, pause, step, reset
    """
    if isinstance(text, (bytes, bytearray)):
        raise ProtocolError("binary messages are not used: send JSON text")
    if not isinstance(text, str):
        raise ProtocolError("a message must be JSON text")
    if len(text) > MAX_MESSAGE_BYTES or len(text.encode("utf-8", "replace")) > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message too long: at most {MAX_MESSAGE_BYTES} bytes")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"not JSON: {' '.join(str(error).split())[:120]}") from None
    if not isinstance(data, dict):
        raise ProtocolError("a message must be a JSON object with a \"type\"")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        shown = kind if isinstance(kind, str) and len(kind) <= 40 else type(kind).__name__
        raise ProtocolError(f"unknown message type {shown!r}; the types are "
                            f"{', '.join(MESSAGE_TYPES)}")
    extra = sorted(str(key)[:40] for key in data if key != "type"
                   and key not in MESSAGE_TYPES[kind])
    if extra:
        raise ProtocolError(f"{kind} message: unknown key {extra[0]!r}")
    settings = data.get("settings", {})
    if kind == "settings" and not isinstance(settings, dict):
        raise ProtocolError("settings message: \"settings\" must be a JSON object")
    return Message(kind, settings)


def limits() -> dict[str, Any]:
    """What a page may ask for, sent with the settings so that its controls match."""
    choices = {name: list(field.choices) for name, field in FIELDS.items() if field.choices}
    return {"maxLayers": MAX_LAYERS, "maxNeurons": MAX_NEURONS,
            "maxMessageBytes": MAX_MESSAGE_BYTES, "choices": choices}


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
