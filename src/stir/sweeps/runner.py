"""`sweep(train_fn, grid, executor=None)`: a training function tried on many settings.

Each trial calls `train_fn(**settings)` in a worker of the executor, after
`stir.manual_seed(seed)` (every trial starts from the same random state, so trials differ
by their settings alone, and a trial gives the same result in any worker), inside
`stir.distributed.alone()` (so `fit` trains in that worker by itself, even in a job
started by mpiexec). `train_fn` returns its metrics, a dict of numbers, or a pair
(model, metrics): the model of the best trial is then saved to `save_best` (a stir Module
is saved with stir.save in the worker; bytes are taken as the contents of a model file).

The executor is any `concurrent.futures.Executor`: by default a process pool
(ProcessPoolExecutor with the "spawn" start method, `max_workers` processes; its workers
import `train_fn` by name, so it must be defined at the top level of a module, and a
script must keep its own work under `if __name__ == "__main__":`); a ThreadPoolExecutor
for functions that release the GIL; `mpi4py.futures.MPIPoolExecutor()` for workers on the
ranks of an MPI job (across machines); a Dask client's `client.get_executor()`. An
executor passed in is left running.

>>> import stir
>>> from concurrent.futures import ThreadPoolExecutor
>>> def train(lr, width):
...     return {"val_loss": (lr - 0.01) ** 2 + 1 / width}
>>> with ThreadPoolExecutor(2) as pool:
...     rows = stir.sweep(train, {"lr": [0.1, 0.01], "width": [8, 32]}, executor=pool,
...                       verbose=0)
>>> [(row["lr"], row["width"]) for row in rows[:2]]
[(0.01, 32), (0.1, 32)]
"""

from __future__ import annotations

import concurrent.futures
import io
import math
import multiprocessing
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

from ..training.history import resolve_mode
from .grid import expand
from .table import ranked, write_csv

RESERVED = ("rank", "trial", "seconds", "error")


def sweep(train_fn: Callable[..., Any], grid: Any, executor: Any = None, *,
          n_samples: int | None = None, seed: int = 0, metric: str | None = None,
          mode: str = "auto", csv: str | Path | None = None,
          save_best: str | Path | None = None, max_workers: int | None = None,
          verbose: int = 1) -> list[dict[str, Any]]:
    """Run `train_fn` on every setting of `grid` (or on `n_samples` drawn from it with
    `seed`: see stir.sweeps.grid) through `executor`; return the results table, best first.

    Rows are dicts: rank, trial, the settings, the metrics, seconds (and error, for a
    trial that raised: it is reported, ranked last, and the others go on; if every trial
    fails, the first failure is raised). `metric` ranks the trials (default "val_loss",
    else "loss", when the results have it), smallest first unless `mode` is "max" ("auto":
    largest first for accuracy and r2). `csv` writes the table to that file, atomically;
    `save_best` writes the best trial's model there. `verbose`: 0 silent, 1 a progress bar
    when stderr is a terminal, 2 always.
    """
    settings = expand(grid, n_samples, seed)
    names = {name for setting in settings for name in setting}
    if names & set(RESERVED):
        raise ValueError(f"sweep: {sorted(names & set(RESERVED))[0]!r} names a column of the "
                         "results table; rename the setting")
    own = executor is None
    if own:
        executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=max_workers or min(len(settings), os.cpu_count() or 1),
            mp_context=multiprocessing.get_context("spawn"))
    if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
        _check_importable(train_fn)
    try:
        outcomes = _gather(executor, train_fn, settings, seed, verbose)
    finally:
        if own:
            executor.shutdown()
    clashes = sorted({key for o in outcomes for key in o["metrics"]} & names)
    if clashes:
        raise ValueError(f"sweep: train_fn returned the metric {clashes[0]!r}, which is also "
                         "the name of a setting; rename one of them")
    failures = [o for o in outcomes if o["error"]]
    if len(failures) == len(outcomes):
        raise RuntimeError(f"sweep: every trial failed; trial {failures[0]['trial']} "
                           f"({_shown(settings[failures[0]['trial']])}): "
                           f"{failures[0]['error']}")
    for failure in failures:
        warnings.warn(f"sweep: trial {failure['trial']} ({_shown(settings[failure['trial']])}) "
                      f"failed: {failure['error']}", stacklevel=2)
    metric = metric or _default_metric(outcomes)
    order = resolve_mode(metric, mode)
    rows = ranked([_row(o, settings[o["trial"]], bool(failures)) for o in outcomes],
                  metric, order)
    if not any(isinstance(row.get(metric), (int, float)) for row in rows):
        raise ValueError(f"sweep: no trial returned the metric {metric!r}; they returned "
                         f"{sorted(next(o['metrics'] for o in outcomes if not o['error']))}")
    if csv is not None:
        write_csv(rows, csv)
    if save_best is not None:
        _save_best(outcomes, rows[0], save_best)
    return rows


def run_trial(train_fn: Callable[..., Any], settings: dict[str, Any], trial: int,
              seed: int) -> dict[str, Any]:
    """One trial, in a worker: seeded, alone, timed; its failure caught as one line."""
    from .. import random
    from ..distributed import alone

    random.manual_seed(seed)
    started = time.perf_counter()
    model, metrics, error = None, {}, ""
    try:
        with alone():
            result = train_fn(**settings)
        model, metrics = _split(result)
        model = _model_bytes(model)
    except Exception as failure:
        error = f"{type(failure).__name__}: {' '.join(str(failure).split())}"
    return {"trial": trial, "metrics": metrics, "model": model, "error": error,
            "seconds": time.perf_counter() - started}


def _gather(executor: Any, train_fn: Callable[..., Any], settings: list[dict[str, Any]],
            seed: int, verbose: int) -> list[dict[str, Any]]:
    """Submit every trial, and collect them as they finish, behind a progress bar; only
    the best-so-far model is kept (keyed by its trial) until the end."""
    from tqdm import tqdm

    from ..training.progress_bar import choose

    futures = {executor.submit(run_trial, train_fn, setting, index, seed): index
               for index, setting in enumerate(settings)}
    outcomes: list[dict[str, Any]] = [{} for _ in settings]
    with tqdm(total=len(futures), desc="sweep", unit="trial", file=sys.stderr,
              disable=choose(verbose) is None) as bar:
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            try:
                outcomes[index] = future.result()
            except Exception as failure:  # the executor's own: the call never ran
                outcomes[index] = {"trial": index, "metrics": {}, "model": None,
                                   "seconds": math.nan, "error":
                                   f"{type(failure).__name__}: {' '.join(str(failure).split())}"}
            bar.update(1)
    return outcomes


def _split(result: Any) -> tuple[Any, dict[str, Any]]:
    """(model or None, metrics) from what train_fn returned, checked."""
    model, metrics = (result if isinstance(result, tuple) and len(result) == 2
                      else (None, result))
    if not isinstance(metrics, dict) or not all(isinstance(k, str) for k in metrics):
        raise TypeError(f"train_fn must return a dict of metrics or (model, metrics), got "
                        f"{type(result).__name__}")
    for key, value in metrics.items():
        if key in RESERVED:
            raise ValueError(f"train_fn returned the metric {key!r}, a column of the results "
                             "table; rename it")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"train_fn's metric {key!r} must be a number, got "
                            f"{type(value).__name__}")
    return model, {key: float(value) for key, value in metrics.items()}


def _model_bytes(model: Any) -> bytes | None:
    """A model file's contents: bytes as given, a Module saved with stir.save."""
    if model is None or isinstance(model, bytes):
        return model
    from ..io import save
    from ..nn.module import Module

    if not isinstance(model, Module):
        raise TypeError(f"train_fn returned a {type(model).__name__} as its model; return a "
                        "stir Module (or the bytes of a model file)")
    buffer = io.BytesIO()
    save(model, buffer)
    return buffer.getvalue()


def _row(outcome: dict[str, Any], setting: dict[str, Any], with_error: bool
         ) -> dict[str, Any]:
    row = {"trial": outcome["trial"], **setting, **outcome["metrics"],
           "seconds": outcome["seconds"]}
    if with_error:
        row["error"] = outcome["error"]
    return row


def _default_metric(outcomes: list[dict[str, Any]]) -> str:
    found = next(o["metrics"] for o in outcomes if not o["error"])
    for name in ("val_loss", "loss"):
        if name in found:
            return name
    raise ValueError(f"sweep: say which metric ranks the trials (metric=); they returned "
                     f"{sorted(found) or 'no metrics'}")


def _save_best(outcomes: list[dict[str, Any]], best: dict[str, Any], path: str | Path
               ) -> None:
    from ..io.atomic import write_atomic

    data = outcomes[best["trial"]]["model"]
    if data is None:
        warnings.warn(f"sweep: save_best={str(path)!r}, but the best trial returned no model; "
                      "have train_fn return (model, metrics)", stacklevel=3)
        return
    write_atomic(path, data)


def _check_importable(train_fn: Callable[..., Any]) -> None:
    """A process pool's workers import train_fn by its module and name: a lambda, a
    function defined inside another, or one of an interactive session cannot be."""
    function = getattr(train_fn, "func", train_fn)  # a functools.partial's function
    name = getattr(function, "__qualname__", "")
    if "<lambda>" in name or "<locals>" in name:
        kind = "a lambda" if "<lambda>" in name else "a function defined inside another"
        raise TypeError(f"sweep: train_fn is {kind} ({name}); a process pool's workers "
                        "import it by name, so define it at the top level of a module (or "
                        "pass executor=ThreadPoolExecutor())")
    module = sys.modules.get(getattr(function, "__module__", ""), None)
    if module is None or not getattr(module, "__file__", None):
        raise TypeError(f"sweep: train_fn {name} was defined in an interactive session, which "
                        "a process pool's workers cannot import; put it in a module (or pass "
                        "executor=ThreadPoolExecutor())")


def _shown(setting: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in setting.items())
