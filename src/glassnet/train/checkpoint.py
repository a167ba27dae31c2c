"""The Trainer's checkpoints: what goes into one, and how it is checked and put back.

A checkpoint holds the weights training continues from, the optimizer and schedule, the
batch order, every module's random generator, the history and the early-stopping record,
and a description of the setup (``extra["setup"]``): the model's structure (each module
with its settings, e.g. ``Tanh()`` or ``Dropout(p=0.3)``), the task, the loss function's
name, the batch size, and the optimizer and schedule with their hyper-parameters as the
Trainer was built. Loading refuses a checkpoint whose setup differs from the Trainer's,
since the resumed run would not be the run it claims to continue.

Loading checks everything before it changes anything: on any error the Trainer is left
as it was. :class:`glassnet.train.Trainer` calls these functions from its
``save_checkpoint`` and ``load_checkpoint``.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from .. import io
from ..errors import GlassnetError, ModelFileError
from .history import History

CHECKPOINT_KEYS = ("epoch", "history", "best", "loader", "rngs", "setup")
TRAINER_FILES = ("last.safetensors", "best.safetensors")


# -- the setup -------------------------------------------------------------------------------
def describe_optimizer(optimizer, scheduler) -> dict:
    """The optimizer and schedule as built, e.g. ``{"optimizer": "Adam(lr=0.01, ...)"}``.

    Taken when the Trainer is built: training and loading change the rate, not the setup.
    """
    hyper = {name: getattr(optimizer, name) for name in optimizer._hyper}
    if scheduler is not None:
        hyper["lr"] = scheduler.base_lr  # the schedule may already have moved the rate
    settings = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
    sched = _describe_schedule(scheduler.state_dict()) if scheduler is not None else None
    return {"optimizer": f"{type(optimizer).__name__}({settings})", "scheduler": sched}


def _describe_schedule(state: dict) -> str:
    parts = []
    for key, value in state.items():
        if key == "after" and value is not None:
            parts.append(f"after={_describe_schedule(value)}")
        elif key not in ("type", "last_epoch"):
            parts.append(f"{key}={value!r}")
    return f"{state['type']}({', '.join(parts)})"


def describe_setup(trainer) -> dict:
    """What a resumed run must share with the run that wrote the checkpoint."""
    modules = [
        f"{name}: " * bool(name) + f"{type(m).__name__}({m.extra_repr()})"
        for name, m in trainer.model.named_modules()
    ]
    loss = getattr(trainer.loss_fn, "__qualname__", type(trainer.loss_fn).__qualname__)
    return {
        "model": modules,
        "task": trainer.task,
        "loss": loss,
        "batch_size": int(trainer.batch_size),
        **trainer._optimizer_setup,
    }


def _setup_differences(saved, current: dict) -> list[str]:
    if not isinstance(saved, dict):
        return [f"the checkpoint's setup record {saved!r:.60} is not a description"]
    diffs = []
    for key, now in current.items():
        then = saved.get(key)
        if then == now:
            continue
        if key == "model" and isinstance(then, list):
            pairs = [(a, b) for a, b in zip(then, now) if a != b]
            then, now = pairs[0] if pairs else (f"{len(then)} modules", f"{len(now)}")
        diffs.append(f"the checkpoint was trained with {key}={then}, this Trainer has {now}")
    return diffs


# -- saving ----------------------------------------------------------------------------------
def save(trainer, path) -> Path:
    """Write ``trainer``'s state; see :meth:`glassnet.train.Trainer.save_checkpoint`."""
    weights = trainer._last_state if trainer._last_state is not None else trainer.model.state_dict()
    extra = {
        "epoch": trainer.epoch,
        "history": trainer.history.rows,
        "best": dict(trainer.best),
        "best_state": trainer.best_state,
        "stopped": trainer.stop_training,
        "loader": trainer.loader.state_dict() if trainer.loader else trainer._loader_state,
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler else None,
        "rngs": module_rng_states(trainer.model),
        "setup": describe_setup(trainer),
    }
    return io.save_checkpoint(path, weights, trainer.optimizer.state_dict(), extra)


# -- loading ---------------------------------------------------------------------------------
def checkpoint_file(path) -> Path:
    """The checkpoint ``path`` names: a file, or a folder holding ``checkpoint.safetensors``."""
    p = Path(path)
    if not p.is_dir() or (p / io.CHECKPOINT_FILENAME).is_file():
        return p
    found = [name for name in TRAINER_FILES if (p / name).is_file()]
    if found:
        raise ModelFileError(
            f"{p}: a folder; the Trainer's checkpoints are the files in it: "
            f"give {' or '.join(str(p / n) for n in found)}"
        )
    raise ModelFileError(
        f"{p}: the folder holds no checkpoint (a Trainer writes "
        f"{' and '.join(TRAINER_FILES)}, io.save_checkpoint "
        f"{io.CHECKPOINT_FILENAME})"
    )


def load(trainer, path) -> None:
    """Restore ``trainer`` from ``path``; see :meth:`glassnet.train.Trainer.load_checkpoint`."""
    path = checkpoint_file(path)
    ck = io.load_checkpoint(path)
    extra = ck["extra"]
    missing = [k for k in CHECKPOINT_KEYS if k not in extra]
    if missing:
        raise ModelFileError(
            f"{path}: a checkpoint without {', '.join(missing)}; not one "
            "written by Trainer.save_checkpoint"
        )
    params = dict(trainer.model.named_parameters())
    shapes = {n: p.shape for n, p in params.items()}
    dtypes = {n: p.dtype for n, p in params.items()}
    io.model.check_state(ck["model"], shapes, source=path, dtypes=dtypes)
    if extra.get("best_state") is not None:
        io.model.check_state(extra["best_state"], shapes, source=path, dtypes=dtypes)
    record = _training_record(path, extra)
    _check_rng_states(path, trainer.model, extra["rngs"])
    with _unchanged_on_error(trainer):
        _load_optimizer(path, trainer, ck["optimizer"], extra.get("scheduler"))
        diffs = _setup_differences(extra["setup"], describe_setup(trainer))
        if diffs:
            raise ModelFileError(
                f"{path}: {'; '.join(diffs)}; build the Trainer as for the "
                "run that wrote the checkpoint"
            )
    trainer.model.load_state_dict(ck["model"])
    set_module_rng_states(trainer.model, extra["rngs"])
    trainer.epoch, trainer.history, trainer.best, trainer.stop_training = record
    trainer.best_state = extra.get("best_state")
    trainer.loader, trainer._loader_state = None, extra["loader"]
    trainer._last_state, trainer._batch = None, None
    trainer._last_checkpoint = (path, trainer.epoch)


def _training_record(path, extra: dict) -> tuple[int, History, dict, bool]:
    try:
        return (
            int(extra["epoch"]),
            History(extra["history"]),
            dict(extra["best"]),
            bool(extra.get("stopped", False)),
        )
    except (TypeError, ValueError):
        raise ModelFileError(
            f"{path}: the checkpoint's epoch, history or best-epoch record is corrupt"
        ) from None


@contextlib.contextmanager
def _unchanged_on_error(trainer):
    """Put the optimizer and the schedule back as they were if the block raises."""
    opt = trainer.optimizer.state_dict()
    sched = trainer.scheduler.state_dict() if trainer.scheduler is not None else None
    try:
        yield
    except BaseException:
        if sched is not None:
            trainer.scheduler.load_state_dict(sched)
        trainer.optimizer.load_state_dict(opt)  # after the schedule: its exact rate
        raise


def _load_optimizer(path, trainer, opt_state: dict, sched_state: dict | None) -> None:
    if (sched_state is None) != (trainer.scheduler is None):
        which = (
            "has a learning-rate schedule but this trainer has none"
            if sched_state is not None
            else "has no learning-rate schedule but this trainer has one"
        )
        raise ModelFileError(f"{path}: the checkpoint {which}")
    try:
        trainer.optimizer.load_state_dict(opt_state)
        if trainer.scheduler is not None:
            trainer.scheduler.load_state_dict(sched_state)
    except (GlassnetError, KeyError, TypeError) as exc:
        raise ModelFileError(
            f"{path}: the checkpoint's optimizer state does not fit this trainer: {exc}"
        ) from None


def module_rng_states(model) -> dict:
    """The state of every random generator held by a module (e.g. Dropout's), by module name."""
    return {
        name: mod.rng.bit_generator.state
        for name, mod in model.named_modules()
        if isinstance(getattr(mod, "rng", None), np.random.Generator)
    }


def _check_rng_states(path, model, states) -> None:
    """Each saved generator state fits its module's generator (tried on a scratch one)."""
    try:
        for name, mod in model.named_modules():
            if name in states:
                type(mod.rng.bit_generator)(0).state = states[name]
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ModelFileError(
            f"{path}: the checkpoint's random generator state for module "
            f"'{name}' does not fit it ({exc})"
        ) from None


def set_module_rng_states(model, states: dict) -> None:
    for name, mod in model.named_modules():
        if name in states:
            mod.rng.bit_generator.state = states[name]
