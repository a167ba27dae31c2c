"""Turning operands into Tensors: what is not a Tensor becomes a constant of the right dtype."""

from __future__ import annotations

from .tensor import Tensor, _as_array, _constant


def _lift(x, like: Tensor | None = None) -> Tensor:
    """Operands that are not Tensors become constants of ``like``'s dtype.

    So a Python number, a list or a float64 NumPy array never upcasts a float32 tensor:
    the tensor's dtype wins. Two Tensors of different dtypes follow NumPy's promotion.
    """
    if isinstance(x, Tensor):
        return x
    if like is not None:
        return _constant(_as_array(x, like.data.dtype))
    return Tensor(x)


def _pair(a, b) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, _lift(b, a)
    b = _lift(b)
    return _lift(a, b), b


def _lift_all(items) -> tuple[Tensor, ...]:
    """Lift a sequence of operands; the non-Tensors take the first Tensor's dtype."""
    items = list(items)
    like = next((t for t in items if isinstance(t, Tensor)), None)
    return tuple(_lift(t, like) for t in items)
