"""A network as a graph: each module found in the converters' tables by its class, the
containers (Sequential, and MLP, which is one) walked child by child, and anything else
refused by name. Export reads a model's structure, not its Python code, so a module
whose class is not in the tables (or which replaces the forward of one that is) cannot be
exported: compose the model from the modules listed in `supported()` instead.

>>> import stir
>>> graph = network_graph(stir.nn.MLP([3, 4, 2]), None)
>>> graph.inputs, [node.op_type for node in graph.nodes]
([('input', dtype('float32'), (None, 3))], ['Gemm', 'Relu', 'Gemm', 'Identity'])
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..nn import layers as L
from ..nn import normalization as N
from ..nn import recurrent as R
from ..nn import recurrent_cells as cells
from ..nn import sparse
from ..nn.containers import Sequential
from ..nn.module import Module
from .activations import ACTIVATIONS
from .conv import CONVOLUTIONS
from .graph import ExportError, Graph, Value, array_of, stir_output
from .layers import LAYERS
from .normalization import NORMALIZATIONS
from .recurrent import RECURRENT

__all__ = ["CONVERTERS", "convert", "example_input", "network_graph", "supported"]

CONVERTERS: dict[type, Any] = {**ACTIVATIONS, **LAYERS, **NORMALIZATIONS, **CONVOLUTIONS,
                               **RECURRENT}
#: The sizes an example input takes for its free dimensions, and a second set, to tell
#: which dimensions of the outputs follow them.
FREE_SIZES = ((2, 3, 4), (3, 5, 6))


def supported() -> list[str]:
    """The names of the module classes export can express: those in the tables, and stir's
    own subclasses of them that keep their forward (MLP is a Sequential).

    >>> "Conv2d" in supported() and "MLP" in supported()
    True
    """
    names, todo = set(), list(CONVERTERS) + [Sequential]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo += [sub for sub in cls.__subclasses__() if sub.__module__.startswith("stir.")
                 and sub.forward is cls.forward]
    return sorted(names)


def _registered(module: Any) -> type:
    """The class in the tables whose converter expresses `module`."""
    if not isinstance(module, Module):
        raise ExportError(f"{type(module).__name__} is not a stir.nn.Module; export takes a "
                          f"network, a model file, or a TrainedModel")
    for cls in type(module).__mro__:
        if cls in CONVERTERS or cls is Sequential:
            if type(module).forward is not cls.forward:
                raise ExportError(
                    f"{type(module).__name__} replaces the forward of {cls.__name__}, and "
                    f"export reads a model's layers, not its Python code: build it from "
                    f"stock modules ({cls.__name__} itself, in a Sequential)")
            return cls
    raise ExportError(_unknown(module))


def _unknown(module: Module) -> str:
    name = type(module).__name__
    if type(module).__module__ == "stir.nn.losses":
        return (f"{name} is a loss, not part of a network: export the network alone, and "
                f"compute the loss outside the graph")
    if name in ("ModuleList", "ModuleDict", "ParameterList", "ParameterDict"):
        return (f"{name} has no forward of its own (its owner's Python code calls its "
                f"modules): put them in a Sequential to export them")
    return (f"{name} cannot be exported to ONNX: export reads a model's layers, not its "
            f"Python code, and knows {', '.join(supported())}; build the model from those "
            f"(in a Sequential)")


def convert(graph: Graph, module: Module, x: Value) -> Any:
    """Add `module` applied to `x` to the graph; its output Value (a tuple of them for a
    module with several outputs, as an LSTM has)."""
    kind = _registered(module)
    if kind is not Sequential:
        return CONVERTERS[kind](graph, module, x)
    out: Any = x
    for _, child in module.named_children():
        if not isinstance(out, Value):
            raise ExportError(f"{child!r} would receive the {len(out)} outputs of the layer "
                              f"before it (a tuple), which stir's Sequential passes on as "
                              f"one argument; end the Sequential at that layer")
        out = convert(graph, child, out)
    return out


def _first_leaf(module: Module) -> Module:
    while isinstance(module, Sequential) and len(module):
        module = next(module.children())
    return module


def _default_shape(model: Module) -> tuple[Any, ...]:
    """The input shape a model's first layer implies, None for a free size."""
    first = _first_leaf(model)
    if isinstance(first, (L.Linear, L.Maxout)):
        return (None, first.in_features)
    if isinstance(first, R.RNNBase):
        return (None, None, first.input_size)
    if isinstance(first, cells.RNNCellBase):
        return (None, first.input_size)
    if isinstance(first, sparse.Embedding):
        return (None, None)
    if isinstance(first, N.BatchNorm1d):
        return (None, first.num_features)
    if isinstance(first, N.LayerNorm):
        return (None,) + tuple(first.normalized_shape)
    raise ExportError(f"export cannot tell the input's shape from the first layer, "
                      f"{first!r}: pass input_shape, None for the sizes chosen at run time "
                      f"(the batch), such as (None, 3, 32, 32) for images")


def _input_dtype(model: Module, dtype: Any) -> np.dtype:
    if dtype is not None:
        return np.dtype(dtype)
    if isinstance(_first_leaf(model), sparse.Embedding):
        return np.dtype(np.int64)
    for parameter in model.parameters():
        if array_of(parameter).dtype.kind == "f":
            return array_of(parameter).dtype
    return np.dtype(np.float32)


def example_input(model: Module, shape: Sequence[Any], dtype: np.dtype, sizes: Sequence[int]
                  ) -> np.ndarray:
    """Random values of `shape`, its free (None) dimensions taking `sizes` in turn."""
    free = iter(sizes)
    concrete = tuple(next(free) if n is None else int(n) for n in shape)
    generator = np.random.default_rng(0)
    if dtype.kind in "iu":
        first = _first_leaf(model)
        rows = getattr(first, "num_embeddings", 2)
        return generator.integers(0, rows, size=concrete).astype(dtype)
    return generator.standard_normal(concrete).astype(dtype)


def _checked_shape(input_shape: Any) -> tuple[Any, ...]:
    if not isinstance(input_shape, (tuple, list)) or not all(
            n is None or (isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                          and n >= 1) for n in input_shape):
        raise ValueError(f"input_shape must be a tuple of positive sizes, None for a size "
                         f"chosen at run time (the batch), got {input_shape!r}")
    if len([n for n in input_shape if n is None]) > len(FREE_SIZES[0]):
        raise ValueError(f"input_shape may leave at most {len(FREE_SIZES[0])} sizes free "
                         f"(None), got {input_shape!r}")
    return tuple(None if n is None else int(n) for n in input_shape)


def _flat(values: Any) -> list[Any]:
    if isinstance(values, (tuple, list)):
        return [item for value in values for item in _flat(value)]
    return [values]


def network_graph(model: Module, input_shape: Sequence[Any] | None, dtype: Any = None,
                  input_name: str = "input") -> Graph:
    """The graph of `model` (in evaluation mode) for inputs of `input_shape` (None for a
    size chosen at run time; by default what the first layer implies) and `dtype` (by
    default the parameters', else float32; int64 before an Embedding), its input named
    `input_name` and its outputs "output" (then "h_n" and "c_n" for a recurrent layer)."""
    shape = _checked_shape(input_shape) if input_shape is not None else _default_shape(model)
    dtype = _input_dtype(model, dtype)
    graph = Graph(reserved={input_name})
    graph.add_input(input_name, dtype, shape)
    first = example_input(model, shape, dtype, FREE_SIZES[0])
    outputs = _flat(convert(graph, model, Value(input_name, first)))
    # stir once more on other free sizes: the output sizes that change with them are free
    second = _flat(stir_output(model, example_input(model, shape, dtype, FREE_SIZES[1])))
    names = ["output", "h_n", "c_n"] if len(outputs) <= 3 else [
        f"output_{k}" for k in range(len(outputs))]
    for name, value, other in zip(names, outputs, second):
        sizes = tuple(None if a != b else a for a, b in zip(value.example.shape, other.shape))
        graph.add_output(value.name, name, value.dtype, sizes)
    return graph
