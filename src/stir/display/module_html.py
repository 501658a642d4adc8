"""A module in a notebook: its layers as a table (name, the layer as it prints, output shape,
parameters, trainable or frozen), nested containers collapsible, and the totals.

The module is read duck-typed (`named_children`, `parameters(recurse=False)`,
`extra_repr`), so this file imports nothing of stir.nn. Output shapes are shown only when
they are known for certain: the module is a chain of Sequentials whose first layer states
its input size (`in_features`); a dry run on a batch of two zero rows, in eval mode and
without recording gradients, then gives each layer's output. Otherwise there is no shape
column rather than a guess.

>>> import stir
>>> text = module_html(stir.nn.Sequential(stir.nn.Linear(2, 5), stir.nn.ReLU()))
>>> "Linear" in text and "(N, 5)" in text and "15 parameters" in text
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from ..grad_mode import no_grad
from .svg import AMBER, BLUE, BOX, HEADER, MUTED, escape, format_shape, html_or_repr

#: Rows shown at most; a bigger model says how many were left out.
MAX_ROWS = 200
#: Nesting shown at most (deeper modules are counted, not listed).
MAX_DEPTH = 20
#: Longest layer text shown (longer ones are cut, the whole of it in a tooltip).
MAX_TEXT = 56
#: No dry run for shapes above this many parameters (it must stay instant).
DRY_RUN_LIMIT = 5_000_000
# The width of one character of a monospace font, in em (the widest usual: DejaVu, Menlo).
_EM = 0.61
# The batch size of the dry run; its dimension prints as N.
_BATCH = 2
# The disclosure caret turns when a container is open (where <style> is allowed; without it
# the caret stays put and everything else still shows).
_CARET = ('<span class="stir-caret" style="display:inline-block;font-size:.75em;'
          'opacity:.75">▶</span>')
_STYLE = ("<style>.stir-module summary::-webkit-details-marker{display:none}"
          ".stir-module details[open]>summary .stir-caret{transform:rotate(90deg)}</style>")


@dataclass
class _Node:
    """One row: a module (or a container's own parameter) and what is below it."""

    name: str
    path: str
    type_name: str
    arguments: str
    own: int = 0
    own_trainable: int = 0
    total: int = 0
    trainable: int = 0
    shared_with: str = ""
    children: list[_Node] = field(default_factory=list)


def module_html(module: Any) -> str:
    """The HTML Jupyter shows for a stir.nn.Module; never raises (falls back to the repr)."""
    return html_or_repr(_render, module)


def _arguments(module: Any) -> str:
    try:
        return str(module.extra_repr())
    except Exception:
        return "…"


def _build(module: Any, name: str, path: str, depth: int, seen: dict[int, str],
           counted: set[int]) -> _Node:
    """The tree below `module`; a parameter or module met before is not counted again."""
    node = _Node(name, path, type(module).__name__, _arguments(module))
    if id(module) in seen:
        node.shared_with = seen[id(module)] or "the whole model"
        return node
    seen[id(module)] = path
    children = list(module.named_children())
    for parameter_name, parameter in module.named_parameters(recurse=False):
        if id(parameter) in counted:
            continue
        counted.add(id(parameter))
        count = int(parameter.numel())
        trainable = count if parameter.requires_grad else 0
        node.own += count
        node.own_trainable += trainable
        if children:  # a container's own weights get rows of their own
            node.children.append(_Node(parameter_name, f"{path}.{parameter_name}".lstrip("."),
                                       type(parameter).__name__,
                                       format_shape(parameter.shape), count, trainable,
                                       count, trainable))
    node.total, node.trainable = node.own, node.own_trainable
    for child_name, child in children:
        child_path = f"{path}.{child_name}" if path else child_name
        sub = _build(child, child_name, child_path, depth + 1, seen, counted)
        node.children.append(sub)
        node.total += sub.total
        node.trainable += sub.trainable
    return node


def _is_chain(module: Any) -> bool:
    """Whether `module` runs its children in order (stir's Sequential, forward not changed)."""
    for cls in type(module).__mro__:
        if cls.__name__ == "Sequential" and cls.__module__.startswith("stir."):
            return type(module).forward is cls.forward
    return False


def _output_shapes(module: Any) -> tuple[str, dict[str, str]]:
    """The input shape and each layer's output shape by path, from a dry run; ("", {}) when
    the input size is not stated or the run fails."""
    first, parameters = module, list(module.parameters())
    while _is_chain(first):
        children = list(first.children())
        if not children:
            return "", {}
        first = children[0]
    width = getattr(first, "in_features", None)
    own = list(first.parameters())
    if not (_is_chain(module) and isinstance(width, int) and own
            and sum(int(p.numel()) for p in parameters) <= DRY_RUN_LIMIT
            and all(isinstance(p.array, np.ndarray) for p in parameters)):
        return "", {}
    make_tensor = type(own[0].detach())
    shapes: dict[str, str] = {}
    modes = [(m, m.training) for m in module.modules()]
    try:
        for m, _ in modes:
            m.training = False  # eval: no dropout draws, no running statistics updated
        with no_grad():
            _run(module, make_tensor(np.zeros((_BATCH, width), dtype=own[0].array.dtype)), "",
                 shapes)
    except Exception:
        return "", {}
    finally:
        for m, mode in modes:
            m.training = mode
    return _shape_text((_BATCH, width)), shapes


def _run(module: Any, x: Any, path: str, shapes: dict[str, str]) -> Any:
    if _is_chain(module):
        for name, child in module.named_children():
            x = _run(child, x, f"{path}.{name}" if path else name, shapes)
    else:
        x = module(x)
    shapes[path] = _shape_text(tuple(x.shape))
    return x


def _shape_text(shape: tuple[int, ...]) -> str:
    """(2, 5) as "(N, 5)": the dry run's batch dimension stands for any batch size."""
    if shape and shape[0] == _BATCH:
        return "(" + ", ".join(["N", *map(str, shape[1:])]) + (",)" if len(shape) == 1 else ")")
    return format_shape(shape)


def _rows(nodes: list[_Node], depth: int = 0) -> Iterator[tuple[int, _Node]]:
    for node in nodes:
        yield depth, node
        if depth < MAX_DEPTH:
            yield from _rows(node.children, depth + 1)


def _count(nodes: list[_Node]) -> int:
    """Rows in the whole tree, however deep (without recursion)."""
    total, todo = 0, list(nodes)
    while todo:
        total += 1
        todo.extend(todo.pop().children)
    return total


def _status(total: int, trainable: int) -> tuple[str, str]:
    """The trainable column's text and its style."""
    if total == 0:
        return "", ""
    if trainable == total:
        return "trainable", MUTED
    if trainable == 0:
        return "frozen", f"color:{AMBER};font-weight:600"
    return f"{trainable:,} trainable", f"color:{AMBER}"


def _label(node: _Node) -> tuple[str, str]:
    """The layer as it prints (`Linear(2 => 5)`): plain text (for widths) and HTML."""
    arguments = node.arguments.replace("\n", " ")
    if node.type_name in ("Parameter", "Tensor") and node.total:  # a container's own weight
        plain = f"{node.type_name} {arguments}"
        return plain, f'<span style="{MUTED}">{escape(plain)}</span>'
    plain = f"{node.type_name}({arguments})"
    if node.shared_with:
        plain += f"  same as {node.shared_with}"
    shown = plain if len(plain) <= MAX_TEXT else plain[:MAX_TEXT - 1] + "…"
    head, paren, rest = shown.partition("(")
    body = f'<span style="color:{BLUE};font-weight:600">{escape(head)}</span>' \
        + escape(paren + rest)
    return shown, f'<span title="{escape(plain)}">{body}</span>'


def _render(module: Any) -> str:
    seen: dict[int, str] = {}
    root = _build(module, "", "", 0, seen, set())
    input_shape, shapes = _output_shapes(module)
    nodes = root.children or [root]
    listed = list(_rows(nodes))
    shown = listed[:MAX_ROWS]
    labels = [_label(node) for _, node in shown]
    columns = ["layer", "module", *(["output shape"] if shapes else []), "parameters",
               "trainable"]
    widths = [max([len(columns[0]) + 2] + [2 * depth + 2 + len(node.name or "(model)")
                                       for depth, node in shown]),
              max([len(columns[1])] + [len(plain) for plain, _ in labels]),
              *([max([len(columns[2])] + [len(text) for text in shapes.values()])]
                if shapes else []),
              max(len("parameters"), len(f"{root.total:,}")), len("partly frozen")]
    # Widths in em, not ch (the sanitizer of untrusted notebooks drops ch): a monospace
    # character is 0.55-0.6 em wide; one spare character a column for bold glyphs.
    template = ("display:grid;grid-template-columns:"
                + " ".join(f"{_EM * (w + 1):.1f}em" for w in widths)
                + ";column-gap:14px;padding:1px 6px;align-items:baseline;white-space:nowrap")
    heading = "".join(
        f'<span style="font-weight:600;{"text-align:right" if c == "parameters" else ""}'
        f'{f"padding-left:{2 * _EM:.1f}em" if c == "layer" else ""}">{escape(c)}</span>'
        for c in columns)
    out = [_STYLE, f'<div class="stir-module" style="{BOX}">',
           _header(module, root, input_shape, shapes),
           f'<div style="{template};border-bottom:1px solid rgba(128,128,128,.35)">{heading}'
           "</div>", '<div style="max-height:34em;overflow-y:auto">']  # long models scroll
    open_containers: list[int] = []
    for index, ((depth, node), (_, label)) in enumerate(zip(shown, labels)):
        while open_containers and open_containers[-1] >= depth:
            open_containers.pop()
            out.append("</details>")
        stripe = "background:rgba(128,128,128,.08);" if index % 2 else ""
        has_rows = bool(node.children) and depth < MAX_DEPTH
        count = node.total
        text, style = _status(node.total, node.trainable)
        cells = [f'<span style="padding-left:{2 * depth * _EM:.1f}em;white-space:nowrap">'
                 f'<span style="display:inline-block;width:{2 * _EM:.1f}em">'
                 f"{_CARET if has_rows else ''}</span>{escape(node.name or '(model)')}</span>",
                 label,
                 *([f"<span>{escape(shapes.get(node.path, ''))}</span>"] if shapes else []),
                 f'<span style="text-align:right;{MUTED if has_rows else ""}">'
                 f'{f"{count:,}" if count else ""}</span>',
                 f'<span style="{style}">{escape(text)}</span>']
        row = "".join(cells)
        if has_rows:
            out.append(f'<details {"open" if depth < 2 else ""} style="margin:0">'
                       f'<summary style="{template};{stripe}list-style:none;cursor:pointer">'
                       f"{row}</summary>")
            open_containers.append(depth)
        else:
            out.append(f'<div style="{template};{stripe}">{row}</div>')
    out += ["</details>"] * len(open_containers) + ["</div>"]  # the scrolled rows
    left_out = len(listed) - len(shown)
    hidden = _count(nodes) - len(listed)  # below MAX_DEPTH
    if left_out or hidden:
        out.append(f'<div style="{MUTED};padding:3px 6px">… {left_out + hidden:,} more rows '
                   f"not shown (the first {len(shown):,} of {len(listed) + hidden:,})</div>")
    out.append("</div>")
    return "".join(out)


def _header(module: Any, root: _Node, input_shape: str, shapes: dict[str, str]) -> str:
    """The model's type and totals: parameters (trainable, frozen), bytes, shapes, mode."""
    total, trainable = int(module.parameter_count()), root.trainable
    frozen = root.total - trainable
    split = "all trainable" if not frozen else (
        "all frozen" if not trainable else f"{trainable:,} trainable, {frozen:,} frozen")
    facts = [f"{total:,} parameters" + (f" ({split})" if total else "")]
    size = sum(int(p.array.nbytes) for p in module.parameters())
    if size:
        facts.append(_bytes(size))
    if input_shape:
        facts.append(f"input {input_shape} → output {shapes.get('', '?')}")
    if not getattr(module, "training", True):
        facts.append("eval mode")
    arguments = f"({escape(root.arguments)})" if root.arguments else ""
    return (f'<div style="{HEADER}"><b>{escape(root.type_name)}</b>{arguments} '
            f'<span style="{MUTED}">· {" · ".join(escape(f) for f in facts)}</span></div>')


def _bytes(count: int) -> str:
    """A size in B, kB, MB or GB (powers of 1000)."""
    if count < 1000:
        return f"{count} B"
    power = min(int(np.log10(count) // 3), 3)
    return f"{count / 1000 ** power:.1f} {('kB', 'MB', 'GB')[power - 1]}"
