"""Maths the array standard lacks or does slower on NumPy: sums over rows and down to a
broadcast shape, scatter-add (the adjoint of indexing), the seed of a backward pass, a zero
for ReLU, e^(-m) without underflow, erf, and the per-row picks of cross-entropy. Each NumPy
fast form says what the generic form beside it computes: the same numbers.

>>> import numpy as np
>>> sum_to(np.ones((4, 3)), (1, 3))
array([[4., 4., 4.]])
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .namespaces import NUMPY, beside, device, kind, namespace

_ndarray = np.ndarray

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
    index = tuple(xp.broadcast_arrays(*index)) if len(index) > 1 else index
    if math.prod(index[0].shape) == 0:  # nothing picked: nothing to add
        return z
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


# ---------------------------------------------------------------- losses
def sum_of_squares(x: Any, divisor: int | None = None) -> Any:
    """Σ x² over every element (divided by `divisor` when given), as a 0-d array of x's
    namespace. On NumPy by BLAS's vdot of the raveled array: faster than (x * x).sum(), the
    same sum; elsewhere by the standard's vecdot."""
    if type(x) is _ndarray or isinstance(x, np.generic):  # (0-d arithmetic gives scalars)
        total = np.vdot(x, x)
        return np.asarray(total if divisor is None else total / divisor)  # not NumPy's scalar
    xp = namespace(x)
    flat = xp.reshape(x, (-1,))
    total = xp.vecdot(flat, flat)
    return total if divisor is None else total / divisor


#: Each signed integer dtype's unsigned twin of the same size, to view indices as.
_UNSIGNED = {np.dtype(f"i{size}"): np.dtype(f"u{size}") for size in (1, 2, 4, 8)}


def indices_below(indices: Any, bound: int) -> bool:
    """True when every integer in `indices` lies in [0, bound). On NumPy, read as unsigned (a
    view, which the standard lacks) a negative index is huge, so one maximum checks both
    ends, as the minimum and maximum do elsewhere."""
    if indices.size == 0:
        return True
    if type(indices) is _ndarray:
        dtype = indices.dtype
        unsigned = indices.view(_UNSIGNED[dtype]) if dtype.kind == "i" else indices
        return bool(np.maximum.reduce(unsigned, axis=None) < bound)
    xp = namespace(indices)
    return bool(xp.max(indices) < bound) and (
        kind(indices.dtype) == "u" or bool(xp.min(indices) >= 0))


@functools.lru_cache(maxsize=32)
def _row_starts(rows: int, columns: int) -> np.ndarray:
    """The flat index of the first entry of each row of a C-ordered (rows, columns) array."""
    starts = np.arange(0, rows * columns, columns)
    starts.flags.writeable = False  # shared between calls
    return starts


def pick_per_row(x: Any, columns: Any) -> Any:
    """x[i, columns[i]] for each row i of the matrix x. On NumPy by a flat `take` with cached
    row starts (no `take_along_axis`, nearly three times slower for a batch of logits);
    elsewhere by the standard's `take_along_axis`: the same numbers."""
    if type(x) is _ndarray:
        return x.ravel().take(columns + _row_starts(*x.shape))
    return namespace(x).take_along_axis(x, columns[..., None], axis=1)[:, 0]


def add_per_row(x: Any, columns: Any, addend: Any) -> Any:
    """x with addend[i] added at x[i, columns[i]] for each row i of the matrix x (in place on
    a C-ordered NumPy array, by a flat take and put; elsewhere, as the standard has no
    scatter, a new array by a `where` over a one-hot mask: the same sums)."""
    if type(x) is _ndarray and x.flags.c_contiguous:
        flat = x.reshape(-1)  # a view
        picks = columns + _row_starts(*x.shape)
        flat.put(picks, flat.take(picks) + addend)  # faster than flat[picks] += addend
        return x
    xp = namespace(x)
    column = addend if isinstance(addend, (int, float)) else xp.reshape(addend, (-1, 1))
    return xp.where(class_mask(columns, x.shape[1]), x + column, x)


def class_mask(indices: Any, classes: int) -> Any:
    """The (n, classes) bool mask of n class indices (all in range): True at [i, indices_i]."""
    xp = namespace(indices)
    columns = xp.arange(classes, device=device(indices))
    if indices.dtype != columns.dtype:  # indices < classes fit; the standard mixes no sign
        indices = xp.astype(indices, columns.dtype)
    return indices[..., None] == columns


@functools.lru_cache(maxsize=32)
def _ones(length: int, dtype: Any) -> np.ndarray:
    ones = np.ones(length, dtype=dtype)
    ones.flags.writeable = False  # shared between calls
    return ones


def softmax_parts(x: Any) -> tuple[Any, Any, Any]:
    """For logits x of shape (n, c): the row maxima m, e = exp(x - m), and Σ e per row (as a
    product with a vector of ones: BLAS does that faster than a sum). NumPy's underflow flag
    is silenced around the exponential (of numbers ≤ 0, whose underflow to 0 is right).

    On NumPy the maxima are picked with argmax and `pick_per_row`: NumPy's max along a short
    last axis is several times slower, and gives the same numbers."""
    xp = namespace(x)
    if xp is NUMPY and type(x) is _ndarray:
        x = np.ascontiguousarray(x)  # so that BLAS sums each row in one order, whatever x's
        top = pick_per_row(x, x.argmax(axis=1))
        exps = x - top[:, None]
        with np.errstate(under="ignore"):
            np.exp(exps, out=exps)
        return top, exps, exps @ _ones(x.shape[1], x.dtype)
    top = xp.max(x, axis=1)
    with np.errstate(under="ignore"):
        exps = xp.exp(x - top[..., None])
    return top, exps, xp.matmul(exps, xp.ones(x.shape[1], dtype=x.dtype, device=device(x)))


#: The integer dtype of each float dtype's size, to select floats by their bits.
_BITS = {np.dtype(np.float16): np.dtype(np.int16), np.dtype(np.float32): np.dtype(np.int32),
         np.dtype(np.float64): np.dtype(np.int64)}


def keep_where(kept: Any, values: Any) -> Any:
    """`values` where the bool array `kept` holds, else 0 (broadcasting both): a selection,
    so a dropped infinite or NaN value becomes 0, where `values * kept` would give NaN
    (inf * 0 is NaN). The backward of ReLU, clamp, maximum and minimum.

    On a NumPy float array, as the product of its bits, read as integers, with the mask
    (1 or 0): branch-free, and as fast as the float product on a layer's gradients
    (`np.where` is several times slower on a random mask, whose branches are mispredicted).
    Into a float array of its own, not a view, which the engine can adopt as a `.grad`.

    >>> keep_where(np.array([False, True]), np.array([np.inf, np.inf]))
    array([ 0., inf])
    """
    integer = _BITS.get(values.dtype) if type(values) is _ndarray else None
    if integer is not None:
        shape = values.shape
        if kept.shape != shape:
            shape = np.broadcast_shapes(kept.shape, shape)
        out = np.empty(shape, dtype=values.dtype)
        np.multiply(values.view(integer), kept, out=out.view(integer))
        return out
    xp = namespace(values)
    return xp.where(kept, values, xp.zeros((), dtype=values.dtype, device=device(values)))


def standard_function(x: Any, name: str) -> Any:
    """The array-API function `name` ("floor", "log2", "remainder", ...) for the array x:
    NumPy's own for NumPy arrays (NumPy 2 spells the standard's names), else x's namespace's.
    For the functions the NUMPY namespace does not list.

    >>> standard_function(np.ones(2), "floor")(np.array([1.5, -1.5]))
    array([ 1., -2.])
    """
    xp = namespace(x)
    return getattr(np if xp is NUMPY else xp, name)


def multiply_at(z: Any, index: Any, values: Any) -> None:
    """z[index] *= values in place, repeated positions multiplying each time (the
    multiplying twin of scatter-add, for `scatter(reduce="multiply")`); NumPy arrays only,
    as the standard has no unbuffered update."""
    if type(z) is not _ndarray:
        raise NotImplementedError("a multiplying scatter needs NumPy arrays")
    np.multiply.at(z, index, values)


def bincount(positions: Any, length: int, weights: Any = None) -> Any:
    """How many times each of 0 … length-1 occurs in the 1-d integer array `positions`
    (each occurrence counting its weight, when given): NumPy's bincount, or on other
    namespaces a sum over a one-hot comparison.

    >>> bincount(np.array([1, 1, 3]), 5)
    array([0, 2, 0, 1, 0])
    """
    if type(positions) is _ndarray:
        if weights is None:
            return np.bincount(positions, minlength=length)[:length].astype(np.int64)
        return np.bincount(positions, weights=weights, minlength=length)[:length]
    xp = namespace(positions)
    hits = xp.reshape(positions, (-1, 1)) == xp.arange(length, device=device(positions))
    if weights is None:
        return xp.sum(xp.astype(hits, xp.int64), axis=0)
    return xp.sum(xp.where(hits, xp.reshape(weights, (-1, 1)), 0), axis=0)


def einsum(equation: str, *operands: Any) -> Any:
    """The sum of products that an explicit einsum `equation` of single letters names
    ("ij,jk->ik": no ellipsis, no spaces, an output always given), size-1 dimensions
    broadcasting against their letter's size: NumPy's einsum, or on other namespaces (the
    standard has none) each operand's diagonals taken for repeated letters, the operands
    laid out on one axis per letter, multiplied, and summed over the letters not in the
    output.

    >>> einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    if all(type(x) is _ndarray for x in operands):
        return np.einsum(equation, *operands, optimize=len(operands) > 2)
    inputs, output = equation.split("->")
    xp = namespace(operands[0])
    letters = list(dict.fromkeys(inputs.replace(",", "")))
    product = None
    for subscripts, x in zip(inputs.split(","), operands):
        subscripts, x = _diagonals(xp, subscripts, x)
        order = sorted(range(len(subscripts)), key=lambda a: letters.index(subscripts[a]))
        x = xp.permute_dims(x, tuple(order))
        sizes = {subscripts[a]: x.shape[i] for i, a in enumerate(order)}
        x = xp.reshape(x, tuple(sizes.get(letter, 1) for letter in letters))
        product = x if product is None else product * x
    summed = tuple(i for i, letter in enumerate(letters) if letter not in output)
    if summed:
        product = xp.sum(product, axis=summed)
    kept = [letter for letter in letters if letter in output]
    return xp.permute_dims(product, tuple(kept.index(letter) for letter in output))


def _diagonals(xp: Any, subscripts: str, x: Any) -> tuple[str, Any]:
    """x with each repeated letter's diagonal taken (x_ii → d_i), and its letters."""
    while len(set(subscripts)) < len(subscripts):
        letter = next(s for s in subscripts if subscripts.count(s) > 1)
        first = subscripts.index(letter)
        second = subscripts.index(letter, first + 1)
        size = x.shape[first]
        index = xp.arange(size, device=device(x))
        shape = [1] * x.ndim
        shape[first] = shape[second] = size
        row, column = list(shape), list(shape)
        row[second], column[first] = 1, 1
        on_diagonal = xp.reshape(index, tuple(row)) == xp.reshape(index, tuple(column))
        x = xp.sum(x * xp.astype(on_diagonal, x.dtype), axis=second)
        subscripts = subscripts[:second] + subscripts[second + 1:]
    return subscripts, x
