"""What each ``glassnet`` command does; :mod:`glassnet.cli` parses the arguments."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from . import io, metrics, nn
from .data import (
    Standardizer,
    list_datasets,
    load_dataset,
    read_csv,
    read_features_csv,
    train_val_test_split,
)
from .errors import DataError, GlassnetError, ModelFileError
from .train import Trainer, predict_logits

DEFAULTS = {
    "data": "iris", "target": None, "task": None, "hidden": [32, 32], "activation": "relu",
    "epochs": 100, "batch_size": 32, "lr": None, "optimizer": "adam", "seed": 0,
    "val_split": 0.15, "test_split": 0.2, "early_stopping": None,
}  # fmt: skip
_DEFAULT_LR = {"adam": 0.01, "sgd": 0.1, "momentum": 0.05}


def _say(args, *lines: str) -> None:
    if not getattr(args, "quiet", False):
        print(*lines, sep="\n")


# --- the run's data ---------------------------------------------------------------------------


def prepare_data(settings: dict):
    """Load, split and standardise the data of a run, exactly as its settings say."""
    ds = load_dataset(settings["data"], target=settings["target"], task=settings["task"],
                      seed=settings["seed"])  # fmt: skip
    split = train_val_test_split(ds.X, ds.y, val_size=settings["val_split"],
                                 test_size=settings["test_split"], seed=settings["seed"],
                                 stratify=ds.task == "classify")  # fmt: skip
    if len(split.X_train) == 0:
        raise DataError(f"{ds.name}: no rows are left for training after the splits")
    scaler = Standardizer().fit(split.X_train)
    y_scale = None
    if ds.task == "regress":  # predict standardised targets; report metrics in real units
        mu, sd = float(split.y_train.mean()), float(split.y_train.std()) or 1.0
        y_scale = {"mean": mu, "scale": sd}
    return ds, split, scaler, y_scale


def _scaled_y(y, y_scale):
    if y_scale is None:
        return y
    return ((y - y_scale["mean"]) / y_scale["scale"]).astype(np.float32)


# --- train --------------------------------------------------------------------------------------


def _settings(args) -> tuple[dict, Path, bool]:
    given = {k: getattr(args, k) for k in DEFAULTS if getattr(args, k, None) is not None}
    if args.resume:
        out = Path(args.resume)
        run_file = out / "run.json"
        if not run_file.is_file():
            raise ModelFileError(f"--resume {out}: no run.json there; is it a glassnet run folder?")
        settings = json.loads(run_file.read_text())["settings"]
        settings.update({k: v for k, v in given.items() if k in ("epochs",)})
        return settings, out, True
    settings = {**DEFAULTS, **given}
    settings["lr"] = settings["lr"] or _DEFAULT_LR[settings["optimizer"]]
    name = Path(str(settings["data"])).stem
    out = Path(args.out) if args.out else Path("runs") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    return settings, out, False


def build_model(config: dict) -> nn.MLP:
    return nn.MLP(config["sizes"], activation=config["activation"], seed=config.get("seed"))


def train(args) -> int:
    settings, out, resuming = _settings(args)
    ds, split, scaler, y_scale = prepare_data(settings)
    n_out = len(ds.label_names) if ds.task == "classify" else 1
    arch = {"sizes": [ds.n_features, *settings["hidden"], n_out],
            "activation": settings["activation"], "seed": settings["seed"]}  # fmt: skip
    model = build_model(arch)
    trainer = Trainer(
        model, task=ds.task, optimizer=settings["optimizer"], lr=settings["lr"],
        epochs=settings["epochs"], batch_size=settings["batch_size"],
        early_stopping=settings["early_stopping"], checkpoint_dir=out,
        progress="none" if args.quiet else "auto", seed=settings["seed"],
    )  # fmt: skip
    if resuming:
        trainer.load_checkpoint(out / "last.safetensors")
        _say(args, f"resuming {out} after epoch {trainer.epoch} of {settings['epochs']}")
    else:
        out.mkdir(parents=True, exist_ok=True)
        io.atomic_write_text(out / "run.json", json.dumps({"settings": settings}, indent=2))
        _say(args, f"training {_describe(arch)} on {ds.name} ({len(split.X_train)} training rows)")
    Xs = [scaler.transform(a) for a in (split.X_train, split.X_val, split.X_test)]
    val = (Xs[1], _scaled_y(split.y_val, y_scale)) if len(Xs[1]) else None
    history = trainer.fit(Xs[0], _scaled_y(split.y_train, y_scale), validation_data=val)
    config = {**_model_config(ds, arch, scaler, y_scale), "settings": settings}
    io.save_model(out, model.state_dict(), config)
    report = score(model, config, Xs[2], split.y_test)
    history.to_csv(out / "history.csv")
    io.atomic_write_text(out / "metrics.json", json.dumps({"test": report}, indent=2))
    from .plots import plot_curves  # matplotlib is imported only here

    plot_curves(history, out / "curves.png", title=f"{ds.name}: {_describe(arch)}")
    print(f"{_headline(report, ds.task)} on {len(split.y_test)} held-out rows; saved to {out}")
    return 0


def _describe(arch: dict) -> str:
    return f"MLP {'-'.join(map(str, arch['sizes']))} ({arch['activation']})"


def _model_config(ds, arch, scaler, y_scale) -> dict:
    return {
        "architecture": {"type": "MLP", **arch},
        "task": ds.task,
        "feature_names": list(ds.feature_names),
        "label_names": ds.label_names,
        "target_name": ds.target_name,
        "dataset": ds.name,
        "standardizer": scaler.to_dict(),
        "target_scale": y_scale,
    }


def _headline(report: dict, task: str) -> str:
    if task == "classify":
        return f"test accuracy {report['accuracy']:.3f}"
    return f"test R^2 {report['r2']:.3f}, MSE {report['mse']:.4g}, MAE {report['mae']:.4g}"


# --- a saved model -------------------------------------------------------------------------------


def load_model(path) -> tuple[nn.MLP, dict]:
    """Rebuild a saved model and check its weights against its own architecture."""
    state, config = io.load_model(path)
    arch = config.get("architecture")
    if not arch or arch.get("type") != "MLP":
        raise ModelFileError(f"{path}: the model's config has no MLP architecture")
    model = build_model(arch)
    expected = {k: v.shape for k, v in model.state_dict().items()}
    io.check_state(state, expected)
    model.load_state_dict(state)
    return model, config


def model_outputs(model, config, X) -> np.ndarray:
    """Outputs in real units: class logits, or regression predictions un-standardised."""
    X = Standardizer.from_dict(config["standardizer"]).transform(X)
    out = predict_logits(model, X)
    ys = config.get("target_scale")
    if config["task"] == "regress":
        out = out.reshape(-1)
        if ys:
            out = out * ys["scale"] + ys["mean"]
    return out


def score(model, config, X_scaled_or_raw, y, scaled: bool = True) -> dict:
    if scaled:
        out = predict_logits(model, X_scaled_or_raw)
        if config["task"] == "regress":
            ys = config.get("target_scale") or {"mean": 0.0, "scale": 1.0}
            out = out.reshape(-1) * ys["scale"] + ys["mean"]
    else:
        out = model_outputs(model, config, X_scaled_or_raw)
    if config["task"] == "classify":
        return metrics.classification_report(y, out.argmax(axis=1), config["label_names"])
    return metrics.regression_report(y, out)


def evaluate(args) -> int:
    model, config = load_model(args.model)
    if args.data:
        X, y = _labelled_data(args.data, config)
        where = args.data
    else:
        run = Path(args.model)
        if not (run.is_dir() and (run / "run.json").is_file()):
            raise DataError("--data is needed unless --model is a run folder (with its run.json)")
        _, split, _, _ = prepare_data(json.loads((run / "run.json").read_text())["settings"])
        X, y, where = split.X_test, split.y_test, "the run's test split"
    report = score(model, config, X, y, scaled=False)
    print(f"{_headline(report, config['task'])} on {len(y)} rows of {where}")
    if config["task"] == "classify":
        _print_classes(report)
    if args.out:
        io.atomic_write_text(args.out, json.dumps(report, indent=2))
    return 0


def _labelled_data(data: str, config: dict):
    """Features in the model's column order and targets encoded with the model's classes."""
    if str(data).lower().endswith(".csv"):
        ds = read_csv(data, target=config.get("target_name"), task=config["task"],
                      feature_names=config["feature_names"],
                      label_names=config["label_names"])  # fmt: skip
    else:
        ds = load_dataset(data, target=config.get("target_name"), task=config["task"])
        if list(ds.feature_names) != config["feature_names"]:
            raise DataError(f"{data}: features {ds.feature_names} do not match the model's "
                            f"{config['feature_names']}")  # fmt: skip
        if config["task"] == "classify" and ds.label_names != config["label_names"]:
            raise DataError(f"{data}: classes {ds.label_names} differ from the model's "
                            f"{config['label_names']}")  # fmt: skip
    return ds.X, ds.y


def _print_classes(report: dict) -> None:
    print(f"{'class':<16}{'precision':>10}{'recall':>10}{'support':>9}")
    for name, r in report["per_class"].items():
        print(f"{name:<16}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['support']:>9}")
    print("confusion matrix (rows: true class, columns: predicted):")
    for name, row in zip(report["labels"], report["confusion_matrix"]):
        print(f"  {name:<14}" + "".join(f"{c:>6}" for c in row))


def predict(args) -> int:
    model, config = load_model(args.model)
    if not str(args.data).endswith(".csv"):
        raise DataError(f"--data must be a CSV file, got {args.data!r}")
    X, _ = read_features_csv(args.data, config["feature_names"])
    out = model_outputs(model, config, X)
    if config["task"] == "classify":
        names = config["label_names"]
        header, rows = ["prediction"], [[names[k]] for k in out.argmax(axis=1)]
        if args.proba:
            p = np.exp(out - out.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            header += [f"p_{n}" for n in names]
            rows = [r + [f"{v:.6f}" for v in pr] for r, pr in zip(rows, p)]
    else:
        header, rows = ["prediction"], [[f"{v:.6g}"] for v in out]
    text = "\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n"
    if args.out:
        io.atomic_write_text(args.out, text)
        print(f"{len(rows)} predictions written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def datasets(args) -> int:
    print(f"{'name':<15}{'task':<10}{'samples':>8}{'features':>10}{'classes':>9}  source")
    for d in list_datasets():
        classes = "-" if d.n_classes is None else str(d.n_classes)
        print(f"{d.name:<15}{d.task:<10}{d.n_samples:>8}{d.n_features:>10}{classes:>9}  {d.source}")
    return 0


def explain(args) -> int:
    from .explain.cli import explain as run_explain

    return run_explain(args)


__all__ = ["train", "evaluate", "predict", "datasets", "explain", "load_model", "GlassnetError"]
