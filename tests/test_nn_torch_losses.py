"""stir.nn's losses and functions against PyTorch's: binary cross-entropy, smooth L1,
dropout, pad, embedding, one_hot, the loss signatures and the small layers."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(12)


def pair(x):
    """x as a stir and a torch float64 leaf requiring grad."""
    return (stir.tensor(x, dtype=stir.float64, requires_grad=True),
            torch.tensor(x, dtype=torch.float64, requires_grad=True))


def close(ours, theirs, atol=1e-10):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    ours = ours.detach().numpy() if isinstance(ours, stir.Tensor) else ours
    np.testing.assert_allclose(ours, theirs, rtol=1e-7, atol=atol)


def check(stir_fn, torch_fn, *arrays, atol=1e-10):
    """Same values and same gradients of every input, as PyTorch's."""
    ours, theirs = zip(*(pair(a) for a in arrays))
    out, expected = stir_fn(*ours), torch_fn(*theirs)
    close(out, expected, atol)
    weights = RNG.standard_normal(tuple(expected.shape))
    (out * stir.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for a, b in zip(ours, theirs):
        assert (a.grad is None) == (b.grad is None)
        if b.grad is not None:
            close(a.grad, b.grad, atol)


# ----------------------------------------------------------------------------- BCE
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_pytorch_with_its_clamps(reduction, weighted):
    x = np.array([[0.0, 1e-30, 0.3], [1.0, 0.7, 1 - 1e-9]])
    y = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2]])
    weight = np.array([0.5, 2.0, 1.0]) if weighted else None
    check(lambda a: F.binary_cross_entropy(a, stir.tensor(y), weight, reduction=reduction),
          lambda a: TF.binary_cross_entropy(
              a, torch.tensor(y), None if weight is None else torch.tensor(weight),
              reduction=reduction), x, atol=1e-6)


def test_binary_cross_entropy_gradient_of_the_target_is_pytorchs():
    check(lambda a, b: F.binary_cross_entropy(a, b),
          lambda a, b: TF.binary_cross_entropy(a, b),
          RNG.uniform(0.05, 0.95, (3, 2)), RNG.uniform(0, 1, (3, 2)))


def test_bce_loss_module_and_its_errors():
    loss = nn.BCELoss(weight=[1.0, 2.0])
    assert repr(loss).startswith("BCELoss(") and list(loss.state_dict()) == ["weight"]
    close(loss(stir.tensor([0.2, 0.9]), stir.tensor([0.0, 1.0])),
          torch.nn.BCELoss(weight=torch.tensor([1.0, 2.0]))(torch.tensor([0.2, 0.9]),
                                                             torch.tensor([0.0, 1.0])), 1e-6)
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(stir.tensor([1.5]), stir.tensor([1.0]))
    with pytest.raises(ValueError, match="all elements of target should be between 0 and 1"):
        F.binary_cross_entropy(stir.tensor([0.5]), stir.tensor([1.5]))
    with pytest.raises(ValueError, match="differ"):
        F.binary_cross_entropy(stir.tensor([0.5, 0.5]), stir.tensor([1.0]))


# ----------------------------------------------------------------------------- smooth L1
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_smooth_l1_matches_pytorch(beta, reduction):
    x, y = RNG.standard_normal((4, 3)) * 2, RNG.standard_normal((4, 3))
    check(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
          lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta), x, y)
    module = nn.SmoothL1Loss(beta=beta, reduction=reduction)
    close(module(stir.tensor(x), stir.tensor(y)),
          torch.nn.SmoothL1Loss(beta=beta, reduction=reduction)(torch.tensor(x),
                                                                torch.tensor(y)))
    with pytest.raises(ValueError, match="negative values for beta"):
        F.smooth_l1_loss(stir.tensor(x), stir.tensor(y), beta=-1.0)


# ----------------------------------------------------------------------------- signatures
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "cross_entropy", "nll_loss",
                                  "binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "smooth_l1_loss", "huber_loss", "multi_margin_loss",
                                  "cosine_embedding_loss", "dropout", "pad", "embedding"])
def test_functions_take_pytorchs_arguments_in_pytorchs_order(name):
    ours = list(inspect.signature(getattr(F, name)).parameters)
    theirs = list(inspect.signature(getattr(TF, name)).parameters)
    assert ours[:len(theirs)] == theirs


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_weight_is_pytorch_2_13s(reduction):
    x, y, w = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2)), RNG.uniform(0, 2, (3, 2))
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        check(lambda a: getattr(F, name)(a, stir.tensor(y), reduction=reduction, weight=w),
              lambda a: getattr(TF, name)(a, torch.tensor(y), reduction=reduction,
                                          weight=torch.tensor(w)), x)


def test_deprecated_size_average_and_reduce_are_read_as_pytorch_reads_them():
    x, y = RNG.standard_normal(4), RNG.standard_normal(4)
    for size_average, reduce in [(False, None), (None, False), (True, True)]:
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            ours = F.mse_loss(stir.tensor(x), stir.tensor(y), size_average, reduce)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = TF.mse_loss(torch.tensor(x), torch.tensor(y), size_average, reduce)
        close(ours, theirs)
    with pytest.warns(UserWarning, match="by keyword"):  # stir's older positional reduction
        close(F.mse_loss(stir.tensor(x), stir.tensor(y), "sum"), np.sum((x - y) ** 2))


@pytest.mark.parametrize("settings", [
    dict(weight=[1.0, 2.0, 0.5]), dict(ignore_index=1), dict(label_smoothing=0.2),
    dict(weight=[1.0, 2.0, 0.5], ignore_index=0, label_smoothing=0.1, reduction="sum"),
])
def test_cross_entropy_and_nll_settings_by_keyword_match_pytorch(settings):
    logits, target = RNG.standard_normal((5, 3)), np.array([0, 1, 2, 1, 0])
    theirs = {k: torch.tensor(v, dtype=torch.float64) if k == "weight" else v
              for k, v in settings.items()}
    check(lambda a: F.cross_entropy(a, stir.tensor(target), **settings),
          lambda a: TF.cross_entropy(a, torch.tensor(target), **theirs), logits)
    if "label_smoothing" not in settings:
        check(lambda a: F.nll_loss(a, stir.tensor(target), **settings),
              lambda a: TF.nll_loss(a, torch.tensor(target), **theirs), logits)


# ----------------------------------------------------------------------------- dropout
def test_dropout_scales_by_one_over_keep_and_follows_stirs_generator():
    x = stir.ones(10_000)
    out = F.dropout(x, 0.2, generator=stir.Generator(3))
    assert set(np.round(out.numpy(), 5)) == {0.0, 1.25}
    assert abs(float((out == 0).float().mean()) - 0.2) < 0.02
    again = F.dropout(x, 0.2, generator=stir.Generator(3))
    assert np.array_equal(out.numpy(), again.numpy())
    assert F.dropout(x, 0.2, training=False) is x and F.dropout(x, 0.0) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0 == float(TF.dropout(torch.ones(3), 1.0).sum())
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)


def test_dropout_gradient_is_the_scaled_mask_and_the_module_agrees():
    w = stir.ones(1000, requires_grad=True)
    out = F.dropout(w, 0.5, generator=stir.Generator(1))
    out.sum().backward()
    assert np.array_equal(w.grad.numpy(), out.detach().numpy())
    layer = nn.Dropout(0.5, generator=stir.Generator(1))
    assert np.array_equal(layer(stir.ones(1000)).numpy(), out.detach().numpy())
    assert repr(nn.Dropout(0.2)) == repr(torch.nn.Dropout(0.2)).replace(", inplace=False", "")
    assert layer.eval()(w) is w


def test_inplace_dropout_and_relu_overwrite_an_input_outside_the_graph():
    x = stir.tensor([-1.0, 2.0, -3.0])
    assert nn.ReLU(inplace=True)(x) is x and x.tolist() == [0.0, 2.0, 0.0]
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)" and repr(nn.ReLU()) == "ReLU()"
    y = stir.ones(6)
    assert F.dropout(y, 0.5, inplace=True, generator=stir.Generator(0)) is y
    assert set(y.tolist()) <= {0.0, 2.0}
    recorded = stir.tensor([-1.0, 2.0], requires_grad=True) * 1
    out = nn.ReLU(inplace=True)(recorded)
    out.sum().backward()
    assert out.tolist() == [0.0, 2.0]


# ----------------------------------------------------------------------------- pad
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pads", [((2, 5), (2, 1)), ((2, 3, 4), (1, 2, 2, 0)),
                                         ((1, 2, 3, 4), (0, 3, 1, 1)),
                                         ((2, 3, 4), (1, 1))])
def test_pad_matches_pytorch_values_and_gradients(mode, shape, pads):
    value = 0.5 if mode == "constant" else None
    check(lambda a: F.pad(a, pads, mode=mode, value=value),
          lambda a: TF.pad(a, pads, mode=mode, value=value), RNG.standard_normal(shape))


def test_pad_constant_crops_with_negative_pads_and_pads_any_dimensions():
    x = RNG.standard_normal((2, 3, 4))
    check(lambda a: F.pad(a, (-1, 2, 1, -2, 1, 1)), lambda a: TF.pad(a, (-1, 2, 1, -2, 1, 1)), x)
    check(lambda a: F.pad(a, (-1, 1), mode="reflect"),
          lambda a: TF.pad(a, (-1, 1), mode="reflect"), x)
    ints = F.pad(stir.tensor([1, 2]), (1, 1), value=2.5)
    assert ints.tolist() == TF.pad(torch.tensor([1, 2]), (1, 1), value=2.5).tolist()
    assert ints.dtype == stir.int64


@pytest.mark.parametrize("call, error, message", [
    (lambda x: F.pad(x, (1,)), ValueError, "divisible by 2"),
    (lambda x: F.pad(x, (1,) * 8), ValueError, "less than or equal to two times"),
    (lambda x: F.pad(x, (4, 0), mode="reflect"), ValueError, "should be less than"),
    (lambda x: F.pad(x, (5, 0), mode="circular"), ValueError, "wrapping around"),
    (lambda x: F.pad(x, (1, 1), mode="bogus"), NotImplementedError, "Unrecognised padding"),
    (lambda x: F.pad(x, (1, 1), mode="reflect", value=1.0), ValueError,
     "doesn't take in value"),
    (lambda x: F.pad(x[0, 0], (1, 1), mode="reflect"), NotImplementedError, "dimensions"),
])
def test_pad_refuses_what_pytorch_refuses(call, error, message):
    x = stir.zeros(1, 2, 4)
    with pytest.raises(error, match=message):
        call(x)


# ----------------------------------------------------------------------------- embedding
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_gathers_and_scatter_adds_its_gradient_as_pytorch(padding_idx):
    table, indices = RNG.standard_normal((5, 3)), np.array([[0, 4, 4], [1, 0, 2]])
    check(lambda w: F.embedding(stir.tensor(indices), w, padding_idx),
          lambda w: TF.embedding(torch.tensor(indices), w, padding_idx), table)


def test_embedding_module_initialises_and_renormalises_as_pytorch():
    layer = nn.Embedding(6, 4, padding_idx=2, generator=stir.Generator(0))
    assert layer.weight.tolist()[2] == [0.0] * 4 and layer.weight.requires_grad
    assert repr(torch.nn.Embedding(6, 4, padding_idx=2)) in repr(layer)
    theirs = torch.nn.Embedding(6, 4, padding_idx=2, max_norm=1.0)
    ours = nn.Embedding(6, 4, padding_idx=2, max_norm=1.0)
    ours.load_state_dict({"weight": theirs.weight.detach().numpy() * 3})
    with torch.no_grad():
        theirs.weight *= 3
    indices = np.array([1, 3, 3, 5])
    close(ours(stir.tensor(indices)), theirs(torch.tensor(indices)), 1e-6)
    close(ours.weight, theirs.weight, 1e-6)
    pretrained = nn.Embedding.from_pretrained(stir.ones(3, 2))
    assert not pretrained.weight.requires_grad and pretrained(stir.tensor([2])).shape == (1, 2)


@pytest.mark.parametrize("call, error, message", [
    (lambda w: F.embedding(stir.tensor([0.0]), w), TypeError, "integer"),
    (lambda w: F.embedding(stir.tensor([5]), w), IndexError, "out of range"),
    (lambda w: F.embedding(stir.tensor([0]), w, sparse=True), NotImplementedError, "sparse"),
    (lambda w: F.embedding(stir.tensor([0]), w, scale_grad_by_freq=True),
     NotImplementedError, "scale_grad_by_freq"),
    (lambda w: nn.Embedding(3, 2, padding_idx=3), ValueError, "padding_idx"),
])
def test_embedding_errors_name_the_problem(call, error, message):
    with pytest.raises(error, match=message):
        call(stir.zeros(3, 2))


# ----------------------------------------------------------------------------- small layers
def test_one_hot_linear_and_small_layers_match_pytorch():
    classes = np.array([[0, 3], [2, 1]])
    ours, theirs = F.one_hot(stir.tensor(classes)), TF.one_hot(torch.tensor(classes))
    assert ours.dtype == stir.int64 and ours.tolist() == theirs.tolist()
    assert F.one_hot(stir.tensor([1]), num_classes=4).tolist() == [[0, 1, 0, 0]]
    x, w, b = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal(4)
    check(F.linear, TF.linear, x, w, b)
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    assert nn.Flatten(0, 1)(stir.zeros(2, 3, 4)).shape == (6, 4)
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert nn.Identity()(stir.tensor(x)).tolist() == x.tolist()
    soft = nn.Softmax(dim=1)
    close(soft(stir.tensor(x)), torch.nn.Softmax(dim=1)(torch.tensor(x)))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        implicit = nn.Softmax()(stir.tensor(RNG.standard_normal((2, 3, 4))))
    close(implicit.sum(axis=0), np.ones((3, 4)))  # dimension 0 for 3-D inputs, as PyTorch
