"""stir.viz.graph: the compute graph behind a tensor as SVG, checked as a reader of the
picture would: it parses, it has one box per tensor and one oval per operation, the edges
micrograd's drawing has, the values and names shown, escaped text, and nothing overlapping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import stir
import stir.viz as viz
from stir import nn
from stir.viz.layout import layout

SVG_NS = "{http://www.w3.org/2000/svg}"


def parsed(svg: viz.SVG) -> ET.Element:
    return ET.fromstring(svg.data)


def groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(SVG_NS + "g") if kind in g.get("class", "").split()]


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(SVG_NS + "text")]


def box_texts(root: ET.Element) -> list[list[str]]:
    return [texts(g) for g in groups(root, "tensor")]


def micrograd_example() -> dict[str, stir.Tensor]:
    """Karpathy's draw_dot example: L = (a*b + c) * f, every step named."""
    a = stir.tensor(2.0, requires_grad=True, dtype=stir.float64)
    b = stir.tensor(-3.0, requires_grad=True, dtype=stir.float64)
    c = stir.tensor(10.0, requires_grad=True, dtype=stir.float64)
    f = stir.tensor(-2.0, requires_grad=True, dtype=stir.float64)
    e = a * b
    d = e + c
    return {"a": a, "b": b, "c": c, "e": e, "d": d, "f": f, "L": d * f}


def test_a_times_b_plus_c_has_micrograds_boxes_ovals_and_edges() -> None:
    a = stir.tensor(2.0, requires_grad=True)
    b = stir.tensor(-3.0, requires_grad=True)
    c = stir.tensor(10.0, requires_grad=True)
    root = parsed(viz.graph(a * b + c, names={"a": a, "b": b, "c": c}))
    assert root.tag == SVG_NS + "svg"
    assert len(groups(root, "tensor")) == 5  # a, b, c, a*b and the sum
    assert sorted(texts(g)[0] for g in groups(root, "op")) == ["Add", "Mul"]
    edges = [(p.get("data-from"), p.get("data-to")) for p in root.iter(SVG_NS + "path")
             if "edge" in p.get("class", "")]
    assert len(edges) == 6 and len(set(edges)) == 6  # a, b -> Mul -> ab; ab, c -> Add -> out
    shown = box_texts(root)
    assert ["a", "data 2.0000"] in shown and ["data 4.0000"] in shown
    assert ["data -6.0000"] in shown  # a*b: kept by no node, so recomputed from a and b


def test_the_named_micrograd_example_shows_values_and_gradients_after_backward() -> None:
    tensors = micrograd_example()
    tensors["L"].backward()
    root = parsed(viz.graph(tensors["L"], names=tensors))
    shown = {cells[0]: cells[1:] for cells in box_texts(root)}
    assert shown["a"] == ["data 2.0000", "grad 6.0000"]
    assert shown["f"] == ["data -2.0000", "grad 4.0000"]
    assert shown["e"] == ["data -6.0000"] and shown["L"] == ["data -8.0000"]
    # ... drawn left to right: each leaf left of its operation, the output rightmost
    centre = {texts(g)[0]: float(g.find(SVG_NS + "rect").get("x")) for g in groups(root, "tensor")}
    assert centre["a"] < centre["e"] < centre["d"] < centre["L"]


def test_a_shared_subexpression_is_drawn_once() -> None:
    x = stir.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x.tanh()
    z = (h * h + h.exp() * x).sum()
    root = parsed(viz.graph(z, names={"x": x, "h": h}))
    labels = [cells[0] for cells in box_texts(root)]
    assert labels.count("h (3,)") == 1 and labels.count("x (3,)") == 1
    assert len(groups(root, "op")) == 6  # Tanh, Mul, Exp, Mul, Add, Sum
    assert len(groups(root, "tensor")) == 7
    from_h = [p for p in root.iter(SVG_NS + "path") if p.get("data-from") == _id_of(root, "h")]
    assert len(from_h) == 2  # h * h is one arrow, h.exp() the other


def _id_of(root: ET.Element, label: str) -> str:
    return next(g.get("id") for g in groups(root, "tensor") if texts(g)[0].startswith(label))


def test_constants_a_node_saved_are_drawn_as_constants() -> None:
    x = stir.tensor(3.0, requires_grad=True)
    root = parsed(viz.graph(x * 2.5))
    constants = groups(root, "constant")
    assert len(constants) == 1 and texts(constants[0]) == ["constant", "data 2.5000"]


def test_labels_are_escaped() -> None:
    w = stir.tensor(1.0, requires_grad=True)
    svg = viz.graph(w * w, names={"<w & 'v'>": w})
    assert "&lt;w &amp; &#x27;v&#x27;&gt;" in svg.data and "<w &" not in svg.data
    assert ["<w & 'v'>", "data 1.0000"] in box_texts(parsed(svg))


def test_names_from_a_module_and_from_named_parameters() -> None:
    stir.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    loss = ((model(stir.randn(4, 2)) - stir.randn(4, 1)) ** 2).mean()
    for names in (model, model.named_parameters(), {"net": model}):
        labels = {cells[0] for cells in box_texts(parsed(viz.graph(loss, names=names)))}
        prefix = "net." if isinstance(names, dict) else ""
        assert {f"{prefix}0.weight (3, 2)", f"{prefix}2.bias (1,)"} <= labels
    with pytest.raises(TypeError, match="names="):
        viz.graph(loss, names=42)
    with pytest.raises(TypeError, match="pairs"):
        viz.graph(loss, names=[("w", 1.0)])


def test_a_tensor_with_no_graph_is_one_box_with_a_note() -> None:
    for tensor, why in ((stir.tensor([1.0, 2.0]), "does not require grad"),
                        (stir.tensor(1.5, requires_grad=True), "it is a leaf")):
        root = parsed(viz.graph(tensor))
        assert len(groups(root, "tensor")) == 1 and not groups(root, "op")
        assert why in " ".join(texts(root))
    with pytest.raises(TypeError, match="stir Tensor"):
        viz.graph([1.0, 2.0])
    with pytest.raises(ValueError, match="max_nodes"):
        viz.graph(stir.tensor(1.0), max_nodes=0)


def test_a_big_graph_is_cut_with_a_note() -> None:
    w = stir.tensor(1.0, requires_grad=True)
    t = w
    for _ in range(300):
        t = t * 1.001 + 0.001
    svg = viz.graph(t, max_nodes=20)
    root = parsed(svg)
    assert len(groups(root, "op")) == 20
    assert "Showing the 20 operations nearest the output, of 600" in " ".join(texts(root))
    assert len(groups(root, "cut")) == 1  # where the drawing stops
    assert "(580 more not drawn)" in repr(svg)
    assert len(groups(parsed(viz.graph(t)), "op")) == 100  # the default cap


def test_a_graph_freed_by_backward_still_draws() -> None:
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    root = parsed(viz.graph(y, names={"x": x}))
    assert ["x (2,)", "data [1.000, 2.000]", "grad [2.000, 4.000]"] in box_texts(root)


class TwoWays(stir.Function):
    """x ↦ (2x, 3x): a Function of two outputs."""

    @staticmethod
    def forward(ctx: stir.Context, x: stir.Tensor) -> tuple[stir.Tensor, stir.Tensor]:
        return x * 2, x * 3

    @staticmethod
    def backward(ctx: stir.Context, twice: stir.Tensor, thrice: stir.Tensor) -> stir.Tensor:
        return twice * 2 + thrice * 3


def test_views_and_nodes_of_several_outputs() -> None:
    x = stir.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    first, second = x.split(2)
    root = parsed(viz.graph((first * second).sum() + x[0], names={"x": x}))
    assert [cells[0] for cells in box_texts(root)].count("x (4,)") == 1
    assert len(groups(root, "op")) == 6
    twice, thrice = TwoWays.apply(stir.tensor([1.0, 2.0], requires_grad=True))
    root = parsed(viz.graph((twice * thrice).sum()))
    assert len(groups(root, "tensor")) == 5 and len(groups(root, "op")) == 3
    op_id = next(g.get("id") for g in groups(root, "op") if texts(g) == ["TwoWays"])
    out_of_it = [p for p in root.iter(SVG_NS + "path") if p.get("data-from") == op_id]
    assert len(out_of_it) == 2
    assert ["(2,)", "data [3.000, 6.000]"] in box_texts(root)


def test_nothing_overlaps_in_an_mlps_graph() -> None:
    stir.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.ReLU(),
                          nn.Linear(4, 1))
    x = stir.randn(5, 3)
    loss = ((model(x) - stir.randn(5, 1)) ** 2).mean() + 0.01 * (model[0].weight ** 2).sum()
    root = parsed(viz.graph(loss, names=model))
    boxes = []
    for g in groups(root, "tensor"):
        r = g.find(SVG_NS + "rect")
        boxes.append(tuple(float(r.get(k)) for k in ("x", "y", "width", "height")))
    for g in groups(root, "op"):
        e = g.find(SVG_NS + "ellipse")
        cx, cy, rx, ry = (float(e.get(k)) for k in ("cx", "cy", "rx", "ry"))
        boxes.append((cx - rx, cy - ry, 2 * rx, 2 * ry))
    width, height = float(root.get("width")), float(root.get("height"))
    for i, (x0, y0, w0, h0) in enumerate(boxes):
        assert 0 <= x0 and x0 + w0 <= width and 0 <= y0 and y0 + h0 <= height
        for x1, y1, w1, h1 in boxes[i + 1:]:
            assert x0 + w0 <= x1 or x1 + w1 <= x0 or y0 + h0 <= y1 or y1 + h1 <= y0


def test_layout_keeps_edges_rightwards_and_routes_long_ones_through_waypoints() -> None:
    drawing = layout({"a": (30, 20, 0), "b": (30, 20, 1), "c": (30, 20, 3)},
                     [("a", "b"), ("a", "c"), ("b", "c")])
    long_route = drawing.routes[1]
    assert len(long_route) == 2 + 2 * 2  # two waypoint columns, each entered and left
    assert all(p[0] <= q[0] for p, q in zip(long_route, long_route[1:]))
    with pytest.raises(ValueError, match="rightwards"):
        layout({"a": (1, 1, 1), "b": (1, 1, 0)}, [("a", "b")])


def test_the_svg_object(tmp_path: Path) -> None:
    svg = viz.graph(micrograd_example()["L"])
    assert svg._repr_svg_() == str(svg) == svg.data and svg.data.startswith("<svg")
    svg.save(tmp_path / "graph.svg")
    assert (tmp_path / "graph.svg").read_text(encoding="utf-8") == svg.data
    assert repr(svg) == "<SVG: compute graph of 7 tensors, 3 operations>"
    with pytest.raises(ValueError, match="<svg>"):
        viz.SVG("<html></html>")
