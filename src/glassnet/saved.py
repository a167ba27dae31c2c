"""Use a saved model in a few lines: ``glassnet.load("runs/iris-...").predict(X)``.

A saved model is one safetensors file (see :mod:`glassnet.io`: never a pickle) holding the
weights, with a JSON config that says everything needed to use them:

- ``architecture``: ``{"type": "MLP", "sizes": [...], "activation": ..., ...}``, the
  arguments of :class:`glassnet.nn.MLP`;
- ``task``: ``"classify"`` or ``"regress"``;
- ``feature_names`` (the network's inputs, in order) and ``target_name``;
- ``preprocessing``: the table's columns and how they become those inputs (kinds, one-hot
  categories, fill values for missing cells; see :mod:`glassnet.data.columns`); absent in
  a model of numeric columns taken as they are;
- ``label_names``: the class names, in the order of the network's outputs;
- ``standardizer``: the feature means and scales fitted on the training data (or None);
- ``target_scale``: for regression, ``{"mean": m, "scale": s}`` when the network was trained
  to predict ``(y - m) / s`` (or None);
- anything else the trainer recorded (``dataset``, ``settings``), kept as it is.

:func:`load` rebuilds the network from ``architecture`` and checks the weights against it;
the :class:`SavedModel` it returns takes raw rows, as they appear in the data (a DataFrame
or CSV file's columns by name, an array's by position), and answers with class names or
real values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import io, metrics, nn
from ._model_config import build, check_config, check_sizes_fit, short
from .data import Standardizer, load_dataset
from .data.columns import encode, numeric_columns
from .data.datasets import builtin_name
from .data.table import Table, as_table, is_frame
from .errors import DataError, GlassnetError, ModelFileError
from .nn import predict_logits

__all__ = ["SavedModel", "load", "save", "wrap"]


class SavedModel:
    """A trained network with what it needs to be used: preprocessing, names, task.

    Usually obtained from :func:`load` or :func:`save`.

    Parameters
    ----------
    model : nn.MLP
        The network, with its trained weights.
    config : dict
        As described in this module's documentation.
    path : Path, optional
        The file it was loaded from or saved to.

    Attributes
    ----------
    model, config, path
    task : {"classify", "regress"}
    feature_names : list of str
    label_names : list of str or None
    target_name : str
    standardizer : Standardizer or None

    Examples
    --------
    >>> import tempfile
    >>> from glassnet.data import load_dataset
    >>> ds = load_dataset("iris")
    >>> net = nn.MLP([4, 3], seed=0)
    >>> saved = save(tempfile.mkdtemp(), net, task="classify",
    ...              feature_names=ds.feature_names, label_names=ds.label_names)
    >>> again = load(saved.path)  # read back: the same network, answering in label names
    >>> again.predict(ds.X[:5]).tolist() == saved.predict(ds.X[:5]).tolist()
    True
    >>> set(again.predict(ds.X)) <= set(ds.label_names)
    True
    >>> p = again.predict_proba(ds.X[:5])  # one row of class probabilities per flower
    >>> p.shape, bool(np.allclose(p.sum(axis=1), 1.0))
    ((5, 3), True)
    """

    def __init__(self, model, config: dict, path=None):
        where = str(path) if path is not None else "SavedModel"
        check_config(config, where)
        self.model, self.config = model, config
        self.path = Path(path) if path is not None else None
        self.task: str = config["task"]
        self.feature_names: list[str] = list(config["feature_names"])
        labels = config.get("label_names") if self.task == "classify" else None
        self.label_names: list[str] | None = list(labels) if labels is not None else None
        self.target_name: str = config.get("target_name") or "target"
        sd = config.get("standardizer")
        self.standardizer = Standardizer.from_dict(sd) if sd is not None else None
        self._target_scale = config.get("target_scale")
        self.preprocessing: dict = config.get("preprocessing") or numeric_columns(
            self.feature_names
        )
        self.columns: list[str] = [c["name"] for c in self.preprocessing["columns"]]

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.config["architecture"]["sizes"]))
        what = f"classes {short(self.label_names)}" if self.label_names else "regression"
        where = f", from {self.path}" if self.path else ""
        return f"SavedModel(MLP {sizes}, {what}{where})"

    # -- predictions ------------------------------------------------------------------------
    def encode(self, X, *, strict: bool = False) -> np.ndarray:
        """Raw rows as the network's inputs before standardisation: the model's
        preprocessing (:func:`glassnet.data.columns.encode`) applied.

        Parameters
        ----------
        X : DataFrame, Table or array of shape (n_samples, len(columns))
            A DataFrame's columns are found by name (extra ones are ignored, missing ones
            named); an array's are taken by position, in the order of ``columns``.
        strict : bool, default False
            Refuse a category not seen in training instead of encoding it as all zeros.

        Returns
        -------
        array of shape (n_samples, n_inputs), float64
        """
        if isinstance(X, Table) or is_frame(X):
            table = as_table(X)
        else:
            X = np.asarray(X)
            if X.ndim != 2 or X.shape[1] != len(self.columns):
                raise DataError(
                    f"the model takes rows of {len(self.columns)} columns "
                    f"({short(self.columns)}); got {X.dtype} values of shape {X.shape}"
                )
            table = Table.from_array(X, self.columns, "the rows")
        return encode(self.preprocessing, table, strict=strict)

    def network_inputs(self, X, *, strict: bool = False) -> np.ndarray:
        """Raw rows as the network sees them: encoded, standardised with the training
        split's statistics, in the parameters' dtype."""
        return self.scale(self.encode(X, strict=strict))

    def scale(self, Z: np.ndarray) -> np.ndarray:
        """Encoded rows (see :meth:`encode`) standardised, in the parameters' dtype."""
        if self.standardizer is not None:
            Z = self.standardizer.transform(Z)  # the training split's statistics
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            Z = Z.astype(self.model.parameters()[0].dtype)
        bad = ~np.isfinite(Z)
        if bad.any():
            row, col = (int(i) for i in np.argwhere(bad)[0])
            name = self.feature_names[col] if col < len(self.feature_names) else f"#{col}"
            raise DataError(
                f"row {row}, column {name!r:.60}: the value is too far from the training "
                f"data for the network's {Z.dtype} numbers once standardised with the "
                "training statistics"
            )
        return Z

    def outputs(self, X, *, strict: bool = False) -> np.ndarray:
        """The network's outputs for raw rows: class logits, array of shape
        (n_samples, n_classes), or regression predictions in the target's units,
        array of shape (n_samples,)."""
        return self.outputs_encoded(self.encode(X, strict=strict))

    def outputs_encoded(self, Z: np.ndarray) -> np.ndarray:
        """:meth:`outputs` for rows already encoded by :meth:`encode`."""
        Z = self.scale(Z)
        with np.errstate(all="ignore"):  # an overflow gives inf or NaN, refused below
            out = predict_logits(self.model, Z)
            if self.task == "regress":
                out = out.reshape(-1).astype(np.float64)  # (N, 1) -> (N,)
                if self._target_scale:
                    out = out * self._target_scale["scale"] + self._target_scale["mean"]
        if not np.isfinite(out).all():
            row = int(np.argwhere(~np.isfinite(out))[0][0])
            raise DataError(
                f"row {row}: the network's output is NaN or infinite (its inputs are far "
                "outside the training data, or the weights are extreme); no prediction made"
            )
        return out

    def answers(self, out: np.ndarray) -> np.ndarray:
        """Class names (array of str) or values (float64) from :meth:`outputs`."""
        if self.task == "classify":
            return np.asarray(self.label_names)[out.argmax(axis=1)]
        return out

    def predict(self, X, *, strict: bool = False) -> np.ndarray:
        """Class names (array of str) or real values (float64), one per row of ``X``
        (a DataFrame, matched by column name, or an array, by position)."""
        return self.answers(self.outputs(X, strict=strict))

    def predict_proba(self, X, *, strict: bool = False) -> np.ndarray:
        """Class probabilities (softmax of the logits), array of shape (n_samples, n_classes).

        Column ``k`` is the probability of ``label_names[k]``.
        """
        if self.task != "classify":
            raise GlassnetError("predict_proba: this is a regression model; use predict")
        return self.probabilities(self.outputs(X, strict=strict))

    @staticmethod
    def probabilities(out: np.ndarray) -> np.ndarray:
        """Softmax of class logits from :meth:`outputs`."""
        z = out.astype(np.float64)
        z = z - z.max(axis=1, keepdims=True)  # exp of at most 0: no overflow
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)  # (N, k) / (N, 1)

    def evaluate(self, X, y=None, *, strict: bool = False) -> dict:
        """Score the model on labelled rows.

        Parameters
        ----------
        X : DataFrame, Table or array of shape (n_samples, n_columns)
            Raw rows (see :meth:`encode`).
        y : array of shape (n_samples,), optional
            Class names (strings) or class indices (integers, positions in
            ``label_names``) for classification; real values for regression. Default:
            the model's target column of the DataFrame ``X``.

        Returns
        -------
        dict
            :func:`glassnet.metrics.classification_report` or
            :func:`glassnet.metrics.regression_report`.
        """
        if y is None:
            if not (is_frame(X) or isinstance(X, Table)):
                raise DataError("evaluate: give the targets y, or a DataFrame with the target")
            X, y = self._labelled(as_table(X), None)
        return self.evaluate_outputs(self.outputs(X, strict=strict), y)

    def evaluate_outputs(self, out: np.ndarray, y) -> dict:
        """:meth:`evaluate` for outputs already computed by :meth:`outputs`."""
        if self.task == "classify":
            y_idx = self._class_indices(y)
            return metrics.classification_report(y_idx, out.argmax(axis=1), self.label_names)
        return metrics.regression_report(np.asarray(y, dtype=np.float64), out)

    def _class_indices(self, y) -> np.ndarray:
        y = np.asarray(y)
        k = len(self.label_names)
        if y.dtype.kind in "USO":
            index = {name: i for i, name in enumerate(self.label_names)}
            unknown = [v for v in y.tolist() if str(v) not in index]
            if unknown:
                raise DataError(
                    f"class {unknown[0]!r} is not one of the model's classes "
                    f"({short(self.label_names)})"
                )
            return np.array([index[str(v)] for v in y.tolist()], dtype=np.int64)
        whole = y.dtype.kind in "iu" or (
            y.dtype.kind == "f" and np.isfinite(y).all() and np.array_equal(y, np.round(y))
        )
        if not whole or (y.size and (y.min() < 0 or y.max() >= k)):
            raise DataError(
                f"targets must be class names or indices 0..{k - 1} of {short(self.label_names)}"
            )
        return y.astype(np.int64)

    # -- data and files ---------------------------------------------------------------------
    def read_data(self, data, target: str | None = None):
        """Labelled rows for this model from a CSV file, a DataFrame or a built-in dataset.

        Returns ``(X, y)``: raw rows for :meth:`predict` or :meth:`evaluate` (a Table,
        whose columns :meth:`encode` finds by name) and the targets (class indices into
        ``label_names``, or values).

        Parameters
        ----------
        data : str, path-like or DataFrame
            A CSV file, a DataFrame, or the name of a built-in dataset.
        target : str, optional
            The target column; default the model's ``target_name``. For a built-in
            dataset it must be the dataset's own target, as :func:`load_dataset` checks.

        Raises
        ------
        DataError
            For a bad file, a missing column or target (named), a target that is one of
            the model's columns, an unknown class, or a built-in dataset whose features,
            target or classes are not the model's.
        """
        if target is not None and target in self.columns:
            raise DataError(
                f"the target {target!r} is one of the model's features; name the "
                "column the model predicts"
            )
        if is_frame(data) or builtin_name(data) is None:
            return self._labelled(as_table(data), target)
        ds, table = self._builtin(data, target)
        if self.task == "regress":
            return table, ds.y
        return table, self._class_indices(np.asarray(ds.label_names)[ds.y])

    def _labelled(self, table: Table, target: str | None):
        from .data.csv import parse_target

        col = table.col(target or self.target_name, "target column")
        y, _, _ = parse_target(table, col, self.task, self.label_names)
        return table, y

    def read_features(self, data):
        """Raw rows for prediction from a CSV file, a DataFrame or a built-in dataset: a
        Table, whose columns :meth:`encode` finds by name.

        Raises
        ------
        DataError
            For a bad file, or a built-in dataset whose features are not the model's.
        """
        if is_frame(data) or builtin_name(data) is None:
            return as_table(data)
        return self._builtin(data, None)[1]

    def _builtin(self, name, target):
        """A built-in dataset, generated with the run's seed, checked to hold our columns
        (all of its features, or those the run chose), and its features as a Table."""
        seed = (self.config.get("settings") or {}).get("seed", 0)
        ds = load_dataset(name, target=target, task=self.task, seed=seed)
        if not set(self.columns) <= set(ds.feature_names):
            raise DataError(
                f"{name}: its features ({short(ds.feature_names)}) are not the "
                f"model's ({short(self.columns)})"
            )
        return ds, Table.from_array(ds.X, ds.feature_names, str(name))

    def save(self, path) -> Path:
        """Write the weights and the config to ``path`` (a folder or a ``.safetensors`` file)."""
        self.path = io.save_model(path, self.model.state_dict(), self.config)
        return self.path


def load(path) -> SavedModel:
    """Load a model saved by :func:`save` or ``glassnet train``.

    Any model file, including one saved from a scikit-learn estimator (read here as its
    network, preprocessing and names; ``glassnet.load`` gives the estimator back).

    Parameters
    ----------
    path : str or path-like
        A run folder (holding ``model.safetensors``) or a ``.safetensors`` model file.

    Returns
    -------
    SavedModel

    Raises
    ------
    ModelFileError
        Naming the file and what is wrong: missing, not a model (a pickle, a text file, a
        checkpoint), truncated or modified, a config that cannot be used, or weights that
        do not fit the architecture in the config.
    """
    p = Path(path)
    file = p / io.MODEL_FILENAME if p.is_dir() else p
    state, config = io.load_model(p)
    check_config(config, str(file))
    check_sizes_fit(config["architecture"]["sizes"], state, str(file))
    model = build(config, str(file))
    params = dict(model.named_parameters())
    io.model.check_state(
        state,
        {name: q.shape for name, q in params.items()},
        source=file,
        dtypes={name: q.dtype for name, q in params.items()},
    )
    model.load_state_dict(state)
    model.eval()
    return SavedModel(model, config, path=file)


def save(
    path,
    model,
    *,
    task: str | None = None,
    feature_names=None,
    label_names=None,
    standardizer=None,
    target_name: str = "target",
    target_scale: dict | None = None,
    preprocessing: dict | None = None,
    extra: dict | None = None,
) -> SavedModel:
    """Save a trained MLP with what is needed to use it, and return it as a SavedModel.

    Parameters
    ----------
    path : str or path-like
        A folder (it receives ``model.safetensors``) or a ``.safetensors`` file.
    model : nn.MLP, or a fitted glassnet.sklearn estimator
        An estimator brings its own task, names and preprocessing: the other arguments
        are then ignored.
    task : {"classify", "regress"}
    feature_names : list of str, optional
        The input columns; default ``x0, x1, ...``.
    label_names : list of str, optional
        For classification, the name of each output; default ``"0", "1", ...``.
    standardizer : Standardizer, optional
        Fitted on the training features, applied before the network.
    target_name : str
    target_scale : dict, optional
        ``{"mean": m, "scale": s}`` if the network predicts ``(y - m) / s``.
    preprocessing : dict, optional
        How a table's columns become the inputs (:attr:`glassnet.data.Dataset.preprocessing`);
        default: the inputs are numeric columns taken as they are.
    extra : dict, optional
        More JSON entries for the config (e.g. the training settings).

    Returns
    -------
    SavedModel
        With ``path`` set to the file written.
    """
    if hasattr(model, "to_saved_model"):  # a glassnet.sklearn estimator
        saved = model.to_saved_model()
        saved.save(path)
        return saved
    saved = wrap(
        model,
        task=task,
        feature_names=feature_names,
        label_names=label_names,
        standardizer=standardizer,
        target_name=target_name,
        target_scale=target_scale,
        preprocessing=preprocessing,
        extra=extra,
        where=f"cannot save {path}",
    )
    saved.save(path)
    return saved


def wrap(
    model,
    *,
    task: str,
    feature_names=None,
    label_names=None,
    standardizer=None,
    target_name: str = "target",
    target_scale: dict | None = None,
    preprocessing: dict | None = None,
    extra: dict | None = None,
    where: str = "glassnet.saved.wrap",
) -> SavedModel:
    """A SavedModel around ``model``, with the config :func:`save` writes, not yet in a file.

    The parameters are those of :func:`save`; ``where`` starts the error messages.
    """
    if not isinstance(model, nn.MLP):
        raise ModelFileError(
            f"{where}: glassnet.save takes an nn.MLP, got "
            f"{type(model).__name__}; save other modules' state_dict() with "
            "glassnet.io.save_model"
        )
    n_in, n_out = model.sizes[0], model.sizes[-1]
    if task == "classify" and label_names is None:
        label_names = [str(k) for k in range(n_out)]
    config = {
        "architecture": {"type": "MLP", **model.config()},
        "task": task,
        "feature_names": [str(f) for f in feature_names]
        if feature_names is not None
        else [f"x{i}" for i in range(n_in)],
        "label_names": [str(n) for n in label_names] if task == "classify" else None,
        "target_name": target_name,
        "standardizer": standardizer.to_dict() if standardizer is not None else None,
        "target_scale": target_scale,
        **({"preprocessing": preprocessing} if preprocessing is not None else {}),
        **(extra or {}),
    }
    check_config(config, where)
    return SavedModel(model, config)
