"""Loss primitives: each loss's maths fused into one node, for speed and stability.

MSE and Huber are one node instead of difference, square (or clip) and mean. Cross-entropy
from class indices is on every classifier's hot path; it and the binary loss are also
numerically stable: every exponential is of a number ≤ 0 (logits minus their row maximum;
e^(-|x|) for the binary loss), so none overflows at any logit size. Those of very negative
numbers underflow to 0, which is the right answer; NumPy's underflow flag is silenced around
them so that code run under `np.errstate(all="raise")` still works.

They compute through `_array.namespace(x)`, so they run on any array-API array. The few
faster forms NumPy has that the standard lacks (a flat take and put with cached row starts,
BLAS's `vdot`, a view as unsigned) are the seam's: `_array.pick_per_row`, `add_per_row`,
`softmax_parts`, `sum_of_squares` and `indices_below` compute the same maths on any array.

These primitives trust their arguments' shapes and dtypes: `stir.nn.functional` checks them
first and says what is wrong in the words of the loss the user called. Class indices are
checked here, as they are values: a step replayed by `stir.compile` checks them too.
"""

from __future__ import annotations

import math
from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor
from . import dual
from .primitive import Primitive


REDUCTIONS = ("mean", "sum", "none")


class MSELoss(Primitive):
    """L = reduce((x - t)²) with reduce = mean, sum or none;
    dL/dx = 2(x - t)·g / n (n = number of elements for the mean, 1 otherwise), dL/dt = -dL/dx.

    A primitive for speed: one node instead of difference, square and mean.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, target: Tensor, reduction: str) -> Any:
        if reduction not in REDUCTIONS:
            raise ValueError(f"mse_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        x_data, target_data = x.array, target.array
        if x_data.shape != target_data.shape:
            raise ValueError(
                f"mse_loss: input of shape {tuple(x.shape)} and target of shape "
                f"{tuple(target.shape)} differ; broadcasting them would silently compare the "
                "wrong pairs"
            )
        ctx.save_for_backward(x, target)
        difference = x_data - target_data
        count = difference.size
        ctx.reduction, ctx.count = reduction, count
        ctx.difference = difference  # reused by an ordinary backward (on arrays)
        if reduction == "none":
            return difference * difference
        return _array.sum_of_squares(difference, count if reduction == "mean" else None)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, target = ctx.saved_tensors
        need_x, need_t, _ = ctx.needs_input_grad
        # On tensors (a recorded backward) the difference is recomputed, so that a second
        # derivative sees how it depends on x and t; on arrays the forward's is reused.
        scale = 2.0 / ctx.count if ctx.reduction == "mean" else 2.0
        if isinstance(x, Tensor):
            difference, factor = x - target, grad_output * scale
        else:
            difference = ctx.difference
            # A 0-d gradient as NumPy's scalar: the same product, without a ufunc call.
            factor = (grad_output[()] if grad_output.ndim == 0 else grad_output) * scale
        grad_x = difference * factor
        return grad_x if need_x else None, -grad_x if need_t else None, None


class HuberLoss(Primitive):
    """L = reduce(h(x - t)), h(d) = ½d² where |d| < δ, else δ(|d| - ½δ); with reduce = mean,
    sum or none, dL/dx = clip(d, -δ, δ)·g / n (n as for MSELoss), dL/dt = -dL/dx.

    A primitive for speed (one node instead of seven) and for the gradient at d = ±∞, which
    clip gives as ±δ (PyTorch's) where a composition meets 0·∞ = NaN.
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, target: Tensor, reduction: str, delta: float) -> Any:
        difference = x.array - target.array
        xp = _array.namespace(difference)
        size = xp.abs(difference)
        # NaN compares false: the linear branch, NaN
        with _array.errstate(invalid="ignore"):
            losses = xp.where(size < delta, 0.5 * difference * difference,
                              delta * (size - 0.5 * delta))
        ctx.save_for_backward(x, target)
        ctx.reduction, ctx.delta, ctx.count = reduction, delta, difference.size
        ctx.clipped = xp.clip(difference, -delta, delta)  # reused by an ordinary backward
        if reduction == "none":
            return losses
        total = xp.sum(losses)
        return xp.asarray(total * (1.0 / ctx.count) if reduction == "mean" else total)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        x, target = ctx.saved_tensors
        need_x, need_t, _, _ = ctx.needs_input_grad
        scale = 1.0 / ctx.count if ctx.reduction == "mean" else 1.0
        if isinstance(x, Tensor):  # recorded: a second derivative sees clip's own
            clipped, factor = (x - target).clip(-ctx.delta, ctx.delta), grad_output * scale
        else:
            clipped = ctx.clipped
            factor = (grad_output[()] if grad_output.ndim == 0 else grad_output) * scale
        grad_x = clipped * factor
        return grad_x if need_x else None, -grad_x if need_t else None, None, None


def check_class_indices(name: str, target: Any, classes: int,
                        ignore_index: int | None = None) -> Any:
    """Raise for a class index outside [0, classes) (ignore_index excepted); return the mask
    of ignored entries, or None when there are none."""
    if _array.indices_below(target, classes):
        if ignore_index is None or not 0 <= ignore_index < classes:
            return None
        ignored = target == ignore_index
        return ignored if _array.namespace(ignored).any(ignored) else None
    xp = _array.namespace(target)
    # No unsigned index equals a negative ignore_index (and the standard compares neither).
    ignores = ignore_index is not None and not (
        ignore_index < 0 and _array.kind(target.dtype) == "u")
    ignored = target == ignore_index if ignores else None
    outside = (target < 0) | (target >= classes)
    bad = target[outside if ignored is None else outside & xp.logical_not(ignored)]
    if bad.size:
        allowed = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
        raise ValueError(
            f"{name}: target {int(bad[0])} is out of range for {classes} classes; class "
            f"indices must be in [0, {classes}){allowed}"
        )
    return ignored


def _reduced(losses: Any, reduction: str, denominator: Any, xp: Any) -> Any:
    """The losses reduced, by the namespace xp of their array."""
    if reduction == "none":
        return losses
    total = xp.sum(losses)
    if reduction == "sum":
        return total
    # no sample counts (all ignored, or none): nan, as PyTorch
    return total * (1 / denominator) if denominator else total * math.nan


def _scale(grad_output: Any, reduction: str, denominator: Any) -> Any:
    """The upstream gradient for each row: g/D (mean), g (sum), or g_i as a column (none)."""
    if reduction == "none":
        return dual.reshape(grad_output, (-1, 1))
    if reduction == "sum":
        return grad_output
    return grad_output * (1 / denominator) if denominator else grad_output * math.nan


def _log_softmax(x: Any) -> Any:
    """log softmax over axis 1, for a backward recorded on tensors."""
    return x - x.logsumexp(axis=1, keepdims=True)


class SoftmaxCrossEntropy(Primitive):
    """Cross-entropy of logits x (n, c) against class indices t (n,), with PyTorch's class
    weights w, label smoothing ε and ignored rows:

        L_i = -Σ_c q_ic log softmax(x_i)_c,   q_ic = (1-ε)·w_{t_i}·[c = t_i] + (ε/c)·w_c,

    q_i = 0 for ignored rows; reduce = Σ L_i / Σ_i w_{t_i} (mean over the rows kept),
    Σ L_i (sum) or L (none).  dL_i/dx_i = (Σ_c q_ic)·softmax(x_i) - q_i; without weights or
    smoothing that is softmax(x_i) - onehot(t_i).

    A primitive for speed and stability: log softmax is x - m - log Σ exp(x - m) with m the
    row maximum, and its exponentials are reused by an ordinary backward.
    """

    @staticmethod
    def forward(ctx: Context, logits: Tensor, target: Any, weight: Any,
                label_smoothing: float, ignore_index: int | None, reduction: str) -> Any:
        x = logits.array
        n, c = x.shape
        ignored = check_class_indices("cross_entropy", target, c, ignore_index)
        ctx.save_for_backward(logits)
        top, exps, totals = _array.softmax_parts(x)
        ctx.reduction, ctx.target, ctx.exps, ctx.totals = reduction, target, exps, totals
        xp, device = _array.namespace(x), _array.device(x)
        if weight is None and label_smoothing == 0 and ignored is None:
            ctx.mixture, ctx.denominator = None, n
            losses = xp.log(totals)
            # x_t - m first: exact when the target is the largest logit, however large
            losses -= _array.pick_per_row(x, target) - top
            return _reduced(losses, reduction, n, xp)
        # The general case: every row's target distribution q as a matrix.
        kept = xp.ones(n, dtype=x.dtype, device=device) if ignored is None else xp.astype(
            xp.logical_not(ignored), x.dtype)
        safe_target = target if ignored is None else xp.where(ignored, 0, target)
        class_weight = xp.ones(c, dtype=x.dtype, device=device) if weight is None else weight
        target_weight = class_weight[safe_target] * kept
        mixture = xp.zeros((n, c), dtype=x.dtype, device=device)
        if label_smoothing:
            mixture += (label_smoothing / c) * class_weight
            mixture *= kept[..., None]
        # Each row's target entry gains (1-ε)·w_t.
        mixture = _array.add_per_row(mixture, safe_target, (1 - label_smoothing) * target_weight)
        ctx.mixture, ctx.mixture_sums = mixture, xp.sum(mixture, axis=1)
        ctx.denominator = xp.sum(target_weight)
        shifted = x - top[..., None]
        losses = ctx.mixture_sums * xp.log(totals) - xp.sum(mixture * shifted, axis=1)
        return _reduced(losses, reduction, ctx.denominator, xp)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        logits, = ctx.saved_tensors
        mixture = ctx.mixture
        if isinstance(logits, Tensor):  # recorded: a differentiable softmax
            if mixture is None:
                raw = logits.array
                mixture = _array.namespace(raw).astype(
                    _array.class_mask(ctx.target, logits.shape[1]), raw.dtype)
                sums: Any = 1
            else:
                sums = ctx.mixture_sums[..., None]
            probabilities = dual.exp(_log_softmax(logits))
            scale = _scale(grad_output, ctx.reduction, ctx.denominator)
            return (probabilities * sums - mixture) * scale, None, None, None, None, None
        exps = ctx.exps
        with _array.errstate(under="ignore"):
            if mixture is None:  # (softmax - onehot)·g, with g per row
                # (g/n as a Python float: rounded once, in float64, as before the seam)
                rows = grad_output if ctx.reduction == "none" else float(grad_output) * (
                    1 / ctx.denominator if ctx.reduction == "mean" else 1)
                grad = exps * (rows / ctx.totals)[..., None]
                grad = _array.add_per_row(grad, ctx.target, -rows)
            else:
                grad = exps * (ctx.mixture_sums / ctx.totals)[..., None] - mixture
                grad *= _scale(grad_output, ctx.reduction, ctx.denominator)
        return grad, None, None, None, None, None


class SoftmaxCrossEntropyProbabilities(Primitive):
    """Cross-entropy of logits x (n, c) against class probabilities t (n, c), with PyTorch's
    class weights w and label smoothing ε:

        L_i = -Σ_c q_ic log softmax(x_i)_c,   q_ic = w_c·((1-ε)·t_ic + ε/c),

    reduce = Σ L_i / n (mean), Σ L_i (sum) or L (none).
    dL_i/dx_i = (Σ_c q_ic)·softmax(x_i) - q_i;  dL_i/dt_ic = -(1-ε)·w_c·log softmax(x_i)_c.

    A primitive for stability, as `SoftmaxCrossEntropy`.
    """

    @staticmethod
    def forward(ctx: Context, logits: Tensor, target: Tensor, weight: Any,
                label_smoothing: float, reduction: str) -> Any:
        x = logits.array
        n, c = x.shape
        top, exps, totals = _array.softmax_parts(x)
        xp = _array.namespace(x)
        log_probabilities = x - top[..., None]
        log_probabilities -= xp.log(totals)[..., None]
        mixture = target.array * (1 - label_smoothing) + label_smoothing / c
        if weight is not None:
            mixture = mixture * weight
        ctx.save_for_backward(logits, target)
        ctx.reduction, ctx.denominator, ctx.weight = reduction, n, weight
        ctx.label_smoothing = label_smoothing
        ctx.exps, ctx.totals, ctx.log_probabilities = exps, totals, log_probabilities
        ctx.mixture = mixture
        return _reduced(-xp.sum(mixture * log_probabilities, axis=1), reduction, n, xp)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        logits, target = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad[:2]
        scale = _scale(grad_output, ctx.reduction, ctx.denominator)
        smoothing, weight, exps = ctx.label_smoothing, ctx.weight, ctx.exps
        recorded = isinstance(logits, Tensor)
        if recorded:  # rebuild what depends on x and t
            log_probabilities = _log_softmax(logits)
            mixture = target * (1 - smoothing) + smoothing / logits.shape[1]
            mixture = mixture if weight is None else mixture * weight
            probabilities = dual.exp(log_probabilities)
        else:
            log_probabilities, mixture = ctx.log_probabilities, ctx.mixture
        grad_x = grad_t = None
        with _array.errstate(under="ignore"):
            if not recorded:
                probabilities = exps / ctx.totals[..., None]
            if need_x:
                grad_x = (probabilities * dual.sum(mixture, axis=1, keepdims=True)
                          - mixture) * scale
            if need_t:
                factor = -(1 - smoothing) if weight is None else -(1 - smoothing) * weight
                grad_t = log_probabilities * factor * scale
        return grad_x, grad_t, None, None, None


def _sigmoid_array(x: Any, exps: Any) -> Any:
    """σ(x) from e = exp(-|x|), exact at any x."""
    return _array.namespace(x).where(x >= 0, 1 / (1 + exps), exps / (1 + exps))


def _softplus_of_negative(x: Any) -> Any:
    """log(1 + e^(-x)) = max(-x, 0) + log(1 + e^(-|x|)), on tensors (a recorded backward)."""
    return (-x).relu() + (1 + (-x.abs()).exp()).log()


class BinaryCrossEntropyWithLogits(Primitive):
    """Binary cross-entropy of logits x against targets y, with weights w and positive-class
    weights p (both constants, broadcast to x's shape):

        L = w·[(1-y)·x + (1 + (p-1)·y)·log(1 + e^(-x))]   (= w·[max(x,0) - x·y +
            log(1 + e^(-|x|))] when p = 1),
    dL/dx = w·[(1-y) - (1 + (p-1)·y)·σ(-x)]  (= w·(σ(x) - y) when p = 1),
    dL/dy = w·[-x + (p-1)·log(1 + e^(-x))];  reduced by mean, sum or none.

    A primitive for stability: log(1 + e^(-x)) is max(-x, 0) + log1p(e^(-|x|)), finite for
    logits of any size.
    """

    @staticmethod
    def forward(ctx: Context, logits: Tensor, target: Tensor, weight: Any,
                pos_weight: Any, reduction: str) -> Any:
        x, y = logits.array, target.array
        xp = _array.namespace(x)
        with _array.errstate(under="ignore"):
            exps = xp.exp(-xp.abs(x))
            softplus = xp.log1p(exps)
        if pos_weight is None:
            losses = xp.maximum(x, 0) - x * y + softplus
        else:
            softplus += xp.maximum(-x, 0)  # now log(1 + e^(-x))
            losses = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus
        if weight is not None:
            losses *= weight
        ctx.save_for_backward(logits, target)
        ctx.weight, ctx.pos_weight, ctx.reduction = weight, pos_weight, reduction
        ctx.exps, ctx.softplus, ctx.denominator = exps, softplus, x.size
        return _reduced(losses, reduction, x.size, xp)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        weight, pos_weight = ctx.weight, ctx.pos_weight
        scale = dual.reshape(grad_output, x.shape) if ctx.reduction == "none" else (
            _scale(grad_output, ctx.reduction, ctx.denominator))
        if weight is not None:
            scale = scale * weight
        grad_x = grad_y = None
        with _array.errstate(under="ignore"):
            if pos_weight is None:
                if need_x:
                    sigmoid = x.sigmoid() if isinstance(x, Tensor) else _sigmoid_array(
                        x, ctx.exps)
                    grad_x = (sigmoid - y) * scale
                grad_y = -x * scale if need_y else None
                return grad_x, grad_y, None, None, None
            if isinstance(x, Tensor):
                sigmoid_of_negative, softplus = (-x).sigmoid(), _softplus_of_negative(x)
            else:
                sigmoid_of_negative = _sigmoid_array(-x, ctx.exps)
                softplus = ctx.softplus
            # The constant p - 1 on the right: an array of another namespace does not defer
            # to a tensor on its left as NumPy's does (and a product is the same either way).
            if need_x:
                grad_x = ((1 - y) - (1 + y * (pos_weight - 1)) * sigmoid_of_negative) * scale
            if need_y:
                grad_y = (softplus * (pos_weight - 1) - x) * scale
        return grad_x, grad_y, None, None, None


class BinaryCrossEntropy(Primitive):
    """Binary cross-entropy of probabilities x against targets y, with weights w (a constant,
    broadcast to x's shape), as PyTorch computes it:

        L = -w·[y·max(log x, -100) + (1-y)·max(log(1-x), -100)],
    dL/dx = w·(x - y) / max(x(1-x), 1e-12),   dL/dy = w·(log(1-x) - log x);  reduced by
    mean, sum or none.

    A primitive to match PyTorch at the ends: its clamps keep the loss finite at x = 0 or 1
    and its gradient's denominator away from 0, where a composition of log and clip would
    give the clip's zero gradient (or 0·∞).
    """

    @staticmethod
    def forward(ctx: Context, x: Tensor, target: Tensor, weight: Any, reduction: str) -> Any:
        p, y = x.array, target.array
        xp = _array.namespace(p)
        with _array.errstate(divide="ignore"):
            log_p, log_q = xp.log(p), xp.log1p(-p)
        # PyTorch's expression, term for term (so its signed zeros too)
        losses = (y - 1) * xp.maximum(log_q, -100.0) - y * xp.maximum(log_p, -100.0)
        if weight is not None:
            losses = losses * weight
        ctx.save_for_backward(x, target)
        ctx.weight, ctx.reduction, ctx.denominator = weight, reduction, p.size
        ctx.logs = log_p, log_q  # reused by an ordinary backward
        return _reduced(losses, reduction, p.size, xp)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        scale = dual.reshape(grad_output, x.shape) if ctx.reduction == "none" else (
            _scale(grad_output, ctx.reduction, ctx.denominator))
        if ctx.weight is not None:
            scale = scale * ctx.weight
        grad_x = grad_y = None
        if isinstance(x, Tensor):  # recorded: rebuilt from x and y, for a second derivative
            if need_x:
                grad_x = (x - y) / (x * (1 - x)).clip(min=1e-12) * scale
            if need_y:
                grad_y = ((1 - x).log() - x.log()) * scale
            return grad_x, grad_y, None, None
        xp = _array.namespace(x)
        if need_x:
            grad_x = (x - y) / xp.maximum(x * (1 - x), 1e-12) * scale
        if need_y:
            log_p, log_q = ctx.logs
            grad_y = (log_q - log_p) * scale
        return grad_x, grad_y, None, None
