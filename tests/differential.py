"""A random differential tester: seeded expressions of the public API, run under stir and
PyTorch from the same NumPy inputs, compared on values, dtypes, shapes and gradients.

An expression is a small tree (`Expr`) that knows its Python text (the reproducer) and how to
build itself with either library, so nothing is ever evaluated from text. The generator grows
each tree one call at a time and evaluates every candidate under PyTorch at once, so that it
knows the shape and dtype it is building on; a candidate that PyTorch rejects is usually
dropped, and now and then kept as a case whose answer is "this must raise".

Run it by hand for a larger report:  python3 tests/differential.py --cases 20000 --seed 1
"""

from __future__ import annotations

import argparse
import operator
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

FLOATS = ("float32", "float64")
DTYPES = ("float32", "float32", "float32", "float64", "int64", "int32", "bool")
TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-10, 1e-10)}
CATEGORIES = ("missing", "error (stir only)", "error (torch only)", "shapes", "dtype promotion",
              "values", "gradients", "type")


class Missing(Exception):
    """The library has no attribute of this name."""


# --- expressions ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Env:
    lib: Any  # the module: stir or torch
    leaves: dict[str, Any]


@dataclass(frozen=True)
class Expr:
    text: str
    build: Callable[[Env], Any]


def attribute(owner: Any, name: str, label: str) -> Any:
    """getattr that reports a missing name as Missing, distinct from errors inside the call."""
    try:
        return getattr(owner, name)
    except AttributeError:
        raise Missing(label) from None


def render(value: Any) -> str:
    if isinstance(value, Expr):
        return value.text
    if isinstance(value, slice):
        parts = ["" if part is None else render(part)
                 for part in (value.start, value.stop, value.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if value.step is not None else "")
    if value is Ellipsis:
        return "..."
    if isinstance(value, tuple):
        return "(" + ", ".join(render(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    return repr(value)


def realise(value: Any, env: Env) -> Any:
    if isinstance(value, Expr):
        return value.build(env)
    if isinstance(value, tuple):
        return tuple(realise(v, env) for v in value)
    if isinstance(value, list):
        return [realise(v, env) for v in value]
    return value


def arguments_text(args: tuple, kwargs: dict) -> str:
    return ", ".join([render(a) for a in args] + [f"{k}={render(v)}" for k, v in kwargs.items()])


def leaf(name: str) -> Expr:
    return Expr(name, lambda env: env.leaves[name])


def function(name: str, *args: Any, **kwargs: Any) -> Expr:
    """torch.name(*args, **kwargs)."""
    def build(env: Env) -> Any:
        call = attribute(env.lib, name, f"torch.{name}")
        return call(*realise(args, env), **{k: realise(v, env) for k, v in kwargs.items()})
    return Expr(f"torch.{name}({arguments_text(args, kwargs)})", build)


def method(receiver: Expr, name: str, *args: Any, **kwargs: Any) -> Expr:
    """receiver.name(*args, **kwargs)."""
    def build(env: Env) -> Any:
        call = attribute(receiver.build(env), name, f"Tensor.{name}")
        return call(*realise(args, env), **{k: realise(v, env) for k, v in kwargs.items()})
    return Expr(f"{receiver.text}.{name}({arguments_text(args, kwargs)})", build)


def prop(receiver: Expr, name: str) -> Expr:
    """receiver.name, an attribute such as .T or .values."""
    return Expr(f"{receiver.text}.{name}",
                lambda env: attribute(receiver.build(env), name, f"Tensor.{name}"))


def lib_name(name: str) -> Expr:
    """torch.name, e.g. a dtype."""
    return Expr(f"torch.{name}", lambda env: attribute(env.lib, name, f"torch.{name}"))


OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "@": operator.matmul,
             ">": operator.gt, "<": operator.lt, "==": operator.eq, ">=": operator.ge}


def binary(symbol: str, left: Any, right: Any) -> Expr:
    apply = OPERATORS[symbol]
    return Expr(f"({render(left)} {symbol} {render(right)})",
                lambda env: apply(realise(left, env), realise(right, env)))


def negate(x: Expr) -> Expr:
    return Expr(f"(-{x.text})", lambda env: -x.build(env))


def index(x: Expr, key: Any) -> Expr:
    text = render(key)[1:-1].rstrip(",") if isinstance(key, tuple) else render(key)
    return Expr(f"{x.text}[{text}]", lambda env: x.build(env)[realise(key, env)])


def item(x: Expr, position: int) -> Expr:
    """x[position] on a result that is a tuple, such as max(dim)'s (values, indices)."""
    return Expr(f"{x.text}[{position}]", lambda env: x.build(env)[position])


# --- cases ------------------------------------------------------------------------------------

@dataclass
class Leaf:
    name: str
    array: np.ndarray

    @property
    def floating(self) -> bool:
        return self.array.dtype.name in FLOATS

    def describe(self) -> str:
        return f"{self.name} = np.array({self.array.tolist()!r}, dtype=np.{self.array.dtype})"


@dataclass
class Case:
    number: int
    expr: Expr
    leaves: list[Leaf]
    torch_raises: bool = False

    def reproducer(self) -> str:
        return "\n".join([f"out = {self.expr.text}"] + ["    " + leaf.describe()
                                                       for leaf in self.leaves])


@dataclass
class Outcome:
    """What one library made of a case."""

    error: str | None = None
    missing: str | None = None
    value: np.ndarray | None = None
    dtype: str | None = None
    grads: dict[str, np.ndarray | None] = field(default_factory=dict)
    grad_error: str | None = None
    warned: bool = False
    type_name: str | None = None

    def summary(self) -> str:
        if self.missing:
            return f"missing {self.missing}"
        if self.error:
            return f"raised {self.error}"
        if self.value is None:
            return f"returned a {self.type_name}, not a tensor"
        values = summarise(self.value)
        return f"{self.dtype} {tuple(self.value.shape)} {values}"


def dtype_name(dtype: Any) -> str:
    return str(dtype).removeprefix("torch.").removeprefix("stir.")


def to_numpy(tensor: Any) -> np.ndarray:
    return np.array(tensor.detach().numpy(), copy=True)


def run(case: Case, lib: Any, weights: np.ndarray | None) -> Outcome:
    """Build the case with `lib`; then differentiate sum(out * weights) w.r.t. float leaves."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = run_quietly(case, lib, weights)
    # NumPy's RuntimeWarnings (overflow, invalid value) are noise; a UserWarning is a library
    # saying that it differs from PyTorch on purpose.
    outcome.warned = any(issubclass(w.category, UserWarning) for w in caught)
    return outcome


def run_quietly(case: Case, lib: Any, weights: np.ndarray | None) -> Outcome:
    outcome = Outcome()
    leaves = {leaf.name: lib.tensor(leaf.array.copy(), requires_grad=leaf.floating)
              for leaf in case.leaves}
    try:
        out = case.expr.build(Env(lib, leaves))
    except Missing as missing:
        outcome.missing = str(missing)
        return outcome
    except Exception as error:  # any error at all is an outcome to compare
        outcome.error = f"{type(error).__name__}: {first_line(error)}"
        return outcome
    if not hasattr(out, "detach") or not hasattr(out, "dtype"):
        outcome.type_name = type(out).__name__
        return outcome
    outcome.value, outcome.dtype = to_numpy(out), dtype_name(out.dtype)
    if weights is None or outcome.dtype not in FLOATS or not getattr(out, "requires_grad", 0):
        return outcome
    try:
        if weights.shape != outcome.value.shape:
            return outcome
        (out * lib.tensor(weights.astype(outcome.dtype))).sum().backward()
        for leaf in case.leaves:
            if leaf.floating:
                grad = leaves[leaf.name].grad
                outcome.grads[leaf.name] = None if grad is None else to_numpy(grad)
    except Exception as error:
        outcome.grad_error = f"{type(error).__name__}: {first_line(error)}"
    return outcome


def first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0][:120] if lines else ""


def close(a: np.ndarray, b: np.ndarray, dtype: str) -> bool:
    if a.shape != b.shape:
        return False
    if dtype not in TOLERANCES:
        return bool(np.array_equal(a, b))
    rtol, atol = TOLERANCES[dtype]
    return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=atol,
                            equal_nan=True))


def tolerance_dtype(case: Case, dtype: str, output_dtype: str | None = None) -> str:
    """float64's tight tolerance only when every input (and, for a gradient, the output) is
    float64: any float32 or integer input, or a float32 output (`x.float()` inside), makes
    float32 intermediates, whose rounding the libraries need not share."""
    lower = any(leaf.array.dtype.name != "float64" for leaf in case.leaves) or (
        output_dtype is not None and output_dtype != "float64")
    if dtype == "float64" and lower:
        return "float32"
    return dtype


def compare(case: Case, stir_side: Outcome, torch_side: Outcome) -> str | None:
    """The category of disagreement, or None when the two libraries agree."""
    if stir_side.missing:
        return "missing"
    if torch_side.error or torch_side.missing:
        return None if stir_side.error else "error (torch only)"
    if stir_side.error:
        return "error (stir only)"
    if stir_side.value is None:
        return "type"
    if stir_side.value.shape != torch_side.value.shape:
        return "shapes"
    if stir_side.dtype != torch_side.dtype:
        return "dtype promotion"
    if not close(stir_side.value, torch_side.value, tolerance_dtype(case, torch_side.dtype)):
        return "values"
    if torch_side.grad_error:  # e.g. floor_divide: PyTorch has no derivative to compare with
        return None
    if torch_side.grads or stir_side.grads or stir_side.grad_error:
        if stir_side.grad_error:
            return "gradients"
        for name, expected in torch_side.grads.items():
            got = stir_side.grads.get(name)
            zero = np.zeros_like(expected if expected is not None else got)
            expected = zero if expected is None else expected
            got = zero if got is None else got
            tolerance = tolerance_dtype(case, str(expected.dtype), torch_side.dtype)
            if not close(got, expected, tolerance):
                return "gradients"
    return None


# --- the generator ----------------------------------------------------------------------------

class Generator:
    """Seeded random expressions, each checked under PyTorch as it grows."""

    def __init__(self, torch: Any, seed: int, max_depth: int = 4) -> None:
        self.torch = torch
        self.rng = np.random.default_rng(seed)
        self.max_depth = max_depth
        self.leaves: list[Leaf] = []
        self.rejected: list[Expr] = []
        self.env = Env(torch, {})

    # helpers
    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def pick(self, options: list | tuple) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def shape(self) -> tuple[int, ...]:
        ndim = self.pick((0, 1, 1, 2, 2, 2, 3, 3))
        sizes = [int(self.rng.integers(1, 5)) for _ in range(ndim)]
        if sizes and self.chance(0.03):
            sizes[int(self.rng.integers(ndim))] = 0
        return tuple(sizes)

    def array(self, shape: tuple[int, ...], dtype: str) -> np.ndarray:
        if dtype in FLOATS:
            values = self.rng.standard_normal(shape) * self.pick((0.5, 1.0, 2.0))
            return np.asarray(values, dtype=dtype)
        if dtype == "bool":
            return np.asarray(self.rng.random(shape) < 0.5)
        return np.asarray(self.rng.integers(-5, 6, size=shape), dtype=dtype)

    def new_leaf(self, shape: tuple[int, ...] | None = None, dtype: str | None = None) -> Expr:
        name = f"x{len(self.leaves)}"
        array = self.array(self.shape() if shape is None else shape,
                           self.pick(DTYPES) if dtype is None else dtype)
        self.leaves.append(Leaf(name, array))
        self.env.leaves[name] = self.torch.tensor(array.copy())
        return leaf(name)

    def probe(self, expr: Expr) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = expr.build(self.env)
        if not isinstance(value, self.torch.Tensor):
            raise TypeError("not a tensor")
        return value

    def broadcast_partner(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts with `shape`: leading dimensions dropped, some set to 1."""
        partner = list(shape[int(self.rng.integers(len(shape) + 1)):])
        partner = [1 if self.chance(0.3) else size for size in partner]
        if self.chance(0.15):
            partner.insert(0, int(self.rng.integers(1, 3)))
        return tuple(partner)

    def dim(self, value: Any) -> int:
        ndim = value.dim()
        return int(self.rng.integers(-ndim, ndim)) if ndim else self.pick((0, -1))

    def operand(self, value: Any) -> Any:
        """The other side of a binary operation: a tensor, a Python scalar or a 0-d tensor."""
        roll = self.rng.random()
        if roll < 0.45:
            return self.new_leaf(self.broadcast_partner(tuple(value.shape)))
        if roll < 0.6:
            return self.new_leaf((), self.pick(DTYPES))
        if roll < 0.75:
            return self.new_leaf(tuple(value.shape), self.pick(DTYPES))
        return self.pick((2, -1, 3, 0.5, -1.5, 2.0, True))

    # the families: each returns a candidate built on x, or None when it does not apply
    def unary(self, x: Expr, value: Any) -> Expr | None:
        name = self.pick(("exp", "tanh", "sigmoid", "relu", "abs", "neg", "sin", "cos",
                          "log_abs", "sqrt_abs", "pow", "clamp", "cast", "square_op"))
        style = self.pick(("function", "method"))
        if name == "log_abs":
            return function("log", binary("+", method(x, "abs"), 1))
        if name == "sqrt_abs":
            inner = method(x, "abs")
            return method(inner, "sqrt") if style == "method" else function("sqrt", inner)
        if name == "pow":
            exponent = self.pick((2, 3, 0.5, 1.5, -1, 2.0))
            base = method(x, "abs") if isinstance(exponent, float) and exponent % 1 else x
            if style == "method":
                return method(base, "pow", exponent)
            return binary("**", base, exponent) if self.chance(0.5) else function("pow", base,
                                                                                     exponent)
        if name == "clamp":
            low, high = sorted(float(v) for v in self.rng.standard_normal(2).round(2))
            kwargs = self.pick(({"min": low}, {"max": high}, {"min": low, "max": high}))
            return method(x, "clamp", **kwargs) if style == "method" else function(
                "clamp", x, **kwargs)
        if name == "cast":
            return method(x, self.pick(("float", "double", "long", "int", "bool")))
        if name == "square_op":
            return binary("*", x, x)
        if name == "neg" and self.chance(0.5):
            return negate(x)
        return method(x, name) if style == "method" else function(name, x)

    def binary(self, x: Expr, value: Any) -> Expr | None:
        other = self.operand(value)
        symbol = self.pick(("+", "-", "*", "/", "+", "*", "maximum", "minimum", ">", "==",
                            "//", "%", "where"))
        if symbol in ("maximum", "minimum"):
            if not isinstance(other, Expr):
                return None
            return function(symbol, x, other)
        if symbol == "where":
            return function("where", binary(">", x, 0), x, other)
        if self.chance(0.25):
            return binary(symbol, other, x)
        return binary(symbol, x, other)

    def reduction(self, x: Expr, value: Any) -> Expr | None:
        name = self.pick(("sum", "mean", "max", "min", "amax", "std", "var", "logsumexp",
                          "softmax", "log_softmax", "max_dim", "argmax", "prod"))
        keepdim = self.chance(0.3)
        if value.dim() == 0 and name in ("amax",):
            return None
        dim = self.dim(value)
        if name in ("sum", "mean", "prod") and self.chance(0.3):
            return method(x, name)
        if name in ("max", "min") and self.chance(0.5):
            return method(x, name)
        if name == "max_dim":
            reduced = method(x, self.pick(("max", "min")), dim, keepdim=keepdim)
            return item(reduced, 0) if self.chance(0.5) else prop(reduced, "values")
        if name in ("max", "min"):
            return item(method(x, name, dim=dim, keepdim=keepdim), self.pick((0, 1)))
        if name in ("std", "var"):
            kwargs = self.pick(({}, {"correction": 0}, {"unbiased": False}, {"correction": 1}))
            if self.chance(0.3):
                return method(x, name, **kwargs)
            return method(x, name, dim=dim, keepdim=keepdim, **kwargs)
        if name in ("softmax", "log_softmax"):
            return method(x, name, dim) if self.chance(0.5) else function(name, x, dim=dim)
        if name == "logsumexp":
            return function("logsumexp", x, dim=dim, keepdim=keepdim)
        if name == "amax" and value.dim() >= 2 and self.chance(0.3):
            return method(x, "amax", dim=(0, -1), keepdim=keepdim)
        if name == "argmax":
            return method(x, "argmax", dim=dim) if self.chance(0.7) else function("argmax", x)
        return method(x, name, dim=dim, keepdim=keepdim)

    def shape_op(self, x: Expr, value: Any) -> Expr | None:
        name = self.pick(("reshape", "transpose", "permute", "unsqueeze", "squeeze", "flatten",
                          "expand", "cat", "stack", "t"))
        shape, ndim = tuple(value.shape), value.dim()
        if name == "reshape":
            sizes = [value.numel()] if value.numel() < 2 or self.chance(0.3) else [1, value.numel()]
            if value.numel() % 2 == 0 and value.numel() > 2 and self.chance(0.5):
                sizes = [2, value.numel() // 2]
            if self.chance(0.4):
                sizes[int(self.rng.integers(len(sizes)))] = -1
            return method(x, self.pick(("reshape", "view")), *sizes) if self.chance(0.5) else \
                function("reshape", x, tuple(sizes))
        if name == "transpose" and ndim >= 2:
            return method(x, "transpose", self.dim(value), self.dim(value))
        if name == "permute" and ndim >= 1:
            return method(x, "permute", *[int(d) for d in self.rng.permutation(ndim)])
        if name == "unsqueeze":
            return method(x, "unsqueeze", int(self.rng.integers(-ndim - 1, ndim + 1)))
        if name == "squeeze":
            return method(x, "squeeze", self.dim(value)) if self.chance(0.5) and ndim else \
                method(x, "squeeze")
        if name == "flatten":
            return method(x, "flatten") if ndim < 2 or self.chance(0.5) else \
                function("flatten", x, start_dim=1)
        if name == "expand":
            target = [int(self.rng.integers(1, 4)) if size == 1 else size for size in shape]
            if self.chance(0.4):
                target.insert(0, 2)
            return method(x, "expand", *target)
        if name in ("cat", "stack"):
            partner = self.new_leaf(shape, self.pick((value_dtype(value), "float32")))
            dim = self.dim(value) if name == "cat" else int(self.rng.integers(-ndim - 1, ndim + 1))
            return function(name, [x, partner], dim=dim)
        if name == "t" and ndim <= 2:
            return method(x, "t") if self.chance(0.5) else prop(x, "T")
        return None

    def matmul(self, x: Expr, value: Any) -> Expr | None:
        if value.dim() == 0:
            return None
        inner = value.shape[-1]
        shape = self.pick(((inner,), (inner, int(self.rng.integers(1, 4))),
                           (2, inner, int(self.rng.integers(1, 4)))))
        other = self.new_leaf(shape, self.pick((value_dtype(value), "float32")))
        return binary("@", x, other) if self.chance(0.5) else function("matmul", x, other)

    def indexing(self, x: Expr, value: Any) -> Expr | None:
        if value.dim() == 0:
            return None
        shape = tuple(value.shape)

        def position(size: int) -> int:
            return int(self.rng.integers(-size, size)) if size else 0

        def element(size: int) -> Any:
            roll = self.rng.random()
            if roll < 0.3 and size:
                return position(size)
            if roll < 0.6:
                start = self.pick((None, 0, 1, -1))
                return slice(start, self.pick((None, size, -1)), self.pick((None, None, 2)))
            if roll < 0.85 and size:
                return [position(size) for _ in range(int(self.rng.integers(1, 4)))]
            return slice(None)

        roll = self.rng.random()
        if roll < 0.15:
            return index(x, binary(">", x, 0))
        if roll < 0.25 and shape[0]:
            picks = [position(shape[0]) for _ in range(int(self.rng.integers(1, 4)))]
            return index(x, function("tensor", picks))
        if roll < 0.3:
            return index(x, (Ellipsis, element(shape[-1])))
        if roll < 0.35:
            return index(x, (None, slice(None)))
        count = int(self.rng.integers(1, len(shape) + 1))
        return index(x, tuple(element(size) for size in shape[:count]))

    FAMILIES = ("unary", "unary", "binary", "binary", "reduction", "shape_op", "matmul",
                "indexing")

    def grow(self, depth: int) -> tuple[Expr, Any]:
        if depth == 0 or (self.leaves and self.chance(0.2)):
            expr = self.new_leaf()
            return expr, self.env.leaves[expr.text]
        x, value = self.grow(depth - 1)
        for _ in range(4):
            family = getattr(self, self.pick(self.FAMILIES))
            candidate = family(x, value)
            if candidate is None:
                continue
            try:
                return candidate, self.probe(candidate)
            except Missing:
                raise
            except Exception:
                self.rejected.append(candidate)
        return x, value

    def case(self, number: int) -> Case:
        self.leaves, self.rejected = [], []
        self.env = Env(self.torch, {})
        expr, _ = self.grow(int(self.rng.integers(1, self.max_depth + 1)))
        if expr.text in self.env.leaves:  # a bare leaf tests nothing: wrap it once
            expr = method(expr, "sum")
        raises = bool(self.rejected) and self.chance(0.08)
        if raises:
            expr = self.pick(self.rejected)
        used = [leaf for leaf in self.leaves if re.search(rf"\b{leaf.name}\b", expr.text)]
        return Case(number, expr, used, torch_raises=raises)


def value_dtype(value: Any) -> str:
    return dtype_name(value.dtype)


# --- running many cases -----------------------------------------------------------------------

@dataclass
class Report:
    cases: int = 0
    agreements: int = 0
    expected_errors: int = 0
    warned: int = 0
    findings: dict[str, list[str]] = field(default_factory=lambda: {c: [] for c in CATEGORIES})
    missing_names: Counter = field(default_factory=Counter)

    @property
    def mismatches(self) -> int:
        return sum(len(v) for k, v in self.findings.items() if k != "missing")

    def counts(self) -> str:
        parts = [f"{self.cases} cases", f"{self.agreements} agree",
                 f"{self.mismatches} mismatches", f"{len(self.findings['missing'])} missing"]
        parts += [f"{k}: {len(v)}" for k, v in self.findings.items() if v and k != "missing"]
        return ", ".join(parts)

    def text(self, per_category: int = 4) -> str:
        lines = [self.counts()]
        if self.missing_names:
            names = ", ".join(f"{n} ({c})" for n, c in self.missing_names.most_common())
            lines.append(f"missing names: {names}")
        for category, found in self.findings.items():
            if found and category != "missing":
                lines.append(f"--- {category}: {len(found)}, the first {per_category}:")
                lines += found[:per_category]
        return "\n".join(lines)


def run_cases(stir: Any, torch: Any, count: int, seed: int) -> Report:
    """Generate `count` cases from `seed` and compare `stir` against `torch` on each."""
    generator = Generator(torch, seed)
    report = Report()
    weight_rng = np.random.default_rng(seed + 1)
    for number in range(count):
        case = generator.case(number)
        torch_side = run(case, torch, None)
        weights = None
        if torch_side.value is not None:
            weights = np.round(weight_rng.standard_normal(torch_side.value.shape), 3)
            torch_side = run(case, torch, weights)
        stir_side = run(case, stir, weights)
        report.cases += 1
        category = compare(case, stir_side, torch_side)
        if category is None:
            report.agreements += 1
            report.expected_errors += bool(torch_side.error)
            continue
        if category == "missing":
            report.missing_names[stir_side.missing] += 1
        report.warned += stir_side.warned
        report.findings[category].append(describe(case, category, stir_side, torch_side))
    return report


def describe(case: Case, category: str, stir_side: Outcome, torch_side: Outcome) -> str:
    lines = [f"[{category}] case {case.number}: {case.reproducer()}",
             f"    torch: {torch_side.summary()}", f"    stir:  {stir_side.summary()}"]
    if category == "gradients":
        for name, expected in torch_side.grads.items():
            got = stir_side.grads.get(name)
            lines.append(f"    grad {name}: torch {summarise(expected)}  stir {summarise(got)}")
        if stir_side.grad_error:
            lines.append(f"    stir's backward raised {stir_side.grad_error}")
    if stir_side.warned:
        lines.append("    (stir warned)")
    return "\n".join(lines)


def summarise(array: np.ndarray | None) -> str:
    """A one-line glimpse: the shape and the first values, flattened."""
    if array is None:
        return "None"
    text = np.array2string(array.ravel(), precision=6, threshold=12, max_line_width=10**6)
    return f"{text} (flat)" if array.ndim > 1 else text


def main() -> None:
    import stir
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=4, help="reproducers per category")
    options = parser.parse_args()
    report = run_cases(stir, torch, options.cases, options.seed)
    print(report.text(options.show))


if __name__ == "__main__":
    main()
