"""What an export writes, as plain data: the network's layers, the preprocessing and the
names, gathered from whatever was given to :func:`glassnet.export_onnx`.

Each kind of model has one function here that turns it into an :class:`ExportSpec`
(:func:`from_saved`, :func:`from_module`); the graph is built from the spec alone, so a new
kind of model needs only its own ``from_...`` function and a line in :func:`spec_for`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .. import nn, saved
from ..checks import positive_int
from ..errors import GlassnetError, ModelFileError, ShapeError

# The modules an exported network may hold, besides the containers MLP and Sequential.
LEAVES = (
    nn.Linear,
    nn.ReLU,
    nn.LeakyReLU,
    nn.Tanh,
    nn.Sigmoid,
    nn.Softmax,
    nn.Identity,
    nn.Dropout,
)


@dataclass
class ExportSpec:
    """Everything the graph is built from.

    Attributes
    ----------
    layers : list of (str, Module)
        The network's leaf modules in the order they run, with their dotted names
        (``layers.0``); their parameters keep the names of ``named_parameters()``.
    n_features : int
        The width of the numeric input.
    dtype : str
        The parameters' dtype, ``"float32"`` or ``"float64"``.
    input_dtype : str
        The numeric input's dtype: ``"float64"`` for the raw rows of a saved model (as
        SavedModel reads them), the parameters' dtype for a bare network.
    feature_names : list of str
        The numeric input's columns, in order.
    task : {"classify", "regress"} or None
        None for a bare network: its raw output is the graph's output.
    label_names : list of str or int, or None
        For a classifier, the class of each output.
    mean, scale : array of shape (n_features,), or None
        The standardisation ``(x - mean) / scale`` applied before the network.
    target_scale : dict or None
        ``{"mean": m, "scale": s}`` when a regressor predicts ``(y - m) / s``.
    target_name : str
    description : str
        One line naming the model, e.g. ``MLP 4-32-32-3 (tanh)``.
    columns : list of dict, or None
        The table's columns as the model's preprocessing stores them (see
        :mod:`glassnet.data.columns`): the graph then takes the raw columns, the numbers
        together in ``features`` and each category column as strings, and encodes them.
        None for a bare network, whose ``features`` are its inputs as they are.
    extra_metadata : dict of str to str
        More metadata properties, for what a kind of model has beyond the above.
    """

    layers: list
    n_features: int
    dtype: str
    input_dtype: str
    feature_names: list
    task: str | None = None
    label_names: list | None = None
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None
    target_scale: dict | None = None
    target_name: str = "target"
    description: str = ""
    columns: list | None = None
    extra_metadata: dict = field(default_factory=dict)


def spec_for(model, n_features=None, owner: str = "export_onnx") -> ExportSpec:
    """The spec of ``model``: a SavedModel, a run folder or model file, or an nn module."""
    if isinstance(model, (str, os.PathLike)):
        model = saved.load(model)
    if isinstance(model, saved.SavedModel):
        if n_features is not None and n_features != len(model.feature_names):
            raise ShapeError(
                f"{owner}: n_features={n_features}, but the model takes "
                f"{len(model.feature_names)} features"
            )
        return from_saved(model)
    if isinstance(model, nn.Module):
        return from_module(model, n_features, owner)
    if type(model).__module__.startswith("glassnet.sklearn"):
        return from_estimator(model)
    raise ModelFileError(
        f"{owner}: cannot export a {type(model).__name__}; give a SavedModel, a run "
        "folder or model file, or an nn module with n_features"
    )


def from_saved(model: saved.SavedModel) -> ExportSpec:
    """The spec of a saved model: its network, standardisation, names and task."""
    sd, config = model.standardizer, model.config
    sizes = config["architecture"]["sizes"]
    act = model.model.activation  # one name, or one per hidden layer
    act = act if isinstance(act, str) else ", ".join(act)
    columns = model.preprocessing["columns"]
    return ExportSpec(
        layers=leaf_layers(model.model, "export_onnx"),
        n_features=sum(c["kind"] == "number" for c in columns),
        dtype=model.model.dtype,
        input_dtype="float64",
        feature_names=list(model.feature_names),
        task=model.task,
        label_names=model.label_names,
        mean=None if sd is None else np.asarray(sd.mean_, dtype=np.float64),
        scale=None if sd is None else np.asarray(sd.scale_, dtype=np.float64),
        target_scale=config.get("target_scale") if model.task == "regress" else None,
        target_name=model.target_name,
        description=f"MLP {'-'.join(map(str, sizes))} ({act})",
        columns=columns,
    )


def from_estimator(estimator) -> ExportSpec:
    """The spec of a fitted MLPClassifier or MLPRegressor of :mod:`glassnet.sklearn`: the
    model file it saves as, with its classes as they are (integers stay integers)."""
    from ..sklearn import to_saved  # the same layer; scikit-learn is imported only here

    spec = from_saved(to_saved(estimator))
    if spec.task == "classify":
        spec.label_names = [v.item() if hasattr(v, "item") else v for v in estimator.classes_]
    return spec


def from_module(module, n_features, owner: str = "export_onnx") -> ExportSpec:
    """The spec of a bare network: no preprocessing, its raw output as the graph's output."""
    if n_features is None:
        raise ShapeError(
            f"{owner}: a bare {type(module).__name__} does not say how wide its input is; "
            "give n_features"
        )
    n = positive_int(n_features, "n_features", owner)
    layers = leaf_layers(module, owner)
    linears = [m for _, m in layers if isinstance(m, nn.Linear)]
    if not linears:
        raise ShapeError(f"{owner}: the {type(module).__name__} has no Linear layer to export")
    if linears[0].in_features != n:
        raise ShapeError(
            f"{owner}: n_features={n}, but the first layer is Linear"
            f"({linears[0].in_features} -> {linears[0].out_features})"
        )
    sizes = [n] + [m.out_features for m in linears]
    dtype = linears[0].weight.data.dtype.name
    return ExportSpec(
        layers=layers,
        n_features=n,
        dtype=dtype,
        input_dtype=dtype,
        feature_names=[f"x{i}" for i in range(n)],
        description=f"{type(module).__name__} {'-'.join(map(str, sizes))}",
    )


def leaf_layers(module, owner: str) -> list[tuple[str, nn.Module]]:
    """The leaf modules of an MLP or Sequential tree, in the order they run, with their
    dotted names; a module whose computation is not known here is refused by name, and so
    is a Softmax over another axis than the features'."""
    out = []
    for name, m in module.named_modules():
        if isinstance(m, (nn.MLP, nn.Sequential)):
            continue  # containers: their children, in order, are what runs
        if type(m) not in LEAVES:  # a subclass may compute something else
            what = f"'{name}' ({type(m).__name__})" if name else type(m).__name__
            raise GlassnetError(
                f"{owner}: cannot export module {what}; the exportable modules are MLP, "
                f"Sequential, {', '.join(c.__name__ for c in LEAVES)}"
            )
        if isinstance(m, nn.Softmax) and m.axis not in (-1, 1):
            raise GlassnetError(
                f"{owner}: module '{name}' is Softmax(axis={m.axis}); on rows of shape "
                "(N, features) only axis 1 (or -1), across the features, can be exported"
            )
        out.append((name, m))
    _check_chain(out, owner)
    return out


def _check_chain(layers, owner: str) -> None:
    """Consecutive Linear layers must fit: each one's input is the previous one's output."""
    width = None
    for name, m in layers:
        if not isinstance(m, nn.Linear):
            continue
        if width is not None and m.in_features != width:
            raise ShapeError(
                f"{owner}: layer '{name}' is Linear({m.in_features} -> {m.out_features}) "
                f"but receives {width} features"
            )
        width = m.out_features
