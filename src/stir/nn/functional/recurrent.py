"""The maths of recurrent layers: one step of each cell (`rnn_cell`, `lstm_cell`,
`gru_cell`) and one direction of a layer over a whole sequence (`rnn_layer`, `lstm_layer`,
`gru_layer`), with PyTorch's gate order and weight shapes. The modules of `stir.nn`
(recurrent.py) wrap them.

A layer computes its input projections x_t W_ihᵀ + b_ih for every step with one matrix
product; each step then adds h_{t-1} W_hhᵀ + b_hh. The LSTM's steps run as one node
(`stir.ops.recurrent.LSTMSequence`); the RNN's and the GRU's are composed of primitives.
"""

from __future__ import annotations

from typing import Any

from ...ops.recurrent import LSTMSequence
from ...ops.shapes import stack
from ...tensor import Tensor
from .linalg import linear


def _projections(input: Tensor, weight_ih: Tensor, bias_ih: Tensor | None) -> Tensor:
    """x_t W_ihᵀ + b_ih for every step of an (L, N, H_in) input: one (L·N)-row product."""
    steps, batch, features = input.shape
    rows = linear(input.reshape(steps * batch, features), weight_ih, bias_ih)
    return rows.reshape(steps, batch, rows.shape[-1])


def rnn_cell(input: Tensor, hx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
             bias_ih: Tensor | None = None, bias_hh: Tensor | None = None,
             nonlinearity: str = "tanh") -> Tensor:
    """One step of an Elman RNN: h' = φ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), φ tanh or ReLU.

    Shapes: x (N, H_in), h (N, H), W_ih (H, H_in), W_hh (H, H), biases (H,).

    >>> import stir
    >>> from stir.nn.functional.recurrent import rnn_cell
    >>> w = stir.ones(2, 2) / 4
    >>> rnn_cell(stir.ones(1, 2), stir.zeros(1, 2), w, w, nonlinearity="relu")
    tensor([[0.5, 0.5]])
    """
    return _rnn_step(linear(input, weight_ih, bias_ih), hx, weight_hh, bias_hh, nonlinearity)


def _rnn_step(gx: Tensor, h: Tensor, weight_hh: Tensor, bias_hh: Tensor | None,
              nonlinearity: str) -> Tensor:
    z = gx + linear(h, weight_hh, bias_hh)
    return z.tanh() if nonlinearity == "tanh" else z.relu()


def lstm_cell(input: Tensor, hx: tuple[Tensor, Tensor], weight_ih: Tensor,
              weight_hh: Tensor, bias_ih: Tensor | None = None,
              bias_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """One step of an LSTM, with PyTorch's gate order (i, f, g, o):

        [i, f, g, o] = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, then i, f, o ← σ(·), g ← tanh(g)
        c' = f ⊙ c + i ⊙ g,    h' = o ⊙ tanh(c')

    Shapes: x (N, H_in), h and c (N, H), W_ih (4H, H_in), W_hh (4H, H), biases (4H,).
    Returns (h', c'). Derivatives are the ordinary ones (σ' = σ(1-σ), tanh' = 1 - tanh²).

    >>> import stir
    >>> from stir.nn.functional.recurrent import lstm_cell
    >>> h, c = lstm_cell(stir.ones(1, 3), (stir.zeros(1, 2), stir.ones(1, 2)),
    ...                  stir.zeros(8, 3), stir.zeros(8, 2))
    >>> c  # f = σ(0) = 1/2 keeps half of c; i·g = 0
    tensor([[0.5, 0.5]])
    """
    h, c = hx
    gx = linear(input, weight_ih, bias_ih)
    hc = LSTMSequence.apply(gx.reshape(1, *gx.shape), h, c, weight_hh, bias_hh)[0]
    hidden = h.shape[-1]
    return hc[:, :hidden], hc[:, hidden:]


def gru_cell(input: Tensor, hx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
             bias_ih: Tensor | None = None, bias_hh: Tensor | None = None) -> Tensor:
    """One step of a GRU, with PyTorch's gate order (r, z, n):

        r = σ(W_ir x + b_ir + W_hr h + b_hr),   z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),   h' = (1 - z) ⊙ n + z ⊙ h

    Shapes: x (N, H_in), h (N, H), W_ih (3H, H_in), W_hh (3H, H), biases (3H,).

    >>> import stir
    >>> from stir.nn.functional.recurrent import gru_cell
    >>> gru_cell(stir.ones(1, 3), stir.ones(1, 2), stir.zeros(6, 3), stir.zeros(6, 2))
    tensor([[0.5, 0.5]])
    """
    return _gru_step(linear(input, weight_ih, bias_ih), hx, weight_hh, bias_hh)


def _gru_step(gx: Tensor, h: Tensor, weight_hh: Tensor, bias_hh: Tensor | None) -> Tensor:
    hidden = h.shape[-1]
    gh = linear(h, weight_hh, bias_hh)
    rz = (gx[..., :2 * hidden] + gh[..., :2 * hidden]).sigmoid()
    r, z = rz[..., :hidden], rz[..., hidden:]
    n = (gx[..., 2 * hidden:] + r * gh[..., 2 * hidden:]).tanh()
    return n + z * (h - n)  # (1 - z) n + z h, in one product


def rnn_layer(input: Tensor, hx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
              bias_ih: Tensor | None = None, bias_hh: Tensor | None = None,
              nonlinearity: str = "tanh", reverse: bool = False) -> Tensor:
    """`rnn_cell` over an (L, N, H_in) sequence from h_0 = hx (N, H), from the last step
    back when `reverse`: the (L, N, H) outputs h_t, in the input's order.

    >>> import stir
    >>> from stir.nn.functional.recurrent import rnn_layer
    >>> w = stir.ones(1, 1)
    >>> rnn_layer(stir.ones(3, 1, 1), stir.zeros(1, 1), w, w, nonlinearity="relu").flatten()
    tensor([1., 2., 3.])
    """
    gx = _projections(input, weight_ih, bias_ih)
    return _over_steps(gx, hx, reverse,
                       lambda g, h: _rnn_step(g, h, weight_hh, bias_hh, nonlinearity))


def gru_layer(input: Tensor, hx: Tensor, weight_ih: Tensor, weight_hh: Tensor,
              bias_ih: Tensor | None = None, bias_hh: Tensor | None = None,
              reverse: bool = False) -> Tensor:
    """`gru_cell` over an (L, N, H_in) sequence from h_0 = hx (N, H), from the last step
    back when `reverse`: the (L, N, H) outputs h_t, in the input's order.

    >>> import stir
    >>> from stir.nn.functional.recurrent import gru_layer
    >>> gru_layer(stir.ones(4, 2, 3), stir.zeros(2, 5), stir.ones(15, 3),
    ...           stir.ones(15, 5)).shape
    stir.Size([4, 2, 5])
    """
    gx = _projections(input, weight_ih, bias_ih)
    return _over_steps(gx, hx, reverse, lambda g, h: _gru_step(g, h, weight_hh, bias_hh))


def _over_steps(gx: Tensor, h: Tensor, reverse: bool, step: Any) -> Tensor:
    order = range(gx.shape[0] - 1, -1, -1) if reverse else range(gx.shape[0])
    outputs: list[Tensor] = [h] * gx.shape[0]
    for t in order:
        h = outputs[t] = step(gx[t], h)
    return stack(outputs, axis=0)


def lstm_layer(input: Tensor, hx: tuple[Tensor, Tensor], weight_ih: Tensor,
               weight_hh: Tensor, bias_ih: Tensor | None = None,
               bias_hh: Tensor | None = None, reverse: bool = False
               ) -> tuple[Tensor, Tensor, Tensor]:
    """`lstm_cell` over an (L, N, H_in) sequence from (h_0, c_0) = hx (each (N, H)), from
    the last step back when `reverse`: the (L, N, H) outputs h_t in the input's order, and
    the last step's h and c.

    >>> import stir
    >>> from stir.nn.functional.recurrent import lstm_layer
    >>> out, h, c = lstm_layer(stir.ones(4, 2, 3), (stir.zeros(2, 5), stir.zeros(2, 5)),
    ...                        stir.ones(20, 3), stir.ones(20, 5))
    >>> out.shape, h.shape, bool((out[-1] == h).all())
    (stir.Size([4, 2, 5]), stir.Size([2, 5]), True)
    """
    h0, c0 = hx
    gx = _projections(input, weight_ih, bias_ih)
    hc = LSTMSequence.apply(gx[::-1] if reverse else gx, h0, c0, weight_hh, bias_hh)
    hidden = h0.shape[-1]
    output = hc[..., :hidden]
    return output[::-1] if reverse else output, hc[-1, :, :hidden], hc[-1, :, hidden:]
