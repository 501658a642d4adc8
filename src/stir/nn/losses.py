"""Losses as modules: each holds its settings and calls the function of the same name in
`stir.nn.functional`, as PyTorch's `torch.nn` losses do.

Class weights are kept as a buffer named `weight` (so they are in the state dict, as in
PyTorch). Settings after the first are keyword-only: PyTorch's positional order includes
deprecated arguments (`size_average`, `reduce`), and a value meant for one must not land
silently in another.
"""

from __future__ import annotations

from typing import Any

from ..creation import tensor
from ..tensor import Tensor
from ..ops.losses import REDUCTIONS
from . import functional as F
from .module import Module


class _Loss(Module):
    """A loss module: its `reduction`, and a repr showing the settings that differ from the
    defaults."""

    _defaults: dict[str, Any] = {"reduction": "mean"}

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got {reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        return ", ".join(f"{name}={getattr(self, name)!r}" for name, default in
                         self._defaults.items() if getattr(self, name) != default)


class _WeightedLoss(_Loss):
    """A loss with optional per-class weights, kept as the buffer `weight`."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.register_buffer("weight", None if weight is None else tensor(weight))


class MSELoss(_Loss):
    """The mean squared error, the seeds' |y - ŷ|² cost: wraps `F.mse_loss` (its formula).

    >>> import stir
    >>> stir.nn.MSELoss()(stir.tensor([1.0, 3.0]), stir.tensor([0.0, 1.0]))
    tensor(2.5)
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """The mean absolute error: wraps `F.l1_loss`.

    >>> import stir
    >>> stir.nn.L1Loss()(stir.tensor([1.0, 3.0]), stir.tensor([0.0, 1.0]))
    tensor(1.5)
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """The Huber loss, quadratic near 0 and linear beyond `delta`: wraps `F.huber_loss`.

    >>> import stir
    >>> stir.nn.HuberLoss(delta=0.5)
    HuberLoss(delta=0.5)
    """

    _defaults = {"reduction": "mean", "delta": 1.0}

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """The smooth L1 loss, quadratic below `beta` and linear (slope 1) beyond: wraps
    `F.smooth_l1_loss`.

    >>> import stir
    >>> stir.nn.SmoothL1Loss(beta=0.5)(stir.tensor([0.25, 3.0]), stir.tensor([0.0, 0.0]))
    tensor(1.40625)
    """

    _defaults = {"reduction": "mean", "beta": 1.0}

    def __init__(self, *, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices or probabilities: wraps
    `F.cross_entropy` (its formula, weights, label smoothing and ignore_index).

    >>> import stir
    >>> loss = stir.nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> loss
    CrossEntropyLoss(label_smoothing=0.1)
    >>> round(loss(stir.tensor([[0.0, 0.0]]), stir.tensor([1])).item(), 4)     # ln 2
    0.6931
    """

    _defaults = {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.0}

    def __init__(self, weight: Any = None, *, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities at the target classes: wraps
    `F.nll_loss`.

    >>> import stir
    >>> stir.nn.NLLLoss()(stir.tensor([[-0.5, -1.0]]), stir.tensor([1]))
    tensor(1.)
    """

    _defaults = {"reduction": "mean", "ignore_index": -100}

    def __init__(self, weight: Any = None, *, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities (e.g. a sigmoid's output): wraps
    `F.binary_cross_entropy` (its clamp of the log at -100, as PyTorch).

    >>> import stir
    >>> stir.nn.BCELoss()(stir.tensor([0.5, 0.5]), stir.tensor([0.0, 1.0]))     # ln 2
    tensor(0.6931472)
    """

    def __init__(self, weight: Any = None, *, reduction: str = "mean") -> None:
        super().__init__(weight, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Binary cross-entropy of logits: wraps `F.binary_cross_entropy_with_logits`;
    `pos_weight` weighs the positive class (a buffer, like `weight`).

    >>> import stir
    >>> stir.nn.BCEWithLogitsLoss()(stir.tensor([-1e4, 1e4]), stir.tensor([0.0, 1.0]))
    tensor(0.)
    """

    def __init__(self, weight: Any = None, *, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", None if pos_weight is None else tensor(pos_weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class MultiMarginLoss(_WeightedLoss):
    """PyTorch's multiclass hinge loss: wraps `F.multi_margin_loss`.

    >>> import stir
    >>> stir.nn.MultiMarginLoss(p=2)
    MultiMarginLoss(p=2)
    """

    _defaults = {"reduction": "mean", "p": 1, "margin": 1.0}

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None, *,
                 reduction: str = "mean") -> None:
        super().__init__(weight, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: p must be 1 or 2, got {p}")
        self.p, self.margin = p, margin

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                   reduction=self.reduction)


class MultiClassHingeLoss(_Loss):
    """The multiclass SVM loss of seed 003 (not divided by the number of classes): wraps
    `F.multiclass_hinge_loss`.

    >>> import stir
    >>> stir.nn.MultiClassHingeLoss()(stir.tensor([[3.0, 5.0, -2.0]]), stir.tensor([0]))
    tensor(3.)
    """

    _defaults = {"reduction": "mean", "margin": 1.0}

    def __init__(self, margin: float = 1.0, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.multiclass_hinge_loss(input, target, self.margin, self.reduction)


SVMLoss = MultiClassHingeLoss  # the seed's name


class PerceptronLoss(_Loss):
    """The perceptron loss of seed 002, for labels in {-1, +1}: wraps `F.perceptron_loss`.

    >>> import stir
    >>> stir.nn.PerceptronLoss()(stir.tensor([2.0, -1.0]), stir.tensor([1.0, 1.0]))
    tensor(0.5)
    """

    def __init__(self, *, reduction: str = "mean") -> None:
        super().__init__(reduction)

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.perceptron_loss(input, target, self.reduction)


class CosineSimilarityLoss(_Loss):
    """Seed 004's cosine similarity made a loss to minimize: wraps
    `F.cosine_similarity_loss`.

    >>> import stir
    >>> stir.nn.CosineSimilarityLoss()(stir.tensor([[1.0, 0.0]]), stir.tensor([[0.0, 2.0]]))
    tensor(1.)
    """

    _defaults = {"reduction": "mean", "dim": 1, "eps": 1e-8}

    def __init__(self, dim: int = 1, eps: float = 1e-8, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.dim, self.eps = dim, eps

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cosine_similarity_loss(input, target, self.dim, self.eps, self.reduction)


class CosineEmbeddingLoss(_Loss):
    """PyTorch's cosine embedding loss, for pairs labelled 1 or -1: wraps
    `F.cosine_embedding_loss`.

    >>> import stir
    >>> stir.nn.CosineEmbeddingLoss(margin=0.5)
    CosineEmbeddingLoss(margin=0.5)
    """

    _defaults = {"reduction": "mean", "margin": 0.0}

    def __init__(self, margin: float = 0.0, *, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Any) -> Tensor:
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)
