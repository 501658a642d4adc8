"""The tensor methods that are also functions of the `stir` namespace (`stir.exp(x)` is
`x.exp()`), for code that reads better so; the primitives behind them are in `stir.ops`.

Each takes a tensor (or anything `stir.tensor` accepts) and returns a tensor.
"""

from __future__ import annotations

from typing import Any

from .tensor import Tensor, as_tensor


# --- elementwise (owned by the elementwise engineer) ---

def exp(x: Any) -> Tensor:
    return as_tensor(x).exp()


def log(x: Any) -> Tensor:
    return as_tensor(x).log()


def pow(x: Any, exponent: Any) -> Tensor:
    """x ** exponent, elementwise (either may be a number), as `torch.pow`."""
    if not isinstance(x, Tensor) and isinstance(exponent, Tensor):
        return exponent.__rpow__(x)
    return as_tensor(x) ** exponent


def sqrt(x: Any) -> Tensor:
    return as_tensor(x).sqrt()


def abs(x: Any) -> Tensor:
    return as_tensor(x).abs()


def sin(x: Any) -> Tensor:
    return as_tensor(x).sin()


def cos(x: Any) -> Tensor:
    return as_tensor(x).cos()


def tanh(x: Any) -> Tensor:
    return as_tensor(x).tanh()


def sigmoid(x: Any) -> Tensor:
    return as_tensor(x).sigmoid()


def relu(x: Any) -> Tensor:
    return as_tensor(x).relu()


def clip(x: Any, min: float | None = None, max: float | None = None) -> Tensor:
    return as_tensor(x).clip(min, max)


def maximum(x: Any, y: Any) -> Tensor:
    return as_tensor(x).maximum(y)


def minimum(x: Any, y: Any) -> Tensor:
    return as_tensor(x).minimum(y)


# --- end elementwise ---

# --- reductions and linear algebra (owned by the reductions engineer) ---

def matmul(x: Any, y: Any) -> Tensor:
    return as_tensor(x) @ y


def sum(x: Any, axis: Any = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
    return as_tensor(x).sum(axis, keepdims, **torch_names)


def mean(x: Any, axis: Any = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
    return as_tensor(x).mean(axis, keepdims, **torch_names)


def max(x: Any, axis: Any = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
    return as_tensor(x).max(axis, keepdims, **torch_names)


def min(x: Any, axis: Any = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
    return as_tensor(x).min(axis, keepdims, **torch_names)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False, **torch_names: Any) -> Tensor:
    return as_tensor(x).logsumexp(axis, keepdims, **torch_names)


# --- end reductions and linear algebra ---

# --- shapes and indexing (owned by the shapes engineer) ---

def reshape(x: Any, *shape: Any) -> Tensor:
    return as_tensor(x).reshape(*shape)


def transpose(x: Any, dim0: int, dim1: int) -> Tensor:
    return as_tensor(x).transpose(dim0, dim1)


def permute(x: Any, *dims: Any) -> Tensor:
    return as_tensor(x).permute(*dims)


def squeeze(x: Any, dim: int | None = None) -> Tensor:
    return as_tensor(x).squeeze(dim)


def unsqueeze(x: Any, dim: int) -> Tensor:
    return as_tensor(x).unsqueeze(dim)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return as_tensor(x).flatten(start_dim, end_dim)

# --- end shapes and indexing ---
