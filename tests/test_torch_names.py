"""PyTorch's names for dtypes, the default dtype, and the first creation and power functions
of the PyTorch-parity work, checked against PyTorch itself where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import stir

ALIASES = ["half", "float", "double", "short", "int", "long", "bool", "float16", "float32",
           "float64", "int8", "int16", "int32", "int64", "uint8"]


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle and is not installed")


@pytest.mark.parametrize("name", ALIASES)
def test_every_dtype_alias_is_pytorchs_dtype(torch, name: str) -> None:
    assert str(getattr(stir, name)) == str(getattr(torch, name)).removeprefix("torch.")


def test_the_default_dtype_governs_python_floats_and_is_restored() -> None:
    assert stir.get_default_dtype() == stir.float32
    try:
        stir.set_default_dtype(stir.float64)
        for made in (stir.tensor([0.5]), stir.zeros(2), stir.ones(2), stir.randn(2),
                     stir.rand(2), stir.full((2,), 0.5), stir.arange(0.0, 1.0, 0.5),
                     stir.linspace(0, 1, 3), stir.logspace(0, 1, 3)):
            assert made.dtype == np.float64
        assert stir.arange(3).dtype == np.int64 and stir.full((1,), True).dtype == np.bool_
    finally:
        stir.set_default_dtype(stir.float32)
    assert stir.tensor([0.5]).dtype == np.float32


@pytest.mark.parametrize("bad", [stir.int64, "int32", "nonsense", None])
def test_only_a_floating_dtype_can_be_the_default(bad) -> None:
    try:
        with pytest.raises(TypeError, match="only floating dtypes"):
            stir.set_default_dtype(bad)
        assert stir.get_default_dtype() == stir.float32
    finally:
        stir.set_default_dtype(stir.float32)


@pytest.mark.parametrize("args", [(0, 1, 5), (-3.5, 2, 8), (2, -2, 1), (0, 10, 0), (1, 1, 4)])
def test_linspace_matches_pytorch(torch, args) -> None:
    ours, theirs = stir.linspace(*args), torch.linspace(*args)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("args, base", [((0, 2, 3), 10.0), ((-1, 1, 5), 2.0), ((0, 3, 4), 3)])
def test_logspace_matches_pytorch(torch, args, base) -> None:
    ours, theirs = stir.logspace(*args, base=base), torch.logspace(*args, base=base)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@pytest.mark.parametrize("steps", [-1, 2.5, True, "3"])
def test_a_bad_step_count_is_named(steps) -> None:
    with pytest.raises(ValueError, match="linspace: steps must be a non-negative integer"):
        stir.linspace(0, 1, steps)


def test_pow_as_a_method_and_a_function_matches_pytorch_with_gradients(torch) -> None:
    values = np.array([0.5, 1.5, 2.0], dtype=np.float32)
    x, t = stir.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    (x.pow(3).sum() + stir.pow(x, stir.tensor([1.0, 2.0, 0.5])).sum()
     + stir.pow(2.0, x).sum()).backward()
    (t.pow(3).sum() + torch.pow(t, torch.tensor([1.0, 2.0, 0.5])).sum()
     + torch.pow(2.0, t).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("method", ["int", "long", "half", "bool", "float", "double"])
def test_conversion_methods_match_pytorch(torch, method: str) -> None:
    values = np.array([1.75, -2.5, 0.0, 3.0], dtype=np.float32)
    ours, theirs = getattr(stir.tensor(values), method)(), getattr(torch.tensor(values), method)()
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()


def test_type_converts_with_a_dtype_and_names_the_type_without() -> None:
    x = stir.tensor([1.5, 2.0])
    assert x.type() == "stir.FloatTensor" and x.long().type() == "stir.LongTensor"
    assert x.type(stir.int).dtype == np.int32 and x.type(stir.int).tolist() == [1, 2]


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1, 0)])
def test_eye_matches_pytorch(torch, args) -> None:
    ours, theirs = stir.eye(*args), torch.eye(*args)
    assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == "float32"
    assert np.array_equal(ours.numpy(), theirs.numpy())
    assert stir.eye(*args, dtype=stir.long).dtype == np.int64


@pytest.mark.parametrize("bad", [(-1,), (2, -3), (2.5,)])
def test_eye_names_a_bad_size(bad) -> None:
    with pytest.raises(ValueError, match="a size must be non-negative integers"):
        stir.eye(*bad)


def test_empty_has_pytorchs_shape_and_dtype_and_reads_as_zeros(torch) -> None:
    for size in [(2, 3), ((4,),), (0, 2)]:
        ours, theirs = stir.empty(*size), torch.empty(*size)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == "float32"
        assert not ours.numpy().any()
    like = stir.empty_like(stir.ones(3, dtype=stir.int32))
    assert like.shape == (3,) and like.dtype == np.int32
    assert stir.empty(2, requires_grad=True).requires_grad


def test_is_tensor_as_pytorchs() -> None:
    assert stir.is_tensor(stir.ones(1)) and stir.is_tensor(stir.nn.Linear(1, 1).weight)
    assert not any(stir.is_tensor(v) for v in ([1.0], np.ones(2), 3.0, None))
