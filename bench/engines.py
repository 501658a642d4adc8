"""The engines under test. Each function takes the `Problem` and returns an `Engine`.

`Engine.step()` runs one training step on the next minibatch (the batches rotate) and returns
that step's loss in the engine's own type (converting it would add a cost to every step;
`loss.item()` works for all of them). `Engine.params()` copies the current parameters out as
NumPy arrays, in the order W1, b1, W2, b2, for the correctness check. `Engine.prepare()` is
called, untimed, before each block of steps: it sets process-wide state the engine relies on
(PyTorch's thread count, which two PyTorch rows set differently).

Each engine is written the way its users would ordinarily write it, not tuned.
"""

from __future__ import annotations

import functools
import itertools
from types import ModuleType
from typing import Any, Callable, NamedTuple

import numpy as np

from .problem import Problem


def _nothing() -> None:
    """The `prepare` of engines that need no process-wide setting."""


class Engine(NamedTuple):
    """A training-step closure, a way to read the parameters back, and a setup hook."""

    step: Callable[[], Any]
    params: Callable[[], list[np.ndarray]]
    prepare: Callable[[], None] = _nothing


def _stir_engine(problem: Problem, forward: Callable[..., Any]) -> Engine:
    """A stir training step around `forward(x, t, w1, b1, w2, b2) -> loss`: backward, then
    SGD by hand (stir.optim comes with a later issue)."""
    import stir

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

    return Engine(step, lambda: [p.data.copy() for p in params])


def stir_eager(problem: Problem) -> Engine:
    """stir as its users write a network: `F.linear`, `.relu()`, `F.mse_loss`."""
    import stir.nn.functional as F

    def forward(x: Any, t: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        h = F.linear(x, w1, b1).relu()
        return F.mse_loss(F.linear(h, w2, b2), t)

    return _stir_engine(problem, forward)


def stir_eager_raw_ops(problem: Problem) -> Engine:
    """stir's autograd on raw tensor operators: `x @ w.T + b`, `((y - t) ** 2).mean()`."""

    def forward(x: Any, t: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
        h = (x @ w1.T + b1).relu()
        y = h @ w2.T + b2
        return ((y - t) ** 2).mean()

    return _stir_engine(problem, forward)


def numpy_manual(problem: Problem) -> Engine:
    """Hand-written NumPy: the same maths with the backward pass derived by hand (the floor)."""
    params = [p.copy() for p in problem.params]
    w1, b1, w2, b2 = params
    batches = itertools.cycle(list(zip(problem.xs, problem.ts)))
    lr = problem.lr

    def step() -> Any:
        x, t = next(batches)
        z1 = x @ w1.T + b1
        h = np.maximum(z1, 0)
        y = h @ w2.T + b2
        diff = y - t
        loss = (diff * diff).mean()
        grad_y = diff * (2.0 / diff.size)  # d(mean of squares)/dy
        grad_w2 = grad_y.T @ h
        grad_b2 = grad_y.sum(axis=0)
        grad_z1 = (grad_y @ w2) * (z1 > 0)
        grad_w1 = grad_z1.T @ x
        grad_b1 = grad_z1.sum(axis=0)
        for p, grad in zip(params, (grad_w1, grad_b1, grad_w2, grad_b2)):
            p -= lr * grad  # in place: w1, b1, w2, b2 keep naming the same arrays
        return loss

    return Engine(step, lambda: [p.copy() for p in params])


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


def torch_eager(problem: Problem, threads: int | None = None) -> Engine:
    """Ordinary PyTorch: nn.Sequential, nn.MSELoss, optim.SGD, zero_grad(set_to_none=True).

    `threads` is the intra-op thread count to run with; None keeps PyTorch's default.
    """
    torch = load_torch()
    if torch is None:
        raise RuntimeError("PyTorch is not installed")
    n_threads = threads or _default_torch_threads(torch)

    def prepare() -> None:
        if torch.get_num_threads() != n_threads:
            torch.set_num_threads(n_threads)

    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 5), nn.ReLU(), nn.Linear(5, 1))
    with torch.no_grad():
        for p, value in zip(model.parameters(), problem.params):
            p.copy_(torch.from_numpy(value))
    optimizer = torch.optim.SGD(model.parameters(), lr=problem.lr)
    loss_fn = nn.MSELoss()
    batches = itertools.cycle(
        [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in zip(problem.xs, problem.ts)]
    )

    def step() -> Any:
        x, t = next(batches)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), t)
        loss.backward()
        optimizer.step()
        return loss

    return Engine(
        step, lambda: [p.detach().numpy().copy() for p in model.parameters()], prepare
    )


EngineFactory = Callable[[Problem], Engine]


def available_engines() -> dict[str, EngineFactory]:
    """The rows of the benchmark, by name, in display order.

    "numpy (repeat)" is the NumPy engine again under another name: a sanity row. If it does
    not match "numpy", the timing is biased (e.g. by another engine's BLAS threads still
    spinning) and no ratio in the table should be trusted more closely than that gap.

    "stir eager (raw ops)" writes the same step with tensor operators only (11 nodes instead
    of 4), to show what the fused `F.linear` and `F.mse_loss` save.

    "pytorch eager (1 thread)" is for information: on tensors this small PyTorch's default
    threading brings nothing, and it can cost a lot when another process holds a core.
    """
    engines: dict[str, EngineFactory] = {
        "stir eager": stir_eager,
        "stir eager (raw ops)": stir_eager_raw_ops,
        "numpy": numpy_manual,
        "numpy (repeat)": numpy_manual,
    }
    if load_torch() is not None:
        engines["pytorch eager"] = torch_eager
        if default_torch_threads() != 1:
            engines["pytorch eager (1 thread)"] = functools.partial(torch_eager, threads=1)
    return engines
