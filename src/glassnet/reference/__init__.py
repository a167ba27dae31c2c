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

1. :func:`loops` (``by_loops.py``): Python loops over samples, neurons and weights,
   forward and backward;
2. :func:`matrix_backprop` (``by_matrices.py``): the hand-derived matrix form of
   backpropagation in NumPy;
3. :func:`tensor_engine` (``by_engines.py``): :class:`glassnet.nn.MLP` and
   :mod:`glassnet.losses` on the Tensor engine;
4. :func:`scalar_engine` (``by_engines.py``): :class:`glassnet.scalar.MLP`, one
   :class:`~glassnet.scalar.Value` per number;
5. :func:`finite_differences` (``by_differences.py``): central differences
   ``(L(p + eps) - L(p - eps)) / (2 eps)``.

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

from collections.abc import Mapping

import numpy as np

from ..errors import ShapeError
from ._problem import ACTIVATIONS, LOSSES, Gradients, random_problem
from .by_differences import finite_differences
from .by_engines import scalar_engine, tensor_engine
from .by_loops import loops
from .by_matrices import matrix_backprop

__all__ = [
    "Gradients",
    "ACTIVATIONS",
    "LOSSES",
    "WAYS",
    "loops",
    "matrix_backprop",
    "tensor_engine",
    "scalar_engine",
    "finite_differences",
    "five_ways",
    "max_disagreement",
    "random_problem",
]


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
