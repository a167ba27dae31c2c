"""The Tensor: a NumPy array that remembers how it was computed.

Each operation on Tensors returns a new Tensor holding its result (``data``), its operands
(``_prev``, an ordered tuple), a short name (``_op``) and a ``_backward`` function that maps
the gradient of the result to the gradients of the operands (the op's local chain rule).
``backward()`` walks that graph from the output back to the leaves.

Gradient rules (the same as the scalar engine's):

- ``backward()`` sets the output's gradient to ``grad`` (1 for a scalar) and recomputes the
  gradient of every intermediate (non-leaf) tensor from scratch, so intermediates never carry
  a stale gradient from an earlier pass.
- Leaf tensors (parameters and inputs created by the user) *accumulate*: a second
  ``backward()`` adds to their ``grad``, as in PyTorch. Reset them with ``zero_grad()``
  (``grad`` becomes None) or ``Module.zero_grad()`` / ``optimizer.zero_grad()``.
- After ``backward()`` the graph is freed (each node drops its operands and backward
  function), so memory does not grow over a training run; a second ``backward()`` through
  any part of the same graph raises :class:`~glassnet.errors.GraphError` unless the first
  was called with ``retain_graph=True``.
- ``backward()`` reads the operands' ``data`` as it is when it runs: update parameters
  in place only after it (as every training loop does).
- A leaf's ``grad`` is an array of its own (never a view of another tensor's gradient), so
  an optimizer may scale it in place. An intermediate's ``grad`` may share memory with its
  neighbours': treat it as read-only. glassnet itself never modifies a gradient in place.

A node is in one of three states: a leaf (``_prev == ()``, ``_backward is None``), recorded
(``_prev`` holds its operands, ``_backward`` its chain rule) or freed (``_prev == ()``,
``_backward is _freed``).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import numpy as np

from .._order import topological_order
from ..checks import one_of
from ..errors import DataError, GraphError, ShapeError

__all__ = ["Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled", "DEFAULT_DTYPE"]

DEFAULT_DTYPE = np.float32


class _GradMode(threading.local):
    enabled = True


_grad_mode = _GradMode()


class _TraceHook(threading.local):
    """The recorder of ``glassnet.trace()`` in this thread, or None (the usual case).

    ``_result``, ``_run_backward`` and ``Module.__call__`` read it once and do nothing more
    when it is None, so an untraced program pays one attribute read per operation.
    """

    tracer = None


_trace_hook = _TraceHook()


def is_grad_enabled() -> bool:
    """Whether new operations record a graph (False inside ``no_grad()``)."""
    return _grad_mode.enabled


class no_grad:
    """Context manager (and decorator) under which operations record no graph.

    Examples
    --------
    >>> w = tensor([1.0, 2.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _target = False

    def __init__(self):
        self._saved: list[bool] = []  # a stack, so that one instance can be entered twice

    def __enter__(self):
        self._saved.append(_grad_mode.enabled)
        _grad_mode.enabled = self._target

    def __exit__(self, *exc):
        _grad_mode.enabled = self._saved.pop()

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):
    """Context manager that turns graph recording back on inside ``no_grad()``."""

    _target = True


def _as_array(data, dtype) -> np.ndarray:
    """Convert user data once, at the boundary.

    NumPy float32/float64 arrays keep their dtype (and their memory: no copy); everything
    else (Python numbers and lists, integer and boolean arrays) becomes float32, so that a
    float32 model is never silently upcast by its inputs.
    """
    if isinstance(data, Tensor):
        data = data.data
    if dtype is None:
        if isinstance(data, (np.ndarray, np.generic)) and data.dtype in _KEPT_DTYPES:
            return np.asarray(data)
        dtype = DEFAULT_DTYPE
    elif np.dtype(dtype) not in _KEPT_DTYPES:  # on every input: the cheap test first
        one_of(np.dtype(dtype).name, ("float32", "float64"), "dtype", "tensor")
    try:
        return np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise DataError(f"tensor: cannot convert {type(data).__name__} to numbers: {e}") from None


_KEPT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Tensor:
    """An n-dimensional array with automatic differentiation.

    Parameters
    ----------
    data : array_like
        The values. A NumPy float32 or float64 array keeps its dtype and is shared, not
        copied; Python numbers and lists, integer and boolean arrays become float32 unless
        ``dtype`` is given.
    requires_grad : bool
        Whether ``backward()`` should compute a gradient for this tensor.
    dtype : {float32, float64}, optional
        Convert the data to this dtype.
    label : str
        A name shown in traces and graph drawings.

    Raises
    ------
    DataError
        If ``dtype`` is neither float32 nor float64, or the data are not numbers.

    Examples
    --------
    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad.tolist()
    [[2.0, 4.0]]
    """

    __slots__ = ("data", "grad", "requires_grad", "_prev", "_op", "_backward", "label", "attrs")
    __array_priority__ = 1000  # ndarray + Tensor defers to Tensor.__radd__

    def __init__(self, data, requires_grad: bool = False, dtype=None, label: str = ""):
        self.data = _as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._prev = ()
        self._op = ""
        self._backward = None
        self.label = label
        self.attrs = None

    # -- properties a NumPy or PyTorch user expects -------------------------------------
    shape = property(lambda self: self.data.shape, doc="The shape of ``data``.")
    dtype = property(lambda self: self.data.dtype, doc="The dtype of ``data``.")
    ndim = property(lambda self: self.data.ndim, doc="The number of dimensions.")
    size = property(lambda self: self.data.size, doc="The number of entries.")

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self.data)))

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        # np.asarray(t) and plotting libraries see the data; the graph is not followed.
        if copy:
            return np.array(self.data, dtype=dtype)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __float__(self) -> float:
        return self.item()

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ShapeError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def detach(self) -> Tensor:
        """A new leaf tensor sharing the data, cut off from the graph (no grad)."""
        return _constant(self.data)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``grad`` becomes None)."""
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", prefix="tensor(")
        extra = f", dtype={self.dtype}" if self.dtype != DEFAULT_DTYPE else ""
        if self._op:
            extra += f", op='{self._op}'"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    # -- backward -------------------------------------------------------------------------
    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Compute the gradient of this tensor with respect to every leaf that needs one.

        Leaves accumulate (``grad += ...``); intermediates are recomputed from scratch; the
        graph is freed afterwards unless ``retain_graph`` (see the module's notes).

        Parameters
        ----------
        grad : array_like, optional
            The gradient of some final scalar with respect to this tensor, of this tensor's
            shape. Defaults to 1 for a one-element tensor.
        retain_graph : bool
            Keep the graph so that ``backward()`` can run through it again.

        Raises
        ------
        GraphError
            If this tensor does not require a gradient, or its graph was freed.
        ShapeError
            If ``grad`` is missing for a tensor of several entries or has the wrong shape.

        Examples
        --------
        >>> w = tensor([1.0, -2.0], requires_grad=True)
        >>> loss = (w * w).sum()
        >>> loss.backward(retain_graph=True)
        >>> loss.backward()  # leaves accumulate: 2w + 2w
        >>> w.grad.tolist()
        [4.0, -8.0]
        """
        if not self.requires_grad:
            raise GraphError(
                "backward(): this tensor does not require grad; create the leaves with "
                "requires_grad=True (and not inside no_grad())"
            )
        if self._backward is _freed:
            raise _freed_error(self)
        if grad is None:
            if self.data.size != 1:
                raise ShapeError(
                    f"backward() on a tensor of shape {self.shape} needs a grad of that shape "
                    "(only one-element tensors default to 1)"
                )
            grad = np.ones(self.data.shape, dtype=self.data.dtype)
        else:
            grad = np.array(getattr(grad, "data", grad), dtype=self.dtype)  # our own copy
            if grad.shape != self.shape:
                raise ShapeError(
                    f"backward(): grad of shape {grad.shape} for a tensor of shape {self.shape}"
                )
        if not self._prev:  # a leaf: accumulate, as every leaf does
            self.grad = grad if self.grad is None else self.grad + grad
            return
        order = _topological_order(self)
        for node in order:
            node.grad = None  # intermediates are recomputed, never accumulated across calls
        self.grad = grad
        _run_backward(order, retain_graph)

    # -- operators, defined in ops.py ------------------------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(self, other)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(self, other)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    __hash__ = object.__hash__  # tensors are graph nodes: identity, not value, equality

    # -- methods, defined in ops.py ----------------------------------------------------------
    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def tanh(self):
        return _ops.tanh(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def relu(self):
        return _ops.relu(self)

    def leaky_relu(self, negative_slope: float = 0.01):
        return _ops.leaky_relu(self, negative_slope)

    def abs(self):
        return _ops.abs(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def clip(self, min=None, max=None):  # noqa: A002 - NumPy's and PyTorch's names
        return _ops.clip(self, min, max)

    def sum(self, axis=None, keepdims: bool = False):
        return _ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        return _ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims: bool = False):
        return _ops.max(self, axis, keepdims)

    def reshape(self, *shape):
        return _ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes):
        return _ops.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    @property
    def T(self):  # noqa: N802 - NumPy's name
        return _ops.transpose(self, None)


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """Create a :class:`Tensor`, as ``torch.tensor`` does.

    Examples
    --------
    >>> tensor([1, 2, 3]).dtype
    dtype('float32')
    >>> tensor([1.0], dtype="float64").dtype
    dtype('float64')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _constant(data: np.ndarray) -> Tensor:
    """A leaf that needs no gradient, around an array already of the right dtype."""
    t = Tensor.__new__(Tensor)
    t.data, t.grad, t.requires_grad, t.label = data, None, False, ""
    t._prev, t._op, t._backward, t.attrs = (), "", None, None
    return t


def _result(
    data: np.ndarray, parents: tuple, op: str, backward: Callable, attrs: dict | None = None
) -> Tensor:
    """Wrap an op's output; record the graph only when a parent needs a gradient.

    ``attrs`` holds what an op knows beside its operands that a reader of the graph needs
    (a fused loss's target shape, soft or hard targets, reduction; a reduction's axis; an
    index; a slope or bounds); it is kept on the result.
    """
    out = Tensor.__new__(Tensor)
    out.data, out.grad, out._op, out.label, out.attrs = data, None, op, "", attrs
    out.requires_grad, out._prev, out._backward = False, (), None
    if _grad_mode.enabled:
        for p in parents:
            if p.requires_grad:
                out.requires_grad, out._prev, out._backward = True, parents, backward
                break
    if _trace_hook.tracer is not None:
        _trace_hook.tracer.forward_op(out, parents, backward)
    return out


def _freed(g):
    """The backward of a node whose graph was freed (never reached: backward checks first)."""
    raise GraphError("backward(): this part of the graph was freed")


def _freed_error(node: Tensor) -> GraphError:
    return GraphError(
        f"backward(): the graph through this '{node._op}' result was freed by an earlier "
        "backward(); pass retain_graph=True to the first call to go through it twice"
    )


def _topological_order(root: Tensor) -> list[Tensor]:
    """Recorded nodes reachable from ``root``, each after all of its operands.

    Raises GraphError on reaching a freed node, before any gradient has been touched.
    """
    order = topological_order(root, "_backward")  # a leaf has none; a freed node has one
    for node in order:
        if not node._prev:
            raise _freed_error(node)
    return order


def _run_backward(order: list[Tensor], retain_graph: bool) -> None:
    """Apply each node's local chain rule, outputs first, summing into the operands.

    A leaf's gradient is an array of its own, of the leaf's dtype: a gradient that is a view,
    or that is passed through unchanged from the result (as by ``+``), is copied on arrival,
    and one of another dtype (from mixing float32 and float64 tensors) is converted.
    """
    tracer = _trace_hook.tracer
    if tracer is not None:
        tracer.backward_begins(order[-1])
    for node in reversed(order):
        g_out = node.grad
        if g_out is not None:
            grads = node._backward(g_out) if tracer is None else tracer.backward_node(node, g_out)
            for p, g in zip(node._prev, grads):
                if g is None or not p.requires_grad:
                    continue
                if p._prev:  # an intermediate: contributions are summed
                    p.grad = g if p.grad is None else p.grad + g
                    continue
                if g.dtype != p.data.dtype:
                    g = g.astype(p.data.dtype)  # a new array
                if p.grad is not None:
                    p.grad = p.grad + g
                elif g.base is None and g is not g_out:
                    p.grad = g
                else:
                    p.grad = g.copy()
        if not retain_graph:
            node._prev = ()
            node._backward = _freed


from . import ops as _ops  # noqa: E402 - ops needs Tensor defined first
