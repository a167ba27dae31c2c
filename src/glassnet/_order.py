"""The one topological order of a computation graph, shared by both engines and the drawings.

A node is anything with ``_prev``, the ordered tuple of its operands: a scalar
:class:`~glassnet.scalar.Value` or a :class:`~glassnet.Tensor`. Backpropagation needs every
node after all of its operands (so that walking the list backwards reaches a node only when
every result that uses it is done), and a drawing needs the same order to number its boxes.
"""

from __future__ import annotations

from collections.abc import Callable


def topological_order(root, inner: Callable[[object], object] | None = None) -> list:
    """Nodes reachable from ``root``, each after all of its operands, without recursion.

    An iterative depth-first search with an explicit stack of (node, operand iterator)
    pairs, so that a chain of 100,000 operations does not hit Python's recursion limit
    (a recursive sort does, at about 1,000). Membership is tested by ``id`` in a set;
    the order itself comes only from the ``_prev`` tuples, so it is the same in every run.

    Parameters
    ----------
    root : node
        Where the walk starts; it is always listed, last.
    inner : callable, optional
        ``inner(node)`` is true for the operands to walk into and list; the others (leaves,
        for backpropagation) are left out. By default every node is listed.

    Returns
    -------
    list
        The nodes, operands before results; ``root`` is the last.

    Examples
    --------
    >>> from glassnet.scalar import Value
    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a * b
    >>> c.label = "c"
    >>> [v.label for v in topological_order(c)]
    ['a', 'b', 'c']
    >>> [v.label for v in topological_order(c, inner=lambda v: v._prev)]
    ['c']
    """
    seen = {id(root)}
    order = []
    stack = [(root, iter(root._prev))]
    while stack:
        node, operands = stack[-1]
        for p in operands:
            if id(p) not in seen and (inner is None or inner(p)):
                seen.add(id(p))
                stack.append((p, iter(p._prev)))
                break
        else:  # every operand of node is listed
            stack.pop()
            order.append(node)
    return order
