"""Neural-network building blocks: modules, layers, activations, losses, initializers.

`stir.nn.functional` (import it as F) holds the stateless maths; the modules here wrap it.

    module.py          Module: parameters by assignment, state dicts, train/eval
    parameter.py       Parameter: a tensor a module learns
    layers.py          Linear, MLP, Maxout, Dropout, Flatten, Sequential
    activations.py     one module per activation function, and make_activation
    losses.py          one module per loss function
    init.py            initializers (Xavier, Kaiming, ...);  regularization.py: L1/L2 penalties
    utils.py           gradient clipping
    functional/        the maths itself, as F.relu, F.cross_entropy, ...
"""

from . import functional, init, utils
from .layers import MLP, Dropout, Flatten, Linear, Maxout, Sequential
from .module import IncompatibleKeys, Module
from .parameter import Parameter
from .regularization import l1_penalty, l2_penalty

# --- activations: exported names (owned by the activations engineer) ---
from .activations import (
    APL, ELU, GELU, CenteredSoftplus, Identity, LeakyReLU, LogSoftmax, PReLU, ReLU, RReLU,
    Sigmoid, SiLU, Sign, Softmax, Softplus, Step, Tanh, VeryLeakyReLU, make_activation,
)
# --- end activations ---

# --- losses: exported names (owned by the losses engineer) ---
from .losses import (
    BCEWithLogitsLoss, CosineEmbeddingLoss, CosineSimilarityLoss, CrossEntropyLoss, HuberLoss,
    L1Loss, MSELoss, MultiClassHingeLoss, MultiMarginLoss, NLLLoss, PerceptronLoss, SVMLoss,
)
# --- end losses ---
