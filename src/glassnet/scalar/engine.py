"""The scalar autograd engine: :class:`Value`, one number that remembers how it was made.

Every operation on Values builds a new node that records its operands (``_prev``), a
short name of the operation (``_op``) and its *local derivatives*: for ``c = f(a, b)``
the numbers ``dc/da`` and ``dc/db``, computed in the forward pass, right next to the
forward formula. :meth:`Value.backward` then applies the chain rule,
``a.grad += dc/da * c.grad``, visiting the nodes from the output back to the inputs.

Nodes hold their operands and plain floats, never a function that refers back to the
node itself, so a graph has no reference cycles: it is freed by reference counting the
moment the last name pointing at it goes away, without waiting for Python's cyclic
garbage collector.
"""

from __future__ import annotations

import math
from numbers import Real
from operator import mul as _mul

from .._order import topological_order
from ..errors import DataError, DomainError, GraphError

__all__ = ["Value", "weighted_sum"]

_EXP_MAX = math.log(1.7976931348623157e308)  # about 709.78: exp of anything larger overflows


class Value:
    """A scalar that records the operations applied to it, for automatic differentiation.

    Parameters
    ----------
    data : float
        The number. Ints, bools and NumPy scalars are stored as a Python ``float``.
    _children : tuple of Value, optional
        Operands of the operation that produced this value (micrograd's constructor form).
        Operators fill this in; a Value built by hand with children has no local
        derivatives, so ``backward()`` through it raises
        :class:`~glassnet.errors.GraphError`.
    _op : str, optional
        Name of that operation, such as ``'+'`` or ``'tanh'``; ``''`` for an input.
    label : str, optional
        A name shown in graph drawings.

    Attributes
    ----------
    data : float
        The number.
    grad : float
        d(output)/d(this value) after ``output.backward()``; 0.0 before.
    _prev : tuple of Value
        The operands, in order (``(a, b)`` for ``a - b``). Empty for inputs and parameters.
    _op : str
        The operation that made this value.

    Examples
    --------
    >>> a = Value(2.0, label="a")
    >>> b = Value(-3.0, label="b")
    >>> c = a * b + a ** 2
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-2.0, 1.0, 2.0)
    """

    # No __dict__: smaller, faster nodes. '_local' holds d(self)/d(operand), one per operand.
    __slots__ = ("data", "grad", "_prev", "_op", "_local", "label", "__weakref__")

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = _to_float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self._local = None if self._prev else ()
        self.label = label

    def __repr__(self) -> str:
        extra = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{extra})"

    # ---------------------------------------------------------------- binary primitives

    def __add__(self, other):
        """``a + b``. Local derivatives: d/da = 1, d/db = 1."""
        if not isinstance(other, Value):
            other = _const(other)
            if other is NotImplemented:
                return NotImplemented
        return _node(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __sub__(self, other):
        """``a - b``. Local derivatives: d/da = 1, d/db = -1."""
        if not isinstance(other, Value):
            other = _const(other)
            if other is NotImplemented:
                return NotImplemented
        return _node(self.data - other.data, (self, other), "-", (1.0, -1.0))

    def __mul__(self, other):
        """``a * b``. Local derivatives: d/da = b, d/db = a."""
        if not isinstance(other, Value):
            other = _const(other)
            if other is NotImplemented:
                return NotImplemented
        a, b = self.data, other.data
        return _node(a * b, (self, other), "*", (b, a))

    def __truediv__(self, other):
        """``a / b``. Local derivatives: d/da = 1/b, d/db = -a/b**2 = -(a/b)/b.

        Raises :class:`~glassnet.errors.DomainError` when ``b == 0``.
        """
        if not isinstance(other, Value):
            other = _const(other)
            if other is NotImplemented:
                return NotImplemented
        a, b = self.data, other.data
        if b == 0.0:
            raise DomainError(f"division by zero: {a!r} / {b!r}")
        out = a / b
        return _node(out, (self, other), "/", (1.0 / b, -out / b))

    def __pow__(self, other):
        """``x ** y`` for a number ``y`` or a Value ``y``.

        Local derivatives: d/dx = y * x**(y-1); for a Value exponent also
        d/dy = x**y * ln(x), which is why a Value exponent needs ``x > 0``.
        At ``x = 0`` with ``0 < y < 1`` (e.g. ``sqrt`` at 0) d/dx is ``inf``.

        Raises :class:`~glassnet.errors.DomainError` for ``0 ** negative``, a negative
        base with a non-integer exponent, a non-positive base with a Value exponent, and
        results too large for a float.
        """
        if isinstance(other, Value):
            return _pow_value(self, other)
        if not isinstance(other, Real):
            return NotImplemented
        x, y = self.data, other
        _check_pow_domain(x, y)
        try:
            out = x**y
            dx = _dpow_dx(x, y)
        except OverflowError:
            raise DomainError(f"{x!r} ** {y!r} overflows a float64") from None
        return _node(out, (self,), f"**{y}", (dx,))

    def __radd__(self, other):  # other + self
        return self + other

    def __rsub__(self, other):  # other - self
        other = _const(other)
        return NotImplemented if other is NotImplemented else other - self

    def __rmul__(self, other):  # other * self
        return self * other

    def __rtruediv__(self, other):  # other / self
        other = _const(other)
        return NotImplemented if other is NotImplemented else other / self

    def __rpow__(self, other):  # other ** self: a number raised to a Value
        other = _const(other)
        return NotImplemented if other is NotImplemented else _pow_value(other, self)

    # ----------------------------------------------------------------- unary primitives

    def __neg__(self):
        """``-a``. Local derivative: d/da = -1."""
        return _node(-self.data, (self,), "neg", (-1.0,))

    def relu(self):
        """``max(0, x)``. Local derivative: 1 if x > 0 else 0 (relu'(0) = 0 is chosen).

        Examples
        --------
        >>> Value(-2.0).relu().data, Value(3.0).relu().data
        (0.0, 3.0)
        """
        x = self.data
        if x > 0.0:
            return _node(x, (self,), "relu", (1.0,))
        return _node(0.0, (self,), "relu", (0.0,))

    def tanh(self):
        """``tanh(x)``. Local derivative: 1 - tanh(x)**2 = 4 e / (1 + e)**2, e = exp(-2|x|).

        ``math.tanh`` saturates to exactly +-1.0 for large |x| instead of overflowing
        like the textbook (e^{2x} - 1)/(e^{2x} + 1), so ``Value(1000).tanh()`` is 1.0.
        The derivative uses the second form, which neither overflows nor loses its digits
        to cancellation when tanh(x) is within a rounding error of +-1.

        Examples
        --------
        >>> y = Value(1000.0).tanh()
        >>> y.backward()
        >>> y.data, y._prev[0].grad
        (1.0, 0.0)
        """
        x = self.data
        e = math.exp(-2.0 * abs(x))  # in (0, 1]: never overflows
        return _node(math.tanh(x), (self,), "tanh", (4.0 * e / ((1.0 + e) * (1.0 + e)),))

    def sigmoid(self):
        """``s(x) = 1 / (1 + exp(-x))``. Local derivative: s (1 - s) = e / (1 + e)**2.

        With e = exp(-|x|) (which never overflows), s = 1 / (1 + e) for x >= 0 and
        e / (1 + e) for x < 0, so ``Value(-1000).sigmoid()`` is exactly 0.0; the
        derivative in that form keeps its digits where 1 - s would cancel.

        Examples
        --------
        >>> Value(0.0).sigmoid().data, Value(-1000.0).sigmoid().data
        (0.5, 0.0)
        """
        x = self.data
        e = math.exp(-abs(x))
        s = 1.0 / (1.0 + e) if x >= 0.0 else e / (1.0 + e)
        return _node(s, (self,), "sigmoid", (e / ((1.0 + e) * (1.0 + e)),))

    def exp(self):
        """``e ** x``. Local derivative: e ** x (the output itself).

        Raises :class:`~glassnet.errors.DomainError` when x > ~709.78, where the result
        would not fit in a float64, instead of returning ``inf``.

        Examples
        --------
        >>> Value(0.0).exp().data
        1.0
        """
        x = self.data
        if x > _EXP_MAX:
            raise DomainError(
                f"exp({x!r}) overflows a float64 (largest finite result is at x = {_EXP_MAX:.2f})"
            )
        out = math.exp(x)
        return _node(out, (self,), "exp", (out,))

    def log(self):
        """Natural logarithm ``ln x``. Local derivative: 1 / x.

        Raises :class:`~glassnet.errors.DomainError` for x <= 0.

        Examples
        --------
        >>> Value(1.0).log().data
        0.0
        """
        x = self.data
        if not x > 0.0:
            raise DomainError(f"log({x!r}): the logarithm needs a positive number")
        return _node(math.log(x), (self,), "log", (1.0 / x,))

    # ------------------------------------------------------------------------ backward

    def backward(self) -> None:
        """Fill ``.grad`` of every value this one depends on, by the chain rule.

        What is reset and what accumulates:

        1. Every *non-leaf* node of the graph (a value made by an operation, with
           non-empty ``_prev``) gets ``grad = 0.0`` first, and this output gets
           ``grad = 1.0``. So intermediates never carry a stale gradient from an earlier
           ``backward()``.
        2. Walking the nodes from the output back to the inputs (a topological order
           found without recursion, so graphs 100,000 operations deep work), each node
           adds its share to each operand: ``operand.grad += local_derivative * grad``.
           A value used twice receives both shares.
        3. *Leaf* nodes (empty ``_prev``: parameters, inputs, constants) are never reset:
           their gradients accumulate across calls, as in PyTorch. Calling ``backward()``
           twice doubles them; reset them with ``Module.zero_grad()`` (or ``v.grad = 0``)
           before each step. A leaf output's own grad is increased by 1.

        Raises
        ------
        GraphError
            When the graph holds a value built by hand with children (micrograd's
            ``Value(data, _children, _op)`` form), whose local derivatives are unknown.

        Examples
        --------
        >>> x = Value(3.0)
        >>> y = x * x
        >>> y.backward()
        >>> x.grad
        6.0
        >>> y.backward()          # leaves accumulate ...
        >>> x.grad, y.grad        # ... the output and intermediates are reset
        (12.0, 1.0)
        """
        topo = _topological_order(self)
        if not self._prev:
            self.grad += 1.0
            return
        self.grad = 1.0
        for v in reversed(topo):
            g = v.grad
            if g:  # a zero gradient adds nothing: skip the whole fan-out
                for child, d in zip(v._prev, v._local):
                    child.grad += d * g


# ------------------------------------------------------------------------- n-ary primitive


def weighted_sum(w, x, b: Value) -> Value:
    """The weighted sum of a neuron, ``z = w[0]*x[0] + ... + w[n-1]*x[n-1] + b``, as one node.

    Local derivatives: dz/dw[i] = x[i], dz/dx[i] = w[i], dz/db = 1. One node instead of
    n products and n sums gives the same value and the same gradients with far fewer
    objects. Its operands are ``(*w, *x, b)``, in that order, and its ``_op`` is
    ``'w·x+b'``.

    Parameters
    ----------
    w, x : sequence of Value
        Weights and inputs, of the same length (not checked here).
    b : Value
        The bias.

    Returns
    -------
    Value

    Examples
    --------
    >>> w, x, b = [Value(2.0), Value(-1.0)], [Value(3.0), Value(4.0)], Value(0.5)
    >>> z = weighted_sum(w, x, b)
    >>> z.data
    2.5
    >>> z.backward()
    >>> [wi.grad for wi in w], [xi.grad for xi in x], b.grad
    ([3.0, 4.0], [2.0, -1.0], 1.0)
    """
    wd = [wi.data for wi in w]
    xd = [xi.data for xi in x]
    z = sum(map(_mul, wd, xd), b.data)  # b + w0*x0 + w1*x1 + ..., left to right
    return _node(z, (*w, *x, b), "w·x+b", (*xd, *wd, 1.0))


# ------------------------------------------------------------------------------ helpers

_new = object.__new__


def _node(data: float, prev: tuple, op: str, local: tuple) -> Value:
    """Build a non-leaf Value without ``__init__``'s checks (operands are trusted)."""
    v = _new(Value)
    v.data = data
    v.grad = 0.0
    v._prev = prev
    v._op = op
    v._local = local
    v.label = ""
    return v


def _to_float(data) -> float:
    if type(data) is float:
        return data
    if isinstance(data, Real):  # int, bool, NumPy scalars (even np.float64, a float subclass)
        return float(data)
    try:
        return float(data)  # e.g. a 0-d NumPy array
    except (TypeError, ValueError):
        raise DataError(
            f"Value() holds one real number, got {data!r} ({type(data).__name__})"
        ) from None


def _const(x):
    """Wrap a plain number as a leaf Value; NotImplemented for anything else."""
    if isinstance(x, Real):
        return _node(float(x), (), "", ())
    return NotImplemented


def _check_pow_domain(x: float, y) -> None:
    if x == 0.0 and y < 0:
        raise DomainError(f"{x!r} ** {y!r}: zero cannot be raised to a negative power")
    if x < 0.0 and not float(y).is_integer():
        raise DomainError(
            f"{x!r} ** {y!r}: a negative base needs an integer exponent (the result is complex)"
        )


def _dpow_dx(x: float, y) -> float:
    """d(x**y)/dx = y * x**(y-1), with its limits at x = 0 written out."""
    if x != 0.0:
        return y * x ** (y - 1)
    if y == 0:
        return 0.0  # x**0 is the constant 1
    if y < 1:
        return math.inf  # e.g. sqrt(x) has a vertical tangent at 0
    return y * 0.0 ** (y - 1)


def _pow_value(base: Value, exponent: Value) -> Value:
    """``x ** y`` with a Value exponent. d/dx = y * x**(y-1), d/dy = x**y * ln(x)."""
    x, y = base.data, exponent.data
    if not x > 0.0:
        raise DomainError(
            f"{x!r} ** Value({y!r}): a Value exponent needs a positive base, "
            "because d(x**y)/dy = x**y * ln(x)"
        )
    try:
        out = x**y
        dx = y * x ** (y - 1)
    except OverflowError:
        raise DomainError(f"{x!r} ** {y!r} overflows a float64") from None
    return _node(out, (base, exponent), "**", (dx, out * math.log(x)))


def _topological_order(root: Value) -> list[Value]:
    """Non-leaf nodes reachable from ``root``, each after all of its operands.

    Leaves are skipped: they have nothing to pass on. Every node listed has its grad reset
    to 0.0 on the way (rule 1 of :meth:`Value.backward`).
    """
    if not root._prev:
        return []
    topo = topological_order(root, "_prev")  # a leaf's is empty
    for v in topo:
        if v._local is None:
            _raise_no_local(v)
        v.grad = 0.0
    return topo


def _raise_no_local(v: Value):
    raise GraphError(
        f"cannot differentiate through {v!r} (op {v._op!r}): it was built by hand as "
        "Value(data, _children, _op), so its local derivatives are unknown; "
        "build it with operators and methods instead"
    )
