"""The fused primitives (F.linear, F.mse_loss): their errors, and the gradient arrays they
hand to leaves, which are adopted as `.grad` without a copy when they are fresh."""

import numpy as np
import pytest

import stir
import stir.nn.functional as F


def test_linear_names_both_shapes_when_the_input_does_not_fit():
    with pytest.raises(ValueError, match=r"linear: input of shape \(4, 3\).*\(2, 5\)"):
        F.linear(stir.ones(4, 3), stir.ones(2, 5))


def test_linear_rejects_a_bias_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"bias of shape \(3,\).*must be \(2,\)"):
        F.linear(stir.ones(4, 5), stir.ones(2, 5), stir.ones(3))


def test_linear_rejects_a_weight_that_is_not_a_matrix():
    with pytest.raises(ValueError, match="weight must be a matrix"):
        F.linear(stir.ones(4, 5), stir.ones(5))


def test_mse_loss_refuses_to_broadcast_input_against_target():
    with pytest.raises(ValueError, match=r"input of shape \(4, 1\) and target of shape \(4,\)"):
        F.mse_loss(stir.ones(4, 1), stir.ones(4))


def test_mse_loss_rejects_an_unknown_reduction():
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.mse_loss(stir.ones(2), stir.ones(2), reduction="average")


def test_adopted_gradients_are_not_shared_between_leaves():
    w = stir.randn(3, 2, requires_grad=True)
    b = stir.randn(3, requires_grad=True)
    x = stir.randn(5, 2, requires_grad=True)
    F.linear(x, w, b).sum().backward()
    arrays = [w.grad.array, b.grad.array, x.grad.array]
    for i, a in enumerate(arrays):
        for other in arrays[i + 1:]:
            assert not np.shares_memory(a, other)


def test_a_gradient_passed_through_unchanged_is_copied_not_adopted():
    x = stir.randn(3, requires_grad=True)
    y = stir.randn(3, requires_grad=True)
    upstream = stir.ones(3)
    (x + y).backward(upstream)
    assert not np.shares_memory(x.grad.array, y.grad.array)
    assert not np.shares_memory(x.grad.array, upstream.array)
    x.grad.array[0] = 7.0  # changing one gradient changes nothing else
    assert y.grad.tolist() == [1.0, 1.0, 1.0] and upstream.tolist() == [1.0, 1.0, 1.0]


def test_adopted_gradients_accumulate_correctly_on_the_next_backward():
    w = stir.tensor([[2.0, -1.0]], requires_grad=True)
    x = stir.tensor([[1.0, 3.0]])
    for _ in range(3):
        F.linear(x, w).sum().backward()
    assert w.grad.tolist() == [[3.0, 9.0]]


def test_implicit_scalar_gradient_is_shared_read_only():
    # The 1 that backward() starts from is cached, so nothing may write into it.
    x = stir.tensor(2.0, requires_grad=True)

    class WritesIntoItsGradient(stir.Function):
        @staticmethod
        def forward(ctx, t):
            return t.array * 1

        @staticmethod
        def backward(ctx, grad_output):
            grad_output[...] = 5.0
            return grad_output

    # Refused either as an expanded view (the seed is a broadcast 1) or as read-only memory.
    with pytest.raises((ValueError, RuntimeError), match="read-only|single memory location"):
        WritesIntoItsGradient.apply(x).backward()
    (x * 3).backward()
    assert x.grad.item() == 3.0
