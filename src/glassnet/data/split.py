"""Train/validation/test splits from a seed, and standardisation fitted on training data.

A model is judged on examples it never saw: the *training* split fits the weights, the
*validation* split chooses when to stop, and the *test* split is looked at once, at the end.
Standardisation statistics are part of what is learned, so they are computed on the
training split only and then applied, unchanged, to the other two (and saved with the model).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..checks import nonnegative_int, probability
from ..errors import DataError

__all__ = ["Split", "split_indices", "train_val_test_split", "Standardizer"]


class Split(NamedTuple):
    """The six arrays of a three-way split; unpacks like a tuple."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def _check_sizes(val_size: float, test_size: float) -> None:
    probability(val_size, "val_size", "split_indices", below_one=True)
    probability(test_size, "test_size", "split_indices", below_one=True)
    if val_size + test_size >= 1.0:
        raise DataError(
            f"val_size + test_size must be below 1 to leave training data, "
            f"got {val_size} + {test_size}"
        )


def _count(fraction: float, n: int) -> int:
    """round(fraction * n), but at least one example when the fraction is not zero."""
    return 0 if fraction == 0 else max(1, int(round(fraction * n)))


def _apportion(total: int, sizes: np.ndarray) -> np.ndarray:
    """Share ``total`` among groups in proportion to ``sizes`` (largest remainder method).

    The shares add up to ``total`` exactly; leftover units go to the largest fractional
    parts, ties to the earlier group.
    """
    quota = total * sizes / sizes.sum()  # (n_groups,)
    share = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - share), kind="stable")
    share[order[: total - share.sum()]] += 1
    return share


def split_indices(
    n_samples: int, val_size: float, test_size: float, seed: int = 0, y: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shuffled row indices of a train/validation/test split.

    When ``y`` holds class labels (an integer array) the split is stratified: each class is
    shared among the three splits in proportion to the sizes asked for. The validation and
    test sizes are ``round(size * n_samples)``, at least one when the size is not zero.

    Parameters
    ----------
    n_samples : int
        Number of rows to split.
    val_size, test_size : float
        Fractions of the rows in the validation and test splits, each in [0, 1), sum < 1.
    seed : int, default 0
        Seed of the shuffle.
    y : array of shape (n_samples,), optional
        Integer class labels to stratify by; None (or a float array) splits at random.

    Returns
    -------
    train, val, test : arrays of int64 indices
        Disjoint, together covering ``range(n_samples)``, each in shuffled order.

    Raises
    ------
    DataError
        For sizes outside [0, 1), too few samples, a seed that is not an integer >= 0, or
        ``y`` of the wrong length.

    Examples
    --------
    >>> y = np.array([0] * 8 + [1] * 12)
    >>> train, val, test = split_indices(20, 0.25, 0.25, seed=0, y=y)
    >>> len(train), len(val), len(test)
    (10, 5, 5)
    >>> np.bincount(y[test]).tolist()
    [2, 3]
    """
    _check_sizes(val_size, test_size)
    if n_samples < 1:
        raise DataError(f"cannot split {n_samples} samples")
    n_test, n_val = _count(test_size, n_samples), _count(val_size, n_samples)
    if n_test + n_val >= n_samples:
        raise DataError(
            f"{n_samples} samples are too few for val_size={val_size} and "
            f"test_size={test_size}: no training samples would remain"
        )
    rng = np.random.default_rng(nonnegative_int(seed, "seed", "split_indices"))
    if y is None or not np.issubdtype(np.asarray(y).dtype, np.integer):
        perm = rng.permutation(n_samples)
        return perm[n_test + n_val :], perm[n_test : n_test + n_val], perm[:n_test]
    y = np.asarray(y)
    if y.shape != (n_samples,):
        raise DataError(f"split_indices: y of shape {y.shape} does not match n_samples={n_samples}")
    classes, sizes = np.unique(y, return_counts=True)  # sorted classes, a fixed order
    test_k = _apportion(n_test, sizes)
    val_k = _apportion(n_val, sizes - test_k)
    parts: tuple[list, list, list] = ([], [], [])
    for c, nt, nv in zip(classes, test_k, val_k):
        members = rng.permutation(np.flatnonzero(y == c))
        parts[0].append(members[nt + nv :])
        parts[1].append(members[nt : nt + nv])
        parts[2].append(members[:nt])
    train, val, test = (rng.permutation(np.concatenate(p)).astype(np.int64) for p in parts)
    return train, val, test


def train_val_test_split(
    X: np.ndarray,
    y: np.ndarray,
    val_size: float = 0.15,
    test_size: float = 0.15,
    seed: int = 0,
    stratify: bool = True,
) -> Split:
    """Split ``X`` and ``y`` into training, validation and test sets.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
    y : array of shape (n_samples,)
    val_size, test_size : float, default 0.15
        Fractions of the rows held out, each in [0, 1), sum < 1.
    seed : int, default 0
        Seed of the shuffle: the same seed gives the same split.
    stratify : bool, default True
        Keep the class proportions in every split. Applies to integer class labels; a
        float (regression) target is split at random.

    Returns
    -------
    Split
        ``(X_train, y_train, X_val, y_val, X_test, y_test)``, a named tuple.

    Raises
    ------
    DataError
        For sizes outside [0, 1), too few samples, a seed that is not an integer >= 0, or X
        and y of different lengths.

    Examples
    --------
    >>> X = np.arange(40, dtype=np.float32).reshape(20, 2)
    >>> y = np.array([0, 1] * 10)
    >>> s = train_val_test_split(X, y, val_size=0.2, test_size=0.2, seed=1)
    >>> s.X_train.shape, s.X_val.shape, s.X_test.shape
    ((12, 2), (4, 2), (4, 2))
    >>> np.bincount(s.y_val).tolist()
    [2, 2]
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 1 or y.ndim != 1 or len(X) != len(y):
        raise DataError(
            f"train_val_test_split: X of shape {X.shape} and y of shape {y.shape} "
            "must have the same number of rows"
        )
    train, val, test = split_indices(len(y), val_size, test_size, seed, y if stratify else None)
    return Split(X[train], y[train], X[val], y[val], X[test], y[test])


_CHUNK_ROWS = 8192


def _chunks(n: int):
    """Slices of at most ``_CHUNK_ROWS`` rows covering ``range(n)``."""
    return [slice(i, i + _CHUNK_ROWS) for i in range(0, n, _CHUNK_ROWS)]


class Standardizer:
    """Rescale each feature to mean 0 and standard deviation 1: ``z = (x - mean_) / scale_``.

    Fit on the training split only, then transform every split with the same statistics.
    A constant column (standard deviation 0) gets ``scale_ = 1``, so it becomes all zeros
    instead of a division by zero. Statistics are computed and kept in float64; transformed
    arrays keep the input's floating dtype (float32 stays float32).

    Attributes
    ----------
    mean_ : array of shape (n_features,), float64
    scale_ : array of shape (n_features,), float64

    Examples
    --------
    >>> X = np.array([[1.0, 5.0], [3.0, 5.0]], dtype=np.float32)
    >>> s = Standardizer().fit(X)
    >>> s.mean_.tolist(), s.scale_.tolist()
    ([2.0, 5.0], [1.0, 1.0])
    >>> s.transform(X).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    >>> Standardizer.from_dict(s.to_dict()).inverse_transform(s.transform(X)).tolist()
    [[1.0, 5.0], [3.0, 5.0]]
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, X: np.ndarray, sample_weight=None) -> Standardizer:
        """Compute the per-feature mean and standard deviation of ``X`` (n_samples, n_features).

        With ``sample_weight`` (array of shape (n_samples,), >= 0), the weighted mean and
        standard deviation: a row of weight k counts as k copies of it.
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[0] == 0:
            raise DataError(
                f"Standardizer.fit expects X of shape (n_samples, n_features) "
                f"with at least one row, got {X.shape}"
            )
        w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, np.float64)
        if w.shape != (len(X),) or (w < 0).any() or not w.sum() > 0:
            raise DataError(
                f"Standardizer.fit: sample_weight of shape {w.shape} for X of shape "
                f"{X.shape}: expected ({len(X)},) weights >= 0 with a positive sum"
            )
        # Two passes over chunks of rows, in float64: the work arrays are a chunk's size.
        total, sums = w.sum(), np.zeros(X.shape[1])
        for rows in _chunks(len(X)):
            chunk = X[rows].astype(np.float64)
            if not np.isfinite(chunk).all():
                raise DataError("Standardizer.fit: X contains NaN or infinite values")
            sums += w[rows] @ chunk  # (n,) @ (n, D) -> (D,)
        self.mean_ = sums / total
        squares = np.zeros(X.shape[1])
        for rows in _chunks(len(X)):
            squares += w[rows] @ (X[rows].astype(np.float64) - self.mean_) ** 2
        std = np.sqrt(squares / total)  # (D,)
        # A column constant up to rounding error has no spread to divide by.
        tiny = 1e-12 * np.maximum(1.0, np.abs(self.mean_))
        self.scale_ = np.where(std > tiny, std, 1.0)
        return self

    def _check(self, X: np.ndarray, op: str) -> np.ndarray:
        if self.mean_ is None:
            raise DataError(f"Standardizer.{op}: not fitted yet; call fit(X_train) first")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != len(self.mean_):
            raise DataError(
                f"Standardizer.{op}: fitted on {len(self.mean_)} features, got X of "
                f"shape {X.shape}: expected (n_samples, {len(self.mean_)})"
            )
        return X

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Return ``(X - mean_) / scale_`` with X's floating dtype (float32 if X is integer)."""
        X = self._check(X, "transform")
        dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float32
        out = np.empty(X.shape, dtype=dtype)
        for rows in _chunks(len(X)):  # float64 work arrays of a chunk, not of all of X
            out[rows] = (X[rows] - self.mean_) / self.scale_  # (n, D) - (D,) broadcasts
        return out

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """Fit on ``X`` and return it transformed."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform`: ``Z * scale_ + mean_``."""
        Z = self._check(Z, "inverse_transform")
        dtype = Z.dtype if np.issubdtype(Z.dtype, np.floating) else np.float32
        return (Z * self.scale_ + self.mean_).astype(dtype)

    def to_dict(self) -> dict:
        """The statistics as plain lists of floats, ready for JSON; exact for float64."""
        if self.mean_ is None:
            raise DataError("Standardizer.to_dict: not fitted yet; call fit(X_train) first")
        return {"mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Standardizer:
        """Rebuild a fitted Standardizer from :meth:`to_dict` output."""
        try:
            mean = np.asarray(d["mean"], dtype=np.float64)
            scale = np.asarray(d["scale"], dtype=np.float64)
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"Standardizer.from_dict: expected {{'mean': [...], 'scale': "
                f"[...]}} of numbers, got {d!r:.200}"
            ) from exc
        if mean.ndim != 1 or mean.shape != scale.shape or not np.all(scale > 0):
            raise DataError(
                f"Standardizer.from_dict: mean {mean.shape} and scale "
                f"{scale.shape} must be equal-length lists, scale all positive"
            )
        s = cls()
        s.mean_, s.scale_ = mean, scale
        return s

    def __repr__(self) -> str:
        if self.mean_ is None:
            return "Standardizer(not fitted)"
        return f"Standardizer({len(self.mean_)} features)"
