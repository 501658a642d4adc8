// stir playground: the page. It draws what the server sends and sends what the user changes;
// all training happens in stir on the server. No library, nothing fetched from elsewhere,
// no HTML built from strings (every text goes in through textContent).
"use strict";

const FEATURES = [["x", "x\u2081"], ["y", "x\u2082"], ["xSquared", "x\u2081\u00b2"],
  ["ySquared", "x\u2082\u00b2"], ["xTimesY", "x\u2081x\u2082"], ["sinX", "sin x\u2081"],
  ["sinY", "sin x\u2082"]];
const NUMBER_SETTINGS = ["noise", "percTrainData", "batchSize", "learningRate",
  "regularizationRate", "seed"];
const BOOL_SETTINGS = FEATURES.map(([name]) => name);
const RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const UI_ONLY = ["showTestData"];  // kept in the hash, never sent to the server

let socket = null;
let settings = null;      // the server's, after its last "settings" message
let points = {train: [], test: [], problem: "classification"};
let lastFrame = null;
let history = [];
let frameTimes = [];
let stepMarks = [];
let hashSent = false;

function byId(id) { return document.getElementById(id); }

// ---- colours: TF Playground's scale, orange (-1) to grey (0) to blue (+1) ----
const ORANGE = [245, 147, 34], GREY = [232, 234, 235], BLUE = [8, 119, 189];
function colour(value) {
  const v = Math.max(-1, Math.min(1, Number.isFinite(value) ? value : 0));
  const [a, b, t] = v < 0 ? [GREY, ORANGE, -v] : [GREY, BLUE, v];
  return [0, 1, 2].map(i => Math.round(a[i] + (b[i] - a[i]) * t));
}

function paintGrid(canvas, size, values) {
  const small = document.createElement("canvas");
  small.width = size; small.height = size;
  const context = small.getContext("2d");
  const image = context.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const [r, g, b] = colour(values[i]);
    image.data.set([r, g, b, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
  const target = canvas.getContext("2d");
  target.imageSmoothingEnabled = true;
  target.drawImage(small, 0, 0, canvas.width, canvas.height);
}

// ---- the URL hash: TF Playground's names, so its links work here too ----
function readHash() {
  const found = {};
  for (const part of window.location.hash.slice(1).split("&")) {
    const [name, value] = part.split("=");
    if (!name || value === undefined) continue;
    const text = decodeURIComponent(value);
    if (NUMBER_SETTINGS.includes(name)) {
      const number = Number(text);
      // (TF Playground's seeds are strings such as 0.59873: a new seed here)
      if (name === "seed" && !Number.isInteger(number)) continue;
      if (text.trim() !== "" && Number.isFinite(number)) found[name] = number;
    } else if (BOOL_SETTINGS.includes(name) || UI_ONLY.includes(name)) {
      found[name] = text !== "false";
    } else if (name === "networkShape") {
      found[name] = text.trim() === "" ? [] : text.split(",").map(Number);
    } else if (["problem", "dataset", "regDataset", "activation", "regularization",
                "loss"].includes(name)) {
      found[name] = text;
    }
  }
  return found;
}

function writeHash() {
  if (!settings) return;
  const parts = Object.keys(settings).map(name => {
    const value = settings[name];
    return `${name}=${encodeURIComponent(Array.isArray(value) ? value.join(",") : value)}`;
  });
  parts.push(`showTestData=${byId("showTestData").checked}`);
  window.history.replaceState(null, "", "#" + parts.join("&"));
}

// ---- the controls ----
function fillSelect(select, options, labels) {
  while (select.firstChild) select.removeChild(select.firstChild);
  options.forEach((option, i) => {
    const element = document.createElement("option");
    element.value = String(option);
    element.textContent = labels ? labels[i] : String(option);
    select.appendChild(element);
  });
}

function buildControls(limits) {
  const choices = limits.choices;
  for (const name of Object.keys(choices)) {
    const select = byId(name);
    if (select && select.tagName === "SELECT" && select.options.length === 0) {
      fillSelect(select, choices[name]);
    }
  }
  if (byId("learningRate").options.length === 0) fillSelect(byId("learningRate"), RATES);
  if (byId("regularizationRate").options.length === 0) {
    fillSelect(byId("regularizationRate"), REG_RATES);
  }
  const box = byId("features");
  if (box.querySelectorAll("input").length === 0) {
    for (const [name, label] of FEATURES) {
      const wrapper = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox"; input.id = name; input.dataset.setting = name;
      input.addEventListener("change", () => send({type: "settings",
        settings: {[name]: input.checked}}));
      wrapper.appendChild(input);
      wrapper.appendChild(document.createTextNode(" " + label));
      box.appendChild(wrapper);
    }
  }
}

function showSettings() {
  for (const element of document.querySelectorAll("[data-setting]")) {
    const name = element.dataset.setting, value = settings[name];
    if (value === undefined) continue;
    if (element.type === "checkbox") element.checked = value;
    else if (name === "networkShape") element.value = value.join(",");
    else {
      if (element.tagName === "SELECT" && ![...element.options].some(
        o => o.value === String(value))) {
        const extra = document.createElement("option");
        extra.value = extra.textContent = String(value);
        element.appendChild(extra);
      }
      element.value = String(value);
    }
  }
  for (const label of document.querySelectorAll(".value")) {
    label.textContent = String(settings[label.dataset.for]);
  }
  const regression = settings.problem === "regression";
  byId("dataset").parentElement.hidden = regression;
  byId("regDataset").parentElement.hidden = !regression;
  writeHash();
}

function controlValue(element) {
  const name = element.dataset.setting;
  if (name === "networkShape") {
    const text = element.value.trim();
    return text === "" ? [] : text.split(",").map(w => Number(w.trim()));
  }
  if (NUMBER_SETTINGS.includes(name)) return Number(element.value);
  return element.value;
}

function wireControls() {
  for (const element of document.querySelectorAll("[data-setting]")) {
    if (element.type === "checkbox") continue;  // (the features wire themselves)
    element.addEventListener("change", () => send({type: "settings",
      settings: {[element.dataset.setting]: controlValue(element)}}));
  }
  byId("play").addEventListener("click", () => {
    send({type: lastFrame && lastFrame.playing ? "pause" : "play"});
  });
  byId("step").addEventListener("click", () => send({type: "step"}));
  byId("reset").addEventListener("click", () => { history = []; send({type: "reset"}); });
  byId("showTestData").addEventListener("change", () => { writeHash(); drawOutput(); });
}

// ---- drawing ----
function drawOutput() {
  const canvas = byId("heatmap");
  if (lastFrame) paintGrid(canvas, lastFrame.output.size, lastFrame.output.values);
  const context = canvas.getContext("2d");
  const scale = canvas.width / 12;
  const parts = [["train", "white"]];
  if (byId("showTestData").checked) parts.push(["test", "black"]);
  for (const [part, edge] of parts) {
    for (const [x1, x2, label] of points[part]) {
      const [r, g, b] = colour(label);
      context.beginPath();
      context.arc((x1 + 6) * scale, (6 - x2) * scale, 3.5, 0, 2 * Math.PI);
      context.fillStyle = `rgb(${r},${g},${b})`;
      context.fill();
      context.strokeStyle = edge;
      context.stroke();
    }
  }
}

function drawNeurons(frame) {
  const network = byId("network");
  const layers = frame.neurons.layers;
  const shape = layers.map(layer => layer.length).join(",");
  if (network.dataset.shape !== shape) {
    while (network.firstChild) network.removeChild(network.firstChild);
    layers.forEach((layer, index) => {
      const column = document.createElement("div");
      column.className = "layer";
      const title = document.createElement("h2");
      title.textContent = `layer ${index + 1}`;
      column.appendChild(title);
      for (let i = 0; i < layer.length; i++) {
        const canvas = document.createElement("canvas");
        canvas.width = canvas.height = 48;
        column.appendChild(canvas);
      }
      network.appendChild(column);
    });
    network.dataset.shape = shape;
  }
  const columns = network.querySelectorAll(".layer");
  layers.forEach((layer, index) => {
    const canvases = columns[index].querySelectorAll("canvas");
    layer.forEach((values, i) => paintGrid(canvases[i], frame.neurons.size, values));
  });
}

function drawLosses() {
  const canvas = byId("losses"), context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const finite = history.flatMap(([a, b]) => [a, b]).filter(Number.isFinite);
  if (finite.length === 0) return;
  const top = Math.max(...finite, 1e-9);
  [["#999", 0], ["#000", 1]].forEach(([stroke, which]) => {
    context.beginPath();
    history.forEach((pair, i) => {
      const x = history.length === 1 ? 0 : i / (history.length - 1) * canvas.width;
      const y = canvas.height - (pair[which] || 0) / top * (canvas.height - 4) - 2;
      if (i === 0) context.moveTo(x, y); else context.lineTo(x, y);
    });
    context.strokeStyle = stroke;
    context.stroke();
  });
}

function showFrame(frame) {
  lastFrame = frame;
  drawOutput();
  drawNeurons(frame);
  history.push([frame.trainLoss, frame.testLoss]);
  if (history.length > 400) history = history.filter((_, i) => i % 2 === 0);
  drawLosses();
  const shown = v => v === null || v === undefined ? "-" : v.toFixed(3);
  byId("epoch").textContent = frame.epoch.toFixed(1);
  byId("train-loss").textContent = shown(frame.trainLoss);
  byId("test-loss").textContent = shown(frame.testLoss);
  byId("test-accuracy").textContent = shown(frame.testAccuracy);
  byId("play").textContent = frame.playing ? "pause" : "play";
  byId("play").classList.toggle("playing", frame.playing);
  const now = performance.now();
  frameTimes.push(now); stepMarks.push(frame.step);
  while (frameTimes.length > 1 && now - frameTimes[0] > 2000) {
    frameTimes.shift(); stepMarks.shift();
  }
  if (frame.playing && frameTimes.length > 1) {
    const seconds = (now - frameTimes[0]) / 1000;
    byId("rate").textContent = ((frameTimes.length - 1) / seconds).toFixed(0);
    byId("steps-rate").textContent =
      ((stepMarks[stepMarks.length - 1] - stepMarks[0]) / seconds).toFixed(0);
  }
}

// ---- the connection ----
function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function receive(event) {
  let message;
  try { message = JSON.parse(event.data); } catch (error) { return; }
  if (message.type === "settings") {
    const first = settings === null;
    settings = message.settings;
    buildControls(message.limits);
    byId("error").textContent = "";
    if (first && !hashSent) {
      hashSent = true;
      const wanted = readHash();
      if (wanted.showTestData !== undefined) byId("showTestData").checked = wanted.showTestData;
      for (const name of UI_ONLY) delete wanted[name];
      if (Object.keys(wanted).length) {
        send({type: "settings", settings: wanted});
      }
    }
    showSettings();
  } else if (message.type === "data") {
    points = message;
    history = [];
  } else if (message.type === "frame") {
    showFrame(message);
  } else if (message.type === "error") {
    byId("error").textContent = message.message;
    if (settings) showSettings();  // the controls back to what the server has
  }
}

function connect() {
  const token = new URLSearchParams(window.location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  socket = new WebSocket(`ws://${window.location.host}/ws${query}`);
  socket.addEventListener("message", receive);
  socket.addEventListener("close", () => {
    byId("error").textContent = "disconnected from the server: reload the page to retry";
  });
}

wireControls();
connect();
