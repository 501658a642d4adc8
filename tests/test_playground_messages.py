"""The playground's newer messages end to end through Starlette's TestClient: point edits,
uploads, weight edits, the backprop step, exports and the per-page message rate; each one's
good path (what comes back), and a hostile corpus after each of which the same socket still
answers a normal message."""

from __future__ import annotations

import ast
import base64
import io
import json
import struct
from unittest.mock import ANY

import numpy as np
import pytest

import stir

pytest.importorskip("starlette", reason="the playground server needs starlette")
pytest.importorskip("httpx2", reason="Starlette's TestClient needs httpx2")

from starlette.testclient import TestClient  # noqa: E402

from stir.playground import protocol, server  # noqa: E402
from stir.playground.protocol import (  # noqa: E402
    MAX_UPLOAD_BYTES, MAX_UPLOAD_MESSAGE_BYTES, MESSAGE_BURST, MessageRate,
)

PORT = 8765
TOKEN = "t" * 20 + "secret"
BASE = f"http://127.0.0.1:{PORT}"
PETS = "width,height,kind\n" + "".join(
    f"{w},{h},{'cat' if w < 5 else 'dog'}\n" for w, h in
    [(1, 20), (2, 22), (3, 25), (4, 21), (6, 40), (7, 45), (8, 39), (9, 50), (2.5, 23),
     (7.5, 41)])


@pytest.fixture
def client():
    with TestClient(server.create_app(TOKEN, PORT), base_url=BASE) as client:
        yield client


def socket(client):
    return client.websocket_connect(f"ws://127.0.0.1:{PORT}/ws?token={TOKEN}",
                                    headers={"host": f"127.0.0.1:{PORT}"})


def opening(websocket) -> list[dict]:
    """The three messages after a rebuild: settings, data, frame."""
    return [websocket.receive_json() for _ in range(3)]


def answered(websocket, message: dict) -> dict:
    websocket.send_json(message)
    return websocket.receive_json()


def until(websocket, kind: str, most: int = 200) -> dict:
    """The next message of type `kind` (frames of a playing page may come between)."""
    for _ in range(most):
        message = websocket.receive_json()
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message in {most}")


def rows(data: dict) -> list[tuple]:
    return sorted(map(tuple, data["train"]))


# ---- point edits ----

def test_add_a_point_then_remove_it(client) -> None:
    with socket(client) as websocket:
        _, data, _ = opening(websocket)
        websocket.send_json({"type": "addPoint", "point": [1.5, -2.25, 1]})
        settings, added, frame = opening(websocket)
        assert settings["settings"]["added"] == [[1.5, -2.25, 1]]
        assert len(added["train"]) == len(data["train"]) + 1 and added["test"] == data["test"]
        assert [1.5, -2.25, 1] in added["train"] and frame["step"] == 0
        index = added["train"].index([1.5, -2.25, 1])
        websocket.send_json({"type": "removePoint", "index": index})
        settings, removed, _ = opening(websocket)
        assert settings["settings"]["added"] == [] and settings["settings"]["removed"] == []
        assert rows(removed) == rows(data)


def test_remove_a_generated_point(client) -> None:
    with socket(client) as websocket:
        _, data, _ = opening(websocket)
        websocket.send_json({"type": "removePoint", "index": 3})
        settings, after, _ = opening(websocket)
        assert settings["settings"]["removed"] == [3]
        left = list(data["train"])
        del left[3]
        assert rows(after) == sorted(map(tuple, left))


def test_a_point_edit_keeps_playing(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "play"})
        assert websocket.receive_json()["playing"] is True
        websocket.send_json({"type": "addPoint", "point": [0, 0, 0]})
        settings = until(websocket, "settings")
        assert settings["settings"]["added"] == [[0, 0, 0]]
        until(websocket, "data")
        frames = [until(websocket, "frame") for _ in range(3)]
        assert all(frame["playing"] for frame in frames)
        assert frames[-1]["step"] > frames[0]["step"]  # (training on, on the new data)
        websocket.send_json({"type": "pause"})


def test_the_stopping_rule_pauses_the_page_and_play_goes_on(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "settings", "settings": {
            "stopAfter": 2, "dataset": "xor", "noise": 40, "learningRate": 0.3}})
        opening(websocket)
        websocket.send_json({"type": "play"})
        for _ in range(2000):
            frame = until(websocket, "frame")
            if not frame["playing"]:
                break
        assert frame["stopped"].startswith(f"stopped at epoch {round(frame['epoch'])}: the "
                                           f"test loss has not improved for 2 epochs")
        assert frame["epoch"] == round(frame["epoch"])  # (at an epoch's end)
        websocket.send_json({"type": "play"})
        going = until(websocket, "frame")
        assert going["step"] > frame["step"]
        if not going["playing"]:  # (2 more epochs without progress can pass in one frame)
            assert going["epoch"] >= frame["epoch"] + 2 and going["stopped"]
        websocket.send_json({"type": "pause"})


def test_a_rebuild_while_playing_pauses_on_a_fresh_network(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "play"})
        assert websocket.receive_json()["playing"] is True
        websocket.send_json({"type": "settings", "settings": {"dataset": "xor"}})
        until(websocket, "settings")
        until(websocket, "data")
        frame = until(websocket, "frame")
        assert (frame["step"], frame["playing"]) == (0, False)  # (no frame in flight trained)


def test_a_refused_edit_or_upload_while_playing_keeps_playing(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "play"})
        websocket.receive_json()
        for message in ({"type": "upload", "name": "a.csv", "text": "a,b\n"},
                        {"type": "addPoint", "point": [9, 9, 0]},
                        {"type": "settings", "settings": {"noise": 99}}):
            websocket.send_json(message)
            until(websocket, "error")
            assert until(websocket, "frame")["playing"] is True
        websocket.send_json({"type": "pause"})


# ---- uploads ----

def test_an_upload_becomes_the_pages_data(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "upload", "name": "pets.csv", "text": PETS,
                             "target": None, "task": "auto"})
        settings, data, frame = opening(websocket)
        chosen = settings["settings"]
        assert (chosen["problem"], chosen["dataset"], chosen["numClasses"]) == (
            "classification", "upload", 2)
        assert chosen["x"] and chosen["y"] and not chosen["xSquared"] and not chosen["sinY"]
        assert data["axes"]["x1"] == {"name": "width", "low": 1.0, "high": 9.0}
        assert data["axes"]["label"] == {"name": "kind", "classes": ["cat", "dog"]}
        points = data["train"] + data["test"]
        assert len(points) == 10
        for x1, x2, label in points:  # (width 1..9 onto [-5, 5]; cat below 5)
            assert label == (0 if (x1 + 5) / 10 * 8 + 1 < 5 else 1)
        assert frame["type"] == "frame" and frame["step"] == 0
        # Another data set, then the upload again: the page kept it.
        websocket.send_json({"type": "settings", "settings": {"dataset": "xor"}})
        assert opening(websocket)[1]["axes"] is None
        websocket.send_json({"type": "settings", "settings": {"dataset": "upload"}})
        _, again, _ = opening(websocket)
        assert sorted(map(tuple, again["train"] + again["test"])) == sorted(map(tuple, points))


def test_an_upload_plots_the_feature_columns_named(client) -> None:
    text = "id,b,a,kind\n" + "".join(f"{i},{i % 5},{i * 2},{i % 2}\n" for i in range(20))
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "upload", "name": "wide.csv", "text": text,
                             "target": "kind", "features": ["a", "b"]})
        _, data, _ = opening(websocket)
        assert (data["axes"]["x1"]["name"], data["axes"]["x2"]["name"]) == ("a", "b")
        assert (data["axes"]["x1"]["high"], data["axes"]["x2"]["high"]) == (38.0, 4.0)
        assert len(data["train"] + data["test"]) == 20


def test_an_upload_of_three_classes_and_a_regression(client) -> None:
    three = "a,b,kind\n" + "".join(f"{i},{i * 7 % 11},k{i % 3}\n" for i in range(30))
    curve = "x,y\n" + "".join(f"{i / 10},{(i % 7) / 3}\n" for i in range(40))
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "upload", "name": "three.csv", "text": three})
        settings, data, frame = opening(websocket)
        assert settings["settings"]["numClasses"] == 3
        assert settings["settings"]["loss"] == "cross-entropy"
        assert frame["output"]["classes"] == 3
        websocket.send_json({"type": "upload", "name": "curve.csv", "text": curve,
                             "task": "regression"})
        settings, data, frame = opening(websocket)
        assert settings["settings"]["problem"] == "regression"
        assert settings["settings"]["regDataset"] == "upload" and data["dims"] == 1
        assert settings["settings"]["x"] and not settings["settings"]["y"]
        assert all(len(row) == 2 and 0 <= row[0] <= 1 and -1 <= row[1] <= 1
                   for row in data["train"] + data["test"])
        assert "curve" in frame


def test_an_upload_turns_on_what_its_columns_need(client) -> None:
    one = "x,kind\n" + "".join(f"{i},{i % 2}\n" for i in range(20))
    two = "a,b,y\n" + "".join(f"{i},{i * i % 7},{i / 3}\n" for i in range(30))
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "settings", "settings": {
            "dataset": "spiral", "numClasses": 3, "loss": "cross-entropy", "xSquared": True}})
        opening(websocket)
        websocket.send_json({"type": "upload", "name": "one.csv", "text": one})
        settings, data, frame = opening(websocket)
        assert data["dims"] == 1 and settings["settings"]["numClasses"] == 2
        assert [len(row) for row in frame["weights"][0]] == [2] * 4  # (x and x², from before)
        websocket.send_json({"type": "upload", "name": "two.csv", "text": two,
                             "task": "regression"})
        settings, data, frame = opening(websocket)
        chosen = settings["settings"]
        assert (chosen["problem"], chosen["regDataset"], chosen["loss"]) == (
            "regression", "upload", "square")
        assert chosen["x"] and chosen["y"] and data["dims"] == 2
        assert frame["weights"][0][0] and len(frame["weights"][0][0]) == 3  # x, y and x²


def test_dataset_upload_without_an_upload_says_to_upload(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        answer = answered(websocket, {"type": "settings", "settings": {"dataset": "upload"}})
        assert answer["type"] == "error" and "upload the CSV file again" in answer["message"]
        assert answered(websocket, {"type": "step"})["step"] == 25  # (nothing changed)


# ---- weights, the backprop step, exports ----

def test_set_a_weight_and_a_bias(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        frame = answered(websocket, {"type": "weight", "layer": 1, "to": 1, "from": 2,
                                     "value": 0.75})
        assert frame["type"] == "frame" and frame["weights"][1][1][2] == 0.75
        frame = answered(websocket, {"type": "weight", "layer": 0, "to": 3, "from": None,
                                     "value": -2})
        assert frame["biases"][0][3] == -2 and frame["weights"][1][1][2] == 0.75
        assert frame["step"] == 0


def test_a_maxout_layers_weights_have_a_piece_each(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "settings", "settings": {"activations": ["maxout"]}})
        settings, _, frame = opening(websocket)
        assert "maxout" in settings["limits"]["choices"]["activation"]
        assert [len(row[0]) for row in frame["weights"][0]] == [2] * 4  # (4 units, 2 pieces)
        assert [len(bias) for bias in frame["biases"][0]] == [2] * 4
        frame = answered(websocket, {"type": "weight", "layer": 0, "to": 2, "from": 1,
                                     "value": 0.5, "piece": 1})
        assert frame["weights"][0][2][1][1] == 0.5
        answer = answered(websocket, {"type": "weight", "layer": 0, "to": 2, "from": 1,
                                      "value": 0.5})
        assert answer["type"] == "error" and answer["message"] == (
            "piece: layer 0 is a maxout layer, with 2 weights on each link: say which, 0 to 1")
        step = answered(websocket, {"type": "backprop"})
        assert np.array(step["weights"][0]).shape == (4, 2, 2)
        assert np.array(step["biases"][0]).shape == (4, 2)


def test_the_backprop_step_shows_the_update_it_makes(client) -> None:
    with socket(client) as websocket:
        _, _, before = opening(websocket)
        step = answered(websocket, {"type": "backprop"})
        after = websocket.receive_json()
    assert step["type"] == "backprop" and step["step"] == 1 and step["batch"] == [0, 10]
    assert after["type"] == "frame" and after["step"] == 1 and after["playing"] is False
    assert step["lossAfter"] < step["loss"]
    learning_rate = 0.03  # (SGD with no regularization: w ← w − rate · ∂loss/∂w)
    for key in ("weights", "biases"):
        assert len(step[key]) == len(before[key])
        for old, new, gradient in zip(before[key], after[key], step[key]):
            flat = (lambda v: [x for row in v for x in row]) if key == "weights" else list
            for w0, w1, g in zip(flat(old), flat(new), flat(gradient)):
                assert abs(w1 - (w0 - learning_rate * g)) < 2e-4  # (frames round to 4 places)


def test_export_a_model_file_and_a_script(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        frame = answered(websocket, {"type": "step"})
        model = answered(websocket, {"type": "export", "kind": "model"})
        script = answered(websocket, {"type": "export", "kind": "script"})
    assert (model["kind"], model["filename"]) == ("model", "playground.safetensors")
    blob = base64.b64decode(model["base64"], validate=True)
    (length,) = struct.unpack("<Q", blob[:8])  # a safetensors file: its JSON header first
    header = json.loads(blob[8:8 + length])
    assert any(name.endswith("weight") for name in header)
    network = stir.load(io.BytesIO(blob))  # the weights the page was shown, trained 25 steps
    linears = [module for module in network.modules() if isinstance(module, stir.nn.Linear)]
    assert len(linears) == len(frame["weights"]) == 3
    for linear, weights, biases in zip(linears, frame["weights"], frame["biases"]):
        assert np.allclose(linear.weight.detach().numpy(), weights, atol=6e-5)
        assert np.allclose(linear.bias.detach().numpy(), biases, atol=6e-5)
    assert (script["kind"], script["filename"]) == ("script", "playground.py")
    ast.parse(script["text"])  # (Python)
    assert "stir" in script["text"]


# ---- the message rate ----

def test_the_rate_limit_with_a_frozen_clock(client, monkeypatch) -> None:
    now = [0.0]
    monkeypatch.setattr(server, "MessageRate", lambda: MessageRate(clock=lambda: now[0]))
    with socket(client) as websocket:
        opening(websocket)
        for _ in range(300):
            websocket.send_text('{"type": "nonsense"}')
        answers = [websocket.receive_json()["message"] for _ in range(300)]
        assert sum("unknown message type" in a for a in answers) == MESSAGE_BURST
        assert answers[MESSAGE_BURST:] == ["too many messages: at most 50 a second"] * 200
        assert "too many" in answered(websocket, {"type": "step"})["message"]
        now[0] = 0.1  # (five tokens back)
        assert answered(websocket, {"type": "step"})["step"] == 25


def test_300_messages_at_once_are_not_all_used(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        for _ in range(300):
            websocket.send_text("{}")
        answers = [websocket.receive_json()["message"] for _ in range(300)]
    dropped = sum(a.startswith("too many messages") for a in answers)
    assert 0 < dropped <= 300 - MESSAGE_BURST


def test_the_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = MessageRate(rate=50, burst=100, clock=lambda: now[0])
    assert sum(bucket.allow() for _ in range(150)) == 100
    now[0] = 1.0
    assert sum(bucket.allow() for _ in range(150)) == 50
    now[0] = 100.0  # (a long pause fills the bucket, no more)
    assert sum(bucket.allow() for _ in range(150)) == 100


# ---- hostile messages ----

JUNK = bytes(range(256)).decode("latin-1") * 40
HOSTILE = [
    ({"type": "addPoint"}, 'addPoint message: "point" is missing'),
    ({"type": "addPoint", "point": "a"}, 'addPoint message: "point" must be a list'),
    ({"type": "addPoint", "point": [1]}, '"point" must be a list'),
    ({"type": "addPoint", "point": [1, 2, 3, 4]}, '"point" must be a list'),
    ({"type": "addPoint", "point": [1, True, 0]}, '"point" must be a list'),
    ('{"type": "addPoint", "point": [NaN, 0, 1]}', "not JSON"),
    ('{"type": "addPoint", "point": [1e999, 0, 1]}', '"point" must be a list'),
    # A point outside the square drawn is refused: the page could not show or remove it.
    ({"type": "addPoint", "point": [7, 0, 1]}, "point: coordinates must be in [-6, 6]"),
    ({"type": "addPoint", "point": [0, -6.5, 1]}, "point: coordinates must be in [-6, 6]"),
    ({"type": "addPoint", "point": [0, 0, 5]}, "point: the label must be a class index 0 to 1"),
    ({"type": "addPoint", "point": [0, 0, 0.5]}, "the label must be a class index"),
    ({"type": "addPoint", "point": [0, 0]}, "point: must be [x1, x2, label]"),
    ({"type": "addPoint", "point": [0, 0, 1], "extra": 1}, "unknown key 'extra'"),
    ({"type": "removePoint", "index": -1}, '"index" must be an integer at least 0, got -1'),
    ({"type": "removePoint", "index": 1.5}, '"index" must be an integer'),
    ({"type": "removePoint", "index": "0"}, '"index" must be an integer'),
    ({"type": "removePoint", "index": True}, '"index" must be an integer'),
    ({"type": "removePoint", "index": None}, '"index" must be an integer'),
    ({"type": "removePoint", "index": 250}, "index: must be a training point's index, 0 to 249"),
    ({"type": "removePoint", "index": 10 ** 30}, "0 to 249"),
    ({"type": "upload", "name": "a.csv", "text": "x" * (300 * 1024)}, "over 256 KiB"),
    ({"type": "upload", "name": "a.csv", "text": "a,b\n" * (MAX_UPLOAD_MESSAGE_BYTES // 4)},
     "message too long"),
    ({"type": "upload", "name": "a.csv", "text": 5}, '"text" must be the file\'s text'),
    ({"type": "upload", "name": "a.csv", "text": ["a,b,c"]}, '"text" must be'),
    ({"type": "upload", "name": 5, "text": "a,b,c\n1,2,0\n"}, '"name" must be a file name'),
    ({"type": "upload", "text": "a,b,c\n1,2,0\n"}, '"name" is missing'),
    ({"type": "upload", "name": "junk.csv", "text": JUNK}, "junk.csv:"),
    ({"type": "upload", "name": "../../etc/passwd", "text": "a,b,c\n1,2\n"}, "passwd: line 2"),
    ({"type": "upload", "name": "a.csv", "text": "a,b,c\n", "task": "cluster"},
     '"task" must be one of auto, classification, regression'),
    ({"type": "upload", "name": "a.csv", "text": "a,b,c\n", "target": 5},
     '"target" must be a column name or null'),
    ({"type": "upload", "name": "a.csv", "text": "a,b,c\n1,2,x\n3,4,y\n", "target": "q"},
     "no target column 'q'"),
    ({"type": "upload", "name": "c.csv", "text": "colour,b,c\nred,1,0\nblue,2,1\n"},
     "column 'colour' is text"),
    ({"type": "upload", "name": "a.csv", "text": "a,b,c\n", "features": "a"},
     '"features" must be a list of one or two column names, or null'),
    ({"type": "upload", "name": "a.csv", "text": "a,b,c\n", "features": ["a", "b", "c"]},
     '"features" must be a list of one or two'),
    ({"type": "upload", "name": "a.csv", "text": "a,b,c\n", "features": [1]},
     '"features" must be a list'),
    ({"type": "upload", "name": "a.csv", "text": "a,b,c,d\n1,2,3,0\n4,5,6,1\n",
      "features": ["a", "q"]}, "a.csv: line 1: no column 'q'"),
    ({"type": "weight", "layer": "a", "to": 0, "from": 0, "value": 1},
     'weight message: "layer" must be an integer at least 0, got \'a\''),
    ({"type": "weight", "layer": 0, "to": -1, "from": 0, "value": 1}, '"to" must be'),
    ({"type": "weight", "layer": 0, "to": 0, "from": 0.5, "value": 1},
     '"from" must be an integer at least 0 or null'),
    ({"type": "weight", "layer": 0, "to": 0, "from": 0, "value": "1"}, '"value" must be'),
    ('{"type": "weight", "layer": 0, "to": 0, "from": 0, "value": NaN}', "not JSON"),
    ('{"type": "weight", "layer": 0, "to": 0, "from": 0, "value": 1e999}', '"value" must be'),
    ({"type": "weight", "layer": 0, "to": 0, "from": 0, "value": 1e6}, "[-1000, 1000]"),
    ({"type": "weight", "layer": 0, "to": 0, "value": 1}, '"from" is missing'),
    ({"type": "weight", "layer": 3, "to": 0, "from": 0, "value": 1}, "layer: must be a layer of"),
    ({"type": "weight", "layer": 0, "to": 4, "from": 0, "value": 1}, "to: must be a neuron"),
    ({"type": "weight", "layer": 0, "to": 0, "from": 2, "value": 1}, "from: must be an input"),
    ({"type": "weight", "layer": 10 ** 30, "to": 0, "from": 0, "value": 1}, "layer: must be"),
    ({"type": "weight", "layer": 0, "to": 0, "from": 0, "value": 1, "piece": -1},
     '"piece" must be an integer at least 0 or null (a Linear layer), got -1'),
    ({"type": "weight", "layer": 0, "to": 0, "from": 0, "value": 1, "piece": "0"},
     '"piece" must be an integer'),
    ({"type": "weight", "layer": 0, "to": 0, "from": 0, "value": 1, "piece": 0},
     "piece: layer 0 is a Linear layer"),
    ({"type": "backprop", "steps": 5}, "backprop message: unknown key 'steps'"),
    ({"type": "export", "kind": "pdf"}, '"kind" must be one of model, script'),
    ({"type": "export"}, '"kind" is missing'),
    ({"type": "export", "kind": None}, '"kind" must be one of model, script'),
]


@pytest.mark.parametrize("message, expected", HOSTILE,
                         ids=[str(index) for index in range(len(HOSTILE))])
def test_a_hostile_message_gets_one_line_and_the_socket_goes_on(client, message,
                                                                expected) -> None:
    text = message if isinstance(message, str) else json.dumps(message)
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_text(text)
        answer = websocket.receive_json()
        assert answer["type"] == "error", answer
        assert expected in answer["message"], answer["message"]
        assert "\n" not in answer["message"] and len(answer["message"]) <= 300
        assert "stir-playground-" not in answer["message"]  # (never the temporary path)
        assert "the server failed" not in answer["message"]
        frame = answered(websocket, {"type": "step"})
        assert frame["type"] == "frame" and frame["step"] == 25  # (nothing had changed)


def test_the_limits_fit_together() -> None:
    assert server.WS_MAX_SIZE > MAX_UPLOAD_MESSAGE_BYTES >= 2 * MAX_UPLOAD_BYTES
    assert protocol.MAX_MESSAGE_BYTES < MAX_UPLOAD_MESSAGE_BYTES


def test_a_real_server_takes_the_largest_upload_and_closes_on_a_huge_frame() -> None:
    """Through Uvicorn (which TestClient is not): WS_MAX_SIZE lets an upload message of a
    full-size file in, JSON escaping and all, and closes the connection (1009) on a frame
    beyond it."""
    import subprocess
    import sys

    pytest.importorskip("uvicorn", reason="the playground server needs uvicorn")
    sync_client = pytest.importorskip("websockets.sync.client",
                                      reason="a real WebSocket client (websockets)")
    from websockets.exceptions import ConnectionClosed

    rows = "".join(f'"{i / 7:.15f}","{(i * 37 % 101) / 3:.15f}","{i % 2}"\n'
                   for i in range(4999))
    text = '"a","b","label"\n' + rows
    message = json.dumps({"type": "upload", "name": "big.csv", "text": text})
    assert len(text.encode()) <= MAX_UPLOAD_BYTES < len(message) <= MAX_UPLOAD_MESSAGE_BYTES
    process = subprocess.Popen([sys.executable, "-m", "stir.cli", "playground", "--port", "0",
                                "--no-browser"], stdout=subprocess.PIPE, text=True)
    try:
        url = process.stdout.readline().split()[-1]
        base, token = url.split("/?token=")
        address = base.replace("http://", "ws://") + f"/ws?token={token}"
        with sync_client.connect(address, max_size=None, open_timeout=20) as websocket:
            for _ in range(3):
                websocket.recv(timeout=20)
            websocket.send(message)
            settings = json.loads(websocket.recv(timeout=30))
            assert settings["type"] == "settings", settings
            assert settings["settings"]["dataset"] == "upload"
            data = json.loads(websocket.recv(timeout=30))
            assert len(data["train"]) + len(data["test"]) == 4999
            websocket.recv(timeout=30)  # (the frame)
            with pytest.raises(ConnectionClosed) as closed:
                websocket.send("x" * (server.WS_MAX_SIZE + 1))
                websocket.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_setting_of_a_huge_integer_is_a_settings_error(client) -> None:
    with socket(client) as websocket:
        opening(websocket)
        answer = answered(websocket, {"type": "settings", "settings": {"noise": 10 ** 400}})
        assert answer["message"].startswith("noise: must be a number"), answer["message"]


# ---- an adversary's mutations: every key of every message, and every setting ----

#: A valid message of each type that a mutation starts from (play is left out: it would
#: train between the answers).
TEMPLATES = [
    {"type": "settings", "settings": {"learningRate": 0.1}},
    {"type": "addPoint", "point": [1.0, 2.0, 1]},
    {"type": "removePoint", "index": 3},
    {"type": "upload", "name": "a.csv", "text": "a,b,c\n1,2,0\n3,4,1\n5,1,0\n",
     "target": "c", "task": "auto", "features": ["a", "b"]},
    {"type": "weight", "layer": 0, "to": 1, "from": 1, "value": 0.5},
    {"type": "export", "kind": "model"},
    {"type": "backprop"}, {"type": "step"}, {"type": "reset"}, {"type": "pause"},
]
#: What an adversary puts in each place: wrong types, edges, huge and nested values.
HOSTILE_VALUES = [None, True, False, -1, 0, 0.5, 1e308, -1e308, 2 ** 64, 10 ** 400, "",
                  "x" * 5000, "NaN", [], [[]], [None], {}, {"type": "play"},
                  [1e308, -1e308, 0], [0, 0, 10 ** 400], ["a"] * 40, [[1, 2]] * 3]


def _mutations():
    for template in TEMPLATES:
        for key in [k for k in template if k != "type"] + ["extra"]:
            for value in HOSTILE_VALUES:
                yield {**template, key: value}
        for value in HOSTILE_VALUES[:6]:
            yield {**template, "type": value}
    from stir.playground.settings import FIELDS
    for name in FIELDS:
        for value in HOSTILE_VALUES:
            yield {"type": "settings", "settings": {name: value}}


def _survives(websocket, message) -> list[dict]:
    """Send a mutation and then a sentinel (an exported script): everything the server says
    in between must be a known answer, and an error one line and never "the server failed"
    (an unexpected exception). Returns the answers before the sentinel's."""
    kinds = {"settings", "data", "frame", "error", "backprop", "export"}
    websocket.send_json(message)
    websocket.send_json({"type": "export", "kind": "script"})
    answers = []
    while True:
        answer = websocket.receive_json()
        assert answer["type"] in kinds, (message, answer)
        if answer["type"] == "error":
            text = answer["message"]
            assert "the server failed" not in text and "\n" not in text, (message, text)
        if answer["type"] == "export" and answer["kind"] == "script":
            return answers
        answers.append(answer)


def test_an_adversarys_mutations_never_break_the_server(client, monkeypatch) -> None:
    """Every mutation survives (`_survives`), and after all of them the page still trains."""
    monkeypatch.setattr(server, "MessageRate", lambda: MessageRate(rate=1e9, burst=1e9))
    count = 0
    with socket(client) as websocket:
        opening(websocket)
        for message in _mutations():
            _survives(websocket, message)
            count += 1
        websocket.send_json({"type": "reset"})
        opening(websocket)
        websocket.send_json({"type": "step"})
        assert websocket.receive_json()["step"] > 0
    assert count > 1000


def test_an_adversarys_mutations_of_a_maxout_pieces_edit(client, monkeypatch) -> None:
    """The same against a maxout layer's weight edit: each of its keys, "piece" included."""
    monkeypatch.setattr(server, "MessageRate", lambda: MessageRate(rate=1e9, burst=1e9))
    template = {"type": "weight", "layer": 0, "to": 1, "from": 1, "value": 0.5, "piece": 1}
    with socket(client) as websocket:
        opening(websocket)
        websocket.send_json({"type": "settings", "settings": {"activations": ["maxout"]}})
        opening(websocket)
        assert _survives(websocket, template)[0]["weights"][0][1][1] == [ANY, 0.5]
        for key in [*template, "extra"]:
            for value in HOSTILE_VALUES:
                if key != "type":
                    _survives(websocket, {**template, key: value})
        frame = answered(websocket, {"type": "step"})
        assert frame["type"] == "frame" and len(frame["weights"][0][0][0]) == 2
