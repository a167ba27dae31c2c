// The page: controls, the stream of frames, and the commands. Every number it shows comes
// from the server; the views only draw them.
import { drawBoundary, pointAt } from "./boundary.js";
import { drawCurves } from "./curves.js";
import { drawNetwork, hitTest, describe } from "./network.js";
import { showSample } from "./sample.js";

const $ = (id) => document.getElementById(id);
const FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"];
const ACTIVATIONS = ["tanh", "relu", "leaky_relu", "sigmoid", "identity"];
const NUMBERS = ["n_samples", "noise", "test_split", "lr", "batch_size", "l1", "l2", "dropout", "seed", "stop_at"];
const state = { data: null, frame: null, sample: null, settingsText: "" };

function showError(text) {
  const box = $("error");
  box.textContent = text || "";
  box.hidden = !text;
}

export async function command(message) {
  const reply = await fetch("command", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(message),
  });
  const answer = await reply.json();
  showError(answer.error || "");
  return answer;
}

function change(changes) {
  return command({ op: "settings", changes });
}

function layerRow(i, size, activation) {
  const row = document.createElement("div");
  row.className = "layer";
  row.innerHTML = `<span>layer ${i + 1}</span>
    <button data-testid="remove-neuron" data-layer="${i}">-</button>
    <span data-testid="layer-size">${size}</span>
    <button data-testid="add-neuron" data-layer="${i}">+</button>
    <select data-testid="activation" data-layer="${i}">
      ${ACTIVATIONS.map((a) => `<option${a === activation ? " selected" : ""}>${a}</option>`).join("")}
    </select>`;
  return row;
}

function syncControls(s) {
  const text = JSON.stringify(s);
  if (text === state.settingsText) return;
  state.settingsText = text;
  history.replaceState(null, "", "#" + encodeURIComponent(text));
  $("dataset").value = s.data;
  for (const key of NUMBERS) if (document.activeElement !== $(key)) $(key).value = s[key];
  $("loss").value = s.loss;
  $("plane").value = s.plane;
  $("optimizer").value = s.optimizer;
  for (const box of $("features").querySelectorAll("input")) box.checked = s.features.includes(box.value);
  const layers = $("layers");
  layers.replaceChildren(...s.hidden.map((n, i) => layerRow(i, n, s.activations[i])));
}

function syncData(d) {
  state.data = d;
  $("dataset").replaceChildren(...d.choices.map((c) => new Option(c, c)));
  const generated = d.columns.length === 2 && d.axes[0] === "x1";
  $("columns").hidden = generated || d.axes[0] === "PC1";
  for (const [id, k] of [["x_column", 0], ["y_column", 1]]) {
    $(id).replaceChildren(...d.columns.map((c) => new Option(c, c)));
    $(id).value = d.axes[k];
  }
  $("n_samples").disabled = $("noise").disabled = !generated;
  state.settingsText = "";
  state.sample = null;
}

function onFrame(f) {
  state.frame = f;
  $("epoch").textContent = f.epoch;
  $("batch").textContent = `${f.batch} of ${f.batches_per_epoch}`;
  const loss = (v) => (v === null ? "not a number" : v.toFixed(4)); // null: the loss diverged
  $("train-loss").textContent = loss(f.train_loss);
  $("test-loss").textContent = loss(f.test_loss);
  $("param-count").textContent = f.param_count;
  $("play").disabled = f.playing;
  $("pause").disabled = !f.playing;
  if (f.notice) showError(f.notice);
  syncControls(f.settings);
  if (!state.data || state.data.version !== f.version) return;
  drawBoundary($("boundary"), f, state.data, state.sample);
  drawCurves($("curves"), f.curve);
  drawNetwork($("network"), f, state.data, state.sample);
}

function wireControls() {
  $("features").replaceChildren(...FEATURES.map((name) => {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" value="${name}" data-testid="feature-${name}"> ${name}`;
    return label;
  }));
  $("features").addEventListener("change", () => {
    const chosen = [...$("features").querySelectorAll("input:checked")].map((b) => b.value);
    change({ features: chosen });
  });
  for (const key of NUMBERS) $(key).addEventListener("change", () => {
    const value = Number($(key).value);
    change({ [key]: $(key).value === "" || Number.isNaN(value) ? $(key).value : value });
  });
  $("dataset").addEventListener("change", () => change({ data: $("dataset").value, x_column: null, y_column: null }));
  for (const id of ["plane", "x_column", "y_column", "loss", "optimizer"]) {
    $(id).addEventListener("change", () => change({ [id]: $(id).value }));
  }
  $("play").onclick = () => command({ op: "play" });
  $("pause").onclick = () => command({ op: "pause" });
  $("step").onclick = () => command({ op: "step", unit: "batch" });
  $("step-epoch").onclick = () => command({ op: "step", unit: "epoch" });
  $("reset").onclick = () => command({ op: "reset", new_seed: false });
  $("reset-new").onclick = () => command({ op: "reset", new_seed: true });
  $("save").onclick = async () => {
    const answer = await command({ op: "save", folder: $("save-folder").value });
    if (answer.folder) $("saved-to").textContent = `saved to ${answer.folder}`;
  };
  $("upload").addEventListener("change", async () => {
    const file = $("upload").files[0];
    if (file) await command({ op: "upload", name: file.name, text: await file.text() });
  });
  $("load").onclick = () => command({ op: "load", folder: $("load-folder").value });
  wireLayers();
}

function wireLayers() {
  const hidden = () => state.frame.settings.hidden.slice();
  const acts = () => state.frame.settings.activations.slice();
  $("add-layer").onclick = () => change({ hidden: [...hidden(), 4] });
  $("remove-layer").onclick = () => change({ hidden: hidden().slice(0, -1), activations: acts().slice(0, -1) });
  $("layers").addEventListener("click", (e) => {
    const i = Number(e.target.dataset.layer);
    const sizes = hidden();
    if (e.target.dataset.testid === "add-neuron") sizes[i] += 1;
    else if (e.target.dataset.testid === "remove-neuron") sizes[i] -= 1;
    else return;
    change({ hidden: sizes });
  });
  $("layers").addEventListener("change", (e) => {
    const a = acts();
    a[Number(e.target.dataset.layer)] = e.target.value;
    change({ activations: a });
  });
}

function wireViews() {
  $("boundary").addEventListener("click", async (e) => {
    const index = pointAt($("boundary"), state.data, e);
    if (index === null) return;
    const answer = await command({ op: "sample", index });
    if (!answer.sample) return;
    state.sample = answer.sample;
    showSample($("sample-view"), answer.sample, state.data);
    onFrame(state.frame);
  });
  const net = $("network");
  net.addEventListener("mousemove", (e) => {
    const hit = hitTest(net, state.frame, e);
    const tip = $("tip");
    tip.hidden = !hit;
    if (!hit) return;
    tip.textContent = describe(hit, state.frame, state.data, state.sample);
    tip.style.left = `${e.offsetX + 16}px`;
    tip.style.top = `${e.offsetY + 40}px`;
  });
  net.addEventListener("mouseleave", () => { $("tip").hidden = true; });
  net.addEventListener("click", (e) => {
    const hit = hitTest(net, state.frame, e);
    if (!hit) return;
    state.edit = hit;
    const value = hit.kind === "link" ? state.frame.weights[hit.layer][hit.neuron][hit.input]
      : state.frame.biases[hit.layer][hit.neuron];
    $("edit-what").textContent = hit.kind === "link"
      ? `W${hit.layer + 1}[${hit.neuron}, ${hit.input}] =` : `b${hit.layer + 1}[${hit.neuron}] =`;
    $("edit-value").value = value;
    $("edit").hidden = false;
  });
  $("edit").addEventListener("submit", (e) => {
    e.preventDefault();
    const h = state.edit;
    command({ op: "edit", layer: h.layer, neuron: h.neuron, input: h.kind === "link" ? h.input : null,
      value: Number($("edit-value").value) });
  });
}

function listen() {
  const events = new EventSource("events");
  events.addEventListener("data", (e) => syncData(JSON.parse(e.data)));
  events.addEventListener("frame", (e) => onFrame(JSON.parse(e.data)));
}

async function fromAddress() {
  if (location.hash.length < 2) return;
  try {
    await change(JSON.parse(decodeURIComponent(location.hash.slice(1))));
  } catch (err) {
    showError(`the address holds no readable settings: ${err.message}`);
  }
}

wireControls();
wireViews();
await fromAddress();
listen();
