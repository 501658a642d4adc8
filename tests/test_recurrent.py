"""Recurrent layers and cells against PyTorch's with PyTorch's weights loaded: outputs, final
states and the gradients of the input, the initial states and every parameter; the state-dict
names; the errors; a compiled LSTM classifier bit-exact against eager; save and load."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import stir
import stir.nn.functional as F
from stir import nn, optim

torch = pytest.importorskip("torch")

LAYERS = {"rnn-tanh": (nn.RNN, torch.nn.RNN, {}),
          "rnn-relu": (nn.RNN, torch.nn.RNN, {"nonlinearity": "relu"}),
          "lstm": (nn.LSTM, torch.nn.LSTM, {}), "gru": (nn.GRU, torch.nn.GRU, {})}
CELLS = {"rnn-tanh": (nn.RNNCell, torch.nn.RNNCell, {}),
         "rnn-relu": (nn.RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
         "lstm": (nn.LSTMCell, torch.nn.LSTMCell, {}), "gru": (nn.GRUCell, torch.nn.GRUCell, {})}


def twins(pair: tuple[Any, Any, dict[str, Any]], *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """A stir module holding the weights of a fresh float64 PyTorch module."""
    ours, theirs, extra = pair
    torch.manual_seed(0)
    reference = theirs(*args, **kwargs, **extra).double()
    model = ours(*args, **kwargs, **extra, dtype=np.float64)
    model.load_state_dict({k: stir.tensor(v.detach().numpy())
                           for k, v in reference.state_dict().items()})
    return model, reference


def leaf(array: np.ndarray) -> tuple[stir.Tensor, Any]:
    return stir.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def check_states(ours: Any, theirs: Any) -> list[tuple[stir.Tensor, Any]]:
    """Compare the state tensors (one, or a pair for the LSTM); return them paired."""
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.array, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    return list(zip(ours, theirs))


def backward_both(pairs: list[tuple[stir.Tensor, Any]]) -> None:
    """One cotangent per output, the same in both libraries."""
    rng = np.random.default_rng(1)
    total_ours, total_theirs = 0, 0
    for a, b in pairs:
        u = rng.standard_normal(tuple(a.shape))
        total_ours = total_ours + (a * stir.tensor(u)).sum()
        total_theirs = total_theirs + (b * torch.tensor(u)).sum()
    total_ours.backward()
    total_theirs.backward()


def check_gradients(model: Any, reference: Any, leaves: list[tuple[stir.Tensor, Any]]) -> None:
    for (name, p), (name_t, q) in zip(model.named_parameters(), reference.named_parameters()):
        assert name == name_t
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-9, atol=1e-11,
                                   err_msg=name)
    for a, b in leaves:
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kind", list(LAYERS))
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_layers_match_pytorch(kind: str, bidirectional: bool, batch_first: bool) -> None:
    model, reference = twins(LAYERS[kind], 3, 4, num_layers=2, bidirectional=bidirectional,
                             batch_first=batch_first)
    rng = np.random.default_rng(0)
    steps, batch, layers = 5, 2, 2 * (2 if bidirectional else 1)
    x, x_t = leaf(rng.standard_normal((batch, steps, 3) if batch_first else (steps, batch, 3)))
    h, h_t = leaf(rng.standard_normal((layers, batch, 4)))
    inputs = [(x, x_t), (h, h_t)]
    if kind == "lstm":
        c, c_t = leaf(rng.standard_normal((layers, batch, 4)))
        inputs.append((c, c_t))
        out, states = model(x, (h, c))
        out_t, states_t = reference(x_t, (h_t, c_t))
    else:
        out, states = model(x, h)
        out_t, states_t = reference(x_t, h_t)
    assert out.shape == tuple(out_t.shape)
    pairs = check_states(out, out_t) + check_states(states, states_t)
    backward_both(pairs)
    check_gradients(model, reference, inputs)


@pytest.mark.parametrize("kind", list(LAYERS))
def test_unbatched_input_and_zero_states(kind: str) -> None:
    model, reference = twins(LAYERS[kind], 2, 3, bidirectional=True)
    x, x_t = leaf(np.random.default_rng(2).standard_normal((4, 2)))
    out, states = model(x)
    out_t, states_t = reference(x_t)
    assert out.shape == (4, 6)
    backward_both(check_states(out, out_t) + check_states(states, states_t))
    check_gradients(model, reference, [(x, x_t)])


@pytest.mark.parametrize("kind", list(LAYERS))
def test_state_dict_names_and_shapes_are_pytorchs(kind: str) -> None:
    for kwargs in ({"num_layers": 3, "bidirectional": True}, {"bias": False}):
        model, reference = twins(LAYERS[kind], 5, 7, **kwargs)
        ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        assert ours == {k: tuple(v.shape) for k, v in reference.state_dict().items()}
        assert list(ours) == list(reference.state_dict())


@pytest.mark.parametrize("kind", list(LAYERS))
def test_initialisation_is_uniform_in_one_over_root_hidden(kind: str) -> None:
    ours, _, extra = LAYERS[kind]
    model = ours(8, 16, num_layers=2, **extra, generator=stir.Generator(0))
    values = np.concatenate([p.array.ravel() for p in model.parameters()])
    assert values.dtype == np.float32
    assert np.abs(values).max() <= 0.25 and np.abs(values).max() > 0.24
    assert abs(values.mean()) < 0.01 and abs(values.std() - 0.25 / np.sqrt(3)) < 0.005


def test_float32_matches_pytorch_and_stays_float32() -> None:
    torch.manual_seed(0)
    reference = torch.nn.LSTM(3, 8, num_layers=2)
    model = nn.LSTM(3, 8, num_layers=2)
    model.load_state_dict({k: stir.tensor(v.detach().numpy())
                           for k, v in reference.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((6, 2, 3)).astype(np.float32)
    out, (h, c) = model(stir.tensor(x))
    out_t, (h_t, c_t) = reference(torch.tensor(x))
    assert out.dtype == h.dtype == c.dtype == np.float32
    np.testing.assert_allclose(out.array, out_t.detach().numpy(), rtol=1e-3, atol=1e-5)
    (out.sum() + c.sum()).backward()
    (out_t.sum() + c_t.sum()).backward()
    for p, q in zip(model.parameters(), reference.parameters()):
        assert p.grad.dtype == np.float32
        np.testing.assert_allclose(p.grad.array, q.grad.numpy(), rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("batched", [True, False])
def test_cells_match_pytorch(kind: str, batched: bool) -> None:
    model, reference = twins(CELLS[kind], 3, 4)
    rng = np.random.default_rng(3)
    lead = (2,) if batched else ()
    x, x_t = leaf(rng.standard_normal(lead + (3,)))
    h, h_t = leaf(rng.standard_normal(lead + (4,)))
    inputs = [(x, x_t), (h, h_t)]
    if kind == "lstm":
        c, c_t = leaf(rng.standard_normal(lead + (4,)))
        inputs.append((c, c_t))
        out, out_t = model(x, (h, c)), reference(x_t, (h_t, c_t))
    else:
        out, out_t = model(x, h), reference(x_t, h_t)
    backward_both(check_states(out, out_t))
    check_gradients(model, reference, inputs)
    zero, zero_t = model(x), reference(x_t)  # no state: zeros
    check_states(zero, zero_t)


def test_dropout_acts_between_layers_in_training_only() -> None:
    model = nn.GRU(3, 4, num_layers=2, dropout=0.5, generator=stir.Generator(0))
    x = stir.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32))
    stir.manual_seed(0)
    trained = model(x)[0]
    model.eval()
    evaluated, again = model(x)[0], model(x)[0]
    assert np.array_equal(evaluated.array, again.array)
    assert not np.allclose(trained.array, evaluated.array)
    single = nn.GRU(3, 4, num_layers=2, generator=stir.Generator(0))
    assert np.array_equal(single(x)[0].array, evaluated.array)  # none after the last layer
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.2)


# ----------------------------------------------------------------------------- errors
def test_errors_name_the_layer_and_the_shapes() -> None:
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"^LSTM\(3, 4, num_layers=2\): expected input of "
                                         r"shape \(L, N, 3\) or \(L, 3\), got \(2, 2, 2, 3\)"):
        lstm(stir.zeros(2, 2, 2, 3))
    with pytest.raises(ValueError, match=r"expected input of shape \(L, N, 3\) or \(L, 3\), "
                                         r"got \(5, 2, 7\)"):
        lstm(stir.zeros(5, 2, 7))
    with pytest.raises(ValueError, match=r"^LSTM\(3, 4, num_layers=2\): expected h_0 \(hx\[0\]\)"
                                         r" of shape \(2, 2, 4\).*got \(1, 2, 4\)"):
        lstm(stir.zeros(5, 2, 3), (stir.zeros(1, 2, 4), stir.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"expected c_0 \(hx\[1\]\) of shape \(2, 2, 4\)"):
        lstm(stir.zeros(5, 2, 3), (stir.zeros(2, 2, 4), stir.zeros(2, 3, 4)))
    with pytest.raises(TypeError, match=r"^LSTM\(3, 4, num_layers=2\): hx must be a tuple"):
        lstm(stir.zeros(5, 2, 3), stir.zeros(2, 2, 4))
    gru = nn.GRU(3, 4, batch_first=True, bidirectional=True)
    with pytest.raises(ValueError, match=r"^GRU\(3, 4, batch_first=True, bidirectional=True\): "
                                         r"expected input of shape \(N, L, 3\) or \(L, 3\), "
                                         r"got \(3,\)"):
        gru(stir.zeros(3))
    with pytest.raises(ValueError, match=r"expected hx of shape \(2, 4\).*got \(2, 1, 4\)"):
        gru(stir.zeros(5, 3), stir.zeros(2, 1, 4))  # unbatched input, batched state
    with pytest.raises(ValueError, match=r"^RNN\(3, 4\): expected hx of shape \(1, 6, 4\)"):
        nn.RNN(3, 4)(stir.zeros(5, 6, 3), stir.zeros(1, 5, 4))
    with pytest.raises(ValueError, match=r"^LSTM\(3, 4, num_layers=2\): the sequence must "
                                         r"have at least one step, got input of shape \(0, 1, 3\)"):
        lstm(stir.zeros(0, 1, 3))
    with pytest.raises(ValueError, match=r"at least one step, got input of shape \(6, 0, 3\)"):
        gru(stir.zeros(6, 0, 3))


def test_cell_errors_name_the_cell_and_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"^LSTMCell\(3, 4\): expected input of shape "
                                         r"\(N, 3\) or \(3,\), got \(2, 5\)"):
        nn.LSTMCell(3, 4)(stir.zeros(2, 5))
    with pytest.raises(ValueError, match=r"^GRUCell\(3, 4\): expected hx of shape \(2, 4\), "
                                         r"got \(2, 3\)"):
        nn.GRUCell(3, 4)(stir.zeros(2, 3), stir.zeros(2, 3))
    with pytest.raises(ValueError, match=r"^RNNCell\(3, 4, bias=False\): expected input"):
        nn.RNNCell(3, 4, bias=False)(stir.zeros(1, 2, 3))
    with pytest.raises(ValueError, match=r"expected c \(hx\[1\]\) of shape \(4,\), got \(1, 4\)"):
        nn.LSTMCell(3, 4)(stir.zeros(3), (stir.zeros(4), stir.zeros(1, 4)))


def test_constructor_errors() -> None:
    with pytest.raises(ValueError, match="RNN: unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="RNNCell: unknown nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="LSTM: hidden_size must be a positive integer"):
        nn.LSTM(3, 0)
    with pytest.raises(ValueError, match="GRU: num_layers must be a positive integer"):
        nn.GRU(3, 4, num_layers=0)
    with pytest.raises(ValueError, match=r"GRU: dropout should be a number in range \[0, 1\]"):
        nn.GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(NotImplementedError, match=r"LSTM: proj_size=2 .* not implemented"):
        nn.LSTM(3, 4, proj_size=2)


# ----------------------------------------------------------------------------- training
class Classifier(nn.Module):
    """LSTM over the sequence, its last output, then a linear map to the classes."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(3, 6, num_layers=2, batch_first=True)
        self.head = nn.Linear(6, 4)

    def forward(self, x: stir.Tensor) -> stir.Tensor:
        output, _ = self.lstm(x)
        return self.head(output[:, -1])


def test_compiled_lstm_classifier_is_bit_exact() -> None:
    rng = np.random.default_rng(0)
    data = [(rng.standard_normal((8, 5, 3)).astype(np.float32), rng.integers(4, size=8))
            for _ in range(5)]

    def make() -> tuple[Classifier, Any]:
        stir.manual_seed(0)
        model = Classifier()
        return model, optim.SGD(model.parameters(), lr=0.5)

    model, optimizer = make()
    eager = []
    for x, y in data:
        loss = F.cross_entropy(model(stir.tensor(x)), stir.tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        eager.append(float(loss))
    compiled_model, compiled_optimizer = make()
    step = stir.compile(compiled_model, F.cross_entropy, compiled_optimizer)
    compiled = [float(step(x, y)) for x, y in data]
    assert step.replaying
    assert compiled == eager
    for a, b in zip(model.parameters(), compiled_model.parameters()):
        assert np.array_equal(a.array, b.array)


def test_save_and_load_round_trip(tmp_path: Any) -> None:
    x = stir.tensor(np.random.default_rng(0).standard_normal((5, 2, 3)).astype(np.float32))
    for model in (nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=False),
                  nn.GRU(3, 4, bias=False), nn.RNN(3, 4, nonlinearity="relu")):
        path = tmp_path / "recurrent.stir"
        loaded = stir.load(stir.save(model, path))
        assert repr(loaded) == repr(model)
        ours, theirs = model(x), loaded(x)
        assert np.array_equal(ours[0].array, theirs[0].array)


def test_lstm_reuses_its_buffers_only_once_released() -> None:
    # LSTMSequence keeps its MB-sized arrays in _array.windows.scratch across steps: an
    # output still held must keep its values, and a released step's memory comes back.
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True, generator=stir.Generator(0))
    rng = np.random.default_rng(0)
    first = lstm(stir.tensor(rng.standard_normal((2, 5, 3)).astype(np.float32)))[0]
    kept = first.detach().numpy().copy()
    for _ in range(3):
        output, _ = lstm(stir.tensor(rng.standard_normal((2, 5, 3)).astype(np.float32)))
        output.sum().backward()
    assert np.array_equal(first.detach().numpy(), kept)
    del first, output
    where = {lstm(stir.ones(2, 5, 3))[0].detach().numpy().__array_interface__["data"][0]
             for _ in range(3)}
    assert len(where) == 1
