"""The one topological order of a computation graph, shared by both engines and the drawings.

A node is anything with ``_prev``, the ordered tuple of its operands: a scalar
:class:`~glassnet.scalar.Value` or a :class:`~glassnet.Tensor`. Backpropagation needs every
node after all of its operands (so that walking the list backwards reaches a node only when
every result that uses it is done), and a drawing needs the same order to number its boxes.
"""

from __future__ import annotations


def topological_order(root, inner: str | None = None) -> list:
    """Nodes reachable from ``root``, each after all of its operands, without recursion.

    An iterative depth-first search with an explicit stack of (node, operand iterator)
    pairs, so that a chain of 100,000 operations does not hit Python's recursion limit
    (a recursive sort does, at about 1,000). Membership is tested by ``id`` in a set;
    the order itself comes only from the ``_prev`` tuples, so it is the same in every run.

    Parameters
    ----------
    root : node
        Where the walk starts; it is always listed, last.
    inner : str, optional
        The name of an attribute that is true on the operands to walk into and list (a
        Value's ``_prev``, a Tensor's ``_backward``); the others (leaves, which
        backpropagation has nothing to do for) are left out. By default every node is
        listed. A name rather than a function: reading an attribute costs a fraction of a
        call, and this loop runs once per edge of the graph.

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
    >>> [v.label for v in topological_order(c, inner="_prev")]
    ['c']
    """
    by_operands = inner == "_prev"  # a scalar graph has many thousand edges: read it inline
    seen = {id(root)}
    order = []
    stack = [(root, iter(root._prev))]
    while stack:
        node, operands = stack[-1]
        for p in operands:
            if p._prev if by_operands else inner is None or getattr(p, inner):
                if id(p) not in seen:
                    seen.add(id(p))
                    stack.append((p, iter(p._prev)))
                    break
        else:  # every operand of node is listed
            stack.pop()
            order.append(node)
    return order
