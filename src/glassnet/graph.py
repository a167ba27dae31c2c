"""Drawing computation graphs with Graphviz.

:func:`to_dot` turns a graph into DOT text, the language of Graphviz: one record per
value showing its label, data and gradient, and one small oval per operation, with edges
running from the operands through the operation to its result. It needs nothing but the
standard library and works on any node with the attributes ``_prev``, ``_op``, ``data``,
``grad`` and ``label`` (scalar Values, and Tensors whose ``data`` is an array).

:func:`draw` renders that text to SVG or PNG through the optional ``graphviz`` package
and the Graphviz ``dot`` program.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import numpy as np

from .errors import DomainError, GraphvizNotFoundError

__all__ = ["to_dot", "draw"]

_FORMATS = ("svg", "png", "pdf")


def _nodes_in_order(root) -> list:
    """Every node reachable from ``root``, operands before results, without recursion."""
    seen = {id(root)}  # membership only; the order comes from the lists
    order = []
    stack = [(root, iter(root._prev))]
    while stack:
        v, operands = stack[-1]
        for c in operands:
            if id(c) not in seen:
                seen.add(id(c))
                stack.append((c, iter(c._prev)))
                break
        else:
            stack.pop()
            order.append(v)
    return order


def _fmt_number(x) -> str:
    x = float(x)
    if x == 0.0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4g}"


def _fmt_field(name: str, x) -> str:
    """``data 2.0000`` for a number; shape and, for 4 entries or fewer, values for an array."""
    if x is None:
        return f"{name} None"
    if isinstance(x, np.ndarray) or np.ndim(x) > 0:
        a = np.asarray(x)
        shape = str(tuple(int(n) for n in a.shape))  # NumPy's spelling: (3,), (2, 4)
        if a.size <= 4:
            values = " ".join(_fmt_number(v) for v in a.reshape(-1))
            return f"{name} {shape} [{values}]"
        return f"{name} {shape} {a.dtype}"
    return f"{name} {_fmt_number(x)}"


def _escape(text: str) -> str:
    """Escape the characters that have a meaning inside a DOT record label."""
    out = str(text)
    for ch in "\\{}|<>\"":
        out = out.replace(ch, "\\" + ch)
    return out


def to_dot(root, *, rankdir: str = "LR") -> str:
    """Describe the graph that produced ``root`` in Graphviz's DOT language.

    Each value becomes a record ``{ label | data ... | grad ... }`` named ``v0``, ``v1``
    ... in the order of a depth-first walk from the inputs (deterministic: the same
    graph always gives the same text). Each operation becomes an oval ``v3_op`` with an
    edge from every operand (twice for ``a * a``) and one to its result.

    Parameters
    ----------
    root : Value or Tensor
        The output; any object with ``_prev``, ``_op``, ``data``, ``grad``, ``label``.
    rankdir : {'LR', 'TB'}
        Left-to-right (default) or top-to-bottom layout.

    Returns
    -------
    str
        The DOT source.

    Examples
    --------
    >>> from glassnet.scalar import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> c.label = "c"
    >>> print(to_dot(c))
    digraph glassnet {
      rankdir=LR;
      node [fontname="Helvetica"];
      v0 [shape=record, label="{ a | data 2.0000 | grad 0.0000 }"];
      v1 [shape=record, label="{ b | data -3.0000 | grad 0.0000 }"];
      v2 [shape=record, label="{ c | data -6.0000 | grad 0.0000 }"];
      v2_op [shape=ellipse, label="*"];
      v2_op -> v2;
      v0 -> v2_op;
      v1 -> v2_op;
    }
    """
    nodes = _nodes_in_order(root)
    name = {id(v): f"v{i}" for i, v in enumerate(nodes)}
    lines = ["digraph glassnet {", f"  rankdir={rankdir};", '  node [fontname="Helvetica"];']
    for v in nodes:
        fields = [_escape(getattr(v, "label", "") or "")]
        fields += [_escape(_fmt_field("data", v.data)), _escape(_fmt_field("grad", v.grad))]
        lines.append(f'  {name[id(v)]} [shape=record, label="{{ {" | ".join(fields)} }}"];')
    for v in nodes:
        if not v._prev:
            continue
        op = f"{name[id(v)]}_op"
        op_label = str(v._op or "?").replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'  {op} [shape=ellipse, label="{op_label}"];')
        lines.append(f"  {op} -> {name[id(v)]};")
        lines.extend(f"  {name[id(c)]} -> {op};" for c in v._prev)
    lines.append("}")
    return "\n".join(lines)


def draw(root, path, *, rankdir: str = "LR") -> Path:
    """Render the graph of ``root`` to an image file; the format comes from the suffix.

    Parameters
    ----------
    root : Value or Tensor
        The output whose graph is drawn.
    path : str or path-like
        Where to write: ``graph.svg``, ``graph.png`` or ``graph.pdf``.
    rankdir : {'LR', 'TB'}
        Layout direction.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    GraphvizNotFoundError
        When the ``graphviz`` Python package or the ``dot`` program is missing. The DOT
        text is then written to ``<path>.dot`` instead, and the message says how to
        install what is missing.
    DomainError
        For a suffix other than .svg, .png or .pdf.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _FORMATS:
        raise DomainError(
            f"draw(): cannot tell the image format from {str(path)!r}; "
            f"use a name ending in {', '.join('.' + f for f in _FORMATS)}"
        )
    source = to_dot(root, rankdir=rankdir)
    missing = _missing_graphviz()
    if missing:
        dot_path = path.with_name(path.name + ".dot")
        dot_path.write_text(source + "\n", encoding="utf-8")
        raise GraphvizNotFoundError(
            f"draw() needs {missing} to render {path.name}. Install them with "
            "`pip install glassnet[graph]` and the Graphviz programs with "
            "`apt-get install graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS). "
            f"The DOT text was written to {dot_path}; `dot -T{fmt} {dot_path}` renders it."
        )
    graphviz = importlib.import_module("graphviz")
    path.write_bytes(graphviz.Source(source).pipe(format=fmt))
    return path


def _missing_graphviz() -> str:
    """Name what is missing to render with Graphviz, or '' when everything is there."""
    missing = []
    try:
        importlib.import_module("graphviz")
    except ImportError:
        missing.append("the `graphviz` Python package")
    if shutil.which("dot") is None:
        missing.append("the Graphviz `dot` program")
    return " and ".join(missing)
