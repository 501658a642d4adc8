"""Nested plain data with arrays in it, split into JSON and a flat dict of arrays.

Checkpoints hold things like an optimizer's state dict: dicts (some with integer keys),
lists, tuples, numbers, strings, None and NumPy arrays or tensors. `split_arrays` replaces
each array by a reference {"$array": KEY} and collects the arrays under their KEYs, so the
rest is JSON for the file's header and the arrays are tensors of the file; `join_arrays`
puts them back. Only these types are accepted, so loading never builds arbitrary objects.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from .errors import ModelFormatError, quote

ARRAY, DICT, TUPLE, FLOAT = "$array", "$dict", "$tuple", "$float"


def split_arrays(value: Any, prefix: str, arrays: dict[str, np.ndarray]) -> Any:
    """JSON-ready `value`, with every array moved into `arrays` under a key from `prefix`.

    >>> arrays = {}
    >>> split_arrays({0: {"buffer": np.ones(2)}, "lr": 0.1}, "opt", arrays)
    {'$dict': [[0, {'buffer': {'$array': 'opt.0.buffer'}}], ['lr', 0.1]]}
    >>> list(arrays)
    ['opt.0.buffer']
    """
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray):
        if prefix in arrays:
            raise ValueError(f"two arrays would be saved under the name {prefix!r}")
        arrays[prefix] = value
        return {ARRAY: prefix}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {FLOAT: repr(value)}  # 'inf', '-inf', 'nan': strict JSON has no such numbers
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [split_arrays(item, f"{prefix}.{index}", arrays)
                 for index, item in enumerate(value)]
        return {TUPLE: items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: split_arrays(item, f"{prefix}.{key}", arrays)
                    for key, item in value.items()}
        for key in value:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"cannot save the dict key {key!r} at {prefix!r}: keys must "
                                "be strings or integers")
        return {DICT: [[key, split_arrays(item, f"{prefix}.{key}", arrays)]
                       for key, item in value.items()]}
    raise TypeError(f"cannot save {type(value).__name__} at {prefix!r}: a checkpoint holds "
                    "numbers, strings, None, lists, tuples, dicts and arrays or tensors")


def join_arrays(value: Any, arrays: dict[str, np.ndarray], name: str,
                used: set[str] | None = None) -> Any:
    """The inverse of `split_arrays`; `name` (the file) is used in error messages, and the
    keys of the arrays referred to are added to `used`. A tensor may be referred to once.

    >>> arrays = {}
    >>> data = {"step": 3, "state": {0: (np.zeros(1), 1.5)}}
    >>> join_arrays(split_arrays(data, "x", arrays), arrays, "example")
    {'step': 3, 'state': {0: (array([0.]), 1.5)}}
    """
    used = set() if used is None else used
    if isinstance(value, list):
        return [join_arrays(item, arrays, name, used) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (tag, content), = value.items()
        if tag == ARRAY:
            if not isinstance(content, str) or content not in arrays:
                raise ModelFormatError(f"{name}: the header refers to a tensor "
                                       f"{quote(content)} that the file does not hold")
            if content in used:
                raise ModelFormatError(f"{name}: the header refers to the tensor "
                                       f"{quote(content)} twice")
            used.add(content)
            return arrays[content]
        if tag == TUPLE and isinstance(content, list):
            return tuple(join_arrays(item, arrays, name, used) for item in content)
        if tag == FLOAT and content in ("inf", "-inf", "nan"):
            return float(content)
        if tag == DICT and isinstance(content, list) and all(
                isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], (str, int))
                and not isinstance(pair[0], bool) for pair in content):
            joined = {key: join_arrays(item, arrays, name, used) for key, item in content}
            if len(joined) != len(content):
                raise ModelFormatError(f"{name}: a {DICT} entry repeats a key")
            return joined
        if tag.startswith("$"):
            raise ModelFormatError(f"{name}: malformed {quote(tag)} entry in the header")
    return {key: join_arrays(item, arrays, name, used) for key, item in value.items()}
