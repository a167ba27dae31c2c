"""The table's columns as graph inputs, imputed and one-hot encoded as
:func:`glassnet.data.columns.encode` encodes them (the tests hold the graph to it).

A model's preprocessing is plain data (``{"columns": [...]}``, see
:mod:`glassnet.data.columns`): the number columns arrive together as one float64 tensor
``features`` (N, n_numbers), NaN where a cell is missing; each category column as its own
string tensor named after it, (N,), an empty string (or NA, N/A, NaN, null, ?) where missing.
"""

from __future__ import annotations

import numpy as np

from ..data.columns import TEXT_MISSING
from ..data.table import MISSING

_CAST_DOUBLE = 11  # ONNX's float64


def table_inputs(g, columns: list[dict]) -> str:
    """Graph inputs for ``columns``, encoded: (N, n_inputs) float64, in the network's order."""
    numbers = [c for c in columns if c["kind"] == "number"]
    x = None
    if numbers:
        x = g.input("features", "float64", len(numbers), ", ".join(c["name"] for c in numbers))
        x = _impute(g, x, [c["fill"] for c in numbers])
    if len(numbers) == len(columns):
        return x  # numbers only: already in the network's order
    parts, j = [], 0
    for c in columns:
        if c["kind"] == "number":
            k = g.constant(f"{c['name']}.position", np.array([j], dtype=np.int64))
            parts.append(
                g.node("Gather", [x, k], f"{c['name']}/value", f"{c['name']}/take", axis=1)
            )
            j += 1
        else:
            parts.append(one_hot(g, c))
    if len(parts) == 1:
        return parts[0]
    return g.node("Concat", parts, "encoded", "encode/concat", axis=1)  # (N, n_inputs)


def _impute(g, x: str, fills: list) -> str:
    """A NaN cell takes its column's fill (the training rows' median); a column stored
    without one keeps the NaN (SavedModel refuses such a row)."""
    if all(f is None for f in fills):
        return x
    fill = g.constant("impute.fill", np.array([np.nan if f is None else f for f in fills]))
    gaps = g.node("IsNaN", [x], "impute/missing", "impute/isnan")
    return g.node("Where", [gaps, fill, x], "impute/filled", "impute/where")


def one_hot(g, c: dict) -> str:
    """A category column, (N,) strings, as one 0/1 float64 input per category, (N, k):
    a missing cell takes the fill; a category not seen in training is all zeros."""
    name = c["name"]
    x = g.input(name, "str", None, "categories: " + ", ".join(c["categories"]))
    axis = g.constant(f"{name}.axis", np.array([1], dtype=np.int64))
    col = g.node("Unsqueeze", [x, axis], f"{name}/cells", f"{name}/cells")  # (N,) -> (N, 1)
    if c["fill"] is not None:
        col = _fill_missing(g, col, c, axis)
    cats = g.constant(f"{name}.categories", np.array(c["categories"], dtype=object))
    hit = g.node("Equal", [col, cats], f"{name}/is", f"{name}/equal")  # (N, 1) == (k,)
    return g.node("Cast", [hit], f"{name}/one_hot", f"{name}/one_hot", to=_CAST_DOUBLE)


def _fill_missing(g, col: str, c: dict, axis: str) -> str:
    """Cells spelled as missing become the fill. A column of numbers as categories counts
    glassnet's every missing spelling, a text column fewer (there 'none' is a category).
    ONNX's StringNormalizer needs a system locale, so the usual cases (na, NA, Na) are
    listed instead of lower-casing the cells."""
    name = c["name"]
    numeric = all(_is_number(v) for v in c["categories"])
    spellings = sorted({s for m in (MISSING if numeric else TEXT_MISSING) for s in _cases(m)})
    markers = g.constant(f"{name}.missing", np.array(spellings, dtype=object))
    hits = g.node("Equal", [col, markers], f"{name}/missing_hits", f"{name}/missing")
    hits = g.node("Cast", [hits], f"{name}/missing_01", f"{name}/missing_01", to=_CAST_DOUBLE)
    # ReduceSum takes its axes as an input from opset 13 on (ReduceMax only from 18)
    n = g.node("ReduceSum", [hits, axis], f"{name}/n_missing", f"{name}/count", keepdims=1)
    zero = g.constant(f"{name}.zero", np.array(0.0))
    gap = g.node("Greater", [n, zero], f"{name}/is_missing", f"{name}/is_missing")
    fill = g.constant(f"{name}.fill", np.array(c["fill"], dtype=object))
    return g.node("Where", [gap, fill, col], f"{name}/filled", f"{name}/fill")


def _cases(text: str) -> tuple[str, ...]:
    return (text, text.upper(), text.title())


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
