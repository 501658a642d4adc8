"""Recurrent cells, one time step each: `RNNCell`, `LSTMCell`, `GRUCell`, as PyTorch's (the
layers over whole sequences are in recurrent.py).

Each wraps a cell of `stir.nn.functional.recurrent`, with PyTorch's parameters weight_ih
(G·H, H_in), weight_hh (G·H, H), bias_ih and bias_hh (G·H,), G the number of gates.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from .. import random as _random
from ..tensor import Tensor, as_tensor
from .functional import recurrent as R
from .module import Module
from .recurrent import positive_size, uniform_parameter


class RNNCellBase(Module):
    """What the cells share: their parameters, drawn from U(±1/√hidden_size) as PyTorch's,
    and the checks of input and state."""

    def _build(self, input_size: int, hidden_size: int, bias: bool, gates: int, dtype: Any,
               generator: Any) -> None:
        name = type(self).__name__
        self.input_size = positive_size(name, "input_size", input_size)
        self.hidden_size = positive_size(name, "hidden_size", hidden_size)
        self.bias = bool(bias)
        bound = 1 / math.sqrt(self.hidden_size)
        rows = gates * self.hidden_size
        self.weight_ih = uniform_parameter((rows, self.input_size), bound, generator, dtype)
        self.weight_hh = uniform_parameter((rows, self.hidden_size), bound, generator, dtype)
        if self.bias:
            self.bias_ih = uniform_parameter((rows,), bound, generator, dtype)
            self.bias_hh = uniform_parameter((rows,), bound, generator, dtype)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)

    def _weights(self) -> tuple[Any, ...]:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _name(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def _checked_input(self, input: Any) -> tuple[Tensor, bool]:
        """The input as (N, H_in), and whether it had a batch dimension."""
        input = as_tensor(input)
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{self._name()}: expected input of shape (N, {self.input_size}) "
                             f"or ({self.input_size},), got {tuple(input.shape)}")
        return (input if input.ndim == 2 else input.unsqueeze(0)), input.ndim == 2

    def _state(self, hx: Any, input: Tensor, batched: bool, what: str = "hx") -> Tensor:
        """A state as (N, H): zeros when None, else checked against the input's batch."""
        if hx is None:
            return Tensor(np.zeros((input.shape[0], self.hidden_size), dtype=input.dtype))
        hx = as_tensor(hx)
        expected = (input.shape[0], self.hidden_size) if batched else (self.hidden_size,)
        if tuple(hx.shape) != expected:
            raise ValueError(f"{self._name()}: expected {what} of shape {expected}, got "
                             f"{tuple(hx.shape)}")
        return hx if batched else hx.unsqueeze(0)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"  # as PyTorch writes it
        return text


class RNNCell(RNNCellBase):
    """One step of an Elman RNN, h' = φ(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) with φ tanh or
    ReLU: wraps `rnn_cell` of `stir.nn.functional.recurrent`.

    Shapes: input (N, H_in) or (H_in,), hx (N, H) or (H,) (zeros if None); returns h'.

    >>> import stir
    >>> cell = stir.nn.RNNCell(3, 5)
    >>> cell(stir.ones(4, 3)).shape
    stir.Size([4, 5])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: Literal["tanh", "relu"] = "tanh", dtype: Any = np.float32,
                 generator: _random.Generator | None = None) -> None:
        super().__init__()
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from "
                             "'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        self._build(input_size, hidden_size, bias, 1, dtype, generator)

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, batched = self._checked_input(input)
        h = R.rnn_cell(x, self._state(hx, x, batched), *self._weights(),
                       nonlinearity=self.nonlinearity)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One step of an LSTM (gates i, f, g, o): c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh c';
    wraps `lstm_cell` of `stir.nn.functional.recurrent`.

    Shapes: input (N, H_in) or (H_in,), hx = (h, c), each (N, H) or (H,) (zeros if None);
    returns (h', c').

    >>> import stir
    >>> cell = stir.nn.LSTMCell(3, 5)
    >>> h, c = cell(stir.ones(4, 3))
    >>> h.shape, c.shape
    (stir.Size([4, 5]), stir.Size([4, 5]))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        self._build(input_size, hidden_size, bias, 4, dtype, generator)

    def forward(self, input: Any, hx: Any = None) -> tuple[Tensor, Tensor]:
        x, batched = self._checked_input(input)
        if hx is None:
            hx = (None, None)
        elif not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"{self._name()}: hx must be a tuple (h, c) of two tensors, got "
                            f"{type(hx).__name__}")
        states = (self._state(hx[0], x, batched, "h (hx[0])"),
                  self._state(hx[1], x, batched, "c (hx[1])"))
        h, c = R.lstm_cell(x, states, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One step of a GRU (gates r, z, n): n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
    h' = (1 - z) ⊙ n + z ⊙ h; wraps `gru_cell` of `stir.nn.functional.recurrent`.

    Shapes: input (N, H_in) or (H_in,), hx (N, H) or (H,) (zeros if None); returns h'.

    >>> import stir
    >>> cell = stir.nn.GRUCell(3, 5)
    >>> cell(stir.ones(3)).shape
    stir.Size([5])
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 dtype: Any = np.float32, generator: _random.Generator | None = None) -> None:
        super().__init__()
        self._build(input_size, hidden_size, bias, 3, dtype, generator)

    def forward(self, input: Any, hx: Any = None) -> Tensor:
        x, batched = self._checked_input(input)
        h = R.gru_cell(x, self._state(hx, x, batched), *self._weights())
        return h if batched else h.squeeze(0)
