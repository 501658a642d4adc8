"""What an array is, and where its functions are: NumPy's fast namespace, `namespace(x)` for
any array, the array types a tensor may hold, and conversions to and from the host.

>>> import numpy as np
>>> xp = namespace(np.ones(3))
>>> xp.sum(xp.exp(np.zeros(2)), axis=None)
np.float64(2.0)
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

_ndarray = np.ndarray
_generic = np.generic
#: NumPy's array type and the types of its scalars and of Python numbers, for fast paths.
NDARRAY = np.ndarray
SCALARS = (int, float, bool, np.generic)

#: The array types a tensor may hold: NumPy's, and others as they join on first use
#: (`register`; a set that grows in place, so every module sees the types that joined).
ARRAY_TYPES: set[type] = {np.ndarray}


def _sum(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return np.add.reduce(x, axis=axis, keepdims=keepdims)  # as x.sum, without its wrapper


#: The longest last axis that `_max` and `_min` reduce slice by slice.
SHORT_AXIS = 8


def _extreme(ufunc: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """ufunc.reduce(x, axis), where ufunc is np.maximum or np.minimum. Over a short last
    axis (a maxout's pieces, a pooling window's row) NumPy's reduce walks the axis one
    element at a time, 20 to 60 times slower than comparing its slices whole (measured on
    (3700, 32, 2) float32: 3.2 ms against 53 µs); the slices are compared in the same order,
    first to last, so the result is the same to the bit."""
    if type(x) is _ndarray and x.ndim > 1 and 1 < x.shape[-1] <= SHORT_AXIS:
        axes = axis if isinstance(axis, tuple) else (axis,)
        if len(axes) == 1 and axes[0] in (-1, x.ndim - 1):
            result = x[..., 0]
            for k in range(1, x.shape[-1]):
                result = ufunc(result, x[..., k])
            return result[..., None] if keepdims else result
    return ufunc.reduce(x, axis=axis, keepdims=keepdims)


def _max(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return _extreme(np.maximum, x, axis, keepdims)


def _min(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    return _extreme(np.minimum, x, axis, keepdims)


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
        "logical_and", "logical_not", "logical_or", "maximum", "minimum", "negative", "ones",
        "ones_like", "pow", "result_type", "sign", "sin", "sqrt", "square", "squeeze", "stack",
        "take", "take_along_axis", "tanh", "where", "zeros", "zeros_like")},
    sum=_sum, max=_max, min=_min, any=_any, all=_all, reshape=_reshape, astype=_astype,
    permute_dims=_permute_dims, matmul=matmul,
)


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
    ARRAY_TYPES.add(array_type)
    if namespace is not None:
        _NAMESPACES[array_type] = namespace


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
