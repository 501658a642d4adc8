"""The rows' names, the style of training step each one is written in, and the PyTorch row
each is compared with.

Every stir and PyTorch row names its style, and styles are compared with themselves:

    modules      nn.Sequential of Linear and ReLU, a loss function, optim.SGD, and
                 `zero_grad(); loss.backward(); step()`: the ordinary way, and the headline.
    functional   the step written out by hand on the parameter tensors (`F.linear`, `.relu()`,
                 `F.mse_loss`), `loss.backward()`, then plain SGD by hand under no_grad
                 (`p -= lr * grad`, the gradient dropped). Only where the network has one
                 hidden layer, an MSE loss and plain SGD (`FUNCTIONAL_CONFIGS`).
    compiled     the modules step given to `stir.compile(model, loss_fn, optimizer)`.

So the "× pytorch" ratio of a modules (or compiled) row is against "pytorch modules", that of
a functional row against "pytorch functional". The rows of no stir or PyTorch style (the
hand-written NumPy floor, JAX jit) are compared with "pytorch modules", the headline.
"""

from __future__ import annotations

STIR_MODULES = "stir modules"
STIR_FUNCTIONAL = "stir functional"
STIR_RAW_OPS = "stir functional (raw ops)"  # the functional step on raw tensor operators
STIR_COMPILED = "stir compiled"
NUMPY = "numpy"
NUMPY_REPEAT = "numpy (repeat)"
TORCH_MODULES = "pytorch modules"
TORCH_FUNCTIONAL = "pytorch functional"
TORCH_1_THREAD = "pytorch modules (1 thread)"
JAX = "jax jit"

MODULES, FUNCTIONAL, COMPILED = "modules", "functional", "compiled"
STYLES = {  # row -> the style of its step; rows not listed have none (numpy, jax jit)
    STIR_MODULES: MODULES,
    STIR_FUNCTIONAL: FUNCTIONAL,
    STIR_RAW_OPS: FUNCTIONAL,
    STIR_COMPILED: COMPILED,
    TORCH_MODULES: MODULES,
    TORCH_FUNCTIONAL: FUNCTIONAL,
    TORCH_1_THREAD: MODULES,
}
TORCH_OF_STYLE = {MODULES: TORCH_MODULES, COMPILED: TORCH_MODULES,
                  FUNCTIONAL: TORCH_FUNCTIONAL}

FUNCTIONAL_CONFIGS = ("tiny", "curious")  # one hidden layer, MSE, plain SGD
RAW_OPS_CONFIGS = ("tiny",)


def torch_reference(row: str) -> str:
    """The PyTorch row that `row`'s "× pytorch" ratio is against: the one of its own style,
    "pytorch modules" for rows of no style.

    >>> torch_reference("stir functional"), torch_reference("stir compiled")
    ('pytorch functional', 'pytorch modules')
    >>> torch_reference("numpy")
    'pytorch modules'
    """
    return TORCH_OF_STYLE.get(STYLES.get(row, MODULES), TORCH_MODULES)


def headline_stir_row(config_name: str) -> str:
    """The stir eager row a goal against hand-written NumPy is about: "stir functional"
    where the configuration has it, "stir modules" otherwise."""
    return STIR_FUNCTIONAL if config_name in FUNCTIONAL_CONFIGS else STIR_MODULES
