// stir playground: the network as TF Playground draws it. The input features, each hidden
// neuron's thumbnail, the outputs, and the links between consecutive layers on one canvas
// (blue positive, orange negative, wider for a larger weight), which a click edits. A
// maxout layer's link has one weight per piece (its affine maps): one curve each, side by
// side.
"use strict";

const THUMB = 48;           // a neuron's thumbnail, in CSS pixels
const FEATURE_GRID = 12;    // the feature thumbnails' grid (the server's neurons use 12 too)
const PIECE_SPREAD = 10;    // pixels between a maxout link's pieces at their middle control points

const diagram = {
  key: "",           // what the DOM was built for; rebuilt when it changes
  columns: [],       // per column, each node's {left: [x, y], right: [x, y]} anchors
  curves: [],        // per link (and piece), its layer, to, from, piece and bezier, for hit tests
  editor: [],        // the open editor's elements: its field, and a maxout piece's choice
};

// The input features a task can use, and which are on.
function featureNames() {
  return FEATURES.filter(([name]) => !oneDimensional() || FEATURES_1D.includes(name));
}

function activeFeatures() {
  return featureNames().filter(([name]) => state.settings && state.settings[name]);
}

function outputCount() {
  return isClassification() && classCount() > 2 ? classCount() : 1;
}

function layerActivation(index) {
  const list = state.settings.activations || [];
  return list[index] || state.settings.activation;
}

function hasMaxout() {
  return state.settings.networkShape.some((_, index) => layerActivation(index) === "maxout");
}

function diagramKey() {
  const settings = state.settings;
  return JSON.stringify([state.data.dims, featureNames().map(([name]) => name),
    activeFeatures().map(([name]) => name), settings.networkShape, outputCount(),
    settings.activations || [], settings.activation, state.data.axes,
    (state.limits && state.limits.choices.activation) || []]);
}

// ---- building the columns ----
function buildNetwork() {
  if (!state.settings) return;
  const key = diagramKey();
  if (key === diagram.key) return;
  diagram.key = key;
  closeEditor();
  const columns = byId("columns");
  removeChildren(columns);
  columns.appendChild(featureColumn());
  state.settings.networkShape.forEach((width, index) => {
    columns.appendChild(hiddenColumn(width, index));
  });
  columns.appendChild(outputColumn());
  byId("layerCount").textContent = String(state.settings.networkShape.length);
  measureNetwork();
  if (state.frame) drawNetwork(state.frame);
}

function column(title) {
  const made = element("div", "layer");
  const head = element("div", "layer-head");
  head.appendChild(element("h3", "", title));
  made.appendChild(head);
  return [made, head];
}

function featureColumn() {
  const [made] = column("features");
  const axes = state.data.axes;
  for (const [name, label] of featureNames()) {
    const wrapper = element("label", "node feature");
    const input = element("input");
    input.type = "checkbox"; input.id = name; input.dataset.setting = name;
    input.checked = Boolean(state.settings[name]);
    input.addEventListener("change", () => sendSettings({[name]: input.checked}));
    const canvas = element("canvas", "thumb");
    paintFeature(canvas, name);
    wrapper.appendChild(element("span", "feature-name", label));
    wrapper.appendChild(input);
    wrapper.appendChild(canvas);
    const axis = FEATURES_1D.includes(name) ? "x1" : "x2";  // (x1x2 named by x2's column)
    if (axes && axes[axis] && axes[axis].name) wrapper.title = axes[axis].name;
    wrapper.classList.toggle("off", !input.checked);
    made.appendChild(wrapper);
  }
  return made;
}

function paintFeature(canvas, name) {
  if (oneDimensional()) {
    canvas.width = canvas.height = THUMB;
    const xs = Array.from({length: 41}, (_, i) => i / 40);
    const of = {x: x => x, xSquared: x => x * x, sinX: x => Math.sin(x)}[name];
    paintCurve(canvas, xs, xs.map(of));
    return;
  }
  const values = [];
  for (let row = 0; row < FEATURE_GRID; row++) {
    for (let col = 0; col < FEATURE_GRID; col++) {
      const x1 = -DOMAIN + 2 * DOMAIN * col / (FEATURE_GRID - 1);
      const x2 = DOMAIN - 2 * DOMAIN * row / (FEATURE_GRID - 1);
      values.push({x: x1, y: x2, xSquared: x1 * x1, ySquared: x2 * x2, xTimesY: x1 * x2,
        sinX: Math.sin(x1), sinY: Math.sin(x2)}[name]);
    }
  }
  const top = Math.max(...values.map(Math.abs), 1e-9);
  const centre = name === "xSquared" || name === "ySquared" ? top / 2 : 0;
  const half = name === "xSquared" || name === "ySquared" ? top / 2 : top;
  paintValues(canvas, FEATURE_GRID, values.map(v => (v - centre) / half));
}

function smallButton(text, title, action) {
  const button = element("button", "small", text);
  button.type = "button"; button.title = title;
  button.addEventListener("click", action);
  return button;
}

function hiddenColumn(width, index) {
  const [made, head] = column(`${width} neuron${width === 1 ? "" : "s"}`);
  const most = state.limits ? state.limits.maxNeurons : 32;
  const buttons = element("div", "pair");
  buttons.appendChild(smallButton("+", "add a neuron", () => changeWidth(index, +1, most)));
  buttons.appendChild(smallButton("\u2212", "remove a neuron",
    () => changeWidth(index, -1, most)));
  head.insertBefore(buttons, head.firstChild);
  const select = element("select", "layer-activation");
  select.title = `layer ${index + 1}'s activation`;
  select.dataset.layer = String(index);
  fillSelect(select, (state.limits && state.limits.choices.activation) || []);
  const chosen = layerActivation(index);
  if (![...select.options].some(option => option.value === chosen)) {
    select.appendChild(element("option", "", chosen));
  }
  select.value = chosen;
  select.addEventListener("change", () => {
    const list = state.settings.networkShape.slice(0, index + 1).map(
      (_, i) => layerActivation(i));
    list[index] = select.value;
    sendSettings({activations: list});
  });
  head.appendChild(select);
  for (let i = 0; i < width; i++) {
    const node = element("div", "node neuron");
    node.appendChild(element("canvas", "thumb"));
    const bias = element("div", "bias");
    bias.title = "click to edit this neuron's bias";
    bias.addEventListener("click", event => {
      event.stopPropagation();
      openBiasEditor(index, i, event);
    });
    node.appendChild(bias);
    made.appendChild(node);
  }
  return made;
}

function changeWidth(index, change, most) {
  const shape = state.settings.networkShape.slice();
  const wanted = shape[index] + change;
  if (wanted < 1 || wanted > most) {
    showError(`a layer has 1 to ${most} neurons`);
    return;
  }
  shape[index] = wanted;
  sendSettings({networkShape: shape});
}

function outputColumn() {
  const [made] = column("output");
  const count = outputCount();
  const names = state.data.axes && state.data.axes.label && state.data.axes.label.classes;
  for (let i = 0; i < count; i++) {
    const node = element("div", "node output-node");
    if (count > 1) {
      const swatch = element("span", "swatch");
      swatch.style.background = css(classColour(i, 1));
      node.appendChild(swatch);
      node.appendChild(element("span", "", names && names[i] !== undefined
        ? String(names[i]) : `class ${i}`));
    } else {
      node.appendChild(element("canvas", "thumb"));
    }
    made.appendChild(node);
  }
  return made;
}

// The nodes' anchors, read from the layout once per build (and on resize): a frame then
// draws its links without asking the browser for any layout.
function measureNetwork() {
  const network = byId("network");
  const origin = network.getBoundingClientRect();
  const links = byId("links");
  links.width = Math.max(1, Math.round(network.clientWidth));
  links.height = Math.max(1, Math.round(network.clientHeight));
  diagram.columns = [...byId("columns").children].map((made, index) => {
    const nodes = [...made.querySelectorAll(".node")].filter(
      node => index !== 0 || !node.classList.contains("off"));
    return nodes.map(node => {
      const box = (node.querySelector("canvas, .swatch") || node).getBoundingClientRect();
      const y = box.top + box.height / 2 - origin.top;
      return {left: [box.left - origin.left, y], right: [box.right - origin.left, y]};
    });
  });
}

// ---- drawing a frame ----
function drawNetwork(frame) {
  const columns = byId("columns").children;
  if (columns.length < 2) return;
  const hidden = frame.neurons ? frame.neurons.layers : [];
  hidden.forEach((layer, index) => {
    const made = columns[index + 1];
    if (!made) return;
    const canvases = made.querySelectorAll(".neuron canvas");
    layer.forEach((values, i) => {
      if (!canvases[i]) return;
      if (frame.neurons.xs) {
        if (canvases[i].width !== THUMB) canvases[i].width = canvases[i].height = THUMB;
        paintCurve(canvases[i], frame.neurons.xs, values);
      } else {
        paintValues(canvases[i], frame.neurons.size, values);
      }
    });
  });
  const outputThumb = columns[columns.length - 1].querySelector("canvas");
  if (outputThumb && frame.output && !(frame.output.classes > 2)) {
    paintValues(outputThumb, frame.output.size, frame.output.values);
  } else if (outputThumb && frame.curve) {
    if (outputThumb.width !== THUMB) outputThumb.width = outputThumb.height = THUMB;
    paintCurve(outputThumb, frame.curve.xs, frame.curve.ys);
  }
  drawLinks(frame);
}

function linkShapeMatches(weights) {
  if (!weights || weights.length !== diagram.columns.length - 1) return false;
  return weights.every((layer, l) => layer.length === diagram.columns[l + 1].length &&
    layer.every(row => row.length === diagram.columns[l].length));
}

// Each link a cubic curve, as TF Playground's; colour and width from the weight, or from
// the gradient while a backprop step is shown.
function drawLinks(frame) {
  const canvas = byId("links"), context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  diagram.curves = [];
  if (!linkShapeMatches(frame.weights)) return;
  const gradients = state.gradients && linkShapeMatches(state.gradients.weights)
    ? state.gradients.weights : null;
  let largest = 1e-12;
  if (gradients) {
    for (const layer of gradients) {
      for (const row of layer) {
        for (const g of row.flat()) largest = Math.max(largest, Math.abs(g));
      }
    }
  }
  frame.weights.forEach((layer, l) => {
    layer.forEach((row, i) => {
      row.forEach((weight, j) => {
        const pieces = Array.isArray(weight) ? weight : [weight];
        pieces.forEach((value, k) => {
          const piece = Array.isArray(weight) ? k : null;
          const gradient = gradients ? [gradients[l][i][j]].flat()[k] : null;
          drawLink(context, l, i, j, piece, (k - (pieces.length - 1) / 2) * PIECE_SPREAD,
            value, gradient, largest, pieces.length > 1 ? 5 : 10);
        });
      });
    });
  });
}

// One link (or one piece of a maxout link, `shift` pixels aside at its middle), coloured
// by its weight, or by its gradient when one is given.
function drawLink(context, l, i, j, piece, shift, weight, gradient, largest, widest) {
  const start = diagram.columns[l][j].right, end = diagram.columns[l + 1][i].left;
  const middle = (start[0] + end[0]) / 2;
  const bezier = [start, [middle, start[1] + shift], [middle, end[1] + shift], end];
  diagram.curves.push({layer: l, to: i, from: j, piece, bezier});
  let stroke, width;
  if (gradient !== null) {
    const size = Math.abs(gradient) / largest;
    stroke = css(colour(gradient === 0 ? 0 : Math.sign(gradient) * (0.35 + 0.65 * size)));
    width = 0.5 + (widest - 3) * size;
  } else {
    stroke = css(colour(weight));
    width = Math.min(widest, 1 + 1.8 * Math.abs(weight || 0));
  }
  context.beginPath();
  context.moveTo(start[0], start[1]);
  context.bezierCurveTo(...bezier[1], ...bezier[2], ...end);
  context.strokeStyle = stroke;
  context.lineWidth = width;
  context.stroke();
}

// ---- editing a weight or a bias ----
function bezierAt([p0, p1, p2, p3], t) {
  const u = 1 - t;
  return [0, 1].map(k => u * u * u * p0[k] + 3 * u * u * t * p1[k] + 3 * u * t * t * p2[k]
    + t * t * t * p3[k]);
}

function distanceToSegment([px, py], [ax, ay], [bx, by]) {
  const dx = bx - ax, dy = by - ay, length = dx * dx + dy * dy;
  const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy)
    / length));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

// The link nearest a place on the network, if it is within a few pixels.
function linkAt(place) {
  let best = null, bestDistance = 6;
  for (const curve of diagram.curves) {
    let previous = curve.bezier[0];
    for (let k = 1; k <= 24; k++) {
      const next = bezierAt(curve.bezier, k / 24);
      const distance = distanceToSegment(place, previous, next);
      if (distance < bestDistance) { best = curve; bestDistance = distance; }
      previous = next;
    }
  }
  return best;
}

function nodeName(layer, index) {
  if (layer === 0) {
    const feature = activeFeatures()[index];
    return feature ? feature[1] : `input ${index + 1}`;
  }
  if (layer > state.settings.networkShape.length) return `output ${index + 1}`;
  return `layer ${layer} neuron ${index + 1}`;
}

function networkClicked(event) {
  if (event.target.closest(".node, button, select, input, label, .layer-head")) return;
  const origin = byId("network").getBoundingClientRect();
  const place = [event.clientX - origin.left, event.clientY - origin.top];
  const link = linkAt(place);
  if (!link || !state.frame) return;
  const value = state.frame.weights[link.layer][link.to][link.from];
  openEditor(place, value, `weight from ${nodeName(link.layer, link.from)} to ` +
    `${nodeName(link.layer + 1, link.to)}`,
    {layer: link.layer, to: link.to, from: link.from, piece: link.piece});
}

function openBiasEditor(layer, index, event) {
  if (!state.frame || !state.frame.biases[layer]) return;
  const origin = byId("network").getBoundingClientRect();
  openEditor([event.clientX - origin.left, event.clientY - origin.top],
    state.frame.biases[layer][index], `bias of ${nodeName(layer + 1, index)}`,
    {layer, to: index, from: null, piece: null});
}

// A small number field by the link: Enter sends the new value, Escape (or leaving it)
// cancels. `values` is a number, or a maxout layer's list of one per piece: then a choice
// beside the field says which piece is edited (`target.piece`, the clicked one or the
// first).
function openEditor([x, y], values, title, target) {
  closeEditor();
  const several = Array.isArray(values);
  const edited = {...target, piece: several ? target.piece || 0 : null};
  const input = element("input", "weight-editor");
  input.type = "number"; input.step = "0.1";
  input.style.left = `${Math.round(x + 8)}px`;
  input.style.top = `${Math.round(y - 12)}px`;
  const named = () => several ? `${title}, piece ${edited.piece + 1}` : title;
  const show = () => {
    input.value = String(several ? values[edited.piece] : values);
    input.title = named();
    input.setAttribute("aria-label", named());
  };
  show();
  input.addEventListener("keydown", event => {
    if (event.key === "Escape") {
      closeEditor();
    } else if (event.key === "Enter") {
      const number = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(number)) {
        showError(`${named()}: must be a number, got "${input.value}"`);
        return;
      }
      closeEditor();
      state.gradients = null;
      send({type: "weight", layer: edited.layer, to: edited.to, from: edited.from,
        value: number, ...(several ? {piece: edited.piece} : {})});
    }
  });
  diagram.editor = [input];
  if (several) {
    const choice = element("select", "weight-piece");
    choice.title = "which of the maxout unit's pieces (affine maps)";
    values.forEach((_, k) => choice.appendChild(element("option", "", `piece ${k + 1}`)));
    choice.selectedIndex = edited.piece;
    choice.style.left = `${Math.round(x + 8)}px`;
    choice.style.top = `${Math.round(y + 14)}px`;
    choice.addEventListener("change", () => {
      edited.piece = choice.selectedIndex;
      show();
      input.focus();
      input.select();
    });
    diagram.editor.push(choice);
  }
  // (leaving the editor cancels it; moving between its field and its choice does not)
  for (const part of diagram.editor) {
    part.addEventListener("blur", event => {
      if (diagram.editor.includes(part) && !diagram.editor.includes(event.relatedTarget)) {
        closeEditor();
      }
    });
    byId("network").appendChild(part);
  }
  input.focus();
  input.select();
}

function closeEditor() {
  const parts = diagram.editor;
  diagram.editor = [];
  for (const part of parts) if (part.parentNode) part.parentNode.removeChild(part);
}

function wireNetwork() {
  byId("network").addEventListener("click", networkClicked);
  window.addEventListener("resize", () => {
    measureNetwork();
    if (state.frame) drawLinks(state.frame);
  });
}
