"""Composite functions built from the primitives, and the two fused losses.

``logsumexp``, ``log_softmax`` and ``softmax`` are composed from primitives, so their
derivatives follow from the chain rule with no new code. The fused losses compute the
loss and its well-known gradient in one node (faster and exact at every input); each has a
plainly composed twin in the tests that it must agree with.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..checks import one_of
from ..errors import DomainError, ShapeError
from . import ops
from .tensor import Tensor, _result

__all__ = [
    "logsumexp",
    "log_softmax",
    "softmax",
    "softmax_cross_entropy",
    "sigmoid_binary_cross_entropy",
]


def logsumexp(x, axis: int = -1, keepdims: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` along ``axis``, stable for large and very negative inputs.

    Uses logsumexp(x) = m + log(sum(exp(x - m))) with m = max(x) held constant: every
    exponent is <= 0, so nothing overflows, and the sum is >= 1, so the log is finite.

    Examples
    --------
    >>> round(logsumexp(Tensor([1e4, 1e4], dtype="float64")).item() - 1e4, 6)  # log 2
    0.693147
    """
    x = ops._lift(x)
    m = Tensor(x.data.max(axis=axis, keepdims=True))  # a constant shift
    s = ops.log(ops.sum(ops.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else ops.reshape(s, np.squeeze(s.data, axis).shape)


def log_softmax(x, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)``: the log-probabilities of a softmax, without overflow.

    Computed as (x - m) - log(sum(exp(x - m))) with m = max(x) held constant: the shift
    comes first, so at logits of 1e4 no digits are lost to adding m back and subtracting it.

    Examples
    --------
    >>> [round(v, 6) for v in log_softmax(Tensor([1e4, 1e4])).data.tolist()]  # float32
    [-0.693147, -0.693147]
    """
    x = ops._lift(x)
    shifted = x - Tensor(x.data.max(axis=axis, keepdims=True))  # every entry <= 0
    return shifted - ops.log(ops.sum(ops.exp(shifted), axis=axis, keepdims=True))


def softmax(x, axis: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``, computed as ``exp(log_softmax(x))``."""
    return ops.exp(log_softmax(x, axis=axis))


REDUCTIONS = ("mean", "sum", "none")
"""What a loss may do with its per-entry values: average them, add them, or keep them."""


def _reduce(loss: np.ndarray, reduction: str) -> tuple[np.ndarray, float]:
    """The reduced loss and the factor each entry's gradient is scaled by (1/n for the mean)."""
    if reduction == "none":
        return loss, 1.0
    total = np.add.reduce(loss, axis=None)  # a NumPy scalar of loss's dtype
    scale = 1.0 / builtins.max(loss.size, 1) if reduction == "mean" else 1.0
    return np.asarray(total * scale if reduction == "mean" else total), scale


def _target_rows(target, logits: Tensor) -> np.ndarray:
    """Integer class indices (N,) or probability rows (N, C), validated against the logits."""
    y = np.asarray(getattr(target, "data", target))
    n, c = logits.shape
    if y.shape == (n,):
        if y.dtype.kind == "f":  # e.g. a Tensor of labels: whole numbers stored as floats
            if not np.array_equal(y, np.round(y)):
                raise ShapeError(
                    f"cross_entropy: targets of shape ({n},) are class indices and must be "
                    "whole numbers; pass probability rows of shape "
                    f"({n}, {c}) for soft targets"
                )
            y = y.astype(np.intp)
        lo, hi = (y.min(), y.max()) if n else (0, 0)
        if lo < 0 or hi >= c:
            raise ShapeError(
                f"cross_entropy: class indices must lie in [0, {c - 1}] for logits of shape "
                f"{logits.shape}, got values from {lo} to {hi}"
            )
        return y.astype(np.intp, copy=False)
    if y.shape == (n, c):
        return y.astype(logits.dtype, copy=False)
    raise ShapeError(
        f"cross_entropy: logits of shape {logits.shape} need targets of shape ({n},) "
        f"(class indices) or ({n}, {c}) (probabilities), got {y.shape}"
    )


def softmax_cross_entropy(logits, target, reduction: str = "mean") -> Tensor:
    """Fused softmax + cross-entropy of logits (N, C) against class indices or probability rows.

    loss_i = logsumexp(z_i) - sum_c y_ic z_ic, and d loss_i / d z_i = softmax(z_i) - y_i
    (divided by N for the mean). Stable: the softmax is computed from shifted logits.
    """
    z = ops._lift(logits)
    if type(reduction) is not str or reduction not in REDUCTIONS:  # free when it passes
        one_of(reduction, REDUCTIONS, "reduction", "cross_entropy")
    if z.ndim != 2:
        raise ShapeError(
            f"cross_entropy: logits must be (n_samples, n_classes), got shape {z.shape}"
        )
    y = _target_rows(target, z)
    shifted = z.data - z.data.max(axis=1, keepdims=True)  # (N, C), each row's max is 0
    lse = np.log(np.exp(shifted).sum(axis=1))  # (N,)
    if y.ndim == 1:
        rows_i = np.arange(len(y))
        rows = lse - shifted[rows_i, y]  # (N,)
    else:
        rows = lse * y.sum(axis=1) - (y * shifted).sum(axis=1)
    data, scale = _reduce(rows, reduction)

    def backward(g):
        p = np.exp(shifted - lse[:, None])  # softmax (N, C)
        if y.ndim == 1:
            p[rows_i, y] -= 1
        else:
            p = p * y.sum(axis=1, keepdims=True) - y
        gz = p * (g[:, None] if reduction == "none" else g * scale)
        return (gz.astype(z.dtype, copy=False),)

    attrs = {"target_shape": y.shape, "soft": y.ndim == 2, "reduction": reduction}
    return _result(data, (z,), "cross_entropy", backward, attrs)


def sigmoid_binary_cross_entropy(logits, target, reduction: str = "mean") -> Tensor:
    """Fused sigmoid + binary cross-entropy of logits against targets in [0, 1].

    loss = max(z, 0) - z*y + log(1 + exp(-|z|)), which never overflows, and
    d loss / dz = sigmoid(z) - y (divided by N for the mean), computed from
    sigmoid(-|z|) = e / (1 + e), e = exp(-|z|), so that it keeps its digits at |z| = 100.
    """
    z = ops._lift(logits)
    if type(reduction) is not str or reduction not in REDUCTIONS:
        one_of(reduction, REDUCTIONS, "reduction", "binary_cross_entropy")
    y = np.asarray(getattr(target, "data", target), dtype=z.dtype)
    if y.shape != z.shape:
        if [d for d in y.shape if d != 1] != [d for d in z.shape if d != 1]:
            raise ShapeError(
                f"binary_cross_entropy: logits of shape {z.shape} and targets of shape "
                f"{y.shape} differ (only axes of length 1 may differ, e.g. (N,) against (N, 1))"
            )
        y = y.reshape(z.shape)  # (N,) against (N, 1): only axes of length 1 differ
    if y.size and (y.min() < 0 or y.max() > 1):
        raise DomainError(
            f"binary_cross_entropy: targets must lie in [0, 1], got values from {y.min():.6g} "
            f"to {y.max():.6g}"
        )
    e = np.exp(-np.abs(z.data))
    rows = np.maximum(z.data, 0) - z.data * y + np.log1p(e)
    data, scale = _reduce(rows, reduction)

    def backward(g):
        er = e / (1 + e)  # sigmoid(-|z|)
        d = np.where(z.data >= 0, (1 - y) - er, er - y)  # sigmoid(z) - y, exact in the tails
        return ((d * (g * scale)).astype(z.dtype, copy=False),)

    attrs = {"target_shape": y.shape, "soft": False, "reduction": reduction}
    return _result(data, (z,), "binary_cross_entropy", backward, attrs)
