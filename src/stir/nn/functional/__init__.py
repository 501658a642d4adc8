"""The stateless maths of networks, as PyTorch's `torch.nn.functional` (import it as F).

One file per family, named as in `stir.ops`: `activations.py`, `losses.py` (with the checks
every loss makes in `loss_inputs.py`), `linalg.py`, `shapes.py` (padding), `conv.py`
(conv1d, conv2d, conv_transpose1d/2d), `pooling.py` (max, average and adaptive pooling),
`normalization.py` (batch_norm, layer_norm, group_norm) and `recurrent.py` (one step of each
recurrent cell and one direction of each layer: `stir.nn.functional.recurrent`, not in F's
namespace, as PyTorch's F has none); and as PyTorch groups them, `dropout.py` (elements and
whole channels), `sparse.py` (embeddings) and `interpolation.py` (resampling,
F.interpolate). Each function states its formula, its derivative convention and an example;
the modules of `stir.nn` wrap these functions, and the primitives they call are in
`stir.ops`.
"""

from __future__ import annotations

from .activations import (
    apl, centered_softplus, elu, gelu, heaviside, identity, leaky_relu, log_softmax, prelu,
    relu, rrelu, sigmoid, sign, silu, softmax, softplus, step, tanh, very_leaky_relu,
)
from .dropout import dropout
from .linalg import linear
from .losses import (
    binary_cross_entropy, binary_cross_entropy_with_logits, cosine_embedding_loss,
    cosine_similarity, cosine_similarity_loss, cross_entropy, huber_loss, l1_loss, mse_loss,
    multi_margin_loss, multiclass_hinge_loss, nll_loss, one_hot, perceptron_loss,
    smooth_l1_loss, svm_loss,
)
from .shapes import pad
from .sparse import embedding

__all__ = [
    "apl", "binary_cross_entropy", "binary_cross_entropy_with_logits", "centered_softplus",
    "cosine_embedding_loss", "cosine_similarity", "cosine_similarity_loss", "cross_entropy",
    "dropout", "elu", "embedding", "gelu", "heaviside", "huber_loss", "identity", "l1_loss",
    "leaky_relu", "linear", "log_softmax", "mse_loss", "multi_margin_loss",
    "multiclass_hinge_loss", "nll_loss", "one_hot", "pad", "perceptron_loss", "prelu", "relu",
    "rrelu", "sigmoid", "sign", "silu", "smooth_l1_loss", "softmax", "softplus", "step",
    "svm_loss", "tanh", "very_leaky_relu",
]
# the layers for images and sequences
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .dropout import dropout1d, dropout2d
from .interpolation import interpolate
from .normalization import batch_norm, group_norm, layer_norm
from .pooling import (
    adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_max_pool1d, adaptive_max_pool2d,
    avg_pool1d, avg_pool2d, max_pool1d, max_pool2d,
)

__all__ += [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "avg_pool1d", "avg_pool2d", "batch_norm", "conv1d", "conv2d", "conv_transpose1d",
    "conv_transpose2d", "dropout1d", "dropout2d", "group_norm", "interpolate", "layer_norm",
    "max_pool1d", "max_pool2d",
]
