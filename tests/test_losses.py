"""The losses of stir.nn.functional and their modules in stir.nn.

A table of cases, each run for every reduction: against a NumPy float64 reference, central
differences (gradcheck, and gradgradcheck where the loss is smooth), and PyTorch in float32.
Then stability at extreme logits, the errors bad input gets, one_hot, and the modules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn

REDUCTIONS = ("mean", "sum", "none")


# ----------------------------------------------------------------------------- references
def reduce(losses: np.ndarray, reduction: str, denominator: float | None = None) -> Any:
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    return total / (losses.size if denominator is None else denominator)


def log_softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    top = x.max(axis=axis, keepdims=True)
    return x - top - np.log(np.exp(x - top).sum(axis=axis, keepdims=True))


def class_axis(values: np.ndarray, ndim: int) -> np.ndarray:
    """`values` of shape (C,) shaped to broadcast along axis 1 of an ndim-array."""
    return values.reshape((1, -1) + (1,) * (ndim - 2))


def ref_nll(logp: np.ndarray, target: np.ndarray, weight: Any, reduction: str,
            ignore_index: int = -100) -> Any:
    """PyTorch's nll_loss, from its documentation: -w_t·logp_t, mean weighted by w_t."""
    w = np.ones(logp.shape[1]) if weight is None else np.asarray(weight)
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    picked = np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    target_weight = w[safe] * kept
    return reduce(-picked * target_weight, reduction, target_weight.sum())


def ref_cross_entropy(x: np.ndarray, target: np.ndarray, weight: Any = None,
                      reduction: str = "mean", label_smoothing: float = 0.0,
                      ignore_index: int = -100) -> Any:
    """PyTorch's cross_entropy: (1-ε)·nll + (ε/C)·Σ_c -w_c log p_c, as in its source."""
    if target.dtype.kind == "f":
        return ref_cross_entropy_probabilities(x, target, weight, reduction, label_smoothing)
    squeeze = x.ndim == 1
    x, target = (x[None], target[None]) if squeeze else (x, target)
    c = x.shape[1]
    logp = log_softmax(x)
    w = np.ones(c) if weight is None else np.asarray(weight, dtype=np.float64)
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    nll = -np.take_along_axis(logp, safe[:, None], axis=1)[:, 0] * w[safe] * kept
    smooth = -(logp * class_axis(w, x.ndim)).sum(axis=1) * kept
    losses = (1 - label_smoothing) * nll + (label_smoothing / c) * smooth
    result = reduce(losses, reduction, (w[safe] * kept).sum())
    return result[0] if squeeze and reduction == "none" else result


def ref_cross_entropy_probabilities(x: np.ndarray, p: np.ndarray, weight: Any,
                                    reduction: str, label_smoothing: float) -> Any:
    squeeze = x.ndim == 1
    x, p = (x[None], p[None]) if squeeze else (x, p)
    c = x.shape[1]
    w = np.ones(c) if weight is None else np.asarray(weight, dtype=np.float64)
    q = (p * (1 - label_smoothing) + label_smoothing / c) * class_axis(w, x.ndim)
    losses = -(q * log_softmax(x)).sum(axis=1)
    result = reduce(losses, reduction)
    return result[0] if squeeze and reduction == "none" else result


def ref_bce(x: np.ndarray, y: np.ndarray, weight: Any, pos_weight: Any, reduction: str) -> Any:
    p = 1.0 if pos_weight is None else pos_weight
    w = 1.0 if weight is None else weight
    losses = w * ((1 - y) * x + (1 + (p - 1) * y) * np.logaddexp(0, -x))
    return reduce(losses, reduction)


def ref_hinge(x: np.ndarray, target: np.ndarray, p: int, margin: float, weight: Any,
              reduction: str, divide: bool) -> Any:
    n, c = x.shape
    losses = np.zeros(n)
    for i in range(n):
        for j in range(c):
            if j != target[i]:
                term = max(0.0, margin - x[i, target[i]] + x[i, j]) ** p
                losses[i] += term * (1.0 if weight is None else weight[target[i]])
    return reduce(losses / c if divide else losses, reduction)


def ref_cosine(a: np.ndarray, b: np.ndarray, axis: int = 1, eps: float = 1e-8) -> np.ndarray:
    norm_a = np.maximum(np.linalg.norm(a, axis=axis, keepdims=True), eps)
    norm_b = np.maximum(np.linalg.norm(b, axis=axis, keepdims=True), eps)
    return (a / norm_a * b / norm_b).sum(axis=axis)


def ref_cosine_embedding(a: np.ndarray, b: np.ndarray, y: np.ndarray, margin: float,
                         reduction: str) -> Any:
    cos = (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))
    return reduce(np.where(y == 1, 1 - cos, np.maximum(cos - margin, 0)), reduction)


def huber(d: np.ndarray, delta: float) -> np.ndarray:
    return np.where(np.abs(d) < delta, 0.5 * d * d, delta * (np.abs(d) - 0.5 * delta))


# ----------------------------------------------------------------------------- the table
@dataclass
class Case:
    """One loss with its settings. `make(rng)` gives the float inputs (differentiable) and
    the constants (class indices, labels, weights); every function takes
    (*inputs, *constants, reduction); `torch_fn` gets (torch, *torch tensors, *constants,
    reduction)."""

    name: str
    make: Callable[[np.random.Generator], tuple[tuple[np.ndarray, ...], tuple[Any, ...]]]
    stir_fn: Callable[..., Any]
    numpy_fn: Callable[..., Any]
    torch_fn: Callable[..., Any] | None
    smooth: bool = True


def pair(shape: tuple[int, ...], scale: float = 1.0) -> Callable[..., Any]:
    return lambda rng: ((scale * rng.standard_normal(shape), rng.standard_normal(shape)), ())


def logits_and_classes(shape: tuple[int, ...], ignore: int | None = None,
                       scale: float = 2.0) -> Callable[..., Any]:
    """Logits of `shape` (classes on axis 1, or axis 0 when 1-D) and class indices, with
    a few entries set to `ignore`."""
    def make(rng: np.random.Generator) -> Any:
        c = shape[1] if len(shape) > 1 else shape[0]
        target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
        target = rng.integers(0, c, size=target_shape)
        if ignore is not None:
            target.reshape(-1)[::3] = ignore
        return (scale * rng.standard_normal(shape),), (target,)
    return make


def transposed(make: Callable[..., Any]) -> Callable[..., Any]:
    """The same inputs laid out in Fortran order (transposed views), as x.T gives them."""
    def make_transposed(rng: np.random.Generator) -> Any:
        inputs, constants = make(rng)
        return tuple(np.asfortranarray(a) for a in inputs), constants
    return make_transposed


def logits_and_probabilities(shape: tuple[int, ...]) -> Callable[..., Any]:
    def make(rng: np.random.Generator) -> Any:
        p = rng.uniform(0.05, 1.0, size=shape)
        return (2 * rng.standard_normal(shape), p / p.sum(axis=min(1, len(shape) - 1),
                                                        keepdims=True)), ()
    return make


WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


def torch_weight(torch: Any, like: Any) -> Any:
    return torch.tensor(WEIGHT, dtype=like.dtype)


def reduced_torch(torch: Any, losses: Any, reduction: str) -> Any:
    return {"mean": losses.mean, "sum": losses.sum, "none": lambda: losses}[reduction]()


def ce_case(name: str, make: Callable[..., Any], smoothing: float = 0.0, weighted: bool = False,
            ignore_index: int = -100) -> Case:
    weight = WEIGHT if weighted else None
    return Case(
        name, make,
        lambda x, *rest: F.cross_entropy(x, *rest[:-1], weight=weight, reduction=rest[-1],
                                         label_smoothing=smoothing, ignore_index=ignore_index),
        lambda x, *rest: ref_cross_entropy(x, *rest[:-1], weight, rest[-1], smoothing,
                                           ignore_index),
        lambda torch, x, *rest: torch.nn.functional.cross_entropy(
            x, *[torch.as_tensor(r) for r in rest[:-1]],
            weight=torch_weight(torch, x) if weighted else None, reduction=rest[-1],
            label_smoothing=smoothing, ignore_index=ignore_index),
    )


def nll_case(name: str, shape: tuple[int, ...], ignore: int | None) -> Case:
    def make(rng: np.random.Generator) -> Any:
        (x,), (t,) = logits_and_classes(shape, ignore)(rng)
        return (log_softmax(x),), (t,)
    return Case(
        name, make,
        lambda x, t, r: F.nll_loss(x, stir.tensor(t), weight=WEIGHT, reduction=r),
        lambda x, t, r: ref_nll(x, t, WEIGHT, r),
        lambda torch, x, t, r: torch.nn.functional.nll_loss(
            x, torch.as_tensor(t), weight=torch_weight(torch, x), reduction=r),
    )


def bce_case(name: str, weighted: bool) -> Case:
    weight = np.array([1.5, 0.5, 1.0]) if weighted else None
    pos_weight = np.array([2.0, 0.5, 3.0]) if weighted else None

    def make(rng: np.random.Generator) -> Any:
        return (3 * rng.standard_normal((4, 3)), rng.uniform(0, 1, (4, 3))), ()

    def torch_bce(torch: Any, x: Any, y: Any, r: str) -> Any:
        extra = {} if not weighted else {
            "weight": torch.tensor(weight, dtype=x.dtype),
            "pos_weight": torch.tensor(pos_weight, dtype=x.dtype)}
        return torch.nn.functional.binary_cross_entropy_with_logits(x, y, reduction=r, **extra)

    return Case(
        name, make,
        lambda x, y, r: F.binary_cross_entropy_with_logits(x, y, weight, reduction=r,
                                                            pos_weight=pos_weight),
        lambda x, y, r: ref_bce(x, y, weight, pos_weight, r),
        torch_bce,
    )


def margin_case(name: str, p: int, margin: float, weighted: bool) -> Case:
    weight = WEIGHT if weighted else None
    return Case(
        name, logits_and_classes((5, 4)),
        lambda x, t, r: F.multi_margin_loss(x, stir.tensor(t), p, margin, weight,
                                             reduction=r),
        lambda x, t, r: ref_hinge(x, t, p, margin, weight, r, divide=True),
        lambda torch, x, t, r: torch.nn.functional.multi_margin_loss(
            x, torch.as_tensor(t), p, margin,
            torch_weight(torch, x) if weighted else None, reduction=r),
        smooth=p == 2,
    )


def signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape)


CASES = [
    Case("mse", pair((3, 4)), lambda x, t, r: F.mse_loss(x, t, reduction=r),
         lambda x, t, r: reduce((x - t) ** 2, r),
         lambda torch, x, t, r: torch.nn.functional.mse_loss(x, t, reduction=r)),
    Case("l1", pair((3, 4)), lambda x, t, r: F.l1_loss(x, t, reduction=r),
         lambda x, t, r: reduce(np.abs(x - t), r),
         lambda torch, x, t, r: torch.nn.functional.l1_loss(x, t, reduction=r), smooth=False),
    Case("huber", pair((3, 4), 2.0), lambda x, t, r: F.huber_loss(x, t, r),
         lambda x, t, r: reduce(huber(x - t, 1.0), r),
         lambda torch, x, t, r: torch.nn.functional.huber_loss(x, t, reduction=r)),
    Case("huber-delta-0.5", pair((3, 4), 2.0), lambda x, t, r: F.huber_loss(x, t, r, 0.5),
         lambda x, t, r: reduce(huber(x - t, 0.5), r),
         lambda torch, x, t, r: torch.nn.functional.huber_loss(x, t, reduction=r, delta=0.5)),
    ce_case("ce", logits_and_classes((5, 4))),
    ce_case("ce-transposed-logits", transposed(logits_and_classes((5, 4)))),
    ce_case("ce-weight", logits_and_classes((5, 4)), weighted=True),
    ce_case("ce-smoothing", logits_and_classes((5, 4)), smoothing=0.2),
    ce_case("ce-weight-smoothing-ignore", logits_and_classes((6, 4), ignore=-100),
            smoothing=0.3, weighted=True),
    ce_case("ce-ignore-a-class", logits_and_classes((6, 4), ignore=1), ignore_index=1),
    ce_case("ce-k-dim", logits_and_classes((2, 4, 3, 2), ignore=-100), 0.1, weighted=True),
    ce_case("ce-unbatched", logits_and_classes((4,))),
    ce_case("ce-probabilities", logits_and_probabilities((5, 4)), 0.2, weighted=True),
    ce_case("ce-probabilities-k-dim", logits_and_probabilities((2, 4, 3))),
    ce_case("ce-probabilities-unbatched", logits_and_probabilities((4,))),
    nll_case("nll", (6, 4), ignore=-100),
    nll_case("nll-k-dim", (2, 4, 3), ignore=None),
    bce_case("bce-with-logits", weighted=False),
    Case("ce-probabilities-transposed", transposed(logits_and_probabilities((5, 4))),
         lambda x, p, r: F.cross_entropy(x, p, reduction=r),
         lambda x, p, r: ref_cross_entropy(x, p, None, r),
         lambda torch, x, p, r: torch.nn.functional.cross_entropy(x, p, reduction=r)),
    bce_case("bce-with-logits-weights", weighted=True),
    margin_case("multi-margin", 1, 1.0, weighted=False),
    margin_case("multi-margin-squared-weighted", 2, 0.5, weighted=True),
    Case("multiclass-hinge (svm)", logits_and_classes((5, 4)),
         lambda x, t, r: F.multiclass_hinge_loss(x, stir.tensor(t), reduction=r),
         lambda x, t, r: ref_hinge(x, t, 1, 1.0, None, r, divide=False),
         # the seed's SVM loss is PyTorch's multi_margin_loss times C
         lambda torch, x, t, r: 4 * torch.nn.functional.multi_margin_loss(
             x, torch.as_tensor(t), reduction=r), smooth=False),
    Case("perceptron", lambda rng: ((rng.standard_normal(6),), (signs(rng, (6,)),)),
         lambda s, y, r: F.perceptron_loss(s, stir.tensor(y), r),
         lambda s, y, r: reduce(np.maximum(0, -y * s), r),
         lambda torch, s, y, r: reduced_torch(torch, torch.relu(-torch.as_tensor(y) * s), r),
         smooth=False),
    Case("cosine-similarity-loss", pair((4, 3)),
         lambda x, t, r: F.cosine_similarity_loss(x, t, reduction=r),
         lambda x, t, r: reduce(1 - ref_cosine(x, t), r),
         lambda torch, x, t, r: reduced_torch(
             torch, 1 - torch.nn.functional.cosine_similarity(x, t), r)),
    Case("cosine-embedding", lambda rng: (pair((5, 3))(rng)[0], (signs(rng, (5,)),)),
         lambda a, b, y, r: F.cosine_embedding_loss(a, b, stir.tensor(y), 0.2,
                                                         reduction=r),
         lambda a, b, y, r: ref_cosine_embedding(a, b, y, 0.2, r),
         lambda torch, a, b, y, r: torch.nn.functional.cosine_embedding_loss(
             a, b, torch.as_tensor(y), 0.2, reduction=r)),
]
PARAMS = [pytest.param(case, r, id=f"{case.name}-{r}") for case in CASES for r in REDUCTIONS]


def sample(case: Case, dtype: Any = np.float64) -> tuple[tuple[np.ndarray, ...], tuple]:
    inputs, constants = case.make(np.random.default_rng(len(case.name)))
    return tuple(a.astype(dtype) for a in inputs), constants


def leaves(arrays: tuple[np.ndarray, ...]) -> list[stir.Tensor]:
    return [stir.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case, reduction", PARAMS)
def test_matches_numpy_in_float64(case: Case, reduction: str) -> None:
    inputs, constants = sample(case)
    out = case.stir_fn(*leaves(inputs), *constants, reduction)
    expected = np.asarray(case.numpy_fn(*inputs, *constants, reduction))
    assert out.dtype == np.float64 and out.shape == expected.shape
    np.testing.assert_allclose(out.array, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case, reduction", PARAMS)
def test_gradcheck(case: Case, reduction: str) -> None:
    inputs, constants = sample(case)
    assert stir.gradcheck(lambda *xs: case.stir_fn(*xs, *constants, reduction), leaves(inputs))


@pytest.mark.parametrize("case, reduction",
                         [p for p in PARAMS if p.values[0].smooth])
def test_gradgradcheck(case: Case, reduction: str) -> None:
    inputs, constants = sample(case)
    assert stir.gradgradcheck(lambda *xs: case.stir_fn(*xs, *constants, reduction),
                              leaves(inputs))


@pytest.mark.parametrize("case, reduction", PARAMS)
def test_recorded_backward_equals_the_ordinary_one(case: Case, reduction: str) -> None:
    """The backward on tensors (create_graph=True, which higher derivatives build on) and the
    fast one on arrays compute the same gradient."""
    inputs, constants = sample(case)
    xs = leaves(inputs)
    out = case.stir_fn(*xs, *constants, reduction)
    cotangent = stir.tensor(np.random.default_rng(2).standard_normal(out.shape))
    recorded = stir.grad(out, xs, grad_outputs=cotangent, create_graph=True)
    ordinary = stir.grad(out, xs, grad_outputs=cotangent)
    for a, b in zip(recorded, ordinary):
        np.testing.assert_allclose(a.array, b.array, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("case, reduction", PARAMS)
def test_matches_pytorch_in_float32(case: Case, reduction: str) -> None:
    torch = pytest.importorskip("torch")
    inputs, constants = sample(case, np.float32)
    ours = leaves(inputs)
    theirs = [torch.tensor(a, requires_grad=True) for a in inputs]
    out = case.stir_fn(*ours, *constants, reduction)
    expected = case.torch_fn(torch, *theirs, *constants, reduction)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.array, expected.detach().numpy(), rtol=1e-3, atol=1e-5)
    cotangent = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    out.backward(stir.tensor(cotangent))
    expected.backward(torch.tensor(cotangent))
    for mine, reference in zip(ours, theirs):
        assert mine.grad.dtype == np.float32
        np.testing.assert_allclose(mine.grad.array, reference.grad.numpy(), rtol=1e-3, atol=1e-5)


# ----------------------------------------------------------------------------- stability
def softmax_minus_onehot(x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(softmax(x) - onehot(t)) / N in float64, for logits whose softmax is exactly 0s and 1s
    or halves (so the float64 reference is exact)."""
    exps = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    grad = exps / exps.sum(axis=1, keepdims=True)
    grad[np.arange(len(target)), target] -= 1
    return grad / len(target)


@pytest.mark.parametrize("big, dtype", [(1e3, np.float32), (1e300, np.float64)])
def test_cross_entropy_is_finite_and_exact_at_huge_logits(big: float, dtype: Any) -> None:
    x = np.array([[big, -big, 0.0], [-big, big, big], [0.0, -big, -big]], dtype=dtype)
    target = np.array([1, 2, 0])
    logits = stir.tensor(x, requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.cross_entropy(logits, stir.tensor(target))
        loss.backward()
    # row 0 pays 2·big, row 1 ln 2, row 2 nothing
    assert loss.item() == pytest.approx((2 * big + math.log(2)) / 3, rel=1e-6)
    assert np.isfinite(logits.grad.array).all()
    np.testing.assert_allclose(logits.grad.array, softmax_minus_onehot(x, target), atol=1e-7)


@pytest.mark.parametrize("big, dtype", [(1e3, np.float32), (1e300, np.float64)])
def test_cross_entropy_with_probabilities_and_smoothing_is_finite_at_huge_logits(
        big: float, dtype: Any) -> None:
    x = stir.tensor(np.array([[big, -big], [-big, big]], dtype=dtype), requires_grad=True)
    p = stir.tensor(np.array([[0.0, 1.0], [0.0, 1.0]], dtype=dtype), requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.cross_entropy(x, p, label_smoothing=0.1, reduction="sum")
        loss.backward()
    # -(0.05·log 1 + 0.95·log e^(-2big)) = 1.9 big for row 0; 0.05·2big for row 1
    assert loss.item() == pytest.approx(1.9 * big + 0.1 * big, rel=1e-6)
    np.testing.assert_allclose(x.grad.array, [[0.95, -0.95], [-0.05, 0.05]], atol=1e-6)
    # dL/dp = -(1 - ε)·log softmax(x)
    np.testing.assert_allclose(p.grad.array, [[0.0, 1.8 * big], [1.8 * big, 0.0]], rtol=1e-6)


@pytest.mark.parametrize("big, dtype", [(1e3, np.float32), (1e300, np.float64)])
def test_bce_with_logits_is_finite_and_exact_at_huge_logits(big: float, dtype: Any) -> None:
    x = stir.tensor(np.array([big, -big, big, -big], dtype=dtype), requires_grad=True)
    y = stir.tensor(np.array([1.0, 0.0, 0.0, 0.5], dtype=dtype), requires_grad=True)
    with np.errstate(all="raise"):
        losses = F.binary_cross_entropy_with_logits(x, y, reduction="none")
        losses.sum().backward()
    np.testing.assert_allclose(losses.array, [0.0, 0.0, big, 0.5 * big], rtol=1e-6)
    np.testing.assert_allclose(x.grad.array, [0.0, 0.0, 1.0, -0.5], atol=1e-7)
    np.testing.assert_allclose(y.grad.array, [-big, big, -big, big], rtol=1e-6)
    with np.errstate(all="raise"):
        weighted = F.binary_cross_entropy_with_logits(x, y, pos_weight=stir.tensor([2.0]))
        weighted.backward()
    assert np.isfinite(weighted.item()) and np.isfinite(x.grad.array).all()


@pytest.mark.parametrize("offset", [0.0, 1e4, 1e20, 3e38, -3e38])
def test_cross_entropy_of_two_equal_logits_is_ln_2_at_any_offset(offset: float) -> None:
    logits = stir.tensor(np.full((1, 2), offset, dtype=np.float32), requires_grad=True)
    with np.errstate(all="raise"):
        loss = F.cross_entropy(logits, stir.tensor([0]))
        loss.backward()
    assert loss.item() == pytest.approx(math.log(2), rel=1e-6)
    np.testing.assert_allclose(logits.grad.array, [[-0.5, 0.5]])


# ----------------------------------------------------------------------------- the fused path
def test_cross_entropy_fused_backward_can_run_twice_with_retain_graph() -> None:
    logits = stir.randn(8, 5, requires_grad=True)
    loss = F.cross_entropy(logits, stir.tensor(np.arange(8) % 5))
    loss.backward(retain_graph=True)
    first = logits.grad.array.copy()
    loss.backward()
    np.testing.assert_allclose(logits.grad.array, 2 * first, rtol=1e-6)


def test_cross_entropy_gives_no_gradient_to_ignored_rows_and_nan_when_all_are_ignored() -> None:
    logits = stir.randn(4, 3, requires_grad=True)
    F.cross_entropy(logits, stir.tensor([0, -100, 2, -100])).backward()
    assert not logits.grad.array[[1, 3]].any() and logits.grad.array[[0, 2]].any()
    assert math.isnan(F.cross_entropy(logits, stir.tensor([-100, -100, -100, -100])).item())


@pytest.mark.parametrize("dtype", [np.int32, np.int16, np.uint8, np.int64])
def test_cross_entropy_accepts_every_integer_dtype(dtype: Any) -> None:
    x = stir.randn(3, 4)
    expected = F.cross_entropy(x, stir.tensor([3, 0, 1])).item()
    assert F.cross_entropy(x, np.array([3, 0, 1], dtype=dtype)).item() == expected


@pytest.mark.parametrize("settings", [{}, {"reduction": "none"}, {"label_smoothing": 0.1},
                                      {"ignore_index": 2}, {"weight": [0.5, 1, 2, 1, 3]}])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_of_transposed_logits_is_bit_identical_to_their_copy(
        settings: dict, dtype: Any) -> None:
    """Logits that are a transposed view (column-major) give the same bits as their C-ordered
    copy: the sums over each row run in one order whatever the layout."""
    rng = np.random.default_rng(3)
    columns = (rng.standard_normal((5, 33)) * 4).astype(dtype)  # (classes, rows)
    target = stir.tensor(rng.integers(0, 5, 33))
    if "weight" in settings:
        settings = {"weight": stir.tensor(np.array(settings["weight"], dtype=dtype))}
    assert not columns.T.flags.c_contiguous
    results = []
    for logits in (columns.T, np.ascontiguousarray(columns.T)):
        x = stir.tensor(logits, requires_grad=True)
        loss = F.cross_entropy(x, target, **settings)
        (loss.sum() if loss.ndim else loss).backward()
        results.append((loss.array.copy(), x.grad.array.copy()))
    for first, second in zip(*results):
        assert first.tobytes() == second.tobytes()


def test_second_derivative_of_cross_entropy_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((4, 3))
    v = np.random.default_rng(4).standard_normal((4, 3))
    ours = stir.tensor(x, requires_grad=True)
    g, = stir.grad(F.cross_entropy(ours, stir.tensor([0, 2, 1, 2])), ours, create_graph=True)
    hv, = stir.grad((g * stir.tensor(v)).sum(), ours)
    theirs = torch.tensor(x, requires_grad=True)
    tg, = torch.autograd.grad(torch.nn.functional.cross_entropy(
        theirs, torch.tensor([0, 2, 1, 2])), theirs, create_graph=True)
    thv, = torch.autograd.grad((tg * torch.tensor(v)).sum(), theirs)
    np.testing.assert_allclose(hv.array, thv.numpy(), rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------- errors
def raises(match: str) -> Any:
    return pytest.raises(ValueError, match=match)


LOGITS = stir.randn(4, 3)


@pytest.mark.parametrize("target, match", [
    ([0, 1, 3, 2], r"cross_entropy: target 3 is out of range for 3 classes.*\[0, 3\)"),
    ([0, -1, 2, 2], r"cross_entropy: target -1 is out of range for 3 classes"),
    ([0, -7, 2, 2], r"ignore_index=-100"),
    (np.array([True, False, True, True]), r"cross_entropy: target must be an integer.*bool"),
    ([[0], [1], [2], [0]], r"cross_entropy: a class-index target .* shape \(4,\).*\(4, 1\)"),
    ([0, 1, 2], r"cross_entropy: a class-index target .* shape \(4,\).*got \(3,\)"),
    (np.zeros(4, dtype=np.float32), r"cross_entropy: a float target .* class probabilities"),
    (np.full((4, 3), np.nan, dtype=np.float32), r"cross_entropy: the target .* NaN"),
])
def test_cross_entropy_names_what_is_wrong_with_the_target(target: Any, match: str) -> None:
    with raises(match):
        F.cross_entropy(LOGITS, target)


def test_cross_entropy_allows_its_ignore_index_outside_the_classes() -> None:
    assert np.isfinite(F.cross_entropy(LOGITS, [0, -1, 2, 2], ignore_index=-1).item())
    with raises("target 5 is out of range"):
        F.cross_entropy(LOGITS, [0, 5, 2, 2], ignore_index=-1)


@pytest.mark.parametrize("call, match", [
    (lambda: F.cross_entropy(LOGITS, [0, 1, 2, 0], weight=[1.0, 2.0]),
     r"cross_entropy: weight must hold one number per class, shape \(3,\)"),
    (lambda: F.cross_entropy(LOGITS, [0, 1, 2, 0], weight=[1.0, np.inf, 1.0]),
     "cross_entropy: weight contains NaN or infinity"),
    (lambda: F.cross_entropy(LOGITS, [0, 1, 2, 0], label_smoothing=1.5),
     r"cross_entropy: label_smoothing must be in \[0, 1\]"),
    (lambda: F.cross_entropy(stir.tensor(2.0), [0]), "cross_entropy: input must be floating"),
    (lambda: F.cross_entropy(stir.tensor([[1, 2]]), [0]), "cross_entropy: input must be float"),
    (lambda: F.nll_loss(LOGITS, [0, 1, 2, 9]), "nll_loss: target 9 is out of range"),
    (lambda: F.multi_margin_loss(LOGITS, [0, 1, 2, 0], p=3), "multi_margin_loss: p must be"),
    (lambda: F.multi_margin_loss(LOGITS, [0, 1, 2, -100]), "multi_margin_loss: target -100"),
    (lambda: F.multiclass_hinge_loss(LOGITS, [0.0, 1, 2, 0]),
     "multiclass_hinge_loss: target must be an integer"),
    (lambda: F.perceptron_loss(stir.ones(3), [1, 0, -1]),
     "perceptron_loss: labels must be -1 or \\+1, got 0"),
    (lambda: F.cosine_embedding_loss(stir.ones(2, 3), stir.ones(2, 3), [1, 2]),
     "cosine_embedding_loss: target labels must be 1 or -1"),
    (lambda: F.cosine_similarity(stir.ones(2, 3), stir.ones(4, 3)),
     r"cosine_similarity: shapes \(2, 3\) and \(4, 3\) do not broadcast"),
    (lambda: F.huber_loss(stir.ones(2), stir.ones(2), delta=0.0), "huber_loss: delta must be"),
    (lambda: F.binary_cross_entropy_with_logits(stir.ones(3), [0.0, np.nan, 1.0]),
     "binary_cross_entropy_with_logits: the target contains NaN"),
    (lambda: F.binary_cross_entropy_with_logits(stir.ones(4, 3), stir.ones(4, 3),
                                                pos_weight=stir.ones(4)),
     r"pos_weight of shape \(4,\) does not broadcast to the input's shape \(4, 3\)"),
])
def test_bad_settings_are_named(call: Callable[[], Any], match: str) -> None:
    with raises(match):
        call()


REGRESSION = [F.mse_loss, F.l1_loss, F.huber_loss, F.binary_cross_entropy_with_logits,
              F.perceptron_loss, F.cosine_similarity_loss]


@pytest.mark.parametrize("loss", REGRESSION, ids=lambda f: f.__name__)
def test_regression_losses_refuse_to_broadcast(loss: Callable[..., Any]) -> None:
    with raises(rf"{loss.__name__}: input of shape \(4, 1\) and target of shape \(4,\) differ"):
        loss(stir.ones(4, 1), stir.ones(4))


ALL_LOSSES = {
    "mse_loss": (F.mse_loss, (stir.ones(2), stir.ones(2))),
    "l1_loss": (F.l1_loss, (stir.ones(2), stir.ones(2))),
    "huber_loss": (F.huber_loss, (stir.ones(2), stir.ones(2))),
    "cross_entropy": (F.cross_entropy, (LOGITS, [0, 1, 2, 0])),
    "nll_loss": (F.nll_loss, (LOGITS, [0, 1, 2, 0])),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits,
                                         (stir.ones(2), stir.ones(2))),
    "multi_margin_loss": (F.multi_margin_loss, (LOGITS, [0, 1, 2, 0])),
    "multiclass_hinge_loss": (F.multiclass_hinge_loss, (LOGITS, [0, 1, 2, 0])),
    "perceptron_loss": (F.perceptron_loss, (stir.ones(2), [1, -1])),
    "cosine_similarity_loss": (F.cosine_similarity_loss, (stir.ones(2, 2), stir.ones(2, 2))),
    "cosine_embedding_loss": (F.cosine_embedding_loss, (stir.ones(2, 2), stir.ones(2, 2),
                                                        [1, -1])),
}


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_every_loss_rejects_an_unknown_reduction(name: str) -> None:
    loss, arguments = ALL_LOSSES[name]
    with raises(rf"{name}: reduction must be one of"):
        loss(*arguments, reduction="average")


# ----------------------------------------------------------------------------- one_hot
@pytest.mark.parametrize("indices, num_classes", [
    (np.array([0, 2, 1]), -1), (np.array([[0, 3], [1, 1]]), 5), (np.array(2), 4),
    (np.zeros((0,), dtype=np.int64), 3), (np.array([1, 0], dtype=np.uint8), -1),
])
def test_one_hot_matches_pytorch(indices: np.ndarray, num_classes: int) -> None:
    torch = pytest.importorskip("torch")
    ours = F.one_hot(stir.tensor(indices), num_classes)
    theirs = torch.nn.functional.one_hot(torch.tensor(indices.astype(np.int64)), num_classes)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.array, theirs.numpy())


@pytest.mark.parametrize("indices, num_classes, match", [
    (stir.tensor([0.0, 1.0]), -1, "one_hot: needs an integer tensor"),
    (stir.tensor([0, -1]), 3, "one_hot: target -1 is out of range for 3 classes"),
    (stir.tensor([0, 3]), 3, "one_hot: target 3 is out of range for 3 classes"),
    (stir.tensor(np.zeros(0, dtype=np.int64)), -1, "one_hot: cannot infer"),
    (stir.tensor([0]), 0, "one_hot: num_classes must be positive"),
])
def test_one_hot_errors(indices: stir.Tensor, num_classes: int, match: str) -> None:
    with raises(match):
        F.one_hot(indices, num_classes)


# ----------------------------------------------------------------------------- modules
X, Y = stir.randn(4, 3), stir.randn(4, 3)
CLASSES = stir.tensor([0, 2, 1, 0])
PROBABILITIES = stir.tensor(np.full((4, 3), 1 / 3, dtype=np.float32))
MODULES = [
    (nn.MSELoss(reduction="sum"), (X, Y), F.mse_loss(X, Y, reduction="sum")),
    (nn.L1Loss(), (X, Y), F.l1_loss(X, Y)),
    (nn.HuberLoss(delta=0.3), (X, Y), F.huber_loss(X, Y, delta=0.3)),
    (nn.CrossEntropyLoss(weight=[1.0, 2.0, 3.0], label_smoothing=0.1, ignore_index=2),
     (X, CLASSES), F.cross_entropy(X, CLASSES, [1.0, 2.0, 3.0], reduction="mean",
                                   label_smoothing=0.1, ignore_index=2)),
    (nn.CrossEntropyLoss(), (X, PROBABILITIES), F.cross_entropy(X, PROBABILITIES)),
    (nn.NLLLoss(reduction="none"), (X, CLASSES), F.nll_loss(X, CLASSES, reduction="none")),
    (nn.BCEWithLogitsLoss(pos_weight=[2.0, 1.0, 0.5]), (X, PROBABILITIES),
     F.binary_cross_entropy_with_logits(X, PROBABILITIES, pos_weight=[2.0, 1.0, 0.5])),
    (nn.MultiMarginLoss(p=2, margin=0.5), (X, CLASSES),
     F.multi_margin_loss(X, CLASSES, 2, 0.5)),
    (nn.MultiClassHingeLoss(margin=2.0), (X, CLASSES),
     F.multiclass_hinge_loss(X, CLASSES, 2.0)),
    (nn.SVMLoss(), (X, CLASSES), F.svm_loss(X, CLASSES)),
    (nn.PerceptronLoss(), (X[:, 0], stir.tensor([1, -1, 1, 1])),
     F.perceptron_loss(X[:, 0], [1, -1, 1, 1])),
    (nn.CosineSimilarityLoss(dim=0), (X, Y), F.cosine_similarity_loss(X, Y, dim=0)),
    (nn.CosineEmbeddingLoss(margin=0.1), (X, Y, stir.tensor([1, -1, -1, 1])),
     F.cosine_embedding_loss(X, Y, [1, -1, -1, 1], 0.1)),
]


@pytest.mark.parametrize("module, inputs, expected", MODULES,
                         ids=[type(m[0]).__name__ for m in MODULES])
def test_modules_compute_their_function(module: nn.Module, inputs: tuple, expected: Any) -> None:
    np.testing.assert_array_equal(module(*inputs).array, expected.array)


def test_loss_modules_print_their_settings_and_keep_weights_as_buffers() -> None:
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    assert repr(nn.HuberLoss(reduction="sum", delta=2.0)) == "HuberLoss(reduction='sum', delta=2.0)"
    loss = nn.CrossEntropyLoss(weight=[1.0, 2.0])
    assert list(loss.state_dict()) == ["weight"] and loss.weight.dtype == np.float32
    assert list(loss.parameters()) == []
    with raises("MSELoss: reduction must be one of"):
        nn.MSELoss(reduction="average")
    with pytest.raises(TypeError):
        nn.CrossEntropyLoss(None, None)  # PyTorch's second positional is size_average


def test_svm_loss_is_multi_margin_loss_times_the_number_of_classes() -> None:
    scores, target = stir.randn(6, 5), stir.tensor([0, 4, 1, 2, 3, 3])
    np.testing.assert_allclose(F.svm_loss(scores, target).item(),
                               5 * F.multi_margin_loss(scores, target).item(), rtol=1e-6)


def test_cosine_similarity_matches_pytorch_with_broadcasting_dims_and_zero_vectors() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for a, b, dim in [(rng.standard_normal((3, 4)), rng.standard_normal((1, 4)), 1),
                      (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)), 0),
                      (np.zeros((2, 3)), rng.standard_normal((2, 3)), -1)]:
        ours = [stir.tensor(v, requires_grad=True) for v in (a, b)]
        theirs = [torch.tensor(v, requires_grad=True) for v in (a, b)]
        out = F.cosine_similarity(*ours, dim=dim)
        expected = torch.nn.functional.cosine_similarity(*theirs, dim=dim)
        np.testing.assert_allclose(out.array, expected.detach().numpy(), atol=1e-12)
        out.sum().backward()
        expected.sum().backward()
        for mine, reference in zip(ours, theirs):
            np.testing.assert_allclose(mine.grad.array, reference.grad.numpy(), atol=1e-12)
