"""The array seam, proved for stir.optim: every optimizer runs on array-api-strict arrays.

array-api-strict implements the array API standard and nothing more: no `.copy`, `.astype`
or `.sum` methods, no `out=` arguments, strict dtype rules. Its arrays are put on its second
device, where any conversion to a NumPy array raises, so a stray `np.` call in an update (or
in the state it makes, saves or loads) fails the test instead of quietly computing on the
host. Most tests set the gradients by hand (those of the toy loss Σθ², or of −Σθ² to
maximize), so that only the optimizer is under test; one also computes that loss with stir's
ops and backpropagates. Each run must keep every parameter and state array an
array-api-strict array on that device, updated in place, and give the numbers the same
steps give on NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import stir
from stir import optim
from test_optim import CASES as OPTIM_CASES

xp = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
DEVICE = xp.Device("device1")  # off the CPU: converting to NumPy raises here
STRICT = type(xp.asarray(0.0))
STEPS = 8

# test_optim's table (every option of every rule in some row), and three rows that reach
# the branches an array namespace could miss: weight decay with maximize, AMSGrad alone,
# Adam's decoupled weight decay.
CASES = OPTIM_CASES + [
    ("SGD", dict(lr=0.1, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.05, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in options.items())}" for name, options in CASES]
SHAPES = [(3, 4), (5,), ()]


def strict(array: np.ndarray) -> Any:
    return xp.asarray(np.array(array, copy=True), device=DEVICE)


def host(array: Any) -> np.ndarray:
    """A strict array's values as NumPy (through the CPU device, as the standard allows)."""
    if isinstance(array, np.ndarray):
        return array
    return np.asarray(array.to_device(xp.Device("CPU_DEVICE")))


def starts(dtype: Any) -> list[np.ndarray]:
    """Starting values of magnitude 1 to 2, so that every rule's first steps shrink Σθ²."""
    rng = np.random.default_rng(0)
    return [(rng.uniform(1, 2, shape) * rng.choice([-1, 1], shape)).astype(dtype)
            for shape in SHAPES]


def make(name: str, options: dict[str, Any], on_strict: bool, dtype: Any = np.float64
         ) -> tuple[optim.Optimizer, list[stir.Tensor]]:
    wrap = strict if on_strict else (lambda a: np.array(a, copy=True))
    params = [stir.Tensor(wrap(a)).requires_grad_() for a in starts(dtype)]
    return getattr(optim, name)(params, **options), params


def set_grads(opt: optim.Optimizer, params: list[stir.Tensor]) -> None:
    """The gradient of Σθ², or of −Σθ² when maximizing (so both descend on Σθ²)."""
    sign = -2 if opt.param_groups[0]["maximize"] else 2
    for param in params:
        param.grad = stir.Tensor(sign * param.array)


def loss(params: list[stir.Tensor]) -> float:
    return sum(float(np.sum(host(param.array) ** 2)) for param in params)


def arrays_of(opt: optim.Optimizer, params: list[stir.Tensor]) -> list[tuple[str, Any]]:
    """Every array the optimizer holds for `params`, named, in a fixed order."""
    found = []
    for index, param in enumerate(params):
        for key, value in sorted(opt.state[param].items()):
            if not isinstance(value, (int, float)):
                found.append((f"{index}.{key}", value))
    return found


def assert_strict(array: Any, like: Any, where: str) -> None:
    assert type(array) is STRICT, f"{where} is a {type(array).__name__}"
    assert array.device == DEVICE, f"{where} is on {array.device}"
    assert array.dtype == like.dtype and tuple(array.shape) == tuple(like.shape), where


def assert_same(got: list[stir.Tensor] | list[Any], expected: list[Any], dtype: Any) -> None:
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    for value, reference in zip(got, expected, strict=True):
        value = value.array if isinstance(value, stir.Tensor) else value
        reference = reference.array if isinstance(reference, stir.Tensor) else reference
        np.testing.assert_allclose(host(value), host(reference), rtol=rtol, atol=rtol)


def test_strict_arrays_on_device1_refuse_numpy() -> None:
    """The premise: a stray NumPy call on these arrays raises instead of computing."""
    array = strict(np.ones(3))
    with pytest.raises(RuntimeError):
        np.sqrt(array)
    with pytest.raises(RuntimeError):
        np.zeros_like(array)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_optimizer_runs_on_array_api_strict(name: str, options: dict[str, Any],
                                            dtype: Any) -> None:
    opt, params = make(name, options, on_strict=True, dtype=dtype)
    twin, twin_params = make(name, options, on_strict=False, dtype=dtype)
    first = loss(params)
    held: list[int] = []
    for step in range(STEPS):
        set_grads(opt, params)
        set_grads(twin, twin_params)
        grads = [host(param.grad.array).copy() for param in params]
        opt.step()
        twin.step()
        for param, grad in zip(params, grads):  # the caller's gradient is read, not written
            np.testing.assert_array_equal(host(param.grad.array), grad)
        for index, param in enumerate(params):
            assert_strict(param.array, param.array, f"parameter {index}")
            assert param.array.dtype == xp.asarray(np.zeros(1, dtype)).dtype
        for where, array in arrays_of(opt, params):
            assert_strict(array, params[int(where.split(".")[0])].array, where)
        assert_same(params, twin_params, dtype)
        assert_same([a for _, a in arrays_of(opt, params)],
                    [a for _, a in arrays_of(twin, twin_params)], dtype)
        ids = [id(array) for _, array in arrays_of(opt, params)]
        if step == 1:  # after the first step every buffer exists (momentum's is made then)
            held = ids
        elif step > 1:
            assert ids == held, "a state array was replaced instead of updated in place"
    for param in params:  # steps count as Python ints, as on NumPy
        assert all(type(value) is int for key, value in opt.state[param].items()
                   if key == "step")
    assert loss(params) < 0.9 * first, f"{name} did not shrink Σθ²: {first} -> {loss(params)}"


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_state_dict_round_trip_on_array_api_strict(name: str, options: dict[str, Any]) -> None:
    """Saved state is copies of strict arrays on device1; loading it (or the NumPy twin's
    saved state, as from a checkpoint) into a fresh optimizer resumes the same steps."""
    opt, params = make(name, options, on_strict=True)
    twin, twin_params = make(name, options, on_strict=False)
    for _ in range(3):
        set_grads(opt, params)
        set_grads(twin, twin_params)
        opt.step()
        twin.step()
    saved = opt.state_dict()
    live = {id(array) for _, array in arrays_of(opt, params)}
    for index, state in saved["state"].items():
        for key, value in state.items():
            if not isinstance(value, (int, float)):
                assert_strict(value, params[index].array, f"saved {index}.{key}")
                assert id(value) not in live, f"saved {index}.{key} is not a copy"
    resumed: list[tuple[optim.Optimizer, list[stir.Tensor]]] = []
    for state_dict in (saved, twin.state_dict()):  # strict arrays, then NumPy arrays
        fresh, fresh_params = make(name, options, on_strict=True)
        for param, source in zip(fresh_params, params):
            param.array[...] = source.array
        fresh.check_state_dict(state_dict)
        fresh.load_state_dict(state_dict)
        for where, array in arrays_of(fresh, fresh_params):
            assert_strict(array, fresh_params[int(where.split(".")[0])].array, where)
        resumed.append((fresh, fresh_params))
    for _ in range(3):
        for each, each_params in [(opt, params), (twin, twin_params), *resumed]:
            set_grads(each, each_params)
            each.step()
    for each, each_params in resumed:
        assert_same(each_params, params, np.float64)
        assert_same(each_params, twin_params, np.float64)
        assert_same([a for _, a in arrays_of(each, each_params)],
                    [a for _, a in arrays_of(twin, twin_params)], np.float64)


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_training_through_stir_ops_on_array_api_strict(name: str, options: dict[str, Any]
                                                       ) -> None:
    """The whole loop: zero_grad, the toy loss Σθ² by stir's ops, backward, step."""
    runs = []
    for on_strict in (True, False):
        opt, params = make(name, options, on_strict=on_strict)
        sign = -1 if options.get("maximize") else 1
        for _ in range(STEPS):
            opt.zero_grad()
            total = (params[0] * params[0]).sum()
            for param in params[1:]:
                total = total + (param * param).sum()
            (sign * total).backward()
            opt.step()
        runs.append((opt, params))
    (opt, params), (twin, twin_params) = runs
    for index, param in enumerate(params):
        assert_strict(param.array, param.array, f"parameter {index}")
        assert_strict(param.grad.array, param.array, f"gradient {index}")
    for where, array in arrays_of(opt, params):
        assert_strict(array, params[int(where.split(".")[0])].array, where)
    assert_same(params, twin_params, np.float64)
    assert_same([a for _, a in arrays_of(opt, params)],
                [a for _, a in arrays_of(twin, twin_params)], np.float64)
    assert loss(params) < 0.9 * loss(make(name, options, on_strict=False)[1])


def test_zero_grad_keeps_strict_arrays() -> None:
    opt, params = make("SGD", dict(lr=0.1, momentum=0.9), on_strict=True)
    set_grads(opt, params)
    grads = [param.grad.array for param in params]
    opt.zero_grad(set_to_none=False)
    for param, grad in zip(params, grads):
        assert param.grad.array is grad  # zeroed in place
        assert_strict(grad, param.array, "zeroed gradient")
        assert float(xp.sum(xp.abs(grad))) == 0.0
    opt.zero_grad()
    assert all(param.grad is None for param in params)


@pytest.mark.parametrize("kind", ["polyak", "ema"])
def test_averaging_runs_on_array_api_strict(kind: str) -> None:
    rng = np.random.default_rng(1)
    visits = [[rng.standard_normal(shape) for shape in SHAPES] for _ in range(4)]
    runs = []
    for on_strict in (True, False):
        wrap = strict if on_strict else (lambda a: np.array(a, copy=True))
        params = [stir.Tensor(wrap(a)).requires_grad_() for a in visits[0]]
        averaged = optim.AveragedParameters(params, kind=kind, decay=0.7)
        for values in visits:
            for param, value in zip(params, values):
                param.array[...] = wrap(value)
            averaged.update()
        runs.append((params, averaged))
    (params, averaged), (twin_params, twin) = runs
    for index, (param, average) in enumerate(zip(params, averaged.averages)):
        assert_strict(average, param.array, f"average {index}")
    assert_same(averaged.averages, twin.averages, np.float64)
    with averaged.swapped_in(), twin.swapped_in():
        assert_same(params, twin_params, np.float64)
        for index, param in enumerate(params):
            assert_strict(param.array, param.array, f"swapped-in parameter {index}")
        assert_same(averaged.averaged_parameters(), twin.averaged_parameters(), np.float64)
    assert_same(params, twin_params, np.float64)
    for index, (param, copy) in enumerate(zip(params, averaged.averaged_parameters())):
        assert_strict(copy.array, param.array, f"averaged parameter {index}")
    for state_dict in (averaged.state_dict(), twin.state_dict()):  # strict, then NumPy
        fresh = optim.AveragedParameters(params, kind=kind, decay=0.7)
        fresh.load_state_dict(state_dict)
        for index, (param, average) in enumerate(zip(params, fresh.averages)):
            assert_strict(average, param.array, f"loaded average {index}")
        assert_same(fresh.averages, twin.averages, np.float64)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_gradient_clipping_runs_on_strict_arrays(norm_type: Any, max_norm: float) -> None:
    """clip_grad_norm_ and clip_grad_value_ keep strict gradients strict, in place, and give
    NumPy's numbers (the total norm too)."""
    results = []
    for on_strict in (False, True):
        params = [stir.tensor(strict(a) if on_strict else a, requires_grad=True)
                  for a in starts(np.float64)]
        for param, start in zip(params, starts(np.float64)):
            param.grad = stir.tensor(strict(3 * start) if on_strict else 3 * start)
        grads = [param.grad.array for param in params]
        total = stir.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        stir.nn.utils.clip_grad_value_(params, 1.5)
        for param, grad in zip(params, grads):
            assert param.grad.array is grad  # in place
            assert isinstance(grad, STRICT) == on_strict
        results.append([host(total.array)] + [host(g) for g in grads])
    for ours, reference in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=0)
