"""`fit`, `evaluate` and `predict`: the training loop written once, over arrays in memory.

`fit` runs PyTorch's loop (forward, loss, backward, step) over minibatches it cuts itself
from x and y, shuffled by a seedable `stir.Generator`, records a `History`, shows a progress
bar (progress_bar.py: a notebook bar in Jupyter, a text bar on a terminal), calls callbacks,
and stops with a `TrainingError` the moment a loss or a gradient stops being finite, before
that step changes any parameter.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import numpy as np

from ..data.frames import as_numbers
from ..grad_mode import no_grad
from ..nn.parallel import DistributedDataParallel
from ..random import Generator, default_generator
from ..tensor import Tensor
from .callbacks import Callback, LRSchedulerCallback, ModelCheckpoint
from .data_parallel import DataParallel
from .history import History
from .progress import Progress, Run
from .progress_bar import TrainingBar
from .metrics import resolve_metrics

LossFn = Callable[[Tensor, Tensor], Tensor]
EVAL_BATCH_SIZE = 256


class TrainingError(FloatingPointError):
    """Training stopped because the loss or a gradient was NaN or infinite.

    `epoch` and `step` (the global optimizer step, both from 1) locate the bad step, `kind`
    is "loss" or "gradient", `parameter` names the offending parameter for a gradient. The
    parameters are those left by the last finite step: the bad one was not applied.
    """

    def __init__(self, message: str, epoch: int, step: int, kind: str,
                 parameter: str | None = None) -> None:
        super().__init__(message)
        self.epoch, self.step, self.kind, self.parameter = epoch, step, kind, parameter


def fit(model: Any, loss_fn: LossFn, optimizer: Any, x: Any, y: Any, epochs: int | None = None,
        steps: int | None = None, batch_size: int = 32, shuffle: bool = True,
        validation_data: tuple[Any, Any] | None = None, metrics: Sequence[Any] = (),
        callbacks: Iterable[Callback] = (), verbose: int = 1,
        generator: Generator | None = None, resume_from: str | Path | None = None) -> History:
    """Train `model` on (x, y) for `epochs` passes or `steps` optimizer steps; return History.

    Each step minimizes `loss_fn(model(x_batch), y_batch)`, a scalar tensor (e.g.
    `F.cross_entropy` or `nn.MSELoss()`), with `optimizer`. x and y are NumPy arrays or
    tensors with the same first dimension; floating data is cast to the model's parameter
    dtype (float32 stays float32), integer targets stay integers. Batches are reshuffled each
    epoch from `generator` (default: the global one). The epoch loss is the mean over
    samples of the batch losses; metrics ("accuracy", "mse", "mae", "r2" or functions of
    (output, target) arrays) are computed over the whole epoch's outputs. Validation runs in
    eval mode under `no_grad` after each epoch. `verbose`: 0 silent, 1 a progress bar in a
    Jupyter notebook or when stderr is a terminal, 2 a progress bar always.

    `resume_from` is a checkpoint written by a `ModelCheckpoint` callback of a run with the
    same arguments: the model, optimizer, schedule, callbacks, random generators and the
    cursor (epoch, step, the epoch's sample order and position, the History so far) are
    restored, and the run continues exactly as if it had not stopped.

    Started by an MPI launcher (`mpiexec -n N python script.py`), fit trains data-parallel:
    the N processes share each batch of `batch_size` rows and average their gradients, so
    they take the steps of one process on the same batches (to float rounding); rank 0
    alone shows progress and writes checkpoints. See stir.training.data_parallel (the loss
    must be a mean over the batch's rows, as fit's epoch loss already assumes).

    >>> import numpy as np, stir
    >>> import stir.nn.functional as F
    >>> from stir import nn, optim
    >>> stir.manual_seed(0)
    Generator(seed=0)
    >>> x = np.random.default_rng(0).normal(size=(64, 2))
    >>> y = (x[:, 0] > x[:, 1]).astype(np.int64)
    >>> model = nn.Linear(2, 2)
    >>> history = fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.5), x, y,
    ...               epochs=20, metrics=["accuracy"], verbose=0)
    >>> history["accuracy"][-1] > 0.9
    True
    """
    if (epochs is None) == (steps is None):
        raise ValueError("fit: give exactly one of epochs= (passes over the data) or steps= "
                         f"(optimizer steps); got epochs={epochs!r}, steps={steps!r}")
    for name, value in (("epochs", epochs), ("steps", steps)):
        if value is not None and (not isinstance(value, (int, np.integer))
                                  or isinstance(value, bool) or value < 1):
            raise ValueError(f"fit: {name} must be an int >= 1, got {value!r}")
    _check_batch_size("fit", batch_size)
    dtype = _float_dtype(model)
    x_data, y_data = _arrays("fit", x, y, dtype)
    validation = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("fit: validation_data must be a pair (x_val, y_val)")
        validation = _arrays("fit (validation_data)", *validation_data, dtype)
    metric_fns = resolve_metrics(metrics)
    callbacks = list(callbacks)
    for callback in callbacks:
        if not isinstance(callback, Callback):
            raise TypeError(f"fit: callbacks must be stir.training.Callback objects, got "
                            f"{type(callback).__name__}")
    # Checkpoints last, so that they save every other callback's state after its update.
    callbacks.sort(key=lambda callback: isinstance(callback, ModelCheckpoint))
    generator = generator or default_generator
    named = _named_optimizer_parameters(model, optimizer)
    parallel = DataParallel.join()  # None unless several processes train (data_parallel.py)
    if parallel is not None and not parallel.is_main:
        verbose = 0  # rank 0 alone shows progress and writes checkpoints
        callbacks = [c for c in callbacks if not isinstance(c, ModelCheckpoint)]

    n = len(x_data)
    batches_per_epoch = math.ceil(n / batch_size)
    total_steps = steps if steps is not None else epochs * batches_per_epoch
    epoch_count = epochs if epochs is not None else math.ceil(steps / batches_per_epoch)
    progress = Progress(generator, callbacks=callbacks)
    run = Run(n, batch_size, epoch_count, total_steps, shuffle, bool(metric_fns),
              y_data.shape[1:])
    if resume_from is not None and metric_fns:  # to check the epoch's outputs saved so far
        run = dataclasses.replace(run, output_shape=_output_shape(model, x_data[:1]))
    saved_callbacks = (_resume(resume_from, model, optimizer, callbacks, progress, run)
                       if resume_from is not None else [])
    if parallel is not None:
        from ..checkpoint import generators_of

        parallel.check_same_data([x_data, y_data, *(validation or ())])
        parallel.start(model, [p for _, p in named], generators_of(model, {"fit": generator}))
        has_buffers = any(True for _ in getattr(model, "buffers", lambda: ())())
    for callback in callbacks:
        callback.progress = progress
    was_training = getattr(model, "training", True)
    ddp_sync = None  # a DistributedDataParallel model: fit does the (weighted) exchange
    if parallel is not None and isinstance(model, DistributedDataParallel):
        ddp_sync, model.require_backward_grad_sync = model.require_backward_grad_sync, False
    bar = TrainingBar(total_steps, progress.step, progress.epoch, epoch_count, verbose)
    show_bar = bar.enabled
    try:
        for callback in callbacks:
            callback.on_train_begin(model, optimizer)
        for callback, state in saved_callbacks:  # checked by _resume
            callback.load_state_dict(state)
        while progress.epoch <= epoch_count:
            if progress.position == 0 and (progress.stop or progress.step >= total_steps):
                break  # nothing of this epoch has run, and nothing will
            epoch = progress.epoch
            bar.start_epoch(epoch)
            lr = float(optimizer.param_groups[0]["lr"])
            model.train()
            if not progress.epoch_started and shuffle:
                progress.order = generator.numpy.permutation(n)
            started, seen_before = time.perf_counter(), progress.position
            # A run resumed from a checkpoint of its last step (or of a stop) runs no batch
            # here, but still ends the epoch as the original run did.
            for start in range(progress.position, n, batch_size):
                if progress.step >= total_steps or progress.stop:
                    break
                index = (slice(start, start + batch_size) if progress.order is None
                         else progress.order[start:start + batch_size])
                x_batch, y_batch = x_data[index], y_data[index]
                step = progress.step + 1
                if parallel is None:
                    output = model(Tensor(x_batch))
                    loss = _scalar_loss(loss_fn(output, Tensor(y_batch)))
                    loss_value = float(loss.array)
                    if not math.isfinite(loss_value):
                        raise _non_finite("loss", epoch, step, loss_value)
                    optimizer.zero_grad()
                    loss.backward()
                    outputs = output.array
                else:  # this rank's shard, then the whole batch's gradient and loss
                    rows, weight, _ = parallel.shard(len(x_batch))
                    output = model(Tensor(x_batch[rows]))
                    loss = _scalar_loss(loss_fn(output, Tensor(y_batch[rows])))
                    optimizer.zero_grad()
                    loss.backward()
                    loss_value = parallel.reduce(float(loss.array), weight)
                    if not math.isfinite(loss_value):
                        raise _non_finite("loss", epoch, step, loss_value)
                    outputs = (parallel.gather(output.array, len(x_batch)) if metric_fns
                               else output.array)
                _check_gradients(named, epoch, step)
                optimizer.step()
                if parallel is not None and has_buffers:
                    parallel.sync_buffers(model)
                progress.step, progress.position = step, start + len(x_batch)
                progress.loss_sum += loss_value * len(x_batch)
                if metric_fns:
                    progress.outputs.append(outputs)
                    progress.targets.append(y_batch)
                if show_bar:
                    rate = (progress.position - seen_before) / max(
                        time.perf_counter() - started, 1e-9)
                    bar.step(progress.loss_sum / progress.position, rate)
                for callback in callbacks:  # the stop so far is saved by a checkpoint (last)
                    progress.stop = bool(callback.on_batch_end(step, {"loss": loss_value})) \
                        or progress.stop
                if parallel is not None and callbacks:  # one rank's stop stops them all
                    progress.stop = parallel.any_rank(progress.stop)
            rate = (progress.position - seen_before) / max(time.perf_counter() - started, 1e-9)
            logs = _epoch_logs(model, loss_fn, progress, validation, metric_fns)
            if parallel is not None:  # rank 0's row, so that every rank's callbacks agree
                logs = parallel.same_logs(logs)
            logs["lr"] = lr
            progress.history.append(logs)
            progress.next_epoch()  # what a checkpoint taken now must resume from
            bar.end_epoch(logs, rate)
            for callback in callbacks:
                progress.stop = bool(callback.on_epoch_end(epoch, dict(logs))) or progress.stop
            if parallel is not None and callbacks:
                progress.stop = parallel.any_rank(progress.stop)
        for callback in callbacks:
            callback.on_train_end()
        bar.finish()
    finally:
        bar.close()
        model.train(was_training)
        if ddp_sync is not None:
            model.require_backward_grad_sync = ddp_sync
    return progress.history


def _epoch_logs(model: Any, loss_fn: LossFn, progress: Progress,
                validation: tuple[np.ndarray, np.ndarray] | None,
                metric_fns: dict[str, Any]) -> dict[str, float]:
    """The epoch's row of the History: its loss and metrics, then validation's."""
    logs = {"loss": progress.loss_sum / progress.position}
    if metric_fns:
        all_outputs = np.concatenate(progress.outputs)
        all_targets = np.concatenate(progress.targets)
        for name, metric in metric_fns.items():
            logs[name] = float(metric(all_outputs, all_targets))
    if validation is not None:
        results = _evaluate(model, loss_fn, *validation, metric_fns, EVAL_BATCH_SIZE)
        logs.update({f"val_{key}": value for key, value in results.items()})
    return logs


def _resume(path: str | Path, model: Any, optimizer: Any, callbacks: list[Callback],
            progress: Progress, run: Run) -> list[tuple[Callback, Any]]:
    """Load a ModelCheckpoint's file into the run's objects and its cursor, all or nothing:
    every part (model, optimizer, schedule, generators, cursor, callback states) is checked
    before any is changed. Returns each callback with its saved state, to be given back
    after on_train_begin resets it; a bad file raises ModelFormatError."""
    from .. import checkpoint
    from ..io.errors import ModelFormatError

    contents = checkpoint.read(path)
    if "fit" not in contents or "callbacks" not in contents:
        raise ModelFormatError(f"{path}: not a checkpoint of a fit run (it has no fit "
                               "progress); fit writes them with the ModelCheckpoint callback")
    pairs = _callback_states(path, callbacks, contents["callbacks"])
    for callback, state in pairs:
        callback.model = model  # so that EarlyStopping can check its best weights
        try:
            callback.check_state_dict(state)
        except (ValueError, TypeError, KeyError) as error:
            raise ModelFormatError(f"{path}: malformed state for the callback "
                                   f"{type(callback).__name__}: {error}") from None
    try:
        progress.check_state_dict(contents["fit"], run)
    except ValueError as error:
        raise ModelFormatError(f"{path}: {error}") from None
    schedulers = [c.scheduler for c in callbacks if isinstance(c, LRSchedulerCallback)]
    scheduler = schedulers[0] if schedulers and "scheduler" in contents else None
    checkpoint.restore(path, contents, model=model, optimizer=optimizer, scheduler=scheduler,
                       generators={"fit": progress.generator})
    progress.load_state_dict(contents["fit"], run)
    return pairs


def _output_shape(model: Any, x_one: np.ndarray) -> tuple[int, ...]:
    """The shape of the model's output for one sample (without its batch dimension), found
    in eval mode, without gradients, and leaving every random generator as it was."""
    from ..checkpoint import generators_of

    generators = generators_of(model, None).values()
    states = [generator.get_state() for generator in generators]
    try:
        with _eval_mode(model):
            return _output_array(model(Tensor(x_one))).shape[1:]
    finally:
        for generator, state in zip(generators, states):
            generator.set_state(state)


def _callback_states(path: str | Path, callbacks: list[Callback], saved: Any
                     ) -> list[tuple[Callback, Any]]:
    """Each callback with its saved state: the k-th callback of a type gets the k-th saved
    state of that type. One with no saved state starts afresh (say, a ModelCheckpoint added
    for the resumed run)."""
    from ..io.errors import ModelFormatError

    if not isinstance(saved, list) or not all(
            isinstance(entry, dict) and set(entry) == {"type", "state"}
            and isinstance(entry["type"], str) for entry in saved):
        raise ModelFormatError(f"{path}: malformed callback states")
    by_type: dict[str, list[Any]] = {}
    for entry in saved:
        by_type.setdefault(entry["type"], []).append(entry["state"])
    pairs = []
    for callback in callbacks:
        states = by_type.get(type(callback).__name__)
        if states:
            pairs.append((callback, states.pop(0)))
    return pairs


def evaluate(model: Any, loss_fn: LossFn, x: Any, y: Any, metrics: Sequence[Any] = (),
             batch_size: int = EVAL_BATCH_SIZE) -> dict[str, float]:
    """The mean loss over samples and the metrics on (x, y), in eval mode under `no_grad`.

    >>> import numpy as np, stir
    >>> model = stir.nn.Linear(3, 1)
    >>> results = evaluate(model, stir.nn.MSELoss(), np.ones((10, 3)), np.zeros((10, 1)),
    ...                    metrics=["mae"])
    >>> sorted(results)
    ['loss', 'mae']
    """
    _check_batch_size("evaluate", batch_size)
    x_data, y_data = _arrays("evaluate", x, y, _float_dtype(model))
    return _evaluate(model, loss_fn, x_data, y_data, resolve_metrics(metrics), batch_size)


def predict(model: Any, x: Any, batch_size: int = EVAL_BATCH_SIZE) -> np.ndarray:
    """The model's outputs on x as one NumPy array, computed in batches in eval mode under
    `no_grad`.

    >>> import numpy as np, stir
    >>> predict(stir.nn.Linear(3, 2), np.ones((5, 3))).shape
    (5, 2)
    """
    _check_batch_size("predict", batch_size)
    x_data = _array("predict", "x", x, _float_dtype(model))
    outputs = []
    with _eval_mode(model):
        for index in _batches(len(x_data), batch_size):
            outputs.append(_output_array(model(Tensor(x_data[index]))))
    return np.concatenate(outputs)


# ---------------------------------------------------------------- helpers
def _evaluate(model: Any, loss_fn: LossFn, x_data: np.ndarray, y_data: np.ndarray,
              metric_fns: dict[str, Any], batch_size: int) -> dict[str, float]:
    loss_sum, outputs = 0.0, []
    with _eval_mode(model):
        for index in _batches(len(x_data), batch_size):
            y_batch = y_data[index]
            output = model(Tensor(x_data[index]))
            loss_sum += float(_scalar_loss(loss_fn(output, Tensor(y_batch))).array) * len(y_batch)
            if metric_fns:
                outputs.append(_output_array(output))
    results = {"loss": loss_sum / len(x_data)}
    if metric_fns:
        all_outputs = np.concatenate(outputs)
        results.update({name: float(fn(all_outputs, y_data)) for name, fn in metric_fns.items()})
    return results


class _eval_mode:
    """Eval mode and no_grad for a block; the model's previous mode is put back after."""

    def __init__(self, model: Any) -> None:
        self.model, self.no_grad = model, no_grad()

    def __enter__(self) -> None:
        self.was_training = getattr(self.model, "training", False)
        if hasattr(self.model, "eval"):
            self.model.eval()
        self.no_grad.__enter__()

    def __exit__(self, *exc_info: object) -> None:
        self.no_grad.__exit__(*exc_info)
        if hasattr(self.model, "train"):
            self.model.train(self.was_training)


def _batches(n: int, batch_size: int) -> Iterator[slice]:
    """Consecutive slices: views, no copy of the data."""
    for start in range(0, n, batch_size):
        yield slice(start, start + batch_size)


def _check_batch_size(owner: str, batch_size: Any) -> None:
    if (not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool)
            or batch_size < 1):
        raise ValueError(f"{owner}: batch_size must be an int >= 1, got {batch_size!r}")


def _float_dtype(model: Any) -> np.dtype:
    for parameter in getattr(model, "parameters", lambda: ())():
        if parameter.array.dtype.kind == "f":
            return parameter.array.dtype
    return np.dtype(np.float32)


def _array(owner: str, name: str, value: Any, dtype: np.dtype) -> np.ndarray:
    """`value` (an array, a tensor, a data frame or Arrow table, a list) as checked numbers:
    as_numbers names a text column or a missing cell before a network trains on it."""
    array = as_numbers(owner, name, value.array if isinstance(value, Tensor) else value,
                       dtype=dtype)
    if array.ndim == 0:
        raise ValueError(f"{owner}: {name} must have a first (sample) dimension, got a scalar")
    if len(array) == 0:
        raise ValueError(f"{owner}: {name} is empty (shape {array.shape}); there is nothing "
                         "to train or evaluate on")
    return array


def _arrays(owner: str, x: Any, y: Any, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    x_data, y_data = _array(owner, "x", x, dtype), _array(owner, "y", y, dtype)
    if len(x_data) != len(y_data):
        raise ValueError(f"{owner}: x and y must have the same number of samples; x has "
                         f"{len(x_data)} (shape {tuple(x_data.shape)}), y has {len(y_data)} "
                         f"(shape {tuple(y_data.shape)})")
    return x_data, y_data


def _scalar_loss(loss: Any) -> Tensor:
    if not isinstance(loss, Tensor):
        raise TypeError(f"loss_fn must return a scalar stir Tensor, got {type(loss).__name__}")
    if loss.array.size != 1:
        raise ValueError(f"loss_fn must return a scalar (one element), got shape "
                         f"{loss.array.shape}; use reduction='mean' or call .mean()")
    return loss


def _output_array(output: Any) -> np.ndarray:
    if not isinstance(output, Tensor):
        raise TypeError(f"the model must return a stir Tensor, got {type(output).__name__}")
    return output.array


def _named_optimizer_parameters(model: Any, optimizer: Any) -> list[tuple[str, Tensor]]:
    names = {id(p): name for name, p in getattr(model, "named_parameters", lambda: ())()}
    return [(names.get(id(p), f"param_groups[{g}][{i}]"), p)
            for g, group in enumerate(optimizer.param_groups)
            for i, p in enumerate(group["params"])]


def _check_gradients(named: list[tuple[str, Tensor]], epoch: int, step: int) -> None:
    for name, parameter in named:
        grad = parameter.grad
        if grad is not None and not np.isfinite(grad.array).all():
            raise _non_finite("gradient", epoch, step, None, name)


def _non_finite(kind: str, epoch: int, step: int, value: float | None,
                parameter: str | None = None) -> TrainingError:
    what = (f"the loss is {value}" if kind == "loss"
            else f"the gradient of {parameter!r} has NaN or infinite entries")
    message = (f"training stopped at epoch {epoch}, step {step}: {what}. The step was not "
               f"applied: the parameters are those after step {step - 1}. Try a smaller "
               "learning rate, gradient clipping, or check the data for NaN/inf.")
    return TrainingError(message, epoch, step, kind, parameter)
