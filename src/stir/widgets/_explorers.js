// Shared drawing helpers of stir's explorer widgets (bumps, activations, warp): plain SVG,
// no libraries. Python prepends this file to each widget's own module, so these are
// module-level functions there. The front ends only draw and report drags: every number
// comes from the kernel, where stir computes it.

const SVG_NS = "http://www.w3.org/2000/svg";
const COLOURS = {target: "#9a9a9a", bumps: "#1f6fb4", mlp: "#e8710a", parts: "#8fb8de",
                 positive: "#222222", negative: "#d62728", unit: ["#2e8b57", "#8e44ad"]};

const STYLE = `
.stir-explorer { font: 13px system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
  display: flex; flex-direction: column; gap: 6px; max-width: 980px; }
.stir-explorer .controls { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 18px; }
.stir-explorer label { display: inline-flex; align-items: center; gap: 6px; }
.stir-explorer input[type=range] { width: 150px; }
.stir-explorer .value { font-variant-numeric: tabular-nums; min-width: 3.2em; }
.stir-explorer .readout { font-variant-numeric: tabular-nums; }
.stir-explorer .formula { font: 14px "DejaVu Sans", system-ui, sans-serif; line-height: 1.5; }
.stir-explorer .note { color: #666; font-size: 12px; }
.stir-explorer svg { max-width: 100%; height: auto; }  /* shrinks to a narrow output area */
.stir-explorer svg text { font: 12px system-ui, sans-serif; fill: #333; }
.stir-explorer svg .title { font-size: 13px; font-weight: 600; }
.stir-explorer svg .tick { fill: #666; font-size: 11px; }
.stir-explorer svg .handle { cursor: grab; }
.stir-explorer svg .handle:active { cursor: grabbing; }
`;

/** An SVG element with attributes, appended to `parent` when one is given. */
function svgElement(tag, attributes = {}, parent = null) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (parent) parent.appendChild(node);
  return node;
}

/** An HTML element with attributes and text, appended to `parent` when one is given. */
function htmlElement(tag, attributes = {}, parent = null, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

/** The widget's root element, with the shared style. */
function explorerRoot(el) {
  const root = htmlElement("div", {class: "stir-explorer"}, el);
  htmlElement("style", {}, root, STYLE);
  return root;
}

/** About `count` round tick values covering [lo, hi]. */
function niceTicks(lo, hi, count = 5) {
  const raw = (hi - lo) / Math.max(count, 1);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

function tickLabel(value) {
  return Math.abs(value) >= 1000 || (value !== 0 && Math.abs(value) < 0.01)
    ? value.toExponential(0) : String(+value.toFixed(2));
}

/** [lo, hi] of the finite values of some arrays, widened by `pad` of its length. */
function extent(arrays, pad = 0.06, floor = null) {
  let lo = Infinity, hi = -Infinity;
  for (const values of arrays) {
    for (const v of values.flat(2)) {
      if (v !== null && Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
  }
  if (floor) { lo = Math.min(lo, floor[0]); hi = Math.max(hi, floor[1]); }
  if (!Number.isFinite(lo)) { lo = -1; hi = 1; }
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const margin = (hi - lo) * pad;
  return [lo - margin, hi + margin];
}

/** A plot: a frame with ticks, labels and a title inside `svg`, at `box` = {left, top,
 * width, height}, mapping data x in `x` = [lo, hi] and y in `y`. Returns {layer, sx, sy,
 * invert}; draw into `layer` (clipped to the frame); sx and sy map data to pixels. With
 * `equal`, the ranges grow so that one unit has the same length on both axes;
 * `legendAbove` lines of legend go between the title and the frame. */
function makePlot(svg, box, {x, y, xlabel = "", ylabel = "", title = "", equal = false,
                              legendAbove = 0}) {
  let [x0, x1] = x, [y0, y1] = y;
  if (equal) {
    const scale = Math.max((x1 - x0) / box.width, (y1 - y0) / box.height);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    [x0, x1] = [cx - scale * box.width / 2, cx + scale * box.width / 2];
    [y0, y1] = [cy - scale * box.height / 2, cy + scale * box.height / 2];
  }
  const sx = (v) => box.left + (v - x0) / (x1 - x0) * box.width;
  const sy = (v) => box.top + (y1 - v) / (y1 - y0) * box.height;
  const group = svgElement("g", {}, svg);
  const clip = `stir-clip-${Math.random().toString(36).slice(2)}`;
  const defs = svgElement("defs", {}, group);
  svgElement("rect", {x: box.left, y: box.top, width: box.width, height: box.height},
             svgElement("clipPath", {id: clip}, defs));
  svgElement("rect", {x: box.left, y: box.top, width: box.width, height: box.height,
                      fill: "#fff", stroke: "none"}, group);
  for (const t of niceTicks(x0, x1, Math.round(box.width / 80))) {
    svgElement("line", {x1: sx(t), x2: sx(t), y1: box.top, y2: box.top + box.height,
                        stroke: t === 0 ? "#bbb" : "#eee"}, group);
    svgElement("text", {x: sx(t), y: box.top + box.height + 15, "text-anchor": "middle",
                        class: "tick"}, group).textContent = tickLabel(t);
  }
  for (const t of niceTicks(y0, y1, Math.round(box.height / 60))) {
    svgElement("line", {x1: box.left, x2: box.left + box.width, y1: sy(t), y2: sy(t),
                        stroke: t === 0 ? "#bbb" : "#eee"}, group);
    svgElement("text", {x: box.left - 6, y: sy(t) + 4, "text-anchor": "end", class: "tick"},
               group).textContent = tickLabel(t);
  }
  const layer = svgElement("g", {"clip-path": `url(#${clip})`}, group);
  svgElement("rect", {x: box.left, y: box.top, width: box.width, height: box.height,
                      fill: "none", stroke: "#999"}, group);
  svgElement("text", {x: box.left + box.width / 2, y: box.top + box.height + 32,
                      "text-anchor": "middle"}, group).textContent = xlabel;
  svgElement("text", {x: box.left - 36, y: box.top + box.height / 2, "text-anchor": "middle",
                      transform: `rotate(-90 ${box.left - 36} ${box.top + box.height / 2})`},
             group).textContent = ylabel;
  svgElement("text", {x: box.left + box.width / 2, y: box.top - 10 - 18 * legendAbove,
                      "text-anchor": "middle",
                      class: "title"}, group).textContent = title;
  const invert = (px, py) => [x0 + (px - box.left) / box.width * (x1 - x0),
                              y1 - (py - box.top) / box.height * (y1 - y0)];
  return {group, layer, sx, sy, invert, box, x: [x0, x1], y: [y0, y1]};
}

/** A polyline through (xs[i], ys[i]) on `plot`; a null value breaks the line. */
function curve(plot, xs, ys, attributes, parent = null) {
  let d = "", pen = "M";
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] === null || ys[i] === null) { pen = "M"; continue; }
    d += `${pen}${plot.sx(xs[i]).toFixed(1)},${plot.sy(ys[i]).toFixed(1)}`;
    pen = "L";
  }
  return svgElement("path", {d, fill: "none", "stroke-linejoin": "round", ...attributes},
                    parent || plot.layer);
}

/** A legend of rows {label, colour, dash, width, marker}: in a box in the top "left" or
 * "right" corner of `plot`, or "above" it, left to right in lines of the plot's width (the
 * caller leaves 18 px per line between the title and the frame). */
function legend(plot, rows, where = "left") {
  const group = svgElement("g", {}, plot.group);
  const swatch = (row, x, y) => {
    if (row.marker) {
      svgElement("circle", {cx: x + 10, cy: y - 4, r: 4, fill: row.colour}, group);
    } else {
      svgElement("line", {x1: x, x2: x + 20, y1: y - 4, y2: y - 4, stroke: row.colour,
                          "stroke-width": row.width || 2, "stroke-dasharray": row.dash || "",
                          "stroke-opacity": row.opacity || 1}, group);
    }
    svgElement("text", {x: x + 26, y}, group).textContent = row.label;
  };
  const textWidth = (label) => 6.6 * label.length;
  if (where === "above") {
    const lines = Math.max(1, legendLines(plot.box.width, rows));
    let x = plot.box.left, y = plot.box.top - 6 - 18 * (lines - 1);
    for (const row of rows) {
      const itemWidth = 26 + textWidth(row.label) + 22;
      if (x > plot.box.left && x + itemWidth - 22 > plot.box.left + plot.box.width) {
        x = plot.box.left; y += 18;
      }
      swatch(row, x, y);
      x += itemWidth;
    }
    return group;
  }
  const width = 40 + Math.max(...rows.map((row) => textWidth(row.label)));
  const left = where === "left" ? plot.box.left + 8 : plot.box.left + plot.box.width - width - 8;
  svgElement("rect", {x: left, y: plot.box.top + 6, width, height: 18 * rows.length + 6,
                      fill: "#fff", "fill-opacity": 0.85, stroke: "#ddd", rx: 3}, group);
  rows.forEach((row, i) => swatch(row, left + 6, plot.box.top + 19 + 18 * i));
  return group;
}

/** How many lines a legend "above" a plot `width` px wide takes. */
function legendLines(width, rows) {
  let lines = 1, x = 0;
  for (const row of rows) {
    const itemWidth = 26 + 6.6 * row.label.length + 22;
    if (x > 0 && x + itemWidth - 22 > width) { lines += 1; x = 0; }
    x += itemWidth;
  }
  return lines;
}

/** A draggable circle on `plot` at data point (x, y): onDrag(x, y) is called while it moves
 * (at most every 40 ms) and onEnd(x, y) once when it is let go. With `alongX` the pointer
 * moves only x, and y is left to move(), which the kernel's answer calls (a point on a
 * curve). Returns {node, move(x, y), dragging()}. */
function dragHandle(plot, x, y, {colour, radius = 7, onDrag, onEnd, title = "",
                                 alongX = false}) {
  const node = svgElement("circle", {cx: plot.sx(x), cy: plot.sy(y), r: radius, fill: colour,
                                     stroke: "#fff", "stroke-width": 2, class: "handle"},
                          plot.group);
  if (title) svgElement("title", {}, node).textContent = title;
  let active = false, last = 0, position = [x, y];
  const toData = (event) => {
    const point = node.ownerSVGElement.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    const local = point.matrixTransform(node.ownerSVGElement.getScreenCTM().inverse());
    return plot.invert(local.x, local.y);
  };
  node.addEventListener("pointerdown", (event) => {
    active = true; node.setPointerCapture(event.pointerId); event.preventDefault();
  });
  node.addEventListener("pointermove", (event) => {
    if (!active) return;
    const [px, py] = toData(event);
    position = [px, alongX ? position[1] : py];
    node.setAttribute("cx", plot.sx(position[0])); node.setAttribute("cy", plot.sy(position[1]));
    const now = Date.now();
    if (onDrag && now - last > 40) { last = now; onDrag(...position); }
  });
  const finish = (event) => {
    if (!active) return;
    active = false; node.releasePointerCapture(event.pointerId);
    if (onEnd) onEnd(...position);
  };
  node.addEventListener("pointerup", finish);
  node.addEventListener("pointercancel", finish);
  return {
    node,
    move(nx, ny) {
      if (active && !alongX) return;
      if (active) nx = position[0];  // the pointer holds x; the curve gives y
      position = [nx, ny];
      node.setAttribute("cx", plot.sx(nx)); node.setAttribute("cy", plot.sy(ny));
    },
    dragging: () => active,
  };
}

/** A labelled range input; onInput(value) on every move. Returns {input, set(value)}. */
function slider(parent, {label, min, max, step, value, format = (v) => String(v), onInput}) {
  const wrapper = htmlElement("label", {}, parent, label);
  const input = htmlElement("input", {type: "range", min, max, step, value}, wrapper);
  const shown = htmlElement("span", {class: "value"}, wrapper, format(value));
  input.addEventListener("input", () => {
    shown.textContent = format(Number(input.value));
    onInput(Number(input.value));
  });
  return {input, set(v) { input.value = v; shown.textContent = format(v); }};
}

/** A labelled drop-down of [value, text] options; onChange(value). */
function dropdown(parent, {label, options, value, onChange}) {
  const wrapper = htmlElement("label", {}, parent, label);
  const select = htmlElement("select", {}, wrapper);
  for (const [key, text] of options) htmlElement("option", {value: key}, select, text);
  select.value = value;
  select.addEventListener("change", () => onChange(select.value));
  return select;
}

/** Set traits on the model and send them to the kernel. */
function send(model, values) {
  for (const [key, value] of Object.entries(values)) model.set(key, value);
  model.save_changes();
}

/** A send that keeps one request in flight: while the kernel computes (until it counts up
 * `revision`), newer values wait, each replacing the last, so a drag or a slider never queues
 * a backlog of stale positions. `sender.get(key)` is the value to build on: the waiting one,
 * else the model's. A kernel that has not answered in 5 s (an error) no longer holds values
 * back. */
function latestSender(model) {
  let since = 0, waiting = null;
  const now = (values) => { since = Date.now(); send(model, values); };
  model.on("change:revision", () => {
    since = 0;
    if (waiting) { const values = waiting; waiting = null; now(values); }
  });
  const sender = (values) => {
    if (since && Date.now() - since < 5000) waiting = {...(waiting || {}), ...values};
    else now(values);
  };
  sender.get = (key) => (waiting && key in waiting ? waiting[key] : model.get(key));
  return sender;
}

/** Call `draw` now and whenever one of `traits` changes; return the cleanup for render. */
function redrawOn(model, traits, draw) {
  // A message from the kernel changes several traits at once: draw once per frame.
  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; draw(); });
  };
  // One listener per trait: not every widget front end splits "change:a change:b".
  for (const name of traits) model.on(`change:${name}`, schedule);
  draw();
  return () => { for (const name of traits) model.off(`change:${name}`, schedule); };
}

/** The line a·x + b·y + c = 0 across `plot` (clipped to its frame), or nothing if a = b = 0. */
function straightLine(plot, a, b, c, attributes, parent = null) {
  if (Math.abs(a) < 1e-12 && Math.abs(b) < 1e-12) return null;
  const [x0, x1] = plot.x, [y0, y1] = plot.y;
  const ends = Math.abs(b) > Math.abs(a)
    ? [[x0, -(a * x0 + c) / b], [x1, -(a * x1 + c) / b]]
    : [[-(b * y0 + c) / a, y0], [-(b * y1 + c) / a, y1]];
  return curve(plot, ends.map((p) => p[0]), ends.map((p) => p[1]), attributes, parent);
}
