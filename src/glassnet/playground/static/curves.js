// The loss curves: training (solid) and test (dashed) loss after each epoch.
export function drawCurves(canvas, curve) {
  const g = canvas.getContext("2d");
  const w = canvas.width, h = canvas.height, pad = 24;
  g.clearRect(0, 0, w, h);
  g.fillStyle = "#666";
  g.font = "11px sans-serif";
  if (curve.length === 0) {
    g.fillText("the losses appear after the first epoch", pad, h / 2);
    return;
  }
  let hi = 0;
  curve = curve.filter((row) => row[1] !== null && row[2] !== null); // diverged epochs: not drawn
  if (curve.length === 0) return;
  for (const [, a, b] of curve) hi = Math.max(hi, a, b);
  const last = curve[curve.length - 1][0], first = curve[0][0];
  const x = (e) => pad + (w - 2 * pad) * (last > first ? (e - first) / (last - first) : 1);
  const y = (v) => h - pad - (h - 2 * pad) * (hi > 0 ? v / hi : 0);
  for (const [k, dash, color] of [[1, [], "#1565c0"], [2, [4, 3], "#c62828"]]) {
    g.beginPath();
    g.setLineDash(dash);
    g.strokeStyle = color;
    curve.forEach((row, i) => (i ? g.lineTo(x(row[0]), y(row[k])) : g.moveTo(x(row[0]), y(row[k]))));
    g.stroke();
  }
  g.setLineDash([]);
  g.fillText(`loss (0 to ${hi.toFixed(3)}) by epoch, ${first} to ${last}: training solid, test dashed`, pad, 14);
}
