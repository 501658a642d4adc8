"""Neural-network building blocks: modules, layers, activations, losses, initializers.

`stir.nn.functional` (import it as F) holds the stateless maths; the modules here wrap it.

    module.py          Module: parameters by assignment, state dicts, train/eval
    registration.py    the rules for names, and the warning about plain lists of modules
    parameter.py       Parameter: a tensor a module learns
    containers.py      Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
    layers.py          Linear, MLP, Maxout, Dropout, Dropout1d, Dropout2d, Flatten, Unflatten,
                       Upsample
    sparse.py          Embedding
    conv.py            Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
    pooling.py         MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d
    normalization.py   BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm
    recurrent.py       RNN, LSTM, GRU (whole sequences);  recurrent_cells.py: RNNCell,
                       LSTMCell, GRUCell
    activations.py     one module per activation function, and make_activation
    losses.py          one module per loss function
    init.py            initializers (Xavier, Kaiming, ...);  regularization.py: L1/L2 penalties
    utils.py           gradient clipping
    parallel.py        DistributedDataParallel: one model trained by several processes
    functional/        the maths itself, as F.relu, F.cross_entropy, ...
"""

from . import functional, init, parallel, utils
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .layers import MLP, Dropout, Flatten, Linear, Maxout
from .module import IncompatibleKeys, Module
from .parallel import DistributedDataParallel
from .parameter import Parameter
from .registration import UnregisteredModuleWarning
from .sparse import Embedding
from .regularization import l1_penalty, l2_penalty

# --- activations: exported names (owned by the activations engineer) ---
from .activations import (
    APL, ELU, GELU, CenteredSoftplus, Identity, LeakyReLU, LogSoftmax, PReLU, ReLU, RReLU,
    Sigmoid, SiLU, Sign, Softmax, Softplus, Step, Tanh, VeryLeakyReLU, make_activation,
)
# --- end activations ---

# --- losses: exported names (owned by the losses engineer) ---
from .losses import (
    BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CosineSimilarityLoss, CrossEntropyLoss,
    HuberLoss, L1Loss, MSELoss, MultiClassHingeLoss, MultiMarginLoss, NLLLoss, PerceptronLoss,
    SmoothL1Loss, SVMLoss,
)
# --- end losses ---

# --- layers for images and sequences ---
from .conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d
from .layers import Dropout1d, Dropout2d, Unflatten, Upsample
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .pooling import (
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d,
)
from .recurrent import GRU, LSTM, RNN
from .recurrent_cells import GRUCell, LSTMCell, RNNCell
# --- end layers for images and sequences ---
