"""The rows of each configuration's table: which engines run, in which order, and which are
unavailable (a stir piece not written yet, a library not installed).

Also the "stir compiled" engine, which needs `stir.compile(model, loss_fn, optimizer)`.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

from . import cnn, lstm
from .engines import (
    Engine, EngineFactory, StirSetup, default_torch_threads, load_torch, numpy_manual,
    stir_functional, stir_modules, stir_raw_ops, stir_setup, torch_functional, torch_modules,
)
from .engines_jax import jax_jit
from .names import (
    FUNCTIONAL_CONFIGS, JAX, NUMPY, NUMPY_REPEAT, RAW_OPS_CONFIGS, STIR_COMPILED,
    STIR_FUNCTIONAL, STIR_MODULES, STIR_RAW_OPS, TORCH_1_THREAD, TORCH_FUNCTIONAL,
    TORCH_MODULES,
)
from .problem import Config, Problem


class ModelEngines(NamedTuple):
    """The engines of one kind of model (`Config.model`) in each library."""

    stir_setup: Callable[[Problem], StirSetup]
    stir_modules: EngineFactory
    numpy: EngineFactory
    torch_modules: Callable[..., Engine]  # (problem, threads=None)


MODEL_ENGINES = {
    "mlp": ModelEngines(stir_setup, stir_modules, numpy_manual, torch_modules),
    "cnn": ModelEngines(cnn.stir_setup, cnn.stir_modules, cnn.numpy_manual, cnn.torch_modules),
    "lstm": ModelEngines(lstm.stir_setup, lstm.stir_modules, lstm.numpy_manual,
                         lstm.torch_modules),
}


def stir_compiled(problem: Problem) -> Engine:
    """stir with the whole step compiled: `step = stir.compile(model, loss_fn, optimizer)`,
    then `loss = step(x, t)` does zero_grad, forward, loss, backward and optimizer.step().

    The model, loss and optimizer are those of the "stir modules" row, so the two rows differ
    only by `stir.compile`. Raises ImportError while `stir.compile` is not in stir.
    """
    import stir

    compile_step = getattr(stir, "compile", None)
    if compile_step is None:
        raise ImportError("stir.compile is not in stir yet")
    model, loss_fn, optimizer, batches = MODEL_ENGINES[problem.config.model].stir_setup(problem)
    train_step = compile_step(model, loss_fn, optimizer)
    parameters = list(model.parameters())

    def step() -> Any:
        x, t = next(batches)
        return train_step(x, t)

    return Engine(step, lambda: [p.array.copy() for p in parameters])


def engines_for(config: Config) -> dict[str, EngineFactory]:
    """The rows of the benchmark of `config`, by name, in display order (see `names` for the
    styles): stir modules, stir functional (tiny, curious), stir functional (raw ops) (tiny),
    stir compiled, numpy, numpy (repeat), pytorch modules, pytorch functional (tiny,
    curious), pytorch modules (1 thread), jax jit.

    "numpy (repeat)" is the NumPy engine again under another name: a sanity row. If it does
    not match "numpy", the timing is biased (e.g. by another engine's BLAS threads still
    spinning) and no ratio in the table should be trusted more closely than that gap.

    "stir functional (raw ops)" (tiny only) writes the functional step with tensor operators
    only (11 nodes instead of 4), to show what the fused `F.linear` and `F.mse_loss` save.

    "pytorch modules (1 thread)" is for information: on small tensors PyTorch's default
    threading brings nothing, and it can cost a lot when another process holds a core.

    The cnn and lstm tables have the same rows but jax jit (whose step is an MLP's), each
    engine the model's own (`MODEL_ENGINES`).
    """
    functional = config.name in FUNCTIONAL_CONFIGS
    model = MODEL_ENGINES[config.model]
    engines: dict[str, EngineFactory] = {STIR_MODULES: model.stir_modules}
    if functional:
        engines[STIR_FUNCTIONAL] = stir_functional
    if config.name in RAW_OPS_CONFIGS:
        engines[STIR_RAW_OPS] = stir_raw_ops
    engines[STIR_COMPILED] = stir_compiled
    engines[NUMPY] = model.numpy
    engines[NUMPY_REPEAT] = model.numpy
    if load_torch() is not None:
        engines[TORCH_MODULES] = model.torch_modules
        if functional:
            engines[TORCH_FUNCTIONAL] = torch_functional
        if default_torch_threads() != 1:
            engines[TORCH_1_THREAD] = functools.partial(model.torch_modules, threads=1)
    if config.model == "mlp":
        engines[JAX] = jax_jit  # unavailable (ImportError) without JAX
    return engines


def engine_factory(config: Config, name: str) -> EngineFactory:
    """One row's factory ("stir modules", "stir compiled", "numpy", "pytorch modules", "jax
    jit", and the functional rows where `config` has them) without importing the other rows'
    libraries (for the memory runs)."""
    model = MODEL_ENGINES[config.model]
    rows: dict[str, EngineFactory] = {STIR_MODULES: model.stir_modules,
                                      STIR_COMPILED: stir_compiled, NUMPY: model.numpy,
                                      TORCH_MODULES: model.torch_modules}
    if config.model == "mlp":
        rows[JAX] = jax_jit
    if config.name in FUNCTIONAL_CONFIGS:
        rows |= {STIR_FUNCTIONAL: stir_functional, TORCH_FUNCTIONAL: torch_functional}
    if config.name in RAW_OPS_CONFIGS:
        rows[STIR_RAW_OPS] = stir_raw_ops
    if name not in rows:
        raise ValueError(f"{config.name}: no engine {name!r}; choose from {', '.join(rows)}")
    return rows[name]


def split_available(problem: Problem, factories: dict[str, EngineFactory]
                    ) -> tuple[dict[str, EngineFactory], dict[str, str]]:
    """The factories that can build an engine now, and why each other one cannot.

    Only ImportError counts as "unavailable" (a stir piece not written yet); any other error
    is a bug and propagates.
    """
    available, unavailable = {}, {}
    for name, factory in factories.items():
        try:
            factory(problem)
        except ImportError as error:
            unavailable[name] = f"{type(error).__name__}: {error}"
        else:
            available[name] = factory
    return available, unavailable
