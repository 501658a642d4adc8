"""Loss primitives: each loss's maths fused into one node, for speed and stability.

MSE and Huber are one node instead of difference, square (or clip) and mean. Cross-entropy
from class indices is on every classifier's hot path; it and the binary loss are also
numerically stable: every exponential is of a number ≤ 0 (logits minus their row maximum;
e^(-|x|) for the binary loss), so none overflows at any logit size. Those of very negative
numbers underflow to 0, which is the right answer; NumPy's underflow flag is silenced around
them so that code run under `np.errstate(all="raise")` still works.

These primitives trust their arguments' shapes and dtypes: `stir.nn.functional` checks them
first and says what is wrong in the words of the loss the user called. Class indices are
checked here, as they are values: a step replayed by `stir.compile` checks them too.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

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
                f"mse_loss: input of shape {x.shape} and target of shape {target.shape} differ; "
                "broadcasting them would silently compare the wrong pairs"
            )
        ctx.save_for_backward(x, target)
        difference = x_data - target_data
        count = difference.size
        ctx.reduction, ctx.count = reduction, count
        ctx.difference = difference  # reused by an ordinary backward (on arrays)
        if reduction == "none":
            return difference * difference
        total = np.vdot(difference, difference)  # Σ d², by BLAS: faster than (d * d).sum()
        # A 0-d array rather than NumPy's scalar, so that it becomes the output as it is.
        return np.asarray(total / count if reduction == "mean" else total)

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
        size = np.abs(difference)
        with np.errstate(invalid="ignore"):  # NaN compares false: the linear branch, NaN
            losses = np.where(size < delta, 0.5 * difference * difference,
                              delta * (size - 0.5 * delta))
        ctx.save_for_backward(x, target)
        ctx.reduction, ctx.delta, ctx.count = reduction, delta, difference.size
        ctx.clipped = np.clip(difference, -delta, delta)  # reused by an ordinary backward
        if reduction == "none":
            return losses
        total = losses.sum()
        return np.asarray(total * (1.0 / ctx.count) if reduction == "mean" else total)

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


_UNSIGNED = {np.dtype(f"i{size}"): np.dtype(f"u{size}") for size in (1, 2, 4, 8)}


def check_class_indices(name: str, target: np.ndarray, classes: int,
                   ignore_index: int | None = None) -> np.ndarray | None:
    """Raise for a class index outside [0, classes) (ignore_index excepted); return the mask
    of ignored entries, or None when there are none."""
    if target.size == 0:
        return None
    # Read as unsigned, a negative index is huge: one max checks both ends.
    unsigned = target.view(_UNSIGNED[target.dtype]) if target.dtype.kind == "i" else target
    if np.maximum.reduce(unsigned, axis=None) < classes:
        if ignore_index is None or not 0 <= ignore_index < classes:
            return None
        ignored = target == ignore_index
        return ignored if ignored.any() else None
    ignored = np.zeros(target.shape, dtype=bool) if ignore_index is None else (
        target == ignore_index)
    bad = target[((target < 0) | (target >= classes)) & ~ignored]
    if bad.size:
        allowed = "" if ignore_index is None else f" (or ignore_index={ignore_index})"
        raise ValueError(
            f"{name}: target {bad[0]} is out of range for {classes} classes; class indices "
            f"must be in [0, {classes}){allowed}"
        )
    return ignored


@functools.lru_cache(maxsize=32)
def _row_starts(rows: int, columns: int) -> np.ndarray:
    """The flat index of the first entry of each row of a (rows, columns) array."""
    starts = np.arange(0, rows * columns, columns)
    starts.flags.writeable = False  # shared between calls
    return starts


@functools.lru_cache(maxsize=32)
def _ones(length: int, dtype: np.dtype[Any]) -> np.ndarray:
    ones = np.ones(length, dtype=dtype)
    ones.flags.writeable = False  # shared between calls
    return ones


def _reduced(losses: np.ndarray, reduction: str, denominator: Any) -> Any:
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return total
    # no sample counts (all ignored, or none): nan, as PyTorch
    return total * (1 / denominator) if denominator else total * np.nan


def _scale(grad_output: Any, reduction: str, denominator: Any) -> Any:
    """The upstream gradient for each row: g/D (mean), g (sum), or g_i as a column (none)."""
    if reduction == "none":
        return grad_output.reshape(-1, 1)
    if reduction == "sum":
        return grad_output
    return grad_output * (1 / denominator) if denominator else grad_output * np.nan


def _softmax_parts(x: np.ndarray, flat: np.ndarray, starts: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For logits x of shape (n, c), `flat` = x.reshape(-1) and `starts` = _row_starts(n, c):
    the row maxima m, e = exp(x - m), and Σ e per row.

    The maxima are picked with argmax: NumPy's max along a short last axis is several times
    slower than argmax and a take.
    """
    top = flat.take(x.argmax(axis=1) + starts)
    exps = x - top[:, None]
    with np.errstate(under="ignore"):
        np.exp(exps, out=exps)
    return top, exps, exps @ _ones(x.shape[1], x.dtype)


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
    def forward(ctx: Context, logits: Tensor, target: np.ndarray, weight: np.ndarray | None,
                label_smoothing: float, ignore_index: int | None, reduction: str) -> Any:
        x = np.ascontiguousarray(logits.array)  # flat indices below assume C order
        n, c = x.shape
        ignored = check_class_indices("cross_entropy", target, c, ignore_index)
        flat, starts = x.reshape(-1), _row_starts(n, c)
        top, exps, totals = _softmax_parts(x, flat, starts)
        ctx.save_for_backward(logits)
        ctx.reduction, ctx.exps, ctx.totals = reduction, exps, totals
        if weight is None and label_smoothing == 0 and ignored is None:
            picks = target + starts
            ctx.picks, ctx.mixture, ctx.denominator = picks, None, n
            losses = np.log(totals)
            # x_t - m first: exact when the target is the largest logit, however large
            losses -= flat.take(picks) - top
            return _reduced(losses, reduction, n)
        # The general case: every row's target distribution q as a matrix.
        kept = np.ones(n, dtype=x.dtype) if ignored is None else (~ignored).astype(x.dtype)
        safe_target = target if ignored is None else np.where(ignored, 0, target)
        class_weight = np.ones(c, dtype=x.dtype) if weight is None else weight
        target_weight = class_weight[safe_target] * kept
        mixture = np.zeros((n, c), dtype=x.dtype)
        if label_smoothing:
            mixture += (label_smoothing / c) * class_weight
            mixture *= kept[:, None]
        mixture.reshape(-1)[safe_target + starts] += (
            (1 - label_smoothing) * target_weight)
        ctx.mixture, ctx.mixture_sums = mixture, mixture.sum(axis=1)
        ctx.denominator = target_weight.sum()
        shifted = x - top[:, None]
        losses = ctx.mixture_sums * np.log(totals) - (mixture * shifted).sum(axis=1)
        return _reduced(losses, reduction, ctx.denominator)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        logits, = ctx.saved_tensors
        mixture = ctx.mixture
        if isinstance(logits, Tensor):  # recorded: a differentiable softmax
            if mixture is None:
                mixture = np.zeros(logits.shape, dtype=logits.dtype)
                mixture.reshape(-1)[ctx.picks] = 1
                sums: Any = 1
            else:
                sums = ctx.mixture_sums[:, None]
            probabilities = dual.exp(_log_softmax(logits))
            scale = _scale(grad_output, ctx.reduction, ctx.denominator)
            return (probabilities * sums - mixture) * scale, None, None, None, None, None
        with np.errstate(under="ignore"):
            if mixture is None:  # (softmax - onehot)·g, with g per row
                rows = grad_output if ctx.reduction == "none" else float(grad_output) * (
                    1 / ctx.denominator if ctx.reduction == "mean" else 1)
                grad = ctx.exps * (rows / ctx.totals)[:, None]
                flat, picks = grad.reshape(-1), ctx.picks
                flat.put(picks, flat.take(picks) - rows)  # faster than flat[picks] -= rows
            else:
                grad = ctx.exps * (ctx.mixture_sums / ctx.totals)[:, None] - mixture
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
    def forward(ctx: Context, logits: Tensor, target: Tensor, weight: np.ndarray | None,
                label_smoothing: float, reduction: str) -> Any:
        x = np.ascontiguousarray(logits.array)
        n, c = x.shape
        top, exps, totals = _softmax_parts(x, x.reshape(-1), _row_starts(n, c))
        log_probabilities = x - top[:, None]
        log_probabilities -= np.log(totals)[:, None]
        mixture = target.array * (1 - label_smoothing) + label_smoothing / c
        if weight is not None:
            mixture = mixture * weight
        ctx.save_for_backward(logits, target)
        ctx.reduction, ctx.denominator, ctx.weight = reduction, n, weight
        ctx.label_smoothing = label_smoothing
        ctx.exps, ctx.totals, ctx.log_probabilities = exps, totals, log_probabilities
        ctx.mixture = mixture
        return _reduced(-(mixture * log_probabilities).sum(axis=1), reduction, n)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        logits, target = ctx.saved_tensors
        need_x, need_t = ctx.needs_input_grad[:2]
        scale = _scale(grad_output, ctx.reduction, ctx.denominator)
        smoothing, weight = ctx.label_smoothing, ctx.weight
        if isinstance(logits, Tensor):  # recorded: rebuild what depends on x and t
            log_probabilities = _log_softmax(logits)
            mixture = target * (1 - smoothing) + smoothing / logits.shape[1]
            mixture = mixture if weight is None else mixture * weight
            probabilities = dual.exp(log_probabilities)
        else:
            log_probabilities, mixture = ctx.log_probabilities, ctx.mixture
            with np.errstate(under="ignore"):
                probabilities = ctx.exps / ctx.totals[:, None]
        grad_x = grad_t = None
        with np.errstate(under="ignore"):
            if need_x:
                grad_x = (probabilities * mixture.sum(axis=1, keepdims=True) - mixture) * scale
            if need_t:
                factor = -(1 - smoothing) if weight is None else -(1 - smoothing) * weight
                grad_t = log_probabilities * factor * scale
        return grad_x, grad_t, None, None, None


def _sigmoid_array(x: np.ndarray, exps: np.ndarray) -> np.ndarray:
    """σ(x) from e = exp(-|x|), exact at any x."""
    return np.where(x >= 0, 1 / (1 + exps), exps / (1 + exps))


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
    def forward(ctx: Context, logits: Tensor, target: Tensor, weight: np.ndarray | None,
                pos_weight: np.ndarray | None, reduction: str) -> Any:
        x, y = logits.array, target.array
        with np.errstate(under="ignore"):
            exps = np.exp(-np.abs(x))
            softplus = np.log1p(exps)
        if pos_weight is None:
            losses = np.maximum(x, 0) - x * y + softplus
        else:
            softplus += np.maximum(-x, 0)  # now log(1 + e^(-x))
            losses = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus
        if weight is not None:
            losses *= weight
        ctx.save_for_backward(logits, target)
        ctx.weight, ctx.pos_weight, ctx.reduction = weight, pos_weight, reduction
        ctx.exps, ctx.softplus, ctx.denominator = exps, softplus, x.size
        return _reduced(losses, reduction, x.size)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad[:2]
        weight, pos_weight = ctx.weight, ctx.pos_weight
        scale = grad_output.reshape(x.shape) if ctx.reduction == "none" else (
            _scale(grad_output, ctx.reduction, ctx.denominator))
        if weight is not None:
            scale = scale * weight
        grad_x = grad_y = None
        with np.errstate(under="ignore"):
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
            if need_x:
                grad_x = ((1 - y) - (1 + (pos_weight - 1) * y) * sigmoid_of_negative) * scale
            if need_y:
                grad_y = ((pos_weight - 1) * softplus - x) * scale
        return grad_x, grad_y, None, None, None
