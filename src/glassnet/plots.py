"""Pictures of a training run, drawn with matplotlib (imported only by these functions)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["plot_curves"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, works without a display
    import matplotlib.pyplot as plt

    return plt


def _metric_of(history) -> str | None:
    cols = history.columns()
    for name in ("accuracy", "r2", "mae"):
        if name in cols:
            return name
    return None


def plot_curves(history, path, title: str = "") -> Path:
    """Training and validation loss, and the main metric, per epoch, saved to ``path``.

    Parameters
    ----------
    history : History
        From :meth:`glassnet.train.Trainer.fit`.
    path : str or Path
        Where to write the image (PNG by its suffix); written atomically.
    title : str
        Shown above the plots.
    """
    plt = _pyplot()
    metric = _metric_of(history)
    fig, axes = plt.subplots(1, 2 if metric else 1, figsize=(10 if metric else 5, 3.6))
    axes = axes if metric else [axes]
    epochs = history["epoch"]
    for ax, key in zip(axes, ["loss", metric]):
        ax.plot(epochs, history[key], label=f"training {key}")
        if any(v is not None for v in history[f"val_{key}"]):
            ax.plot(epochs, history[f"val_{key}"], label=f"validation {key}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=100)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
