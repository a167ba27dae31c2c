// The network view: one column per layer, each neuron drawn as a small heat map of its
// output over the plane, links coloured by the sign of their weight (blue +, orange -)
// and as thick as its size. Hover for a formula and the live values; click to edit. A
// followed sample's values a are written under its neurons and their dL/dz beside them.
const BOX = 30;

function bytes(b64) {
  const text = atob(b64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

// Centres of every neuron, column by column: the inputs, then each dense layer.
function layout(canvas, frame) {
  const sizes = frame.sizes, cols = sizes.length;
  return sizes.map((n, c) => {
    const x = 50 + (canvas.width - 130) * (cols > 1 ? c / (cols - 1) : 0.5);
    const gap = Math.min(46, (canvas.height - 40) / n);
    const top = canvas.height / 2 - gap * (n - 1) / 2;
    return Array.from({ length: n }, (_, j) => [x, top + gap * j]);
  });
}

function heatMap(b64, n) {
  const v = bytes(b64), image = new ImageData(n, n), px = image.data;
  for (let i = 0; i < n * n; i++) {
    const t = (v[i] - 128) / 127; // -1 .. 1
    px[4 * i] = t < 0 ? 255 : 255 - 200 * t;
    px[4 * i + 1] = 255 - 120 * Math.abs(t);
    px[4 * i + 2] = t > 0 ? 255 : 255 + 200 * t;
    px[4 * i + 3] = 255;
  }
  const off = new OffscreenCanvas(n, n);
  off.getContext("2d").putImageData(image, 0, 0);
  return off;
}

export function drawNetwork(canvas, frame, data, sample) {
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  const pos = layout(canvas, frame);
  let biggest = 1e-9;
  for (const W of frame.weights) for (const row of W) for (const w of row) biggest = Math.max(biggest, Math.abs(w));
  frame.weights.forEach((W, k) => W.forEach((row, j) => row.forEach((w, i) => {
    const [x0, y0] = pos[k][i], [x1, y1] = pos[k + 1][j];
    g.beginPath();
    g.moveTo(x0 + BOX / 2, y0);
    g.lineTo(x1 - BOX / 2, y1);
    g.lineWidth = 0.3 + 4 * Math.abs(w) / biggest;
    g.strokeStyle = w >= 0 ? "rgba(40,110,200,0.7)" : "rgba(230,120,30,0.7)";
    g.stroke();
  })));
  g.imageSmoothingEnabled = false;
  g.font = "10px ui-monospace, monospace";
  pos.forEach((column, c) => column.forEach(([x, y], j) => {
    g.drawImage(heatMap(frame.neurons[c][j], data.neuron_size), x - BOX / 2, y - BOX / 2, BOX, BOX);
    g.strokeStyle = "#555";
    g.lineWidth = 1;
    g.strokeRect(x - BOX / 2, y - BOX / 2, BOX, BOX);
    g.fillStyle = "#333";
    if (c === 0) g.fillText(data.feature_names[j], x - BOX / 2 - 2 - g.measureText(data.feature_names[j]).width, y + 3);
    const value = !sample ? null : c === 0 ? sample.input[j] : sample.layers[c - 1].a[j];
    if (value !== null) g.fillText(value.toFixed(3), x - BOX / 2, y + BOX / 2 + 10);
    if (sample && c > 0) { // the backward pass: dL/dz of this neuron, in red on white
      const text = sample.layers[c - 1].dz[j].toPrecision(2);
      g.fillStyle = "rgba(255,255,255,0.85)";
      g.fillRect(x + BOX / 2 + 1, y - 6, g.measureText(text).width + 3, 11);
      g.fillStyle = "#b71c1c";
      g.fillText(text, x + BOX / 2 + 2, y + 3);
    }
  }));
  g.fillStyle = "#666";
  g.fillText(`${frame.sizes.join("-")}, ${frame.param_count} parameters`, 6, canvas.height - 6);
}

function nearSegment(px, py, x0, y0, x1, y1) {
  const dx = x1 - x0, dy = y1 - y0;
  const t = Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - x0 - t * dx, py - y0 - t * dy);
}

// What the pointer is on: a neuron ({kind, layer, neuron}; layer -1 for an input) or a
// link ({kind, layer, neuron, input}), or null.
export function hitTest(canvas, frame, event) {
  if (!frame) return null;
  const r = canvas.getBoundingClientRect();
  const px = (event.clientX - r.left) * canvas.width / r.width;
  const py = (event.clientY - r.top) * canvas.height / r.height;
  const pos = layout(canvas, frame);
  for (let c = 0; c < pos.length; c++) {
    for (let j = 0; j < pos[c].length; j++) {
      const [x, y] = pos[c][j];
      if (Math.abs(px - x) <= BOX / 2 && Math.abs(py - y) <= BOX / 2) {
        return c === 0 ? { kind: "input", layer: -1, neuron: j } : { kind: "neuron", layer: c - 1, neuron: j };
      }
    }
  }
  let best = null, bestD = 3;
  frame.weights.forEach((W, k) => W.forEach((row, j) => row.forEach((w, i) => {
    const [x0, y0] = pos[k][i], [x1, y1] = pos[k + 1][j];
    const d = nearSegment(px, py, x0 + BOX / 2, y0, x1 - BOX / 2, y1);
    if (d < bestD) { best = { kind: "link", layer: k, neuron: j, input: i }; bestD = d; }
  })));
  return best;
}

export function describe(hit, frame, data, sample) {
  const k = hit.layer + 1, j = hit.neuron;
  const prev = k === 1 ? "x" : `a${k - 1}`;
  if (hit.kind === "input") {
    const value = sample ? `\nthis sample: x[${j}] = ${sample.input[j].toPrecision(6)}` : "";
    return `x[${j}] = ${data.feature_names[j]}, standardised${value}`;
  }
  if (hit.kind === "link") {
    const w = frame.weights[hit.layer][j][hit.input];
    const value = sample ? `\nthis sample: ${prev}[${hit.input}] = ${(k === 1 ? sample.input : sample.layers[k - 2].a)[hit.input].toPrecision(6)}` : "";
    return `W${k}[${j}, ${hit.input}] = ${w.toPrecision(6)}\nz${k}[${j}] += W${k}[${j}, ${hit.input}] * ${prev}[${hit.input}]${value}\nclick to edit`;
  }
  const act = k <= frame.settings.activations.length ? frame.settings.activations[k - 1] : "output (logit)";
  const lines = [`z${k}[${j}] = W${k}[${j}, :] . ${prev} + b${k}[${j}]`, `a${k}[${j}] = ${act}(z${k}[${j}])`,
    `b${k}[${j}] = ${frame.biases[hit.layer][j].toPrecision(6)}`];
  if (sample) {
    const L = sample.layers[hit.layer];
    lines.push(`this sample: z = ${L.z[j].toPrecision(6)}, a = ${L.a[j].toPrecision(6)}, dL/dz = ${L.dz[j].toPrecision(6)}`);
  }
  lines.push("click to edit the bias");
  return lines.join("\n");
}
