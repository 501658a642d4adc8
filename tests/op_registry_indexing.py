"""The op registry's entries for the indexing operations (PyTorch's names, issue 12), added to
its table by op_registry.py.

The index of each entry is a fixed function of its input's shape (`_cyclic`), so that NumPy,
stir and PyTorch all see the same one; scatters write each position at most once (repeated
positions have no defined gradient), while gathers and adds repeat some on purpose."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stir
from op_registry import OpSpec, custom, distinct, unary


def _torch() -> Any:
    import torch

    return torch


def _cyclic(shape: tuple[int, ...], dim: int, length: int, size: int, step: int = 1) -> Any:
    """An int64 index of `shape` with `length` along `dim`: (step·i + Σ other coordinates) %
    size. With step 1 and length ≤ size its entries along dim are distinct for each choice
    of the other coordinates."""
    shape = list(shape)
    shape[dim] = length
    grid = np.indices(shape)
    others = sum(grid[d] for d in range(len(shape)) if d != dim)
    return ((step * grid[dim] + others) % size).astype(np.int64)


def _full_index(index: np.ndarray, dim: int) -> tuple[np.ndarray, ...]:
    grid = list(np.indices(index.shape))
    grid[dim] = index
    return tuple(grid)


def _front(array: Any, shape: tuple[int, ...]) -> Any:
    return array[tuple(slice(0, n) for n in shape)]


# ---------------------------------------------------------------------- gather and scatter
def _gather_index(shape: tuple[int, ...]) -> np.ndarray:
    return _cyclic(shape, len(shape) - 1, 2 * shape[-1], shape[-1], step=2)


def _scatter_index(shape: tuple[int, ...]) -> np.ndarray:
    return _cyclic(shape, 0, (shape[0] + 1) // 2, shape[0])


def _scatter_reference(x: np.ndarray, src: np.ndarray) -> np.ndarray:
    index = _scatter_index(x.shape)
    z = x.copy()
    z[_full_index(index, 0)] = _front(src, index.shape)
    return z


def _scatter_add_index(shape: tuple[int, ...]) -> np.ndarray:
    return _cyclic(shape, 0, shape[0] + 2, shape[0])  # longer than x: repeats


def _scatter_add_reference(x: np.ndarray, src: np.ndarray) -> np.ndarray:
    index = _scatter_add_index(x.shape)
    z = x.copy()
    np.add.at(z, _full_index(index, 0), _front(src, index.shape))
    return z


def _select_index(length: int) -> np.ndarray:
    return np.array([length - 1, 0, 0, length // 2], dtype=np.int64)


def _index_add_index(length: int, rows: int) -> np.ndarray:
    return (np.arange(rows) * 3 % length).astype(np.int64)


def _index_add_reference(x: np.ndarray, source: np.ndarray) -> np.ndarray:
    z = x.copy()
    np.add.at(z, _index_add_index(len(x), len(source)), 0.5 * source)
    return z


def _mask(shape: tuple[int, ...]) -> np.ndarray:
    return (np.arange(int(np.prod(shape))).reshape(shape) % 3) == 1


PAIR_LAYOUTS = [  # (x, src) of one shape
    [((4, 3), "c"), ((4, 3), "c")], [((1,), "c"), ((1,), "c")], [((5,), "c"), ((5,), "s")],
    [((3, 4), "t"), ((3, 4), "c")], [((2, 1, 3), "c"), ((2, 1, 3), "c")],
    [((1, 1), "c"), ((1, 1), "c")], [((4, 2), "s"), ((4, 2), "t")],
    [((3, 2), "c"), ((3, 2), "s")],
]
#: (x, source) where source has x's shape but for 2 or 5 rows
INDEX_ADD_LAYOUTS = [
    [((4, 3), "c"), ((5, 3), "c")], [((1,), "c"), ((2,), "c")], [((5,), "s"), ((2,), "c")],
    [((3, 4), "t"), ((5, 4), "c")], [((2, 1, 3), "c"), ((2, 1, 3), "c")],
    [((1, 1), "c"), ((5, 1), "s")], [((4, 2), "s"), ((2, 2), "t")], [((3, 2), "c"), ((5, 2), "c")],
]
#: (x, value) with value 0-d
FILL_LAYOUTS = [
    [((4, 3), "c"), ((), "c")], [((), "c"), ((), "c")], [((5,), "s"), ((), "c")],
    [((3, 4), "t"), ((), "c")], [((2, 1, 3), "c"), ((), "c")], [((1, 1), "c"), ((), "c")],
    [((4, 2), "s"), ((), "c")], [((3, 2), "c"), ((), "c")],
]
MATRIX_LAYOUTS = [
    [((3, 4), "c")], [((1, 1), "c")], [((4, 3), "t")], [((2, 3, 2), "s")], [((2, 1, 3), "c")],
    [((5, 2), "c")], [((2, 5), "c")], [((3, 3), "s")],
]


def _arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=st.floats(-2, 2))


@st.composite
def _same_shape_pair(draw: Any, min_dims: int = 1) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=1, max_side=4))
    return draw(_arrays(shape)), draw(_arrays(shape))


@st.composite
def _rows_pair(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    rows = draw(st.integers(1, 5))
    return draw(_arrays(shape)), draw(_arrays((rows,) + shape[1:]))


@st.composite
def _with_scalar(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    return draw(_arrays(shape)), draw(_arrays(()))


def _matrices() -> st.SearchStrategy[tuple[np.ndarray]]:
    shapes = hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4)
    return shapes.flatmap(_arrays).map(lambda a: (a,))


@st.composite
def _vector_pair(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    return (draw(_arrays((draw(st.integers(1, 4)),))),
            draw(_arrays((draw(st.integers(1, 4)),))))


def _gathers() -> list[OpSpec]:
    t, tensor = _torch, stir.tensor
    return [
        unary("gather", lambda x: x.gather(-1, tensor(_gather_index(x.shape))),
              lambda x: np.take_along_axis(x, _gather_index(x.shape), -1),
              lambda x: x.gather(-1, t().as_tensor(_gather_index(tuple(x.shape)))),
              min_dims=1),
        custom("scatter", lambda x, s: x.scatter(0, tensor(_scatter_index(x.shape)), s),
               _scatter_reference,
               # (PyTorch's backward fails for a src larger than the index: its part, then)
               lambda x, s: x.scatter(0, t().as_tensor(_scatter_index(tuple(x.shape))),
                                      _front(s, _scatter_index(tuple(x.shape)).shape)),
               PAIR_LAYOUTS, _same_shape_pair()),
        unary("scatter-value", lambda x: x.scatter(0, tensor(_scatter_index(x.shape)), 1.5),
              lambda x: np.where(_scatter_reference(np.zeros_like(x), np.ones_like(x)) == 1,
                                 1.5, x),
              lambda x: x.scatter(0, t().as_tensor(_scatter_index(tuple(x.shape))), 1.5),
              min_dims=1),
        custom("scatter-add-along",
               lambda x, s: x.scatter_add(0, tensor(_scatter_add_index(x.shape)), s),
               _scatter_add_reference,
               lambda x, s: x.scatter_add(0, t().as_tensor(_scatter_add_index(tuple(x.shape))),
                                          _front(s, _scatter_add_index(tuple(x.shape)).shape)),
               [[((4, 3), "c"), ((6, 3), "c")], [((1,), "c"), ((3,), "c")],
                [((5,), "s"), ((7,), "c")], [((3, 4), "t"), ((5, 4), "c")],
                [((2, 1, 3), "c"), ((4, 1, 3), "c")], [((1, 1), "c"), ((3, 1), "s")],
                [((4, 2), "s"), ((6, 2), "t")], [((3, 2), "c"), ((5, 3), "c")]],
               _rows_pair().filter(lambda p: p[1].shape[0] >= p[0].shape[0] + 2
                                   and p[1].shape[1:] == p[0].shape[1:])),
        unary("index-select", lambda x: x.index_select(0, tensor(_select_index(len(x)))),
              lambda x: x[_select_index(len(x))],
              lambda x: x.index_select(0, t().as_tensor(_select_index(len(x)))), min_dims=1),
        custom("index-add", lambda x, s: x.index_add(
                   0, tensor(_index_add_index(len(x), len(s))), s, alpha=0.5),
               _index_add_reference,
               lambda x, s: x.index_add(0, t().as_tensor(_index_add_index(len(x), len(s))), s,
                                        alpha=0.5),
               INDEX_ADD_LAYOUTS, _rows_pair()),
        # (value reshaped to 0-d: the PyTorch oracle's inputs are at least 1-d)
        custom("masked-fill",
               lambda x, v: x.masked_fill(tensor(_mask(x.shape)), v.reshape(())),
               lambda x, v: np.where(_mask(x.shape), v, x),
               lambda x, v: x.masked_fill(t().as_tensor(_mask(tuple(x.shape))), v.reshape(())),
               FILL_LAYOUTS, _with_scalar()),
        unary("masked-select", lambda x: x.masked_select(tensor(~_mask(x.shape[-1:]))),
              lambda x: x[np.broadcast_to(~_mask(x.shape[-1:]), x.shape)],
              lambda x: x.masked_select(t().as_tensor(~_mask(tuple(x.shape)[-1:])))),
        unary("take-along-dim", lambda x: stir.take_along_dim(x, tensor(_select_index(x.numel()))),
              lambda x: x.reshape(-1)[_select_index(x.size)],
              lambda x: t().take_along_dim(x, t().as_tensor(_select_index(x.numel())))),
        unary("sort", lambda x: x.sort(dim=0, descending=True).values,
              lambda x: -np.sort(-x, axis=0) if x.ndim else x,
              lambda x: x.sort(dim=0, descending=True).values, valid=distinct),
        unary("topk", lambda x: x.topk((x.shape[-1] + 1) // 2 if x.ndim else 1).values,
              lambda x: (-np.sort(-x, axis=-1))[..., :(x.shape[-1] + 1) // 2] if x.ndim else x,
              lambda x: x.topk((x.shape[-1] + 1) // 2 if x.ndim else 1).values,
              valid=distinct),
    ]


# ---------------------------------------------------------------------- layout and joins
def _half(x: Any) -> int:
    return (x.shape[0] + 1) // 2


def _ends(x: Any) -> tuple[int, ...]:
    return (0, -1) if x.ndim > 1 else (0,)


def _layouts() -> list[OpSpec]:
    t = _torch
    return [
        unary("repeat", lambda x: x.repeat(2, *([1] * (x.ndim - 1)), 3) if x.ndim else x.repeat(2),
              lambda x: np.tile(x, (2,) + (1,) * (x.ndim - 1) + (3,)) if x.ndim
              else np.tile(x, 2),
              lambda x: x.repeat(2, *([1] * (x.ndim - 1)), 3) if x.ndim else x.repeat(2)),
        unary("repeat-interleave", lambda x: x.repeat_interleave(2, dim=0),
              lambda x: np.repeat(x, 2, axis=0),
              lambda x: x.repeat_interleave(2, dim=0), min_dims=1),
        unary("repeat-interleave-counts",
              lambda x: x.repeat_interleave(stir.tensor((np.arange(len(x)) + 1) % 3), dim=0),
              lambda x: np.repeat(x, (np.arange(len(x)) + 1) % 3, axis=0),
              lambda x: x.repeat_interleave(t().as_tensor((np.arange(len(x)) + 1) % 3), dim=0),
              min_dims=1),
        unary("flip", lambda x: x.flip(_ends(x)), lambda x: np.flip(x, _ends(x)),
              lambda x: x.flip(_ends(x)), min_dims=1),
        unary("roll", lambda x: x.roll((1, -2), (0, -1)),
              lambda x: np.roll(x, (1, -2), (0, -1)), lambda x: x.roll((1, -2), (0, -1)),
              min_dims=1),
        unary("roll-flat", lambda x: x.roll(2), lambda x: np.roll(x, 2), lambda x: x.roll(2)),
        custom("movedim", lambda x: x.movedim(0, -1), lambda x: np.moveaxis(x, 0, -1),
               lambda x: x.movedim(0, -1), MATRIX_LAYOUTS, _matrices()),
        unary("narrow", lambda x: x.narrow(0, len(x) // 2, _half(x)),
              lambda x: x[len(x) // 2:len(x) // 2 + _half(x)],
              lambda x: x.narrow(0, len(x) // 2, _half(x)), min_dims=1),
        custom("tril", lambda x: x.tril(), np.tril, lambda x: x.tril(), MATRIX_LAYOUTS,
               _matrices()),
        custom("triu", lambda x: x.triu(1), lambda x: np.triu(x, 1), lambda x: x.triu(1),
               MATRIX_LAYOUTS, _matrices()),
        unary("split", lambda x: stir.cat(x.split(2)[::-1]),
              lambda x: np.concatenate(np.split(x, range(2, len(x), 2))[::-1]),
              lambda x: t().cat(x.split(2)[::-1]), min_dims=1),
        unary("split-sizes", lambda x: stir.cat(x.split([1, len(x) - 1])[::-1]),
              lambda x: np.concatenate([x[1:], x[:1]]),
              lambda x: t().cat(x.split([1, len(x) - 1])[::-1]), min_dims=1),
        unary("chunk-unbind", lambda x: stir.stack(x.unbind(0)[::-1]) * x.chunk(2)[0][:1],
              lambda x: x[::-1] * x[:1], lambda x: t().stack(x.unbind(0)[::-1])
              * x.chunk(2)[0][:1], min_dims=1),
        custom("cat-dim", lambda *xs: stir.cat(xs, dim=-1),
               lambda *xs: np.concatenate(xs, axis=-1), lambda *xs: t().cat(xs, dim=-1),
               [[((1,), "c"), ((2,), "c"), ((1,), "c")], [((3, 2), "c"), ((3, 1), "t")],
                [((3,), "s")], [((2, 2, 2), "c"), ((2, 2, 1), "c")],
                [((1, 1), "c"), ((1, 2), "c")], [((3, 4), "t"), ((3, 2), "c")],
                [((2,), "c"), ((2,), "s")], [((2, 1), "c")]],
               _same_shape_pair().map(lambda p: (p[0], p[1][..., :1]))),
        custom("stack-dim", lambda *xs: stir.stack(xs, dim=1),
               lambda *xs: np.stack(xs, axis=1), lambda *xs: t().stack(xs, dim=1),
               PAIR_LAYOUTS, _same_shape_pair()),
        custom("meshgrid", lambda a, b: (lambda g: g[0] * g[1] + g[0])(
                   stir.meshgrid(a, b, indexing="xy")),
               lambda a, b: (lambda g: g[0] * g[1] + g[0])(np.meshgrid(a, b, indexing="xy")),
               lambda a, b: (lambda g: g[0] * g[1] + g[0])(t().meshgrid(a, b, indexing="xy")),
               [[((3,), "c"), ((2,), "c")], [((1,), "c"), ((4,), "s")], [((), "c"), ((3,), "c")],
                [((2,), "s"), ((2,), "c")], [((4,), "c"), ((1,), "c")],
                [((1,), "c"), ((1,), "c")], [((5,), "c"), ((3,), "s")],
                [((2,), "c"), ((), "c")]],
               _vector_pair()),
        unary("contiguous", lambda x: x.T.contiguous() * 1, lambda x: x.T * 1,
              lambda x: x.T.contiguous() * 1 if x.ndim == 2 else x.permute(
                  *range(x.ndim - 1, -1, -1)).contiguous() * 1),
    ]


INDEXING_ENTRIES: list[OpSpec] = _gathers() + _layouts()
