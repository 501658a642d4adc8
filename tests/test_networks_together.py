"""The pieces of issue 3 working together, as a user puts them together."""

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim


def three_blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
    labels = rng.integers(0, 3, size=n)
    points = centres[labels] + 0.6 * rng.standard_normal((n, 2))
    return stir.tensor(points.astype(np.float32)), stir.tensor(labels)


@pytest.mark.parametrize("make_optimizer", [
    lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    lambda params: optim.Adam(params, lr=0.02),
], ids=["sgd-momentum", "adam"])
def test_an_mlp_learns_to_separate_three_blobs(make_optimizer):
    stir.manual_seed(0)
    x, y = three_blobs()
    model = nn.MLP([2, 16, 3], activation="relu")
    opt = make_optimizer(model.parameters())
    for _ in range(150):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    with stir.no_grad():
        accuracy = (model(x).argmax(axis=1) == y).array.mean()
    assert loss.item() < 0.3 and accuracy > 0.9


def test_training_resumes_exactly_from_model_and_optimizer_state_dicts():
    x, y = three_blobs(n=64)

    def fresh():
        stir.manual_seed(1)
        model = nn.MLP([2, 8, 3], activation="tanh")
        return model, optim.Adam(model.parameters(), lr=0.01)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()

    model, opt = fresh()
    train(model, opt, 10)
    saved_model, saved_opt = model.state_dict(), opt.state_dict()
    saved_model = {k: v.array.copy() for k, v in saved_model.items()}
    train(model, opt, 10)
    resumed, resumed_opt = fresh()
    resumed.load_state_dict(saved_model)
    resumed_opt.load_state_dict(saved_opt)
    train(resumed, resumed_opt, 10)
    for (name, a), (_, b) in zip(model.named_parameters(), resumed.named_parameters()):
        assert np.array_equal(a.array, b.array), name


def test_weight_decay_by_penalty_equals_sgd_weight_decay():
    # Seed 003's λ R(W) with R = Σ W² has gradient 2λW; SGD's weight_decay adds wd·W.
    x, y = three_blobs(n=32)
    grads = []
    for use_penalty in (True, False):
        stir.manual_seed(2)
        model = nn.Linear(2, 3)
        opt = optim.SGD(model.parameters(), lr=0.1, weight_decay=0.0 if use_penalty else 0.02)
        loss = F.cross_entropy(model(x), y)
        if use_penalty:
            loss = loss + nn.l2_penalty(model.parameters(), weight=0.01)
        loss.backward()
        opt.step()
        grads.append(model.weight.array.copy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-7)


def test_wrong_targets_for_cross_entropy_are_explained():
    model = nn.MLP([2, 4, 3])
    with pytest.raises(ValueError, match="3"):
        F.cross_entropy(model(stir.ones(2, 2)), stir.tensor([0, 5]))
