"""stir.compile: a replayed step gives the eager step's numbers exactly, and a step that
cannot be replayed runs eagerly and says so once."""

import warnings

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim


def batches(shape_x, classes=None, out=1, count=8, seed=0):
    rng = np.random.default_rng(seed)
    xs = [rng.normal(size=shape_x).astype(np.float32) for _ in range(count)]
    if classes:
        ys = [rng.integers(classes, size=shape_x[0]) for _ in range(count)]
    else:
        ys = [rng.normal(size=(shape_x[0], out)).astype(np.float32) for _ in range(count)]
    return list(zip(xs, ys))


def tied():
    """One Linear applied twice: its parameters are reached along two edges each."""
    layer = nn.Linear(3, 3)
    return nn.Sequential(layer, nn.Tanh(), layer)


CASES = {  # name: (model maker, loss, optimizer maker, data)
    "tiny": (lambda: nn.MLP([2, 5, 1]), F.mse_loss,
             lambda p: optim.SGD(p, lr=0.01), batches((100, 2))),
    "curious": (lambda: nn.MLP([1, 1024, 1]), F.mse_loss,
                lambda p: optim.SGD(p, lr=1e-4), batches((1, 1))),
    "mnist-like": (lambda: nn.MLP([20, 32, 32, 10]), F.cross_entropy,
                   lambda p: optim.SGD(p, lr=0.01, momentum=0.9), batches((16, 20), 10)),
    "adam-tanh": (lambda: nn.MLP([3, 8, 2], activation="tanh"), F.cross_entropy,
                  lambda p: optim.Adam(p, lr=0.01), batches((12, 3), 2)),
    "tied-weights": (tied, F.mse_loss, lambda p: optim.SGD(p, lr=0.1), batches((5, 3), out=3)),
    "float64-sigmoid": (lambda: nn.MLP([3, 4, 1], activation="sigmoid", dtype=np.float64),
                        F.mse_loss, lambda p: optim.SGD(p, lr=0.1, weight_decay=0.01),
                        [(x.astype(np.float64), y.astype(np.float64))
                         for x, y in batches((6, 3))]),
}


def run_eager(make, loss_fn, make_opt, data, steps):
    stir.manual_seed(0)
    model = make()
    opt = make_opt(model.parameters())
    losses = []
    for step in range(steps):
        x, y = data[step % len(data)]
        loss = loss_fn(model(stir.tensor(x)), stir.tensor(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return model, losses


def run_compiled(make, loss_fn, make_opt, data, steps):
    stir.manual_seed(0)
    model = make()
    step_fn = stir.compile(model, loss_fn, make_opt(model.parameters()))
    losses = [float(step_fn(*data[step % len(data)])) for step in range(steps)]
    return model, losses, step_fn


@pytest.mark.parametrize("case", list(CASES))
def test_a_replayed_step_gives_the_eager_numbers_exactly(case):
    eager_model, eager_losses = run_eager(*CASES[case], steps=20)
    compiled_model, compiled_losses, step = run_compiled(*CASES[case], steps=20)
    assert step.replaying
    assert compiled_losses == eager_losses
    for a, b in zip(eager_model.parameters(), compiled_model.parameters()):
        assert np.array_equal(a.array, b.array)


def test_new_shapes_are_captured_again():
    data = batches((8, 2)) + batches((5, 2), seed=1)  # two batch sizes, alternating below
    order = [data[0], data[8], data[1], data[9], data[2], data[10], data[3], data[11]] * 2
    eager, eager_losses = run_eager(lambda: nn.MLP([2, 4, 1]), F.mse_loss,
                                    lambda p: optim.SGD(p, lr=0.05), order, 16)
    model, losses, step = run_compiled(lambda: nn.MLP([2, 4, 1]), F.mse_loss,
                                       lambda p: optim.SGD(p, lr=0.05), order, 16)
    assert losses == eager_losses and len(step._captures) == 2 and step.replaying


def test_a_parameter_the_loss_does_not_reach_keeps_no_stale_gradient():
    model = nn.MLP([2, 3, 1])
    unused = stir.zeros(3, requires_grad=True)
    unused.grad = stir.ones(3)  # stale: zero_grad must clear it, as in the eager step
    step = stir.compile(model, F.mse_loss, optim.SGD([*model.parameters(), unused], lr=0.1))
    for x, y in batches((4, 2)):
        step(x, y)
    assert step.replaying and unused.grad is None and (unused.array == 0).all()


def test_a_leaf_outside_the_optimizer_accumulates_as_in_eager():
    """A tensor that requires grad but is not the optimizer's: zero_grad never clears its
    .grad, so in eager steps its gradients add up; so they must in a replay."""
    def run(compiled):
        stir.manual_seed(0)
        model = nn.MLP([2, 3, 1])
        scale = stir.ones(1, requires_grad=True)  # trained by nobody
        step_loss = lambda output, target: F.mse_loss(output * scale, target)
        opt = optim.SGD(model.parameters(), lr=0.1)
        step = stir.compile(model, step_loss, opt) if compiled else None
        for x, y in batches((4, 2)):
            if compiled:
                step(x, y)
            else:
                loss = step_loss(model(stir.tensor(x)), stir.tensor(y))
                opt.zero_grad()
                loss.backward()
                opt.step()
        return scale.grad.array.copy(), step
    eager_grad, _ = run(False)
    compiled_grad, step = run(True)
    assert step.replaying and np.array_equal(eager_grad, compiled_grad)


def test_dropout_is_not_replayed_and_says_so_once():
    data = batches((8, 4))
    make = lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 1))
    eager, eager_losses = run_eager(make, F.mse_loss, lambda p: optim.SGD(p, lr=0.1), data, 6)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, losses, step = run_compiled(make, F.mse_loss, lambda p: optim.SGD(p, lr=0.1),
                                           data, 6)
    messages = [str(w.message) for w in caught if "stir.compile" in str(w.message)]
    assert len(messages) == 1 and "dropout mask" in messages[0]
    assert not step.replaying and losses == eager_losses


def test_eval_mode_is_a_separate_capture_and_dropout_replays_there():
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 1)).eval()
    step = stir.compile(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1))
    for x, y in batches((8, 4)):
        step(x, y)
    assert step.replaying


def test_a_bad_class_index_is_caught_in_a_replay_too():
    model = nn.MLP([3, 4, 3])
    step = stir.compile(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1))
    for x, y in batches((5, 3), classes=3):
        step(x, y)
    assert step.replaying
    x, y = batches((5, 3), classes=3)[0]
    with pytest.raises(ValueError, match="target -1 is out of range for 3 classes"):
        step(x, np.array([0, 1, 2, -1, 0]))


@pytest.mark.parametrize("bad", [-1, 10])
def test_an_embedding_index_out_of_range_is_caught_in_a_replay_too(bad):
    model = nn.Sequential(nn.Embedding(10, 3), nn.Flatten(), nn.Linear(6, 1))
    step = stir.compile(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1))
    y = np.ones((2, 1), np.float32)
    for start in range(4):
        step(np.array([[start, 1], [2, 3]]), y)
    assert step.replaying
    with pytest.raises(IndexError, match=f"index {bad} is out of range for a table of 10"):
        step(np.array([[1, bad], [2, 3]]), y)  # -1 would pick the last row, silently


class Reordered(nn.Module):
    """A Linear over the columns in another order (index_select: a tuple of index arrays)."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 1)

    def forward(self, x):
        return self.linear(x.index_select(1, stir.tensor([2, 0, 1])))


def test_an_index_of_integer_arrays_replays_with_the_eager_numbers():
    data = batches((4, 3))
    eager, eager_losses = run_eager(Reordered, F.mse_loss, lambda p: optim.SGD(p, lr=0.1),
                                    data, 6)
    compiled, losses, step = run_compiled(Reordered, F.mse_loss,
                                          lambda p: optim.SGD(p, lr=0.1), data, 6)
    assert step.replaying and losses == eager_losses


def test_the_returned_loss_is_the_step_own():
    model = nn.MLP([2, 3, 1])
    step = stir.compile(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1))
    losses = [step(x, y) for x, y in batches((4, 2))]
    values = [float(loss) for loss in losses]
    assert len(set(values)) == len(values)  # each step's loss tensor kept its value
    assert all(loss.grad_fn is None for loss in losses[2:])


def test_under_anomaly_detection_the_step_runs_eagerly():
    model = nn.MLP([2, 3, 1])
    step = stir.compile(model, F.mse_loss, optim.SGD(model.parameters(), lr=0.1))
    with stir.detect_anomaly():
        for x, y in batches((4, 2)):
            step(x, y)
    assert not step.replaying


@pytest.mark.parametrize("arguments, message", [
    (("not a model", F.mse_loss, None), "must be a stir.nn.Module"),
    ((nn.Linear(1, 1), "mse", None), "loss_fn must be callable"),
    ((nn.Linear(1, 1), F.mse_loss, object()), "no zero_grad"),
])
def test_compile_checks_its_arguments(arguments, message):
    with pytest.raises(TypeError, match=message):
        stir.compile(*arguments)
