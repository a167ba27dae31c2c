"""The playground's data: points in a plane, the input features made from them, the split.

A 2-D generator gives its points directly; a table with more columns is drawn in two of
its columns (by default the first two), or in its first two principal components, and the
network then sees only features made from those two coordinates. The split and the
standardisation are the ones ``glassnet train`` makes (:func:`glassnet.data.split_indices`
with no validation rows, a :class:`~glassnet.data.Standardizer` fitted on the training
rows), so a saved playground run is rebuilt exactly by ``glassnet evaluate``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import Standardizer, list_datasets, load_dataset, split_indices
from ..errors import DataError
from .settings import GENERATORS

__all__ = ["Plane", "load_plane", "expand", "feature_names", "data_choices"]

_MARGIN = 0.1  # of the points' range, added on each side of the drawing


def data_choices(csv_paths=()) -> dict[str, str]:
    """What the page may choose as data: name shown -> what :func:`load_dataset` takes.

    The 2-D generators first, then the other built-ins with at least two feature columns,
    then the CSV files given on the command line (by file name); never any other path.
    """
    choices = {name: name for name in GENERATORS}
    for info in list_datasets():
        if info.name not in choices and info.n_features >= 2:
            choices[info.name] = info.name
    for path in csv_paths:
        choices[str(path).replace("\\", "/").rsplit("/", 1)[-1]] = str(path)
    return choices


def feature_names(features: list[str], axes: list[str]) -> list[str]:
    """The names of the input features, with the plane's column names for x1 and x2.

    >>> feature_names(["x1", "x1*x2", "sin(x2)"], ["petal_length", "petal_width"])
    ['petal_length', 'petal_length*petal_width', 'sin(petal_width)']
    """
    a, b = axes
    if (a, b) == ("x1", "x2"):
        return list(features)
    # one pass over the text, so a column named "x2" cannot be renamed twice
    return [
        "".join({"1": a, "2": b}[c] if c in "12" else c for c in f.replace("x", ""))
        for f in features
    ]


def expand(P: np.ndarray, features: list[str]) -> np.ndarray:
    """The input features of points of the plane: array of shape (n_points, n_features).

    >>> expand(np.array([[2.0, 3.0]]), ["x1", "x2^2", "x1*x2"]).tolist()
    [[2.0, 9.0, 6.0]]
    """
    x1, x2 = P[:, 0].astype(np.float64), P[:, 1].astype(np.float64)
    made = {
        "x1": lambda: x1,
        "x2": lambda: x2,
        "x1^2": lambda: x1 * x1,
        "x2^2": lambda: x2 * x2,
        "x1*x2": lambda: x1 * x2,
        "sin(x1)": lambda: np.sin(x1),
        "sin(x2)": lambda: np.sin(x2),
    }
    return np.stack([made[f]() for f in features], axis=1)  # (n, k)


@dataclass
class Plane:
    """One dataset as the playground draws and trains on it.

    ``P`` holds the points (array of shape (n_points, 2), float64, in the data's units),
    ``y`` the targets (class indices, or values), ``train`` and ``test`` the row numbers
    of the split, ``X`` the standardised input features the network takes (float32).
    """

    name: str
    source: str
    axes: list[str]
    P: np.ndarray
    y: np.ndarray
    task: str
    label_names: list[str] | None
    target_name: str
    features: list[str]
    train: np.ndarray
    test: np.ndarray
    standardizer: Standardizer
    y_scale: dict | None
    X: np.ndarray = field(repr=False)
    columns: list[str] = field(default_factory=list)
    extent: list[float] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        return feature_names(self.features, self.axes)

    @property
    def n_outputs(self) -> int:
        return len(self.label_names) if self.task == "classify" else 1

    def inputs(self, P: np.ndarray) -> np.ndarray:
        """Points of the plane as the network takes them: features, standardised, float32."""
        return self.standardizer.transform(expand(P, self.features)).astype(np.float32)

    def targets(self, rows: np.ndarray) -> np.ndarray:
        """The targets of ``rows`` as the loss takes them (regression: standardised)."""
        if self.y_scale is None:
            return self.y[rows]
        return ((self.y[rows] - self.y_scale["mean"]) / self.y_scale["scale"]).astype(np.float32)


def _columns(ds, settings: dict) -> tuple[list[int], list[str]]:
    names = list(ds.feature_names)
    if len(names) < 2:
        raise DataError(f"{ds.name}: the playground draws two columns; it has {len(names)}")
    chosen = [settings["x_column"] or names[0], settings["y_column"] or names[1]]
    for key, col in zip(("x_column", "y_column"), chosen):
        if col not in names:
            raise DataError(
                f"{ds.name}: {key} {col!r} is not one of its columns ({', '.join(names[:12])})"
            )
    if chosen[0] == chosen[1]:
        raise DataError(f"{ds.name}: x_column and y_column are both {chosen[0]!r}; choose two")
    return [names.index(c) for c in chosen], chosen


def principal_plane(X: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Every row of ``X`` in the plane of its first two principal components, found from the
    training ``rows`` only (standardised with their statistics): array of shape (n, 2).

    >>> X = np.array([[0.0, 0.0, 1.0], [2.0, 2.0, 1.0], [4.0, 4.1, 1.0], [6.0, 5.9, 1.0]])
    >>> P = principal_plane(X, np.arange(4))
    >>> bool(np.all(np.diff(np.abs(P[:, 0])) != 0)), P.shape
    (True, (4, 2))
    """
    scaler = Standardizer().fit(X[rows])
    Z = scaler.transform(X)  # (n, d)
    _, _, Vt = np.linalg.svd(Z[rows], full_matrices=False)  # rows of Vt: the components
    Vt = Vt * np.where(Vt[:, :1] < 0, -1.0, 1.0)  # a fixed sign, so a seed gives one picture
    P = Z @ Vt[:2].T  # (n, d) @ (d, 2) -> (n, 2)
    return np.pad(P, ((0, 0), (0, 2 - P.shape[1])))  # a table of 1 column: a flat second axis


def load_plane(settings: dict, source: str) -> Plane:
    """The plane of ``settings`` (checked by :func:`check_settings`) from ``source``, the
    built-in name or CSV path that :func:`data_choices` gave for ``settings["data"]``."""
    seed = settings["seed"]
    if source in GENERATORS:
        options = {"n_samples": settings["n_samples"], "noise": settings["noise"]}
        ds = load_dataset(source, seed=seed, **options)
    else:
        ds = load_dataset(source, seed=seed)
    y = np.asarray(ds.y)
    classes = y if ds.task == "classify" else None
    train, _, test = split_indices(len(y), 0.0, settings["test_split"], seed, classes)
    if settings["plane"] == "pca":
        P, axes = principal_plane(np.asarray(ds.X, dtype=np.float64), train), ["PC1", "PC2"]
    else:
        where, axes = _columns(ds, settings)
        P = np.asarray(ds.X, dtype=np.float64)[:, where]  # (n, 2)
    F = expand(P, settings["features"])
    scaler = Standardizer().fit(F[train])
    y_scale = None
    if ds.task == "regress":  # the network learns standardised targets, as in glassnet train
        mu, sd = float(y[train].mean()), float(y[train].std())
        y_scale = {"mean": mu, "scale": sd if sd > 0 else 1.0}
    low, high = P.min(axis=0), P.max(axis=0)
    pad = _MARGIN * np.maximum(high - low, 1e-9)
    extent = [float(low[0] - pad[0]), float(high[0] + pad[0])]
    extent += [float(low[1] - pad[1]), float(high[1] + pad[1])]
    return Plane(
        name=settings["data"],
        source=source,
        axes=[str(a) for a in axes],
        P=P,
        y=y,
        task=ds.task,
        label_names=list(ds.label_names) if ds.label_names is not None else None,
        target_name=ds.target_name,
        features=list(settings["features"]),
        train=train,
        test=test,
        standardizer=scaler,
        y_scale=y_scale,
        X=scaler.transform(F).astype(np.float32),
        columns=[str(c) for c in ds.feature_names],
        extent=extent,
    )
