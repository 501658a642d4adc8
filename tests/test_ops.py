"""Every operation in the registry, against NumPy, central differences and PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import stir
import stir.ops
from op_registry import REGISTRY, OpSpec, fixed_samples

IDS = [op.name for op in REGISTRY]
MIN_SAMPLES = 8


def leaves(arrays: tuple[np.ndarray, ...], dtype: Any = np.float64) -> tuple[stir.Tensor, ...]:
    """Leaf tensors over the arrays, keeping non-contiguous views as views."""
    return tuple(
        stir.from_numpy(a if a.dtype == dtype else a.astype(dtype)).requires_grad_()
        for a in arrays
    )


def samples(op: OpSpec) -> list[tuple[np.ndarray, ...]]:
    return fixed_samples(op)


def primitives() -> set[type[stir.Function]]:
    """Every differentiable function stir itself defines, wherever in the package it is."""
    found, stack = set(), list(stir.Function.__subclasses__())
    while stack:
        function = stack.pop()
        stack.extend(function.__subclasses__())
        defined_in_stir = function.__module__.split(".")[0] == "stir"
        if defined_in_stir and "forward" in vars(function):  # not an abstract base
            found.add(function)
    return found


def graph_functions(output: stir.Tensor) -> set[type[stir.Function]]:
    seen, stack, found = set(), [output.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or not isinstance(node, stir.Context) or id(node) in seen:
            continue
        seen.add(id(node))
        found.add(node.function)
        stack.extend(node._parents)
    return found


#: Functions that are graph nodes but not maths, each with where it is tested instead.
NOT_MATHS = {
    "_AverageAfterBackward": "DistributedDataParallel's zero whose backward exchanges the "
                             "gradients (tests/test_distributed*.py)",
}


def test_every_primitive_is_in_the_registry() -> None:
    covered: set[type[stir.Function]] = set()
    for op in REGISTRY:
        for sample in samples(op):
            covered |= graph_functions(op.stir_fn(*leaves(sample)))
    missing = sorted(f.__name__ for f in primitives() - covered
                     if f.__name__ not in NOT_MATHS)
    assert not missing, f"primitives with no entry in tests/op_registry.py: {missing}"


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_samples_cover_the_awkward_layouts(op: OpSpec) -> None:
    chosen = samples(op)
    arrays = [a for sample in chosen for a in sample]
    assert len(chosen) >= MIN_SAMPLES
    assert any(not a.flags.c_contiguous for a in arrays), "no non-contiguous view"
    assert any(1 in a.shape or a.ndim == 0 for a in arrays), "no size-1 or 0-d input"


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_forward_matches_numpy_in_float64(op: OpSpec) -> None:
    for sample in samples(op):
        out = op.stir_fn(*leaves(sample))
        expected = np.asarray(op.numpy_fn(*sample))
        assert out.dtype == np.float64
        assert out.shape == expected.shape
        np.testing.assert_allclose(out.array, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_float32_stays_float32(op: OpSpec) -> None:
    sample = samples(op)[0]
    inputs = leaves(sample, np.float32)
    out = op.stir_fn(*inputs)
    assert out.dtype == np.float32
    out.backward(stir.ones_like(out))
    assert all(x.grad is None or x.grad.dtype == np.float32 for x in inputs)


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_gradcheck(op: OpSpec) -> None:
    for sample in samples(op):
        assert stir.gradcheck(op.stir_fn, leaves(sample))


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_gradgradcheck(op: OpSpec) -> None:
    for sample in samples(op):
        assert stir.gradgradcheck(op.stir_fn, leaves(sample))


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
@settings(max_examples=100)
@given(data=st.data())
def test_property_vjp_matches_directional_difference(op: OpSpec, data: st.DataObject) -> None:
    """For random inputs in the op's domain: forward equals NumPy, and for random u and v,
    u·(J v) from a central difference equals (Jᵀ u)·v from backward."""
    arrays = data.draw(op.strategy)
    assume(op.valid(*arrays))
    inputs = leaves(arrays)
    out = op.stir_fn(*inputs)
    np.testing.assert_allclose(out.array, op.numpy_fn(*arrays), rtol=1e-10, atol=1e-10)
    rng = np.random.default_rng(0)
    u = rng.standard_normal(out.shape)
    v = [rng.standard_normal(a.shape) for a in arrays]
    grads = stir.grad(out, inputs, grad_outputs=stir.tensor(u), allow_unused=True)
    analytic = sum(float(np.sum(g.array * d)) for g, d in zip(grads, v) if g is not None)
    eps = 1e-6
    plus = op.numpy_fn(*[a + eps * d for a, d in zip(arrays, v)])
    minus = op.numpy_fn(*[a - eps * d for a, d in zip(arrays, v)])
    numeric = float(np.sum(u * (np.asarray(plus) - np.asarray(minus)) / (2 * eps)))
    assert abs(analytic - numeric) <= 1e-5 + 1e-3 * abs(numeric)


@pytest.mark.parametrize("op", REGISTRY, ids=IDS)
def test_matches_pytorch_in_float32(op: OpSpec) -> None:
    torch = pytest.importorskip("torch")
    if op.torch_fn is None:
        pytest.skip(f"{op.name} has no PyTorch counterpart")
    for sample in samples(op):
        arrays32 = [np.ascontiguousarray(a, dtype=np.float32) for a in sample]
        ours = leaves(tuple(arrays32), np.float32)
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays32]
        out, expected = op.stir_fn(*ours), op.torch_fn(*theirs)
        np.testing.assert_allclose(out.array, expected.detach().numpy(), rtol=1e-3, atol=1e-5)
        cotangent = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
        out.backward(stir.tensor(cotangent))
        expected.backward(torch.tensor(cotangent))
        for mine, reference in zip(ours, theirs):
            np.testing.assert_allclose(mine.grad.array, reference.grad.numpy(),
                                       rtol=1e-3, atol=1e-5)
