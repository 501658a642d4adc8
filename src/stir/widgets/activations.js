// ActivationExplorer's front end: f and f' (from the kernel's backward pass), the formula,
// a slider per parameter, and a probe handle on the curve with its tangent. The controls set
// `name`, `params` and `probe`; every number shown comes back from the kernel.

function render({model, el}) {
  const root = explorerRoot(el), update = latestSender(model);
  const controls = htmlElement("div", {class: "controls"}, root);
  const names = model.get("names").map((name) => [name, name]);
  const select = dropdown(controls, {label: "activation", options: names,
                                     value: model.get("name"),
                                     onChange: (value) => update({name: value})});
  const sliders = htmlElement("div", {class: "controls"}, controls);
  const width = 760, height = 400;
  const svg = svgElement("svg", {width, height, viewBox: `0 0 ${width} ${height}`}, root);
  const readout = htmlElement("div", {class: "readout"}, root);
  const formula = htmlElement("div", {class: "formula"}, root);
  const derivative = htmlElement("div", {class: "formula"}, root);

  let shownSpecs = "";
  const parameterControls = new Map();  // a parameter's name -> its slider
  const buildSliders = () => {
    const specs = model.get("param_specs");
    if (JSON.stringify(specs) === shownSpecs) return;
    shownSpecs = JSON.stringify(specs);
    sliders.replaceChildren();
    parameterControls.clear();
    for (const spec of specs) {
      const change = (value) => {
        const params = {...update.get("params"), [spec.name]: value};
        // RReLU's range must stay ordered: moving one end past the other drags it along.
        if ("lower" in params && "upper" in params && params.lower > params.upper) {
          params[spec.name === "lower" ? "upper" : "lower"] = value;
        }
        update({params});
      };
      if (spec.options) {
        dropdown(sliders, {label: spec.name, options: spec.options.map((o) => [o, o]),
                           value: model.get("params")[spec.name], onChange: change});
      } else {
        parameterControls.set(spec.name, slider(sliders, {
          label: spec.name, min: spec.min, max: spec.max, step: spec.step,
          value: model.get("params")[spec.name], format: (v) => v.toFixed(2), onInput: change,
        }));
      }
    }
  };

  let plot = null, handle = null, frame = "", shownLegend = null;
  const draw = () => {
    select.value = model.get("name");
    buildSliders();
    const params = model.get("params");
    for (const [key, control] of parameterControls) control.set(params[key]);
    const xs = model.get("xs"), ys = model.get("ys"), dys = model.get("dys");
    const [lo, hi] = extent([ys, dys], 0.04, [-1.2, 1.2]);
    const range = [Math.floor(lo * 2) / 2, Math.ceil(hi * 2) / 2];
    const rows = [{label: `f(x) = ${model.get("name")}(x)`, colour: COLOURS.bumps},
                  {label: "f′(x), by backward()", colour: COLOURS.mlp, dash: "7 4"},
                  {label: "tangent at the probe", colour: "#777", width: 1, dash: "2 3"}];
    // Rebuild the frame (and the handle) only when the axes change, so a drag is not cut off.
    const axes = JSON.stringify([xs[0], xs[xs.length - 1], range]);
    if (axes !== frame || !plot) {
      frame = axes;
      svg.replaceChildren();
      plot = makePlot(svg, {left: 56, top: 52, width: width - 80, height: height - 100},
                      {x: [xs[0], xs[xs.length - 1]], y: range, xlabel: "x", ylabel: "",
                       title: "The activation and its derivative", legendAbove: 1});
      handle = dragHandle(plot, model.get("probe"), model.get("probe_value"), {
        colour: COLOURS.bumps, title: "drag along x: f and f′ there, and the tangent",
        alongX: true,
        onDrag: (x) => update({probe: Math.min(Math.max(x, xs[0]), xs[xs.length - 1])}),
        onEnd: (x) => update({probe: Math.min(Math.max(x, xs[0]), xs[xs.length - 1])}),
      });
    }
    if (shownLegend) shownLegend.remove();
    shownLegend = legend(plot, rows, "above");
    plot.layer.replaceChildren();
    curve(plot, xs, dys, {stroke: COLOURS.mlp, "stroke-width": 2, "stroke-dasharray": "7 4"});
    curve(plot, xs, ys, {stroke: COLOURS.bumps, "stroke-width": 2.5});
    const x0 = model.get("probe"), y0 = model.get("probe_value"), slope = model.get("probe_slope");
    curve(plot, [x0 - 1.5, x0 + 1.5], [y0 - 1.5 * slope, y0 + 1.5 * slope],
          {stroke: "#777", "stroke-width": 1.5, "stroke-dasharray": "2 3"});
    svgElement("circle", {cx: plot.sx(x0), cy: plot.sy(slope), r: 4, fill: COLOURS.mlp},
               plot.layer);
    handle.move(x0, y0);
    readout.textContent = `at x = ${x0.toFixed(2)}:  f(x) = ${y0.toFixed(4)},  ` +
                          `f′(x) = ${slope.toFixed(4)}  (drag the dot along the curve)`;
    formula.textContent = model.get("formula");
    derivative.textContent = model.get("derivative_formula");
  };
  return redrawOn(model, ["name", "params", "param_specs", "xs", "ys", "dys", "probe",
                          "probe_value", "probe_slope", "formula", "derivative_formula"], draw);
}

export default {render};
