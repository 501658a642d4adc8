"""The primitives, one small `Function` each with its backward beside its forward, and the
composite operations built from them; one file per family:

    arithmetic.py   + - × ÷ ** exp log sqrt abs sin cos maximum minimum clamp where cast
    transcendental.py  log10 log2 log1p expm1 sinh cosh asin acos atan
    rounding.py     floor ceil round trunc; division with rounding, remainder, fmod
    activations.py  sigmoid tanh relu, and the activations that need a node of their own
    losses.py       the fused losses (MSE, Huber, cross-entropy, binary cross-entropy)
    reductions.py   sum max min logsumexp, broadcast_to and its adjoint sum_to; mean, amax …
    shapes.py       reshape permute indexing concatenate; squeeze transpose stack …
    indexing.py     gather scatter index_select index_add masked_fill masked_select nonzero;
                    Lookup: an embedding's rows, checked in range
    layout.py       repeat tile repeat_interleave flip roll movedim narrow tril triu …
    joining.py      cat stack hstack vstack; split chunk tensor_split unbind; meshgrid
    sorting.py      sort argsort topk unique;  counting.py: histc histogram bincount
    return_types.py PyTorch's named tuples of results (max, min, sort, topk, histogram, ...)
    linalg.py       matmul and the affine map of a linear layer; mm bmm mv dot outer inner t …
    einsum.py       einsum, its equation read as PyTorch's;  statistics.py: var std norm
    extremes.py     max min median with their indices, argmax argmin, aminmax
    probabilities.py  softmax and log_softmax along a dimension, checked as PyTorch's
    cumulative.py   cumsum cumprod prod
    conv.py         Convolution over N spatial axes, with its adjoints ConvolutionInput (the
                    transposed convolution) and ConvolutionWeight (its weight gradient)
    pooling.py      MaxPool AvgPool and their adjoints (max_pool2d's and avg_pool2d's)
    normalization.py  Normalize: batch, layer and group normalisation, one fused primitive
    recurrent.py    LSTMSequence: an LSTM layer's recurrence over a whole sequence, one node
    dual.py         helpers that take arrays or tensors alike, for backwards that serve both

Composites such as `mean`, `squeeze` or `stack` are ordinary functions of primitives, so they
need no backward of their own. This package is what `Tensor`'s operators and methods call:
`tensor.py` imports it at its last line, the one place where the two depend on each other;
so `backward`, the engine's entry that `Tensor.backward` calls, is passed on here too.
"""

from __future__ import annotations

from ..engine import backward
from ..tensor import as_tensor
from .activations import ReLU, Sigmoid, Sign, Tanh
from .arithmetic import (
    Abs, Add, Cast, Clamp, Cos, Div, Exp, Log, Maximum, Minimum, Mul, Neg, Pow, Sin, Sqrt, Sub,
    Transfer, Where, clamp, promoted, unrecorded, where,
)
from .rounding import Ceil, Floor, Fmod, Remainder, Round, RoundedDivide, Trunc
from .transcendental import Acos, Asin, Atan, Cosh, Expm1, Log1p, Log2, Log10, Sinh
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
# the shapes-and-indexing family's (PyTorch's names; joining's stack is `stack_tensors` here,
# beside shapes' `stack`, which takes NumPy's `axis`)
from . import return_types
from .counting import bincount, histc, histogram
from .indexing import (
    Scatter, gather, index_add, index_select, masked_fill, masked_select, nonzero, scatter,
    scatter_add, take_along_dim, wrap_dim,
)
from .joining import (
    atleast_1d, atleast_2d, atleast_3d, cartesian_prod, cat, chunk, dstack, hstack, meshgrid,
    split, tensor_split, unbind, vstack,
)
from .joining import stack as stack_tensors
from .layout import (
    contiguous, flip, is_contiguous, movedim, narrow, repeat, repeat_interleave, roll, tile,
    tril, triu, unflatten,
)
from .sorting import argsort, msort, sort, topk, unique
# the reductions-and-linear-algebra family's
from .cumulative import Cumprod, Cumsum, Prod, cumprod, cumsum, prod
from .einsum import Einsum, einsum
from .extremes import aminmax, arg_extreme, extreme, median
from .linalg import addmm, bmm, dot, inner, matmul, mm, mv, outer, t, trace
from .reductions import count_nonzero, max_values, min_values, nanmean, nansum, truth
from .probabilities import log_softmax, softmax
from .statistics import Root, norm, std, std_mean, var, var_mean

__all__ = [
    "Abs", "Add", "amax", "amin", "as_tensor", "backward", "BinaryCrossEntropyWithLogits",
    "BroadcastTo", "Cast", "Concatenate", "concatenate", "Cos", "Div", "Exp", "expand",
    "flatten", "GetItem", "getitem", "HuberLoss", "Linear", "Log", "LogSumExp", "logsumexp",
    "MatMul", "Max", "Maximum", "mean", "Min", "Minimum", "MSELoss", "Mul", "Neg",
    "normalize_axes", "Permute", "permute", "Pow", "raw_index", "ReLU", "Reshape",
    "reshape", "resolve_axis", "ScatterAdd", "Sigmoid", "Sin", "SoftmaxCrossEntropy",
    "SoftmaxCrossEntropyProbabilities", "Sqrt", "squeeze", "stack", "Sub", "Sum", "sum",
    "sum_to_size", "SumTo", "Tanh", "Transfer", "unrecorded", "transpose", "transposed",
    "unsqueeze", "Where", "where",
]
__all__ += [  # the elementwise family's (arithmetic, transcendental, rounding)
    "Acos", "Asin", "Atan", "Ceil", "Clamp", "clamp", "Cosh", "Expm1", "Floor", "Fmod",
    "Log10", "Log1p", "Log2", "promoted", "Remainder", "Round", "RoundedDivide", "Sign",
    "Sinh", "Trunc",
]
__all__ += [  # the shapes-and-indexing family's (indexing, layout, joining, sorting, counting)
    "argsort", "atleast_1d", "atleast_2d", "atleast_3d", "bincount", "cartesian_prod", "cat",
    "chunk", "contiguous", "dstack", "flip", "gather", "histc", "histogram", "hstack",
    "index_add", "index_select", "is_contiguous", "masked_fill", "masked_select", "meshgrid",
    "movedim", "msort", "narrow", "nonzero", "repeat", "repeat_interleave", "return_types",
    "roll", "Scatter", "scatter", "scatter_add", "sort", "split", "stack_tensors",
    "take_along_dim", "tensor_split", "tile", "topk", "tril", "triu", "unbind", "unflatten",
    "unique", "vstack", "wrap_dim",
]
__all__ += [  # the reductions-and-linear-algebra family's
    "addmm", "aminmax", "arg_extreme", "bmm", "count_nonzero", "Cumprod", "cumprod", "Cumsum",
    "cumsum", "dot", "Einsum", "einsum", "extreme", "inner", "log_softmax", "matmul",
    "max_values", "median", "min_values", "mm", "mv", "nanmean", "nansum", "norm", "outer",
    "Prod", "prod", "Root", "softmax", "std", "std_mean", "t", "trace", "truth", "var",
    "var_mean",
]
# the layers for images and sequences
from .conv import Convolution, ConvolutionInput, ConvolutionWeight
from .normalization import Normalize
from .pooling import AvgPool, AvgPoolAdjoint, MaxPool, MaxPoolAdjoint
from .recurrent import LSTMSequence

__all__ += [
    "AvgPool", "AvgPoolAdjoint", "Convolution", "ConvolutionInput", "ConvolutionWeight",
    "LSTMSequence", "MaxPool", "MaxPoolAdjoint", "Normalize",
]
