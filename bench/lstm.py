"""The "lstm" engines: a 2-layer LSTM classifier in stir modules, in PyTorch modules, and in
hand-written NumPy with backpropagation through time.

The model reads a batch of sequences (batch_first: (N, T, features)), runs
`nn.LSTM(INPUT_SIZE, HIDDEN_SIZE, num_layers=2, batch_first=True)` over them and classifies
the last step's output with `nn.Linear(HIDDEN_SIZE, 10)`. stir and PyTorch build it from the
same code (`classifier(nn)`).

The NumPy step is the LSTM written plainly. Per layer, the input terms of all T steps are one
matrix product (they do not depend on the recurrence); then each step adds h W_hhᵀ and
applies the gates (PyTorch's order i, f, g, o):

    i, f, o = σ(·), g = tanh(·),  c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)

The backward walks the steps in reverse, carrying dh and dc; the weight gradients are then
one product each over all the steps' gate gradients.
"""

from __future__ import annotations

import itertools
from types import ModuleType
from typing import Any

import numpy as np

from .engines import (
    Engine, StirSetup, load_torch, sgd_update, softmax_cross_entropy, stir_modules_engine,
    stir_training, torch_modules_engine,
)
from .problem import HIDDEN_SIZE, INPUT_SIZE, LSTM_LAYERS, Problem


def classifier(nn: ModuleType, n_classes: int) -> Any:
    """The LSTM classifier as a `Module` of a library's `nn` (stir.nn or torch.nn): `lstm`,
    then `fc` on the output of the last step."""

    class LSTMClassifier(nn.Module):  # type: ignore[name-defined, misc]
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(INPUT_SIZE, HIDDEN_SIZE, num_layers=LSTM_LAYERS,
                                batch_first=True)
            self.fc = nn.Linear(HIDDEN_SIZE, n_classes)

        def forward(self, x: Any) -> Any:
            output, _ = self.lstm(x)  # (N, T, hidden): the top layer's h at every step
            return self.fc(output[:, -1])

    return LSTMClassifier()


def stir_setup(problem: Problem) -> StirSetup:
    """stir's LSTM classifier with the problem's weights, F.cross_entropy, optim.SGD and the
    batches. Raises ImportError while stir.nn.LSTM is not in stir yet."""
    import stir.nn

    if not hasattr(stir.nn, "LSTM"):
        raise ImportError("stir.nn.LSTM is not in stir yet")
    return stir_training(classifier(stir.nn, problem.config.layers[-1]), problem)


def stir_modules(problem: Problem) -> Engine:
    """The "stir modules" row: stir.nn.LSTM and Linear, `zero_grad(); backward(); step()`."""
    return stir_modules_engine(stir_setup(problem))


def torch_modules(problem: Problem, threads: int | None = None) -> Engine:
    """The "pytorch modules" rows: torch.nn.LSTM (its fused CPU kernel) and Linear, eager,
    with `threads` intra-op threads (None: PyTorch's default)."""
    torch = load_torch()
    if torch is None:
        raise RuntimeError("PyTorch is not installed")
    return torch_modules_engine(torch, classifier(torch.nn, problem.config.layers[-1]),
                                problem, threads)


# ------------------------------------------------------------------------------ NumPy
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def layer_forward(x: np.ndarray, w_ih: np.ndarray, w_hh: np.ndarray, b_ih: np.ndarray,
                  b_hh: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """One LSTM layer over time-major inputs x (T, N, in) from zero h and c: all the steps'
    h (T, N, hidden), and what the backward needs (gates, tanh(c), c)."""
    steps, n, _ = x.shape
    hidden = w_hh.shape[1]
    projected = x @ w_ih.T + (b_ih + b_hh)  # (T, N, 4·hidden): every step's input terms
    gates = np.empty_like(projected)  # i, f, g, o after their activations
    cells = np.zeros((steps + 1, n, hidden), x.dtype)  # c_{-1} = 0 first
    tanh_cells = np.empty((steps, n, hidden), x.dtype)
    hs = np.empty((steps, n, hidden), x.dtype)
    h = np.zeros((n, hidden), x.dtype)
    g_part = slice(2 * hidden, 3 * hidden)
    for t in range(steps):
        z = projected[t] + h @ w_hh.T
        gate = gates[t]
        gate[...] = _sigmoid(z)
        gate[:, g_part] = np.tanh(z[:, g_part])
        i, f, g, o = np.split(gate, 4, axis=1)
        cells[t + 1] = f * cells[t] + i * g
        tanh_cells[t] = np.tanh(cells[t + 1])
        h = hs[t] = o * tanh_cells[t]
    return hs, (gates, tanh_cells, cells)


def layer_backward(grad_hs: np.ndarray, x: np.ndarray, hs: np.ndarray, w_ih: np.ndarray,
                   w_hh: np.ndarray, saved: tuple[np.ndarray, ...], need_input: bool
                   ) -> tuple[list[np.ndarray], np.ndarray | None]:
    """Backpropagation through time of `layer_forward`, given the gradient of every step's
    h: the gradients of (w_ih, w_hh, b_ih, b_hh) and, if `need_input`, of x."""
    gates, tanh_cells, cells = saved
    steps, n, hidden = hs.shape
    grad_z = np.empty_like(gates)  # the gradient of the gates' pre-activations
    grad_h = np.zeros((n, hidden), hs.dtype)  # through h_t into step t + 1
    grad_c = np.zeros((n, hidden), hs.dtype)  # through c_t into step t + 1
    for t in range(steps - 1, -1, -1):
        i, f, g, o = np.split(gates[t], 4, axis=1)
        dh = grad_hs[t] + grad_h
        tanh_c = tanh_cells[t]
        grad_c = grad_c + dh * o * (1 - tanh_c * tanh_c)
        dz = grad_z[t]
        dz[:, :hidden] = grad_c * g * i * (1 - i)
        dz[:, hidden:2 * hidden] = grad_c * cells[t] * f * (1 - f)
        dz[:, 2 * hidden:3 * hidden] = grad_c * i * (1 - g * g)
        dz[:, 3 * hidden:] = dh * tanh_c * o * (1 - o)
        grad_c = grad_c * f
        grad_h = dz @ w_hh
    flat_z = grad_z.reshape(steps * n, -1)
    grad_w_ih = flat_z.T @ x.reshape(steps * n, -1)
    # h_{t-1} multiplies W_hh at step t; h_{-1} = 0, so step 0 adds nothing
    grad_w_hh = grad_z[1:].reshape(-1, 4 * hidden).T @ hs[:-1].reshape(-1, hidden)
    grad_b = flat_z.sum(axis=0)
    grad_x = grad_z @ w_ih if need_input else None
    return [grad_w_ih, grad_w_hh, grad_b, grad_b.copy()], grad_x


def numpy_manual(problem: Problem) -> Engine:
    """Hand-written NumPy LSTM classifier: forward, BPTT by hand, momentum SGD."""
    config = problem.config
    params = [p.copy() for p in problem.params]
    velocities = [np.zeros_like(p) for p in params]
    layers = [params[4 * k:4 * k + 4] for k in range(LSTM_LAYERS)]
    w_fc, b_fc = params[4 * LSTM_LAYERS:]
    batches = itertools.cycle(list(zip(problem.xs, problem.ts)))

    def step() -> Any:
        x, t = next(batches)
        inputs, outputs, saved = [], [], []
        h = x.transpose(1, 0, 2)  # batch_first (N, T, in) → time-major (T, N, in), a view
        for w_ih, w_hh, b_ih, b_hh in layers:
            inputs.append(h)
            h, state = layer_forward(h, w_ih, w_hh, b_ih, b_hh)
            outputs.append(h)
            saved.append(state)
        last = h[-1]
        loss, grad = softmax_cross_entropy(last @ w_fc.T + b_fc, t)
        grads = [grad.T @ last, grad.sum(axis=0)]  # fc: dW, db
        grad_hs = np.zeros_like(h)
        grad_hs[-1] = grad @ w_fc  # only the last step's output reaches the loss
        for k in range(LSTM_LAYERS - 1, -1, -1):
            w_ih, w_hh = layers[k][:2]
            layer_grads, grad_hs = layer_backward(grad_hs, inputs[k], outputs[k], w_ih, w_hh,
                                                  saved[k], need_input=k > 0)
            grads = layer_grads + grads
        sgd_update(params, velocities, grads, config.lr, config.momentum)
        return loss

    return Engine(step, lambda: [p.copy() for p in params])
