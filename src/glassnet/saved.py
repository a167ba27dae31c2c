"""Use a saved model in a few lines: ``glassnet.load("runs/iris-...").predict(X)``.

A saved model is one safetensors file (see :mod:`glassnet.io`: never a pickle) holding the
weights, with a JSON config that says everything needed to use them:

- ``architecture``: ``{"type": "MLP", "sizes": [...], "activation": ..., ...}``, the
  arguments of :class:`glassnet.nn.MLP`;
- ``task``: ``"classify"`` or ``"regress"``;
- ``feature_names`` (the input columns, in order) and ``target_name``;
- ``label_names``: the class names, in the order of the network's outputs;
- ``standardizer``: the feature means and scales fitted on the training data (or None);
- ``target_scale``: for regression, ``{"mean": m, "scale": s}`` when the network was trained
  to predict ``(y - m) / s`` (or None);
- anything else the trainer recorded (``dataset``, ``settings``), kept as it is.

:func:`load` rebuilds the network from ``architecture`` and checks the weights against it;
the :class:`SavedModel` it returns takes raw feature rows, as they appear in the data, and
answers with class names or real values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import io, metrics, nn
from .data import Standardizer, load_dataset, read_csv, read_features_csv
from .data.datasets import TASKS, builtin_name
from .errors import DataError, GlassnetError, ModelFileError
from .nn import predict_logits

__all__ = ["SavedModel", "load", "save", "wrap"]


def _short(names: list[str], k: int = 6) -> str:
    return ", ".join(names[:k]) + (f", ... ({len(names)} in all)" if len(names) > k else "")


def _check_config(config, where: str) -> None:
    """Raise a ModelFileError naming the first thing in ``config`` that cannot be used."""

    def bad(what: str) -> ModelFileError:
        return ModelFileError(f"{where}: the model's config {what}")

    if not isinstance(config, dict):
        raise bad("is not a JSON object")
    sizes = _check_architecture(config.get("architecture"), bad)
    task = config.get("task")
    if task not in TASKS:
        raise bad(f"has task {task!r}; expected 'classify' or 'regress'")
    _check_names(config, sizes, bad)
    if config.get("standardizer") is not None:
        try:
            scaler = Standardizer.from_dict(config["standardizer"])
        except DataError as exc:
            raise bad(f"has a bad 'standardizer' ({exc})") from None
        if len(scaler.mean_) != sizes[0]:
            raise bad(f"standardises {len(scaler.mean_)} features; the network takes {sizes[0]}")
    ys = config.get("target_scale")
    if ys is not None and not (
        isinstance(ys, dict)
        and _number(ys.get("mean"))
        and _number(ys.get("scale"))
        and ys["scale"] > 0
    ):
        raise bad("has a bad 'target_scale' (expected {'mean': m, 'scale': s > 0})")
    settings = config.get("settings")
    if not isinstance(settings, (dict, type(None))):
        raise bad(f"has 'settings' {settings!r:.60}; expected an object or null")
    if settings and "seed" in settings and not _whole(settings["seed"]):
        raise bad(f"has settings.seed {settings['seed']!r:.60}; expected a whole number")


# The architecture entries' JSON types, checked before nn.MLP sees them.
_ARCH_TYPES = {
    "activation": (str,),
    "dropout": (int, float),
    "dtype": (str,),
    "seed": (int, type(None)),
}


def _check_architecture(arch, bad) -> list[int]:
    """The sizes of a usable ``architecture`` entry, or the error naming what is wrong."""
    if not isinstance(arch, dict) or arch.get("type") != "MLP" or "sizes" not in arch:
        raise bad("has no MLP architecture (architecture.type 'MLP' with its sizes)")
    sizes = arch["sizes"]
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(_whole(n) and n > 0 for n in sizes):
        raise bad(
            f"has architecture.sizes {sizes!r:.60}; expected a list of at least two "
            "positive whole numbers (input width, ..., output width)"
        )
    for key, types in _ARCH_TYPES.items():
        value = arch.get(key)
        if key in arch and (isinstance(value, bool) or not isinstance(value, types)):
            kind = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise bad(f"has architecture.{key} {value!r:.60}; expected a {kind}")
    return sizes


def _check_names(config: dict, sizes: list[int], bad) -> None:
    names = config.get("feature_names")
    if not _strings(names) or len(names) != sizes[0]:
        got = f" (got {len(names)})" if isinstance(names, list) else ""
        raise bad(f"must name the {sizes[0]} input features in 'feature_names'{got}")
    labels = config.get("label_names")
    if config["task"] == "classify" and (not _strings(labels) or len(labels) != sizes[-1]):
        got = f" (got {len(labels)})" if isinstance(labels, list) else ""
        raise bad(f"must name the {sizes[-1]} classes in 'label_names'{got}")
    if config["task"] == "regress" and sizes[-1] != 1:
        raise bad(f"describes a regression model with {sizes[-1]} outputs; expected 1")
    if not isinstance(config.get("target_name"), (str, type(None))):
        raise bad(f"has 'target_name' {config['target_name']!r:.60}; expected a string")


def _strings(x) -> bool:
    return isinstance(x, list) and all(isinstance(v, str) for v in x)


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x)


def _build(config: dict, where: str) -> nn.MLP:
    arch = {k: v for k, v in config["architecture"].items() if k != "type"}
    try:
        return nn.MLP.from_config(arch)
    except (GlassnetError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{where}: the architecture in the config is invalid: {exc}") from None


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
        _check_config(config, where)
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

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.config["architecture"]["sizes"]))
        what = f"classes {_short(self.label_names)}" if self.label_names else "regression"
        where = f", from {self.path}" if self.path else ""
        return f"SavedModel(MLP {sizes}, {what}{where})"

    # -- predictions ------------------------------------------------------------------------
    def network_inputs(self, X) -> np.ndarray:
        """Raw feature rows as the network sees them: checked, standardised with the
        training split's statistics, in the parameters' dtype."""
        X = np.asarray(X)
        n = len(self.feature_names)
        if X.ndim != 2 or X.shape[1] != n or X.dtype.kind not in "biuf":
            raise DataError(
                f"the model takes rows of {n} numbers ({_short(self.feature_names)}); "
                f"got {X.dtype} values of shape {X.shape}"
            )
        X = X.astype(np.float64)
        if not np.isfinite(X).all():
            row = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
            raise DataError(f"row {row} of the features holds NaN or infinity")
        if self.standardizer is not None:
            X = self.standardizer.transform(X)  # the training split's statistics
        return X.astype(self.model.parameters()[0].dtype)

    def outputs(self, X) -> np.ndarray:
        """The network's outputs for raw feature rows: class logits, array of shape
        (n_samples, n_classes), or regression predictions in the target's units,
        array of shape (n_samples,)."""
        out = predict_logits(self.model, self.network_inputs(X))
        if self.task == "classify":
            return out
        out = out.reshape(-1).astype(np.float64)  # (N, 1) -> (N,)
        if self._target_scale:
            out = out * self._target_scale["scale"] + self._target_scale["mean"]
        return out

    def predict(self, X) -> np.ndarray:
        """Class names (array of str) or real values (float64), one per row of ``X``."""
        out = self.outputs(X)
        if self.task == "classify":
            return np.asarray(self.label_names)[out.argmax(axis=1)]
        return out

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (softmax of the logits), array of shape (n_samples, n_classes).

        Column ``k`` is the probability of ``label_names[k]``.
        """
        if self.task != "classify":
            raise GlassnetError("predict_proba: this is a regression model; use predict")
        z = self.outputs(X).astype(np.float64)
        z = z - z.max(axis=1, keepdims=True)  # exp of at most 0: no overflow
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)  # (N, k) / (N, 1)

    def evaluate(self, X, y) -> dict:
        """Score the model on labelled rows.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            Raw feature rows.
        y : array of shape (n_samples,)
            Class names (strings) or class indices (integers, positions in
            ``label_names``) for classification; real values for regression.

        Returns
        -------
        dict
            :func:`glassnet.metrics.classification_report` or
            :func:`glassnet.metrics.regression_report`.
        """
        out = self.outputs(X)
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
                    f"({_short(self.label_names)})"
                )
            return np.array([index[str(v)] for v in y.tolist()], dtype=np.int64)
        whole = y.dtype.kind in "iu" or (
            y.dtype.kind == "f" and np.isfinite(y).all() and np.array_equal(y, np.round(y))
        )
        if not whole or (y.size and (y.min() < 0 or y.max() >= k)):
            raise DataError(
                f"targets must be class names or indices 0..{k - 1} of {_short(self.label_names)}"
            )
        return y.astype(np.int64)

    # -- data and files ---------------------------------------------------------------------
    def read_data(self, data, target: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Labelled rows for this model from a CSV file or a built-in dataset.

        The features are taken by name, in the model's order; class labels are encoded
        as positions in ``label_names``. Returns ``(X, y)``.

        Parameters
        ----------
        data : str or path-like
            A CSV file, or the name of a built-in dataset.
        target : str, optional
            The target column; default the model's ``target_name``. For a built-in
            dataset it must be the dataset's own target, as :func:`load_dataset` checks.

        Raises
        ------
        DataError
            For a bad file, a missing feature or target column, a target that is one of
            the model's features, an unknown class, or a built-in dataset whose features,
            target or classes are not the model's.
        """
        if target is not None and target in self.feature_names:
            raise DataError(
                f"the target {target!r} is one of the model's features; name the "
                "column the model predicts"
            )
        if builtin_name(data) is None:
            ds = read_csv(
                data,
                target=target or self.target_name,
                task=self.task,
                feature_names=self.feature_names,
                label_names=self.label_names,
            )
            return ds.X, ds.y
        ds = self._builtin(data, target)
        if self.task == "regress":
            return ds.X, ds.y
        return ds.X, self._class_indices(np.asarray(ds.label_names)[ds.y])

    def read_features(self, data) -> np.ndarray:
        """The model's feature columns, in its order, from a CSV file or a built-in dataset.

        For prediction: no target is needed, and other columns are ignored.

        Raises
        ------
        DataError
            For a bad file, a missing feature column (the columns there are listed), or a
            built-in dataset whose features are not the model's.
        """
        if builtin_name(data) is None:
            return read_features_csv(data, self.feature_names)[0]
        return self._builtin(data, None).X

    def _builtin(self, name, target):
        """A built-in dataset, generated with the run's seed, checked to have our features."""
        seed = (self.config.get("settings") or {}).get("seed", 0)
        ds = load_dataset(name, target=target, task=self.task, seed=seed)
        if list(ds.feature_names) != self.feature_names:
            raise DataError(
                f"{name}: its features ({_short(ds.feature_names)}) are not the "
                f"model's ({_short(self.feature_names)})"
            )
        return ds

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
    _check_config(config, str(file))
    model = _build(config, str(file))
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
        **(extra or {}),
    }
    _check_config(config, where)
    return SavedModel(model, config)
