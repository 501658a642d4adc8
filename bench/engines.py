"""The engines under test. Each function takes a `Problem` and returns an `Engine`.

`Engine.step()` runs one training step on the next minibatch (the batches rotate) and returns
that step's loss in the engine's own type (converting it would add a cost to every step;
`loss.item()` works for all of them). `Engine.params()` copies the current parameters out as
NumPy arrays, in the order W1, b1, W2, b2, ..., for the correctness check. `Engine.prepare()`
is called, untimed, before each block of steps: it sets process-wide state the engine relies
on (PyTorch's thread count, which two PyTorch rows set differently).

Each engine is written the way its users would ordinarily write it, not tuned, in one of
the styles of `names` (modules, functional); the stir and PyTorch engines of one style do
the same operations in the same order.
"""

from __future__ import annotations

import functools
import itertools
from types import ModuleType
from typing import Any, Callable, Iterator, NamedTuple

import numpy as np

from .problem import Problem


def _nothing() -> None:
    """The `prepare` of engines that need no process-wide setting."""


class Engine(NamedTuple):
    """A training-step closure, a way to read the parameters back, and a setup hook."""

    step: Callable[[], Any]
    params: Callable[[], list[np.ndarray]]
    prepare: Callable[[], None] = _nothing


EngineFactory = Callable[[Problem], Engine]


# ------------------------------------------------------------------------------ stir
def _check_functional(problem: Problem) -> None:
    config = problem.config
    if len(config.layers) != 3 or config.loss != "mse" or config.momentum:
        raise ValueError(f"{config.name}: the functional rows need one hidden layer, "
                         "MSE and plain SGD")


def _stir_functional_engine(problem: Problem, forward: Callable[..., Any]) -> Engine:
    """A stir training step around `forward(x, t, w1, b1, w2, b2) -> loss`: backward, then
    plain SGD by hand on `.data` (the "tiny" rows, unchanged since before stir.optim)."""
    import stir

    _check_functional(problem)
    params = [stir.tensor(p, requires_grad=True) for p in problem.params]
    batches = itertools.cycle(
        [(stir.from_numpy(x), stir.from_numpy(t)) for x, t in zip(problem.xs, problem.ts)]
    )
    lr = problem.lr

    def step() -> Any:
        x, t = next(batches)
        loss = forward(x, t, *params)
        loss.backward()
        with stir.no_grad():
            for p in params:
                p.data -= lr * p.grad.data
                p.grad = None
        return loss

    return Engine(step, lambda: [p.array.copy() for p in params])


def stir_functional(problem: Problem) -> Engine:
    """stir as its users write a small network by hand: `F.linear`, `.relu()`, `F.mse_loss`,
    `loss.backward()`, then `p.data -= lr * p.grad.data; p.grad = None` under `no_grad()`
    (the "stir functional" row; "pytorch functional" is the same in PyTorch)."""
    import stir.nn.functional as F

    def forward(x: Any, t: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        h = F.linear(x, w1, b1).relu()
        return F.mse_loss(F.linear(h, w2, b2), t)

    return _stir_functional_engine(problem, forward)


def stir_raw_ops(problem: Problem) -> Engine:
    """stir's autograd on raw tensor operators: `x @ w.T + b`, `((y - t) ** 2).mean()`, with
    the functional row's update (the "stir functional (raw ops)" row)."""

    def forward(x: Any, t: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        h = (x @ w1.T + b1).relu()
        y = h @ w2.T + b2
        return ((y - t) ** 2).mean()

    return _stir_functional_engine(problem, forward)


class StirSetup(NamedTuple):
    """What an ordinary stir training loop holds: model, loss function, optimizer, batches."""

    model: Any
    loss_fn: Callable[[Any, Any], Any]
    optimizer: Any
    batches: Iterator[tuple[Any, Any]]  # (x, t) tensors, rotating forever


def stir_setup(problem: Problem) -> StirSetup:
    """nn.Sequential of Linear and ReLU loaded with the problem's weights, F.cross_entropy or
    F.mse_loss, optim.SGD, and the rotating batches as tensors.

    Raises ImportError while a piece it needs is not in stir yet.
    """
    from stir.nn import Linear, ReLU, Sequential

    config = problem.config
    modules: list[Any] = []
    for n_in, n_out in zip(config.layers[:-1], config.layers[1:]):
        modules += [Linear(n_in, n_out), ReLU()]
    model = Sequential(*modules[:-1])  # for (784, 256, 256, 10): Linear, ReLU, ..., Linear
    return stir_training(model, problem)


def stir_training(model: Any, problem: Problem) -> StirSetup:
    """A stir model given the problem's weights (by their `state_dict` names), with its
    loss function (F.cross_entropy or F.mse_loss), optim.SGD and the rotating batches."""
    import stir
    from stir.nn.functional import cross_entropy, mse_loss
    from stir.optim import SGD

    config = problem.config
    model.load_state_dict(dict(zip(problem.names, problem.params)))
    loss_fn = cross_entropy if config.loss == "cross_entropy" else mse_loss
    optimizer = SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    batches = itertools.cycle(
        [(stir.from_numpy(x), stir.from_numpy(t)) for x, t in zip(problem.xs, problem.ts)]
    )
    return StirSetup(model, loss_fn, optimizer, batches)


def stir_modules(problem: Problem) -> Engine:
    """Ordinary stir (the "stir modules" row): nn.Sequential of Linear and ReLU,
    F.cross_entropy / F.mse_loss, optim.SGD, `opt.zero_grad(); loss.backward(); opt.step()`.

    Raises ImportError while a piece it needs is not in stir yet.
    """
    return stir_modules_engine(stir_setup(problem))


def stir_modules_engine(setup: StirSetup) -> Engine:
    """The "stir modules" step of any model: `loss_fn(model(x), t)`, `zero_grad()`,
    `backward()`, `step()`."""
    model, loss_fn, optimizer, batches = setup
    parameters = list(model.parameters())

    def step() -> Any:
        x, t = next(batches)
        loss = loss_fn(model(x), t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return Engine(step, lambda: [p.array.copy() for p in parameters])


# ------------------------------------------------------------------------------ NumPy
def _mse(y: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean squared error and its gradient with respect to `y`."""
    diff = y - t
    return (diff * diff).mean(), diff * (2.0 / diff.size)


def softmax_cross_entropy(logits: np.ndarray, t: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """The mean of -log softmax(logits)[t] over the rows, and its gradient with respect to
    the logits: (softmax(logits) - onehot(t)) / n."""
    shifted = logits - logits.max(axis=1, keepdims=True)  # exp cannot overflow
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1, keepdims=True)
    rows = np.arange(len(t))
    loss = (np.log(sum_exp[:, 0]) - shifted[rows, t]).mean()
    grad = exp / sum_exp
    grad[rows, t] -= 1
    grad /= len(t)
    return loss, grad


def numpy_manual(problem: Problem) -> Engine:
    """Hand-written NumPy: the same maths with the backward pass derived by hand (the floor).

    Any depth of ReLU MLP, MSE or softmax cross-entropy, and SGD with momentum buffers as
    PyTorch's (v ← μ v + g, p ← p - lr v; v starts at 0, so the first v is g, as PyTorch's).
    """
    config = problem.config
    params = [p.copy() for p in problem.params]
    weights, biases = params[0::2], params[1::2]
    last = len(weights) - 1
    loss_and_grad = softmax_cross_entropy if config.loss == "cross_entropy" else _mse
    lr, momentum = config.lr, config.momentum
    velocities = [np.zeros_like(p) for p in params]
    batches = itertools.cycle(list(zip(problem.xs, problem.ts)))

    def step() -> Any:
        x, t = next(batches)
        inputs = []  # the input of each Linear: x, then the ReLU outputs
        h = x
        for index, (w, b) in enumerate(zip(weights, biases)):
            inputs.append(h)
            h = h @ w.T + b
            if index < last:
                h = np.maximum(h, 0)
        loss, grad = loss_and_grad(h, t)
        grads = []
        for index in range(last, -1, -1):
            grads += [grad.sum(axis=0), grad.T @ inputs[index]]  # db, dW (reversed below)
            if index:
                grad = (grad @ weights[index]) * (inputs[index] > 0)  # ReLU'(z) = [h > 0]
        grads.reverse()
        sgd_update(params, velocities, grads, lr, momentum)
        return loss

    return Engine(step, lambda: [p.copy() for p in params])


def sgd_update(params: list[np.ndarray], velocities: list[np.ndarray],
               grads: list[np.ndarray], lr: float, momentum: float) -> None:
    """One step of SGD in place, as torch.optim.SGD: v ← μ v + g, p ← p - lr v (v starts at
    0, so the first v is g); p ← p - lr g without momentum."""
    if momentum:
        for p, v, g in zip(params, velocities, grads):
            v *= momentum
            v += g
            p -= lr * v
    else:
        for p, g in zip(params, grads):
            p -= lr * g  # in place: weights and biases keep naming the same arrays


# ------------------------------------------------------------------------------ PyTorch
@functools.cache
def load_torch() -> ModuleType | None:
    """The `torch` module, or None when it cannot be imported."""
    try:
        import torch
    except ImportError:
        return None
    _default_torch_threads(torch)  # remember the default before anyone changes it
    return torch


@functools.cache
def _default_torch_threads(torch: ModuleType) -> int:
    return int(torch.get_num_threads())


def default_torch_threads() -> int | None:
    """PyTorch's own choice of intra-op threads in this process, or None without PyTorch."""
    torch = load_torch()
    return None if torch is None else _default_torch_threads(torch)


def _torch_prepare(torch: ModuleType, threads: int | None) -> Callable[[], None]:
    """An engine's `prepare`: set PyTorch's intra-op threads to `threads` (None: the default
    PyTorch chose in this process), as another PyTorch row may have changed them."""
    n_threads = threads or _default_torch_threads(torch)

    def prepare() -> None:
        if torch.get_num_threads() != n_threads:
            torch.set_num_threads(n_threads)

    return prepare


def _torch_batches(torch: ModuleType, problem: Problem) -> Iterator[tuple[Any, Any]]:
    return itertools.cycle(
        [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in zip(problem.xs, problem.ts)]
    )


def torch_modules(problem: Problem, threads: int | None = None) -> Engine:
    """Ordinary PyTorch (the "pytorch modules" rows): nn.Sequential, nn.MSELoss /
    nn.CrossEntropyLoss, optim.SGD, zero_grad(set_to_none=True).

    `threads` is the intra-op thread count to run with; None keeps PyTorch's default.
    """
    torch = load_torch()
    if torch is None:
        raise RuntimeError("PyTorch is not installed")
    nn, config = torch.nn, problem.config
    modules: list[Any] = []
    for n_in, n_out in zip(config.layers[:-1], config.layers[1:]):
        modules += [nn.Linear(n_in, n_out), nn.ReLU()]
    return torch_modules_engine(torch, nn.Sequential(*modules[:-1]), problem, threads)


def torch_modules_engine(torch: ModuleType, model: Any, problem: Problem,
                         threads: int | None = None) -> Engine:
    """The "pytorch modules" step of any model, given the problem's weights by their
    `state_dict` names: the loss module, optim.SGD, `zero_grad(set_to_none=True)`,
    `backward()`, `step()`, with `threads` intra-op threads (None: PyTorch's default)."""
    nn, config = torch.nn, problem.config
    model.load_state_dict({name: torch.from_numpy(value)
                           for name, value in zip(problem.names, problem.params)})
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum)
    loss_fn = nn.CrossEntropyLoss() if config.loss == "cross_entropy" else nn.MSELoss()
    batches = _torch_batches(torch, problem)

    def step() -> Any:
        x, t = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        return loss

    return Engine(step, lambda: [p.detach().numpy().copy() for p in model.parameters()],
                  _torch_prepare(torch, threads))


def torch_functional(problem: Problem) -> Engine:
    """PyTorch written as the "stir functional" row is, operation for operation (the
    "pytorch functional" row): `F.linear`, `.relu()`, `F.mse_loss`, `loss.backward()`, then
    `p -= lr * p.grad; p.grad = None` for each parameter under `torch.no_grad()`. PyTorch's
    default threads."""
    torch = load_torch()
    if torch is None:
        raise RuntimeError("PyTorch is not installed")
    _check_functional(problem)
    F = torch.nn.functional
    params = [torch.from_numpy(p.copy()).requires_grad_() for p in problem.params]
    batches = _torch_batches(torch, problem)
    lr = problem.lr

    def forward(x: Any, t: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        h = F.linear(x, w1, b1).relu()
        return F.mse_loss(F.linear(h, w2, b2), t)

    def step() -> Any:
        x, t = next(batches)
        loss = forward(x, t, *params)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return loss

    return Engine(step, lambda: [p.detach().numpy().copy() for p in params],
                  _torch_prepare(torch, None))
