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
from .devices import device
from .creation import (
    arange, empty, empty_like, eye, from_numpy, full, full_like, is_tensor, linspace, logspace,
    ones, ones_like, rand, rand_like, randn, randn_like, tensor, zeros, zeros_like,
)
from .dtypes import (
    bool, bool_, double, float, float16, float32, float64, get_default_dtype, half, int, int8,
    int16, int32, int64, long, set_default_dtype, short, uint8,
)
from .engine import grad
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .random import Generator, default_generator, manual_seed
from .ops import concatenate, stack, where
# --- elementwise functions (owned by the elementwise engineer) ---
from .tensor_functions import (
    abs, clip, cos, exp, log, maximum, minimum, pow, relu, sigmoid, sin, sqrt, tanh,
)
clamp = clip
_ELEMENTWISE = ["abs", "clamp", "clip", "cos", "exp", "log", "maximum", "minimum", "pow",
                "relu", "sigmoid", "sin", "sqrt", "tanh"]
# --- end elementwise functions ---

# --- reduction and linear-algebra functions (owned by the reductions engineer) ---
from .tensor_functions import logsumexp, matmul, max, mean, min, sum
_REDUCTIONS = ["logsumexp", "matmul", "max", "mean", "min", "sum"]
# --- end reduction and linear-algebra functions ---

# --- shape and indexing functions (owned by the shapes engineer) ---
from .tensor_functions import flatten, permute, reshape, squeeze, transpose, unsqueeze
cat = concatenate
_SHAPES = ["cat", "concatenate", "flatten", "permute", "reshape", "squeeze", "stack",
           "transpose", "unsqueeze", "where"]
# --- end shape and indexing functions ---

# Imported on first use (`stir.optim` or `import stir.optim`), so `import stir` stays quick.
_SUBPACKAGES = ("analysis", "checkpoint", "classic", "data", "explicit", "features", "io",
                "nn", "optim", "plot", "training")


# The training loop, also on first use: it brings tqdm, which takes as long to import as a
# third of NumPy.
_TRAINING = ("fit", "evaluate", "predict")
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
    raise AttributeError(f"module 'stir' has no attribute {name!r}")


__all__ = [
    "__version__", "analysis", "arange", "bool", "bool_", "checkpoint", "classic",
    "compile", "Context", "cuda", "data", "default_generator", "detect_anomaly", "device",
    "double", "empty", "empty_like", "enable_grad", "evaluate", "explicit", "eye",
    "features", "fit", "float", "float16", "float32", "float64", "from_numpy", "full",
    "full_like", "Function", "Generator", "get_default_dtype", "grad", "gradcheck",
    "GradcheckError", "gradgradcheck", "half", "int", "int16", "int32", "int64", "int8",
    "io", "is_grad_enabled", "is_tensor", "linspace", "load", "logspace", "long",
    "manual_seed", "ModelFormatError", "nn", "no_grad", "ones", "ones_like", "optim",
    "plot", "predict", "rand", "rand_like", "randn", "randn_like", "save",
    "set_default_dtype", "set_grad_enabled", "short", "Tensor", "tensor", "training",
    "uint8", "zeros", "zeros_like",
] + _ELEMENTWISE + _REDUCTIONS + _SHAPES
