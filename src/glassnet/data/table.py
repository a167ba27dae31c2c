"""Raw tables as they come: a CSV file's cells, a pandas DataFrame's columns, an array's rows.

A :class:`Table` holds one entry per column, either text cells (a CSV file, a DataFrame
column of objects) or float64 numbers with NaN where a value is missing (a numeric
DataFrame column, an array). Nothing is decided here about what a column means: that is
:mod:`glassnet.data.columns`' work. A Table knows where each cell came from, so that every
error names the file and line (``data.csv, line 7, column 'age'``) or the DataFrame row.

pandas stays optional: a DataFrame is recognised by its type's module, never by importing
pandas.
"""

from __future__ import annotations

import difflib
import os

import numpy as np

from ..errors import DataError

__all__ = ["Table", "as_table", "is_frame", "frame_numbers", "did_you_mean"]

# Cells that mean "no value here", compared after stripping spaces and lower-casing.
MISSING = ("", "na", "n/a", "nan", "null", "none", "?", "-")


def did_you_mean(name: str, choices) -> str:
    """``"; did you mean 'iris'?"`` for the closest of ``choices``, or ``""`` (difflib)."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def is_frame(obj) -> bool:
    """True for a pandas DataFrame, found without importing pandas."""
    return type(obj).__module__.split(".")[0] == "pandas" and hasattr(obj, "columns")


class Table:
    """The columns of a table as read, with where each row came from.

    Parameters
    ----------
    header : list of str
        The column names, unique.
    columns : list
        One entry per column: a list of str cells (stripped; missing spellings kept as
        they are) or an array of float64 (NaN for a missing value).
    source : str
        The file or object named in messages (``data.csv``, ``DataFrame``).
    lines : list of int, optional
        For a file, the line each row starts on; otherwise rows are numbered from 0.

    Examples
    --------
    >>> t = Table(["a", "b"], [["1", "x"], np.array([2.0, np.nan])], "demo")
    >>> t.n_rows, t.where(1, 1), t.column(1)
    (2, "demo, row 1, column 'b'", ['2', ''])
    """

    def __init__(self, header, columns, source: str, lines=None, rows=None):
        self.header, self.columns, self.source = list(header), list(columns), str(source)
        self.lines = lines
        self.rows = rows  # original row numbers after take(), for messages
        self.index = {name: i for i, name in enumerate(self.header)}
        self.path = self.source  # read_csv's messages name the file

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __len__(self) -> int:
        return self.n_rows

    def where(self, row: int, col: int) -> str:
        """``data.csv, line 7, column 'age'`` for a row and a column position."""
        if self.lines is not None:
            return f"{self.source}, line {self.lines[row]}, column '{self.header[col]}'"
        shown = row if self.rows is None else int(self.rows[row])
        return f"{self.source}, row {shown}, column '{self.header[col]}'"

    def column(self, col: int) -> list[str]:
        """A column as text cells; a missing number is the empty cell."""
        values = self.columns[col]
        if isinstance(values, np.ndarray):
            return ["" if np.isnan(v) else _number_text(v) for v in values.tolist()]
        return values

    def is_numeric(self, col: int) -> bool:
        """True when the column is held as numbers already (a numeric DataFrame column)."""
        return isinstance(self.columns[col], np.ndarray)

    def take(self, rows) -> Table:
        """The table of the given rows (an array of row positions), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = [
            c[rows] if isinstance(c, np.ndarray) else [c[r] for r in rows.tolist()]
            for c in self.columns
        ]
        lines = None if self.lines is None else [self.lines[r] for r in rows.tolist()]
        kept = rows if self.rows is None else np.asarray(self.rows)[rows]
        return Table(self.header, cols, self.source, lines, None if lines else kept)

    def col(self, name: str, what: str = "column") -> int:
        """The position of a column, or a DataError naming it with the closest match."""
        if name not in self.index:
            raise DataError(
                f"{self.source}: no {what} '{name}'; the columns are "
                f"{', '.join(self.header)}{did_you_mean(name, self.header)}"
            )
        return self.index[name]

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def from_csv(cls, path: str | os.PathLike) -> Table:
        """The cells of a CSV file, as :func:`glassnet.data.read_csv` parses them."""
        from .csv import read_cells

        t = read_cells(path)
        columns = [list(c) for c in zip(*t.rows)]  # rows -> columns
        return cls(t.header, columns, str(t.path), lines=t.lines)

    @classmethod
    def from_frame(cls, df, source: str = "DataFrame") -> Table:
        """A pandas DataFrame's columns: numbers as float64 (NaN, None and pd.NA missing),
        anything else as text; duplicate column names are refused."""
        names = [str(c) for c in df.columns]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise DataError(f"{source}: the column name '{name}' appears twice")
            seen.add(name)
        columns = []
        for i in range(len(names)):
            s = df.iloc[:, i]
            if getattr(s.dtype, "kind", "O") in "iuf":
                columns.append(s.to_numpy(dtype=np.float64, na_value=np.nan))
            else:
                columns.append([_cell_text(v) for v in s.tolist()])
        return cls(names, columns, source)

    @classmethod
    def from_array(cls, X, names, source: str = "the rows") -> Table:
        """A 2-D array's columns by position, named ``names``."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != len(names):
            shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
            raise DataError(
                f"{source}: expected rows of {len(names)} columns ({shown}), got an "
                f"array of shape {X.shape}"
            )
        if X.dtype.kind in "biuf":
            columns = [X[:, j].astype(np.float64) for j in range(X.shape[1])]
        else:
            columns = [[_cell_text(v) for v in X[:, j].tolist()] for j in range(X.shape[1])]
        return cls(names, columns, source)


def shown_text(text: str, limit: int = 40) -> str:
    """User text in a message: at most ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def few_names(names: list[str], k: int = 6) -> str:
    """The first ``k`` names, and how many there are in all: an error line stays short.

    Examples
    --------
    >>> few_names([f"c{i}" for i in range(50)], k=3)
    'c0, c1, c2, ... (50 in all)'
    """
    shown = ", ".join(shown_text(n) for n in names[:k])
    return shown + (f", ... ({len(names)} in all)" if len(names) > k else "")


def plain_number_text(text: str) -> bool:
    """ASCII with no underscore: Python's float() also reads '١٢', '１２' and '1_000', which
    no CSV written by pandas, R or a spreadsheet holds as a number."""
    return text.isascii() and "_" not in text


def _number_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))


def _cell_text(v) -> str:
    """One DataFrame or array cell as text; None, NaN and pandas' NA as the empty cell."""
    if v is None or type(v).__name__ in ("NAType", "NaTType"):
        return ""
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else _number_text(float(v))
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return str(v).strip()


def as_table(data, names=None, source: str | None = None) -> Table:
    """A Table from a CSV path, a DataFrame, a Table, or an array (taken by position as
    ``names``)."""
    if isinstance(data, Table):
        return data
    if is_frame(data):
        return Table.from_frame(data, source or "DataFrame")
    if isinstance(data, (str, os.PathLike)):
        return Table.from_csv(data)
    if names is None:
        raise DataError("an array has no column names: give them, or pass a DataFrame")
    return Table.from_array(data, names, source or "the rows")


def frame_numbers(df, what: str) -> np.ndarray:
    """A DataFrame of numeric columns as a float64 array, in its column order; a text
    column is refused by name."""
    table = Table.from_frame(df, what)
    for col, name in enumerate(table.header):
        if not table.is_numeric(col):
            raise DataError(
                f"{what}: the DataFrame's column '{name}' is not numeric; encode it first "
                "(glassnet.data.prepare one-hot encodes text columns)"
            )
    return np.stack(table.columns, axis=1) if table.columns else np.zeros((len(df), 0))
