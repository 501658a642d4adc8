"""The JAX engine: one `jax.jit`-compiled training step, written the way a JAX user writes it.

A pure function `train_step(params, velocities, x, t) -> (params, velocities, loss)` built on
`jax.value_and_grad`, the parameters a list of (W, b) pairs with W of shape (out, in) as in
PyTorch's `nn.Linear` (so the arrays compare with the other engines' directly), SGD with
PyTorch's momentum rule (v ← μ v + g, p ← p - lr v) through `jax.tree_util.tree_map`. float32,
as JAX's default. JAX dispatches asynchronously, so each step blocks until its loss is
ready, as a loop that reads its loss every step does: otherwise the timer would measure only
the dispatch. The loss is an output of the same compiled computation as the new parameters
(on the CPU all its outputs become ready together), so the whole step is timed.
"""

from __future__ import annotations

import functools
import itertools
from types import ModuleType
from typing import Any

import numpy as np

from .engines import Engine
from .problem import Problem


@functools.cache
def load_jax() -> ModuleType | None:
    """The `jax` module, or None when it cannot be imported."""
    try:
        import jax
    except ImportError:
        return None
    return jax


def jax_version() -> str | None:
    """JAX's version and devices for the machine description, or None without JAX."""
    jax = load_jax()
    if jax is None:
        return None
    devices = ", ".join(str(device) for device in jax.devices())
    return f"{jax.__version__} (devices: {devices})"


def _loss_function(jax: ModuleType, name: str) -> Any:
    """`loss(y, t)` for "mse" or "cross_entropy" (mean over the batch, as PyTorch's)."""
    jnp = jax.numpy
    if name == "mse":
        return lambda y, t: jnp.mean((y - t) ** 2)
    if name == "cross_entropy":
        def cross_entropy(logits: Any, t: Any) -> Any:
            log_probabilities = jax.nn.log_softmax(logits, axis=1)
            return -jnp.mean(jnp.take_along_axis(log_probabilities, t[:, None], axis=1))
        return cross_entropy
    raise ValueError(f"JAX engine: unknown loss {name!r}")


def jax_jit(problem: Problem) -> Engine:
    """A `jax.jit` training step (forward, `value_and_grad`, SGD with momentum).

    Raises ImportError when JAX is not installed, so the row is listed as unavailable.
    """
    jax = load_jax()
    if jax is None:
        raise ImportError("JAX is not installed (pip install jax)")
    jnp = jax.numpy
    config = problem.config
    loss_of_output = _loss_function(jax, config.loss)
    lr, momentum = config.lr, config.momentum

    def forward(params: list[tuple[Any, Any]], x: Any) -> Any:
        for w, b in params[:-1]:
            x = jax.nn.relu(x @ w.T + b)
        w, b = params[-1]
        return x @ w.T + b

    def loss_fn(params: list[tuple[Any, Any]], x: Any, t: Any) -> Any:
        return loss_of_output(forward(params, x), t)

    @jax.jit
    def train_step(params: Any, velocities: Any, x: Any, t: Any) -> tuple[Any, Any, Any]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, t)
        if momentum:
            velocities = jax.tree_util.tree_map(lambda v, g: momentum * v + g,
                                                velocities, grads)
            grads = velocities
        params = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)
        return params, velocities, loss

    arrays = [jnp.asarray(p) for p in problem.params]
    state = {
        "params": list(zip(arrays[0::2], arrays[1::2])),
        "velocities": [(jnp.zeros_like(w), jnp.zeros_like(b))
                       for w, b in zip(arrays[0::2], arrays[1::2])],
    }
    target_dtype = jnp.int32 if config.loss == "cross_entropy" else jnp.float32
    batches = itertools.cycle([(jnp.asarray(x), jnp.asarray(t, dtype=target_dtype))
                               for x, t in zip(problem.xs, problem.ts)])

    def step() -> Any:
        x, t = next(batches)
        params, velocities, loss = train_step(state["params"], state["velocities"], x, t)
        state["params"], state["velocities"] = params, velocities
        return loss.block_until_ready()

    def params() -> list[np.ndarray]:
        return [np.array(array) for pair in state["params"] for array in pair]

    return Engine(step, params)
