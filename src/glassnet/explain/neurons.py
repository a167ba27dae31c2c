"""One sample through a network, neuron by neuron, with the real numbers.

For each dense layer and each neuron ``j``: the weights times the inputs, plus the bias,
gives ``z[j]``; the activation of ``z[j]`` gives ``a[j]``; at the end the softmax turns the
output layer's ``z`` into class probabilities (or the output is scaled back to the
target's units). This is the forward pass the tutorials (docs/01 and docs/02) write out by
hand, done on a trained model. Every number comes from the tensor engine itself: the
weighted sums are shown term by term and the totals are the engine's results.
"""

from __future__ import annotations

import numpy as np

from ..errors import GlassnetError
from ..nn import Dropout, Identity, LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from ..tensor import Tensor, no_grad

__all__ = ["sample_arithmetic"]

_ACTIVATION_NAMES = {ReLU: "relu", LeakyReLU: "leaky_relu", Tanh: "tanh", Sigmoid: "sigmoid"}


def _v(v: float) -> str:
    """A number as the lines show it: 3 decimals."""
    return f"{round(float(v), 3) + 0.0:.3f}"  # + 0.0 turns -0.0 into 0.0


def _n(v: float) -> str:
    """A term of a sum: a negative number in parentheses, ``(-0.127)``."""
    text = _v(v)
    return f"({text})" if text.startswith("-") else text


def _vector(a: np.ndarray) -> str:
    return "[" + ", ".join(_v(v) for v in a) + "]"


def _blocks(model) -> list[tuple[Linear, object]]:
    """The dense layers, each with the activation module that follows it (or None)."""
    modules = [m for m in getattr(model, "layers", [model]) if not isinstance(m, Dropout)]
    blocks: list[tuple[Linear, object]] = []
    for m in modules:
        if isinstance(m, Linear):
            blocks.append((m, None))
        elif isinstance(m, (*_ACTIVATION_NAMES, Identity)) and blocks and blocks[-1][1] is None:
            blocks[-1] = (blocks[-1][0], m)
        else:
            raise GlassnetError(
                f"the neuron-by-neuron walk knows Linear layers and activations; this model "
                f"has a {type(m).__name__}"
            )
    return blocks


def _weighted_sum(W_row, a, b, max_terms: int) -> str:
    terms = [f"{_n(w)} * {_n(x)}" for w, x in zip(W_row, a)]
    if len(terms) > max_terms:
        hidden = len(terms) - (max_terms - 1)
        terms = terms[: max_terms - 1] + [f"... ({hidden} more terms)"]
    if b is not None:
        terms.append(_n(b))
    return " + ".join(terms)


def _layer_lines(k: int, linear: Linear, act, a_in, max_neurons: int, max_terms: int):
    """The lines of dense layer ``k``, and its output (after the activation)."""
    with no_grad():
        z = linear(Tensor(a_in[None, :])).data[0]  # (1, in) -> (1, out): the engine's z
        a = act(Tensor(z[None, :])).data[0] if act is not None else z
    name = _ACTIVATION_NAMES.get(type(act), None) if act is not None else None
    prev = "x" if k == 1 else f"a{k - 1}"
    n_out = linear.out_features
    lines = [
        f"layer {k}: z{k} = {prev} @ W{k}.T + b{k}, {n_out} neuron{'s' * (n_out > 1)}, "
        f"each a weighted sum of the {linear.in_features} values of {prev}"
    ]
    W, b = linear.weight.data, None if linear.bias is None else linear.bias.data
    for j in range(min(max_neurons, linear.out_features)):
        bias = None if b is None else b[j]
        lines.append(
            f"  neuron {j + 1}: z{k}[{j}] = "
            f"{_weighted_sum(W[j], a_in, bias, max_terms)} = {_v(z[j])}"
        )
        if name is not None:
            lines.append(f"            a{k}[{j}] = {name}({_v(z[j])}) = {_v(a[j])}")
    rest = linear.out_features - max_neurons
    if rest > 0:
        lines.append(
            f"  ... {rest} more neuron{'s' if rest > 1 else ''} "
            f"(neurons {max_neurons + 1} to {linear.out_features}), computed the "
            "same way"
        )
    lines.append(f"  z{k} = {_vector(z)}")
    if name is not None:
        lines.append(f"  a{k} = {name}(z{k}) = {_vector(a)}")
    return lines, np.asarray(a)


def _output_lines(z: np.ndarray, k: int, task, label_names, target, target_scale) -> list[str]:
    if task == "classify":
        zz = z.astype(np.float64)
        p = np.exp(zz - zz.max())
        p /= p.sum()
        best = int(p.argmax())
        names = label_names or [str(i) for i in range(len(z))]
        lines = [
            f"output: p = softmax(z{k}) = exp(z{k}) / sum(exp(z{k})) = {_vector(p)}",
            f"  predicted class: {names[best]} (p = {p[best]:.3f})",
        ]
        if target is not None:
            t = int(target)
            lines.append(
                f"  true class: {names[t]}; its loss = -log(p[{t}]) = "
                f"-log({p[t]:.3f}) = {-np.log(max(p[t], 1e-300)):.3f}"
            )
        return lines
    value = float(z[0])
    if target_scale:
        m, s = target_scale["mean"], target_scale["scale"]
        lines = [
            f"output: z{k}[0] = {_v(value)} is in standard units; prediction = "
            f"z * {s:.4g} + {m:.4g} = {value * s + m:.4g}"
        ]
        value = value * s + m
    else:
        lines = [f"output: prediction = z{k}[0] = {value:.4g}"]
    if target is not None:
        lines.append(f"  true value: {float(target):.4g}; error = {value - float(target):.4g}")
    return lines


def sample_arithmetic(
    model,
    x,
    *,
    task: str = "classify",
    label_names=None,
    target=None,
    target_scale=None,
    max_neurons: int = 3,
    max_terms: int = 8,
) -> list[str]:
    """The forward pass of one sample as lines of arithmetic, neuron by neuron.

    Parameters
    ----------
    model : nn.MLP (or a Sequential of Linear layers and activations)
    x : array of shape (n_features,)
        The sample as the network sees it (standardised, if the model was trained so).
    task : {"classify", "regress"}
        How to read the output: class probabilities, or a value.
    label_names : list of str, optional
        Class names, for the prediction.
    target : int or float, optional
        The true class index or value: adds the sample's loss or error.
    target_scale : dict, optional
        ``{"mean", "scale"}`` of a regression model trained on standardised targets.
    max_neurons : int
        Neurons of each layer written out in full; the others are summarised.
    max_terms : int
        Terms of a weighted sum written out; wider sums are shortened.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from glassnet import nn
    >>> model = nn.MLP([2, 2, 2], seed=0)
    >>> for line in sample_arithmetic(model, np.array([1.0, -1.0]), target=0)[:3]:
    ...     print(line)
    layer 1: z1 = x @ W1.T + b1, 2 neurons, each a weighted sum of the 2 values of x
      neuron 1: z1[0] = 0.126 * 1.000 + (-0.132) * (-1.000) + 0.000 = 0.258
                a1[0] = relu(0.258) = 0.258
    """
    a = np.asarray(x, dtype=model.parameters()[0].data.dtype).reshape(-1)
    lines: list[str] = []
    blocks = _blocks(model)
    for k, (linear, act) in enumerate(blocks, start=1):
        more, a = _layer_lines(k, linear, act, a, max_neurons, max_terms)
        lines += more
    lines += _output_lines(a, len(blocks), task, label_names, target, target_scale)
    return lines
