"""ONNX for the recurrent layers: RNN, LSTM and GRU (one ONNX RNN, LSTM or GRU node per
layer, both directions in it) and the cells RNNCell, LSTMCell, GRUCell (the same node over a
sequence of one step). ONNX orders the gates differently: PyTorch's and stir's LSTM gates
(i, f, g, o) become ONNX's (i, o, f, c), the GRU's (r, z, n) become (z, r, h), and the GRU
applies its reset gate after the product by W_hn (linear_before_reset=1), as stir does.

In a float64 model these layers compute in float32 (see `kernel_dtype`). The exported
graph starts every sequence from zero states (the optional hx of stir's
forward is not an input of the graph); its outputs are the module's: output and h_n (and
c_n for an LSTM), or a cell's h' (and c').

>>> import stir
>>> graph = Graph(reserved={"x"})
>>> outputs = RECURRENT[stir.nn.LSTM](graph, stir.nn.LSTM(3, 4, num_layers=2),
...                                   Value("x", np.zeros((5, 2, 3), np.float32)))
>>> [value.example.shape for value in outputs], [n.op_type for n in graph.nodes].count("LSTM")
([(5, 2, 4), (2, 2, 4), (2, 2, 4)], 2)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..nn import recurrent as R
from ..nn import recurrent_cells as cells
from ..nn.module import Module
from .graph import Graph, Value, array_of, kernel_dtype, stir_output

__all__ = ["RECURRENT"]

#: For each kind: the ONNX operator, its gates' order as indices into stir's, its attributes.
KINDS: dict[str, tuple[str, tuple[int, ...], dict[str, Any]]] = {
    "RNN_TANH": ("RNN", (0,), {"activations": ["Tanh"]}),
    "RNN_RELU": ("RNN", (0,), {"activations": ["Relu"]}),
    "LSTM": ("LSTM", (0, 3, 1, 2), {}),
    "GRU": ("GRU", (1, 0, 2), {"linear_before_reset": 1}),
}


def _gates(array: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """The gate blocks of the first axis of `array`, in ONNX's order."""
    blocks = np.split(array, len(order), axis=0)
    return np.concatenate([blocks[i] for i in order], axis=0)


def _layer(graph: Graph, kind: str, hidden: int, weights: list[tuple[Any, ...]], x: str,
           dtype: np.dtype) -> list[str]:
    """One ONNX recurrent node over the time-major x (L, N, ·), for the directions whose
    (weight_ih, weight_hh, bias_ih, bias_hh) are `weights`; its outputs Y, Y_h (, Y_c)."""
    op_type, order, attributes = KINDS[kind]
    stacked = [np.stack([_gates(array_of(w[i]), order) for w in weights]).astype(dtype)
               for i in (0, 1)]
    inputs = [x, graph.constant(stacked[0], "W"), graph.constant(stacked[1], "R")]
    if weights[0][2] is not None:
        biases = np.stack([np.concatenate([_gates(array_of(w[2]), order),
                                           _gates(array_of(w[3]), order)]) for w in weights])
        inputs.append(graph.constant(biases.astype(dtype), "B"))
    activations = attributes.get("activations")
    extra = dict(attributes)
    if activations:
        extra["activations"] = activations * len(weights)
    count = 3 if op_type == "LSTM" else 2
    return graph.op(op_type, *inputs, outputs=count, hidden_size=hidden,
                    direction="bidirectional" if len(weights) == 2 else "forward", **extra)


def _four(weights: Sequence[Any]) -> tuple[Any, ...]:
    """(weight_ih, weight_hh, bias_ih, bias_hh), the biases None for a layer without."""
    return tuple(weights) + (None,) * (4 - len(weights))


def _sequence(graph: Graph, module: Module, x: Value) -> tuple[Value, ...]:
    example = stir_output(module, x.example)
    flat = (example[0],) + (tuple(example[1]) if isinstance(example[1], tuple)
                            else (example[1],))
    batched, work = x.ndim == 3, kernel_dtype(x.dtype)
    name = x.name if work == x.dtype else graph.op("Cast", x.name, to=work)
    if not batched:
        name = graph.op("Unsqueeze", name, graph.ints([1]))
    elif module.batch_first:
        name = graph.op("Transpose", name, perm=[1, 0, 2])
    finals: list[list[str]] = []
    for layer in range(module.num_layers):
        directions = module.directions
        weights = [_four(w) for w in module.all_weights[layer * directions:
                                                        (layer + 1) * directions]]
        outputs = _layer(graph, module.mode, module.hidden_size, weights, name, work)
        # Y is (L, D, N, H): stir's output is (L, N, D·H), the directions side by side
        joined = graph.op("Transpose", outputs[0], perm=[0, 2, 1, 3])
        name = graph.op("Reshape", joined, graph.ints([0, 0, -1]))
        finals.append(outputs[1:])
    states = [graph.op("Concat", *[f[i] for f in finals], axis=0) if len(finals) > 1
              else finals[0][i] for i in range(len(finals[0]))]
    if not batched:
        name = graph.op("Squeeze", name, graph.ints([1]))
        states = [graph.op("Squeeze", s, graph.ints([1])) for s in states]
    elif module.batch_first:
        name = graph.op("Transpose", name, perm=[1, 0, 2])
    names = [name] + states
    if work != x.dtype:
        names = [graph.op("Cast", n, to=x.dtype) for n in names]
    return tuple(Value(n, e) for n, e in zip(names, flat))


def _cell(kind: str) -> Any:
    def convert(graph: Graph, module: Module, x: Value) -> Any:
        example = stir_output(module, x.example)
        nonlinearity = getattr(module, "nonlinearity", "tanh")
        mode = kind if kind != "RNN" else ("RNN_TANH" if nonlinearity == "tanh"
                                           else "RNN_RELU")
        weights = [(module.weight_ih, module.weight_hh, module.bias_ih, module.bias_hh)]
        work = kernel_dtype(x.dtype)
        name = x.name if work == x.dtype else graph.op("Cast", x.name, to=work)
        axes = graph.ints([0] if x.ndim == 2 else [0, 1])
        outputs = _layer(graph, mode, module.hidden_size, weights,
                         graph.op("Unsqueeze", name, axes), work)
        states = [graph.op("Squeeze", s, axes) for s in outputs[1:]]
        if work != x.dtype:
            states = [graph.op("Cast", s, to=x.dtype) for s in states]
        if kind == "LSTM":
            return tuple(Value(n, e) for n, e in zip(states, example))
        return Value(states[0], example)
    return convert


#: Each recurrent module's converter (subclasses that keep its forward share it).
RECURRENT: dict[type, Any] = {
    R.RNN: _sequence, R.LSTM: _sequence, R.GRU: _sequence, cells.RNNCell: _cell("RNN"),
    cells.LSTMCell: _cell("LSTM"), cells.GRUCell: _cell("GRU"),
}
