"""The op registry's entries for stir.nn's functions composed of shape primitives: `F.pad`
in each mode, `F.embedding` (a gather whose backward scatter-adds) and `F.dropout` (with a
seeded mask). Embedding's `padding_idx` is left out: its row's zero gradient is a choice,
not a derivative, so central differences disagree with it by design
(tests/test_nn_torch_losses.py compares it with PyTorch's).

op_registry.py adds NN_ENTRIES to its table. Pads, indices and masks are constants derived
from the input's shape, so every entry takes float inputs only.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stir
import stir.nn.functional as F
from op_registry import Layout, _arrays, custom
from op_registry import _torch as t

NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
               "circular": "wrap"}


def _pads(shape: tuple[int, ...], mode: str) -> tuple[int, ...]:
    """A pad for the last one or two dimensions of `shape` that `mode` accepts: reflect's
    amounts below the dimension's size, circular's at most it."""
    dims = 1 if len(shape) < 3 else 2
    limit = {"reflect": -1, "circular": 0}.get(mode, 2)
    pads: list[int] = []
    for axis in range(len(shape) - 1, len(shape) - 1 - dims, -1):
        size = shape[axis]
        top = size + limit if limit <= 0 else 2
        pads += [min(2, top), min(1, top)]
    return tuple(pads)


def _numpy_pad(x: np.ndarray, pads: tuple[int, ...], mode: str, value: float) -> np.ndarray:
    widths = [(0, 0)] * x.ndim
    for pair in range(len(pads) // 2):
        widths[x.ndim - 1 - pair] = (pads[2 * pair], pads[2 * pair + 1])
    extra = {"constant_values": value} if mode == "constant" else {}
    return np.pad(x, widths, mode=NUMPY_MODES[mode], **extra)


def _pad_entry(mode: str) -> Any:
    value = 0.5 if mode == "constant" else None
    return custom(
        f"pad-{mode}",
        lambda x: F.pad(x, _pads(x.shape, mode), mode=mode, value=value),
        lambda x: _numpy_pad(x, _pads(x.shape, mode), mode, value or 0.0),
        lambda x: t().nn.functional.pad(x, _pads(tuple(x.shape), mode), mode=mode,
                                        value=value),
        PAD_LAYOUTS, _padded(), )


@st.composite
def _padded(draw: Any) -> tuple[np.ndarray]:
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=4, min_side=2, max_side=4))
    return (draw(_arrays(shape)),)


PAD_LAYOUTS: list[list[Layout]] = [
    [((2, 3), "c")], [((1, 4), "c")], [((3, 2), "t")], [((2, 2, 3), "c")], [((2, 3, 4), "s")],
    [((1, 2, 3, 3), "c")], [((2, 5), "s")], [((3, 2, 2), "c")],
]


# ----------------------------------------------------------------------------- embedding
def _lookups(rows: int) -> np.ndarray:
    """Indices into a table of `rows` rows, some repeated (their gradients add)."""
    return np.array([[1, 0, rows - 1], [rows - 1, 1, 1]]) % rows


def _embedding() -> Any:
    return custom(
        "embedding",
        lambda w: F.embedding(stir.tensor(_lookups(w.shape[0])), w),
        lambda w: w[_lookups(w.shape[0])],
        lambda w: t().nn.functional.embedding(t().as_tensor(_lookups(w.shape[0])), w),
        TABLE_LAYOUTS, _table())


@st.composite
def _table(draw: Any) -> tuple[np.ndarray]:
    shape = (draw(st.integers(1, 5)), draw(st.integers(1, 3)))
    return (draw(_arrays(shape)),)


TABLE_LAYOUTS: list[list[Layout]] = [
    [((3, 2), "c")], [((1, 1), "c")], [((5, 3), "t")], [((4, 1), "s")], [((2, 4), "c")],
    [((1, 3), "c")], [((6, 2), "s")], [((3, 3), "t")],
]


# ----------------------------------------------------------------------------- dropout
def _dropout_mask(shape: tuple[int, ...], p: float) -> np.ndarray:
    """The mask F.dropout draws from stir.Generator(0): kept where a uniform draw >= p."""
    return np.random.default_rng(0).random(shape) >= p


def _dropout(p: float) -> Any:
    return custom(
        f"dropout-{p}",
        lambda x: F.dropout(x, p, generator=stir.Generator(0)),
        lambda x: x * _dropout_mask(x.shape, p) / (1 - p),
        None,  # PyTorch draws its own mask
        [[((), "c")], [((5,), "c")], [((3, 4), "t")], [((2, 3, 2), "s")], [((1,), "c")],
         [((1, 1), "c")], [((4, 3), "c")], [((6,), "s")]],
        _any_array())


@st.composite
def _any_array(draw: Any) -> tuple[np.ndarray]:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    return (draw(_arrays(shape)),)


NN_ENTRIES = [
    *[_pad_entry(mode) for mode in ("constant", "reflect", "replicate", "circular")],
    _embedding(),
    _dropout(0.3),
]
