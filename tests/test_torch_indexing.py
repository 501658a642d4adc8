"""Shape and indexing operations against PyTorch (issue 12): each case runs the same code with
`lib` as stir and as torch, and compares values, dtypes, shapes, gradients and errors."""

from __future__ import annotations

import re
import warnings
from typing import Any, Callable

import numpy as np
import pytest

import stir

torch = pytest.importorskip("torch")

X = np.arange(24, dtype=np.float32).reshape(2, 3, 4) % 7 - 3.0  # ties on purpose
M = np.array([[3.0, 1.0, 2.0], [0.5, 5.0, -1.0]], dtype=np.float32)
I = np.array([[1, 0, 2, 0], [2, 2, 1, 0]], dtype=np.int64)


def tensor(lib: Any, data: Any, **kwargs: Any) -> Any:
    """lib.tensor(data): an array keeps its dtype, a list takes the defaults."""
    if lib is torch and isinstance(data, np.ndarray):
        return torch.tensor(data.copy(), **kwargs)
    return lib.tensor(data, **kwargs)


def same(ours: Any, theirs: Any) -> None:
    """Equal values, dtype and shape, or the same structure of them (tuples, named tuples)."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        if hasattr(theirs, "_fields") or type(theirs).__module__ == "torch.return_types":
            for name in ("values", "indices", "hist", "bin_edges"):
                if hasattr(theirs, name):
                    same(getattr(ours, name), getattr(theirs, name))
        for a, b in zip(ours, theirs):
            same(a, b)
        return
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, stir.Tensor)
        expected = theirs.detach().numpy()
        assert tuple(ours.shape) == expected.shape
        assert ours.dtype == expected.dtype, (ours.dtype, expected.dtype)
        np.testing.assert_allclose(ours.array, expected, rtol=1e-6, atol=1e-6)
        return
    assert ours == theirs


CASES: dict[str, Callable[[Any], Any]] = {
    "repeat": lambda lib: tensor(lib, M).repeat(2, 1, 3),
    "repeat-tuple": lambda lib: tensor(lib, M).repeat((1, 2)),
    "repeat-zero": lambda lib: tensor(lib, M).repeat(0, 2),
    "tile": lambda lib: lib.tile(tensor(lib, M), (2,)),
    "repeat-interleave": lambda lib: tensor(lib, M).repeat_interleave(2, dim=-1),
    "repeat-interleave-flat": lambda lib: tensor(lib, M).repeat_interleave(2),
    "repeat-interleave-counts": lambda lib: lib.repeat_interleave(
        tensor(lib, M), tensor(lib, [0, 3]), dim=0),
    "repeat-interleave-indices": lambda lib: lib.repeat_interleave(tensor(lib, [1, 0, 2])),
    "expand-as": lambda lib: tensor(lib, M[:1]).expand_as(tensor(lib, X[:, :2, :3])),
    "view-as": lambda lib: tensor(lib, M).view_as(tensor(lib, M.T)),
    "reshape-as": lambda lib: tensor(lib, M).reshape_as(tensor(lib, M.ravel())),
    "flip": lambda lib: tensor(lib, X).flip(0, -1),
    "flip-tuple": lambda lib: lib.flip(tensor(lib, X), (1,)),
    "flip-keyword": lambda lib: lib.flip(tensor(lib, X), dims=[0, 2]),
    "flip-method-keyword": lambda lib: tensor(lib, X).flip(dims=(1,)),
    "tile-keyword": lambda lib: tensor(lib, M).tile(dims=(2, 1, 1)),
    "permute-keyword": lambda lib: tensor(lib, X).permute(dims=(2, 0, 1)),
    "fliplr": lambda lib: lib.fliplr(tensor(lib, M)),
    "roll": lambda lib: tensor(lib, X).roll(1, -1),
    "roll-flat": lambda lib: tensor(lib, X).roll(-5),
    "roll-many": lambda lib: lib.roll(tensor(lib, X), (1, 2), (0, 2)),
    "movedim": lambda lib: tensor(lib, X).movedim(0, -1),
    "movedim-tuple": lambda lib: lib.movedim(tensor(lib, X), (0, 1), (2, 0)),
    "moveaxis": lambda lib: lib.moveaxis(tensor(lib, X), -1, 0),
    "narrow": lambda lib: tensor(lib, X).narrow(-1, 1, 2),
    "narrow-negative-start": lambda lib: lib.narrow(tensor(lib, X), 1, -2, 2),
    "tril": lambda lib: tensor(lib, X).tril(),
    "tril-diagonal": lambda lib: lib.tril(tensor(lib, M), diagonal=1),
    "triu": lambda lib: tensor(lib, X).triu(-1),
    "triu-int": lambda lib: tensor(lib, I).triu(),
    "t": lambda lib: tensor(lib, M).t(),
    "t-1d": lambda lib: lib.t(tensor(lib, M[0])),
    "swapaxes": lambda lib: lib.swapaxes(tensor(lib, X), 0, -1),
    "swapdims": lambda lib: tensor(lib, X).swapdims(1, 2),
    "squeeze-tuple": lambda lib: tensor(lib, X[:1, :, :1]).squeeze((0, -1)),
    "squeeze-negative": lambda lib: tensor(lib, X[:, :1]).squeeze(-2),
    "unflatten": lambda lib: tensor(lib, X).unflatten(-1, (2, -1)),
    "gather": lambda lib: tensor(lib, X[0]).gather(1, tensor(lib, I[:, :3])),
    "gather-negative-dim": lambda lib: lib.gather(tensor(lib, X[0]), -2, tensor(lib, I[:, :2])),
    "gather-int": lambda lib: tensor(lib, I).gather(0, tensor(lib, [[1, 0]])),
    "scatter-src": lambda lib: tensor(lib, X[0]).scatter(1, tensor(lib, [[2, 0], [1, 3]]),
                                                         tensor(lib, M)),
    "scatter-value": lambda lib: lib.zeros(2, 4).scatter(1, tensor(lib, [[2, 2], [1, 3]]), 1.0),
    "scatter-value-int": lambda lib: tensor(lib, I).scatter(0, tensor(lib, [[1, 0]]), 7),
    "scatter-add": lambda lib: tensor(lib, X[0]).scatter_add(
        -1, tensor(lib, [[0, 0, 0], [3, 3, 1]]), tensor(lib, M)),
    "scatter-reduce-add": lambda lib: tensor(lib, M).scatter(
        1, tensor(lib, [[0, 0]]), tensor(lib, [[10.0, 20.0]]), reduce="add"),
    "scatter-reduce-multiply": lambda lib: tensor(lib, M).scatter(
        1, tensor(lib, [[2, 2]]), tensor(lib, [[10.0, 20.0]]), reduce="multiply"),
    "index-select": lambda lib: tensor(lib, X).index_select(-1, tensor(lib, [3, 0, 0])),
    "index-select-0d": lambda lib: tensor(lib, M).index_select(1, tensor(lib, 2)),
    "index-add": lambda lib: tensor(lib, M).index_add(1, tensor(lib, [0, 0]), lib.ones(2, 2),
                                                     alpha=2),
    "masked-fill": lambda lib: tensor(lib, X).masked_fill(tensor(lib, [True, False] * 2), -9.0),
    "masked-fill-0d": lambda lib: tensor(lib, M).masked_fill(
        tensor(lib, [[True], [False]]), tensor(lib, 4.0, dtype=lib.float64)),
    "masked-fill-int": lambda lib: tensor(lib, I).masked_fill(tensor(lib, I) > 0, 2.7),
    "masked-fill-broadcast": lambda lib: lib.masked_fill(
        lib.zeros(3), tensor(lib, [[True], [False]]), 1.0),
    "masked-select": lambda lib: tensor(lib, X).masked_select(tensor(lib, X) > 0),
    "masked-select-broadcast": lambda lib: tensor(lib, M).masked_select(
        tensor(lib, [True, False, True])),
    "take-along-dim": lambda lib: lib.take_along_dim(tensor(lib, M), tensor(lib, [[0], [2]]),
                                                     dim=1),
    "take-along-dim-flat": lambda lib: lib.take_along_dim(tensor(lib, M), tensor(lib, [5, 0])),
    "take-along-dim-broadcast": lambda lib: lib.take_along_dim(
        tensor(lib, M), tensor(lib, [[2, 1]]), dim=1),
    "nonzero": lambda lib: tensor(lib, I).nonzero(),
    "nonzero-tuple": lambda lib: lib.nonzero(tensor(lib, I), as_tuple=True),
    "nonzero-0d": lambda lib: lib.nonzero(tensor(lib, 5)),
    "nonzero-0d-tuple": lambda lib: tensor(lib, 0.0).nonzero(as_tuple=True),
    "chunk": lambda lib: tensor(lib, X).chunk(2, dim=-1),
    "chunk-fewer": lambda lib: lib.chunk(lib.arange(6), 4),
    "split-size": lambda lib: tensor(lib, X).split(3, dim=2),
    "split-sizes": lambda lib: lib.split(tensor(lib, X), [1, 2], dim=1),
    "unbind": lambda lib: tensor(lib, X).unbind(-1),
    "tensor-split": lambda lib: lib.tensor_split(lib.arange(7), 3),
    "tensor-split-indices": lambda lib: lib.arange(7).tensor_split([1, 5]),
    "tensor-split-unordered": lambda lib: lib.arange(7).tensor_split([5, 1, -1]),
    "tensor-split-tensor": lambda lib: lib.arange(7).tensor_split(tensor(lib, 2)),
    "sort": lambda lib: tensor(lib, X).sort(),
    "sort-descending-dim": lambda lib: tensor(lib, X).sort(0, descending=True),
    "sort-stable-ties": lambda lib: lib.sort(tensor(lib, [1, 1, 0, 1, 0]), stable=True,
                                             descending=True),
    "sort-nan": lambda lib: tensor(lib, [1.0, float("nan"), 0.0, -1.0]).sort(),
    "sort-nan-descending": lambda lib: tensor(lib, [1.0, float("nan"), 0.0]).sort(
        descending=True),
    "sort-bool": lambda lib: tensor(lib, [True, False, True]).sort(stable=True),
    "sort-0d": lambda lib: tensor(lib, 3.0).sort(),
    "argsort": lambda lib: lib.argsort(tensor(lib, M), dim=0, descending=True),
    "argsort-stable": lambda lib: tensor(lib, [2, 1, 2, 1]).argsort(stable=True),
    "msort": lambda lib: lib.msort(tensor(lib, M)),
    "topk": lambda lib: tensor(lib, M).topk(2),
    "topk-smallest": lambda lib: lib.topk(tensor(lib, M), 1, dim=0, largest=False),
    "topk-zero": lambda lib: tensor(lib, M).topk(0),
    "unique": lambda lib: lib.unique(tensor(lib, [[3, 1], [1, 2]]), return_inverse=True,
                                     return_counts=True),
    "unique-float": lambda lib: tensor(lib, [2.0, -1.0, 2.0]).unique(),
    "histc": lambda lib: lib.histc(tensor(lib, [1.0, 2.0, 1.0, 3.0, -1.0]), bins=4, min=0,
                                   max=3),
    "histc-own-range": lambda lib: tensor(lib, [1.0, 2.0, 1.0, 5.0]).histc(bins=4),
    "histc-one-point": lambda lib: lib.histc(tensor(lib, [1.0, 1.0]), bins=4),
    "histc-float64": lambda lib: lib.histc(tensor(lib, [0.5, 0.5], dtype=lib.float64), 2),
    "histogram": lambda lib: lib.histogram(tensor(lib, [1.0, 2.0, 1.0]), bins=4),
    "histogram-density": lambda lib: lib.histogram(tensor(lib, [1.0, 2.0, 1.0]), bins=4,
                                                   range=(0.0, 3.0), density=True),
    "histogram-edges": lambda lib: lib.histogram(tensor(lib, [1.0, 2.0, 1.0, 9.0]),
                                                 bins=tensor(lib, [0.0, 1.0, 5.0])),
    "histogram-weight": lambda lib: tensor(lib, [1.0, 2.0, 1.0]).histogram(
        3, weight=tensor(lib, [1.0, 2.0, 3.0])),
    "histogram-one-point": lambda lib: lib.histogram(tensor(lib, [1.0, 1.0]), bins=4),
    "bincount": lambda lib: lib.bincount(tensor(lib, [1, 1, 3])),
    "bincount-minlength": lambda lib: tensor(lib, [1, 1, 3]).bincount(minlength=6),
    "bincount-empty": lambda lib: lib.bincount(lib.zeros(0, dtype=lib.int64), minlength=2),
    "bincount-weights32": lambda lib: lib.bincount(tensor(lib, [1, 1, 3]),
                                                   tensor(lib, [1.0, 0.5, 3.0])),
    "bincount-weights-int": lambda lib: lib.bincount(tensor(lib, [0, 2]),
                                                     weights=tensor(lib, [4, 5])),
    "meshgrid-ij": lambda lib: lib.meshgrid(lib.arange(2), lib.arange(3), indexing="ij"),
    "meshgrid-xy": lambda lib: lib.meshgrid(lib.arange(2), lib.arange(3), lib.arange(4),
                                            indexing="xy"),
    "meshgrid-list": lambda lib: lib.meshgrid([lib.arange(2), tensor(lib, 5)], indexing="xy"),
    "cartesian-prod": lambda lib: lib.cartesian_prod(lib.arange(2), lib.arange(3)),
    "cartesian-prod-one": lambda lib: lib.cartesian_prod(lib.arange(3)),
    "cat": lambda lib: lib.cat([tensor(lib, M), tensor(lib, M[:1])]),
    "cat-dim": lambda lib: lib.cat((tensor(lib, M), tensor(lib, M[:, :1])), dim=-1),
    "cat-axis": lambda lib: lib.cat([tensor(lib, M), tensor(lib, M)], axis=1),
    "cat-promotes": lambda lib: lib.cat([lib.zeros(2), lib.arange(2)]),
    "cat-promotes-ints": lambda lib: lib.cat([lib.zeros(2, dtype=lib.int32), lib.arange(2)]),
    "cat-skips-legacy-empty": lambda lib: lib.cat([tensor(lib, M), lib.zeros(0)]),
    "cat-one": lambda lib: lib.cat([tensor(lib, M)], 1),
    "concat": lambda lib: lib.concat([tensor(lib, M), tensor(lib, M)], dim=0),
    "concatenate": lambda lib: lib.concatenate([tensor(lib, M), tensor(lib, M)], 1),
    "stack": lambda lib: lib.stack([tensor(lib, M), tensor(lib, M)]),
    "stack-last": lambda lib: lib.stack([tensor(lib, M), tensor(lib, M)], dim=-1),
    "stack-axis": lambda lib: lib.stack([lib.zeros(2)], axis=1),
    "stack-promotes": lambda lib: lib.stack([lib.zeros(2), lib.arange(2)]),
    "stack-0d": lambda lib: lib.stack([tensor(lib, 1.0), tensor(lib, 2.0)]),
    "hstack": lambda lib: lib.hstack([lib.zeros(2), lib.ones(3)]),
    "hstack-2d": lambda lib: lib.hstack([lib.zeros(2, 1), lib.ones(2, 3)]),
    "vstack": lambda lib: lib.vstack([lib.zeros(2), lib.ones(2)]),
    "dstack": lambda lib: lib.dstack([lib.zeros(2), lib.ones(2)]),
    "atleast-2d": lambda lib: lib.atleast_2d(tensor(lib, 1.0)),
    "atleast-3d": lambda lib: lib.atleast_3d((lib.zeros(2), lib.zeros(2, 3))),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_pytorch(name: str) -> None:
    case = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecated scatter(reduce=) warns in PyTorch
        same(case(stir), case(torch))


GRADIENT_CASES: dict[str, Callable[[Any, Any], Any]] = {
    "repeat": lambda lib, x: x.repeat(2, 1, 3),
    "repeat-interleave": lambda lib, x: x.repeat_interleave(tensor(lib, [2, 0, 1]), dim=1),
    "flip": lambda lib, x: x.flip(-1),
    "roll": lambda lib, x: x.roll((1, -1), (0, 2)),
    "movedim": lambda lib, x: x.movedim(-1, 0),
    "narrow": lambda lib, x: x.narrow(2, 1, 2),
    "tril": lambda lib, x: x.tril(1),
    "triu": lambda lib, x: x.triu(),
    "contiguous": lambda lib, x: x.transpose(0, 2).contiguous(),
    "gather": lambda lib, x: x.gather(2, tensor(lib, [[[3, 3, 0]], [[1, 1, 1]]])),
    "scatter-value": lambda lib, x: x.scatter(1, tensor(lib, [[[2, 0, 1, 1]]]), 0.5),
    "index-select": lambda lib, x: lib.index_select(x, -2, tensor(lib, [0, 0, 2])),
    "masked-fill": lambda lib, x: x.masked_fill(tensor(lib, [True, False, True, False]), 2.0),
    "masked-select": lambda lib, x: x.masked_select(tensor(lib, X) > 0),
    "take-along-dim": lambda lib, x: lib.take_along_dim(x, tensor(lib, [[[1]], [[3]]]), -1),
    "chunk": lambda lib, x: x.chunk(3, 1)[2] * 2 + x.chunk(3, 1)[0],
    "split": lambda lib, x: lib.cat(x.split([1, 3], -1)[::-1], -1),
    "unbind": lambda lib, x: x.unbind(1)[1] * x.unbind(1)[2],
    "tensor-split": lambda lib, x: x.tensor_split(3, dim=-1)[0],
    "sort": lambda lib, x: (x + tensor(lib, np.arange(24.0).reshape(2, 3, 4) / 100)).sort(
        dim=1, descending=True).values,
    "topk": lambda lib, x: (x + tensor(lib, np.arange(24.0).reshape(2, 3, 4) / 100)).topk(
        2, dim=0, largest=False).values,
    "meshgrid": lambda lib, x: lib.meshgrid(x[0, 0], x[1, 1, :2], indexing="xy")[0] * 3,
    "cartesian-prod": lambda lib, x: lib.cartesian_prod(x[0, 0], x[1, 2]),
    "stack": lambda lib, x: lib.stack([x, x * 2], dim=1),
    "hstack": lambda lib, x: lib.hstack([x[0], x[1, :, :1]]),
}


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradients_match_pytorch(name: str) -> None:
    case = GRADIENT_CASES[name]
    ours = stir.tensor(X.astype(np.float64), requires_grad=True)
    theirs = torch.tensor(X.astype(np.float64), requires_grad=True)
    out, expected = case(stir, ours), case(torch, theirs)
    same(out.detach(), expected.detach())
    cotangent = np.random.default_rng(0).standard_normal(tuple(expected.shape))
    out.backward(stir.tensor(cotangent))
    expected.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_scatter_gradients_reach_src_where_written_and_self_elsewhere() -> None:
    def run(lib: Any) -> tuple[Any, Any]:
        x = tensor(lib, M.astype(np.float64), requires_grad=True)
        src = tensor(lib, np.ones((2, 1)), requires_grad=True)
        out = x.scatter(1, tensor(lib, [[2], [0]]), src * 3)
        (out * tensor(lib, np.arange(6.0).reshape(2, 3))).sum().backward()
        return x.grad, src.grad
    same(run(stir), run(torch))


def test_scatter_add_and_index_add_gradients() -> None:
    def run(lib: Any) -> tuple[Any, ...]:
        x = tensor(lib, M.astype(np.float64), requires_grad=True)
        src = tensor(lib, np.ones((2, 2)), requires_grad=True)
        out = x.scatter_add(1, tensor(lib, [[2, 2], [0, 1]]), src) + x.index_add(
            0, tensor(lib, [1, 1]), src.repeat(1, 2)[:, :3] * 2, alpha=3)
        (out ** 2).sum().backward()
        return x.grad, src.grad
    same(run(stir), run(torch))


def test_masked_fill_value_tensor_gets_the_masked_gradient() -> None:
    def run(lib: Any) -> tuple[Any, ...]:
        x = tensor(lib, M.astype(np.float64), requires_grad=True)
        value = tensor(lib, 2.0, dtype=lib.float64, requires_grad=True)
        (x.masked_fill(tensor(lib, [[True], [False]]), value) ** 2).sum().backward()
        return x.grad, value.grad
    same(run(stir), run(torch))


def test_sort_and_topk_are_named_tuples() -> None:
    values, indices = stir.tensor([2.0, 3.0, 1.0]).sort()
    result = stir.tensor([2.0, 3.0, 1.0]).topk(1)
    assert result.values.tolist() == [3.0] and result.indices.tolist() == [1]
    assert indices.dtype == np.int64 and values.tolist() == [1.0, 2.0, 3.0]
    assert isinstance(stir.histogram(stir.tensor([1.0]), 2), stir.return_types.histogram)


def test_meshgrid_warns_without_indexing_as_pytorch() -> None:
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        grids = stir.meshgrid(stir.arange(2), stir.arange(3))
    assert [tuple(g.shape) for g in grids] == [(2, 3), (2, 3)]


def test_scatter_with_repeated_positions_writes_not_adds() -> None:
    one_hot = stir.zeros(2, 3).scatter(1, stir.tensor([[1, 1], [2, 2]]), 1.0)
    assert one_hot.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_splits_are_views_and_contiguous_returns_self() -> None:
    x = stir.arange(6.0)
    first, _ = x.split(3)
    assert np.shares_memory(first.array, x.array)
    assert x.contiguous() is x and x.is_contiguous()
    transposed = x.reshape(2, 3).T
    assert not transposed.is_contiguous() and transposed.contiguous().is_contiguous()


def _error(lib: Any, case: Callable[[Any], Any]) -> BaseException:
    with pytest.raises(Exception) as caught:
        case(lib)
    return caught.value


ERRORS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "gather-out-of-range": (lambda lib: tensor(lib, M).gather(1, tensor(lib, [[0, 5]])),
                            "index 5 is out of bounds for dimension 1 with size 3"),
    "gather-negative-index": (lambda lib: tensor(lib, M).gather(1, tensor(lib, [[0, -1]])),
                              "index -1 is out of bounds for dimension 1 with size 3"),
    "gather-bad-dim": (lambda lib: tensor(lib, M).gather(3, tensor(lib, [[0]])),
                       r"Dimension out of range \(expected to be in range of \[-2, 1\], but "
                       r"got 3\)"),
    "gather-index-ndim": (lambda lib: tensor(lib, M).gather(1, tensor(lib, [0])),
                          "Index tensor must have the same number of dimensions"),
    "gather-index-too-big": (lambda lib: tensor(lib, M).gather(1, lib.zeros(3, 1,
                                                                             dtype=lib.long)),
                             "Size does not match at dimension 0"),
    "gather-float-index": (lambda lib: tensor(lib, M).gather(1, lib.zeros(1, 1)),
                           "Expected dtype int32/int64 for index"),
    "scatter-out-of-range": (lambda lib: tensor(lib, M).scatter(1, tensor(lib, [[7]]), 1.0),
                             "index 7 is out of bounds for dimension 1 with size 3"),
    "scatter-dtype": (lambda lib: tensor(lib, M).scatter(1, tensor(lib, [[0]]),
                                                         tensor(lib, [[1]])),
                      "Expected self.dtype to be equal to src.dtype"),
    "index-select-out-of-range": (lambda lib: tensor(lib, M).index_select(
        1, tensor(lib, [3])), "out of"),
    "index-select-matrix": (lambda lib: tensor(lib, M).index_select(1, tensor(lib, [[0]])),
                            "Index is supposed to be a vector"),
    "masked-fill-int-mask": (lambda lib: tensor(lib, M).masked_fill(tensor(lib, [1, 0, 1]), 1.0),
                             "only supports boolean masks"),
    "masked-fill-1d-value": (lambda lib: tensor(lib, M).masked_fill(
        tensor(lib, [True, False, True]), tensor(lib, [1.0, 2.0])),
                             "only supports a 0-dimensional value tensor"),
    "repeat-too-few": (lambda lib: tensor(lib, M).repeat(2),
                       "Number of dimensions of repeat dims can not be smaller"),
    "repeat-negative": (lambda lib: tensor(lib, M).repeat(-1, 1), "negative dimension"),
    "repeat-interleave-length": (lambda lib: tensor(lib, M).repeat_interleave(
        tensor(lib, [1, 2]), dim=1), "repeats must have the same size as input along dim"),
    "flip-no-dims": (lambda lib: tensor(lib, M).flip(), "missing 1 required positional"),
    "flip-repeated": (lambda lib: tensor(lib, M).flip(0, 0), "appears multiple times"),
    "roll-misaligned": (lambda lib: tensor(lib, M).roll((1, 1), (0,)),
                        "shifts and dimensions must align"),
    "movedim-lengths": (lambda lib: tensor(lib, X).movedim((0,), (1, 0)),
                        "should contain the same number of dims"),
    "movedim-repeated": (lambda lib: tensor(lib, X).movedim((0, 0), (1, 2)),
                         r"repeated dim in `source`"),
    "narrow-too-long": (lambda lib: tensor(lib, M).narrow(1, 2, 2),
                        r"start \(2\) \+ length \(2\) exceeds dimension size \(3\)"),
    "narrow-bad-start": (lambda lib: tensor(lib, M).narrow(1, 4, 0), "start out of range"),
    "t-3d": (lambda lib: tensor(lib, X).t(), "t\\(\\) expects a tensor with <= 2 dimensions"),
    "tril-1d": (lambda lib: lib.ones(3).tril(), "at least 2 dimensions"),
    "squeeze-bad-dim": (lambda lib: tensor(lib, M).squeeze(4), "Dimension out of range"),
    "unflatten-sizes": (lambda lib: tensor(lib, M).unflatten(1, (2, 2)),
                        "don't multiply up to the size of dim 1"),
    "chunk-zero": (lambda lib: tensor(lib, M).chunk(0), "greater than 0"),
    "split-sum": (lambda lib: tensor(lib, M).split([1, 1], 1), "to sum exactly to 3"),
    "split-zero": (lambda lib: lib.arange(3).split(0), "split_size can only be 0"),
    "unbind-0d": (lambda lib: tensor(lib, 1.0).unbind(), "tensor has no dimensions"),
    "tensor-split-zero": (lambda lib: lib.arange(3).tensor_split(0), "larger than 0"),
    "sort-bad-dim": (lambda lib: tensor(lib, [3.0, 1.0]).sort(dim=1), "Dimension out of range"),
    "topk-too-big": (lambda lib: tensor(lib, [3.0, 1.0]).topk(3), "selected index k out of range"),
    "histc-int": (lambda lib: lib.histc(tensor(lib, [1, 2]), bins=4), "not implemented for"),
    "histc-inverted": (lambda lib: lib.histc(tensor(lib, [1.0]), bins=4, min=3, max=1),
                       "max must be larger than min"),
    "histc-infinite": (lambda lib: lib.histc(tensor(lib, [1.0, float("inf")])), "is not finite"),
    "bincount-negative": (lambda lib: lib.bincount(tensor(lib, [1, -1])),
                          "1-d non-negative integral inputs"),
    "bincount-float": (lambda lib: lib.bincount(tensor(lib, [1.0])), "not implemented for"),
    "meshgrid-indexing": (lambda lib: lib.meshgrid(lib.arange(2), indexing="xz"),
                          'indexing must be one of "xy" or "ij"'),
    "meshgrid-2d": (lambda lib: lib.meshgrid(lib.zeros(1, 2), indexing="ij"),
                    "Expected 0D or 1D tensor"),
    "meshgrid-dtypes": (lambda lib: lib.meshgrid(lib.arange(2), lib.zeros(2), indexing="ij"),
                        "same dtype"),
    "cat-sizes": (lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 2)]),
                  "Sizes of tensors must match except in dimension 0. Expected size 3 but got "
                  "size 2 for tensor number 1 in the list."),
    "cat-ndim": (lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(3)]),
                 "Tensors must have same number of dimensions: got 2 and 1"),
    "cat-0d": (lambda lib: lib.cat([tensor(lib, 1.0), lib.zeros(2)]),
               r"zero-dimensional tensor \(at position 0\) cannot be concatenated"),
    "cat-empty": (lambda lib: lib.cat([]), "expected a non-empty list of Tensors"),
    "cat-tensor": (lambda lib: lib.cat(lib.zeros(2, 2)), "must be tuple of Tensors, not Tensor"),
    "cat-bad-dim": (lambda lib: lib.cat([lib.zeros(2)], dim=1), "Dimension out of range"),
    "stack-shapes": (lambda lib: lib.stack([lib.zeros(2, 3), lib.zeros(3)]),
                     r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 "
                     r"and \[3\] at entry 1"),
    "stack-empty": (lambda lib: lib.stack([]), "stack expects a non-empty TensorList"),
    "stack-bad-dim": (lambda lib: lib.stack([lib.zeros(2)], dim=3), "Dimension out of range"),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_pytorch(name: str) -> None:
    case, message = ERRORS[name]
    ours, theirs = _error(stir, case), _error(torch, case)
    assert isinstance(ours, type(theirs)), (type(ours), type(theirs))
    assert re.search(message, str(theirs)), str(theirs)
    assert re.search(message, str(ours)), str(ours)


def test_scatter_reduce_with_gradient_refuses_to_drop_it() -> None:
    x = stir.ones(3, requires_grad=True)
    with pytest.raises(NotImplementedError, match="not differentiable"):
        x.scatter(0, stir.tensor([0]), stir.tensor([2.0]), reduce="add")
    with stir.no_grad():
        added = x.scatter(0, stir.tensor([0, 0]), stir.tensor([2.0, 3.0]), reduce="add")
    assert added.tolist() == [6.0, 1.0, 1.0] and not added.requires_grad


def test_unique_along_dim_is_refused_with_what_pytorch_would_do() -> None:
    with pytest.raises(NotImplementedError, match="unique slices"):
        stir.unique(stir.ones(2, 2), dim=0)
