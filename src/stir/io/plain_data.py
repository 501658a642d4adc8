"""Nested plain data with arrays in it, split into JSON and a flat dict of arrays.

Checkpoints hold things like an optimizer's state dict: dicts (some with integer keys),
lists, tuples, numbers, strings, None and NumPy arrays or tensors. `split_arrays` replaces
each array by a reference {"$array": KEY} and collects the arrays under their KEYs, so the
rest is JSON for the file's header and the arrays are tensors of the file; `join_arrays`
puts them back. Only these types are accepted, so loading never builds arbitrary objects.

With `keep_tensors` (what `stir.save` of any object uses), a tensor is marked apart from an
array ({"$tensor": KEY}, or {"$tensor+grad": KEY} for one that requires grad) and an
OrderedDict (a state dict) is marked {"$ordered": ...}, so that each loads back as what it
was; checkpoints keep the plain form.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np

from ..tensor import Tensor
from .errors import ModelFormatError, quote

ARRAY, DICT, TUPLE, FLOAT = "$array", "$dict", "$tuple", "$float"
TENSOR, GRAD_TENSOR, ORDERED = "$tensor", "$tensor+grad", "$ordered"


def split_arrays(value: Any, prefix: str, arrays: dict[str, np.ndarray],
                 keep_tensors: bool = False) -> Any:
    """JSON-ready `value`, with every array moved into `arrays` under a key from `prefix`
    (the path to it, joined by dots; with prefix "", a dict's arrays are named by their keys
    alone, as a state dict's are, and a lone array "tensor"; a name already taken gets
    "#2", "#3", ... added).

    >>> arrays = {}
    >>> split_arrays({0: {"buffer": np.ones(2)}, "lr": 0.1}, "opt", arrays)
    {'$dict': [[0, {'buffer': {'$array': 'opt.0.buffer'}}], ['lr', 0.1]]}
    >>> list(arrays)
    ['opt.0.buffer']
    """
    if isinstance(value, Tensor) and keep_tensors:
        name = _unused(prefix or "tensor", arrays)
        arrays[name] = value.array
        return {GRAD_TENSOR if value.requires_grad else TENSOR: name}
    if isinstance(value, Tensor):
        value = value.array
    if isinstance(value, np.ndarray):
        name = _unused(prefix or "tensor", arrays)
        arrays[name] = value
        return {ARRAY: name}
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {FLOAT: repr(value)}  # 'inf', '-inf', 'nan': strict JSON has no such numbers
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        items = [split_arrays(item, _child(prefix, index), arrays, keep_tensors)
                 for index, item in enumerate(value)]
        return {TUPLE: items} if isinstance(value, tuple) else items
    if isinstance(value, OrderedDict) and keep_tensors:
        return {ORDERED: split_arrays(dict(value), prefix, arrays, keep_tensors)}
    if isinstance(value, dict):
        if all(isinstance(key, str) and not key.startswith("$") for key in value):
            return {key: split_arrays(item, _child(prefix, key), arrays, keep_tensors)
                    for key, item in value.items()}
        for key in value:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"cannot save the dict key {key!r} at {prefix!r}: keys must "
                                "be strings or integers")
        return {DICT: [[key, split_arrays(item, _child(prefix, key), arrays, keep_tensors)]
                       for key, item in value.items()]}
    raise TypeError(f"cannot save {type(value).__name__} at {prefix!r}: a checkpoint holds "
                    "numbers, strings, None, lists, tuples, dicts and arrays or tensors")


def _child(prefix: str, key: Any) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _unused(name: str, arrays: dict[str, np.ndarray]) -> str:
    """`name`, or, when an array already has it, the first free `name#2`, `name#3`, ..."""
    if name not in arrays:
        return name
    number = 2
    while f"{name}#{number}" in arrays:
        number += 1
    return f"{name}#{number}"


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
        if tag in (ARRAY, TENSOR, GRAD_TENSOR):
            if not isinstance(content, str) or content not in arrays:
                raise ModelFormatError(f"{name}: the header refers to a tensor "
                                       f"{quote(content)} that the file does not hold")
            if content in used:
                raise ModelFormatError(f"{name}: the header refers to the tensor "
                                       f"{quote(content)} twice")
            used.add(content)
            array = arrays[content]
            if tag == ARRAY:
                return array
            if tag == GRAD_TENSOR and array.dtype.kind != "f":
                raise ModelFormatError(f"{name}: the tensor {quote(content)} is marked as "
                                       f"requiring grad but holds {array.dtype}; only "
                                       "floating-point tensors can require grad")
            return Tensor(array, requires_grad=tag == GRAD_TENSOR)
        if tag == ORDERED:
            joined = join_arrays(content, arrays, name, used)
            if not isinstance(joined, dict):
                raise ModelFormatError(f"{name}: malformed {quote(tag)} entry in the header "
                                       "(it must hold a dict)")
            return OrderedDict(joined)
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
