"""``glassnet train``: train a network on a dataset and keep everything in a run folder."""

from __future__ import annotations

import json
import os
import sys
import time
from functools import partial
from pathlib import Path

from .. import checks, io, nn, saved
from ..data.datasets import TASKS, builtin_name
from ..data.prepare import row_hashes
from ..errors import DataError, GlassnetError, ModelFileError, SettingError
from ..report.recorder import ReportRecorder
from ..train import Trainer, TrainingDiverged
from . import _runfolder
from ._common import (
    DEFAULT_LR,
    DEFAULTS,
    RESUMABLE,
    check_same_data,
    data_digest,
    describe,
    echo,
    headline,
    interval,
    prepare_data,
    say,
)
from ._interrupts import deferred, ignore_further


def _settings(args) -> tuple[dict, Path, dict | None]:
    """The run's settings, its folder and, when resuming, the settings it was started with."""
    given = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k, None) is not None}
    if args.resume:
        out = Path(args.resume)
        fixed = [f"--{k.replace('_', '-')}" for k in given if k not in RESUMABLE]
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
            run = io.guard.read_json_file(run_file)
            settings = {**DEFAULTS, **run["settings"]}
        except (ValueError, KeyError, TypeError):
            raise ModelFileError(f"{run_file}: not a glassnet run description") from None
        # run.json files written before the rate was stored have none: the default's
        settings["lr"] = settings["lr"] or DEFAULT_LR.get(str(settings["optimizer"]), 0.01)
        _check_settings(settings, run_file)
        check_same_data(
            settings["data"],
            run.get("data_sha256"),
            f"--resume {out}",
            "put the original file back, or start a new run",
        )
        return {**settings, **given}, out, settings
    settings = {**DEFAULTS, **given}
    settings["lr"] = settings["lr"] or DEFAULT_LR[settings["optimizer"]]
    if settings["val_split"] + settings["test_split"] >= 1:
        raise GlassnetError(
            f"--val-split {settings['val_split']} and --test-split "
            f"{settings['test_split']} add up to 1 or more: no rows would be "
            "left to train on"
        )
    data = str(settings["data"])
    if builtin_name(data) is None:  # a file: absolute, so that `evaluate` finds it anywhere
        settings["data"] = os.path.abspath(data)
    return settings, Path(args.out) if args.out else _new_run_folder(data), None


def _check_settings(settings: dict, where: Path) -> None:
    """A run.json's settings are of the types the options take; otherwise name the entry."""

    def text(v, name, owner):
        if not isinstance(v, str):
            raise SettingError(f"{owner}: {name} must be text")

    def hidden(v, name, owner):  # [] is a network without a hidden layer
        if not isinstance(v, list):
            raise SettingError(f"{owner}: {name} must be a list of sizes")
        for n in v:
            checks.positive_int(n, name, owner)

    def names(v, name, owner):
        if v is not None and not (isinstance(v, list) and all(isinstance(n, str) for n in v)):
            raise SettingError(f"{owner}: {name} must be a list of column names")

    def flag(v, name, owner):
        if not isinstance(v, bool):
            raise SettingError(f"{owner}: {name} must be true or false")

    rules = {
        "data": text,
        "target": lambda v, *a: v is None or text(v, *a),
        "task": lambda v, *a: v is None or checks.one_of(v, TASKS, *a),
        "hidden": hidden,
        "activation": lambda v, *a: checks.one_of(v, ("relu", "tanh", "sigmoid"), *a),
        "epochs": checks.positive_int,
        "batch_size": checks.positive_int,
        "seed": checks.nonnegative_int,
        "lr": checks.positive_float,
        "optimizer": lambda v, *a: checks.one_of(v, DEFAULT_LR, *a),
        "val_split": partial(checks.probability, below_one=True),
        "test_split": partial(checks.probability, below_one=True),
        "early_stopping": checks.nonnegative_int,
        "features": names,
        "drop": names,
        "categorical": names,
        "missing": lambda v, *a: checks.one_of(v, ("impute", "drop", "error"), *a),
        "force": flag,
    }
    for key, check in rules.items():
        try:
            check(settings[key], key, str(where))
        except SettingError:
            raise ModelFileError(
                f"{where}: the setting {key!r} is {settings[key]!r}, which "
                f"--{key.replace('_', '-')} does not take"
            ) from None


def _new_run_folder(data: str) -> Path:
    base = Path("runs") / f"{Path(data).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def run(args) -> int:
    settings, out, started = _settings(args)
    while True:
        try:
            with _runfolder.claimed(out, "--resume" if args.resume else "--out"):
                if started is None:
                    _runfolder.check_free(out)
                return _run(args, settings, out, started)
        except _runfolder.FolderTaken:
            if args.out or args.resume:
                raise
            out = _new_run_folder(str(settings["data"]))  # a default name taken this second


def _run(args, settings: dict, out: Path, started: dict | None) -> int:
    prep = prepare_data(settings)
    ds, split = prep.dataset, prep.split
    _check_classes(ds)
    recorder = ReportRecorder()  # gradient norms and snapshots for report.html
    trainer = _trainer(settings, ds, out, recorder, quiet=args.quiet)
    if prep.notes:
        say(args, *prep.notes)
    if started is not None:
        say(args, _resume(trainer, out, settings, started["epochs"]))
    else:
        say(args, _plan(trainer.model, ds, split, prep.target_scale))
    digest = data_digest(settings["data"])  # so that resume and evaluate see a changed file
    # the training rows' hashes, so that evaluate and predict can tell them when they see them
    run = {"settings": settings, "data_sha256": digest, "train_rows": row_hashes(split.X_train)}
    io.files.atomic_write_text(out / "run.json", json.dumps(run, indent=2) + "\n")
    val = (prep.inputs(split.X_val), prep.targets(split.y_val)) if len(split.X_val) else None
    stopped_before = trainer.stop_training
    try:
        trainer.fit(prep.inputs(split.X_train), prep.targets(split.y_train), validation_data=val)
    except KeyboardInterrupt:
        ignore_further()
        print(_interrupted(trainer, out), file=sys.stderr)
        return 130
    except TrainingDiverged:
        _write_report(out, recorder, trainer, settings, prep, None)  # shows what blew up
        raise
    if trainer.stop_training and not stopped_before:
        by = "validation" if val is not None else "training"
        say(
            args,
            f"stopped early after epoch {trainer.epoch}: no better {by} loss for "
            f"{settings['early_stopping']} epochs",
        )
    return _save(out, recorder, trainer, settings, prep, digest)


def _save(out: Path, recorder, trainer, settings: dict, prep, digest) -> int:
    """The model, the results and the report; "saved to" once every file is written."""
    ds = prep.dataset
    try:
        extra = {"dataset": ds.name, "settings": settings, "data_sha256": digest}
        if prep.target_decimals is not None:
            extra["target_decimals"] = prep.target_decimals
        result = saved.save(out, trainer.model, **prep.model_info(), extra=extra)
        line = _write_results(out, result, trainer, prep, f"{ds.name}: {describe(trainer.model)}")
        _write_report(out, recorder, trainer, settings, prep, result)
    except KeyboardInterrupt:
        ignore_further()
        print(
            f"interrupted while writing the results; write them with: glassnet train "
            f"--resume {out}",
            file=sys.stderr,
        )
        return 130
    echo(line)
    return 0


def _check_classes(ds) -> None:
    """A classifier of one class would report accuracy 1.000 having learnt nothing."""
    if ds.task == "classify" and len(ds.label_names) < 2:
        raise DataError(
            f"{ds.name}: every row of the target {ds.target_name!r:.60} is the class "
            f"{ds.label_names[0]!r:.60}; a classifier needs at least two classes"
        )


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
        f"training {describe(model)} {task} on {ds.name}: {len(split.X_train)} training "
        f"rows, {len(split.X_val)} validation, {len(split.X_test)} test"
    )


def _resume(trainer: Trainer, out: Path, settings: dict, started_with: int) -> str:
    """Load the run's last checkpoint; settle the epochs it ends at; say what happens."""
    if not (out / "last.safetensors").is_file():
        return (
            f"{out} stopped before its first checkpoint: training it again from the start, "
            "with its own settings"
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
            f"start it again with: glassnet train --resume {out}"
        )
    at = io.load_checkpoint(last)["extra"]["epoch"]
    return (
        f"interrupted during epoch {trainer.epoch + 1}; continue from epoch {at} with: "
        f"glassnet train --resume {out}"
    )


def _write_report(out: Path, recorder, trainer, settings: dict, prep, result) -> None:
    """report.html: the run in pictures. Without a saved model (a diverged run) it leaves
    out the sections that need predictions."""
    if not recorder.epochs and (out / "report.html").exists():
        return  # a resumed run with nothing left to train: keep the report it has
    from ..report import write_report  # matplotlib is imported only here

    ds, split = prep.dataset, prep.split
    title = f"{ds.name}: {describe(trainer.model)}"
    extra, kept = {}, trainer.kept_epoch
    if result is None:  # no model was saved, so no epoch's weights were kept
        title, kept = title + " (training diverged)", None
    else:
        outputs = result.outputs_encoded  # encoded rows in; logits, or values in real units
        extra = {
            "X_test": split.X_test,
            "y_test": split.y_test,
            "predict": (lambda X: outputs(X).argmax(axis=1)) if ds.task == "classify" else outputs,
        }
        if ds.task == "classify" and ds.n_features == 2:
            extra.update(X_2d=ds.X, y_2d=ds.y)
    with deferred():  # matplotlib, interrupted while drawing, may swallow the Ctrl-C
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


def _write_results(out: Path, model: saved.SavedModel, trainer, prep, title: str) -> str:
    """history.csv, metrics.json and curves.png; returns the line that says the result."""
    report, split = {}, prep.split
    for name, part, y in [("test", "test", split.y_test), ("validation", "val", split.y_val)]:
        if len(y):  # the raw rows through the saved model: its preprocessing is applied
            report[name] = model.evaluate(prep.raw(part), y)
    report.update(
        epochs=trainer.epoch,
        best_epoch=trainer.best["epoch"],
        kept_epoch=trainer.kept_epoch,
        stopped_early=trainer.stop_training,
    )
    trainer.history.to_csv(out / "history.csv")
    io.files.atomic_write_text(out / "metrics.json", json.dumps(report, indent=2) + "\n")
    from ..report import plot_curves  # matplotlib is imported only here

    with deferred():
        plot_curves(trainer.history, out / "curves.png", title=title, kept_epoch=trainer.kept_epoch)
    if "test" in report:
        result = (
            f"{headline(report['test'], model.task)} on {len(split.y_test)} held-out "
            f"test rows{interval(report['test'])}"
        )
    elif "validation" in report:
        result = (
            f"{headline(report['validation'], model.task, 'validation ')} on "
            f"{len(split.y_val)} validation rows{interval(report['validation'])} (no "
            "test split)"
        )
    else:
        result = f"final training loss {trainer.history.rows[-1]['loss']:.4g} (no held-out rows)"
    if trainer.kept_epoch != trainer.epoch:
        by = "validation" if len(split.y_val) else "training"
        result += f", with the weights of epoch {trainer.kept_epoch} (lowest {by} loss)"
    return (
        f"{result}; saved to {out}, with its report in {out / 'report.html'}; next: "
        f"glassnet evaluate --model {out}, glassnet predict --model {out} --data FILE, "
        f"glassnet explain --model {out}"
    )
