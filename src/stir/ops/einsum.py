"""`einsum`, the sum of products named by subscripts, as PyTorch's: its equation read and
checked (ellipsis, implicit output, spaces, the sublist form) and one primitive, whose
gradient for each operand is again an einsum, of the other operands and the gradient.
"""

from __future__ import annotations

import string
from typing import Any

from .. import _array
from ..autograd import Context
from ..tensor import Tensor, as_tensor
from .primitive import Primitive

Spec = tuple[tuple[str, ...], str]  # each operand's letters, and the output's


def _einsum(inputs: tuple[str, ...], output: str, operands: list[Any]) -> Any:
    """The einsum of arrays, or (recorded) of tensors."""
    if any(isinstance(x, Tensor) for x in operands):
        return Einsum.apply((inputs, output), *operands)
    return _array.maths.einsum(",".join(inputs) + "->" + output, *operands)


def _on_subscripts(g: Any, letters: str, subscripts: str, shape: tuple[int, ...]) -> Any:
    """g, whose axes are `letters` (each of `subscripts` once, in order of first
    appearance, some missing), laid out as an operand with `subscripts` of `shape`: missing
    letters broadcast, repeated ones on their diagonal (0 elsewhere)."""
    values = g.array if isinstance(g, Tensor) else g
    xp = _array.namespace(values)
    sizes = dict(zip(letters, values.shape))
    seen: set[str] = set()
    layout = []
    for letter in subscripts:
        layout.append(sizes.get(letter, 1) if letter not in seen else 1)
        seen.add(letter)
    g = g.reshape(tuple(layout)) if isinstance(g, Tensor) else xp.reshape(g, tuple(layout))
    full = tuple(max(n, sizes.get(s, n)) for n, s in zip(shape, subscripts))
    if tuple(layout) == full:
        return g
    mask = xp.ones(full, dtype=values.dtype, device=_array.device(values))
    for position, letter in enumerate(subscripts):
        first = subscripts.index(letter)
        if first < position:  # a repeat: keep its diagonal with the first occurrence
            index = xp.arange(full[position], device=_array.device(values))
            row, column = [1] * len(full), [1] * len(full)
            row[first], column[position] = full[first], full[position]
            equal = xp.reshape(index, tuple(row)) == xp.reshape(index, tuple(column))
            mask = mask * xp.astype(equal, values.dtype)
    return g * mask


class Einsum(Primitive):
    """z = einsum(subscripts, x₁, …, xₙ);  grad_xₖ = einsum of the other operands and dz,
    to xₖ's letters (those only xₖ has broadcast back, repeated ones put on the diagonal)."""

    @staticmethod
    def forward(ctx: Context, spec: Spec, *xs: Tensor) -> Any:
        ctx.spec = spec
        ctx.shapes = [x.shape for x in xs]
        ctx.save_for_backward(*xs)
        return _einsum(spec[0], spec[1], [x.array for x in xs])

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        inputs, output = ctx.spec
        xs = list(ctx.saved_tensors)
        grads: list[Any] = [None]
        for k, subscripts in enumerate(inputs):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = inputs[:k] + inputs[k + 1:]
            present = set(output).union(*others)
            letters = "".join(s for s in dict.fromkeys(subscripts) if s in present)
            g = _einsum(others + (output,), letters, xs[:k] + xs[k + 1:] + [grad_output])
            grads.append(_on_subscripts(g, letters, subscripts, tuple(ctx.shapes[k])))
        return tuple(grads)


def _from_sublists(arguments: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """PyTorch's sublist form einsum(x, [0, 1], y, [1, 2], [0, 2]) as an equation."""
    def letters(sublist: Any) -> str:
        return "".join("..." if s is Ellipsis else string.ascii_letters[int(s)]
                       for s in sublist)
    pairs = len(arguments) // 2
    operands = list(arguments[0:2 * pairs:2])
    equation = ",".join(letters(s) for s in arguments[1:2 * pairs:2])
    if len(arguments) % 2:  # the output's sublist, last
        equation += "->" + letters(arguments[-1])
    return equation, operands


def parse(equation: str, shapes: list[tuple[int, ...]]) -> Spec:
    """Each operand's letters and the output's, with ellipses spelled as fresh letters and
    an implicit output made explicit (the letters seen once, alphabetically, after the
    ellipsis's), checked against the operands' shapes with PyTorch's messages."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    terms = left.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    used = set(equation) - set(".,->")
    for letter in used:
        if letter not in string.ascii_letters:
            raise RuntimeError(f"einsum(): invalid subscript given at index "
                               f"{equation.index(letter)} in the equation string, subscripts "
                               "must be in [a-zA-Z]")
    fresh = [s for s in string.ascii_letters if s not in used]
    spans = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if "..." in term:
            spans.append(len(shape) - named)
            if spans[-1] < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({named}) is more than the number of dimensions "
                                   f"({len(shape)}) for operand {k}")
        elif named != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) "
                               f"does not match the number of dimensions ({len(shape)}) for "
                               f"operand {k} and no ellipsis was given")
        else:
            spans.append(0)
    width = max(spans, default=0)
    ellipsis = "".join(fresh[:width])
    inputs = tuple(term.replace("...", ellipsis[width - span:])
                   for term, span in zip(terms, spans))
    if arrow:
        output = right.replace("...", ellipsis)
    else:
        counts = "".join(inputs)
        output = ellipsis + "".join(sorted(s for s in set(counts) - set(ellipsis)
                                           if counts.count(s) == 1))
    _check(inputs, output, shapes)
    return inputs, output


def _check(inputs: tuple[str, ...], output: str, shapes: list[tuple[int, ...]]) -> None:
    sizes: dict[str, int] = {}
    for k, (subscripts, shape) in enumerate(zip(inputs, shapes)):
        mine: dict[str, int] = {}
        for letter, size in zip(subscripts, shape):
            if letter in mine and mine[letter] != size:
                raise RuntimeError(f"einsum(): subscript {letter} is repeated for operand {k} "
                                   f"but the sizes don't match, {size} != {mine[letter]}")
            mine[letter] = size
            seen = sizes.get(letter, 1)
            if size != 1 and seen != 1 and size != seen:
                raise RuntimeError(f"einsum(): subscript {letter} has size {size} for operand "
                                   f"{k} which does not broadcast with previously seen size "
                                   f"{seen}")
            sizes[letter] = max(seen, size)
    for letter in output:
        if letter not in sizes:
            raise RuntimeError(f"einsum(): output subscript {letter} does not appear in the "
                               "equation for any input operand")
        if output.count(letter) > 1:
            raise RuntimeError(f"einsum(): output subscript {letter} appears more than once "
                               "in the output")


def einsum(*arguments: Any) -> Tensor:
    """Σ over the letters not in the output of the product of the operands, each entry named
    by its subscripts, as `torch.einsum`: einsum("ij,jk->ik", A, B) is A @ B, "ii" the
    trace, "bij->bji" a transpose, "...ij,...jk" batched; without "->" the output is the
    letters seen once, alphabetically. Operands may also come as one list, or in
    PyTorch's sublist form. Differentiable in every operand.

    >>> import stir
    >>> stir.einsum("i,i->", stir.tensor([1.0, 2.0]), stir.tensor([3.0, 4.0]))
    tensor(11.)
    """
    if not arguments:
        raise TypeError("einsum(): needs an equation and operands")
    if isinstance(arguments[0], str):
        equation, operands = arguments[0], list(arguments[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _from_sublists(arguments)
    tensors = [as_tensor(x) for x in operands]
    if not tensors:
        raise RuntimeError("einsum(): must provide at least one operand")
    dtypes = {str(x.dtype) for x in tensors}
    if len(dtypes) > 1:
        raise RuntimeError(f"einsum(): expected operands of one dtype, got {sorted(dtypes)} "
                           "(as in PyTorch: convert them with .to(dtype) first)")
    if _array.kind(tensors[0].dtype) == "b":
        raise NotImplementedError('"bmm" not implemented for \'Bool\' (as in PyTorch: convert '
                                  "the operands with .int() or .float() first)")
    spec = parse(equation, [tuple(x.shape) for x in tensors])
    return Einsum.apply(spec, *tensors)
