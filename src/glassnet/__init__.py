"""glassnet: a neural-network library built from first principles, where every step shows.

The scalar engine (:mod:`glassnet.scalar`) differentiates one number at a time; the tensor
engine (:class:`Tensor`) does the same mathematics on NumPy arrays, with layers
(:mod:`glassnet.nn`), losses (:mod:`glassnet.losses`) and optimizers (:mod:`glassnet.optim`)
on top, and the tools around them: data, training, model files and the command line.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:  # the version is written once, in pyproject.toml
    __version__ = _version("glassnet")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

from . import (
    data,
    errors,
    explain,
    io,
    losses,
    metrics,
    nn,
    optim,
    reference,
    saved,
    scalar,
    tensor,
    train,
)
from .data import (
    DataLoader,
    Dataset,
    Standardizer,
    load_dataset,
    prepare,
    read_csv,
    train_val_test_split,
)
from .errors import GlassnetError
from .explain import draw, to_dot, trace
from .export import export_onnx
from .gradcheck import gradcheck
from .saved import SavedModel, save
from .tensor import Tensor, enable_grad, is_grad_enabled, no_grad
from .train import Callback, History, Trainer


def load(path):
    """Load a model file written by :func:`save` or ``glassnet train``.

    Parameters
    ----------
    path : str or path-like
        A run folder (holding ``model.safetensors``) or a ``.safetensors`` model file.

    Returns
    -------
    SavedModel, or glassnet.sklearn.MLPClassifier or MLPRegressor
        A file saved from a fitted estimator gives that estimator back, with bit-identical
        predictions; any other file gives a :class:`SavedModel` (:func:`glassnet.saved.load`).

    Raises
    ------
    ModelFileError
        Naming the file and what is wrong with it.
    """
    model = saved.load(path)
    if "estimator" not in model.config:
        return model
    from .sklearn import from_saved  # scikit-learn only for a file that holds an estimator

    return from_saved(model)


__all__ = [
    # engines
    "scalar",
    "tensor",
    "Tensor",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "nn",
    "losses",
    "optim",
    "metrics",
    "reference",
    # checking, tracing and drawing
    "gradcheck",
    "explain",
    "trace",
    "to_dot",
    "draw",
    # data and files
    "data",
    "Dataset",
    "load_dataset",
    "read_csv",
    "prepare",
    "train_val_test_split",
    "Standardizer",
    "DataLoader",
    "io",
    # training and trained models
    "train",
    "Trainer",
    "History",
    "Callback",
    "SavedModel",
    "save",
    "load",
    "export_onnx",
    # errors (the subclasses are in glassnet.errors)
    "errors",
    "GlassnetError",
]
