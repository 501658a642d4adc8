"""stir.optim.lr_scheduler against torch.optim.lr_scheduler: for the same settings, over two
parameter groups, the same learning rates (and momenta, for the cycling schedules) at every
one of 35 steps, to 1e-12; state dicts that resume a schedule exactly; PyTorch's warnings."""

import math
import warnings

import pytest

import stir
import stir.optim as optim
from stir.optim import lr_scheduler

torch = pytest.importorskip("torch")

STEPS = 35


def optimizers(kind="sgd"):
    """The same two-group optimizer in stir and in PyTorch."""
    made = []
    for lib in (stir, torch):
        first = lib.zeros(2, requires_grad=True)
        second = lib.zeros(3, requires_grad=True)
        groups = [{"params": [first]}, {"params": [second], "lr": 0.05}]
        if kind == "sgd":
            made.append(lib.optim.SGD(groups, lr=0.1, momentum=0.9))
        else:
            made.append(lib.optim.Adam(groups, lr=0.1, betas=(0.9, 0.99)))
    return made


def momenta(opt):
    return [group["betas"][0] if "betas" in group else group.get("momentum")
            for group in opt.param_groups]


# name → (optimizer kind, builder(lr_scheduler module, optimizer))
CASES = {
    "StepLR": ("sgd", lambda L, o: L.StepLR(o, step_size=3, gamma=0.5)),
    "MultiStepLR": ("sgd", lambda L, o: L.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.3)),
    "ExponentialLR": ("sgd", lambda L, o: L.ExponentialLR(o, gamma=0.9)),
    "ConstantLR": ("sgd", lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=4)),
    "ConstantLR-defaults": ("sgd", lambda L, o: L.ConstantLR(o)),
    "LinearLR": ("sgd", lambda L, o: L.LinearLR(o, start_factor=0.2, end_factor=0.9,
                                                total_iters=10)),
    "PolynomialLR": ("sgd", lambda L, o: L.PolynomialLR(o, total_iters=20, power=2.0)),
    "PolynomialLR-defaults": ("sgd", lambda L, o: L.PolynomialLR(o)),
    "CosineAnnealingLR": ("sgd", lambda L, o: L.CosineAnnealingLR(o, T_max=10, eta_min=1e-3)),
    "LambdaLR": ("sgd", lambda L, o: L.LambdaLR(o, lambda epoch: 0.95**epoch)),
    "LambdaLR-two": ("sgd", lambda L, o: L.LambdaLR(
        o, [lambda epoch: 1 / (epoch + 1), lambda epoch: 0.9 ** (epoch // 4)])),
    "MultiplicativeLR": ("sgd", lambda L, o: L.MultiplicativeLR(o, lambda epoch: 0.97)),
    "CosineAnnealingWarmRestarts": ("sgd", lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=0.01)),
    "CosineAnnealingWarmRestarts-1": ("sgd", lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=4)),
    "OneCycleLR": ("sgd", lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS)),
    "OneCycleLR-linear-3": ("sgd", lambda L, o: L.OneCycleLR(
        o, max_lr=0.8, epochs=5, steps_per_epoch=7, anneal_strategy="linear",
        three_phase=True, pct_start=0.25)),
    "OneCycleLR-adam": ("adam", lambda L, o: L.OneCycleLR(o, max_lr=0.3, total_steps=STEPS,
                                                          div_factor=10.0)),
    "OneCycleLR-no-momentum": ("adam", lambda L, o: L.OneCycleLR(
        o, max_lr=0.3, total_steps=STEPS, cycle_momentum=False, final_div_factor=100.0)),
    "CyclicLR": ("sgd", lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2],
                                                step_size_up=4)),
    "CyclicLR-triangular2": ("sgd", lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=3, mode="triangular2")),
    "CyclicLR-exp_range": ("adam", lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="exp_range", gamma=0.97)),
    "CyclicLR-scale_fn": ("sgd", lambda L, o: L.CyclicLR(
        o, base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=lambda x: 1 / (1 + x),
        scale_mode="iterations", cycle_momentum=False)),
    "SequentialLR": ("sgd", lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, start_factor=0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=12)],
        milestones=[5])),
    "SequentialLR-three": ("sgd", lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.5, total_iters=3), L.ExponentialLR(o, gamma=0.8),
            L.MultiStepLR(o, milestones=[4, 9])], milestones=[4, 15])),
    "ChainedScheduler": ("sgd", lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.25, total_iters=6), L.ExponentialLR(o, gamma=0.93)])),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_rates_are_pytorchs(name):
    kind, build = CASES[name]
    ours_opt, theirs_opt = optimizers(kind)
    ours, theirs = build(lr_scheduler, ours_opt), build(torch.optim.lr_scheduler, theirs_opt)
    for step in range(STEPS):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), abs=1e-12, rel=1e-12)
        assert [g["lr"] for g in ours_opt.param_groups] == pytest.approx(
            [g["lr"] for g in theirs_opt.param_groups], abs=1e-12, rel=1e-12), step
        assert momenta(ours_opt) == pytest.approx(momenta(theirs_opt), abs=1e-12)
        assert getattr(ours, "last_epoch", None) == getattr(theirs, "last_epoch", None)
        ours_opt.step()
        theirs_opt.step()
        ours.step()
        theirs.step()


def test_reduce_lr_on_plateau_is_pytorchs():
    ours_opt, theirs_opt = optimizers()
    losses = [1.0, 0.9, 0.95, 0.93, 0.96, 0.97, 0.5, 0.6, 0.6, 0.61] * 4
    kwargs = dict(factor=0.5, patience=1, cooldown=1, min_lr=[0.01, 0.0])
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, **kwargs)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs_opt, **kwargs)
    for loss in losses:
        ours.step(loss)
        theirs.step(loss)
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), abs=1e-12)


@pytest.mark.parametrize("name", ["StepLR", "MultiStepLR", "CosineAnnealingLR", "OneCycleLR",
                                  "CosineAnnealingWarmRestarts", "CyclicLR", "LambdaLR",
                                  "SequentialLR", "ChainedScheduler", "PolynomialLR"])
def test_a_state_dict_resumes_the_schedule(name):
    kind, build = CASES[name]
    whole_opt, _ = optimizers(kind)
    whole = build(lr_scheduler, whole_opt)
    first_opt, _ = optimizers(kind)
    first = build(lr_scheduler, first_opt)
    for _ in range(12):
        for opt, schedule in ((whole_opt, whole), (first_opt, first)):
            opt.step()
            schedule.step()
    saved_opt, saved = first_opt.state_dict(), first.state_dict()
    resumed_opt, _ = optimizers(kind)
    resumed = build(lr_scheduler, resumed_opt)
    resumed.load_state_dict(saved)
    resumed_opt.load_state_dict(saved_opt)
    for _ in range(STEPS - 13):
        for opt, schedule in ((whole_opt, whole), (resumed_opt, resumed)):
            opt.step()
            schedule.step()
        assert resumed.get_last_lr() == pytest.approx(whole.get_last_lr(), abs=1e-15)


def test_the_state_dict_keys_are_pytorchs():
    ours_opt, theirs_opt = optimizers()
    ours = lr_scheduler.StepLR(ours_opt, step_size=2)
    theirs = torch.optim.lr_scheduler.StepLR(theirs_opt, step_size=2)
    public = {key for key in theirs.state_dict() if not key.startswith("_") or key in (
        "_step_count", "_last_lr")}
    assert public <= set(ours.state_dict())
    assert ours.state_dict()["_step_count"] == theirs.state_dict()["_step_count"] == 1


def test_lambda_lr_saves_callable_objects_but_not_functions():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return self.rate**epoch

    for lib in (lr_scheduler, torch.optim.lr_scheduler):
        opt = optimizers()[0 if lib is lr_scheduler else 1]
        schedule = lib.LambdaLR(opt, [Decay(0.5), lambda epoch: 1.0])
        saved = schedule.state_dict()
        assert saved["lr_lambdas"] == [{"rate": 0.5}, None]
    other = lr_scheduler.LambdaLR(optimizers()[0], [Decay(0.9), lambda epoch: 1.0])
    other.load_state_dict(lr_scheduler.LambdaLR(optimizers()[0],
                                                [Decay(0.5), lambda e: 1.0]).state_dict())
    assert other.lr_lambdas[0].rate == 0.5


def test_stepping_the_schedule_before_the_optimizer_warns_as_pytorch():
    for lib in (lr_scheduler, torch.optim.lr_scheduler):
        opt = optimizers()[0 if lib is lr_scheduler else 1]
        schedule = lib.StepLR(opt, step_size=1)
        with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
            schedule.step()
    opt = optimizers()[0]
    schedule = lr_scheduler.StepLR(opt, step_size=1)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schedule.step()
        schedule.step()


def test_get_lr_outside_step_and_step_with_an_epoch_warn_as_pytorch():
    opt = optimizers()[0]
    schedule = lr_scheduler.ExponentialLR(opt, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="use `get_last_lr\\(\\)`"):
        schedule.get_lr()
    with pytest.warns(UserWarning, match="epoch parameter"):
        schedule.step(3)  # the closed form: base_lr·gamma³
    assert schedule.get_last_lr() == pytest.approx([0.1 * 0.125, 0.05 * 0.125])


@pytest.mark.parametrize("build, message", [
    (lambda L, o: L.OneCycleLR(o, max_lr=1.0), "total_steps OR"),
    (lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1.5), "pct_start"),
    (lambda L, o: L.OneCycleLR(o, max_lr=1.0, total_steps=10, anneal_strategy="x"),
     "anneal_strategy"),
    (lambda L, o: L.OneCycleLR(o, max_lr=[1.0], total_steps=10), "same length"),
    (lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0), "T_0"),
    (lambda L, o: L.CyclicLR(o, 0.1, 1.0, mode="x"), "mode is invalid"),
    (lambda L, o: L.LambdaLR(o, [lambda e: 1.0]), "Expected 2 lr_lambdas"),
])
def test_bad_settings_raise_as_in_pytorch(build, message):
    ours_opt, theirs_opt = optimizers()
    with pytest.raises(ValueError, match=message):
        build(torch.optim.lr_scheduler, theirs_opt)
    with pytest.raises(ValueError, match=message):
        build(lr_scheduler, ours_opt)


def test_one_cycle_raises_past_its_total_steps_as_pytorch():
    for lib in (lr_scheduler, torch.optim.lr_scheduler):
        opt = optimizers()[0 if lib is lr_scheduler else 1]
        schedule = lib.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        opt.step()
        for _ in range(3):
            schedule.step()
        with pytest.raises(ValueError, match="Tried to step 4 times"):
            schedule.step()


def test_cycle_momentum_needs_a_momentum():
    opt = optim.Adagrad([stir.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5)
    assert math.isclose(lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=5,
                                                cycle_momentum=False).get_last_lr()[0], 0.04)


def test_the_module_has_pytorchs_names():
    from stir.optim.lr_scheduler import StepLR  # noqa: F401  (the import itself is the test)

    names = {"LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
             "ExponentialLR", "SequentialLR", "PolynomialLR", "CosineAnnealingLR",
             "ChainedScheduler", "ReduceLROnPlateau", "CyclicLR",
             "CosineAnnealingWarmRestarts", "OneCycleLR", "LRScheduler"}
    assert names <= set(dir(stir.optim.lr_scheduler))
    assert stir.optim.lr_scheduler.StepLR is optim.StepLR
