"""The array seam: the one module of the compute path that names NumPy for maths.

The primitives' forward and backward, the engine and the optimizers' updates compute on raw
arrays through `namespace(x)`, the array-API namespace of x: for a NumPy array `NUMPY` below
(each function of the standard in NumPy's fastest spelling), for any other array its own
`__array_namespace__()` (array-api-strict in the tests, CuPy on a GPU). "Is this an array a
tensor may hold?" is `type(x) in ARRAY_TYPES`; the NumPy-only shortcuts a hot path may take
test `type(x) is NDARRAY`, inline, and do what the generic form does. io/, data/ and plotting
stay on NumPy: they meet arrays only at the host boundary, through `to_numpy`.

>>> import numpy as np
>>> xp = namespace(np.ones(3))
>>> xp.sum(xp.exp(np.zeros(2)), axis=None)
np.float64(2.0)
"""

from __future__ import annotations

import contextlib
import functools
import math
import operator
from types import SimpleNamespace
from typing import Any

import numpy as np

_ndarray = np.ndarray
_generic = np.generic
#: NumPy's array type and the types of its scalars and of Python numbers, for fast paths.
NDARRAY = np.ndarray
SCALARS = (int, float, bool, np.generic)

#: The array types a tensor may hold; NumPy's first. Others join on first use (`register`).
ARRAY_TYPES: tuple[type, ...] = (np.ndarray,)


def _sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.add.reduce(x, axis=axis, keepdims=keepdims)  # as x.sum, without its wrapper


def _max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.maximum.reduce(x, axis=axis, keepdims=keepdims)


def _min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.minimum.reduce(x, axis=axis, keepdims=keepdims)


def _any(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.logical_or.reduce(x, axis=axis, keepdims=keepdims)  # as x.any, without np.any


def _all(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.logical_and.reduce(x, axis=axis, keepdims=keepdims)


def _reshape(x: Any, shape: tuple[int, ...], copy: bool | None = None) -> Any:
    return x.reshape(shape)  # np.reshape adds 0.5 µs of Python to the method


def _astype(x: Any, dtype: Any, copy: bool = True) -> Any:
    return x.astype(dtype, copy=copy)


def _permute_dims(x: Any, axes: tuple[int, ...]) -> Any:
    return x.transpose(axes)


def matmul(x: Any, y: Any) -> Any:
    """x @ y, of arrays of any namespace or of tensors. On NumPy matrices by `dot`, which for
    matrices is the same product but skips the ufunc machinery of `@`: about 0.4 µs sooner,
    much of a small layer's product. When the inner dimension is 1 (an outer product: a
    batch of one sample, or a layer of one input or output), as a broadcast product, another
    1 µs sooner: each element is then the one product either way, so the values are the
    same."""
    if type(x) is _ndarray and type(y) is _ndarray and x.ndim == 2 and y.ndim == 2:
        if x.shape[1] == 1 and y.shape[0] == 1:
            return x * y
        return x.dot(y)
    return x @ y


#: The array API on NumPy. Ufuncs are themselves (nothing is faster); the functions NumPy
#: wraps in Python (sum, any, reshape, astype) call the array's own C methods instead.
NUMPY = SimpleNamespace(
    **{name: getattr(np, name) for name in (
        "abs", "arange", "argmax", "argmin", "asarray", "bool", "broadcast_to",
        "clip", "concat", "copysign", "cos", "empty", "equal", "exp", "expand_dims", "expm1",
        "float32", "float64", "full", "full_like", "greater", "greater_equal", "int64",
        "isfinite", "isinf", "isnan", "less", "less_equal", "log", "log1p", "logaddexp",
        "logical_and", "logical_not", "logical_or", "maximum", "minimum",
        "negative", "ones", "ones_like", "pow", "sign", "sin", "sqrt", "square", "squeeze",
        "stack", "take", "take_along_axis", "tanh", "where", "zeros", "zeros_like")},
    sum=_sum, max=_max, min=_min, any=_any, all=_all, reshape=_reshape, astype=_astype, permute_dims=_permute_dims,
    matmul=matmul,
)


def sum_rows(x: Any) -> Any:
    """Σ over the rows (axis 0) of an array. On a NumPy matrix, as a product with a vector of
    ones: BLAS does that about twice as fast as NumPy's reduction for the small matrices of a
    layer; a single row is just copied (a fresh array, so the engine can adopt it as a .grad).
    """
    if type(x) is not _ndarray or x.ndim != 2:
        return namespace(x).sum(x, axis=0)
    length = x.shape[0]
    if length == 1:
        return x[0].copy()
    ones = _ONES.get((length, x.dtype))
    if ones is None:
        ones = _ONES[length, x.dtype] = np.ones(length, dtype=x.dtype)
        ones.flags.writeable = False  # shared between calls
    return ones.dot(x)


_ONES: dict[tuple[int, Any], np.ndarray] = {}  # vectors of ones by length and dtype


def scatter_add(x: Any, index: Any, target: tuple[int, ...], basic: bool) -> Any:
    """zeros(target) with x added at `index` (repeated indices add up): the adjoint of
    indexing. A `basic` index (slices, integers) picks each element at most once, so it is
    an assignment; the standard has no scatter-add for the others, which need NumPy's."""
    xp = namespace(x)
    z = xp.zeros(target, dtype=x.dtype, device=device(x))
    if basic:
        if xp is not NUMPY and isinstance(index, tuple) and None in index:
            # the standard assigns through no new axis: index without them, x without them
            index = tuple(part for part in index if part is not None)
            x = xp.reshape(x, z[index].shape)
        z[index] = x
    elif xp is NUMPY:
        np.add.at(z, index, x)
    else:
        z = _scatter_add_standard(xp, z, index if isinstance(index, tuple) else (index,), x)
    return z


def _scatter_add_standard(xp: Any, z: Any, index: tuple[Any, ...], x: Any) -> Any:
    """`scatter_add` with the standard's functions alone, for an index of arrays: a bool mask
    picks each element once (an assignment); integer arrays over the leading axes, repeats
    included, add through a product with a one-hot matrix of the flat positions."""
    index = tuple(beside(part, z) if isinstance(part, _ndarray) else part
                  for part in index)
    if len(index) == 1 and kind(index[0].dtype) == "b":
        z[index[0]] = x
        return z
    if not all(hasattr(part, "dtype") and kind(part.dtype) in "iu" for part in index):
        raise NotImplementedError(
            "the gradient of this index needs a scatter-add the array standard lacks; "
            f"{type(z).__module__} arrays take integer arrays and masks only")
    lead = z.shape[:len(index)]
    flat = None
    for part, size in zip(index, lead):
        position = xp.reshape(part % size, (-1,))
        flat = position if flat is None else flat * size + position
    cells = math.prod(lead)
    one_hot = xp.astype(xp.reshape(flat, (-1, 1)) == xp.arange(cells, device=device(z)),
                        z.dtype)
    rows = xp.reshape(x, (flat.shape[0], -1))
    return xp.reshape(one_hot.mT @ rows, z.shape)


def beside(value: Any, like: Any, dtype: Any = None) -> Any:
    """`value` (an array of any namespace, a list or a number; often made on the host: random
    draws, masks, index arrays, targets) as an array beside the array `like`: in its
    namespace and on its device, in `dtype` (None keeps value's own)."""
    if type(like) is _ndarray or isinstance(like, _generic):
        if dtype is None and type(value) is _ndarray:
            return value  # already beside a NumPy array, as it is
        return np.asarray(value, dtype=dtype)
    return namespace(like).asarray(value, dtype=dtype, device=device(like))


def values(x: Any) -> Any:
    """An array's values as an array of its namespace (NumPy scalars and Python numbers as
    0-d NumPy arrays)."""
    if type(x) is _ndarray or type(x) in ARRAY_TYPES:
        return x
    return np.asarray(x)


def as_array(data: Any) -> Any:
    """`data` as an array a tensor can hold: an array of a registered type as it is, another
    array-API array registered on first sight, anything else through `np.asarray`."""
    if type(data) in ARRAY_TYPES:
        return data
    if hasattr(data, "__array_namespace__") and not isinstance(data, _generic):
        register(type(data))
        return data
    return np.asarray(data)


def kind(dtype: Any) -> str:
    """NumPy's one-letter kind of a dtype of any namespace: "f" floating, "i" signed, "u"
    unsigned, "b" bool, "c" complex."""
    letter = getattr(dtype, "kind", None)
    if letter is None:
        letter = _KINDS.get(dtype)
        if letter is None:
            letter = _KINDS[dtype] = np.dtype(str(dtype).rpartition(".")[2]).kind
    return letter


_KINDS: dict[Any, str] = {}


def constant_like(value: Any, like: Any) -> Any:
    """A 0-d array of the Python number `value` beside the array `like` (its namespace and
    device): in like's dtype when that is floating, or integer and value an int, so float32
    stays float32; a float met with an integer array is float32, as in PyTorch."""
    letter = like.dtype.kind if type(like) is _ndarray else kind(like.dtype)
    keeps = letter == "f" or (letter in "iu" and isinstance(value, int)
                              and not isinstance(value, bool))
    if type(like) is _ndarray:
        if keeps:
            return np.asarray(value, dtype=like.dtype)
        return np.asarray(value, dtype=np.float32) if isinstance(value, float) else (
            np.asarray(value))
    xp = namespace(like)
    dtype = like.dtype if keeps else xp.float32 if isinstance(value, float) else None
    return xp.asarray(value, dtype=dtype, device=device(like))


def to_text(x: Any, prefix: str) -> tuple[str, str]:
    """The values of an array as NumPy prints them (commas between, aligned after `prefix`),
    and its dtype's name."""
    shown = to_numpy(x)
    return np.array2string(shown, separator=", ", prefix=prefix), str(shown.dtype)


def mask(condition: Any, like: Any) -> Any:
    """A bool array as a factor to multiply the array `like` by: on NumPy the bool array itself
    (a product with it skips an intermediate float array), else 1.0/0.0 in like's dtype, as
    the standard does not multiply floats by bools."""
    if type(condition) is _ndarray or isinstance(condition, _generic):
        return condition
    return namespace(condition).astype(condition, like.dtype)


def is_floating(x: Any) -> bool:
    """Whether the array `x` holds floating-point numbers."""
    letter = getattr(x.dtype, "kind", None)  # NumPy's dtypes say it themselves
    return (letter if letter is not None else kind(x.dtype)) == "f"


def device(x: Any) -> Any:
    """Where the array `x` lives, to make new arrays beside it."""
    return getattr(x, "device", "cpu")


def dtype_in(x: Any, dtype: Any) -> Any:
    """`dtype` (a NumPy dtype, or a dtype of x's namespace) as a dtype of x's namespace."""
    xp = namespace(x)
    if xp is NUMPY:
        return np.dtype(dtype)
    if not isinstance(dtype, (type, np.dtype, str)):
        return dtype  # already the namespace's own
    return getattr(xp, np.dtype(dtype).name)


def namespace(x: Any) -> Any:
    """The array namespace of `x` (NumPy's for NumPy arrays and scalars, and Python numbers)."""
    if type(x) is _ndarray or isinstance(x, _generic):
        return NUMPY
    known = _NAMESPACES.get(type(x))
    if known is not None:
        return known
    own = getattr(x, "__array_namespace__", None)
    return NUMPY if own is None else own()


#: Namespaces given when an array type was registered (CuPy's module for its arrays).
_NAMESPACES: dict[type, Any] = {}


def is_array(x: Any) -> bool:
    """True for an array of any namespace a tensor may hold, and for NumPy's scalars."""
    return type(x) in ARRAY_TYPES or isinstance(x, (_ndarray, _generic))


def is_numpy(x: Any) -> bool:
    """True for a NumPy array or scalar (where NumPy-only fast paths apply)."""
    return type(x) is _ndarray or isinstance(x, _generic)


def register(array_type: type, namespace: Any = None) -> None:
    """Let tensors hold arrays of `array_type`, whose functions are in `namespace` (by default
    what its `__array_namespace__()` gives)."""
    global ARRAY_TYPES
    if array_type not in ARRAY_TYPES:
        ARRAY_TYPES = ARRAY_TYPES + (array_type,)
    if namespace is not None:
        _NAMESPACES[array_type] = namespace


# ---------------------------------------------------------------- in place
#: NumPy's ufunc of each in-place operation (`ufunc(a, b, out=a, casting="same_kind")`).
NUMPY_IN_PLACE = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
_IN_PLACE = {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul,
             "div": operator.itruediv}  # the standard's in-place operators


def update(operation: str, target: Any, other: Any) -> None:
    """target ∘= other in place ("add", "sub", "mul" or "div"), casting as NumPy's
    same_kind rule allows (the standard's in-place operators cast the same way)."""
    if type(target) is _ndarray:
        NUMPY_IN_PLACE[operation](target, other, out=target, casting="same_kind")
    else:
        _IN_PLACE[operation](target, other)


def copy_into(target: Any, source: Any) -> None:
    """target[...] = source, in place (same_kind casting on NumPy)."""
    if type(target) is _ndarray:
        np.copyto(target, source, casting="same_kind")
    else:
        target[...] = source


def clip_into(target: Any, low: Any, high: Any) -> None:
    """target limited to [low, high], in place."""
    if type(target) is _ndarray:
        np.clip(target, low, high, out=target)
    else:
        target[...] = namespace(target).clip(target, low, high)


def shared_ones_like(like: Any) -> Any:
    """Ones of the shape, dtype and device of the array `like` (the seed of a backward pass).
    On NumPy one shared, read-only array per shape and dtype."""
    shape, dtype = like.shape, like.dtype
    if type(like) is not _ndarray:
        return namespace(like).ones(shape, dtype=dtype, device=device(like))
    one = _READ_ONLY_ONES.get((shape, dtype))
    if one is None:
        one = _READ_ONLY_ONES[shape, dtype] = np.ones(shape, dtype=dtype)
        one.flags.writeable = False
    return one


_READ_ONLY_ONES: dict[tuple[tuple[int, ...], Any], np.ndarray] = {}


def errstate(**settings: str) -> Any:
    """NumPy's floating-point error settings around a computation (on NumPy arrays; other
    namespaces have none, and are not affected)."""
    return np.errstate(**settings)


def may_share_memory(a: Any, b: Any) -> bool:
    """Whether a and b may be views of one buffer (always False off NumPy, where a view
    cannot be told from a copy by the standard)."""
    return is_numpy(a) and is_numpy(b) and np.may_share_memory(a, b)


def to_numpy(x: Any) -> np.ndarray:
    """A NumPy array of x's values, copied to the host when x lives elsewhere."""
    if is_numpy(x):
        return np.asarray(x)
    get = getattr(x, "get", None)  # CuPy's device-to-host copy
    if callable(get):
        return np.asarray(get())
    host = namespace(x).__array_namespace_info__().default_device()
    return np.asarray(x.to_device(host) if device(x) != host else x)


def sum_to(x: Any, target: tuple[int, ...]) -> Any:
    """x summed over the axes that broadcasting added or stretched, down to `target`: how a
    gradient of a broadcast input returns to that input's shape (the engine and `SumTo`)."""
    lead = x.ndim - len(target)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(target) if n == 1 and x.shape[lead + i] != 1
    )
    if type(x) is _ndarray:  # the same, by the array's own methods (once per bias per step)
        return x.sum(axis=axes, keepdims=True).reshape(target) if axes else x.reshape(target)
    xp = namespace(x)
    if axes:
        return xp.reshape(xp.sum(x, axis=axes, keepdims=True), target)
    return xp.reshape(x, target)


def reducible(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """True when `shape` broadcasts to `grad_shape`, so summing undoes the broadcast."""
    if len(shape) > len(grad_shape):
        return False
    tail = grad_shape[len(grad_shape) - len(shape):]
    return all(s == g or s == 1 for s, g in zip(shape, tail))


# ---------------------------------------------------------------- maths the standard lacks
def zero(like: Any) -> Any:
    """0 to compare the array `like` with, or take its maximum with. On NumPy a 0-d array
    of a floating dtype, which ufuncs take about 0.2 µs sooner than the Python 0 (much of a
    small layer's ReLU); the Python 0 otherwise, where it decides nothing about the dtype."""
    dtype = like.dtype
    if type(like) is not _ndarray or dtype.kind != "f":
        return 0
    found = _ZEROS.get(dtype)
    if found is None:
        found = _ZEROS[dtype] = np.zeros((), dtype)
    return found


_ZEROS: dict[Any, Any] = {}

# Beyond these m, e^(-m) is below the smallest normal number of the dtype.
_EXP_UNDERFLOW = {"float32": 87.0, "float64": 708.0}


def exp_of_negative(magnitude: Any) -> Any:
    """e^(-m) for an array m ≥ 0, taken as exactly 0 where it would underflow and computed
    only elsewhere, so that even `np.errstate(all="raise")` sees no floating-point error.
    NaN stays NaN (not >= rather than <)."""
    limit = _EXP_UNDERFLOW.get(_name(magnitude.dtype), 87.0)
    if type(magnitude) is _ndarray:
        return np.exp(-magnitude, out=np.zeros_like(magnitude),
                      where=np.logical_not(magnitude >= limit))
    xp = namespace(magnitude)
    return xp.where(magnitude >= limit, 0.0, xp.exp(-magnitude))


def _name(dtype: Any) -> str:
    return str(dtype).rpartition(".")[2]


# erf on pieces [k/4, (k+1)/4) of [0, 6] as Taylor polynomials about each piece's centre, exact
# to an ulp; beyond 6, erf rounds to 1 even in float64.
_ERF_PIECE, _ERF_PIECES = 0.25, 24


@functools.lru_cache(maxsize=8)
def _erf_taylor(dtype_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The centres c and the Taylor coefficients erf⁽ⁿ⁾(c)/n!, n = 0 … degree (row n), from
    erf' = g = (2/√π)e^(-x²), whose own coefficients follow from g' = -2xg:
    (n+1)·g_(n+1) = -2c·g_n - 2·g_(n-1)."""
    dtype = np.dtype(dtype_name)
    degree = 12 if dtype.itemsize >= 8 else 7
    c = _ERF_PIECE * (np.arange(_ERF_PIECES) + 0.5)
    g = np.zeros((degree, _ERF_PIECES))
    g[0] = 2 / math.sqrt(math.pi) * np.exp(-c * c)
    g[1] = -2 * c * g[0]
    for n in range(1, degree - 1):
        g[n + 1] = (-2 * c * g[n] - 2 * g[n - 1]) / (n + 1)
    coefficients = np.empty((degree + 1, _ERF_PIECES))
    coefficients[0] = [math.erf(v) for v in c]
    coefficients[1:] = g / np.arange(1, degree + 1)[:, None]
    return c.astype(dtype), coefficients.astype(dtype)


def erf(v: Any) -> Any:
    """erf on an array, keeping its dtype (float64 to an ulp of math.erf)."""
    xp = namespace(v)
    centres, coefficients = _erf_taylor(_name(v.dtype))
    if xp is not NUMPY:
        centres = xp.asarray(centres, device=device(v))
        coefficients = xp.asarray(coefficients, device=device(v))
    end = _ERF_PIECE * _ERF_PIECES
    u = xp.where(xp.isnan(v), end, xp.minimum(xp.abs(v), end))  # NaN is put back at the end
    piece = xp.astype(xp.minimum(u * (1 / _ERF_PIECE), _ERF_PIECES - 1), xp.int64)
    flat = xp.reshape(piece, (-1,))

    def at_pieces(row: Any) -> Any:
        return xp.reshape(xp.take(row, flat, axis=0), piece.shape)

    s = u - at_pieces(centres)
    result = at_pieces(coefficients[-1, ...])
    for index in range(coefficients.shape[0] - 2, -1, -1):  # Horner
        result *= s
        result += at_pieces(coefficients[index, ...])
    result = xp.copysign(xp.where(u < end, result, 1.0), v)
    return xp.where(xp.isnan(v), v, result)
