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
    Where, where,
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
    "Abs", "Add", "BinaryCrossEntropyWithLogits", "BroadcastTo", "Cast", "Clip", "Concatenate",
    "Cos", "Div", "Exp", "GetItem", "HuberLoss", "Linear", "Log", "LogSumExp", "MatMul", "Max",
    "Maximum", "Min", "Minimum", "MSELoss", "Mul", "Neg", "Permute", "Pow", "ReLU", "Reshape",
    "ScatterAdd", "Sigmoid", "Sin", "SoftmaxCrossEntropy", "SoftmaxCrossEntropyProbabilities",
    "Sqrt", "Sub", "Sum", "SumTo", "Tanh", "Where", "amax", "amin", "as_tensor", "backward",
    "concatenate", "expand",
    "flatten", "getitem", "logsumexp", "mean", "normalize_axes", "permute", "raw_index",
    "reshape", "resolve_axis", "squeeze", "stack", "sum", "sum_to_size", "transpose",
    "transposed", "unsqueeze", "where",
]
