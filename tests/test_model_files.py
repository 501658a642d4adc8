"""stir.save / stir.load / stir.io.read: safetensors model files with architecture,
metadata and checksum; every bad file raises ModelFormatError naming what is wrong."""

import json
import struct

import numpy as np
import pytest

import stir
from stir import nn
from stir.io import ModelFormatError
from stir.io.safetensors_format import MAX_HEADER_BYTES


def every_layer_model():
    """A Sequential of layers on vectors with their usual arguments, run on integer inputs of
    shape (5, 2) below 10. (tests/test_save_registry.py round-trips every layer stir can
    describe, each argument changed from its default.)"""
    return nn.Sequential(
        nn.Embedding(10, 3, padding_idx=0), nn.Flatten(), nn.Linear(6, 8), nn.LeakyReLU(0.2),
        nn.VeryLeakyReLU(), nn.PReLU(8),
        nn.RReLU(0.1, 0.2), nn.ELU(0.5), nn.Softplus(2.0, 10.0), nn.APL(3, 8), nn.GELU("tanh"),
        nn.Identity(), nn.Step(), nn.Sign(), nn.Sigmoid(), nn.Tanh(), nn.ReLU(),
        nn.CenteredSoftplus(), nn.SiLU(), nn.Dropout(0.25), nn.Maxout(8, 4, pieces=3),
        nn.Linear(4, 3, bias=False), nn.Softmax(dim=-1), nn.LogSoftmax(dim=1),
    )


@pytest.mark.parametrize("make", [
    lambda: nn.MLP([2, 5, 1]),
    lambda: nn.MLP([3, 4, 4, 2], activation="tanh", output_activation="sigmoid",
                   dtype=np.float64),
    every_layer_model,
], ids=["mlp", "mlp-float64", "every-layer"])
def test_round_trip_rebuilds_the_same_function(make, tmp_path):
    stir.manual_seed(0)
    model = make().eval()
    path = stir.save(model, tmp_path / "m.safetensors", metadata={"note": [1, "two"]})
    again = stir.load(path).eval()
    assert type(again) is type(model) and repr(again) == repr(model)
    x = stir.randint(0, 10, (5, 2)) if isinstance(model[0], nn.Embedding) \
        else stir.randn(5, model[0].in_features)
    x = x.to(model[-1].weight.dtype) if hasattr(model[-1], "weight") else x
    assert np.array_equal(again(x).array, model(x).array)
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert a.dtype == b.dtype and np.array_equal(a.array, b.array), name
    contents = stir.io.read(path)
    assert contents.metadata == {"note": [1, "two"]}
    assert contents.version == stir.__version__
    if isinstance(model, nn.MLP):
        assert again.architecture == model.architecture


def test_loading_leaves_the_global_random_generator_alone(tmp_path):
    path = stir.save(nn.MLP([4, 8, 2]), tmp_path / "m.safetensors")
    stir.manual_seed(5)
    expected = stir.randn(3)
    stir.manual_seed(5)
    stir.load(path)
    assert np.array_equal(stir.randn(3).array, expected.array)


def test_files_round_trip_with_safetensors_numpy(tmp_path):
    from safetensors.numpy import load_file, save_file

    model = nn.MLP([3, 4, 2])
    path = stir.save(model, tmp_path / "m.safetensors")
    arrays = load_file(str(path))
    assert set(arrays) == set(model.state_dict())
    for name, tensor in model.state_dict().items():
        assert np.array_equal(arrays[name], tensor.array)
    # and a plain safetensors file (no stir metadata) loads into a model given to stir.load
    arrays = {name: np.full(array.shape, 0.5, array.dtype) for name, array in arrays.items()}
    save_file(arrays, str(tmp_path / "plain.safetensors"))
    loaded = stir.load(tmp_path / "plain.safetensors", model=nn.MLP([3, 4, 2]))
    assert all((p.array == 0.5).all() for p in loaded.parameters())
    with pytest.raises(ModelFormatError, match="no architecture"):
        stir.load(tmp_path / "plain.safetensors")


def test_a_pytorch_state_dict_saved_with_safetensors_torch_loads(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file

    torch.manual_seed(0)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(),
                                    torch.nn.Linear(5, 2))
    save_file(reference.state_dict(), str(tmp_path / "torch.safetensors"))
    model = stir.load(tmp_path / "torch.safetensors", model=nn.MLP([3, 5, 2]))
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(stir.tensor(x)).array, expected, rtol=1e-6, atol=1e-6)


class Custom(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 2)

    def forward(self, x):
        return self.layer(x) * 2


def test_a_custom_module_saves_weights_and_loads_into_a_model_you_make(tmp_path):
    model = Custom()
    path = stir.save(model, tmp_path / "c.safetensors")
    assert stir.io.read(path).architecture is None
    with pytest.raises(ModelFormatError, match="Custom.*model="):
        stir.load(path)
    again = stir.load(path, model=Custom())
    assert np.array_equal(again.layer.weight.array, model.layer.weight.array)


def test_a_state_dict_of_arrays_saves_too(tmp_path):
    path = stir.save({"w": np.arange(3.0)}, tmp_path / "s.safetensors")
    assert stir.io.read(path).state_dict["w"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("model, metadata, error, message", [
    ("not a model", None, TypeError, "Module or a state dict"),
    ({"w": np.ones(1, np.complex128)}, None, TypeError, "no safetensors name"),
    (nn.Linear(1, 1), {"x": object()}, TypeError, "JSON data"),
    (nn.Linear(1, 1), {"x": float("nan")}, TypeError, "JSON data"),
])
def test_save_refuses_what_it_cannot_write(model, metadata, error, message, tmp_path):
    with pytest.raises(error, match=message):
        stir.save(model, tmp_path / "x.safetensors", metadata=metadata)
    assert list(tmp_path.iterdir()) == []


def test_what_torch_save_takes_beyond_tensors_round_trips(tmp_path):
    """Keys that are not strings, and lists of numbers, are saved as torch.save saves them."""
    for saved in ({1: np.ones(1)}, {"w": [1.0]}, {0: [1, 2.5, None], "b": {-2: (1.0,)}}):
        loaded = stir.load(stir.save(saved, tmp_path / "o.safetensors"))
        assert list(loaded) == list(saved) and type(loaded) is dict
    assert isinstance(loaded[0], list) and loaded[0] == [1, 2.5, None]
    assert loaded["b"] == {-2: (1.0,)} and type(loaded["b"][-2]) is tuple
    ones = stir.load(stir.save({1: np.ones(2)}, tmp_path / "a.safetensors"))[1]
    assert isinstance(ones, np.ndarray) and ones.dtype == np.float64  # as torch.load gives
    assert ones.tolist() == [1.0, 1.0]
    assert stir.load(stir.save({"w": [1.0]}, tmp_path / "w.safetensors")) == {"w": [1.0]}


def test_loading_into_a_model_of_another_shape_names_the_tensors(tmp_path):
    path = stir.save(nn.MLP([2, 3, 1]), tmp_path / "m.safetensors")
    target = nn.MLP([2, 4, 1])
    before = [p.array.copy() for p in target.parameters()]
    with pytest.raises(ModelFormatError, match=r"size mismatch for 0\.weight.*\(3, 2\)"):
        stir.load(path, model=target)
    assert all(np.array_equal(a, p.array) for a, p in zip(before, target.parameters()))


# ------------------------------------------------------------------ the bad-file corpus
def raw_file(header, data=b"", length=None):
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def tensor(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}


def valid_bytes(tmp_path):
    return stir.save(nn.Linear(2, 1), tmp_path / "valid.safetensors").read_bytes()


def flip_last_bit(data):
    return data[:-1] + bytes([data[-1] ^ 1])


def with_header_edit(tmp_path, edit):
    """A valid model file whose JSON header is changed by `edit(header_dict)`."""
    from stir.io.safetensors_format import decode
    from stir.io.stir_files import checksum

    data = valid_bytes(tmp_path)
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + length])
    edit(header)
    metadata = header["__metadata__"]
    if "stir.sha256" in metadata:  # re-sign, so that only the edit itself can be refused
        metadata["stir.sha256"] = checksum(decode(data, "valid")[0], metadata)
    return raw_file(header, data[8 + length:])


def set_metadata(key, value):
    def edit(header):
        header["__metadata__"][key] = value
    return edit


BAD_FILES = {
    "empty": (lambda t: b"", "empty"),
    "short": (lambda t: b"\x01\x02\x03", "fewer than the 8"),
    "header longer than the file": (lambda t: raw_file({}, length=1000), "truncated"),
    "header over the cap": (lambda t: struct.pack("<Q", MAX_HEADER_BYTES + 1) + b" " * 64,
                            "16 MiB limit"),
    "bad utf-8": (lambda t: raw_file(b'{"\xff": 1}'), "UTF-8"),
    "bad json": (lambda t: raw_file(b'{"a": '), "not valid JSON"),
    "json not an object": (lambda t: raw_file(b"[1, 2]"), "JSON object"),
    "NaN in json": (lambda t: raw_file(b'{"a": NaN}'), "NaN is not JSON"),
    "duplicate keys": (lambda t: raw_file(b'{"w": ' + json.dumps(tensor()).encode() +
                                          b', "w": ' + json.dumps(tensor()).encode() + b"}",
                                          b"\0" * 8), "repeats the key"),
    "unknown dtype": (lambda t: raw_file({"w": tensor(dtype="BF16", offsets=(0, 4))},
                                         b"\0" * 4), "unsupported dtype 'BF16'"),
    "negative shape": (lambda t: raw_file({"w": tensor(shape=(-1,))}, b"\0" * 8), "shape"),
    "shape overflow": (lambda t: raw_file({"w": tensor(shape=(2**62, 2**62))}, b"\0" * 8),
                       "larger than 256 TiB"),
    "size mismatch": (lambda t: raw_file({"w": tensor(shape=(3,))}, b"\0" * 8), "needs 12"),
    "missing field": (lambda t: raw_file({"w": {"dtype": "F32", "shape": [2]}}, b"\0" * 8),
                      "exactly the fields"),
    "offsets reversed": (lambda t: raw_file({"w": tensor(shape=(0,), offsets=(8, 0))},
                                            b"\0" * 8), "begin <= end"),
    "overlap": (lambda t: raw_file({"a": tensor(), "b": tensor(offsets=(4, 12))}, b"\0" * 12),
                "overlapping"),
    "gap": (lambda t: raw_file({"a": tensor(), "b": tensor(offsets=(12, 20))}, b"\0" * 20),
            "belong to no tensor"),
    "truncated data": (lambda t: raw_file({"w": tensor()}, b"\0" * 5), "truncated"),
    "trailing bytes": (lambda t: raw_file({"w": tensor()}, b"\0" * 9), "trailing"),
    "metadata not strings": (lambda t: raw_file({"__metadata__": {"a": 1}}), "strings"),
    "checksum": (lambda t: flip_last_bit(valid_bytes(t)), "checksum does not match"),
    "stir metadata partly missing": (
        lambda t: with_header_edit(t, lambda h: h["__metadata__"].pop("stir.sha256")),
        "lacks stir.sha256"),
    "metadata field not json": (
        lambda t: with_header_edit(t, set_metadata("stir.metadata", "{oops")),
        "field 'stir.metadata': not valid JSON"),
    "metadata field of the wrong type": (
        lambda t: with_header_edit(t, set_metadata("stir.metadata", "[1]")),
        "stir.metadata must be a JSON object"),
    "wrong format version": (
        lambda t: with_header_edit(t, set_metadata("stir.format_version", "99")),
        "format version '99'"),
    "a checkpoint, not a model": (
        lambda t: with_header_edit(t, set_metadata("stir.format", "checkpoint")),
        "not a model file"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_every_bad_file_raises_model_format_error(case, tmp_path):
    make, message = BAD_FILES[case]
    path = tmp_path / "bad.safetensors"
    path.write_bytes(make(tmp_path))
    with pytest.raises(ModelFormatError, match=message) as caught:
        stir.load(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def forged(tmp_path, architecture):
    """A model file for Linear(2 => 1) whose architecture field is replaced, re-signed with
    a correct checksum (so only the architecture check can refuse it)."""
    from stir.io.stir_files import write_stir_file

    state = {k: v.array for k, v in nn.Linear(2, 1).state_dict().items()}
    return write_stir_file(tmp_path / "forged.safetensors", "model", state,
                           {"metadata": {}, "architecture": architecture})


@pytest.mark.parametrize("architecture, message", [
    ({"type": "os.system"}, "unknown layer type 'os.system'"),
    ({"type": "Linear", "in_features": 2, "out_features": 1, "bias": True, "dtype": "float32",
      "generator": 1}, r"arguments must be exactly \['bias', 'dtype', 'in_features', "
                       r"'out_features'\], got \['bias', 'dtype', 'generator', "),
    ({"type": "Linear", "in_features": 2, "out_features": 1, "bias": True, "dtype": "object"},
     "dtype must be one of"),
    ({"type": "Linear", "in_features": 2**30, "out_features": 2**30, "bias": True,
      "dtype": "float32"}, "parameters but the file holds 3"),
    ({"type": "Linear", "in_features": "2", "out_features": 1, "bias": True,
      "dtype": "float32"}, "in_features must be an integer from 1 to 2\\*\\*40, got '2'"),
    ({"type": "Sequential", "layers": [1]}, "'layers' an object"),
    ({"type": "MLP", "architecture": [2, "x"], "layers": {}}, "a width must be an integer"),
    ({"type": "Linear", "in_features": 1, "out_features": 1, "bias": True, "dtype": "float32"},
     "parameters but the file holds 3"),
    ("Linear", "must be an object"),
])
def test_a_forged_architecture_is_refused_before_anything_is_built(architecture, message,
                                                                    tmp_path):
    with pytest.raises(ModelFormatError, match=message):
        stir.load(forged(tmp_path, architecture))


def test_a_small_fuzz_of_mutated_files_raises_only_model_format_error(tmp_path):
    """Seeded bit flips, truncations and splices of a valid file: each either loads or raises
    ModelFormatError, nothing else (issue 6 asks for a larger run)."""
    valid = stir.save(nn.MLP([3, 4, 2]), tmp_path / "v.safetensors").read_bytes()
    rng = np.random.default_rng(0)
    path = tmp_path / "mutant.safetensors"
    outcomes = {"loaded": 0, "refused": 0}
    for trial in range(600):
        data = bytearray(valid)
        kind = trial % 3
        if kind == 0:
            for _ in range(rng.integers(1, 4)):
                position = rng.integers(len(data))
                data[position] ^= 1 << rng.integers(8)
        elif kind == 1:
            data = data[:rng.integers(len(data))]
        else:
            start, end = sorted(rng.integers(len(data), size=2))
            data = data[:start] + valid[rng.integers(len(valid)):][:end - start] + data[end:]
        path.write_bytes(bytes(data))
        try:
            stir.load(path)
            outcomes["loaded"] += 1
        except ModelFormatError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 500
