"""Loss functions, as PyTorch's `torch.nn.functional` (and the seeds' SVM and perceptron losses).

Every loss takes `reduction`: "mean" (the default), "sum", or "none" (one loss per sample).
Regression losses need input and target of one shape: broadcasting them would silently
compare the wrong pairs. Classification losses take logits of shape (C,), (N, C) or
(N, C, d1, ...) and say precisely what is wrong with a target that does not fit (the checks
are in `loss_inputs.py`; the fused primitives in `stir.ops.losses`).
"""

from __future__ import annotations

from typing import Any

from ... import _array, ops
from ...ops.losses import (
    BinaryCrossEntropy, BinaryCrossEntropyWithLogits, HuberLoss, MSELoss, SoftmaxCrossEntropy,
    SoftmaxCrossEntropyProbabilities, check_class_indices,
)
from ...tensor import Tensor, as_tensor
from . import loss_inputs as inputs

# ----------------------------------------------------------------------------- regression
# `size_average` and `reduce` are PyTorch's deprecated spellings of `reduction`, in its
# positions (see `loss_inputs.legacy_reduction`).
def mse_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Any = None) -> Tensor:
    """The squared error w·(input - target)², averaged over all elements (`mean`), summed
    (`sum`) or not (`none`); `weight` w (of the input's shape) is 1 by default, and with it
    the mean is Σ w·L / Σ w, as PyTorch 2.13.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.mse_loss(stir.tensor([1.0, 3.0]), stir.tensor([0.0, 1.0]))
    tensor(2.5)
    """
    reduction = inputs.legacy_reduction("mse_loss", size_average, reduce, reduction)
    if weight is not None:
        x, target = inputs.pair("mse_loss", input, target)
        weight = inputs.elementwise_weight("mse_loss", weight, x)
        difference = x - target
        return _weighted(difference * difference, weight, reduction)
    if not isinstance(input, Tensor):
        input = Tensor(input)
    if not isinstance(target, Tensor):
        target = Tensor(inputs.beside(target, input))
    dtype = input.array.dtype
    if target.array.dtype != dtype and _array.kind(dtype) == "f":
        target = target.to(dtype)  # as the other losses: float32 stays float32
    return MSELoss.apply(input, target, reduction)


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Any = None) -> Tensor:
    """The absolute error w·|input - target|, reduced; its gradient is w·sign(input - target),
    0 where they are equal (as PyTorch).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.l1_loss(stir.tensor([1.0, 3.0]), stir.tensor([0.0, 1.0]))
    tensor(1.5)
    """
    reduction = inputs.legacy_reduction("l1_loss", size_average, reduce, reduction)
    x, target = inputs.pair("l1_loss", input, target)
    losses = (x - target).abs()
    if weight is not None:
        return _weighted(losses, inputs.elementwise_weight("l1_loss", weight, x), reduction)
    return inputs.reduce(losses, reduction)


def _weighted(losses: Tensor, weight: Any, reduction: str) -> Tensor:
    """w·L reduced as PyTorch 2.13's mse_loss and l1_loss do: the mean is Σ w·L / Σ w (the
    weighted mean; huber_loss divides by the number of elements instead)."""
    weighted = losses * weight
    if reduction != "mean":
        return inputs.reduce(weighted, reduction)
    return weighted.sum() * (1 / _array.namespace(weight).sum(weight))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0, weight: Any = None) -> Tensor:
    """The Huber loss of d = input - target: ½d² where |d| < δ, else δ(|d| - ½δ), reduced.
    Quadratic near 0, linear (slope δ) beyond δ, so outliers pull less than in MSE.
    dL/dd = d where |d| < δ, else δ·sign(d): ±δ at d = ±∞ as in PyTorch (NaN at d = NaN).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.huber_loss(stir.tensor([0.5, 3.0]), stir.tensor([0.0, 0.0]), reduction="none")
    tensor([0.125, 2.5  ])
    """
    inputs.check_reduction("huber_loss", reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    x, target = inputs.pair("huber_loss", input, target)
    if weight is not None:
        weight = inputs.elementwise_weight("huber_loss", weight, x)
        return inputs.reduce(HuberLoss.apply(x, target, "none", float(delta)) * weight,
                             reduction)
    return HuberLoss.apply(x, target, reduction, float(delta))


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """The smooth L1 loss of d = input - target: ½d²/β where |d| < β, else |d| - ½β, reduced;
    the Huber loss with δ = β divided by β (so its slope far out is 1), and the L1 loss at
    β = 0. dL/dd = clip(d/β, -1, 1).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.smooth_l1_loss(stir.tensor([0.5, 3.0]), stir.tensor([0.0, 0.0]), reduction="none")
    tensor([0.125, 2.5  ])
    """
    reduction = inputs.legacy_reduction("smooth_l1_loss", size_average, reduce, reduction)
    if beta < 0:
        raise ValueError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    x, target = inputs.pair("smooth_l1_loss", input, target)
    return HuberLoss.apply(x, target, reduction, float(beta)) * (1 / beta)


# ----------------------------------------------------------------------------- classification
def cross_entropy(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """The cross-entropy of logits against class indices or class probabilities, as PyTorch:
    Lᵢ = -Σ_c qᵢc log softmax(xᵢ)_c, softmax computed stably (x - max - log Σ exp(x - max)).

    `target` is either class indices (integers: shape (N,) for logits (N, C), (N, d1, ...)
    for (N, C, d1, ...)) with q the one-hot target, or class probabilities (floats, the
    logits' shape) with q = target. `label_smoothing` ε mixes q with the uniform distribution:
    (1-ε)q + ε/C. Class `weight`s w scale each class; with indices, the mean is the weighted
    mean Σ Lᵢ / Σ w_{tᵢ} over the samples whose target is not `ignore_index` (those count 0).
    Class weights are constants: no gradient flows to them.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> logits = stir.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    >>> losses = F.cross_entropy(logits, stir.tensor([0, 2]), reduction="none")
    >>> [round(loss, 4) for loss in losses.tolist()]       # ln(1 + 2e⁻²), ln 3
    [0.2395, 1.0986]
    """
    logits = input if type(input) is Tensor else as_tensor(input)
    if isinstance(size_average, str):  # stir's older order: weight, reduction, smoothing, ignore
        if ignore_index != -100:
            label_smoothing, ignore_index = ignore_index, -100
        if reduce is not None:
            ignore_index, reduce = reduce, None
    _check_ignore_index("cross_entropy", ignore_index, reduce)
    reduction = inputs.legacy_reduction("cross_entropy", size_average, reduce, reduction)
    classes = inputs.classes_of("cross_entropy", logits)
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    if weight is not None:
        weight = inputs.class_weight("cross_entropy", weight, classes, logits)
    values = target.array if type(target) is Tensor else _array.as_array(target)
    if _array.kind(values.dtype) == "f":
        return _cross_entropy_probabilities(logits, target, weight, reduction, label_smoothing)
    indices = inputs.index_target("cross_entropy", values, logits)
    rows, flat, shape = inputs.index_rows("cross_entropy", logits, indices)
    # The primitive checks the class indices itself, so that a replay by stir.compile does.
    loss = SoftmaxCrossEntropy.apply(rows, flat, weight, float(label_smoothing), ignore_index,
                                     reduction)
    return loss.reshape(shape) if reduction == "none" and loss.shape != shape else loss


def _check_ignore_index(name: str, ignore_index: Any, reduce: Any) -> None:
    """An integer ignore_index, and no stray positional value: stir's older positional order
    (weight, reduction, label_smoothing, ignore_index) is not PyTorch's."""
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, int) or (
            reduce is not None and not isinstance(reduce, bool)):
        raise TypeError(
            f"{name}: ignore_index must be an integer, got {ignore_index!r} (and reduce, if "
            f"given, a bool, got {reduce!r}); PyTorch's order after weight is size_average, "
            "ignore_index, reduce, reduction, label_smoothing: pass the settings by keyword")


def _cross_entropy_probabilities(logits: Tensor, target: Any, weight: Any,
                                 reduction: str, label_smoothing: float) -> Tensor:
    if not isinstance(target, Tensor):
        target = Tensor(inputs.beside(target, logits, logits.dtype))
    elif target.dtype != logits.dtype:
        target = target.to(logits.dtype)
    if target.shape != logits.shape:
        raise ValueError(
            f"cross_entropy: a float target is read as class probabilities and must have the "
            f"logits' shape {tuple(logits.shape)}; got {tuple(target.shape)} (pass class "
            "indices as an integer tensor)"
        )
    inputs.check_finite("cross_entropy", "the target (class probabilities)", target.array)
    loss = SoftmaxCrossEntropyProbabilities.apply(
        inputs.rows(logits), inputs.rows(target), weight, float(label_smoothing), reduction)
    shape = logits.shape[:1] + logits.shape[2:] if logits.ndim > 1 else ()
    return loss.reshape(shape) if reduction == "none" and loss.shape != shape else loss


def nll_loss(input: Tensor, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood of log-probabilities (e.g. from log_softmax) at the target
    classes, Lᵢ = -w_{tᵢ} · input[i, tᵢ], with PyTorch's weighted mean Σ Lᵢ / Σ w_{tᵢ} and
    `ignore_index`. Shapes as in `cross_entropy` with class indices.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.nll_loss(stir.tensor([[-0.5, -1.0], [-2.0, -0.1]]), stir.tensor([0, 0]))
    tensor(1.25)
    """
    log_probabilities = as_tensor(input)
    _check_ignore_index("nll_loss", ignore_index, reduce)
    reduction = inputs.legacy_reduction("nll_loss", size_average, reduce, reduction)
    classes = inputs.classes_of("nll_loss", log_probabilities)
    weight = inputs.class_weight("nll_loss", weight, classes, log_probabilities)
    indices = inputs.index_target("nll_loss", target, log_probabilities)
    rows, flat, shape = inputs.index_rows("nll_loss", log_probabilities, indices)
    ignored = check_class_indices("nll_loss", flat, classes, ignore_index)
    xp, device = _array.namespace(flat), _array.device(flat)
    kept = xp.ones(flat.shape, dtype=rows.dtype, device=device) if ignored is None else (
        xp.astype(xp.logical_not(ignored), rows.dtype))
    if ignored is not None:
        flat = xp.where(ignored, 0, flat)
    target_weight = kept if weight is None else weight[flat] * kept
    losses = rows[xp.arange(flat.shape[0], device=device), flat] * -target_weight
    if reduction == "none":
        return losses.reshape(shape)
    total = losses.sum()
    if reduction == "sum":
        return total
    denominator = xp.sum(target_weight)
    return total * (1 / denominator) if denominator else total * float("nan")


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Any = None,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities x in [0, 1] against targets y in [0, 1]:
    L = -w·[y·log x + (1-y)·log(1-x)], each log clamped at -100 as PyTorch does (so x = 0 or
    1 gives a finite loss); dL/dx = w·(x - y) / max(x(1-x), 1e-12). `weight` w broadcasts
    against x and is a constant. On logits, `binary_cross_entropy_with_logits` is stabler.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.binary_cross_entropy(stir.tensor([0.5, 1.0, 0.0]), stir.tensor([1.0, 1.0, 1.0]),
    ...                        reduction="none")     # ln 2, 0 (-0, as PyTorch's), the clamp's 100
    tensor([  0.6931472,  -0.       , 100.       ])
    """
    name = "binary_cross_entropy"
    reduction = inputs.legacy_reduction(name, size_average, reduce, reduction)
    x, target = inputs.pair(name, input, target)
    for what, values in (("input", x.array), ("target", target.array)):
        if not inputs.every((values >= 0) & (values <= 1)):
            raise ValueError(f"{name}: all elements of {what} should be between 0 and 1")
    array = inputs.constant(name, "weight", weight, x)
    if array is not None and inputs.broadcast(array.shape, x.shape) != x.shape:
        raise ValueError(f"{name}: weight of shape {tuple(array.shape)} does not broadcast to "
                         f"the input's shape {tuple(x.shape)}")
    return BinaryCrossEntropy.apply(x, target, array, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Binary cross-entropy of logits x against targets y in [0, 1], computed stably:
    L = w·[max(x, 0) - x·y + log(1 + e^(-|x|))], finite for logits of any size.

    `pos_weight` p weighs the positive term: L = w·[(1-y)·x + (1 + (p-1)·y)·log(1 + e^(-x))];
    `weight` w and p broadcast against x (p per class along the last dimension) and are
    constants: no gradient flows to them.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(stir.tensor([0.0, 1000.0]), stir.tensor([1.0, 1.0]),
    ...                                    reduction="none")       # ln 2, and 0 (not nan)
    tensor([0.6931472, 0.       ])
    """
    name = "binary_cross_entropy_with_logits"
    if isinstance(size_average, str) and reduce is not None and not isinstance(reduce, bool):
        pos_weight, reduce = reduce, None  # stir's older order: weight, reduction, pos_weight
    reduction = inputs.legacy_reduction(name, size_average, reduce, reduction)
    x, target = inputs.pair(name, input, target)
    inputs.check_finite(name, "the target", target.array)
    constants = []
    for what, value in (("weight", weight), ("pos_weight", pos_weight)):
        array = inputs.constant(name, what, value, x)
        if array is not None and inputs.broadcast(array.shape, x.shape) != x.shape:
            raise ValueError(f"{name}: {what} of shape {tuple(array.shape)} does not "
                             f"broadcast to the input's shape {tuple(x.shape)}")
        constants.append(array)
    return BinaryCrossEntropyWithLogits.apply(x, target, *constants, reduction)


# ----------------------------------------------------------------------------- hinge losses
def _hinge_terms(name: str, input: Tensor, target: Any, margin: float, p: int,
                 weight: Any) -> tuple[Tensor, tuple[int, ...]]:
    """max(0, margin - s_{tᵢ} + s_j)^p for every sample i and class j ≠ tᵢ (0 at j = tᵢ),
    scaled by w_{tᵢ}; with the shape of one loss per sample."""
    scores = as_tensor(input)
    classes = inputs.classes_of(name, scores)
    if scores.ndim > 2:
        raise ValueError(f"{name}: input must have shape (C,) or (N, C); got {tuple(scores.shape)}")
    weight = inputs.class_weight(name, weight, classes, scores)
    rows, flat, shape = inputs.index_rows(name, scores,
                                          inputs.index_target(name, target, scores))
    check_class_indices(name, flat, classes)
    xp, count = _array.namespace(flat), flat.shape[0]
    correct = rows[xp.arange(count, device=_array.device(flat)), flat].reshape(count, 1)
    hinge = (rows - correct + margin).relu()
    if p == 2:
        hinge = hinge * hinge
    others = xp.astype(xp.logical_not(_array.class_mask(flat, classes)), rows.dtype)  # 0 at tᵢ
    if weight is not None:
        others *= weight[flat][..., None]
    return hinge * others, shape


def multi_margin_loss(input: Tensor, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Any = None, size_average: Any = None, reduce: Any = None,
                      reduction: str = "mean") -> Tensor:
    """PyTorch's multiclass hinge loss: Lᵢ = (1/C) Σ_{j ≠ tᵢ} w_{tᵢ}·max(0, margin - s_{tᵢ} + s_j)^p
    for scores s of shape (N, C) (or (C,)) and class indices t; p is 1 or 2. This is the
    seed-003 SVM loss divided by C; `multiclass_hinge_loss` is the seed's form.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.multi_margin_loss(stir.tensor([[3.0, 5.0, -2.0]]), stir.tensor([0]))    # (3 + 0) / 3
    tensor(1.)
    """
    reduction = inputs.legacy_reduction("multi_margin_loss", size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")
    terms, shape = _hinge_terms("multi_margin_loss", input, target, margin, p, weight)
    losses = terms.sum(axis=1) * (1 / terms.shape[1])
    return inputs.reduce(losses.reshape(shape), reduction)


def multiclass_hinge_loss(input: Tensor, target: Any, margin: float = 1.0,
                          reduction: str = "mean") -> Tensor:
    """The multiclass SVM loss of seed 003: Lᵢ = Σ_{j ≠ tᵢ} max(0, s_j - s_{tᵢ} + margin), not
    divided by the number of classes (PyTorch's `multi_margin_loss` divides by C); the mean
    over samples is the seed's L = (1/N) Σ Lᵢ (add the regularization R(W) separately).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> scores = stir.tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    >>> losses = F.multiclass_hinge_loss(scores, stir.tensor([0, 1, 2]), reduction="none")
    >>> [round(loss, 4) for loss in losses.tolist()]
    [2.9, 0.0, 12.9]
    """
    inputs.check_reduction("multiclass_hinge_loss", reduction)
    terms, shape = _hinge_terms("multiclass_hinge_loss", input, target, margin, 1, None)
    return inputs.reduce(terms.sum(axis=1).reshape(shape), reduction)


svm_loss = multiclass_hinge_loss  # the seed's name


def perceptron_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """The perceptron loss of seed 002, max(0, -y·s), for scores s and labels y in {-1, +1}:
    zero for a correct side, the score's size for a mistake; its gradient -y on mistakes
    is the perceptron's update (0 at s = 0, as for ReLU).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.perceptron_loss(stir.tensor([2.0, -0.5, 1.5]), stir.tensor([1, 1, -1]), "none")
    tensor([0. , 0.5, 1.5])
    """
    inputs.check_reduction("perceptron_loss", reduction)
    scores, labels = inputs.pair("perceptron_loss", input, target)
    values = labels.array
    valid = (values == 1) | (values == -1)
    if not inputs.every(valid):
        wrong = inputs.number(values[_array.namespace(valid).logical_not(valid)][0])
        raise ValueError(f"perceptron_loss: labels must be -1 or +1, got {wrong}")
    return inputs.reduce((-(labels * scores)).relu(), reduction)


# ----------------------------------------------------------------------------- similarity
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos θ = Σ (x1/‖x1‖)·(x2/‖x2‖) along `dim`, each norm at least eps (as PyTorch; the
    inputs broadcast). Normalizing first keeps the result in [-1, 1].

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x1 = stir.tensor([[1.0, 0.0], [0.0, 3.0], [1.0, 0.0]])
    >>> x2 = stir.tensor([[2.0, 0.0], [0.0, -2.0], [0.0, 5.0]])
    >>> F.cosine_similarity(x1, x2)
    tensor([ 1., -1.,  0.])
    """
    a, b = as_tensor(x1), as_tensor(x2)
    shape = inputs.broadcast(a.shape, b.shape)
    if shape is None:
        raise ValueError(f"cosine_similarity: shapes {tuple(a.shape)} and {tuple(b.shape)} "
                         "do not broadcast")
    if not -len(shape) <= dim < max(len(shape), 1):
        raise ValueError(f"cosine_similarity: dim {dim} is out of range for shape {shape}")
    unit = []
    for x in (a, b):
        x = x if x.shape == shape else x.expand(shape)
        # The clip is on ‖x‖², so a zero vector gets no infinite gradient from the square root.
        norm = (x * x).sum(axis=dim, keepdims=True).clip(min=eps * eps).sqrt()
        unit.append(x / norm)
    return (unit[0] * unit[1]).sum(axis=dim)


def cosine_similarity_loss(input: Tensor, target: Tensor, dim: int = 1, eps: float = 1e-8,
                           reduction: str = "mean") -> Tensor:
    """1 - cos θ between each prediction and its target along `dim`, reduced: 0 for the same
    direction, 2 for opposite ones. Seed 004's cosine similarity L = (1/s) Σ cos θᵢ is a score
    to maximize; this loss is 1 - L with the mean reduction.

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.cosine_similarity_loss(stir.tensor([[1.0, 0.0], [2.0, 0.0]]),
    ...                          stir.tensor([[3.0, 0.0], [0.0, 1.0]]))    # (0 + 1) / 2
    tensor(0.5)
    """
    inputs.check_reduction("cosine_similarity_loss", reduction)
    x, target = inputs.pair("cosine_similarity_loss", input, target)
    return inputs.reduce(1 - cosine_similarity(x, target, dim, eps), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Any, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Tensor:
    """PyTorch's cosine embedding loss, for pairs labelled y = 1 (similar) or -1 (dissimilar):
    L = 1 - cos θ where y = 1, max(0, cos θ - margin) where y = -1; cos θ over the last
    dimension of inputs of shape (N, D) or (D,), as x1·x2 / √((‖x1‖² + 1e-12)(‖x2‖² + 1e-12)).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> a, b = stir.tensor([[1.0, 0.0], [0.0, 3.0]]), stir.tensor([[0.0, 2.0], [0.0, 1.0]])
    >>> F.cosine_embedding_loss(a, b, stir.tensor([1, -1]), margin=0.5, reduction="none")
    tensor([1. , 0.5])
    """
    name = "cosine_embedding_loss"
    reduction = inputs.legacy_reduction(name, size_average, reduce, reduction)
    x1, x2 = inputs.pair(name, input1, input2)
    labels = inputs.beside(target, x1)
    if x1.ndim not in (1, 2) or labels.shape != x1.shape[:-1]:
        raise ValueError(f"{name}: inputs must have shape (N, D) or (D,) with a target of "
                         f"shape (N,) or (); got {tuple(x1.shape)} and target "
                         f"{tuple(labels.shape)}")
    if not inputs.every((labels == 1) | (labels == -1)):
        raise ValueError(f"{name}: target labels must be 1 or -1, got "
                         f"{inputs.distinct(labels)}")
    products = (x1 * x2).sum(axis=-1)
    squares = ((x1 * x1).sum(axis=-1) + 1e-12) * ((x2 * x2).sum(axis=-1) + 1e-12)
    cosine = products / squares.sqrt()
    losses = ops.where(labels == 1, 1 - cosine, (cosine - margin).clip(min=0))
    return inputs.reduce(losses, reduction)


# ----------------------------------------------------------------------------- encoding
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices of any shape as one-hot vectors: shape (*, C), int64, 1 at each index.
    C is `num_classes`, or the largest index + 1 when it is -1 (as PyTorch).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.one_hot(stir.tensor([0, 2]), num_classes=3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    indices = tensor.array if isinstance(tensor, Tensor) else _array.as_array(tensor)
    if _array.kind(indices.dtype) not in "iu":
        raise ValueError(f"one_hot: needs an integer tensor of class indices, got {indices.dtype}")
    xp = _array.namespace(indices)
    if num_classes == -1:
        if indices.size == 0:
            raise ValueError("one_hot: cannot infer the number of classes from an empty tensor; "
                             "pass num_classes")
        num_classes = int(xp.max(indices)) + 1
    if num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be positive (or -1), got {num_classes}")
    flat = xp.reshape(indices, (-1,))
    check_class_indices("one_hot", flat, num_classes)
    encoded = xp.astype(_array.class_mask(flat, num_classes), xp.int64)
    return Tensor(xp.reshape(encoded, indices.shape + (num_classes,)))
