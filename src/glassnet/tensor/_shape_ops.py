"""Reductions and shape primitives: each forward, then its local derivative.

``sum``, ``mean`` and ``max`` give the reduced axes back to the gradient and spread it over
the entries they read; ``reshape``, ``transpose``, indexing, ``concatenate`` and ``stack``
move entries around, so their derivative moves the gradient back. They are re-exported by
:mod:`glassnet.tensor.ops`, the namespace of every primitive.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..errors import ShapeError
from ._operands import _lift, _lift_all
from .tensor import Tensor, _result

__all__ = ["sum", "mean", "max", "reshape", "transpose", "getitem", "concatenate", "stack"]


# --- reductions -----------------------------------------------------------------------------


def _expand(g: np.ndarray, shape, axis, keepdims: bool) -> np.ndarray:
    """Give a reduced gradient back the reduced axes (length 1) so it broadcasts to ``shape``."""
    if axis is None or keepdims:
        return g if keepdims else np.reshape(g, (1,) * len(shape))
    return np.expand_dims(g, axis)


def sum(a, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Sum over ``axis`` (all axes by default). d/da = 1 in every summed entry."""
    a = _lift(a)
    try:
        data = np.asarray(a.data.sum(axis=axis, keepdims=keepdims))
    except ValueError as e:  # numpy's AxisError is a ValueError
        raise _reduction_error("sum", a, axis, e) from None
    shape = a.shape
    return _result(
        data,
        (a,),
        "sum",
        lambda g: (np.broadcast_to(_expand(g, shape, axis, keepdims), shape),),
        {"axis": axis, "keepdims": keepdims},
    )


def mean(a, axis=None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``. d/da = 1/n for each of the n averaged entries."""
    a = _lift(a)
    try:
        data = np.asarray(a.data.mean(axis=axis, keepdims=keepdims))
    except ValueError as e:
        raise _reduction_error("mean", a, axis, e) from None
    shape, n = a.shape, a.data.size // builtins.max(data.size, 1)

    def backward(g):
        return (np.broadcast_to(_expand(g, shape, axis, keepdims) / n, shape),)

    return _result(data, (a,), "mean", backward, {"axis": axis, "keepdims": keepdims})


def max(a, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Maximum over ``axis``. d/da = 1 at the maximum; ties share the gradient equally."""
    a = _lift(a)
    try:
        m = a.data.max(axis=axis, keepdims=True)
    except ValueError as e:
        raise _reduction_error("max", a, axis, e) from None
    data = np.asarray(m if keepdims else (m.reshape(()) if axis is None else np.squeeze(m, axis)))

    def backward(g):
        share = (a.data == m).astype(a.dtype)  # 1 at each maximum
        share /= share.sum(axis=axis, keepdims=True)  # ties share: k maxima get 1/k each
        return (share * _expand(g, a.shape, axis, keepdims),)

    return _result(data, (a,), "max", backward, {"axis": axis, "keepdims": keepdims})


def _reduction_error(op: str, a: Tensor, axis, e: ValueError) -> ShapeError:
    if isinstance(e, np.exceptions.AxisError) or "duplicate" in str(e):
        why = f"axis {axis} does not fit a tensor of shape {a.shape}"
    else:
        why = f"{e} (tensor of shape {a.shape})"
    return ShapeError(f"{op}: {why}")


# --- shape ------------------------------------------------------------------------------------


def reshape(a, shape) -> Tensor:
    """Same entries, new shape. The gradient is reshaped back."""
    a = _lift(a)
    try:
        data = a.data.reshape(shape)
    except ValueError:
        to = shape if isinstance(shape, tuple) else (shape,)
        raise ShapeError(f"reshape: cannot reshape {a.shape} ({a.size} entries) to {to}") from None
    old = a.shape
    return _result(data, (a,), "reshape", lambda g: (g.reshape(old),))


def transpose(a, axes=None) -> Tensor:
    """Reverse the axes, swap two of them, or permute them all. The gradient is permuted back.

    ``axes=None`` reverses the axes (``a.T``). Two axes swap those two, as PyTorch's
    ``transpose(dim0, dim1)``: for a matrix ``transpose(0, 1)`` and ``transpose(1, 0)`` both
    swap rows and columns (NumPy would read ``(0, 1)`` as the identity permutation and do
    nothing). Any other number of axes is a full permutation, as in ``np.transpose``.
    """
    a = _lift(a)
    if isinstance(axes, (tuple, list)) and len(axes) == 2:
        axes = _swap(a, axes)
    try:
        data = np.transpose(a.data, axes)
    except ValueError:
        raise ShapeError(f"transpose: axes {axes} do not fit a tensor of shape {a.shape}") from None
    order = None if axes is None else tuple(int(ax) % a.ndim for ax in axes)
    inverse = None if axes is None else np.argsort(order)
    return _result(data, (a,), "transpose", lambda g: (np.transpose(g, inverse),), {"axes": order})


def _swap(a: Tensor, axes) -> tuple[int, ...]:
    """The permutation that swaps the two ``axes`` of ``a`` and keeps the others in place."""
    if not all(isinstance(ax, (int, np.integer)) and -a.ndim <= ax < a.ndim for ax in axes):
        raise ShapeError(f"transpose: axes {tuple(axes)} do not fit a tensor of shape {a.shape}")
    i, j = (int(ax) % a.ndim for ax in axes)
    order = list(range(a.ndim))
    order[i], order[j] = j, i
    return tuple(order)


def getitem(a, index) -> Tensor:
    """``a[index]`` for integers, slices, boolean masks and integer arrays (NumPy's rules).

    The gradient is zero except at the selected entries. Integer arrays may select an entry
    twice, so their gradient is scattered with ``np.add.at``, which adds both contributions.
    """
    a = _lift(a)
    index = _plain_index(index)
    try:
        data = a.data[index]
    except (IndexError, TypeError) as e:
        raise ShapeError(f"index: {e} (tensor of shape {a.shape})") from None
    basic = _is_basic(index)  # ints and slices: each entry is selected at most once

    def backward(g):
        ga = np.zeros_like(a.data)
        if basic:
            ga[index] = g
        else:
            np.add.at(ga, index, g)
        return (ga,)

    return _result(np.asarray(data), (a,), "index", backward, {"index": index})


def _plain_index(index):
    """Tensors used as indices hold whole numbers as floats: turn them into integer arrays."""
    if isinstance(index, Tensor):
        return index.data.astype(np.intp)
    if isinstance(index, tuple):
        return tuple(i.data.astype(np.intp) if isinstance(i, Tensor) else i for i in index)
    return index


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return builtins.all(
        i is None
        or i is Ellipsis
        or isinstance(i, slice)
        or (isinstance(i, (int, np.integer)) and not isinstance(i, bool))
        for i in items
    )


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis. Each gets back its slice of the gradient."""
    ts = _lift_all(tensors)
    try:
        data = np.concatenate([t.data for t in ts], axis=axis)
    except ValueError as e:
        raise _join_error("concatenate", ts, axis, e) from None
    cuts = np.cumsum([t.shape[axis] for t in ts])[:-1]
    return _result(
        data,
        ts,
        "concatenate",
        lambda g: tuple(np.split(g, cuts, axis=axis)),
        {"axis": axis % data.ndim},
    )


def stack(tensors, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis. Each gets back its slice of the gradient."""
    ts = _lift_all(tensors)
    try:
        data = np.stack([t.data for t in ts], axis=axis)
    except ValueError as e:
        raise _join_error("stack", ts, axis, e) from None
    n = len(ts)
    return _result(
        data,
        ts,
        "stack",
        lambda g: tuple(np.squeeze(s, axis) for s in np.split(g, n, axis=axis)),
        {"axis": axis % data.ndim},
    )


def _join_error(op: str, ts: tuple, axis: int, e: ValueError) -> ShapeError:
    shapes = ", ".join(str(t.shape) for t in ts) or "none"
    if not ts:
        why = "needs at least one tensor"
    elif isinstance(e, np.exceptions.AxisError):
        why = f"axis {axis} is out of range"
    elif op == "stack":
        why = "all shapes must be equal"
    else:
        why = f"shapes must be equal outside axis {axis} (and have the same number of axes)"
    return ShapeError(f"{op}: {why}; got shapes {shapes}")
