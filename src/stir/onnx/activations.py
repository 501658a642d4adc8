"""ONNX for each activation module of `stir.nn`: its operator where ONNX has one with the same
formula and onnxruntime runs it in float32 and float64 (Relu, Sigmoid, Tanh, Softmax,
LogSoftmax; Gelu in float32), otherwise composed from primitives in the order stir computes
it (Step, Sign, the leaky ReLUs, ELU, Softplus, APL, SiLU, the tanh GELU), so the two agree
to rounding. In float64, the exact GELU's erf is float32's (onnxruntime has no other).
Export is of evaluation: RReLU's slope is (lower + upper)/2.

>>> import stir
>>> graph = Graph(reserved={"x"})
>>> x = Value("x", np.zeros((2, 3), np.float32))
>>> out = ACTIVATIONS[stir.nn.Softplus](graph, stir.nn.Softplus(beta=2.0), x)
>>> out.example.shape, [node.op_type for node in graph.nodes][:4]
((2, 3), ['Mul', 'Abs', 'Neg', 'Exp'])
"""

from __future__ import annotations

import math
import warnings
from typing import Callable

import numpy as np

from ..nn import activations as A
from ..nn.functional.activations import LN2, implicit_dim
from ..nn.module import Module
from .graph import Graph, Value, array_of, stir_output

__all__ = ["ACTIVATIONS", "Converter", "log1p", "softplus"]

Converter = Callable[[Graph, Module, Value], Value]


def _simple(op_type: str, **attributes: object) -> Converter:
    """The converter of an activation that is one ONNX operator."""
    def convert(graph: Graph, module: Module, x: Value) -> Value:
        return Value(graph.op(op_type, x.name, **attributes), stir_output(module, x.example))
    return convert


def _identity(graph: Graph, module: Module, x: Value) -> Value:
    return x


def _step(graph: Graph, module: Module, x: Value) -> Value:
    jump = graph.op("Cast", graph.op("GreaterOrEqual", x.name, graph.scalar(0, x.dtype)),
                    to=x.dtype)
    out = graph.op("Where", graph.op("IsNaN", x.name), x.name, jump)  # NaN stays NaN
    return Value(out, stir_output(module, x.example))


def _sign(graph: Graph, module: Module, x: Value) -> Value:
    # stir's sign is 0 at NaN, where ONNX's Sign gives NaN: (x > 0) - (x < 0) is both.
    zero = graph.scalar(0, x.dtype)
    above = graph.op("Cast", graph.op("Greater", x.name, zero), to=x.dtype)
    below = graph.op("Cast", graph.op("Less", x.name, zero), to=x.dtype)
    return Value(graph.op("Sub", above, below), stir_output(module, x.example))


def log1p(graph: Graph, u: str, dtype: np.dtype) -> str:
    """ln(1 + u), accurate for tiny u too (ONNX has no Log1p): with w = 1 + u rounded,
    ln(w)·u/(w − 1) (Goldberg's formula), and u itself where w rounds to 1."""
    w = graph.op("Add", u, graph.scalar(1, dtype))
    ratio = graph.op("Div", graph.op("Mul", graph.op("Log", w), u),
                     graph.op("Sub", w, graph.scalar(1, dtype)))
    return graph.op("Where", graph.op("Equal", w, graph.scalar(1, dtype)), u, ratio)


def softplus(graph: Graph, x: Value, beta: float, threshold: float) -> str:
    """stir's softplus: (max(βx, 0) + ln(1 + e^(−|βx|)))/β, and x where βx > threshold."""
    dtype = x.dtype
    scaled = graph.op("Mul", x.name, graph.scalar(beta, dtype))
    tail = log1p(graph, graph.op("Exp", graph.op("Neg", graph.op("Abs", scaled))), dtype)
    z = graph.op("Add", graph.op("Max", scaled, graph.scalar(0, dtype)), tail)
    if beta != 1:
        z = graph.op("Div", z, graph.scalar(beta, dtype))
    linear = graph.op("Greater", scaled, graph.scalar(threshold, dtype))
    return graph.op("Where", linear, x.name, z)


def _softplus(graph: Graph, module: Module, x: Value) -> Value:
    out = softplus(graph, x, module.beta, module.threshold)
    return Value(out, stir_output(module, x.example))


def _centered_softplus(graph: Graph, module: Module, x: Value) -> Value:
    out = graph.op("Sub", softplus(graph, x, 1.0, 20.0), graph.scalar(LN2, x.dtype))
    return Value(out, stir_output(module, x.example))


def leaky(graph: Graph, x: Value, slope: str) -> str:
    """x where x > 0, else x·slope: stir's LeakyReLU primitive, for LeakyReLU, PReLU and
    RReLU (composed: onnxruntime has LeakyRelu and PRelu in float32 only)."""
    positive = graph.op("Greater", x.name, graph.scalar(0, x.dtype))
    return graph.op("Where", positive, x.name, graph.op("Mul", x.name, slope))


def _leaky_relu(graph: Graph, module: Module, x: Value) -> Value:
    slope = graph.scalar(module.negative_slope, x.dtype)
    return Value(leaky(graph, x, slope), stir_output(module, x.example))


def _rrelu(graph: Graph, module: Module, x: Value) -> Value:
    slope = graph.scalar((module.lower + module.upper) / 2, x.dtype)
    return Value(leaky(graph, x, slope), stir_output(module, x.example))


def _prelu(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)  # first: stir's own check of the shapes
    weight = array_of(module.weight).astype(x.dtype)
    if weight.size == 1:
        slope = weight.reshape(())
    else:  # one slope per channel, dimension 1
        slope = weight.reshape((weight.size,) + (1,) * (x.ndim - 2))
    return Value(leaky(graph, x, graph.constant(slope, "prelu_slope")), example)


def expm1(graph: Graph, x: str, dtype: np.dtype) -> str:
    """eˣ − 1, accurate near 0 too (ONNX has no Expm1): with u = eˣ rounded,
    (u − 1)·x/ln(u) (Kahan's formula), and x itself where u rounds to 1."""
    u = graph.op("Exp", x)
    one = graph.scalar(1, dtype)
    less = graph.op("Sub", u, one)
    ratio = graph.op("Div", graph.op("Mul", less, x), graph.op("Log", u))
    tiny = graph.op("Equal", u, one)
    # where u is below the smallest normal number (x far below 0) ln(u) is inexact (a
    # subnormal u keeps few digits) or −inf (u = 0): there u − 1 rounds to −1, exactly right
    far = graph.op("Less", u, graph.scalar(float(np.finfo(dtype).tiny), dtype))
    exact = graph.op("Or", tiny, far)
    return graph.op("Where", exact, graph.op("Where", tiny, x, less), ratio)


def _elu(graph: Graph, module: Module, x: Value) -> Value:
    # stir's: x for x > 0, else α·expm1(min(x, 0)) (composed: onnxruntime's Elu is float32)
    dtype = x.dtype
    zero = graph.scalar(0, dtype)
    negative = graph.op("Mul", graph.scalar(module.alpha, dtype),
                        expm1(graph, graph.op("Min", x.name, zero), dtype))
    out = graph.op("Where", graph.op("LessOrEqual", x.name, zero), negative, x.name)
    return Value(out, stir_output(module, x.example))


def _apl(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    a = graph.constant(array_of(module.a).astype(x.dtype), "apl_a")
    b = graph.constant(array_of(module.b).astype(x.dtype), "apl_b")
    column = graph.op("Unsqueeze", x.name, graph.ints([-1]))
    hinges = graph.op("Relu", graph.op("Sub", b, column))
    total = graph.op("ReduceSum", graph.op("Mul", a, hinges), graph.ints([-1]), keepdims=0)
    return Value(graph.op("Add", graph.op("Relu", x.name), total), example)


def _softmax_dim(module: Module, ndim: int) -> int:
    if module.dim is not None:
        return int(module.dim)
    with warnings.catch_warnings():  # stir_output has just given the user the warning
        warnings.simplefilter("ignore")
        return implicit_dim(type(module).__name__.lower(), ndim)


def _softmax(op_type: str) -> Converter:
    def convert(graph: Graph, module: Module, x: Value) -> Value:
        example = stir_output(module, x.example)
        axis = _softmax_dim(module, x.ndim)
        return Value(graph.op(op_type, x.name, axis=axis), example)
    return convert


def _gelu(graph: Graph, module: Module, x: Value) -> Value:
    example = stir_output(module, x.example)
    dtype = x.dtype
    if module.approximate == "tanh":  # stir's formula, in stir's order
        cube = graph.op("Mul", graph.op("Mul", graph.op("Mul", x.name, x.name), x.name),
                        graph.scalar(0.044715, dtype))
        inner = graph.op("Mul", graph.op("Add", x.name, cube),
                         graph.scalar(math.sqrt(2 / math.pi), dtype))
        one = graph.op("Add", graph.op("Tanh", inner), graph.scalar(1, dtype))
        out = graph.op("Mul", graph.op("Mul", x.name, one), graph.scalar(0.5, dtype))
        return Value(out, example)
    if dtype == np.float32:
        return Value(graph.op("Gelu", x.name), example)
    # x·½(1 + erf(x/√2)); onnxruntime has Erf in float32 only, so there it is float32's erf
    scaled = graph.op("Cast", graph.op("Mul", x.name, graph.scalar(math.sqrt(0.5), dtype)),
                      to=np.dtype(np.float32))
    erf = graph.op("Cast", graph.op("Erf", scaled), to=dtype)
    phi = graph.op("Mul", graph.op("Add", erf, graph.scalar(1, dtype)),
                   graph.scalar(0.5, dtype))
    return Value(graph.op("Mul", x.name, phi), example)


def _silu(graph: Graph, module: Module, x: Value) -> Value:
    out = graph.op("Mul", x.name, graph.op("Sigmoid", x.name))
    return Value(out, stir_output(module, x.example))


#: Each activation module's converter (subclasses that keep its forward share it).
ACTIVATIONS: dict[type, Converter] = {
    A.Identity: _identity, A.Step: _step, A.Sign: _sign, A.Sigmoid: _simple("Sigmoid"),
    A.Tanh: _simple("Tanh"), A.ReLU: _simple("Relu"), A.LeakyReLU: _leaky_relu,
    A.PReLU: _prelu, A.RReLU: _rrelu, A.ELU: _elu, A.Softplus: _softplus,
    A.CenteredSoftplus: _centered_softplus, A.APL: _apl, A.Softmax: _softmax("Softmax"),
    A.LogSoftmax: _softmax("LogSoftmax"), A.GELU: _gelu, A.SiLU: _silu,
}
