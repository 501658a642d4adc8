"""Reductions, softmax and linear algebra against PyTorch 2.13 (issue 12): the same call in
both libraries must give the same values, dtype and shape (integer inputs included), the
same gradient where one exists, and an error of the same kind where PyTorch raises."""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable

import numpy as np
import pytest

import stir
import stir.nn.functional as F

torch = pytest.importorskip("torch", reason="PyTorch is the oracle for these tests")

X = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]], dtype=np.float32)
TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], dtype=np.float32)
CUBE = np.arange(24, dtype=np.float32).reshape(2, 3, 4) % 7 - 3
SQUARE = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0], [1.5, 2.0, -2.0]], dtype=np.float32)


def _to(library: Any, array: np.ndarray, grad: bool = False) -> Any:
    if library is torch:
        return torch.tensor(array, requires_grad=grad)
    return stir.tensor(array, requires_grad=grad)


def _plain(value: Any) -> Any:
    """A result as comparable pieces: arrays with their dtype names (tuples stay tuples)."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if isinstance(value, torch.Tensor):
        return value.detach().numpy(), str(value.dtype).replace("torch.", "")
    return np.asarray(value.array), str(value.dtype)


def assert_same(ours: Any, theirs: Any) -> None:
    ours, theirs = _plain(ours), _plain(theirs)
    if isinstance(theirs, tuple) and isinstance(theirs[0], tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for mine, reference in zip(ours, theirs):
            assert_same_plain(mine, reference)
    else:
        assert_same_plain(ours, theirs)


def assert_same_plain(ours: tuple[np.ndarray, str], theirs: tuple[np.ndarray, str]) -> None:
    (value, dtype), (expected, expected_dtype) = ours, theirs
    assert dtype == expected_dtype
    assert value.shape == expected.shape
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-6, equal_nan=True)


def both(call: Callable[[Any, Any], Any], array: np.ndarray = X) -> None:
    """call(library, tensor) in stir and in PyTorch: same values, dtypes and shapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = call(torch, _to(torch, array))
        ours = call(stir, _to(stir, array))
    assert_same(ours, theirs)


VALUE_CASES: dict[str, Callable[[Any, Any], Any]] = {
    # var and std: unbiased by default, positional unbiased and keepdim, correction, tuples
    "var": lambda m, a: a.var(),
    "var-dim": lambda m, a: a.var(1),
    "var-dim-biased-positional": lambda m, a: a.var(1, False),
    "var-unbiased-only": lambda m, a: a.var(False),
    "var-keepdim": lambda m, a: a.var(-1, unbiased=False, keepdim=True),
    "var-correction-tuple": lambda m, a: m.var(a, dim=(0, 1), correction=2),
    "var-single-is-nan": lambda m, a: a[:1, :1].var(),
    "var-column-of-one-is-nan": lambda m, a: a[:1].var(0),
    "var-correction-too-big": lambda m, a: a[0, :2].var(correction=3),
    "std": lambda m, a: a.std(),
    "std-dim-negative": lambda m, a: m.std(a, -2),
    "std_mean": lambda m, a: m.std_mean(a, 1),
    "var_mean-correction": lambda m, a: m.var_mean(a, dim=1, correction=0, keepdim=True),
    # norms
    "norm": lambda m, a: a.norm(),
    "norm-p1": lambda m, a: a.norm(1),
    "norm-inf": lambda m, a: m.norm(-a, float("inf")),
    "norm-minus-inf": lambda m, a: m.norm(a, float("-inf"), dim=0),
    "norm-p0": lambda m, a: m.norm(a - 1, 0),
    "norm-fro-dim": lambda m, a: a.norm("fro", dim=1),
    "norm-dim-keepdim": lambda m, a: a.norm(dim=1, keepdim=True),
    "norm-p3-tuple": lambda m, a: m.norm(a, 3, dim=(0, 1)),
    "norm-dtype": lambda m, a: m.norm(a, dtype=m.float64),
    "norm-empty": lambda m, a: m.norm(a[:0]),
    # products and running sums, with PyTorch's int64 for integers and bools
    "prod": lambda m, a: a.prod(),
    "prod-dim-keepdim": lambda m, a: a.prod(1, keepdim=True),
    "prod-int32": lambda m, a: a.int().prod(),
    "prod-bool": lambda m, a: (a > 1).prod(),
    "prod-dtype": lambda m, a: a.long().prod(dtype=m.float64),
    "prod-empty-dim": lambda m, a: a[:0].prod(0),
    "sum-int32": lambda m, a: a.int().sum(),
    "sum-bool": lambda m, a: (a > 2).sum(1),
    "sum-uint8": lambda m, a: (a * 50).to(m.uint8).sum(),
    "sum-dtype": lambda m, a: a.long().sum(dtype=m.float32),
    "sum-tuple-keepdim": lambda m, a: a.sum((0, 1), True),
    "cumsum": lambda m, a: a.cumsum(1),
    "cumsum-int32": lambda m, a: a.int().cumsum(0),
    "cumsum-bool": lambda m, a: m.cumsum(a > 2, dim=-1),
    "cumsum-dtype": lambda m, a: a.long().cumsum(1, dtype=m.float32),
    "cumsum-0d": lambda m, a: a[0, 0].cumsum(0),
    "cumprod": lambda m, a: a.cumprod(-1),
    "cumprod-int": lambda m, a: m.cumprod(a.long(), 0),
    "count_nonzero": lambda m, a: m.count_nonzero(a - 2),
    "count_nonzero-dim": lambda m, a: (a - 2).count_nonzero(1),
    "count_nonzero-tuple": lambda m, a: (a - 2).count_nonzero(dim=(0, 1)),
    # means: integers need dtype=
    "mean-tuple": lambda m, a: a.mean((0, 1)),
    "mean-positional-keepdim": lambda m, a: a.mean(1, True),
    "mean-int-dtype": lambda m, a: a.long().mean(dtype=m.float64),
    "mean-empty": lambda m, a: a[:0].mean(),
    # extremes
    "max": lambda m, a: a.max(),
    "max-int": lambda m, a: a.long().max(),
    "max-dim": lambda m, a: a.max(1),
    "max-dim-keyword-keepdim": lambda m, a: m.max(a, dim=1, keepdim=True),
    "max-dim-negative": lambda m, a: m.max(a, -1),
    "max-int-dim": lambda m, a: a.long().max(0),
    "max-0d-dim": lambda m, a: a[0, 0].max(0),
    "max-empty-other-dim": lambda m, a: a[:0].max(1),
    "max-elementwise": lambda m, a: m.max(a, m.zeros(3) + 3),
    "max-elementwise-method": lambda m, a: a.max(a.flip(0)),
    "min-dim": lambda m, a: m.min(a, -1),
    "min-elementwise": lambda m, a: m.min(a, a.flip(1)),
    "amax": lambda m, a: a.amax(),
    "amax-dim": lambda m, a: a.amax(1),
    "amax-tuple-keepdim": lambda m, a: a.amax((0, 1), True),
    "amin-dim": lambda m, a: m.amin(a, -2),
    "amax-empty-other-dim": lambda m, a: a[:0].amax(1),
    "aminmax": lambda m, a: m.aminmax(a),
    "aminmax-dim": lambda m, a: a.aminmax(dim=0, keepdim=True),
    "argmax": lambda m, a: m.argmax(a),
    "argmax-keepdim-no-dim": lambda m, a: m.argmax(a, keepdim=True),
    "argmax-dim-keepdim": lambda m, a: m.argmax(a, 1, True),
    "argmin-dim": lambda m, a: a.argmin(dim=-1),
    "argmax-0d": lambda m, a: a[0, 0].argmax(0),
    "argmax-int": lambda m, a: a.long().argmax(0),
    "median": lambda m, a: a.median(),
    "median-int": lambda m, a: a.long().median(),
    "median-dim": lambda m, a: a.median(1),
    "median-dim-keepdim": lambda m, a: m.median(a, 0, keepdim=True),
    "median-even": lambda m, a: a.reshape(-1)[:4].median(0),
    "median-empty": lambda m, a: a[:0].median(),
    "any": lambda m, a: m.any(a > 8),
    "any-dim": lambda m, a: (a > 4).any(1),
    "all-dim-keepdim": lambda m, a: m.all(a > 1, dim=1, keepdim=True),
    "all-float": lambda m, a: a.all(),
    # logsumexp, softmax and log_softmax
    "logsumexp": lambda m, a: a.logsumexp(1),
    "logsumexp-tuple-keepdim": lambda m, a: m.logsumexp(a, (0, 1), keepdim=True),
    "logsumexp-int": lambda m, a: m.logsumexp(a.long(), 1),
    "logsumexp-empty-dim": lambda m, a: a[:, :0].logsumexp(1),
    "logsumexp-empty-other-dim": lambda m, a: a[:, :0].logsumexp(0),
    "softmax-method": lambda m, a: a.softmax(1),
    "softmax-function": lambda m, a: m.softmax(a, dim=0),
    "softmax-dtype": lambda m, a: a.long().softmax(1, dtype=m.float64),
    "softmax-empty-dim": lambda m, a: a[:, :0].softmax(1),
    "softmax-empty-other-dim": lambda m, a: a[:, :0].softmax(0),
    "softmax-0d": lambda m, a: a[0, 0].softmax(-1),
    "softmax-empty-int": lambda m, a: m.softmax(a[:0].int(), 1),
    "log_softmax-empty-bool": lambda m, a: (a[:0] > 1).log_softmax(-1),
    "matmul-empty-bool": lambda m, a: m.matmul(a[:, :0] > 1, a[:0] > 1),
    "matmul-empty-vector-bool": lambda m, a: m.matmul(a[:0, 0] > 1, a[:0] > 1),
    "matmul-empty-batched-promotes": lambda m, a: m.matmul(a[:, :0].int(), a[None, :0]),
    "matmul-empty-batched-second-dtype": lambda m, a: m.matmul(a[None, :, :0].double(),
                                                               a[None, :0]),
    "log_softmax-method": lambda m, a: a.log_softmax(-1),
    "log_softmax-function": lambda m, a: m.log_softmax(a, 0),
    "log_softmax-empty": lambda m, a: m.log_softmax(a[:, :0], 1),
    "F.softmax-dtype": lambda m, a: m.nn.functional.softmax(a, dim=1, dtype=m.float64),
    # linear algebra
    "mm": lambda m, a: m.mm(a, a.t()),
    "mm-int": lambda m, a: a.long().mm(a.long().t()),
    "bmm": lambda m, a: m.bmm(a[None], a.t()[None]),
    "mv": lambda m, a: a.mv(a[0]),
    "dot": lambda m, a: m.dot(a[0], a[1]),
    "dot-int": lambda m, a: a[0].long().dot(a[1].long()),
    "vdot": lambda m, a: m.vdot(a[0], a[1]),
    "outer": lambda m, a: m.outer(a[0], a[1, :2]),
    "outer-promotes": lambda m, a: m.outer(a[0].long(), a[1]),
    "ger": lambda m, a: a[0].ger(a[1]),
    "inner": lambda m, a: m.inner(a, a),
    "inner-0d": lambda m, a: m.inner(a[0, 0], a),
    "t": lambda m, a: a.t(),
    "t-function": lambda m, a: m.t(a),
    "t-1d": lambda m, a: a[0].t(),
    "t-0d": lambda m, a: a[0, 0].t(),
    "matmul-function": lambda m, a: m.matmul(a, a.t()),
    "matmul-method-vector": lambda m, a: a.matmul(a[0]),
    "addmm": lambda m, a: m.addmm(a[0, :2], a, a.t(), beta=0.5, alpha=2),
    "trace": lambda m, a: m.trace(a),
    "trace-int32": lambda m, a: a.int().trace(),
    "nansum": lambda m, a: (a.log() - 1).log().nansum(),
    "nansum-dim-keepdim": lambda m, a: m.nansum((a - 3).log(), 1, keepdim=True),
    "nansum-int": lambda m, a: a.long().nansum(),
    "nanmean-dim": lambda m, a: (a - 3).log().nanmean(dim=0),
    "nanmean-dtype": lambda m, a: a.nanmean(dtype=m.float64),
    "addmm-matrix": lambda m, a: m.addmm(a @ a.t(), a, a.t()),
    "addmm-method": lambda m, a: (a @ a.t()).addmm(a, a.t(), beta=0),
    "einsum": lambda m, a: m.einsum("ij,kj->ik", a, a),
    "einsum-list": lambda m, a: m.einsum("ij,kj->ik", [a, a]),
    "einsum-implicit": lambda m, a: m.einsum("ij,jk", a, a.t()),
    "einsum-spaces": lambda m, a: m.einsum("i j , k j -> i k", a, a),
    "einsum-ellipsis": lambda m, a: m.einsum("...ij,...kj->...ik", a[None], a),
    "einsum-broadcast-one": lambda m, a: m.einsum("ij,ij->ij", a[:1], a),
    "einsum-transpose": lambda m, a: m.einsum("ij->ji", a),
    "einsum-sum": lambda m, a: m.einsum("ij->", a),
    "einsum-sublist": lambda m, a: m.einsum(a, [0, 1], a.t(), [1, 2], [0, 2]),
    "einsum-three": lambda m, a: m.einsum("ij,jk,kl->il", a, a.t(), a),
}


@pytest.mark.parametrize("call", VALUE_CASES.values(), ids=VALUE_CASES.keys())
def test_values_dtypes_and_shapes_as_in_pytorch(call: Callable[[Any, Any], Any]) -> None:
    both(call)


SQUARE_CASES = {
    "einsum-trace": lambda m, a: m.einsum("ii", a),
    "einsum-diagonal": lambda m, a: m.einsum("ii->i", a),
    "median-3x3": lambda m, a: a.median(0),
    "max-ties-first": lambda m, a: (a * 0 + 1).max(1),
}


@pytest.mark.parametrize("call", SQUARE_CASES.values(), ids=SQUARE_CASES.keys())
def test_square_matrices_as_in_pytorch(call: Callable[[Any, Any], Any]) -> None:
    both(call, SQUARE)


def test_max_dim_is_a_named_tuple_of_values_and_indices() -> None:
    x = stir.tensor(TIES)
    result = x.max(1)
    values, indices = result
    assert result.values is values and result.indices is indices and result[1] is indices
    assert indices.tolist() == [1, 0]  # the first of tied maxima, as PyTorch
    _, predicted = stir.max(x, 1)  # the idiom of classifier loops
    assert predicted.dtype == stir.int64 and predicted.tolist() == [1, 0]
    assert repr(x.min(dim=0)).startswith("min(values=tensor(")


def test_numpy_axis_keyword_still_gives_the_values_alone() -> None:
    x = stir.tensor(TIES, requires_grad=True)
    values = x.max(axis=1)
    assert isinstance(values, stir.Tensor) and values.tolist() == [3.0, 2.0]
    values.sum().backward()  # ties share the gradient, as amax
    np.testing.assert_array_equal(x.grad.array, [[0, 0.5, 0.5], [0.5, 0.5, 0]])
    assert x.min(axis=0, keepdims=True).shape == (1, 3)


GRADIENT_CASES: dict[str, tuple[Callable[[Any, Any], Any], np.ndarray]] = {
    "max-dim-ties-to-first": (lambda m, a: a.max(1).values, TIES),
    "max-dim-keepdim": (lambda m, a: m.max(a, 0, keepdim=True)[0], TIES),
    "min-dim": (lambda m, a: a.min(dim=1).values, TIES),
    "max-all-ties-shared": (lambda m, a: a.max(), TIES),
    "min-all-ties-shared": (lambda m, a: m.min(a), TIES),
    "amax-ties-shared": (lambda m, a: a.amax(1), TIES),
    "median-dim": (lambda m, a: a.median(1).values, X),
    "median-all": (lambda m, a: a.median(), X),
    "std-of-equal-entries-is-0": (lambda m, a: (a * 0 + 1).std(1), X),
    "std-of-one-entry-is-nan": (lambda m, a: a[:1].std(0), X),
    "var-dim": (lambda m, a: a.var(0), X),
    "norm-at-zero": (lambda m, a: (a * 0).norm(), X),
    "norm-dim-at-zero": (lambda m, a: (a * m.tensor([[0.0], [1.0]])).norm(dim=1), X),
    "norm-p1-at-zero": (lambda m, a: (a * 0).norm(1), X),
    "norm-p3-at-zero": (lambda m, a: (a * 0).norm(3), X),
    "norm-inf-ties": (lambda m, a: (a * m.tensor([1.0, -1.0, 0.0])).norm(float("inf")),
                      np.array([[2.0, 2.0, 1.0], [1.0, 2.0, 0.5]], dtype=np.float32)),
    "prod-one-zero": (lambda m, a: (a - 2).prod(1), X),
    "prod-two-zeros": (lambda m, a: (a * m.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])).prod(),
                       X),
    "cumprod-zeros": (lambda m, a: (a - 2).cumprod(1), X),
    "cumsum": (lambda m, a: a.cumsum(0), X),
    "prod-of-nothing": (lambda m, a: a[a > 100].prod(0), X),
    "min-all-nan-upstream-to-the-minimum-alone": (lambda m, a: a.min() * float("nan"), X),
    "amax-nan-upstream-spreads": (lambda m, a: a.amax(1) * float("nan"), TIES),
    "amin-of-nan-spreads": (lambda m, a: (a.log() - 1).amin(0), TIES - 1),
    "aminmax-ties": (lambda m, a: sum(a.aminmax(dim=1)), TIES),
    "logsumexp-empty": (lambda m, a: a[:, :0].logsumexp(1), X),
    "softmax-empty": (lambda m, a: a[:, :0].softmax(1), X),
    "einsum-diagonal": (lambda m, a: m.einsum("ii->i", a), SQUARE),
    "einsum-broadcast-one": (lambda m, a: m.einsum("ij,ij->ij", a[:1], a), X),
    "inner": (lambda m, a: m.inner(a, a * 2), X),
    "addmm": (lambda m, a: m.addmm(a[0, :2], a, a.t(), beta=0.5, alpha=2), X),
    "trace": (lambda m, a: a.trace(), SQUARE),
    "nansum": (lambda m, a: (a - 2).log().nansum(1), X),
    "nanmean": (lambda m, a: (a - 2).log().nanmean(0), X),
}


@pytest.mark.parametrize("case", GRADIENT_CASES.values(), ids=GRADIENT_CASES.keys())
def test_gradients_as_in_pytorch(case: Any) -> None:
    call, array = case
    upstream = None
    grads = []
    for library in (torch, stir):
        x = _to(library, array, grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call(library, x)
            if upstream is None:
                upstream = np.random.default_rng(3).uniform(0.5, 2, tuple(out.shape))
            out.backward(_to(library, upstream.astype(np.float32)))
        grads.append(np.asarray(x.grad.numpy() if library is torch else x.grad.array))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6, equal_nan=True)


def test_softmax_without_dim_warns_and_picks_pytorchs_dim() -> None:
    for shape in [(3,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        array = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
            ours = F.softmax(stir.tensor(array))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch.nn.functional.softmax(torch.tensor(array))
        np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        F.log_softmax(stir.ones(2, 3))


def test_single_element_variance_warns_as_pytorch() -> None:
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert math.isnan(stir.tensor([1.0]).var().item())
    with pytest.warns(UserWarning, match="std\\(\\): degrees of freedom"):
        stir.tensor([[1.0, 2.0]]).std(0)


ERROR_CASES: dict[str, tuple[Callable[[Any, Any], Any], str]] = {
    "var-int": (lambda m, a: a.long().var(), "floating point"),
    "std-int": (lambda m, a: a.long().std(1), "floating point"),
    "mean-int": (lambda m, a: a.long().mean(), "could not infer output dtype"),
    "mean-bool": (lambda m, a: (a > 1).mean(), "could not infer output dtype"),
    "norm-int": (lambda m, a: a.long().norm(), "floating point"),
    "norm-bad-order": (lambda m, a: a.norm("foo"), "not supported"),
    "norm-fro-three-dims": (lambda m, a: m.norm(a[None], "fro", dim=(0, 1, 2)), "2-tuple"),
    "max-empty": (lambda m, a: a[:0].max(), "Expected reduction dim to be specified"),
    "max-empty-dim": (lambda m, a: a[:0].max(0), "to have non-zero size"),
    "amax-empty-dim": (lambda m, a: a[:0].amax(0), "to have non-zero size"),
    "max-dim-out-of-range": (lambda m, a: a.max(2), "out of range"),
    "max-dim-tuple": (lambda m, a: a.max(dim=(0, 1)), ""),
    "max-keepdim-without-dim": (lambda m, a: a.max(keepdim=True), ""),
    "argmax-empty": (lambda m, a: a[:0].argmax(), "Expected reduction dim to be specified"),
    "argmax-bool": (lambda m, a: (a > 1).argmax(), "does not support bool"),
    "median-empty-dim": (lambda m, a: a[:0].median(0), "to have non-zero size"),
    "prod-tuple": (lambda m, a: a.prod((0, 1)), ""),
    "cumsum-no-dim": (lambda m, a: a.cumsum(), ""),
    "cumsum-out-of-range": (lambda m, a: a.cumsum(3), "out of range"),
    "softmax-int": (lambda m, a: a.long().softmax(1), "not implemented for"),
    "softmax-no-dim": (lambda m, a: a.softmax(), ""),
    "softmax-dim-tuple": (lambda m, a: a.softmax((0, 1)), "must be int"),
    "softmax-out-of-range": (lambda m, a: a.softmax(2), "out of range"),
    "mm-vector": (lambda m, a: m.mm(a[0], a), "self must be a matrix"),
    "mm-batch": (lambda m, a: m.mm(a[None], a.t()), "self must be a matrix"),
    "mm-shapes": (lambda m, a: m.mm(a, a), "cannot be multiplied \\(2x3 and 2x3\\)"),
    "mm-dtypes": (lambda m, a: m.mm(a, a.t().double()), "same dtype"),
    "bmm-2d": (lambda m, a: m.bmm(a, a.t()), "batch1 must be a 3D tensor"),
    "bmm-batch-sizes": (lambda m, a: m.bmm(a[None].expand(2, 2, 3), a.t()[None]),
                        "Expected size for first two dimensions of batch2"),
    "mv-matrix": (lambda m, a: m.mv(a, a.t()), "vector \\+ matrix @ vector expected"),
    "mv-size": (lambda m, a: m.mv(a, a[:, 0]), "size mismatch"),
    "dot-2d": (lambda m, a: m.dot(a, a), "1D tensors expected"),
    "dot-size": (lambda m, a: m.dot(a[0], a[0, :2]), "inconsistent tensor size"),
    "dot-dtypes": (lambda m, a: m.dot(a[0], a[0].double()), "same dtype"),
    "outer-2d": (lambda m, a: m.outer(a, a[0]), "Expected 1-D argument self"),
    "inner-sizes": (lambda m, a: m.inner(a, a.t()), "last dimension must match"),
    "t-3d": (lambda m, a: a[None].t(), "t\\(\\) expects a tensor with <= 2 dimensions"),
    "trace-3d": (lambda m, a: a[None].trace(), "expected a matrix"),
    "nanmean-int": (lambda m, a: a.long().nanmean(), "floating point"),
    "matmul-0d": (lambda m, a: m.matmul(a[0, 0], a), "at least 1D"),
    "matmul-shapes": (lambda m, a: m.matmul(a, a), "cannot be multiplied"),
    "matmul-dtypes": (lambda m, a: a.matmul(a.t().double()), "same dtype"),
    "einsum-too-few": (lambda m, a: m.einsum("ij,jk->ik", a), "fewer operands"),
    "einsum-too-many": (lambda m, a: m.einsum("ij->ij", a, a), "more operands"),
    "einsum-sizes": (lambda m, a: m.einsum("ij,jk->ik", a, a), "does not broadcast"),
    "einsum-subscripts": (lambda m, a: m.einsum("ijk->i", a), "number of subscripts"),
    "einsum-output": (lambda m, a: m.einsum("ij->k", a), "does not appear"),
    "mm-bool": (lambda m, a: m.mm(a > 2, a.t() > 2), "not implemented for 'Bool'"),
    "matmul-bool-batch": (lambda m, a: m.matmul((a > 2).expand(2, 2, 3), a[0] > 2),
                          "not implemented for 'Bool'"),
    "dot-bool": (lambda m, a: m.dot(a[0] > 2, a[1] > 2), "not implemented for 'Bool'"),
    "matmul-empty-dot-bool": (lambda m, a: m.matmul(a[:0, 0] > 2, a[:0, 1] > 2),
                              "not implemented for 'Bool'"),
    "matmul-empty-dtypes": (lambda m, a: m.matmul(a[:, :0].int(), a[:0]), "same dtype"),
    "einsum-bool": (lambda m, a: m.einsum("ij,kj", a > 2, a > 2), "not implemented for 'Bool'"),
}


@pytest.mark.parametrize("case", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_errors_of_the_same_kind_as_pytorch(case: Any) -> None:
    call, message = case
    with pytest.raises(Exception) as theirs:
        call(torch, _to(torch, X))
    with pytest.raises(type(theirs.value), match=message or None):
        call(stir, _to(stir, X))


def test_einsum_dtypes_must_agree() -> None:
    with pytest.raises(RuntimeError, match="one dtype"):
        stir.einsum("i,i->", stir.ones(2), stir.ones(2, dtype=stir.float64))


def test_nuclear_norm_says_it_is_missing() -> None:
    with pytest.raises(NotImplementedError, match="nuclear norm"):
        stir.ones(2, 2).norm("nuc")


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]), ("iji->j", [(2, 3, 2)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 1)]), ("i,i->", [(4,), (4,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]), ("ij->", [(2, 3)]),
])
def test_einsum_second_derivatives_pass_gradgradcheck(equation: str,
                                                      shapes: list[tuple[int, ...]]) -> None:
    rng = np.random.default_rng(0)
    inputs = tuple(stir.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert stir.gradcheck(lambda *xs: stir.einsum(equation, *xs), inputs)
    assert stir.gradgradcheck(lambda *xs: stir.einsum(equation, *xs), inputs)


def test_products_with_zeros_pass_gradgradcheck() -> None:
    x = stir.tensor([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, -1.0], [1.0, 2.0, 0.0, 4.0]],
                    dtype=stir.float64, requires_grad=True)
    for function in (lambda v: v.prod(1), lambda v: v.prod(), lambda v: v.cumprod(1),
                     lambda v: v.cumprod(0)):
        assert stir.gradcheck(function, (x,))
        assert stir.gradgradcheck(function, (x,))
