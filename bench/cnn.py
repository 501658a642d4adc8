"""The "cnn" engines: LeNet-5 in stir modules, in PyTorch modules, and in hand-written NumPy.

stir and PyTorch build the same `nn.Sequential` from the same code (`lenet(nn)`), since stir
takes PyTorch's names and arguments; their steps are the modules rows' of every other
configuration. The NumPy step is what NumPy alone can do, written plainly: each convolution
is one (batched) matrix product of the reshaped weight by an im2col copy of its input's
windows (`np.lib.stride_tricks.sliding_window_view`), forward and for the weight gradient,
and one more for the input gradient, scattered back by a loop over the 25 kernel offsets
(never over pixels or samples); 2×2 max pooling by a reshape; the MLP head,
softmax cross-entropy and momentum SGD as the MLP engines' (`engines`).
"""

from __future__ import annotations

import itertools
from types import ModuleType
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .engines import (
    Engine, StirSetup, load_torch, sgd_update, softmax_cross_entropy, stir_modules_engine,
    stir_training, torch_modules_engine,
)
from .problem import CONVOLUTIONS, Problem


def lenet(nn: ModuleType, layers: tuple[int, ...]) -> Any:
    """LeNet-5 from a library's `nn` (stir.nn or torch.nn): two convolution, ReLU and 2×2
    max-pooling blocks, Flatten, then the ReLU MLP `layers` (400, 120, 84, 10)."""
    modules: list[Any] = []
    for n_in, n_out, kernel, padding in CONVOLUTIONS:
        modules += [nn.Conv2d(n_in, n_out, kernel, padding=padding), nn.ReLU(), nn.MaxPool2d(2)]
    modules.append(nn.Flatten())
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        modules += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*modules[:-1])


def stir_setup(problem: Problem) -> StirSetup:
    """stir's LeNet-5 with the problem's weights, F.cross_entropy, optim.SGD and the batches.

    Raises ImportError while stir.nn.Conv2d or MaxPool2d is not in stir yet.
    """
    import stir.nn

    for name in ("Conv2d", "MaxPool2d"):
        if not hasattr(stir.nn, name):
            raise ImportError(f"stir.nn.{name} is not in stir yet")
    return stir_training(lenet(stir.nn, problem.config.layers), problem)


def stir_modules(problem: Problem) -> Engine:
    """The "stir modules" row: stir's LeNet-5, `zero_grad(); loss.backward(); step()`."""
    return stir_modules_engine(stir_setup(problem))


def torch_modules(problem: Problem, threads: int | None = None) -> Engine:
    """The "pytorch modules" rows: torch.nn's LeNet-5, eager, with `threads` intra-op threads
    (None: PyTorch's default)."""
    torch = load_torch()
    if torch is None:
        raise RuntimeError("PyTorch is not installed")
    return torch_modules_engine(torch, lenet(torch.nn, problem.config.layers), problem,
                                threads)


# ------------------------------------------------------------------------------ NumPy
def conv_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, padding: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """y[n, o, i, j] = b[o] + Σ_{c,p,q} w[o, c, p, q] · x_padded[n, c, i + p, j + q], as the
    product of w reshaped (O, C·k·k) by each sample's im2col matrix (C·k·k, Ho·Wo), which
    gives y in (N, O, Ho, Wo) order with no transpose; also returns the im2col matrices,
    which the weight gradient needs."""
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n_out, n_in, kernel, _ = w.shape
    windows = sliding_window_view(x, (kernel, kernel), axis=(2, 3))  # (N, C, Ho, Wo, k, k)
    n, _, height, width = windows.shape[:4]
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, n_in * kernel * kernel, -1)  # copy
    y = w.reshape(n_out, -1) @ cols + b[:, None]  # (N, O, Ho·Wo)
    return y.reshape(n, n_out, height, width), cols


def conv_backward(grad_y: np.ndarray, cols: np.ndarray, w: np.ndarray,
                  input_shape: tuple[int, ...] | None, padding: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The gradients of `conv_forward` with respect to w, b and (when `input_shape` is given)
    x: dW = Σ_n dY_n · cols_nᵀ, db = Σ dY, and dcols = Wᵀ · dY added back window by window."""
    n, n_out, height, width = grad_y.shape
    g = grad_y.reshape(n, n_out, height * width)
    grad_w = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    grad_b = g.sum(axis=(0, 2))
    if input_shape is None:
        return grad_w, grad_b, None  # the data needs no gradient
    _, n_in, kernel, _ = w.shape
    grad_cols = (w.reshape(n_out, -1).T @ g).reshape(n, n_in, kernel, kernel, height, width)
    _, _, in_height, in_width = input_shape
    grad_x = np.zeros((n, n_in, in_height + 2 * padding, in_width + 2 * padding), w.dtype)
    for p, q in itertools.product(range(kernel), repeat=2):  # 25 strided adds, not pixels
        grad_x[:, :, p:p + height, q:q + width] += grad_cols[:, :, p, q]
    if padding:
        grad_x = grad_x[:, :, padding:-padding, padding:-padding]
    return grad_w, grad_b, grad_x


def pool_forward(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2×2 max pooling with stride 2 by a reshape: y[n, c, i, j] = max of x[n, c, 2i:2i+2,
    2j:2j+2]; also the reshaped input (a view), which the backward compares with y."""
    n, c, height, width = x.shape
    blocks = x.reshape(n, c, height // 2, 2, width // 2, 2)
    return blocks.max(axis=(3, 5)), blocks


def pool_backward(grad_y: np.ndarray, blocks: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The gradient of `pool_forward`: each window's gradient goes to its maximum.

    A window whose maximum is tied gives it to every tied element, not to the first as
    PyTorch does; here every pooling follows a ReLU, so ties are zeros (equal positive floats
    have probability 0), and the ReLU's derivative [z > 0] then zeroes them all anyway.
    """
    expand = (slice(None), slice(None), slice(None), None, slice(None), None)
    mask = blocks == y[expand]
    n, c, height, _, width, _ = blocks.shape
    return (mask * grad_y[expand]).reshape(n, c, 2 * height, 2 * width)


def numpy_manual(problem: Problem) -> Engine:
    """Hand-written NumPy LeNet-5: forward, the backward derived by hand, momentum SGD."""
    config = problem.config
    params = [p.copy() for p in problem.params]
    velocities = [np.zeros_like(p) for p in params]
    n_conv = len(CONVOLUTIONS)
    paddings = [padding for *_, padding in CONVOLUTIONS]
    batches = itertools.cycle(list(zip(problem.xs, problem.ts)))

    def step() -> Any:
        x, t = next(batches)
        saved = []  # per convolution block: its input shape, im2col, ReLU output, pool view
        h = x
        for index in range(n_conv):
            w, b, input_shape = params[2 * index], params[2 * index + 1], h.shape
            z, cols = conv_forward(h, w, b, paddings[index])
            relu = np.maximum(z, 0)
            h, blocks = pool_forward(relu)
            saved.append((input_shape, cols, relu, blocks, h))
        pooled_shape = h.shape
        inputs = [h.reshape(len(x), -1)]  # Flatten: (N, 16·5·5), in PyTorch's C, H, W order
        head = params[2 * n_conv:]
        weights, biases = head[0::2], head[1::2]
        for index, (w, b) in enumerate(zip(weights, biases)):
            h = inputs[-1] @ w.T + b
            if index < len(weights) - 1:
                inputs.append(np.maximum(h, 0))
        loss, grad = softmax_cross_entropy(h, t)
        grads = []
        for index in range(len(weights) - 1, -1, -1):
            grads += [grad.sum(axis=0), grad.T @ inputs[index]]  # db, dW (reversed below)
            grad = grad @ weights[index]
            if index:
                grad = grad * (inputs[index] > 0)  # ReLU'(z) = [h > 0]
        grad = grad.reshape(pooled_shape)
        for index in range(n_conv - 1, -1, -1):
            input_shape, cols, relu, blocks, pooled = saved[index]
            grad = pool_backward(grad, blocks, pooled) * (relu > 0)
            w = params[2 * index]
            grad_w, grad_b, grad = conv_backward(grad, cols, w, input_shape if index else None,
                                                 paddings[index])
            grads += [grad_b, grad_w]
        grads.reverse()
        sgd_update(params, velocities, grads, config.lr, config.momentum)
        return loss

    return Engine(step, lambda: [p.copy() for p in params])
