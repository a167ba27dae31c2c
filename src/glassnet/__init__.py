"""glassnet: a neural-network library built from first principles, where every step shows.

The scalar engine (:mod:`glassnet.scalar`) differentiates one number at a time; the tensor
engine (:class:`Tensor`) does the same mathematics on NumPy arrays, with layers
(:mod:`glassnet.nn`), losses (:mod:`glassnet.losses`) and optimizers (:mod:`glassnet.optim`)
on top, and the tools around them: data, training, model files and the command line.
"""

__version__ = "0.1.0"

from . import (
    data,
    errors,
    explain,
    graph,
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
    list_datasets,
    load_dataset,
    read_csv,
    train_val_test_split,
)
from .errors import (
    DataError,
    DomainError,
    GlassnetError,
    GradcheckError,
    GraphError,
    GraphvizNotFoundError,
    ModelFileError,
    ShapeError,
    TrainingDiverged,
)
from .explain import Trace, trace
from .gradcheck import GradcheckReport, gradcheck
from .graph import Drawing, draw, to_dot
from .io import load_checkpoint, load_model, save_checkpoint, save_model
from .saved import SavedModel, load, save
from .tensor import Tensor, enable_grad, is_grad_enabled, no_grad
from .train import Callback, History, Trainer

__all__ = [
    "__version__",
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
    # checking and drawing
    "gradcheck",
    "GradcheckReport",
    "graph",
    "to_dot",
    "draw",
    "Drawing",
    "explain",
    "trace",
    "Trace",
    # data and files
    "data",
    "Dataset",
    "load_dataset",
    "list_datasets",
    "read_csv",
    "train_val_test_split",
    "Standardizer",
    "DataLoader",
    "io",
    "save_model",
    "load_model",
    "save_checkpoint",
    "load_checkpoint",
    # training and trained models
    "train",
    "Trainer",
    "History",
    "Callback",
    "TrainingDiverged",
    "saved",
    "SavedModel",
    "load",
    "save",
    # errors
    "errors",
    "GlassnetError",
    "ShapeError",
    "DomainError",
    "DataError",
    "ModelFileError",
    "GradcheckError",
    "GraphError",
    "GraphvizNotFoundError",
]
