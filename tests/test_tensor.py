"""The `Tensor` type: construction, dtypes, creation functions, random numbers, attributes,
conversions, repr, comparisons, dtype preservation and error messages."""

import numpy as np
import pytest

import stir


# ----------------------------------------------------------------------------- constructors
@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32),
    ([1.0, 2.0], np.float32),
    ([[1, 2], [3, 4]], np.int64),
    (7, np.int64),
    ([True, False], np.bool_),
    ([1, 2.5], np.float32),
])
def test_tensor_infers_dtype_from_python_values(data, dtype):
    assert stir.tensor(data).dtype == dtype


def test_tensor_takes_float64_on_request():
    t = stir.tensor([1.0, 2.0], dtype=stir.float64)
    assert t.dtype == np.float64
    assert stir.tensor([1, 2], dtype=stir.float64).dtype == np.float64


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.int64, np.bool_])
def test_tensor_from_numpy_array_keeps_its_dtype(dtype):
    assert stir.tensor(np.zeros(3, dtype=dtype)).dtype == dtype


def test_tensor_copies_a_numpy_array():
    source = np.array([1.0, 2.0])
    t = stir.tensor(source)
    source[0] = 99.0
    assert t.tolist() == [1.0, 2.0]


def test_tensor_copies_another_tensor():
    source = stir.tensor([1.0, 2.0])
    t = stir.tensor(source)
    source[0] = 99.0
    assert t.tolist() == [1.0, 2.0]


def test_from_numpy_shares_memory_both_ways():
    source = np.array([1.0, 2.0])
    t = stir.from_numpy(source)
    assert t.dtype == np.float64
    source[0] = 99.0
    assert t.tolist() == [99.0, 2.0]
    t[1] = -1.0
    assert source[1] == -1.0


def test_from_numpy_rejects_a_list():
    with pytest.raises(TypeError, match="NumPy array"):
        stir.from_numpy([1.0, 2.0])


def test_tensor_rejects_an_unsupported_dtype():
    with pytest.raises(TypeError, match="complex128"):
        stir.tensor(np.array([1 + 2j]))


# ----------------------------------------------------------------------------- creation
def test_zeros_and_ones_accept_varargs_or_a_tuple():
    assert stir.zeros(2, 3).shape == (2, 3)
    assert stir.zeros((2, 3)).shape == (2, 3)
    assert stir.ones([4]).shape == (4,)
    assert stir.zeros(2, 3).dtype == np.float32
    np.testing.assert_array_equal(stir.zeros(2).numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(stir.ones(2, dtype=stir.int64).numpy(), [1, 1])
    assert stir.ones(2, dtype=stir.int64).dtype == np.int64


def test_zeros_rejects_a_negative_size():
    with pytest.raises(ValueError, match="non-negative"):
        stir.zeros(2, -1)


def test_full_fills_with_the_value():
    t = stir.full((2, 2), 7.5)
    assert t.shape == (2, 2) and t.dtype == np.float32
    assert (t.numpy() == 7.5).all()
    assert stir.full((3,), 2.0, dtype=stir.float64).dtype == np.float64


def test_arange_integers_give_int64():
    t = stir.arange(5)
    assert t.dtype == np.int64
    assert t.tolist() == [0, 1, 2, 3, 4]
    assert stir.arange(2, 8, 3).tolist() == [2, 5]


def test_arange_floats_give_float32():
    t = stir.arange(0.0, 1.0, 0.25)
    assert t.dtype == np.float32
    np.testing.assert_allclose(t.numpy(), [0.0, 0.25, 0.5, 0.75])


def test_randn_and_rand_shapes_dtypes_and_ranges():
    stir.manual_seed(3)
    normal = stir.randn(200, 50)
    uniform = stir.rand(2, 3, dtype=stir.float64)
    assert normal.shape == (200, 50) and normal.dtype == np.float32
    assert abs(float(normal.numpy().mean())) < 0.05
    assert 0.9 < float(normal.numpy().std()) < 1.1
    assert uniform.shape == (2, 3) and uniform.dtype == np.float64
    assert (uniform.numpy() >= 0).all() and (uniform.numpy() < 1).all()


def test_creation_with_requires_grad():
    assert stir.randn(2, requires_grad=True).requires_grad
    assert stir.zeros(2, requires_grad=True).is_leaf
    assert not stir.ones(2).requires_grad


@pytest.mark.parametrize("like", [stir.zeros_like, stir.ones_like, stir.randn_like,
                                  stir.rand_like])
def test_like_functions_copy_shape_and_dtype(like):
    other = stir.zeros(2, 3, dtype=stir.float64)
    t = like(other)
    assert t.shape == (2, 3) and t.dtype == np.float64
    assert like(other, dtype=stir.float32).dtype == np.float32


def test_like_values():
    other = stir.tensor([[1.0, 2.0]])
    assert stir.zeros_like(other).tolist() == [[0.0, 0.0]]
    assert stir.ones_like(other).tolist() == [[1.0, 1.0]]
    assert stir.full_like(other, 3.0).tolist() == [[3.0, 3.0]]


# ----------------------------------------------------------------------------- random
def test_manual_seed_reproduces_the_same_numbers():
    stir.manual_seed(42)
    a = stir.randn(5).numpy().copy()
    b = stir.rand(5).numpy().copy()
    stir.manual_seed(42)
    np.testing.assert_array_equal(stir.randn(5).numpy(), a)
    np.testing.assert_array_equal(stir.rand(5).numpy(), b)


def test_different_seeds_give_different_numbers():
    stir.manual_seed(1)
    a = stir.randn(5).numpy().copy()
    stir.manual_seed(2)
    assert not np.array_equal(stir.randn(5).numpy(), a)


def test_explicit_generator_is_reproducible_and_independent_of_the_default():
    stir.manual_seed(0)
    expected_default = stir.randn(4).numpy().copy()
    a = stir.randn(3, generator=stir.Generator().manual_seed(7)).numpy()
    stir.manual_seed(0)
    b = stir.randn(3, generator=stir.Generator(7)).numpy()  # does not touch the default
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(stir.randn(4).numpy(), expected_default)


def test_generator_state_round_trip():
    g = stir.Generator(5)
    state = g.get_state()
    first = stir.rand(3, generator=g).numpy().copy()
    g.set_state(state)
    np.testing.assert_array_equal(stir.rand(3, generator=g).numpy(), first)


def test_manual_seed_rejects_a_non_integer():
    with pytest.raises(TypeError, match="int"):
        stir.manual_seed(1.5)


# ----------------------------------------------------------------------------- attributes
def test_shape_dtype_ndim_size_numel():
    t = stir.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4)
    assert t.dtype == np.float32
    assert t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4)
    assert t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24


def test_transpose_attribute_T():
    t = stir.tensor([[1, 2, 3], [4, 5, 6]])
    assert t.T.shape == (3, 2)
    assert t.T.tolist() == [[1, 4], [2, 5], [3, 6]]


def test_item_gives_a_python_number():
    value = stir.tensor([[2.5]]).item()
    assert type(value) is float and value == 2.5
    assert type(stir.tensor(3).item()) is int


def test_item_of_several_elements_raises():
    with pytest.raises(ValueError, match=r"\(2,\)"):
        stir.tensor([1.0, 2.0]).item()


def test_numpy_shares_memory():
    t = stir.tensor([1.0, 2.0])
    array = t.numpy()
    array[0] = 5.0
    assert t.tolist() == [5.0, 2.0]


def test_tolist_nested():
    assert stir.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]


def test_detach_shares_data_and_drops_history():
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.numpy(), y.array)
    assert y.grad_fn is not None  # the original keeps its history


def test_numpy_of_a_tensor_requiring_grad_raises():
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    with pytest.raises(RuntimeError, match="detach"):
        np.asarray(x)
    assert x.detach().numpy().tolist() == [1.0, 2.0]


# ----------------------------------------------------------------------------- repr
def test_repr_of_a_plain_tensor():
    assert repr(stir.tensor([1.0, 2.0])) == "tensor([1., 2.])"


def test_repr_shows_requires_grad():
    assert "requires_grad=True" in repr(stir.tensor([1.0], requires_grad=True))


def test_repr_shows_grad_fn():
    x = stir.tensor([1.0], requires_grad=True)
    text = repr(x * 2)
    assert "grad_fn=Mul" in text
    assert "requires_grad" not in text
    assert "grad_fn=Sum" in repr((x * 2).sum())


def test_repr_shows_a_non_default_dtype():
    assert "dtype=float64" in repr(stir.tensor([1.0], dtype=stir.float64))
    assert "dtype=int32" in repr(stir.tensor(np.array([1], dtype=np.int32)))
    assert "dtype" not in repr(stir.tensor([1]))


# ----------------------------------------------------------------------------- comparisons
@pytest.mark.parametrize("compare", [
    lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b,
    lambda a, b: a >= b, lambda a, b: a == b, lambda a, b: a != b,
])
def test_comparisons_give_bool_tensors_without_grad(compare):
    x = stir.tensor([1.0, 2.0, 3.0], requires_grad=True)
    result = compare(x, 2.0)
    assert isinstance(result, stir.Tensor)
    assert result.dtype == np.bool_
    assert not result.requires_grad and result.grad_fn is None
    np.testing.assert_array_equal(result.numpy(), compare(np.array([1.0, 2.0, 3.0]), 2.0))


def test_comparison_between_tensors():
    a = stir.tensor([1, 5])
    b = stir.tensor([3, 3])
    assert (a > b).tolist() == [False, True]


# ----------------------------------------------------------------------------- dtype keeping
@pytest.mark.parametrize("op", [
    lambda x: x * 2.0, lambda x: 2.0 * x, lambda x: 1 - x, lambda x: x - 1,
    lambda x: x ** 2, lambda x: x / 3, lambda x: 3 / x, lambda x: x + 0.5,
    lambda x: -x, lambda x: x.exp(), lambda x: x.mean(), lambda x: np.float64(2.0) * x,
    lambda x: x ** 0.5, lambda x: 2 ** x,
])
def test_float32_stays_float32_with_python_scalars(op):
    x = stir.tensor([1.0, 2.0])
    assert op(x).dtype == np.float32


def test_float32_gradients_stay_float32():
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    w = stir.tensor([[0.5], [-1.0]], requires_grad=True)
    y = (((x * 2.0 + 1 - x) ** 2 / 3) @ w).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32
    assert w.grad.dtype == np.float32


def test_float64_plus_float32_promotes_to_float64():
    a = stir.tensor([1.0], dtype=stir.float64)
    b = stir.tensor([1.0])
    assert (a + b).dtype == np.float64


def test_gradient_of_a_float32_leaf_used_with_float64_is_float32():
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    y = (x * stir.tensor([3.0, 4.0], dtype=stir.float64)).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_int_tensor_times_python_float_is_float32():
    assert (stir.tensor([1, 2]) * 2.5).dtype == np.float32


def test_int_tensor_divided_by_int_is_float32():
    assert (stir.tensor([1, 2]) / 2).dtype == np.float32


def test_int_tensor_with_python_int_stays_int64():
    assert (stir.tensor([1, 2]) * 3).dtype == np.int64
    assert (stir.tensor([1, 2]) + 1).tolist() == [2, 3]


# ----------------------------------------------------------------------------- errors
def test_requires_grad_on_an_int_tensor_raises_type_error():
    with pytest.raises(TypeError, match="int64"):
        stir.tensor([1, 2], requires_grad=True)
    t = stir.tensor([1, 2])
    with pytest.raises(TypeError, match="floating"):
        t.requires_grad = True
    assert not t.requires_grad


def test_requires_grad_off_on_a_non_leaf_raises():
    y = stir.tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad = False


def test_backward_on_a_non_scalar_without_gradient_names_the_shape():
    x = stir.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(2, 3\)"):
        (x * 2).backward()


def test_backward_on_a_non_scalar_with_gradient_works():
    x = stir.ones(2, 3, requires_grad=True)
    (x * 2).backward(stir.full((2, 3), 0.5))
    np.testing.assert_allclose(x.grad.numpy(), np.ones((2, 3)))


def test_backward_with_a_gradient_of_the_wrong_shape_raises():
    x = stir.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        (x * 2).backward(stir.ones(3))


def test_backward_on_a_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        stir.tensor(1.0).backward()


def test_backward_on_a_result_made_under_no_grad_raises():
    x = stir.tensor([1.0], requires_grad=True)
    with stir.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_add_shape_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError) as info:
        stir.ones(2, 3) + stir.ones(4)
    message = str(info.value)
    assert "Add" in message
    assert "(2, 3)" in message and "(4,)" in message


def test_matmul_shape_mismatch_names_the_op_and_both_shapes():
    a = stir.ones(2, 3, requires_grad=True)
    with pytest.raises(ValueError) as info:
        a @ stir.ones(4, 5)
    message = str(info.value)
    assert "MatMul" in message
    assert "(2, 3)" in message and "(4, 5)" in message


def test_bool_of_a_multi_element_tensor_raises():
    with pytest.raises(ValueError, match="ambiguous"):
        bool(stir.tensor([1.0, 2.0]))
