// Front end of stir.widgets.Keypoints (seed 000): draws the data, the piecewise-linear fit,
// its keypoints and the ReLU network's weights, and reports drags and button presses.
// Every number shown comes from Python (stir); nothing here computes the model.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 620;
const HEIGHT = 380;
const MARGIN = { left: 54, right: 18, top: 14, bottom: 42 };

function svgNode(tag, attributes, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

function htmlNode(tag, attributes, parent, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

// A number with `digits` significant digits, without trailing zeros ("0.25", "-1.3e-5").
function short(value, digits = 3) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value === 0) return "0";
  const size = Math.abs(value);
  if (size >= 1e5 || size < 1e-3) return value.toExponential(digits - 1).replace("e+", "e");
  return String(Number(value.toPrecision(digits)));
}

function mse(value) {
  return value === null || value === undefined ? "—" : value.toFixed(4);
}

// About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of 10).
function ticks(lo, hi, count) {
  const raw = (hi - lo) / count;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const values = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return values;
}

function scale(domain, range) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const to = (v) => r0 + ((v - d0) / (d1 - d0)) * (r1 - r0);
  to.invert = (p) => d0 + ((p - r0) / (r1 - r0)) * (d1 - d0);
  return to;
}

// The handles in the order of the fit: the ends first and last, the others by x.
function sortedOrder(handles) {
  const middle = handles.slice(1, -1).map((_, i) => i + 1);
  middle.sort((a, b) => handles[a][0] - handles[b][0] || a - b);
  return [0, ...middle, handles.length - 1];
}

function render({ model, el }) {
  const root = htmlNode("div", { class: "stir-keypoints" }, el);
  const title = htmlNode("div", { class: "stir-kp-title", "data-role": "title" }, root);
  const legend = htmlNode("div", { class: "stir-kp-legend" }, root);
  const items = [["train", "training data"], ["test", "test data"],
    ["fit", "piecewise-linear fit"], ["knot", "keypoint (drag it)"],
    ["end", "end (drag up or down)"]];
  const legendItems = {};
  for (const [kind, text] of items) {
    const item = htmlNode("span", { class: `stir-kp-key stir-kp-key-${kind}` }, legend);
    htmlNode("span", { class: "stir-kp-swatch" }, item);
    htmlNode("span", {}, item, text);
    legendItems[kind] = item;
  }

  const main = htmlNode("div", { class: "stir-kp-main" }, root);
  const plot = svgNode("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "stir-kp-plot", role: "img",
    "aria-label": "training data and the piecewise-linear fit with draggable keypoints",
  }, main);
  const grid = svgNode("g", { class: "stir-kp-grid" }, plot);
  const axes = svgNode("g", { class: "stir-kp-axes" }, plot);
  const testDots = svgNode("g", { class: "stir-kp-test" }, plot);
  const trainDots = svgNode("g", { class: "stir-kp-train" }, plot);
  const path = svgNode("path", { class: "stir-kp-curve", "data-role": "curve" }, plot);
  // The ends are drawn below the other keypoints: a keypoint next to an end stays grabbable.
  const endGroup = svgNode("g", { class: "stir-kp-handles" }, plot);
  const knotGroup = svgNode("g", { class: "stir-kp-handles" }, plot);
  const nodes = [];

  const side = htmlNode("div", { class: "stir-kp-side" }, main);
  const stats = htmlNode("div", { class: "stir-kp-stats" }, side);
  const statRow = (label, role) => {
    const row = htmlNode("div", { class: "stir-kp-stat" }, stats);
    htmlNode("span", {}, row, label);
    return htmlNode("strong", { "data-role": role }, row);
  };
  const trainText = statRow("Training MSE", "train-mse");
  const testText = statRow("Test MSE", "test-mse");
  const lineText = htmlNode("div", { class: "stir-kp-note", "data-role": "line-mse" }, stats);

  const controls = htmlNode("div", { class: "stir-kp-controls" }, side);
  const field = (label, attributes) => {
    const wrap = htmlNode("label", { class: "stir-kp-field" }, controls);
    htmlNode("span", {}, wrap, label);
    return htmlNode("input", attributes, wrap);
  };
  const stepsBox = field("steps", { type: "number", min: "1", step: "100", "data-role": "steps" });
  const lrBox = field("lr", { type: "number", min: "0", step: "0.01", "data-role": "lr" });
  const trainButton = htmlNode("button", { class: "stir-kp-button", "data-role": "train" },
    controls, "SGD from these weights");
  const resetButton = htmlNode("button", { class: "stir-kp-button stir-kp-secondary",
    "data-role": "reset" }, controls, "Reset keypoints");
  const status = htmlNode("div", { class: "stir-kp-status", "data-role": "status",
    "aria-live": "polite" }, side);

  const below = htmlNode("div", { class: "stir-kp-below" }, root);
  const networkBox = htmlNode("details", { class: "stir-kp-network", open: "" }, below);
  htmlNode("summary", {}, networkBox, "The same function as a ReLU network");
  const architecture = htmlNode("div", { class: "stir-kp-note" }, networkBox);
  htmlNode("div", { class: "stir-kp-formula" }, networkBox,
    "h(x) = Σₖ wₖ · ReLU(aₖ·x + bₖ) + c      (unit k bends at x = −bₖ/aₖ)");
  const weightTable = htmlNode("table", { class: "stir-kp-table", "data-role": "weights" },
    networkBox);
  const pointsBox = htmlNode("details", { class: "stir-kp-numbers" }, below);
  htmlNode("summary", {}, pointsBox, "Keypoints as numbers");
  const pointTable = htmlNode("table", { class: "stir-kp-table", "data-role": "points" },
    pointsBox);

  let x = scale([0, 1], [MARGIN.left, WIDTH - MARGIN.right]);
  let y = scale([0, 1], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  let frameKey = "";
  let drag = null; // { index, position, pointer } while a handle is dragged
  let queued = null;
  let frame = 0;

  function local() {
    const handles = model.get("handles").map((point) => point.slice());
    if (drag) handles[drag.index] = drag.position.slice();
    return handles;
  }

  function clamp(index, px, py, count) {
    const [lo, hi] = model.get("x_range");
    const [low, high] = model.get("y_range");
    const cx = index === 0 ? lo : index === count - 1 ? hi : Math.min(hi, Math.max(lo, px));
    return [cx, Math.min(high, Math.max(low, py))];
  }

  function send(handles) {
    queued = handles;
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      model.set("handles", queued);
      model.save_changes();
    });
  }

  function drawFrame() {
    const [lo, hi] = model.get("x_range");
    const [low0, high0] = model.get("y_range");
    const curve = model.get("curve");
    const ys = curve.length ? curve[1] : [];
    const low = Math.min(low0, ...ys);
    const high = Math.max(high0, ...ys);
    const pad = 0.03 * (hi - lo);
    const key = [lo, hi, low, high].join(",");
    if (key === frameKey) return;
    frameKey = key;
    x = scale([lo - pad, hi + pad], [MARGIN.left, WIDTH - MARGIN.right]);
    y = scale([low, high], [HEIGHT - MARGIN.bottom, MARGIN.top]);
    grid.replaceChildren();
    axes.replaceChildren();
    const [left, right] = [MARGIN.left, WIDTH - MARGIN.right];
    const [bottom, top] = [HEIGHT - MARGIN.bottom, MARGIN.top];
    for (const v of ticks(lo - pad, hi + pad, 6)) {
      svgNode("line", { x1: x(v), x2: x(v), y1: top, y2: bottom }, grid);
      svgNode("text", { x: x(v), y: bottom + 17, "text-anchor": "middle" }, axes)
        .textContent = short(v);
    }
    for (const v of ticks(low, high, 5)) {
      svgNode("line", { x1: left, x2: right, y1: y(v), y2: y(v) }, grid);
      svgNode("text", { x: left - 7, y: y(v) + 4, "text-anchor": "end" }, axes)
        .textContent = short(v);
    }
    svgNode("rect", { x: left, y: top, width: right - left, height: bottom - top,
      class: "stir-kp-frame" }, axes);
    svgNode("text", { x: (left + right) / 2, y: HEIGHT - 6, "text-anchor": "middle",
      class: "stir-kp-label" }, axes).textContent = "x";
    svgNode("text", { x: 14, y: (top + bottom) / 2, "text-anchor": "middle",
      class: "stir-kp-label", transform: `rotate(-90 14 ${(top + bottom) / 2})` }, axes)
      .textContent = "y";
    drawDots(trainDots, model.get("train_data"), "circle");
    drawDots(testDots, model.get("test_data"), "circle");
  }

  function drawDots(group, data, tag) {
    group.replaceChildren();
    if (!data.length) return;
    const [xs, ys] = data;
    for (let i = 0; i < xs.length; i++) {
      svgNode(tag, { cx: x(xs[i]).toFixed(1), cy: y(ys[i]).toFixed(1), r: 2.4 }, group);
    }
  }

  function drawCurve() {
    const curve = model.get("curve");
    if (!curve.length) return;
    const [xs, ys] = curve;
    path.setAttribute("d", xs.map((v, i) =>
      `${i ? "L" : "M"}${x(v).toFixed(2)},${y(ys[i]).toFixed(2)}`).join(""));
  }

  function drawHandles() {
    const handles = local();
    while (nodes.length > handles.length) nodes.pop().remove();
    while (nodes.length < handles.length) nodes.push(makeHandle(nodes.length));
    const order = sortedOrder(handles);
    const rank = [];
    order.forEach((index, k) => { rank[index] = k; });
    const training = model.get("training");
    handles.forEach(([hx, hy], i) => {
      const node = nodes[i];
      const end = i === 0 || i === handles.length - 1;
      const group = end ? endGroup : knotGroup;
      if (node.parentNode !== group) group.appendChild(node);
      node.setAttribute("class", `stir-kp-handle ${end ? "stir-kp-end" : "stir-kp-knot"}` +
        (drag && drag.index === i ? " stir-kp-active" : "") + (training ? " stir-kp-busy" : ""));
      node.setAttribute("transform", `translate(${x(hx).toFixed(2)},${y(hy).toFixed(2)})`);
      node.setAttribute("aria-label", `keypoint ${rank[i]}${end ? " (end)" : ""}: ` +
        `x ${short(hx)}, y ${short(hy)}`);
      node.dataset.index = String(i);
      node.dataset.rank = String(rank[i]);
    });
  }

  function makeHandle(index) {
    // data-lm-suppress-shortcuts: Jupyter's arrow keys (select another cell) would take the
    // keys that move a focused handle.
    const node = svgNode("g", { tabindex: "0", role: "slider", "data-role": "handle",
      "data-lm-suppress-shortcuts": "true" }, knotGroup);
    svgNode("circle", { r: 14, class: "stir-kp-target" }, node); // a larger area to grab
    svgNode("circle", { r: 6.5, class: "stir-kp-dot" }, node);
    const position = (event) => {
      const point = plot.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      const p = point.matrixTransform(plot.getScreenCTM().inverse());
      return [x.invert(p.x), y.invert(p.y)];
    };
    node.addEventListener("pointerdown", (event) => {
      if (model.get("training") || event.button !== 0) return;
      event.preventDefault();
      node.setPointerCapture(event.pointerId);
      const handles = model.get("handles");
      drag = { index, position: handles[index].slice(), pointer: event.pointerId };
      node.focus();
      drawHandles();
    });
    node.addEventListener("pointermove", (event) => {
      if (!drag || drag.pointer !== event.pointerId) return;
      const [px, py] = position(event);
      drag.position = clamp(index, px, py, model.get("handles").length);
      drawHandles();
      send(local());
    });
    const release = (event) => {
      if (!drag || drag.pointer !== event.pointerId) return;
      const handles = local();
      drag = null;
      send(handles);
      drawHandles();
    };
    node.addEventListener("pointerup", release);
    node.addEventListener("pointercancel", release);
    node.addEventListener("keydown", (event) => {
      const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1],
        ArrowDown: [0, -1] };
      if (!(event.key in moves) || model.get("training")) return;
      event.preventDefault();
      const [lo, hi] = model.get("x_range");
      const [low, high] = model.get("y_range");
      const factor = event.shiftKey ? 0.1 : 0.01;
      const handles = model.get("handles").map((point) => point.slice());
      const [dx, dy] = moves[event.key];
      const [hx, hy] = handles[index];
      handles[index] = clamp(index, hx + dx * factor * (hi - lo), hy + dy * factor *
        (high - low), handles.length);
      model.set("handles", handles);
      model.save_changes();
    });
    return node;
  }

  function drawNumbers() {
    const train = model.get("train_mse");
    const test = model.get("test_mse");
    title.textContent = `Piecewise linear model (train MSE = ${mse(train)})`;
    trainText.textContent = mse(train);
    testText.textContent = mse(test);
    testText.parentElement.hidden = test === null;
    legendItems.test.hidden = !model.get("test_data").length ||
      !model.get("test_data")[0].length;
    const line = model.get("line_mse");
    lineText.textContent = line.length ? `Least-squares line: ${mse(line[0])} train` +
      (line.length > 1 ? `, ${mse(line[1])} test` : "") : "";
    architecture.textContent = model.get("architecture");
    status.textContent = model.get("status");
    const training = model.get("training");
    trainButton.disabled = training;
    resetButton.disabled = training;
    root.classList.toggle("stir-kp-training", training);
    if (document.activeElement !== stepsBox) stepsBox.value = model.get("steps");
    if (document.activeElement !== lrBox) lrBox.value = model.get("lr");
  }

  function drawWeights() {
    const w = model.get("weights");
    if (!w.hidden_weight) return;
    weightTable.replaceChildren();
    const head = htmlNode("tr", {}, htmlNode("thead", {}, weightTable));
    for (const text of ["unit k", "aₖ (weight)", "bₖ (bias)", "bends at −bₖ/aₖ",
      "wₖ (output weight)"]) htmlNode("th", {}, head, text);
    const body = htmlNode("tbody", {}, weightTable);
    w.hidden_weight.forEach((a, k) => {
      const row = htmlNode("tr", {}, body);
      const b = w.hidden_bias[k];
      for (const text of [String(k + 1), short(a), short(b), a === 0 ? "—" : short(-b / a),
        short(w.output_weight[k])]) htmlNode("td", {}, row, text);
    });
    const last = htmlNode("tr", { class: "stir-kp-total" }, body);
    htmlNode("td", { colspan: "4" }, last, "c (output bias)");
    htmlNode("td", {}, last, short(w.output_bias));
  }

  function drawPointTable() {
    if (pointTable.contains(document.activeElement)) return; // do not retype under the cursor
    const handles = model.get("handles");
    pointTable.replaceChildren();
    const head = htmlNode("tr", {}, htmlNode("thead", {}, pointTable));
    for (const text of ["keypoint", "x", "y"]) htmlNode("th", {}, head, text);
    const body = htmlNode("tbody", {}, pointTable);
    sortedOrder(handles).forEach((index, k) => {
      const row = htmlNode("tr", {}, body);
      const end = index === 0 || index === handles.length - 1;
      htmlNode("td", {}, row, end ? `${k} (end)` : String(k));
      [0, 1].forEach((axis) => {
        const input = htmlNode("input", { type: "number", step: "0.01",
          "aria-label": `keypoint ${k} ${axis ? "y" : "x"}` }, htmlNode("td", {}, row));
        input.value = String(Number(handles[index][axis].toPrecision(4)));
        input.disabled = axis === 0 && end;
        input.addEventListener("change", () => {
          const value = parseFloat(input.value);
          if (!Number.isFinite(value)) return;
          const next = model.get("handles").map((point) => point.slice());
          next[index][axis] = value;
          model.set("handles", next);
          model.save_changes();
        });
      });
    });
  }

  function drawAll() {
    drawFrame();
    drawCurve();
    drawHandles();
    drawNumbers();
  }

  stepsBox.addEventListener("change", () => {
    const value = parseInt(stepsBox.value, 10);
    if (Number.isFinite(value) && value >= 1) { model.set("steps", value); model.save_changes(); }
  });
  lrBox.addEventListener("change", () => {
    const value = parseFloat(lrBox.value);
    if (Number.isFinite(value)) { model.set("lr", value); model.save_changes(); }
  });
  trainButton.addEventListener("click", () => {
    stepsBox.dispatchEvent(new Event("change"));
    lrBox.dispatchEvent(new Event("change"));
    model.send({ action: "train" });
  });
  resetButton.addEventListener("click", () => model.send({ action: "reset" }));

  const onCurve = () => { drawFrame(); drawCurve(); drawHandles(); };
  const onHandles = () => { drawHandles(); drawPointTable(); };
  const listeners = [
    ["change:curve", onCurve], ["change:y_range", onCurve], ["change:x_range", onCurve],
    ["change:handles", onHandles], ["change:weights", drawWeights],
    ["change:train_mse", drawNumbers], ["change:test_mse", drawNumbers],
    ["change:status", drawNumbers], ["change:training", () => { drawNumbers(); drawHandles(); }],
    ["change:architecture", drawNumbers], ["change:steps", drawNumbers],
    ["change:lr", drawNumbers],
  ];
  for (const [name, callback] of listeners) model.on(name, callback);
  drawAll();
  drawWeights();
  drawPointTable();
  return () => {
    for (const [name, callback] of listeners) model.off(name, callback);
    if (frame) cancelAnimationFrame(frame);
  };
}

export default { render };
