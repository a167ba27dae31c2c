"""Way 5: central finite differences, one weight at a time; no derivative is used."""

from __future__ import annotations

import numpy as np

from ..checks import positive_float
from ._problem import Gradients, _check
from .by_matrices import _ARRAY, _forward, _loss_and_grad


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
    positive_float(eps, "eps", "finite_differences")
    params, X, y = _check(params, X, y, activation, loss)
    act = _ARRAY[activation][0]

    def f() -> float:
        return _loss_and_grad(_forward(params, X, act)[-1], y, loss)[0]

    grads = [(_central(f, W, eps), _central(f, b, eps)) for W, b in params]  # moves params
    return Gradients(f(), grads)
