"""Stochastic gradient descent, with momentum (heavy ball or Nesterov) and weight decay."""

from __future__ import annotations

from typing import Any

from .._types import Array
from .optimizer import Optimizer, ParamsT, check_flag, check_range, copy_of, prepared_grad


class SGD(Optimizer):
    """Gradient descent with optional momentum, exactly as `torch.optim.SGD`.

    With g = ∇f(θ) (negated if `maximize`) + weight_decay·θ, each step is

        b ← g on the first step, else momentum·b + (1 − dampening)·g
        d ← g + momentum·b if nesterov, else b        (d = g when momentum = 0)
        θ ← θ − lr·d

    >>> import stir
    >>> from stir.optim import SGD
    >>> w = stir.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()          # gradient 2w
    ...     _ = opt.step()
    >>> w                                     # b = 2w, then b = 0.9·b + 2·(0.8·w)
    tensor([ 0.46, -0.92], requires_grad=True)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def check_options(self, group: dict[str, Any]) -> None:
        for name in ("lr", "momentum", "weight_decay"):
            check_range("SGD", group, name)
        check_range("SGD", group, "dampening", -float("inf"))
        check_flag("SGD", group, "nesterov")
        check_flag("SGD", group, "maximize")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening = 0, got momentum = "
                f"{group['momentum']!r}, dampening = {group['dampening']!r}"
            )

    def update(self, param: Array, grad: Array, state: dict[str, Any], group: dict[str, Any]
               ) -> None:
        grad = prepared_grad(param, grad, group["weight_decay"], group["maximize"])
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = copy_of(grad)
            else:
                buffer *= momentum
                dampening = group["dampening"]
                # (1 - 0) * grad would be a needless new array and pass over memory
                buffer += grad if dampening == 0 else (1 - dampening) * grad
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= group["lr"] * grad
