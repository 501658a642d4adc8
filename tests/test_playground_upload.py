"""The playground's uploads (stir.playground.upload): real-looking CSVs read by stir's CSV
reader and scaled onto the playground's axes, checked against the file's own numbers read
with Python's csv module; and hostile ones, each refused in one line naming the file as
uploaded (never the temporary path)."""

from __future__ import annotations

import csv
import io
import os
import random
import tempfile

import numpy as np
import pytest

from stir.data.csv_table import CSVError
from stir.playground.datasets import MAX_POINTS
from stir.playground.protocol import MAX_UPLOAD_BYTES
from stir.playground.upload import parse_upload, read_upload, safe_name, scaled


def rows_of(text: str, delimiter: str = ",") -> list[list[str]]:
    """The file's data rows as Python's csv module reads them (the oracle)."""
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))[1:]


def expected_points(columns: list[list[float]], low: float, high: float) -> np.ndarray:
    """Each column mapped linearly so that its least value is `low`, its greatest `high`."""
    found = []
    for values in columns:
        values = np.array(values, dtype=np.float64)
        found.append(low + (high - low) * (values - values.min()) / (values.max() - values.min()))
    return np.stack(found, axis=1)


def as_rows(points: np.ndarray, labels: np.ndarray) -> list[tuple[float, ...]]:
    """The upload's rows, sorted (load_csv shuffles them, seeded), rounded for comparing."""
    return sorted(tuple(round(float(v), 9) for v in (*point, label))
                  for point, label in zip(points, labels))


def refused(text, name="points.csv", **options) -> str:
    with pytest.raises(CSVError) as error:
        parse_upload(name, text, **options)
    message = str(error.value)
    assert "\n" not in message and len(message) < 2000, message
    assert message.startswith(safe_name(name) + ":"), message
    assert "stir-playground-" not in message and tempfile.gettempdir() not in message, message
    return message


# ---- real-looking files ----

def test_a_text_target_with_semicolons_quotes_and_a_missing_cell() -> None:
    text = ('"width";"height";"kind"\n1.5;20;cat\n"4";35;"dog"\n2.5;NA;cat\n3;"25";dog\n'
            '-1;10;cat\n')
    upload = parse_upload("pets.csv", text)
    assert (upload.name, upload.target, upload.problem, upload.dims) == (
        "pets.csv", "kind", "classification", 2)
    assert upload.num_classes == 2 and upload.class_names == ("cat", "dog")
    kept = [row for row in rows_of(text, ";") if row[1] != "NA"]  # (the row with NA is left out)
    columns = [[float(row[0]) for row in kept], [float(row[1]) for row in kept]]
    labels = [["cat", "dog"].index(row[2]) for row in kept]
    assert as_rows(upload.points, upload.labels) == as_rows(
        expected_points(columns, -5, 5), np.array(labels, dtype=np.float64))
    assert upload.points.dtype == np.float64 and upload.labels.dtype == np.float64
    assert upload.axes == {"x1": {"name": "width", "low": -1.0, "high": 4.0},
                           "x2": {"name": "height", "low": 10.0, "high": 35.0},
                           "label": {"name": "kind", "classes": ["cat", "dog"]}}
    assert upload.left_out == (4,)  # (its line, which the page shows)


def test_the_rows_left_out_are_a_missing_target_or_plotted_feature_only() -> None:
    text = ("a,b,unused,y\n1,2,,0.5\n3,,5,1.5\n4,5,6,2\nNA,1,1,3\n2,2,2,\n6,1,1,4\n"
            + "".join(f"{i},{i},{i},{i}\n" for i in range(10)) + "7,?,1,1\n")
    upload = parse_upload("gaps.csv", text, target="y", task="regression",
                          features=["a", "b"])
    assert upload.left_out == (3, 5, 6, 18)  # (line 2's gap is in a column left out)
    assert len(upload.points) == 18 - 1 - 4


def test_a_byte_order_mark_and_crlf_line_ends() -> None:
    text = "\ufeffx,y,label\r\n0,0,1\r\n10,4,0\r\n5,2,1\r\n"
    upload = parse_upload("windows.csv", text)
    assert upload.axes["x1"]["name"] == "x"  # (not "\ufeffx")
    assert as_rows(upload.points, upload.labels) == [(-5.0, -5.0, 1.0), (0.0, 0.0, 1.0),
                                                     (5.0, 5.0, 0.0)]


def test_a_regression_target_is_scaled_onto_minus_one_one() -> None:
    generator = random.Random(3)
    lines = ["a,b,price"] + [f"{generator.uniform(-50, 50):.4f},{generator.uniform(0, 1):.4f},"
                             f"{generator.uniform(100, 900):.2f}" for _ in range(200)]
    text = "\n".join(lines) + "\n"
    upload = parse_upload("houses.csv", text)
    assert upload.problem == "regression" and upload.num_classes is None
    rows = [[float(cell) for cell in row] for row in rows_of(text)]
    points = expected_points([[row[0] for row in rows], [row[1] for row in rows]], -5, 5)
    targets = expected_points([[row[2] for row in rows]], -1, 1)[:, 0]
    assert np.allclose(sorted(map(tuple, upload.points)), sorted(map(tuple, points)))
    assert np.allclose(sorted(upload.labels), sorted(targets))
    prices = [row[2] for row in rows]
    assert upload.axes["label"] == {"name": "price", "low": min(prices), "high": max(prices)}
    assert upload.labels.min() == -1 and upload.labels.max() == 1


def test_one_feature_is_a_1d_task_on_zero_one() -> None:
    text = "time,signal\n" + "".join(f"{t},{np.sin(t / 10):.5f}\n" for t in range(0, 100, 3))
    upload = parse_upload("signal.csv", text)
    assert upload.dims == 1 and upload.points.shape == (34, 1)
    assert upload.points.min() == 0 and upload.points.max() == 1
    times = sorted(upload.points[:, 0] * 99)
    assert np.allclose(times, range(0, 100, 3))
    assert upload.axes["x1"] == {"name": "time", "low": 0.0, "high": 99.0}
    assert "x2" not in upload.axes


def test_the_target_is_the_named_column_anywhere() -> None:
    text = "kind,x,y\na,1,2\nb,3,4\na,5,6\n"
    upload = parse_upload("named.csv", text, target="kind")
    assert (upload.target, upload.axes["x1"]["name"], upload.axes["x2"]["name"]) == (
        "kind", "x", "y")
    assert as_rows(upload.points, upload.labels) == [(-5.0, -5.0, 0.0), (0.0, 0.0, 1.0),
                                                     (5.0, 5.0, 0.0)]


def test_two_feature_columns_picked_from_a_wider_file_in_the_order_named() -> None:
    datasets = pytest.importorskip("sklearn.datasets", reason="iris comes from scikit-learn")
    iris = datasets.load_iris(as_frame=True).frame  # 4 measurements and the species
    text = iris.to_csv(index=False)
    assert "4: 'sepal length (cm)'" in refused(text, "iris.csv")  # and the hint:
    assert "name the one or two to plot" in refused(text, "iris.csv")
    upload = parse_upload("iris.csv", text, features=["petal width (cm)", "sepal length (cm)"])
    assert (upload.axes["x1"]["name"], upload.axes["x2"]["name"]) == (
        "petal width (cm)", "sepal length (cm)")
    assert (upload.axes["x1"]["low"], upload.axes["x1"]["high"]) == (0.1, 2.5)
    assert (upload.num_classes, upload.dims, len(upload.points)) == (3, 2, 150)
    expected = expected_points([iris["petal width (cm)"].tolist(),
                                iris["sepal length (cm)"].tolist()], -5, 5)
    assert as_rows(upload.points, upload.labels) == as_rows(expected, iris["target"].values)
    one = parse_upload("iris.csv", text, features=["petal length (cm)"], task="classification")
    assert one.dims == 1 and one.axes["x1"]["name"] == "petal length (cm)"


@pytest.mark.parametrize("features, expected", [
    (["a", "a"], "the feature column 'a' is named twice"),
    (["a", "label"], "'label' is the target; it cannot also be a feature"),
    (["a", "z"], "no column 'z'; the columns are ['a', 'b', 'c', 'label']"),
    (["a", "b", "c"], "one or two feature columns; 3 were named"),
    ([], "one or two feature columns; 0 were named"),
])
def test_feature_columns_that_cannot_be_plotted(features, expected) -> None:
    assert expected in refused("a,b,c,label\n1,2,3,0\n4,5,6,1\n", features=features)


def test_the_task_is_asked_for_or_picked_as_stir_train_does() -> None:
    text = "a,b,c\n" + "".join(f"{i},{i % 7},{i % 3}\n" for i in range(30))
    assert parse_upload("t.csv", text).problem == "classification"  # (3 integers, 30 rows)
    upload = parse_upload("t.csv", text, task="regression")
    assert upload.problem == "regression" and sorted(set(upload.labels)) == [-1.0, 0.0, 1.0]
    assert parse_upload("t.csv", text.replace(",0\n", ",0.5\n"), task="auto").problem \
        == "regression"


def test_ten_classes_are_the_most_and_their_indices_follow_the_names() -> None:
    text = "a,b,c\n" + "".join(f"{i},{i * i % 17},k{i % 10}\n" for i in range(100))
    upload = parse_upload("ten.csv", text)
    assert upload.num_classes == 10 and upload.class_names == tuple(f"k{i}" for i in range(10))
    for point, label in zip(upload.points, upload.labels):
        row = int(round((point[0] + 5) / 10 * 99))  # (a: 0..99, the row's number)
        assert label == row % 10


def test_a_constant_feature_is_recorded_and_sits_in_the_middle() -> None:
    upload = parse_upload("flat.csv", "a,b,c\n1,7,0\n2,7,1\n3,7,1\n")
    assert upload.axes["x2"] == {"name": "b", "low": 7.0, "high": 7.0}
    assert (upload.points[:, 1] == 0).all() and sorted(upload.points[:, 0]) == [-5, 0, 5]


def test_huge_and_tiny_numbers_scale_without_overflow() -> None:
    upload = parse_upload("wide.csv", "a,b,c\n-1e308,1e-300,0\n1e308,2e-300,1\n0,3e-300,1\n")
    assert np.isfinite(upload.points).all()
    assert as_rows(upload.points, upload.labels) == [(-5.0, -5.0, 0.0), (0.0, 5.0, 1.0),
                                                     (5.0, 0.0, 1.0)]


def test_read_upload_reads_a_file_from_disk(tmp_path) -> None:
    path = tmp_path / "disk.csv"
    path.write_text("x;y;label\n1;1;0\n3;5;1\n")
    upload = read_upload(path)
    assert upload.name == "disk.csv" and upload.num_classes == 2
    assert as_rows(upload.points, upload.labels) == [(-5.0, -5.0, 0.0), (5.0, 5.0, 1.0)]


@pytest.mark.parametrize("name, safe", [
    ("points.csv", "points.csv"), ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\my data.csv", "my_data.csv"), ("..", "upload.csv"), ("", "upload.csv"),
    ("/", "upload.csv"), ("\x00\n.csv", "csv"), ("ünïcode.csv", "n_code.csv"),
    ("a" * 300 + ".csv", "a" * 96 + ".csv"), (None, "upload.csv"), (".hidden", "hidden"),
])
def test_safe_name(name, safe) -> None:
    assert safe_name(name) == safe


def test_scaled_maps_the_range_and_a_constant_to_the_middle() -> None:
    values, low, high = scaled(np.array([3.0, -1.0, 1.0]), (-5.0, 5.0))
    assert values.tolist() == [5.0, -5.0, 0.0] and (low, high) == (-1.0, 3.0)
    assert scaled(np.array([2.0, 2.0]), (-1.0, 1.0))[0].tolist() == [0.0, 0.0]


# ---- hostile files ----

def test_the_temporary_folder_is_gone_afterwards(tmp_path, monkeypatch) -> None:
    # (a folder of this test's own: other tests' uploads, in other workers, use the shared one)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made = []
    real = tempfile.TemporaryDirectory

    def recorded(*arguments, **options):
        folder = real(*arguments, **options)
        made.append(folder.name)
        return folder

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recorded)
    parse_upload("ok.csv", "a,b,c\n1,2,0\n3,4,1\n")
    refused("a,b,c\n1,2\n")
    assert len(made) == 2 and all(name.startswith(str(tmp_path)) for name in made)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("text, expected", [
    ("", "the file is empty"),
    ("a,b,label\n", "only a header row"),
    ("a,b,label\r\n", "only a header row"),
    ("colour,size,kind\nred,1,a\nblue,2,b\nred,3,a\n", "the playground plots numeric "
     "features; column 'colour' is text"),
    ("a,b,c,label\n1,2,3,0\n4,5,6,1\n", "one or two feature columns; besides the target "
     "'label' there are 3: 'a', 'b', 'c'"),
    ("label\n1\n0\n", "only the target column 'label'"),
    ("a,b,c\n" + "".join(f"{i},{i},{i % 11}\n" for i in range(110)),
     "column 'c' has 11 classes; the playground shows at most 10"),
    ("a,b,c\n" + "".join(f"{i},{i},k{i % 12}\n" for i in range(110)), "has 12 classes"),
    ("a,b,c\n1,2,cat\n3,4,cat\n", "at least two classes"),
    ("a,b,c\n1,2,0\n3,4\n", "line 3"),
    ("a,b,c\n1,1e999,0\n3,4,1\n", "line 2, column 'b'"),
    ('a,b,c\n1,"2,0\n3,4,1\n', "never closed"),
    ("a,b,c\n1,2,\ud800\n3,4,1\n", "not UTF-8"),
    ("a,b,c\nNA,1,0\n2,NA,1\n", "data rows"),
    ("a,b,c\n1,\x002,0\n3,4,1\n", "line 2, column 'b'"),
    ("a,a,c\n1,2,0\n3,4,1\n", "line 1"),
])
def test_a_bad_file_is_refused_in_one_line(text, expected) -> None:
    assert expected in refused(text)


def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    assert "over 256 KiB" in refused("1" * (20 * 1024 * 1024))  # 20 MB of one line
    assert "over 256 KiB" in refused("é" * (MAX_UPLOAD_BYTES // 2 + 1))  # (in UTF-8 bytes)
    big = "a,b,c\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(30000))
    assert len(big.encode()) > MAX_UPLOAD_BYTES and "over 256 KiB" in refused(big)


def test_more_rows_than_the_playground_holds() -> None:
    text = "a,b,c\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(MAX_POINTS + 1))
    assert f"{MAX_POINTS + 1} data rows; the playground holds at most {MAX_POINTS}" in refused(
        text)
    text = "a,b,c\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(MAX_POINTS))
    assert len(parse_upload("most.csv", text).points) == MAX_POINTS


def test_a_huge_number_of_columns_is_refused_from_the_header() -> None:
    count = 30000
    text = ",".join(f"c{i}" for i in range(count)) + "\n" + "1," * (count - 1) + "1\n"
    assert len(text.encode()) <= MAX_UPLOAD_BYTES
    message = refused(text)
    assert f"there are {count - 1}: 'c0', 'c1', 'c2', 'c3', 'c4', ..." in message


def test_binary_junk_is_refused() -> None:
    junk = random.Random(0).randbytes(4000)
    refused(junk.decode("latin-1"))  # (as a page's text: some one-line message)
    refused(junk.decode("utf-8", "replace"))


def test_binary_junk_on_disk_is_not_utf8(tmp_path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(b"\xff\xfe\x00" + random.Random(1).randbytes(3000))
    with pytest.raises(CSVError, match="junk.csv: .*(UTF-8|UTF-16)"):
        read_upload(path)
    path.write_bytes(b"a,b,c\n" + b"1,2,3\n" * (MAX_UPLOAD_BYTES // 6 + 1))
    with pytest.raises(CSVError, match="over 256 KiB"):
        read_upload(path)


def test_values_that_are_not_text_or_not_options() -> None:
    assert "must be sent as text, got bytes" in refused(b"a,b,c\n")
    assert "must be sent as text, got NoneType" in refused(None)
    assert "task must be one of auto, classification, regression" in refused(
        "a,b,c\n1,2,0\n", task="cluster")
    assert "no target column 'zz'" in refused("a,b,c\n1,2,0\n3,4,1\n", target="zz")


def test_a_hostile_name_is_never_a_path() -> None:
    upload = parse_upload("../../../../tmp/evil.csv", "a,b,c\n1,2,0\n3,4,1\n")
    assert upload.name == "evil.csv"
    message = refused("a,b,c\n1,2\n", name="/etc/passwd")
    assert message.startswith("passwd: line 2: expected 3 values")
