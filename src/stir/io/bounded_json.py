"""JSON whose cost the file cannot choose: bounded memory, depth and numbers.

A file's header is JSON, which is cheap to write and dear to read: the three bytes `[],`
become a 56-byte list, a 5 000-digit integer costs quadratic time to convert, `1e400` reads
as infinity, and 500 nested lists exhaust a recursive reader. `loads` refuses all of that
with `ModelFormatError` before (memory, digits) or right after (depth) parsing, and never
builds more than `parse_cost(text)` bytes; `dumps` refuses what `loads` would refuse, so stir
never writes a file it cannot read back.

>>> loads('{"a": [1, 2.5, "x"]}', "example")
{'a': [1, 2.5, 'x']}
>>> loads('{"a": 1, "a": 2}', "example: the header")
Traceback (most recent call last):
...
stir.ModelFormatError: example: the header: repeats the key(s) ['a']
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any

from .errors import ModelFormatError, quote

#: Deepest nesting of lists and objects read or written (a nested Sequential costs two).
MAX_DEPTH = 64
#: Longest integer, in digits: a random generator's 128-bit state needs 39.
MAX_INT_DIGITS = 80
#: A run of digits that could be an integer over MAX_INT_DIGITS digits (or be in a string).
LONG_DIGITS = re.compile(rf"[0-9]{{{MAX_INT_DIGITS + 1}}}")
#: Bytes of Python objects one JSON value may cost at most once parsed (measured: a key and
#: its value in an object cost 107 bytes, an empty list in a list 32, a float 32).
BYTES_PER_VALUE = 128
#: The characters that can each start at most one value (or key) of a JSON text.
VALUE_STARTS = ("[", "{", ",", ":")


def parse_cost(text: str) -> int:
    """An upper bound, in bytes, on the memory `json.loads(text)` takes: each value or key
    starts the text or follows one of `[ { , :` (counted inside strings too, which only
    overestimates), and costs at most BYTES_PER_VALUE besides the characters it holds.

    >>> parse_cost("[[], []]")  # three values, counted as five, and twice the 8 characters
    656
    """
    starts = 1 + sum(text.count(character) for character in VALUE_STARTS)
    return BYTES_PER_VALUE * starts + 2 * len(text)


def loads(text: str, where: str) -> Any:
    """The JSON value in `text`; `where` ("FILE: the header", "FILE: field 'x'") begins
    every error message, which also gives the path to the bad value ("layers.0.bias").
    Refuses repeated keys, integers over MAX_INT_DIGITS digits, numbers that are not finite
    (NaN, Infinity, 1e400) and nesting deeper than MAX_DEPTH. The caller bounds the memory
    first, with `parse_cost`.

    >>> loads('{"layers": [{"width": 1e400}]}', "net.safetensors: field 'architecture'")
    Traceback (most recent call last):
    ...
    stir.ModelFormatError: net.safetensors: field 'architecture': layers.0.width: the number 1e400 is too large for a float
    """
    refused: list[_Refused] = []

    def pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):  # linear: a Counter, not a count() per key
            twice = sorted(key for key, seen in Counter(k for k, _ in pairs).items()
                           if seen > 1)
            raise ModelFormatError(f"{where}: repeats the key(s) {quote(twice)}")
        return result

    def integer(digits: str) -> Any:
        if len(digits.lstrip("-")) > MAX_INT_DIGITS:  # before int(): converting is quadratic
            refused.append(_Refused(f"an integer of {len(digits.lstrip('-'))} digits; stir "
                                    f"reads at most {MAX_INT_DIGITS}"))
            return refused[-1]
        return int(digits)

    def real(digits: str) -> Any:
        value = float(digits)
        if not math.isfinite(value):
            refused.append(_Refused(f"the number {quote(digits)[1:-1]} is too large for a "
                                    "float"))
            return refused[-1]
        return value

    def constant(name: str) -> Any:
        raise ModelFormatError(f"{where}: {name} is not JSON (numbers must be finite)")

    # An integer too long to convert is a run of digits longer than the limit; only a text
    # holding one pays for a Python call per integer (a header has thousands of them).
    long_digits = LONG_DIGITS.search(text) is not None
    try:
        value = json.loads(text, object_pairs_hook=pairs_to_dict,
                           parse_int=integer if long_digits else None,
                           parse_float=real, parse_constant=constant)
    except json.JSONDecodeError as error:
        raise ModelFormatError(f"{where}: not valid JSON: {error.msg} at character "
                               f"{error.pos}") from None
    except RecursionError:
        raise ModelFormatError(f"{where}: nested more than {MAX_DEPTH} levels deep") from None
    if refused or depth(value) > MAX_DEPTH:
        path, reason = _first_problem(value)
        shown = ".".join(quote(key)[1:-1] if isinstance(key, str) else str(key)
                         for key in path[:6]) + (".…" if len(path) > 6 else "")
        raise ModelFormatError(f"{where}: {shown + ': ' if path else ''}{reason}")
    return value


class _Refused:
    """What the parser put in place of a number it would not convert: the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _first_problem(value: Any) -> tuple[list[Any], str]:
    """The path to the first value the parser refused or nested deeper than MAX_DEPTH, and
    why; a depth-first walk whose memory is one iterator per level, not one per value."""
    path: list[Any] = []
    stack: list[Any] = [iter([(None, value)])]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            if path:
                path.pop()
            continue
        key, item = entry
        here = [*path[1:], key] if path else []
        if isinstance(item, _Refused):
            return here, item.reason
        if isinstance(item, (dict, list)):
            if len(stack) > MAX_DEPTH:
                return here, f"nested more than {MAX_DEPTH} levels deep"
            path.append(key)
            stack.append(iter(item.items() if isinstance(item, dict) else enumerate(item)))
    raise AssertionError("no problem found")  # loads calls this only when there is one


def dumps(value: Any, what: str) -> str:
    """`value` as strict JSON text, refusing (ValueError naming `what`) what `loads` would
    refuse: nesting deeper than MAX_DEPTH or integers over MAX_INT_DIGITS digits; a
    TypeError for anything that is not JSON data (NaN and infinity included).

    >>> dumps({"epochs": [1, 2]}, "state")
    '{"epochs": [1, 2]}'
    >>> dumps(2**300, "state")
    Traceback (most recent call last):
    ...
    ValueError: cannot save state: an integer of 91 digits; stir files hold at most 80
    """
    if depth(value) > MAX_DEPTH:
        raise ValueError(f"cannot save {what}: nested more than {MAX_DEPTH} levels deep")
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool) \
                and abs(item) >= 10**MAX_INT_DIGITS:
            raise ValueError(f"cannot save {what}: an integer of {len(str(abs(item)))} digits;"
                             f" stir files hold at most {MAX_INT_DIGITS}")
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:  # ValueError: NaN or infinity
        raise TypeError(f"cannot save {what}: {error} (it must be JSON data: numbers, "
                        "strings, lists and dicts with string keys)") from None


def depth(value: Any) -> int:
    """How deeply lists and dicts nest in `value` (0 for a number), found without recursion,
    one level at a time (a header's thousands of numbers are looked at once each, in a
    comprehension, rather than pushed on a stack one by one).

    >>> depth([1, {"a": [[]]}]), depth(3)
    (4, 0)
    """
    deepest, level = 0, [value]
    while deepest <= MAX_DEPTH:  # deeper than the limit is all the caller needs to know
        containers = [item for item in level if isinstance(item, (dict, list, tuple))]
        if not containers:
            break
        deepest += 1
        level = [child for item in containers
                 for child in (item.values() if isinstance(item, dict) else item)]
    return deepest
