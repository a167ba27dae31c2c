"""The primitives of the tensor engine: each forward, then its local derivative.

Every primitive computes its result with NumPy and returns it through ``_result`` with a
``backward(g)`` function that maps the gradient ``g`` of the result (same shape as the
result) to one gradient per operand (``None`` where an operand needs none). Binary ops undo
broadcasting with ``sum_to``, and nothing else does. The closures capture arrays and
operands, never the result, so a graph holds no reference cycles and is freed as soon as it
is unreachable.

This module holds the arithmetic, the matrix products and the element-wise functions; the
reductions and shape primitives live in ``_shape_ops.py`` and are re-exported here, so
``ops`` is the one namespace of every primitive.
"""

from __future__ import annotations

import numpy as np

from ..errors import DomainError, ShapeError
from ._broadcast import sum_to
from ._operands import _lift, _pair
from ._shape_ops import concatenate, getitem, max, mean, reshape, stack, sum, transpose
from .tensor import Tensor, _result

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "neg",
    "matmul",
    "exp",
    "log",
    "tanh",
    "sigmoid",
    "relu",
    "leaky_relu",
    "abs",
    "sqrt",
    "clip",
    "sum",
    "mean",
    "max",
    "reshape",
    "transpose",
    "getitem",
    "concatenate",
    "stack",
    "linear",
]


def _broadcast_error(op: str, a: Tensor, b: Tensor) -> ShapeError:
    return ShapeError(
        f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together (aligned from the "
        "right, each pair of dimensions must be equal or one of them 1)"
    )


# --- arithmetic --------------------------------------------------------------------------


def add(a, b) -> Tensor:
    """``a + b``. d/da = 1, d/db = 1 (summed over broadcast axes)."""
    a, b = _pair(a, b)
    try:
        data = a.data + b.data
    except ValueError:
        raise _broadcast_error("add", a, b) from None

    def backward(g):
        ga = sum_to(g, a.shape) if a.requires_grad else None
        gb = sum_to(g, b.shape) if b.requires_grad else None
        return ga, gb

    return _result(data, (a, b), "+", backward)


def sub(a, b) -> Tensor:
    """``a - b``. d/da = 1, d/db = -1."""
    a, b = _pair(a, b)
    try:
        data = a.data - b.data
    except ValueError:
        raise _broadcast_error("sub", a, b) from None

    def backward(g):
        ga = sum_to(g, a.shape) if a.requires_grad else None
        gb = -sum_to(g, b.shape) if b.requires_grad else None
        return ga, gb

    return _result(data, (a, b), "-", backward)


def mul(a, b) -> Tensor:
    """``a * b``. d/da = b, d/db = a."""
    a, b = _pair(a, b)
    try:
        data = a.data * b.data
    except ValueError:
        raise _broadcast_error("mul", a, b) from None

    def backward(g):
        ga = sum_to(g * b.data, a.shape) if a.requires_grad else None
        gb = sum_to(g * a.data, b.shape) if b.requires_grad else None
        return ga, gb

    return _result(data, (a, b), "*", backward)


def div(a, b) -> Tensor:
    """``a / b``. d/da = 1/b, d/db = -a/b**2. Division by zero gives inf, as in NumPy."""
    a, b = _pair(a, b)
    try:
        data = a.data / b.data
    except ValueError:
        raise _broadcast_error("div", a, b) from None

    def backward(g):
        ga = sum_to(g / b.data, a.shape) if a.requires_grad else None
        gb = sum_to(-g * data / b.data, b.shape) if b.requires_grad else None
        return ga, gb

    return _result(data, (a, b), "/", backward)


def pow(a, b) -> Tensor:  # noqa: A001 - the operator's name
    """``a ** b``. d/da = b * a**(b-1); d/db = a**b * log(a), defined for a > 0.

    Raises :class:`DomainError` for a negative base with a non-integer exponent, and for a
    base <= 0 when the exponent needs a gradient (log(a) is undefined there).
    """
    a, b = _pair(a, b)
    _check_pow_domain(a, b)
    try:
        data = a.data**b.data
    except ValueError:
        raise _broadcast_error("pow", a, b) from None

    def backward(g):
        ga = sum_to(g * _dpow_da(a.data, b.data), a.shape) if a.requires_grad else None
        gb = sum_to(g * data * np.log(a.data), b.shape) if b.requires_grad else None
        return ga, gb

    return _result(data, (a, b), "**", backward)


def _dpow_da(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """d(a**b)/da = b * a**(b-1). Where b = 0, a**0 is the constant 1 and the derivative
    is 0, also at a = 0 (where the formula gives 0 * inf); the scalar engine agrees."""
    exponent = b - 1
    if np.any(b == 0):
        exponent = np.where(b == 0, 1, exponent).astype(b.dtype)  # then b * a**1 = 0
    return b * a**exponent


def _check_pow_domain(a: Tensor, b: Tensor) -> None:
    """A negative number has no real power with a fractional exponent, and the exponent's
    derivative a**b * log(a) needs a > 0. A whole-number exponent such as 2 needs no check."""
    if b.data.size != 1 or not float(b.data.flat[0]).is_integer():
        try:
            bad = np.any((a.data < 0) & (b.data != np.round(b.data)))
        except ValueError:
            raise _broadcast_error("pow", a, b) from None
        if bad:
            raise DomainError(
                f"pow: negative base with a non-integer exponent (base min {a.data.min():.6g})"
            )
    if b.requires_grad and a.data.min(initial=np.inf) <= 0:
        raise DomainError(
            f"pow: the exponent's gradient needs log(base), but a base is {a.data.min()} <= 0"
        )


def neg(a) -> Tensor:
    """``-a``. d/da = -1."""
    a = _lift(a)
    return _result(-a.data, (a,), "neg", lambda g: (-g,))


# --- matrix products ---------------------------------------------------------------------


def _matmul_error(a: Tensor, b: Tensor) -> ShapeError:
    if a.ndim == 0 or b.ndim == 0:
        why = "matmul needs tensors with at least one dimension"
    else:
        k1, k2 = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
        why = (
            f"inner dimensions {k1} and {k2} differ"
            if k1 != k2
            else f"batch dimensions {a.shape[:-2]} and {b.shape[:-2]} cannot be broadcast together"
        )
    return ShapeError(f"matmul: {a.shape} @ {b.shape}: {why}")


def matmul(a, b) -> Tensor:
    """``a @ b`` for 1-D, 2-D and batched (stacked) operands, with NumPy's rules.

    For 2-D operands: d/da = g @ b.T, d/db = a.T @ g. 1-D operands are promoted to matrices
    for the derivative and squeezed back; batch axes are undone by ``sum_to``.
    """
    a, b = _pair(a, b)
    try:
        data = a.data @ b.data
    except ValueError:
        raise _matmul_error(a, b) from None

    def backward(g):
        A = a.data[None, :] if a.ndim == 1 else a.data  # (..., N, K)
        B = b.data[:, None] if b.ndim == 1 else b.data  # (..., K, M)
        G = g[..., None] if b.ndim == 1 else g  # put back the M axis that b's 1-D dropped
        if a.ndim == 1:
            G = np.expand_dims(G, -2)  # and the N axis that a's dropped: G is (..., N, M)
        ga = gb = None
        if a.requires_grad:
            ga = G @ np.swapaxes(B, -1, -2)  # (..., N, M) @ (..., M, K) -> (..., N, K)
            ga = sum_to(ga[..., 0, :] if a.ndim == 1 else ga, a.shape)
        if b.requires_grad:
            gb = np.swapaxes(A, -1, -2) @ G  # (..., K, N) @ (..., N, M) -> (..., K, M)
            gb = sum_to(gb[..., 0] if b.ndim == 1 else gb, b.shape)
        return ga, gb

    return _result(data, (a, b), "@", backward)


def linear(x, W, b=None) -> Tensor:
    """The fused affine map ``z = x @ W.T + b`` of a dense layer, in one node.

    Shapes: x (N, in), W (out, in), b (out,) -> z (N, out). Derivatives:
    dz/dx: g @ W, dz/dW: g.T @ x, dz/db: g summed over the batch. Only the gradients that
    some operand needs are computed, so a first layer never pays for g @ W.
    """
    W = _lift(W)
    x = _lift(x, W)
    if b is not None:
        b = _lift(b, W)
    xd, Wd = x.data, W.data
    if Wd.ndim != 2 or xd.ndim == 0 or xd.shape[-1] != Wd.shape[1]:
        raise _linear_error(x, W)
    z = xd @ Wd.T  # (N, in) @ (in, out) -> (N, out)
    if b is not None:
        if b.data.shape != Wd.shape[:1]:
            raise ShapeError(f"linear: b must have shape ({Wd.shape[0]},), got {b.shape}")
        z += b.data

    def backward(g):  # g: (N, out)
        gx = g @ W.data if x.requires_grad else None  # (N, out) @ (out, in) -> (N, in)
        g2 = g if g.ndim == 2 else g.reshape(-1, g.shape[-1])  # batch axes -> (N, out)
        gW = g2.T @ xd.reshape(g2.shape[0], -1) if W.requires_grad else None  # (out, in)
        if b is None:
            return gx, gW
        return gx, gW, (g2.sum(axis=0) if b.requires_grad else None)  # (out,)

    return _result(z, (x, W) if b is None else (x, W, b), "linear", backward)


def _linear_error(x: Tensor, W: Tensor) -> ShapeError:
    if W.ndim != 2:
        return ShapeError(f"linear: W must be (out_features, in_features), got shape {W.shape}")
    got = f"{x.shape[-1]}" if x.ndim else "a scalar"
    return ShapeError(
        f"linear: input of shape {x.shape} @ W.T of shape ({W.shape[1]}, {W.shape[0]}): "
        f"expected {W.shape[1]} features, got {got}"
    )


# --- element-wise functions ----------------------------------------------------------------


def exp(a) -> Tensor:
    """``e**a``. d/da = e**a. Raises :class:`DomainError` if the result overflows."""
    a = _lift(a)
    if a.data.max(initial=-np.inf) > _EXP_LIMIT[a.data.dtype.itemsize]:
        if np.any(np.isfinite(a.data) & (a.data > _EXP_LIMIT[a.data.dtype.itemsize])):
            raise DomainError(
                f"exp: overflow, an input is {a.data.max():.6g} "
                "(exp(x) overflows for x > ~88 in float32, ~709 in float64)"
            )
        with np.errstate(over="ignore"):  # only inf itself is that large: exp(inf) = inf
            data = np.exp(a.data)
    else:
        data = np.exp(a.data)
    return _result(data, (a,), "exp", lambda g: (g * data,))


# The largest x whose exp(x) is finite, by bytes per float: log(finfo(dtype).max).
_EXP_LIMIT = {n: float(np.log(np.finfo(f"f{n}").max)) for n in (4, 8)}


def log(a) -> Tensor:
    """Natural log. d/da = 1/a. Raises :class:`DomainError` for an input <= 0."""
    a = _lift(a)
    if a.data.min(initial=np.inf) <= 0:
        raise DomainError(f"log: input must be > 0, got a minimum of {a.data.min():.6g}")
    return _result(np.log(a.data), (a,), "log", lambda g: (g / a.data,))


def tanh(a) -> Tensor:
    """``tanh(a)``. d/da = 1 - tanh(a)**2 = 4 e / (1 + e)**2 with e = exp(-2|a|).

    NumPy's tanh saturates to exactly ±1 without overflow; the derivative uses the second
    form, which keeps its digits where tanh(a) is within a rounding error of ±1 (there
    1 - tanh**2 would cancel to 0).
    """
    a = _lift(a)

    def backward(g):
        e = np.exp(-2 * np.abs(a.data))  # in (0, 1]: never overflows
        return (g * (4 * e / ((1 + e) * (1 + e))),)

    return _result(np.tanh(a.data), (a,), "tanh", backward)


def sigmoid(a) -> Tensor:
    """``s = 1 / (1 + e**-a)``, computed without overflow. d/da = s (1 - s) = e / (1 + e)**2.

    With e = exp(-|a|) <= 1: s = 1 / (1 + e) for a >= 0 and e / (1 + e) for a < 0, so no
    exponent is positive; the derivative in the form e / (1 + e)**2 keeps its digits in
    both tails, where 1 - s would cancel.
    """
    a = _lift(a)
    e = np.exp(-np.abs(a.data))  # in (0, 1]
    r = 1 / (1 + e)
    s = np.where(a.data >= 0, r, e * r)
    return _result(s, (a,), "sigmoid", lambda g: (g * (e * r * r),))


def relu(a) -> Tensor:
    """``max(a, 0)``. d/da = 1 where a > 0, else 0 (NOTE: the subgradient 0 is used at a = 0)."""
    a = _lift(a)
    data = np.maximum(a.data, 0)
    return _result(data, (a,), "relu", lambda g: (g * (a.data > 0),))


def leaky_relu(a, negative_slope: float = 0.01) -> Tensor:
    """``a`` where a > 0, else ``negative_slope * a``. Derivative 1 or slope (slope at 0)."""
    a = _lift(a)
    slope = np.where(a.data > 0, 1, negative_slope).astype(a.dtype, copy=False)
    attrs = {"negative_slope": float(negative_slope)}
    return _result(a.data * slope, (a,), "leaky_relu", lambda g: (g * slope,), attrs)


def abs(a) -> Tensor:  # noqa: A001 - NumPy's name
    """``|a|``. d/da = sign(a) (NOTE: the subgradient 0 is used at a = 0)."""
    a = _lift(a)
    return _result(np.abs(a.data), (a,), "abs", lambda g: (g * np.sign(a.data),))


def sqrt(a) -> Tensor:
    """Square root. d/da = 1 / (2 sqrt(a)). Raises :class:`DomainError` for an input < 0."""
    a = _lift(a)
    if a.data.min(initial=np.inf) < 0:
        raise DomainError(f"sqrt: input must be >= 0, got a minimum of {a.data.min():.6g}")
    data = np.sqrt(a.data)
    return _result(data, (a,), "sqrt", lambda g: (g / (2 * data),))


def clip(a, min=None, max=None) -> Tensor:  # noqa: A002 - NumPy's names
    """Clamp to [min, max]; either bound may be None. d/da = 1 inside, 0 outside
    (NOTE: 1 at the bounds themselves, as in PyTorch)."""
    a = _lift(a)
    if min is None and max is None:
        raise DomainError("clip: give min, max or both")
    min, max = (None if v is None else np.asarray(v, dtype=a.dtype) for v in (min, max))
    data = np.clip(a.data, min, max)
    inside = np.ones(a.shape, dtype=bool)
    if min is not None:
        inside &= a.data >= min
    if max is not None:
        inside &= a.data <= max
    return _result(data, (a,), "clip", lambda g: (g * inside,), {"min": min, "max": max})
