"""The playground's exports: the model file loads back with `stir.load` and predicts what
the frame shows, and the exported script, run in a subprocess, trains the same network on
the same data with the same edits and prints the frame's losses to the digit."""

from __future__ import annotations

import ast
import io
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stir
from stir.playground import Session, Settings, parse_settings, upload_settings
from stir.playground.export import OUTPUTS, model_file, script
from stir.playground.network import input_features
from stir.playground.settings import ACTIVATIONS
from stir.playground.views import grid_points

CURVE = {"problem": "regression", "regDataset": "curve", "y": False}


def _run(text: str, folder: Path, cwd: Path | None = None) -> str:
    path = folder / "playground.py"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                          timeout=120, cwd=str(cwd or folder))
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _expected(session: Session) -> str:
    frame = session.frame()
    train, test = session.losses()
    assert (round(train, 6), round(test, 6)) == (frame["trainLoss"], frame["testLoss"])
    return f"train loss {train:.6f}  test loss {test:.6f}\n"


def _edited(session: Session) -> Session:
    """The page's edits mid-way: rates, weights, a bias, a backprop step, at several steps."""
    session.set_learning_rate(session.settings.learning_rate * 2)  # at step 0
    session.train(2 * session.epoch_steps + 3)
    session.set_weight(0, 1, 0, 0.4375)
    session.set_weight(1, 0, None, -0.25)
    session.set_learning_rate(0.07)
    session.backprop_step()
    session.train(session.epoch_steps)
    session.set_learning_rate(0.05)
    session.set_weight(0, 0, 1, -1.0)  # the last edit: after the last step
    return session


CASES = {
    "default": ({}, 60, False),
    "xor-relu-adam-cosine": ({"dataset": "xor", "activation": "relu", "optimizer": "adam",
                              "schedule": "cosine", "scheduleEpochs": 2}, 130, False),
    "three-classes-dropout-per-layer": (
        {"dataset": "spiral", "numClasses": 3, "loss": "cross-entropy", "dropout": 0.3,
         "networkShape": [6, 5, 2], "activations": ["relu", "apl"], "activation": "rrelu",
         "regularization": "L1", "regularizationRate": 0.001, "optimizer": "rmsprop",
         "learningRate": 0.01}, 80, False),
    "curve": ({**CURVE, "activation": "relu", "xSquared": True, "sinX": True,
               "schedule": "warmup", "scheduleEpochs": 3, "optimizer": "adagrad",
               "noise": 10}, 150, False),
    "edits-mid-way": ({"optimizer": "momentum", "schedule": "step", "scheduleEpochs": 1,
                       "regularization": "L2", "regularizationRate": 0.003}, 0, True),
    "added-and-removed": ({"dataset": "gauss", "noise": 20, "percTrainData": 30,
                           "removed": [0, 5, 149], "batchSize": 7,
                           "added": [[1.5, -2.25, 1], [-0.125, 4.0, 0], [5.9, 5.9, 1]]},
                          70, False),
    "regression-added": ({"problem": "regression", "regDataset": "reg-gauss",
                          "added": [[0.5, 0.5, 0.9]], "removed": [1], "optimizer": "adamw",
                          "schedule": "exponential", "scheduleEpochs": 2,
                          "learningRate": 0.01}, 40, True),
    "binary-cross-entropy-nesterov": ({"loss": "cross-entropy", "optimizer": "nesterov",
                                       "xTimesY": True, "sinY": True}, 45, False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_script_trains_the_same_and_prints_the_frames_losses(name, tmp_path) -> None:
    changes, steps, edits = CASES[name]
    session = Session(parse_settings(changes))
    session.train(steps)
    if edits:
        _edited(session)
    text = script(session)
    assert _run(text, tmp_path) == _expected(session)


@pytest.mark.parametrize("activations", [ACTIVATIONS[:8], ACTIVATIONS[8:]])
def test_the_script_for_every_activation(activations, tmp_path) -> None:
    settings = parse_settings({"networkShape": [3] * len(activations),
                               "activations": list(activations), "dataset": "xor",
                               "dropout": 0.1})
    session = Session(settings)
    session.train(40)
    assert _run(script(session), tmp_path) == _expected(session)


def test_the_script_is_short_readable_python(tmp_path) -> None:
    session = Session(parse_settings({"schedule": "step", "regularization": "L2",
                                      "regularizationRate": 0.01}))
    session.train(20)
    session.set_learning_rate(0.1)
    session.set_weight(0, 0, 0, 0.5)
    text = script(session)
    lines = text.splitlines()
    assert len(lines) < 100 and max(map(len, lines)) <= 100
    ast.parse(text)  # (read, never run here: the subprocess tests run it)
    for needed in ("loss.backward()", "optimizer.step()", "scheduler.step()",
                   "nn.init.uniform_(layer.weight, -0.5, 0.5, generator=generator)",
                   "optim.SGD(model.parameters(), lr=0.03)", "make_data(settings)",
                   "optim.lr_scheduler.StepLR(optimizer, step_size=100, gamma=0.5)",
                   "nn.Linear(2, 4), nn.Tanh(),", "train(0, 20)", "group['lr'] = 0.1",
                   "linears[0].weight[0, 0] = 0.5", "model.eval()"):
        assert needed in text, needed
    assert "import pickle" not in text and "upload" not in text


def test_an_uploaded_files_script_reads_the_csv_beside_it(tmp_path) -> None:
    upload_module = pytest.importorskip("stir.playground.upload")
    rng = np.random.default_rng(0)
    rows = ["id,height,kind,width"] + [  # (a column left out, and the axes in another order)
        f"{i},{h:.3f},{'tall' if h > w else 'wide'},{w:.3f}"
        for i, (w, h) in enumerate(rng.uniform(0, 30, (120, 2)))]
    csv = tmp_path / "shapes.csv"
    csv.write_text("\n".join(rows) + "\n")
    upload = upload_module.read_upload(csv, target="kind", task="classification",
                                       features=["width", "height"])
    session = Session(upload_settings(Settings(), upload), upload)
    session.train(50)
    session.set_weight(1, 0, 1, 0.125)
    session.train(5)
    text = script(session)
    assert "read_upload(Path(__file__).with_name('shapes.csv')" in text
    assert "features=['width', 'height']" in text
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert _run(text, tmp_path, cwd=elsewhere) == _expected(session)


def test_a_maxout_networks_script_replays_its_piece_edits(tmp_path) -> None:
    session = Session(parse_settings({"networkShape": [4, 3], "activations": ["maxout"],
                                      "activation": "relu", "regularization": "L1",
                                      "regularizationRate": 0.001, "optimizer": "adam",
                                      "learningRate": 0.01}))
    session.train(37)
    session.set_weight(0, 2, 1, 0.625, piece=1)  # (unit 2's second affine map: row 5)
    session.set_weight(0, 3, None, -0.5, piece=0)
    session.set_weight(1, 1, 3, 0.25)  # (a Linear layer's edit, no piece)
    session.train(21)
    text = script(session)
    assert "nn.Maxout(2, 4, pieces=2)," in text
    assert "linears[0].weight[5, 1] = 0.625  # unit 2, piece 1" in text
    assert "linears[0].bias[6] = -0.5  # unit 3, piece 0" in text
    assert "linears[1].weight[1, 3] = 0.25\n" in text
    assert _run(text, tmp_path) == _expected(session)


# ---- the model file ----

def test_the_model_file_predicts_what_the_frame_shows() -> None:
    session = Session(Settings(dataset="xor", network_shape=(5, 3)))
    session.train(300)
    data = model_file(session)
    model = stir.load(io.BytesIO(data)).eval()
    inputs = stir.from_numpy(input_features(grid_points(50), ("x", "y")))
    with stir.no_grad():
        predicted = model(inputs).numpy().ravel()
    assert np.allclose(predicted, session.frame()["output"]["values"], atol=5e-4)
    metadata = stir.io.read(io.BytesIO(data)).metadata
    assert metadata["settings"] == session.settings.to_json()
    assert (metadata["features"], metadata["classes"], metadata["output"], metadata["steps"]) \
        == (["x", "y"], ["0", "1"], "tanh", 300)
    assert metadata["meaning"] == OUTPUTS["tanh"] and metadata["axes"] is None


def test_a_k_class_model_with_dropout_loads_and_needs_eval() -> None:
    session = Session(parse_settings({"dataset": "gauss", "numClasses": 4,
                                      "loss": "cross-entropy", "dropout": 0.5,
                                      "xSquared": True}))
    session.train(200)
    model = stir.load(io.BytesIO(model_file(session)))
    assert model.training  # (as every new stir module: the docstring says to call .eval())
    inputs = stir.from_numpy(input_features(grid_points(50), ("x", "y", "xSquared")))
    model.eval()
    with stir.no_grad():
        logits = model(inputs).numpy()
    output = session.frame()["output"]
    assert logits.argmax(axis=1).tolist() == output["values"]
    assert [type(m).__name__ for m in model].count("Dropout") == 2
    metadata = stir.io.read(io.BytesIO(model_file(session))).metadata
    assert metadata["output"] == "logits" and metadata["classes"] == ["0", "1", "2", "3"]


def test_a_regression_curve_model_file() -> None:
    session = Session(parse_settings({**CURVE, "activation": "relu"}))
    session.train(100)
    model = stir.load(io.BytesIO(model_file(session))).eval()
    xs = np.linspace(0, 1, 201)[:, None].astype(np.float32)
    with stir.no_grad():
        ys = model(stir.from_numpy(xs)).numpy().ravel()
    assert np.allclose(ys, session.frame()["curve"]["ys"], atol=5e-4)
    metadata = stir.io.read(io.BytesIO(model_file(session))).metadata
    assert (metadata["output"], metadata["classes"], metadata["features"]) == (
        "identity", None, ["x"])
    assert not math.isnan(float(re.sub("[^0-9.]", "", str(metadata["settings"]["noise"]))))


def test_a_maxout_model_file_predicts_what_the_frame_shows() -> None:
    session = Session(Settings(dataset="spiral", network_shape=(6, 4), activation="maxout"))
    session.train(200)
    model = stir.load(io.BytesIO(model_file(session))).eval()
    assert [type(m).__name__ for m in model] == ["Maxout", "Maxout", "Linear", "Tanh"]
    inputs = stir.from_numpy(input_features(grid_points(50), ("x", "y")))
    with stir.no_grad():
        predicted = model(inputs).numpy().ravel()
    assert np.allclose(predicted, session.frame()["output"]["values"], atol=5e-4)
