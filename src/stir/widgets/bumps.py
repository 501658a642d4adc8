"""Seed 003's bump builder: K bumps of four ReLUs each, against a trained MLP of 4K units.

With 4K hidden units a two-layer ReLU network can be a sum of K trapezoid bumps, one per
cell of [0, 1], each as high as the target at its cell's centre
(`stir.analysis.bump_network`); its error shrinks as K grows. The seed's reality check is
the MLP of the same width trained by gradient descent: it fits too, but it does not learn
bumps, and puts far fewer of its kinks inside [0, 1]. Both are drawn against the target,
with their mean squared errors on [0, 1] and their kinks as ticks under the curves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import traitlets

import stir
import stir.analysis
import stir.nn.functional as F
from stir import nn, optim
from stir.demos.bumps import predict
from stir.demos.bumps import target as demo_target

from ._explorers import Explorer, ExplorerValueError, check_int, front_end, to_list

#: The largest number of bumps the slider offers (4 × 32 = 128 hidden units).
MAX_BUMPS = 32
#: The targets on [0, 1] by name: their formula and a NumPy function of an array.
TARGETS: dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]] = {
    "wave": ("x·sin(2πx) + 0.5", demo_target),
    "sine": ("sin(2πx)", lambda x: np.sin(2.0 * np.pi * x)),
    "gaussian": ("exp(-(x - 0.5)² / 0.02)", lambda x: np.exp(-(x - 0.5) ** 2 / 0.02)),
    "step": ("1 for x ≥ 0.5, else 0", lambda x: np.where(x >= 0.5, 1.0, 0.0)),
    "tent": ("1 - |4x - 2| for |4x - 2| < 1, else 0",
             lambda x: np.maximum(0.0, 1.0 - np.abs(4.0 * x - 2.0))),
}
#: The demo's target, the one `stir demo bumps` uses.
DEFAULT_TARGET = "wave"
#: The MLP's training: full-batch Adam on TRAIN_POINTS points of [0, 1], a fixed seed.
TRAIN_POINTS, TRAIN_STEPS, LEARNING_RATE, SEED = 256, 1500, 0.01, 0
#: The curves and errors are on this many evenly spaced points of [0, 1].
GRID_POINTS = 401


def mse(curve: np.ndarray, exact: np.ndarray) -> float:
    """The mean squared error (1/n)·Σᵢ (h(xᵢ) - f(xᵢ))² over the grid.

    >>> mse(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    2.0
    """
    return float(np.mean((curve - exact) ** 2))


def bump_parts(network: nn.Sequential, x: np.ndarray) -> np.ndarray:
    """Each bump's contribution uₖ·Tₖ(x) to the bump network, shape (K, n): the sum over
    bump k's four hidden units 4k … 4k + 3 of output weight × ReLU(aⱼx + bⱼ).

    >>> net = stir.analysis.bump_network(lambda x: 2.0, 0.0, 1.0, n_bumps=2)
    >>> bump_parts(net, np.array([0.25, 0.75])).round(6)
    array([[2., 0.],
           [0., 2.]])
    """
    with stir.no_grad():
        hidden = network[1](network[0](stir.tensor(x.reshape(-1, 1), dtype=stir.float64)))
        weighted = hidden.array * network[2].weight.array.reshape(1, -1)
    return weighted.reshape(len(x), -1, 4).sum(axis=2).T


def kinks_in_unit_interval(model: nn.Module) -> np.ndarray:
    """The breakpoints of a 1-D ReLU network that lie in [0, 1] (stir.analysis.breakpoints)."""
    kinks = stir.analysis.breakpoints(model)
    return kinks[(kinks >= 0.0) & (kinks <= 1.0)]


def train_mlp(function: Callable[[np.ndarray], np.ndarray], width: int) -> nn.MLP:
    """A 1 → width → 1 ReLU MLP trained on (1/n)·Σ (h(xᵢ) - f(xᵢ))² by full-batch Adam
    (TRAIN_STEPS steps, lr LEARNING_RATE) from seed SEED, as seed 003's reality check."""
    x = np.linspace(0.0, 1.0, TRAIN_POINTS)
    generator = stir.Generator().manual_seed(SEED)
    model = nn.MLP([1, width, 1], dtype=stir.float64, generator=generator)
    stir.fit(model, F.mse_loss, optim.Adam(model.parameters(), lr=LEARNING_RATE),
             x.reshape(-1, 1), function(x).reshape(-1, 1), steps=TRAIN_STEPS,
             batch_size=TRAIN_POINTS, verbose=0, generator=generator)
    return model


class BumpBuilder(Explorer):
    """Seed 003's universal approximation: a sum of `n_bumps` ReLU bumps (4 hidden units
    each) against the target, beside an MLP of the same width trained by Adam.

    `target` is a name of TARGETS (None: the demo's x·sin(2πx) + 0.5) or a function of a
    NumPy array on [0, 1]. Setting `n_bumps` or `target` recomputes `network` (the bump
    network), `mlp` (trained once per setting, then cached), their curves and `bump_mse`,
    `mlp_mse` on [0, 1].

    >>> w = BumpBuilder(n_bumps=4)
    >>> w.network[0]
    Linear(1 => 16)  # 32 parameters
    >>> w.bump_mse > BumpBuilder(n_bumps=16).bump_mse
    True
    """

    _esm = front_end("bumps")
    target = traitlets.Unicode(DEFAULT_TARGET).tag(sync=True)
    n_bumps = traitlets.Any(5).tag(sync=True)  # Any: _check_n_bumps says what is wrong
    max_bumps = traitlets.Int(MAX_BUMPS).tag(sync=True)
    targets = traitlets.List().tag(sync=True)  # [name, formula] pairs for the drop-down
    xs = traitlets.List().tag(sync=True)
    target_curve = traitlets.List().tag(sync=True)
    bump_curve = traitlets.List().tag(sync=True)
    parts = traitlets.List().tag(sync=True)
    mlp_curve = traitlets.List().tag(sync=True)
    bump_kinks = traitlets.List().tag(sync=True)
    mlp_kinks = traitlets.List().tag(sync=True)
    bump_mse = traitlets.Float(0.0).tag(sync=True)
    mlp_mse = traitlets.Float(0.0).tag(sync=True)
    training = traitlets.Bool(False).tag(sync=True)

    def __init__(self, target: str | Callable[[np.ndarray], np.ndarray] | None = None,
                 n_bumps: int = 5, **kwargs: Any) -> None:
        self._targets = dict(TARGETS)
        if callable(target):
            name = getattr(target, "__name__", "custom")
            name = "custom" if name == "<lambda>" or name in TARGETS else name
            self._targets[name] = (f"{name}(x)", target)
            target = name
        self._cache: dict[tuple[str, int], tuple[nn.MLP, np.ndarray]] = {}
        self.grid = np.linspace(0.0, 1.0, GRID_POINTS)
        super().__init__(target=DEFAULT_TARGET if target is None else target,
                         n_bumps=n_bumps, targets=[[key, f"{key}: {formula}"] for key, (formula, _)
                                                   in self._targets.items()], **kwargs)

    @traitlets.validate("n_bumps")
    def _check_n_bumps(self, proposal: dict) -> int:
        return check_int("BumpBuilder: n_bumps", proposal["value"], 1, MAX_BUMPS)

    @traitlets.validate("target")
    def _check_target(self, proposal: dict) -> str:
        if proposal["value"] not in self._targets:
            raise ExplorerValueError(f"BumpBuilder: unknown target {proposal['value']!r}; the "
                                     f"targets are {', '.join(self._targets)} (or a function)")
        return proposal["value"]

    @traitlets.observe("n_bumps", "target")
    def _on_change(self, change: dict) -> None:
        self.refresh()

    @property
    def function(self) -> Callable[[np.ndarray], np.ndarray]:
        """The target f as a function of a NumPy array."""
        return self._targets[self.target][1]

    def _exact(self) -> np.ndarray:
        exact = np.asarray(self.function(self.grid), dtype=np.float64)
        if exact.shape != self.grid.shape or not np.all(np.isfinite(exact)):
            raise ExplorerValueError(f"BumpBuilder: the target must map an array of shape "
                                     f"{self.grid.shape} to finite values of the same shape")
        return exact

    def __repr__(self) -> str:  # what a notebook shows where widgets do not render
        return (f"BumpBuilder(target={self.target!r}, n_bumps={self.n_bumps}, "
                f"bump MSE {self.bump_mse:.4g}, MLP MSE {self.mlp_mse:.4g})")

    def update(self) -> None:
        exact = self._exact()
        function = self.function
        self.network = stir.analysis.bump_network(lambda x: float(function(np.float64(x))),
                                                  0.0, 1.0, self.n_bumps)
        bump_curve = predict(self.network, self.grid)
        with self.hold_sync():
            self.xs, self.target_curve = to_list(self.grid), to_list(exact)
            self.bump_curve = to_list(bump_curve)
            self.parts = to_list(bump_parts(self.network, self.grid), digits=4)
            self.bump_kinks = to_list(kinks_in_unit_interval(self.network))
            self.bump_mse = mse(bump_curve, exact)
        key = (self.target, self.n_bumps)
        if key not in self._cache:
            self.training = True  # the front end shows it while the MLP trains
            model = train_mlp(function, 4 * self.n_bumps)
            self._cache[key] = model, predict(model, self.grid)
        self.mlp, mlp_curve = self._cache[key]
        with self.hold_sync():
            self.mlp_curve = to_list(mlp_curve)
            self.mlp_kinks = to_list(kinks_in_unit_interval(self.mlp))
            self.mlp_mse = mse(mlp_curve, exact)
            self.training = False
