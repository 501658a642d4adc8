"""Adaptive step sizes: Adagrad, RMSprop, Adam and AdamW, exactly as in `torch.optim`.

Each divides the step by a running measure of the gradient's size, per coordinate, so that
steep and flat directions move at similar speeds. In every rule g is the gradient, negated
if `maximize`, plus weight_decay·θ (coupled L2 decay; AdamW decays θ directly instead).

The rules are written once for any array namespace: in-place operators (`s += g * g` is
`np.add(s, g * g, out=s)` on NumPy) and the functions of `_array.namespace(param)`, so the
same code updates NumPy arrays and any other array-API arrays (CuPy, array-api-strict).
"""

from __future__ import annotations

from typing import Any

from .. import _array
from .._types import Array
from .optimizer import (
    Optimizer, ParamsT, check_flag, check_range, check_value, prepared_grad,
)


class Adagrad(Optimizer):
    """Adagrad: steps shrink with the accumulated squared gradients of each coordinate.

        t ← t + 1;   lr_t = lr / (1 + (t − 1)·lr_decay)
        s ← s + g²                        (s starts at initial_accumulator_value)
        θ ← θ − lr_t · g / (√s + eps)

    >>> import stir
    >>> from stir.optim import Adagrad
    >>> w = stir.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = Adagrad([w], lr=0.5)
    >>> (w * w).sum().backward(); _ = opt.step()    # the first step is lr·sign(g)
    >>> w
    tensor([ 2.5, -0.5], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=maximize)
        super().__init__(params, defaults)

    def check_options(self, group: dict[str, Any]) -> None:
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value"):
            check_range("Adagrad", group, name)
        check_range("Adagrad", group, "eps", low_open=True)
        check_flag("Adagrad", group, "maximize")

    def init_state(self, param: Array, group: dict[str, Any]) -> dict[str, Any]:
        xp = _array.namespace(param)
        return {"step": 0, "sum": xp.full_like(param, group["initial_accumulator_value"])}

    def update(self, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]
               ) -> None:
        state["step"] += 1
        grad = prepared_grad(param, grad, group["weight_decay"], group["maximize"])
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += grad * grad
        std = _array.namespace(total).sqrt(total)
        std += group["eps"]
        param -= lr * (grad / std)


class RMSprop(Optimizer):
    """RMSprop: divide by a running root-mean-square of the gradient.

        v ← alpha·v + (1 − alpha)·g²
        centered:  m ← alpha·m + (1 − alpha)·g,   a = √(v − m²) + eps;  else a = √v + eps
        momentum > 0:  b ← momentum·b + g / a,   θ ← θ − lr·b;   else θ ← θ − lr·g / a

    >>> import stir
    >>> from stir.optim import RMSprop
    >>> w = stir.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = RMSprop([w], lr=0.01, alpha=0.75)
    >>> (w * w).sum().backward(); _ = opt.step()    # first step: lr·g / (0.5·|g|) = 2·lr·sign(g)
    >>> w
    tensor([ 2.98, -0.98], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, maximize=maximize)
        super().__init__(params, defaults)

    def check_options(self, group: dict[str, Any]) -> None:
        for name in ("lr", "weight_decay", "momentum"):
            check_range("RMSprop", group, name)
        check_range("RMSprop", group, "alpha", 0.0, 1.0)
        check_range("RMSprop", group, "eps", low_open=True)
        check_flag("RMSprop", group, "centered")
        check_flag("RMSprop", group, "maximize")

    def init_state(self, param: Array, group: dict[str, Any]) -> dict[str, Any]:
        xp = _array.namespace(param)
        state = {"step": 0, "square_avg": xp.zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = xp.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = xp.zeros_like(param)
        return state

    def update(self, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]
               ) -> None:
        state["step"] += 1
        grad = prepared_grad(param, grad, group["weight_decay"], group["maximize"])
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * (grad * grad)
        xp = _array.namespace(square_avg)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += (1 - alpha) * (grad - grad_avg)  # PyTorch's lerp towards g
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"]
            buffer *= group["momentum"]
            buffer += grad / avg
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * (grad / avg)


class Adam(Optimizer):
    """Adam: momentum on the gradient, divided by the root of a running mean of g².

        t ← t + 1
        decoupled_weight_decay:  θ ← θ·(1 − lr·weight_decay)   (and g gets no decay term)
        m ← beta1·m + (1 − beta1)·g;   v ← beta2·v + (1 − beta2)·g²
        amsgrad:  v_max ← max(v_max, v), used in place of v below
        θ ← θ − lr/(1 − beta1^t) · m / (√v / √(1 − beta2^t) + eps)

    >>> import stir
    >>> from stir.optim import Adam
    >>> w = stir.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); _ = opt.step()    # the first step is lr·sign(g)
    >>> [round(value, 5) for value in w.tolist()]
    [2.9, -0.9]
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def check_options(self, group: dict[str, Any]) -> None:
        owner = type(self).__name__
        for name in ("lr", "weight_decay"):
            check_range(owner, group, name)
        check_range(owner, group, "eps", low_open=True)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"{owner}: betas must be a pair (beta1, beta2), got {betas!r}")
        for index, beta in enumerate(betas):
            check_value(owner, f"betas[{index}]", beta, 0.0, 1.0, high_open=True)
        for name in ("amsgrad", "maximize", "decoupled_weight_decay"):
            check_flag(owner, group, name)

    def init_state(self, param: Array, group: dict[str, Any]) -> dict[str, Any]:
        xp = _array.namespace(param)
        state = {"step": 0, "exp_avg": xp.zeros_like(param), "exp_avg_sq": xp.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = xp.zeros_like(param)
        return state

    def update(self, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]
               ) -> None:
        state["step"] = step = state["step"] + 1
        lr, weight_decay = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        if group["decoupled_weight_decay"]:
            if weight_decay != 0:
                param *= 1 - lr * weight_decay
            grad = -grad if group["maximize"] else grad
        else:
            grad = prepared_grad(param, grad, weight_decay, group["maximize"])
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg += (1 - beta1) * (grad - exp_avg)  # PyTorch's lerp towards g
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * (grad * grad)
        xp = _array.namespace(exp_avg_sq)
        if group["amsgrad"]:
            peak = state["max_exp_avg_sq"]
            if _array.is_numpy(peak):  # the ufunc in place: the standard has no out=
                xp.maximum(peak, exp_avg_sq, out=peak)
            else:
                peak[...] = xp.maximum(peak, exp_avg_sq)
            exp_avg_sq = peak
        denom = xp.sqrt(exp_avg_sq)
        denom /= (1 - beta2**step) ** 0.5
        denom += group["eps"]
        param -= (lr / (1 - beta1**step)) * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: θ ← θ·(1 − lr·weight_decay) before the Adam step,
    instead of adding weight_decay·θ to the gradient (Loshchilov & Hutter).

    >>> import stir
    >>> from stir.optim import AdamW
    >>> w = stir.tensor([3.0, -1.0], requires_grad=True)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> (w * w).sum().backward(); _ = opt.step()    # θ·0.95, then − lr·sign(g)
    >>> w
    tensor([ 2.75, -0.85], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
