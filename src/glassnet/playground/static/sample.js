// The sample view: one point's forward pass neuron by neuron, as `glassnet explain --sample`
// lists it, one backward pass with its chain-rule factors, and every value in full.
function section(title, lines, testid) {
  const h = document.createElement("h3");
  h.textContent = title;
  const pre = document.createElement("pre");
  pre.dataset.testid = testid;
  pre.textContent = lines.join("\n");
  return [h, pre];
}

function valuesTable(view) {
  const table = document.createElement("table");
  table.dataset.testid = "sample-values";
  const head = "<tr><th>layer</th><th>neuron</th><th>z</th><th>a</th><th>dL/da</th><th>local</th><th>dL/dz</th></tr>";
  const rows = [];
  view.layers.forEach((L, k) => L.z.forEach((z, j) => {
    const cells = [z, L.a[j], L.da[j], L.local[j], L.dz[j]].map((v) => `<td>${v.toPrecision(9)}</td>`);
    rows.push(`<tr data-layer="${k}" data-neuron="${j}"><td>${k + 1}</td><td>${j}</td>${cells.join("")}</tr>`);
  }));
  table.innerHTML = head + rows.join("");
  return table;
}

export function showSample(box, view, data) {
  const title = document.createElement("h2");
  title.textContent = `sample ${view.index} (${view.split}) of ${data.name}: one sample, neuron by neuron`;
  const what = document.createElement("p");
  what.className = "small";
  what.textContent = `${data.feature_names.map((f, i) => `${f} ${view.raw[i].toPrecision(6)}`).join(", ")}; `
    + `its loss ${view.loss.toPrecision(6)}. The forward lines are those of glassnet explain --sample.`;
  box.replaceChildren(
    title, what,
    ...section("forward", [view.standardised, ...view.forward], "sample-forward"),
    ...section("backward, for one step of this sample alone", view.backward, "sample-backward"),
    valuesTable(view),
  );
  box.dataset.index = view.index;
}
