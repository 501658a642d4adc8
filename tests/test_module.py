"""Module: registration by assignment, traversal, modes, state dicts, errors, reprs."""

import numpy as np
import pytest

import stir
from stir import nn


class Affine(nn.Module):
    def __init__(self, n_in=2, n_out=3):
        super().__init__()
        self.weight = nn.Parameter(stir.ones(n_out, n_in))
        self.bias = nn.Parameter(stir.zeros(n_out))
        self.register_buffer("steps", stir.zeros(1))
        self.register_buffer("scratch", stir.zeros(2), persistent=False)

    def forward(self, x):
        return x @ self.weight.T + self.bias


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Affine(2, 3)
        self.second = Affine(3, 1)
        self.scale = 2.0  # a plain attribute, not registered

    def forward(self, x):
        return self.second(self.first(x)) * self.scale


def test_parameters_and_submodules_are_registered_by_assignment():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == [
        "first.weight", "first.bias", "second.weight", "second.bias"]
    assert [name for name, _ in net.named_children()] == ["first", "second"]
    assert [name for name, _ in net.named_modules()] == ["", "first", "second"]
    assert net.scale == 2.0 and "scale" not in dict(net.named_parameters())


def test_a_shared_parameter_is_listed_once():
    net = Net()
    net.second.weight = net.first.weight  # tied (shapes do not matter for the listing)
    names = [name for name, _ in net.named_parameters()]
    assert names.count("first.weight") == 1 and "second.weight" not in names
    assert len(list(net.parameters())) == 3


def test_forward_through_call():
    out = Net()(stir.ones(4, 2))
    assert out.shape == (4, 1) and out.tolist() == [[12.0]] * 4


def test_train_and_eval_reach_every_submodule():
    net = Net()
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_sets_to_none_or_zero():
    net = Net()
    net(stir.ones(1, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad.array.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_holds_parameters_and_persistent_buffers_sharing_memory():
    net = Net()
    state = net.state_dict()
    assert list(state) == ["first.weight", "first.bias", "first.steps",
                           "second.weight", "second.bias", "second.steps"]
    assert np.shares_memory(state["first.weight"].array, net.first.weight.array)
    assert not state["first.weight"].requires_grad


def test_load_state_dict_round_trip_copies_values_in_place():
    source, target = Net(), Net()
    with stir.no_grad():
        source.first.weight.array[...] = 7.0
    weight_array = target.first.weight.array
    target.load_state_dict(source.state_dict())
    assert target.first.weight.array is weight_array  # copied into, not replaced
    assert np.array_equal(target.first.weight.array, source.first.weight.array)


def test_load_state_dict_accepts_numpy_arrays():
    net = Net()
    state = {k: np.full(v.shape, 3.0, dtype=np.float32) for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    assert net.second.bias.tolist() == [3.0]


def test_strict_load_names_every_missing_unexpected_and_misshaped_key():
    net = Net()
    state = dict(net.state_dict())
    del state["first.bias"]
    state["extra.weight"] = stir.zeros(1)
    state["second.weight"] = stir.zeros(5, 5)
    before = net.second.weight.array.copy()
    with pytest.raises(ValueError) as error:
        net.load_state_dict(state)
    message = str(error.value)
    assert "missing keys: first.bias" in message
    assert "unexpected keys: extra.weight" in message
    assert "size mismatch for second.weight" in message and "(5, 5)" in message
    assert np.array_equal(net.second.weight.array, before)  # nothing changed


def test_non_strict_load_reports_keys_but_still_refuses_wrong_shapes():
    net = Net()
    state = {"first.weight": stir.full((3, 2), 2.0), "nonsense": stir.zeros(1)}
    result = net.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["nonsense"] and "first.bias" in result.missing_keys
    assert net.first.weight.tolist() == [[2.0, 2.0]] * 3
    with pytest.raises(ValueError, match="size mismatch"):
        net.load_state_dict({"first.weight": stir.zeros(1)}, strict=False)


def test_unknown_attribute_is_an_error_with_a_suggestion():
    net = Net()
    with pytest.raises(AttributeError, match="'Affine' object has no attribute 'wieght'; "
                                             "did you mean 'weight'"):
        net.first.wieght


def test_forgetting_super_init_is_explained():
    class Forgetful(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(stir.zeros(1))

    with pytest.raises(AttributeError, match=r"must call super\(\).__init__\(\)"):
        Forgetful()


def test_assigning_a_plain_tensor_over_a_parameter_is_refused():
    net = Affine()
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        net.weight = stir.zeros(3, 2)


def test_to_double_converts_parameters_and_buffers():
    net = Net().double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net.first.steps.dtype == np.float64
    assert stir.gradcheck(lambda x: net(x), (stir.randn(2, 2, dtype=stir.float64,
                                                        requires_grad=True),))


def test_parameter_is_a_leaf_requiring_grad_sharing_memory():
    array = np.zeros(3, dtype=np.float32)
    p = nn.Parameter(array)
    assert p.requires_grad and p.is_leaf and np.shares_memory(p.array, array)
    made = stir.ones(2, requires_grad=True) * 2  # a tensor with history: PyTorch's leaf of it
    q = nn.Parameter(made)
    assert q.is_leaf and q.requires_grad and np.shares_memory(q.array, made.array)


def test_repr_shows_structure_and_counts():
    net = nn.Sequential(nn.Linear(2, 5), nn.Linear(5, 1, bias=False))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(2 => 5)  # 15 parameters\n"
        "  (1): Linear(5 => 1, bias=False)  # 5 parameters\n"
        ")  # 20 parameters"
    )


def test_summary_counts_every_layer_and_the_total():
    net = nn.Sequential(nn.Linear(784, 256), nn.Linear(256, 10))
    text = net.summary()
    assert "200,960" in text and "2,570" in text
    assert text.splitlines()[-1] == "total: 203,530 parameters (203,530 trainable)"


def test_apply_visits_every_module():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Affine", "Affine", "Net"]
