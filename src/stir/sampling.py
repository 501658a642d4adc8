"""Random tensors, as PyTorch's samplers: `rand`, `randn`, `normal`, `randint`, `randperm`,
`multinomial`, `bernoulli` and their `*_like` forms.

Samples are drawn on the host from `generator=` (a `stir.Generator`), else from the default
generator that `stir.manual_seed` resets (float64, then cast), and placed as any other
constructor's values (`device=`, `requires_grad=`; see creation.py). The numbers differ from
PyTorch's for the same seed: the generators differ, the distributions do not.

>>> import stir
>>> g = stir.Generator().manual_seed(0)
>>> stir.randint(0, 10, (3,), generator=g).dtype, stir.randperm(4).shape
(dtype('int64'), stir.Size([4]))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _array
from . import random as _random
from ._types import DTypeLike
from .creation import Device, dtype_argument, like_of, placed, size_argument
from .dtypes import int64
from .tensor import Tensor

def _floating(name: str, dtype: DTypeLike, default: np.dtype[Any] | None = None) -> Any:
    kind = dtype_argument(dtype, default)
    if kind.kind != "f":
        raise NotImplementedError(f"{name}: samples are floating-point, not {kind} (PyTorch "
                                  f"has no {name} for {kind} either); ask for a float dtype")
    return kind


def randn(*sizes: Any, size: Any = None, generator: _random.Generator | None = None,
          dtype: DTypeLike = None, device: Device = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples N(0, 1) of the given shape, as `torch.randn`."""
    samples = _random.resolve(generator).standard_normal(size_argument(sizes, size, "randn"))
    return placed(samples.astype(_floating("randn", dtype)), device, requires_grad)


def rand(*sizes: Any, size: Any = None, generator: _random.Generator | None = None,
         dtype: DTypeLike = None, device: Device = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) of the given shape, as `torch.rand`."""
    samples = _random.resolve(generator).random(size_argument(sizes, size, "rand"))
    return placed(samples.astype(_floating("rand", dtype)), device, requires_grad)


def randn_like(input: Tensor, *, generator: _random.Generator | None = None,
               dtype: DTypeLike = None, device: Device = None,
               requires_grad: bool = False) -> Tensor:
    """`randn` of input's shape, dtype and device."""
    samples = _random.resolve(generator).standard_normal(input.shape)
    kind = _floating("randn_like", dtype, input.dtype)
    return like_of(input, samples.astype(kind), device, requires_grad)


def rand_like(input: Tensor, *, generator: _random.Generator | None = None,
              dtype: DTypeLike = None, device: Device = None,
              requires_grad: bool = False) -> Tensor:
    """`rand` of input's shape, dtype and device."""
    samples = _random.resolve(generator).random(input.shape)
    kind = _floating("rand_like", dtype, input.dtype)
    return like_of(input, samples.astype(kind), device, requires_grad)


def normal(mean: Any, std: Any = 1.0, size: Any = None, *,
           generator: _random.Generator | None = None, dtype: DTypeLike = None,
           device: Device = None, requires_grad: bool = False) -> Tensor:
    """Normal samples mean + std·z, z ~ N(0, 1), in PyTorch's four forms: `normal(means,
    stds)` with tensors (broadcast together), `normal(means, 1.0)`, `normal(0.0, stds)`, and
    `normal(0.0, 1.0, size)` with numbers and a size. A tensor form takes its dtype from the
    tensor (mean's first) and records a zero gradient to mean and std, as PyTorch does.

    >>> import stir
    >>> samples = stir.normal(2.0, 0.5, size=(10_000,), generator=stir.Generator(0))
    >>> round(samples.mean().item(), 1), round(float(samples.numpy().std()), 1)
    (2.0, 0.5)
    """
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal(mean, std) with two numbers needs a size, as in PyTorch: "
                            "normal(0.0, 1.0, size=(3,))")
        if float(std) < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        z = _random.resolve(generator).standard_normal(size_argument((size,), name="normal"))
        values = float(mean) + float(std) * z
        return placed(values.astype(_floating("normal", dtype)), device, requires_grad)
    if size is not None:
        raise TypeError("normal: size is only for normal(float, float, size); with a tensor "
                        "mean or std the shape comes from them")
    kind = _floating("normal", None, tensors[0].dtype)
    means, stds = (_array.to_numpy(v.array) if isinstance(v, Tensor) else np.float64(v)
                   for v in (mean, std))
    if (stds < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    try:
        shape = np.broadcast_shapes(means.shape, stds.shape)
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean {tuple(means.shape)} and std {tuple(stds.shape)} "
                           "do not broadcast together") from None
    values = means + stds * _random.resolve(generator).standard_normal(shape)
    drawn = like_of(tensors[0], values.astype(kind), device, requires_grad)
    recorded = [v for v in tensors if v.requires_grad]
    for source in recorded:  # PyTorch's derivative of normal is zero, but it is recorded
        drawn = drawn + source * 0
    return drawn


def _integer(name: str, argument: str, value: Any) -> int:
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}(): argument {argument!r} must be int, not "
                        f"{type(value).__name__}")
    return int(value)


def randint(*bounds: Any, size: Any = None, low: Any = None, high: Any = None,
            generator: _random.Generator | None = None, dtype: DTypeLike = None,
            device: Device = None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from low ≤ k < high, as `torch.randint`: `randint(high,
    size)` or `randint(low, high, size)` (low = 0 by default; each also by keyword), int64
    unless `dtype` says otherwise.

    >>> import stir
    >>> x = stir.randint(3, 7, (1000,), generator=stir.Generator(0))
    >>> x.dtype, x.min().item(), x.max().item()
    (dtype('int64'), 3, 6)
    """
    low, high, size = _randint_arguments("randint", bounds, low, high, size)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not "
                        f"{type(size).__name__}")
    shape = size_argument((size,), name="randint")
    drawn = _random.resolve(generator).integers(low, high, shape) if shape else np.asarray(
        _random.resolve(generator).integers(low, high))
    return placed(_bounded(drawn, low, high, dtype_argument(dtype, int64)), device, requires_grad)


def _randint_arguments(name: str, bounds: tuple[Any, ...], low: Any, high: Any,
                       size: Any) -> tuple[int, int, Any]:
    """(low, high, size) from PyTorch's overloads: (high, size) and (low, high, size), with
    the size (and the bounds) also allowed by keyword."""
    wanted = ["low", "high", "size"] if len(bounds) == 3 or (
        len(bounds) == 2 and size is not None) or (len(bounds) == 1 and high is not None) else [
        "high", "size"]
    if len(bounds) > len(wanted):
        raise TypeError(f"{name}() takes at most 3 positional arguments (low, high, size)")
    given = dict(zip(wanted, bounds))
    for key, value in (("low", low), ("high", high), ("size", size)):
        if value is not None:
            if key in given:
                raise TypeError(f"{name}() got multiple values for argument {key!r}")
            given[key] = value
    if "high" not in given or (name == "randint" and "size" not in given):
        raise TypeError(f"{name}() needs high{' and size' if name == 'randint' else ''}, as "
                        f"{name}(high, size) or {name}(low, high, size)")
    low_value = _integer(name, "low", given.get("low", 0))
    high_value = _integer(name, "high", given["high"])
    if low_value >= high_value:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low_value} >= to={high_value}")
    return low_value, high_value, given.get("size")


def _bounded(drawn: np.ndarray, low: int, high: int, kind: np.dtype[Any]) -> np.ndarray:
    """`drawn` in dtype `kind`, refusing bounds the dtype cannot hold (as PyTorch does)."""
    if kind.kind in "iub":
        limits = (0, 1) if kind.kind == "b" else (np.iinfo(kind).min, np.iinfo(kind).max)
        if low < limits[0] or high - 1 > limits[1]:
            raise RuntimeError(f"randint: the range [{low}, {high}) does not fit in {kind}")
    return drawn.astype(kind)


def randint_like(input: Tensor, *bounds: Any, low: Any = None, high: Any = None,
                 generator: _random.Generator | None = None, dtype: DTypeLike = None,
                 device: Device = None, requires_grad: bool = False) -> Tensor:
    """`randint` of input's shape, dtype (a float tensor gives whole floats, as in PyTorch)
    and device: `randint_like(x, high)` or `randint_like(x, low, high)`."""
    low, high, _ = _randint_arguments("randint_like", bounds, low, high, None)
    drawn = np.asarray(_random.resolve(generator).integers(low, high, input.shape))
    host = _bounded(drawn, low, high, dtype_argument(dtype, input.dtype))
    return like_of(input, host, device, requires_grad)


def randperm(n: int, *, generator: _random.Generator | None = None, dtype: DTypeLike = None,
             device: Device = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 … n − 1, as `torch.randperm` (int64 by default).

    >>> import stir
    >>> sorted(stir.randperm(5, generator=stir.Generator(1)).tolist())
    [0, 1, 2, 3, 4]
    """
    count = _integer("randperm", "n", n)
    if count < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {count} (PyTorch: "
                           f"Trying to create tensor with negative dimension {count})")
    order = _random.resolve(generator).permutation(count)
    return placed(_bounded(order, 0, max(count, 1), dtype_argument(dtype, int64)), device,
                   requires_grad)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: _random.Generator | None = None) -> Tensor:
    """Indices drawn from the categories of each row of `input` (1-D: one distribution; 2-D:
    one per row), with probability proportional to the row's non-negative weights, as
    `torch.multinomial`. Without replacement each index appears at most once per row (once
    the positive weights are used up, zero-weight categories follow, as in PyTorch).

    >>> import stir
    >>> sorted(stir.multinomial(stir.tensor([0.0, 3.0, 1.0]), 2).tolist())
    [1, 2]
    """
    weights = _array.to_numpy(input.array)
    count = _integer("multinomial", "num_samples", num_samples)
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got {weights.ndim}")
    if weights.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got "
                           f"{weights.dtype}")
    if count <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {count})")
    rows = weights.reshape(-1, weights.shape[-1]).astype(np.float64)
    if not replacement and count > rows.shape[1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) "
                           f"samples without replacement ({count} > {rows.shape[1]})")
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    rng = _random.resolve(generator)
    if replacement:
        cumulative = np.cumsum(rows, axis=1)
        cumulative /= cumulative[:, -1:]
        draws = rng.random((rows.shape[0], count))
        picked = np.stack([np.searchsorted(c, d, side="right") for c, d in
                           zip(cumulative, draws)])
        picked = np.minimum(picked, rows.shape[1] - 1)
    else:  # PyTorch's race: the largest weight / Exp(1) keys win, ties to the lower index
        keys = rows / rng.standard_exponential(rows.shape)
        picked = np.argsort(-keys, axis=1, kind="stable")[:, :count]
    picked = picked.astype(np.int64).reshape(weights.shape[:-1] + (count,))
    return like_of(input, picked, None, False)


def bernoulli(input: Tensor, p: float | None = None, *,
              generator: _random.Generator | None = None) -> Tensor:
    """1 with probability input (or with probability `p` everywhere, when given), else 0, in
    input's shape and floating dtype, as `torch.bernoulli`.

    >>> import stir
    >>> stir.bernoulli(stir.tensor([0.0, 1.0, 1.0]))
    tensor([0., 1., 1.])
    """
    if _array.kind(input.dtype) != "f":
        raise NotImplementedError(f"bernoulli: input must be floating-point, not "
                                  f"{input.dtype} (as in PyTorch)")
    chances = _array.to_numpy(input.array) if p is None else np.full(input.shape, float(p))
    if not ((chances >= 0) & (chances <= 1)).all():
        raise RuntimeError("bernoulli: probabilities must be in [0, 1] (PyTorch: Expected "
                           "p_in >= 0 && p_in <= 1 to be true)")
    drawn = _random.resolve(generator).random(input.shape) < chances
    return like_of(input, drawn.astype(input.dtype), None, False)
