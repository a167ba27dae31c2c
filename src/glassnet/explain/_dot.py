"""DOT text for Tensor graphs: one box per tensor, with its formula, shape, values, gradient.

Each box is a Graphviz HTML-like table. Small tensors (at most ``max_values`` entries)
show their entries laid out as a matrix (one table row per row of the last two axes),
first the data, then the gradient; a larger one shows its gradient's L2 norm. Operations
are blue, parameters yellow, inputs and constants grey.
"""

from __future__ import annotations

import numpy as np

from . import _opinfo as info

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
    shape = f"{info.shape_text(data.shape)} {data.dtype}"
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
