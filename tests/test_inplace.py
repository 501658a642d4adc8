"""In-place methods with PyTorch's rules while recording: each program runs under stir and
under PyTorch (the same code, the library passed in) and their values and gradients agree."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import stir
from torch_twins import run_both

torch = pytest.importorskip("torch")

X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
W = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.6]]




def leaves(lib: Any) -> tuple[Any, Any]:
    return (lib.tensor(X, dtype=lib.float64, requires_grad=True),
            lib.tensor(W, dtype=lib.float64, requires_grad=True))


def test_relu_by_item_assignment_of_a_non_leaf() -> None:
    def program(lib: Any) -> Any:
        x, w = leaves(lib)
        h = x @ w
        h[h < 0] = 0
        (h * h).sum().backward()
        return h, x.grad, w.grad
    run_both(program)


def test_bias_added_in_place() -> None:
    def program(lib: Any) -> Any:
        x, w = leaves(lib)
        b = lib.tensor([0.5, -0.5], dtype=lib.float64, requires_grad=True)
        out = x @ w
        out += b
        out.pow(2).sum().backward()
        return out, x.grad, w.grad, b.grad
    run_both(program)


@pytest.mark.parametrize("change", [
    "add_", "sub_", "mul_", "div_", "pow_", "clamp_", "exp_", "abs_", "neg_", "sqrt_",
    "zero_", "fill_", "copy_", "clamp_min_", "clamp_max_", "masked_fill_", "index_add_",
    "scatter_", "setitem_slice", "setitem_int_array", "iadd_tensor", "imul_scalar",
])
def test_each_change_of_a_non_leaf_gives_pytorch_gradients(change: str) -> None:
    def program(lib: Any) -> Any:
        x, w = leaves(lib)
        y = (x * 1.5 + 0.25).abs() + 0.1  # positive (sqrt_, pow_), and saved by no one
        y = y * 1
        other = lib.tensor([[1.0, 2.0, 3.0], [0.5, 1.5, 2.5]], dtype=lib.float64,
                           requires_grad=True)
        value = lib.tensor(2.5, dtype=lib.float64, requires_grad=True)
        index = lib.tensor([1, 0])
        getattr_ = {
            "add_": lambda: y.add_(other, alpha=2), "sub_": lambda: y.sub_(other),
            "mul_": lambda: y.mul_(other), "div_": lambda: y.div_(other),
            "pow_": lambda: y.pow_(2), "clamp_": lambda: y.clamp_(0.5, 1.5),
            "exp_": lambda: y.exp_(), "abs_": lambda: y.abs_(), "neg_": lambda: y.neg_(),
            "sqrt_": lambda: y.sqrt_(), "zero_": lambda: y.zero_(),
            "fill_": lambda: y.fill_(value), "copy_": lambda: y.copy_(other),
            "clamp_min_": lambda: y.clamp_min_(1.0), "clamp_max_": lambda: y.clamp_max_(1.0),
            "masked_fill_": lambda: y.masked_fill_(y > 1, value),
            "index_add_": lambda: y.index_add_(1, index, other[:, :2]),
            "scatter_": lambda: y.scatter_(1, lib.tensor([[2], [0]]), other[:, :1] * 1),
            "setitem_slice": lambda: y.__setitem__((slice(None), 1), other[:, 0]),
            "setitem_int_array": lambda: y.__setitem__(([0, 1], [2, 0]), value),
            "iadd_tensor": lambda: y.__iadd__(other), "imul_scalar": lambda: y.__imul__(3),
        }
        returned = getattr_[change]()
        assert returned is (None if change.startswith("setitem") else y)
        (y * lib.tensor(W[0] + [0.7], dtype=lib.float64)).sum().backward()
        grads = [g if g is not None else lib.zeros(1, dtype=lib.float64)
                 for g in (x.grad, other.grad, value.grad)]
        return [y, *grads]
    run_both(program)


def test_the_changed_tensor_ends_its_history_in_the_change() -> None:
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    before = y.grad_fn
    y.mul_(2)
    assert y.grad_fn is not before and y.grad_fn.name == "Mul"
    assert before in y.grad_fn._parents


def test_argument_requiring_grad_gets_its_gradient() -> None:
    def program(lib: Any) -> Any:
        x, _ = leaves(lib)
        y = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        a = x * 2
        a.mul_(y)
        a.sum().backward()
        return a, x.grad, y.grad
    run_both(program)


def test_a_buffer_changed_with_a_tensor_requiring_grad_then_requires_grad() -> None:
    def program(lib: Any) -> Any:
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        buf = lib.zeros(3)
        buf += w
        buf *= w
        assert buf.requires_grad and not buf.is_leaf
        buf.sum().backward()
        return buf, w.grad
    run_both(program)


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("change", [
    lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.normal_(),
    lambda t: t.uniform_(), lambda t: t.exp_(), lambda t: t.__iadd__(1),
    lambda t: t.masked_fill_(t > 0, 0.0), lambda t: t.copy_(t.detach() * 2)])
def test_changing_a_leaf_that_requires_grad_raises_pytorchs_error(change: Any) -> None:
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation"):
        change(torch.ones(3, requires_grad=True))
    x = stir.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"a leaf tensor that requires grad .*in-place"
                                           r".*stir\.no_grad\(\)"):
        change(x)
    np.testing.assert_array_equal(x.array, [1.0, 1.0, 1.0])
    assert x.is_leaf and x.grad_fn is None


def test_item_assignment_into_a_leaf_names_it_a_view_of_a_leaf_as_pytorch() -> None:
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        torch.ones(3, requires_grad=True)[0] = 2.0
    x = stir.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        x[0] = 2.0
    with pytest.raises(RuntimeError, match="a view of a leaf"):
        x[0].add_(1)


def test_under_no_grad_a_leaf_can_be_changed() -> None:
    x = stir.ones(3, requires_grad=True)
    with stir.no_grad():
        x.mul_(2).add_(1)
        x.normal_(generator=stir.Generator().manual_seed(0))
        x.uniform_(-1, 1)
        x[0] = 5
    assert x.is_leaf and x.requires_grad and x.array[0] == 5 and (abs(x.array[1:]) <= 1).all()


@pytest.mark.parametrize("lib_name", ["stir", "torch"])
def test_a_saved_tensor_changed_before_backward_raises(lib_name: str) -> None:
    lib = stir if lib_name == "stir" else torch
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = w.exp()  # Exp saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*is at version "
                                           r"1; expected version 0 instead"):
        y.sum().backward()
    h = w * 1
    z = h * h  # Mul saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match=r"is at version 1; expected version 0"):
        z.sum().backward()


def test_the_version_error_names_the_operation() -> None:
    w = stir.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 1
    z = h * h
    h.add_(1)
    with pytest.raises(RuntimeError, match=r"^Mul: its saved tensor"):
        z.sum().backward()


def test_changing_an_integer_tensor_with_a_float_raises_pytorchs_cast_error() -> None:
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        torch.arange(3).add_(0.5)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        stir.arange(3).add_(0.5)
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        stir.arange(3).exp_()


def test_sampling_in_place_follows_the_generator() -> None:
    a = stir.zeros(4).normal_(1.0, 0.5, generator=stir.Generator().manual_seed(3))
    b = stir.zeros(4).normal_(1.0, 0.5, generator=stir.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.array, b.array)
    assert a.dtype == stir.float32
    u = stir.zeros(1000, dtype=stir.float64).uniform_(2, 3)
    assert u.dtype == stir.float64 and 2 <= u.array.min() and u.array.max() < 3


def test_fill_diagonal_matches_pytorch() -> None:
    for shape, wrap in [((3, 3), False), ((5, 2), False), ((7, 3), True), ((2, 4), False),
                        ((3, 3, 3), False)]:
        ours = stir.zeros(*shape).fill_diagonal_(2.0, wrap=wrap)
        theirs = torch.zeros(*shape).fill_diagonal_(2.0, wrap=wrap)
        np.testing.assert_array_equal(ours.array, theirs.numpy())


def test_out_of_place_twins_of_the_in_place_indexing_methods() -> None:
    def program(lib: Any) -> Any:
        x = lib.zeros(2, 3)
        x.masked_fill_(lib.tensor([[True, False, True], [False, False, True]]), 4.0)
        x.index_add_(0, lib.tensor([1, 1]), lib.ones(2, 3))
        x.scatter_(1, lib.tensor([[0], [2]]), 7.0)
        return (x,)
    run_both(program)


def test_in_place_results_are_bit_exact_with_out_of_place() -> None:
    rng = np.random.default_rng(0)
    x = stir.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    y = x * 1.7
    expected = (y * 3.1).exp().array.copy()
    y.mul_(3.1).exp_()
    np.testing.assert_array_equal(y.array, expected)


def test_a_recorded_in_place_change_makes_a_compiled_step_run_eagerly() -> None:
    from stir.compiler.trace import NotCapturable, plan_of, traced

    w = stir.tensor([1.0, 2.0], requires_grad=True)
    runs = []
    for _ in range(2):
        with traced() as calls:
            h = w * 2
            h += 1
            loss = h.sum()
        runs.append(calls)
    with pytest.raises(NotCapturable, match="RecordedInPlaceChange"):
        plan_of(runs[0], runs[1], [], [], loss)


def test_a_tensor_multiplied_in_place_by_itself_cannot_be_differentiated() -> None:
    for lib in (stir, torch):  # the second y was saved, then changed: PyTorch refuses it
        leaf = lib.tensor([0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)
        y = leaf * 1
        y.mul_(y)
        np.testing.assert_allclose(y.detach().numpy(), [0.25, 2.25, 4.0])
        with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
            y.sum().backward()
