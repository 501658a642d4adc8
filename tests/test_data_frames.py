"""Data frames and Arrow tables into stir.fit, predict, evaluate and DataLoader (issue 15,
item 4): pandas, polars and pyarrow convert themselves through NumPy's array protocol, and
stir never imports them. The oracle is the same call on the frame's NumPy values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim
from stir.data.frames import as_numbers, column_names

SRC = Path(__file__).resolve().parents[1] / "src" / "stir"
LIBRARIES = ["pandas", "polars", "pyarrow"]


def _frame(library: str, columns: dict[str, list]):
    module = pytest.importorskip(library, reason=f"{library} is a peer the tests convert from")
    if library == "pyarrow":
        return module.table(columns)
    return module.DataFrame(columns)


def _series(library: str, values: np.ndarray):
    module = pytest.importorskip(library, reason=f"{library} is a peer the tests convert from")
    if library == "pyarrow":
        return module.chunked_array([values])
    return module.Series(values)


def _data() -> tuple[dict[str, list], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    return {name: X[:, i].tolist() for i, name in enumerate("abc")}, X, y


def _trained(x, y) -> tuple[nn.Module, list[float]]:
    stir.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 2))
    history = stir.fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.01), x, y,
                       epochs=3, batch_size=16, verbose=0)
    return model, history.history["loss"]


@pytest.mark.parametrize("library", LIBRARIES)
def test_fit_predict_evaluate_on_a_frame_match_its_numpy_values(library):
    columns, X, y = _data()
    frame, labels = _frame(library, columns), _series(library, y)
    model, losses = _trained(frame, labels)
    oracle, oracle_losses = _trained(X, y)
    assert losses == oracle_losses
    np.testing.assert_array_equal(stir.predict(model, frame), stir.predict(oracle, X))
    assert (stir.evaluate(model, F.cross_entropy, frame, labels, metrics=["accuracy"])
            == stir.evaluate(oracle, F.cross_entropy, X, y, metrics=["accuracy"]))


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_frame_and_series_batch_in_dataloader(library):
    columns, X, y = _data()
    batches = list(stir.data.DataLoader(_frame(library, columns), _series(library, y),
                                        batch_size=25))
    assert [tuple(xb.shape) for xb, _ in batches] == [(25, 3), (25, 3), (10, 3)]
    np.testing.assert_array_equal(np.concatenate([xb.numpy() for xb, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in batches]), y)


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_text_column_is_refused_by_name(library):
    frame = _frame(library, {"size": [1.0, 2.0], "colour": ["red", "blue"]})
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"fit: x's column 'colour' holds text \('red' in row 0\)"):
        stir.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), frame,
                 np.array([0, 1]), epochs=1, verbose=0)
    with pytest.raises(TypeError, match="DataLoader: argument 0's column 'colour' holds text"):
        stir.data.DataLoader(frame, np.array([0, 1]), batch_size=2)


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_missing_cell_is_named_not_trained_on(library):
    frame = _frame(library, {"a": [1.0, 2.0, 3.0], "b": [1, None, 3]})
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match=r"x's column 'b' has a missing cell \(NaN\) in row 1 "
                                         r"\(1 non-finite cell in all\)"):
        stir.fit(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1), frame,
                 np.zeros((3, 1)), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="predict: x's column 'b' has a missing cell"):
        stir.predict(model, frame)
    # A DataLoader keeps it, as it keeps a NaN in an array: the frame is data, not a model input.
    with pytest.warns(UserWarning, match="arrays form and yields 1-tuples"):
        (xb,), = list(stir.data.DataLoader(frame, batch_size=3))
    assert np.isnan(xb.numpy()[1, 1])


def test_pandas_nullable_and_categorical_columns():
    pd = pytest.importorskip("pandas", reason="pandas is a peer the tests convert from")
    counts = pd.DataFrame({"n": pd.array([1, 2, 3], dtype="Int64"), "flag": [True, False, True]})
    assert as_numbers("fit", "x", counts).tolist() == [[1, 1], [2, 0], [3, 1]]
    with pytest.raises(ValueError, match="column 'n' has a missing cell"):
        as_numbers("fit", "x", pd.DataFrame({"n": pd.array([1, None], dtype="Int64")}))
    with pytest.raises(TypeError, match="column 'kind' holds text"):
        as_numbers("fit", "x", pd.DataFrame({"kind": pd.Categorical(["a", "b"])}))
    with pytest.raises(TypeError, match=r"column 'when' holds dates or times \(datetime64"):
        as_numbers("fit", "x", pd.DataFrame({"when": pd.to_datetime(["2020-01-01"])}))


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("kind", ["date", "datetime", "duration"])
def test_a_date_or_time_column_beside_numbers_is_refused_not_counted(library, kind):
    """polars turns a Date column beside a number column into days, a Datetime into
    microseconds; Arrow's fail to find a common type: each is refused by name instead."""
    import datetime
    value = {"date": datetime.date(2020, 1, 1), "datetime": datetime.datetime(2020, 1, 1),
             "duration": datetime.timedelta(days=1)}[kind]
    frame = _frame(library, {"size": [1.0, 2.0], "when": [value, value]})
    # (pandas keeps datetime.date as objects: refused as "date values", with the first one)
    with pytest.raises(TypeError, match="predict: x's column 'when' holds (dates or times|"
                                        "date values)"):
        stir.predict(nn.Linear(2, 1), frame)
    with pytest.raises(TypeError, match="DataLoader: argument 0's column 'when' holds date"):
        stir.data.DataLoader(frame, np.zeros(2), batch_size=2)


@pytest.mark.parametrize("library", ["pandas", "pyarrow"])
def test_a_value_past_float32_is_named_not_turned_into_inf(library):
    frame = _frame(library, {"a": [1.0, 2.0], "b": [3.0, 1e300]})
    with pytest.raises(ValueError, match=r"predict: x's column 'b' has a value too large for "
                                         r"float32 \(1e\+300 in row 1\)"):
        stir.predict(nn.Linear(2, 1), frame)
    model = nn.Linear(2, 1).double()  # the advice works
    assert stir.predict(model, frame).dtype == np.float64


def test_infinite_cells_and_unnamed_columns():
    with pytest.raises(ValueError, match=r"x's column 2 has an infinite cell \(inf\) in row 1 "
                                         r"\(2 non-finite cells in all\)"):
        as_numbers("fit", "x", np.array([[0.0, 0.0, 0.0], [0.0, 0.0, np.inf], [np.nan, 0, 0]]))
    with pytest.raises(TypeError, match="x holds dates or times"):
        as_numbers("fit", "x", np.array(["2020-01-01"], dtype="datetime64[D]"))
    with pytest.raises(TypeError, match=r"y holds text \('cat' in row 1\)"):
        as_numbers("fit", "y", np.array([0, "cat"], dtype=object))
    assert column_names(np.zeros((2, 2))) is None
    with pytest.raises(TypeError, match="fit: y is None; give an array"):
        as_numbers("fit", "y", None)


def test_a_polars_lazy_frame_is_told_to_collect():
    pl = pytest.importorskip("polars", reason="polars is a peer the tests convert from")
    with pytest.raises(TypeError, match=r"x is a polars LazyFrame, .* call its .collect\(\)"):
        stir.predict(nn.Linear(1, 1), pl.LazyFrame({"a": [1.0]}))


def test_stir_never_imports_the_frame_libraries():
    """Not in its source, and not at run time: a fit on arrays leaves them unloaded."""
    pattern = ("import pandas", "import polars", "import pyarrow", "from pandas",
               "from polars", "from pyarrow")
    offenders = [str(path) for path in SRC.rglob("*.py")
                 if any(text in path.read_text() for text in pattern)]
    assert offenders == []
    program = ("import sys, numpy as np, stir, stir.nn.functional as F\n"
               "m = stir.nn.Linear(2, 2)\n"
               "stir.fit(m, F.cross_entropy, stir.optim.SGD(m.parameters(), lr=0.1), "
               "np.zeros((4, 2)), np.zeros(4, dtype=np.int64), epochs=1, verbose=0)\n"
               "print(sorted({'pandas', 'polars', 'pyarrow'} & set(sys.modules)))\n")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_a_lone_frame_with_a_positional_batch_size():
    """DataLoader(frame, 4): PyTorch would index the frame by column (pandas' KeyError); stir
    reads it as its arrays form, saying so, whatever the frame's index."""
    pd = pytest.importorskip("pandas", reason="pandas is a peer the tests convert from")
    frame = pd.DataFrame({"a": np.arange(8.0), "b": np.arange(8.0) * 2}, index=range(100, 108))
    with pytest.warns(UserWarning, match="arrays form and yields 1-tuples"):
        batches = list(stir.data.DataLoader(frame, 4))
    assert [xb.numpy().tolist() for (xb,) in batches] == [
        [[0, 0], [1, 2], [2, 4], [3, 6]], [[4, 8], [5, 10], [6, 12], [7, 14]]]
    # A NumPy array stays PyTorch's dataset of rows: batches are tensors, not 1-tuples.
    rows = list(stir.data.DataLoader(np.arange(8.0).reshape(4, 2), 2))
    assert [tuple(batch.shape) for batch in rows] == [(2, 2), (2, 2)]
