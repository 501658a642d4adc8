"""A `ComputeGraph` drawn as SVG text: micrograd's picture (one box per tensor, one oval per
operation, left to right), with what the backprop tracer adds (gradients arriving, the
current operation and its edges highlighted).

A box is a card of up to three lines, label, data and grad: the label is the tensor's name
(given by `names=`) and its shape unless it is a scalar; data and grad are the values for at
most `compute_graph.SMALL` elements, else their mean (data) and norm (grad).
"""

from __future__ import annotations

import itertools
import os
import textwrap
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..display.svg import escape
from .compute_graph import SMALL, ComputeGraph, Key, TensorBox
from .layout import layout

FONT = "DejaVu Sans Mono,Menlo,Consolas,monospace"
FONT_SIZE = 12
CHAR = 7.3  # the advance of a 12 px monospace character, rounded up
PAD = 7.0  # text to cell edge
BOX_HEIGHT = 26.0  # an operation's oval
ROW = 17.0  # a line of a tensor's card
NOTE_HEIGHT = 18.0
NOTE_WIDTH = 96  # characters: a note longer than this is wrapped
INK, MUTED, EDGE = "#333333", "#777777", "#8a8a8a"
HOT, DONE = "#e0782b", "#2e9d5b"  # the current operation; a gradient that just arrived
FILLS = {"leaf": "#e6f0fa", "result": "#ffffff", "constant": "#f2f2f2", "cut": "#f7f7f7"}
STROKES = {"leaf": "#3b82c4", "result": "#555555", "constant": "#9a9a9a", "cut": "#9a9a9a"}

_drawings = itertools.count()  # makes each picture's marker ids unique on a page


@dataclass
class View:
    """What one picture shows beyond the graph: each box's gradient (or, for one still
    arriving, how many of its parts have come), the operation being stepped through, and
    the boxes whose gradient came in full at this step."""

    gradients: dict[Key, Any] = field(default_factory=dict)
    arrived: dict[Key, tuple[int, int]] = field(default_factory=dict)
    current: int | None = None
    completed: set[Key] = field(default_factory=set)
    pending: set[Key] = field(default_factory=set)  # boxes awaiting a gradient
    caption: str = ""


def number(value: float, decimals: int = 4) -> str:
    """A value as micrograd prints it (4 decimals), in scientific notation when tiny or
    huge.

    >>> number(2.0), number(-0.000012), number(123456.0), number(0.25, 3)
    ('2.0000', '-1.200e-05', '1.235e+05', '0.250')
    """
    value = float(value)
    if value != 0 and not 1e-3 <= abs(value) < 1e4 or not np.isfinite(value):
        return f"{value:.{decimals - 1}e}"
    return f"{value:.{decimals}f}"


def values_text(array: Any, summary: str) -> str:
    """The values of a small array ([a, b, c] or a scalar), or `summary` of a large one."""
    array = np.asarray(array, dtype=np.float64)
    if array.size <= SMALL:
        flat = [number(v, 4 if array.size == 1 else 3) for v in array.reshape(-1)]
        return flat[0] if array.ndim == 0 else "[" + ", ".join(flat) + "]"
    if summary == "mean":
        return f"mean {number(array.mean())}"
    return f"norm {number(np.sqrt(np.sum(array * array)))}"


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def box_cells(box: TensorBox, view: View) -> list[str]:
    """The texts of a box's cells: label, data, grad (cells with nothing to say left out)."""
    label = box.name or ""
    if box.kind == "constant":
        label = "constant" if not label else label
    elif box.kind == "cut":
        label = "… " + label if label else "…"
    if box.shape:
        label = f"{label} {_shape_text(box.shape)}".strip()
    cells = [label] if label else []
    cells.append("data " + (values_text(box.value, "mean") if box.value is not None else "?"))
    gradient = view.gradients.get(box.key)
    if gradient is not None:
        cells.append("grad " + values_text(gradient, "norm"))
    elif box.key in view.arrived:
        have, need = view.arrived[box.key]
        cells.append(f"grad {have} of {need} in")
    elif box.key in view.pending:
        cells.append("grad ·")
    return cells


def _text_width(text: str) -> float:
    return len(text) * CHAR + 2 * PAD


def render(graph: ComputeGraph, view: View | None = None) -> str:
    """The SVG text of `graph` as `view` shows it."""
    view = view or View(gradients={k: b.grad for k, b in graph.tensors.items()
                                   if b.grad is not None})
    ids = {key: f"t{i}" for i, key in enumerate(graph.tensors)}
    cells = {key: box_cells(box, view) for key, box in graph.tensors.items()}
    items: dict[Any, tuple[float, float, int]] = {}
    layers = _layers(graph)
    for key in graph.tensors:
        items[ids[key]] = (*_box_size(cells[key]), layers[key])
    for index, op in enumerate(graph.ops):
        items[f"op{index}"] = (_text_width(op.name) + 14, BOX_HEIGHT, layers[index])
    # (an operation given the same tensor twice, as in h * h, gets one arrow from it)
    edges = list(dict.fromkeys((ids[key], f"op{index}") for key, index in graph.edges()))
    edges += [(f"op{index}", ids[key]) for index, op in enumerate(graph.ops)
              for key in op.outputs]
    notes = [line for note in (_cut_note(graph), view.caption) if note
             for line in textwrap.wrap(note, NOTE_WIDTH)]
    drawing = layout(items, edges, top=NOTE_HEIGHT * len(notes))
    width = max(drawing.width, max((_text_width(n) for n in notes), default=0) + 24)
    height = drawing.height
    tag = next(_drawings)
    hot_edges = set()
    if view.current is not None:
        op = graph.ops[view.current]
        hot_edges = {(ids[key], f"op{view.current}") for key in op.outputs} | {
            (f"op{view.current}", ids[key]) for key in op.inputs}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'font-family="{FONT}" font-size="{FONT_SIZE}">',
           "<defs>" + _marker(f"stir-arrow-{tag}", EDGE) + _marker(f"stir-hot-{tag}", HOT)
           + "</defs>",
           f'<rect width="{width:.0f}" height="{height:.0f}" rx="6" fill="#ffffff"/>']
    for row, note in enumerate(notes):
        out.append(f'<text x="16" y="{22 + NOTE_HEIGHT * row:.1f}" fill="{MUTED}">'
                   f"{escape(note)}</text>")
    out.append('<g class="edges" fill="none">')
    for (source, target), points in zip(edges, drawing.routes):
        hot = (target, source) in hot_edges or (source, target) in hot_edges
        colour, marker = (HOT, f"stir-hot-{tag}") if hot else (EDGE, f"stir-arrow-{tag}")
        out.append(f'<path class="edge{" hot" if hot else ""}" data-from="{source}" '
                   f'data-to="{target}" d="{_curve(points)}" stroke="{colour}" '
                   f'stroke-width="{2.6 if hot else 1.3}" marker-end="url(#{marker})"/>')
    out.append("</g>")
    for key, box in graph.tensors.items():
        out.append(_box(ids[key], box, cells[key], drawing.centres[ids[key]],
                        key in view.completed))
    for index, op in enumerate(graph.ops):
        out.append(_op(f"op{index}", op.name, drawing.centres[f"op{index}"],
                       items[f"op{index}"][0], index == view.current))
    out.append("</svg>")
    return "\n".join(out)


def _layers(graph: ComputeGraph) -> dict[Any, int]:
    """Columns: an operation right of the operations its inputs came from, its output just
    right of it; a leaf, constant or cut box just left of its first consumer."""
    layer: dict[Any, int] = {}
    producer = {key: index for index, op in enumerate(graph.ops) for key in op.outputs}
    for index in sorted(range(len(graph.ops)), key=lambda i: graph.ops[i].node.sequence):
        op = graph.ops[index]
        made = [layer[key] for key in op.inputs if key in producer]
        layer[index] = max(made, default=0) + 1
        for key in op.outputs:
            layer[key] = layer[index] + 1
    for key in graph.tensors:
        if key not in producer:
            consumers = [layer[i] for i, op in enumerate(graph.ops) if key in op.inputs]
            layer[key] = min(consumers, default=1) - 1
    return layer


def _cut_note(graph: ComputeGraph) -> str:
    if graph.omitted:
        return (f"Showing the {len(graph.ops)} operations nearest the output, of "
                f"{graph.total}; pass max_nodes= to draw more. Boxes marked … were made "
                "by operations not drawn.")
    if not graph.ops:
        return "No operations were recorded for this tensor: " + (
            "it is a leaf (requires_grad=True)." if graph.root[0] == "leaf" else
            "it does not require grad, so nothing was recorded.")
    return ""


def _marker(name: str, colour: str) -> str:
    return (f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
            f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')


def _curve(points: list[tuple[float, float]]) -> str:
    """A path through `points`: an S-curve across each gap between columns, a straight
    line through each waypoint's column."""
    parts = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
    for i in range(1, len(points)):
        (x0, y0), (x1, y1) = points[i - 1], points[i]
        if i % 2:  # across a gap
            middle = (x0 + x1) / 2
            parts.append(f"C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f}")
        else:
            parts.append(f"L{x1:.1f},{y1:.1f}")
    return " ".join(parts)


def _box_size(cells: list[str]) -> tuple[float, float]:
    return max(_text_width(c) for c in cells), len(cells) * ROW + 4


def _box(ident: str, box: TensorBox, cells: list[str], centre: tuple[float, float],
         completed: bool) -> str:
    """A tensor as a small card: its label on a band, then a row each for data and grad."""
    width, height = _box_size(cells)
    left, top = centre[0] - width / 2, centre[1] - height / 2
    stroke = DONE if completed else STROKES[box.kind]
    dash = ' stroke-dasharray="4 3"' if box.kind in ("constant", "cut") else ""
    title = f"{box.name or box.kind} shape {_shape_text(box.shape)}"
    parts = [f'<g class="tensor {box.kind}{" completed" if completed else ""}" id="{ident}">',
             f"<title>{escape(title)}</title>",
             f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.1f}" '
             f'rx="4" fill="{FILLS[box.kind]}" stroke="{stroke}" '
             f'stroke-width="{2.4 if completed else 1.2}"{dash}/>']
    labelled = not cells[0].startswith("data ")
    if labelled:  # the band under the label
        parts.append(f'<line x1="{left:.1f}" y1="{top + ROW + 2:.1f}" x2="{left + width:.1f}" '
                     f'y2="{top + ROW + 2:.1f}" stroke="{STROKES[box.kind]}" '
                     'stroke-width="0.8"/>')
    for row, text in enumerate(cells):
        grad = text.startswith("grad ")
        colour = DONE if grad and completed else MUTED if text.endswith(("·", " in")) else INK
        bold = (row == 0 and labelled) or (grad and completed)
        weight = ' font-weight="bold"' if bold else ""
        extra = 2 if labelled and row else 0
        parts.append(f'<text x="{left + PAD:.1f}" y="{top + 2 + ROW * row + extra + 13:.1f}" '
                     f'fill="{colour}"{weight}>{escape(text)}</text>')
    parts.append("</g>")
    return "".join(parts)


def _op(ident: str, name: str, centre: tuple[float, float], width: float, hot: bool) -> str:
    fill, stroke = ("#fde2c8", HOT) if hot else ("#f4f4f4", "#555555")
    text_x = centre[0] - len(name) * CHAR / 2
    return (f'<g class="op{" current" if hot else ""}" id="{ident}"><title>{escape(name)}'
            f'</title><ellipse cx="{centre[0]:.1f}" cy="{centre[1]:.1f}" rx="{width / 2:.1f}" '
            f'ry="{BOX_HEIGHT / 2:.1f}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{2.4 if hot else 1.2}"/><text x="{text_x:.1f}" '
            f'y="{centre[1] + 4:.1f}" fill="{INK}">{escape(name)}</text></g>')


class SVG:
    """An SVG picture: `.data` (or `str()`) is its text, `.save(path)` writes it, and Jupyter
    shows it inline (`_repr_svg_`)."""

    def __init__(self, data: str, description: str = "") -> None:
        if not isinstance(data, str) or not data.lstrip().startswith("<svg"):
            raise ValueError("SVG: the text must be an <svg> element")
        self.data = data
        self.description = description

    def _repr_svg_(self) -> str:
        return self.data

    def __str__(self) -> str:
        return self.data

    def __repr__(self) -> str:
        return f"<SVG: {self.description}>" if self.description else "<SVG>"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the SVG text to `path` (UTF-8), for a browser or a document."""
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.data)
