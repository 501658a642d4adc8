"""The op registry's entries for the fused loss primitives (stir.ops.losses) and the losses
composed of them (smooth L1).

op_registry.py adds LOSS_ENTRIES to its table. Class indices, class weights and pos_weight
are constants derived from the input's shape, so every entry takes float inputs only (what
the registry's tests differentiate).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stir
import stir.nn.functional as F
from op_registry import Domain, Layout, _arrays, custom
from op_registry import _torch as t

REDUCTIONS = ("mean", "sum", "none")


def _classes(shape: tuple[int, ...], ignore: bool = False) -> np.ndarray:
    """Class indices for logits of `shape` (N, C, d...): one per sample, every class used;
    with `ignore`, every third sample is -100 (ignored)."""
    n, c = shape[0], shape[1]
    samples = (n,) + tuple(shape[2:])
    target = np.arange(int(np.prod(samples))).reshape(samples) % c
    if ignore:
        target.reshape(-1)[1::3] = -100
    return target


def _class_weight(c: int) -> np.ndarray:
    return np.linspace(0.5, 2.0, c)


def _log_softmax(x: np.ndarray) -> np.ndarray:
    top = x.max(axis=1, keepdims=True)
    return x - top - np.log(np.exp(x - top).sum(axis=1, keepdims=True))


def _cross_entropy(reduction: str, general: bool) -> Callable[..., Any]:
    """PyTorch's cross_entropy from class indices; `general` adds class weights, label
    smoothing 0.2 and ignored samples."""
    def reference(x: np.ndarray) -> Any:
        c = x.shape[1]
        target = _classes(x.shape, general)
        w = _class_weight(c) if general else np.ones(c)
        smoothing = 0.2 if general else 0.0
        kept = target != -100
        safe = np.where(kept, target, 0)
        logp = _log_softmax(x)
        nll = -np.take_along_axis(logp, safe[:, None], axis=1)[:, 0] * w[safe] * kept
        smooth = -(logp * w.reshape((1, c) + (1,) * (x.ndim - 2))).sum(axis=1) * kept
        losses = (1 - smoothing) * nll + (smoothing / c) * smooth
        if reduction == "none":
            return losses
        return losses.sum() if reduction == "sum" else losses.sum() / (w[safe] * kept).sum()
    return reference


def _stir_cross_entropy(reduction: str, general: bool) -> Callable[..., Any]:
    def loss(x: Any) -> Any:
        extra = dict(weight=_class_weight(x.shape[1]), label_smoothing=0.2) if general else {}
        return F.cross_entropy(x, stir.tensor(_classes(x.shape, general)), reduction=reduction,
                               **extra)
    return loss


def _torch_cross_entropy(reduction: str, general: bool) -> Callable[..., Any]:
    def loss(x: Any) -> Any:
        shape = tuple(x.shape)
        extra = dict(weight=t().tensor(_class_weight(shape[1]), dtype=x.dtype),
                     label_smoothing=0.2) if general else {}
        return t().nn.functional.cross_entropy(x, t().as_tensor(_classes(shape, general)),
                                               reduction=reduction, **extra)
    return loss


def _cross_entropy_probabilities(reduction: str) -> Callable[..., Any]:
    def reference(x: np.ndarray, p: np.ndarray) -> Any:
        losses = -(p * _log_softmax(x)).sum(axis=1)
        return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](losses)
    return reference


def _bce(reduction: str, weighted: bool) -> Callable[..., Any]:
    def reference(x: np.ndarray, y: np.ndarray) -> Any:
        p = _class_weight(x.shape[-1]) if weighted and x.ndim else 1.0
        losses = (1 - y) * x + (1 + (p - 1) * y) * np.logaddexp(0, -x)
        return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](losses)
    return reference


def _pos_weight(x: Any) -> Any:
    return _class_weight(x.shape[-1]) if x.ndim else None


@st.composite
def _logits(draw: Any) -> tuple[np.ndarray]:
    shape = draw(st.sampled_from([(1, 1), (2, 3), (4, 2), (3, 1), (2, 3, 2)]))
    return (draw(_arrays(shape)),)


@st.composite
def _logits_and_probabilities(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(st.sampled_from([(1, 1), (2, 3), (4, 2), (3, 1), (2, 3, 2)]))
    return draw(_arrays(shape)), draw(_arrays(shape))


@st.composite
def _same_shape_pair(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    return draw(_arrays(shape)), draw(_arrays(shape))


LOGIT_LAYOUTS: list[list[Layout]] = [
    [((4, 3), "c")], [((1, 1), "c")], [((1, 5), "c")], [((5, 1), "c")], [((3, 4), "t")],
    [((6, 3), "s")], [((2, 3, 2), "c")], [((2, 4, 3), "s")],
]
PAIR_LAYOUTS: list[list[Layout]] = [
    [((4, 3), "c"), ((4, 3), "c")], [((1, 1), "c"), ((1, 1), "c")],
    [((1, 5), "c"), ((1, 5), "t")], [((5, 1), "c"), ((5, 1), "s")],
    [((3, 4), "t"), ((3, 4), "c")], [((6, 3), "s"), ((6, 3), "c")],
    [((2, 3, 2), "c"), ((2, 3, 2), "c")], [((2, 4, 3), "s"), ((2, 4, 3), "c")],
]
BCE_LAYOUTS: list[list[Layout]] = PAIR_LAYOUTS + [[((), "c"), ((), "c")], [((3,), "c"),
                                                                          ((3,), "s")]]

LOSS_ENTRIES = [
    *[custom(f"cross_entropy-{r}", _stir_cross_entropy(r, False), _cross_entropy(r, False),
             _torch_cross_entropy(r, False), LOGIT_LAYOUTS, _logits())
      for r in REDUCTIONS],
    *[custom(f"cross_entropy-weight-smoothing-ignore-{r}", _stir_cross_entropy(r, True),
             _cross_entropy(r, True), _torch_cross_entropy(r, True), LOGIT_LAYOUTS, _logits())
      for r in REDUCTIONS],
    *[custom(f"cross_entropy-probabilities-{r}",
             lambda x, p, r=r: F.cross_entropy(x, p, reduction=r),
             _cross_entropy_probabilities(r),
             lambda x, p, r=r: t().nn.functional.cross_entropy(x, p, reduction=r),
             PAIR_LAYOUTS, _logits_and_probabilities())
      for r in REDUCTIONS],
    *[custom(f"bce_with_logits-{r}",
             lambda x, y, r=r: F.binary_cross_entropy_with_logits(x, y, reduction=r),
             _bce(r, False),
             lambda x, y, r=r: t().nn.functional.binary_cross_entropy_with_logits(
                 x, y, reduction=r),
             BCE_LAYOUTS, _same_shape_pair())
      for r in REDUCTIONS],
    *[custom(f"bce_with_logits-pos_weight-{r}",
             lambda x, y, r=r: F.binary_cross_entropy_with_logits(
                 x, y, reduction=r, pos_weight=_pos_weight(x)),
             _bce(r, True),
             lambda x, y, r=r: t().nn.functional.binary_cross_entropy_with_logits(
                 x, y, reduction=r, pos_weight=None if x.ndim == 0 else t().tensor(
                     _class_weight(x.shape[-1]), dtype=x.dtype)),
             BCE_LAYOUTS, _same_shape_pair())
      for r in REDUCTIONS],
]


# ----------------------------------------------------------------------------- probabilities
PROBABILITY = Domain(0.05, 0.95)  # inside (0, 1), away from the clamps at the ends


def _bce_reference(reduction: str, weighted: bool) -> Callable[..., Any]:
    def reference(x: np.ndarray, y: np.ndarray) -> Any:
        w = _class_weight(x.shape[-1]) if weighted and x.ndim else 1.0
        losses = -w * (y * np.log(x) + (1 - y) * np.log1p(-x))
        return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](losses)
    return reference


def _bce_weight(x: Any, torch_dtype: Any = None) -> Any:
    if not x.ndim:
        return None
    weight = _class_weight(x.shape[-1])
    return weight if torch_dtype is None else t().tensor(weight, dtype=torch_dtype)


@st.composite
def _probability_pair(draw: Any) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    return draw(_arrays(shape, PROBABILITY)), draw(_arrays(shape, PROBABILITY))


def _smooth_l1(reduction: str, beta: float) -> Callable[..., Any]:
    def reference(x: np.ndarray, y: np.ndarray) -> Any:
        size = np.abs(x - y)
        losses = np.where(size < beta, 0.5 * (x - y) ** 2 / beta, size - 0.5 * beta)
        return {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction](losses)
    return reference


LOSS_ENTRIES += [
    *[custom(f"binary_cross_entropy-{r}",
             lambda x, y, r=r: F.binary_cross_entropy(x, y, reduction=r),
             _bce_reference(r, False),
             lambda x, y, r=r: t().nn.functional.binary_cross_entropy(x, y, reduction=r),
             BCE_LAYOUTS, _probability_pair(), PROBABILITY)
      for r in REDUCTIONS],
    *[custom(f"binary_cross_entropy-weight-{r}",
             lambda x, y, r=r: F.binary_cross_entropy(x, y, _bce_weight(x), reduction=r),
             _bce_reference(r, True),
             lambda x, y, r=r: t().nn.functional.binary_cross_entropy(
                 x, y, _bce_weight(x, x.dtype), reduction=r),
             BCE_LAYOUTS, _probability_pair(), PROBABILITY)
      for r in REDUCTIONS],
    *[custom(f"smooth_l1-beta-{beta}-{r}",
             lambda x, y, r=r, beta=beta: F.smooth_l1_loss(x, y, reduction=r, beta=beta),
             _smooth_l1(r, beta),
             lambda x, y, r=r, beta=beta: t().nn.functional.smooth_l1_loss(
                 x, y, reduction=r, beta=beta),
             PAIR_LAYOUTS, _same_shape_pair())
      for r in REDUCTIONS for beta in (0.5, 1.0)],
]
