"""The op registry's entries for pooling: `F.max_pool1d/2d` (several kernels, strides,
paddings, dilations, ceil_mode), `F.avg_pool1d/2d` (padding counted or not, ceil_mode,
divisor_override), `F.adaptive_avg_pool1d/2d` (equal bins and unequal ones) and
`F.adaptive_max_pool1d/2d` (a composite of gathers).

Max pooling has a kink where two entries of a window tie, so its inputs hold distinct
values, 0.1 apart at least (ties are compared with PyTorch in tests/test_pooling.py). The
adjoints (`MaxPoolAdjoint`, `AvgPoolAdjoint`) are reached as the gradient of the pooling with
respect to the input, a function of the output's gradient g (the input fixed). The NumPy
references loop over the windows one by one: slow, and independent of stir's strided views.

op_registry.py adds POOLING_ENTRIES to its table.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st

import stir
import stir.nn.functional as F
from op_registry import Layout, OpSpec, _arrays, custom
from op_registry import _torch as t

# ----------------------------------------------------------------------------- references
def _reference(x: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...],
               padding: tuple[int, ...], dilation: tuple[int, ...], ceil_mode: bool,
               reduce: Callable[[np.ndarray, tuple[int, ...]], Any],
               fill: float) -> np.ndarray:
    """Pool the last len(kernel) axes window by window: `reduce(values, window position)`
    of the entries each window reads (`fill` where it reads padding)."""
    spatial = len(kernel)
    sizes = x.shape[-spatial:]
    out = []
    for n, k, s, p, d in zip(sizes, kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        count = (span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (count - 1) * s >= n + p:
            count -= 1
        out.append(count)
    result = np.zeros(x.shape[:-spatial] + tuple(out))
    for position in itertools.product(*(range(o) for o in out)):
        entries = []
        for offset in itertools.product(*(range(k) for k in kernel)):
            index = tuple(o * s - p + i * d for o, s, p, i, d in
                          zip(position, stride, padding, offset, dilation))
            inside = all(0 <= i < n for i, n in zip(index, sizes))
            entries.append(x[(Ellipsis,) + index] if inside
                           else np.full(x.shape[:-spatial], fill))
        result[(Ellipsis,) + position] = reduce(np.stack(entries, axis=-1), position)
    return result


def _numpy_max(x: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...],
               padding: tuple[int, ...], dilation: tuple[int, ...],
               ceil_mode: bool) -> np.ndarray:
    return _reference(x, kernel, stride, padding, dilation, ceil_mode,
                      lambda values, _: values.max(axis=-1), -np.inf)


def _numpy_avg(x: np.ndarray, kernel: tuple[int, ...], stride: tuple[int, ...],
               padding: tuple[int, ...], ceil_mode: bool, include_pad: bool,
               divisor: int | None) -> np.ndarray:
    spatial = len(kernel)
    sizes = x.shape[-spatial:]

    def mean(values: np.ndarray, position: tuple[int, ...]) -> np.ndarray:
        count = 1
        for o, n, k, s, p in zip(position, sizes, kernel, stride, padding):
            start, end = o * s - p, min(o * s - p + k, n + p)
            if not include_pad:
                start, end = max(start, 0), min(end, n)
            count *= end - start
        return values.sum(axis=-1) / (divisor or count)
    return _reference(x, kernel, stride, padding, (1,) * spatial, ceil_mode, mean, 0.0)


def _numpy_adaptive(x: np.ndarray, out: tuple[int, ...], reduce: Any = np.mean) -> np.ndarray:
    spatial = len(out)
    sizes = x.shape[-spatial:]
    result = np.zeros(x.shape[:-spatial] + out)
    for position in itertools.product(*(range(o) for o in out)):
        bins = tuple(slice(i * n // o, -(-(i + 1) * n // o))
                     for i, n, o in zip(position, sizes, out))
        axes = tuple(range(x.ndim - spatial, x.ndim))
        result[(Ellipsis,) + position] = reduce(x[(Ellipsis,) + bins], axis=axes)
    return result


# ----------------------------------------------------------------------------- samples
def _distinct_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Entries 0.1 apart at least, in random order: no window has a tie."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 - 0.05 * size
            + rng.uniform(0, 0.02, size)).reshape(shape)


def _laid_out(base: np.ndarray, kind: str) -> np.ndarray:
    if kind == "t":
        return base.T  # (the sample was drawn in the reversed shape)
    if kind == "s":
        return base[::2]
    return base


def _distinct_samples(layouts: list[Layout]) -> Callable[[np.random.Generator], list[Any]]:
    def samples(rng: np.random.Generator) -> list[tuple[np.ndarray]]:
        chosen = []
        for shape, kind in layouts:
            drawn = shape[::-1] if kind == "t" else (
                (shape[0] * 2,) + shape[1:] if kind == "s" else shape)
            chosen.append((_laid_out(_distinct_values(rng, drawn), kind),))
        return chosen
    return samples


def _distinct(x: np.ndarray) -> bool:
    return x.size < 2 or bool(np.min(np.diff(np.sort(x.ravel()))) > 1e-3)


@st.composite
def _pooled_input(draw: Any, spatial: int, smallest: int = 1) -> tuple[np.ndarray]:
    lead = draw(st.sampled_from([(), (1,), (2,), (2, 1), (1, 2)]))
    sizes = tuple(draw(st.integers(smallest, 5)) for _ in range(spatial))
    if len(lead) == 0:
        lead = (draw(st.integers(1, 2)),)  # (C, *spatial): channels are required
    return (draw(_arrays(lead + sizes)),)


@st.composite
def _distinct_input(draw: Any, spatial: int, smallest: int) -> tuple[np.ndarray]:
    (shape_source,) = draw(_pooled_input(spatial, smallest))
    seed = draw(st.integers(0, 2**32 - 1))
    return (_distinct_values(np.random.default_rng(seed), shape_source.shape),)


# 2-d layouts: batched and not, size-1 axes, transposed and strided views.
LAYOUTS_2D: list[Layout] = [
    ((2, 2, 5, 4), "c"), ((1, 1, 4, 4), "c"), ((2, 5, 4), "c"), ((1, 4, 4), "c"),
    ((1, 2, 4, 5), "t"), ((2, 1, 5, 4), "s"), ((1, 2, 5, 3), "c"), ((2, 4, 4), "s"),
]
LAYOUTS_1D: list[Layout] = [
    ((2, 3, 7), "c"), ((1, 1, 5), "c"), ((3, 8), "c"), ((1, 6), "c"),
    ((4, 2, 3), "t"), ((4, 2, 9), "s"), ((2, 1, 6), "c"), ((3, 5), "t"),
]


def _max_entry(name: str, spatial: int, kernel: tuple[int, ...], stride: tuple[int, ...],
               padding: tuple[int, ...], dilation: tuple[int, ...],
               ceil_mode: bool = False) -> OpSpec:
    function = "max_pool2d" if spatial == 2 else "max_pool1d"
    arguments = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                     ceil_mode=ceil_mode)
    reach = max(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    spec = OpSpec(
        name,
        lambda x: getattr(F, function)(x, **arguments),
        lambda x: _numpy_max(x, kernel, stride, padding, dilation, ceil_mode),
        lambda x: getattr(t().nn.functional, function)(x, **arguments),
        _distinct_samples(LAYOUTS_2D if spatial == 2 else LAYOUTS_1D),
        _distinct_input(spatial, reach))
    spec.valid = _distinct
    return spec


def _avg_entry(name: str, spatial: int, kernel: tuple[int, ...], stride: tuple[int, ...],
               padding: tuple[int, ...], ceil_mode: bool = False, include_pad: bool = True,
               divisor: int | None = None) -> OpSpec:
    function = "avg_pool2d" if spatial == 2 else "avg_pool1d"
    arguments: dict[str, Any] = dict(kernel_size=kernel, stride=stride, padding=padding,
                                     ceil_mode=ceil_mode, count_include_pad=include_pad)
    if divisor is not None:
        arguments["divisor_override"] = divisor
    return custom(
        name,
        lambda x: getattr(F, function)(x, **arguments),
        lambda x: _numpy_avg(x, kernel, stride, padding, ceil_mode, include_pad, divisor),
        lambda x: getattr(t().nn.functional, function)(x, **arguments),
        [[layout] for layout in (LAYOUTS_2D if spatial == 2 else LAYOUTS_1D)],
        _pooled_input(spatial, max(kernel)))


def _adaptive_entry(name: str, out: tuple[int, ...]) -> OpSpec:
    spatial = len(out)
    function = "adaptive_avg_pool2d" if spatial == 2 else "adaptive_avg_pool1d"
    return custom(
        name,
        lambda x: getattr(F, function)(x, out),
        lambda x: _numpy_adaptive(x, out),
        lambda x: getattr(t().nn.functional, function)(x, out),
        [[layout] for layout in (LAYOUTS_2D if spatial == 2 else LAYOUTS_1D)],
        _pooled_input(spatial))


def _adaptive_max_entry(name: str, out: tuple[int, ...]) -> OpSpec:
    spatial = len(out)
    function = "adaptive_max_pool2d" if spatial == 2 else "adaptive_max_pool1d"
    spec = OpSpec(
        name,
        lambda x: getattr(F, function)(x, out),
        lambda x: _numpy_adaptive(x, out, np.max),
        lambda x: getattr(t().nn.functional, function)(x, out),
        _distinct_samples(LAYOUTS_2D if spatial == 2 else LAYOUTS_1D),
        _distinct_input(spatial, 1))
    spec.valid = _distinct
    return spec


# ----------------------------------------------------------------------------- adjoints
FIXED_INPUT_2D = (1, 2, 6, 5)  # the input whose pooling's gradient the adjoint entries take


def _fixed_input(dtype: Any) -> np.ndarray:
    return _distinct_values(np.random.default_rng(7), FIXED_INPUT_2D).astype(dtype)


def _max_adjoint_reference(g: np.ndarray) -> np.ndarray:
    """The gradient of max_pool2d(x, 3, stride=2, padding=1) for output gradient g: each
    g added at its window's largest entry."""
    x = _fixed_input(np.float64)
    result = np.zeros(x.shape)
    for i, j in itertools.product(range(g.shape[-2]), range(g.shape[-1])):
        for n, c in itertools.product(range(x.shape[0]), range(x.shape[1])):
            rows = range(max(2 * i - 1, 0), min(2 * i + 2, x.shape[2]))
            columns = range(max(2 * j - 1, 0), min(2 * j + 2, x.shape[3]))
            best = max(((r, q) for r in rows for q in columns), key=lambda p: x[n, c][p])
            result[n, c][best] += g[n, c, i, j]
    return result


def _avg_adjoint_reference(g: np.ndarray) -> np.ndarray:
    """The gradient of avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False): each
    g / (its window's count of real entries) added to every real entry of its window."""
    result = np.zeros(FIXED_INPUT_2D)
    height, width = FIXED_INPUT_2D[2:]
    for i, j in itertools.product(range(g.shape[-2]), range(g.shape[-1])):
        rows = slice(max(2 * i - 1, 0), min(2 * i + 2, height))
        columns = slice(max(2 * j - 1, 0), min(2 * j + 2, width))
        count = (rows.stop - rows.start) * (columns.stop - columns.start)
        result[:, :, rows, columns] += g[:, :, i, j][:, :, None, None] / count
    return result


def _stir_adjoint(pool: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def gradient(g: Any) -> Any:
        values = stir._array.beside(_fixed_input(np.float64), g.array, g.array.dtype)
        x = stir.Tensor(values).requires_grad_()  # (beside g: the array seam's test too)
        (grad,) = stir.grad(pool(x), x, grad_outputs=g, create_graph=True)
        return grad
    return gradient


def _torch_adjoint(pool: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def gradient(g: Any) -> Any:
        torch = t()
        x = torch.tensor(_fixed_input(np.float32), requires_grad=True)
        (grad,) = torch.autograd.grad(pool(x), x, grad_outputs=g, create_graph=True)
        return grad
    return gradient


def _adjoint_entry(name: str, pool: Callable[..., Any], torch_pool: Callable[..., Any],
                   reference: Callable[[np.ndarray], np.ndarray]) -> OpSpec:
    out = (1, 2, 3, 3)  # the pooled shape of FIXED_INPUT_2D (kernel 3, stride 2, padding 1)
    layouts: list[list[Layout]] = [[(out, "c")], [(out, "t")]] + [[(out, "c")]] * 6
    spec = custom(name, _stir_adjoint(pool), reference, _torch_adjoint(torch_pool),
                  layouts, st.tuples(_arrays(out)))
    return spec


POOLING_ENTRIES: list[OpSpec] = [
    _max_entry("max_pool2d-k2", 2, (2, 2), (2, 2), (0, 0), (1, 1)),
    _max_entry("max_pool2d-k3-s1-p1", 2, (3, 3), (1, 1), (1, 1), (1, 1)),
    _max_entry("max_pool2d-k2x3-s1x2-p1x1-d2x1", 2, (2, 3), (1, 2), (1, 1), (2, 1)),
    _max_entry("max_pool2d-k3-s2-p1-ceil", 2, (3, 3), (2, 2), (1, 1), (1, 1), True),
    _max_entry("max_pool1d-k3-s2-p1", 1, (3,), (2,), (1,), (1,)),
    _max_entry("max_pool1d-k2-d2-ceil", 1, (2,), (2,), (0,), (2,), True),
    _avg_entry("avg_pool2d-k2", 2, (2, 2), (2, 2), (0, 0)),
    _avg_entry("avg_pool2d-k3-s2-p1", 2, (3, 3), (2, 2), (1, 1)),
    _avg_entry("avg_pool2d-k3-s2-p1-exclude-pad-ceil", 2, (3, 3), (2, 2), (1, 1), True, False),
    _avg_entry("avg_pool2d-k2x3-s1x2-divisor", 2, (2, 3), (1, 2), (0, 1), divisor=4),
    _avg_entry("avg_pool1d-k3-s2-p1-ceil", 1, (3,), (2,), (1,), True),
    _adaptive_entry("adaptive_avg_pool2d-3x2", (3, 2)),
    _adaptive_entry("adaptive_avg_pool2d-1", (1, 1)),
    _adaptive_entry("adaptive_avg_pool1d-3", (3,)),
    _adaptive_max_entry("adaptive_max_pool2d-3x2", (3, 2)),
    _adaptive_max_entry("adaptive_max_pool1d-4", (4,)),
    _adjoint_entry("max_pool2d-adjoint",
                   lambda x: F.max_pool2d(x, 3, stride=2, padding=1),
                   lambda x: t().nn.functional.max_pool2d(x, 3, stride=2, padding=1),
                   _max_adjoint_reference),
    _adjoint_entry("avg_pool2d-adjoint",
                   lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
                   lambda x: t().nn.functional.avg_pool2d(x, 3, stride=2, padding=1,
                                                          count_include_pad=False),
                   _avg_adjoint_reference),
]
