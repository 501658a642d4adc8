"""The benchmark problems: a table of configurations, and for each its rotating minibatches
and initial weights as plain NumPy arrays.

Every engine starts from copies of the same arrays, so their losses can be compared.

The batches rotate on purpose. Training thousands of steps on one fixed batch drives the
fit towards exact, and the tiny residual gradients end up as subnormal (denormal) floats,
which make NumPy arithmetic several times slower and the benchmark meaningless.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DTYPE = np.float32
TARGET_DTYPE = np.int64  # class indices, the dtype PyTorch's cross-entropy wants


@dataclass(frozen=True)
class Config:
    """One benchmark configuration: a ReLU MLP, its loss, its optimizer and its data.

    `layers` are the widths, input first: (2, 5, 1) is Linear(2, 5) → ReLU → Linear(5, 1).
    `loss` is "mse" (float targets of shape (batch, out)) or "cross_entropy" (softmax
    cross-entropy of the logits against integer class targets of shape (batch,)). The
    optimizer is SGD with `momentum` (0 for plain SGD), as `torch.optim.SGD`.
    """

    name: str
    layers: tuple[int, ...]
    batch: int
    loss: str
    lr: float
    momentum: float
    n_batches: int
    summary: str  # what the configuration stands for, for the report

    def describe(self) -> str:
        """The model, loss, optimizer and data in one line, for the report."""
        linears = [f"Linear({a}, {b})" for a, b in zip(self.layers[:-1], self.layers[1:])]
        loss = {"mse": "MSE loss", "cross_entropy": "softmax cross-entropy loss"}[self.loss]
        optimizer = (f"SGD with momentum {self.momentum:g}" if self.momentum
                     else "plain SGD")
        return (f"{' → ReLU → '.join(linears)}, batch {self.batch}, {loss}, {optimizer} "
                f"(lr {self.lr:g}), float32, {self.n_batches} rotating minibatches")


CONFIGS = {
    config.name: config
    for config in (
        Config("tiny", (2, 5, 1), batch=100, loss="mse", lr=0.01, momentum=0.0,
               n_batches=64, summary="per-operation overhead: the arithmetic is almost free"),
        Config("mnist", (784, 256, 256, 10), batch=128, loss="cross_entropy", lr=0.01,
               momentum=0.9, n_batches=32,
               summary="an MNIST-sized classifier: the matrix products start to count"),
        Config("curious", (1, 1024, 1), batch=1, loss="mse", lr=1e-4, momentum=0.0,
               n_batches=256,
               summary="seed 000's loop: h(x) = Σ wᵢ ReLU(aᵢx + bᵢ), d = 1024, one sample "
                       "per step (110 000 steps = 110 000 × this step)"),
        Config("wide", (784, 1024, 1024, 10), batch=512, loss="cross_entropy", lr=0.01,
               momentum=0.0, n_batches=16,
               summary="a wide classifier: nearly all the time is in the matrix products, "
                       "so the step is measured against the float32 matmul peak"),
    )
}


def step_flops(layers: tuple[int, ...], batch: int) -> int:
    """Floating-point operations of the matrix products of one training step.

    Each Linear(i, o) costs 2·batch·i·o for its forward product and as much for the gradient
    of its weight; every layer but the first also costs 2·batch·i·o for the gradient of its
    input (nobody computes the gradient of the data). So 6·batch·i·o per layer, minus 2·b·i·o
    for the first; the elementwise work (bias, ReLU, loss, update) is left out.

    >>> step_flops((2, 5, 1), batch=100)  # 4·100·2·5 + 6·100·5·1
    7000
    """
    pairs = list(zip(layers[:-1], layers[1:]))
    return sum((4 if index == 0 else 6) * batch * n_in * n_out
               for index, (n_in, n_out) in enumerate(pairs))



@dataclass(frozen=True)
class Problem:
    """A configuration with its data: inputs `xs[i]` (batch, layers[0]), targets `ts[i]`
    ((batch, out) floats for MSE, (batch,) int64 classes for cross-entropy), and weights.

    `params` are [W1, b1, W2, b2, ...]: weights are (out, in), as in PyTorch's `nn.Linear`.
    Engines must copy them, never train them in place.
    """

    config: Config
    xs: tuple[np.ndarray, ...]
    ts: tuple[np.ndarray, ...]
    params: tuple[np.ndarray, ...]

    @property
    def lr(self) -> float:
        return self.config.lr

    @property
    def momentum(self) -> float:
        return self.config.momentum


def _regression_batches(config: Config, rng: np.random.Generator
                        ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A noisy smooth 2-D regression target (the "tiny" data, unchanged since the first run)."""
    xs, ts = [], []
    for _ in range(config.n_batches):
        x = rng.uniform(-2.0, 2.0, size=(config.batch, config.layers[0]))
        t = np.sin(x[:, :1]) + 0.5 * x[:, 1:] ** 2 - 0.5 + 0.1 * rng.standard_normal(
            (config.batch, 1)
        )
        xs.append(np.ascontiguousarray(x, dtype=DTYPE))
        ts.append(np.ascontiguousarray(t, dtype=DTYPE))
    return xs, ts


def _teacher_batches(config: Config, rng: np.random.Generator
                     ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Standard normal inputs labelled by a fixed random linear teacher (argmax of x Aᵀ), so
    the classes are learnable, as MNIST's are."""
    n_in, n_classes = config.layers[0], config.layers[-1]
    teacher = rng.standard_normal((n_classes, n_in), dtype=DTYPE)
    xs, ts = [], []
    for _ in range(config.n_batches):
        x = rng.standard_normal((config.batch, n_in), dtype=DTYPE)
        xs.append(x)
        ts.append((x @ teacher.T).argmax(axis=1).astype(TARGET_DTYPE))
    return xs, ts


def _curious_batches(config: Config, rng: np.random.Generator
                     ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Seed 000's data: x uniform on [0, 1], y = cos(2x + 20x²) + 0.1·noise, one sample per
    minibatch."""
    xs, ts = [], []
    for _ in range(config.n_batches):
        x = rng.uniform(0.0, 1.0, size=(config.batch, 1))
        t = np.cos(2 * x + 20 * x**2) + 0.1 * rng.standard_normal((config.batch, 1))
        xs.append(np.ascontiguousarray(x, dtype=DTYPE))
        ts.append(np.ascontiguousarray(t, dtype=DTYPE))
    return xs, ts


def make_problem(config: Config, seed: int = 0) -> Problem:
    """The configuration's minibatches and a PyTorch-style uniform initialisation."""
    rng = np.random.default_rng(seed)
    if config.name == "curious":
        xs, ts = _curious_batches(config, rng)
    elif config.loss == "mse":
        if config.layers[0] != 2 or config.layers[-1] != 1:
            raise ValueError(f"{config.name}: the regression data needs layers (2, ..., 1)")
        xs, ts = _regression_batches(config, rng)
    elif config.loss == "cross_entropy":
        xs, ts = _teacher_batches(config, rng)
    else:
        raise ValueError(f"{config.name}: unknown loss {config.loss!r}")
    params = []
    for fan_in, fan_out in zip(config.layers[:-1], config.layers[1:]):
        bound = 1.0 / np.sqrt(fan_in)  # nn.Linear's default: U(-1/sqrt(in), 1/sqrt(in))
        params.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(DTYPE))
        params.append(rng.uniform(-bound, bound, size=(fan_out,)).astype(DTYPE))
    return Problem(config=config, xs=tuple(xs), ts=tuple(ts), params=tuple(params))
