"""The stateless maths of networks, as PyTorch's `torch.nn.functional` (import it as F)."""

from __future__ import annotations

from ..ops.linalg import Linear
from ..ops.losses import MSELoss
from ..tensor import Tensor

# --- activations: functions (owned by the activations engineer) ---
from .activation_functions import (
    apl, centered_softplus, elu, gelu, heaviside, identity, leaky_relu, log_softmax, prelu,
    relu, rrelu, sigmoid, sign, silu, softmax, softplus, step, tanh, very_leaky_relu,
)
# --- end activations ---

# --- losses: functions (owned by the losses engineer) ---
from .loss_functions import (
    binary_cross_entropy_with_logits, cosine_embedding_loss, cosine_similarity,
    cosine_similarity_loss, cross_entropy, huber_loss, l1_loss, multi_margin_loss,
    multiclass_hinge_loss, nll_loss, one_hot, perceptron_loss, svm_loss,
)
# --- end losses ---


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """The affine map input @ weightᵀ + bias, with weight of shape (out, in).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> x = stir.tensor([[1.0, 2.0]])
    >>> F.linear(x, stir.tensor([[3.0, -1.0]]), stir.tensor([0.5]))
    tensor([[1.5]])
    """
    return Linear.apply(input if isinstance(input, Tensor) else Tensor(input), weight, bias)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """The squared error (input - target)², averaged (`mean`), summed (`sum`) or not (`none`).

    >>> import stir
    >>> import stir.nn.functional as F
    >>> F.mse_loss(stir.tensor([1.0, 3.0]), stir.tensor([0.0, 1.0]))
    tensor(2.5)
    """
    if not isinstance(input, Tensor):
        input = Tensor(input)
    if not isinstance(target, Tensor):
        target = Tensor(target)
    dtype = input.data.dtype
    if target.data.dtype != dtype and dtype.kind == "f":
        target = target.to(dtype)  # as the other losses: float32 stays float32
    return MSELoss.apply(input, target, reduction)
