"""Keep what was made in the playground: a run folder that the other commands accept.

:func:`save_run` writes ``model.safetensors`` (:func:`glassnet.saved.save`), ``data.csv``
(every point's input features and target, so ``glassnet evaluate``, ``predict`` and
``explain`` read the very rows the page trained on), ``run.json`` (the settings in
``glassnet train``'s terms, with the page's own under ``"playground"``), ``history.csv``
and ``report.html`` (:func:`glassnet.report.write_report`). :func:`load_run` reads such a
folder back into a session: the same data, network and weights.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from .. import io, saved
from ..errors import ModelFileError
from .plane import expand
from .session import Session

__all__ = ["save_run", "load_run", "DATA_FILE"]

DATA_FILE = "data.csv"


def _csv(session: Session) -> tuple[str, str]:
    plane = session.plane
    F = expand(plane.P, plane.features)  # (n, k) float64, before standardising
    target = plane.target_name if plane.target_name not in plane.feature_names else "target"
    lines = [",".join([*plane.feature_names, target])]
    for row, y in zip(F.tolist(), plane.y.tolist()):
        label = plane.label_names[int(y)] if plane.task == "classify" else repr(float(y))
        lines.append(",".join([*(repr(v) for v in row), str(label)]))
    return "\n".join(lines) + "\n", target


def _train_settings(session: Session, data: Path, target: str) -> dict:
    """The run in ``glassnet train``'s terms: what ``evaluate`` needs to rebuild its split."""
    s, acts = session.settings, session.settings["activations"]
    return {
        "data": str(data),
        "target": target,
        "task": session.plane.task,
        "hidden": list(s["hidden"]),
        "activation": acts[0] if len(set(acts)) == 1 else list(acts),
        "epochs": max(session.epoch, 1),
        "batch_size": s["batch_size"],
        "lr": s["lr"],
        "optimizer": s["optimizer"],
        "seed": s["seed"],
        "val_split": 0.0,
        "test_split": s["test_split"],
        "early_stopping": 0,
    }


def default_folder() -> Path:
    base = Path("runs") / f"playground-{time.strftime('%Y%m%d-%H%M%S')}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def save_run(session: Session, folder=None) -> Path:
    """Write the session as a run folder (a new folder; default ``runs/playground-<time>``).

    Raises
    ------
    ModelFileError
        When the folder already holds a run.
    """
    out = Path(folder) if folder else default_folder()
    held = [n for n in ("run.json", io.MODEL_FILENAME) if (out / n).exists()]
    if held:
        raise ModelFileError(
            f"{out} already holds a run ({', '.join(held)}); choose another folder"
        )
    plane, model = session.plane, session.model
    text, target = _csv(session)
    data = io.files.atomic_write_text(out / DATA_FILE, text).resolve()
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    settings = _train_settings(session, data, target)
    extra = {"dataset": plane.name, "settings": settings, "data_sha256": digest}
    result = saved.save(
        out,
        model,
        task=plane.task,
        feature_names=plane.feature_names,
        label_names=plane.label_names,
        standardizer=plane.standardizer,
        target_name=target,
        target_scale=plane.y_scale,
        extra={**extra, "playground": session.settings, "epoch": session.epoch},
    )
    run = {"settings": settings, "data_sha256": digest, "playground": session.settings}
    io.files.atomic_write_text(out / "run.json", json.dumps(run, indent=2) + "\n")
    session.history.to_csv(out / "history.csv")
    _report(session, result, out)
    return out


def _report(session: Session, result, out: Path) -> None:
    from ..report import write_report  # matplotlib is imported only here

    plane = session.plane
    session.recorder.snapshot_end()
    outputs = result.outputs

    def predict(P):
        y = outputs(expand(P, plane.features))
        return y.argmax(axis=1) if plane.task == "classify" else y

    test = plane.test
    write_report(
        out / "report.html",
        session.recorder,
        session.history,
        session.settings,
        session.model,
        task=plane.task,
        label_names=plane.label_names,
        feature_names=plane.axes,
        title=f"playground: {plane.name}, MLP {'-'.join(map(str, session.model.sizes))}",
        X_test=plane.P[test],
        y_test=plane.y[test],
        predict=predict,
        **({"X_2d": plane.P, "y_2d": plane.y} if plane.task == "classify" else {}),
    )


def load_run(session: Session, folder) -> None:
    """Replace the session's setup and weights with those of a playground run folder.

    Raises
    ------
    ModelFileError
        When the folder is not a run the playground saved, or its data is not one the page
        may choose.
    """
    folder = Path(folder)
    model = saved.load(folder)  # checks the file: names the fault in one line
    settings = model.config.get("playground")
    if not isinstance(settings, dict):
        raise ModelFileError(
            f"{folder}: not a playground run (its model has no 'playground' settings); "
            "save one from the page first"
        )
    session.start(settings)
    state = model.model.state_dict()
    if list(state) != list(session.model.state_dict()):
        raise ModelFileError(f"{folder}: its network does not match its playground settings")
    session.model.load_state_dict(state)
    session.epoch = int(model.config.get("epoch", 0))
    session.changes += 1
