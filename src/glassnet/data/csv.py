"""Read a CSV table into a :class:`~glassnet.data.Dataset`, with errors a person can act on.

The file has a header row, then one example per row. One column is the target (by name,
default the last); every other column is a numeric feature. Every problem is reported as a
:class:`~glassnet.errors.DataError` naming the file, the line (counted as an editor counts
them: the header is line 1) and the column, e.g.
``data.csv, line 7, column 'petal_width': missing value``.

Rows are parsed strictly: a quoted field that is never closed is an error naming the line
where it opens (instead of swallowing the rest of the file into one cell), and so is text
after a closing quote. An empty line is skipped; a row of empty cells (``,,``) is a row, as
in pandas, so it is reported as missing values rather than silently dropped, which would
shift every later prediction against its input row.

A missing value is an empty cell or one of ``MISSING`` (``NA``, ``none``, ``?``, ...) in a
feature or a numeric target; in a target of text labels only an empty cell is missing, so
``none`` or ``?`` can be class names.

Numbers must fit in float32, the dtype the network computes in: a cell such as ``1e39``,
finite in float64 but inf in float32, is reported where it is read.

Feature cells are converted a whole column at a time by NumPy; only when that fails is the
column scanned cell by cell to find the first bad one, so well-formed files load quickly.
The target column is read cell by cell, since what its cells hold decides the task.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np

from ..checks import one_of
from ..errors import DataError
from ..io.guard import not_regular
from .datasets import TASKS, Dataset
from .table import MISSING, few_names, plain_number_text, shown_text

__all__ = ["read_csv", "read_features_csv", "parse_target", "read_cells"]

# A numeric target with at most this many distinct whole-number values is taken as classes.
MAX_INTEGER_CLASSES = 20
# The network computes in float32: from this size on (float32's largest value plus half a
# step) a number rounds to inf.
_FLOAT32_LIMIT = 2.0**128 - 2.0**103


class _Table:
    """The parsed text of a CSV file: header, rows of stripped cells and their line numbers."""

    def __init__(self, path: Path, header: list[str], rows: list[list[str]], lines: list[int]):
        self.path, self.header, self.rows, self.lines = path, header, rows, lines
        self.index = {name: i for i, name in enumerate(header)}  # column name -> position

    def where(self, row: int, col: int) -> str:
        return f"{self.path}, line {self.lines[row]}, column '{self.header[col]}'"

    def column(self, col: int) -> list[str]:
        return [r[col] for r in self.rows]


def _read_table(path: str | os.PathLike) -> _Table:
    path = Path(path)
    if not path.is_file():  # a FIFO or a device would block or never end: name it instead
        what = not_regular(path.stat().st_mode) if path.exists() else None
        raise DataError(f"{path}: {f'is {what}, not a file' if what else 'does not exist'}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            header, rows, lines = _parse(path, fh)
    except UnicodeDecodeError as exc:
        raise DataError(_not_utf8(path, exc)) from None
    if header is None:
        raise DataError(f"{path}: the file is empty; expected a header row and data rows")
    if not rows:
        raise DataError(f"{path}: the file has a header but no data rows")
    return _Table(path, header, rows, lines)


def read_cells(path: str | os.PathLike) -> _Table:
    """The parsed cells of a CSV file (header, rows of stripped text, the line of each
    row), with every syntax problem reported as :func:`read_csv` reports it."""
    return _read_table(path)


def _parse(path: Path, fh) -> tuple[list[str] | None, list[list[str]], list[int]]:
    """Header, rows and the line each row starts on; empty lines are skipped."""
    # strict: an unclosed quote is an error instead of swallowing the rest of the file
    reader = csv.reader(fh, strict=True)
    header, rows, lines, start = None, [], [], 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if len(cells) <= 1 and not "".join(cells).strip():
                continue  # an empty line; a row of empty cells (",,") is a row
            cells = [c.strip() for c in cells]
            if header is None:
                header = _check_header(path, cells, line)
                continue
            if len(cells) != len(header):
                raise DataError(_ragged(path, line, len(cells), header))
            rows.append(cells)
            lines.append(line)
    except csv.Error as exc:
        raise DataError(_csv_error(path, exc, start, reader.line_num)) from None
    return header, rows, lines


def _csv_error(path: Path, exc: csv.Error, start: int, end: int) -> str:
    """Explain a CSV syntax error of the row that starts on line ``start``."""
    if str(exc) == "unexpected end of data":  # end of file inside quotes
        return (
            f"{path}, line {start}: a quoted field that starts in this row is never "
            "closed, so the rest of the file would be one cell; add the closing '\"'"
        )
    if "expected after" in str(exc):
        later = f" on line {end}" if end > start else ""
        return (
            f"{path}, line {start}: a quoted field is followed by more text{later}; a "
            "field that starts with '\"' must end with '\"' just before the comma "
            "(write a quote inside it as '\"\"')"
        )
    return f"{path}, line {start}: not a valid CSV row ({exc})"


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    """Name the line of the first byte that is not UTF-8."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as whole:
        line = data.count(b"\n", 0, whole.start) + 1
        return f"{path}, line {line}: not a text file in UTF-8 ({whole.reason}); save it as UTF-8"
    return f"{path}: not a text file in UTF-8 ({exc.reason}); save it as UTF-8"


def _ragged(path: Path, line: int, n_cells: int, header: list[str]) -> str:
    if n_cells < len(header):
        detail = f"no value for column '{header[n_cells]}'"
    else:
        detail = f"extra cells after the last column '{header[-1]}'"
    return (
        f"{path}, line {line}: {n_cells} cells, but the header has {len(header)} columns; {detail}"
    )


def _check_header(path: Path, header: list[str], line: int) -> list[str]:
    seen: dict[str, int] = {}  # a dict, not header.index: wide files stay linear
    for i, name in enumerate(header):
        if not name:
            raise DataError(f"{path}, line {line}: column {i + 1} of the header has no name")
        if name in seen:
            raise DataError(f"{path}, line {line}: the column name '{name}' appears twice")
        seen[name] = i
    if len(header) == 1:
        for sep, word in ((";", "semicolon"), ("\t", "tab")):
            if sep in header[0]:
                raise DataError(
                    f"{path}, line {line}: the header {header[0]!r} is one column; "
                    f"the file looks {word}-separated, but glassnet reads "
                    "comma-separated files: save it with commas between cells"
                )
    return header


def _number_problem(text: str, value: float | None = None) -> str | None:
    """What keeps one cell from being a number the network can hold, or None."""
    if not plain_number_text(text):
        return f"'{shown_text(text)}' is not a number (numbers are written with the digits 0-9)"
    if value is None:
        try:
            value = float(text)
        except ValueError:
            return f"'{text}' is not a number"
    if not np.isfinite(value):
        return f"'{text}' is not a finite number"
    if abs(value) >= _FLOAT32_LIMIT:
        return (
            f"'{text}' is too large for the network's float32 numbers (at most about "
            "3.4e38 in size); rescale the column"
        )
    return None


def _bad_cell(table: _Table, col: int, values: np.ndarray | None) -> tuple[int, str] | None:
    """The first row of a column that is not a usable number, and what is wrong with it."""
    for row, text in enumerate(table.column(col)):
        if text.lower() in MISSING:
            return row, "missing value"
        problem = _number_problem(text, None if values is None else float(values[row]))
        if problem is not None:
            return row, problem
    return None


def _to_numbers(table: _Table, col: int) -> tuple[np.ndarray | None, tuple[int, str] | None]:
    """Convert one column to float64: (values, None), or (None, (row, problem)).

    The values must also fit in float32, the dtype the network computes in.
    """
    cells = table.column(col)
    try:
        if not all(map(plain_number_text, cells)):
            raise ValueError
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        return None, _bad_cell(table, col, None)
    with np.errstate(invalid="ignore"):
        ok = bool((np.abs(values) < _FLOAT32_LIMIT).all())  # False for NaN and inf too
    return (values, None) if ok else (None, _bad_cell(table, col, values))


def _features(table: _Table, cols: list[int]) -> np.ndarray:
    """The feature columns as a float64 matrix; the earliest bad cell raises."""
    columns, problems = [], []
    for col in cols:
        values, problem = _to_numbers(table, col)
        columns.append(values)
        if problem is not None:
            problems.append((problem[0], col, problem[1]))
    if problems:
        row, col, what = min(problems)  # earliest line, then leftmost column
        hint = "; feature columns must be numeric" if what.endswith("a number") else ""
        raise DataError(f"{table.where(row, col)}: {what}{hint}")
    return np.stack(columns, axis=1)  # (n_samples, n_features)


def _parse_number(text: str) -> float | None:
    if not plain_number_text(text):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _number_label(text: str, value: float) -> tuple[str, int | float]:
    """A numeric label as it is kept, and its value: "1.0" -> "1", "0.50" -> "0.5".

    An integer literal goes through ``int``, never float, so that 9007199254740993 stays
    itself instead of merging with 9007199254740992.
    """
    try:
        number: int | float = int(text)
    except ValueError:
        number = int(value) if value.is_integer() else value
    return str(number), number


def _infer_task(numbers: list[int | float]) -> str:
    """Few distinct whole numbers are class labels; other numbers are a quantity.

    Few means at most MAX_INTEGER_CLASSES, and at most half the rows (two at least): 15
    distinct prices in 15 rows are a quantity, not 15 classes of one row each.
    """
    whole = all(isinstance(n, int) for n in numbers)
    distinct = len(set(numbers))
    few = distinct <= MAX_INTEGER_CLASSES and distinct <= max(2, len(numbers) // 2)
    return "classify" if whole and few else "regress"


def _encode(table, col, keys, label_names, by) -> tuple[np.ndarray, list[str]]:
    """Class labels -> indices into the label names sorted by ``by`` (or into ``label_names``)."""
    if label_names is None:
        label_names = sorted(dict.fromkeys(keys), key=by)
    index = {name: k for k, name in enumerate(label_names)}
    for row, key in enumerate(keys):
        if key not in index:
            raise DataError(
                f"{table.where(row, col)}: unknown class '{shown_text(key)}'; the known "
                f"classes are {few_names(label_names)}"
            )
    return np.array([index[key] for key in keys], dtype=np.int64), list(label_names)


def _target(table, col, task, label_names):
    """The target column: (y, label_names or None, task).

    An empty cell is always missing. A column whose cells are all numbers, or missing
    markers (MISSING), is numeric and a marker is a missing value; any other column holds
    text labels, in which "none", "NA", "-", ... are labels like the others.
    """
    texts = table.column(col)
    for row, text in enumerate(texts):
        if not text:
            raise DataError(f"{table.where(row, col)}: missing value in the target column")
    numbers = [_parse_number(t) for t in texts]
    marker = [t.lower() in MISSING for t in texts]
    text_cell = any(v is None and not m for v, m in zip(numbers, marker))
    if text_cell or all(marker):
        return _text_target(table, col, task, label_names, numbers)
    if any(marker):
        row = marker.index(True)
        raise DataError(f"{table.where(row, col)}: missing value in the target column")
    for row, value in enumerate(numbers):
        if not np.isfinite(value):
            raise DataError(f"{table.where(row, col)}: '{texts[row]}' is not a finite number")
    labels = [_number_label(t, v) for t, v in zip(texts, numbers)]
    task = task or _infer_task([n for _, n in labels])
    if task == "classify":
        y, names = _encode(table, col, [k for k, _ in labels], label_names, dict(labels).get)
        return y, names, task
    values = np.array(numbers)
    bad = _bad_cell(table, col, values)  # only a number too large for float32 is left
    if bad is not None:
        raise DataError(f"{table.where(bad[0], col)}: {bad[1]}")
    return values, None, task  # float64 until standardised


def parse_target(table, col: int, task: str | None = None, label_names=None):
    """The target column ``col`` of a :class:`~glassnet.data.table.Table`:
    ``(y, label_names or None, task)``, read by the rules of :func:`read_csv`."""
    return _target(table, col, task, label_names)


def _text_target(table, col, task, label_names, numbers):
    """A target with some cells that are not numbers: class labels, kept as text."""
    if task == "regress":
        row, what = _bad_cell(table, col, None)
        hint = "; a regression target must be numeric" if what.endswith("a number") else ""
        raise DataError(f"{table.where(row, col)}: {what}{hint}")
    finite = [v is not None and np.isfinite(v) for v in numbers]
    texts = table.column(col)
    ok = [_number_label(texts[r], v)[1] for r, v in enumerate(numbers) if finite[r]]
    if task is None and ok and _infer_task(ok) == "regress":
        row = finite.index(False)  # the first cell that is not a number
        what = "a number" if numbers[row] is None else "a finite number"
        raise DataError(
            f"{table.where(row, col)}: '{texts[row]}' is not {what}; the "
            "other values of this column are numbers, so it looks like a "
            "regression target (give task='classify' to treat the values as "
            "class labels)"
        )
    y, names = _encode(table, col, table.column(col), label_names, None)
    return y, names, "classify"


def _column_index(table: _Table, name: str, role: str) -> int:
    if name not in table.index:
        raise DataError(
            f"{table.path}: no {role} column '{shown_text(name)}'; the columns are "
            f"{few_names(table.header)}"
        )
    return table.index[name]


def read_csv(
    path,
    target: str | None = None,
    task: str | None = None,
    *,
    feature_names: list[str] | None = None,
    label_names: list[str] | None = None,
    features: list[str] | None = None,
    drop: list[str] | None = None,
    categorical: list[str] | None = None,
    missing: str = "impute",
) -> Dataset:
    """Read a CSV file (or a pandas DataFrame) with a header row into a Dataset.

    Parameters
    ----------
    path : str, path-like or DataFrame
        The CSV file (UTF-8, comma-separated, header on the first non-blank line), or a
        DataFrame, whose columns are taken by name (duplicate names are refused).
    target : str, optional
        Name of the target column; default the last column.
    task : {"classify", "regress"}, optional
        When None it is inferred: a numeric target with at most 20 distinct whole-number
        values is classification, any other numeric target regression; a target of text
        labels is classification. A target whose numbers alone would be regression but
        which has a few cells that are not numbers is an error naming the first of them
        (give ``task="classify"`` to take the values as labels).
    feature_names : list of str, optional
        Use exactly these columns, in this order, as features (for data given to a trained
        model); other columns are ignored. Default: every column except the target.
    label_names : list of str, optional
        Encode class labels against this list (a trained model's classes) instead of the
        sorted labels of the file; a label outside it is an error.
    features, drop : list of str, optional
        Only these feature columns, or all but these. Without them, a column that looks
        like a row identifier (unique text, or unique whole numbers rising row by row) is
        left out, and ``notes`` says so.
    categorical : list of str, optional
        Numeric columns to one-hot encode as categories. A column of text is always one.
    missing : {"impute", "drop", "error"}, default "impute"
        A missing feature cell (empty, ``NA``, ``NaN``, ``null``, ``?``, ...) is filled
        with the column's median or most frequent category, its row dropped, or an error.

    Returns
    -------
    Dataset
        ``X`` float64 (standardise it before training; the network's dtype is applied
        after that), one-hot inputs named ``column=category``; ``y`` int64 class indices
        or float64 values, named after the file. ``preprocessing`` holds the encoding
        (learned here from every row; :func:`glassnet.data.prepare` learns it from the
        training rows), ``notes`` what was done.
        Class labels are kept as text, whole numbers in integer form ("1.0" becomes "1",
        and integers of any size stay exact); numeric labels are sorted by value, others
        alphabetically. An empty target cell is missing; "NA", "none", "?", "-", ... are
        missing in a numeric target, but labels like any other in a target of text.

    Raises
    ------
    DataError
        Naming the file, line and column: a missing file, an empty file, a file that is
        not UTF-8, a quoted field never closed, a semicolon- or tab-separated file, a
        header without rows, a row with the wrong number of cells, a missing value, a
        non-numeric feature, a number too large for float32 (the network's dtype; beyond
        about 3.4e38 it would become inf) in a feature or regression target, an unknown
        target or feature column (the message lists the columns), an unknown class.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pets.csv"
    >>> _ = path.write_text("weight,height,kind\\n4.0,25,cat\\n30,60,dog\\n3.5,23,cat\\n")
    >>> ds = read_csv(path)
    >>> ds.task, ds.label_names, ds.y.tolist()
    ('classify', ['cat', 'dog'], [0, 1, 0])
    >>> ds.X.dtype.name, ds.X.shape
    ('float64', (3, 2))
    >>> pets = read_csv(path, target="height")  # a text column becomes one-hot inputs
    >>> pets.task, pets.feature_names, pets.X[0].tolist()
    ('regress', ['weight', 'kind=cat', 'kind=dog'], [4.0, 1.0, 0.0])
    """
    if task is not None:
        one_of(task, TASKS, "task", str(path))
    from .prepare import read_table_dataset

    return read_table_dataset(
        path,
        target,
        task,
        feature_names=feature_names,
        label_names=label_names,
        features=features,
        drop=drop,
        categorical=categorical,
        missing=missing,
    )[0]


def read_features_csv(
    path: str | os.PathLike, feature_names: list[str] | None = None
) -> tuple[np.ndarray, list[str]]:
    """Read only the feature columns of a CSV file, for prediction (no target needed).

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    feature_names : list of str, optional
        The columns to read, in this order (a trained model's features); other columns,
        such as a target, are ignored. Default: every column.

    Returns
    -------
    X : array of shape (n_samples, n_features), float64
    feature_names : list of str

    Raises
    ------
    DataError
        As :func:`read_csv`; a missing feature column is named with the columns available.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "new.csv"
    >>> _ = path.write_text("id,b,a\\nx,1,2\\ny,3,4\\n")
    >>> X, names = read_features_csv(path, ["a", "b"])
    >>> X.tolist(), names
    ([[2.0, 1.0], [4.0, 3.0]], ['a', 'b'])
    """
    table = _read_table(path)
    if feature_names is None:
        cols = list(range(len(table.header)))
    else:
        cols = [_column_index(table, f, "feature") for f in feature_names]
    return _features(table, cols), [table.header[c] for c in cols]
