"""Export to ONNX: a trained model, its preprocessing and its labels as one graph.

``export_onnx(model, "model.onnx")`` writes a graph that any ONNX runtime (onnxruntime,
onnxruntime-web, ...) runs from a raw row to an answer, with the same numbers as
:class:`glassnet.SavedModel`. The ``onnx`` package is needed only here, and imported only
when an export runs (``pip install 'glassnet[onnx]'``).

The signature of an exported saved model:

- input ``features``: float64, shape (N, n_numbers), the number columns in the order of
  the model's columns (listed in the input's doc string), as raw as they are in the data,
  NaN where a cell is missing: the graph fills and standardises them;
- for a table with category columns, one string input per category column, named after
  it, shape (N,), one-hot encoded in the graph (a missing cell, empty or NA, takes the
  stored fill; a category not seen in training is all zeros);
- for a classifier, outputs ``label``, shape (N,), the class names (strings, or int64 when
  every label is an integer), and ``probabilities``, shape (N, n_classes), in the
  network's dtype (float32 unless it was built in float64), column k for class k;
- for a regressor, output ``prediction``, float64, shape (N,), in the target's own units.

A bare network (exported with ``n_features``) takes ``features`` in its own dtype and
returns its raw ``output``, (N, n_outputs). N, the batch, is dynamic.

Inside, each stage is a handful of named nodes: ``standardize/sub`` and
``standardize/div``; one ``Gemm`` per Linear layer, named after it (``layers.0``, with its
constants ``layers.0.weight`` and ``layers.0.bias``); the activations (``hidden1/tanh``);
``output/softmax``, ``output/argmax`` and ``output/label`` (a Gather from the constant
``label_names``). Dropout is left out, as at inference. The model's metadata properties
hold ``glassnet_version``, ``task``, ``columns``, ``feature_names`` (the network's
inputs), ``label_names`` (JSON lists) and ``model``.
"""

from ._export import (
    DEFAULT_OPSET,
    MIN_OPSET,
    check_opset,
    export_onnx,
    require_onnx,
    signature,
    to_onnx,
)

__all__ = [
    "export_onnx",
    "to_onnx",
    "signature",
    "check_opset",
    "require_onnx",
    "DEFAULT_OPSET",
    "MIN_OPSET",
]
