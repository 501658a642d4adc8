"""stir.data: DataLoader, synthetic sets, CSV files, IDX files and the MNIST cache."""

import gzip
import json
import math
import time

import numpy as np
import pytest

import stir
import stir.data
from stir.data import CSVError, DataLoader, IDXError, idx


# ----------------------------------------------------------------------------- DataLoader
def _rows(loader):
    return [tuple(t.numpy() for t in batch) for batch in loader]


def test_loader_in_order_batches_and_last_partial_batch():
    X = np.arange(14, dtype=np.float32).reshape(7, 2)
    y = np.arange(7)
    batches = _rows(DataLoader(X, y, batch_size=3))
    assert [b[0].shape for b in batches] == [(3, 2), (3, 2), (1, 2)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), X)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64


@pytest.mark.parametrize("n, size, drop_last, expected", [
    (7, 3, False, 3), (7, 3, True, 2), (6, 3, False, 2), (6, 3, True, 2), (2, 5, False, 1),
    (2, 5, True, 0), (5, 1, False, 5),
])
def test_loader_len_matches_iteration(n, size, drop_last, expected):
    for replacement in (False, True):
        loader = DataLoader(np.zeros((n, 1)), batch_size=size, drop_last=drop_last,
                            replacement=replacement, generator=stir.Generator(0))
        batches = list(loader)
        assert len(loader) == len(batches) == expected
        if drop_last or replacement:
            assert all(len(b[0]) == size for b in batches)


def test_loader_shuffle_is_a_seeded_permutation_each_epoch():
    X = np.arange(20, dtype=np.float32)[:, None]
    y = np.arange(20)

    def epoch(loader):
        batches = _rows(loader)
        features = np.concatenate([b[0][:, 0] for b in batches])
        return features, np.concatenate([b[1] for b in batches])

    loader = DataLoader(X, y, batch_size=6, shuffle=True, generator=stir.Generator().manual_seed(3))
    first_x, first_y = epoch(loader)
    second_x, _ = epoch(loader)
    assert sorted(first_y) == list(range(20))            # every row exactly once
    np.testing.assert_array_equal(first_x, first_y)      # rows stay aligned across arrays
    assert not np.array_equal(first_x, second_x)         # a new order each epoch
    again = DataLoader(X, y, batch_size=6, shuffle=True, generator=stir.Generator().manual_seed(3))
    np.testing.assert_array_equal(epoch(again)[0], first_x)
    other = DataLoader(X, y, batch_size=6, shuffle=True, generator=stir.Generator().manual_seed(4))
    assert not np.array_equal(epoch(other)[0], first_x)


def test_loader_default_generator_follows_manual_seed():
    X = np.arange(10, dtype=np.float32)
    stir.manual_seed(1)
    first = np.concatenate([b[0] for b in _rows(DataLoader(X, batch_size=4, shuffle=True))])
    stir.manual_seed(1)
    second = np.concatenate([b[0] for b in _rows(DataLoader(X, batch_size=4, shuffle=True))])
    assert sorted(first.tolist()) == X.tolist()
    np.testing.assert_array_equal(first, second)


def test_loader_with_replacement_draws_independent_full_batches():
    X = np.arange(10, dtype=np.float32)
    loader = DataLoader(X, X, batch_size=4, replacement=True, generator=stir.Generator(0))
    batches = _rows(loader)
    assert len(batches) == 3 and all(b[0].shape == (4,) for b in batches)
    drawn = np.concatenate([b[0] for b in batches])
    assert set(drawn.tolist()) <= set(X.tolist())
    np.testing.assert_array_equal(drawn, np.concatenate([b[1] for b in batches]))
    # Over many epochs some row repeats within a batch: sampling is with replacement.
    many = DataLoader(X, batch_size=8, replacement=True, generator=stir.Generator(0))
    assert any(len(set(b[0].tolist())) < 8 for _ in range(5) for b in _rows(many))
    same = DataLoader(X, X, batch_size=4, replacement=True, generator=stir.Generator(0))
    np.testing.assert_array_equal(np.concatenate([b[0] for b in _rows(same)]), drawn)


def test_loader_one_sample_sgd_and_tensor_inputs():
    X = stir.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    batches = list(DataLoader(X, [1, 2, 3], batch_size=1))
    assert len(batches) == 3
    assert isinstance(batches[0][0], stir.Tensor) and tuple(batches[0][0].size()) == (1, 2)
    assert batches[2][1].numpy().tolist() == [3]
    lists = list(DataLoader([[0.5], [1.5]], batch_size=2))
    assert lists[0][0].dtype == np.float32


def test_loader_batches_are_copies():
    X = np.zeros((4, 2), dtype=np.float32)
    for shuffle in (False, True):
        for (batch,) in DataLoader(X, batch_size=2, shuffle=shuffle):
            batch.array += 1
    assert (X == 0).all()


@pytest.mark.parametrize("arrays, kwargs, error, fragment", [
    ((np.zeros(3), np.zeros(4)), {}, ValueError, "(3,)"),
    ((np.zeros(3),), {"batch_size": 0}, ValueError, "batch_size must be at least 1"),
    ((np.zeros(3),), {"batch_size": 1.5}, TypeError, "batch_size must be an int"),
    ((), {}, ValueError, "at least one array"),
    ((np.zeros((0, 2)),), {}, ValueError, "empty"),
    ((np.float32(1.0),), {}, ValueError, "scalar"),
    ((np.zeros(3),), {"generator": 0}, TypeError, "stir.Generator"),
])
def test_loader_errors(arrays, kwargs, error, fragment):
    with pytest.raises(error, match=None) as info:
        DataLoader(*arrays, **kwargs)
    assert fragment in str(info.value)


def test_one_sample_loader_visits_every_row_once_per_epoch():
    # (Its speed, ~2 µs a batch, is a benchmark's business, not a test's.)
    X = np.arange(20_000, dtype=np.float32).reshape(-1, 1)
    y = np.arange(20_000, dtype=np.int64)
    loader = DataLoader(X, y, batch_size=1, shuffle=True, generator=stir.Generator(0))
    seen = [int(target.item()) for _, target in loader]
    assert len(seen) == 20_000 and sorted(seen) == list(range(20_000))
    assert seen != list(range(20_000))  # shuffled


# ----------------------------------------------------------------------------- synthetic
SYNTHETIC = [
    # function, kwargs, X shape, y shape, y dtype
    (stir.data.curious_curve, {"n": 50}, (50, 1), (50, 1), np.float32),
    (stir.data.paraboloid, {"n": 40}, (40, 2), (40, 1), np.float32),
    (stir.data.income_debt, {"n": 30}, (30, 2), (30,), np.int64),
    (stir.data.spirals, {"n": 31, "classes": 3}, (31, 2), (31,), np.int64),
    (stir.data.moons, {"n": 21}, (21, 2), (21,), np.int64),
    (stir.data.circles, {"n": 21}, (21, 2), (21,), np.int64),
    (stir.data.xor, {"n": 25}, (25, 2), (25,), np.int64),
    (stir.data.blobs, {"n": 25, "n_features": 3}, (25, 3), (25,), np.int64),
]


@pytest.mark.parametrize("make, kwargs, x_shape, y_shape, y_dtype", SYNTHETIC,
                         ids=[row[0].__name__ for row in SYNTHETIC])
def test_synthetic_shapes_dtypes_and_seeding(make, kwargs, x_shape, y_shape, y_dtype):
    X, y = make(**kwargs, seed=5)
    assert X.shape == x_shape and X.dtype == np.float32
    assert y.shape == y_shape and y.dtype == y_dtype
    X2, y2 = make(**kwargs, seed=5)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = make(**kwargs, generator=stir.Generator().manual_seed(5))
    np.testing.assert_array_equal(X, X3)
    X4, _ = make(**kwargs, seed=6)
    assert not np.array_equal(X, X4)
    with pytest.raises(ValueError, match="not both"):
        make(**kwargs, seed=1, generator=stir.Generator(1))
    with pytest.raises(ValueError, match="n must be"):
        make(**{**kwargs, "n": 0})


def test_curious_curve_and_paraboloid_formulas():
    X, y = stir.data.curious_curve(200, noise=0.0, seed=0)
    assert 0 <= X.min() and X.max() <= 1
    np.testing.assert_allclose(y, np.cos(2 * X + 20 * X**2), atol=1e-5)
    _, noisy = stir.data.curious_curve(2000, noise=0.1, seed=0)
    X, _ = stir.data.curious_curve(2000, noise=0.0, seed=0)
    assert 0.08 < np.std(noisy - np.cos(2 * X + 20 * X**2)) < 0.12
    X, y = stir.data.paraboloid(500, seed=0)
    assert 0 <= X.min() and X.max() <= 1          # seed 001: the unit square [0, 1]²
    np.testing.assert_allclose(y[:, 0], 1 - (X**2).sum(axis=1), atol=1e-6)
    X, _ = stir.data.paraboloid(500, low=-1.0, seed=0)
    assert X.min() < -0.5


def test_income_debt_margin_and_perceptron_converges():
    X, y = stir.data.income_debt(200, margin=0.05, seed=0)
    w, b = np.array(stir.data.INCOME_DEBT_WEIGHT), stir.data.INCOME_DEBT_BIAS * 100_000
    distance = (X @ w + b) / np.linalg.norm(w)
    assert (np.sign(distance) == y).all() and np.abs(distance).min() >= 0.05 * 100_000 - 1
    assert 0.2 < (y == 1).mean() < 0.8
    # The perceptron learning algorithm of seed 002 on scaled features converges.
    Z = np.hstack([X / 100_000, np.ones((len(X), 1))])
    weights = np.zeros(3)
    for epoch in range(100):
        mistakes = 0
        for z, label in zip(Z, y):
            if label * (z @ weights) <= 0:
                weights += label * z
                mistakes += 1
        if mistakes == 0:
            break
    assert mistakes == 0
    with pytest.raises(ValueError, match="margin"):
        stir.data.income_debt(10, margin=0.5)


def test_classification_toys_are_what_they_claim():
    X, y = stir.data.moons(100, seed=0)
    assert np.bincount(y).tolist() == [50, 50]
    assert np.allclose(np.hypot(*X[y == 0].T), 1, atol=1e-5)
    X, y = stir.data.circles(100, factor=0.3, seed=0)
    np.testing.assert_allclose(np.hypot(*X[y == 1].T), 0.3, atol=1e-5)
    X, y = stir.data.xor(100, seed=0)
    assert ((X[:, 0] * X[:, 1] < 0) == (y == 1)).all()
    X, y = stir.data.spirals(300, classes=3, noise=0.0, seed=0)
    assert np.bincount(y).tolist() == [100, 100, 100] and np.abs(X).max() <= 1 + 1e-6
    X, y = stir.data.blobs(300, centers=[[0, 0], [20, 20]], cluster_std=0.5, seed=0)
    assert np.allclose(X[y == 1].mean(axis=0), [20, 20], atol=0.2)
    _, y = stir.data.blobs(30, seed=0)
    assert sorted(set(y.tolist())) == [0, 1, 2]


# ----------------------------------------------------------------------------- CSV
def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_csv_classification_with_string_labels(tmp_path):
    rows = "".join(f"{i},{i * 2 + 1},{'yes' if i % 3 else 'no'}\n" for i in range(20))
    path = _write(tmp_path, "a,b,answer\n" + rows)
    data = stir.data.load_csv(path, "answer", validation=0.25, seed=1)
    assert data.task == "classification" and data.classes == ["no", "yes"]
    assert data.class_to_index == {"no": 0, "yes": 1}
    assert data.feature_names == ["a", "b"] and data.target == "answer"
    assert data.X_train.shape == (15, 2) and data.X_val.shape == (5, 2)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    # Standardizer fitted on the training split only.
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, atol=1e-5)
    raw = data.standardizer.inverse_transform(np.vstack([data.X_train, data.X_val]))
    assert sorted(raw[:, 0].round().astype(int).tolist()) == list(range(20))
    for X, y in ((data.X_train, data.y_train), (data.X_val, data.y_val)):
        a = data.standardizer.inverse_transform(X)[:, 0].round().astype(int)
        labels = np.array(data.classes)[y]
        assert (labels == np.where(a % 3 != 0, "yes", "no")).all()
    same = stir.data.load_csv(path, "answer", validation=0.25, seed=1)
    np.testing.assert_array_equal(same.X_val, data.X_val)


def test_standardizer_round_trips_as_plain_data():
    s = stir.data.Standardizer.fit(np.array([[1.0, 5.0], [3.0, 5.0], [5.0, 5.0]]))
    plain = json.loads(json.dumps(s.to_dict()))
    back = stir.data.Standardizer.from_dict(plain)
    np.testing.assert_allclose(back.mean, [3.0, 5.0])
    np.testing.assert_allclose(back.std, [math.sqrt(8 / 3), 1.0], rtol=1e-6)  # constant → 1
    X = np.array([[2.0, 7.0]], dtype=np.float32)
    np.testing.assert_allclose(back.inverse_transform(back.transform(X)), X, rtol=1e-6)
    with pytest.raises(ValueError, match="missing key"):
        stir.data.Standardizer.from_dict({"mean": [0.0]})
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        back.transform(np.zeros((1, 3)))


@pytest.mark.parametrize("target_values, task, expected_task, classes", [
    (["1.5", "2.25", "3", "4.75"], "auto", "regression", []),
    (["0", "1", "1", "0"], "auto", "classification", [0, 1]),
    (["-1", "1", "1", "-1"], "auto", "classification", [-1, 1]),
    ([str(i) for i in range(40)] * 2, "auto", "regression", []),       # 40 classes: too many
    (["10", "20", "30", "40"], "auto", "regression", []),              # no value repeats
    (["0", "1", "1", "0"], "regression", "regression", []),
    (["1.5", "2.5", "1.5", "2.5"], "classification", "classification", [1.5, 2.5]),
    (["b", "a", "c", "a"], "auto", "classification", ["a", "b", "c"]),
])
def test_load_csv_task_detection(tmp_path, target_values, task, expected_task, classes):
    body = "".join(f"{i},{v}\n" for i, v in enumerate(target_values))
    data = stir.data.load_csv(_write(tmp_path, "x,y\n" + body), "y", task=task, validation=0)
    assert data.task == expected_task and data.classes == classes
    if expected_task == "regression":
        assert data.y_train.shape == (len(target_values), 1) and data.y_train.dtype == np.float32
    else:
        order = np.argsort(data.standardizer.inverse_transform(data.X_train)[:, 0])
        labels = [str(data.classes[i]) for i in data.y_train[order]]
        assert labels == [str(type(classes[0])(v)) for v in target_values]


def test_load_csv_quoting_blank_lines_and_no_standardize(tmp_path):
    path = _write(tmp_path, 'x,"name, with comma"\n1,"a, b"\n\n2,"c"\n3,"a, b"\n')
    data = stir.data.load_csv(path, "name, with comma", validation=0, standardize=False)
    assert data.standardizer is None and data.classes == ["a, b", "c"]
    assert sorted(data.X_train[:, 0].tolist()) == [1.0, 2.0, 3.0]


CSV_ERRORS = [
    # content, target, fragments the message must contain
    ("a,b\n1,2\n", "c", ["line 1", "'c'", "['a', 'b']"]),
    ("a,b,y\n1,2,0\n3,oops,1\n", "y", ["line 3", "'b'", "'oops'", "not a number"]),
    ("a,b,y\n1,2,0\n3,4\n", "y", ["line 3", "expected 3", "got 2"]),
    ("a,b,y\n1,2,0\n3,4,1,9\n", "y", ["line 3", "expected 3", "got 4"]),
    ("", "y", ["empty", "header"]),
    ("a,b,y\n", "y", ["line 1", "only a header"]),
    ("a,b,y\n1,2,0\n1,inf,1\n", "y", ["line 3", "'b'", "finite"]),
    ("a,b,y\n1,2,0\n,2,1\n", "y", ["line 3", "'a'", "missing cell", "--missing impute"]),
    ("a,b,y\n1,2,no\n1,2,\n", "y", ["line 3", "'y'", "empty target"]),  # a text target
    ("a,a,y\n1,2,0\n", "y", ["line 1", "duplicate", "'a'"]),
    ("a,,y\n1,2,0\n", "y", ["line 1", "column 2", "empty name"]),
    ('a,y\n1,"unclosed\n', "y", ["line"]),
    ("y\n1\n2\n", "y", ["line 1", "no feature columns"]),
]


@pytest.mark.parametrize("content, target, fragments", CSV_ERRORS)
def test_load_csv_errors_name_file_line_and_column(tmp_path, content, target, fragments):
    path = _write(tmp_path, content, name="broken.csv")
    with pytest.raises(CSVError) as info:
        stir.data.load_csv(path, target, missing="error")
    message = str(info.value)
    assert "broken.csv" in message
    for fragment in fragments:
        assert fragment in message, message
    assert isinstance(info.value, ValueError)


def test_load_csv_regression_forced_on_text_target(tmp_path):
    path = _write(tmp_path, "a,y\n1,2\n2,cat\n", name="t.csv")
    with pytest.raises(CSVError, match=r"t\.csv: line 3, column 'y': 'cat'"):
        stir.data.load_csv(path, "y", task="regression")


def test_load_csv_argument_errors(tmp_path):
    path = _write(tmp_path, "a,y\n1,2\n2,3\n")
    with pytest.raises(ValueError, match="task must be one of"):
        stir.data.load_csv(path, "y", task="clustering")
    with pytest.raises(ValueError, match="validation"):
        stir.data.load_csv(path, "y", validation=1.0)
    with pytest.raises(CSVError, match="cannot open"):
        stir.data.load_csv(tmp_path / "absent.csv", "y")
    with pytest.raises(CSVError, match="none would be left"):
        stir.data.load_csv(_write(tmp_path, "a,y\n1,2\n", "one.csv"), "y", task="regression",
                           validation=0.6)


def test_read_features_orders_and_checks_columns(tmp_path):
    path = _write(tmp_path, "b,a,y\n1,2,0\n3,4,1\n", name="new.csv")
    np.testing.assert_array_equal(stir.data.read_features(path, ["a", "b"], allow_extra=True),
                                  [[2, 1], [4, 3]])
    with pytest.raises(CSVError) as info:
        stir.data.read_features(path, ["a", "b", "c"])
    message = str(info.value)
    assert "new.csv" in message and "line 1" in message
    assert "missing column(s) ['c']" in message and "extra column(s) ['y']" in message
    with pytest.raises(CSVError, match=r"line 3, column 'a': 'x'"):
        stir.data.read_features(_write(tmp_path, "a\n1\nx\n", "bad.csv"), ["a"])
    assert stir.data.read_features(path, ["a", "b", "y"]).dtype == np.float32


# ----------------------------------------------------------------------------- IDX
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", [".idx", ".idx.gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = tmp_path / f"a{suffix}"
    stir.data.write_idx(path, array)
    back = stir.data.read_idx(path)
    assert back.dtype == np.dtype(dtype).newbyteorder("=") and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_idx_matches_the_mnist_layout(tmp_path):
    path = tmp_path / "labels"
    stir.data.write_idx(path, np.array([7, 2, 1], dtype=np.uint8))
    assert path.read_bytes() == bytes.fromhex("00000801" "00000003" "070201")


@pytest.mark.parametrize("raw, fragment", [
    (bytes.fromhex("00000803"), "truncated in the header"),
    (bytes.fromhex("12340801") + b"\x00\x00\x00\x01\x05", "bad magic"),
    (bytes.fromhex("00000f01") + b"\x00\x00\x00\x01\x05", "bad magic"),
    (bytes.fromhex("00000801") + b"\x00\x00\x00\x04\x05", "truncated"),
    (bytes.fromhex("00000801") + b"\x00\x00\x00\x01\x05\x06", "too long"),
    (b"\x00", "truncated"),
])
def test_idx_bad_files(tmp_path, raw, fragment):
    path = tmp_path / "bad.idx"
    path.write_bytes(raw)
    with pytest.raises(IDXError) as info:
        stir.data.read_idx(path)
    assert "bad.idx" in str(info.value) and fragment in str(info.value)


def test_idx_truncated_gzip_and_unsupported_dtype(tmp_path):
    path = tmp_path / "cut.idx.gz"
    path.write_bytes(gzip.compress(bytes.fromhex("00000801000000030102"))[:-6])
    with pytest.raises(IDXError, match="cut.idx.gz"):
        stir.data.read_idx(path)
    with pytest.raises(TypeError, match="IDX cannot hold"):
        stir.data.write_idx(tmp_path / "x.idx", np.zeros(2, dtype=np.int64))


def _fake_mnist(root, gzipped):
    rng = np.random.default_rng(0)
    arrays = [rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), np.arange(5, dtype=np.uint8),
              rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), np.arange(3, dtype=np.uint8)]
    for name, array in zip(idx.MNIST_FILES, arrays):
        stir.data.write_idx(root / (name if gzipped else name.removesuffix(".gz")), array)
    return arrays


@pytest.mark.parametrize("gzipped", [True, False])
def test_load_mnist_from_cache(tmp_path, gzipped):
    arrays = _fake_mnist(tmp_path, gzipped)
    data = stir.data.load_mnist(root=tmp_path, download=False)
    assert data.X_train.shape == (5, 784) and data.X_train.dtype == np.float32
    np.testing.assert_allclose(data.X_test, arrays[2].reshape(3, -1) / 255.0, rtol=1e-6)
    assert data.y_train.dtype == np.int64 and data.y_test.tolist() == [0, 1, 2]
    assert stir.data.load_mnist(root=tmp_path, flatten=False).X_train.shape == (5, 28, 28)


def test_load_mnist_offline_names_the_files_and_directory(tmp_path, monkeypatch):
    monkeypatch.setattr(idx, "MNIST_URL", "http://127.0.0.1:9/")
    monkeypatch.setattr(idx, "DOWNLOAD_TIMEOUT", 2.0)
    start = time.perf_counter()
    with pytest.raises(stir.data.DatasetNotFoundError) as info:
        stir.data.load_mnist(root=tmp_path / "cache")
    assert time.perf_counter() - start < 5
    message = str(info.value)
    assert str(tmp_path / "cache") in message and "127.0.0.1:9" in message
    for name in idx.MNIST_FILES:
        assert name in message
    assert not any((tmp_path / "cache").glob("*.part"))      # no half-written leftovers
    with pytest.raises(FileNotFoundError, match="download=False"):
        stir.data.load_mnist(root=tmp_path / "empty", download=False)


def test_default_mnist_root():
    assert idx.default_mnist_root().parts[-3:] == (".cache", "stir", "mnist")


def test_data_frames_and_series_go_through_numpys_array_protocol():
    """pandas objects (never imported by stir) in fit, predict and DataLoader's arrays form."""
    pd = pytest.importorskip("pandas")
    import stir.nn.functional as F
    from stir import nn, optim
    from stir.training import fit, predict

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.random(40), "b": rng.random(40)})
    labels = pd.Series((frame.a > frame.b).astype("int64"))
    batches = list(stir.data.DataLoader(frame, labels, batch_size=16))
    assert [tuple(xb.shape) for xb, _ in batches] == [(16, 2), (16, 2), (8, 2)]
    assert batches[0][1].tolist() == labels.to_numpy()[:16].tolist()
    stir.manual_seed(0)
    model = nn.Linear(2, 2)
    fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), frame, labels,
        epochs=2, verbose=0)
    np.testing.assert_array_equal(predict(model, frame), predict(model, frame.to_numpy()))
