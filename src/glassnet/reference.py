"""One network, five ways, one answer: the gradients of a small MLP computed five ways.

The network has tanh or sigmoid hidden layers and a linear output layer, as
:class:`glassnet.nn.MLP` does. Layer ``l`` holds ``W`` of shape (out, in) and ``b`` of
shape (out,), and computes, for one sample ``x`` of shape (in,),

    z_j = sum_i W[j, i] * x[i] + b[j]        (the weighted sum of neuron j)
    a_j = sigma(z_j)                          (its activation; a_j = z_j in the last layer)

The loss is the mean squared error over all N * K outputs (``loss="mse"``, targets of
shape (N, K)) or the softmax cross-entropy averaged over the N samples
(``loss="cross_entropy"``, targets: class indices of shape (N,)).

Each of the five functions takes the same arguments and returns the same
:class:`Gradients` ``(loss, [(dW, db), ...])``, one pair per layer:

1. :func:`loops`: Python loops over samples, neurons and weights, forward and backward;
2. :func:`matrix_backprop`: the hand-derived matrix form of backpropagation in NumPy;
3. :func:`tensor_engine`: :class:`glassnet.nn.MLP` and :mod:`glassnet.losses` on the
   Tensor engine;
4. :func:`scalar_engine`: :class:`glassnet.scalar.MLP`, one :class:`~glassnet.scalar.Value`
   per number;
5. :func:`finite_differences`: central differences ``(L(p + eps) - L(p - eps)) / (2 eps)``.

The activations are smooth, so in float64 the central differences are accurate to about
1e-10 and all five agree to 1e-8: :func:`five_ways` runs them all and
:func:`max_disagreement` measures how far apart they are.

Examples
--------
>>> params, X, y = random_problem((3, 4, 3, 2), n_samples=5, seed=0)
>>> results = five_ways(params, X, y, activation="tanh", loss="mse")
>>> list(results)
['loops', 'matrix_backprop', 'tensor_engine', 'scalar_engine', 'finite_differences']
>>> max_disagreement(results) < 1e-8
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from . import losses
from .errors import DataError, DomainError, ShapeError
from .nn import MLP, Linear
from .scalar import MLP as ScalarMLP
from .tensor import Tensor

__all__ = [
    "Gradients", "ACTIVATIONS", "LOSSES", "WAYS",
    "loops", "matrix_backprop", "tensor_engine", "scalar_engine", "finite_differences",
    "five_ways", "max_disagreement", "random_problem",
]  # fmt: skip

ACTIVATIONS = ("tanh", "sigmoid")
"""Hidden-layer activations: smooth, so that finite differences are accurate."""

LOSSES = ("mse", "cross_entropy")
"""The losses every way can compute."""


class Gradients(NamedTuple):
    """The loss and its gradient with respect to every layer's parameters.

    Attributes
    ----------
    loss : float
        The loss at the given weights.
    grads : list of (dW, db)
        For each layer, dLoss/dW of shape (out, in) and dLoss/db of shape (out,): the
        shapes of that layer's (W, b).
    """

    loss: float
    grads: list


# ------------------------------------------------------------------------- validation


def _check(params, X, y, activation: str, loss: str):
    """float64 copies of the inputs (finite differences move the copies, never the
    caller's arrays), after checking that the shapes line up and the numbers are finite."""
    if activation not in ACTIVATIONS:
        raise DomainError(
            f"reference: activation must be 'tanh' or 'sigmoid' (smooth, so that finite "
            f"differences are exact), got {activation!r}"
        )
    if loss not in LOSSES:
        raise DomainError(f"reference: loss must be 'mse' or 'cross_entropy', got {loss!r}")
    params = _check_params(params)
    X = np.array(X, dtype=np.float64)
    n_in, k = params[0][0].shape[1], params[-1][0].shape[0]
    if X.ndim != 2 or X.shape[1] != n_in or len(X) == 0:
        raise ShapeError(
            f"reference: X of shape {X.shape} for a first layer W of shape "
            f"{params[0][0].shape}: expected (n_samples, {n_in})"
        )
    y = _check_targets(y, len(X), k, loss)
    if not all(np.isfinite(a).all() for a in [X, y, *(p for pair in params for p in pair)]):
        raise DataError("reference: the weights, inputs or targets hold NaN or infinity")
    return params, X, y


def _check_params(params) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for k, (W, b) in enumerate(params):
        W, b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
        n_prev = out[-1][0].shape[0] if out else None
        if W.ndim != 2 or b.shape != W.shape[:1] or n_prev not in (None, W.shape[1]):
            expected = f"({W.shape[0] if W.ndim else 'out'}, {n_prev or 'in'})"
            raise ShapeError(
                f"reference: layer {k} has W of shape {W.shape} and b of shape {b.shape}: "
                f"expected W of shape {expected} and b of shape (out,)"
            )
        out.append((W, b))
    if not out:
        raise ShapeError("reference: params is empty: expected a list of (W, b) pairs")
    return out


def _check_targets(y, n: int, k: int, loss: str) -> np.ndarray:
    if loss == "mse":
        y = np.array(y, dtype=np.float64)
        if y.shape != (n, k):
            raise ShapeError(
                f"reference: mse targets of shape {y.shape} for {n} samples and {k} "
                f"outputs: expected ({n}, {k})"
            )
        return y
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ShapeError(
            f"reference: cross_entropy targets must be {n} integer class indices, shape "
            f"({n},), got {y.dtype} of shape {y.shape}"
        )
    if y.min() < 0 or y.max() >= k:
        raise DataError(
            f"reference: class indices must lie in 0..{k - 1} for {k} outputs, "
            f"found {y.min()}..{y.max()}"
        )
    return y.astype(np.int64)


# ------------------------------------------------------------------- way 1: loops


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


# --------------------------------------------------------- way 2: matrix backprop


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


# ------------------------------------------------------------- way 3: tensor engine


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


# ------------------------------------------------------------- way 4: scalar engine


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
        (np.array([[w.grad for w in n.w] for n in layer.neurons]),
         np.array([n.b.grad for n in layer.neurons]))
        for layer in model.layers
    ]  # fmt: skip
    return Gradients(value.data, grads)


# ------------------------------------------------------- way 5: finite differences


def _central(f, p: np.ndarray, eps: float) -> np.ndarray:
    """dF/dp entry by entry: (f(p + eps e_i) - f(p - eps e_i)) / (2 eps)."""
    g = np.zeros_like(p)
    flat, g_flat = p.reshape(-1), g.reshape(-1)  # views: writes reach p and g
    for i in range(flat.size):
        p0 = flat[i]
        flat[i] = p0 + eps
        up = f()
        flat[i] = p0 - eps
        down = f()
        flat[i] = p0
        g_flat[i] = (up - down) / (2.0 * eps)
    return g


def finite_differences(
    params, X, y, *, activation: str = "tanh", loss: str = "mse", eps: float = 1e-5
) -> Gradients:
    """Way 5: central finite differences, one weight at a time; no derivative is used.

    ``dLoss/dp ~ (Loss(p + eps) - Loss(p - eps)) / (2 eps)``, whose error is
    ``eps**2 / 6 * Loss'''(p)`` plus rounding of about ``1e-16 / eps``: with the default
    ``eps = 1e-5`` and smooth activations, about 1e-10 in float64.

    Parameters
    ----------
    params, X, y, activation, loss
        As for :func:`loops`.
    eps : float
        The step.

    Returns
    -------
    Gradients
        As for :func:`loops`.

    Examples
    --------
    >>> params = [(np.array([[2.0]]), np.array([0.0]))]
    >>> loss, [(dW, db)] = finite_differences(params, [[1.0]], [[0.0]])
    >>> bool(abs(dW[0, 0] - 4.0) < 1e-8)
    True
    """
    if not eps > 0:
        raise DomainError(f"finite_differences: eps must be > 0, got {eps}")
    params, X, y = _check(params, X, y, activation, loss)
    act = _ARRAY[activation][0]

    def f() -> float:
        return _loss_and_grad(_forward(params, X, act)[-1], y, loss)[0]

    grads = [(_central(f, W, eps), _central(f, b, eps)) for W, b in params]  # moves params
    return Gradients(f(), grads)


# ---------------------------------------------------------------------- all five


WAYS = {
    "loops": loops,
    "matrix_backprop": matrix_backprop,
    "tensor_engine": tensor_engine,
    "scalar_engine": scalar_engine,
    "finite_differences": finite_differences,
}
"""The five ways, by name, in the order :func:`five_ways` runs them."""


def five_ways(params, X, y, *, activation: str = "tanh", loss: str = "mse") -> dict:
    """Compute the loss and gradients every way.

    Parameters and Raises are those of :func:`loops`.

    Returns
    -------
    dict of str to Gradients
        Keyed by the names of :data:`WAYS`, in that order.

    Examples
    --------
    >>> params, X, y = random_problem((2, 3, 3), loss="cross_entropy", seed=1)
    >>> results = five_ways(params, X, y, activation="sigmoid", loss="cross_entropy")
    >>> [round(r.loss, 10) == round(results["loops"].loss, 10) for r in results.values()]
    [True, True, True, True, True]
    """
    return {name: way(params, X, y, activation=activation, loss=loss) for name, way in WAYS.items()}


def _flatten(g: Gradients) -> np.ndarray:
    """The loss followed by every gradient entry, as one float64 vector."""
    parts = [np.array([g.loss], dtype=np.float64)]
    for dW, db in g.grads:
        parts += [np.ravel(dW), np.ravel(db)]
    return np.concatenate(parts).astype(np.float64)


def max_disagreement(results) -> float:
    """The largest absolute difference between any two results, over the loss and every
    gradient entry.

    Parameters
    ----------
    results : dict of str to Gradients, or sequence of Gradients
        Typically the output of :func:`five_ways`; at least one result.

    Returns
    -------
    float
        ``max over entries of (largest value - smallest value)``; 0.0 when all agree.

    Raises
    ------
    ShapeError
        When the results do not have the same layers and shapes.

    Examples
    --------
    >>> a = Gradients(1.0, [(np.array([[0.5]]), np.array([0.25]))])
    >>> b = Gradients(1.0, [(np.array([[0.5]]), np.array([0.75]))])
    >>> max_disagreement({"a": a, "b": b})
    0.5
    """
    items = list(results.items()) if isinstance(results, Mapping) else list(enumerate(results))
    if not items:
        raise ShapeError("max_disagreement: expected at least one result")
    shapes = [[(np.shape(dW), np.shape(db)) for dW, db in g.grads] for _, g in items]
    for (name, _), s in zip(items, shapes):
        if s != shapes[0]:
            raise ShapeError(
                f"max_disagreement: result {name!r} has gradient shapes {s}, "
                f"result {items[0][0]!r} has {shapes[0]}"
            )
    M = np.stack([_flatten(g) for _, g in items])  # (n_results, 1 + n_parameters)
    return float((M.max(axis=0) - M.min(axis=0)).max())  # (1 + n_parameters,) -> scalar


def random_problem(sizes=(3, 4, 3, 2), n_samples: int = 4, *, loss: str = "mse", seed: int = 0):
    """A small random network, inputs and targets to feed the five ways.

    W ~ N(0, 1 / in), b ~ N(0, 0.25) (non-zero, so their gradients count), X ~ N(0, 1);
    targets ~ N(0, 1) for ``"mse"``, uniform class indices for ``"cross_entropy"``.

    Parameters
    ----------
    sizes : sequence of int
        Widths from input to output, at least two.
    n_samples : int
        Rows of ``X``.
    loss : {'mse', 'cross_entropy'}
        Chooses the kind of targets.
    seed : int
        Seed of the generator: the same seed gives the same problem.

    Returns
    -------
    params : list of (W, b)
        ``W`` float64 of shape (out, in), ``b`` of shape (out,).
    X : array of shape (n_samples, sizes[0])
    y : array of shape (n_samples, sizes[-1]), or (n_samples,) class indices

    Examples
    --------
    >>> params, X, y = random_problem((3, 4, 2), n_samples=5)
    >>> [W.shape for W, _ in params], X.shape, y.shape
    ([(4, 3), (2, 4)], (5, 3), (5, 2))
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1 or n_samples < 1:
        raise ShapeError(
            f"random_problem: needs at least two positive sizes and one sample, got sizes "
            f"{sizes} and n_samples={n_samples}"
        )
    if loss not in LOSSES:
        raise DomainError(f"random_problem: loss must be 'mse' or 'cross_entropy', got {loss!r}")
    rng = np.random.default_rng(seed)
    params = [
        (rng.standard_normal((n_out, n_in)) / math.sqrt(n_in), 0.5 * rng.standard_normal(n_out))
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    ]
    X = rng.standard_normal((n_samples, sizes[0]))
    if loss == "mse":
        y = rng.standard_normal((n_samples, sizes[-1]))
    else:
        y = rng.integers(0, sizes[-1], size=n_samples)
    return params, X, y
