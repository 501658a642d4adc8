"""Functions with several outputs, and torch.autograd's grad/backward, as PyTorch's: the same
Function written once against either library gives the same values and gradients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import stir

torch = pytest.importorskip("torch")


def twice_and_thrice(lib: Any) -> Any:
    class TwiceAndThrice(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            ctx.save_for_backward(x)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx: Any, grad_twice: Any, grad_thrice: Any) -> Any:
            ctx.seen = (grad_twice, grad_thrice)
            return grad_twice * 2 + grad_thrice * 3

    return TwiceAndThrice


def as_numpy(t: Any) -> np.ndarray:
    return t.detach().numpy()


@pytest.mark.parametrize("use", ["both", "first", "second", "first_twice"])
def test_gradients_of_several_outputs_are_gathered_for_one_backward(use: str) -> None:
    results = []
    for lib in (stir, torch):
        x = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
        a, b = twice_and_thrice(lib).apply(x)
        assert a.grad_fn is b.grad_fn
        loss = {"both": lambda: (a * b).sum(), "first": lambda: (a * a).sum(),
                "second": lambda: b.sum() * 2,
                "first_twice": lambda: a.sum() + (a * x).sum()}[use]()
        loss.backward()
        results.append((as_numpy(a), as_numpy(b), as_numpy(x.grad)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs)


def test_unused_outputs_get_zeros_or_none() -> None:
    for lib in (stir, torch):
        seen = []

        class Split(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any, materialize: bool) -> Any:
                ctx.set_materialize_grads(materialize)
                return x + 1, x - 1

            @staticmethod
            def backward(ctx: Any, first: Any, second: Any) -> Any:
                seen.append(second)
                return first if first is not None else second, None

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        Split.apply(x, True)[0].sum().backward()
        np.testing.assert_array_equal(as_numpy(seen[-1]), [0.0, 0.0])
        Split.apply(x, False)[0].sum().backward()
        assert seen[-1] is None


def test_non_differentiable_and_integer_outputs_get_no_history() -> None:
    for lib in (stir, torch):
        class SortedWithIndices(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                order = x.argsort()
                ctx.save_for_backward(order)
                flag = x > 0
                ctx.mark_non_differentiable(flag)
                return x[order], order, flag * 1.0 if lib is stir else flag.double()

            @staticmethod
            def backward(ctx: Any, grad: Any, _order: Any, _flag: Any) -> Any:
                order, = ctx.saved_tensors
                result = grad * 0
                result[order] = grad
                return result

        x = lib.tensor([3.0, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        values, order, flag = SortedWithIndices.apply(x)
        assert values.requires_grad and not order.requires_grad
        (values * lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)).sum().backward()
        np.testing.assert_array_equal(as_numpy(x.grad), [3.0, 1.0, 2.0])


def test_a_function_of_several_outputs_under_no_grad_returns_tensors() -> None:
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    with stir.no_grad():
        a, b = twice_and_thrice(stir).apply(x)
    assert a.grad_fn is None and not b.requires_grad
    np.testing.assert_array_equal(b.array, [3.0, 6.0])


def test_higher_order_through_several_outputs() -> None:
    results = []
    for lib in (stir, torch):
        class SquareAndCube(lib.autograd.Function):
            @staticmethod
            def forward(ctx: Any, x: Any) -> Any:
                ctx.save_for_backward(x)
                return x * x, x * x * x

            @staticmethod
            def backward(ctx: Any, g2: Any, g3: Any) -> Any:
                x, = ctx.saved_tensors
                return g2 * 2 * x + g3 * 3 * x * x

        x = lib.tensor([1.5, -0.5], dtype=lib.float64, requires_grad=True)
        square, cube = SquareAndCube.apply(x)
        first, = lib.autograd.grad((square + cube).sum(), x, create_graph=True)
        second, = lib.autograd.grad(first.sum(), x)
        results.append((as_numpy(first), as_numpy(second)))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs)


def test_grad_of_one_of_several_outputs() -> None:
    for lib in (stir, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        a, b = twice_and_thrice(lib).apply(x)
        y = a * 1
        found = lib.autograd.grad((y * b).sum(), [b, x])
        np.testing.assert_allclose(as_numpy(found[0]), [2.0, 4.0])
        np.testing.assert_allclose(as_numpy(found[1]), [12.0, 24.0])


# --------------------------------------------------------------- stir.autograd.grad, backward
def test_autograd_grad_matches_pytorch_with_its_keywords() -> None:
    for lib in (stir, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        unused = lib.tensor([3.0], requires_grad=True)
        y = (x ** 3).sum()
        g, none = lib.autograd.grad(y, [x, unused], retain_graph=True, allow_unused=True)
        assert none is None
        np.testing.assert_allclose(as_numpy(g), [3.0, 12.0])
        g, zero = lib.autograd.grad([y], [x, unused], grad_outputs=[lib.tensor(2.0)],
                                    materialize_grads=True)
        np.testing.assert_allclose(as_numpy(g), [6.0, 24.0])
        np.testing.assert_array_equal(as_numpy(zero), [0.0])
        assert x.grad is None
        with pytest.raises(RuntimeError):
            lib.autograd.grad((x * 2).sum(), [x, unused])


def test_autograd_backward_of_several_tensors() -> None:
    grads = []
    for lib in (stir, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor([0.5, -1.0], requires_grad=True)
        lib.autograd.backward([(x * x).sum(), x * w], [None, lib.tensor([1.0, 3.0])])
        grads.append((as_numpy(x.grad), as_numpy(w.grad)))
        z = (x * w).sum()
        lib.autograd.backward(z, inputs=[w])
        grads.append((as_numpy(x.grad), as_numpy(w.grad)))
    for ours, theirs in zip(grads[:2], grads[2:]):
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a, b)


def test_stir_autograd_names_its_pytorch_functions() -> None:
    assert stir.autograd.Function is stir.Function
    assert callable(stir.autograd.grad) and callable(stir.autograd.backward)


def test_retain_grad_on_one_of_several_outputs() -> None:
    for lib in (stir, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b = twice_and_thrice(lib).apply(x)
        b.retain_grad()
        (a.sum() + (b * 2).sum()).backward()
        np.testing.assert_array_equal(as_numpy(b.grad), [2.0, 2.0])
        np.testing.assert_array_equal(as_numpy(x.grad), [8.0, 8.0])
