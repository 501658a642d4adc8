"""The primitives, one small `Function` each with its backward beside its forward, and the
composite operations built from them; one file per family:

    arithmetic.py   + - × ÷ ** exp log sqrt abs sin cos maximum minimum clip where cast
    activations.py  sigmoid tanh relu, and the activations that need a node of their own
    losses.py       the fused losses (MSE, Huber, cross-entropy, binary cross-entropy)
    reductions.py   sum max min logsumexp, broadcast_to and its adjoint sum_to; mean, amax …
    shapes.py       reshape permute indexing concatenate; squeeze transpose stack …
    linalg.py       matmul and the affine map of a linear layer
    dual.py         helpers that take arrays or tensors alike, for backwards that serve both

Composites such as `mean`, `squeeze` or `stack` are ordinary functions of primitives, so they
need no backward of their own. This package is what `Tensor`'s operators and methods call:
`tensor.py` imports it at its last line, the one place where the two depend on each other;
so `backward`, the engine's entry that `Tensor.backward` calls, is passed on here too.
"""

from __future__ import annotations

from ..engine import backward
from ..tensor import as_tensor
from .activations import ReLU, Sigmoid, Tanh
from .arithmetic import (
    Abs, Add, Cast, Clip, Cos, Div, Exp, Log, Maximum, Minimum, Mul, Neg, Pow, Sin, Sqrt, Sub,
    Transfer, Where, where,
)
from .linalg import Linear, MatMul
from .losses import (
    BinaryCrossEntropyWithLogits, HuberLoss, MSELoss, SoftmaxCrossEntropy,
    SoftmaxCrossEntropyProbabilities,
)
from .reductions import (
    BroadcastTo, LogSumExp, Max, Min, Sum, SumTo, amax, amin, logsumexp, mean, normalize_axes,
    resolve_axis, sum, sum_to_size,
)
from .shapes import (
    Concatenate, GetItem, Permute, Reshape, ScatterAdd, concatenate, expand, flatten, getitem,
    permute, raw_index, reshape, squeeze, stack, transpose, transposed, unsqueeze,
)

__all__ = [
    "Abs", "Add", "amax", "amin", "as_tensor", "backward", "BinaryCrossEntropyWithLogits",
    "BroadcastTo", "Cast", "Clip", "Concatenate", "concatenate", "Cos", "Div", "Exp", "expand",
    "flatten", "GetItem", "getitem", "HuberLoss", "Linear", "Log", "LogSumExp", "logsumexp",
    "MatMul", "Max", "Maximum", "mean", "Min", "Minimum", "MSELoss", "Mul", "Neg",
    "normalize_axes", "Permute", "permute", "Pow", "raw_index", "ReLU", "Reshape", "reshape",
    "resolve_axis", "ScatterAdd", "Sigmoid", "Sin", "SoftmaxCrossEntropy",
    "SoftmaxCrossEntropyProbabilities", "Sqrt", "squeeze", "stack", "Sub", "Sum", "sum",
    "sum_to_size", "SumTo", "Tanh", "Transfer", "transpose", "transposed", "unsqueeze", "Where",
    "where",
]
