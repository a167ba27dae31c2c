"""Pictures of a training run, drawn with matplotlib (imported only by these functions).

The figures are drawn on a ``matplotlib.figure.Figure`` directly, not through ``pyplot``,
so drawing one neither needs a display nor changes the caller's matplotlib backend.
"""

from __future__ import annotations

import io as _bytesio
import warnings
from pathlib import Path

import numpy as np

from .. import io
from ..errors import GlassnetError

__all__ = ["plot_curves", "draw_curves"]

_MAIN_METRICS = ("accuracy", "r2", "mae", "mse")


def main_metric(history) -> str | None:
    """The metric drawn beside the loss: accuracy, else R^2, MAE or MSE; None if none."""
    cols = history.columns()
    return next((name for name in _MAIN_METRICS if name in cols), None)


def plot_curves(history, path, title: str = "", kept_epoch: int | None = None) -> Path:
    """Training and validation loss, and the main metric, per epoch, saved to ``path``.

    Parameters
    ----------
    history : History
        From :meth:`glassnet.train.Trainer.fit`.
    path : str or Path
        Where to write the image; its suffix chooses the format (``.png``, ``.svg``,
        ``.pdf``). Written atomically.
    title : str
        Shown above the plots.
    kept_epoch : int, optional
        The epoch whose weights the model kept (see :attr:`Trainer.kept_epoch`); when it
        is not the last, a dashed line marks it.

    Returns
    -------
    Path

    Raises
    ------
    GlassnetError
        For an empty history.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from glassnet.train import History
    >>> h = History([{"epoch": 1, "loss": 0.9, "val_loss": 1.0},
    ...              {"epoch": 2, "loss": 0.5, "val_loss": 0.7}])
    >>> out = plot_curves(h, pathlib.Path(tempfile.mkdtemp()) / "curves.png")
    >>> out.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    from matplotlib.figure import Figure

    if len(history) == 0:
        raise GlassnetError("plot_curves: the history is empty; train for an epoch first")
    fig = Figure(figsize=(5 * (1 + bool(main_metric(history))), 3.6))
    path, buf = Path(path), _bytesio.BytesIO()
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # say nothing the figure won't
        warnings.simplefilter("ignore")
        draw_curves(fig, history, kept_epoch)
        if title:
            fig.suptitle(title if len(title) <= 80 else title[:79] + "\u2026")
        fig.tight_layout()
        fig.savefig(buf, format=path.suffix.lstrip(".").lower() or "png", dpi=100)
    return io.files.atomic_write_bytes(path, buf.getvalue())


def draw_curves(fig, history, kept_epoch: int | None = None) -> None:
    """Draw the loss, and the main metric if there is one, side by side on ``fig``.

    Each panel has the training curve, the validation curve when the history has one, and,
    when ``kept_epoch`` is given and is not the last epoch, a dashed line at the epoch
    whose weights were kept.
    """
    from matplotlib.ticker import MaxNLocator

    metric = main_metric(history)
    keys = ["loss"] + ([metric] if metric else [])
    epochs = history["epoch"]
    marker = "o" if len(epochs) <= 25 else None  # a short run would be hard to see
    for ax, key in zip(fig.subplots(1, len(keys), squeeze=False)[0], keys):
        ax.plot(epochs, _column(history, key), marker=marker, ms=3, label=f"training {key}")
        if f"val_{key}" in history.columns():
            val = _column(history, f"val_{key}")
            if np.isfinite(val).any():
                ax.plot(epochs, val, marker=marker, ms=3, label=f"validation {key}")
        if kept_epoch is not None and kept_epoch != epochs[-1]:
            ax.axvline(
                kept_epoch, color="0.35", ls="--", lw=1, label=f"weights kept (epoch {kept_epoch})"
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if len(epochs) == 1:  # one point gives the locator no range: it would tick fractions
            ax.set_xlim(epochs[0] - 1, epochs[0] + 1)
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()


def _column(history, key: str):
    """A history column as floats, with NaN where an epoch has no value."""
    return np.array([np.nan if v is None else float(v) for v in history[key]])
