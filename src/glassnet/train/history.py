"""A training run's record (:class:`History`) and the events a run announces (:class:`Callback`).

Both are re-exported by :mod:`glassnet.train`, which uses them.
"""

from __future__ import annotations

import csv
import io as _stringio
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import io

__all__ = ["History", "Callback"]


def _cell(value) -> str:
    """A CSV cell: floats in their shortest exact form, nothing for a missing value."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


class History:
    """Per-epoch records, e.g. ``{"epoch": 3, "loss": 0.41, "val_loss": 0.45, "lr": 0.01}``.

    ``history["val_loss"]`` gives one column as a list, as Keras's ``history.history`` does;
    ``history.rows`` holds the records. The ``time`` column (seconds per epoch) is the only
    one that differs between two runs of the same training.

    Examples
    --------
    >>> h = History([{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": 0.25, "val_loss": 0.3}])
    >>> h["loss"], h["val_loss"], len(h)
    ([0.5, 0.25], [None, 0.3], 2)
    >>> h.columns()
    ['epoch', 'loss', 'val_loss']
    """

    def __init__(self, rows: Sequence[dict] | None = None):
        self.rows: list[dict] = [dict(r) for r in rows or []]

    def append(self, row: dict) -> None:
        self.rows.append(dict(row))

    def __getitem__(self, key: str) -> list:
        if key not in self.columns():
            raise KeyError(f"no column {key!r} in the history; it has {', '.join(self.columns())}")
        return [r.get(key) for r in self.rows]

    def __contains__(self, key) -> bool:
        return key in self.columns()

    def __len__(self) -> int:
        return len(self.rows)

    def columns(self) -> list[str]:
        """Every key that appears in a record, in order of first appearance."""
        cols: list[str] = []
        for r in self.rows:
            cols += [k for k in r if k not in cols]
        return cols

    def to_csv(self, path) -> Path:
        """Write a header row, then one row per epoch; written atomically.

        Floats are written in their shortest exact form (``repr``), so reading the file
        back gives the same numbers; a missing value is an empty cell.
        """
        buf = _stringio.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        cols = self.columns()
        writer.writerow(cols)
        writer.writerows([_cell(r.get(c)) for c in cols] for r in self.rows)
        return io.files.atomic_write_text(path, buf.getvalue())

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, columns {self.columns()})"


class Callback:
    """Override any of these named events; each receives the trainer and the event's details.

    The order within a run: ``on_train_begin``; for each epoch ``on_epoch_begin``,
    ``on_batch_end`` after every optimizer step, ``on_epoch_end`` (the epoch's history
    record, already appended), then ``on_checkpoint`` for each checkpoint written;
    finally ``on_train_end``. Setting ``trainer.stop_training = True`` ends training after
    the current epoch.
    """

    def on_train_begin(self, trainer) -> None: ...
    def on_epoch_begin(self, trainer, epoch: int) -> None: ...
    def on_batch_end(self, trainer, epoch: int, batch: int, loss: float) -> None: ...
    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None: ...
    def on_checkpoint(self, trainer, path: Path) -> None: ...
    def on_train_end(self, trainer) -> None: ...
