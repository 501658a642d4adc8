"""Reading real CSV files (issue 15): text columns one-hot, missing cells imputed, dropped or
refused, columns left out, delimiters and encodings detected, dates, and the encodings a
model keeps applied to new files. The expected values are worked out by hand here, and the
one-hot and imputation against scikit-learn's OneHotEncoder and SimpleImputer."""

from __future__ import annotations

import codecs
import warnings
from pathlib import Path

import numpy as np
import pytest

from stir.data.csv_columns import ColumnEncoding
from stir.data.csv_files import UnseenCategoryWarning, load_csv, read_features
from stir.data.csv_table import CSVError, CSVTable

PETS = ("weight,colour,size,kind\n"
        "4,red,1,cat\n"
        "30,blue,NA,dog\n"
        "5,red,3,cat\n"
        "?,green,2,dog\n"
        "6,,4,cat\n")


def write(tmp_path: Path, text: str, name: str = "data.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def test_text_columns_are_one_hot_and_missing_cells_take_the_training_statistics(tmp_path):
    data = load_csv(write(tmp_path, PETS), "kind", validation=0.0, standardize=False)
    assert data.feature_names == ["weight", "colour=blue", "colour=green", "colour=red", "size"]
    assert [c.kind for c in data.columns] == ["number", "category", "number"]
    # weight's median of 4, 30, 5, 6 is 5.5; size's of 1, 3, 2, 4 is 2.5; colour's most
    # frequent category is red
    expected = {(4, 0, 0, 1, 1), (30, 1, 0, 0, 2.5), (5, 0, 0, 1, 3), (5.5, 0, 1, 0, 2),
                (6, 0, 0, 1, 4)}
    assert {tuple(row) for row in data.X_train.tolist()} == expected
    assert data.columns[0].fill == 5.5 and data.columns[1].fill == "red"


def test_the_statistics_come_from_the_training_rows_alone(tmp_path):
    rows = "x,y\n" + "".join(f"{v},{v % 2}\n" for v in [1, 2, 3, 4, 100, 200, 300, 400])
    rows += "NA,1\n"
    data = load_csv(write(tmp_path, rows), "y", validation=0.4, seed=3, standardize=False)
    train_values = [v for v in data.X_train[:, 0].tolist()]
    fill = data.columns[0].fill
    present = sorted(v for v in train_values if v != fill or train_values.count(v) > 1)
    assert fill == pytest.approx(float(np.median(present)))
    assert len(data.X_train) + len(data.X_val) == 9


def test_one_hot_and_imputation_agree_with_scikit_learn(tmp_path):
    sklearn = pytest.importorskip("sklearn")
    del sklearn
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    colours = rng.choice(["red", "blue", "green", "NA"], 60)
    numbers = np.round(rng.standard_normal(60), 3).astype(str)
    numbers[rng.choice(60, 7, replace=False)] = ""
    text = "c,n,y\n" + "".join(f"{c},{n},{i % 2}\n" for i, (c, n) in
                               enumerate(zip(colours, numbers)))
    data = load_csv(write(tmp_path, text), "y", validation=0.0, standardize=False)
    present = colours[colours != "NA"]
    values, counts = np.unique(present, return_counts=True)
    filled = np.where(colours == "NA", values[counts.argmax()], colours)
    one_hot = OneHotEncoder(sparse_output=False).fit_transform(filled.reshape(-1, 1))
    number_column = np.array([float(v) if v else np.nan for v in numbers]).reshape(-1, 1)
    imputed = SimpleImputer(strategy="median").fit_transform(number_column)
    expected = np.hstack([one_hot, imputed])

    def rows(X: np.ndarray) -> np.ndarray:  # (load_csv shuffles its rows)
        return X[np.lexsort(X.T[::-1])]

    np.testing.assert_allclose(rows(data.X_train), rows(expected), rtol=1e-6)


def test_missing_cells_dropped_or_refused_by_option(tmp_path):
    path = write(tmp_path, PETS)
    data = load_csv(path, "kind", validation=0.0, missing="drop")
    assert len(data.X_train) == 2 and data.dropped_missing == [3, 5, 6]
    with pytest.raises(CSVError, match=r"data.csv: line 3, column 'size': missing cell "
                                       r"\(impute it with --missing impute"):
        load_csv(path, "kind", missing="error")


def test_rows_whose_target_is_missing_are_dropped_and_counted(tmp_path):
    data = load_csv(write(tmp_path, "x,y\n1,1.5\n2,NA\n3,\n4,2.5\n5,3.5\n"), "y",
                    task="regression", validation=0.0)
    assert data.dropped == [3, 4] and len(data.X_train) == 3


def test_drop_leaves_columns_out_and_checks_its_names(tmp_path):
    path = write(tmp_path, "id,x,y\n" + "".join(f"row{i},{i},{i % 2}\n" for i in range(30)))
    with pytest.raises(CSVError, match=r"column 'id': 30 distinct texts in 30 training rows: "
                                       r"an identifier.*--drop id"):
        load_csv(path, "y", validation=0.0)
    assert load_csv(path, "y", validation=0.0, drop=["id"]).feature_names == ["x"]
    with pytest.raises(CSVError, match=r"cannot drop \['nope'\]: not columns of the file"):
        load_csv(path, "y", drop=["nope"])
    with pytest.raises(CSVError, match=r"cannot drop \['y'\]: it is the target"):
        load_csv(path, "y", drop=["y"])


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_the_delimiter_is_detected(tmp_path, delimiter):
    text = PETS.replace(",", delimiter)
    data = load_csv(write(tmp_path, text), "kind", validation=0.0)
    assert data.delimiter == delimiter and len(data.feature_names) == 5


def test_a_semicolon_file_read_with_commas_says_so(tmp_path):
    path = write(tmp_path, "a;b;y\n1,5;2;0\n3;4;1\n")
    table = CSVTable(path, delimiter=",")
    assert table.header == ["a;b;y"]


def test_quoted_fields_hold_delimiters_quotes_and_line_breaks(tmp_path):
    text = 'x,label,y\n1,"a, b",0\n2,"say ""hi""",1\n3,"two\nlines",0\n4,"a, b",1\n'
    data = load_csv(write(tmp_path, text), "y", validation=0.0, standardize=False)
    assert data.feature_names == ["x", 'label=a, b', 'label=say "hi"', "label=two\nlines"]


@pytest.mark.parametrize("text, line", [
    ('x,y\n1,2\n"3,4\n5,6\n7,8\n', 3),           # the quote opens early: named, not the end
    ('x,y\n"1\n2",2\n3,4\n5,"6\n', 5),           # after a quoted line break
    ('x,y\r\n1,2\r\n3,4\r\n"5,6\r\n', 4),
])
def test_a_quote_never_closed_is_named_where_it_opens(tmp_path, text, line):
    with pytest.raises(CSVError, match=rf"data.csv: line {line}: a quote \(\"\) opened in "
                                       rf"this row is never closed; the file ends inside it"):
        load_csv(write(tmp_path, text), "y", validation=0.0)


@pytest.mark.parametrize("cell", ["infinity", "-Infinity", "1e999", "inf"])
def test_an_infinite_cell_is_quoted_as_the_file_writes_it(tmp_path, cell):
    text = "x,z,y\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(8))
    text = text.replace("\n3,6,", f"\n3,{cell},")
    with pytest.raises(CSVError, match=rf"line 5, column 'z': '{cell}' is not a finite number"):
        load_csv(write(tmp_path, text), "y")
    data = load_csv(write(tmp_path, text.replace(cell, "6")), "y", validation=0.0)
    with pytest.raises(CSVError, match=rf"new.csv: line 2, column 'z': '{cell}' is not a "):
        read_features(write(tmp_path, f"x,z\n1,{cell}\n", "new.csv"), data.feature_names,
                      encodings=data.columns)


def test_a_byte_order_mark_is_read_and_wide_encodings_refused(tmp_path):
    path = write(tmp_path, "\ufeff" + PETS)
    assert CSVTable(path).header[0] == "weight"
    wide = tmp_path / "wide.csv"
    wide.write_bytes(codecs.BOM_UTF16_LE + PETS.encode("utf-16-le"))
    with pytest.raises(CSVError, match="wide.csv: .*UTF-16"):
        load_csv(str(wide), "kind")
    latin = write(tmp_path, PETS.replace("red", "rouge\u00e9"), "latin.csv", "latin-1")
    with pytest.raises(CSVError, match=r"latin.csv: line 2: .*not UTF-8.*iconv"):
        load_csv(latin, "kind")


def test_iso_dates_become_days_and_ambiguous_dates_are_refused(tmp_path):
    text = "day,y\n1970-01-02,0\n1970-01-11,1\nNA,0\n2000-03-01T12:00:00,1\n"
    data = load_csv(write(tmp_path, text), "y", validation=0.0, standardize=False)
    assert data.columns[0].kind == "date"
    assert sorted(data.X_train[:, 0].tolist()) == pytest.approx(
        sorted([1.0, 10.0, 10.0, 11017.5]))
    ambiguous = write(tmp_path, "day,y\n01/02/2020,0\n03/04/2020,1\n05/06/2020,0\n", "dm.csv")
    with pytest.raises(CSVError, match=r"column 'day': dates like '01/02/2020'.*YYYY-MM-DD.*"
                                       r"--drop day"):
        load_csv(ambiguous, "y")


def test_a_text_typo_in_a_number_column_is_refused_not_one_hot(tmp_path):
    text = "x,y\n" + "".join(f"{i}.5,{i % 2}\n" for i in range(10)) + "7,5,0\n"
    text = text.replace("3.5,1", "3..5,1")
    with pytest.raises(CSVError, match=r"line 5, column 'x': '3..5' is not a number, in a "
                                       r"column of numbers.*--drop x"):
        load_csv(write(tmp_path, text.replace("7,5,0\n", "")), "y")


COMMA = r"'{}' looks like a number written with a comma; stir reads numbers with a decimal point"


@pytest.mark.parametrize("cells", [["1,5", "2,25", "NA", "0,5"], ["1.000,5", "12,0", "3,5"],
                                   ["1 000,25", "7,5", "8,5"]])
def test_numbers_with_decimal_commas_are_refused_not_one_hot(tmp_path, cells):
    rows = "".join(f"{cell};{i % 2}\n" for i, cell in enumerate(cells))
    with pytest.raises(CSVError, match=r"line 2, column 'x': " + COMMA.format(cells[0])
                       + r".*--drop x"):
        load_csv(write(tmp_path, "x;y\n" + rows), "y")


def test_a_decimal_comma_target_or_a_new_files_cell_says_so_too(tmp_path):
    rows = "".join(f"{i};{i},{i * 3 % 7}\n" for i in range(12))
    with pytest.raises(CSVError, match=r"line 2, column 'y': " + COMMA.format("0,0")
                       + r".*--task classification"):
        load_csv(write(tmp_path, "x;y\n" + rows), "y")
    with pytest.raises(CSVError, match=r"line 2, column 'y': " + COMMA.format("0,0")):
        load_csv(write(tmp_path, "x;y\n" + rows), "y", task="regression")
    # named class labels that happen to hold commas stay classes when asked
    assert load_csv(write(tmp_path, "x;y\n" + rows), "y", task="classification").task == \
        "classification"
    data = load_csv(write(tmp_path, "x,y\n1.5,1\n2.5,0\n"), "y", validation=0.0)
    with pytest.raises(CSVError, match=r"new.csv: line 3, column 'x': " + COMMA.format("2,5")):
        read_features(write(tmp_path, 'x\n1.5\n"2,5"\n', "new.csv"), data.feature_names,
                      encodings=data.columns)


def test_new_files_are_read_under_the_models_encodings(tmp_path):
    data = load_csv(write(tmp_path, PETS), "kind", validation=0.0, standardize=False)
    new = write(tmp_path, "size,colour,weight\n2,purple,7\nNA,blue,\n", "new.csv")
    with pytest.warns(UnseenCategoryWarning, match=r"column 'colour': categories the model "
                                                   r"was not trained on: 'purple' \(1 row\)"):
        X = read_features(new, data.feature_names, encodings=data.columns)
    assert X.tolist() == [[7, 0, 0, 0, 2], [5.5, 1, 0, 0, 2.5]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = write(tmp_path, "weight,colour,size\n4,red,1\n", "same.csv")
        assert read_features(same, data.feature_names, encodings=data.columns).tolist() == [
            [4, 0, 0, 1, 1]]


def test_encodings_round_trip_through_their_dictionaries():
    for encoding in (ColumnEncoding("a", "number", 1.5), ColumnEncoding("d", "date", 10.0),
                     ColumnEncoding("c", "category", "x", ["x", "y"])):
        assert ColumnEncoding.from_dict(encoding.to_dict()) == encoding
    with pytest.raises(ValueError):
        ColumnEncoding.from_dict({"name": "c", "kind": "category", "fill": "z",
                                  "categories": ["x"]})


def test_a_column_that_rises_with_every_row_is_noted_and_names_are_quoted(tmp_path):
    text = "ID,x,Individual ID,y\n" + "".join(f"{i + 1},{i % 3},N{i},{i % 2}\n" for i in range(40))
    path = write(tmp_path, text)
    with pytest.raises(CSVError, match=r"leave it out with --drop 'Individual ID'$"):
        load_csv(path, "y")
    data = load_csv(path, "y", drop=["Individual ID"])
    assert data.row_numbers == ["ID"] and data.left_out == ["Individual ID"]


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_numpys_parser_and_the_csv_module_read_the_same_rows(tmp_path, ending):
    """Blocks NumPy parses (numbers only) and blocks it refuses (a marker, text, a blank
    line, a quote that holds a line break, from which the csv module reads on) give the
    same cells, at the same line numbers."""
    rows = [f"{i},{i * 0.5},{-i}" for i in range(1, 40)]
    rows[12] = "13,NA,-13"          # a marker: that block goes to the csv module
    rows[20] = ""                   # a blank line
    rows[25] = "26, 13.0 ,-26"      # spaces around a number
    rows[33] = '34,"17\n.0",-34'    # a quoted line break: the csv module from here on
    path = write(tmp_path, "a,b,c" + ending + ending.join(rows) + ending)
    table = CSVTable(path)
    fast = list(table.chunks(rows=8))
    slow = list(table.chunks(rows=8, numbers=False))
    assert any(chunk.numbers is not None for chunk in fast)
    assert all(chunk.numbers is None for chunk in slow)

    def cells(chunks):
        found = []
        for chunk in chunks:
            columns = (chunk.columns if chunk.numbers is None else
                       [[repr(float(v)) for v in chunk.numbers[:, j]] for j in range(3)])
            for line, row in zip(chunk.lines.tolist(), zip(*columns)):
                found.append((line, tuple(_number(cell) for cell in row)))
        return found

    assert cells(fast) == cells(slow)
    assert [line for line, _ in cells(fast)][:22] == list(range(2, 22)) + [23, 24]


def _number(cell: str) -> object:
    try:
        return float(cell)
    except ValueError:
        return cell.strip()


def test_blocks_of_bytes_end_at_line_ends_whatever_the_line_lengths(tmp_path):
    """After the first block (`rows` lines), NumPy's parser is given blocks of bytes, each
    completed to the end of its last line: a line longer than a block, a file without a
    final line break and short lines after long ones give the cells the csv module reads."""
    rows = [f"{i},{i * 0.25}" for i in range(60)]
    rows[5] = "5," + "1" * 300           # longer than the blocks that follow
    rows[30] = "30,NA"                   # a block the csv module splits
    path = write(tmp_path, "a,b\n" + "\n".join(rows))  # no line break at the end
    table = CSVTable(path)
    fast, slow = list(table.chunks(rows=4)), list(table.chunks(rows=4, numbers=False))
    assert sum(chunk.numbers is not None for chunk in fast) > 1

    def cells(chunks):
        found = []
        for chunk in chunks:
            columns = (chunk.columns if chunk.numbers is None else
                       [[repr(float(v)) for v in chunk.numbers[:, j]] for j in range(2)])
            found += [(line, tuple(_number(cell) for cell in row))
                      for line, row in zip(chunk.lines.tolist(), zip(*columns))]
        return found

    assert cells(fast) == cells(slow)
    assert [line for line, _ in cells(fast)] == list(range(2, 62))


def test_columns_grow_past_the_estimated_row_count(tmp_path):
    """The columns are allocated for the rows the first 64 KiB predict; a file whose later
    lines are far shorter holds more, and is read whole all the same."""
    long_rows = "".join(f"{i}.{'0' * 200},{i % 2}\n" for i in range(400))
    short_rows = "".join(f"{i},{i % 2}\n" for i in range(400, 30_000))
    path = write(tmp_path, "x,y\n" + long_rows + short_rows)
    assert CSVTable(path).rows_hint < 30_000
    X = read_features(path, ["x"], ignore=["y"])
    assert X.shape == (30_000, 1) and X[:, 0].tolist() == list(range(30_000))
    data = load_csv(path, "y", validation=0.1, standardize=False)
    assert sorted(np.concatenate([data.X_train, data.X_val])[:, 0].tolist()) == list(
        range(30_000))


def test_an_evaluated_target_is_checked_and_quoted_as_written(tmp_path):
    from stir.data.csv_files import read_labeled_rows

    def labeled(body: str, classes):
        return read_labeled_rows(write(tmp_path, "x,y\n" + body), ["x"], "y", classes)

    numbers = "".join(f"{i},{i % 2}.0\n" for i in range(30))
    assert labeled(numbers, [0, 1]).y.tolist() == [i % 2 for i in range(30)]  # "1.0" is 1
    assert labeled(numbers + "30,NA\n", None).dropped == [32]
    with pytest.raises(CSVError, match=r"line 33, column 'y': '2\.50' is not one of the "
                                       r"classes the model knows: \[0, 1\]"):
        labeled(numbers + "30,NA\n31,2.50\n", [0, 1])
    with pytest.raises(CSVError, match=r"line 32, column 'y': 'big' is not a number "
                                       r"\(a regression target must be numeric\)"):
        labeled(numbers + "30,big\n31,1e999\n", None)
    with pytest.raises(CSVError, match=r"line 32, column 'y': '1e999' is not a finite"):
        labeled(numbers + "30,1e999\n31,big\n", None)
    with pytest.raises(CSVError, match=r"line 32, column 'y': '1e999' is not a finite"):
        load_csv(write(tmp_path, "x,y\n" + numbers + "30,1e999\n"), "y")
    with pytest.raises(CSVError, match=r"line 3, column 'y': 'cow' is not one of the classes"):
        labeled("1,cat\n2,cow\n", ["cat", "dog"])
