"""Graph behaviours of stir's autograd: depth, freeing, accumulation, in-place checks,
non-leaf gradients, `stir.grad`, and higher-order gradients."""

import gc
import weakref

import numpy as np
import pytest

import stir


def f64(values, requires_grad=False):
    return stir.tensor(values, dtype=stir.float64, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- depth
def test_backward_through_a_chain_of_100000_ops_gives_the_right_gradient():
    x = f64([1.5], requires_grad=True)
    factor = 1.00001
    y = x
    for _ in range(100_000):
        y = y * factor
    y.sum().backward()  # an engine that recurses per node would raise RecursionError
    np.testing.assert_allclose(x.grad.numpy(), [factor ** 100_000], rtol=1e-9)


def test_a_chain_of_100000_ops_can_be_freed_without_recursion_error():
    x = f64([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    probe = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert probe() is None
    assert x.grad is None


# ----------------------------------------------------------------------------- freeing
def test_second_backward_raises_and_mentions_retain_graph():
    x = f64([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_second_backward_error_names_the_freed_op():
    x = f64([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Sum|Exp"):
        y.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates():
    x = f64([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (2 * np.array([1.0, 2.0])))


def test_saved_tensors_are_released_after_backward():
    x = f64([1.0, 2.0], requires_grad=True)
    constant = f64([3.0, 4.0])
    probe = weakref.ref(constant)
    y = (x * constant).sum()  # Mul saves the constant for its backward
    del constant
    gc.collect()
    assert probe() is not None  # held by the graph
    y.backward()
    gc.collect()
    assert probe() is None
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_saved_tensors_are_kept_with_retain_graph():
    x = f64([1.0, 2.0], requires_grad=True)
    constant = f64([3.0, 4.0])
    probe = weakref.ref(constant)
    y = (x * constant).sum()
    del constant
    y.backward(retain_graph=True)
    gc.collect()
    assert probe() is not None


# ----------------------------------------------------------------------------- accumulation
def test_gradients_accumulate_across_backward_calls():
    x = f64([1.0, -2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0 + 2.0, 3.0 - 4.0])


def test_setting_grad_to_none_restarts_accumulation():
    x = f64([1.0, -2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


def test_grad_zero_restarts_accumulation():
    x = f64([1.0, -2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    x.grad.zero_()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, -4.0])


def test_grad_of_a_leaf_is_its_own_memory_not_shared_between_leaves():
    x = f64([1.0, 2.0], requires_grad=True)
    y = f64([3.0, 4.0], requires_grad=True)
    (x + y).sum().backward()  # Add hands the same gradient to both inputs
    x.grad.zero_()
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0])


def test_create_graph_grads_of_two_leaves_are_independent():
    x = f64([1.0, 2.0], requires_grad=True)
    y = f64([3.0, 4.0], requires_grad=True)
    ((x + y) * 2.0).sum().backward(create_graph=True)  # Add passes one tensor to both
    with stir.no_grad():
        x.grad.mul_(0.0)
    np.testing.assert_allclose(y.grad.detach().numpy(), [2.0, 2.0])


def test_plain_backward_accumulates_onto_a_create_graph_grad():
    x = f64([1.0, 2.0], requires_grad=True)
    x.sum().backward(create_graph=True)
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 4.0])


def test_create_graph_backward_of_a_leaf_does_not_adopt_the_callers_gradient():
    x = f64([1.0, 2.0], requires_grad=True)
    seed = f64([1.0, 1.0])
    x.backward(gradient=seed, create_graph=True)
    x.backward(gradient=seed)
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    np.testing.assert_allclose(seed.numpy(), [1.0, 1.0])


# ----------------------------------------------------------------------------- in place
def test_item_assignment_to_a_saved_tensor_fails_at_backward_naming_the_op():
    w = f64([1.0, 2.0, 3.0], requires_grad=True)
    c = f64([4.0, 5.0, 6.0])
    y = (w * c).sum()
    c[0] = 5  # allowed now: c does not require grad
    with pytest.raises(RuntimeError, match=r"Mul.*modified in place"):
        y.backward()


def test_mul_in_place_on_a_saved_tensor_fails_at_backward():
    w = f64([1.0, 2.0], requires_grad=True)
    c = f64([4.0, 5.0])
    y = (w * c).sum()
    c.mul_(2)
    with pytest.raises(RuntimeError, match=r"Mul.*modified in place"):
        y.backward()


def test_augmented_assignment_on_a_saved_tensor_fails_at_backward():
    w = f64([1.0, 2.0], requires_grad=True)
    c = f64([4.0, 5.0])
    y = (w / c).sum()
    c += 1
    with pytest.raises(RuntimeError, match=r"Div.*modified in place"):
        y.backward()


def test_in_place_on_a_saved_output_under_no_grad_fails_at_backward():
    x = f64([0.5, 1.0, 1.5], requires_grad=True)
    c = x.exp()  # Exp saves its output
    with stir.no_grad():
        c[0] = 5
    with pytest.raises(RuntimeError, match=r"Exp.*output.*modified in place"):
        c.sum().backward()


def test_in_place_through_a_view_under_no_grad_fails_at_backward():
    x = f64([0.5, 1.0, 1.5], requires_grad=True)
    c = x.exp()
    with stir.no_grad():
        c[0:2].mul_(2)
    with pytest.raises(RuntimeError, match=r"Exp.*modified in place"):
        c.sum().backward()


def test_in_place_through_a_view_of_a_saved_input_fails_at_backward():
    w = f64([1.0, 2.0, 3.0], requires_grad=True)
    c = f64([4.0, 5.0, 6.0])
    y = (w * c).sum()
    c[0:2].mul_(2)
    with pytest.raises(RuntimeError, match=r"Mul.*modified in place"):
        y.backward()


def test_in_place_through_a_detached_alias_fails_at_backward():
    x = f64([0.5, 1.0], requires_grad=True)
    c = x * 2.0
    y = (c * c).sum()
    alias = c.detach()
    alias[1] = 7.0
    assert c.array[1] == 7.0  # detach shares memory
    with pytest.raises(RuntimeError, match=r"Mul.*modified in place"):
        y.backward()


def test_in_place_on_an_unsaved_tensor_is_fine():
    w = f64([1.0, 2.0], requires_grad=True)
    c = f64([4.0, 5.0])
    y = (w + c).sum()  # Add saves nothing
    c.mul_(2)
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 1.0])


def test_in_place_on_a_leaf_requiring_grad_raises_while_recording():
    x = f64([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="mul_"):
        x.mul_(2)
    with pytest.raises(RuntimeError, match="in-place"):
        x[0] = 3.0
    with pytest.raises(RuntimeError, match="in-place"):
        x += 1
    np.testing.assert_array_equal(x.array, [1.0, 2.0])


def test_in_place_on_a_non_leaf_is_recorded_as_in_pytorch():
    x = f64([1.0, 2.0], requires_grad=True)
    c = x * 2.0
    c.add_(1)  # PyTorch allows it: c's history now ends in the in-place change
    (c * c).sum().backward()
    np.testing.assert_allclose(x.grad.array, 2 * (2 * x.array + 1) * 2)


def test_in_place_on_a_leaf_requiring_grad_is_allowed_under_no_grad():
    x = f64([1.0, 2.0], requires_grad=True)
    with stir.no_grad():
        x.sub_(0.5)
    np.testing.assert_array_equal(x.array, [0.5, 1.5])
    assert x.requires_grad and x.is_leaf


# ----------------------------------------------------------------------------- non-leaf grad
def test_non_leaf_grad_is_none_after_backward():
    x = f64([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    (h * h).sum().backward()
    assert not h.is_leaf
    assert h.grad is None
    np.testing.assert_allclose(x.grad.numpy(), 18 * np.array([1.0, 2.0]))


def test_retain_grad_fills_a_non_leaf_grad():
    x = f64([1.0, 2.0], requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * np.array([3.0, 6.0]))


# ----------------------------------------------------------------------------- diamonds
def test_tensor_used_twice_gets_summed_gradient():
    x = f64([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_diamond_through_an_intermediate_gets_summed_gradient():
    x = f64([0.5, -1.0], requires_grad=True)
    h = x.exp()
    y = (h.sin() + h * 2.0 + h.exp()).sum()
    y.backward()
    e = np.exp([0.5, -1.0])
    np.testing.assert_allclose(x.grad.numpy(), (np.cos(e) + 2.0 + np.exp(e)) * e)


# ----------------------------------------------------------------------------- stir.grad
def test_grad_returns_gradients_without_touching_dot_grad():
    x = f64([1.0, 2.0], requires_grad=True)
    w = f64([3.0, -1.0], requires_grad=True)
    gx, gw = stir.grad((x * w).sum(), [x, w])
    np.testing.assert_allclose(gx.numpy(), [3.0, -1.0])
    np.testing.assert_allclose(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_accepts_a_single_input_and_returns_a_tuple():
    x = f64([1.0, 2.0], requires_grad=True)
    result = stir.grad((x ** 2).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1
    np.testing.assert_allclose(result[0].numpy(), [2.0, 4.0])


def test_grad_with_an_unused_input_raises():
    x = f64([1.0, 2.0], requires_grad=True)
    unused = f64([5.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        stir.grad((x * x).sum(), [x, unused])


def test_grad_with_allow_unused_gives_none_for_the_unused_input():
    x = f64([1.0, 2.0], requires_grad=True)
    unused = f64([5.0], requires_grad=True)
    gx, gu = stir.grad((x * x).sum(), [x, unused], allow_unused=True)
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    assert gu is None


def test_grad_with_respect_to_a_non_leaf_intermediate():
    x = f64([1.0, 2.0], requires_grad=True)
    z = x * 2.0
    y = (z ** 2).sum() + z.sum()
    gz, = stir.grad(y, z)
    np.testing.assert_allclose(gz.numpy(), 2 * np.array([2.0, 4.0]) + 1.0)
    assert x.grad is None


def test_grad_with_grad_outputs_is_a_vector_jacobian_product():
    x = f64([1.0, 2.0, 3.0], requires_grad=True)
    v = f64([1.0, 0.5, -1.0])
    g, = stir.grad(x ** 2, x, grad_outputs=v)
    np.testing.assert_allclose(g.numpy(), 2 * np.array([1.0, 2.0, 3.0]) * v.numpy())


# ----------------------------------------------------------------------------- higher order
def cubic_plus_cross(x):
    return (x ** 3).sum() + x[0] * x[1]


def explicit_hessian(values):
    h = np.diag(6.0 * np.asarray(values))
    h[0, 1] += 1.0
    h[1, 0] += 1.0
    return h


def test_hessian_vector_product_matches_the_explicit_hessian():
    values = [0.5, -1.0, 2.0]
    x = f64(values, requires_grad=True)
    g, = stir.grad(cubic_plus_cross(x), x, create_graph=True)
    v = f64([1.0, -2.0, 0.5])
    hv, = stir.grad(g, x, grad_outputs=v)
    np.testing.assert_allclose(hv.numpy(), explicit_hessian(values) @ v.numpy(), rtol=1e-12)


def test_full_hessian_rows_match_the_explicit_hessian():
    values = [0.5, -1.0, 2.0]
    x = f64(values, requires_grad=True)
    g, = stir.grad(cubic_plus_cross(x), x, create_graph=True)
    rows = []
    for i in range(3):
        e = np.zeros(3)
        e[i] = 1.0
        row, = stir.grad(g, x, grad_outputs=stir.tensor(e), retain_graph=True)
        rows.append(row.numpy())
    np.testing.assert_allclose(np.array(rows), explicit_hessian(values), rtol=1e-12)


def test_create_graph_gives_dot_grad_a_grad_fn():
    x = f64([1.0, 2.0], requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None
    assert x.grad.requires_grad
    second, = stir.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * np.array([1.0, 2.0]))


def test_backward_without_create_graph_gives_a_constant_grad():
    x = f64([1.0, 2.0], requires_grad=True)
    (x ** 3).sum().backward()
    assert x.grad.grad_fn is None
    assert not x.grad.requires_grad


# A tiny model for the gradient penalty: out = tanh(x @ w1) @ w2, loss = sum(out),
# penalty = ||d loss / d x||².
X = np.array([[0.3, -0.2, 0.5], [1.0, 0.1, -0.4]])
W1 = np.array([[0.2, -0.5], [0.7, 0.1], [-0.3, 0.4]])
W2 = np.array([[1.5], [-0.8]])


def penalty_numpy(w1):
    h = np.tanh(X @ w1)
    grad_x = ((1 - h ** 2) * W2.T) @ w1.T
    return float((grad_x ** 2).sum())


def penalty_gradient_stir():
    x = stir.tensor(X, requires_grad=True)
    w1 = stir.tensor(W1, requires_grad=True)
    w2 = stir.tensor(W2, requires_grad=True)
    loss = ((x @ w1).tanh() @ w2).sum()
    grad_x, = stir.grad(loss, x, create_graph=True)
    penalty = (grad_x ** 2).sum()
    penalty.backward()
    assert x.grad is not None  # the penalty also depends on x
    return penalty.item(), w1.grad.numpy()


def test_gradient_penalty_value_matches_the_closed_form():
    value, _ = penalty_gradient_stir()
    assert value == pytest.approx(penalty_numpy(W1), rel=1e-12)


def test_gradient_penalty_gradient_matches_finite_differences():
    _, grad_w1 = penalty_gradient_stir()
    eps = 1e-6
    numeric = np.zeros_like(W1)
    for index in np.ndindex(W1.shape):
        plus, minus = W1.copy(), W1.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric[index] = (penalty_numpy(plus) - penalty_numpy(minus)) / (2 * eps)
    np.testing.assert_allclose(grad_w1, numeric, rtol=1e-6, atol=1e-9)


def test_gradient_penalty_gradient_matches_pytorch():
    torch = pytest.importorskip("torch")
    x = torch.tensor(X, requires_grad=True)
    w1 = torch.tensor(W1, requires_grad=True)
    w2 = torch.tensor(W2, requires_grad=True)
    loss = (torch.tanh(x @ w1) @ w2).sum()
    grad_x, = torch.autograd.grad(loss, x, create_graph=True)
    (grad_x ** 2).sum().backward()
    _, grad_w1 = penalty_gradient_stir()
    np.testing.assert_allclose(grad_w1, w1.grad.numpy(), rtol=1e-12, atol=1e-14)
