"""Penalties on weights, added to a loss: L1 (sparsity) and L2 (small weights).

Seed 003 writes the regularized loss as L(W) = data loss + λ R(W), with R(W) = Σ W² for L2
and Σ |W| for L1; these compute R for the tensors given (usually the weights, not biases).
"""

from __future__ import annotations

from typing import Iterable

from ..tensor import Tensor


def _summed(tensors: Iterable[Tensor], term: str) -> Tensor:
    total = None
    for tensor in tensors:
        value = (tensor * tensor).sum() if term == "l2" else tensor.abs().sum()
        total = value if total is None else total + value
    if total is None:
        raise ValueError(f"{term}_penalty: no tensors given")
    return total


def l2_penalty(tensors: Iterable[Tensor], weight: float = 1.0) -> Tensor:
    """weight · Σ w² over every element of every tensor (its gradient is 2·weight·w).

    >>> import stir
    >>> w = stir.tensor([[1.0, -2.0]], requires_grad=True)
    >>> stir.nn.l2_penalty([w], weight=0.1)
    tensor(0.5, grad_fn=Mul)
    """
    return _summed(tensors, "l2") * weight


def l1_penalty(tensors: Iterable[Tensor], weight: float = 1.0) -> Tensor:
    """weight · Σ |w| over every element of every tensor (its gradient is weight·sign(w)).

    >>> import stir
    >>> w = stir.tensor([[1.0, -2.0]], requires_grad=True)
    >>> stir.nn.l1_penalty([w], weight=0.1)
    tensor(0.3, grad_fn=Mul)
    """
    return _summed(tensors, "l1") * weight
