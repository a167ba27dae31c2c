"""From a table to a model's inputs the way ``glassnet train`` does it, from Python too.

:func:`prepare` reads a dataset (a built-in name, a CSV file, a DataFrame), chooses its
feature columns, splits its rows, learns the encoding and the imputation on the training
rows only, standardises the features, and (for regression) the target: the very steps of
``glassnet train``, which calls it. The same seed gives the same split, so a model trained
from Python on ``prepare(...)`` is scored on the CLI's rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..checks import nonnegative_int, one_of
from ..errors import DataError
from . import columns as C
from .datasets import Dataset, builtin_name, load_dataset
from .split import Split, Standardizer, split_indices
from .table import Table, as_table, is_frame

__all__ = ["Prepared", "prepare", "read_table_dataset", "row_hashes", "target_decimals"]

# `--task classify` on more classes than this share of the rows is refused without force.
MAX_CLASS_SHARE = 0.1


def read_table_dataset(
    data,
    target=None,
    task=None,
    *,
    feature_names=None,
    label_names=None,
    features=None,
    drop=None,
    categorical=None,
    missing="impute",
    fit_rows=None,
    split=None,
    identifiers=True,
):
    """Read a table into a Dataset, its encoding learned on ``fit_rows`` (default: all).

    ``split``, when given, is a function ``y -> (train, val, test)`` row indices; the
    training rows then decide the encoding. Returns ``(dataset, table, rows)`` where
    ``rows`` is the split (or None).
    """
    from .csv import parse_target

    one_of(missing, C.MISSING_MODES, "missing", "read_csv")
    table = as_table(data)
    col = len(table.header) - 1 if target is None else table.col(target, "target column")
    target_name = table.header[col]
    names, notes = C.choose_columns(
        table, target_name, features or feature_names, drop, categorical, identifiers
    )
    if missing == "error":
        C.check_no_missing(table, names)
    if missing == "drop":
        gone = C.missing_rows(table, names)
        if gone.all():
            raise DataError(
                f"{table.source}: every row has a missing cell, so --missing drop leaves no "
                "rows; use --missing impute"
            )
        if gone.any():
            notes.append(f"dropped {int(gone.sum())} rows with missing cells (--missing drop)")
            table = table.take(np.flatnonzero(~gone))
    y, labels, task = parse_target(table, col, task, label_names)
    rows = split(y, task) if split is not None else None
    fit = rows[0] if rows is not None else (fit_rows if fit_rows is not None else None)
    fit = np.arange(table.n_rows) if fit is None else fit
    spec, filled = C.fit_columns(table, names, fit, categorical=categorical or (), missing=missing)
    X = C.encode(spec, table)
    name = Path(table.source).stem if table.lines is not None else table.source
    ds = Dataset(X, y, C.encoded_names(spec), labels, task, name, target_name, spec, notes + filled)
    return ds, table, rows


def row_hashes(X: np.ndarray) -> list[str]:
    """A short SHA-256 of each encoded row: the same cells give the same hash, whatever
    the column order or number format of the file they came from."""
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64)) + 0.0  # -0.0 -> 0.0
    return [hashlib.sha256(row.tobytes()).hexdigest()[:16] for row in X]


def target_decimals(table: Table | None, target: str) -> int | None:
    """The most decimals written in a numeric target's cells (for printing predictions)."""
    if table is None or table.is_numeric(table.index[target]):
        return None
    most = 0
    for cell in table.column(table.index[target]):
        text = cell.lower()
        if "e" in text:
            return None
        if "." in text:
            most = max(most, len(text.split(".")[1]))
    return min(most, 10)


@dataclass
class Prepared:
    """A dataset split and preprocessed as ``glassnet train`` does it.

    Attributes
    ----------
    dataset : Dataset
        ``X`` encoded (one-hot, imputed) with the training rows' statistics, not yet
        standardised; its ``preprocessing`` is that encoding.
    table : Table
        The raw rows (after ``missing="drop"``), for scoring through a saved model.
    rows : tuple of arrays
        The train, validation and test row indices into ``table`` and ``dataset``.
    split : Split
        The encoded rows of each part.
    standardizer : Standardizer
        Fitted on the training rows; a one-hot input keeps mean 0 and scale 1.
    target_scale : dict or None
        For regression, ``{"mean": m, "scale": s}`` of the training targets.
    notes : list of str
        What was done, a line each (columns left out, cells filled).
    """

    dataset: Dataset
    table: Table
    rows: tuple
    split: Split
    standardizer: Standardizer
    target_scale: dict | None
    notes: list = field(default_factory=list)
    target_decimals: int | None = None

    def inputs(self, X: np.ndarray) -> np.ndarray:
        """Encoded rows standardised, in float32: what the network is trained on."""
        return self.standardizer.transform(np.asarray(X, dtype=np.float64)).astype(np.float32)

    def targets(self, y: np.ndarray) -> np.ndarray:
        """Targets as the network learns them: class indices, or standardised values."""
        if self.target_scale is None:
            return y
        ys = self.target_scale
        return ((np.asarray(y, np.float64) - ys["mean"]) / ys["scale"]).astype(np.float32)

    def raw(self, part: str) -> Table:
        """The raw rows of ``"train"``, ``"val"`` or ``"test"``."""
        return self.table.take(self.rows[("train", "val", "test").index(part)])

    def model_info(self) -> dict:
        """The keyword arguments of :func:`glassnet.save` that describe this data."""
        ds = self.dataset
        return {
            "task": ds.task,
            "feature_names": ds.feature_names,
            "label_names": ds.label_names,
            "standardizer": self.standardizer,
            "target_name": ds.target_name,
            "target_scale": self.target_scale,
            "preprocessing": ds.preprocessing,
        }


def prepare(
    data,
    target: str | None = None,
    task: str | None = None,
    *,
    features=None,
    drop=None,
    categorical=None,
    missing: str = "impute",
    force: bool = False,
    val_size: float = 0.15,
    test_size: float = 0.2,
    seed: int = 0,
) -> Prepared:
    """Read, choose columns, split, encode and standardise as ``glassnet train`` does.

    Parameters
    ----------
    data : str, path-like or DataFrame
        A built-in dataset's name, a CSV file, or a pandas DataFrame.
    target, task : optional
        As for :func:`glassnet.data.read_csv`.
    features, drop : list of str, optional
        Only these columns, or all but these. Without ``features``, a column that looks
        like a row identifier (unique text, or unique whole numbers rising row by row) is
        left out, with a note saying so.
    categorical : list of str, optional
        Numeric columns to one-hot encode as categories (text columns always are).
    missing : {"impute", "drop", "error"}, default "impute"
        Fill a missing feature cell with the training rows' median (numbers) or most
        frequent category; drop the rows with one; or refuse them.
    force : bool, default False
        Allow ``task="classify"`` on a target with more classes than a tenth of its rows.
    val_size, test_size : float
        Fractions of the rows held out (stratified for classification).
    seed : int, default 0
        The split's seed (and a generated dataset's).

    Returns
    -------
    Prepared

    Raises
    ------
    DataError
        As :func:`read_csv`, and for the options above: an unknown column (with the
        closest name), the target among the features, every row dropped, a category
        column of more than 1,000 values, too many classes without ``force``.

    Examples
    --------
    >>> p = prepare("iris", seed=0)
    >>> [len(r) for r in p.rows], p.dataset.feature_names[0]
    ([98, 22, 30], 'sepal_length')
    """
    seed = nonnegative_int(seed, "seed", "prepare")

    def split(y, task):
        _check_classes(y, task, given, force)
        return split_indices(len(y), val_size, test_size, seed, y if task == "classify" else None)

    given = task
    builtin = not is_frame(data) and not isinstance(data, Table) and builtin_name(data) is not None
    if builtin:
        built = load_dataset(data, target=target, task=task, seed=seed)
        data = Table.from_array(built.X, built.feature_names, built.name)
        data.header.append(built.target_name)
        data.index[built.target_name] = len(data.columns)
        labels = built.label_names
        y_text = [labels[k] for k in built.y] if labels else None
        data.columns.append(y_text if labels else built.y.astype(np.float64))
        label_names, task = labels, built.task
    else:
        label_names = None
    ds, table, rows = read_table_dataset(
        data,
        target,
        task,
        label_names=label_names,
        features=features,
        drop=drop,
        categorical=categorical,
        missing=missing,
        split=split,
        identifiers=not builtin,  # the built-ins are curated
    )
    return _finish(ds, table, rows)


def _check_classes(y, task, given, force) -> None:
    if task != "classify" or given != "classify" or force:
        return
    k = len(np.unique(y))
    if k > MAX_CLASS_SHARE * len(y):
        raise DataError(
            f"--task classify: the target has {k} classes in {len(y)} rows, more than a "
            "tenth of the rows; it looks like a quantity (use --task regress), or give "
            "--force to classify anyway"
        )


def _finish(ds: Dataset, table: Table, rows) -> Prepared:
    train, val, test = rows
    X, y = ds.X, ds.y
    split = Split(X[train], y[train], X[val], y[val], X[test], y[test])
    scaler = Standardizer().fit(split.X_train)
    onehot = [i for i, n in enumerate(_input_kinds(ds.preprocessing)) if n == "category"]
    scaler.mean_[onehot], scaler.scale_[onehot] = 0.0, 1.0  # 0/1 inputs stay 0/1
    y_scale = None
    if ds.task == "regress":  # predict standardised targets; report metrics in real units
        mu, sd = float(split.y_train.mean()), float(split.y_train.std())
        y_scale = {"mean": mu, "scale": sd if sd > 0 else 1.0}
    return Prepared(
        ds,
        table,
        rows,
        split,
        scaler,
        y_scale,
        list(ds.notes),
        target_decimals(table, ds.target_name) if ds.task == "regress" else None,
    )


def _input_kinds(spec: dict) -> list[str]:
    kinds = []
    for c in spec["columns"]:
        kinds += ["number"] if c["kind"] == "number" else ["category"] * len(c["categories"])
    return kinds
