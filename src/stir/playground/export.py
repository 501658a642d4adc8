"""A playground's network exported: as a stir model file, and as a short Python script that
trains it again from scratch.

`model_file(session)` is `stir.save` of the network, with the settings, the feature names,
the class names and what the output means in its metadata. `script(session)` writes the
session out in stir's public API: the data from `stir.playground.make_data` (or, for an
upload, `stir.playground.upload.read_upload` of the CSV beside the script), the network as
an `nn.Sequential` with TF Playground's start from a seeded `stir.Generator`, the optimizer
and schedule, a plain training loop, and the learning-rate changes and weight edits
replayed at the steps they were made; it prints the losses exactly as the page's frame
has them. The layers, optimizer and schedule are network.py's `Call`s, so the script
spells out the very objects the session built.
"""

from __future__ import annotations

import io
import pprint
from pathlib import PurePath
from typing import Any

from .. import nn
from ..io.model_files import save
from .datasets import Upload
from .network import layer_calls, optimizer_call, pieces, schedule_call
from .session import Session

__all__ = ["MODEL_FILENAME", "OUTPUTS", "SCRIPT_FILENAME", "model_file", "model_metadata",
           "script"]

MODEL_FILENAME, SCRIPT_FILENAME = "playground.safetensors", "playground.py"
#: What the network's output means, by network.output_kind.
OUTPUTS = {
    "tanh": "tanh: one output on [-1, 1]; class 1 where it is >= 0, class 0 below",
    "logit": "logit: one output z; P(class 1) = sigmoid(z)",
    "logits": "logits: one output per class; the probabilities are their softmax",
    "identity": "identity: one output, the regression's target",
}
#: Each feature's NumPy expression in the script (x1, x2: the point's coordinates).
_FEATURE_CODE = {"x": "x1", "y": "x2", "xSquared": "x1 * x1", "ySquared": "x2 * x2",
                 "xTimesY": "x1 * x2", "sinX": "np.sin(x1)", "sinY": "np.sin(x2)"}
#: The script's targets and loss, by output kind, as network.targets and data_loss compute.
_TARGET_CODE = {
    "tanh": "stir.from_numpy((2 * labels - 1).astype(np.float32)[:, None])  # as -1/+1",
    "logit": "stir.from_numpy(labels.astype(np.float32)[:, None])",
    "logits": "stir.from_numpy(labels.astype(np.int64))",
    "identity": "stir.from_numpy(labels.astype(np.float32)[:, None])",
}
_LOSS_CODE = {"tanh": "0.5 * F.mse_loss(output, target)",
              "logit": "F.binary_cross_entropy_with_logits(output, target)",
              "logits": "F.cross_entropy(output, target)",
              "identity": "0.5 * F.mse_loss(output, target)"}


def model_metadata(session: Session) -> dict[str, Any]:
    """What a model file says besides the weights: the settings (JSON), the inputs'
    feature names in order, the class names (None for a regression), what the output
    means (`OUTPUTS`' key), the steps trained and an upload's axes (its scales).

    >>> from stir.playground import Settings
    >>> model_metadata(Session(Settings()))["output"]
    'tanh'
    """
    data, settings = session.data, session.settings
    if data.num_classes is None:
        classes = None
    elif data.axes and "classes" in data.axes.get("label", {}):
        classes = list(data.axes["label"]["classes"])
    else:
        classes = [str(label) for label in range(data.num_classes)]
    return {"settings": settings.to_json(), "features": list(settings.features()),
            "classes": classes, "output": session.kind, "meaning": OUTPUTS[session.kind],
            "steps": session.steps, "axes": data.axes}


def model_file(session: Session) -> bytes:
    """The network as a stir model file (safetensors): `stir.load(io.BytesIO(data))`
    rebuilds it, with `model_metadata` in `stir.io.read(...).metadata`. A loaded module
    is in training mode, as every new stir module: call `.eval()` on it before predicting
    (the page's outputs are eval mode's: Dropout off, RReLU's mean slope).

    >>> import io, stir
    >>> from stir.playground import Settings
    >>> model = stir.load(io.BytesIO(model_file(Session(Settings())))).eval()
    >>> model(stir.zeros(1, 2)).shape
    stir.Size([1, 1])
    """
    buffer = io.BytesIO()
    save(session.network, buffer, metadata=model_metadata(session))
    return buffer.getvalue()


def script(session: Session) -> str:
    """A short Python script that trains the session's network again from scratch and
    prints `train loss {train:.6f}  test loss {test:.6f}`, the frame's trainLoss and
    testLoss after the same steps.

    >>> from stir.playground import Settings
    >>> text = script(Session(Settings()))
    >>> "optimizer.step()" in text and text.rstrip().endswith('test loss {test_loss:.6f}")')
    True
    """
    settings, kind = session.start_settings, session.kind
    upload = session.upload
    lines = [
        '"""A stir playground page as a script: its data, network, optimizer and schedule, '
        'and the',
        f"learning-rate changes and weight edits made on it, trained for the same "
        f"{session.steps} steps.",
        "",
        "It prints the losses the page showed then.",
        '"""',
        "",
        *(["from pathlib import Path", ""] if upload else []),
        "import numpy as np",
        "",
        "import stir",
        "from stir import nn, optim",
        "from stir.nn import functional as F",
        "from stir.playground import make_data, parse_settings",
        *(["from stir.playground.upload import read_upload"] if upload else []),
        "",
        "settings = parse_settings({",
        *_settings_code(settings.to_json()),
        "})",
    ]
    if upload:
        name = PurePath(upload.name).name
        lines += [f"# The CSV file uploaded on the page, read from this script's folder.",
                  f"upload = read_upload(Path(__file__).with_name({name!r}), "
                  f"target={upload.target!r}, task={upload.problem!r},",
                  f"                     features={_upload_features(upload)!r})",
                  "data = make_data(settings, upload)"]
    else:
        lines.append("data = make_data(settings)")
    lines += ["", *_inputs_code(settings, session.data.dims, kind), "",
              *_network_code(session), "", *_training_code(session)]
    return "\n".join(lines) + "\n"


def _inputs_code(settings: Any, dims: int, kind: str) -> list[str]:
    features = settings.features()
    used = " ".join(_FEATURE_CODE[name] for name in features)
    coordinates = ["x1 = points[:, 0]"] if "x2" not in used else [
        "x1, x2 = points[:, 0], points[:, 1]"]
    size = settings.batch_size
    return [
        "",
        "def features(points):",
        f'    """The network\'s inputs: {", ".join(features)} at each point."""',
        f"    {coordinates[0]}",
        f"    return np.stack([{', '.join(_FEATURE_CODE[name] for name in features)}], "
        "axis=1).astype(np.float32)",
        "",
        "",
        "def targets(labels):",
        f"    return {_TARGET_CODE[kind]}",
        "",
        "",
        "train_inputs = stir.from_numpy(features(data.train_points))",
        "train_targets = targets(data.train_labels)",
        "test_inputs = stir.from_numpy(features(data.test_points))",
        "test_targets = targets(data.test_labels)",
        f"batches = [(train_inputs[i:i + {size}], train_targets[i:i + {size}])",
        f"           for i in range(0, len(train_inputs), {size})]",
    ]


def _network_code(session: Session) -> list[str]:
    settings = session.start_settings
    rows: list[list[str]] = []
    for call in layer_calls(settings, len(settings.features())):
        if call.function.__name__ in ("Linear", "Maxout") or not rows:
            rows.append([])
        rows[-1].append(call.code())
    layers = [f"    {', '.join(row)}," for row in rows]
    if max(map(len, layers)) > 96:  # (a long layer: one call a line)
        layers = [f"    {call}," for row in rows for call in row]
    lines = [f"generator = stir.Generator().manual_seed({settings.seed})  # the page's seed",
             "model = nn.Sequential(", *layers, ")",
             *_linears_code(session),
             "for layer in linears:  # TF Playground's start: weights U(-0.5, 0.5), biases 0.1",
             "    nn.init.uniform_(layer.weight, -0.5, 0.5, generator=generator)",
             "    nn.init.constant_(layer.bias, 0.1)",
             *(["weights = [layer.weight for layer in linears]  # (the regularized ones)"]
               if settings.regularization != "none" and settings.regularization_rate else []),
             f"optimizer = {optimizer_call(settings).code('model.parameters()')}"]
    schedule = schedule_call(settings)
    if schedule is not None:
        lines += ["# The learning-rate schedule, stepped after each epoch.",
                  f"scheduler = {schedule.code('optimizer')}"]
    return lines


def _training_code(session: Session) -> list[str]:
    settings, kind = session.start_settings, session.kind
    rate, regularization = settings.regularization_rate, settings.regularization
    loss = "loss_of(model(inputs), target)"
    if regularization == "L1" and rate:
        loss += f" + nn.l1_penalty(weights, {rate!r})"
    elif regularization == "L2" and rate:
        loss += f" + nn.l2_penalty(weights, {rate / 2!r})"
    lines = [
        "",
        "def loss_of(output, target):",
        f"    return {_LOSS_CODE[kind]}",
        "",
        "",
        "def train(first, last):",
        '    """Steps first .. last - 1: one minibatch each, in order, every epoch alike."""',
        "    for step in range(first, last):",
        "        inputs, target = batches[step % len(batches)]",
        "        optimizer.zero_grad()",
        f"        loss = {loss}",
        "        loss.backward()",
        "        optimizer.step()",
    ]
    if schedule_call(settings) is not None:
        lines += ["        if (step + 1) % len(batches) == 0:",
                  "            scheduler.step()"]
    lines += ["", ""]
    done, edits_open = 0, False
    for event in session.events:
        if event.step > done:
            lines.append(f"train({done}, {event.step})")
            done, edits_open = event.step, False
        if event.kind == "learningRate":
            lines += [f"for group in optimizer.param_groups:  # set on the page at step {done}",
                      f"    group['lr'] = {event.values[0]!r}"]
            edits_open = False
        else:
            if not edits_open:
                lines.append(f"with stir.no_grad():  # set on the page at step {done}")
            layer, to, from_, value, piece = event.values
            row = to if piece is None else to * pieces(session.layers()[layer]) + piece
            where = f"bias[{row}]" if from_ is None else f"weight[{row}, {from_}]"
            lines.append(f"    linears[{layer}].{where} = {value!r}" + (
                "" if piece is None else f"  # unit {to}, piece {piece}"))
            edits_open = True
    lines += [
        f"train({done}, {session.steps})",
        "",
        "model.eval()  # the page's losses are eval mode's (no Dropout)",
        "with stir.no_grad():",
        "    train_loss = float(loss_of(model(train_inputs), train_targets))",
        "    test_loss = float(loss_of(model(test_inputs), test_targets))",
        'print(f"train loss {train_loss:.6f}  test loss {test_loss:.6f}")',
    ]
    return lines


def _linears_code(session: Session) -> list[str]:
    """The script's list of the network's Linear maps, one per layer with weights (a
    weight edit's "layer")."""
    if not any(isinstance(layer, nn.Maxout) for layer in session.layers()):
        return ["linears = [layer for layer in model if isinstance(layer, nn.Linear)]"]
    return ["# (a maxout layer's affine map: its row j * pieces + k is unit j's piece k)",
            "linears = [layer.affine if isinstance(layer, nn.Maxout) else layer",
            "           for layer in model if isinstance(layer, (nn.Linear, nn.Maxout))]"]


def _settings_code(fields: dict[str, Any], width: int = 92) -> list[str]:
    """The settings as a Python dict's entries, packed into lines of at most `width`."""
    lines: list[str] = []
    for name, value in fields.items():
        entry = f"{name!r}: {value!r},"
        if len(entry) > width - 4:  # (a long list of added points: wrapped on its own)
            start = f"    {name!r}: "
            wrapped = pprint.pformat(value, width=width - len(start), compact=True)
            lines.append(start + wrapped.replace("\n", "\n" + " " * len(start)) + ",")
        elif lines and not lines[-1].endswith("],") and len(lines[-1]) + len(entry) < width:
            lines[-1] += " " + entry
        else:
            lines.append("    " + entry)
    return lines


def _upload_features(upload: Upload) -> list[str]:
    """The feature columns an upload plots, in the order of its axes."""
    return [upload.axes[axis]["name"] for axis in ("x1", "x2") if axis in upload.axes]
