// The output view: the network's decision (or value) on a grid over the plane, the points
// on top (training points ringed white, test points ringed black), the followed sample.
export const PALETTE = [[230, 120, 30], [40, 110, 200], [60, 160, 80], [200, 60, 140],
  [140, 100, 200], [150, 110, 70], [100, 100, 100], [190, 190, 40], [30, 180, 190], [220, 70, 60]];

function bytes(b64) {
  const text = atob(b64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function gridImage(boundary, n) {
  const image = new ImageData(n, n);
  const px = image.data;
  if (boundary.kind === "classes") {
    const cls = bytes(boundary.cls), conf = bytes(boundary.conf);
    for (let i = 0; i < n * n; i++) {
      const c = PALETTE[cls[i] % PALETTE.length], t = 0.15 + 0.55 * (conf[i] / 255);
      for (let k = 0; k < 3; k++) px[4 * i + k] = 255 - t * (255 - c[k]);
      px[4 * i + 3] = 255;
    }
  } else {
    const v = bytes(boundary.value);
    for (let i = 0; i < n * n; i++) {
      const t = v[i] / 255;
      px[4 * i] = 255 - 200 * (1 - t); px[4 * i + 1] = 255 - 120 * Math.abs(t - 0.5); px[4 * i + 2] = 255 - 200 * t;
      px[4 * i + 3] = 255;
    }
  }
  return image;
}

export function toCanvas(canvas, data, x, y) {
  const [x0, x1, y0, y1] = data.extent;
  return [(x - x0) / (x1 - x0) * canvas.width, (y1 - y) / (y1 - y0) * canvas.height];
}

function pointColor(data, i) {
  if (data.task === "classify") return PALETTE[data.target[i] % PALETTE.length];
  let lo = Infinity, hi = -Infinity;
  for (const t of data.target) { lo = Math.min(lo, t); hi = Math.max(hi, t); }
  const t = hi > lo ? (data.target[i] - lo) / (hi - lo) : 0.5;
  return [255 * t, 80, 255 * (1 - t)];
}

export function drawBoundary(canvas, frame, data, sample) {
  const n = data.boundary_size;
  const off = new OffscreenCanvas(n, n);
  off.getContext("2d").putImageData(gridImage(frame.boundary, n), 0, 0);
  const g = canvas.getContext("2d");
  g.imageSmoothingEnabled = true;
  g.drawImage(off, 0, 0, canvas.width, canvas.height);
  for (let i = 0; i < data.x.length; i++) {
    const [px, py] = toCanvas(canvas, data, data.x[i], data.y[i]);
    const c = pointColor(data, i);
    g.beginPath();
    g.arc(px, py, 3.2, 0, 2 * Math.PI);
    g.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
    g.fill();
    g.lineWidth = 1;
    g.strokeStyle = data.test[i] ? "#000" : "#fff";
    g.stroke();
  }
  if (sample) {
    const [px, py] = toCanvas(canvas, data, sample.point[0], sample.point[1]);
    g.beginPath();
    g.arc(px, py, 8, 0, 2 * Math.PI);
    g.lineWidth = 2.5;
    g.strokeStyle = "#111";
    g.stroke();
  }
}

// The point nearest a click, within 10 pixels, or null.
export function pointAt(canvas, data, event) {
  if (!data) return null;
  const r = canvas.getBoundingClientRect();
  const cx = (event.clientX - r.left) * canvas.width / r.width;
  const cy = (event.clientY - r.top) * canvas.height / r.height;
  let best = null, bestD = 100;
  for (let i = 0; i < data.x.length; i++) {
    const [px, py] = toCanvas(canvas, data, data.x[i], data.y[i]);
    const d = (px - cx) ** 2 + (py - cy) ** 2;
    if (d < bestD) { best = i; bestD = d; }
  }
  return best;
}
