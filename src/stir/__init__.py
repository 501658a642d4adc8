"""stir: a small, fast, readable neural-network library on NumPy.

"You pour the data into this big pile of linear algebra, then stir the pile until the
answers start looking right."

>>> import stir
>>> w = stir.tensor([[1.0, -2.0]], requires_grad=True)
>>> x = stir.tensor([3.0, 1.0])
>>> loss = ((w @ x) ** 2).sum()
>>> loss.backward()
>>> w.grad
tensor([[6., 2.]])
"""

from ._version import __version__
from .tensor import Tensor
from .autograd import Context, Function
from .anomaly import detect_anomaly
from . import cuda
from .creation import (
    BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor, arange, as_tensor, empty,
    empty_like, eye, from_numpy, full, full_like, is_tensor, linspace, logspace, ones,
    ones_like, tensor, zeros, zeros_like,
)
from . import creation as _creation, tensor_creation as _tensor_creation

_tensor_creation._creation = _creation  # Tensor.new_zeros & co. call stir.creation
from .devices import device, get_default_device, set_default_device
from .sampling import (
    bernoulli, multinomial, normal, rand, rand_like, randint, randint_like, randn, randn_like,
    randperm,
)
from .dtypes import (
    bool, bool_, double, float, float16, float32, float64, get_default_dtype, half, int, int8,
    int16, int32, int64, long, set_default_dtype, short, uint8,
)
from .engine import grad
from .grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .random import Generator, default_generator, initial_seed, manual_seed, seed
from .size import Size
from .ops import where
# --- elementwise functions (owned by the elementwise engineer) ---
from .tensor_functions import (
    abs, absolute, acos, add, allclose, arccos, arcsin, arctan, asin, atan, ceil, clamp,
    clamp_max, clamp_min, clip, cos, cosh, div, divide, eq, equal, exp, expm1, fix, floor,
    floor_divide, fmod, ge, greater, greater_equal, gt, isclose, isfinite, isinf, isnan, le,
    less, less_equal, log, log10, log1p, log2, logical_and, logical_not, logical_or,
    logical_xor, lt, maximum, minimum, mul, multiply, ne, neg, negative, not_equal, pow,
    reciprocal, relu, remainder, round, rsqrt, sigmoid, sign, sin, sinh, sqrt, square, sub,
    subtract, tanh, true_divide, trunc,
)
_ELEMENTWISE = ["abs", "absolute", "acos", "add", "allclose", "arccos", "arcsin", "arctan", "asin",
                "atan", "ceil", "clamp", "clamp_max", "clamp_min", "clip", "cos", "cosh", "div",
                "divide", "eq", "equal", "exp", "expm1", "fix", "floor", "floor_divide", "fmod",
                "ge", "greater", "greater_equal", "gt", "isclose", "isfinite", "isinf", "isnan",
                "le", "less", "less_equal", "log", "log10", "log1p", "log2", "logical_and",
                "logical_not", "logical_or", "logical_xor", "lt", "maximum", "minimum", "mul",
                "multiply", "ne", "neg", "negative", "not_equal", "pow", "reciprocal", "relu",
                "remainder", "round", "rsqrt", "sigmoid", "sign", "sin", "sinh", "sqrt", "square",
                "sub", "subtract", "tanh", "true_divide", "trunc"]
# --- end elementwise functions ---

# --- reduction and linear-algebra functions (owned by the reductions engineer) ---
from .tensor_functions import (
    addmm, all, amax, amin, aminmax, any, argmax, argmin, bmm, count_nonzero, cumprod, cumsum,
    dot, einsum, ger, inner, log_softmax, logsumexp, matmul, max, mean, median, min, mm, mv,
    nanmean, nansum, norm, outer, prod, softmax, std, std_mean, sum, t, trace, var, var_mean,
    vdot,
)
_REDUCTIONS = ["addmm", "all", "amax", "amin", "aminmax", "any", "argmax", "argmin", "bmm",
               "count_nonzero", "cumprod", "cumsum", "dot", "einsum", "ger", "inner",
               "log_softmax", "logsumexp", "matmul", "max", "mean", "median", "min", "mm", "mv",
               "nanmean", "nansum", "norm", "outer", "prod", "softmax", "std", "std_mean", "sum",
               "t", "trace", "var", "var_mean", "vdot"]
# --- end reduction and linear-algebra functions ---

# --- shape and indexing functions (owned by the shapes engineer) ---
from .tensor_functions import (
    argsort, atleast_1d, atleast_2d, atleast_3d, bincount, cartesian_prod, cat, chunk, concat,
    concatenate, dstack, flatten, flip, fliplr, flipud, gather, histc, histogram, hstack,
    index_add, index_select, masked_fill, masked_select, meshgrid, moveaxis, movedim, msort,
    narrow, nonzero, permute, repeat_interleave, reshape, roll, scatter, scatter_add, sort,
    split, squeeze, stack, swapaxes, swapdims, take_along_dim, tensor_split, tile, topk,
    transpose, tril, triu, unbind, unflatten, unique, unsqueeze, vstack,
)
from .ops import return_types
_SHAPES = ["argsort", "atleast_1d", "atleast_2d", "atleast_3d", "bincount", "cartesian_prod",
           "cat", "chunk", "concat", "concatenate", "dstack", "flatten", "flip", "fliplr",
           "flipud", "gather", "histc", "histogram", "hstack", "index_add", "index_select",
           "masked_fill", "masked_select", "meshgrid", "moveaxis", "movedim", "msort",
           "narrow", "nonzero", "permute", "repeat_interleave", "reshape", "return_types",
           "roll", "scatter", "scatter_add", "sort", "split", "squeeze", "stack", "swapaxes",
           "swapdims", "take_along_dim", "tensor_split", "tile", "topk", "transpose",
           "tril", "triu", "unbind", "unflatten", "unique", "unsqueeze", "vstack", "where"]
# --- end shape and indexing functions ---

# Imported on first use (`stir.optim` or `import stir.optim`), so `import stir` stays quick.
_SUBPACKAGES = ("analysis", "checkpoint", "classic", "data", "distributed", "explicit",
                "features", "io", "nn", "notebook", "onnx", "optim", "plot", "sklearn",
                "sweeps", "training", "utils", "viz", "widgets")


# The training loop, also on first use: it brings tqdm, which takes as long to import as a
# third of NumPy.
_TRAINING = ("fit", "evaluate", "predict", "LivePlot")
# Model files, on first use too (safetensors is imported only when a file is read or written).
_FILES = ("save", "load", "ModelFormatError")


def __getattr__(name: str) -> object:
    import importlib

    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _TRAINING:
        return getattr(importlib.import_module(f"{__name__}.training"), name)
    if name in _FILES:
        return getattr(importlib.import_module(f"{__name__}.io"), name)
    if name == "compile":
        return importlib.import_module(f"{__name__}.compiler").compile
    if name == "sweep":  # (the function; its package is stir.sweeps)
        return importlib.import_module(f"{__name__}.sweeps").sweep
    raise AttributeError(f"module 'stir' has no attribute {name!r}")


__all__ = [
    "__version__", "analysis", "arange", "bool", "bool_", "checkpoint", "classic",
    "compile", "Context", "cuda", "data", "default_generator", "detect_anomaly", "device",
    "double", "empty", "empty_like", "enable_grad", "evaluate", "explicit", "eye",
    "features", "fit", "float", "float16", "float32", "float64", "from_numpy", "full",
    "full_like", "Function", "Generator", "get_default_dtype", "grad", "gradcheck",
    "GradcheckError", "gradgradcheck", "half", "int", "int16", "int32", "int64", "int8",
    "inference_mode", "io", "is_grad_enabled", "is_inference_mode_enabled", "is_tensor", "linspace", "load", "logspace", "long",
    "manual_seed", "ModelFormatError", "nn", "no_grad", "ones", "ones_like", "optim",
    "plot", "predict", "rand", "rand_like", "randn", "randn_like", "save",
    "set_default_dtype", "set_grad_enabled", "short", "Size", "Tensor", "tensor", "training",
    "uint8", "zeros", "zeros_like",
    "BoolTensor", "DoubleTensor", "FloatTensor", "IntTensor", "LongTensor",
    "as_tensor", "bernoulli", "get_default_device", "initial_seed", "multinomial", "normal",
    "randint", "randint_like", "randperm", "seed", "set_default_device", "utils", "LivePlot",
    "notebook", "viz", "widgets", "distributed", "sweep", "sweeps",
] + _ELEMENTWISE + _REDUCTIONS + _SHAPES
