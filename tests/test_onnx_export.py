"""stir.onnx.export: every module type stir has, exported and run in onnxruntime, against
stir's own forward pass on random inputs (float32: |onnx − stir| ≤ 1e-5 + 1e-5·|stir|;
float64: 1e-10), plus onnx.checker; the refusals and their messages; a `stir train` model
fed its raw columns against `TrainedModel.outputs` on stir's own CSV reading; and the file
written atomically, never over its source."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import stir
import stir.onnx
from stir import nn

onnx = pytest.importorskip("onnx", reason="ONNX export needs the onnx package (stir[onnx])")
ort = pytest.importorskip("onnxruntime", reason="the exported files are run in onnxruntime")

TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}


def _generator(seed: int = 0) -> stir.Generator:
    return stir.Generator().manual_seed(seed)


def run_onnx(path, feeds):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def stir_outputs(model, x):
    with stir.no_grad():
        result = model(stir.tensor(x))
    flat = []

    def walk(value):
        if isinstance(value, (tuple, list)):
            for item in value:
                walk(item)
        else:
            flat.append(value.numpy())
    walk(result)
    return flat


def assert_exported(model, x, tmp_path, input_shape=None, dtype=None, tolerance=None):
    """Export `model`, check the file, run it on x and compare with stir (eval mode)."""
    path = stir.onnx.export(model, tmp_path / "model.onnx", input_shape=input_shape,
                            dtype=dtype)
    onnx.checker.check_model(str(path), full_check=True)
    model.eval()
    expected = stir_outputs(model, x)
    got = run_onnx(path, {"input": x})
    assert len(got) == len(expected)
    if tolerance is None:
        tolerance = TOLERANCE[x.dtype.type if x.dtype.kind == "f" else np.float32]
    for onnx_value, stir_value in zip(got, expected):
        assert onnx_value.shape == stir_value.shape
        assert onnx_value.dtype == stir_value.dtype
        np.testing.assert_allclose(onnx_value, stir_value, rtol=tolerance, atol=tolerance)
    return path


def _hard_values(shape, seed=0):
    """Random values with the awkward ones mixed in: 0, ±tiny, ±large, exact ties."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    flat = x.reshape(-1)
    special = [0.0, -0.0, 1e-30, -1e-30, 40.0, -40.0, 90.0, -90.0, 1.0, -1.0]
    flat[:len(special)] = special
    return x


# ----------------------------------------------------------------------------- the table
# (id, model factory, input shape given to export or None, example input shape)
ACTIVATIONS = [
    ("Identity", lambda: nn.Identity()),
    ("Step", lambda: nn.Step()),
    ("Sign", lambda: nn.Sign()),
    ("Sigmoid", lambda: nn.Sigmoid()),
    ("Tanh", lambda: nn.Tanh()),
    ("ReLU", lambda: nn.ReLU()),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.2)),
    ("VeryLeakyReLU", lambda: nn.VeryLeakyReLU()),
    ("PReLU-shared", lambda: nn.PReLU(1, init=0.3)),
    ("PReLU-channels", lambda: nn.PReLU(6)),
    ("RReLU", lambda: nn.RReLU(0.1, 0.3)),
    ("ELU", lambda: nn.ELU(0.7)),
    ("Softplus", lambda: nn.Softplus()),
    ("Softplus-beta", lambda: nn.Softplus(beta=2.0, threshold=5.0)),
    ("CenteredSoftplus", lambda: nn.CenteredSoftplus()),
    ("APL", lambda: nn.APL(3, generator=_generator())),
    ("APL-features", lambda: nn.APL(2, num_features=6, generator=_generator())),
    ("Softmax", lambda: nn.Softmax(dim=1)),
    ("Softmax-dim0", lambda: nn.Softmax(dim=0)),
    ("LogSoftmax", lambda: nn.LogSoftmax(dim=-1)),
    ("GELU", lambda: nn.GELU()),
    ("GELU-tanh", lambda: nn.GELU("tanh")),
    ("SiLU", lambda: nn.SiLU()),
]


def _randomized(module):
    """Give learnable activation parameters values other than their start."""
    rng = np.random.default_rng(1)
    for parameter in module.parameters():
        parameter.array[...] = rng.uniform(-1, 1, parameter.shape)
    return module


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("factory", [f for _, f in ACTIVATIONS],
                         ids=[name for name, _ in ACTIVATIONS])
def test_each_activation_matches_stir(factory, dtype, tmp_path):
    module = _randomized(factory()).to(dtype=dtype)
    x = _hard_values((5, 6)).astype(dtype)
    tolerance = TOLERANCE[dtype]
    if isinstance(module, nn.GELU) and module.approximate == "none" and dtype == np.float64:
        tolerance = 1e-6  # onnxruntime's erf is float32's only (see stir/onnx/activations.py)
    assert_exported(module, x, tmp_path, input_shape=(None, 6), dtype=dtype,
                    tolerance=tolerance)


def test_step_and_sign_keep_stirs_values_at_nan_and_zero(tmp_path):
    x = np.array([[np.nan, 0.0, -0.0, 2.0, -3.0]], np.float32)
    for module in (nn.Step(), nn.Sign()):
        path = stir.onnx.export(module, tmp_path / "m.onnx", input_shape=(None, 5))
        got = run_onnx(path, {"input": x})[0]
        np.testing.assert_array_equal(got, stir_outputs(module, x)[0])


def test_softplus_is_accurate_far_out(tmp_path):
    """ln(1 + e^x) for x ≪ 0 is e^x: the composed log1p keeps it, relative to 1e-5."""
    x = np.array([[-80.0, -30.0, -17.0, 0.0, 17.0, 30.0]], np.float32)
    path = stir.onnx.export(nn.Softplus(), tmp_path / "m.onnx", input_shape=(None, 6))
    np.testing.assert_allclose(run_onnx(path, {"input": x})[0],
                               stir_outputs(nn.Softplus(), x)[0], rtol=1e-5, atol=0)


def test_implicit_softmax_dimension_is_stirs(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_exported(nn.Softmax(), _hard_values((3, 4, 5)), tmp_path,
                        input_shape=(3, 4, 5))  # 3-D: dimension 0


def _trained_batch_norm(layer, shape):
    """A batch norm whose running statistics and affine parameters are not the defaults."""
    rng = np.random.default_rng(2)
    layer.train()
    for _ in range(3):
        layer(stir.tensor((rng.standard_normal(shape) * 2 + 1).astype(np.float32)))
    for parameter in layer.parameters():
        parameter.array[...] = rng.uniform(0.5, 1.5, parameter.shape)
    return layer


LAYERS = [
    ("Linear", lambda: nn.Linear(5, 3, generator=_generator()), None, (4, 5)),
    ("Linear-nobias", lambda: nn.Linear(5, 3, bias=False, generator=_generator()), None,
     (4, 5)),
    ("Linear-3d", lambda: nn.Linear(5, 3, generator=_generator()), (None, 4, 5), (2, 4, 5)),
    ("MLP", lambda: nn.MLP([4, 8, 8, 3], activation="tanh", output_activation="softmax",
                           generator=_generator()), None, (6, 4)),
    ("Maxout", lambda: nn.Maxout(5, 3, pieces=4, generator=_generator()), None, (4, 5)),
    ("Dropout", lambda: nn.Sequential(nn.Linear(5, 4, generator=_generator()),
                                      nn.Dropout(0.5)), None, (4, 5)),
    ("Dropout1d", lambda: nn.Dropout1d(0.3), (None, 3, 4), (2, 3, 4)),
    ("Dropout2d", lambda: nn.Dropout2d(0.3), (None, 3, 4, 4), (2, 3, 4, 4)),
    ("Flatten", lambda: nn.Flatten(), (None, 2, 3, 4), (5, 2, 3, 4)),
    ("Flatten-middle", lambda: nn.Flatten(1, 2), (None, 2, 3, 4), (5, 2, 3, 4)),
    ("Flatten-last", lambda: nn.Flatten(2), (None, 2, 3, 4), (5, 2, 3, 4)),
    ("Unflatten", lambda: nn.Unflatten(1, (2, -1)), (None, 12), (5, 12)),
    ("Upsample-nearest", lambda: nn.Upsample(scale_factor=2), (None, 2, 3, 4), (2, 2, 3, 4)),
    ("Upsample-nearest-exact", lambda: nn.Upsample(size=(5, 7), mode="nearest-exact"),
     (None, 2, 3, 4), (2, 2, 3, 4)),
    ("Upsample-bilinear", lambda: nn.Upsample(scale_factor=2, mode="bilinear"),
     (None, 2, 3, 4), (2, 2, 3, 4)),
    ("Upsample-bilinear-corners", lambda: nn.Upsample(size=(5, 6), mode="bilinear",
                                                      align_corners=True),
     (None, 2, 3, 4), (2, 2, 3, 4)),
    ("Upsample-linear", lambda: nn.Upsample(scale_factor=1.5, mode="linear"), (None, 2, 6),
     (2, 2, 6)),
    ("BatchNorm1d", lambda: _trained_batch_norm(nn.BatchNorm1d(5), (8, 5)), None, (4, 5)),
    ("BatchNorm1d-3d", lambda: _trained_batch_norm(nn.BatchNorm1d(3), (8, 3, 4)),
     (None, 3, 4), (4, 3, 4)),
    ("BatchNorm1d-plain", lambda: _trained_batch_norm(nn.BatchNorm1d(5, affine=False),
                                                      (8, 5)), None, (4, 5)),
    ("BatchNorm1d-batch-statistics", lambda: nn.BatchNorm1d(5, track_running_stats=False),
     None, (4, 5)),
    ("BatchNorm2d", lambda: _trained_batch_norm(nn.BatchNorm2d(3), (4, 3, 5, 5)),
     (None, 3, 5, 5), (2, 3, 5, 5)),
    ("LayerNorm", lambda: _randomized(nn.LayerNorm(5)), None, (4, 5)),
    ("LayerNorm-2d", lambda: _randomized(nn.LayerNorm((3, 4))), None, (2, 3, 4)),
    ("LayerNorm-plain", lambda: nn.LayerNorm(5, elementwise_affine=False), None, (4, 5)),
    ("GroupNorm", lambda: _randomized(nn.GroupNorm(2, 4)), (None, 4, 5), (3, 4, 5)),
    ("GroupNorm-2d", lambda: _randomized(nn.GroupNorm(3, 6)), (None, 6, 3, 3), (2, 6, 3, 3)),
]
CONVOLUTIONS = [
    ("Conv1d", lambda: nn.Conv1d(2, 4, 3, generator=_generator()), (None, 2, 9), (3, 2, 9)),
    ("Conv1d-strided", lambda: nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2,
                                         generator=_generator()), (None, 2, 9), (3, 2, 9)),
    ("Conv1d-same-even", lambda: nn.Conv1d(2, 3, 4, padding="same", bias=False,
                                           generator=_generator()), (None, 2, 9), (3, 2, 9)),
    ("Conv2d", lambda: nn.Conv2d(3, 4, 3, padding=1, generator=_generator()),
     (None, 3, 6, 6), (2, 3, 6, 6)),
    ("Conv2d-groups", lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), groups=2,
                                        generator=_generator()), (None, 4, 7, 6),
     (2, 4, 7, 6)),
    ("Conv2d-reflect", lambda: nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect",
                                         generator=_generator()), (None, 2, 5, 5),
     (2, 2, 5, 5)),
    ("Conv2d-replicate", lambda: nn.Conv2d(2, 3, 3, padding=(2, 1), padding_mode="replicate",
                                           generator=_generator()), (None, 2, 5, 5),
     (2, 2, 5, 5)),
    ("Conv2d-circular", lambda: nn.Conv2d(2, 3, 3, padding="same", padding_mode="circular",
                                          generator=_generator()), (None, 2, 5, 5),
     (2, 2, 5, 5)),
    ("Conv2d-unbatched", lambda: nn.Conv2d(2, 3, 3, generator=_generator()), (2, 5, 5),
     (2, 5, 5)),
    ("ConvTranspose1d", lambda: nn.ConvTranspose1d(4, 2, 3, stride=2, generator=_generator()),
     (None, 4, 5), (2, 4, 5)),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1,
                                                   output_padding=1, generator=_generator()),
     (None, 4, 4, 4), (2, 4, 4, 4)),
    ("ConvTranspose2d-groups", lambda: nn.ConvTranspose2d(4, 6, 2, groups=2, dilation=2,
                                                          generator=_generator()),
     (None, 4, 3, 3), (2, 4, 3, 3)),
    ("MaxPool1d", lambda: nn.MaxPool1d(3, stride=2), (None, 2, 9), (3, 2, 9)),
    ("MaxPool2d", lambda: nn.MaxPool2d(2), (None, 3, 6, 6), (2, 3, 6, 6)),
    ("MaxPool2d-padded", lambda: nn.MaxPool2d(3, stride=2, padding=1), (None, 3, 7, 7),
     (2, 3, 7, 7)),
    ("MaxPool2d-ceil", lambda: nn.MaxPool2d(2, ceil_mode=True), (None, 2, 5, 5),
     (2, 2, 5, 5)),
    ("MaxPool2d-dilated", lambda: nn.MaxPool2d(2, stride=1, dilation=2), (None, 2, 6, 6),
     (2, 2, 6, 6)),
    ("AvgPool1d", lambda: nn.AvgPool1d(2), (None, 2, 9), (3, 2, 9)),
    ("AvgPool2d", lambda: nn.AvgPool2d(3, stride=2, padding=1), (None, 3, 7, 7),
     (2, 3, 7, 7)),
    ("AvgPool2d-exclude-pad", lambda: nn.AvgPool2d(3, stride=2, padding=1,
                                                   count_include_pad=False), (None, 3, 7, 7),
     (2, 3, 7, 7)),
    ("AvgPool2d-ceil", lambda: nn.AvgPool2d(2, ceil_mode=True), (None, 2, 5, 5),
     (2, 2, 5, 5)),
    ("AvgPool2d-divisor", lambda: nn.AvgPool2d(2, divisor_override=3), (None, 2, 6, 6),
     (2, 2, 6, 6)),
    ("AdaptiveAvgPool1d", lambda: nn.AdaptiveAvgPool1d(3), (None, 2, 10), (2, 2, 10)),
    ("AdaptiveAvgPool2d-global", lambda: nn.AdaptiveAvgPool2d((1, 1)), (None, 3, 5, 7),
     (2, 3, 5, 7)),
    ("AdaptiveAvgPool2d-unequal", lambda: nn.AdaptiveAvgPool2d((3, None)), (None, 2, 7, 5),
     (2, 2, 7, 5)),
    ("Sequential-LeNet", lambda: nn.Sequential(
        nn.Conv2d(1, 4, 3, generator=_generator()), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(36, 3, generator=_generator())), (None, 1, 8, 8),
     (3, 1, 8, 8)),
]
RECURRENT = [
    ("RNN", lambda: nn.RNN(3, 5, num_layers=2, generator=_generator()), None, (6, 2, 3)),
    ("RNN-relu-bidirectional", lambda: nn.RNN(3, 4, nonlinearity="relu", bidirectional=True,
                                              generator=_generator()), None, (6, 2, 3)),
    ("LSTM", lambda: nn.LSTM(3, 4, generator=_generator()), None, (6, 2, 3)),
    ("LSTM-deep-bidirectional-batch-first", lambda: nn.LSTM(
        3, 4, num_layers=2, bidirectional=True, batch_first=True, generator=_generator()),
     None, (2, 6, 3)),
    ("LSTM-unbatched", lambda: nn.LSTM(3, 4, bias=False, generator=_generator()), (None, 3),
     (6, 3)),
    ("GRU", lambda: nn.GRU(3, 4, bias=False, generator=_generator()), None, (6, 2, 3)),
    ("GRU-bidirectional", lambda: nn.GRU(3, 4, num_layers=2, bidirectional=True,
                                         generator=_generator()), None, (6, 2, 3)),
    ("RNNCell", lambda: nn.RNNCell(3, 4, nonlinearity="relu", generator=_generator()), None,
     (2, 3)),
    ("LSTMCell", lambda: nn.LSTMCell(3, 4, generator=_generator()), None, (2, 3)),
    ("GRUCell", lambda: nn.GRUCell(3, 4, generator=_generator()), None, (2, 3)),
    ("GRUCell-unbatched", lambda: nn.GRUCell(3, 4, generator=_generator()), (3,), (3,)),
]
CASES = LAYERS + CONVOLUTIONS + RECURRENT


#: Layers onnxruntime has float32 kernels for only: a float64 model computes them in float32.
FLOAT32_KERNELS = (nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.AvgPool1d,
                   nn.AvgPool2d, nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.RNN, nn.LSTM,
                   nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("factory, input_shape, shape", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_layer_matches_stir(factory, input_shape, shape, dtype, tmp_path):
    model = factory().to(dtype=dtype)
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype) * 2
    tolerance = TOLERANCE[dtype]
    if any(isinstance(module, FLOAT32_KERNELS) for module in model.modules()):
        tolerance = TOLERANCE[np.float32]
    assert_exported(model, x, tmp_path, input_shape=input_shape, dtype=dtype,
                    tolerance=tolerance)


@pytest.mark.parametrize("max_norm", [None, 1.0])
def test_embedding_gathers_rows(max_norm, tmp_path):
    table = nn.Embedding(10, 4, padding_idx=0, max_norm=max_norm, generator=_generator())
    model = nn.Sequential(table, nn.Flatten(), nn.Linear(12, 2, generator=_generator()))
    x = np.random.default_rng(4).integers(0, 10, size=(5, 3))
    before = table.weight.detach().numpy().copy() if max_norm is None else None
    assert_exported(model, x, tmp_path, input_shape=(None, 3))
    if before is not None:
        np.testing.assert_array_equal(table.weight.detach().numpy(), before)


def test_a_negative_embedding_index_is_refused_as_stir_refuses_it(tmp_path):
    table = nn.Embedding(5, 3, generator=_generator())
    path = stir.onnx.export(table, tmp_path / "table.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    with pytest.raises(IndexError, match="out of range"):
        table(stir.tensor([[-1]]))
    # (ONNX's Gather alone would return the last row for -1)
    with pytest.raises(Exception, match="out of data bounds"):
        session.run(None, {name: np.array([[-1]], dtype=np.int64)})
    last = session.run(None, {name: np.array([[4]], dtype=np.int64)})[0]
    np.testing.assert_array_equal(last[0, 0], table.weight.detach().numpy()[4])


def test_a_distributed_wrapper_is_refused_with_what_to_export(tmp_path):
    import stir.distributed as dist

    dist.init_process_group()  # (a world of one: no launcher)
    try:
        wrapped = nn.parallel.DistributedDataParallel(nn.Linear(2, 1))
        with pytest.raises(stir.onnx.graph.ExportError, match="export its .module"):
            stir.onnx.export(wrapped, tmp_path / "x.onnx")
        assert stir.onnx.export(wrapped.module, tmp_path / "x.onnx", input_shape=(None, 2))
    finally:
        dist.destroy_process_group()


def test_every_module_class_of_stir_nn_is_covered():
    """A new layer in stir.nn must be added to the export tables (or refused on purpose)."""
    refused = {"Module", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
               "DistributedDataParallel",  # (a training wrapper: export its .module)
               "Parameter"}
    classes = {name for name in dir(nn) if isinstance(getattr(nn, name), type)
               and issubclass(getattr(nn, name), nn.Module)
               and getattr(nn, name).__module__ != "stir.nn.losses"}
    missing = classes - set(stir.onnx.supported()) - refused
    assert missing == set()
    tested = {name.split("-")[0] for name, *_ in ACTIVATIONS + CASES} | {"Embedding"}
    assert set(stir.onnx.supported()) - tested == set()


def test_float64_models_export_in_float64(tmp_path):
    model = nn.MLP([3, 6, 2], activation="elu", dtype=np.float64, generator=_generator())
    x = np.random.default_rng(5).standard_normal((4, 3))
    path = assert_exported(model, x, tmp_path)
    assert run_onnx(path, {"input": x})[0].dtype == np.float64


def test_the_batch_size_is_chosen_at_run_time(tmp_path):
    model = nn.Sequential(nn.Conv1d(2, 3, 3, generator=_generator()), nn.Tanh(),
                          nn.Flatten(), nn.Linear(21, 2, generator=_generator()))
    path = stir.onnx.export(model, tmp_path / "m.onnx", input_shape=(None, 2, 9))
    for batch in (1, 7):
        x = np.random.default_rng(batch).standard_normal((batch, 2, 9)).astype(np.float32)
        np.testing.assert_allclose(run_onnx(path, {"input": x})[0], stir_outputs(model, x)[0],
                                   rtol=1e-5, atol=1e-5)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape == ["batch", 2, 9]


def test_recurrent_sequence_length_is_free_too(tmp_path):
    model = nn.GRU(3, 4, generator=_generator())
    path = stir.onnx.export(model, tmp_path / "m.onnx")
    for steps in (1, 9):
        x = np.random.default_rng(steps).standard_normal((steps, 2, 3)).astype(np.float32)
        for got, want in zip(run_onnx(path, {"input": x}), stir_outputs(model, x)):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_recurrent_layers_agree_with_torch_too(kind, tmp_path):
    """An independent oracle for the gate reordering: PyTorch's layer with stir's weights."""
    torch = pytest.importorskip("torch", reason="PyTorch is the second oracle")
    model = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, generator=_generator())
    reference = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True)
    reference.load_state_dict({name: torch.from_numpy(value.detach().numpy().copy())
                               for name, value in model.state_dict().items()})
    path = stir.onnx.export(model, tmp_path / "m.onnx")
    x = np.random.default_rng(6).standard_normal((5, 2, 3)).astype(np.float32)
    output, states = reference(torch.from_numpy(x))
    states = states if isinstance(states, tuple) else (states,)
    got = run_onnx(path, {"input": x})
    assert len(got) == 1 + len(states)
    for value, want in zip(got, (output,) + states):
        np.testing.assert_allclose(value, want.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_export_leaves_the_models_mode_as_it_was(tmp_path):
    model = nn.Sequential(nn.Linear(5, 4, generator=_generator()), nn.Dropout(0.5))
    model.train()
    model[1].eval()
    stir.onnx.export(model, tmp_path / "m.onnx")
    assert (model.training, model[0].training, model[1].training) == (True, True, False)


# ----------------------------------------------------------------------------- refusals
class Doubler(nn.Module):
    def forward(self, x):
        return x * 2


class ScaledLinear(nn.Linear):
    def forward(self, x):
        return super().forward(x) * 3


@pytest.mark.parametrize("model, words", [
    (nn.Sequential(nn.Linear(2, 2), Doubler()), "Doubler cannot be exported"),
    (ScaledLinear(2, 2), "ScaledLinear replaces the forward of Linear"),
    (nn.Sequential(nn.Linear(2, 2), nn.MSELoss()), "MSELoss is a loss"),
    (nn.Sequential(nn.Linear(2, 2), nn.ModuleList([nn.ReLU()])), "put them in a Sequential"),
    (nn.Sequential(nn.LSTM(2, 3), nn.Linear(3, 1)), "end the Sequential at that layer"),
    (nn.Sequential(nn.Linear(2, 2), nn.MaxPool1d(2, return_indices=True)), "return_indices"),
    (nn.Sequential(nn.ReLU()), "pass input_shape"),
])
def test_what_cannot_be_expressed_is_refused_by_name(model, words, tmp_path):
    with pytest.raises(stir.onnx.ExportError, match=words) as caught:
        stir.onnx.export(model, tmp_path / "m.onnx")
    assert "\n" not in str(caught.value)
    assert not list(tmp_path.iterdir())


def test_a_shape_the_model_cannot_take_is_named(tmp_path):
    with pytest.raises(stir.onnx.ExportError, match=r"Linear\(3 => 1\).*input_shape"):
        stir.onnx.export(nn.Linear(3, 1), tmp_path / "m.onnx", input_shape=(None, 4))


def test_a_failed_export_leaves_the_old_file(tmp_path):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old")
    with pytest.raises(stir.onnx.ExportError):
        stir.onnx.export(nn.Sequential(Doubler()), target, input_shape=(None, 2))
    assert target.read_bytes() == b"old"
    stir.onnx.export(nn.Linear(2, 1), target)
    assert onnx.load(str(target)).graph.node  # replaced, atomically: no temporary file left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]


def test_destinations_are_checked_before_anything_is_done(tmp_path):
    model_file = tmp_path / "net.safetensors"
    stir.save(nn.Linear(2, 1), model_file)
    with pytest.raises(ValueError, match="ends in .onnx; name it net.onnx"):
        stir.onnx.export(model_file, model_file)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        stir.onnx.export(nn.Linear(2, 1), tmp_path / "no" / "m.onnx")
    (tmp_path / "folder.onnx").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        stir.onnx.export(nn.Linear(2, 1), tmp_path / "folder.onnx")
    same = tmp_path / "same.onnx"
    os.link(model_file, same)
    with pytest.raises(ValueError, match="is the model file itself"):
        stir.onnx.export(model_file, same)
    assert same.read_bytes() == model_file.read_bytes()


def test_a_saved_network_file_exports(tmp_path):
    model = nn.MLP([3, 4, 2], generator=_generator())
    stir.save(model, tmp_path / "net.safetensors")
    path = stir.onnx.export(tmp_path / "net.safetensors", tmp_path / "net.onnx")
    x = np.random.default_rng(7).standard_normal((3, 3)).astype(np.float32)
    np.testing.assert_allclose(run_onnx(path, {"input": x})[0], stir_outputs(model, x)[0],
                               rtol=1e-5, atol=1e-5)


def test_importing_stir_onnx_does_not_import_onnx():
    code = "import stir, stir.onnx, sys; print('onnx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


# ----------------------------------------------------------------------------- stir train
TRAIN_ROWS = [
    # size, colour, day, weight, kind, price
    ("1.5", "red", "2024-01-03", "10", "cat", "3.5"),
    ("2.0", "blue", "2024-01-05", "NA", "dog", "4.0"),
    ("", "red", "2024-02-01", "12", "cat", "3.9"),
    ("3.1", "green", "", "7", "dog", "6.1"),
    ("0.7", "?", "2024-03-11", "9", "cat", "2.2"),
    ("2.8", "blue", "2024-01-20", "11", "dog", "5.0"),
    ("1.1", "green", "2024-02-14", "N/A", "cat", "3.0"),
    ("2.2", "red", "2023-12-30", "13", "dog", "4.6"),
    ("1.9", "blue", "2024-01-09", "8", "cat", "4.1"),
    ("2.6", "green", "2024-03-01", "10", "dog", "5.5"),
] * 3
NEW_ROWS = [
    ("1.5", "red", "2024-01-03", "10"),
    ("NA", "purple", "2024-05-01", "?"),  # an unseen category, missing cells
    ("4.0", "", "", "14"),
    ("-1", "blue", "2022-06-30", "0"),
    ("2.5", "green", "2024-01-15", "null"),
]
HEADER = ["size", "colour", "day", "weight"]


def _write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _raw_feeds(rows, columns):
    """The ONNX inputs for raw CSV rows: numbers (NaN when missing), days, texts."""
    from stir.data.csv_columns import MISSING_MARKERS

    feeds = {}
    for index, name in enumerate(HEADER):
        cells = [row[index].strip() for row in rows]
        kind = next(c.kind for c in columns if c.name == name)
        if kind == "category":
            feeds[name] = np.array(cells, dtype=object)
        elif kind == "date":
            feeds[name] = np.array([math.nan if c in MISSING_MARKERS else float(
                np.datetime64(c, "s").astype(np.int64)) / 86_400 for c in cells])
        else:
            feeds[name] = np.array([math.nan if c in MISSING_MARKERS else float(c)
                                    for c in cells])
    return feeds


@pytest.fixture(scope="module", params=["kind", "price"])
def trained_file(request, tmp_path_factory):
    from stir import cli

    folder = tmp_path_factory.mktemp(f"train_{request.param}")
    data = folder / "train.csv"
    _write_csv(data, HEADER + ["kind", "price"], TRAIN_ROWS)
    drop = "price" if request.param == "kind" else "kind"
    out = folder / "model.safetensors"
    status = cli.main(["train", str(data), "--target", request.param, "--drop", drop,
                       "--hidden", "6", "--epochs", "3", "--quiet", "--out", str(out)])
    assert status == 0
    return out


def test_a_stir_train_model_takes_the_raw_columns(trained_file, tmp_path):
    from stir.commands.trained_model import TrainedModel
    from stir.data.csv_files import read_features

    trained = TrainedModel.load(trained_file)
    assert [c.kind for c in trained.columns] == ["number", "category", "date", "number"]
    new = tmp_path / "new.csv"
    _write_csv(new, HEADER, NEW_ROWS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unseen category's warning
        X = read_features(new, trained.feature_names, standardizer=trained.standardizer,
                          encodings=trained.columns)
    expected = trained.outputs(X)
    path = stir.onnx.export(trained_file, tmp_path / "model.onnx")
    onnx.checker.check_model(str(path), full_check=True)
    outputs = run_onnx(path, _raw_feeds(NEW_ROWS, trained.columns))
    if trained.task == "classification":
        probabilities, labels = outputs
        np.testing.assert_allclose(probabilities, expected, rtol=1e-5, atol=1e-5)
        assert list(labels) == [trained.classes[i] for i in expected.argmax(axis=1)]
    else:
        prediction, = outputs
        assert prediction.dtype == np.float64
        np.testing.assert_allclose(prediction, expected, rtol=1e-5, atol=1e-5)


def test_the_preprocessing_is_what_makes_it_agree(trained_file, tmp_path):
    """The check above can fail: leave out the imputation (all cells present but a hole
    left as NaN) and the outputs are not stir's."""
    from stir.commands.trained_model import TrainedModel

    trained = TrainedModel.load(trained_file)
    path = stir.onnx.export(trained, tmp_path / "model.onnx")
    feeds = _raw_feeds(NEW_ROWS, trained.columns)
    imputed = run_onnx(path, feeds)[0]
    fill = next(c.fill for c in trained.columns if c.name == "size")
    feeds["size"] = np.where(np.isnan(feeds["size"]), fill + 1.0, feeds["size"])
    assert not np.allclose(run_onnx(path, feeds)[0], imputed, rtol=1e-5, atol=1e-5)


def test_the_user_pages_example_runs(tmp_path):
    """docs/onnx.md's onnxruntime example (not a doctest, since onnx is optional), run as a
    script."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "onnx.md").read_text("utf-8")
    blocks = [block.split("\n", 1)[1] for block in page.split("```python")[1:]]
    script = next(block.split("```")[0] for block in blocks if ">>>" not in block)
    (tmp_path / "example.py").write_text(script, encoding="utf-8")
    subprocess.run([sys.executable, "example.py"], cwd=tmp_path, check=True)
    assert (tmp_path / "digits.onnx").exists()


def test_numeric_classes_and_a_column_named_like_an_output(tmp_path):
    from stir.commands.trained_model import TrainedModel
    from stir.data.csv_columns import ColumnEncoding
    from stir.data.csv_files import Standardizer

    trained = TrainedModel(
        nn.MLP([3, 5, 3], generator=_generator()), ["label", "tint=dark", "tint=pale"],
        "grade", "classification", Standardizer([1.0, 0.5, 0.5], [2.0, 0.5, 0.5]), [3, 5, 7],
        columns=[ColumnEncoding("label", "number", 0.5),
                 ColumnEncoding("tint", "category", "pale", ["dark", "pale"])])
    path = stir.onnx.export(trained, tmp_path / "m.onnx")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == ["probabilities", "label_1"]
    feeds = {"label": np.array([1.0, np.nan, -2.0]),
             "tint": np.array(["dark", "NA", "grey"], dtype=object)}
    X = np.array([[1.0, 1, 0], [0.5, 0, 1], [-2.0, 0, 0]])
    probabilities, labels = session.run(None, feeds)
    np.testing.assert_allclose(probabilities, trained.outputs(X), rtol=1e-5, atol=1e-5)
    assert labels.dtype == np.int64
    assert labels.tolist() == [[3, 5, 7][i] for i in trained.outputs(X).argmax(axis=1)]
    with pytest.raises(ValueError, match="inputs are its columns"):
        stir.onnx.export(trained, tmp_path / "m.onnx", input_shape=(None, 3))


def test_without_onnx_the_error_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['onnx'] = None\n"
            "import stir, stir.onnx\n"
            "try:\n"
            "    stir.onnx.export(stir.nn.Linear(2, 1), 'm.onnx')\n"
            "except ImportError as error:\n"
            "    print(error)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, cwd=tmp_path)
    assert "pip install stir[onnx]" in result.stdout
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("alpha", [1.0, 2.0])
def test_elu_far_below_zero_stays_at_minus_alpha(alpha, tmp_path):
    """eˣ − 1 composed for ONNX went below −1 where eˣ is subnormal in float32 (x < −87):
    ELU gave −1.00076 where stir gives −1 (found by the outside review)."""
    net = nn.Sequential(nn.Identity(), nn.ELU(alpha=alpha))
    path = stir.onnx.export(net, tmp_path / "elu.onnx", input_shape=(None, 1))
    x = np.linspace(-110, -80, 3001, dtype=np.float32)[:, None]
    (out,) = run_onnx(path, {"input": x})
    (expected,) = stir_outputs(net, x)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)
    assert out.min() >= -alpha
