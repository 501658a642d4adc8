"""The tensor methods that are also functions of the `stir` namespace (`stir.exp(x)` is
`x.exp()`), for code that reads better so; the primitives behind them are in `stir.ops`.

Each takes a tensor (or anything `stir.tensor` accepts) and returns a tensor.
"""

from __future__ import annotations

from typing import Any

from .tensor import Tensor, as_tensor


# --- elementwise (owned by the elementwise engineer) ---
# As in PyTorch, the functions of one tensor refuse a Python number (`torch.exp(2)` is a
# TypeError; stir.tensor would read an int as a size), and the arithmetic ones take a number
# first (`torch.add(2, x)`), as a 0-d operand of the other's kind (`lift`).
from .tensor import lift  # noqa: E402

def _input(name: str, input: Any) -> Tensor:
    if isinstance(input, Tensor):
        return input
    if isinstance(input, (int, float, bool)):
        raise TypeError(f"{name}(): argument 'input' must be a tensor, not "
                        f"{type(input).__name__} (as in PyTorch)")
    return as_tensor(input)


def _first(name: str, input: Any, other: Any) -> Tensor:
    """The first operand of arithmetic as a tensor: a number beside a tensor `other` too."""
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        lifted = lift(input, other)
        if lifted is not NotImplemented:
            return lifted
    return _input(name, input)


def _method(name: str, doc: str, kind: str = ", elementwise") -> Any:
    """`torch.name(input, *args, **kwargs)` as `input.name(*args, **kwargs)`."""
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(_input(name, input), name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{doc}{kind}: `input.{name}(...)`, as `torch.{name}`."
    return function


exp, expm1 = _method("exp", "eˣ"), _method("expm1", "eˣ - 1")
log, log10, log2 = _method("log", "ln x"), _method("log10", "log₁₀ x"), _method("log2", "log₂ x")
log1p, sqrt, rsqrt = _method("log1p", "ln(1 + x)"), _method("sqrt", "√x"), _method("rsqrt", "1/√x")
sin, cos, tanh = _method("sin", "sin x"), _method("cos", "cos x"), _method("tanh", "tanh x")
sinh, cosh = _method("sinh", "sinh x"), _method("cosh", "cosh x")
asin, acos, atan = _method("asin", "arcsin x"), _method("acos", "arccos x"), _method(
    "atan", "arctan x")
arcsin, arccos, arctan = asin, acos, atan
sigmoid, relu = _method("sigmoid", "1/(1 + e⁻ˣ)"), _method("relu", "max(0, x)")
abs = absolute = _method("abs", "|x|")
floor, ceil, trunc = _method("floor", "⌊x⌋"), _method("ceil", "⌈x⌉"), _method(
    "trunc", "x rounded toward 0")
fix = trunc
round = _method("round", "x rounded to `decimals` places (keyword), halves to even")
sign, neg = _method("sign", "sign(x), 0 at NaN"), _method("neg", "-x")
negative = neg
reciprocal, square = _method("reciprocal", "1/x"), _method("square", "x²")
clamp = _method("clamp", "x limited to [min, max] (numbers, tensors or None)")
clip = clamp
clamp_min, clamp_max = _method("clamp_min", "max(x, min)"), _method("clamp_max", "min(x, max)")
maximum, minimum = _method("maximum", "max(x, y)"), _method("minimum", "min(x, y)")
fmod = _method("fmod", "x - trunc(x/y)·y, of the dividend's sign")
eq, ne = _method("eq", "x == y"), _method("ne", "x != y")
lt, le, gt, ge = (_method(n, d) for n, d in (("lt", "x < y"), ("le", "x <= y"),
                                               ("gt", "x > y"), ("ge", "x >= y")))
not_equal, less, less_equal, greater, greater_equal = ne, lt, le, gt, ge
isnan, isinf = _method("isnan", "x is NaN"), _method("isinf", "x is ±inf")
isfinite = _method("isfinite", "x is neither infinite nor NaN")
logical_not = _method("logical_not", "not x")
logical_and, logical_or = _method("logical_and", "x and y"), _method("logical_or", "x or y")
logical_xor = _method("logical_xor", "x xor y")
isclose = _method("isclose", "|x - y| ≤ atol + rtol·|y|")
allclose = _method("allclose", "whether isclose holds everywhere (a bool)")
equal = _method("equal", "whether x and y have one shape and equal values (a bool)")


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input + alpha·other, as `torch.add` (either may be a number)."""
    return _first("add", input, other).add(other, alpha=alpha)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """input - alpha·other, as `torch.sub` (either may be a number)."""
    return _first("sub", input, other).sub(other, alpha=alpha)


subtract = sub


def mul(input: Any, other: Any) -> Tensor:
    return _first("mul", input, other) * other


multiply = mul


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """input / other, rounded with rounding_mode "trunc" or "floor", as `torch.div`."""
    return _first("div", input, other).div(other, rounding_mode=rounding_mode)


divide = div


def true_divide(input: Any, other: Any) -> Tensor:
    return _first("true_divide", input, other) / other


def floor_divide(input: Any, other: Any) -> Tensor:
    """⌊input/other⌋, as `torch.floor_divide` and `//` (no gradient, as in PyTorch)."""
    return _first("floor_divide", input, other).floor_divide(other)


def remainder(input: Any, other: Any) -> Tensor:
    """input - ⌊input/other⌋·other (the divisor's sign), as `torch.remainder` and `%`."""
    return _first("remainder", input, other).remainder(other)


def pow(x: Any, exponent: Any) -> Tensor:
    """x ** exponent, elementwise (either may be a number), as `torch.pow`."""
    if not isinstance(x, Tensor) and isinstance(exponent, Tensor):
        return exponent.__rpow__(x)
    return as_tensor(x) ** exponent


# --- end elementwise ---

# --- reductions and linear algebra (owned by the reductions engineer) ---
# PyTorch's signatures, as the methods they call (the forms are documented there). These
# names shadow Python's sum, max, min, any and all in this module: use `builtins.` for them.
from . import ops as _ops  # noqa: E402


def _reduction(name: str, doc: str) -> Any:
    """`torch.name(input, *args, **kwargs)` as `input.name(*args, **kwargs)`."""
    return _method(name, doc, kind="")


sum = _reduction("sum", "Σ over dim (all by default)")
mean = _reduction("mean", "the mean over dim (all by default)")
nansum = _reduction("nansum", "Σ over dim, NaN counted as 0")
nanmean = _reduction("nanmean", "the mean over dim of the entries that are not NaN")
max = _reduction("max", "the largest entry; (values, indices) over a dim; or max(x, y)")
min = _reduction("min", "the smallest entry; (values, indices) over a dim; or min(x, y)")
amax = _reduction("amax", "the largest entries over dim, ties sharing the gradient")
amin = _reduction("amin", "the smallest entries over dim, ties sharing the gradient")
aminmax = _reduction("aminmax", "(min, max) over dim")
argmax = _reduction("argmax", "the index of the first largest entry")
argmin = _reduction("argmin", "the index of the first smallest entry")
median = _reduction("median", "the lower median; (values, indices) over a dim")
logsumexp = _reduction("logsumexp", "log Σ exp over dim, without overflow")
std = _reduction("std", "the standard deviation over dim (unbiased by default)")
var = _reduction("var", "the variance over dim (unbiased by default)")
norm = _reduction("norm", "the p-norm over dim (2 by default)")
prod = _reduction("prod", "Π over one dim (all by default)")
cumsum = _reduction("cumsum", "the running sum along dim")
cumprod = _reduction("cumprod", "the running product along dim")
count_nonzero = _reduction("count_nonzero", "how many entries are not 0 over dim")
softmax = _reduction("softmax", "e^x / Σ e^x along dim")
log_softmax = _reduction("log_softmax", "x - log Σ e^x along dim")
any = _reduction("any", "whether any entry over dim is nonzero")
all = _reduction("all", "whether every entry over dim is nonzero")
matmul = _reduction("matmul", "the matrix product (operands of one dtype)")
mm = _reduction("mm", "the product of two matrices")
bmm = _reduction("bmm", "the batched product of (b, n, m) and (b, m, p) tensors")
mv = _reduction("mv", "matrix times vector")
dot = _reduction("dot", "Σ xᵢyᵢ of two 1-D tensors")
vdot = _reduction("vdot", "Σ xᵢyᵢ of two 1-D (real) tensors")
outer = _reduction("outer", "z_ij = xᵢyⱼ of two 1-D tensors")
ger = outer
inner = _reduction("inner", "Σ over the last dimension of both")
t = _reduction("t", "the transpose of a matrix (at most 2-D)")
trace = _reduction("trace", "the sum of a matrix's diagonal")
addmm = _reduction("addmm", "β·input + α·(mat1 @ mat2)")
einsum = _ops.einsum


def std_mean(input: Any, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """(std, mean) over dim, as `torch.std_mean` (the arguments of `std`)."""
    return _ops.std_mean(_input("std_mean", input), *args, **kwargs)


def var_mean(input: Any, *args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """(var, mean) over dim, as `torch.var_mean` (the arguments of `var`)."""
    return _ops.var_mean(_input("var_mean", input), *args, **kwargs)


# --- end reductions and linear algebra ---

# --- shapes and indexing (owned by the shapes engineer) ---

def reshape(x: Any, *shape: Any) -> Tensor:
    return as_tensor(x).reshape(*shape)


def transpose(x: Any, dim0: int, dim1: int) -> Tensor:
    return as_tensor(x).transpose(dim0, dim1)


def permute(x: Any, *dims: Any) -> Tensor:
    return as_tensor(x).permute(*dims)


def squeeze(x: Any, dim: int | None = None) -> Tensor:
    return as_tensor(x).squeeze(dim)


def unsqueeze(x: Any, dim: int) -> Tensor:
    return as_tensor(x).unsqueeze(dim)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return as_tensor(x).flatten(start_dim, end_dim)


from . import ops as _ops  # noqa: E402  (the joins have no tensor method to go through)


def _shape_method(name: str) -> Any:
    """`torch.name(input, *args)` as `input.name(*args)`, for a tensor method of this family
    (the method's docstring says what it computes)."""
    def function(input: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(_input(name, input), name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`input.{name}(...)`, as `torch.{name}`."
    return function


gather, scatter, scatter_add = (_shape_method(n) for n in ("gather", "scatter", "scatter_add"))
index_select, index_add = _shape_method("index_select"), _shape_method("index_add")
masked_fill, masked_select = _shape_method("masked_fill"), _shape_method("masked_select")
take_along_dim, nonzero = _shape_method("take_along_dim"), _shape_method("nonzero")
chunk, tensor_split, unbind = (_shape_method(n) for n in ("chunk", "tensor_split", "unbind"))
sort, argsort, msort, topk = (_shape_method(n) for n in ("sort", "argsort", "msort", "topk"))
unique, histc, histogram = (_shape_method(n) for n in ("unique", "histc", "histogram"))
bincount, flip, fliplr = _shape_method("bincount"), _shape_method("flip"), _shape_method("fliplr")
flipud, roll, movedim = _shape_method("flipud"), _shape_method("roll"), _shape_method("movedim")
moveaxis, narrow, tile = _shape_method("moveaxis"), _shape_method("narrow"), _shape_method("tile")
tril, triu, unflatten = _shape_method("tril"), _shape_method("triu"), _shape_method("unflatten")
swapaxes, swapdims = _shape_method("swapaxes"), _shape_method("swapdims")


def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of `split_size` along dim (the last smaller), or of the listed sizes."""
    return _input("split", tensor).split(split_size_or_sections, dim)


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each slice along dim repeated `repeats` times; `repeat_interleave(counts)` alone
    repeats each index i counts[i] times."""
    if repeats is None:
        return _ops.repeat_interleave(None, _input("repeat_interleave", input))
    return _input("repeat_interleave", input).repeat_interleave(
        repeats, dim, output_size=output_size)


def _dim_or_axis(name: str, dim: Any, axis: Any) -> int:
    """PyTorch's `dim`, or NumPy's `axis`, which PyTorch accepts too."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{name}() got both dim and axis; pass one")
        return axis
    return 0 if dim is None else dim


def cat(tensors: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    """The tensors joined along the existing dimension `dim` (see `stir.ops.cat`)."""
    return _ops.cat(tensors, _dim_or_axis("cat", dim, axis))


concat = concatenate = cat


def stack(tensors: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    """The tensors, of one shape, joined along a new dimension `dim`."""
    return _ops.stack_tensors(tensors, _dim_or_axis("stack", dim, axis))


hstack, vstack, dstack = _ops.hstack, _ops.vstack, _ops.dstack
atleast_1d, atleast_2d, atleast_3d = _ops.atleast_1d, _ops.atleast_2d, _ops.atleast_3d
meshgrid, cartesian_prod = _ops.meshgrid, _ops.cartesian_prod

# --- end shapes and indexing ---
