"""Loss functions: how far predictions are from targets, as one number to minimise.

Each function takes predictions (a Tensor, or an array) and targets (a NumPy array or a
Tensor) and returns a Tensor, whose ``backward()`` sends the gradient to the predictions.
``reduction`` chooses what is returned: ``"mean"`` over all entries (the default),
``"sum"``, or ``"none"`` (the per-entry losses, per-sample for cross-entropy).

- ``mse``, ``mae`` and ``huber`` are composed from engine primitives, so their derivatives
  come from the chain rule: nothing here differentiates by hand.
- ``cross_entropy`` and ``binary_cross_entropy`` take *logits* (unnormalised scores) and
  call the engine's fused, numerically stable ops, whose gradient is the well-known
  ``probabilities - targets`` (divided by the number of entries for the mean).

The classes ``MSELoss``, ``L1Loss``, ``HuberLoss``, ``CrossEntropyLoss`` and
``BCEWithLogitsLoss`` wrap the functions under PyTorch's names.

Targets are converted to the predictions' dtype. A target whose shape differs from the
predictions' only by axes of length 1 (``(N,)`` against ``(N, 1)``) is reshaped to match;
any other difference is a :class:`~glassnet.errors.ShapeError`, never a silent broadcast.
"""

from __future__ import annotations

import numpy as np

from .checks import one_of, positive_float
from .errors import DomainError, ShapeError
from .nn.module import Module
from .tensor import Tensor, functional, ops
from .tensor.functional import REDUCTIONS

__all__ = [
    "mse",
    "mae",
    "huber",
    "cross_entropy",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "CrossEntropyLoss",
    "BCEWithLogitsLoss",
    "LOSSES",
    "weighted_mean",
    "l2_penalty",
]


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return ops.mean(loss)
    if reduction == "sum":
        return ops.sum(loss)
    return loss


def _squeezed(shape: tuple) -> tuple:
    return tuple(n for n in shape if n != 1)


def _target_like(pred: Tensor, target, name: str):
    """The target as an array (or a Tensor, if it needs a gradient) of ``pred``'s shape and
    dtype. Shapes may differ only by axes of length 1."""
    if isinstance(target, Tensor) and target.requires_grad:
        y = target
    else:
        y = np.asarray(target.data if isinstance(target, Tensor) else target, dtype=pred.dtype)
    if y.shape != pred.shape:
        if _squeezed(y.shape) != _squeezed(pred.shape):
            raise ShapeError(
                f"{name}: predictions of shape {pred.shape} and targets of shape {y.shape} "
                "differ (only axes of length 1 may differ, e.g. (N,) against (N, 1))"
            )
        y = ops.reshape(y, pred.shape) if isinstance(y, Tensor) else y.reshape(pred.shape)
    return y


def _prepare(pred, target, reduction: str, name: str):
    if type(reduction) is not str or reduction not in REDUCTIONS:  # free when it passes
        one_of(reduction, REDUCTIONS, "reduction", name)
    pred = pred if isinstance(pred, Tensor) else Tensor(pred)
    return pred, _target_like(pred, target, name)


def mse(pred, target, reduction: str = "mean") -> Tensor:
    """Mean squared error: the mean of ``(pred - target)**2``.

    Parameters
    ----------
    pred : Tensor or array_like
        Predictions, e.g. of shape (n_samples, n_outputs).
    target : array_like or Tensor
        Targets of the same shape (or differing only by axes of length 1).
    reduction : {'mean', 'sum', 'none'}
        Mean over all entries, sum, or the entry-wise squared errors.

    Returns
    -------
    Tensor
        A scalar, or the entry-wise losses for ``reduction="none"``.

    Raises
    ------
    ShapeError
        If the shapes do not match.

    Examples
    --------
    >>> from glassnet.tensor import Tensor
    >>> pred = Tensor([[1.0], [3.0]], requires_grad=True)
    >>> loss = mse(pred, [1.0, 1.0])  # (2,) targets against (2, 1) predictions
    >>> loss.item()
    2.0
    >>> loss.backward()
    >>> pred.grad.ravel().tolist()  # 2 * (pred - target) / 2
    [0.0, 2.0]
    """
    pred, y = _prepare(pred, target, reduction, "mse")
    d = pred - y
    return _reduce(d * d, reduction)


def mae(pred, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error: the mean of ``|pred - target|`` (PyTorch's L1 loss).

    The derivative is ``sign(pred - target)``, with 0 where they are equal.

    Examples
    --------
    >>> mae([1.0, 4.0], [2.0, 2.0]).item()
    1.5
    """
    pred, y = _prepare(pred, target, reduction, "mae")
    return _reduce(ops.abs(pred - y), reduction)


def huber(pred, target, delta: float = 1.0, reduction: str = "mean") -> Tensor:
    """Huber loss: quadratic for small errors, linear for large ones.

    With ``d = |pred - target|``: ``0.5 d**2`` where ``d <= delta``, and
    ``delta * (d - 0.5 delta)`` beyond, so outliers pull with a constant force ``delta``.
    It is computed as ``0.5 q**2 + delta (d - q)`` with ``q = min(d, delta)``, a form that
    needs no branch: the engine's clip sends the gradient through ``q`` only where
    ``d < delta``.

    Examples
    --------
    >>> huber([0.5, 3.0], [0.0, 0.0], reduction="none").data.tolist()  # 0.5*0.25, 3 - 0.5
    [0.125, 2.5]
    """
    delta = positive_float(delta, "delta", "huber")
    pred, y = _prepare(pred, target, reduction, "huber")
    delta = float(delta)
    d = ops.abs(pred - y)
    q = ops.clip(d, None, delta)
    return _reduce(0.5 * q * q + delta * (d - q), reduction)


def cross_entropy(logits, target, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy of logits against class indices or probability rows.

    ``loss_i = -sum_c y_ic log softmax(z_i)_c``; the mean is over samples. Fused: one engine
    node, stable for any logits, with gradient ``(softmax(z) - y) / N``.

    Parameters
    ----------
    logits : Tensor or array_like of shape (n_samples, n_classes)
    target : array_like or Tensor
        Integer class indices of shape (n_samples,), or one-hot / probability rows of
        shape (n_samples, n_classes). Targets receive no gradient.
    reduction : {'mean', 'sum', 'none'}
        ``'none'`` gives the per-sample losses, shape (n_samples,).

    Raises
    ------
    ShapeError
        For logits that are not 2-D, targets of another shape or out-of-range classes.

    Examples
    --------
    >>> round(cross_entropy([[0.0, 0.0]], [1]).item(), 6)  # log 2
    0.693147
    """
    return functional.softmax_cross_entropy(logits, target, reduction)


def binary_cross_entropy(logits, target, reduction: str = "mean") -> Tensor:
    """Sigmoid + binary cross-entropy from logits (PyTorch's ``BCEWithLogitsLoss``).

    ``loss = -(y log sigmoid(z) + (1 - y) log(1 - sigmoid(z)))`` for targets ``y`` in
    [0, 1], computed stably as ``max(z, 0) - z y + log(1 + exp(-|z|))``; the gradient is
    ``sigmoid(z) - y`` (divided by the number of entries for the mean). Fused: one engine
    node. Targets receive no gradient.

    Raises
    ------
    ShapeError
        If the shapes differ by more than axes of length 1.
    DomainError
        If a target lies outside [0, 1].

    Examples
    --------
    >>> round(binary_cross_entropy([0.0], [1.0]).item(), 6)  # -log(0.5)
    0.693147
    """
    return functional.sigmoid_binary_cross_entropy(logits, target, reduction)


binary_cross_entropy_with_logits = binary_cross_entropy
"""PyTorch's name for :func:`binary_cross_entropy` (which also takes logits)."""


def weighted_mean(losses_, weight) -> Tensor:
    """The weighted mean ``sum_i w_i l_i / sum_i w_i`` of per-sample losses.

    A weight of 2 counts a sample twice and a weight of 0 removes it, exactly: the
    result equals the plain mean over the data with those rows repeated or deleted.

    Parameters
    ----------
    losses_ : Tensor of shape (n_samples,) or (n_samples, n_outputs)
        Per-entry losses (``reduction="none"``); a sample's loss is the mean of its row.
    weight : array_like of shape (n_samples,)
        Non-negative sample weights with a positive sum.

    Returns
    -------
    Tensor
        A scalar.

    Raises
    ------
    ShapeError
        If the weights are not one per sample.
    DomainError
        If a weight is negative or the weights sum to zero.

    Examples
    --------
    >>> per_sample = mse([[1.0], [3.0]], [0.0, 0.0], reduction="none")  # 1 and 9
    >>> weighted_mean(per_sample, [3.0, 1.0]).item()  # (3 * 1 + 1 * 9) / 4
    3.0
    """
    losses_ = losses_ if isinstance(losses_, Tensor) else Tensor(losses_)
    w = np.asarray(weight, dtype=losses_.dtype)
    if w.ndim != 1 or len(w) != losses_.shape[0]:
        raise ShapeError(
            f"weighted_mean: weights of shape {w.shape} for losses of shape "
            f"{losses_.shape}: expected ({losses_.shape[0]},)"
        )
    total = float(w.sum())
    if (w < 0).any() or not total > 0:
        raise DomainError("weighted_mean: weights must be >= 0 with a positive sum")
    per_sample = ops.mean(losses_, axis=1) if losses_.ndim == 2 else losses_  # (N, k) -> (N,)
    return ops.sum(per_sample * (w / total))  # (N,) * (N,) -> scalar


def l2_penalty(weights, strength: float) -> Tensor:
    """``0.5 * strength * sum ||W||^2`` over the given weight tensors (the L2 penalty).

    Its gradient, from the engine, is ``strength * W`` for each ``W``.

    Examples
    --------
    >>> l2_penalty([Tensor([[1.0, 2.0]]), Tensor([[2.0]])], 0.5).item()  # 0.25 * 9
    2.25
    """
    total = None
    for W in weights:
        term = ops.sum(W * W)
        total = term if total is None else total + term
    if total is None:
        return Tensor(0.0)
    return total * (0.5 * float(strength))


LOSSES = {
    "mse": mse,
    "mae": mae,
    "huber": huber,
    "cross_entropy": cross_entropy,
    "binary_cross_entropy": binary_cross_entropy,
}
"""Loss functions by name, for configuration files and the command line."""


class _Loss(Module):
    """A loss as a module: settings in the constructor, ``loss(pred, target)`` to compute."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = one_of(reduction, REDUCTIONS, "reduction", type(self).__name__)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """:func:`mse` as a module.

    Examples
    --------
    >>> MSELoss()([1.0, 2.0], [1.0, 0.0]).item()
    2.0
    """

    def forward(self, pred, target) -> Tensor:
        return mse(pred, target, self.reduction)


class L1Loss(_Loss):
    """:func:`mae` as a module (PyTorch's name).

    Examples
    --------
    >>> L1Loss(reduction="sum")([1.0, 2.0], [1.0, 0.0]).item()
    2.0
    """

    def forward(self, pred, target) -> Tensor:
        return mae(pred, target, self.reduction)


class HuberLoss(_Loss):
    """:func:`huber` as a module.

    Examples
    --------
    >>> HuberLoss(delta=2.0)([5.0], [0.0]).item()  # 2 * (5 - 1)
    8.0
    """

    def __init__(self, delta: float = 1.0, reduction: str = "mean"):
        super().__init__(reduction)
        self.delta = positive_float(delta, "delta", "HuberLoss")

    def forward(self, pred, target) -> Tensor:
        return huber(pred, target, self.delta, self.reduction)

    def extra_repr(self) -> str:
        return f"delta={self.delta}, reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """:func:`cross_entropy` as a module: logits against class indices or probabilities.

    Examples
    --------
    >>> round(CrossEntropyLoss()([[0.0, 0.0, 0.0]], [2]).item(), 6)  # log 3
    1.098612
    """

    def forward(self, logits, target) -> Tensor:
        return cross_entropy(logits, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """:func:`binary_cross_entropy` (from logits) as a module.

    Examples
    --------
    >>> round(BCEWithLogitsLoss()([0.0, 0.0], [0.0, 1.0]).item(), 6)  # log 2
    0.693147
    """

    def forward(self, logits, target) -> Tensor:
        return binary_cross_entropy(logits, target, self.reduction)
