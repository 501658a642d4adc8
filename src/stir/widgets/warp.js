// WarpExplorer's front end: the input space with the two hidden units as handles (weight
// vector tips and hinge lines), and hidden space with the grid and points carried there and
// the best line. Drags set `weights` and `bias`; everything drawn comes back from the kernel.

const GRID_COLOURS = ["#1f77b4", "#ff7f0e"];  // horizontal, vertical lines (as stir.plot)

function render({model, el}) {
  const root = explorerRoot(el), update = latestSender(model);
  const size = 380, width = 2 * size + 150, height = size + 110;
  const svg = svgElement("svg", {width, height, viewBox: `0 0 ${width} ${height}`}, root);
  const readout = htmlElement("div", {class: "readout"}, root);
  htmlElement("div", {class: "note"}, root,
              "Drag a filled dot to turn or stretch a unit's weight vector wᵢ, a ring to move " +
              "its hinge line wᵢ·x + bᵢ = 0 (beyond it the unit is off: its hᵢ is 0). " +
              "Shading: the class the best line in hidden space gives each x.");
  const side = model.get("side") * 1.15;
  const rows = [{label: "y = +1", colour: COLOURS.positive, marker: true},
                {label: "y = −1", colour: COLOURS.negative, marker: true},
                {label: "unit 1", colour: COLOURS.unit[0]},
                {label: "unit 2", colour: COLOURS.unit[1]},
                {label: "best line a·h + c = 0", colour: "#000", dash: "6 4"}];
  const input = makePlot(svg, {left: 50, top: 66, width: size, height: size},
                         {x: [-side, side], y: [-side, side], xlabel: "x₁", ylabel: "x₂",
                          title: "input space x"});
  // One legend across both plots, above their titles.
  legend({group: svg, box: {left: 50, top: 26, width: width - 60}}, rows, "above");
  const hiddenGroup = svgElement("g", {}, svg);
  const layer = svgElement("g", {}, input.layer);

  const setUnit = (unit, weight, bias) => {
    const weights = update.get("weights").map((row) => [...row]);
    const biases = [...update.get("bias")];
    weights[unit] = weight;
    biases[unit] = bias;
    update({weights, bias: biases});
  };
  // The point of unit i's hinge line nearest the origin: p = -bᵢ·wᵢ/|wᵢ|².
  const hingePoint = (w, b) => {
    const norm = w[0] * w[0] + w[1] * w[1] || 1;
    return [-b * w[0] / norm, -b * w[1] / norm];
  };
  const handles = [0, 1].map((unit) => {
    const tip = dragHandle(input, 0, 0, {
      colour: COLOURS.unit[unit], title: `w${unit + 1}: unit ${unit + 1}'s weight vector`,
      onDrag: (x, y) => setUnit(unit, [x, y], update.get("bias")[unit]),
      onEnd: (x, y) => setUnit(unit, [x, y], update.get("bias")[unit]),
    });
    // Moving the hinge keeps wᵢ and sets bᵢ = -wᵢ·p, so the line passes through p.
    const shift = (x, y) => {
      const w = update.get("weights")[unit];
      setUnit(unit, w, -(w[0] * x + w[1] * y));
    };
    const hinge = dragHandle(input, 0, 0, {
      colour: "#fff", radius: 6, title: `unit ${unit + 1}'s hinge line: drag to shift it`,
      onDrag: shift, onEnd: shift,
    });
    hinge.node.setAttribute("stroke", COLOURS.unit[unit]);
    hinge.node.setAttribute("stroke-width", 3);
    return {tip, hinge};
  });

  const draw = () => {
    const weights = model.get("weights"), bias = model.get("bias");
    const points = model.get("points"), labels = model.get("labels");
    const hidden = model.get("hidden"), regions = model.get("regions");
    const [a1, a2, c] = model.get("boundary");
    const colour = (label) => (label > 0 ? COLOURS.positive : COLOURS.negative);
    layer.replaceChildren();
    // The decision regions pulled back to x: bent lines, though the line in h is straight.
    const cells = Math.round(Math.sqrt(regions.length)), cell = 2 * model.get("side") / cells;
    regions.forEach((positive, index) => {
      const x = -model.get("side") + (index % cells) * cell;
      const y = model.get("side") - Math.floor(index / cells) * cell;
      svgElement("rect", {x: input.sx(x), y: input.sy(y), width: input.sx(x + cell) -
                          input.sx(x) + 0.5, height: input.sy(y - cell) - input.sy(y) + 0.5,
                          fill: positive ? "#e4e4e4" : "#fbe0e0"}, layer);
    });
    const gridInput = model.get("grid_input");
    gridInput.forEach((line, k) => {
      curve(input, line.map((p) => p[0]), line.map((p) => p[1]),
            {stroke: GRID_COLOURS[k < gridInput.length / 2 ? 0 : 1], "stroke-width": 0.8,
             "stroke-opacity": 0.45}, layer);
    });
    points.forEach(([x, y], i) => svgElement("circle", {cx: input.sx(x), cy: input.sy(y), r: 2.6,
                                                        fill: colour(labels[i])}, layer));
    [0, 1].forEach((unit) => {
      const w = weights[unit], b = bias[unit];
      straightLine(input, w[0], w[1], b, {stroke: COLOURS.unit[unit], "stroke-width": 2,
                                          "stroke-dasharray": "5 4"}, layer);
      curve(input, [0, w[0]], [0, w[1]], {stroke: COLOURS.unit[unit], "stroke-width": 2.5},
            layer);
      svgElement("text", {x: input.sx(w[0]) + 9, y: input.sy(w[1]) - 9,
                          fill: COLOURS.unit[unit], style: "font-weight: 600"},
                 layer).textContent = `w${unit + 1}`;
      handles[unit].tip.move(w[0], w[1]);
      handles[unit].hinge.move(...hingePoint(w, b));
    });

    hiddenGroup.replaceChildren();
    const grid = model.get("grid_hidden");
    const range = extent([hidden, grid], 0.06, [-0.25, 0.25]);
    const hiddenPlot = makePlot(hiddenGroup, {left: size + 130, top: 66, width: size,
                                              height: size},
                                {x: range, y: range, xlabel: "h₁", ylabel: "h₂", equal: true,
                                 title: "hidden space h = ReLU(Wx + b)"});
    grid.forEach((line, k) => {
      curve(hiddenPlot, line.map((p) => p[0]), line.map((p) => p[1]),
            {stroke: GRID_COLOURS[k < grid.length / 2 ? 0 : 1], "stroke-width": 1,
             "stroke-opacity": 0.6});
    });
    hidden.forEach(([x, y], i) => svgElement("circle", {cx: hiddenPlot.sx(x), cy: hiddenPlot.sy(y),
                                                        r: 2.6, fill: colour(labels[i])},
                                             hiddenPlot.layer));
    straightLine(hiddenPlot, a1, a2, c, {stroke: "#000", "stroke-width": 2,
                                         "stroke-dasharray": "6 4"});
    const percent = (v) => `${(100 * v).toFixed(1)} %`;
    const box = hiddenPlot.box;
    svgElement("rect", {x: box.left + box.width - 178, y: box.top + 6, width: 172, height: 22,
                        fill: "#fff", "fill-opacity": 0.9, stroke: "#ddd", rx: 3}, hiddenGroup);
    svgElement("text", {x: box.left + box.width - 12, y: box.top + 21, "text-anchor": "end",
                        style: "font-weight: 600"}, hiddenGroup).textContent =
      `best line: ${percent(model.get("accuracy"))} right`;
    const format = (v) => v.toFixed(2);
    readout.textContent =
      `W = [[${weights[0].map(format).join(", ")}], [${weights[1].map(format).join(", ")}]],  ` +
      `b = [${bias.map(format).join(", ")}].   Logistic regression on h: accuracy ` +
      `${percent(model.get("accuracy"))};  on x itself (no hidden layer): ` +
      `${percent(model.get("input_accuracy"))}.`;
  };
  return redrawOn(model, ["weights", "bias", "hidden", "grid_hidden", "boundary", "regions",
                          "accuracy"], draw);
}

export default {render};
