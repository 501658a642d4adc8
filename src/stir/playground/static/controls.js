// stir playground: the controls. The settings' fields and buttons, the layers' +/- buttons,
// adding and removing points on the output, the CSV upload and the two downloads.
"use strict";

const NUMBER_SETTINGS = ["noise", "percTrainData", "batchSize", "learningRate",
  "regularizationRate", "seed", "numClasses", "scheduleEpochs", "dropout", "stopAfter"];

function fillSelect(select, options, labels) {
  removeChildren(select);
  options.forEach((option, i) => {
    const made = element("option", "", labels ? labels[i] : String(option));
    made.value = String(option);
    select.appendChild(made);
  });
}

function buildControls(limits) {
  for (const name of Object.keys(limits.choices)) {
    const select = byId(name);
    if (select && select.tagName === "SELECT" && select.options.length === 0) {
      fillSelect(select, limits.choices[name]);
    }
  }
  const fixed = [["learningRate", RATES], ["regularizationRate", REG_RATES],
    ["dropout", DROPOUTS], ["numClasses", CLASS_COUNTS], ["stopAfter", STOP_AFTER]];
  for (const [name, options] of fixed) {
    if (byId(name).options.length === 0) {
      fillSelect(byId(name), options, name === "stopAfter" ?
        options.map(epochs => epochs ? `${epochs} epochs without progress` : "never") : null);
    }
  }
}

// Every control shows the server's settings (after a change, and after an error put back).
function showSettings() {
  const settings = state.settings;
  for (const control of document.querySelectorAll("[data-setting]")) {
    const name = control.dataset.setting, value = settings[name];
    if (value === undefined) continue;
    if (control.type === "checkbox") control.checked = value;
    else if (name === "networkShape") control.value = value.join(",");
    else {
      if (control.tagName === "SELECT" && ![...control.options].some(
        option => option.value === String(value))) {
        control.appendChild(element("option", "", String(value)));
      }
      control.value = String(value);
    }
  }
  for (const label of document.querySelectorAll(".value")) {
    label.textContent = String(settings[label.dataset.for]);
  }
  const regression = settings.problem === "regression";
  byId("dataset").parentElement.hidden = regression;
  byId("regDataset").parentElement.hidden = !regression;
  byId("numClasses").parentElement.hidden = regression;
  byId("scheduleEpochs").parentElement.hidden = settings.schedule === "constant";
  showPointTools();
  buildNetwork();
  writeHash();
}

function controlValue(control) {
  const name = control.dataset.setting;
  if (name === "networkShape") {
    const text = control.value.trim();
    return text === "" ? [] : text.split(",").map(width => Number(width.trim()));
  }
  if (NUMBER_SETTINGS.includes(name)) return Number(control.value);
  return control.value;
}

// A change of one control, with what it implies: more than two classes need the softmax's
// cross-entropy, and fewer layers fewer per-layer activations.
function settingChanged(control) {
  const name = control.dataset.setting, value = controlValue(control);
  const changes = {[name]: value};
  if (name === "numClasses" && value > 2) changes.loss = "cross-entropy";
  if (name === "regDataset" && value === "curve") {
    // (its one input is x: the features of x2 off, and x on if none of x's is)
    for (const [feature] of FEATURES) {
      if (!FEATURES_1D.includes(feature) && state.settings[feature]) changes[feature] = false;
    }
    if (!FEATURES_1D.some(feature => state.settings[feature])) changes.x = true;
  }
  if (name === "networkShape") {
    if (value.some(width => !Number.isInteger(width))) {
      showError(`hidden layers: widths must be whole numbers separated by commas, got ` +
        `"${control.value}"`);
      showSettings();
      return;
    }
    const activations = state.settings.activations || [];
    if (activations.length > value.length) changes.activations = activations.slice(0,
      value.length);
  }
  sendSettings(changes);
}

function changeLayers(change) {
  const shape = state.settings.networkShape.slice();
  const most = state.limits ? state.limits.maxLayers : 10;
  if (change > 0) {
    if (shape.length >= most) { showError(`at most ${most} hidden layers`); return; }
    shape.push(2);
    sendSettings({networkShape: shape});
  } else {
    if (shape.length === 0) return;
    shape.pop();
    const changes = {networkShape: shape};
    const activations = state.settings.activations || [];
    if (activations.length > shape.length) changes.activations = activations.slice(0,
      shape.length);
    sendSettings(changes);
  }
}

// ---- points: a click on the output adds one, a click on a training point removes it ----
function showPointTools() {
  const classify = state.settings.problem === "classification";
  const count = classCount();
  const picker = byId("pointClass");
  const names = state.data.axes && state.data.axes.label && state.data.axes.label.classes;
  const wanted = Array.from({length: count}, (_, i) => names && names[i] !== undefined
    ? `${i}: ${names[i]}` : `class ${i}`);
  if ([...picker.options].map(option => option.textContent).join("|") !== wanted.join("|")) {
    const chosen = picker.value;
    fillSelect(picker, wanted.map((_, i) => i), wanted);
    picker.value = chosen !== "" && Number(chosen) < count ? chosen : "1";
    [...picker.options].forEach((option, i) => {
      option.style.color = css(classColour(i, 1));
    });
  }
  byId("classPicker").hidden = !classify;
  byId("targetPicker").hidden = classify || oneDimensional();
  byId("pointHint").textContent = oneDimensional() && !classify
    ? "click to add a training point (its height is its target); click one to remove it"
    : "click to add a training point; click one to remove it";
}

function canvasPlace(canvas, event) {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * canvas.width / box.width,
    (event.clientY - box.top) * canvas.height / box.height];
}

function outputClicked(event) {
  if (!state.settings) return;
  const canvas = byId("overlay");
  const [px, py] = canvasPlace(canvas, event);
  let nearest = -1, nearestDistance = 6;
  state.data.train.forEach((row, index) => {
    const [x, y] = rowPlace(canvas, row);
    const distance = Math.hypot(x - px, y - py);
    if (distance <= nearestDistance) { nearest = index; nearestDistance = distance; }
  });
  state.gradients = null;
  if (nearest >= 0) {
    send({type: "removePoint", index: nearest});
    return;
  }
  const [x, y] = fromCanvas(canvas, px, py);
  const at = value => Math.round(value * 1000) / 1000;
  let label;
  if (state.settings.problem === "classification") {
    label = Number(byId("pointClass").value);
  } else if (oneDimensional()) {
    label = at(y);
  } else {
    label = Number(byId("pointTarget").value);
    if (byId("pointTarget").value.trim() === "" || !Number.isFinite(label)) {
      showError("new point's target: must be a number");
      return;
    }
  }
  if (oneDimensional()) {
    if (x < 0 || x > 1) return;  // (a click in the margin)
    send({type: "addPoint", point: [at(x), label]});
  } else {
    send({type: "addPoint", point: [at(x), at(y), label]});
  }
}

// ---- a CSV upload, read here and sent whole ----
async function uploadChosen() {
  const file = byId("uploadFile").files[0];
  if (!file) return;
  const most = (state.limits && state.limits.maxUploadBytes) || DEFAULT_UPLOAD_BYTES;
  if (file.size > most) {
    showError(`${file.name}: ${file.size} bytes is too big to upload: at most ${most} ` +
      `bytes (${Math.floor(most / 1024)} KiB)`);
    return;
  }
  let text;
  try {
    text = await file.text();
  } catch (error) {
    showError(`${file.name}: could not be read: ${error.message}`);
    return;
  }
  const target = byId("uploadTarget").value.trim();
  const features = byId("uploadFeatures").value.split(",").map(name => name.trim())
    .filter(name => name !== "");
  byId("uploadNote").textContent = `sending ${file.name}\u2026`;
  state.gradients = null;
  send({type: "upload", name: file.name, text, target: target === "" ? null : target,
    task: byId("uploadTask").value, features: features.length ? features : null});
}

// The axes of an upload: its columns' names and ranges.
function showAxes() {
  const axes = state.data.axes, box = byId("axes");
  box.hidden = !axes;
  if (!axes) return;
  const range = axis => axis ? `${axis.name}, ${formatTick(axis.low)} to ` +
    `${formatTick(axis.high)}` : "";
  const horizontal = axes.x1 ? `horizontal (x\u2081): ${range(axes.x1)}` : "";
  const vertical = axes.x2 ? `vertical (x\u2082): ${range(axes.x2)}` : "";
  byId("axisX").textContent = horizontal;
  byId("axisY").textContent = vertical;
  const label = axes.label;
  let text = "";
  if (label && label.classes) text = `classes of ${label.name}: ${label.classes.join(", ")}`;
  else if (label) text = `target ${label.name}: ${formatTick(label.low)} (\u22121) to ` +
    `${formatTick(label.high)} (+1)`;
  const left = state.data.leftOut;
  if (left) {
    const lines = left.lines.join(", ") + (left.rows > left.lines.length ? ", \u2026" : "");
    text += `; ${left.rows} row${left.rows === 1 ? "" : "s"} of the file left out for a ` +
      `missing cell (line${left.rows === 1 ? "" : "s"} ${lines})`;
  }
  byId("uploadNote").textContent = text;
}

// ---- downloads: the server's answer made a file ----
function download(filename, blob) {
  const link = element("a");
  link.href = URL.createObjectURL(blob);
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  document.body.removeChild(link);
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function exported(message) {
  if (message.kind === "model") {
    const binary = atob(message.base64);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    download(message.filename, new Blob([bytes], {type: "application/octet-stream"}));
  } else {
    download(message.filename, new Blob([message.text], {type: "text/x-python"}));
  }
}

function wireControls() {
  for (const control of document.querySelectorAll("[data-setting]")) {
    if (control.type === "checkbox") continue;  // (the features wire themselves)
    control.addEventListener("change", () => settingChanged(control));
  }
  byId("play").addEventListener("click", () => {
    state.gradients = null;
    send({type: state.frame && state.frame.playing ? "pause" : "play"});
  });
  byId("step").addEventListener("click", () => {
    state.gradients = null;
    send({type: "step"});
  });
  byId("reset").addEventListener("click", () => {
    state.history = [];
    state.gradients = null;
    send({type: "reset"});
  });
  byId("backprop").addEventListener("click", () => send({type: "backprop"}));
  byId("addLayer").addEventListener("click", () => changeLayers(+1));
  byId("removeLayer").addEventListener("click", () => changeLayers(-1));
  byId("showTestData").addEventListener("change", () => { writeHash(); drawOutput(); });
  byId("overlay").addEventListener("click", outputClicked);
  byId("uploadFile").addEventListener("change", uploadChosen);
  for (const id of ["uploadTarget", "uploadFeatures", "uploadTask"]) {
    byId(id).addEventListener("change", uploadChosen);
  }
  byId("exportModel").addEventListener("click", () => send({type: "export", kind: "model"}));
  byId("exportScript").addEventListener("click", () => send({type: "export",
    kind: "script"}));
  wireNetwork();
}
