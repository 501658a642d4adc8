"""The benchmark problems: a table of configurations, and for each its rotating minibatches
and initial weights as plain NumPy arrays.

Most configurations are ReLU MLPs; "cnn" is LeNet-5 on 28×28 images and "lstm" a 2-layer LSTM
on sequences (`Config.model`), each with the same loss and optimizer choices as the MLPs.

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

# LeNet-5 (the "cnn" configuration): 1×28×28 images; the first convolution pads by 2, so both
# keep LeNet's 32×32 geometry: 28 → conv 5 → 28 → pool → 14 → conv 5 → 10 → pool → 5.
IMAGE_SHAPE = (1, 28, 28)
CONVOLUTIONS = ((1, 6, 5, 2), (6, 16, 5, 0))  # (in channels, out channels, kernel, padding)
LENET = ("Conv2d(1, 6, 5, padding=2) → ReLU → MaxPool2d(2) → Conv2d(6, 16, 5) → ReLU → "
         "MaxPool2d(2) → Flatten")
# The "lstm" configuration: sequences of SEQUENCE_LENGTH steps of INPUT_SIZE features
# (batch_first), an LSTM of LSTM_LAYERS layers of HIDDEN_SIZE units, the last step's output
# through a Linear head.
SEQUENCE_LENGTH, INPUT_SIZE, HIDDEN_SIZE, LSTM_LAYERS = 32, 32, 128, 2
MODELS = ("mlp", "cnn", "lstm")


@dataclass(frozen=True)
class Config:
    """One benchmark configuration: a network, its loss, its optimizer and its data.

    `layers` are the widths of the ReLU MLP, input first: (2, 5, 1) is Linear(2, 5) → ReLU →
    Linear(5, 1). With `model` "cnn" they are the MLP head after LeNet-5's convolutions
    (400 = 16 channels × 5 × 5 first); with "lstm", the head after the LSTM (HIDDEN_SIZE first).
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
    model: str = "mlp"  # one of MODELS

    def describe(self) -> str:
        """The model, loss, optimizer and data in one line, for the report."""
        linears = [f"Linear({a}, {b})" for a, b in zip(self.layers[:-1], self.layers[1:])]
        network = " → ReLU → ".join(linears)
        if self.model == "cnn":
            network = (f"LeNet-5 on {'×'.join(map(str, IMAGE_SHAPE))} images: {LENET} → "
                       f"{network}")
        elif self.model == "lstm":
            network = (f"LSTM({INPUT_SIZE}, {HIDDEN_SIZE}, num_layers={LSTM_LAYERS}, "
                       f"batch_first=True) on sequences of {SEQUENCE_LENGTH} steps of "
                       f"{INPUT_SIZE} features, the last step's output → {network}")
        loss = {"mse": "MSE loss", "cross_entropy": "softmax cross-entropy loss"}[self.loss]
        optimizer = (f"SGD with momentum {self.momentum:g}" if self.momentum
                     else "plain SGD")
        return (f"{network}, batch {self.batch}, {loss}, {optimizer} "
                f"(lr {self.lr:g}), float32, {self.n_batches} rotating minibatches")

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample: (features,), (channels, height, width) or (steps,
        features)."""
        return {"mlp": (self.layers[0],), "cnn": IMAGE_SHAPE,
                "lstm": (SEQUENCE_LENGTH, INPUT_SIZE)}[self.model]


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
        Config("cnn", (400, 120, 84, 10), batch=64, loss="cross_entropy", lr=0.01,
               momentum=0.9, n_batches=16, model="cnn",
               summary="the lesson after the MLP: convolutions and pooling (im2col and one "
                       "matrix product per layer), batch 64 of 28×28 images"),
        Config("lstm", (HIDDEN_SIZE, 10), batch=64, loss="cross_entropy", lr=0.01,
               momentum=0.9, n_batches=16, model="lstm",
               summary="the sequence lesson: 32 dependent steps per layer, each a small "
                       "matrix product and a few elementwise gates, forward and backward "
                       "through time"),
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

    `params` are [W1, b1, W2, b2, ...]: weights are (out, in), as in PyTorch's `nn.Linear`
    (convolution weights (out, in, k, k), as `nn.Conv2d`'s). `names` are their names in the
    model's `state_dict()`, the same in stir and PyTorch ("0.weight", "lstm.weight_ih_l0",
    ...). Engines must copy them, never train them in place.
    """

    config: Config
    xs: tuple[np.ndarray, ...]
    ts: tuple[np.ndarray, ...]
    params: tuple[np.ndarray, ...]
    names: tuple[str, ...] = ()

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
    """Standard normal inputs labelled by a fixed random linear teacher (argmax of x Aᵀ, x
    flattened), so the classes are learnable, as MNIST's are."""
    n_in, n_classes = int(np.prod(config.input_shape)), config.layers[-1]
    teacher = rng.standard_normal((n_classes, n_in), dtype=DTYPE)
    xs, ts = [], []
    for _ in range(config.n_batches):
        x = rng.standard_normal((config.batch, *config.input_shape), dtype=DTYPE)
        xs.append(x)
        ts.append((x.reshape(config.batch, n_in) @ teacher.T).argmax(axis=1)
                  .astype(TARGET_DTYPE))
    return xs, ts


def _uniform(rng: np.random.Generator, fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
    """U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default for the weights and biases of
    nn.Linear and nn.Conv2d (kaiming_uniform with a = sqrt(5)), and of nn.LSTM (fan_in the
    hidden size)."""
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(DTYPE)


def _linear_params(layers: tuple[int, ...], rng: np.random.Generator, first: int
                   ) -> tuple[list[np.ndarray], list[str]]:
    """The weights and biases of the MLP `layers`, named as in an nn.Sequential whose first
    Linear is module number `first` (every other module a ReLU)."""
    params, names = [], []
    for index, (fan_in, fan_out) in enumerate(zip(layers[:-1], layers[1:])):
        params += [_uniform(rng, fan_in, (fan_out, fan_in)), _uniform(rng, fan_in, (fan_out,))]
        names += [f"{first + 2 * index}.weight", f"{first + 2 * index}.bias"]
    return params, names


def _cnn_params(config: Config, rng: np.random.Generator
                ) -> tuple[list[np.ndarray], list[str]]:
    """LeNet-5's two convolutions (modules 0 and 3 of its nn.Sequential: conv, ReLU, pool),
    then the head (modules 7, 9, 11, after the Flatten at 6)."""
    params, names = [], []
    for index, (n_in, n_out, kernel, _) in enumerate(CONVOLUTIONS):
        fan_in = n_in * kernel * kernel
        params += [_uniform(rng, fan_in, (n_out, n_in, kernel, kernel)),
                   _uniform(rng, fan_in, (n_out,))]
        names += [f"{3 * index}.weight", f"{3 * index}.bias"]
    head, head_names = _linear_params(config.layers, rng, first=3 * len(CONVOLUTIONS) + 1)
    return params + head, names + head_names


def _lstm_params(config: Config, rng: np.random.Generator
                 ) -> tuple[list[np.ndarray], list[str]]:
    """nn.LSTM's weights in its own order (weight_ih, weight_hh, bias_ih, bias_hh of each
    layer; gates i, f, g, o stacked in the 4·hidden rows), then the head `fc`."""
    params, names = [], []
    hidden = HIDDEN_SIZE
    for layer in range(LSTM_LAYERS):
        n_in = INPUT_SIZE if layer == 0 else hidden
        params += [_uniform(rng, hidden, (4 * hidden, n_in)),
                   _uniform(rng, hidden, (4 * hidden, hidden)),
                   _uniform(rng, hidden, (4 * hidden,)), _uniform(rng, hidden, (4 * hidden,))]
        names += [f"lstm.{kind}_l{layer}"
                  for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    head, _ = _linear_params(config.layers, rng, first=0)
    return params + head, names + ["fc.weight", "fc.bias"]


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
    if config.model not in MODELS:
        raise ValueError(f"{config.name}: unknown model {config.model!r}")
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
    if config.model == "cnn":
        params, names = _cnn_params(config, rng)
    elif config.model == "lstm":
        params, names = _lstm_params(config, rng)
    else:
        params, names = _linear_params(config.layers, rng, first=0)
    return Problem(config=config, xs=tuple(xs), ts=tuple(ts), params=tuple(params),
                   names=tuple(names))
