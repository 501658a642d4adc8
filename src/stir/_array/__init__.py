"""The array seam: the one place on the compute path that names NumPy for maths.

The primitives' forward and backward, the engine and the optimizers' updates compute on raw
arrays through `namespace(x)`, the array-API namespace of x: for a NumPy array `NUMPY`
(each function of the standard in NumPy's fastest spelling), for any other array its own
`__array_namespace__()` (array-api-strict in the tests, CuPy on a GPU). "Is this an array a
tensor may hold?" is `type(x) in ARRAY_TYPES`; the NumPy-only shortcuts a hot path may take
test `type(x) is NDARRAY`, inline, and do what the generic form does. io/, data/ and plotting
stay on NumPy: they meet arrays only at the host boundary, through `to_numpy`.

Files: `namespaces.py` (what an array is, its namespace, conversions to and from the host),
`in_place.py` (updates in place), `windows.py` (sliding windows for convolution and
pooling, their adjoint, zero padding), `maths.py` (what the standard lacks or NumPy does faster:
sums over rows, scatter-add, erf, cross-entropy's per-row picks, ...). Everything is used
as `_array.name`.

>>> import numpy as np
>>> xp = namespace(np.ones(3))
>>> xp.sum(xp.exp(np.zeros(2)), axis=None)
np.float64(2.0)
"""

from .in_place import NUMPY_IN_PLACE, clip_into, copy_into, update
from .maths import (add_per_row, class_mask, erf, exp_of_negative, indices_below,
                    pick_per_row, reducible, scatter_add, shared_ones_like, softmax_parts,
                    sum_of_squares, sum_rows, sum_to, zero)
from .namespaces import (ARRAY_TYPES, NDARRAY, NUMPY, SCALARS, as_array, beside,
                         constant_like, device, dtype_in, errstate, is_array, is_floating,
                         is_numpy, kind, mask, matmul, may_share_memory, namespace, register,
                         to_numpy, to_text, values)
from .windows import add_windows, crop, output_size, pad_zeros, windows

__all__ = [
    "ARRAY_TYPES", "NDARRAY", "NUMPY", "NUMPY_IN_PLACE", "SCALARS", "add_per_row",
    "add_windows", "as_array", "crop", "output_size", "pad_zeros", "windows",
    "beside", "class_mask", "clip_into", "constant_like", "copy_into", "device", "dtype_in",
    "erf", "errstate", "exp_of_negative", "indices_below", "is_array", "is_floating",
    "is_numpy", "kind", "mask", "matmul", "may_share_memory", "namespace", "pick_per_row",
    "reducible", "register", "scatter_add", "shared_ones_like", "softmax_parts",
    "sum_of_squares", "sum_rows", "sum_to", "to_numpy", "to_text", "update", "values", "zero",
]
