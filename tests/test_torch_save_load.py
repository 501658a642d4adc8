"""stir.save / stir.load of what PyTorch programs save (state dicts, tensors, nested dicts of
them), as safetensors + JSON: round trips against PyTorch's own torch.save/torch.load, and
hostile files refused with ModelFormatError."""

import io
import json
from collections import OrderedDict

import numpy as np
import pytest

import stir
from stir import nn
from stir.io import ModelFormatError
from stir.io.stir_files import write_stir_file

torch = pytest.importorskip("torch")


def trained():
    stir.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = stir.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        opt.zero_grad()
        model(stir.ones(5, 3)).sum().backward()
        opt.step()
    return model, opt


def test_a_state_dict_round_trips_and_restores_the_outputs(tmp_path):
    model, _ = trained()
    path = tmp_path / "weights.pth"
    stir.save(model.state_dict(), path)
    loaded = stir.load(path)
    assert type(loaded) is OrderedDict and list(loaded) == list(model.state_dict())
    fresh = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    fresh.load_state_dict(stir.load(path))
    x = stir.randn(6, 3)
    assert np.array_equal(fresh(x).array, model(x).array)
    # and the same weights give PyTorch's outputs
    reference = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                    torch.nn.Linear(4, 2))
    reference.load_state_dict({k: torch.from_numpy(v.array.copy()) for k, v in loaded.items()})
    with torch.no_grad():
        expected = reference(torch.from_numpy(x.array.copy())).numpy()
    np.testing.assert_allclose(fresh(x).array, expected, rtol=1e-6, atol=1e-6)


def test_the_same_objects_come_back_as_from_torch_load(tmp_path):
    """torch.save + torch.load of the same structure gives the same types, keys and values."""
    model, opt = trained()
    ours = {"epoch": 3, "model": model.state_dict(), "loss": 0.1, "note": "best",
            "flags": [True, None, (1, 2.5)], "tensor": stir.arange(6).reshape(2, 3),
            "half": stir.ones(2, dtype=stir.float16), "mask": stir.tensor([True, False])}
    theirs = {"epoch": 3, "model": OrderedDict((k, torch.from_numpy(v.array.copy()))
                                               for k, v in model.state_dict().items()),
              "loss": 0.1, "note": "best", "flags": [True, None, (1, 2.5)],
              "tensor": torch.arange(6).reshape(2, 3), "half": torch.ones(2, dtype=torch.float16),
              "mask": torch.tensor([True, False])}
    stir.save(ours, tmp_path / "ours.pt")
    torch.save(theirs, tmp_path / "theirs.pt")
    a, b = stir.load(tmp_path / "ours.pt"), torch.load(tmp_path / "theirs.pt")

    def shape_of(value):
        if isinstance(value, (stir.Tensor, torch.Tensor)):
            return ("tensor", str(value.dtype).replace("torch.", ""), tuple(value.shape),
                    np.asarray(value.tolist()).tolist())
        if isinstance(value, dict):
            return (type(value).__name__, [(k, shape_of(v)) for k, v in value.items()])
        if isinstance(value, (list, tuple)):
            return (type(value).__name__, [shape_of(v) for v in value])
        return value

    assert shape_of(a) == shape_of(b)


def test_a_tensor_saves_alone_keeping_dtype_and_requires_grad():
    for value in (stir.arange(5), stir.tensor(2.5), stir.randn(2, 3, requires_grad=True),
                  stir.zeros(0, 4, dtype=stir.float64)):
        buffer = io.BytesIO()
        stir.save(value, buffer)
        buffer.seek(0)
        loaded = stir.load(buffer)
        assert isinstance(loaded, stir.Tensor)
        assert loaded.dtype == value.dtype and loaded.shape == value.shape
        assert loaded.requires_grad == value.requires_grad
        assert np.array_equal(loaded.array, value.array)


def test_an_optimizer_and_scheduler_resume_through_a_file(tmp_path):
    model, opt = trained()
    schedule = stir.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    schedule.step()
    stir.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
               "scheduler": schedule.state_dict()}, tmp_path / "ckpt.pt")
    saved = stir.load(tmp_path / "ckpt.pt")
    model2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt2 = stir.optim.SGD(model2.parameters(), lr=0.5, momentum=0.9)
    schedule2 = stir.optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.5)
    model2.load_state_dict(saved["model"])
    opt2.load_state_dict(saved["optimizer"])
    schedule2.load_state_dict(saved["scheduler"])
    for m, o, s in ((model, opt, schedule), (model2, opt2, schedule2)):
        o.zero_grad()
        m(stir.ones(2, 3)).sum().backward()
        o.step()
        s.step()
    assert all(np.array_equal(a.array, b.array)
               for a, b in zip(model.parameters(), model2.parameters()))
    assert schedule2.get_last_lr() == schedule.get_last_lr()


def test_a_whole_model_still_saves_as_a_model_file(tmp_path):
    model, _ = trained()
    path = stir.save(model, tmp_path / "m.safetensors")
    again = stir.load(path, map_location="cpu", weights_only=False)
    assert isinstance(again, nn.Sequential)
    assert stir.io.read(path).object is None


def test_map_location_forms_are_accepted():
    buffer = io.BytesIO()
    stir.save({"w": stir.ones(2)}, buffer)
    for location in (None, "cpu", stir.device("cpu"), {"cuda:0": "cpu"},
                     lambda storage, loc: storage):
        buffer.seek(0)
        assert stir.load(buffer, map_location=location)["w"].tolist() == [1.0, 1.0]
    buffer.seek(0)
    with pytest.raises(TypeError, match="must return a tensor"):
        stir.load(buffer, map_location=lambda storage, loc: 3)


def test_what_cannot_be_saved_says_so():
    with pytest.raises(TypeError, match="state_dict"):
        stir.save({"model": nn.Linear(1, 1)}, io.BytesIO())
    with pytest.raises(TypeError, match="Module or a state dict"):
        stir.save("text", io.BytesIO())


def test_a_pytorch_file_is_refused_with_how_to_convert(tmp_path):
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 1).state_dict(), path)
    with pytest.raises(ModelFormatError, match="never unpickles.*save_file"):
        stir.load(path)
    legacy = io.BytesIO()
    torch.save({"a": torch.ones(1)}, legacy, _use_new_zipfile_serialization=False)
    legacy.seek(0)
    with pytest.raises(ModelFormatError, match="before 1.6.*never unpickles"):
        stir.load(legacy)


def forged(tmp_path, tensors, structure):
    """A file with a correct checksum whose stir.object says `structure`."""
    return write_stir_file(tmp_path / "forged.pt", "model", tensors,
                           {"metadata": {}, "object": structure})


@pytest.mark.parametrize("tensors, structure, message", [
    ({}, {"$tensor": "missing"}, "refers to a tensor 'missing' that the file does not hold"),
    ({"a": np.ones(1)}, {"x": {"$tensor": "a"}, "y": {"$tensor": "a"}}, "twice"),
    ({"a": np.ones(1)}, {"x": 1}, "never refers to"),
    ({}, {"$tuple": "not a list"}, "malformed"),
    ({}, {"$ordered": [1, 2]}, "must hold a dict"),
    ({"a": np.ones(1, np.int64)}, {"$tensor+grad": "a"}, "only floating-point"),
    ({}, {"$dict": [[True, 1]]}, "malformed"),
])
def test_a_forged_structure_is_refused(tmp_path, tensors, structure, message):
    with pytest.raises(ModelFormatError, match=message):
        stir.load(forged(tmp_path, tensors, structure))


def test_a_truncated_or_edited_file_is_refused(tmp_path):
    path = stir.save({"w": stir.ones(100)}, tmp_path / "w.pt")
    data = path.read_bytes()
    for cut in (4, 20, len(data) - 7):
        with pytest.raises(ModelFormatError, match="truncated|fewer than the 8|ends after"):
            stir.load(io.BytesIO(data[:cut]))
    header_length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_length])
    header["__metadata__"]["stir.object"] = json.dumps({"$tensor": "nothing"})
    text = json.dumps(header).encode()
    edited = len(text).to_bytes(8, "little") + text + data[8 + header_length:]
    with pytest.raises(ModelFormatError, match="checksum"):
        stir.load(io.BytesIO(edited))
    deep = {"a": None}
    for _ in range(100):
        deep = {"a": deep}
    with pytest.raises((ModelFormatError, ValueError), match="nested"):
        stir.load(forged(tmp_path, {}, deep))
