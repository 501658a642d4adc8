"""The rows of each configuration's table: which engines run, in which order, and which are
unavailable (a stir piece not written yet, a library not installed).

Also the "stir compiled" engine, which needs `stir.compile(model, loss_fn, optimizer)`.
"""

from __future__ import annotations

import functools
from typing import Any

from .engines import (
    Engine, EngineFactory, default_torch_threads, load_torch, numpy_manual, stir_functional,
    stir_modules, stir_raw_ops, stir_setup, torch_eager,
)
from .engines_jax import jax_jit
from .problem import Config, Problem


def stir_compiled(problem: Problem) -> Engine:
    """stir with the whole step compiled: `step = stir.compile(model, loss_fn, optimizer)`,
    then `loss = step(x, t)` does zero_grad, forward, loss, backward and optimizer.step().

    The model, loss and optimizer are those of the "stir eager" row on the configurations
    other than tiny and curious, so the two rows differ only by `stir.compile`. Raises
    ImportError while `stir.compile` is not in stir.
    """
    import stir

    compile_step = getattr(stir, "compile", None)
    if compile_step is None:
        raise ImportError("stir.compile is not in stir yet")
    model, loss_fn, optimizer, batches = stir_setup(problem)
    train_step = compile_step(model, loss_fn, optimizer)
    parameters = list(model.parameters())

    def step() -> Any:
        x, t = next(batches)
        return train_step(x, t)

    return Engine(step, lambda: [p.data.copy() for p in parameters])


# "tiny" keeps the stir rows it has had from the start (and so stays comparable with older
# results); every other configuration is run with stir's modules and optimizer.
STIR_ROWS: dict[str, dict[str, EngineFactory]] = {
    "tiny": {"stir eager": stir_functional, "stir eager (raw ops)": stir_raw_ops},
    "curious": {"stir eager": stir_functional},  # seed 000 trains the model written out
}
DEFAULT_STIR_ROWS: dict[str, EngineFactory] = {"stir eager": stir_modules}


def engines_for(config: Config) -> dict[str, EngineFactory]:
    """The rows of the benchmark of `config`, by name, in display order.

    "numpy (repeat)" is the NumPy engine again under another name: a sanity row. If it does
    not match "numpy", the timing is biased (e.g. by another engine's BLAS threads still
    spinning) and no ratio in the table should be trusted more closely than that gap.

    "stir eager (raw ops)" (tiny only) writes the same step with tensor operators only (11
    nodes instead of 4), to show what the fused `F.linear` and `F.mse_loss` save.

    "pytorch eager (1 thread)" is for information: on small tensors PyTorch's default
    threading brings nothing, and it can cost a lot when another process holds a core.
    """
    engines = dict(STIR_ROWS.get(config.name, DEFAULT_STIR_ROWS))
    engines["stir compiled"] = stir_compiled
    engines["numpy"] = numpy_manual
    engines["numpy (repeat)"] = numpy_manual
    if load_torch() is not None:
        engines["pytorch eager"] = torch_eager
        if default_torch_threads() != 1:
            engines["pytorch eager (1 thread)"] = functools.partial(torch_eager, threads=1)
    engines["jax jit"] = jax_jit  # unavailable (ImportError) without JAX
    return engines


def engine_factory(config: Config, name: str) -> EngineFactory:
    """One main row's factory ("stir eager", "stir compiled", "numpy", "pytorch eager" or
    "jax jit") without importing the other rows' libraries (for the memory runs)."""
    rows = {**STIR_ROWS.get(config.name, DEFAULT_STIR_ROWS), "stir compiled": stir_compiled,
            "numpy": numpy_manual, "pytorch eager": torch_eager, "jax jit": jax_jit}
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
