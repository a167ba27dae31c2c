"""Metrics on NumPy arrays: how good a model's predictions are.

Classification metrics take integer class indices (``0 .. n_classes - 1``); regression
metrics take real values. Every function checks that targets and predictions line up and
names both shapes if they do not. The definitions are scikit-learn's (``accuracy_score``,
``confusion_matrix``, ``precision_recall_fscore_support`` with ``zero_division=0``,
``mean_squared_error``, ``mean_absolute_error``, ``r2_score``), and the tests check them
against it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .checks import nonnegative_int, positive_int
from .errors import DataError, ShapeError

__all__ = [
    "accuracy",
    "accuracy_interval",
    "confusion_matrix",
    "precision_recall",
    "precision_recall_f1",
    "mse",
    "mae",
    "r2",
    "classification_report",
    "regression_report",
    "METRICS",
    "RunningMetrics",
]


def _same_length(name: str, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays flattened, after checking they hold the same number of values (N or N x 1)."""
    t, p = np.atleast_1d(np.asarray(y_true)), np.atleast_1d(np.asarray(y_pred))
    if t.shape[0] != p.shape[0] or t.size != p.size:
        raise ShapeError(
            f"{name}: targets of shape {t.shape} and predictions of shape {p.shape} differ"
        )
    if t.size == 0:
        raise DataError(f"{name}: no samples (targets of shape {t.shape})")
    return t.reshape(-1), p.reshape(-1)


def _class_indices(name: str, what: str, a: np.ndarray) -> np.ndarray:
    """``a`` as non-negative integer class indices, or a DataError naming the first bad value."""
    if a.dtype.kind in "iub":
        bad = np.flatnonzero(a < 0)
    elif a.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            bad = np.flatnonzero(~np.isfinite(a) | (a < 0) | (a != np.round(a)))
    else:
        raise DataError(f"{name}: {what} must be integer class indices, got dtype {a.dtype}")
    if bad.size:
        raise DataError(
            f"{name}: {what} must be class indices 0, 1, 2, ...; "
            f"position {bad[0]} holds {a[bad[0]].item()!r}"
        )
    return a.astype(np.intp)


def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions equal to the target.

    Parameters
    ----------
    y_true, y_pred : array of shape (n_samples,)
        Class indices (or any values compared with ``==``).

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ShapeError
        If the two arrays have different lengths.
    DataError
        If they are empty.

    Examples
    --------
    >>> accuracy([0, 1, 2, 2], [0, 1, 1, 2])
    0.75
    """
    t, p = _same_length("accuracy", y_true, y_pred)
    return float(np.mean(t == p))


def accuracy_interval(n_correct: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for an accuracy of ``n_correct / n``.

    A test set is a sample: had other rows been held out, the accuracy would differ. Each
    prediction is right or wrong, so ``n_correct`` is binomial, and Wilson's interval
    (E. B. Wilson, 1927) covers the true accuracy with about the confidence asked for,
    staying inside [0, 1] even at 0 or ``n`` correct:

        centre = (p + z^2 / 2n) / (1 + z^2 / n)
        half   = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

    with ``p = n_correct / n`` and ``z`` the standard normal quantile of
    ``(1 + confidence) / 2`` (1.96 for 95%).

    Parameters
    ----------
    n_correct, n : int
        Right predictions, and all of them (``0 <= n_correct <= n``, ``n >= 1``).
    confidence : float, default 0.95
        In (0, 1).

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> low, high = accuracy_interval(27, 30)  # 0.900 on 30 test rows
    >>> round(low, 3), round(high, 3)
    (0.744, 0.965)
    """
    n = positive_int(n, "n", "accuracy_interval")
    n_correct = nonnegative_int(n_correct, "n_correct", "accuracy_interval")
    if n_correct > n:
        raise DataError(
            f"accuracy_interval: need whole numbers 0 <= n_correct <= n and "
            f"n >= 1, got n_correct={n_correct!r}, n={n!r}"
        )
    if not 0 < confidence < 1:
        raise DataError(f"accuracy_interval: confidence must be in (0, 1), got {confidence!r}")
    from statistics import NormalDist

    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p, z2 = n_correct / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class i predicted as class j.

    Parameters
    ----------
    y_true, y_pred : array of shape (n_samples,)
        Class indices.
    n_classes : int, optional
        The size of the matrix; default one more than the largest index seen.

    Returns
    -------
    array of shape (n_classes, n_classes), int64
        Rows are true classes, columns predicted classes (scikit-learn's layout).

    Raises
    ------
    DataError
        For a value that is not a class index, or an index >= ``n_classes``.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1], [0, 1, 0]).tolist()
    [[1, 0], [1, 1]]
    """
    t, p = _same_length("confusion_matrix", y_true, y_pred)
    t = _class_indices("confusion_matrix", "targets", t)
    p = _class_indices("confusion_matrix", "predictions", p)
    top = int(max(t.max(), p.max()))
    k = top + 1 if n_classes is None else int(n_classes)
    if top >= k:
        raise DataError(f"confusion_matrix: class index {top} is out of range for n_classes={k}")
    C = np.zeros((k, k), dtype=np.int64)
    np.add.at(C, (t, p), 1)  # C[t_i, p_i] += 1 for every sample i
    return C


def precision_recall(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class precision ``C[i,i] / column sum`` and recall ``C[i,i] / row sum``.

    A class that is never predicted (or never present) gets 0 rather than a division by
    zero, as scikit-learn's ``zero_division=0``.

    Examples
    --------
    >>> p, r = precision_recall(np.array([[2, 0], [1, 1]]))
    >>> p.tolist(), r.tolist()
    ([0.6666666666666666, 1.0], [1.0, 0.5])
    """
    C = np.asarray(C)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise ShapeError(f"precision_recall: expected a square confusion matrix, got {C.shape}")
    tp = np.diag(C).astype(np.float64)  # (k,)
    col, row = C.sum(axis=0), C.sum(axis=1)  # predicted per class, present per class
    precision = np.divide(tp, col, out=np.zeros_like(tp), where=col > 0)
    recall = np.divide(tp, row, out=np.zeros_like(tp), where=row > 0)
    return precision, recall


def precision_recall_f1(C: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class precision, recall and F1 = 2 p r / (p + r) (0 where p + r = 0).

    Examples
    --------
    >>> _, _, f1 = precision_recall_f1(np.array([[2, 0], [1, 1]]))
    >>> f1.round(4).tolist()
    [0.8, 0.6667]
    """
    p, r = precision_recall(C)
    s = p + r
    f1 = np.divide(2 * p * r, s, out=np.zeros_like(s), where=s > 0)
    return p, r, f1


def _real(name: str, y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    t, p = _same_length(name, y_true, y_pred)
    return t.astype(np.float64), p.astype(np.float64)


def mse(y_true, y_pred) -> float:
    """Mean squared error, ``mean((y_true - y_pred)**2)``.

    Examples
    --------
    >>> mse([1.0, 2.0], [1.0, 4.0])
    2.0
    """
    t, p = _real("mse", y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def mae(y_true, y_pred) -> float:
    """Mean absolute error, ``mean(|y_true - y_pred|)``.

    Examples
    --------
    >>> mae([1.0, 2.0], [1.5, 4.0])
    1.25
    """
    t, p = _real("mae", y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def r2(y_true, y_pred) -> float:
    """Coefficient of determination, ``1 - SS_res / SS_tot``.

    1 is a perfect fit, 0 is no better than predicting the mean, and it can be negative.
    A constant target (SS_tot = 0) gives 1.0 when predicted exactly and 0.0 otherwise, as
    scikit-learn's ``r2_score`` does.

    Examples
    --------
    >>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    >>> r2([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    0.0
    """
    t, p = _real("r2", y_true, y_pred)
    ss_res, ss_tot = float(np.sum((t - p) ** 2)), float(np.sum((t - t.mean()) ** 2))
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else 0.0
    return 1.0 - ss_res / ss_tot


# The metrics the trainer can report, by name; each takes (y_true, y_pred).
METRICS = {"accuracy": accuracy, "mse": mse, "mae": mae, "r2": r2}


def classification_report(y_true, y_pred, label_names: list[str] | None = None) -> dict:
    """Accuracy, per-class precision, recall, F1 and support, and the confusion matrix.

    Parameters
    ----------
    y_true, y_pred : array of shape (n_samples,)
        Class indices.
    label_names : list of str, optional
        The name of each class; it also fixes the number of classes.

    Returns
    -------
    dict
        Plain Python values, ready for JSON: ``accuracy``, ``accuracy_interval`` (its 95%
        Wilson interval, ``[low, high]``: see :func:`accuracy_interval`), ``per_class`` (name to
        ``{"precision", "recall", "f1", "support"}``), ``confusion_matrix`` (a list of rows)
        and ``labels``.

    Examples
    --------
    >>> rep = classification_report([0, 1, 1], [0, 1, 0], ["cat", "dog"])
    >>> rep["per_class"]["dog"]
    {'precision': 1.0, 'recall': 0.5, 'f1': 0.6666666666666666, 'support': 2}
    """
    n = len(label_names) if label_names else None
    C = confusion_matrix(y_true, y_pred, n)
    prec, rec, f1 = precision_recall_f1(C)
    names = list(label_names) if label_names else [str(i) for i in range(len(C))]
    return {
        "accuracy": accuracy(y_true, y_pred),
        "accuracy_interval": list(accuracy_interval(int(np.trace(C)), int(C.sum()))),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(names, prec, rec, f1, C.sum(axis=1))
        },
        "confusion_matrix": C.tolist(),
        "labels": names,
    }


def regression_report(y_true, y_pred) -> dict:
    """MSE, MAE and R^2 as plain Python floats.

    Examples
    --------
    >>> regression_report([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    {'mse': 0.3333333333333333, 'mae': 0.3333333333333333, 'r2': 0.5}
    """
    return {"mse": mse(y_true, y_pred), "mae": mae(y_true, y_pred), "r2": r2(y_true, y_pred)}


class RunningMetrics:
    """The loss and metrics of a whole epoch, summed batch by batch as the batches go by.

    The result equals the metric computed on all the rows at once: sums of errors and
    counts add up, and the target's spread (for R^2) is merged batch by batch with the
    pairwise update of Chan, Golub and LeVeque, which stays accurate for targets far
    from zero.

    Parameters
    ----------
    task : {"classify", "regress"}
    names : sequence of str
        The metrics to report: "accuracy"; or any of "mse", "mae", "r2".

    Examples
    --------
    >>> run = RunningMetrics("regress", ["mse", "r2"])
    >>> run.update(np.array([[1.0], [2.0]]), np.array([1.0, 3.0]), loss=0.5)
    >>> run.update(np.array([[3.0]]), np.array([2.0]), loss=1.0)
    >>> run.result()  # the same as mse and r2 of [1, 3, 2] against [1, 2, 3]
    {'loss': 0.6666666666666666, 'mse': 0.6666666666666666, 'r2': 0.0}
    """

    def __init__(self, task: str, names: Sequence[str]):
        self.task, self.names = task, tuple(names)
        self.n, self.loss, self.correct, self.sse, self.sae = 0, 0.0, 0, 0.0, 0.0
        self.y_mean, self.y_m2 = 0.0, 0.0  # mean and sum of squared deviations so far

    def update(self, out: np.ndarray, y: np.ndarray, loss: float) -> None:
        """Add a batch: the model's outputs (logits or predictions), targets, mean loss."""
        nb = len(y)
        self.loss += loss * nb  # the loss is a mean over the batch
        if self.task == "classify":
            self.correct += int(np.count_nonzero(out.argmax(axis=1) == y))  # (B, k) -> (B,)
        else:
            y64 = y.astype(np.float64).ravel()
            e = out.reshape(y.shape).astype(np.float64).ravel() - y64  # (B,)
            self.sse, self.sae = self.sse + float(e @ e), self.sae + float(np.abs(e).sum())
            mb = float(y64.mean())
            delta, total = mb - self.y_mean, self.n + nb
            self.y_m2 += float(((y64 - mb) ** 2).sum()) + delta**2 * self.n * nb / total
            self.y_mean += delta * nb / total
        self.n += nb

    def result(self) -> dict:
        """``{"loss": mean loss, name: value, ...}`` over every row added so far."""
        n = max(self.n, 1)
        if self.task == "classify":
            values = {"accuracy": self.correct / n}
        else:
            r2 = 1.0 - self.sse / self.y_m2 if self.y_m2 > 0 else float(self.sse == 0)
            values = {"mse": self.sse / n, "mae": self.sae / n, "r2": r2}
        return {"loss": self.loss / n, **{k: values[k] for k in self.names}}

    def metric_text(self) -> str:
        """The first metric as ``"accuracy 0.9375"``, for a progress display."""
        if not self.names or not self.n:
            return ""
        name = self.names[0]
        return f"{name} {self.result()[name]:.4f}"
