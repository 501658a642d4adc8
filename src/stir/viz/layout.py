"""A layered, left-to-right drawing of a DAG, in pure Python (the steps Graphviz's `dot`
takes, simply done).

1. Each item has a layer (its column); an edge spanning several layers gets a waypoint in
   every layer between, so long edges are routed around boxes rather than through them.
2. Within each column, items are ordered by the mean position of their neighbours
   (barycentre sweeps, right to left and back), which removes most crossings.
3. Columns are placed side by side; in each, the heights solve
   min Σᵢ (yᵢ − targetᵢ)²  subject to  yᵢ₊₁ − yᵢ ≥ (hᵢ + hᵢ₊₁)/2 + gap,
   the targets being the mean height of each item's neighbours (isotonic regression,
   pool-adjacent-violators), a few sweeps each way, so an item sits level with what it
   connects to and nothing overlaps.

>>> drawing = layout({"a": (40, 20, 0), "b": (40, 20, 0), "c": (40, 20, 1)},
...                  [("a", "c"), ("b", "c")])
>>> drawing.centres["a"][1] < drawing.centres["c"][1] < drawing.centres["b"][1]
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

GAP_X = 40.0  # between columns: room for an edge's curve and its arrowhead
GAP_Y = 14.0  # between items of a column
MARGIN = 16.0
WAYPOINT_HEIGHT = 4.0
SWEEPS = 6

Item = Hashable


@dataclass
class Drawing:
    """Where everything goes: item centres, each edge's points (its start, the two sides of
    each waypoint it passes, its end), and the size of the canvas."""

    centres: dict[Item, tuple[float, float]]
    routes: list[list[tuple[float, float]]]
    width: float
    height: float


def layout(items: dict[Item, tuple[float, float, int]], edges: list[tuple[Item, Item]],
           top: float = 0.0) -> Drawing:
    """Place `items` ({item: (width, height, layer)}) and route `edges` (source, target),
    each from a lower layer to a higher one, leaving `top` pixels free above."""
    sizes = {item: (w, h) for item, (w, h, _) in items.items()}
    layer_of = {item: layer for item, (_, _, layer) in items.items()}
    count = max(layer_of.values(), default=-1) + 1
    columns: list[list[Item]] = [[] for _ in range(count)]
    for item in items:
        columns[layer_of[item]].append(item)
    chains = []  # per edge: the items it passes through, ends included
    neighbours: dict[Item, list[Item]] = {item: [] for item in items}
    for number, (source, target) in enumerate(edges):
        if layer_of[target] <= layer_of[source]:
            raise ValueError(f"layout: edge {source!r} -> {target!r} does not go rightwards")
        chain = [source]
        for layer in range(layer_of[source] + 1, layer_of[target]):
            waypoint = ("waypoint", number, layer)
            sizes[waypoint] = (0.0, WAYPOINT_HEIGHT)
            layer_of[waypoint] = layer
            columns[layer].append(waypoint)
            neighbours[waypoint] = []
            chain.append(waypoint)
        chain.append(target)
        for a, b in zip(chain, chain[1:]):
            neighbours[a].append(b)
            neighbours[b].append(a)
        chains.append(chain)
    _order(columns, neighbours, layer_of)
    lefts, widths = [], []
    x = MARGIN
    for column in columns:
        width = max((sizes[item][0] for item in column), default=0.0)
        lefts.append(x)
        widths.append(width)
        x += width + GAP_X
    ys = _heights(columns, neighbours, sizes)
    low = min((ys[i] - sizes[i][1] / 2 for i in ys), default=0.0)
    high = max((ys[i] + sizes[i][1] / 2 for i in ys), default=0.0)
    shift = top + MARGIN - low
    centres = {}
    for layer, column in enumerate(columns):
        for item in column:
            centres[item] = (lefts[layer] + widths[layer] / 2, ys[item] + shift)
    routes = []
    for chain in chains:
        source, target = chain[0], chain[-1]
        points = [(centres[source][0] + sizes[source][0] / 2, centres[source][1])]
        for waypoint in chain[1:-1]:
            layer = layer_of[waypoint]
            y = centres[waypoint][1]
            points += [(lefts[layer], y), (lefts[layer] + widths[layer], y)]
        points.append((centres[target][0] - sizes[target][0] / 2, centres[target][1]))
        routes.append(points)
    return Drawing({item: centres[item] for item in items}, routes,
                   x - GAP_X + MARGIN, high - low + top + 2 * MARGIN)


def _order(columns: list[list[Item]], neighbours: dict[Item, list[Item]],
           layer_of: dict[Item, int]) -> None:
    """Reorder each column by the barycentre of its neighbours in the column just swept."""
    def sweep(layers: range, side: int) -> None:
        for layer in layers:
            position = {item: i for i, item in enumerate(columns[layer + side])}
            current = {item: i for i, item in enumerate(columns[layer])}

            def centre(item: Item) -> float:
                near = [position[n] for n in neighbours[item] if layer_of[n] == layer + side]
                return sum(near) / len(near) if near else current[item]

            columns[layer].sort(key=lambda item: (centre(item), current[item]))

    last = len(columns) - 1
    for _ in range(SWEEPS // 2):
        sweep(range(last - 1, -1, -1), +1)
        sweep(range(1, last + 1), -1)


def _heights(columns: list[list[Item]], neighbours: dict[Item, list[Item]],
             sizes: dict[Item, tuple[float, float]]) -> dict[Item, float]:
    ys: dict[Item, float] = {}
    for column in columns:  # first, each column stacked and centred on 0
        _fit(column, [0.0] * len(column), sizes, ys)
    for sweep in range(2 * SWEEPS):
        layers = range(len(columns)) if sweep % 2 == 0 else range(len(columns) - 1, -1, -1)
        for layer in layers:
            column = columns[layer]
            targets = []
            for item in column:
                near = [ys[n] for n in neighbours[item]]
                targets.append(sum(near) / len(near) if near else ys[item])
            _fit(column, targets, sizes, ys)
    return ys


def _fit(column: list[Item], targets: list[float], sizes: dict[Item, tuple[float, float]],
         ys: dict[Item, float]) -> None:
    """The heights closest to `targets` (least squares) that keep the column's order with
    the gaps it needs: with offsets sᵢ, zᵢ = yᵢ − sᵢ must not decrease, so z is the isotonic
    regression of targetᵢ − sᵢ (pool adjacent violators)."""
    offsets, at = [], 0.0
    for i, item in enumerate(column):
        if i:
            at += (sizes[column[i - 1]][1] + sizes[item][1]) / 2 + GAP_Y
        offsets.append(at)
    blocks: list[list[float]] = []  # [mean, weight]
    for target, offset in zip(targets, offsets):
        blocks.append([target - offset, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight = blocks.pop()
            blocks[-1][0] = (blocks[-1][0] * blocks[-1][1] + mean * weight) / (
                blocks[-1][1] + weight)
            blocks[-1][1] += weight
    z = [mean for mean, weight in blocks for _ in range(int(weight))]
    for item, value, offset in zip(column, z, offsets):
        ys[item] = value + offset
