"""CSV files at the edges: values that overflow float32, missing and one-class targets, one
identity per label, wide headers, files that are not regular files, and text that is not UTF-8.

The library functions are tested directly; `stir train`, `stir predict` and `stir eval` are run
as subprocesses, as a user runs them: bad input exits 2 with one stderr line naming the file,
the line and the column.
"""

import csv
import os
import resource
import subprocess
import sys
import warnings

import numpy as np
import pytest

import stir
from stir.data import csv_files
from stir.data.csv_files import CSVError, Standardizer, load_csv, read_features, read_labeled

SRC = os.path.dirname(os.path.dirname(stir.__file__))
PANDAS_NA = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
             "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def run(*arguments, cwd, timeout=120, limit_memory=False):
    """`python -m stir ARGUMENTS`; with limit_memory, 1 GB of address space at most, so a
    reader that never stops fails fast instead of filling the machine."""
    def preexec():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "stir", *map(str, arguments)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": SRC},
                          preexec_fn=preexec if limit_memory else None)


def assert_one_line_error(result, command, *fragments):
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith(f"stir {command}: error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# ----------------------------------------------------------------------------- float32 range
TOO_BIG = ["1e39", "-1e39", "1e308", "-1e308", "3.5e38"]


@pytest.mark.parametrize("value", TOO_BIG)
def test_a_feature_that_overflows_float32_names_file_line_and_column(tmp_path, value):
    path = write(tmp_path, "big.csv", f"a,b,y\n1,2,0\n3,{value},1\n5,6,0\n7,8,1\n")
    where = f"big.csv: line 3, column 'b': '{value}' does not fit in float32"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning on the way to the error
        for read in (lambda: load_csv(path, "y"),
                     lambda: read_features(path, ["a", "b"], ignore=["y"]),
                     lambda: read_labeled(path, ["a", "b"], "y", [0, 1]),
                     lambda: read_labeled(path, ["a", "b"], "y", None)):
            with pytest.raises(CSVError) as info:
                read()
            assert where in str(info.value)


@pytest.mark.parametrize("value", TOO_BIG)
def test_a_regression_target_that_overflows_float32_is_an_error(tmp_path, value):
    path = write(tmp_path, "big.csv", f"a,y\n1,2.5\n3,{value}\n5,6.5\n7,8.5\n")
    where = f"big.csv: line 3, column 'y': '{value}' does not fit in float32"
    for task in ("auto", "regression"):
        with pytest.raises(CSVError, match=where):
            load_csv(path, "y", task=task)
    with pytest.raises(CSVError, match=where):
        read_labeled(path, ["a"], "y", None)


def test_the_dtype_is_a_parameter(tmp_path):
    path = write(tmp_path, "wide.csv", "a,y\n1e39,1.5\n2,1e300\n3,2.5\n")
    X = read_features(path, ["a"], ignore=["y"], dtype=np.float64)
    assert X.dtype == np.float64 and X[0, 0] == 1e39
    data = load_csv(path, "y", validation=0, standardize=False, dtype=np.float64)
    assert data.X_train.dtype == np.float64 and 1e300 in data.y_train
    X, y = read_labeled(path, ["a"], "y", None, dtype=np.float64)
    assert y.dtype == np.float64 and y[1, 0] == 1e300


def test_values_that_fit_float32_standardize_without_overflow(tmp_path):
    # mean 1e38: x − mean overflows float32 for x = −3e38 unless computed in float64.
    rows = "".join(f"{i},{v},{i % 2}\n" for i, v in enumerate(["3e38", "3e38", "-3e38"] * 4))
    path = write(tmp_path, "huge.csv", "i,a,y\n" + rows + "12,3.4028235e38,0\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_csv(path, "y", validation=0)
    column = data.X_train[:, 1]
    assert np.isfinite(data.X_train).all() and column.dtype == np.float32
    raw = np.array([3e38, 3e38, -3e38] * 4 + [np.finfo(np.float32).max])
    expected = (raw - raw.mean()) / raw.std()
    order = np.argsort(data.standardizer.inverse_transform(data.X_train)[:, 0])
    np.testing.assert_allclose(column[order], expected, rtol=1e-5)


def test_a_standardized_value_that_overflows_is_an_error_naming_the_column(tmp_path):
    # One training row (std 0 → 1) and one validation row 6e38 away from it, whichever is which.
    path = write(tmp_path, "far.csv", "a,b,y\n1,-3e38,0\n2,3e38,1\n")
    for seed in (0, 1):
        with pytest.raises(CSVError, match=r"far\.csv: line [23], column 'b': .*standardiz"):
            load_csv(path, "y", validation=0.5, seed=seed)
    # A saved standardizer meets far-away rows: refused, never turned into inf or NaN.
    standardizer = Standardizer([0.0, 0.0], [1.0, 1e-30])
    new = write(tmp_path, "new.csv", "a,b\n1,2\n3,1e10\n")
    with pytest.raises(CSVError, match=r"new\.csv: line 3, column 'b': .*standardiz"):
        read_features(new, ["a", "b"], standardizer=standardizer)
    with pytest.raises(ValueError, match="feature 1"):
        standardizer.transform(np.array([[1.0, 1e10]], dtype=np.float32))


# ----------------------------------------------------------------------------- missing targets
@pytest.mark.parametrize("marker", PANDAS_NA + ["?", " NA "])
def test_a_numeric_target_with_a_missing_marker_drops_that_row(tmp_path, marker):
    prices = [f"{100 + 7.5 * i:.2f}" for i in range(200)]
    prices[15] = marker
    body = "".join(f'{i},{i * i},"{p}"\n' for i, p in enumerate(prices))
    path = write(tmp_path, "prices.csv", "rooms,size,price\n" + body)
    data = load_csv(path, "price", validation=0.25)
    assert data.task == "regression" and data.classes == []
    assert data.dropped == [17]                           # header is line 1, row 15 is line 17
    assert len(data.X_train) + len(data.X_val) == 199
    kept = csv_files.read_labeled_rows(path, ["rooms", "size"], "price", None)
    assert kept.dropped == [17] and kept.X.shape == (199, 2) and kept.y.shape == (199, 1)
    assert 15 not in kept.X[:, 0] and np.isfinite(kept.y).all()
    X, y = read_labeled(path, ["rooms", "size"], "price", None)
    np.testing.assert_array_equal(y, kept.y)


def test_missing_markers_are_the_pandas_defaults_plus_question_mark():
    assert csv_files.MISSING_MARKERS == frozenset(PANDAS_NA + ["?"])


def test_a_class_target_with_missing_cells_drops_them_in_train_and_eval(tmp_path):
    labels = ["0", "1", "NA", "1", "", "0", "1", "?"]
    body = "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    path = write(tmp_path, "classes.csv", "x,y\n" + body)
    data = load_csv(path, "y", validation=0, standardize=False)
    assert data.task == "classification" and data.classes == [0, 1]
    assert data.dropped == [4, 6, 9] and sorted(data.X_train[:, 0].tolist()) == [0, 1, 3, 5, 6]
    rows = csv_files.read_labeled_rows(path, ["x"], "y", data.classes)
    assert rows.dropped == [4, 6, 9] and rows.y.tolist() == [0, 1, 1, 0, 1]


def test_describe_dropped_names_the_first_lines():
    assert csv_files.describe_dropped([]) == ""
    assert csv_files.describe_dropped([17]) == "dropped 1 row whose target is missing (line 17)"
    assert csv_files.describe_dropped([3, 4, 9, 10, 11, 12, 40]) == (
        "dropped 7 rows whose target is missing (lines 3, 4, 9, 10, 11, ...)")


def test_a_text_target_keeps_markers_as_labels_but_an_empty_cell_is_an_error(tmp_path):
    path = write(tmp_path, "regions.csv", "x,region\n1,EU\n2,NA\n3,EU\n4,NA\n")
    data = load_csv(path, "region", validation=0)
    assert data.classes == ["EU", "NA"] and data.dropped == []
    assert read_labeled(path, ["x"], "region", data.classes)[1].tolist() == [0, 1, 0, 1]
    path = write(tmp_path, "holes.csv", "x,region\n1,EU\n2, \n3,NA\n")
    with pytest.raises(CSVError, match=r"holes\.csv: line 3, column 'region': empty target"):
        load_csv(path, "region")
    with pytest.raises(CSVError, match=r"holes\.csv: line 3, column 'region': empty target"):
        read_labeled(path, ["x"], "region", ["EU", "NA"])


def test_an_infinite_value_in_a_numeric_target_is_an_error_not_a_label(tmp_path):
    path = write(tmp_path, "inf.csv", "x,y\n1,1.5\n2,2.5\n3,-inf\n4,NA\n")
    for task in ("auto", "regression", "classification"):
        with pytest.raises(CSVError, match=r"inf\.csv: line 4, column 'y': '-inf' is not a finite"):
            load_csv(path, "y", task=task)


def test_a_target_with_every_cell_missing_is_an_error(tmp_path):
    path = write(tmp_path, "none.csv", "x,y\n1,NA\n2,\n3,?\n")
    for task in ("auto", "classification", "regression"):
        with pytest.raises(CSVError, match=r"none\.csv: column 'y': every target cell is missing"):
            load_csv(path, "y", task=task)
    with pytest.raises(CSVError, match=r"none\.csv: column 'y': every target cell is missing"):
        read_labeled(path, ["x"], "y", None)


@pytest.mark.parametrize("cells, task, single", [
    (["1", "1", "1", "1"], "auto", "1"),
    (["1", "1.0", "NA", "1"], "auto", "1"),
    (["2.5", "2.5", "2.5"], "classification", "2.5"),
    (["cat", "cat", "cat"], "auto", "'cat'"),
])
def test_classification_with_one_class_is_refused(tmp_path, cells, task, single):
    body = "".join(f"{i},{cell}\n" for i, cell in enumerate(cells))
    path = write(tmp_path, "one.csv", "x,y\n" + body)
    with pytest.raises(CSVError) as info:
        load_csv(path, "y", task=task)
    message = str(info.value)
    assert "one.csv" in message and "'y'" in message and "two classes" in message
    assert f"every row has the class {single}" in message, message


# ----------------------------------------------------------------------------- label identity
def test_train_and_eval_give_the_same_class_indices(tmp_path):
    labels = ["1", "1.0", "cat", " 1.00", "2", "cat", "2.0", "1e0", "dog", "1"]
    body = "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    path = write(tmp_path, "mixed.csv", "x,y\n" + body)
    data = load_csv(path, "y", validation=0, standardize=False)
    assert data.classes == ["1", "2", "cat", "dog"]
    trained = data.y_train[np.argsort(data.X_train[:, 0])].tolist()
    assert trained == [0, 0, 2, 0, 1, 2, 1, 0, 3, 0]
    _, evaluated = read_labeled(path, ["x"], "y", data.classes)
    assert evaluated.tolist() == trained


# ----------------------------------------------------------------------------- wide headers
def test_an_80000_column_header_is_checked(tmp_path):
    names = [f"c{i}" for i in range(80_000)]
    header = ",".join(names + ["c7", "y", "c79999"])
    path = write(tmp_path, "wide.csv", header + "\n" + ",".join(["1"] * 80_003) + "\n")
    with pytest.raises(CSVError, match=r"line 1: duplicate column name\(s\) \['c7', 'c79999'\]"):
        load_csv(path, "y")
    ok = write(tmp_path, "ok.csv", ",".join(names) + "\n" + ",".join(["2"] * 80_000) + "\n")
    X = read_features(ok, names[::-1])
    assert X.shape == (1, 80_000) and (X == 2).all()


# ----------------------------------------------------------------------------- not regular files
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    result = run("train", "pipe.csv", "--target", "y", "--quiet", cwd=tmp_path, timeout=30)
    assert_one_line_error(result, "train", "pipe.csv", "not a regular file", "FIFO")


def test_a_character_device_is_refused(tmp_path):
    result = run("train", "/dev/zero", "--target", "y", "--quiet", cwd=tmp_path, timeout=60,
                 limit_memory=True)
    assert_one_line_error(result, "train", "/dev/zero", "not a regular file",
                          "character device")


def test_a_directory_is_refused(tmp_path):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(CSVError, match=r"folder\.csv: not a regular file but a directory"):
        load_csv(tmp_path / "folder.csv", "y")


def test_a_symlink_to_a_regular_file_is_read(tmp_path):
    real = write(tmp_path, "real.csv", "a,y\n1,0\n2,1\n")
    os.symlink(real, tmp_path / "link.csv")
    assert read_features(tmp_path / "link.csv", ["a"], ignore=["y"]).tolist() == [[1.0], [2.0]]


# ----------------------------------------------------------------------------- text encoding
FILLER = "".join(f"{i},{i % 2}\n" for i in range(2, 3000))  # past any buffered read-ahead


@pytest.mark.parametrize("content, line", [
    (b"a\xff,y\n1,0\n2,1\n", 1),
    ("\ufeffa,y\n1,0\n".encode() + b"2\xc3,1\n", 3),
    ("x,y\n1,0\n2,1\n3,café\n".encode("latin-1"), 4),
    ("x,y\r\n1,0\r\n2,1\r\n3,café\r\n".encode("latin-1"), 4),
    ('x,y\n1,"two\nlines"\n2,1\n'.encode() + b"3,\xe9\n", 5),
    (("x,y\n" + FILLER).encode() + b"1,caf\xe9\n", 3000),
], ids=["header", "after-bom", "latin-1", "latin-1-crlf", "after-quoted-newline", "line-3000"])
def test_text_that_is_not_utf8_names_the_file_and_line(tmp_path, content, line):
    path = write(tmp_path, "latin.csv", content)
    with pytest.raises(CSVError) as info:
        load_csv(path, "y")
    message = str(info.value)
    assert message.startswith(f"{path}: line {line}: not UTF-8 text"), message
    assert "save it as UTF-8" in message


# ----------------------------------------------------------------------------- the commands
@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A small classifier on columns a, b with target kind; trained once."""
    folder = tmp_path_factory.mktemp("targets")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2)).round(3)
    with open(folder / "train.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["a", "b", "kind"])
        writer.writerows([*x, int(x[0] > 0)] for x in X)
    result = run("train", "train.csv", "--target", "kind", "--epochs", 3, "--quiet",
                 cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder / "train.safetensors"


@pytest.mark.parametrize("command", ["train", "predict", "eval"])
@pytest.mark.parametrize("value", ["1e39", "-1e308"])
def test_each_command_refuses_a_value_that_overflows_float32(model, tmp_path, command, value):
    write(tmp_path, "big.csv", f"a,b,kind\n1,2,0\n3,{value},1\n0.5,-1,0\n-2,1,1\n")
    arguments = {"train": ["train", "big.csv", "--target", "kind", "--quiet"],
                 "predict": ["predict", model, "big.csv"],
                 "eval": ["eval", model, "big.csv", "--target", "kind"]}[command]
    result = run(*arguments, cwd=tmp_path)
    assert_one_line_error(result, command, "big.csv: line 3, column 'b': ",
                          "does not fit in float32")
    assert result.stdout == "" or command == "train"


def test_train_refuses_a_regression_target_that_overflows_float32(tmp_path):
    write(tmp_path, "big.csv", "a,price\n1,2.5\n3,1e39\n5,6.5\n7,8.5\n")
    result = run("train", "big.csv", "--target", "price", "--quiet", cwd=tmp_path)
    assert_one_line_error(result, "train", "big.csv: line 3, column 'price': ",
                          "does not fit in float32")


def test_train_and_eval_report_rows_dropped_for_a_missing_target(model, tmp_path):
    rows = [[round(0.1 * i - 3, 2), round((i * 7 % 11) / 3 - 1, 2)] for i in range(60)]
    lines = [f"{a},{b},{int(a > 0)}" for a, b in rows]
    lines[15] = lines[15].rsplit(",", 1)[0] + ",NA"
    write(tmp_path, "holes.csv", "a,b,kind\n" + "\n".join(lines) + "\n")
    trained = run("train", "holes.csv", "--target", "kind", "--epochs", 2, "--quiet",
                  cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "classification, 2 classes" in trained.stdout
    assert "dropped 1 row whose target is missing (line 17)" in trained.stdout
    evaluated = run("eval", model, "holes.csv", "--target", "kind", cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    assert "holes.csv: 59 rows" in evaluated.stdout
    assert "dropped 1 row whose target is missing (line 17)" in evaluated.stdout


def test_train_refuses_a_single_class(tmp_path):
    write(tmp_path, "same.csv", "a,kind\n1,yes\n2,yes\n3,yes\n")
    result = run("train", "same.csv", "--target", "kind", "--quiet", cwd=tmp_path)
    assert_one_line_error(result, "train", "same.csv", "'kind'", "every row has the class 'yes'")


def test_the_commands_name_the_line_of_text_that_is_not_utf8(model, tmp_path):
    write(tmp_path, "latin.csv", "a,b,kind\n1,2,0\n3,4,1\n5,6,é\n", encoding="latin-1")
    for arguments in (["train", "latin.csv", "--target", "kind", "--quiet"],
                      ["predict", model, "latin.csv"],
                      ["eval", model, "latin.csv", "--target", "kind"]):
        assert_one_line_error(run(*arguments, cwd=tmp_path), arguments[0],
                              "latin.csv: line 4: not UTF-8", "save it as UTF-8")
