"""ONNX for the convolution and pooling layers: Conv1d/2d (Conv, after a Pad for the
reflect, replicate and circular padding modes), ConvTranspose1d/2d (ConvTranspose), MaxPool
and AvgPool 1d/2d (MaxPool, AveragePool) and AdaptiveAvgPool1d/2d (AveragePool for equal
bins, else products with the averaging matrices, as stir computes them). An unbatched
input, (C, *spatial), gets a batch of one around the operator. In a float64 model all but
max pooling compute in float32 (see `kernel_dtype`).

>>> import stir
>>> graph = Graph(reserved={"x"})
>>> layer = stir.nn.Conv2d(1, 2, 3, padding="same", padding_mode="reflect")
>>> out = CONVOLUTIONS[stir.nn.Conv2d](graph, layer, Value("x", np.zeros((4, 1, 5, 5),
...                                                              np.float32)))
>>> out.example.shape, [node.op_type for node in graph.nodes]
((4, 2, 5, 5), ['Pad', 'Conv'])
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..nn import conv as C
from ..nn import pooling as P
from ..nn.functional.conv import read_padding
from ..nn.functional.pooling import output_sizes, window_arguments
from ..nn.module import Module
from .activations import Converter
from .graph import ExportError, Graph, Value, array_of, kernel_dtype, stir_output

__all__ = ["CONVOLUTIONS"]

#: stir's padding modes as ONNX Pad's.
PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _batched(graph: Graph, x: Value, spatial: int, apply: Callable[[str], str],
             work: np.dtype | None = None) -> str:
    """apply(x), with a batch of one added around it for an unbatched input, and x cast to
    `work` (see `kernel_dtype`) and back around it when that is not x's dtype."""
    name = x.name
    if work is not None and work != x.dtype:
        name = graph.op("Cast", name, to=work)
    if x.ndim == spatial + 2:
        out = apply(name)
    else:
        batch = graph.op("Unsqueeze", name, graph.ints([0]))
        out = graph.op("Squeeze", apply(batch), graph.ints([0]))
    if work is not None and work != x.dtype:
        out = graph.op("Cast", out, to=x.dtype)
    return out


def _flat(pairs: tuple[tuple[int, int], ...]) -> list[int]:
    """ONNX's pads: every axis's start, then every axis's end."""
    return [before for before, _ in pairs] + [after for _, after in pairs]


def _conv(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    spatial, dtype = module.spatial, kernel_dtype(x.dtype)
    pairs = read_padding(module.padding, module.kernel_size, module.stride, module.dilation,
                         type(module).__name__)
    inputs = [graph.constant(array_of(module.weight).astype(dtype), "conv_weight")]
    if module.bias is not None:
        inputs.append(graph.constant(array_of(module.bias).astype(dtype), "conv_bias"))

    def apply(name: str) -> str:
        pads = _flat(pairs)
        if module.padding_mode != "zeros":
            whole = _flat(((0, 0), (0, 0)) + pairs)
            name = graph.op("Pad", name, graph.ints(whole),
                            mode=PAD_MODES[module.padding_mode])
            pads = [0] * (2 * spatial)
        return graph.op("Conv", name, *inputs, kernel_shape=list(module.kernel_size),
                        strides=list(module.stride), dilations=list(module.dilation),
                        group=module.groups, pads=pads)

    return Value(_batched(graph, x, spatial, apply, dtype), example)


def _conv_transpose(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    dtype, spatial = kernel_dtype(x.dtype), module.spatial
    weight = graph.constant(array_of(module.weight).astype(dtype), "conv_weight")
    bias = None if module.bias is None else array_of(module.bias).astype(dtype)
    padding, extra = list(module.padding), list(module.output_padding)
    attributes = dict(kernel_shape=list(module.kernel_size), strides=list(module.stride),
                      dilations=list(module.dilation), group=module.groups)
    direct = all(e < s for e, s in zip(extra, module.stride))

    def apply(name: str) -> str:
        if direct:
            inputs = [weight] + ([graph.constant(bias, "conv_bias")] if bias is not None
                                 else [])
            return graph.op("ConvTranspose", name, *inputs, pads=padding * 2,
                            output_padding=extra, **attributes)
        # onnxruntime takes output_padding < stride only (PyTorch: < max(stride, dilation)):
        # the extra outputs are those the padding would crop at the end, then zeros
        ends = [max(p - e, 0) for p, e in zip(padding, extra)]
        out = graph.op("ConvTranspose", name, weight, pads=padding + ends, **attributes)
        zeros = [max(e - p, 0) for p, e in zip(padding, extra)]
        if any(zeros):
            out = graph.op("Pad", out, graph.ints([0] * (spatial + 2) + [0, 0] + zeros))
        if bias is None:
            return out
        view = bias.reshape((-1,) + (1,) * spatial)
        return graph.op("Add", out, graph.constant(view, "conv_bias"))

    return Value(_batched(graph, x, spatial, apply, dtype), example)


def _end_pads(x: Value, example: np.ndarray, kernel: tuple[int, ...],
              stride: tuple[int, ...], pads: tuple[int, ...], dilation: tuple[int, ...]
              ) -> list[int]:
    """The padding after each axis that gives, without ceil_mode, the windows stir makes:
    ONNX's shape rule for ceil_mode keeps a last window that starts in the right padding,
    which stir (as PyTorch) drops."""
    spatial = len(kernel)
    sizes, out = x.example.shape[-spatial:], example.shape[-spatial:]
    return [max(p, (o - 1) * s + d * (k - 1) + 1 - n - p)
            for n, o, k, s, p, d in zip(sizes, out, kernel, stride, pads, dilation)]


def _max_pool(graph: Graph, module: Module, x: Value) -> Value:
    if module.return_indices:
        raise ExportError(f"{module!r}: return_indices=True (the positions of the maxima) "
                          f"cannot be exported; export a model whose pooling returns only "
                          f"the values")
    example = stir_output(module, x.example)
    spatial = module.spatial
    kernel, stride, pads, dilation = window_arguments(
        type(module).__name__, module.kernel_size, module.stride, module.padding,
        module.dilation, spatial)
    ends = _end_pads(x, example, kernel, stride, pads, dilation)
    ceil = 0
    if any(end >= k for end, k in zip(ends, kernel)):  # onnxruntime takes pads < kernel only
        ends, ceil = list(pads), int(module.ceil_mode)

    def apply(name: str) -> str:
        return graph.op("MaxPool", name, kernel_shape=list(kernel), strides=list(stride),
                        pads=list(pads) + ends, dilations=list(dilation), ceil_mode=ceil)

    return Value(_batched(graph, x, spatial, apply), example)


def _avg_pool(spatial: int) -> Converter:
    def convert(graph: Graph, module: Module, x: Value) -> Value:
        example = stir_output(module, x.example)
        kernel, stride, pads, _ = window_arguments(
            type(module).__name__, module.kernel_size, module.stride, module.padding, 1,
            spatial)
        ends = _end_pads(x, example, kernel, stride, pads, (1,) * spatial)
        # ONNX averages over the input's own entries (count_include_pad=0); stir divides
        # by its count or divisor_override, so each output is then scaled by
        # entries / stir's divisor, which is stir's own average of ones.
        work = kernel_dtype(x.dtype)
        ones = np.ones((1, 1) + x.example.shape[-spatial:], x.dtype)
        factor = stir_output(module, ones).astype(work)

        def apply(name: str) -> str:
            out = graph.op("AveragePool", name, kernel_shape=list(kernel),
                           strides=list(stride), pads=list(pads) + ends, count_include_pad=0)
            if np.all(factor == 1):
                return out
            return graph.op("Mul", out, graph.constant(factor, "pool_divisors"))

        return Value(_batched(graph, x, spatial, apply, work), example)
    return convert


def _averaging(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """The (out, size) matrix of the bins' means, bin i being
    [⌊i·size/out⌋, ⌈(i+1)·size/out⌉)."""
    matrix = np.zeros((out, size), dtype)
    for i in range(out):
        start, end = (i * size) // out, -((-(i + 1) * size) // out)
        matrix[i, start:end] = 1 / (end - start)
    return matrix


def _adaptive_avg_pool(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    spatial, dtype = module.spatial, x.dtype
    sizes = tuple(x.example.shape[-spatial:])
    out = tuple(n if o is None else o for o, n in zip(
        output_sizes(type(module).__name__, module.output_size, spatial), sizes))
    if all(n % o == 0 for n, o in zip(sizes, out)):
        kernel = [n // o for n, o in zip(sizes, out)]
        return Value(_batched(graph, x, spatial, lambda name: graph.op(
            "AveragePool", name, kernel_shape=kernel, strides=kernel), kernel_dtype(dtype)),
            example)
    z = graph.op("MatMul", x.name, graph.constant(_averaging(sizes[-1], out[-1], dtype).T,
                                                  "bins"))
    if spatial == 2:
        z = graph.op("MatMul", graph.constant(_averaging(sizes[0], out[0], dtype), "bins"), z)
    return Value(z, example)


#: Each convolution and pooling layer's converter (subclasses that keep its forward share it).
CONVOLUTIONS: dict[type, Converter] = {
    C.Conv1d: _conv, C.Conv2d: _conv, C.ConvTranspose1d: _conv_transpose,
    C.ConvTranspose2d: _conv_transpose, P.MaxPool1d: _max_pool, P.MaxPool2d: _max_pool,
    P.AvgPool1d: _avg_pool(1), P.AvgPool2d: _avg_pool(2),
    P.AdaptiveAvgPool1d: _adaptive_avg_pool, P.AdaptiveAvgPool2d: _adaptive_avg_pool,
}
