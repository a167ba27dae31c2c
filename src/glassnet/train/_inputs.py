"""The Trainer's checks of the data it is given: features, targets and sample weights."""

from __future__ import annotations

import numpy as np

from ..errors import DataError

__all__ = ["check_xy", "check_weights"]


def check_weights(sample_weight, n: int) -> np.ndarray:
    """``sample_weight`` as float64 of shape (n,), finite, >= 0 and not all 0."""
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise DataError(
            f"the training data: sample_weight of shape {w.shape} for {n} samples: expected ({n},)"
        )
    if not np.isfinite(w).all() or (w < 0).any() or not w.sum() > 0:
        raise DataError("the training data: sample weights must be finite, >= 0, not all 0")
    return w


def check_xy(X, y, task: str, dtype, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Features in ``dtype`` and targets (class indices or real values) checked for ``task``;
    ``what`` names the data in the errors."""
    from ..data.table import frame_numbers, is_frame

    if is_frame(X):
        X = frame_numbers(X, what)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.dtype.kind not in "biuf":
        raise DataError(
            f"{what}: features must be numbers in an array of shape "
            f"(n_samples, n_features), got {X.dtype} of shape {X.shape}"
        )
    X = X.astype(dtype, copy=False)
    if not np.isfinite(X).all():
        row = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
        raise DataError(f"{what}: row {row} of the features holds NaN or infinity")
    if len(y) != len(X) or y.ndim not in ((1,) if task == "classify" else (1, 2)):
        raise DataError(
            f"{what}: targets of shape {y.shape} do not match features of shape "
            f"{X.shape}: expected ({len(X)},)"
        )
    if task == "regress":
        if y.dtype.kind not in "biuf" or not np.isfinite(y.astype(np.float64)).all():
            raise DataError(f"{what}: regression targets must be finite numbers")
        return X, y.astype(dtype, copy=False)
    whole = y.dtype.kind in "iu" or (
        y.dtype.kind == "f" and bool(np.isfinite(y).all()) and np.array_equal(y, np.round(y))
    )
    if not whole or (len(y) and y.min() < 0):
        raise DataError(
            f"{what}: class targets must be indices 0, 1, 2, ... (load_dataset "
            f"and read_csv encode labels so), got {y.dtype} values"
        )
    return X, y.astype(np.int64, copy=False)
