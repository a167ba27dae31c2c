"""The training progress display: a live bar on a terminal, one line per epoch elsewhere.

Modes: ``"bar"`` (a rich progress bar with epoch, batch, loss, the main metric, samples per
second and the time left, plus a line per finished epoch), ``"lines"`` (the line per epoch
only, for logs and pipes), ``"none"`` (nothing), and ``"auto"`` (a bar when the console is
a terminal, lines otherwise).
"""

from __future__ import annotations

import os
import sys
import time

from ..checks import one_of

MODES = ("auto", "bar", "lines", "none")
_REDRAW_SECONDS = 0.05  # redraw the bar at most 20 times a second


def format_logs(logs: dict) -> str:
    """``loss 0.1234  accuracy 0.9500  val_loss ...``: the float entries of an epoch record."""
    skip = ("epoch", "time", "lr")
    return "  ".join(
        f"{k} {v:.4f}" for k, v in logs.items() if k not in skip and isinstance(v, float)
    )


def _console():
    """A rich console on standard output that, when the reader of a pipe goes away, stops
    printing instead of ending the program (rich's default): training goes on."""
    from rich.console import Console  # only when something is shown

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    return _Console()


class Progress:
    """Reports batches and epochs of a training run.

    Parameters
    ----------
    mode : {"auto", "bar", "lines", "none"}
    epochs : int
        The last epoch of the run.
    batches : int
        Batches per epoch.
    console : rich.console.Console, optional
        Where to draw; default a console on standard output.
    start : int
        Epochs already done (a resumed run).
    """

    def __init__(self, mode: str, epochs: int, batches: int, console=None, start: int = 0):
        one_of(mode, MODES, "progress", "Trainer")
        if mode != "none":
            console = console or _console()
            if mode == "auto":
                mode = "bar" if console.is_terminal else "lines"
        self.mode, self.console = mode, console
        self.epochs, self.batches, self.start = epochs, batches, start
        self._bar = None
        self._last = 0.0

    def __enter__(self) -> Progress:
        if self.mode == "bar":
            from rich.progress import BarColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress
            from rich.table import Column

            self._bar = RichProgress(
                TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"),
                BarColumn(bar_width=24),
                # fixed width, so that a narrow terminal squeezes the other columns first
                TimeRemainingColumn(table_column=Column(no_wrap=True, min_width=7)),
                TextColumn("batch {task.fields[batch]}/{task.fields[batches]}"),
                TextColumn("loss {task.fields[loss]}"),
                TextColumn("{task.fields[metric]}"),
                TextColumn("{task.fields[rate]:,.0f} samples/s"),
                console=self.console,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(
                "train",
                total=max(self.epochs - self.start, 0) * self.batches,
                epoch=self.start + 1,
                epochs=self.epochs,
                batch=0,
                batches=self.batches,
                loss="-",
                metric="",
                rate=0.0,
            )
        return self

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None

    def batch_done(self, epoch: int, batch: int, running, rate: float) -> None:
        """After each step. The bar shows the epoch's running mean loss and metric (from
        ``running``), the numbers its epoch line will show."""
        if self._bar is None:
            return
        now = time.perf_counter()
        if now - self._last < _REDRAW_SECONDS and batch != self.batches:
            return
        self._last = now
        done = (epoch - 1 - self.start) * self.batches + batch
        mean_loss = running.loss / max(running.n, 1)
        self._bar.update(
            self._task,
            completed=done,
            epoch=epoch,
            batch=batch,
            loss=f"{mean_loss:.4f}",
            metric=running.metric_text(),
            rate=rate,
        )

    def epoch_done(self, epoch: int, logs: dict) -> None:
        """After each epoch: one line with the epoch's record."""
        if self.mode == "none":
            return
        self.console.print(
            f"epoch {epoch}/{self.epochs}  {format_logs(logs)}", highlight=False, soft_wrap=True
        )
