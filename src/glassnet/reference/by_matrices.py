"""Way 2: backpropagation in matrix form, derived by hand, in NumPy."""

from __future__ import annotations

import numpy as np

from ._problem import Gradients, _check


def _sigmoid_array(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + e^-z), without overflow


# activation, and its derivative written with the activation's output s
_ARRAY = {
    "tanh": (np.tanh, lambda s: 1.0 - s * s),
    "sigmoid": (_sigmoid_array, lambda s: s * (1.0 - s)),
}


def _forward(params, X, act) -> list[np.ndarray]:
    """Every layer's output for the whole batch; ``A[l]`` is the input of layer l."""
    A = [X]
    last = len(params) - 1
    for layer, (W, b) in enumerate(params):
        Z = A[-1] @ W.T + b  # (N, in) @ (in, out) + (out,) -> (N, out)
        A.append(Z if layer == last else act(Z))
    return A


def _loss_and_grad(out: np.ndarray, y: np.ndarray, loss: str) -> tuple[float, np.ndarray]:
    """The loss and dLoss/d(out) for the batch of outputs ``out`` (N, K)."""
    n = len(out)
    if loss == "mse":
        d = out - y  # (N, K)
        return float(np.mean(d * d)), 2.0 * d / d.size
    shifted = out - out.max(axis=1, keepdims=True)  # (N, K); the shift cancels
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (N, K) log-softmax
    rows = np.arange(n)
    d = np.exp(logp)  # softmax, (N, K)
    d[rows, y] -= 1.0  # softmax - one_hot(y)
    return float(-logp[rows, y].mean()), d / n


def matrix_backprop(params, X, y, *, activation: str = "tanh", loss: str = "mse") -> Gradients:
    """Way 2: backpropagation in matrix form, derived by hand, for the whole batch at once.

    With one sample as a column vector, layer ``l`` computes ``z^l = W^l a^{l-1} + b^l`` and
    ``a^l = sigma(z^l)``, and the chain rule gives, with ``*`` the element-wise product:

    - ``delta^L = dLoss/da^L * sigma'(z^L)`` (here ``sigma' = 1``: the output is linear),
    - ``delta^{l-1} = (W^l)^T delta^l * sigma'(z^{l-1})``,
    - ``dLoss/dW^l = delta^l (a^{l-1})^T`` and ``dLoss/db^l = delta^l``.

    With the N samples as the rows of ``Delta`` (N, out) and ``A`` (N, in), the same
    formulas read ``Delta^{l-1} = (Delta^l @ W^l) * sigma'(Z^{l-1})``,
    ``dW^l = (Delta^l)^T @ A^{l-1}`` (the sum of the N outer products) and ``db^l`` the
    column sums of ``Delta^l``.

    Parameters, Returns and Raises are those of :func:`loops`.

    Examples
    --------
    >>> params = [(np.array([[2.0]]), np.array([0.0]))]
    >>> matrix_backprop(params, [[1.0]], [[0.0]]).loss
    4.0
    """
    params, X, y = _check(params, X, y, activation, loss)
    act, dact = _ARRAY[activation]
    A = _forward(params, X, act)  # A[0] = X (N, in), ..., A[L] the outputs (N, K)
    value, delta = _loss_and_grad(A[-1], y, loss)  # delta^L = dLoss/dA^L (N, K), sigma' = 1
    grads = [None] * len(params)
    for layer in range(len(params) - 1, -1, -1):  # l = L, ..., 1 in the formulas
        W = params[layer][0]  # W^l, (out, in)
        dW = delta.T @ A[layer]  # (out, N) @ (N, in) -> (out, in)
        db = delta.sum(axis=0)  # (N, out) -> (out,)
        grads[layer] = (dW, db)
        if layer > 0:  # A[layer] = sigma(Z^{l-1}), so sigma'(Z^{l-1}) = dact(A[layer])
            delta = (delta @ W) * dact(A[layer])  # (N, out) @ (out, in) -> (N, in)
    return Gradients(value, grads)
