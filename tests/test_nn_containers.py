"""stir.nn's containers, Parameter, Module traversal and the plain-list warning, against
PyTorch's: the same names, orders, key names, errors and behaviour."""

from __future__ import annotations

import warnings
from collections import OrderedDict

import numpy as np
import pytest

import stir
from stir import nn

torch = pytest.importorskip("torch")


def both(build):
    """The same model built from stir.nn and torch.nn."""
    return build(nn, stir), build(torch.nn, torch)


def names(model, what="named_parameters"):
    return [name for name, _ in getattr(model, what)()]


# ----------------------------------------------------------------------------- ModuleList
def _stack(n, t):
    class Stack(n.Module):
        def __init__(self):
            super().__init__()
            self.inp = n.Linear(2, 3)
            self.layers = n.ModuleList([n.Linear(3, 3) for _ in range(2)])
            self.heads = n.ModuleDict({"b": n.Linear(3, 1), "a": n.Linear(3, 2)})
            self.scales = n.ParameterList([n.Parameter(t.ones(3)), n.Parameter(t.zeros(1))])
            self.extra = n.ParameterDict({"gain": n.Parameter(t.ones(2))})
            self.register_buffer("steps", t.zeros(1))

        def forward(self, x):
            x = self.inp(x)
            for layer in self.layers:
                x = layer(x).tanh() * self.scales[0]
            return self.heads["a"](x).sum() + self.heads["b"](x).sum()
    return Stack()


def test_nested_containers_name_parameters_modules_and_state_as_pytorch():
    ours, theirs = both(_stack)
    for what in ("named_parameters", "named_modules", "named_children", "named_buffers"):
        assert names(ours, what) == names(theirs, what), what
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "layers.0.weight" in ours.state_dict() and "scales.1" in ours.state_dict()
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 13
    assert [type(m).__name__ for m in ours.children()] == [
        type(m).__name__ for m in theirs.children()]


def test_load_state_dict_from_pytorch_values_gives_pytorch_outputs():
    ours, theirs = both(_stack)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    out, expected = ours(stir.tensor(x)), theirs(torch.tensor(x))
    assert np.allclose(out.item(), expected.item(), atol=1e-5)
    out.backward()
    expected.backward()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        if q.grad is None:
            assert p.grad is None, name
        else:
            assert np.allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-5), name


def test_train_eval_zero_grad_to_and_requires_grad_reach_container_children():
    model = _stack(nn, stir)
    model.eval()
    assert not any(m.training for m in model.modules())
    model(stir.ones(1, 2)).backward()
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.to(stir.float64)
    assert {p.dtype for p in model.parameters()} == {np.dtype("float64")}
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_module_list_behaves_as_a_python_list():
    ours, theirs = both(lambda n, t: n.ModuleList([n.ReLU(), n.Tanh(), n.Sigmoid()]))
    for model in (ours, theirs):
        model.append(type(model[0])())
        model.extend([type(model[1])()])
        model += [type(model[2])()]
        model.insert(1, type(model[2])())
        del model[0]
        model[-1] = type(model[0])()
    kinds = lambda m: [type(x).__name__ for x in m]  # noqa: E731
    assert kinds(ours) == kinds(theirs) and len(ours) == len(theirs) == 6
    assert list(ours._modules) == list(theirs._modules) == [str(i) for i in range(6)]
    assert kinds(ours[1:4]) == kinds(theirs[1:4]) and isinstance(ours[1:4], nn.ModuleList)
    assert kinds(ours[::-2]) == kinds(theirs[::-2])
    assert type(ours.pop(0)).__name__ == type(theirs.pop(0)).__name__
    assert kinds(ours + [nn.ReLU()]) == kinds(theirs + [torch.nn.ReLU()])
    ours.insert(-1, nn.Identity())  # PyTorch fails here; stir inserts as list.insert does
    assert type(ours[-2]).__name__ == "Identity"


@pytest.mark.parametrize("call, error, message", [
    (lambda m: m[5], IndexError, "index 5 is out of range"),
    (lambda m: m[-4], IndexError, "index -4 is out of range"),
    (lambda m: m.append(3), TypeError, "int is not a Module subclass"),
    (lambda m: m.extend(3), TypeError,
     "ModuleList.extend should be called with an iterable, but got int"),
    (lambda m: m(1), NotImplementedError,
     'Module \\[ModuleList\\] is missing the required "forward" function'),
])
def test_module_list_errors_are_pytorchs(call, error, message):
    for model in both(lambda n, t: n.ModuleList([n.ReLU(), n.Tanh()])):
        with pytest.raises(error, match=message):
            call(model)


def test_module_dict_keeps_insertion_order_and_the_dict_methods():
    ours, theirs = both(lambda n, t: n.ModuleDict({"b": n.ReLU(), "a": n.Tanh()}))
    for model in (ours, theirs):
        model["c"] = type(model["a"])()
        model.update([("d", type(model["a"])())])
        del model["b"]
    assert list(ours) == list(theirs) == ["a", "c", "d"]
    assert list(ours.keys()) == ["a", "c", "d"] and "c" in ours and "b" not in ours
    assert [type(m).__name__ for m in ours.values()] == ["Tanh"] * 3
    assert type(ours.pop("a")).__name__ == "Tanh" and len(ours) == 2
    ours.clear()
    assert len(ours) == 0


@pytest.mark.parametrize("key, error, message", [
    ("x.y", KeyError, "contain"), ("", KeyError, "empty string"),
    ("train", KeyError, "attribute 'train' already exists"),
])
def test_module_dict_refuses_the_keys_pytorch_refuses(key, error, message):
    for model in both(lambda n, t: n.ModuleDict()):
        with pytest.raises(error, match=message):
            model[key] = nn.ReLU() if isinstance(model, nn.Module) else torch.nn.ReLU()


# ----------------------------------------------------------------------------- Sequential
def test_sequential_indexing_slicing_and_editing_as_pytorch():
    ours, theirs = both(lambda n, t: n.Sequential(n.Linear(2, 3), n.ReLU(), n.Linear(3, 1)))
    assert list(ours[1:]._modules) == list(theirs[1:]._modules) == ["1", "2"]
    assert type(ours[-1]).__name__ == "Linear"
    for model in (ours, theirs):
        del model[1]
        model.insert(1, type(model[0])(3, 3))
    assert names(ours) == names(theirs)
    assert len(ours * 2) == 6 and list(ours * 2)[3] is ours[0]
    assert list((ours + ours)._modules) == [str(i) for i in range(6)]
    named = nn.Sequential(OrderedDict(first=nn.Linear(2, 2), act=nn.ReLU()))
    assert names(named) == ["first.weight", "first.bias"]
    with pytest.raises(IndexError, match="index 7 is out of range"):
        ours[7]


def test_sequential_keeps_its_old_import_path():
    from stir.nn.layers import Sequential
    assert Sequential is nn.Sequential and issubclass(nn.MLP, nn.Sequential)


# ----------------------------------------------------------------------------- parameters
def test_parameter_list_and_dict_register_tensors_as_parameters():
    ours, theirs = both(lambda n, t: n.ParameterList([t.zeros(2, 3), n.Parameter(t.ones(3))]))
    for model in (ours, theirs):
        model.append(model[0] * 0)  # a tensor with history becomes a leaf parameter
    assert names(ours) == names(theirs) == ["0", "1", "2"]
    assert all(isinstance(p, nn.Parameter) and p.is_leaf for p in ours)
    assert isinstance(ours[1:], nn.ParameterList) and len(ours[1:]) == 2
    assert repr(ours).splitlines()[1] == "  (0): Parameter containing: [float32 of size 2x3]"
    with pytest.raises(RuntimeError, match="ParameterList should not be called."):
        ours(1)
    mapping = {"b": stir.zeros(1), "a": stir.ones(2)}
    ours, theirs = nn.ParameterDict(mapping), torch.nn.ParameterDict(
        {k: torch.tensor(v.numpy()) for k, v in mapping.items()})
    assert list(ours) == list(theirs) == ["a", "b"]  # a plain dict's keys sorted, as PyTorch
    ours["c"] = stir.zeros(3)
    assert names(ours) == ["a", "b", "c"] and ours.get("z") is None
    assert ours.pop("a").shape == (2,) and list(ours.keys()) == ["b", "c"]
    with pytest.raises(TypeError, match="not a string"):
        ours[1] = stir.zeros(1)
    with pytest.raises(KeyError):
        ours["a.b"] = stir.zeros(1)


def test_parameter_from_a_tensor_with_history_is_a_leaf_sharing_its_memory():
    x = stir.ones(3, requires_grad=True)
    made = x * 2
    p = nn.Parameter(made)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert np.shares_memory(p.detach().numpy(), made.detach().numpy())
    assert isinstance(p, nn.Parameter) and isinstance(p, stir.Tensor)
    assert repr(nn.Parameter(stir.tensor([3.0, 3.0]))) == repr(
        torch.nn.Parameter(torch.tensor([3.0, 3.0]))).replace("torch", "stir")
    assert nn.Parameter().shape == (0,) and nn.Parameter().dtype == np.float32
    frozen = nn.Parameter(stir.ones(2), requires_grad=False)
    assert not frozen.requires_grad and repr(frozen) == repr(
        torch.nn.Parameter(torch.ones(2), requires_grad=False))


# ----------------------------------------------------------------------------- traversal
def _tree(n, t):
    class Block(n.Module):
        def __init__(self):
            super().__init__()
            self.inner = n.Sequential(n.Linear(1, 1), n.ReLU())
            self.out = n.Linear(1, 1)
    return n.Sequential(Block(), n.Linear(1, 1), Block())


def test_apply_is_post_order_as_pytorch():
    orders = []
    for model in both(_tree):
        seen = []
        model.apply(lambda m: seen.append(type(m).__name__))
        orders.append(seen)
    assert orders[0] == orders[1]


def test_shared_modules_appear_once_in_listings_and_under_both_names_in_state_dicts():
    def tied(n, t):
        layer = n.Linear(2, 2)
        return n.Sequential(layer, n.ReLU(), layer)
    ours, theirs = both(tied)
    assert names(ours) == names(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert names(ours, "named_modules") == names(theirs, "named_modules")
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == [
        n for n, _ in theirs.named_modules(remove_duplicate=False)]


def test_replacing_a_parameter_keeps_its_place_as_pytorch():
    ours, theirs = both(lambda n, t: n.Linear(2, 2))
    ours.weight = nn.Parameter(stir.zeros(2, 2))
    theirs.weight = torch.nn.Parameter(torch.zeros(2, 2))
    assert names(ours) == names(theirs) == ["weight", "bias"]


def test_train_needs_a_bool_and_get_submodule_follows_dotted_paths():
    model = _tree(nn, stir)
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        model.train(1)
    assert type(model.get_submodule("0.inner.1")).__name__ == "ReLU"


@pytest.mark.parametrize("name", ["normal_", "uniform_", "zeros_", "ones_", "constant_",
                                  "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                  "kaiming_normal_", "eye_", "orthogonal_",
                                  "trunc_normal_", "calculate_gain"])
def test_init_has_pytorchs_names(name):
    assert hasattr(torch.nn.init, name) and hasattr(nn.init, name)


# ----------------------------------------------------------------------------- the warning
def test_modules_in_a_plain_list_warn_once_naming_the_attribute_and_the_fix():
    class Forgetful(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = [nn.Linear(2, 2), nn.Linear(2, 2)]

    with pytest.warns(nn.UnregisteredModuleWarning, match=r"Forgetful\.blocks .*nn\.ModuleList"):
        model = Forgetful()
    assert list(model.parameters()) == []  # as PyTorch: nothing registered
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Forgetful()  # once per class and attribute


@pytest.mark.parametrize("value, container", [
    ({"a": nn.ReLU()}, "nn.ModuleDict"), ((nn.Parameter(stir.ones(1)),), "nn.ParameterList"),
    ({"w": nn.Parameter(stir.ones(1))}, "nn.ParameterDict"),
])
def test_every_plain_container_of_modules_or_parameters_warns(value, container):
    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.things = value

    with pytest.warns(UserWarning, match=container):
        Holder()


def test_a_list_filled_after_assignment_warns_when_parameters_are_listed():
    class Later(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = []
            for _ in range(2):
                self.layers.append(nn.Linear(2, 2))

    model = Later()
    with pytest.warns(nn.UnregisteredModuleWarning, match=r"Later\.layers"):
        list(model.parameters())


def test_plain_lists_of_other_things_and_registered_containers_do_not_warn():
    class Fine(nn.Module):
        def __init__(self):
            super().__init__()
            self.widths = [2, 3, 4]
            self.names = {"a": 1}
            self.empty = []
            self.layers = nn.ModuleList([nn.Linear(2, 2)])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(Fine().parameters())
        list(nn.MLP([2, 4, 1]).parameters())


def test_state_dict_prefix_keep_vars_and_destination_as_pytorch():
    ours, theirs = both(lambda n, t: n.Sequential(n.Linear(1, 1)))
    assert list(ours.state_dict(prefix="net.")) == list(theirs.state_dict(prefix="net."))
    kept = ours.state_dict(keep_vars=True)
    assert kept["0.weight"] is ours[0].weight
    into: dict = {}
    assert ours.state_dict(destination=into) is into and list(into) == ["0.weight", "0.bias"]


def test_the_added_initializers_fill_as_pytorchs_do():
    w = stir.zeros(3, 5)
    nn.init.orthogonal_(w, gain=2.0, generator=stir.Generator(0))
    np.testing.assert_allclose(w.numpy() @ w.numpy().T, 4 * np.eye(3), atol=1e-5)
    nn.init.eye_(w)
    assert np.array_equal(w.numpy(), torch.nn.init.eye_(torch.zeros(3, 5)).numpy())
    big = nn.init.trunc_normal_(stir.zeros(4000), std=1.0, a=-0.5, b=1.0,
                                generator=stir.Generator(1)).numpy()
    assert big.min() >= -0.5 and big.max() <= 1.0 and abs(big.mean() - 0.2) < 0.05
    conv = nn.init.dirac_(stir.zeros(2, 2, 3))
    assert np.array_equal(conv.numpy(), torch.nn.init.dirac_(torch.zeros(2, 2, 3)).numpy())
    sparse = nn.init.sparse_(stir.zeros(10, 4), 0.3, generator=stir.Generator(2)).numpy()
    assert ((sparse == 0).sum(axis=0) == 3).all()
    assert nn.init.calculate_gain("conv2d") == torch.nn.init.calculate_gain("conv2d") == 1
