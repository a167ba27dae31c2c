"""What the commands share: the run's defaults, printing, and rebuilding a run's data."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from ..data import prepare
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
    "features": None,
    "drop": None,
    "categorical": None,
    "missing": "impute",
    "force": False,
}
DEFAULT_LR = {"adam": 0.01, "sgd": 0.1, "momentum": 0.05, "adamw": 0.01, "rmsprop": 0.001}
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
    """Load, choose columns, split, encode and standardise the data of a run, exactly as
    its settings say (:func:`glassnet.data.prepare`)."""
    return prepare(
        settings["data"],
        settings["target"],
        settings["task"],
        features=settings["features"],
        drop=settings["drop"],
        categorical=settings["categorical"],
        missing=settings["missing"],
        force=settings["force"],
        val_size=settings["val_split"],
        test_size=settings["test_split"],
        seed=settings["seed"],
    )


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


def run_record(model_arg) -> dict:
    """The run.json beside a model (a run folder, or the folder of its model file), or {}."""
    import json

    folder = Path(model_arg) if Path(model_arg).is_dir() else Path(model_arg).parent
    try:
        run = json.loads((folder / "run.json").read_text())
    except (OSError, ValueError):
        return {}
    return run if isinstance(run, dict) else {}


def warn_training_rows(model_arg, Z, where: str) -> None:
    """Warn, once, when rows given to a model include rows it was trained on."""
    import warnings

    from ..data.prepare import row_hashes
    from ..errors import GlassnetWarning

    trained = run_record(model_arg).get("train_rows")
    if not isinstance(trained, list) or not len(Z):
        return
    seen = set(map(str, trained))
    n = sum(h in seen for h in row_hashes(Z))
    if n:
        warnings.warn(
            f"{n} of the {len(Z)} rows of {where} are rows the model was trained on; "
            "scores on them overstate how well it does on new data",
            GlassnetWarning,
            stacklevel=2,
        )
