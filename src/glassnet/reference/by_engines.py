"""Ways 3 and 4: glassnet's own engines, Tensor (whole arrays) and Value (one number)."""

from __future__ import annotations

import numpy as np

from .. import losses
from ..nn import MLP, Linear
from ..scalar import MLP as ScalarMLP
from ..tensor import Tensor
from ._problem import Gradients, _check


def tensor_engine(params, X, y, *, activation: str = "tanh", loss: str = "mse") -> Gradients:
    """Way 3: the Tensor engine, through :class:`glassnet.nn.MLP` and :mod:`glassnet.losses`.

    The weights are loaded into a float64 ``MLP`` (Linear layers ``z = x @ W.T + b`` with
    the activation between them), the loss is :func:`glassnet.losses.mse` or
    :func:`glassnet.losses.cross_entropy`, and ``loss.backward()`` fills every
    parameter's ``.grad`` by the engine's chain rule.

    Parameters, Returns and Raises are those of :func:`loops`.

    Examples
    --------
    >>> params = [(np.array([[2.0]]), np.array([0.0]))]
    >>> tensor_engine(params, [[1.0]], [[0.0]]).grads[0][0].tolist()
    [[4.0]]
    """
    params, X, y = _check(params, X, y, activation, loss)
    sizes = [params[0][0].shape[1]] + [W.shape[0] for W, _ in params]
    model = MLP(sizes, activation=activation, seed=0, dtype=np.float64)
    linears = [m for m in model.layers if isinstance(m, Linear)]
    for layer, (W, b) in zip(linears, params):
        layer.weight.data[...] = W  # (out, in), as glassnet.nn stores it
        layer.bias.data[...] = b
    out = model(Tensor(X))  # (N, K)
    value = losses.mse(out, y) if loss == "mse" else losses.cross_entropy(out, y)
    value.backward()
    grads = [(layer.weight.grad.copy(), layer.bias.grad.copy()) for layer in linears]
    return Gradients(value.item(), grads)


def _scalar_loss(outs, y, loss: str):
    """The loss as one Value, from a list of N lists of K output Values."""
    n = len(outs)
    if loss == "mse":
        k = len(outs[0])
        return sum((o - t) ** 2 for row, ts in zip(outs, y) for o, t in zip(row, ts)) / (n * k)
    total = 0
    for row, target in zip(outs, y):
        m = max(o.data for o in row)  # a plain number: the shift cancels from the gradient
        lse = sum((o - m).exp() for o in row).log() + m
        total = total + (lse - row[target])
    return total / n


def scalar_engine(params, X, y, *, activation: str = "tanh", loss: str = "mse") -> Gradients:
    """Way 4: the scalar engine, one :class:`~glassnet.scalar.Value` per number.

    The weights are copied into a :class:`glassnet.scalar.MLP` (``W[j, i]`` is weight i of
    neuron j, ``b[j]`` its bias), each sample runs through it, the loss is built from
    Values, and ``backward()`` fills every weight's ``.grad``.

    Parameters, Returns and Raises are those of :func:`loops`.

    Examples
    --------
    >>> params = [(np.array([[2.0]]), np.array([0.0]))]
    >>> scalar_engine(params, [[1.0]], [[0.0]]).grads[0][1].tolist()
    [4.0]
    """
    params, X, y = _check(params, X, y, activation, loss)
    sizes = [W.shape[0] for W, _ in params]
    model = ScalarMLP(params[0][0].shape[1], sizes, activation=activation, seed=0)
    for layer, (W, b) in zip(model.layers, params):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(W[j, i])
            neuron.b.data = float(b[j])
    outs = []
    for x in X.tolist():
        for layer in model.layers:
            x = layer(x)  # always a list of Values
        outs.append(x)
    value = _scalar_loss(outs, y.tolist(), loss)
    value.backward()
    grads = [
        (
            np.array([[w.grad for w in n.w] for n in layer.neurons]),
            np.array([n.b.grad for n in layer.neurons]),
        )
        for layer in model.layers
    ]
    return Gradients(value.data, grads)
