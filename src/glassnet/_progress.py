"""The training progress display: a live bar on a terminal, one line per epoch elsewhere."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from .errors import GlassnetError

_MODES = ("auto", "bar", "lines", "none")


def _format_logs(logs: dict) -> str:
    skip = {"epoch", "time", "lr"}
    parts = [f"{k} {v:.4f}" for k, v in logs.items() if k not in skip and isinstance(v, float)]
    return "  ".join(parts)


class Progress:
    """Reports batches and epochs; ``mode`` is one of "auto", "bar", "lines", "none"."""

    def __init__(self, mode: str, epochs: int, batches: int, console: Console | None = None):
        if mode not in _MODES:
            raise GlassnetError(f"progress must be one of {', '.join(_MODES)}, got {mode!r}")
        self.console = console or Console(file=sys.stdout)
        if mode == "auto":
            mode = "bar" if self.console.is_terminal else "lines"
        self.mode, self.epochs, self.batches = mode, epochs, batches
        self._bar = None
        self._last = 0.0

    def __enter__(self):
        if self.mode == "bar":
            self._bar = RichProgress(
                TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
                BarColumn(),
                TextColumn("batch {task.completed:.0f}/{task.total:.0f}"),
                TextColumn("loss {task.fields[loss]:.4f}"),
                TextColumn("{task.fields[rate]:,.0f} samples/s"),
                TimeRemainingColumn(),
                console=self.console,
                transient=False,
            )
            self._bar.__enter__()
            total = self.epochs * self.batches
            self._task = self._bar.add_task(
                "train", total=total, epoch=0, epochs=self.epochs, loss=0.0, rate=0.0
            )
        return self

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def batch_done(self, epoch: int, batch: int, loss: float, rate: float) -> None:
        if self._bar is None:
            return
        now = time.perf_counter()
        if now - self._last < 0.05 and batch != self.batches:  # redraw at most 20 times a second
            return
        self._last = now
        done = (epoch - 1) * self.batches + batch
        self._bar.update(self._task, completed=done, epoch=epoch, loss=loss, rate=rate)

    def epoch_done(self, epoch: int, logs: dict) -> None:
        if self.mode == "none":
            return
        line = f"epoch {epoch}/{self.epochs}  {_format_logs(logs)}"
        if self._bar is not None:
            self._bar.console.print(line, highlight=False)
        else:
            self.console.print(line, highlight=False, soft_wrap=True)
