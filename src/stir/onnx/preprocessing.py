"""The graph of a `stir train` model: the file's raw columns in, the prediction out, with
stir's reading of a CSV built in front of the network.

One input per column the model reads, named as the column, shape (N,):

- a number column: float64, NaN for a missing cell, which takes the training rows' median;
- a date column: float64 days since 1970-01-01 (ONNX cannot parse dates; in Python,
  `np.datetime64(text, "s").astype(np.int64) / 86400`), NaN for missing, then as a number;
- a text column: strings, compared with the model's categories exactly (stir's reader
  also strips surrounding spaces and reads "1.0" as the category "1": do so before),
  one 0/1 feature per category; a missing cell (`""`, "NA", "?", ... the markers of
  `stir.data.csv_columns.MISSING_MARKERS`) takes the most frequent category, and a category
  the training rows never had is all zeros, as stir's reader makes it.

Then the features are rounded to float32 and standardized in float64 as stir does, and the
network runs. Outputs: for classification "probabilities" (N, classes), the softmax, and
"label" (N,), the most probable class (text, or int64 / float64 for numeric classes); for
regression "prediction" (N,), float64, in the target's units. An output whose name is a
column's gets a suffix (label_1).

>>> import stir
>>> from stir.data.csv_columns import ColumnEncoding
>>> from stir.data.csv_files import Standardizer
>>> trained = TrainedModel(stir.nn.MLP([3, 4, 2]), ["size", "colour=blue", "colour=red"],
...     "kind", "classification", Standardizer([0.0] * 3, [1.0] * 3), ["cat", "dog"],
...     columns=[ColumnEncoding("size", "number", 1.5),
...              ColumnEncoding("colour", "category", "red", ["blue", "red"])])
>>> graph = trained_graph(trained)
>>> [(name, dtype.kind) for name, dtype, _ in graph.inputs], [n for n, _, _ in graph.outputs]
([('size', 'f'), ('colour', 'O')], ['probabilities', 'label'])
"""

from __future__ import annotations

import numpy as np

from ..commands.trained_model import TrainedModel
from ..data.csv_columns import MISSING_MARKERS, ColumnEncoding
from .graph import Graph, Value, array_of
from .network import convert

__all__ = ["FEATURE_DTYPE", "trained_graph"]

#: The dtype stir's CSV reader gives the features, and the standardizer its result.
FEATURE_DTYPE = np.dtype(np.float32)
DOUBLE = np.dtype(np.float64)


def _rounded(graph: Graph, x: str) -> str:
    """x (float64) rounded to FEATURE_DTYPE and back, as reading and standardizing round."""
    return graph.op("Cast", graph.op("Cast", x, to=FEATURE_DTYPE), to=DOUBLE)


def _number(graph: Graph, column: ColumnEncoding) -> str:
    """A number or date column (N,) as its feature (N, 1), the missing cells filled."""
    x = graph.op("Unsqueeze", column.name, graph.ints([1]))
    if column.fill is not None:
        fill = graph.constant(np.array(float(column.fill)), f"{column.name}_fill")
        x = graph.op("Where", graph.op("IsNaN", x), fill, x)
    return x


def _one_hot(graph: Graph, column: ColumnEncoding) -> str:
    """A text column (N,) as its one-hot features (N, categories), float64."""
    cells = graph.op("Unsqueeze", column.name, graph.ints([1]))
    categories = graph.constant(np.array(column.categories, dtype=object),
                                f"{column.name}_categories")
    features = graph.op("Cast", graph.op("Equal", cells, categories), to=DOUBLE)
    if column.fill is None:
        return features  # a missing cell: all zeros (stir's reader refuses it)
    markers = graph.constant(np.array(sorted(MISSING_MARKERS), dtype=object), "missing")
    hits = graph.op("Cast", graph.op("Equal", cells, markers), to=DOUBLE)
    missing = graph.op("Greater", graph.op("ReduceMax", hits, graph.ints([1]), keepdims=1),
                       graph.scalar(0, DOUBLE))
    fill = np.array([float(c == column.fill) for c in column.categories])
    return graph.op("Where", missing, graph.constant(fill, f"{column.name}_fill"), features)


def _labels(classes: list[object]) -> np.ndarray:
    if any(isinstance(c, str) for c in classes):
        return np.array([str(c) for c in classes], dtype=object)
    if all(isinstance(c, int) for c in classes):
        return np.array(classes, dtype=np.int64)
    return np.array(classes, dtype=np.float64)


def trained_graph(trained: TrainedModel) -> Graph:
    """The graph of a `stir train` model (see the module's docstring)."""
    graph = Graph(reserved={column.name for column in trained.columns})
    blocks = []
    for column in trained.columns:
        if column.kind == "category":
            graph.add_input(column.name, np.dtype(object), (None,))
            blocks.append(_one_hot(graph, column))
        else:
            graph.add_input(column.name, DOUBLE, (None,))
            blocks.append(_number(graph, column))
    features = graph.op("Concat", *blocks, axis=1) if len(blocks) > 1 else blocks[0]
    standardizer = trained.standardizer
    mean = graph.constant(standardizer.mean.reshape(1, -1), "feature_mean")
    std = graph.constant(standardizer.std.reshape(1, -1), "feature_std")
    z = graph.op("Div", graph.op("Sub", _rounded(graph, features), mean), std)
    dtype = next((array_of(p).dtype for p in trained.model.parameters()), FEATURE_DTYPE)
    z = graph.op("Cast", graph.op("Cast", z, to=FEATURE_DTYPE), to=dtype)
    width = len(trained.feature_names)
    raw = convert(graph, trained.model, Value(z, np.zeros((2, width), dtype)))
    if trained.task == "classification":
        probabilities = graph.op("Softmax", raw.name, axis=1)
        graph.add_output(probabilities, "probabilities", dtype, (None, len(trained.classes)))
        # of the probabilities, as `stir predict` takes it: ties go to the first class
        best = graph.op("ArgMax", probabilities, axis=1, keepdims=0)
        labels = _labels(trained.classes)
        label = graph.op("Gather", graph.constant(labels, "classes"), best)
        graph.add_output(label, "label", labels.dtype, (None,))
        return graph
    value = graph.op("Cast", graph.op("Squeeze", raw.name, graph.ints([1])), to=DOUBLE)
    scaled = graph.op("Mul", value, graph.scalar(trained.target_std, DOUBLE))
    prediction = graph.op("Add", scaled, graph.scalar(trained.target_mean, DOUBLE))
    graph.add_output(prediction, "prediction", DOUBLE, (None,))
    return graph
