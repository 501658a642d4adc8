"""Looking inside small networks: kinks, keypoints, bumps and loss slices.

A network of `Linear`, `ReLU` and `Maxout` layers from ℝ to ℝ is a continuous
piecewise-linear function (seed 000; a maxout unit is the largest of affine maps, seed 004);
this module finds its pieces exactly, builds such a network from keypoints (seed 000's
widget) or from ReLU "bumps" (seed 003's universal approximation), and draws 1-D slices
of a loss landscape (seed 003).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from . import random as _random
from .grad_mode import no_grad
from .nn.activations import ReLU
from .nn.layers import Linear, Maxout, Sequential
from .nn.module import Module
from .tensor import Tensor

# A linear piece on the open interval (left, right): every unit's value is slope·x + intercept.
_Piece = tuple[float, float, np.ndarray, np.ndarray]


class _Maxout(NamedTuple):
    """A Maxout layer: its affine map (W, b), whose rows j·pieces .. j·pieces + pieces - 1
    are unit j's pieces."""

    weight: np.ndarray
    bias: np.ndarray
    pieces: int


# (W, b) of a Linear layer, a _Maxout, or None for ReLU
_Layer = tuple[np.ndarray, np.ndarray] | _Maxout | None


def _affine(module: Linear) -> tuple[np.ndarray, np.ndarray]:
    """A Linear layer's (W, b) in float64."""
    weight = np.asarray(module.weight.array, dtype=np.float64)
    bias = (np.zeros(weight.shape[0]) if module.bias is None
            else np.asarray(module.bias.array, dtype=np.float64))
    return weight, bias


def _layers(model: Module) -> list[_Layer]:
    """The model as a list of float64 (W, b) pairs, _Maxout layers and None for ReLU."""
    modules = list(model) if isinstance(model, Sequential) else [model]
    layers: list[_Layer] = []
    for index, module in enumerate(modules):
        if isinstance(module, Sequential):
            layers.extend(_layers(module))
        elif isinstance(module, Linear):
            layers.append(_affine(module))
        elif isinstance(module, Maxout):
            layers.append(_Maxout(*_affine(module.affine), module.pieces))
        elif isinstance(module, ReLU):
            layers.append(None)
        else:
            raise TypeError(
                f"stir.analysis: layer {index} ({type(module).__name__}) is not supported; "
                f"only Linear, ReLU and Maxout layers make an exactly piecewise-linear network"
            )
    return layers


def _widths(layer: tuple[np.ndarray, np.ndarray] | _Maxout) -> tuple[int, int]:
    """(inputs, outputs) of a Linear or Maxout layer."""
    outputs, inputs = layer[0].shape
    return inputs, outputs // layer.pieces if isinstance(layer, _Maxout) else outputs


def _check_one_to_one(layers: list[_Layer]) -> None:
    weighted = [layer for layer in layers if layer is not None]
    if not weighted:
        raise ValueError("stir.analysis: the model has no Linear or Maxout layer")
    inputs, outputs = _widths(weighted[0])[0], _widths(weighted[-1])[1]
    if inputs != 1 or outputs != 1:
        raise ValueError(
            f"stir.analysis: the model must map 1 input to 1 output; its first layer with "
            f"weights takes {inputs} inputs and its last gives {outputs}"
        )


def _interior_point(left: float, right: float) -> float:
    """A point strictly inside (left, right), which may be infinite on either side."""
    if np.isfinite(left) and np.isfinite(right):
        return 0.5 * (left + right)
    if np.isfinite(left):
        return left + max(1.0, abs(left))
    if np.isfinite(right):
        return right - max(1.0, abs(right))
    return 0.0


def _relu_pieces(piece: _Piece) -> list[_Piece]:
    """Split one piece where a unit crosses 0 and zero the units that are off on each part."""
    left, right, slope, intercept = piece
    moving = slope != 0
    roots = -intercept[moving] / slope[moving]
    cuts = np.unique(roots[(roots > left) & (roots < right)])
    edges = [left, *cuts.tolist(), right]
    result = []
    for start, stop in zip(edges[:-1], edges[1:]):
        point = _interior_point(start, stop)
        on = slope * point + intercept > 0
        result.append((start, stop, np.where(on, slope, 0.0), np.where(on, intercept, 0.0)))
    return result


def _maxout_pieces(piece: _Piece, count: int) -> list[_Piece]:
    """Split one piece where two lines of a unit cross, and keep each unit's largest line.

    The rows of (slope, intercept) are the affine map's, `count` per unit. Lines k and l of
    a unit cross at x = (βₗ − βₖ) / (αₖ − αₗ); on each part between such points, the order of
    every unit's lines is fixed, so its largest at one interior point is its largest all
    along (the first of equal lines, as NumPy's argmax). Cuts where the crossing lines are
    not the largest are harmless: `breakpoints` drops neighbours of equal slope.
    """
    left, right, slope, intercept = piece
    slopes, intercepts = slope.reshape(-1, count), intercept.reshape(-1, count)
    one, other = np.triu_indices(count, 1)  # (every pair of a unit's lines)
    moving = slopes[:, one] != slopes[:, other]
    roots = ((intercepts[:, other] - intercepts[:, one])[moving]
             / (slopes[:, one] - slopes[:, other])[moving])
    cuts = np.unique(roots[(roots > left) & (roots < right)])
    edges = [left, *cuts.tolist(), right]
    units = np.arange(len(slopes))
    result = []
    for start, stop in zip(edges[:-1], edges[1:]):
        best = (slopes * _interior_point(start, stop) + intercepts).argmax(axis=1)
        result.append((start, stop, slopes[units, best], intercepts[units, best]))
    return result


def _output_pieces(layers: list[_Layer]) -> list[tuple[float, float, float, float]]:
    """The network's linear pieces (left, right, slope, intercept), covering ℝ in order."""
    pieces: list[_Piece] = [(-np.inf, np.inf, np.ones(1), np.zeros(1))]
    for layer in layers:
        if layer is None:
            pieces = [part for piece in pieces for part in _relu_pieces(piece)]
        elif isinstance(layer, _Maxout):
            pieces = [part for left, right, slope, intercept in pieces for part in
                      _maxout_pieces((left, right, layer.weight @ slope,
                                      layer.weight @ intercept + layer.bias), layer.pieces)]
        else:
            weight, bias = layer
            pieces = [(left, right, weight @ slope, weight @ intercept + bias)
                      for left, right, slope, intercept in pieces]
    return [(left, right, float(slope[0]), float(intercept[0]))
            for left, right, slope, intercept in pieces]


def breakpoints(model: Module, rtol: float = 1e-9) -> np.ndarray:
    """The sorted x where a 1-D ReLU network's piecewise-linear function changes slope.

    For one hidden layer, h(x) = Σᵢ wᵢ·ReLU(aᵢx + bᵢ) + c (seed 000), unit i bends at
    x = -bᵢ/aᵢ (when aᵢ ≠ 0) by wᵢ·|aᵢ|. For any depth the pieces are propagated exactly:
    start from the single piece x ↦ x on ℝ; a Linear layer maps each piece's slopes and
    intercepts by W (z = W(αx + β) + b); a ReLU splits each piece at every root x = -βⱼ/αⱼ
    of a unit's pre-activation inside it and zeroes the units that are negative there; a
    Maxout maps each piece by its affine map, splits it where two of a unit's lines cross,
    and keeps each unit's largest line on each part.
    Neighbouring pieces whose output slopes agree to `rtol` (relative) are not reported, so
    units with zero outgoing weight or kinks that cancel add no breakpoint.
    The model must be made of `Linear`, `ReLU` and `Maxout` layers (or a `Sequential`/`MLP`
    of them) from ℝ to ℝ.

    >>> import stir
    >>> net = stir.analysis.relu_network_from_keypoints([0.0, 1.0, 2.0], [0.0, 1.0, 0.0])
    >>> stir.analysis.breakpoints(net)
    array([1.])
    """
    layers = _layers(model)
    _check_one_to_one(layers)
    pieces = _output_pieces(layers)
    kinks = []
    for (_, right, slope, _), (_, _, next_slope, _) in zip(pieces[:-1], pieces[1:]):
        if abs(next_slope - slope) > rtol * max(abs(slope), abs(next_slope), 1e-300):
            kinks.append(right)
    return np.array(kinks, dtype=np.float64)


def keypoints(model: Module, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """Points (xs, ys) whose linear interpolation is the network on [lo, hi].

    xs = [lo, the breakpoints inside (lo, hi), hi] and ys = model(xs), evaluated by the
    model itself in its own dtype, so `np.interp(x, xs, ys)` equals model(x) on [lo, hi]
    up to rounding.

    >>> import stir
    >>> net = stir.analysis.relu_network_from_keypoints([0.0, 1.0, 2.0], [0.0, 1.0, 0.0])
    >>> xs, ys = stir.analysis.keypoints(net, -1.0, 1.5)
    >>> xs.tolist(), ys.tolist()
    ([-1.0, 1.0, 1.5], [-1.0, 1.0, 0.5])
    """
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"keypoints: need finite lo < hi; got lo={lo}, hi={hi}")
    kinks = breakpoints(model)
    xs = np.concatenate([[lo], kinks[(kinks > lo) & (kinks < hi)], [hi]])
    return xs, _evaluate(model, xs)


def _evaluate(model: Module, xs: np.ndarray) -> np.ndarray:
    """model(x) for each x, fed in the dtype of the model's first parameter, as float64."""
    dtype = next(iter(model.parameters())).dtype
    with no_grad():
        output = model(Tensor(np.asarray(xs, dtype=dtype).reshape(-1, 1)))
    return np.asarray(output.array, dtype=np.float64).reshape(-1)


def _two_layer(hidden_weight: np.ndarray, hidden_bias: np.ndarray, output_weight: np.ndarray,
               output_bias: float, dtype: Any) -> Sequential:
    """Sequential(Linear(1, d), ReLU(), Linear(d, 1)) holding the given parameters."""
    width = hidden_weight.size
    # A private generator: the initial values are overwritten, so the global stream is kept.
    generator = _random.Generator(0)
    hidden = Linear(1, width, dtype=dtype, generator=generator)
    output = Linear(width, 1, dtype=dtype, generator=generator)
    hidden.weight.array[...] = hidden_weight.reshape(width, 1)
    hidden.bias.array[...] = hidden_bias
    output.weight.array[...] = output_weight.reshape(1, width)
    output.bias.array[...] = output_bias
    return Sequential(hidden, ReLU(), output)


def relu_network_from_keypoints(xs: Sequence[float] | np.ndarray,
                                ys: Sequence[float] | np.ndarray,
                                dtype: Any = np.float64) -> Sequential:
    """A one-hidden-layer ReLU network through the keypoints (x₀, y₀), …, (xₙ₋₁, yₙ₋₁).

    Seed 000's widget as a network: with slopes sₖ = (yₖ₊₁ - yₖ)/(xₖ₊₁ - xₖ),
        h(x) = y₀ + s₀·ReLU(x - x₀) - s₀·ReLU(x₀ - x) + Σₖ₌₁ⁿ⁻² (sₖ - sₖ₋₁)·ReLU(x - xₖ),
    so d = n hidden units. On [x₀, xₙ₋₁] it is the widget's linear interpolation; outside
    it continues the first and last segments as straight lines. xs must be strictly
    increasing (at least 2 points). Interior keypoints on a straight line with their
    neighbours give no kink, so `breakpoints` does not report them.

    >>> import stir
    >>> net = stir.analysis.relu_network_from_keypoints([0.0, 1.0, 3.0], [1.0, 2.0, 0.0])
    >>> net(stir.tensor([[0.0], [1.0], [2.0], [4.0]], dtype=stir.float64)).array.ravel()
    array([ 1.,  2.,  1., -1.])
    """
    x = np.asarray(xs, dtype=np.float64).reshape(-1)
    y = np.asarray(ys, dtype=np.float64).reshape(-1)
    if x.size != y.size or x.size < 2:
        raise ValueError(f"relu_network_from_keypoints: need at least 2 (x, y) pairs of equal "
                         f"length; got {x.size} xs and {y.size} ys")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("relu_network_from_keypoints: xs and ys must be finite")
    if np.any(np.diff(x) <= 0):
        raise ValueError(f"relu_network_from_keypoints: xs must be strictly increasing; got "
                         f"{x.tolist()}")
    slopes = np.diff(y) / np.diff(x)
    hidden_weight = np.concatenate([[1.0, -1.0], np.ones(x.size - 2)])
    hidden_bias = np.concatenate([[-x[0], x[0]], -x[1:-1]])
    output_weight = np.concatenate([[slopes[0], -slopes[0]], np.diff(slopes)])
    return _two_layer(hidden_weight, hidden_bias, output_weight, y[0], dtype)


def bump_network(target_fn: Callable[[float], float], lo: float, hi: float, n_bumps: int,
                 ramp_width: float | None = None, dtype: Any = np.float64) -> Sequential:
    """Seed 003's universal approximator: n_bumps trapezoid bumps of 4 ReLUs each.

    [lo, hi] is cut into n_bumps cells [aₖ, bₖ] of width w = (hi - lo)/n_bumps. With ramp
    width r (default w/2, at most w) and edges e₁ < e₂ ≤ e₃ < e₄, bump k is
        Tₖ(x) = (ReLU(x - e₁) - ReLU(x - e₂) - ReLU(x - e₃) + ReLU(x - e₄)) / r,
    0 left of e₁, rising to 1 at e₂, flat to e₃, falling to 0 at e₄: hidden units
    4k … 4k + 3. Interior ramps are centred on the cell edges (e₁, e₂ = aₖ ∓ r/2, e₃, e₄ =
    bₖ ∓ r/2) so neighbouring bumps hand over linearly; the outer ramps lie outside [lo, hi].
    The network is h(x) = Σₖ target_fn(cₖ)·Tₖ(x) with cₖ the cell centres; target_fn is
    called once per centre with a float. Its error on [lo, hi] is at most the largest
    change of target_fn over a cell plus a ramp, so it shrinks as n_bumps grows. With
    r = w the plateaus vanish (e₂ = e₃: hat functions) and h linearly interpolates the
    centre values.

    >>> import stir
    >>> net = stir.analysis.bump_network(lambda x: 2.0, 0.0, 1.0, n_bumps=2)
    >>> net
    Sequential(
      (0): Linear(1 => 8)  # 16 parameters
      (1): ReLU()
      (2): Linear(8 => 1)  # 9 parameters
    )  # 25 parameters
    >>> net(stir.tensor([[0.0], [0.3], [1.0]], dtype=stir.float64)).array.ravel()
    array([2., 2., 2.])
    """
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"bump_network: need finite lo < hi; got lo={lo}, hi={hi}")
    if not isinstance(n_bumps, (int, np.integer)) or n_bumps < 1:
        raise ValueError(f"bump_network: n_bumps must be a positive integer; got {n_bumps!r}")
    cell = (hi - lo) / n_bumps
    ramp = 0.5 * cell if ramp_width is None else float(ramp_width)
    if not 0 < ramp <= cell:
        raise ValueError(f"bump_network: ramp_width must be in (0, cell width {cell}]; got "
                         f"{ramp_width}")
    starts = lo + cell * np.arange(n_bumps)
    centres = starts + 0.5 * cell
    heights = np.array([float(target_fn(float(centre))) for centre in centres])
    rises = starts - 0.5 * ramp
    rises[0] = lo - ramp
    falls = starts + cell - 0.5 * ramp
    falls[-1] = hi
    edges = np.stack([rises, rises + ramp, falls, falls + ramp], axis=1).reshape(-1)
    signs = np.tile([1.0, -1.0, -1.0, 1.0], n_bumps)
    output_weight = signs * np.repeat(heights, 4) / ramp
    return _two_layer(np.ones(4 * n_bumps), -edges, output_weight, 0.0, dtype)


def _normalized(direction: np.ndarray, parameter: np.ndarray, normalization: str | None
                ) -> np.ndarray:
    if normalization is None:
        return direction
    if normalization == "tensor":
        return direction * (np.linalg.norm(parameter) / (np.linalg.norm(direction) + 1e-10))
    if parameter.ndim < 2:  # Li et al. leave biases fixed under filter normalization.
        return np.zeros_like(direction)
    rows = direction.reshape(direction.shape[0], -1)
    scale = (np.linalg.norm(parameter.reshape(parameter.shape[0], -1), axis=1)
             / (np.linalg.norm(rows, axis=1) + 1e-10))
    return (rows * scale[:, None]).reshape(direction.shape)


def loss_slice(model: Module, loss_fn: Callable[[Tensor, Any], Tensor], x: Any, y: Any,
               direction: Sequence[Any] | None = None,
               alphas: Sequence[float] | np.ndarray = np.linspace(-1.0, 1.0, 21),
               generator: _random.Generator | None = None,
               normalization: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The loss along a line through parameter space: L(α) = loss_fn(model_{θ+αd}(x), y).

    θ is all of `model.parameters()`, in order; d is `direction` (one array or tensor per
    parameter, same shapes) or, by default, standard normal from `generator`. Normalization
    of d: None (default) uses it as is; "tensor" rescales each dᵢ to ‖θᵢ‖; "filter" is Li et
    al.'s (2018) filter normalization, rescaling each row (output unit) of every weight of
    2 or more dimensions to the norm of θ's row, and setting the direction of biases
    (1-D parameters) to 0. Runs under no_grad and restores θ exactly afterwards, in place.
    Returns (alphas, losses) as float64 arrays.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> net = stir.nn.Linear(1, 1, bias=False, dtype=stir.float64)
    >>> net.weight.array[...] = 2.0
    >>> x = stir.tensor([[1.0]], dtype=stir.float64)
    >>> alphas, losses = stir.analysis.loss_slice(net, F.mse_loss, x, x, direction=[[[1.0]]],
    ...                                           alphas=[-1.0, 0.0, 1.0])
    >>> losses
    array([0., 1., 4.])
    """
    if normalization not in (None, "tensor", "filter"):
        raise ValueError(f"loss_slice: normalization must be None, 'tensor' or 'filter'; got "
                         f"{normalization!r}")
    parameters = list(model.parameters())
    originals = [parameter.array.copy() for parameter in parameters]
    if direction is None:
        rng = _random.resolve(generator)
        raw = [rng.standard_normal(original.shape) for original in originals]
    else:
        raw = [np.asarray(d.array if isinstance(d, Tensor) else d, dtype=np.float64)
               for d in direction]
        if len(raw) != len(parameters):
            raise ValueError(f"loss_slice: direction has {len(raw)} tensors but the model has "
                             f"{len(parameters)} parameters")
        for index, (d, original) in enumerate(zip(raw, originals)):
            if d.shape != original.shape:
                raise ValueError(f"loss_slice: direction {index} has shape {tuple(d.shape)}, its "
                                 f"parameter {tuple(original.shape)}")
    steps = [_normalized(d, original.astype(np.float64), normalization)
             for d, original in zip(raw, originals)]
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    y = y if isinstance(y, Tensor) else Tensor(np.asarray(y))
    alphas = np.asarray(alphas, dtype=np.float64).reshape(-1)
    losses = np.empty_like(alphas)
    try:
        with no_grad():
            for index, alpha in enumerate(alphas):
                for parameter, original, step in zip(parameters, originals, steps):
                    parameter.array[...] = original + alpha * step
                losses[index] = float(loss_fn(model(x), y).item())
    finally:
        for parameter, original in zip(parameters, originals):
            parameter.array[...] = original
    return alphas, losses
