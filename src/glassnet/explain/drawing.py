"""Drawing computation graphs with Graphviz.

:func:`to_dot` turns a graph into DOT text, the language of Graphviz. It needs nothing but
NumPy and works on three kinds of graph:

- scalar :class:`~glassnet.scalar.Value` graphs (and any node with the attributes
  ``_prev``, ``_op``, ``data``, ``grad`` and ``label``): one record per value showing its
  label, data and gradient, and one small oval per operation;
- :class:`~glassnet.Tensor` graphs: one box per operation with its formula
  (``z1 = x @ W1.T + b1``), its shape and, for tensors of at most 16 entries, its values
  and gradient (a larger tensor shows its gradient's L2 norm), plus one box per input and
  parameter;
- a :class:`~glassnet.explain.Trace`: the graph it recorded, drawn the same way.

``backward()`` frees the graph it runs through, so a Tensor graph can be drawn *with its
gradients* in two ways: call ``loss.backward(retain_graph=True)``, or run the pass inside
``with glassnet.explain.trace() as t:`` and draw ``t``, which keeps the graph it saw.
Drawing a freed graph raises :class:`~glassnet.errors.GraphError` saying so.

:func:`draw` renders the text to SVG, PNG or PDF through the optional ``graphviz`` package
and the Graphviz ``dot`` program, or writes the DOT text itself to a ``.dot`` file (no
Graphviz needed); without a path it returns a :class:`Drawing`, which a Jupyter notebook
shows as SVG.
"""

from __future__ import annotations

import errno
import importlib
import os
import re
import shutil
from pathlib import Path

import numpy as np

from .._order import topological_order
from ..errors import DomainError, GraphvizNotFoundError
from .notation import shape_text

__all__ = ["to_dot", "draw", "Drawing"]

_FORMATS = ("svg", "png", "pdf")
_SUFFIXES = ", ".join("." + f for f in (*_FORMATS, "dot"))
_NODE_LINE = re.compile(r"^  [vn]\d+(_op)? \[")


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
    for ch in '\\{}|<>"':
        out = out.replace(ch, "\\" + ch)
    return out


def to_dot(root, *, rankdir: str = "LR", max_values: int = 16) -> str:
    """Describe the graph that produced ``root`` in Graphviz's DOT language.

    For a Value graph, each value becomes a record ``{ label | data ... | grad ... }``
    named ``v0``, ``v1`` ... in the order of a depth-first walk from the inputs
    (deterministic: the same graph always gives the same text), and each operation an oval
    ``v3_op`` with an edge from every operand (twice for ``a * a``) and one to its result.
    Array data in such nodes shows its values up to 4 entries.

    For a Tensor or a Trace, each tensor becomes a box ``n0``, ``n1`` ... (operands first)
    holding its name, its operation and formula, its shape and dtype, and its values and
    gradient when it has at most ``max_values`` entries (else the gradient's L2 norm); an
    edge runs from each operand to the operation that used it.

    Parameters
    ----------
    root : Value, Tensor or Trace
        The output (or a recorded trace).
    rankdir : {'LR', 'TB'}
        Left-to-right (default) or top-to-bottom layout.
    max_values : int
        Tensors with at most this many entries show their values (Tensor graphs only).

    Returns
    -------
    str
        The DOT source.

    Raises
    ------
    GraphError
        For a Tensor whose graph was freed by ``backward()`` (see the module's notes).

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
    nodes = _tensor_graph(root)
    if nodes is not None:
        return tensor_dot(nodes, rankdir=rankdir, max_values=max_values)
    nodes = topological_order(root)
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


def _tensor_graph(root) -> list[dict] | None:
    """The nodes of a Tensor graph or a trace, or None for a Value graph."""
    if hasattr(root, "graph_nodes"):  # a Trace
        return root.graph_nodes()
    from ..tensor import Tensor

    if isinstance(root, Tensor):
        from .trace import capture

        return capture(root).graph_nodes()
    return None


def draw(root, path=None, *, rankdir: str = "LR", max_values: int = 16):
    """Render the graph of ``root`` to a file, or return it as a :class:`Drawing`.

    Parameters
    ----------
    root : Value, Tensor or Trace
        The output whose graph is drawn, or a recorded trace.
    path : str or path-like, optional
        Where to write; the format comes from the suffix: ``graph.svg``, ``graph.png``,
        ``graph.pdf`` (rendered by Graphviz) or ``graph.dot`` (the DOT text itself, which
        needs no Graphviz). Without a path, nothing is written.
    rankdir : {'LR', 'TB'}
        Layout direction.
    max_values : int
        Tensors with at most this many entries show their values (see :func:`to_dot`).

    Returns
    -------
    pathlib.Path or Drawing
        The written file, or (without ``path``) a :class:`Drawing`, which a notebook
        shows as SVG.

    Raises
    ------
    GraphvizNotFoundError
        When rendering needs the ``graphviz`` Python package or the ``dot`` program and
        one is missing. The DOT text is then written to ``<path>.dot`` instead, and the
        message says how to install what is missing.
    DomainError
        For a suffix other than .svg, .png, .pdf or .dot.

    Examples
    --------
    >>> import glassnet
    >>> w = glassnet.Tensor([[1.0, -2.0]], requires_grad=True, label="w")
    >>> loss = (w * w).sum()
    >>> loss.backward(retain_graph=True)  # keep the graph, to draw it with its gradients
    >>> d = draw(loss)  # in a notebook, `d` alone shows the drawing
    >>> "loss = sum(t1)" in d.source, "<TD>-4</TD>" in d.source  # dloss/dw = 2w = (2, -4)
    (True, True)
    """
    source = to_dot(root, rankdir=rankdir, max_values=max_values)
    if path is None:
        return Drawing(source)
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "dot":
        _write(path, (source + "\n").encode("utf-8"))
        return path
    if fmt not in _FORMATS:
        raise DomainError(
            f"draw(): cannot tell the image format from {str(path)!r}; "
            f"use a name ending in {_SUFFIXES}"
        )
    _write(path, _render(source, fmt, target=path))
    return path


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, never through a symbolic link onto some other file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(
                exc.errno, "a symbolic link; glassnet does not write through one", str(path)
            ) from None
        raise
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _render(source: str, fmt: str, target: Path | None = None) -> bytes:
    """Render DOT text with Graphviz. If it is missing, write the text to ``<target>.dot``
    (when there is a target) and say how to install it."""
    missing = _missing_graphviz()
    if missing:
        what, where = "draw a graph", ""
        if target is not None:
            dot_path = target.with_name(target.name + ".dot")
            _write(dot_path, (source + "\n").encode("utf-8"))
            what = f"render {target.name}"
            where = f" The DOT text was written to {dot_path}; `dot -T{fmt} {dot_path}` renders it."
        raise GraphvizNotFoundError(
            f"draw() needs {missing} to {what}. Install them with `pip install glassnet[graph]` "
            "and the Graphviz programs with `apt-get install graphviz` (Debian/Ubuntu) or "
            f"`brew install graphviz` (macOS).{where}"
        )
    graphviz = importlib.import_module("graphviz")
    return graphviz.Source(source).pipe(format=fmt)


class Drawing:
    """A computation graph ready to show: a notebook displays it as SVG.

    Parameters
    ----------
    source : str
        The DOT text (see :func:`to_dot`).

    Attributes
    ----------
    source : str

    Examples
    --------
    >>> from glassnet.scalar import Value
    >>> d = Drawing(to_dot(Value(2.0) * 3))
    >>> d.source.startswith("digraph glassnet {")
    True
    """

    def __init__(self, source: str):
        self.source = source
        self._svg: str | None = None

    def svg(self) -> str:
        """The drawing as SVG text (rendered once by Graphviz, then kept)."""
        if self._svg is None:
            self._svg = _render(self.source, "svg").decode("utf-8")
        return self._svg

    def save(self, path) -> Path:
        """Write the drawing to ``path`` (.svg, .png, .pdf or .dot)."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt == "dot":
            _write(path, (self.source + "\n").encode("utf-8"))
        elif fmt in _FORMATS:
            _write(path, _render(self.source, fmt, target=path))
        else:
            raise DomainError(
                f"Drawing.save(): use a name ending in {_SUFFIXES}, got {str(path)!r}"
            )
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        try:
            return {"image/svg+xml": self.svg(), "text/plain": repr(self)}
        except GraphvizNotFoundError as e:
            return {"text/plain": f"{self!r}\n{e}"}

    def __repr__(self) -> str:
        n = sum(1 for line in self.source.splitlines() if _NODE_LINE.match(line))
        return f"<Drawing: {n} nodes; shown as SVG in a notebook, .save('graph.svg') to write it>"


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


# --- Tensor graphs and traces -------------------------------------------------------------
# DOT text for Tensor graphs: one box per tensor, with its formula, shape, values, gradient.
#
# Each box is a Graphviz HTML-like table. Small tensors (at most ``max_values`` entries)
# show their entries laid out as a matrix (one table row per row of the last two axes),
# first the data, then the gradient; a larger one shows its gradient's L2 norm. Operations
# are blue, parameters yellow, inputs and constants grey.


_COLOURS = {"op": "#dbe9f6", "parameter": "#fff2cc", "input": "#eeeeee"}


def _html(text: str) -> str:
    return (
        str(text)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def number(v) -> str:
    """How an entry is written: 4 significant digits (``0.1235``, ``-4``, ``1.5e-05``)."""
    return f"{float(v) + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0


def _grid(label: str, a: np.ndarray, span: int) -> list[str]:
    """Table rows: a label, then the entries as a matrix over the last axis."""
    rows = [f'<TR><TD COLSPAN="{span}" ALIGN="LEFT"><I>{label}</I></TD></TR>']
    m = a.reshape(-1, a.shape[-1]) if a.ndim else a.reshape(1, 1)
    for r in m:
        cells = "".join(f"<TD>{number(v)}</TD>" for v in r)
        pad = f'<TD COLSPAN="{span - len(r)}"></TD>' if len(r) < span else ""
        rows.append(f"<TR>{cells}{pad}</TR>")
    return rows


def _label(node: dict, max_values: int) -> str:
    t = node["tensor"]
    data, grad = np.asarray(t.data), t.grad
    small = data.size <= max_values
    span = max(1, data.shape[-1] if data.ndim and small else 1)
    head = f"<B>{_html(node['name'])}</B>"
    if node["title"] and node["title"] != node["name"]:
        head += f"  {_html(node['title'])}"
    rows = [f'<TR><TD COLSPAN="{span}">{head}</TD></TR>']
    if node["math"]:
        rows.append(f'<TR><TD COLSPAN="{span}">{_html(node["math"])}</TD></TR>')
    shape = f"{shape_text(data.shape)} {data.dtype}"
    rows.append(f'<TR><TD COLSPAN="{span}">{shape}</TD></TR>')
    if small and data.size:
        rows += _grid("data", data, span)
    if grad is not None:
        g = np.asarray(grad)
        if small and g.size:
            rows += _grid("grad", g, span)
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                norm = float(np.sqrt(np.sum(np.square(g, dtype=np.float64))))
            rows.append(f'<TR><TD COLSPAN="{span}">grad norm {number(norm)}</TD></TR>')
    colour = _COLOURS[node["kind"]]
    return (
        f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" '
        f'BGCOLOR="{colour}">{"".join(rows)}</TABLE>>'
    )


def tensor_dot(nodes: list[dict], *, rankdir: str = "LR", max_values: int = 16) -> str:
    """The DOT text of a tensor graph given as ``Trace.graph_nodes()``."""
    lines = [
        "digraph glassnet {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=11, shape=plaintext];',
    ]
    for i, node in enumerate(nodes):
        lines.append(f"  n{i} [label={_label(node, max_values)}];")
    for i, node in enumerate(nodes):
        lines.extend(f"  n{j} -> n{i};" for j in node["inputs"])
    lines.append("}")
    return "\n".join(lines)
