"""The playground's network, optimizer, schedule, inputs, targets and loss, built from its
settings out of stir's public pieces.

Each layer, optimizer and schedule is a `Call`: a stir class and its arguments, which
`make` calls and `code` writes as Python text, so that the session (session.py) builds
exactly what the exported script (export.py) spells out. The network is TF Playground's:
Linear layers from the features through the hidden widths, each hidden one followed by
its activation (`activations`, else `activation`) and, when `dropout` > 0, a Dropout;
then the output: one unit (tanh for a classification under the square loss, a logit under
cross-entropy, linear for a regression) or K logits for K > 2 classes. A "maxout" layer is
not an activation after a Linear but a layer of its own, stir.nn.Maxout (seed 004's
y = max(W₁x + b₁, W₂x + b₂): MAXOUT_PIECES affine maps per unit), so each of its links
has one weight per piece (`link_values`). Weights are drawn uniformly from [-0.5, 0.5]
and biases are 0.1, as TF Playground's buildNetwork does (a maxout layer's pieces alike),
from a `stir.Generator` seeded by `seed`, which also drives Dropout, RReLU and APL.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from .. import Generator, Tensor, from_numpy, nn, optim
from ..nn import functional as F
from .settings import Settings

__all__ = [
    "GENERATOR", "MAXOUT_PIECES", "WEIGHTED_LAYERS", "Call", "activation_call", "affine",
    "build_network", "data_loss", "init_linears", "input_features", "layer_calls",
    "link_values", "linears", "optimizer_call", "output_kind", "penalty", "pieces",
    "schedule_call", "targets", "weighted_layers",
]

#: A maxout unit's affine maps: seed 004's two.
MAXOUT_PIECES = 2
#: The layers with weights: each is one "layer" of a weight edit and of a frame's weights.
WEIGHTED_LAYERS = (nn.Linear, nn.Maxout)


class _Generator:
    """Stands for the network's seeded generator among a Call's arguments."""

    def __repr__(self) -> str:
        return "generator"


#: The place of the seeded generator in a Call's arguments (written `generator`).
GENERATOR = _Generator()


@dataclasses.dataclass(frozen=True)
class Call:
    """A call of a stir class: `where` it lives (as the script imports it), the class, its
    positional and keyword arguments (GENERATOR for the network's generator).

    >>> call = Call("nn", nn.LeakyReLU, (0.2,))
    >>> call.code(), call.make()
    ('nn.LeakyReLU(0.2)', LeakyReLU(negative_slope=0.2))
    """

    where: str
    function: Callable[..., Any]
    positional: tuple[Any, ...] = ()
    keywords: tuple[tuple[str, Any], ...] = ()

    def make(self, *first: Any, generator: Generator | None = None) -> Any:
        """Call it, after the arguments `first` (the parameters, or the optimizer)."""
        def value(argument: Any) -> Any:
            return generator if argument is GENERATOR else argument
        return self.function(*first, *map(value, self.positional),
                             **{name: value(argument) for name, argument in self.keywords})

    def code(self, *first: str) -> str:
        """The call as Python text, after the argument texts `first`."""
        arguments = [*first, *map(repr, self.positional),
                     *(f"{name}={argument!r}" for name, argument in self.keywords)]
        return f"{self.where}.{self.function.__name__}({', '.join(arguments)})"


def activation_call(name: str, width: int) -> Call:
    """The activation `name` of a hidden layer of `width` units (leaky_relu: slope 0.2,
    seed 003's; apl: 2 hinges per unit).

    >>> activation_call("apl", 4).code()
    'nn.APL(num_hinges=2, num_features=4, generator=generator)'
    """
    plain = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity,
             "very_leaky_relu": nn.VeryLeakyReLU, "prelu": nn.PReLU, "elu": nn.ELU,
             "softplus": nn.Softplus, "centered_softplus": nn.CenteredSoftplus,
             "gelu": nn.GELU, "silu": nn.SiLU, "step": nn.Step, "sign": nn.Sign}
    if name in plain:
        return Call("nn", plain[name])
    if name == "leaky_relu":
        return Call("nn", nn.LeakyReLU, (0.2,))
    if name == "rrelu":
        return Call("nn", nn.RReLU, keywords=(("generator", GENERATOR),))
    if name == "apl":
        return Call("nn", nn.APL, keywords=(("num_hinges", 2), ("num_features", width),
                                            ("generator", GENERATOR)))
    if name == "maxout":  # (it holds its own affine maps: layer_calls makes it a layer)
        raise ValueError("activation_call: maxout is a layer (nn.Maxout), not an activation "
                         "after a Linear; layer_calls builds it")
    raise ValueError(f"activation_call: unknown activation {name!r}")


def output_kind(settings: Settings) -> str:
    """What the network's output is: "tanh" (a classification under the square loss, on
    [-1, 1]), "logit" (two classes under cross-entropy: P(class 1) = σ(z)), "logits" (K > 2
    classes: softmax) or "identity" (a regression's target).

    >>> output_kind(Settings()), output_kind(Settings(num_classes=3, loss="cross-entropy"))
    ('tanh', 'logits')
    """
    if settings.problem != "classification":
        return "identity"
    if settings.num_classes > 2:
        return "logits"
    return "logit" if settings.loss == "cross-entropy" else "tanh"


def layer_calls(settings: Settings, inputs: int) -> list[Call]:
    """The network's layers in order, from `inputs` features to its output.

    >>> [call.code() for call in layer_calls(Settings(network_shape=(3,)), 2)]
    ['nn.Linear(2, 3)', 'nn.Tanh()', 'nn.Linear(3, 1)', 'nn.Tanh()']
    >>> maxout = Settings(network_shape=(3,), activation="maxout")
    >>> [call.code() for call in layer_calls(maxout, 2)]
    ['nn.Maxout(2, 3, pieces=2)', 'nn.Linear(3, 1)', 'nn.Tanh()']
    """
    calls, width = [], inputs
    for hidden, name in zip(settings.network_shape, settings.layer_activations()):
        if name == "maxout":
            calls.append(Call("nn", nn.Maxout, (width, hidden), (("pieces", MAXOUT_PIECES),)))
        else:
            calls += [Call("nn", nn.Linear, (width, hidden)), activation_call(name, hidden)]
        if settings.dropout > 0:
            calls.append(Call("nn", nn.Dropout, (settings.dropout,),
                              (("generator", GENERATOR),)))
        width = hidden
    kind = output_kind(settings)
    calls.append(Call("nn", nn.Linear, (width, settings.num_classes if kind == "logits" else 1)))
    if kind == "tanh":
        calls.append(Call("nn", nn.Tanh))
    return calls


def weighted_layers(network: nn.Sequential) -> list[nn.Linear | nn.Maxout]:
    """The network's layers with weights, the first first: its Linear and Maxout layers
    (the "layer" of a weight edit and of a frame's "weights")."""
    return [module for module in network if isinstance(module, WEIGHTED_LAYERS)]


def affine(layer: nn.Linear | nn.Maxout) -> nn.Linear:
    """The Linear map of a weighted layer: itself, or a Maxout's, whose row j·pieces + k is
    piece k of unit j."""
    return layer.affine if isinstance(layer, nn.Maxout) else layer


def linears(network: nn.Sequential) -> list[nn.Linear]:
    """Every Linear map of the network, a Maxout's included, in order: one per weighted
    layer (what TF Playground's start and its L1/L2 penalty go over)."""
    return [affine(layer) for layer in weighted_layers(network)]


def pieces(layer: nn.Linear | nn.Maxout) -> int:
    """The weights on each of the layer's links: a Maxout's pieces, else 1."""
    return layer.pieces if isinstance(layer, nn.Maxout) else 1


def link_values(layer: nn.Linear | nn.Maxout, weight: np.ndarray,
                bias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weight (or gradient) of a weighted layer's Linear map and its bias, by link as
    the page draws them: (out, in) and (out,) for a Linear; for a Maxout, (out, in, pieces)
    and (out, pieces), [j, i, k] being piece k's weight from input i to unit j.

    >>> layer = nn.Maxout(3, 2, pieces=2)
    >>> weight, bias = link_values(layer, np.arange(12).reshape(4, 3), np.arange(4))
    >>> weight[1, 0].tolist(), bias[1].tolist()  # (unit 1's pieces: rows 2 and 3)
    ([6, 9], [2, 3])
    """
    if not isinstance(layer, nn.Maxout):
        return weight, bias
    out, count = layer.out_features, layer.pieces
    return (weight.reshape(out, count, layer.in_features).transpose(0, 2, 1),
            bias.reshape(out, count))


def init_linears(network: nn.Sequential, generator: Generator) -> None:
    """TF Playground's start: each Linear map's weights U(-0.5, 0.5) in order, biases 0.1."""
    for linear in linears(network):
        nn.init.uniform_(linear.weight, -0.5, 0.5, generator=generator)
        nn.init.constant_(linear.bias, 0.1)


def build_network(settings: Settings, inputs: int) -> tuple[nn.Sequential, Generator]:
    """The seeded network of `settings` on `inputs` features, and its generator (which its
    Dropout and RReLU layers go on drawing from).

    >>> network, _ = build_network(Settings(), 2)
    >>> float(network[0].bias[0]), len(network)
    (0.10000000149011612, 6)
    """
    generator = Generator().manual_seed(settings.seed)
    network = nn.Sequential(*(call.make(generator=generator)
                              for call in layer_calls(settings, inputs)))
    init_linears(network, generator)
    return network, generator


def optimizer_call(settings: Settings) -> Call:
    """The optimizer (its parameters go first): stir.optim's, with `learningRate`;
    momentum and Nesterov with momentum 0.9.

    >>> optimizer_call(Settings(optimizer="nesterov")).code("model.parameters()")
    'optim.SGD(model.parameters(), lr=0.03, momentum=0.9, nesterov=True)'
    """
    rate = (("lr", settings.learning_rate),)
    momentum = rate + (("momentum", 0.9),)
    calls = {"sgd": (optim.SGD, rate), "momentum": (optim.SGD, momentum),
             "nesterov": (optim.SGD, momentum + (("nesterov", True),)),
             "adam": (optim.Adam, rate), "adamw": (optim.AdamW, rate),
             "rmsprop": (optim.RMSprop, rate), "adagrad": (optim.Adagrad, rate)}
    function, keywords = calls[settings.optimizer]
    return Call("optim", function, keywords=keywords)


def schedule_call(settings: Settings) -> Call | None:
    """The learning-rate schedule (the optimizer goes first), stepped once per epoch, or
    None for "constant": step halves the rate every E = `scheduleEpochs` epochs, exponential
    multiplies it by 0.5^(1/E) each epoch, cosine anneals it to 0 over E epochs (and back up
    after, as PyTorch's), warmup ramps it linearly from a tenth over E epochs.

    >>> schedule_call(Settings(schedule="step", schedule_epochs=5)).code("optimizer")
    'optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)'
    """
    epochs, schedules = settings.schedule_epochs, optim.lr_scheduler
    calls = {"step": (schedules.StepLR, (("step_size", epochs), ("gamma", 0.5))),
             "exponential": (schedules.ExponentialLR, (("gamma", 0.5 ** (1 / epochs)),)),
             "cosine": (schedules.CosineAnnealingLR, (("T_max", epochs),)),
             "warmup": (schedules.LinearLR, (("start_factor", 0.1), ("total_iters", epochs)))}
    if settings.schedule == "constant":
        return None
    function, keywords = calls[settings.schedule]
    return Call("optim.lr_scheduler", function, keywords=keywords)


def input_features(points: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """The network's inputs at (n, 2) points (or (n, 1) for one input, with x₁'s features
    only): the named features, in order, as float32.

    >>> input_features(np.array([[2.0, 3.0]]), ("x", "xTimesY", "ySquared")).tolist()
    [[2.0, 6.0, 9.0]]
    """
    x1 = points[:, 0]
    x2 = points[:, 1] if points.shape[1] > 1 else None
    table = {"x": lambda: x1, "y": lambda: x2, "xSquared": lambda: x1 * x1,
             "ySquared": lambda: x2 * x2, "xTimesY": lambda: x1 * x2,
             "sinX": lambda: np.sin(x1), "sinY": lambda: np.sin(x2)}
    columns = [table[name]() for name in names]
    return np.stack(columns, axis=1).astype(np.float32) if columns else \
        np.zeros((len(points), 0), np.float32)


def targets(labels: np.ndarray, kind: str) -> Tensor:
    """What the loss compares the output with: class indices 0/1 as TF Playground's -1/+1
    ("tanh", float32 (n, 1)), as 0/1 ("logit"), as int64 (n,) ("logits"), or the target.

    >>> targets(np.array([0.0, 1.0]), "tanh").tolist()
    [[-1.0], [1.0]]
    """
    if kind == "logits":
        return from_numpy(labels.astype(np.int64))
    if kind == "tanh":
        return from_numpy((2 * labels - 1).astype(np.float32)[:, None])
    return from_numpy(labels.astype(np.float32)[:, None])


def data_loss(output: Tensor, target: Tensor, kind: str) -> Tensor:
    """The loss shown: TF Playground's ½(output − target)² averaged ("tanh", "identity"),
    binary cross-entropy of the logit ("logit") or softmax cross-entropy ("logits").

    >>> import stir
    >>> float(data_loss(stir.tensor([[0.0]]), stir.tensor([[1.0]]), "tanh"))
    0.5
    """
    if kind == "logits":
        return F.cross_entropy(output, target)
    if kind == "logit":
        return F.binary_cross_entropy_with_logits(output, target)
    return 0.5 * F.mse_loss(output, target)


def penalty(settings: Settings, network: nn.Sequential) -> Tensor | None:
    """TF Playground's regularization of the weights (not the biases; a maxout layer's every
    piece): rate·Σ|w| (L1) or rate·Σ½w² (L2), or None.

    >>> network, _ = build_network(Settings(network_shape=()), 2)
    >>> float(penalty(Settings(regularization="L1", regularization_rate=1.0), network)) > 0
    True
    """
    rate, kind = settings.regularization_rate, settings.regularization
    if kind == "none" or rate == 0:
        return None
    weights = [linear.weight for linear in linears(network)]
    return nn.l1_penalty(weights, rate) if kind == "L1" else nn.l2_penalty(weights, rate / 2)
