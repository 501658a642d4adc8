"""An activation explorer: any of the seeds' activations f, its derivative f' by autograd,
its formula, and sliders for the parameters of the parametrised ones (seeds 003 and 004).

f acts on each number alone, so for a vector x that requires grad, f(x).sum().backward()
leaves f'(xᵢ) in x.grad[i]: the whole derivative curve from one backward pass.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import numpy as np
import traitlets

import stir
from stir import nn

from ._explorers import Explorer, ExplorerValueError, check_float, front_end, to_list

# A parameter: its default and slider range (lo, hi, step), or the choices of a drop-down.
Slider = tuple[float, float, float, float]
#: The elementwise activations of stir.nn by name, with their parameters in the order shown.
PARAMETERS: dict[str, dict[str, Slider | tuple[str, ...]]] = {
    "identity": {}, "step": {}, "sign": {}, "sigmoid": {}, "tanh": {}, "relu": {},
    "leaky_relu": {"negative_slope": (0.01, 0.0, 1.0, 0.01)},
    "very_leaky_relu": {"negative_slope": (1 / 3, 0.0, 1.0, 0.01)},
    "prelu": {"weight": (0.25, -1.0, 1.5, 0.01)},
    "rrelu": {"lower": (1 / 8, 0.0, 1.0, 0.01), "upper": (1 / 3, 0.0, 1.0, 0.01)},
    "elu": {"alpha": (1.0, 0.0, 3.0, 0.05)},
    "softplus": {"beta": (1.0, 0.25, 5.0, 0.05)},
    "centered_softplus": {},
    "apl": {"a1": (0.5, -1.0, 1.0, 0.05), "b1": (-1.0, -3.0, 3.0, 0.1),
            "a2": (-0.5, -1.0, 1.0, 0.05), "b2": (1.0, -3.0, 3.0, 0.1)},
    "gelu": {"approximate": ("none", "tanh")},
    "silu": {},
}
NAMES = tuple(PARAMETERS)
ALIASES = {"heaviside": "step", "swish": "silu"}
NOT_ELEMENTWISE = ("softmax", "log_softmax")


def _shown(p: dict[str, Any]) -> dict[str, str]:
    return {key: f"{value:.2f}" if isinstance(value, float) else str(value)
            for key, value in p.items()}


#: Each activation's formula and derivative, from its parameters (as `stir.nn.functional`).
FORMULAS: dict[str, Callable[[dict[str, str]], tuple[str, str]]] = {
    "identity": lambda p: ("f(x) = x", "f′(x) = 1"),
    "step": lambda p: ("f(x) = 1 for x ≥ 0, else 0  (Heaviside)",
                       "f′(x) = 0 everywhere, the jump included: gradient descent learns nothing"),
    "sign": lambda p: ("f(x) = −1 for x < 0, 0 at 0, 1 for x > 0", "f′(x) = 0 everywhere"),
    "sigmoid": lambda p: ("σ(x) = 1 / (1 + e⁻ˣ)", "σ′(x) = σ(x)·(1 − σ(x))"),
    "tanh": lambda p: ("tanh(x) = (e²ˣ − 1) / (e²ˣ + 1)", "tanh′(x) = 1 − tanh²(x)"),
    "relu": lambda p: ("ReLU(x) = max(0, x)", "ReLU′(x) = 1 for x > 0, else 0 (0 at x = 0)"),
    "leaky_relu": lambda p: ((f"f(x) = x for x > 0, else αx = max(αx, x),  α = "
                             f"{p['negative_slope']}"), "f′(x) = 1 for x > 0, else α"),
    "very_leaky_relu": lambda p: (f"f(x) = x for x > 0, else αx,  α = {p['negative_slope']}",
                                  "f′(x) = 1 for x > 0, else α"),
    "prelu": lambda p: (f"f(x) = x for x > 0, else a·x,  a = {p['weight']} (learnable)",
                        "f′(x) = 1 for x > 0, else a;   ∂f/∂a = x for x ≤ 0, else 0"),
    "rrelu": lambda p: ((f"f(x) = x for x > 0, else a·x,  a ~ U[{p['lower']}, {p['upper']}] in "
                        "training; drawn in evaluation, a = (lower + upper)/2"),
                        "f′(x) = 1 for x > 0, else a"),
    "elu": lambda p: (f"f(x) = x for x > 0, else α(eˣ − 1),  α = {p['alpha']}",
                      "f′(x) = 1 for x > 0, else αeˣ"),
    "softplus": lambda p: (f"f(x) = (1/β)·ln(1 + e^(βx)),  β = {p['beta']}", "f′(x) = σ(βx)"),
    "centered_softplus": lambda p: ("f(x) = ln(1 + eˣ) − ln 2", "f′(x) = σ(x)"),
    "apl": lambda p: ((f"f(x) = max(0, x) + a₁·max(0, b₁ − x) + a₂·max(0, b₂ − x),  a = "
                      f"({p['a1']}, {p['a2']}), b = ({p['b1']}, {p['b2']})"),
                      "f′(x) = [x > 0] − a₁·[x < b₁] − a₂·[x < b₂]"),
    "gelu": lambda p: (("f(x) = x·Φ(x), Φ the standard normal distribution function",
                        "f′(x) = Φ(x) + x·φ(x)") if p["approximate"] == "none" else
                       ("f(x) = ½x·(1 + tanh(√(2/π)·(x + 0.044715x³)))",
                        "f′(x): the derivative of that formula, as written")),
    "silu": lambda p: ("f(x) = x·σ(x)  (SiLU, swish)", "f′(x) = σ(x)·(1 + x·(1 − σ(x)))"),
}


def canonical_name(name: Any) -> str:
    """The explorer's name for an activation: case, '-' and '_' do not matter.

    >>> canonical_name("LeakyReLU"), canonical_name("swish")
    ('leaky_relu', 'silu')
    """
    if not isinstance(name, str):
        raise ExplorerValueError(f"ActivationExplorer: the name must be a string, got {name!r}")
    compact = name.strip().lower().replace("-", "").replace("_", "")
    known = {key.replace("_", ""): key for key in (*NAMES, *ALIASES, *NOT_ELEMENTWISE)}
    key = known.get(compact)
    if key in NOT_ELEMENTWISE:
        raise ExplorerValueError(f"ActivationExplorer: {key} is not elementwise (each output "
                                 "depends on the whole vector), so it has no curve to draw")
    if key is None:
        close = difflib.get_close_matches(name.lower(), NAMES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ExplorerValueError(f"ActivationExplorer: unknown activation {name!r}; {hint}"
                                 f"known names: {', '.join(NAMES)}")
    return ALIASES.get(key, key)


def defaults(name: str) -> dict[str, Any]:
    """The parameters of activation `name` at their defaults (those of stir.nn)."""
    return {key: spec[0] for key, spec in PARAMETERS[name].items()}


def build(name: str, params: dict[str, Any]) -> nn.Module:
    """The stir.nn module of activation `name` with `params`, in float64 and eval mode (so
    RReLU is the deterministic curve)."""
    if name == "prelu":
        return nn.PReLU(init=params["weight"], dtype=np.float64)
    if name == "apl":
        module = nn.APL(num_hinges=2, dtype=np.float64)
        module.a.array[...] = [params["a1"], params["a2"]]
        module.b.array[...] = [params["b1"], params["b2"]]
        return module
    return nn.make_activation(name, **params).eval()


class ActivationExplorer(Explorer):
    """Activation `name`, f (solid) and f' (dashed, from stir's backward) on `x_range`,
    its formula, and a slider for each parameter; a handle on the curve shows f and f' at
    one point (`probe`), with the tangent there.

    Python-usable: `values`, `derivative` and `x` are the arrays drawn; setting `name`,
    `params` (a dict; missing keys keep their value) or `probe` recomputes them. Parameters
    can also be given by keyword: ActivationExplorer("elu", alpha=0.5).

    >>> w = ActivationExplorer("leaky_relu", negative_slope=0.2)
    >>> float(w.derivative[0]), float(w.derivative[-1])
    (0.2, 1.0)
    """

    _esm = front_end("activations")
    name = traitlets.Unicode("relu").tag(sync=True)
    params = traitlets.Dict().tag(sync=True)
    param_specs = traitlets.List().tag(sync=True)  # what the sliders show, for this name
    names = traitlets.List(list(NAMES)).tag(sync=True)
    formula = traitlets.Unicode().tag(sync=True)
    derivative_formula = traitlets.Unicode().tag(sync=True)
    xs = traitlets.List().tag(sync=True)
    ys = traitlets.List().tag(sync=True)
    dys = traitlets.List().tag(sync=True)
    probe = traitlets.Float(1.0).tag(sync=True)
    probe_value = traitlets.Float(0.0).tag(sync=True)
    probe_slope = traitlets.Float(0.0).tag(sync=True)

    def __init__(self, name: str = "relu", x_range: tuple[float, float] = (-4.0, 4.0),
                 points: int = 801, **params: Any) -> None:
        lo, hi = (check_float("ActivationExplorer: x_range", float(v), -1e6, 1e6)
                  for v in x_range)
        if not lo < hi or not isinstance(points, int) or points < 2:
            raise ExplorerValueError(f"ActivationExplorer: need x_range lo < hi and points ≥ 2, "
                                     f"got x_range={x_range}, points={points!r}")
        self.x = np.linspace(lo, hi, points)
        name = canonical_name(name)
        super().__init__(name=name, params={**defaults(name), **params},
                         probe=float(np.clip(1.0, lo, hi)))

    @traitlets.validate("name")
    def _check_name(self, proposal: dict) -> str:
        return canonical_name(proposal["value"])

    @traitlets.validate("params")
    def _check_params(self, proposal: dict) -> dict[str, Any]:
        given = dict(proposal["value"])
        unknown = set(given) - set(PARAMETERS[self.name])
        if unknown:
            wanted = ", ".join(PARAMETERS[self.name]) or "no parameters"
            raise ExplorerValueError(f"ActivationExplorer: {self.name} has {wanted}; got "
                                     f"{', '.join(sorted(unknown))}")
        # Keys left out keep their value (or their default, after a change of name).
        current = {**defaults(self.name), **{key: value for key, value in self.params.items()
                                            if key in PARAMETERS[self.name]}}
        checked = {}
        for key, value in {**current, **given}.items():
            spec = PARAMETERS[self.name][key]
            if isinstance(spec[0], str):
                if value not in spec:
                    raise ExplorerValueError(f"ActivationExplorer: {key} must be one of "
                                             f"{', '.join(map(repr, spec))}, got {value!r}")
                checked[key] = value
            else:
                checked[key] = check_float(f"ActivationExplorer: {key}", value, spec[1], spec[2])
        if self.name == "rrelu" and checked["lower"] > checked["upper"]:
            raise ExplorerValueError(f"ActivationExplorer: rrelu needs lower ≤ upper, got "
                                     f"lower={checked['lower']}, upper={checked['upper']}")
        return checked

    @traitlets.validate("probe")
    def _check_probe(self, proposal: dict) -> float:
        return check_float("ActivationExplorer: probe", proposal["value"], self.x[0], self.x[-1])

    @traitlets.observe("name")
    def _on_name(self, change: dict) -> None:
        if self._ready:
            self._ready = False  # one update for the new name and its default parameters
            self.params = defaults(self.name)
            self._ready = True
            self.refresh()

    @traitlets.observe("params", "probe")
    def _on_change(self, change: dict) -> None:
        self.refresh()

    def __repr__(self) -> str:  # what a notebook shows where widgets do not render
        settings = "".join(f", {key}={value!r}" for key, value in self.params.items())
        return f"ActivationExplorer({self.name!r}{settings})"

    def update(self) -> None:
        self.module = build(self.name, self.params)
        points = np.append(self.x, self.probe)  # the curve and the probe in one backward pass
        x = stir.tensor(points, dtype=stir.float64, requires_grad=True)
        y = self.module(x)
        y.sum().backward()  # ∂(Σⱼ f(xⱼ))/∂xᵢ = f'(xᵢ), as f acts on each number alone
        self.values, self.derivative = y.array[:-1].copy(), x.grad.array[:-1].copy()
        formula, derivative = FORMULAS[self.name](_shown(self.params))
        specs = [{"name": key, "options": list(spec)} if isinstance(spec[0], str) else
                 {"name": key, "min": spec[1], "max": spec[2], "step": spec[3]}
                 for key, spec in PARAMETERS[self.name].items()]
        with self.hold_sync():
            self.param_specs, self.formula, self.derivative_formula = specs, formula, derivative
            self.xs, self.ys, self.dys = (to_list(self.x), to_list(self.values),
                                          to_list(self.derivative))
            self.probe_value, self.probe_slope = float(y.array[-1]), float(x.grad.array[-1])
