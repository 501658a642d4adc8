"""Neural-network building blocks: modules, layers, activations, losses, initializers.

`stir.nn.functional` (import it as F) holds the stateless maths; the modules here wrap it.
"""

from . import functional, init
from .layers import MLP, Dropout, Flatten, Linear, Maxout, Sequential
from .module import IncompatibleKeys, Module
from .parameter import Parameter
from .regularization import l1_penalty, l2_penalty

# --- activations: exported names (owned by the activations engineer) ---
# --- end activations ---

# --- losses: exported names (owned by the losses engineer) ---
# --- end losses ---
