"""The op registry's entries for recurrent layers: the LSTMSequence primitive (a whole
layer's recurrence from its input projections), one direction of an LSTM layer run
backwards without biases (`lstm_layer`, reverse=True: the projection, the time reversal and
the bias-free path), and one step of each cell (`lstm_cell`, `gru_cell`, `rnn_cell` with
tanh). Weights, biases and the initial states are inputs, so all of them are gradchecked.

The NumPy references and the PyTorch oracles are the cell formulas written out step by step
(gate order i, f, g, o for the LSTM and r, z, n for the GRU, as PyTorch's), independent of
stir's fused forward and its closed-form backward. A multi-valued result (h and c) is
returned as one flat vector.

op_registry.py adds RECURRENT_ENTRIES to its table.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import stir
from op_registry import Layout, _arrays, custom
from op_registry import _torch as t
from stir.nn.functional import recurrent as R
from stir.ops.recurrent import LSTMSequence


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _numpy_lstm_steps(gx: np.ndarray, h: np.ndarray, c: np.ndarray, w: np.ndarray,
                      b: Any) -> np.ndarray:
    """[h_t, c_t] for each step, from the input projections gx (T, N, 4H)."""
    hidden, out = h.shape[-1], []
    for step in range(gx.shape[0]):
        z = gx[step] + h @ w.T + (0 if b is None else b)
        i, f, g, o = (z[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        out.append(np.concatenate([h, c], axis=-1))
    return np.stack(out)


def _torch_lstm_steps(gx: Any, h: Any, c: Any, w: Any, b: Any) -> Any:
    torch = t()
    out = []
    for step in range(gx.shape[0]):
        z = gx[step] + h @ w.T + (0 if b is None else b)
        i, f, g, o = z.chunk(4, dim=-1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        out.append(torch.cat([h, c], dim=-1))
    return torch.stack(out)


# (T, N, H) and a layout kind per input: gx, h0, c0, W_hh, b_hh
SEQUENCE_SHAPES = [(2, 3, 2), (1, 1, 1), (3, 2, 1), (2, 1, 3), (1, 2, 2), (3, 1, 2),
                   (2, 2, 1), (1, 3, 3)]
SEQUENCE_KINDS = ["ccccc", "ccccc", "sctcc", "cscts", "tcccc", "ccsts", "scctc", "ctcsc"]


def _sequence_layouts() -> list[list[Layout]]:
    layouts = []
    for (steps, batch, hidden), kinds in zip(SEQUENCE_SHAPES, SEQUENCE_KINDS):
        shapes = [(steps, batch, 4 * hidden), (batch, hidden), (batch, hidden),
                  (4 * hidden, hidden), (4 * hidden,)]
        layouts.append([(shape, kind) for shape, kind in zip(shapes, kinds)])
    return layouts


@st.composite
def _sequence_inputs(draw: Any) -> tuple[np.ndarray, ...]:
    steps, batch, hidden = (draw(st.integers(1, 3)) for _ in range(3))
    shapes = [(steps, batch, 4 * hidden), (batch, hidden), (batch, hidden),
              (4 * hidden, hidden), (4 * hidden,)]
    return tuple(draw(_arrays(shape)) for shape in shapes)


def _lstm_sequence() -> Any:
    return custom("lstm-sequence", LSTMSequence.apply, _numpy_lstm_steps, _torch_lstm_steps,
                  _sequence_layouts(), _sequence_inputs())


# ----------------------------------------------------------------------------- a layer
def _flat(*parts: Any) -> Any:
    if isinstance(parts[0], np.ndarray):
        return np.concatenate([p.reshape(-1) for p in parts])
    if isinstance(parts[0], stir.Tensor):
        return stir.cat([p.reshape(-1) for p in parts])
    return t().cat([p.reshape(-1) for p in parts])


def _stir_reverse_layer(x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any) -> Any:
    return _flat(*R.lstm_layer(x, (h, c), w_ih, w_hh, reverse=True))


def _reference_reverse_layer(steps_fn: Any) -> Any:
    def layer(x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any) -> Any:
        hidden = h.shape[-1]
        gx = x[::-1] @ w_ih.T if isinstance(x, np.ndarray) else x.flip(0) @ w_ih.T
        hc = steps_fn(gx, h, c, w_hh, None)
        output = hc[::-1, :, :hidden] if isinstance(hc, np.ndarray) else hc.flip(0)[..., :hidden]
        return _flat(output, hc[-1, :, :hidden], hc[-1, :, hidden:])
    return layer


LAYER_SHAPES = [(2, 3, 2, 2), (1, 1, 1, 1), (3, 2, 3, 1), (2, 1, 2, 3), (1, 2, 1, 2),
                (3, 1, 2, 2), (2, 2, 1, 1), (2, 3, 3, 2)]  # (T, N, H_in, H)
LAYER_KINDS = ["ccccc", "ccccc", "sctct", "cscts", "tcctc", "ccsst", "sccct", "ctcsc"]


def _layer_layouts() -> list[list[Layout]]:
    layouts = []
    for (steps, batch, width, hidden), kinds in zip(LAYER_SHAPES, LAYER_KINDS):
        shapes = [(steps, batch, width), (batch, hidden), (batch, hidden),
                  (4 * hidden, width), (4 * hidden, hidden)]
        layouts.append([(shape, kind) for shape, kind in zip(shapes, kinds)])
    return layouts


@st.composite
def _layer_inputs(draw: Any) -> tuple[np.ndarray, ...]:
    steps, batch, width, hidden = (draw(st.integers(1, 3)) for _ in range(4))
    shapes = [(steps, batch, width), (batch, hidden), (batch, hidden),
              (4 * hidden, width), (4 * hidden, hidden)]
    return tuple(draw(_arrays(shape)) for shape in shapes)


def _lstm_reverse_layer() -> Any:
    return custom("lstm-layer-reverse-no-bias", _stir_reverse_layer,
                  _reference_reverse_layer(_numpy_lstm_steps),
                  _reference_reverse_layer(_torch_lstm_steps), _layer_layouts(),
                  _layer_inputs())


# ----------------------------------------------------------------------------- cells
def _cell_layouts(gates: int, states: int) -> list[list[Layout]]:
    """x, the states, W_ih, W_hh, b_ih, b_hh for (N, H_in, H) shapes."""
    sizes = [(3, 2, 2), (1, 1, 1), (2, 3, 1), (1, 2, 3), (4, 1, 2), (2, 2, 2), (1, 3, 2),
             (3, 1, 1)]
    kinds = ["cccccc", "cccccc", "tcctcs", "cctscc", "sccctc", "ctcsts", "ccsccc", "tccctc"]
    layouts = []
    for (batch, width, hidden), kind in zip(sizes, kinds):
        shapes = ([(batch, width)] + [(batch, hidden)] * states
                  + [(gates * hidden, width), (gates * hidden, hidden), (gates * hidden,),
                     (gates * hidden,)])
        kind = kind[0] + kind[1] * states + kind[2:]
        layouts.append([(shape, k) for shape, k in zip(shapes, kind)])
    return layouts


@st.composite
def _cell_inputs(draw: Any, gates: int, states: int) -> tuple[np.ndarray, ...]:
    batch, width, hidden = (draw(st.integers(1, 3)) for _ in range(3))
    shapes = ([(batch, width)] + [(batch, hidden)] * states
              + [(gates * hidden, width), (gates * hidden, hidden), (gates * hidden,),
                 (gates * hidden,)])
    return tuple(draw(_arrays(shape)) for shape in shapes)


def _stir_lstm_cell(x: Any, h: Any, c: Any, *weights: Any) -> Any:
    return _flat(*R.lstm_cell(x, (h, c), *weights))


def _reference_lstm_cell(steps_fn: Any) -> Any:
    def cell(x: Any, h: Any, c: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> Any:
        hc = steps_fn((x @ w_ih.T + b_ih)[None], h, c, w_hh, b_hh)[0]
        return _flat(hc[:, :h.shape[-1]], hc[:, h.shape[-1]:])
    return cell


def _numpy_gru_cell(x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> Any:
    hidden = h.shape[-1]
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    r = _sigmoid(gi[:, :hidden] + gh[:, :hidden])
    z = _sigmoid(gi[:, hidden:2 * hidden] + gh[:, hidden:2 * hidden])
    n = np.tanh(gi[:, 2 * hidden:] + r * gh[:, 2 * hidden:])
    return (1 - z) * n + z * h


def _torch_gru_cell(x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> Any:
    torch = t()
    cell = torch.nn.GRUCell(x.shape[1], h.shape[1])  # PyTorch's own cell, our weights
    return torch.func.functional_call(cell, {"weight_ih": w_ih, "weight_hh": w_hh,
                                             "bias_ih": b_ih, "bias_hh": b_hh}, (x, h))


def _numpy_rnn_cell(x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> Any:
    return np.tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


def _torch_rnn_cell(x: Any, h: Any, w_ih: Any, w_hh: Any, b_ih: Any, b_hh: Any) -> Any:
    return t().tanh(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)


RECURRENT_ENTRIES: list = [
    _lstm_sequence(),
    _lstm_reverse_layer(),
    custom("lstm-cell", _stir_lstm_cell, _reference_lstm_cell(_numpy_lstm_steps),
           _reference_lstm_cell(_torch_lstm_steps), _cell_layouts(4, 2), _cell_inputs(4, 2)),
    custom("gru-cell", R.gru_cell, _numpy_gru_cell, _torch_gru_cell,
           _cell_layouts(3, 1), _cell_inputs(3, 1)),
    custom("rnn-tanh-cell", R.rnn_cell, _numpy_rnn_cell, _torch_rnn_cell,
           _cell_layouts(1, 1), _cell_inputs(1, 1)),
]
