"""stir.optim: every optimizer, schedule, clipping function and the averager, table-driven.

Trajectories, learning-rate sequences and clipped gradients are compared with PyTorch in
float64 when it is installed; the rest (descent on a toy loss, state-dict round trips,
averaging by hand, errors) runs without it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import stir
import stir.optim as optim

# (optimizer name, options): every option of every rule appears in some row.
CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, maximize=True)),
    ("Adagrad", dict(lr=0.5)),
    ("Adagrad", dict(lr=0.5, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("Adagrad", dict(lr=0.5, eps=1e-6, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.9, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.05, eps=1e-6, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.05, betas=(0.5, 0.9), maximize=True)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in options.items())}" for name, options in CASES]


def _problem(dtype: str = "float64") -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """A small tanh regression with three parameter tensors of different shapes."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3))
    y = rng.normal(size=8)
    initial = [rng.normal(size=(4, 3)), rng.normal(size=4) * 0.1, rng.normal(size=4)]
    return X.astype(dtype), y.astype(dtype), [p.astype(dtype) for p in initial]


def _loss(X, y, W, b, v, sign: float = 1.0):
    """mean((tanh(X Wᵀ + b)·v − y)²) + 0.01·ΣW⁴, in stir or torch (the same code)."""
    residual = (X @ W.T + b).tanh() @ v - y
    return sign * ((residual**2).mean() + 0.01 * (W**4).sum())


def _stir_run(name, options, steps, dtype="float64"):
    X, y, initial = _problem(dtype)
    X, y = stir.tensor(X), stir.tensor(y)
    params = [stir.tensor(p, requires_grad=True) for p in initial]
    opt = getattr(optim, name)(params, **options)
    sign = -1.0 if options.get("maximize") else 1.0
    for _ in range(steps):
        opt.zero_grad()
        _loss(X, y, *params, sign=sign).backward()
        opt.step()
    return params, opt


# ---------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_trajectory_matches_pytorch(name, options):
    torch = pytest.importorskip("torch")
    steps = 25
    params, _ = _stir_run(name, options, steps)
    X, y, initial = _problem()
    X, y = torch.tensor(X), torch.tensor(y)
    reference = [torch.tensor(p, requires_grad=True) for p in initial]
    opt = getattr(torch.optim, name)(reference, **options)
    sign = -1.0 if options.get("maximize") else 1.0
    for _ in range(steps):
        opt.zero_grad()
        _loss(X, y, *reference, sign=sign).backward()
        opt.step()
    for ours, theirs, start in zip(params, reference, initial):
        assert np.abs(ours.array - start).max() > 0.1  # the run went somewhere
        np.testing.assert_allclose(ours.array, theirs.detach().numpy(), rtol=1e-9, atol=1e-9)


def test_param_groups_and_missing_grads_match_pytorch():
    torch = pytest.importorskip("torch")
    X, y, initial = _problem()
    frozen = np.arange(3.0)

    def run(lib, adam):
        params = [lib.tensor(p, requires_grad=True) for p in initial]
        idle = lib.tensor(frozen, requires_grad=True)  # never gets a gradient
        groups = [{"params": [params[0], idle], "lr": 0.02, "weight_decay": 0.1},
                  {"params": params[1:], "betas": (0.7, 0.95)}]
        opt = adam(groups, lr=0.05, amsgrad=True)
        for _ in range(20):
            opt.zero_grad()
            _loss(lib.tensor(X), lib.tensor(y), *params).backward()
            opt.step()
        return params + [idle], opt

    ours, opt = run(stir, optim.Adam)
    theirs, _ = run(torch, torch.optim.Adam)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.array, b.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(ours[-1].array, frozen)
    assert ours[-1] not in opt.state and len(opt.state) == 3


# ---------------------------------------------------------------- without PyTorch
@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_drives_a_quadratic_bowl_down(name, options):
    curvature = [stir.tensor([1.0, 2.0, 4.0]), stir.tensor([[0.5, 1.0], [3.0, 1.5]])]
    params = [stir.tensor([2.0, -3.0, 1.5], requires_grad=True),
              stir.tensor([[-2.5, 1.0], [2.0, 3.0]], requires_grad=True)]
    sign = -1.0 if options.get("maximize") else 1.0

    def bowl():
        return sum((c * p * p).sum() for c, p in zip(curvature, params))

    start = bowl().item()
    opt = getattr(optim, name)(params, **options)
    for _ in range(400):
        opt.zero_grad()
        (sign * bowl()).backward()
        opt.step()
    assert bowl().item() < start / 100
    for param in params:  # float32 stays float32, in the parameters and in every buffer
        assert param.dtype == np.float32
        for value in opt.state[param].values():
            assert not isinstance(value, np.ndarray) or value.dtype == np.float32


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_step_leaves_gradients_alone(name, options):
    params, opt = _stir_run(name, options, steps=2, dtype="float32")
    grads = [p.grad.array.copy() for p in params]
    opt.step()
    for param, grad in zip(params, grads):
        np.testing.assert_array_equal(param.grad.array, grad)


SCHEDULES = {
    "StepLR": lambda opt: optim.StepLR(opt, step_size=3, gamma=0.5),
    "ExponentialLR": lambda opt: optim.ExponentialLR(opt, gamma=0.9),
    "CosineAnnealingLR": lambda opt: optim.CosineAnnealingLR(opt, T_max=6, eta_min=0.001),
    "LinearLR": lambda opt: optim.LinearLR(opt, start_factor=0.2, total_iters=8),
    "warmup": lambda opt: optim.warmup(optim.CosineAnnealingLR(opt, T_max=5), warmup_iters=4),
}


@pytest.mark.parametrize("schedule_name", SCHEDULES)
@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_state_dict_round_trip_is_exact(name, options, schedule_name):
    X, y, initial = _problem("float32")
    X, y = stir.tensor(X), stir.tensor(y)
    sign = -1.0 if options.get("maximize") else 1.0

    def build(values):
        params = [stir.tensor(v, requires_grad=True) for v in values]
        opt = getattr(optim, name)(params, **options)
        return params, opt, SCHEDULES[schedule_name](opt)

    def train(params, opt, schedule, steps):
        for _ in range(steps):
            opt.zero_grad()
            _loss(X, y, *params, sign=sign).backward()
            opt.step()
            schedule.step()

    straight = build(initial)
    train(*straight, 12)
    first = build(initial)
    train(*first, 5)
    values = [param.array.copy() for param in first[0]]
    saved = (first[1].state_dict(), first[2].state_dict())
    _assert_plain(saved)
    train(*first, 2)  # a snapshot must not follow the live optimizer
    resumed = build(values)
    resumed[1].load_state_dict(saved[0])
    resumed[2].load_state_dict(saved[1])
    train(*resumed, 7)
    for a, b in zip(straight[0], resumed[0]):
        assert np.array_equal(a.array, b.array)
    assert straight[2].get_last_lr() == resumed[2].get_last_lr()


def _assert_plain(value):
    """State dicts hold numbers, strings, lists/tuples, dicts and NumPy arrays only."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, (str, int))
            _assert_plain(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _assert_plain(item)
    else:
        assert value is None or isinstance(value, (bool, int, float, str, np.ndarray)), value


# ---------------------------------------------------------------- the optimizer base
def _param(values=(1.0, 2.0), **kwargs):
    return stir.tensor(list(values), requires_grad=True, **kwargs)


def test_zero_grad_to_none_or_to_zeros():
    w = _param()
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and np.array_equal(grad.array, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_step_with_closure_returns_its_loss_and_uses_its_gradient():
    w = _param([3.0])
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with stir.no_grad():  # the closure records its graph anyway, as in PyTorch
        loss = opt.step(closure)
    assert loss.item() == 9.0 and w.array[0] == 1.5


def test_step_marks_graphs_that_saved_a_parameter_as_stale():
    w = _param()
    opt = optim.SGD([w], lr=0.1)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError, match="modified in place"):
        loss.backward()


def test_state_dict_layout_and_loading_with_string_keys():
    w, b = _param(), _param([0.5])
    opt = optim.Adam([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (w.sum() + b.sum()).backward()
    opt.step()
    saved = opt.state_dict()
    assert [group["params"] for group in saved["param_groups"]] == [[0], [1]]
    assert saved["param_groups"][1]["lr"] == 0.5 and saved["state"][1]["step"] == 1
    assert set(saved["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    as_json = {"state": {str(k): v for k, v in saved["state"].items()},
               "param_groups": [dict(g, betas=list(g["betas"])) for g in saved["param_groups"]]}
    fresh = optim.Adam([{"params": [_param()]}, {"params": [_param([0.0])]}])
    fresh.load_state_dict(as_json)
    assert fresh.param_groups[1]["lr"] == 0.5 and fresh.param_groups[0]["betas"] == (0.9, 0.999)
    loaded = fresh.state[fresh.param_groups[0]["params"][0]]
    np.testing.assert_array_equal(loaded["exp_avg"], opt.state[w]["exp_avg"])
    assert loaded["exp_avg"] is not saved["state"][0]["exp_avg"]


def test_named_parameters_and_repr():
    w = _param()
    opt = optim.SGD([("weight", w)], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["params"] == [w]
    assert opt.param_groups[0]["param_names"] == ["weight"]
    text = repr(opt)
    assert text.startswith("SGD (") and "lr: 0.1" in text and "momentum: 0.9" in text


def test_numpy_scalar_options_become_python_numbers():
    w = _param()
    opt = optim.SGD([w], lr=np.float64(0.5))
    assert type(opt.param_groups[0]["lr"]) is float
    (w * w).sum().backward()
    opt.step()
    assert w.dtype == np.float32 and np.allclose(w.array, [0.0, 0.0])


# ---------------------------------------------------------------- schedules
SCHEDULE_CASES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("LinearLR", {}),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=8)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=4)),
]


def _two_group_optimizer(lib, optimizer="SGD"):
    groups = [{"params": [lib.tensor([1.0], requires_grad=True)]},
              {"params": [lib.tensor([1.0], requires_grad=True)], "lr": 0.02}]
    return getattr(lib.optim, optimizer)(groups, lr=0.1)


def _rates(opt, schedules, epochs=30, metrics=None):
    rates = []
    for epoch in range(epochs):
        rates.append([group["lr"] for group in opt.param_groups])
        for schedule in schedules:
            schedule.step(*([] if metrics is None else [metrics[epoch]]))
        rates.append(list(schedules[-1].get_last_lr()))
    return rates


@pytest.mark.parametrize("name, options", SCHEDULE_CASES,
                         ids=[f"{n}-{o}" for n, o in SCHEDULE_CASES])
@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")
def test_schedule_matches_pytorch_and_its_closed_form(name, options):
    torch = pytest.importorskip("torch")
    opt = _two_group_optimizer(stir)
    schedule = getattr(optim, name)(opt, **options)
    reference_opt = _two_group_optimizer(torch)
    reference = getattr(torch.optim.lr_scheduler, name)(reference_opt, **options)
    ours, theirs = [], []
    for _ in range(30):
        ours.append(schedule.get_last_lr())
        theirs.append(reference.get_last_lr())
        np.testing.assert_allclose(schedule.closed_form_lr(), ours[-1], rtol=1e-12, atol=1e-15)
        schedule.step()
        reference.step()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert [g["lr"] for g in opt.param_groups] == schedule.get_last_lr()


@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")
def test_chained_schedules_and_warmup_match_pytorch():
    torch = pytest.importorskip("torch")
    lr_scheduler = torch.optim.lr_scheduler

    def chained(lib, schedules):
        opt = _two_group_optimizer(lib)
        return _rates(opt, [schedules.ExponentialLR(opt, 0.9), schedules.StepLR(opt, 4, 0.5)])

    np.testing.assert_allclose(chained(stir, optim), chained(torch, lr_scheduler), rtol=1e-12)
    opt = _two_group_optimizer(stir)
    ours = _rates(opt, [optim.warmup(optim.CosineAnnealingLR(opt, T_max=12), warmup_iters=5,
                                     start_factor=0.1)])
    reference_opt = _two_group_optimizer(torch)
    sequence = lr_scheduler.SequentialLR(
        reference_opt,
        [lr_scheduler.LinearLR(reference_opt, 0.1, 1.0, total_iters=5),
         lr_scheduler.CosineAnnealingLR(reference_opt, T_max=12)], milestones=[5])
    np.testing.assert_allclose(ours, _rates(reference_opt, [sequence]), rtol=1e-12, atol=1e-15)


PLATEAU_CASES = [
    dict(patience=2, factor=0.5),
    dict(mode="max", patience=1, threshold=0.1),
    dict(threshold_mode="abs", threshold=0.5, patience=0),
    dict(mode="max", threshold_mode="abs", threshold=0.2, patience=1, cooldown=2),
    dict(patience=0, cooldown=1, min_lr=[0.01, 0.015], factor=0.3),
    dict(patience=0, eps=0.05),
]
METRICS = [5.0, 4.0, 4.0, 4.1, 3.99, 3.9, 3.9, 4.2, 2.0, 2.0, 1.99995, 2.5, 3.0, 3.5, 3.5, 1.0,
           1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]


@pytest.mark.parametrize("options", PLATEAU_CASES, ids=[str(o) for o in PLATEAU_CASES])
def test_reduce_on_plateau_matches_pytorch(options):
    torch = pytest.importorskip("torch")
    opt = _two_group_optimizer(stir)
    ours = _rates(opt, [optim.ReduceLROnPlateau(opt, **options)], metrics=METRICS)
    reference_opt = _two_group_optimizer(torch)
    reference = torch.optim.lr_scheduler.ReduceLROnPlateau(reference_opt, **options)
    assert ours == _rates(reference_opt, [reference], metrics=METRICS)
    assert len({tuple(r) for r in ours}) > 1  # the script does reduce the rate


def test_reduce_on_plateau_by_hand():
    opt = optim.SGD([_param()], lr=1.0)
    schedule = optim.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    seen = []
    for loss in [1.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]:
        schedule.step(stir.tensor(loss))
        seen.append(schedule.get_last_lr()[0])
    # bad epochs 1,2,3 -> cut at the 4th; cool-down; 0.5 improves; then cuts every 4 epochs
    # (1 cool-down epoch + 3 bad ones), floored at min_lr.
    assert seen == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2]
    saved = schedule.state_dict()
    _assert_plain(saved)
    other = optim.ReduceLROnPlateau(optim.SGD([_param()], lr=1.0))
    other.load_state_dict(saved)
    assert other.best == 0.5 and other.patience == 2 and other.min_lrs == [0.2]


# ---------------------------------------------------------------- clipping
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.0, 0.5, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_clip_grad_norm_matches_pytorch(norm_type, max_norm, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=shape).astype(dtype) for shape in [(3, 4), (4,), ()]]

    def clipped(lib, clip):
        params = [lib.tensor(np.zeros_like(g), requires_grad=True) for g in grads]
        params.append(lib.tensor(np.zeros(2, dtype), requires_grad=True))  # no gradient
        for param, grad in zip(params, grads):
            param.grad = lib.tensor(grad)
        total = clip(params, max_norm, norm_type)
        return total, [p.grad.numpy() for p in params[:-1]]

    total, ours = clipped(stir, optim.clip_grad_norm_)
    reference_total, theirs = clipped(torch, torch.nn.utils.clip_grad_norm_)
    tolerance = 1e-12 if dtype == "float64" else 1e-6
    assert isinstance(total, stir.Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.item(), reference_total.item(), rtol=tolerance)
    for a, b in zip(ours, theirs):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance)
    if max_norm == 0.5:
        assert not np.allclose(ours[0], grads[0])


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_grad_norm_with_a_nonfinite_gradient(bad):
    torch = pytest.importorskip("torch")
    w = stir.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    w.grad = stir.tensor([bad, 1.0], dtype="float64")
    with pytest.raises(RuntimeError, match="cannot be clipped"):
        optim.clip_grad_norm_(w, 1.0, error_if_nonfinite=True)
    total = optim.clip_grad_norm_(w, 1.0)
    reference = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    reference.grad = torch.tensor([bad, 1.0], dtype=torch.float64)
    reference_total = torch.nn.utils.clip_grad_norm_(reference, 1.0)
    np.testing.assert_equal(total.item(), reference_total.item())
    np.testing.assert_equal(w.grad.array, reference.grad.numpy())


def test_clip_grad_value_matches_pytorch():
    torch = pytest.importorskip("torch")
    grad = np.random.default_rng(2).normal(size=(5, 3)) * 2
    w = stir.tensor(np.zeros((5, 3)), requires_grad=True)
    reference = torch.zeros(5, 3, dtype=torch.float64)
    w.grad, reference.grad = stir.tensor(grad), torch.tensor(grad)
    optim.clip_grad_value_(iter([w]), 0.7)
    torch.nn.utils.clip_grad_value_([reference], 0.7)
    np.testing.assert_array_equal(w.grad.array, reference.grad.numpy())
    assert np.abs(w.grad.array).max() == 0.7


def test_clipping_without_gradients():
    total = optim.clip_grad_norm_([_param()], 1.0)
    assert total.item() == 0.0
    optim.clip_grad_value_([_param()], 1.0)


# ---------------------------------------------------------------- averaging
@pytest.mark.parametrize("kind", ["polyak", "ema"])
def test_averages_by_hand_and_swapping(kind):
    params = [stir.tensor(np.ones((2, 3)), requires_grad=True),
              stir.tensor(np.zeros(4), requires_grad=True)]
    averaged = optim.AveragedParameters(params, kind=kind, decay=0.9)
    opt = optim.SGD(params, lr=0.1, momentum=0.5)
    rng = np.random.default_rng(3)
    snapshots = []
    for _ in range(7):
        opt.zero_grad()
        noise = [stir.tensor(rng.normal(size=p.shape)) for p in params]
        sum(((p - n) ** 2).sum() for p, n in zip(params, noise)).backward()
        opt.step()
        averaged.update()
        snapshots.append([p.array.copy() for p in params])
    for index, param in enumerate(params):
        values = [snapshot[index] for snapshot in snapshots]
        if kind == "polyak":
            expected = np.mean(values, axis=0)
        else:
            expected = values[0]
            for value in values[1:]:
                expected = 0.9 * expected + 0.1 * value
        np.testing.assert_allclose(averaged.averaged_parameters()[index].array, expected,
                                   rtol=1e-13, atol=1e-14)
    live = [p.array.copy() for p in params]
    averages = [a.array for a in averaged.averaged_parameters()]
    with pytest.raises(ZeroDivisionError):
        with averaged.swapped_in():
            for param, average in zip(params, averages):
                assert np.array_equal(param.array, average)
            with pytest.raises(RuntimeError, match="swap back"):
                averaged.update()
            1 / 0  # an error inside the block still swaps back
    for param, value in zip(params, live):
        assert np.array_equal(param.array, value)
    averaged.swap()
    with pytest.raises(RuntimeError, match="swap back first"):
        averaged.state_dict()
    averaged.swap()
    saved = averaged.state_dict()
    _assert_plain(saved)
    other = optim.AveragedParameters([stir.tensor(p.array.copy()) for p in params])
    other.load_state_dict(saved)
    assert other.kind == kind and other.n_averaged == 7
    for mine, theirs in zip(other.averaged_parameters(), averaged.averaged_parameters()):
        np.testing.assert_array_equal(mine.array, theirs.array)


@pytest.mark.parametrize("kind", ["polyak", "ema"])
def test_averages_match_pytorch_averaged_model(kind):
    torch = pytest.importorskip("torch")
    swa_utils = torch.optim.swa_utils
    values = np.random.default_rng(4).normal(size=(6, 3))
    ours = stir.tensor(values[0], requires_grad=True)
    averaged = optim.AveragedParameters([ours], kind=kind, decay=0.8)
    model = torch.nn.Linear(3, 1, bias=False, dtype=torch.float64)
    multi_avg_fn = swa_utils.get_ema_multi_avg_fn(0.8) if kind == "ema" else None
    reference = swa_utils.AveragedModel(model, multi_avg_fn=multi_avg_fn)
    for value in values:
        ours.array[:] = value
        averaged.update()
        with torch.no_grad():
            model.weight.copy_(torch.tensor(value[None]))
        reference.update_parameters(model)
    np.testing.assert_allclose(averaged.averaged_parameters()[0].array,
                               reference.module.weight.detach().numpy()[0], rtol=1e-12)


def test_swap_before_any_update_is_refused():
    averaged = optim.AveragedParameters([_param()])
    with pytest.raises(RuntimeError, match="call update"):
        averaged.swap()


# ---------------------------------------------------------------- errors
def _w():
    return _param()


ERRORS = [
    (lambda: optim.SGD([]), ValueError, "empty parameter list"),
    (lambda: optim.SGD(_w()), TypeError, "iterable of Tensors"),
    (lambda: optim.SGD([np.zeros(2)]), TypeError, "parameter 0 of group 0 is a ndarray"),
    (lambda: optim.SGD([stir.tensor([1, 2])]), TypeError, "int64"),
    (lambda: optim.SGD([stir.tensor([1.0])]), ValueError, "does not require grad"),
    (lambda: optim.SGD([_w() * 2]), ValueError, "non-leaf"),
    (lambda: optim.SGD({_w()}), TypeError, "not a set"),
    (lambda: optim.SGD([{"params": []}]), ValueError, "group 0 has no parameters"),
    (lambda: optim.SGD([{"lr": 0.1}]), ValueError, "'params'"),
    (lambda: optim.SGD([{"params": [_w()], "momentun": 0.9}]), ValueError, "momentun"),
    (lambda: optim.SGD([_w()], lr=-0.1), ValueError, "lr = -0.1"),
    (lambda: optim.SGD([_w()], lr=math.nan), ValueError, "lr = nan"),
    (lambda: optim.SGD([_w()], lr=math.inf), ValueError, "lr = inf"),
    (lambda: optim.SGD([_w()], lr="fast"), TypeError, "lr must be a number"),
    (lambda: optim.SGD([{"params": [_w()], "lr": -1.0}], lr=0.1), ValueError, "lr = -1.0"),
    (lambda: optim.SGD([_w()], momentum=-0.5), ValueError, "momentum = -0.5"),
    (lambda: optim.SGD([_w()], weight_decay=-1), ValueError, "weight_decay = -1"),
    (lambda: optim.SGD([_w()], nesterov=True), ValueError, "nesterov=True needs momentum"),
    (lambda: optim.SGD([_w()], momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "dampening = 0.1"),
    (lambda: optim.SGD([_w()], nesterov="yes"), TypeError, "nesterov must be True or False"),
    (lambda: optim.Adagrad([_w()], lr_decay=-1), ValueError, "lr_decay = -1"),
    (lambda: optim.Adagrad([_w()], initial_accumulator_value=-1), ValueError,
     "initial_accumulator_value = -1"),
    (lambda: optim.Adagrad([_w()], eps=0), ValueError, "eps = 0"),
    (lambda: optim.RMSprop([_w()], alpha=1.5), ValueError, "alpha = 1.5"),
    (lambda: optim.RMSprop([_w()], eps=-1e-8), ValueError, "eps = -1e-08"),
    (lambda: optim.RMSprop([_w()], momentum=-0.1), ValueError, "momentum = -0.1"),
    (lambda: optim.Adam([_w()], betas=(1.0, 0.999)), ValueError, r"betas\[0\] = 1.0"),
    (lambda: optim.Adam([_w()], betas=(0.9, -0.1)), ValueError, r"betas\[1\] = -0.1"),
    (lambda: optim.Adam([_w()], betas=(0.9,)), ValueError, "betas must be a pair"),
    (lambda: optim.AdamW([_w()], eps=0.0), ValueError, "AdamW: invalid eps = 0.0"),
    (lambda: optim.AdamW([_w()], weight_decay=-0.01), ValueError, "weight_decay = -0.01"),
    (lambda: optim.Adam([_w()], amsgrad=1), TypeError, "amsgrad must be True or False"),
    (lambda: optim.StepLR(_sgd(), step_size=0), ValueError, "step_size = 0"),
    (lambda: optim.StepLR("opt", step_size=2), TypeError, "needs a stir Optimizer"),
    (lambda: optim.ExponentialLR(_sgd(), gamma=-1), ValueError, "gamma = -1"),
    (lambda: optim.CosineAnnealingLR(_sgd(), T_max=0), ValueError, "T_max = 0"),
    (lambda: optim.LinearLR(_sgd(), start_factor=0), ValueError, "start_factor = 0"),
    (lambda: optim.LinearLR(_sgd(), end_factor=1.5), ValueError, "end_factor = 1.5"),
    (lambda: optim.ReduceLROnPlateau(_sgd(), mode="avg"), ValueError, "mode must be"),
    (lambda: optim.ReduceLROnPlateau(_sgd(), factor=1.0), ValueError, "factor = 1.0"),
    (lambda: optim.ReduceLROnPlateau(_sgd(), threshold_mode="x"), ValueError, "threshold_mode"),
    (lambda: optim.ReduceLROnPlateau(_sgd(), min_lr=[0, 0]), ValueError, "expected 1 min_lr"),
    (lambda: optim.SequentialLR(_sgd(), [], []), ValueError, "at least one"),
    (lambda: optim.clip_grad_norm_([_w()], -1.0), ValueError, "max_norm"),
    (lambda: optim.clip_grad_norm_([_w()], 1.0, norm_type=0), ValueError, "norm_type"),
    (lambda: optim.clip_grad_norm_([_w()], 1.0, norm_type="l2"), ValueError, "norm_type"),
    (lambda: optim.clip_grad_norm_([np.ones(2)], 1.0), TypeError, "item 0 is a ndarray"),
    (lambda: optim.clip_grad_value_([_w()], -1.0), ValueError, "clip_value"),
    (lambda: optim.AveragedParameters([]), ValueError, "empty parameter list"),
    (lambda: optim.AveragedParameters([_w()], kind="swa"), ValueError, "kind must be"),
    (lambda: optim.AveragedParameters([_w()], kind="ema", decay=1.0), ValueError, "decay = 1.0"),
    (lambda: optim.AveragedParameters([stir.tensor([1, 2])]), TypeError, "int64"),
]


def _sgd():
    return optim.SGD([_w()], lr=0.1)


@pytest.mark.parametrize("make, error, message", ERRORS, ids=[m for _, _, m in ERRORS])
def test_bad_input_gets_a_clear_error(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_the_same_tensor_twice_is_refused():
    w = _w()
    with pytest.raises(ValueError, match="parameter 0 of group 1 .* same tensor as parameter "
                                         "0 of group 0"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([w, w], lr=0.1)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [w]})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("grad", [np.ones(1, np.float32), np.ones(2, np.float64)])
def test_a_gradient_unlike_its_parameter_is_refused(grad):
    w = _w()
    opt = optim.SGD([w], lr=0.1)
    w.grad = stir.tensor(grad)
    with pytest.raises(ValueError, match=r"parameter of shape \(2,\) and dtype float32 has"):
        opt.step()


def test_a_schedule_refuses_groups_added_after_it():
    opt = _sgd()
    schedule = optim.StepLR(opt, 2)
    opt.add_param_group({"params": [_w()]})
    with pytest.raises(RuntimeError, match="built for 1 parameter group"):
        schedule.step()


def test_load_state_dict_refuses_a_mismatch():
    opt = optim.Adam([_w()], lr=0.1)
    opt.zero_grad()
    (opt.param_groups[0]["params"][0] ** 2).sum().backward()
    opt.step()
    saved = opt.state_dict()
    with pytest.raises(ValueError, match=r"has 1 parameter group\(s\), this Adam has 2"):
        optim.Adam([{"params": [_w()]}, {"params": [_w()]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"1 parameter\(s\) in group 0, this optimizer has 2"):
        optim.Adam([_w(), _w()]).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"shape \(2,\), the parameter has shape \(3,\)"):
        optim.Adam([_param([1.0, 2.0, 3.0])]).load_state_dict(saved)
    with pytest.raises(ValueError, match="exactly the keys"):
        optim.Adam([_w()]).load_state_dict({"state": {}})
    with pytest.raises(ValueError, match="StepLR state dict has the keys"):
        optim.StepLR(_sgd(), 2).load_state_dict({"last_epoch": 3})
