// stir playground: the connection. It reads the server's messages and hands each to what
// draws it (common.js, plots.js, network.js and controls.js are loaded before this file).
"use strict";

function showStatus(frame) {
  byId("epoch").textContent = frame.epoch.toFixed(1);
  byId("steps").textContent = String(frame.steps !== undefined ? frame.steps : frame.step);
  byId("currentRate").textContent = frame.learningRate === undefined ? "-"
    : String(Number(frame.learningRate.toPrecision(4)));
  byId("train-loss").textContent = rounded(frame.trainLoss, 3);
  byId("test-loss").textContent = rounded(frame.testLoss, 3);
  byId("test-accuracy").textContent = rounded(frame.testAccuracy, 3);
  byId("accuracy").hidden = frame.testAccuracy === undefined;  // (a regression has none)
  byId("stopped").textContent = frame.stopped || "";
  byId("play").textContent = frame.playing ? "pause" : "play";
  byId("play").classList.toggle("playing", frame.playing);
  const now = performance.now();
  state.frameTimes.push(now); state.stepMarks.push(frame.step);
  while (state.frameTimes.length > 1 && now - state.frameTimes[0] > 2000) {
    state.frameTimes.shift(); state.stepMarks.shift();
  }
  if (frame.playing && state.frameTimes.length > 1) {
    const seconds = (now - state.frameTimes[0]) / 1000;
    byId("rate").textContent = ((state.frameTimes.length - 1) / seconds).toFixed(0);
    byId("steps-rate").textContent = ((state.stepMarks[state.stepMarks.length - 1]
      - state.stepMarks[0]) / seconds).toFixed(0);
  }
}

function precise(value) {
  return Number.isFinite(value) ? String(Number(value.toPrecision(4))) : "-";
}

// What the output and the links show, in words.
function showLegend(frame) {
  const parts = [];
  if (oneDimensional()) {
    parts.push(frame.curve && frame.curve.classes > 2 ? "black: the most likely class"
      : "black: the network's curve");
    if (frame.curve && exactPiecesShown(frame.curve)) {
      const pieces = Math.max(0, frame.curve.pieces.xs.length - 1);
      parts.push(`red: its ${pieces} exact linear piece${pieces === 1 ? "" : "s"}`);
    } else if (frame.curve && !isClassification()) {
      parts.push("(linear pieces only for relu, linear and maxout activations)");
    }
  } else if (frame.output && frame.output.classes > 2) {
    parts.push("each cell: the most likely class, paler where the network is less sure");
  }
  byId("legend").textContent = parts.join("; ");
  const gradients = state.gradients;
  byId("linkLegend").textContent = gradients
    ? `The links: the gradient of one minibatch's loss (training points ` +
      `${gradients.batch[0]} to ${gradients.batch[1] - 1}, step ${gradients.step}), blue ` +
      `positive, orange negative, wider for larger; the batch's loss ` +
      `${precise(gradients.loss)} before the step, ${precise(gradients.lossAfter)} after.`
    : "The links: blue positive, orange negative weights, wider for larger; click one to " +
      "edit its weight, a neuron's corner for its bias." + (hasMaxout()
      ? " A maxout neuron is the largest of its two affine maps (pieces): its links are " +
        "drawn once per piece, side by side." : "");
  byId("linkLegend").classList.toggle("gradients", Boolean(gradients));
}

function showFrame(frame) {
  const started = performance.now();
  state.frame = frame;
  drawOutput();
  drawNetwork(frame);
  drawWarps(frame);
  state.history.push([frame.trainLoss, frame.testLoss]);
  if (state.history.length > 400) state.history = state.history.filter((_, i) => i % 2 === 0);
  drawLosses();
  showStatus(frame);
  showLegend(frame);
  state.drawTimes.push(performance.now() - started);
  if (state.drawTimes.length > 100) state.drawTimes.shift();
}

function showData(message) {
  state.data = message;
  state.history = [];
  const count = message.train.length, tests = message.test.length;
  byId("pointCount").textContent = `${count} training point${count === 1 ? "" : "s"}, ` +
    `${tests} test`;
  showAxes();
  if (state.settings) {
    showPointTools();
    buildNetwork();
  }
}

function receive(event) {
  let message;
  try { message = JSON.parse(event.data); } catch (error) { return; }
  if (message.type === "settings") {
    const first = state.settings === null;
    state.settings = message.settings;
    state.limits = message.limits;
    buildControls(message.limits);
    showError("");
    if (first && !state.hashSent) {
      state.hashSent = true;
      const wanted = readHash(message.settings);
      if (wanted.showTestData !== undefined) byId("showTestData").checked = wanted.showTestData;
      for (const name of UI_ONLY) delete wanted[name];
      if (Object.keys(wanted).length) send({type: "settings", settings: wanted});
    }
    showSettings();
  } else if (message.type === "data") {
    showData(message);
  } else if (message.type === "frame") {
    showFrame(message);
  } else if (message.type === "backprop") {
    state.gradients = message;
  } else if (message.type === "export") {
    exported(message);
  } else if (message.type === "error") {
    showError(message.message);
    if (byId("uploadNote").textContent.startsWith("sending")) byId("uploadNote").textContent = "";
    if (state.settings) showSettings();  // the controls back to what the server has
  }
}

function connect() {
  const token = new URLSearchParams(window.location.search).get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";
  state.socket = new WebSocket(`ws://${window.location.host}/ws${query}`);
  state.socket.addEventListener("message", receive);
  state.socket.addEventListener("close", () => {
    showError("disconnected from the server: reload the page to retry");
  });
}

wireControls();
connect();
