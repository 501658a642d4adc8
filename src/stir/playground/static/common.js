// stir playground, shared by the page's scripts: the page's state, colours, small DOM
// helpers and the URL hash. The page draws what the server sends and sends what the user
// changes; all training happens in stir on the server. No library, nothing fetched from
// elsewhere, no HTML built from strings (every text goes in through textContent).
"use strict";

const FEATURES = [["x", "x\u2081"], ["y", "x\u2082"], ["xSquared", "x\u2081\u00b2"],
  ["ySquared", "x\u2082\u00b2"], ["xTimesY", "x\u2081x\u2082"], ["sinX", "sin x\u2081"],
  ["sinY", "sin x\u2082"]];
// The features a 1-D task (x alone) can use.
const FEATURES_1D = ["x", "xSquared", "sinX"];
const RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
// The stopping rule's patience in epochs (0: never stop).
const STOP_AFTER = [0, 10, 30, 100, 300, 1000];
const CLASS_COUNTS = [2, 3, 4, 5, 6, 7, 8, 9, 10];
// The hash's lists whose items are numbers, names, or [x1, x2, label] rows; every other
// setting takes the type of the server's default for it.
const NUMBER_LISTS = ["networkShape", "removed"];
const NAME_LISTS = ["activations"];
const ROW_LISTS = ["added"];
const UI_ONLY = ["showTestData"];  // kept in the hash, never sent to the server
// The server's limits, used until its first "settings" message says otherwise.
const DEFAULT_UPLOAD_BYTES = 256 * 1024;

const state = {
  socket: null,
  settings: null,      // the server's, after its last "settings" message
  limits: null,
  data: {train: [], test: [], problem: "classification", dims: 2, axes: null},
  frame: null,         // the last frame drawn
  history: [],         // [train loss, test loss] per frame, for the loss chart
  frameTimes: [], stepMarks: [],
  drawTimes: [],       // milliseconds each of the last frames took to draw
  hashSent: false,
  gradients: null,     // the last "backprop" answer, drawn on the links until the user moves on
};

function byId(id) { return document.getElementById(id); }

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

function removeChildren(parent) {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
}

function showError(text) { byId("error").textContent = text; }

// ---- colours: TF Playground's scale, orange (-1) to grey (0) to blue (+1) ----
const ORANGE = [245, 147, 34], GREY = [232, 234, 235], BLUE = [8, 119, 189];
// Ten classes told apart at a glance; the first two are TF Playground's, so that two
// classes look as there.
const PALETTE = [ORANGE, BLUE, [214, 39, 40], [44, 160, 44], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207]];

function colour(value) {
  const v = Math.max(-1, Math.min(1, Number.isFinite(value) ? value : 0));
  const [a, b, t] = v < 0 ? [GREY, ORANGE, -v] : [GREY, BLUE, v];
  return [0, 1, 2].map(i => Math.round(a[i] + (b[i] - a[i]) * t));
}

// A class's colour at `strength` in [0, 1] (0: the grey background).
function classColour(index, strength) {
  const target = PALETTE[index % PALETTE.length] || GREY;
  const t = Math.max(0, Math.min(1, Number.isFinite(strength) ? strength : 0));
  return [0, 1, 2].map(i => Math.round(GREY[i] + (target[i] - GREY[i]) * t));
}

function css([r, g, b]) { return `rgb(${r},${g},${b})`; }

function isClassification() {
  return state.data.problem === "classification";
}

function classCount() {
  return state.data.numClasses || (state.settings && state.settings.numClasses) || 2;
}

// A data point's label as a colour: its class's, or the regression scale's.
function labelColour(label) {
  return isClassification() ? classColour(label, 1) : colour(label);
}

function rounded(value, digits) {
  return value === null || value === undefined || !Number.isFinite(value) ? "-"
    : value.toFixed(digits);
}

// ---- the URL hash: TF Playground's names, so its links work here too ----
function parseHashValue(name, text, defaults) {
  if (NUMBER_LISTS.includes(name)) {
    return text.trim() === "" ? [] : text.split(",").map(Number);
  }
  if (NAME_LISTS.includes(name)) return text.trim() === "" ? [] : text.split(",");
  if (ROW_LISTS.includes(name)) {
    return text.trim() === "" ? [] : text.split(";").map(row => row.split(",").map(Number));
  }
  const known = defaults[name];
  if (typeof known === "boolean") return text !== "false";
  if (typeof known === "number") {
    const number = Number(text);
    // (TF Playground's seeds are strings such as 0.59873: a new seed here)
    if (name === "seed" && !Number.isInteger(number)) return undefined;
    return text.trim() !== "" && Number.isFinite(number) ? number : undefined;
  }
  return typeof known === "string" ? text : undefined;
}

// The hash's settings the server knows (by its defaults), and the page's own.
function readHash(defaults) {
  const found = {};
  for (const part of window.location.hash.slice(1).split("&")) {
    const [name, value] = part.split("=");
    if (!name || value === undefined) continue;
    let text;
    try { text = decodeURIComponent(value); } catch (error) { continue; }
    if (UI_ONLY.includes(name)) {
      found[name] = text !== "false";
    } else if (Object.prototype.hasOwnProperty.call(defaults, name)) {
      const parsed = parseHashValue(name, text, defaults);
      if (parsed !== undefined) found[name] = parsed;
    }
  }
  return found;
}

function hashValue(name, value) {
  if (ROW_LISTS.includes(name)) return value.map(row => row.join(",")).join(";");
  return Array.isArray(value) ? value.join(",") : String(value);
}

function writeHash() {
  if (!state.settings) return;
  const parts = Object.keys(state.settings).map(name =>
    `${name}=${encodeURIComponent(hashValue(name, state.settings[name]))}`);
  parts.push(`showTestData=${byId("showTestData").checked}`);
  window.history.replaceState(null, "", "#" + parts.join("&"));
}

// ---- the connection ----
function send(message) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) {
    state.socket.send(JSON.stringify(message));
    return true;
  }
  showError("not connected to the server: reload the page to retry");
  return false;
}

function sendSettings(changes) {
  state.gradients = null;
  return send({type: "settings", settings: changes});
}
