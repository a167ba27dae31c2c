"""Metrics on NumPy arrays: how good a model's predictions are.

Classification metrics take integer class indices; regression metrics take real values.
Every function validates that predictions and targets line up and names both shapes if not.
"""

from __future__ import annotations

import numpy as np

from .errors import ShapeError

__all__ = [
    "accuracy",
    "confusion_matrix",
    "precision_recall",
    "mse",
    "mae",
    "r2",
    "classification_report",
    "regression_report",
]


def _same_length(name: str, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape[0] != p.shape[0] or t.size != p.size:
        raise ShapeError(
            f"{name}: targets of shape {t.shape} and predictions of shape {p.shape} differ"
        )
    return t.reshape(-1), p.reshape(-1)


def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions equal to the target.

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    """
    t, p = _same_length("accuracy", y_true, y_pred)
    return float(np.mean(t == p)) if t.size else 0.0


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class i predicted as class j.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1], [0, 1, 0]).tolist()
    [[1, 0], [1, 1]]
    """
    t, p = _same_length("confusion_matrix", y_true, y_pred)
    t, p = t.astype(np.intp), p.astype(np.intp)
    k = n_classes if n_classes is not None else int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (t, p), 1)
    return C


def precision_recall(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class precision ``C[i,i] / column sum`` and recall ``C[i,i] / row sum``.

    A class that is never predicted (or never present) gets 0 rather than a division by zero.
    """
    tp = np.diag(C).astype(np.float64)
    col, row = C.sum(axis=0), C.sum(axis=1)
    precision = np.divide(tp, col, out=np.zeros_like(tp), where=col > 0)
    recall = np.divide(tp, row, out=np.zeros_like(tp), where=row > 0)
    return precision, recall


def mse(y_true, y_pred) -> float:
    """Mean squared error.

    Examples
    --------
    >>> mse([1.0, 2.0], [1.0, 4.0])
    2.0
    """
    t, p = _same_length("mse", y_true, y_pred)
    return float(np.mean((t.astype(np.float64) - p) ** 2))


def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    t, p = _same_length("mae", y_true, y_pred)
    return float(np.mean(np.abs(t.astype(np.float64) - p)))


def r2(y_true, y_pred) -> float:
    """Coefficient of determination, 1 - SS_res / SS_tot.

    A constant target gives 1.0 when predicted exactly and 0.0 otherwise.

    Examples
    --------
    >>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    t, p = _same_length("r2", y_true, y_pred)
    t = t.astype(np.float64)
    ss_res, ss_tot = float(np.sum((t - p) ** 2)), float(np.sum((t - t.mean()) ** 2))
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else 0.0
    return 1.0 - ss_res / ss_tot


def classification_report(y_true, y_pred, label_names: list[str] | None = None) -> dict:
    """Accuracy, per-class precision and recall, and the confusion matrix, as plain Python."""
    n = len(label_names) if label_names else None
    C = confusion_matrix(y_true, y_pred, n)
    prec, rec = precision_recall(C)
    names = label_names or [str(i) for i in range(len(C))]
    return {
        "accuracy": accuracy(y_true, y_pred),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "support": int(s)}
            for name, p, r, s in zip(names, prec, rec, C.sum(axis=1))
        },
        "confusion_matrix": C.tolist(),
        "labels": names,
    }


def regression_report(y_true, y_pred) -> dict:
    """MSE, MAE and R^2 as plain Python floats."""
    return {"mse": mse(y_true, y_pred), "mae": mae(y_true, y_pred), "r2": r2(y_true, y_pred)}
