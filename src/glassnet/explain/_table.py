"""A trace as rich tables: one for each forward pass and each backward pass, in order.

rich is imported here, and this module only when a trace is printed, so that
``import glassnet`` does not pay for it.
"""

from __future__ import annotations

import io


def layer_text(row: dict) -> str:
    """``1``, ``2``, ``input`` (before the first layer), ``loss`` or ``""``."""
    layer = row["layer"]
    if layer is None:
        return (
            "loss"
            if row["op"] in ("cross_entropy", "binary_cross_entropy")
            or (row["output"]["name"] == "loss")
            else ""
        )
    return "input" if layer == 0 else str(layer)


def seconds_text(s: float) -> str:
    """``12.3 us``, ``4.56 ms`` or ``1.23 s`` (ASCII, so that any terminal can show it)."""
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def norm_text(x: float) -> str:
    return f"{x:.4g}"


def _passes(rows: list[dict]) -> list[list[dict]]:
    """Consecutive rows of the same pass, grouped."""
    groups: list[list[dict]] = []
    for r in rows:
        if groups and groups[-1][0]["pass"] == r["pass"]:
            groups[-1].append(r)
        else:
            groups.append([r])
    return groups


def _forward_table(rows: list[dict]):
    from rich.table import Table

    t = Table(title="forward pass", title_justify="left", show_lines=False, expand=False)
    for name, justify in [
        ("#", "right"),
        ("layer", "left"),
        ("module", "left"),
        ("operation", "left"),
        ("shapes", "left"),
        ("parameters", "left"),
        ("FLOPs", "right"),
        ("time", "right"),
    ]:
        t.add_column(name, justify=justify, no_wrap=name in ("#", "FLOPs", "time"))
    for r in rows:
        params = "\n".join(f"{n} {_shape(s)}" for n, s in r["parameters"].items())
        t.add_row(
            str(r["index"]),
            layer_text(r),
            r["module"],
            r["math"],
            r["shapes"],
            params,
            f"{r['flops']:,}",
            seconds_text(r["seconds"]),
        )
    _total_row(t, rows, columns=8)
    return t


def _backward_table(rows: list[dict]):
    from rich.table import Table

    t = Table(title="backward pass (the chain rule, output to input)", title_justify="left")
    for name, justify in [
        ("#", "right"),
        ("layer", "left"),
        ("gradient in", "left"),
        ("gradients out", "left"),
        ("shape", "left"),
        ("L2 norm", "right"),
        ("FLOPs", "right"),
        ("time", "right"),
    ]:
        t.add_column(name, justify=justify, no_wrap=name in ("#", "FLOPs", "time"))
    for r in rows:
        g = r["grad_output"]
        grad_in = f"{g['name']} {_shape(g['shape'])}  |{norm_text(g['norm'])}|"
        outs = r["grads"]
        t.add_row(
            str(r["index"]),
            layer_text(r),
            grad_in,
            "\n".join(x["math"] for x in outs) or "(no operand needs a gradient)",
            "\n".join(_shape(x["shape"]) for x in outs),
            "\n".join(norm_text(x["norm"]) for x in outs),
            f"{r['flops']:,}",
            seconds_text(r["seconds"]),
        )
    _total_row(t, rows, columns=8)
    return t


def _shape(shape: list) -> str:
    return str(tuple(shape))


def _total_row(table, rows: list[dict], columns: int) -> None:
    flops = sum(r["flops"] for r in rows)
    seconds = sum(r["seconds"] for r in rows)
    cells = [""] * columns
    cells[1] = "total"
    cells[-2], cells[-1] = f"{flops:,}", seconds_text(seconds)
    table.add_section()
    table.add_row(*cells)


def renderables(trace) -> list:
    """The tables of a trace, in the order its passes ran."""
    rows = trace.rows
    if not rows:
        from rich.text import Text

        return [Text("(nothing was recorded)")]
    return [
        _forward_table(g) if g[0]["pass"] == "forward" else _backward_table(g)
        for g in _passes(rows)
    ]


def render_text(trace, width: int) -> str:
    """The tables as plain text (no colours, no terminal needed)."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system=None,
        force_terminal=False,
        highlight=False,
        emoji=False,
    )
    for r in renderables(trace):
        console.print(r)
    return "\n".join(line.rstrip() for line in buffer.getvalue().rstrip("\n").splitlines())
