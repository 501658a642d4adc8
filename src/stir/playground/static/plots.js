// stir playground: the plots. The output (a heatmap of a 2-D task, or the curve of a 1-D
// one), the points on it, the neurons' thumbnails, the loss chart and the warp views.
"use strict";

const DOMAIN = 6;           // the 2-D tasks' square is [-6, 6]²
const PLOT_MARGIN = 24;     // the 1-D plot's margin, in canvas pixels
const PIECES_COLOUR = "rgb(214,39,40)";

// A grid of values (row by row from the top) painted one pixel per cell; the canvas is
// scaled by CSS, so each cell's colour stays exactly readable from the canvas itself.
function paintGrid(canvas, size, count, colourAt) {
  if (canvas.width !== size) canvas.width = size;
  if (canvas.height !== size) canvas.height = size;
  const context = canvas.getContext("2d");
  const image = context.createImageData(size, size);
  const pixels = image.data;
  for (let i = 0; i < count; i++) {
    const [r, g, b] = colourAt(i);
    pixels[4 * i] = r; pixels[4 * i + 1] = g; pixels[4 * i + 2] = b; pixels[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
}

function paintValues(canvas, size, values) {
  paintGrid(canvas, size, values.length, i => colour(values[i]));
}

// The output of K > 2 classes: each cell its argmax class, stronger the surer it is
// (a uniform guess, 1/K, is the grey background).
function paintClasses(canvas, output) {
  const floor = 1 / output.classes;
  paintGrid(canvas, output.size, output.values.length, i => classColour(output.values[i],
    (output.confidence[i] - floor) / (1 - floor)));
}

// ---- where a point of the data is on the output's canvas, and back ----
function oneDimensional() {
  return state.data.dims === 1;
}

// The 1-D plot's vertical span: the targets' (at least [-1, 1]) and a margin; kept per data
// message, since every point drawn asks for it.
let cachedRange = {data: null, range: [-1.2, 1.2]};

function labelRange() {
  if (cachedRange.data === state.data) return cachedRange.range;
  let low = -1, high = 1;
  if (!isClassification()) {
    for (const part of ["train", "test"]) {
      for (const row of state.data[part]) {
        low = Math.min(low, row[row.length - 1]);
        high = Math.max(high, row[row.length - 1]);
      }
    }
  }
  const pad = 0.1 * (high - low);
  cachedRange = {data: state.data, range: [low - pad, high + pad]};
  return cachedRange.range;
}

// A 1-D point's height: a regression's target, or a class on TF Playground's [-1, 1] scale.
function shownLabel(label) {
  if (!isClassification()) return label;
  const count = classCount();
  return count <= 1 ? 0 : -1 + 2 * label / (count - 1);
}

function toCanvas(canvas, x, y) {
  if (oneDimensional()) {
    const [low, high] = labelRange();
    const width = canvas.width - 2 * PLOT_MARGIN, height = canvas.height - 2 * PLOT_MARGIN;
    return [PLOT_MARGIN + x * width, PLOT_MARGIN + (high - y) / (high - low) * height];
  }
  const scale = canvas.width / (2 * DOMAIN);
  return [(x + DOMAIN) * scale, (DOMAIN - y) * scale];
}

function fromCanvas(canvas, px, py) {
  if (oneDimensional()) {
    const [low, high] = labelRange();
    const width = canvas.width - 2 * PLOT_MARGIN, height = canvas.height - 2 * PLOT_MARGIN;
    return [(px - PLOT_MARGIN) / width, high - (py - PLOT_MARGIN) / height * (high - low)];
  }
  const scale = canvas.width / (2 * DOMAIN);
  return [px / scale - DOMAIN, DOMAIN - py / scale];
}

// A data row's place: [x1, x2, label] in 2-D, [x, label] in 1-D.
function rowPlace(canvas, row) {
  return oneDimensional() ? toCanvas(canvas, row[0], shownLabel(row[1]))
    : toCanvas(canvas, row[0], row[1]);
}

// ---- the output ----
function drawOutput() {
  const heatmap = byId("heatmap"), overlay = byId("overlay");
  const context = overlay.getContext("2d");
  context.clearRect(0, 0, overlay.width, overlay.height);
  const frame = state.frame;
  heatmap.hidden = oneDimensional();
  if (oneDimensional()) {
    drawCurvePlot(context, overlay, frame);
  } else if (frame && frame.output) {
    if (frame.output.classes > 2) paintClasses(heatmap, frame.output);
    else paintValues(heatmap, frame.output.size, frame.output.values);
  }
  if (!oneDimensional() && state.data.axes) drawTicks(context, overlay);
  drawPoints(context, overlay);
}

function drawPoints(context, canvas) {
  const parts = [["train", "white"]];
  if (byId("showTestData").checked) parts.push(["test", "black"]);
  for (const [part, edge] of parts) {
    for (const row of state.data[part]) {
      const [px, py] = rowPlace(canvas, row);
      context.beginPath();
      context.arc(px, py, 3.5, 0, 2 * Math.PI);
      context.fillStyle = css(labelColour(row[row.length - 1]));
      context.fill();
      context.strokeStyle = oneDimensional() && edge === "white" ? "#444" : edge;
      context.lineWidth = 1;
      context.stroke();
    }
  }
}

// An upload's ticks: where its columns' least and greatest values sit (at -5 and +5).
function drawTicks(context, canvas) {
  const axes = state.data.axes;
  context.fillStyle = "#222";
  context.font = "11px system-ui, sans-serif";
  for (const [name, horizontal] of [["x1", true], ["x2", false]]) {
    const axis = axes[name];
    if (!axis) continue;
    for (const [place, value] of [[-5, axis.low], [5, axis.high]]) {
      const [px, py] = horizontal ? toCanvas(canvas, place, -DOMAIN) : toCanvas(canvas,
        -DOMAIN, place);
      const text = formatTick(value);
      context.fillRect(px - (horizontal ? 0.5 : 0), py - (horizontal ? 6 : 0.5),
        horizontal ? 1 : 6, horizontal ? 6 : 1);
      if (horizontal) context.fillText(text, px - context.measureText(text).width / 2, py - 8);
      else context.fillText(text, px + 8, py + 4);
    }
  }
}

function formatTick(value) {
  if (!Number.isFinite(value)) return "-";
  const size = Math.abs(value);
  return size !== 0 && (size >= 1e5 || size < 1e-3) ? value.toExponential(2)
    : String(Number(value.toPrecision(4)));
}

// The 1-D task: the data, the network's curve and, when it has them, its exact linear pieces.
function drawCurvePlot(context, canvas, frame) {
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
  const [low, high] = labelRange();
  context.strokeStyle = "#ccc";
  context.lineWidth = 1;
  context.strokeRect(PLOT_MARGIN, PLOT_MARGIN, canvas.width - 2 * PLOT_MARGIN,
    canvas.height - 2 * PLOT_MARGIN);
  if (low < 0 && high > 0) {
    const [, zero] = toCanvas(canvas, 0, 0);
    line(context, [[PLOT_MARGIN, zero], [canvas.width - PLOT_MARGIN, zero]], "#e4e4e4", 1);
  }
  context.fillStyle = "#666";
  context.font = "11px system-ui, sans-serif";
  const axes = state.data.axes;
  const [xLow, xHigh] = axes && axes.x1 ? [axes.x1.low, axes.x1.high] : [0, 1];
  context.fillText(formatTick(xLow), PLOT_MARGIN, canvas.height - 8);
  const right = formatTick(xHigh);
  context.fillText(right, canvas.width - PLOT_MARGIN - context.measureText(right).width,
    canvas.height - 8);
  if (!frame || !frame.curve) return;
  const curve = frame.curve;
  // (K > 2 classes: the curve is the argmax class, drawn at its points' height)
  const height = curve.classes > 2 ? shownLabel : y => y;
  line(context, curve.xs.map((x, i) => toCanvas(canvas, x, height(curve.ys[i]))), "#222", 3.5);
  if (curve.pieces && exactPiecesShown(curve)) {
    const ends = curve.pieces.xs.map((x, i) => toCanvas(canvas, x, curve.pieces.ys[i]));
    line(context, ends, PIECES_COLOUR, 1.5);
    context.fillStyle = PIECES_COLOUR;
    for (const [px, py] of ends) {
      context.beginPath();
      context.arc(px, py, 3, 0, 2 * Math.PI);
      context.fill();
    }
  }
}

// The exact pieces are the network's last Linear layer's, which is the curve drawn only for
// a regression (a classification's curve is that through tanh, or the argmax class).
function exactPiecesShown(curve) {
  return Boolean(curve.pieces) && !isClassification();
}

function line(context, places, stroke, width) {
  if (places.length === 0) return;
  context.beginPath();
  context.moveTo(places[0][0], places[0][1]);
  for (let i = 1; i < places.length; i++) context.lineTo(places[i][0], places[i][1]);
  context.strokeStyle = stroke;
  context.lineWidth = width;
  context.stroke();
}

// A neuron's curve over x ∈ [0, 1] (the 1-D task's thumbnail), scaled to its own range.
function paintCurve(canvas, xs, ys) {
  const context = canvas.getContext("2d");
  const width = canvas.width, height = canvas.height;
  context.fillStyle = "white";
  context.fillRect(0, 0, width, height);
  const finite = ys.filter(Number.isFinite);
  if (finite.length === 0) return;
  let low = Math.min(...finite, 0), high = Math.max(...finite, 0);
  if (high - low < 1e-9) { low -= 1; high += 1; }
  const place = (x, y) => [2 + x * (width - 4), 2 + (high - y) / (high - low) * (height - 4)];
  line(context, [place(0, 0), place(1, 0)], "#ddd", 1);
  line(context, xs.map((x, i) => place(x, ys[i] || 0)), "#0877bd", 1.5);
}

// ---- the loss chart ----
function drawLosses() {
  const canvas = byId("losses"), context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const history = state.history;
  let top = 1e-9;
  for (const [a, b] of history) {
    if (Number.isFinite(a)) top = Math.max(top, a);
    if (Number.isFinite(b)) top = Math.max(top, b);
  }
  [["#999", 0], ["#000", 1]].forEach(([stroke, which]) => {
    line(context, history.map((pair, i) => [
      history.length === 1 ? 0 : i / (history.length - 1) * canvas.width,
      canvas.height - (pair[which] || 0) / top * (canvas.height - 4) - 2]), stroke, 1);
  });
}

// ---- the warp views: the input square as two hidden neurons see it ----
function drawWarps(frame) {
  const box = byId("warps");
  const warps = frame.warp || [];
  const wanted = warps.map(warp => String(warp.layer)).join(",");
  if (box.dataset.layers !== wanted) {
    removeChildren(box);
    for (const warp of warps) {
      const figure = element("figure", "warp");
      const canvas = element("canvas");
      canvas.width = canvas.height = 160;
      canvas.dataset.layer = String(warp.layer);
      figure.appendChild(canvas);
      figure.appendChild(element("figcaption", "", `layer ${warp.layer + 1}: the input ` +
        "square as its two neurons see it"));
      box.appendChild(figure);
    }
    box.dataset.layers = wanted;
  }
  const canvases = box.querySelectorAll("canvas");
  warps.forEach((warp, index) => drawWarp(canvases[index], warp));
}

function drawWarp(canvas, warp) {
  const context = canvas.getContext("2d");
  context.fillStyle = "white";
  context.fillRect(0, 0, canvas.width, canvas.height);
  let low1 = Infinity, high1 = -Infinity, low2 = Infinity, high2 = -Infinity;
  const widen = ([h1, h2]) => {
    if (!Number.isFinite(h1) || !Number.isFinite(h2)) return;
    low1 = Math.min(low1, h1); high1 = Math.max(high1, h1);
    low2 = Math.min(low2, h2); high2 = Math.max(high2, h2);
  };
  warp.lines.forEach(samples => samples.forEach(widen));
  warp.points.forEach(widen);
  if (!Number.isFinite(low1)) return;
  const span1 = Math.max(high1 - low1, 1e-6), span2 = Math.max(high2 - low2, 1e-6);
  const size = canvas.width - 12;
  const place = ([h1, h2]) => [6 + (h1 - low1) / span1 * size,
    6 + (high2 - h2) / span2 * size];
  for (const samples of warp.lines) line(context, samples.map(place), "#9bb", 1);
  for (const point of warp.points) {
    const [px, py] = place(point);
    context.beginPath();
    context.arc(px, py, 2.5, 0, 2 * Math.PI);
    context.fillStyle = css(labelColour(point[2]));
    context.fill();
  }
}
