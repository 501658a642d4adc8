"""Views share memory with their base, as PyTorch's: changes through them reach it, and a
recorded change through a view rebases the base's history (PyTorch's CopySlices); plus
PyTorch's layout for an index that mixes integers with index arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import stir
from torch_twins import run_both

torch = pytest.importorskip("torch")




VIEW_CHANGES = {
    "row_iadd": lambda x: x.__getitem__(0).__iadd__(1),
    "column_zero": lambda x: x[:, 1].zero_(),
    "row_fill": lambda x: x[0].fill_(3),
    "element_fill": lambda x: x[1, 2].fill_(-4),
    "row_imul": lambda x: x[1].mul_(2),
    "transpose_add": lambda x: x.T.add_(1),
    "t_add": lambda x: x.t().add_(10),
    "permute_mul": lambda x: x.permute(1, 0).mul_(3),
    "view_sub": lambda x: x.view(6).sub_(1),
    "reshape_neg": lambda x: x.reshape(3, 2).neg_(),
    "unsqueeze_exp": lambda x: x.unsqueeze(0).exp_(),
    "squeeze_of_slice": lambda x: x[0:1].squeeze(0).mul_(5),
    "narrow_clamp": lambda x: x.narrow(1, 1, 2).clamp_(max=1.0),
    "slice_of_slice": lambda x: x[:, 1:][1:, ::2].mul_(7),
    "view_setitem": lambda x: x[1].__setitem__(slice(0, 2), 9.0),
    "ellipsis_none": lambda x: x[..., None][0].mul_(2),
    "transpose_row_copy": lambda x: x.transpose(0, 1)[2].copy_(x.detach()[:, 0] + 8),
}


@pytest.mark.parametrize("name", sorted(VIEW_CHANGES))
def test_a_change_through_a_view_reaches_the_base(name: str) -> None:
    def program(lib: Any) -> Any:
        x = lib.arange(6, dtype=lib.float64).reshape(2, 3) * 0.5 - 1
        VIEW_CHANGES[name](x)
        return (x,)
    run_both(program)


@pytest.mark.parametrize("name", sorted(VIEW_CHANGES))
def test_a_recorded_change_through_a_view_gives_pytorchs_gradient(name: str) -> None:
    def program(lib: Any) -> Any:
        leaf = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=lib.float64,
                          requires_grad=True)
        x = leaf * 1.5
        VIEW_CHANGES[name](x)
        weights = lib.tensor([[1.0, 2.0, -1.0], [0.5, 3.0, 0.25]], dtype=lib.float64)
        (x * x * weights).sum().backward()
        return x, leaf.grad
    run_both(program)


def test_the_base_and_the_view_are_rebased() -> None:
    leaf = stir.ones(2, 3, requires_grad=True)
    y = leaf * 2
    row = y[1]
    row *= 3
    assert y.grad_fn.name == "Scatter"  # PyTorch: CopySlices
    assert row.grad_fn.name == "GetItem" and row._version is y._version


def test_a_view_made_before_the_change_sees_the_new_history() -> None:
    def program(lib: Any) -> Any:
        leaf = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=lib.float64,
                          requires_grad=True)
        w = lib.tensor([2.0, -3.0], dtype=lib.float64, requires_grad=True)
        y = leaf * 1
        column = y[:, 0]  # made before
        y[0].mul_(4)  # changes column[0] through another view
        y.mul_(w[0])  # and the base itself
        loss = (column * w).sum() + y.sum()
        loss.backward()
        return column, leaf.grad, w.grad
    run_both(program)


def test_a_buffer_view_changed_with_a_tensor_requiring_grad() -> None:
    def program(lib: Any) -> Any:
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        buf = lib.zeros(2, 3)
        row = buf[1]
        row += w
        assert buf.requires_grad and row.requires_grad
        (buf * buf).sum().backward()
        return buf, w.grad
    run_both(program)


def test_views_of_a_leaf_cannot_be_changed_while_recording() -> None:
    for lib in (torch, stir):
        w = lib.ones(2, 3, requires_grad=True)
        for change in (lambda: w[0].add_(1), lambda: w.T.mul_(2), lambda: w.view(6).zero_()):
            with pytest.raises(RuntimeError, match="a view of a leaf"):
                change()
        assert (w.detach().numpy() == 1).all()


def test_writing_through_an_expanded_view_raises_pytorchs_error() -> None:
    for lib in (torch, stir):
        base = lib.zeros(1, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to "
                                               "tensor refers to a single memory location"):
            base.expand(2, 3).add_(1)


def test_views_share_memory_and_version_with_their_base() -> None:
    x = stir.zeros(2, 3)
    element = x[1, 2]
    assert element.shape == () and element._version is x._version
    x.add_(1)
    assert element.item() == 1.0 and element._version[0] == 1
    detached = x.detach()
    detached[0, 0] = 5
    assert x[0, 0].item() == 5


def test_advanced_indexing_gives_a_copy() -> None:
    for lib in (stir, torch):
        x = lib.zeros(2, 3)
        x[[0, 1]].add_(1)
        x[x == 0].add_(1)
        assert (x.numpy() == 0).all()


def test_views_saved_for_backward_are_checked_after_a_change_of_the_base() -> None:
    w = stir.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = w * 1
    product = (y.T * y.T).sum()  # Mul saves the transposed view
    y.add_(1)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        product.backward()


# ------------------------------------------------------------------ PyTorch's index layout
INDICES = [
    (0, slice(None), [1, 0]), (slice(None), 0, [1, 0]), ([1, 0], slice(None), 0),
    (0, [1, 0], slice(1, None)), (0, slice(None), [[1, 0]]), (Ellipsis, 0, [1, 0]),
    (None, 0, slice(None), [1, 0]), (0, slice(None), None, [1, 0]), ([1, 0], 1, [0, 2]),
    (1, slice(None), [True, False, True, False]), (slice(None), [True, False, True], 0),
    (0, [[True, False, True, True], [False, True, False, False], [True] * 4]),
    ("tensor0", slice(None), [2, 1]),
]


@pytest.mark.parametrize("index", INDICES, ids=str)
def test_mixed_indexing_reads_with_pytorchs_layout_and_gradient(index: Any) -> None:
    def program(lib: Any) -> Any:
        x = lib.arange(24, dtype=lib.float64).reshape(2, 3, 4).requires_grad_()
        parts = tuple(lib.tensor(0) if part == "tensor0" else
                      lib.tensor(part) if isinstance(part, list) else part for part in index)
        y = x[parts]
        (y * lib.arange(y.numel(), dtype=lib.float64).reshape(y.shape)).sum().backward()
        return y, x.grad
    run_both(program)


@pytest.mark.parametrize("index", INDICES, ids=str)
def test_mixed_indexing_writes_with_pytorchs_layout(index: Any) -> None:
    def program(lib: Any) -> Any:
        parts = tuple(lib.tensor(0) if part == "tensor0" else
                      lib.tensor(part) if isinstance(part, list) else part for part in index)
        x = lib.zeros(2, 3, 4, dtype=lib.float64)
        shape = x[parts].shape
        x[parts] = lib.arange(int(np.prod(shape)), dtype=lib.float64).reshape(shape) + 1
        leaf = lib.ones(2, 3, 4, dtype=lib.float64, requires_grad=True)
        value = lib.arange(int(np.prod(shape)), dtype=lib.float64).reshape(shape)
        value.requires_grad_()
        y = leaf * 2
        y[parts] = value * 3
        (y * lib.arange(24, dtype=lib.float64).reshape(2, 3, 4)).sum().backward()
        return x, y, leaf.grad, value.grad
    run_both(program)


def test_a_view_of_a_buffer_made_before_it_got_a_history_sees_it() -> None:
    def program(lib: Any) -> Any:
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        buf = lib.zeros(3)
        head = buf[:2]  # made while buf had no history
        buf += w
        (head * lib.tensor([5.0, 7.0])).sum().backward()
        return head, w.grad
    run_both(program)


def test_augmented_assignment_to_an_element_and_a_row_of_a_non_leaf() -> None:
    def program(lib: Any) -> Any:
        leaf = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=lib.float64,
                          requires_grad=True)
        x = leaf * 2
        x[0] += 1
        x[1, 2] *= 3
        x[:, 0] -= leaf[:, 1]
        (x * x).sum().backward()
        return x, leaf.grad
    run_both(program)


def test_a_view_saved_by_the_change_itself_is_refused_as_in_pytorch() -> None:
    for lib in (stir, torch):
        leaf = lib.tensor([[0.5, -1.0, 2.0]], dtype=lib.float64, requires_grad=True)
        x = leaf * 2
        x[0, 2] *= x[0, 1]  # Mul saved x[0, 1], a view of the memory it then changed
        with pytest.raises(RuntimeError, match="expected version"):
            x.sum().backward()
