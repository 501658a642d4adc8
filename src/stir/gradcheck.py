"""Check a function's gradients against central differences: `gradcheck`, `gradgradcheck`.

Use them on every `stir.Function` you write. Both compare full Jacobians, entry by entry, in
float64, with PyTorch's default tolerances: |analytic - numeric| ≤ atol + rtol·|numeric|.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .engine import grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """The analytic and numeric derivatives disagree (the message says where and by how much)."""


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _differentiable(inputs: Sequence[Any]) -> list[int]:
    positions = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    for i in positions:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs (dtype="
                "stir.float64): float32 round-off swamps a central difference"
            )
    if not positions:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    return positions


def _outputs(function: Callable[..., Any], inputs: Sequence[Any]) -> tuple[Tensor, ...]:
    outputs = _as_tuple(function(*inputs))
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: output {i} is a {type(out).__name__}, not a tensor")
    return outputs


def numerical_jacobian(
    function: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6
) -> list[list[np.ndarray]]:
    """J[o][i] of shape (outputs[o].size, inputs[i].size) by central differences."""
    positions = _differentiable(inputs)
    # Not under no_grad: the function may differentiate inside (gradgradcheck's does).
    base = _outputs(function, inputs)
    jacobians = [[np.zeros((out.numel(), inputs[i].numel())) for i in positions] for out in base]
    for column, i in enumerate(positions):
        data = inputs[i].array
        for k, index in enumerate(np.ndindex(data.shape)):
            original = data[index]
            data[index] = original + eps
            plus = [out.array.astype(np.float64).ravel() for out in _outputs(function, inputs)]
            data[index] = original - eps
            minus = [out.array.astype(np.float64).ravel() for out in _outputs(function, inputs)]
            data[index] = original
            for o in range(len(base)):
                jacobians[o][column][:, k] = (plus[o] - minus[o]) / (2 * eps)
    return jacobians


def analytical_jacobian(
    function: Callable[..., Any], inputs: Sequence[Any]
) -> list[list[np.ndarray]]:
    """J[o][i] from backward: one vector-Jacobian product per output element."""
    positions = _differentiable(inputs)
    wrt = [inputs[i] for i in positions]
    outputs = _outputs(function, inputs)
    jacobians = [[np.zeros((out.numel(), inputs[i].numel())) for i in positions]
                 for out in outputs]
    for o, out in enumerate(outputs):
        if not out.requires_grad:
            continue  # a constant output: its Jacobian is zero
        for row in range(out.numel()):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed.flat[row] = 1
            grads = grad(out, wrt, grad_outputs=Tensor(seed), retain_graph=True,
                         allow_unused=True)
            for column, g in enumerate(grads):
                if g is not None:
                    jacobians[o][column][row, :] = g.array.ravel()
    return jacobians


def gradcheck(
    function: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when backward agrees with central differences for every input and output.

    `inputs` is a tensor or a tuple of them (float64; those with `requires_grad=True` are
    checked); other arguments are passed through. On disagreement it raises
    `GradcheckError` naming the output, input and entry (or returns False when
    `raise_exception=False`).

    >>> import stir
    >>> x = stir.randn(2, 3, dtype=stir.float64, requires_grad=True)
    >>> stir.gradcheck(lambda t: (t * t).sum(axis=1), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    positions = _differentiable(inputs)
    analytic = analytical_jacobian(function, inputs)
    numeric = numerical_jacobian(function, inputs, eps)
    for o, (a_rows, n_rows) in enumerate(zip(analytic, numeric)):
        for column, (a, n) in enumerate(zip(a_rows, n_rows)):
            bad = ~np.isclose(a, n, rtol=rtol, atol=atol, equal_nan=True)
            if bad.any():
                row, col = np.argwhere(bad)[0]
                message = (
                    f"gradcheck: Jacobian mismatch for output {o} with respect to input "
                    f"{positions[column]}, at entry ({row}, {col}): analytic {a[row, col]:.8g}, "
                    f"numeric {n[row, col]:.8g} ({int(bad.sum())} of {bad.size} entries differ)"
                )
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def gradgradcheck(
    function: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """True when the second derivatives from backward agree with central differences.

    It checks, by `gradcheck`, the map (inputs, v) ↦ vᵀ·J(inputs), the first derivative as
    computed by backward with `create_graph=True`; `grad_outputs` (v) are random when omitted.

    >>> import stir
    >>> x = stir.randn(3, dtype=stir.float64, requires_grad=True)
    >>> stir.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
    True
    """
    inputs = _as_tuple(inputs)
    positions = _differentiable(inputs)
    outputs = _outputs(function, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(
            Tensor(rng.standard_normal(out.shape), requires_grad=True) for out in outputs
        )
    grad_outputs = _as_tuple(grad_outputs)
    count = len(inputs)

    def first_derivative(*values: Any) -> tuple[Tensor, ...]:
        primal, cotangents = values[:count], values[count:]
        outs = [out for out in _outputs(function, primal)]
        live = [(out, v) for out, v in zip(outs, cotangents) if out.requires_grad]
        wrt = [primal[i] for i in positions]
        if not live:
            return tuple(Tensor(np.zeros(x.shape)) for x in wrt)
        grads = grad([out for out, _ in live], wrt, grad_outputs=[v for _, v in live],
                     create_graph=True, allow_unused=True)
        return tuple(Tensor(np.zeros(x.shape)) if g is None else g for g, x in zip(grads, wrt))

    return gradcheck(first_derivative, inputs + grad_outputs, eps, atol, rtol, raise_exception)
