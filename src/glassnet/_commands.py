"""What each ``glassnet`` command does; :mod:`glassnet.cli` parses the arguments."""

from __future__ import annotations

import csv
import hashlib
import io as _stringio
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from . import io, nn, saved
from .data import Standardizer, list_datasets, load_dataset, train_val_test_split
from .data.datasets import builtin_name
from .errors import DataError, GlassnetError, ModelFileError
from .explain.recorder import ReportRecorder
from .train import Trainer, TrainingDiverged

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
_DEFAULT_LR = {"adam": 0.01, "sgd": 0.1, "momentum": 0.05}
# What a resumed run may change: the rest must stay as it was for the run to continue exactly.
_RESUMABLE = ("epochs",)
# What a run leaves in its folder; a new run is not started in a folder that holds any of them.
_RUN_FILES = ("run.json", "model.safetensors", "last.safetensors", "best.safetensors")


def _say(args, *lines: str) -> None:
    if not getattr(args, "quiet", False):
        _print(*lines)


def _print(*lines: str) -> None:
    """Print now; when the reader has gone (``glassnet train | head``), go on silently, so
    that the run still trains and saves its files."""
    try:
        print(*lines, sep="\n", flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


# --- the run's data ---------------------------------------------------------------------------


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


def _scaled_y(y, y_scale):
    if y_scale is None:
        return y
    return ((y - y_scale["mean"]) / y_scale["scale"]).astype(np.float32)


# --- train --------------------------------------------------------------------------------------


def _settings(args) -> tuple[dict, Path, dict | None]:
    """The run's settings, its folder and, when resuming, the settings it was started with."""
    given = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k, None) is not None}
    if args.resume:
        out = Path(args.resume)
        fixed = [f"--{k.replace('_', '-')}" for k in given if k not in _RESUMABLE]
        if fixed or args.out:
            fixed += ["--out"] if args.out else []
            raise GlassnetError(
                f"--resume continues a run with its own settings; only --epochs "
                f"can change, not {', '.join(fixed)}"
            )
        run_file = out / "run.json"
        if not run_file.is_file():
            raise ModelFileError(f"--resume {out}: no run.json there; is it a glassnet run folder?")
        try:
            run = json.loads(run_file.read_text())
            settings = {**DEFAULTS, **run["settings"]}
        except (ValueError, KeyError, TypeError):
            raise ModelFileError(f"{run_file}: not a glassnet run description") from None
        # run.json files written before the rate was stored have none: the default's
        settings["lr"] = settings["lr"] or _DEFAULT_LR.get(str(settings["optimizer"]), 0.01)
        _check_settings(settings, run_file)
        _check_same_data(
            settings["data"],
            run.get("data_sha256"),
            f"--resume {out}",
            "put the original file back, or start a new run",
        )
        return {**settings, **given}, out, settings
    settings = {**DEFAULTS, **given}
    settings["lr"] = settings["lr"] or _DEFAULT_LR[settings["optimizer"]]
    if settings["val_split"] + settings["test_split"] >= 1:
        raise GlassnetError(
            f"--val-split {settings['val_split']} and --test-split "
            f"{settings['test_split']} add up to 1 or more: no rows would be "
            "left to train on"
        )
    data = str(settings["data"])
    if builtin_name(data) is None:  # a file: absolute, so that `evaluate` finds it anywhere
        settings["data"] = os.path.abspath(data)
    if not args.out:
        return settings, _new_run_folder(data), None
    out = Path(args.out)
    held = [name for name in _RUN_FILES if (out / name).exists()]
    if held:  # files of two runs in one folder would be read as one run
        raise GlassnetError(
            f"--out {out} already holds a run ({', '.join(held)}); give "
            f"another folder, or continue that run with --resume {out}"
        )
    return settings, out, None


def _data_digest(data: str) -> str | None:
    """The SHA-256 of a run's CSV file; None for a built-in dataset or a missing file."""
    path = Path(data)
    if builtin_name(data) is not None or not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_same_data(data: str, recorded: str | None, who: str, advice: str) -> None:
    """A run's splits are rebuilt from its file: refuse to if the file has changed since."""
    now = _data_digest(data)
    if recorded and now and now != recorded:
        raise DataError(
            f"{who}: {data} has changed since the run was trained on it (its "
            f"SHA-256 differs), so its splits would not be the run's; {advice}"
        )


def _check_settings(settings: dict, where: Path) -> None:
    """A run.json's settings are of the types the options take; otherwise name the entry."""

    def positive_int(v):
        return isinstance(v, int) and not isinstance(v, bool) and v > 0

    def count(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    def fraction(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v < 1

    rules = {
        "data": lambda v: isinstance(v, str),
        "target": lambda v: v is None or isinstance(v, str),
        "task": lambda v: v in (None, "classify", "regress"),
        "hidden": lambda v: isinstance(v, list) and len(v) > 0 and all(map(positive_int, v)),
        "activation": lambda v: v in ("relu", "tanh", "sigmoid"),
        "epochs": positive_int,
        "batch_size": positive_int,
        "seed": count,
        "lr": lambda v: (
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
        ),
        "optimizer": lambda v: isinstance(v, str) and v in _DEFAULT_LR,
        "val_split": fraction,
        "test_split": fraction,
        "early_stopping": count,
    }
    for key, ok in rules.items():
        if not ok(settings[key]):
            raise ModelFileError(
                f"{where}: the setting {key!r} is {settings[key]!r}, which "
                f"--{key.replace('_', '-')} does not take"
            )


def _new_run_folder(data: str) -> Path:
    base = Path("runs") / f"{Path(data).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def train(args) -> int:
    settings, out, started = _settings(args)
    ds, split, scaler, y_scale = prepare_data(settings)
    recorder = ReportRecorder()  # gradient norms and snapshots for report.html
    trainer = _trainer(settings, ds, out, recorder, quiet=args.quiet)
    if started is not None:
        _say(args, _resume(trainer, out, settings, started["epochs"]))
    else:
        _say(args, _plan(trainer.model, ds, split, y_scale))
    digest = _data_digest(settings["data"])  # so that resume and evaluate see a changed file
    run = {"settings": settings, "data_sha256": digest}
    io.atomic_write_text(out / "run.json", json.dumps(run, indent=2) + "\n")
    X_train, X_val = scaler.transform(split.X_train), scaler.transform(split.X_val)
    val = (X_val, _scaled_y(split.y_val, y_scale)) if len(X_val) else None
    stopped_before = trainer.stop_training
    try:
        trainer.fit(X_train, _scaled_y(split.y_train, y_scale), validation_data=val)
    except KeyboardInterrupt:
        print(_interrupted(trainer, out), file=sys.stderr)
        return 130
    except TrainingDiverged:
        _write_report(out, recorder, trainer, settings, ds, split, None)  # shows what blew up
        raise
    if trainer.stop_training and not stopped_before:
        by = "validation" if val is not None else "training"
        _say(
            args,
            f"stopped early after epoch {trainer.epoch}: no better {by} loss for "
            f"{settings['early_stopping']} epochs",
        )
    try:
        result = saved.save(
            out,
            trainer.model,
            task=ds.task,
            feature_names=ds.feature_names,
            label_names=ds.label_names,
            standardizer=scaler,
            target_name=ds.target_name,
            target_scale=y_scale,
            extra={"dataset": ds.name, "settings": settings, "data_sha256": digest},
        )
        _write_results(out, result, trainer, split, f"{ds.name}: {_describe(trainer.model)}")
        _write_report(out, recorder, trainer, settings, ds, split, result)
    except KeyboardInterrupt:
        print(
            f"interrupted while writing the results; write them with: glassnet train "
            f"--resume {out}",
            file=sys.stderr,
        )
        return 130
    return 0


def _trainer(settings: dict, ds, out: Path, recorder, quiet: bool) -> Trainer:
    n_out = len(ds.label_names) if ds.task == "classify" else 1
    model = nn.MLP(
        [ds.n_features, *settings["hidden"], n_out],
        activation=settings["activation"],
        seed=settings["seed"],
    )
    # A regression run learns standardised targets, so MSE and MAE per epoch would be in
    # standard deviations; R^2 is the same in either unit, so it is the metric shown.
    metrics = None if ds.task == "classify" else ("r2",)
    return Trainer(
        model,
        task=ds.task,
        optimizer=settings["optimizer"],
        lr=settings["lr"],
        epochs=settings["epochs"],
        batch_size=settings["batch_size"],
        metrics=metrics,
        early_stopping=settings["early_stopping"] or None,
        checkpoint_dir=out,
        progress="none" if quiet else "auto",
        seed=settings["seed"],
        callbacks=[recorder],
    )


def _plan(model: nn.MLP, ds, split, y_scale) -> str:
    """The first line of a new run: the network, the task, the data and its split."""
    if ds.task == "classify":
        task = f"to classify {ds.target_name} ({len(ds.label_names)} classes)"
    else:
        task = (
            f"to predict {ds.target_name} (standardised with mean {y_scale['mean']:.4g} "
            f"and sd {y_scale['scale']:.4g}: the loss is the MSE in sd units)"
        )
    return (
        f"training {_describe(model)} {task} on {ds.name}: {len(split.X_train)} training "
        f"rows, {len(split.X_val)} validation, {len(split.X_test)} test"
    )


def _resume(trainer: Trainer, out: Path, settings: dict, started_with: int) -> str:
    """Load the run's last checkpoint; settle the epochs it ends at; say what happens."""
    if not (out / "last.safetensors").is_file():
        raise ModelFileError(
            f"--resume {out}: the run has no last.safetensors: it stopped "
            "before its first checkpoint; train it again"
        )
    asked = settings["epochs"]
    trainer.load_checkpoint(out / "last.safetensors")
    done = trainer.epoch
    if trainer.stop_training:  # early stopping ended it: its own epochs stay on record
        settings["epochs"] = trainer.epochs = started_with
        by = "validation" if settings["val_split"] else "training"
        return (
            f"{out} stopped early at epoch {done} (no better {by} loss for "
            f"{settings['early_stopping']} epochs), so it trains no further; writing its "
            "results (to train longer, start a run with a larger --early-stopping)"
        )
    if done >= asked:  # nothing left to train: the run is what its epochs made it
        settings["epochs"] = trainer.epochs = done
        return (
            f"{out} has done {done} epochs; give a larger --epochs to train longer; "
            "writing its results"
        )
    return f"resuming {out} after epoch {done} of {asked}"


def _interrupted(trainer: Trainer, out: Path) -> str:
    last = out / "last.safetensors"
    if not last.is_file():
        return (
            f"interrupted during epoch {trainer.epoch + 1}, before the first checkpoint; "
            f"nothing to resume: start the run again"
        )
    at = io.load_checkpoint(last)["extra"]["epoch"]
    return (
        f"interrupted during epoch {trainer.epoch + 1}; continue from epoch {at} with: "
        f"glassnet train --resume {out}"
    )


def _write_report(out: Path, recorder, trainer, settings: dict, ds, split, result) -> None:
    """report.html: the run in pictures. Without a saved model (a diverged run) it leaves
    out the sections that need predictions."""
    if not recorder.epochs and (out / "report.html").exists():
        return  # a resumed run with nothing left to train: keep the report it has
    from .explain.report import write_report  # matplotlib is imported only here

    title = f"{ds.name}: {_describe(trainer.model)}"
    extra, kept = {}, trainer.kept_epoch
    if result is None:  # no model was saved, so no epoch's weights were kept
        title, kept = title + " (training diverged)", None
    else:
        outputs = result.outputs  # raw features in; logits, or values in real units
        extra = {
            "X_test": split.X_test,
            "y_test": split.y_test,
            "predict": (lambda X: outputs(X).argmax(axis=1)) if ds.task == "classify" else outputs,
        }
        if ds.task == "classify" and ds.n_features == 2:
            extra.update(X_2d=ds.X, y_2d=ds.y)
    write_report(
        out / "report.html",
        recorder,
        trainer.history,
        settings,
        trainer.model,
        task=ds.task,
        label_names=ds.label_names,
        feature_names=ds.feature_names,
        title=title,
        kept_epoch=kept,
        **extra,
    )


def _write_results(out: Path, model: saved.SavedModel, trainer, split, title: str) -> None:
    report = {}
    for name, X, y in [
        ("test", split.X_test, split.y_test),
        ("validation", split.X_val, split.y_val),
    ]:
        if len(y):
            report[name] = model.evaluate(X, y)
    report.update(
        epochs=trainer.epoch,
        best_epoch=trainer.best["epoch"],
        kept_epoch=trainer.kept_epoch,
        stopped_early=trainer.stop_training,
    )
    trainer.history.to_csv(out / "history.csv")
    io.atomic_write_text(out / "metrics.json", json.dumps(report, indent=2) + "\n")
    from .plots import plot_curves  # matplotlib is imported only here

    plot_curves(trainer.history, out / "curves.png", title=title, kept_epoch=trainer.kept_epoch)
    if "test" in report:
        result = (
            f"{_headline(report['test'], model.task)} on {len(split.y_test)} held-out "
            f"test rows{_interval(report['test'])}"
        )
    elif "validation" in report:
        result = (
            f"{_headline(report['validation'], model.task, 'validation ')} on "
            f"{len(split.y_val)} validation rows{_interval(report['validation'])} (no "
            "test split)"
        )
    else:
        result = f"final training loss {trainer.history.rows[-1]['loss']:.4g} (no held-out rows)"
    if trainer.kept_epoch != trainer.epoch:
        by = "validation" if len(split.y_val) else "training"
        result += f", with the weights of epoch {trainer.kept_epoch} (lowest {by} loss)"
    _print(f"{result}; saved to {out}")


def _describe(model: nn.MLP) -> str:
    return f"MLP {'-'.join(map(str, model.sizes))} ({model.activation})"


def _interval(report: dict) -> str:
    """A classification report's 95% interval for its accuracy, as a parenthesis."""
    if "accuracy_interval" not in report:
        return ""
    low, high = report["accuracy_interval"]
    return f" (95% interval {low:.3f} to {high:.3f})"


def _headline(report: dict, task: str, prefix: str = "test ") -> str:
    if task == "classify":
        return f"{prefix}accuracy {report['accuracy']:.3f}"
    return f"{prefix}R^2 {report['r2']:.3f}, MSE {report['mse']:.4g}, MAE {report['mae']:.4g}"


# --- evaluate, predict, datasets ----------------------------------------------------------------


def evaluate(args) -> int:
    model = saved.load(args.model)
    if args.data:
        X, y = model.read_data(args.data, target=args.target)
        where = args.data
    else:
        settings = model.config.get("settings")
        if not isinstance(settings, dict):
            raise DataError(
                f"{args.model}: the model does not record the data it was trained on; give --data"
            )
        _check_same_data(
            str(settings.get("data")), model.config.get("data_sha256"), args.model, "give --data"
        )
        _, split, _, _ = prepare_data({**DEFAULTS, **settings})
        if len(split.y_test) == 0:
            raise DataError(
                f"{args.model}: the run held out no test rows (--test-split 0); give --data"
            )
        X, y, where = split.X_test, split.y_test, "the run's test split"
    report = model.evaluate(X, y)
    print(
        f"{_headline(report, model.task, prefix='')} on {len(y)} rows of {where}{_interval(report)}"
    )
    if model.task == "classify":
        _print_classes(report)
    if args.out:
        io.atomic_write_text(args.out, json.dumps(report, indent=2) + "\n")
        print(f"metrics written to {args.out}")
    return 0


def _print_classes(report: dict) -> None:
    width = max(12, *(len(n) + 2 for n in report["labels"]))
    print(f"{'class':<{width}}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
    for name, r in report["per_class"].items():
        print(
            f"{name:<{width}}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['f1']:>10.3f}"
            f"{r['support']:>9}"
        )
    print("confusion matrix (rows: true class, columns: predicted class):")
    cell = max(6, *(len(n) + 1 for n in report["labels"]))
    print(" " * width + "".join(f"{n:>{cell}}" for n in report["labels"]))
    for name, row in zip(report["labels"], report["confusion_matrix"]):
        print(f"{name:<{width}}" + "".join(f"{c:>{cell}}" for c in row))


def predict(args) -> int:
    model = saved.load(args.model)
    if args.proba and model.task != "classify":
        raise DataError("--proba applies to classification models; this one does regression")
    X = model.read_features(args.data)
    header, rows = ["prediction"], [[_cell(p)] for p in model.predict(X).tolist()]
    if args.proba:
        header += [f"p_{name}" for name in model.label_names]
        rows = [r + [f"{v:.6f}" for v in p] for r, p in zip(rows, model.predict_proba(X))]
    buf = _stringio.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    if args.out:
        io.atomic_write_text(args.out, buf.getvalue())
        print(f"{len(rows)} predictions written to {args.out}")
    else:
        sys.stdout.write(buf.getvalue())
    return 0


def _cell(value) -> str:
    return repr(value) if isinstance(value, float) else str(value)


def datasets(args) -> int:
    print(f"{'name':<15}{'task':<10}{'samples':>8}{'features':>10}{'classes':>9}  source")
    for d in list_datasets():
        classes = "-" if d.n_classes is None else str(d.n_classes)
        print(f"{d.name:<15}{d.task:<10}{d.n_samples:>8}{d.n_features:>10}{classes:>9}  {d.source}")
    return 0


def explain(args) -> int:
    from .explain.cli import explain as run_explain

    return run_explain(args)


__all__ = ["train", "evaluate", "predict", "datasets", "explain", "prepare_data"]
