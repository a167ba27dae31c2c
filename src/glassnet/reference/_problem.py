"""What every way shares: the result type, the input checks and a random test problem."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..errors import DataError, DomainError, ShapeError

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
