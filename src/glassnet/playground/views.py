"""What the page draws, computed by the network itself: the frames the server streams.

A frame holds the counters and losses, the decision boundary on a 100 x 100 grid, a small
heat map of every neuron's output, and the weights and biases. Grids travel as bytes
(base64): one class index and one confidence byte per cell, or one byte per cell of a
value scaled to its range, so a frame stays a few tens of kilobytes.
"""

from __future__ import annotations

import base64

import numpy as np

from .. import nn
from ..tensor import Tensor, no_grad

__all__ = ["frame", "points", "BOUNDARY_SIZE", "NEURON_SIZE"]

BOUNDARY_SIZE = 100  # cells on each side of the decision boundary
NEURON_SIZE = 24  # cells on each side of a neuron's heat map


def _bytes(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def grid(extent: list[float], n: int) -> np.ndarray:
    """Cell centres of an n x n grid over ``extent`` (x0, x1, y0, y1), row by row from the
    top (largest y) down, as an image is drawn: array of shape (n * n, 2)."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y1 - (np.arange(n) + 0.5) * (y1 - y0) / n
    gx, gy = np.meshgrid(xs, ys)  # (n, n) each
    return np.stack([gx.ravel(), gy.ravel()], axis=1)  # (n * n, 2)


def activations(model, X: np.ndarray) -> list[np.ndarray]:
    """The output of every neuron for the rows ``X``: one array of shape (n_rows, width)
    per dense layer, after its activation (the output layer: its logits)."""
    outs: list[np.ndarray] = []
    model.eval()
    with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        a = Tensor(X)  # a diverged network's values are drawn as they are, not warned about
        for m in model.layers:
            if isinstance(m, nn.Dropout):
                continue
            a = m(a)
            if isinstance(m, nn.Linear):
                outs.append(a.data)
            else:
                outs[-1] = a.data
    return outs


def _finite(v: float) -> float | None:
    """A loss for the page: JSON has no NaN, so a diverged value is sent as null."""
    return float(v) if np.isfinite(v) else None


def _json_safe(a: np.ndarray) -> list:
    return np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=1e30, neginf=-1e30).tolist()


def _boundary(session, outs_grid: np.ndarray) -> dict:
    outs_grid = np.nan_to_num(outs_grid.astype(np.float64), nan=0.0, posinf=1e30, neginf=-1e30)
    if session.plane.task == "classify":
        z = outs_grid
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)  # (n*n, k): softmax
        best = p.argmax(axis=1)
        k = p.shape[1]
        conf = (p.max(axis=1) - 1.0 / k) / (1.0 - 1.0 / k)  # 0 at a tie, 1 when sure
        return {"kind": "classes", "cls": _bytes(best), "conf": _bytes(np.round(conf * 255))}
    v = outs_grid[:, 0]
    low, high = float(v.min()), float(v.max())
    scaled = (v - low) / (high - low) if high > low else np.zeros_like(v)
    return {"kind": "value", "value": _bytes(np.round(scaled * 255)), "low": low, "high": high}


def _neuron_maps(outs: list[np.ndarray]) -> list[list[str]]:
    """Each input's and neuron's output over the small grid, 0 kept in the middle:
    128 + 127 v / max|v|."""
    maps = []
    for a in outs:
        a = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=1e30, neginf=-1e30)
        m = np.abs(a).max(axis=0)  # (width,)
        scaled = 128 + 127 * a / np.where(m > 0, m, 1.0)  # (n*n, width)
        maps.append([_bytes(np.round(scaled[:, j])) for j in range(a.shape[1])])
    return maps


def frame(session) -> dict:
    """The page's view of the session now (the caller holds ``session.lock``)."""
    plane, model = session.plane, session.model
    train, test = session.losses()
    big = plane.inputs(grid(plane.extent, BOUNDARY_SIZE))
    small = plane.inputs(grid(plane.extent, NEURON_SIZE))
    linears = session.linears()
    return {
        "version": session.version,
        "epoch": session.epoch,
        "batch": session.batch,
        "batches_per_epoch": session.batches_per_epoch,
        "steps": session.steps,
        "train_loss": _finite(train),
        "test_loss": _finite(test),
        "curve": [
            [r["epoch"], _finite(r["loss"]), _finite(r["test_loss"])] for r in session.history.rows
        ],
        "param_count": model.num_parameters(),
        "sizes": list(model.sizes),
        "boundary": _boundary(session, activations(model, big)[-1]),
        "neurons": _neuron_maps([small, *activations(model, small)]),
        "weights": [_json_safe(lin.weight.data) for lin in linears],
        "biases": [_json_safe(lin.bias.data) for lin in linears],
        "settings": session.settings,
    }


def points(session) -> dict:
    """The data as the page draws it: every point, its target and its split."""
    plane = session.plane
    split = np.zeros(len(plane.y), dtype=np.int64)
    split[plane.test] = 1
    y = plane.y.tolist() if plane.task == "classify" else np.round(plane.y, 6).tolist()
    return {
        "version": session.version,
        "task": plane.task,
        "name": plane.name,
        "axes": plane.axes,
        "label_names": plane.label_names,
        "feature_names": plane.feature_names,
        "extent": plane.extent,
        "x": np.round(plane.P[:, 0], 6).tolist(),
        "y": np.round(plane.P[:, 1], 6).tolist(),
        "target": y,
        "test": split.tolist(),
        "choices": list(session.choices),
        "columns": plane.columns,
        "boundary_size": BOUNDARY_SIZE,
        "neuron_size": NEURON_SIZE,
    }
