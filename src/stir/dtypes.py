"""Dtypes by PyTorch's names, and the default floating dtype.

stir's dtypes are NumPy's (`stir.float32 == np.dtype("float32")`), under PyTorch's names
and aliases: `stir.float` is float32, `stir.double` float64, `stir.half` float16, `stir.long`
int64, `stir.int` int32, `stir.bool` bool. (Unlike PyTorch, `str(x.dtype)` reads "float32",
NumPy's name, not "torch.float32".) Python floats become the default dtype, float32 unless
`set_default_dtype` says otherwise, as in PyTorch.

>>> import stir
>>> stir.float is stir.float32, stir.long, stir.get_default_dtype()
(True, dtype('int64'), dtype('float32'))
"""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)

_default = [float32]  # the one setting, in a list so that it is changed in place
_FLOATS_ALLOWED = (float16, float32, float64)


def get_default_dtype() -> np.dtype[Any]:
    """The dtype Python floats become (float32 unless `set_default_dtype` changed it)."""
    return _default[0]


def set_default_dtype(dtype: Any) -> None:
    """Make Python floats, and float fills and samples, become `dtype` (float32, float64 or
    float16, as PyTorch allows).

    >>> import stir
    >>> stir.set_default_dtype(stir.float64); stir.tensor([0.5]).dtype
    dtype('float64')
    >>> stir.set_default_dtype(stir.float32)
    """
    try:
        resolved = None if dtype is None else np.dtype(dtype)  # (np.dtype(None) is float64)
    except TypeError:
        resolved = None
    if resolved is None or resolved not in _FLOATS_ALLOWED:  # (a dtype == None is float64)
        raise TypeError(f"set_default_dtype: only floating dtypes (float32, float64, float16) "
                        f"can be the default, as in PyTorch; got {dtype!r}")
    _default[0] = resolved


# PyTorch's aliases. They shadow the builtins float, int and bool in this module (below this
# line, where nothing uses those) and in stir/__init__.py; stir's other modules import
# `dtypes` itself, never these names.
half, float, double = float16, float32, float64  # noqa: A001
short, int, long, bool = int16, int32, int64, bool_  # noqa: A001
