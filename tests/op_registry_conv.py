"""The op registry's entries for convolution: `F.conv1d`, `F.conv2d` (stride, padding,
'same', dilation, groups, with and without bias), `F.conv_transpose1d`, `F.conv_transpose2d`
(stride, output padding, groups, dilation), and the weight gradient of a convolution as a
function of its own (it is the one primitive, `ConvolutionWeight`, that no forward reaches).

The NumPy references are direct sums over output positions and kernel offsets, written from
the definitions; the hyperparameters are baked into each entry's functions, and the weights
and biases are inputs, so they are gradchecked too. Samples are tiny: gradgradcheck is
quadratic in the input's size.
"""
from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np
from hypothesis import strategies as st

import stir
import stir.nn.functional as F
from op_registry import Layout, custom
from op_registry import _torch as t


def _pairs(padding: Any, kernel: tuple[int, ...], dilation: tuple[int, ...]) -> list[Any]:
    if padding == "same":  # PyTorch's: d·(k - 1) zeros, the odd one after
        return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                for k, d in zip(kernel, dilation)]
    if padding == "valid":
        return [(0, 0)] * len(kernel)
    return [(p, p) for p in padding]


def _offsets(kernel: tuple[int, ...]) -> Any:
    return itertools.product(*(range(n) for n in kernel))


def _every(start: tuple[int, ...], step: tuple[int, ...], count: list[int]) -> tuple[Any, ...]:
    """The index of `count` positions from `start`, `step` apart, on each spatial axis."""
    return (slice(None), slice(None)) + tuple(slice(a, a + s * (n - 1) + 1, s)
                                              for a, s, n in zip(start, step, count))


def numpy_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, stride: tuple[int, ...],
               padding: Any, dilation: tuple[int, ...], groups: int) -> np.ndarray:
    """y[n, o, i] = b[o] + Σ_{c, k} w[o, c, k] x_padded[n, group(o)·C/G + c, i·s + k·d]:
    for each kernel offset k, the inputs it meets at every output position i at once."""
    if x.ndim == w.ndim - 1:
        return numpy_conv(x[None], w, b, stride, padding, dilation, groups)[0]
    kernel = w.shape[2:]
    padded = np.pad(x, [(0, 0), (0, 0)] + _pairs(padding, kernel, dilation))
    out = [(n - d * (k - 1) - 1) // s + 1
           for n, k, s, d in zip(padded.shape[2:], kernel, stride, dilation)]
    grouped = w.reshape((groups, -1) + w.shape[1:])  # (G, O/G, C/G, *K)
    y = np.zeros((x.shape[0], groups, w.shape[0] // groups, *out))
    for k in _offsets(kernel):
        start = tuple(c * d for c, d in zip(k, dilation))
        met = padded[_every(start, stride, out)]
        met = met.reshape((x.shape[0], groups, -1) + met.shape[2:])  # (N, G, C/G, *out)
        y += np.einsum("ngc...,goc->ngo...", met, grouped[(Ellipsis,) + k])
    y = y.reshape((x.shape[0], w.shape[0], *out))
    if b is not None:
        y += b.reshape((-1,) + (1,) * len(kernel))
    return y


def numpy_conv_transpose(x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                         stride: tuple[int, ...], padding: tuple[int, ...],
                         output_padding: tuple[int, ...], groups: int,
                         dilation: tuple[int, ...]) -> np.ndarray:
    """Each input value x[n, c, i] times the kernel w[c, :, k] added at i·s + k·d, then
    `padding` cropped away."""
    if x.ndim == w.ndim - 1:
        return numpy_conv_transpose(x[None], w, b, stride, padding, output_padding, groups,
                                    dilation)[0]
    kernel, sizes = w.shape[2:], list(x.shape[2:])
    full = [(n - 1) * s + d * (k - 1) + 1 + e
            for n, k, s, d, e in zip(sizes, kernel, stride, dilation, output_padding)]
    grouped = w.reshape((groups, -1) + w.shape[1:])  # (G, C/G, O/G, *K)
    inputs = x.reshape((x.shape[0], groups, -1) + x.shape[2:])
    y = np.zeros((x.shape[0], groups, w.shape[1], *full))
    for k in _offsets(kernel):
        start = tuple(c * d for c, d in zip(k, dilation))
        share = np.einsum("ngc...,gco->ngo...", inputs, grouped[(Ellipsis,) + k])
        y[(slice(None),) + _every(start, stride, sizes)] += share
    y = y.reshape((x.shape[0], -1, *full))
    y = y[(Ellipsis,) + tuple(slice(p, n - p) for p, n in zip(padding, full))]
    if b is not None:
        y += b.reshape((-1,) + (1,) * len(kernel))
    return y


def _quietly(function: Any, *arguments: Any, **options: Any) -> Any:
    """PyTorch's result, without its warning that 'same' padding may copy the input."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using padding='same'")
        return function(*arguments, **options)


def _tuple(value: Any, spatial: int) -> Any:
    return (value,) * spatial if isinstance(value, int) else value


def _values(draw: Any, *shapes: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Arrays of `shapes`, uniform in [-2, 2] from a drawn seed: drawing each of a few hundred
    elements through Hypothesis would take most of the property test's time."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return tuple(rng.uniform(-2.0, 2.0, size=shape) for shape in shapes)


@st.composite
def _conv_inputs(draw: Any, spatial: int, options: dict[str, Any], bias: bool,
                 transposed: bool) -> tuple[np.ndarray, ...]:
    groups = options.get("groups", 1)
    stride, dilation = (_tuple(options.get(k, 1), spatial) for k in ("stride", "dilation"))
    n, per_in, per_out = (draw(st.integers(1, 2)) for _ in range(3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(spatial))
    if transposed:
        padding = _tuple(options.get("padding", 0), spatial)
        # enough input that the output, less its cropped padding, is not empty
        sizes = tuple(draw(st.integers(max(1, p + 1), 3)) for p in padding)
        w = (groups * per_in, per_out) + kernel
    else:
        reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
        sizes = tuple(draw(st.integers(r, r + 2)) for r in reach)
        w = (groups * per_out, per_in) + kernel
    shapes = [(n, groups * per_in) + sizes, w] + ([(per_out * groups,)] if bias else [])
    return _values(draw, *shapes)


def _conv_entry(name: str, spatial: int, layouts: list[list[Layout]], bias: bool = True,
                **options: Any) -> Any:
    function = {1: "conv1d", 2: "conv2d"}[spatial]
    stride, dilation = (_tuple(options.get(k, 1), spatial) for k in ("stride", "dilation"))
    padding = options.get("padding", 0)
    padding = padding if isinstance(padding, str) else _tuple(padding, spatial)
    groups = options.get("groups", 1)

    def reference(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        return numpy_conv(x, w, b, stride, padding, dilation, groups)
    return custom(
        name,
        lambda x, w, b=None: getattr(F, function)(x, w, b, **options),
        reference,
        lambda x, w, b=None: _quietly(getattr(t().nn.functional, function), x, w, b, **options),
        layouts, _conv_inputs(spatial, options, bias, False))


def _transposed_entry(name: str, spatial: int, layouts: list[list[Layout]], bias: bool = True,
                      **options: Any) -> Any:
    function = {1: "conv_transpose1d", 2: "conv_transpose2d"}[spatial]
    stride, dilation, padding, extra = (_tuple(options.get(k, d), spatial) for k, d in (
        ("stride", 1), ("dilation", 1), ("padding", 0), ("output_padding", 0)))
    groups = options.get("groups", 1)

    def reference(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        return numpy_conv_transpose(x, w, b, stride, padding, extra, groups, dilation)
    return custom(
        name,
        lambda x, w, b=None: getattr(F, function)(x, w, b, **options),
        reference,
        lambda x, w, b=None: getattr(t().nn.functional, function)(x, w, b, **options),
        layouts, _conv_inputs(spatial, options, bias, True))


# ----------------------------------------------------------------------------- weight grad
WEIGHT = (4, 1, 2, 2)  # the weight whose gradient the entry computes (groups=2)
WEIGHT_OPTIONS = {"stride": (2, 1), "padding": (1, 0), "groups": 2}


def _weight_gradient(x: Any, g: Any) -> Any:
    """∂⟨g, conv2d(x, w)⟩/∂w, as a function of x and g (differentiable in both)."""
    xp = x.array.__array_namespace__()  # NumPy's or array-api-strict's (tests/test_array_api)
    w = stir.Tensor(xp.zeros(WEIGHT, dtype=x.array.dtype, device=x.array.device))
    w.requires_grad_()
    y = F.conv2d(x, w, **WEIGHT_OPTIONS)
    return stir.grad(y, w, grad_outputs=g, create_graph=True)[0]


def _numpy_weight_gradient(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """v[o, c, k] = Σ_{n, i} g[n, o, i] x_padded[n, group(o)·C/G + c, i·s + k]."""
    padded = np.pad(x, [(0, 0), (0, 0), (1, 1), (0, 0)])
    v = np.zeros(WEIGHT)
    for o, c, p, q in itertools.product(*(range(n) for n in WEIGHT)):
        channel = (o // 2) * WEIGHT[1] + c
        rows = padded[:, channel, p::2][:, :g.shape[2]]
        v[o, c, p, q] = np.sum(g[:, o] * rows[:, :, q:q + g.shape[3]])
    return v


def _torch_weight_gradient(x: Any, g: Any) -> Any:
    return t().nn.grad.conv2d_weight(x, WEIGHT, g, **WEIGHT_OPTIONS)


@st.composite
def _weight_inputs(draw: Any) -> tuple[np.ndarray, ...]:
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(2, 4))
    out = ((h + 2 - 2) // 2 + 1, w - 1)
    return _values(draw, (n, 2, h, w), (n, 4) + out)


def _weight_layouts() -> list[list[Layout]]:
    layouts = []
    for n, h, w, kind in [(1, 3, 3, "c"), (2, 4, 2, "s"), (1, 1, 2, "c"), (2, 2, 3, "c"),
                          (1, 4, 4, "t"), (2, 3, 2, "c"), (1, 2, 4, "s"), (1, 3, 2, "c")]:
        out = ((h + 2 - 2) // 2 + 1, w - 1)
        layouts.append([((n, 2, h, w), kind), ((n, 4) + out, "c")])
    return layouts


# ----------------------------------------------------------------------------- the table
CONV1D = [[((2, 2, 5), "c"), ((3, 2, 3), "c"), ((3,), "c")],
          [((1, 1, 4), "c"), ((1, 1, 2), "c"), ((1,), "c")],
          [((2, 3, 4), "s"), ((2, 3, 1), "c"), ((2,), "c")],
          [((3, 2, 3), "t"), ((2, 2, 2), "c"), ((2,), "s")],
          [((2, 4), "c"), ((2, 2, 3), "t"), ((2,), "c")],
          [((1, 2, 6), "c"), ((1, 2, 3), "s"), ((1,), "c")],
          [((2, 1, 3), "c"), ((4, 1, 3), "c"), ((4,), "c")],
          [((1, 3, 1), "c"), ((2, 3, 1), "c"), ((2,), "c")]]
CONV1D_GROUPS = [[((1, 2, 7), "c"), ((4, 1, 2), "c")], [((2, 4, 5), "s"), ((2, 2, 2), "c")],
                 [((1, 2, 3), "c"), ((2, 1, 1), "t")], [((2, 2, 6), "t"), ((4, 1, 3), "c")],
                 [((2, 5), "c"), ((2, 1, 2), "c")], [((1, 4, 4), "c"), ((4, 2, 1), "c")],
                 [((2, 2, 8), "c"), ((2, 1, 3), "s")], [((1, 2, 5), "c"), ((6, 1, 2), "c")]]
CONV2D = [[((2, 2, 4, 4), "c"), ((3, 2, 3, 3), "c"), ((3,), "c")],
          [((1, 1, 3, 3), "c"), ((1, 1, 2, 2), "c"), ((1,), "c")],
          [((2, 2, 3, 4), "s"), ((2, 2, 2, 3), "c"), ((2,), "c")],
          [((2, 3, 3, 2), "t"), ((2, 3, 1, 2), "c"), ((2,), "s")],
          [((2, 4, 3), "c"), ((2, 2, 2, 2), "t"), ((2,), "c")],
          [((1, 1, 5, 3), "c"), ((2, 1, 3, 1), "s"), ((2,), "c")],
          [((2, 1, 3, 3), "c"), ((4, 1, 3, 3), "c"), ((4,), "c")],
          [((1, 3, 1, 4), "c"), ((2, 3, 1, 2), "c"), ((2,), "c")]]
CONV2D_GROUPS = [[((1, 2, 5, 4), "c"), ((4, 1, 2, 2), "c")],
                 [((2, 4, 4, 3), "s"), ((2, 2, 2, 2), "c")],
                 [((1, 2, 3, 3), "c"), ((2, 1, 1, 1), "t")],
                 [((2, 2, 2, 4), "t"), ((4, 1, 2, 3), "c")],
                 [((2, 5, 3), "c"), ((2, 1, 2, 2), "c")],
                 [((1, 4, 3, 2), "c"), ((4, 2, 1, 1), "c")],
                 [((1, 2, 6, 3), "c"), ((2, 1, 3, 2), "s")],
                 [((1, 2, 5, 2), "c"), ((6, 1, 2, 1), "c")]]
TRANSPOSED2D = [[((1, 2, 2, 3), "c"), ((2, 3, 2, 2), "c"), ((3,), "c")],
                [((1, 1, 1, 1), "c"), ((1, 1, 2, 1), "c"), ((1,), "c")],
                [((2, 2, 3, 2), "s"), ((2, 2, 3, 3), "c"), ((2,), "c")],
                [((2, 2, 2, 3), "t"), ((2, 1, 2, 2), "c"), ((1,), "s")],
                [((2, 3, 3), "c"), ((2, 2, 1, 2), "t"), ((2,), "c")],
                [((1, 3, 2, 2), "c"), ((3, 2, 1, 1), "s"), ((2,), "c")],
                [((2, 1, 3, 3), "c"), ((1, 2, 2, 3), "c"), ((2,), "c")],
                [((1, 2, 1, 3), "c"), ((2, 1, 3, 2), "c"), ((1,), "c")]]
TRANSPOSED2D_GROUPS = [[((1, 2, 2, 2), "c"), ((2, 2, 2, 2), "c")],
                       [((2, 4, 2, 3), "s"), ((4, 1, 1, 2), "c")],
                       [((1, 2, 3, 1), "c"), ((2, 1, 2, 1), "t")],
                       [((2, 2, 2, 3), "t"), ((2, 2, 1, 1), "c")],
                       [((2, 3, 2), "c"), ((2, 1, 2, 2), "c")],
                       [((1, 4, 1, 2), "c"), ((4, 2, 2, 2), "c")],
                       [((1, 2, 3, 3), "c"), ((2, 1, 2, 2), "s")],
                       [((1, 2, 2, 1), "c"), ((2, 3, 1, 2), "c")]]
TRANSPOSED1D = [[((1, 2, 3), "c"), ((2, 3, 2), "c"), ((3,), "c")],
                [((1, 1, 2), "c"), ((1, 1, 1), "c"), ((1,), "c")],
                [((2, 2, 4), "s"), ((2, 2, 3), "c"), ((2,), "c")],
                [((2, 2, 3), "t"), ((2, 1, 2), "c"), ((1,), "s")],
                [((2, 3), "c"), ((2, 2, 2), "t"), ((2,), "c")],
                [((1, 3, 2), "c"), ((3, 2, 1), "s"), ((2,), "c")],
                [((2, 1, 5), "c"), ((1, 2, 3), "c"), ((2,), "c")],
                [((1, 2, 2), "c"), ((2, 1, 3), "c"), ((1,), "c")]]


def _without_bias(layouts: list[list[Layout]]) -> list[list[Layout]]:
    return [sample[:2] for sample in layouts]


CONV_ENTRIES = [
    _conv_entry("conv1d", 1, CONV1D, padding=1),
    _conv_entry("conv1d-stride-dilation-groups", 1, CONV1D_GROUPS, bias=False, stride=2,
                dilation=2, groups=2),
    _conv_entry("conv1d-same", 1, _without_bias(CONV1D), bias=False, padding="same"),
    _conv_entry("conv2d", 2, CONV2D),
    _conv_entry("conv2d-stride-padding", 2, CONV2D, stride=(2, 1), padding=(1, 2)),
    _conv_entry("conv2d-dilation-groups", 2, CONV2D_GROUPS, bias=False, dilation=(2, 1),
                groups=2, padding=(1, 0)),
    _conv_entry("conv2d-same", 2, CONV2D, padding="same", dilation=(1, 2)),
    _conv_entry("conv2d-valid-no-bias", 2, _without_bias(CONV2D), bias=False,
                padding="valid", stride=2),
    _transposed_entry("conv_transpose1d", 1, TRANSPOSED1D, stride=2, padding=1,
                      output_padding=1),
    _transposed_entry("conv_transpose2d", 2, TRANSPOSED2D, stride=(2, 1), padding=(1, 0),
                      output_padding=(1, 0)),
    _transposed_entry("conv_transpose2d-groups-dilation", 2, TRANSPOSED2D_GROUPS, bias=False,
                      stride=2, output_padding=1, groups=2, dilation=(2, 1)),
    custom("conv2d-weight-gradient", _weight_gradient, _numpy_weight_gradient,
           _torch_weight_gradient, _weight_layouts(), _weight_inputs()),
]
