"""User-defined `stir.Function`s: the two examples of the seeds' lecture 004, the contract that
`backward` must keep, and `gradcheck` / `gradgradcheck` themselves."""

import numpy as np
import pytest

import stir


# The two classes below are copied from /work/shared/seeds/004_*.txt ("How operator overload
# solves such problems"), only `torch.autograd.Function` replaced by `stir.Function` (and the
# slides' trailing spaces dropped). Their quirks are kept on purpose: no @staticmethod,
# `W=ctx.saved_tensors` without unpacking, `W*v` in forward, one gradient for two inputs.
# fmt: off
class MyMM(stir.Function):
    def forward(ctx, v, W):
        ctx.save_for_backward(W)
        return W*v
    def backward(ctx, grad_output):
        W=ctx.saved_tensors
        grad=W.T*grad_output
        return grad


class ReLU(stir.Function):
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)
    def backward(ctx, grad_output):
        input=ctx.saved_tensors
        grad_input=grad_output.clone()
        grad_input[input<0]=0
        return grad_input
# fmt: on


def f64(values, requires_grad=False):
    return stir.tensor(values, dtype=stir.float64, requires_grad=requires_grad)


# ----------------------------------------------------------------------------- seed ReLU
def test_seed_relu_forward_and_backward():
    x = stir.tensor([-2.0, -0.5, 0.5, 3.0], requires_grad=True)
    y = ReLU.apply(x)
    assert y.grad_fn is not None and y.grad_fn.name == "ReLU"
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 0.0, 0.5, 3.0])
    (y * stir.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 3.0, 4.0])
    assert x.grad.dtype == np.float32


def test_seed_relu_passes_gradcheck_away_from_zero():
    x = f64([[-1.5, -0.3, 0.4], [2.0, -0.7, 0.9]], requires_grad=True)
    assert stir.gradcheck(ReLU.apply, (x,))


def test_seed_relu_backward_does_not_change_grad_output():
    x = f64([-1.0, 1.0], requires_grad=True)
    seed = f64([5.0, 6.0])
    ReLU.apply(x).backward(seed)
    np.testing.assert_array_equal(seed.numpy(), [5.0, 6.0])  # the clone() protects it
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 6.0])


# ----------------------------------------------------------------------------- seed MyMM
def test_seed_mymm_with_1d_w_computes_elementwise_product_and_gradient():
    v = f64([1.0, 2.0, 3.0], requires_grad=True)
    W = f64([0.5, -1.0, 2.0])
    z = MyMM.apply(v, W)
    np.testing.assert_array_equal(z.detach().numpy(), [0.5, -2.0, 6.0])
    z.sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [0.5, -1.0, 2.0])


def test_seed_mymm_with_1d_w_passes_gradcheck():
    v = f64([1.0, 2.0, 3.0], requires_grad=True)
    W = f64([0.5, -1.0, 2.0])
    assert stir.gradcheck(MyMM.apply, (v, W))


def test_seed_mymm_with_symmetric_2d_w_passes_gradcheck():
    # W*v broadcasts v along rows; W.T*grad summed back to v is right only when W = W.T.
    v = f64([1.0, -2.0], requires_grad=True)
    W = f64([[1.0, 3.0], [3.0, -2.0]])
    assert stir.gradcheck(MyMM.apply, (v, W))


def test_gradcheck_catches_the_seed_mymm_with_a_non_symmetric_2d_w():
    # The slide writes `*` where the maths (z = Wv) means a matrix product: with a 2-D,
    # non-symmetric W the forward is a broadcast product and W.T*grad is not its gradient.
    v = f64([1.0, -2.0, 0.5], requires_grad=True)
    W = f64([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 10.0]])
    with pytest.raises(stir.GradcheckError, match="input 0"):
        stir.gradcheck(MyMM.apply, (v, W))


def test_seed_mymm_returns_one_gradient_so_w_cannot_require_grad():
    v = f64([1.0, 2.0], requires_grad=True)
    W = f64([3.0, 4.0], requires_grad=True)
    z = MyMM.apply(v, W).sum()
    with pytest.raises(RuntimeError, match=r"MyMM.*1 gradients for 2 inputs.*input 1"):
        z.backward()


# ----------------------------------------------------------------------------- corrected MyMM
class MatVec(stir.Function):
    """z = W @ v;  dL/dv = Wᵀ @ g,  dL/dW = g ⊗ v (outer product), all with tensor ops."""

    @staticmethod
    def forward(ctx, v, W):
        ctx.save_for_backward(v, W)
        return W @ v

    @staticmethod
    def backward(ctx, grad_output):
        v, W = ctx.saved_tensors
        grad_v = W.T @ grad_output if ctx.needs_input_grad[0] else None
        grad_W = None
        if ctx.needs_input_grad[1]:
            grad_W = grad_output.reshape(-1, 1) @ v.reshape(1, -1)
        return grad_v, grad_W


def matvec_inputs():
    v = f64([1.0, -2.0, 0.5], requires_grad=True)
    W = f64([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    return v, W


def test_corrected_matvec_matches_numpy():
    v, W = matvec_inputs()
    z = MatVec.apply(v, W)
    np.testing.assert_allclose(z.detach().numpy(), W.detach().numpy() @ v.detach().numpy())
    g = f64([1.0, -1.0])
    z.backward(g)
    np.testing.assert_allclose(v.grad.numpy(), W.detach().numpy().T @ g.numpy())
    np.testing.assert_allclose(W.grad.numpy(), np.outer(g.numpy(), v.detach().numpy()))


def test_corrected_matvec_passes_gradcheck():
    assert stir.gradcheck(MatVec.apply, matvec_inputs())


def test_corrected_matvec_passes_gradgradcheck():
    assert stir.gradgradcheck(MatVec.apply, matvec_inputs())


def test_corrected_matvec_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    v, W = matvec_inputs()
    g = f64([0.3, -1.2])
    MatVec.apply(v, W).backward(g)
    tv = torch.tensor(v.detach().numpy(), requires_grad=True)
    tW = torch.tensor(W.detach().numpy(), requires_grad=True)
    (tW @ tv).backward(torch.tensor(g.numpy()))
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(W.grad.numpy(), tW.grad.numpy(), rtol=1e-12)


# ----------------------------------------------------------------------------- contract
class WrongShape(stir.Function):
    @staticmethod
    def forward(ctx, x):
        return x.array * 2

    @staticmethod
    def backward(ctx, grad_output):
        return stir.ones(2, dtype=stir.float64)


def test_wrong_gradient_shape_names_the_function_and_both_shapes():
    x = f64([1.0, 2.0, 3.0], requires_grad=True)
    y = WrongShape.apply(x).sum()
    with pytest.raises(RuntimeError) as info:
        y.backward()
    message = str(info.value)
    assert "WrongShape" in message
    assert "(2,)" in message and "(3,)" in message


class TooFew(stir.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a.array * b.array

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


def test_too_few_gradients_for_an_input_requiring_grad_raises():
    a = f64([1.0, 2.0], requires_grad=True)
    b = f64([3.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"TooFew.*input 1 requires grad"):
        TooFew.apply(a, b).sum().backward()


def test_too_few_gradients_is_fine_when_the_rest_need_none():
    a = f64([1.0, 2.0], requires_grad=True)
    b = f64([3.0, 4.0])
    TooFew.apply(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])


class TooMany(stir.Function):
    @staticmethod
    def forward(ctx, x):
        return x.array + 1

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output


def test_too_many_gradients_raises():
    x = f64([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"TooMany.*2 gradients for 1 inputs"):
        TooMany.apply(x).sum().backward()


class Cube(stir.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 3 * x * x


def test_function_with_tensor_op_backward_supports_create_graph():
    x = f64([1.0, -2.0], requires_grad=True)
    g, = stir.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert g.grad_fn is not None
    second, = stir.grad(g.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * np.array([1.0, -2.0]))


def test_function_with_tensor_op_backward_passes_gradgradcheck():
    x = f64([0.5, -1.5, 2.0], requires_grad=True)
    assert stir.gradcheck(Cube.apply, (x,))
    assert stir.gradgradcheck(Cube.apply, (x,))


class Recorder(stir.Function):
    """Records `needs_input_grad` and what forward received."""

    seen = {}

    @staticmethod
    def forward(ctx, a, scale, b, label):
        Recorder.seen["forward"] = (scale, label)
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a.array * b.array * scale

    @staticmethod
    def backward(ctx, grad_output):
        Recorder.seen["needs_input_grad"] = ctx.needs_input_grad
        a, b = ctx.saved_tensors
        grad_a = grad_output * b * ctx.scale if ctx.needs_input_grad[0] else None
        grad_b = grad_output * a * ctx.scale if ctx.needs_input_grad[2] else None
        return grad_a, None, grad_b, None


def test_needs_input_grad_in_backward():
    a = f64([1.0, 2.0], requires_grad=True)
    b = f64([3.0, 4.0])
    Recorder.apply(a, 2.0, b, "first").sum().backward()
    assert Recorder.seen["needs_input_grad"] == (True, False, False, False)
    c = f64([3.0, 4.0], requires_grad=True)
    Recorder.apply(b, 2.0, c, "second").sum().backward()
    assert Recorder.seen["needs_input_grad"] == (False, False, True, False)


def test_needs_input_grad_counts_a_non_leaf_input():
    x = f64([1.0, 2.0], requires_grad=True)
    Recorder.apply(x * 2.0, 1.0, f64([1.0, 1.0]), "non-leaf").sum().backward()
    assert Recorder.seen["needs_input_grad"] == (True, False, False, False)
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


class ForwardNeeds(stir.Function):
    seen = None

    @staticmethod
    def forward(ctx, a, b):
        ForwardNeeds.seen = tuple(ctx.needs_input_grad)
        return a.array * b.array

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, None


def test_needs_input_grad_in_forward():
    ForwardNeeds.apply(f64([1.0], requires_grad=True), f64([2.0]))
    assert ForwardNeeds.seen == (True, False)


def test_non_tensor_arguments_pass_through_to_forward():
    a = f64([1.0, 2.0], requires_grad=True)
    b = f64([3.0, 4.0])
    y = Recorder.apply(a, 0.5, b, "label")
    assert Recorder.seen["forward"] == (0.5, "label")
    np.testing.assert_allclose(y.detach().numpy(), [1.5, 4.0])
    y.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [1.5, 2.0])


def test_function_with_non_tensor_arguments_passes_gradcheck():
    a = f64([1.0, 2.0], requires_grad=True)
    b = f64([3.0, -4.0], requires_grad=True)
    assert stir.gradcheck(Recorder.apply, (a, 0.5, b, "label"))


def test_forward_runs_without_recording():
    class Peek(stir.Function):
        seen = None

        @staticmethod
        def forward(ctx, x):
            Peek.seen = stir.is_grad_enabled()
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    x = f64([1.0], requires_grad=True)
    y = Peek.apply(x)
    assert Peek.seen is False
    assert y.grad_fn.name == "Peek"


def test_function_without_grad_inputs_is_not_recorded():
    y = Cube.apply(f64([2.0]))
    assert y.grad_fn is None and not y.requires_grad
    assert y.item() == 8.0


# ----------------------------------------------------------------------------- gradcheck
class WrongCube(Cube):
    """Forward x³ with a deliberately wrong backward (2x² instead of 3x²)."""

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * 2 * x * x


def test_gradcheck_raises_on_a_wrong_backward():
    x = f64([0.5, 1.5], requires_grad=True)
    with pytest.raises(stir.GradcheckError, match="analytic"):
        stir.gradcheck(WrongCube.apply, (x,))


def test_gradcheck_returns_false_on_a_wrong_backward_without_raising():
    x = f64([0.5, 1.5], requires_grad=True)
    assert stir.gradcheck(WrongCube.apply, (x,), raise_exception=False) is False


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(stir.GradcheckError, AssertionError)


class WrongSecondOrder(Cube):
    """Right first derivative, but backward uses raw NumPy so it is a constant to autograd."""

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output * stir.tensor(3 * x.array ** 2)


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = f64([0.5, 1.5], requires_grad=True)
    assert stir.gradcheck(WrongSecondOrder.apply, (x,))
    assert stir.gradgradcheck(WrongSecondOrder.apply, (x,), raise_exception=False) is False


def test_gradcheck_rejects_float32_inputs():
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        stir.gradcheck(Cube.apply, (x,))


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        stir.gradcheck(Cube.apply, (f64([1.0]),))


def test_gradcheck_leaves_inputs_unchanged():
    x = f64([0.5, 1.5], requires_grad=True)
    stir.gradcheck(Cube.apply, (x,))
    np.testing.assert_array_equal(x.detach().numpy(), [0.5, 1.5])
    assert x.grad is None
