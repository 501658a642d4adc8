// BumpBuilder's front end: the target, the K bumps and their sum, the trained MLP, and where
// each network bends. Everything drawn comes from the kernel; the controls set `target` and
// `n_bumps`.

function render({model, el}) {
  const root = explorerRoot(el), update = latestSender(model);
  const controls = htmlElement("div", {class: "controls"}, root);
  const select = dropdown(controls, {
    label: "target", options: model.get("targets"), value: model.get("target"),
    onChange: (value) => update({target: value}),
  });
  const units = (k) => `${k}  (${4 * k} hidden units)`;
  const count = slider(controls, {
    label: "bumps K", min: 1, max: model.get("max_bumps"), step: 1,
    value: model.get("n_bumps"), format: units,
    onInput: (value) => update({n_bumps: value}),
  });
  const status = htmlElement("span", {class: "note"}, controls, "");
  const width = 860, height = 446;
  const svg = svgElement("svg", {width, height, viewBox: `0 0 ${width} ${height}`}, root);
  htmlElement("div", {class: "note"}, root,
              "Four ReLUs make a bump; K bumps as high as f at their cells' centres sum to " +
              "h(x). The MLP of the same width, trained by Adam, fits f without building " +
              "bumps: compare where each one bends.");

  const draw = () => {
    select.value = model.get("target");
    count.set(model.get("n_bumps"));
    status.textContent = model.get("training") ? "training the MLP…" : "";
    svg.replaceChildren();
    const xs = model.get("xs"), parts = model.get("parts");
    const curves = [model.get("target_curve"), model.get("bump_curve"), model.get("mlp_curve")];
    const k = model.get("n_bumps"), bumpKinks = model.get("bump_kinks");
    const mlpKinks = model.get("mlp_kinks");
    const formula = (model.get("targets").find(([key]) => key === model.get("target")) || [])[1];
    const rows = [
      {label: `target ${formula || ""}`, colour: COLOURS.target, width: 6, opacity: 0.5},
      {label: `each of the ${k} bumps`, colour: COLOURS.parts, width: 1},
      {label: `their sum: MSE ${model.get("bump_mse").toPrecision(3)}`, colour: COLOURS.bumps},
      {label: `trained MLP, ${4 * k} units: MSE ${model.get("mlp_mse").toPrecision(3)}`,
       colour: COLOURS.mlp, dash: "7 4"},
    ];
    const plotWidth = width - 60 - 150;
    const lines = legendLines(plotWidth, rows), top = 34 + 18 * lines;
    const box = {left: 60, top, width: plotWidth, height: height - top - 100};
    const plot = makePlot(svg, box, {x: [0, 1], y: extent([...curves, parts]), xlabel: "x",
                                     ylabel: "y", legendAbove: lines,
                                     title: "Universal approximation with ReLU bumps"});
    for (const part of parts) {
      curve(plot, xs, part, {stroke: COLOURS.parts, "stroke-width": 1});
    }
    curve(plot, xs, curves[0], {stroke: COLOURS.target, "stroke-width": 6, "stroke-opacity": 0.5});
    curve(plot, xs, curves[1], {stroke: COLOURS.bumps, "stroke-width": 2});
    curve(plot, xs, curves[2], {stroke: COLOURS.mlp, "stroke-width": 2, "stroke-dasharray": "7 4"});
    legend(plot, rows, "above");
    // The kinks, as ticks in two rows under the plot: where each network's slope changes.
    const kinkRows = [["bumps", bumpKinks, COLOURS.bumps], ["MLP", mlpKinks, COLOURS.mlp]];
    svgElement("text", {x: box.left, y: box.top + box.height + 52, class: "tick"},
               svg).textContent = "where each network bends (its kinks in [0, 1]):";
    kinkRows.forEach(([label, kinks, colour], row) => {
      const y = box.top + box.height + 70 + 20 * row;
      svgElement("line", {x1: box.left, x2: box.left + box.width, y1: y, y2: y,
                          stroke: "#ddd"}, svg);
      for (const kink of kinks) {
        svgElement("line", {x1: plot.sx(kink), x2: plot.sx(kink), y1: y - 7, y2: y + 7,
                            stroke: colour, "stroke-width": 2, "stroke-opacity": 0.8}, svg);
      }
      svgElement("text", {x: box.left - 6, y: y + 4, "text-anchor": "end", class: "tick"},
                 svg).textContent = label;
      svgElement("text", {x: box.left + box.width + 10, y: y + 4},
                 svg).textContent = `${kinks.length} kinks`;
    });
  };
  return redrawOn(model, ["target", "n_bumps", "xs", "target_curve", "bump_curve", "parts",
                          "mlp_curve", "bump_kinks", "mlp_kinks", "bump_mse", "mlp_mse",
                          "training"], draw);
}

export default {render};
