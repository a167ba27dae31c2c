"""What the commands share: the run's defaults, printing, and rebuilding a run's data."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import numpy as np

from ..data import Standardizer, load_dataset, train_val_test_split
from ..data.datasets import builtin_name
from ..errors import DataError

DEFAULTS = {
    "data": "iris",
    "target": None,
    "task": None,
    "hidden": [32, 32],
    "activation": "tanh",
    "epochs": 100,
    "batch_size": 32,
    "lr": None,
    "optimizer": "adam",
    "seed": 0,
    "val_split": 0.15,
    "test_split": 0.2,
    "early_stopping": 20,
}
DEFAULT_LR = {"adam": 0.01, "sgd": 0.1, "momentum": 0.05}
# What a resumed run may change: the rest must stay as it was for the run to continue exactly.
RESUMABLE = ("epochs",)


def say(args, *lines: str) -> None:
    if not getattr(args, "quiet", False):
        echo(*lines)


def echo(*lines: str) -> None:
    """Print now; when the reader has gone (``glassnet train | head``), go on silently, so
    that the run still trains and saves its files."""
    try:
        print(*lines, sep="\n", flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def prepare_data(settings: dict):
    """Load, split and standardise the data of a run, exactly as its settings say."""
    ds = load_dataset(
        settings["data"], target=settings["target"], task=settings["task"], seed=settings["seed"]
    )
    split = train_val_test_split(
        ds.X,
        ds.y,
        val_size=settings["val_split"],
        test_size=settings["test_split"],
        seed=settings["seed"],
        stratify=ds.task == "classify",
    )
    scaler = Standardizer().fit(split.X_train)
    y_scale = None
    if ds.task == "regress":  # predict standardised targets; report metrics in real units
        mu, sd = float(split.y_train.mean()), float(split.y_train.std())
        y_scale = {"mean": mu, "scale": sd if sd > 0 else 1.0}
    return ds, split, scaler, y_scale


def scaled_y(y, y_scale):
    if y_scale is None:
        return y
    return ((y - y_scale["mean"]) / y_scale["scale"]).astype(np.float32)


def data_digest(data: str) -> str | None:
    """The SHA-256 of a run's CSV file; None for a built-in dataset or a missing file."""
    path = Path(data)
    if builtin_name(data) is not None or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_same_data(data: str, recorded: str | None, who: str, advice: str) -> None:
    """A run's splits are rebuilt from its file: refuse to if the file has changed since."""
    now = data_digest(data)
    if recorded and now and now != recorded:
        raise DataError(
            f"{who}: {data} has changed since the run was trained on it (its "
            f"SHA-256 differs), so its splits would not be the run's; {advice}"
        )


def describe(model) -> str:
    act = model.activation  # one name, or one per hidden layer: "tanh, relu"
    return (
        f"MLP {'-'.join(map(str, model.sizes))} ({act if isinstance(act, str) else ', '.join(act)})"
    )


def interval(report: dict) -> str:
    """A classification report's 95% interval for its accuracy, as a parenthesis."""
    if "accuracy_interval" not in report:
        return ""
    low, high = report["accuracy_interval"]
    return f" (95% interval {low:.3f} to {high:.3f})"


def headline(report: dict, task: str, prefix: str = "test ") -> str:
    if task == "classify":
        return f"{prefix}accuracy {report['accuracy']:.3f}"
    return f"{prefix}R^2 {report['r2']:.3f}, MSE {report['mse']:.4g}, MAE {report['mae']:.4g}"
