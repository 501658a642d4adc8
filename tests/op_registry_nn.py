"""The op registry's entries for stir.nn's functions composed of shape primitives: `F.pad`
in each mode, `F.embedding` (a gather whose backward scatter-adds), `F.dropout` and
`F.dropout2d` (with seeded masks) and `F.interpolate` (gathers along each spatial axis,
weighted in the linear modes; its reference is one interpolation matrix per axis, contracted
at once). Embedding's `padding_idx` is left out: its row's zero gradient is a choice, not a
derivative, so central differences disagree with it by design (tests/test_nn_torch_losses.py
compares it with PyTorch's).

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


def _dropout2d(p: float) -> Any:
    return custom(
        f"dropout2d-{p}",
        lambda x: F.dropout2d(x, p, generator=stir.Generator(0)),
        lambda x: x * (np.random.default_rng(0).random(x.shape[:2]) >= p)[:, :, None, None]
        / (1 - p),
        None,  # PyTorch draws its own mask
        SPATIAL_LAYOUTS[4], _spatial(4))


# ----------------------------------------------------------------------------- interpolate
#: An output size for each input size: up, down, the same, and to 1.
RESIZED = {1: 3, 2: 5, 3: 2, 4: 7, 5: 4, 6: 1}


def _resized(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(RESIZED.get(n, n + 1) for n in shape[2:])


def _factors(shape: tuple[int, ...]) -> tuple[float, ...]:
    """Scale factors: 1.7 (up), and 0.6 (down) for the height of a 4-D input."""
    return (1.7,) if len(shape) == 3 else (0.6, 1.7)


def _matrix(n: int, m: int, mode: str, scale: float | None, align_corners: bool) -> np.ndarray:
    """The (m, n) matrix taking n input entries to m outputs, from PyTorch's index formulas
    (nearest in float32, as its kernel; linear in float64, as its kernel for doubles)."""
    A = np.zeros((m, n))
    for i in range(m):
        if mode == "nearest":  # PyTorch's nearest_idx, with its two shortcuts
            s = np.float32(1 / scale) if scale else np.float32(n) / np.float32(m)
            A[i, i if m == n else i // 2 if m == 2 * n else
              min(int(np.floor(np.float32(i) * s)), n - 1)] = 1
            continue
        if align_corners:
            x = i * (n - 1) / (m - 1) if m > 1 else 0.0
        else:
            x = max((i + 0.5) * (1 / scale if scale else n / m) - 0.5, 0.0)
        low = int(x)
        A[i, low] += 1 - (x - low)
        A[i, min(low + 1, n - 1)] += x - low
    return A


def _numpy_interpolate(x: np.ndarray, sizes: tuple[int, ...], scales: tuple[float, ...] | None,
                       mode: str, align_corners: bool = False) -> np.ndarray:
    matrices = [_matrix(n, m, mode, scales[k] if scales else None, align_corners)
                for k, (n, m) in enumerate(zip(x.shape[2:], sizes))]
    letters = "hwd"[:len(sizes)]
    outputs = "HWD"[:len(sizes)]
    spec = ",".join(f"{o}{i}" for o, i in zip(outputs, letters))
    return np.einsum(f"nc{letters},{spec}->nc{outputs}", x, *matrices)


def _interpolate_entry(mode: str, rank: int, by_scale: bool = False,
                       align_corners: bool | None = None) -> Any:
    corners = "" if align_corners is None else f"-corners-{align_corners}"
    name = f"interpolate-{mode}-{rank}d{'-scale' if by_scale else ''}{corners}"

    def arguments(shape: tuple[int, ...]) -> dict[str, Any]:
        chosen = {"scale_factor": _factors(shape)} if by_scale else {"size": _resized(shape)}
        return dict(chosen, mode=mode, align_corners=align_corners)

    def reference(x: np.ndarray) -> np.ndarray:
        scales = _factors(x.shape) if by_scale else None
        sizes = (tuple(int(np.floor(n * f)) for n, f in zip(x.shape[2:], scales)) if scales
                 else _resized(x.shape))
        return _numpy_interpolate(x, sizes, scales, "nearest" if mode == "nearest" else
                                  "linear", bool(align_corners))
    return custom(
        name,
        lambda x: F.interpolate(x, **arguments(x.shape)),
        reference,
        lambda x: t().nn.functional.interpolate(x, **arguments(tuple(x.shape))),
        SPATIAL_LAYOUTS[rank], _spatial(rank, min_height=2 if by_scale else 1))


@st.composite
def _spatial(draw: Any, rank: int, min_height: int = 1) -> tuple[np.ndarray]:
    shape = [draw(st.integers(1, 3)), draw(st.integers(1, 3))]
    shape += [draw(st.integers(min_height, 5))] + [draw(st.integers(1, 5))
                                                   for _ in range(rank - 3)]
    return (draw(_arrays(tuple(shape))),)


SPATIAL_LAYOUTS: dict[int, list[list[Layout]]] = {
    3: [[((2, 3, 4), "c")], [((1, 1, 1), "c")], [((1, 2, 3), "t")], [((2, 1, 5), "s")],
        [((3, 2, 2), "c")], [((1, 3, 6), "c")], [((2, 2, 3), "s")], [((1, 1, 4), "t")]],
    4: [[((2, 3, 4, 2), "c")], [((1, 1, 2, 1), "c")], [((1, 2, 3, 5), "t")],
        [((2, 1, 4, 3), "s")], [((1, 2, 2, 2), "c")], [((3, 1, 5, 6), "c")],
        [((2, 2, 3, 1), "s")], [((1, 1, 6, 4), "t")]],
}


NN_ENTRIES = [
    *[_pad_entry(mode) for mode in ("constant", "reflect", "replicate", "circular")],
    _embedding(),
    _dropout(0.3),
    _dropout2d(0.4),
    _interpolate_entry("nearest", 3),
    _interpolate_entry("nearest", 4),
    _interpolate_entry("nearest", 3, by_scale=True),
    _interpolate_entry("nearest", 4, by_scale=True),
    _interpolate_entry("linear", 3, align_corners=False),
    _interpolate_entry("bilinear", 4, align_corners=False),
    _interpolate_entry("bilinear", 4, align_corners=True),
    _interpolate_entry("bilinear", 4, by_scale=True, align_corners=False),
]
