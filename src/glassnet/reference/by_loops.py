"""Way 1: Python loops over samples, neurons and weights; every multiply-add written out."""

from __future__ import annotations

import math

import numpy as np

from ._problem import Gradients, _check


def _sigmoid(z: float) -> float:
    """1 / (1 + e^-z), written as (1 + tanh(z/2)) / 2, which never overflows."""
    return 0.5 * (1.0 + math.tanh(0.5 * z))


# activation, and its derivative written with the activation's output s
_SCALAR = {
    "tanh": (math.tanh, lambda s: 1.0 - s * s),
    "sigmoid": (_sigmoid, lambda s: s * (1.0 - s)),
}


def _loops_forward(Ws, bs, x, act):
    """One sample through the network; ``acts[l]`` is the input of layer l."""
    acts = [x]
    last = len(Ws) - 1
    for layer, (W, b) in enumerate(zip(Ws, bs)):
        inputs = acts[-1]
        outputs = []
        for j in range(len(W)):  # neuron j of this layer
            z = 0.0
            for i in range(len(inputs)):
                z += W[j][i] * inputs[i]  # weight times input
            z += b[j]  # plus the bias
            outputs.append(z if layer == last else act(z))
        acts.append(outputs)
    return acts


def _loops_loss(out, target, loss: str, n: int):
    """This sample's share of the loss, and dLoss/d(output) for each output neuron."""
    k = len(out)
    if loss == "mse":
        share = sum((out[c] - target[c]) ** 2 for c in range(k)) / (n * k)
        return share, [2.0 * (out[c] - target[c]) / (n * k) for c in range(k)]
    m = max(out)  # shift for exp; it cancels from the result
    lse = m + math.log(sum(math.exp(out[c] - m) for c in range(k)))
    share = (lse - out[target]) / n
    return share, [(math.exp(out[c] - lse) - (c == target)) / n for c in range(k)]


def _loops_backward(Ws, acts, d_out, dact, dWs, dbs) -> None:
    """Add one sample's gradients to dWs and dbs, layer by layer from the output."""
    delta = d_out  # dLoss/dz of the output layer: its activation is the identity
    for layer in range(len(Ws) - 1, -1, -1):
        W, inputs = Ws[layer], acts[layer]
        for j in range(len(W)):
            dbs[layer][j] += delta[j]  # dz_j/db_j = 1
            for i in range(len(inputs)):
                dWs[layer][j][i] += delta[j] * inputs[i]  # dz_j/dW_ji = input i
        if layer == 0:
            break
        prev = []  # dLoss/dz of the layer below: through every neuron j that reads input i
        for i in range(len(inputs)):
            back = 0.0
            for j in range(len(W)):
                back += W[j][i] * delta[j]
            prev.append(back * dact(inputs[i]))  # times sigma'(z_i), from a_i = sigma(z_i)
        delta = prev


def loops(params, X, y, *, activation: str = "tanh", loss: str = "mse") -> Gradients:
    """Way 1: Python loops over samples, neurons and weights, forward and backward.

    Forward, for each sample and each neuron ``j`` of each layer:
    ``z_j = sum_i W[j, i] x_i + b_j``, then ``a_j = sigma(z_j)`` (``a_j = z_j`` in the
    output layer). Backward, from the output layer down, with ``delta_j = dLoss/dz_j``:
    ``dW[j, i] += delta_j * x_i``, ``db[j] += delta_j``, and for the layer below
    ``delta_i = (sum_j W[j, i] delta_j) * sigma'(z_i)``. The per-sample gradients are
    summed; the loss's averaging is inside dLoss/d(output).

    Parameters
    ----------
    params : list of (W, b)
        One pair per layer: ``W`` array of shape (out, in), ``b`` of shape (out,).
    X : array of shape (n_samples, in)
        The inputs.
    y : array
        Targets of shape (n_samples, n_outputs) for ``"mse"``; integer class indices of
        shape (n_samples,) for ``"cross_entropy"``.
    activation : {'tanh', 'sigmoid'}
        Activation of the hidden layers; the output layer is linear.
    loss : {'mse', 'cross_entropy'}
        Mean squared error over all outputs, or softmax cross-entropy averaged over samples.

    Returns
    -------
    Gradients
        ``(loss, [(dW, db), ...])`` in float64, shaped like ``params``.

    Raises
    ------
    ShapeError
        When the shapes of the layers, inputs and targets do not line up.
    DomainError
        For an unknown activation or loss.
    DataError
        For non-finite numbers or class indices out of range.

    Examples
    --------
    >>> params = [(np.array([[2.0]]), np.array([0.0]))]   # one neuron: z = 2 x
    >>> loss, [(dW, db)] = loops(params, [[1.0]], [[0.0]])
    >>> loss, dW.tolist(), db.tolist()                  # (2 - 0)**2; 2 (2 - 0) x; 2 (2 - 0)
    (4.0, [[4.0]], [4.0])
    """
    params, X, y = _check(params, X, y, activation, loss)
    act, dact = _SCALAR[activation]
    Ws = [W.tolist() for W, _ in params]
    bs = [b.tolist() for _, b in params]
    dWs = [[[0.0] * len(row) for row in W] for W in Ws]
    dbs = [[0.0] * len(b) for b in bs]
    total = 0.0
    for x, target in zip(X.tolist(), y.tolist()):
        acts = _loops_forward(Ws, bs, x, act)
        share, d_out = _loops_loss(acts[-1], target, loss, len(X))
        total += share
        _loops_backward(Ws, acts, d_out, dact, dWs, dbs)
    return Gradients(total, [(np.array(dW), np.array(db)) for dW, db in zip(dWs, dbs)])
