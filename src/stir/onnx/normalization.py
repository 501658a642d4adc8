"""ONNX for the normalisation layers: BatchNorm1d/2d out of training (the affine map of the
running statistics, folded into one scale and shift as stir computes it; batch statistics
when the layer keeps none), LayerNorm (LayerNormalization) and GroupNorm (composed: the
groups reshaped, standardised, reshaped back).

>>> import stir
>>> graph = Graph(reserved={"x"})
>>> layer = stir.nn.BatchNorm1d(3).eval()
>>> out = NORMALIZATIONS[stir.nn.BatchNorm1d](graph, layer, Value("x", np.zeros((2, 3),
...                                                                np.float32)))
>>> [node.op_type for node in graph.nodes]
['Sub', 'Mul', 'Add']
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ..nn import normalization as N
from ..nn.module import Module
from .activations import Converter
from .graph import Graph, Value, array_of, stir_output

__all__ = ["NORMALIZATIONS", "standardized"]


def _array(parameter: object, dtype: np.dtype) -> np.ndarray | None:
    return None if parameter is None else array_of(parameter).astype(dtype)


def standardized(graph: Graph, x: str, axes: Sequence[int], eps: float, dtype: np.dtype,
                 weight: np.ndarray | None, bias: np.ndarray | None) -> str:
    """(x − μ)/√(σ² + eps)·w + b, μ and the biased σ² over `axes` (w and b already shaped
    to broadcast)."""
    axes_name = graph.ints(list(axes))
    y = graph.op("Sub", x, graph.op("ReduceMean", x, axes_name, keepdims=1))
    variance = graph.op("ReduceMean", graph.op("Mul", y, y), axes_name, keepdims=1)
    root = graph.op("Sqrt", graph.op("Add", variance, graph.scalar(eps, dtype)))
    out = graph.op("Mul", y, graph.op("Reciprocal", root))
    if weight is not None:
        out = graph.op("Mul", out, graph.constant(weight, "norm_weight"))
    if bias is not None:
        out = graph.op("Add", out, graph.constant(bias, "norm_bias"))
    return out


def _batch_norm(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)  # module is in evaluation: see export
    dtype = x.dtype
    view = (1, module.num_features) + (1,) * (x.ndim - 2)
    weight, bias = _array(module.weight, dtype), _array(module.bias, dtype)
    if module.running_mean is None or module.running_var is None:
        axes = [0] + list(range(2, x.ndim))
        shaped = [None if v is None else v.reshape(view) for v in (weight, bias)]
        return Value(standardized(graph, x.name, axes, module.eps, dtype, *shaped), example)
    # stir's own order: scale = (var + eps)^(−1/2)·w, then (x − mean)·scale + b
    scale = (array_of(module.running_var).astype(dtype) + dtype.type(module.eps)) ** -0.5
    if weight is not None:
        scale = scale * weight
    mean = array_of(module.running_mean).astype(dtype).reshape(view)
    out = graph.op("Mul", graph.op("Sub", x.name, graph.constant(mean, "running_mean")),
                   graph.constant(scale.reshape(view).astype(dtype), "bn_scale"))
    if bias is not None:
        out = graph.op("Add", out, graph.constant(bias.reshape(view), "bn_bias"))
    return Value(out, example)


def _layer_norm(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    dtype, shape = x.dtype, module.normalized_shape
    weight, bias = _array(module.weight, dtype), _array(module.bias, dtype)
    scale = graph.constant(weight if weight is not None else np.ones(shape, dtype), "ln_scale")
    inputs = [x.name, scale] + ([graph.constant(bias, "ln_bias")] if bias is not None else [])
    out = graph.op("LayerNormalization", *inputs, axis=-len(shape), epsilon=module.eps)
    return Value(out, example)


def _group_norm(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    dtype, groups = x.dtype, module.num_groups
    per_group = module.num_channels // groups
    grouped = graph.op("Reshape", x.name, graph.ints([0, groups, per_group, -1]))
    view = (1, groups, per_group, 1)
    weight, bias = (None if v is None else v.reshape(view) for v in (
        _array(module.weight, dtype), _array(module.bias, dtype)))
    out = standardized(graph, grouped, [2, 3], module.eps, dtype, weight, bias)
    return Value(graph.op("Reshape", out, graph.op("Shape", x.name)), example)


#: Each normalisation layer's converter (subclasses that keep its forward share it).
NORMALIZATIONS: dict[type, Converter] = {
    N.BatchNorm1d: _batch_norm, N.BatchNorm2d: _batch_norm, N.LayerNorm: _layer_norm,
    N.GroupNorm: _group_norm,
}
