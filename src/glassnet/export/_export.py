"""``export_onnx``: a model, its preprocessing and its labels written as one ONNX graph."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .. import nn
from ..checks import positive_int
from ..errors import GlassnetError, ModelFileError, SettingError
from ..io import files
from . import _stages
from ._graph import ELEMENT_NAMES, GraphBuilder
from ._spec import ExportSpec, spec_for
from ._table import table_inputs

DEFAULT_OPSET = 21
MIN_OPSET = 13  # Softmax normalises one axis (not all axes from it on) since opset 13
ONNX_FILENAME = "model.onnx"


def require_onnx():
    """The ``onnx`` package, or a one-line error naming the extra that installs it."""
    try:
        import onnx
    except ImportError:
        raise GlassnetError(
            "ONNX export needs the onnx package, which is not installed: "
            "pip install 'glassnet[onnx]'"
        ) from None
    return onnx


def check_opset(opset, owner: str, onnx) -> int:
    """An opset from 13 to the newest the installed onnx package knows."""
    newest = onnx.defs.onnx_opset_version()
    n = positive_int(opset, "opset", owner)
    if not MIN_OPSET <= n <= newest:
        raise SettingError(
            f"{owner}: opset must be a whole number from {MIN_OPSET} to {newest}, got {n}"
        )
    return n


def output_path(path, owner: str) -> Path:
    """Where to write: ``path``, or ``model.onnx`` inside it when it is a folder; its
    folder must exist (a mistyped folder is an error, not a new tree of folders)."""
    p = Path(path)
    if p.is_dir():
        return p / ONNX_FILENAME
    folder = p.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ModelFileError(f"{owner}: cannot write {p}: the folder {folder} {what}")
    return p


def export_onnx(model, path, *, opset: int = DEFAULT_OPSET, n_features=None) -> Path:
    """Write ``model`` as an ONNX file that answers as it does, from raw rows.

    Parameters
    ----------
    model : SavedModel, str, path-like, estimator or nn.Module
        A saved model (from :func:`glassnet.load` or :func:`glassnet.save`), a run folder
        or model file, a fitted ``MLPClassifier`` or ``MLPRegressor`` of
        :mod:`glassnet.sklearn`, or a bare network (an MLP, or a Sequential of Linear,
        activations, Dropout and Identity) with ``n_features``.
    path : str or path-like
        The ONNX file to write (or an existing folder, which receives ``model.onnx``).
    opset : int, default 21
        The ONNX operator set, from 13 to the newest the ``onnx`` package knows.
    n_features : int, optional
        The input width of a bare network (required for one).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    GlassnetError
        When the ``onnx`` package is missing (naming the ``glassnet[onnx]`` extra), or a
        module has no ONNX form.
    ModelFileError
        For a file that is not a model, or an output path whose folder does not exist.
    SettingError
        For an opset outside the range.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from glassnet import nn
    >>> net = nn.MLP([4, 8, 3], activation="relu", seed=0)
    >>> out = export_onnx(net, pathlib.Path(tempfile.mkdtemp()) / "net.onnx", n_features=4)
    >>> print(signature(out))
    inputs:
      features  float32  (N, 4)  x0, x1, x2, x3
    outputs:
      output  float32  (N, 3)
    """
    require_onnx()
    out = output_path(path, "export_onnx")
    proto = to_onnx(model, opset=opset, n_features=n_features)
    return files.atomic_write_bytes(out, proto.SerializeToString())


def to_onnx(model, *, opset: int = DEFAULT_OPSET, n_features=None):
    """The ONNX graph of ``model`` as an ``onnx.ModelProto``, checked, without a file.

    The parameters, and the errors, are those of :func:`export_onnx`; the graph passes
    ``onnx.checker.check_model(..., full_check=True)``.

    Examples
    --------
    >>> from glassnet import nn
    >>> proto = to_onnx(nn.MLP([2, 3, 1], activation="tanh", seed=0), n_features=2)
    >>> [node.op_type for node in proto.graph.node]
    ['Gemm', 'Tanh', 'Gemm']
    """
    onnx = require_onnx()
    opset = check_opset(opset, "export_onnx", onnx)
    proto = build(spec_for(model, n_features), opset, onnx)
    onnx.checker.check_model(proto, full_check=True)
    return proto


def build(spec: ExportSpec, opset: int, onnx):
    """The ModelProto of ``spec``: input, preprocessing, network, answers."""
    g = GraphBuilder(onnx)
    x = _inputs(g, spec)
    last = "logits" if spec.task == "classify" else "output/z"
    z = _stages.network(g, x, spec.layers, last if spec.task else "output")
    width = [m.out_features for _, m in spec.layers if isinstance(m, nn.Linear)][-1]
    if spec.task == "classify":
        label, p = _stages.classify(g, z, spec.label_names)
        kind = "int64" if _stages.label_array(spec.label_names).dtype.kind == "i" else "str"
        g.output(label, "label", kind, None, "class name")
        g.output(p, "probabilities", spec.dtype, width, ", ".join(map(str, spec.label_names)))
    elif spec.task == "regress":
        y = _stages.regress(g, z, spec.dtype, spec.target_scale)
        g.output(y, "prediction", "float64", None, f"{spec.target_name}, in its own units")
    else:
        g.output(z, "output", spec.dtype, width)
    return g.model(spec.description or "glassnet", opset, _metadata(spec), _doc(spec))


def _inputs(g, spec: ExportSpec) -> str:
    """The graph's inputs, encoded and standardised as the model was trained, in the
    network's dtype: a saved model's raw columns (:func:`._table.table_inputs`), or a
    bare network's ``features`` as they are."""
    if spec.columns is not None:
        x = table_inputs(g, spec.columns)
    else:
        x = g.input("features", spec.input_dtype, spec.n_features, ", ".join(spec.feature_names))
    if spec.mean is not None:
        return _stages.standardize(g, x, spec.mean, spec.scale, spec.dtype)
    if spec.input_dtype != spec.dtype:
        return _stages.cast(g, x, spec.dtype, "input/cast", "network_input")
    return x


def _metadata(spec: ExportSpec) -> dict[str, str]:
    from .. import __version__

    meta = {
        "glassnet_version": __version__,
        "task": spec.task or "none",
        "feature_names": json.dumps(spec.feature_names),
        "columns": json.dumps([c["name"] for c in spec.columns or []]),
        "model": spec.description,
    }
    if spec.task == "classify":
        meta["label_names"] = json.dumps(list(spec.label_names))
    if spec.task == "regress":
        meta["target_name"] = spec.target_name
    return meta | spec.extra_metadata


def _doc(spec: ExportSpec) -> str:
    return f"{spec.description} exported by glassnet; see the metadata for its columns"


def signature(model_or_path) -> str:
    """The inputs and outputs of an ONNX file (or ModelProto): name, type, shape, and
    the columns or classes they carry, one per line.

    Returns
    -------
    str
    """
    onnx = require_onnx()
    proto = model_or_path
    if isinstance(model_or_path, (str, os.PathLike)):
        try:
            proto = onnx.load(os.fspath(model_or_path))
        except Exception as exc:  # onnx raises DecodeError and others for a bad file
            raise ModelFileError(f"{model_or_path}: not an ONNX model ({exc})") from None
    lines = ["inputs:"]
    lines += [_describe(v) for v in proto.graph.input]
    lines += ["outputs:"]
    lines += [_describe(v) for v in proto.graph.output]
    return "\n".join(lines)


def _describe(value) -> str:
    t = value.type.tensor_type
    dims = [d.dim_param or str(d.dim_value) for d in t.shape.dim]
    shape = f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"
    kind = ELEMENT_NAMES.get(t.elem_type, str(t.elem_type))
    parts = [value.name, kind, shape] + ([value.doc_string] if value.doc_string else [])
    return "  " + "  ".join(parts)
