"""Loads are transactions: `load_state_dict` of modules, optimizers, schedules and averages,
`checkpoint.load` and `fit(resume_from=...)` check every part first and change nothing
unless all of it fits. Each case below changed something before raising, once."""

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import checkpoint, nn, optim
from stir.io.plain_data import join_arrays, split_arrays
from stir.io.stir_files import read_stir_file, write_stir_file
from stir.training import LRSchedulerCallback, ModelCheckpoint, fit


def trained_parts():
    """A model, an Adam optimizer with state and a StepLR past its first step."""
    stir.manual_seed(0)
    model = nn.MLP([3, 4, 2])
    opt = optim.Adam(model.parameters(), lr=0.1)
    schedule = optim.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(2):
        opt.zero_grad()
        F.cross_entropy(model(stir.ones(5, 3)), stir.tensor([0, 1, 0, 1, 1])).backward()
        opt.step()
        schedule.step()
    return model, opt, schedule


def snapshot(model, opt=None, schedule=None, generators=()):
    """Everything a load could change, as plain copies."""
    weights = {key: value.array.copy() for key, value in model.state_dict().items()}
    optimizer = opt.state_dict() if opt is not None else None
    schedule_state = schedule.state_dict() if schedule is not None else None
    return weights, optimizer, schedule_state, [g.get_state() for g in generators]


def assert_same(before, after):
    (w1, o1, s1, g1), (w2, o2, s2, g2) = before, after
    assert w1.keys() == w2.keys() and all(np.array_equal(w1[k], w2[k]) for k in w1)
    assert s1 == s2 and g1 == g2
    if o1 is not None:
        assert o1["param_groups"] == o2["param_groups"]
        assert o1["state"].keys() == o2["state"].keys()
        for index, state in o1["state"].items():
            for name, value in state.items():
                assert np.array_equal(value, o2["state"][index][name]), (index, name)


def forged_checkpoint(path, tmp_path, edit):
    """The checkpoint at `path` with `edit(contents)` applied and re-signed, as an attacker
    who recomputes the checksum would."""
    arrays, fields = read_stir_file(path, "checkpoint",
                                    ("model", "optimizer", "scheduler", "random", "state"))
    contents = {key: join_arrays(value, arrays, "x") for key, value in fields.items()
                if key not in ("version", "numpy_version")}
    edit(contents)
    new_arrays = {}
    new_fields = {key: split_arrays(value, key, new_arrays) for key, value in contents.items()}
    return write_stir_file(tmp_path / "forged.ckpt", "checkpoint", new_arrays, new_fields)


def test_module_load_state_dict_with_a_bad_bias_leaves_the_weight(tmp_path):
    layer = nn.Linear(3, 2)
    before = snapshot(layer)
    good_weight = np.full((2, 3), 7.0, np.float32)
    for bad_bias in (np.zeros(3, np.float32), np.array(["a", "b"]), [1.0, 2.0],
                     np.zeros(2, np.complex64)):
        with pytest.raises(ValueError, match="bias"):
            layer.load_state_dict({"weight": good_weight, "bias": bad_bias})
        assert_same(before, snapshot(layer))


def test_optimizer_load_state_dict_with_one_bad_entry_changes_nothing():
    model, opt, _ = trained_parts()
    saved = opt.state_dict()
    before = snapshot(model, opt)
    bad_cases = [
        lambda s: s["state"][1].update(exp_avg=np.zeros(7, np.float32)),
        lambda s: s["state"][1].update(step="a"),
        lambda s: s["state"][1].update(step=-5),
        lambda s: s["state"][1].pop("exp_avg_sq"),
        lambda s: s["param_groups"][0].update(lr=-1.0),
        lambda s: s["param_groups"][0].update(betas=[0.9]),
        lambda s: s["param_groups"][0].update(params=[0, 1, 2, 7]),
        lambda s: s["param_groups"][0].update(surprise=1),
        lambda s: s["state"].update({99: {}}),
    ]
    for edit in bad_cases:
        state = opt.state_dict()
        state["param_groups"][0]["lr"] = 0.123  # a change that must not be applied
        edit(state)
        with pytest.raises(ValueError):
            opt.load_state_dict(state)
        assert_same(before, snapshot(model, opt))
    opt.load_state_dict(saved)  # and a good one loads


@pytest.mark.parametrize("edit", [
    lambda s: s.update(last_epoch="x"), lambda s: s.update(gamma=-1.0),
    lambda s: s.update(step_size=0), lambda s: s.update(base_lrs=[0.1, 0.2]),
    lambda s: s.update(_last_lr=[float("nan")]), lambda s: s.pop("gamma"),
])
def test_schedule_load_state_dict_checks_before_it_sets(edit):
    _, opt, schedule = trained_parts()
    state = schedule.state_dict()
    before = schedule.state_dict()
    edit(state)
    with pytest.raises(ValueError):
        schedule.load_state_dict(state)
    assert schedule.state_dict() == before


def test_a_checkpoint_whose_scheduler_does_not_fit_changes_nothing(tmp_path):
    """It used to raise after the optimizer's learning rate and state had been replaced."""
    model, opt, schedule = trained_parts()
    path = checkpoint.save(tmp_path / "run.ckpt", model=model, optimizer=opt,
                           scheduler=schedule)
    model2, opt2, _ = trained_parts()
    with stir.no_grad():
        model2[0].weight.array[...] = 5.0  # differs from the file
    opt2.param_groups[0]["lr"] = 0.777
    other = optim.CosineAnnealingLR(opt2, T_max=3)  # not the kind of schedule saved
    before = snapshot(model2, opt2, other, [stir.random.default_generator])
    with pytest.raises(stir.ModelFormatError, match="scheduler state does not fit"):
        checkpoint.load(path, model=model2, optimizer=opt2, scheduler=other)
    assert_same(before, snapshot(model2, opt2, other, [stir.random.default_generator]))


@pytest.mark.parametrize("bad", [-1, 2**200, "a", 1.5, None])
def test_a_bad_generator_state_leaves_the_model_unloaded(bad, tmp_path):
    model, opt, _ = trained_parts()
    path = checkpoint.save(tmp_path / "run.ckpt", model=model, optimizer=opt)
    forged = forged_checkpoint(path, tmp_path,
                               lambda c: c["random"]["default"]["state"].update(state=bad))
    fresh, fresh_opt, _ = trained_parts()
    with stir.no_grad():
        fresh[0].weight.array[...] = 3.0
    before = snapshot(fresh, fresh_opt, None, [stir.random.default_generator])
    with pytest.raises(stir.ModelFormatError, match="random generator 'default'"):
        checkpoint.load(forged, model=fresh, optimizer=fresh_opt)
    assert_same(before, snapshot(fresh, fresh_opt, None, [stir.random.default_generator]))


def test_a_failed_resume_leaves_model_optimizer_and_schedule_unchanged(tmp_path):
    x = np.random.default_rng(0).normal(size=(32, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model, opt, schedule = trained_parts()
    fit(model, F.cross_entropy, opt, x, y, epochs=2, batch_size=8, verbose=0,
        callbacks=[LRSchedulerCallback(schedule), ModelCheckpoint(tmp_path / "run.ckpt")])
    for name, edit in {
        "step": lambda c: c["state"]["fit"].update(step=-5),
        "order": lambda c: c["state"]["fit"].update(order=np.array([999] * 32)),
        "cursor": lambda c: c["state"]["fit"].update(position=5),
        "history": lambda c: c["state"]["fit"]["history"].update(epochs=[1]),
        "callback": lambda c: c["state"]["callbacks"][0].update(state={"extra": 1}),
    }.items():
        forged = forged_checkpoint(tmp_path / "run.ckpt", tmp_path, edit)
        model2, opt2, schedule2 = trained_parts()
        before = snapshot(model2, opt2, schedule2, [stir.random.default_generator])
        with pytest.raises(stir.ModelFormatError):
            fit(model2, F.cross_entropy, opt2, x, y, epochs=2, batch_size=8, verbose=0,
                callbacks=[LRSchedulerCallback(schedule2)], resume_from=forged)
        after = snapshot(model2, opt2, schedule2, [stir.random.default_generator])
        assert_same(before, after), name


def test_averaged_parameters_load_checks_first():
    model, _, _ = trained_parts()
    average = optim.AveragedParameters(model.parameters(), kind="ema", decay=0.9)
    state = average.state_dict()
    state["averages"][-1] = np.zeros(5, np.float32)  # the wrong shape, last
    state["decay"] = 0.5
    with pytest.raises(ValueError, match="average 3"):
        average.load_state_dict(state)
    assert average.decay == 0.9
