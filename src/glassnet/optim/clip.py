"""Gradient clipping by global norm."""

from __future__ import annotations

import math

import numpy as np

from ..checks import nonnegative_float
from ..errors import DomainError
from .optimizers import _named_tensors

__all__ = ["clip_grad_norm_"]


def clip_grad_norm_(params, max_norm: float, error_if_nonfinite: bool = False) -> float:
    """Scale all gradients together so that their global L2 norm is at most ``max_norm``.

    The norm is taken over all gradients as one vector, ``sqrt(sum_p sum(p.grad**2))``. If
    it exceeds ``max_norm``, every gradient is multiplied by ``max_norm / (norm + 1e-6)``
    (new arrays: gradients are never modified in place). Parameters without a gradient are
    ignored.

    Parameters
    ----------
    params : iterable of Tensor, or of (name, Tensor) pairs
    max_norm : float
    error_if_nonfinite : bool
        Raise :class:`~glassnet.errors.DomainError` if the norm is inf or NaN.

    Returns
    -------
    float
        The global norm before clipping.

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> w = Parameter([0.0, 0.0])
    >>> w.grad = np.array([3.0, 4.0], dtype=np.float32)
    >>> clip_grad_norm_([w], max_norm=1.0)
    5.0
    >>> np.round(w.grad, 4).tolist()
    [0.6000000238418579, 0.800000011920929]
    """
    _, tensors = _named_tensors(params, "clip_grad_norm_")
    max_norm = nonnegative_float(max_norm, "max_norm", "clip_grad_norm_")
    with_grad = [p for p in tensors if p.grad is not None]
    total = 0.0
    for p in with_grad:
        g = np.ravel(p.grad)
        total += float(np.dot(g, g))
    total = math.sqrt(total)
    if error_if_nonfinite and not math.isfinite(total):
        raise DomainError(f"clip_grad_norm_: the gradient norm is {total}")
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in with_grad:
            p.grad = p.grad * scale
    return total
