"""``glassnet info``: what a saved model needs and what it is, without running it."""

from __future__ import annotations

import json

from .. import saved
from ._common import headline


def describe_model(model: saved.SavedModel) -> dict:
    """The model as plain data: columns, task, labels, layers, data, metrics."""
    sizes = model.model.sizes
    layers = [{"in": a, "out": b, "parameters": a * b + b} for a, b in zip(sizes[:-1], sizes[1:])]
    settings = model.config.get("settings") or {}
    folder = model.path.parent if model.path is not None else None
    metrics = None
    if folder is not None and (folder / "metrics.json").is_file():
        try:
            metrics = json.loads((folder / "metrics.json").read_text())
        except ValueError:
            metrics = None
    return {
        "model": str(model.path) if model.path else None,
        "task": model.task,
        "target": model.target_name,
        "labels": model.label_names,
        "columns": model.preprocessing["columns"],
        "inputs": model.feature_names,
        "architecture": {
            "sizes": sizes,
            "activation": model.model.activation,
            "layers": layers,
            "parameters": sum(layer["parameters"] for layer in layers),
        },
        "data": settings.get("data") or model.config.get("dataset"),
        "data_sha256": model.config.get("data_sha256"),
        "metrics": metrics,
    }


def _column_line(c: dict) -> str:
    fill = "" if c.get("fill") is None else f", missing cells filled with {c['fill']!r}"
    if c["kind"] == "number":
        return f"  {c['name']}: number{fill}"
    cats = ", ".join(c["categories"][:12]) + (", ..." if len(c["categories"]) > 12 else "")
    return f"  {c['name']}: category of {len(c['categories'])} ({cats}){fill}"


def _lines(info: dict) -> list[str]:
    arch = info["architecture"]
    what = (
        f"classifies {info['target']} into {len(info['labels'])} classes: "
        f"{', '.join(info['labels'])}"
        if info["task"] == "classify"
        else f"predicts {info['target']} (regression)"
    )
    lines = [f"{info['model']}: {what}", f"columns it needs ({len(info['columns'])}):"]
    lines += [_column_line(c) for c in info["columns"]]
    lines.append(
        f"network: MLP {'-'.join(map(str, arch['sizes']))} ({arch['activation']}), "
        f"{arch['parameters']:,} parameters"
    )
    for i, layer in enumerate(arch["layers"], start=1):
        lines.append(
            f"  layer {i}: Linear({layer['in']} -> {layer['out']}), {layer['parameters']:,} "
            "parameters"
        )
    if info["data"]:
        sha = f" (SHA-256 {info['data_sha256']})" if info["data_sha256"] else ""
        lines.append(f"trained on {info['data']}{sha}")
    for part in ("test", "validation"):
        if info["metrics"] and part in info["metrics"]:
            lines.append(f"{part}: {headline(info['metrics'][part], info['task'], '')}")
    return lines


def run(args) -> int:
    model = saved.load(args.model)
    info = describe_model(model)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print("\n".join(_lines(info)))
    return 0


__all__ = ["run", "describe_model"]
