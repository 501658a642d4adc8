"""ONNX for the layers of `stir.nn` that are not activations, convolutions, normalisations
or recurrent: Linear (Gemm, or MatMul and Add past two dimensions), Maxout, the dropouts
(the identity: export is of evaluation), Flatten, Unflatten, Upsample and Embedding (Gather).

Reshapes take the sizes they keep from the input at run time (Shape, Concat), so the batch
dimension stays free.

>>> import stir
>>> graph = Graph(reserved={"x"})
>>> out = LAYERS[stir.nn.Linear](graph, stir.nn.Linear(3, 2), Value("x", np.zeros((4, 3),
...                                                                   np.float32)))
>>> out.example.shape, [node.op_type for node in graph.nodes]
((4, 2), ['Gemm'])
"""

from __future__ import annotations

import numpy as np

from ..nn import layers as L
from ..nn import sparse
from ..nn.module import Module
from .activations import Converter
from .graph import ExportError, Graph, Value, array_of, stir_output

__all__ = ["LAYERS", "linear", "reshaped"]


def linear(graph: Graph, weight: np.ndarray, bias: np.ndarray | None, x: Value) -> str:
    """x Wᵀ + b: one Gemm for a matrix x, else a MatMul by Wᵀ and an Add."""
    b = None if bias is None else graph.constant(bias.astype(x.dtype), "bias")
    if x.ndim == 2:
        w = graph.constant(weight.astype(x.dtype), "weight")
        return graph.op("Gemm", x.name, w, *([b] if b else []), transB=1)
    out = graph.op("MatMul", x.name, graph.constant(weight.T.astype(x.dtype), "weight_t"))
    return out if b is None else graph.op("Add", out, b)


def _linear(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    bias = None if module.bias is None else array_of(module.bias)
    return Value(linear(graph, array_of(module.weight), bias, x), example)


def reshaped(graph: Graph, x: str, start: int, end: int, middle: list[int]) -> str:
    """x with its dimensions start … end−1 replaced by `middle` (−1 once, for the rest),
    the dimensions before and after kept as they are at run time."""
    before = graph.op("Shape", x, end=start) if start else None
    after = graph.op("Shape", x, start=end)
    parts = ([before] if before else []) + [graph.ints(middle), after]
    return graph.op("Reshape", x, graph.op("Concat", *parts, axis=0))


def _maxout(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    affine = module.affine
    bias = None if affine.bias is None else array_of(affine.bias)
    z = linear(graph, array_of(affine.weight), bias, x)
    rank = x.ndim
    pieces = reshaped(graph, z, rank - 1, rank, [module.out_features, module.pieces])
    return Value(graph.op("ReduceMax", pieces, graph.ints([-1]), keepdims=0), example)


def _dropout(graph: Graph, module: Module, x: Value) -> Value:
    return x  # the identity out of training, which is what is exported


def _flatten(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)  # first: stir's own check of the dimensions
    if x.ndim == 0:
        return Value(graph.op("Reshape", x.name, graph.ints([1])), example)
    start, end = module.start_dim % x.ndim, module.end_dim % x.ndim
    if start >= end:  # nothing to merge
        return Value(x.name, example)
    if start == 1 and end == x.ndim - 1:  # the usual case: ONNX's Flatten is exactly it
        return Value(graph.op("Flatten", x.name, axis=1), example)
    return Value(reshaped(graph, x.name, start, end + 1, [-1]), example)


def _unflatten(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    dim = module.dim % x.ndim
    return Value(reshaped(graph, x.name, dim, dim + 1, list(module.unflattened_size)),
                 example)


def _upsample(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    out = x.name
    for axis in range(x.ndim - 1, 1, -1):  # the last axis first, as stir does
        weights = _axis_weights(module, x, axis)
        first = weights.argmax(axis=1)
        if module.mode.startswith("nearest"):
            out = graph.op("Gather", out, graph.constant(first.astype(np.int64), "rows"),
                           axis=axis)
            continue
        # each output reads at most two neighbours: the first and last non-zero weights
        nonzero = weights != 0
        first = nonzero.argmax(axis=1)
        last = weights.shape[1] - 1 - nonzero[:, ::-1].argmax(axis=1)
        rows = np.arange(len(weights))
        w0 = weights[rows, first]
        w1 = np.where(last != first, weights[rows, last], 0).astype(x.dtype)
        shape = (-1,) + (1,) * (x.ndim - 1 - axis)
        terms = []
        for index, weight in ((first, w0), (last, w1)):
            picked = graph.op("Gather", out, graph.constant(index.astype(np.int64), "rows"),
                              axis=axis)
            terms.append(graph.op("Mul", picked, graph.constant(weight.reshape(shape),
                                                                "interpolation")))
        out = graph.op("Add", *terms)
    return Value(out, example)


def _axis_weights(module: Module, x: Value, axis: int) -> np.ndarray:
    """The (m, n) matrix by which the upsampling maps axis `axis` (of size n) to m outputs,
    read off stir's own interpolation of the unit vectors along it (batched: the batch),
    each constant along the other axes (read at their first output)."""
    n = x.example.shape[axis]
    probe = np.zeros((n, 1) + x.example.shape[2:], x.dtype)
    for k in range(n):
        probe[(k, 0) + (slice(None),) * (axis - 2) + (k,)] = 1
    result = stir_output(module, probe)
    index = (slice(None), 0) + tuple(slice(None) if a == axis else 0
                                     for a in range(2, x.ndim))
    return np.asarray(result[index]).T


def _embedding(graph: Graph, module: Module, x: Value) -> Value:
    if x.dtype.kind not in "iu":
        raise ExportError(f"{module!r}: the indices must be integers, got {x.dtype}")
    weight = array_of(module.weight)
    indices = x.name if x.dtype == np.int64 else graph.op("Cast", x.name,
                                                            to=np.dtype(np.int64))
    # ONNX's Gather reads a negative index from the end, where stir refuses it: a negative
    # index becomes one past the end, which onnxruntime refuses too (no silent last row).
    past_end = graph.scalar(len(weight), np.dtype(np.int64))
    indices = graph.op("Where", graph.op("Less", indices, graph.scalar(0, np.dtype(np.int64))),
                       past_end, indices)
    rows = graph.op("Gather", graph.constant(weight, "embedding"), indices)
    # (not stir_output: with max_norm, stir's forward would rescale the table in place)
    example = weight[x.example]
    if module.max_norm is None:
        return Value(rows, example)
    # stir rescales the rows it looks up, in place; the graph rescales each lookup the same
    # way (PyTorch's 1e-7 included), leaving the table as it is.
    p, dtype = float(module.norm_type), weight.dtype
    magnitude = graph.op("Pow", graph.op("Abs", rows), graph.scalar(p, dtype))
    total = graph.op("ReduceSum", magnitude, graph.ints([-1]), keepdims=1)
    norms = graph.op("Pow", total, graph.scalar(1 / p, dtype))
    limit = graph.scalar(module.max_norm, dtype)
    shrink = graph.op("Div", limit, graph.op("Add", norms, graph.scalar(1e-7, dtype)))
    scale = graph.op("Where", graph.op("Greater", norms, limit), shrink,
                     graph.scalar(1, dtype))
    return Value(graph.op("Mul", rows, scale), example)


#: Each layer's converter (subclasses that keep its forward share it).
LAYERS: dict[type, Converter] = {
    L.Linear: _linear, L.Maxout: _maxout, L.Dropout: _dropout, L.Dropout1d: _dropout,
    L.Dropout2d: _dropout, L.Flatten: _flatten, L.Unflatten: _unflatten,
    L.Upsample: _upsample, sparse.Embedding: _embedding,
}
