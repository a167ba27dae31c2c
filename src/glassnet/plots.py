"""Pictures of a training run, drawn with matplotlib (imported only by these functions).

The figures are drawn on a ``matplotlib.figure.Figure`` directly, not through ``pyplot``,
so drawing one neither needs a display nor changes the caller's matplotlib backend.
"""

from __future__ import annotations

import io as _bytesio
from pathlib import Path

from . import io
from .errors import GlassnetError

__all__ = ["plot_curves"]

_MAIN_METRICS = ("accuracy", "r2", "mae", "mse")


def _metric_of(history) -> str | None:
    cols = history.columns()
    return next((name for name in _MAIN_METRICS if name in cols), None)


def plot_curves(history, path, title: str = "") -> Path:
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
    metric = _metric_of(history)
    keys = ["loss"] + ([metric] if metric else [])
    fig = Figure(figsize=(5 * len(keys), 3.6))
    axes = fig.subplots(1, len(keys), squeeze=False)[0]
    epochs = history["epoch"]
    marker = "o" if len(history) <= 20 else None  # a short run would be hard to see
    for ax, key in zip(axes, keys):
        ax.plot(epochs, history[key], marker=marker, label=f"training {key}")
        if f"val_{key}" in history:
            ax.plot(epochs, history[f"val_{key}"], marker=marker, label=f"validation {key}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    buf = _bytesio.BytesIO()
    fig.savefig(buf, format=path.suffix.lstrip(".").lower() or "png", dpi=100)
    return io.atomic_write_bytes(path, buf.getvalue())
