"""The stages of an exported graph, from a raw row to an answer, one function each.

Each stage takes the :class:`~._graph.GraphBuilder`, the name of the tensor it starts from
and what it needs from the :class:`~._spec.ExportSpec`, adds its nodes, and returns the
name of the tensor it ends with. They mirror, operation for operation, what
:class:`glassnet.SavedModel` does in NumPy, and the tests hold them to it.
"""

from __future__ import annotations

import numpy as np

from .. import nn

# ONNX element type numbers used by Cast.
_CAST_TO = {"float32": 1, "float64": 11}


def standardize(g, x: str, mean: np.ndarray, scale: np.ndarray, dtype: str) -> str:
    """``(x - mean) / scale`` in float64 on the raw float64 rows, as SavedModel does, then
    cast to the network's dtype."""
    z = g.node(
        "Sub", [x, g.constant("standardize.mean", mean)], "standardize/centred", "standardize/sub"
    )
    z = g.node(
        "Div", [z, g.constant("standardize.scale", scale)], "standardize/z", "standardize/div"
    )
    return cast(g, z, dtype, "standardize/cast", "network_input")


def cast(g, x: str, dtype: str, name: str, out: str) -> str:
    """``x`` converted to ``dtype`` ("float32" or "float64")."""
    return g.node("Cast", [x], out, name, to=_CAST_TO[dtype])


def network(g, x: str, layers, last: str) -> str:
    """The network's layers in order: each Linear as one Gemm (``x @ W.T + b``), each
    activation as its ONNX op, Dropout and Identity left out (they do nothing at inference).

    Tensors are named by hidden layer (``hidden1/z``, ``hidden1/relu``) and the network's
    final tensor ``last``; nodes are named after the modules (``layers.0``).
    """
    runs = [i for i, (_, m) in enumerate(layers) if not isinstance(m, (nn.Dropout, nn.Identity))]
    n_linear = sum(isinstance(m, nn.Linear) for _, m in layers)
    k = 0  # Linear layers seen so far
    for i, (name, m) in enumerate(layers):
        where = "input" if k == 0 else ("output" if k == n_linear else f"hidden{k}")
        out = last if i == runs[-1] else None
        if isinstance(m, nn.Linear):
            k += 1
            x = linear(g, x, m, name, out or f"hidden{k}/z")
        elif i in runs:
            x = activation(g, x, m, where, out)
    return x


def linear(g, x: str, m: nn.Linear, name: str, out: str) -> str:
    """``x @ W.T + b``: (N, in) -> (N, out), one Gemm with ``transB=1``, so that the weight
    keeps glassnet's (out_features, in_features) layout and its parameter name."""
    prefix = f"{name}." if name else ""
    inputs = [x, g.constant(f"{prefix}weight", m.weight.data)]
    if m.bias is not None:
        inputs.append(g.constant(f"{prefix}bias", m.bias.data))
    return g.node("Gemm", inputs, out, name or "linear", transB=1)


# Each activation module's ONNX op and the name its node and tensor take.
_ACTIVATION_OPS = {
    nn.ReLU: ("Relu", "relu"),
    nn.LeakyReLU: ("LeakyRelu", "leaky_relu"),
    nn.Tanh: ("Tanh", "tanh"),
    nn.Sigmoid: ("Sigmoid", "sigmoid"),
    nn.Softmax: ("Softmax", "softmax"),
}


def activation(g, x: str, m: nn.Module, where: str, out: str | None = None) -> str:
    """One activation module as its ONNX op, named ``where/relu`` etc.; every activation
    glassnet has is a single ONNX op (LeakyRelu with the module's slope as ``alpha``)."""
    op, short = _ACTIVATION_OPS[type(m)]
    name = f"{where}/{short}"
    attrs = {}
    if isinstance(m, nn.LeakyReLU):
        attrs["alpha"] = m.negative_slope
    if isinstance(m, nn.Softmax):  # axis 1 or -1, as the spec checked
        attrs["axis"] = 1
    return g.node(op, [x], out or name, name, **attrs)


def classify(g, logits: str, labels: list) -> tuple[str, str]:
    """``probabilities`` = softmax of the logits, (N, classes); ``label`` = the class name
    at the largest logit, (N,): ArgMax (the first on a tie, as NumPy) and a Gather from
    the constant tensor of label names."""
    p = g.node("Softmax", [logits], "probabilities", "output/softmax", axis=1)
    index = g.node("ArgMax", [logits], "label_index", "output/argmax", axis=1, keepdims=0)
    names = g.constant("label_names", label_array(labels))
    label = g.node("Gather", [names, index], "label", "output/label", axis=0)
    return label, p


def label_array(labels: list) -> np.ndarray:
    """The labels as a 1-D int64 array when they are all integers, else as strings."""
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in labels):
        return np.asarray(labels, dtype=np.int64)
    return np.asarray([str(v) for v in labels], dtype=object)


def regress(g, out: str, dtype: str, target_scale: dict | None) -> str:
    """The (N, 1) output in the target's units, (N,) float64: ``out * s + m`` in float64,
    as SavedModel undoes the standardisation of the target."""
    y = cast(g, out, "float64", "output/cast", "output/z64") if dtype != "float64" else out
    if target_scale:
        s = g.constant("target.scale", np.float64(target_scale["scale"]))
        m = g.constant("target.mean", np.float64(target_scale["mean"]))
        y = g.node("Mul", [y, s], "output/scaled", "output/unscale_mul")
        y = g.node("Add", [y, m], "output/shifted", "output/unscale_add")
    flat = g.constant("output.flat_shape", np.array([-1], dtype=np.int64))
    return g.node("Reshape", [y, flat], "prediction", "output/flatten")
