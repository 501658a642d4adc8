"""The graph an export builds, as plain Python: nodes, constants, inputs and outputs.

Converters add nodes to a `Graph` by their ONNX operator names and attributes; only
`export.py` turns it into an ONNX protobuf, so building (and checking) a graph needs no
`onnx` package. Each `Value` is a name in the graph together with what stir computes for it
on an example input: its shape and dtype are then known exactly where a converter needs them
(the rank for a softmax's implicit dimension, the sizes of a convolution's input), while the
nodes themselves stay free of the batch size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

import numpy as np

from .._types import Array
from ..grad_mode import no_grad
from ..nn.module import Module
from ..tensor import Tensor

__all__ = ["ExportError", "Graph", "Node", "Value", "array_of", "kernel_dtype", "stir_output"]

#: The ONNX operator set the graphs use (onnxruntime has run it since 1.18), and the IR
#: version that goes with it (onnx 1.16's), so runtimes a few years old load the files.
OPSET = 21
IR_VERSION = 10


class ExportError(ValueError):
    """Part of a model that ONNX export cannot express; the message names it and says what
    is supported instead."""


class Node(NamedTuple):
    """One operator call: `op_type` from `inputs` to `outputs` ("" for an omitted optional
    input), with its attributes."""

    op_type: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attributes: dict[str, Any]


@dataclass
class Value:
    """A name in the graph and stir's value for it on the example input."""

    name: str
    example: Array

    @property
    def ndim(self) -> int:
        return int(self.example.ndim)

    @property
    def dtype(self) -> np.dtype:
        return self.example.dtype


@dataclass
class Graph:
    """Nodes in the order they run, constants (initializers), and the graph's inputs and
    outputs as (name, dtype, shape) with None for a size the caller chooses at run time.

    >>> graph = Graph(reserved={"x"})
    >>> one = graph.scalar(1.0, np.float32)
    >>> out = graph.op("Add", "x", one)
    >>> graph.nodes[0].op_type, graph.nodes[0].inputs == ("x", one), out != "x"
    ('Add', True, True)
    """

    reserved: set[str] = field(default_factory=set)
    nodes: list[Node] = field(default_factory=list)
    initializers: dict[str, Array] = field(default_factory=dict)
    inputs: list[tuple[str, np.dtype, tuple[Any, ...]]] = field(default_factory=list)
    outputs: list[tuple[str, np.dtype, tuple[Any, ...]]] = field(default_factory=list)
    _scalars: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def fresh(self, hint: str) -> str:
        """A name not used yet: `hint` itself if free, else hint_1, hint_2, ..."""
        name, number = hint, 0
        while name in self.reserved:
            number += 1
            name = f"{hint}_{number}"
        self.reserved.add(name)
        return name

    def op(self, op_type: str, *inputs: str, outputs: int = 1, **attributes: Any) -> Any:
        """Add a node; its output name (a list of them when `outputs` > 1)."""
        names = [self.fresh(f"{op_type.lower()}") for _ in range(outputs)]
        self.nodes.append(Node(op_type, tuple(inputs), tuple(names), attributes))
        return names[0] if outputs == 1 else names

    def constant(self, array: Any, hint: str = "const") -> str:
        """A constant tensor (an initializer) holding `array`, as given."""
        name = self.fresh(hint)
        self.initializers[name] = np.array(array)
        return name

    def scalar(self, value: float, dtype: Any) -> str:
        """A 0-d constant of `dtype`, shared by every node that needs the same one."""
        key = (float(value), np.dtype(dtype).str)
        if key not in self._scalars:
            self._scalars[key] = self.constant(np.array(value, dtype=dtype), "scalar")
        return self._scalars[key]

    def ints(self, values: Sequence[int]) -> str:
        """A 1-d int64 constant (axes, shapes, slice bounds), shared as `scalar` is."""
        key = ("ints",) + tuple(int(v) for v in values)
        if key not in self._scalars:
            self._scalars[key] = self.constant(np.array(key[1:], dtype=np.int64), "ints")
        return self._scalars[key]

    def add_input(self, name: str, dtype: Any, shape: tuple[Any, ...]) -> None:
        self.reserved.add(name)
        self.inputs.append((name, np.dtype(dtype), tuple(shape)))

    def add_output(self, value: str, hint: str, dtype: Any, shape: tuple[Any, ...]) -> str:
        """Make `value` an output named after `hint` (an Identity node renames it, so an
        input passed straight through is an output of its own)."""
        name = self.fresh(hint)
        self.nodes.append(Node("Identity", (value,), (name,), {}))
        self.outputs.append((name, np.dtype(dtype), tuple(shape)))
        return name


def kernel_dtype(dtype: Any) -> np.dtype:
    """The dtype the graph computes convolutions, average pooling and recurrent layers in:
    float32 for a float64 model, because onnxruntime has no float64 kernels for them (the
    result then agrees with stir to float32's rounding), else the model's own."""
    return np.dtype(np.float32) if np.dtype(dtype) == np.float64 else np.dtype(dtype)


def array_of(tensor: Tensor) -> Array:
    """A parameter's or buffer's values, as a NumPy array of its own."""
    return np.array(tensor.detach().numpy())


def stir_output(module: Module, *inputs: Array) -> Any:
    """What `module` computes in stir for example inputs (arrays), as arrays (a tuple of
    them, nested as the module returns them)."""
    try:
        with no_grad():
            result = module(*(Tensor(array) for array in inputs))
    except (ValueError, TypeError, IndexError, RuntimeError) as error:
        shapes = ", ".join(str(tuple(array.shape)) for array in inputs)
        raise ExportError(f"{type(module).__name__} does not run on an example input of shape "
                          f"{shapes}: "
                          f"{error}; pass export the input_shape the model takes") from None
    return _arrays(result)


def _arrays(result: Any) -> Any:
    if isinstance(result, Tensor):
        return np.array(result.numpy())
    if isinstance(result, (tuple, list)):
        return tuple(_arrays(item) for item in result)
    raise ExportError(f"the module returned a {type(result).__name__}, not tensors")
