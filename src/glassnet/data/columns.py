"""From a raw table to the numbers a network takes: column choice, one-hot encoding, imputation.

The preprocessing of a model is plain data, kept in its model file's JSON config::

    {"columns": [
        {"name": "age", "kind": "number", "fill": 51.0},
        {"name": "sex", "kind": "category", "categories": ["F", "M"], "fill": "F"}]}

A ``number`` column is read as it is; a ``category`` column becomes one 0/1 input per
category (``sex=F``, ``sex=M``), in the stored order. ``fill`` is what a missing cell
becomes (the training rows' median, or their most frequent category); None means a
missing cell is an error. :func:`encode` is the one function that applies it: training,
evaluation, prediction, :class:`~glassnet.saved.SavedModel`, the report and the export
all go through it. Categories and fills are learned from the training rows only
(:func:`fit_columns`); a category first seen later encodes as all zeros, with a warning.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..errors import DataError, GlassnetWarning
from .table import MISSING, Table, did_you_mean, few_names, plain_number_text

__all__ = [
    "choose_columns",
    "fit_columns",
    "encode",
    "encoded_names",
    "numeric_columns",
    "check_columns",
    "missing_rows",
    "MISSING_MODES",
]

MISSING_MODES = ("impute", "drop", "error")
# In a column of text, "none" and "-" are categories ("none" smoked); in numbers, missing.
TEXT_MISSING = ("", "na", "n/a", "nan", "null", "?")
MAX_CATEGORIES = 1000  # more distinct values than this is no category column
_FLOAT32_LIMIT = 2.0**128 - 2.0**103  # beyond this a number is inf in the network's float32


# --- reading one column ------------------------------------------------------------------------


def _parse(table: Table, col: int) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """(values with NaN where missing or not a number, missing mask, rows of text cells)."""
    values = table.columns[col]
    if isinstance(values, np.ndarray):
        return values, np.isnan(values), []
    try:  # whole column at once: quick for well-formed files
        if not all(map(plain_number_text, values)):
            raise ValueError
        parsed = np.array(values, dtype=np.float64)
        missing = np.isnan(parsed)
        return parsed, missing, []
    except ValueError:
        pass
    parsed, missing, text = np.full(len(values), np.nan), np.zeros(len(values), bool), []
    for row, cell in enumerate(values):
        if cell.lower() in MISSING:
            missing[row] = True
            continue
        try:
            parsed[row] = float(cell)
        except ValueError:
            text.append(row)
            continue
        if not plain_number_text(cell):  # a number to float(), but not as a CSV writes one
            raise DataError(
                f"{table.where(row, col)}: '{cell}' is not a number (numbers are written "
                "with the digits 0-9)"
            )
    return parsed, missing, text


def _check_finite(table: Table, col: int, values: np.ndarray, missing: np.ndarray) -> None:
    with np.errstate(invalid="ignore"):
        bad = ~missing & ~(np.abs(values) < _FLOAT32_LIMIT)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        cell = table.column(col)[row]
        what = "a finite number" if not np.isfinite(values[row]) else None
        why = (
            f"'{cell}' is not {what}"
            if what
            else f"'{cell}' is too large for the network's float32 numbers (at most about "
            "3.4e38 in size); rescale the column"
        )
        raise DataError(f"{table.where(row, col)}: {why}")


def _texts(table: Table, col: int, numeric: bool) -> list[str]:
    """The column's cells as category names ('' where missing); numbers as "1", "2.5"."""
    if not numeric:
        return ["" if c.lower() in TEXT_MISSING else c for c in table.column(col)]
    values, missing, _ = _parse(table, col)
    return ["" if m else _number_name(v) for v, m in zip(values.tolist(), missing.tolist())]


def _number_name(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))


def _kind(table: Table, col: int, categorical: bool) -> str:
    """'number' or 'category': text cells make a category column, unless they are a few
    strays in a column of numbers (a typo is reported, not learned as a category)."""
    if categorical:
        return "category"
    values, missing, text = _parse(table, col)
    if missing.all():
        raise DataError(f"{table.source}: column '{table.header[col]}' has no values")
    if not text:
        _check_finite(table, col, values, missing)
        return "number"
    numbers = int((~missing).sum()) - len(text)
    if numbers > len(text):
        row = text[0]
        raise _RowError(
            row,
            f"{table.where(row, col)}: '{table.column(col)[row]}' is not a number; the "
            "column's other values are numbers (declare the column categorical to take "
            "its values as categories)",
        )
    return "category"


class _RowError(DataError):
    """A DataError about one row, so that the earliest of several can be reported."""

    def __init__(self, row: int, message: str):
        super().__init__(message)
        self.row = row


def _kinds(table: Table, names, categorical) -> dict[str, str]:
    """Each column's kind; of several bad cells, the earliest row's (then leftmost)."""
    kinds, problems = {}, []
    for name in names:
        try:
            kinds[name] = _kind(table, table.index[name], name in categorical)
        except _RowError as exc:
            problems.append((exc.row, len(problems), exc))
    if problems:
        raise min(problems, key=lambda p: p[:2])[2]
    return kinds


# --- choosing the columns ----------------------------------------------------------------------


def _identifier(table: Table, col: int) -> str | None:
    """Why a column looks like a row identifier, or None: unique text, or unique whole
    numbers rising row by row."""
    if table.n_rows < 10:  # too few rows to tell
        return None
    values, missing, text = _parse(table, col)
    if missing.any():
        return None
    if text:
        cells = table.column(col)
        return "unique text in every row" if len(set(cells)) == len(cells) else None
    whole = np.all(values == np.round(values))
    if whole and np.all(np.diff(values) > 0):
        return "unique whole numbers rising row by row"
    return None


def _check_named(table: Table, names, option: str, target: str) -> list[str]:
    names = list(names or [])
    for name in names:
        if name not in table.index:
            raise DataError(
                f"{option}: no column '{name}' in {table.source}"
                f"{did_you_mean(name, table.header)} (the columns are {', '.join(table.header)})"
            )
        if name == target and option != "--keep":
            raise DataError(f"{option}: '{name}' is the target column; name feature columns only")
    return names


def choose_columns(
    table: Table, target: str, features=None, drop=None, categorical=None, identifiers=True
):
    """The feature columns of a table, and a line for each column left out.

    Parameters
    ----------
    table : Table
    target : str
        The target column, never a feature.
    features : list of str, optional
        Exactly these columns, in this order (identifiers included).
    drop : list of str, optional
        Every column but these (and the target).
    categorical : list of str, optional
        Columns declared categorical; never taken for identifiers.
    identifiers : bool, default True
        Leave out the columns that look like row identifiers.

    Returns
    -------
    names : list of str
    notes : list of str

    Raises
    ------
    DataError
        An unknown column (with the closest match), the target among the features or
        the dropped columns, both ``features`` and ``drop`` given, no feature left.
    """
    features = _check_named(table, features, "--features", target)
    drop = _check_named(table, drop, "--drop", target)
    categorical = _check_named(table, categorical, "--categorical", target)
    if features and drop:
        raise DataError("--features and --drop: give one or the other")
    if features:
        return features, []
    names, ids = [], {}
    for col, name in enumerate(table.header):
        if name == target or name in drop:
            continue
        why = None if name in categorical or not identifiers else _identifier(table, col)
        if why:
            ids[name] = why
        else:
            names.append(name)
    if not names:  # nothing else to learn from: an identifier-like column is all there is
        names = [n for n in table.header if n in ids]
        ids = {}
    if not names:
        raise DataError(f"{table.source}: no feature columns left besides the target '{target}'")
    notes = [
        f"column '{name}' looks like a row identifier ({why}): left out; name it in "
        "--features to use it"
        for name, why in ids.items()
    ]
    return names, notes


def check_no_missing(table: Table, names) -> None:
    """Refuse a missing cell in the named columns: the earliest row's, then leftmost."""
    found = []
    for name in names:
        gaps = missing_rows(table, [name])
        if gaps.any():
            found.append((int(np.flatnonzero(gaps)[0]), table.index[name]))
    if found:
        row, col = min(found)
        raise DataError(f"{table.where(row, col)}: missing value")


def missing_rows(table: Table, names) -> np.ndarray:
    """A mask of the rows with a missing cell in any of the named columns."""
    mask = np.zeros(table.n_rows, bool)
    for name in names:
        col = table.index[name]
        if table.is_numeric(col):
            mask |= np.isnan(table.columns[col])
        else:
            spellings = TEXT_MISSING if _parse(table, col)[2] else MISSING
            mask |= np.array([c.lower() in spellings for c in table.columns[col]], bool)
    return mask


# --- learning and applying the encoding --------------------------------------------------------


def _sort_key(numeric: bool):
    return (lambda s: float(s)) if numeric else None


def fit_columns(table: Table, names, rows, *, categorical=(), missing: str = "impute"):
    """Learn each column's kind, categories and fill value from the training ``rows``.

    Parameters
    ----------
    table : Table
    names : list of str
        The feature columns (see :func:`choose_columns`).
    rows : array of int
        The training rows: categories and fills come from them only.
    categorical : list of str
        Columns to treat as categories even when they hold numbers.
    missing : {"impute", "drop", "error"}
        ``impute`` stores a fill (median, most frequent category); otherwise none.

    Returns
    -------
    spec : dict
        ``{"columns": [...]}``, plain JSON data (see the module's documentation).
    notes : list of str
        A line for each column with missing cells in the table, saying what fills them.
    """
    rows = np.asarray(rows, dtype=np.int64)
    columns, notes = [], []
    kinds = _kinds(table, names, categorical)
    for name in names:
        col = table.index[name]
        entry = _fit_one(table, col, rows, kinds[name], missing)
        columns.append(entry)
        n_missing = int(missing_rows(table, [name]).sum())
        if n_missing and entry["fill"] is not None:
            how = "median" if entry["kind"] == "number" else "most frequent category"
            notes.append(
                f"column '{name}': {n_missing} missing cells filled with {entry['fill']!r}, "
                f"the {how} of the training rows"
            )
    return {"columns": columns}, notes


def _fit_one(table: Table, col: int, rows, kind: str, missing: str) -> dict:
    name = table.header[col]
    if kind == "number":
        values, gaps, _ = _parse(table, col)
        train = values[rows][~gaps[rows]]
        fill = None
        if missing == "impute":
            if not len(train):
                raise DataError(f"column '{name}' has no values in the training rows to impute")
            fill = float(np.median(train))
        return {"name": name, "kind": "number", "fill": fill}
    numeric = table.is_numeric(col) or not _parse(table, col)[2]
    cells = _texts(table, col, numeric)
    counts: dict[str, int] = {}
    for r in rows.tolist():
        if cells[r]:
            counts[cells[r]] = counts.get(cells[r], 0) + 1
    if len(set(cells) - {""}) > MAX_CATEGORIES:
        raise DataError(
            f"{table.source}: column '{name}' has {len(set(cells) - {''})} distinct values, "
            f"too many for a category column (at most {MAX_CATEGORIES}); leave it out "
            f"with --drop {name}"
        )
    categories = sorted(counts, key=_sort_key(numeric))
    if not categories:
        raise DataError(f"column '{name}' has no values in the training rows")
    fill = None
    if missing == "impute":  # most frequent; a tie goes to the first in order
        fill = max(categories, key=lambda c: (counts[c], -categories.index(c)))
    return {"name": name, "kind": "category", "categories": categories, "fill": fill}


def numeric_columns(names) -> dict:
    """The preprocessing of a table of numbers only, none missing: each column as it is."""
    return {"columns": [{"name": str(n), "kind": "number", "fill": None} for n in names]}


def encoded_names(spec: dict) -> list[str]:
    """The network's input names: a number column's name, ``name=category`` for each
    category of a category column."""
    names = []
    for c in spec["columns"]:
        if c["kind"] == "number":
            names.append(c["name"])
        else:
            names += [f"{c['name']}={v}" for v in c["categories"]]
    return names


def _needed(spec: dict, table: Table) -> None:
    absent = [c["name"] for c in spec["columns"] if c["name"] not in table.index]
    if absent:
        hint = did_you_mean(absent[0], table.header)
        raise DataError(
            f"{table.source}: missing column{'s' if len(absent) > 1 else ''} "
            f"{few_names([repr(a) for a in absent])} that the model needs{hint} (the columns "
            f"are {few_names(table.header)})"
        )


def encode(spec: dict, table: Table, *, strict: bool = False) -> np.ndarray:
    """The network's inputs, before standardisation, for the rows of ``table``.

    Columns are found by name (extra columns are ignored); missing cells take the stored
    fill; a category not seen in training encodes as all zeros with a
    :class:`~glassnet.errors.GlassnetWarning` counting them, or a DataError with
    ``strict=True``.

    Returns
    -------
    array of shape (n_rows, len(encoded_names(spec))), float64

    Raises
    ------
    DataError
        A missing column (named), a cell that is not a number in a number column, a
        missing cell where no fill is stored, an unknown category with ``strict``.

    Examples
    --------
    >>> spec = {"columns": [{"name": "kg", "kind": "number", "fill": 2.0},
    ...                     {"name": "kind", "kind": "category",
    ...                      "categories": ["cat", "dog"], "fill": "cat"}]}
    >>> t = Table(["kind", "kg"], [["dog", "cat", ""], ["4", "NA", "7"]], "pets")
    >>> encode(spec, t).tolist()
    [[4.0, 0.0, 1.0], [2.0, 1.0, 0.0], [7.0, 1.0, 0.0]]
    """
    _needed(spec, table)
    parts, unknown = [], []
    for c in spec["columns"]:
        col = table.index[c["name"]]
        if c["kind"] == "number":
            parts.append(_encode_number(c, table, col)[:, None])  # (N,) -> (N, 1)
        else:
            block, seen = _encode_category(c, table, col, strict)
            parts.append(block)
            if seen:
                unknown.append((c["name"], seen))
    for name, seen in unknown:
        shown = ", ".join(repr(v) for v in list(seen)[:3]) + (", ..." if len(seen) > 3 else "")
        warnings.warn(
            f"{table.source}: column '{name}': {sum(seen.values())} rows hold categories "
            f"not seen in training ({shown}), encoded as all zeros (--strict refuses them)",
            GlassnetWarning,
            stacklevel=2,
        )
    if not parts:
        return np.zeros((table.n_rows, 0))
    return np.concatenate(parts, axis=1)  # (N, n_inputs)


def _encode_number(c: dict, table: Table, col: int) -> np.ndarray:
    values, missing, text = _parse(table, col)
    if text:
        row = text[0]
        raise DataError(
            f"{table.where(row, col)}: '{table.column(col)[row]}' is not a number; "
            "the model reads this column as numbers"
        )
    _check_finite(table, col, values, missing)
    if missing.any():
        if c["fill"] is None:
            row = int(np.flatnonzero(missing)[0])
            raise DataError(f"{table.where(row, col)}: missing value")
        values = np.where(missing, c["fill"], values)
    return values


def _encode_category(c: dict, table: Table, col: int, strict: bool):
    numeric = table.is_numeric(col) or not _parse(table, col)[2]
    cells = _texts(table, col, numeric)
    index = {v: k for k, v in enumerate(c["categories"])}
    block = np.zeros((len(cells), len(index)))
    seen: dict[str, int] = {}
    for row, cell in enumerate(cells):
        if not cell:
            if c["fill"] is None:
                raise DataError(f"{table.where(row, col)}: missing value")
            cell = c["fill"]
        k = index.get(cell)
        if k is None:
            if strict:
                raise DataError(
                    f"{table.where(row, col)}: the category '{cell}' was not seen in "
                    f"training (the categories are {', '.join(c['categories'][:8])})"
                )
            seen[cell] = seen.get(cell, 0) + 1
            continue
        block[row, k] = 1.0
    return block, seen


# --- checking a stored preprocessing entry -----------------------------------------------------


def check_columns(spec, n_inputs: int) -> None:
    """Raise a DataError naming the first part of a stored preprocessing entry that is
    not usable, or whose inputs do not add up to ``n_inputs``."""
    if not isinstance(spec, dict) or not isinstance(spec.get("columns"), list):
        raise DataError("expected an object with a list 'columns'")
    names = set()
    for i, c in enumerate(spec["columns"]):
        where = f"columns[{i}]"
        if not isinstance(c, dict) or not isinstance(c.get("name"), str) or not c["name"]:
            raise DataError(f"{where} has no 'name'")
        if c["name"] in names:
            raise DataError(f"{where}: the column '{c['name']}' appears twice")
        names.add(c["name"])
        fill = c.get("fill")
        if c.get("kind") == "number":
            ok = fill is None or (
                isinstance(fill, (int, float)) and not isinstance(fill, bool) and np.isfinite(fill)
            )
            if not ok:
                raise DataError(f"{where}.fill is {fill!r:.40}; expected a number or null")
        elif c.get("kind") == "category":
            cats = c.get("categories")
            if not isinstance(cats, list) or not cats or not all(isinstance(v, str) for v in cats):
                raise DataError(f"{where}.categories must be a non-empty list of strings")
            if len(set(cats)) != len(cats):
                raise DataError(f"{where}.categories lists a category twice")
            if fill is not None and fill not in cats:
                raise DataError(f"{where}.fill {fill!r:.40} is not one of its categories")
        else:
            raise DataError(
                f"{where}.kind is {c.get('kind')!r:.40}; expected 'number' or 'category'"
            )
    if len(encoded_names(spec)) != n_inputs:
        raise DataError(f"encodes {len(encoded_names(spec))} inputs; the network takes {n_inputs}")
