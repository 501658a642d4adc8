"""Recurrent layers over whole sequences: `RNN`, `LSTM`, `GRU`, as PyTorch's (the cells, one
step each, are in recurrent_cells.py).

Each wraps the one-direction functions of `stir.nn.functional.recurrent` layer by layer and
direction by direction, with PyTorch's parameter names (weight_ih_l{k}, weight_hh_l{k},
bias_ih_l{k}, bias_hh_l{k}, with `_reverse` for the backward direction) and shapes, so a
PyTorch state_dict loads as it is.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Literal

import numpy as np

from .. import random as _random
from ..ops.joining import cat, stack
from ..tensor import Tensor, as_tensor
from . import functional as F
from .functional import recurrent as R
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def positive_size(layer: str, name: str, value: Any) -> int:
    """value as a positive int, or a ValueError naming the layer (PyTorch's check)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


def uniform_parameter(shape: tuple[int, ...], bound: float, generator: Any,
                      dtype: Any) -> Parameter:
    """U(-bound, bound), PyTorch's initialisation of every recurrent weight and bias."""
    values = _random.resolve(generator).uniform(-bound, bound, size=shape)
    return Parameter(values.astype(dtype))


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of each layer and direction, the checks
    of input and hidden state, and the loop over layers (dropout between them in training).
    """

    def _build(self, mode: str, input_size: int, hidden_size: int, num_layers: int,
               bias: bool, batch_first: bool, dropout: float, bidirectional: bool,
               proj_size: int, dtype: Any, generator: Any) -> None:
        name = type(self).__name__
        self.mode = mode
        self.input_size = positive_size(name, "input_size", input_size)
        self.hidden_size = positive_size(name, "hidden_size", hidden_size)
        self.num_layers = positive_size(name, "num_layers", num_layers)
        if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Real)
                or not 0 <= dropout <= 1):
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                             f"the probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                          f"layer, so non-zero dropout expects num_layers greater than 1, but "
                          f"got dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        if proj_size != 0:
            raise NotImplementedError(f"{name}: proj_size={proj_size!r} (LSTM with projections) "
                                      "is not implemented in stir; use proj_size=0")
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.proj_size = 0
        gates = _GATES[mode] * self.hidden_size
        bound = 1 / math.sqrt(self.hidden_size)
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else self.hidden_size * self.directions
            for suffix in self._suffixes():
                shapes = [("weight_ih", (gates, width)), ("weight_hh", (gates, self.hidden_size))]
                if self.bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                for kind, shape in shapes:
                    setattr(self, f"{kind}_l{layer}{suffix}",
                            uniform_parameter(shape, bound, generator, dtype))

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _suffixes(self) -> tuple[str, ...]:
        return ("", "_reverse") if self.bidirectional else ("",)

    def _weights(self, layer: int, suffix: str) -> tuple[Any, ...]:
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        weights = tuple(self._parameters.get(f"{kind}_l{layer}{suffix}") for kind in names)
        return weights if self.bias else weights[:2] + (None, None)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """Per layer and direction, its parameters (weight_ih, weight_hh[, bias_ih, bias_hh])."""
        return [[w for w in self._weights(layer, suffix) if w is not None]
                for layer in range(self.num_layers) for suffix in self._suffixes()]

    def flatten_parameters(self) -> None:
        """PyTorch's cuDNN memory layout; nothing to do here."""

    def _name(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _time_major(self, input: Any) -> tuple[Tensor, bool]:
        """The input as (L, N, H_in) and whether it had a batch dimension."""
        input = as_tensor(input)
        shape = tuple(input.shape)
        if input.ndim not in (2, 3) or shape[-1] != self.input_size:
            batched = "(N, L, {0})" if self.batch_first else "(L, N, {0})"
            raise ValueError(f"{self._name()}: expected input of shape "
                             f"{batched.format(self.input_size)} or (L, {self.input_size}), "
                             f"got {shape}")
        steps = shape[1] if self.batch_first and input.ndim == 3 else shape[0]
        if steps == 0:
            raise ValueError(f"{self._name()}: the sequence must have at least one step, got "
                             f"input of shape {shape}")
        if input.ndim == 2:
            return input.unsqueeze(1), False
        return (input.transpose(0, 1) if self.batch_first else input), True

    def _initial(self, hx: Any, batch: int, batched: bool, like: Tensor,
                 what: str = "hx") -> Tensor | None:
        """hx as (D·num_layers, N, H), checked; None stands for zeros."""
        if hx is None:
            return None
        hx = as_tensor(hx)
        layers = self.num_layers * self.directions
        expected = (layers, batch, self.hidden_size) if batched else (layers, self.hidden_size)
        if tuple(hx.shape) != expected:
            raise ValueError(f"{self._name()}: expected {what} of shape {expected} "
                             f"(num_layers * num_directions, {'N, ' if batched else ''}"
                             f"hidden_size), got {tuple(hx.shape)}")
        return hx if batched else hx.unsqueeze(1)

    def _run(self, input: Any, states: list[Any]) -> tuple[Tensor, list[list[Tensor]], bool]:
        """The output (in the input's layout) and each state's last values, per layer and
        direction; `states` holds the initial states as given (hx, or h_0 and c_0)."""
        x, batched = self._time_major(input)
        batch = x.shape[1]
        what = ["hx"] if len(states) == 1 else ["h_0 (hx[0])", "c_0 (hx[1])"]
        initial = [self._initial(s, batch, batched, x, w) for s, w in zip(states, what)]
        zeros = Tensor(np.zeros((batch, self.hidden_size), dtype=x.dtype))
        finals: list[list[Tensor]] = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(self._suffixes()):
                index = layer * self.directions + direction
                start = [zeros if s is None else s[index] for s in initial]
                output, last = self._direction(x, start, self._weights(layer, suffix),
                                               reverse=direction == 1)
                outputs.append(output)
                for final, value in zip(finals, last):
                    final.append(value)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        if not batched:
            x = x.squeeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        return x, finals, batched

    def _stacked(self, final: list[Tensor], batched: bool) -> Tensor:
        h = stack(final, dim=0)
        return h if batched else h.squeeze(1)

    def _direction(self, x: Tensor, start: list[Tensor], weights: tuple[Any, ...],
                   reverse: bool) -> tuple[Tensor, list[Tensor]]:
        raise NotImplementedError

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity=relu"  # as PyTorch's RNNCell writes it
        for name, default in (("num_layers", 1), ("bias", True), ("batch_first", False),
                              ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


class RNN(RNNBase):
    """An Elman RNN of `num_layers` layers: per step h_t = φ(x_t W_ihᵀ + b_ih +
    h_{t-1} W_hhᵀ + b_hh), φ tanh or ReLU; wraps `rnn_layer` of
    `stir.nn.functional.recurrent`.

    Shapes (D = 2 if bidirectional else 1): input (L, N, H_in), or (N, L, H_in) when
    batch_first, or (L, H_in) unbatched; hx (D·num_layers, N, H) or zeros. Returns output
    (L, N, D·H) (batch first when batch_first) and h_n (D·num_layers, N, H).

    >>> import stir
    >>> rnn = stir.nn.RNN(3, 5, num_layers=2)
    >>> output, h_n = rnn(stir.ones(7, 4, 3))
    >>> output.shape, h_n.shape
    (stir.Size([7, 4, 5]), stir.Size([2, 4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: Literal["tanh", "relu"] = "tanh", bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' "
                             "or 'relu'")
        self.nonlinearity = nonlinearity
        self._build("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                    hidden_size, num_layers, bias, batch_first, dropout, bidirectional, 0,
                    dtype, generator)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        output, (h,), batched = self._run(input, [hx])
        return output, self._stacked(h, batched)

    def _direction(self, x: Tensor, start: list[Tensor], weights: tuple[Any, ...],
                   reverse: bool) -> tuple[Tensor, list[Tensor]]:
        output = R.rnn_layer(x, start[0], *weights, nonlinearity=self.nonlinearity,
                             reverse=reverse)
        return output, [output[0 if reverse else -1]]


class LSTM(RNNBase):
    """A long short-term memory network of `num_layers` layers; per step (gates i, f, g, o,
    PyTorch's order) c_t = f ⊙ c_{t-1} + i ⊙ g and h_t = o ⊙ tanh c_t, as in `lstm_cell`
    of `stir.nn.functional.recurrent`; each layer's steps run as one node (LSTMSequence).

    Shapes (D = 2 if bidirectional else 1): input (L, N, H_in), or (N, L, H_in) when
    batch_first, or (L, H_in) unbatched; hx = (h_0, c_0), each (D·num_layers, N, H), or
    zeros. Returns output (L, N, D·H) (batch first when batch_first) and (h_n, c_n), each
    (D·num_layers, N, H). proj_size > 0 is not implemented.

    >>> import stir
    >>> lstm = stir.nn.LSTM(3, 5, bidirectional=True, batch_first=True)
    >>> output, (h_n, c_n) = lstm(stir.ones(4, 7, 3))
    >>> output.shape, h_n.shape, c_n.shape
    (stir.Size([4, 7, 10]), stir.Size([2, 4, 5]), stir.Size([2, 4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, dtype: Any = np.float32,
                 generator: _random.Generator | None = None) -> None:
        super().__init__()
        self._build("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                    bidirectional, proj_size, dtype, generator)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is None:
            states = [None, None]
        elif isinstance(hx, (tuple, list)) and len(hx) == 2:
            states = list(hx)
        else:
            raise TypeError(f"{self._name()}: hx must be a tuple (h_0, c_0) of two tensors, "
                            f"got {type(hx).__name__}")
        output, (h, c), batched = self._run(input, states)
        return output, (self._stacked(h, batched), self._stacked(c, batched))

    def _direction(self, x: Tensor, start: list[Tensor], weights: tuple[Any, ...],
                   reverse: bool) -> tuple[Tensor, list[Tensor]]:
        output, h, c = R.lstm_layer(x, (start[0], start[1]), *weights, reverse=reverse)
        return output, [h, c]


class GRU(RNNBase):
    """A gated recurrent unit network of `num_layers` layers; per step (gates r, z, n,
    PyTorch's order) n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)) and
    h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}, as in `gru_cell` of `stir.nn.functional.recurrent`.

    Shapes as `RNN`'s: input (L, N, H_in) (or batch first, or unbatched), hx
    (D·num_layers, N, H) or zeros; returns output (L, N, D·H) and h_n.

    >>> import stir
    >>> gru = stir.nn.GRU(3, 5)
    >>> output, h_n = gru(stir.ones(7, 3))  # unbatched
    >>> output.shape, h_n.shape
    (stir.Size([7, 5]), stir.Size([1, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, dtype: Any = np.float32,
                 generator: _random.Generator | None = None) -> None:
        super().__init__()
        self._build("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                    bidirectional, 0, dtype, generator)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        output, (h,), batched = self._run(input, [hx])
        return output, self._stacked(h, batched)

    def _direction(self, x: Tensor, start: list[Tensor], weights: tuple[Any, ...],
                   reverse: bool) -> tuple[Tensor, list[Tensor]]:
        output = R.gru_layer(x, start[0], *weights, reverse=reverse)
        return output, [output[0 if reverse else -1]]
