"""The backprop tracer: stepping through the backward pass in the engine's order ends with
exactly the gradients `backward()` gives; the widget's buttons step it; and in a real
kernel the tracer and `stir.viz.graph` show as a widget and as image/svg+xml."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import stir
from stir import nn
from stir.viz.backward_steps import BackwardSteps

ROOT = Path(__file__).resolve().parents[1]
SVG_NS = "{http://www.w3.org/2000/svg}"


def micrograd_readme() -> tuple[stir.Tensor, dict[str, stir.Tensor]]:
    """micrograd README's expression (its `x += y` rebinds, as Python does for Value)."""
    a = stir.tensor(-4.0, requires_grad=True, dtype=stir.float64)
    b = stir.tensor(2.0, requires_grad=True, dtype=stir.float64)
    c = a + b
    d = a * b + b ** 3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return g, {"a": a, "b": b}


def tiny_mlp_loss() -> tuple[stir.Tensor, nn.Module]:
    stir.manual_seed(3)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).double()
    x = stir.randn(5, 2, dtype=stir.float64)
    y = stir.randn(5, 1, dtype=stir.float64)
    return ((model(x) - y) ** 2).mean(), model


def final_gradients_match_backward(output: stir.Tensor, leaves: list[stir.Tensor],
                                   names: object) -> BackwardSteps:
    steps = BackwardSteps(output, names=names)
    assert all(steps.gradient(leaf) is None for leaf in leaves)
    while steps.step():
        pass
    assert steps.done and steps.position == len(steps.order)
    shown = [steps.gradient(leaf) for leaf in leaves]
    assert all(leaf.grad is None for leaf in leaves)  # the tracer leaves .grad alone
    output.backward()  # the graph was retained by the tracer
    for leaf, gradient in zip(leaves, shown):
        np.testing.assert_allclose(gradient.numpy(), leaf.grad.numpy(), rtol=0, atol=1e-12)
    return steps


def test_micrograd_readme_expression_ends_with_backwards_gradients() -> None:
    g, names = micrograd_readme()
    steps = final_gradients_match_backward(g, [names["a"], names["b"]], names)
    assert abs(g.item() - 24.7041) < 1e-4
    assert abs(names["a"].grad.item() - 138.8338) < 1e-4  # micrograd's README numbers
    assert abs(names["b"].grad.item() - 645.5773) < 1e-4
    assert steps.order[0] == "Add"  # g + 10 / f: the last operation runs first


def test_a_tiny_mlps_loss_ends_with_backwards_gradients() -> None:
    loss, model = tiny_mlp_loss()
    final_gradients_match_backward(loss, list(model.parameters()), model)


def test_views_and_a_function_of_two_outputs_end_with_backwards_gradients() -> None:
    from test_viz import TwoWays

    x = stir.tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True, dtype=stir.float64)
    twice, thrice = TwoWays.apply(x)
    first, second = (twice * thrice).split(2)
    del twice, thrice  # the engine still tells the two outputs apart
    final_gradients_match_backward((first * second).sum() + x[0] ** 2, [x], {"x": x})


def test_the_order_is_the_engines_and_ends_at_the_leaves() -> None:
    loss, model = tiny_mlp_loss()
    steps = BackwardSteps(loss, names=model)
    ops = [steps.graph.ops[i] for i in steps.steps]
    sequences = [op.node.sequence for op in ops]
    assert sequences == sorted(sequences, reverse=True)
    assert steps.order == ["Mul", "Sum", "Pow", "Sub", "Linear", "Tanh", "Linear"]
    assert all(key[0] in ("leaf", "const") for key in ops[-1].inputs)  # the first layer


def test_a_gradient_shows_once_every_use_has_passed_its_part() -> None:
    x = stir.tensor(3.0, requires_grad=True, dtype=stir.float64)
    h = x * x
    y = h.exp() + h  # h is used twice
    steps = BackwardSteps(y, names={"x": x, "h": h})
    assert steps.order == ["Add", "Exp", "Mul"]
    steps.step()
    assert steps.gradient(h) is None
    assert "grad 1 of 2 in" in steps.svg().data
    steps.step()
    assert steps.gradient(h).item() == pytest.approx(np.exp(9.0) + 1)
    assert steps.gradient(x) is None
    steps.step()
    assert steps.gradient(x).item() == pytest.approx((np.exp(9.0) + 1) * 6)
    assert not steps.step() and steps.back() and steps.gradient(x) is None
    steps.reset()
    assert steps.position == 0 and not steps.back()


def test_each_step_highlights_its_operation_and_edges() -> None:
    g, names = micrograd_readme()
    steps = BackwardSteps(g, names=names)
    root = ET.fromstring(steps.svg().data)
    assert not [e for e in root.iter(SVG_NS + "g") if "current" in e.get("class", "")]
    steps.step()
    root = ET.fromstring(steps.svg().data)
    current = [e for e in root.iter(SVG_NS + "g") if "current" in e.get("class", "").split()]
    assert len(current) == 1 and current[0].findtext(SVG_NS + "text") == "Add"
    hot = [p for p in root.iter(SVG_NS + "path") if "hot" in p.get("class", "").split()]
    assert len(hot) == 3  # from its output, and to its two inputs
    assert {p.get("data-to") for p in hot} >= {current[0].get("id")}


def test_bad_outputs_are_refused_clearly() -> None:
    x = stir.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="one element"):
        BackwardSteps(x * 2)
    with pytest.raises(ValueError, match="no backward pass"):
        BackwardSteps(x)
    with pytest.raises(TypeError, match="stir Tensor"):
        BackwardSteps(3.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(ValueError, match="freed by an earlier"):
        BackwardSteps(y)
    t = stir.tensor(1.0, requires_grad=True)
    for _ in range(30):
        t = t * 1.5
    with pytest.raises(ValueError, match="too many"):
        BackwardSteps(t, max_nodes=10)


def test_the_widgets_buttons_step_through() -> None:
    pytest.importorskip("ipywidgets", reason="the tracer widget needs ipywidgets")
    import stir.widgets

    g, names = micrograd_readme()
    tracer = stir.widgets.BackpropTracer(g, names=names)
    buttons = {b.description: b for b in tracer.children[0].children if hasattr(b, "click")}
    assert set(buttons) == {"Step", "Back", "Run all", "Reset"}
    assert buttons["Back"].disabled and not buttons["Step"].disabled
    first = tracer.svg
    buttons["Step"].click()
    assert tracer.position == 1 and tracer.current == "Add" and tracer.svg != first
    buttons["Run all"].click()
    assert tracer.done and buttons["Step"].disabled
    assert tracer.gradient(names["a"]).item() == pytest.approx(138.8338, abs=1e-4)
    buttons["Back"].click()
    assert tracer.position == len(tracer.order) - 1
    buttons["Reset"].click()
    assert tracer.position == 0 and tracer.svg.startswith("<svg")


NOTEBOOK_CELLS = [
    "import stir, stir.viz, stir.widgets\n"
    "a = stir.tensor(2.0, requires_grad=True); b = stir.tensor(-3.0, requires_grad=True)\n"
    "c = stir.tensor(10.0, requires_grad=True); f = stir.tensor(-2.0, requires_grad=True)\n"
    "e = a * b; d = e + c; L = d * f",
    "stir.viz.graph(L, names=vars())",
    "tracer = stir.widgets.BackpropTracer(L, names=vars())\ntracer.step()\ntracer",
    "tracer.run()\nL.backward()\nassert tracer.gradient(a).item() == a.grad.item() == 6.0",
]


def test_in_a_kernel_the_graph_is_svg_and_the_tracer_a_widget(tmp_path: Path) -> None:
    pytest.importorskip("ipykernel", reason="needs ipykernel")
    pytest.importorskip("ipywidgets", reason="needs ipywidgets")
    nbformat = pytest.importorskip("nbformat", reason="needs nbformat")
    nbclient = pytest.importorskip("nbclient", reason="needs nbclient")
    from ipykernel.kernelspec import write_kernel_spec
    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    kernels = tmp_path / "kernels"
    write_kernel_spec(kernels / "stir-test", overrides={"argv": [
        sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]})
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        f"import stir\nassert stir.__file__.startswith({str(ROOT / 'src')!r})")] + [
        nbformat.v4.new_code_cell(source) for source in NOTEBOOK_CELLS])
    manager = KernelManager(kernel_name="stir-test",
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernels)]))
    nbclient.NotebookClient(notebook, km=manager, timeout=120,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [cell.outputs for cell in notebook.cells]
    assert not [o for cell in outputs for o in cell if o.output_type == "error"]
    graph_output, = outputs[2]
    svg = graph_output.data["image/svg+xml"]
    root = ET.fromstring(svg)
    assert len([g for g in root.iter(SVG_NS + "g") if "op" in g.get("class", "").split()]) == 3
    tracer_output = outputs[3][-1]
    assert "application/vnd.jupyter.widget-view+json" in tracer_output.data
    state = notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    html = [m["state"]["value"] for m in state.values() if m["model_name"] == "HTMLModel"]
    assert any(value.startswith("<svg") and 'class="op current"' in value for value in html)
