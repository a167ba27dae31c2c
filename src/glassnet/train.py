"""Training: the textbook loop, with history, callbacks, early stopping and checkpoints.

For each epoch, for each mini-batch: forward, loss, zero_grad, backward, step; then
validation. Everything a run depends on (weights, optimizer moments, schedule, the order of
the batches, dropout's random numbers, early-stopping bookkeeping) lives in the
:class:`Trainer` and goes into its checkpoints, so a resumed run ends bit-identical to one
that was never interrupted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from . import io, losses, metrics, optim
from .data import DataLoader
from .errors import DataError, GlassnetError
from .tensor import no_grad

__all__ = ["Trainer", "History", "Callback", "TrainingDiverged", "predict_logits"]

_LOWER_IS_BETTER = {"loss", "mse", "mae"}


class TrainingDiverged(GlassnetError, FloatingPointError):
    """The loss became NaN or infinite."""


class History:
    """Per-epoch records, e.g. ``{"epoch": 3, "loss": 0.41, "val_loss": 0.45, "lr": 0.01}``.

    ``history["val_loss"]`` gives one column as a list, as Keras's ``history.history`` does.
    """

    def __init__(self, rows: list[dict] | None = None):
        self.rows: list[dict] = list(rows or [])

    def append(self, row: dict) -> None:
        self.rows.append(row)

    def __getitem__(self, key: str) -> list:
        return [r.get(key) for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def columns(self) -> list[str]:
        cols: list[str] = []
        for r in self.rows:
            cols += [k for k in r if k not in cols]
        return cols

    def to_csv(self, path) -> None:
        """Write one line per epoch with a header row."""
        cols = self.columns()
        lines = [",".join(cols)]
        for r in self.rows:
            lines.append(",".join("" if r.get(c) is None else repr(r[c]) for c in cols))
        io.atomic_write_text(path, "\n".join(lines) + "\n")


class Callback:
    """Override any of these named events; each receives the trainer and the event's details.

    Setting ``trainer.stop_training = True`` in a callback ends training after the epoch.
    """

    def on_train_begin(self, trainer) -> None: ...
    def on_epoch_begin(self, trainer, epoch: int) -> None: ...
    def on_batch_end(self, trainer, epoch: int, batch: int, loss: float) -> None: ...
    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None: ...
    def on_checkpoint(self, trainer, path: Path) -> None: ...
    def on_train_end(self, trainer) -> None: ...


def predict_logits(model, X, batch_size: int = 1024) -> np.ndarray:
    """The model's raw outputs for ``X``, in eval mode and without recording a graph."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            outs = [model(X[i : i + batch_size]).data for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    return np.concatenate(outs) if outs else np.zeros((0,), np.float32)


class Trainer:
    """Train a model on NumPy arrays.

    Parameters
    ----------
    model : Module
        Maps a batch of shape (n_samples, n_features) to logits (classification) or
        predictions (regression).
    task : {"classify", "regress"}
        Chooses the default loss (cross-entropy or MSE) and metrics (accuracy or MSE, MAE, R^2).
    optimizer : Optimizer or {"sgd", "momentum", "adam"}
        An optimizer over ``model.named_parameters()`` is built from a name.
    lr : float
        Learning rate for an optimizer built from a name.
    epochs, batch_size : int
        The loop's sizes.
    loss : callable, optional
        ``loss(output, target) -> scalar Tensor``; defaults by task.
    scheduler : callable, optional
        ``scheduler(optimizer) -> schedule``; its ``step()`` runs after every epoch.
    early_stopping : int, optional
        Stop after this many epochs without a better validation loss.
    restore_best : bool
        With early stopping, end with the weights of the best epoch.
    checkpoint_dir : path, optional
        Where ``last.safetensors`` (every ``checkpoint_every`` epochs) and ``best.safetensors``
        (at each new best validation loss) are written.
    callbacks : sequence of Callback
    progress : {"auto", "bar", "lines", "none"}
        A live bar on a terminal, one line per epoch otherwise, or nothing.
    seed : int
        Seeds the batch order.

    Examples
    --------
    >>> from glassnet import nn
    >>> from glassnet.data import load_dataset
    >>> ds = load_dataset("iris")
    >>> model = nn.MLP([4, 16, 3], seed=0)
    >>> history = Trainer(model, epochs=5, progress="none").fit(ds.X, ds.y)
    >>> len(history)
    5
    """

    def __init__(
        self, model, *, task: str = "classify", optimizer="adam", lr: float = 0.01,
        epochs: int = 100, batch_size: int = 32, loss: Callable | None = None,
        scheduler: Callable | None = None, early_stopping: int | None = None,
        restore_best: bool = True, checkpoint_dir=None, checkpoint_every: int = 1,
        callbacks: Sequence[Callback] = (), progress: str = "auto", seed: int = 0,
        console=None,
    ):  # fmt: skip
        if task not in ("classify", "regress"):
            raise GlassnetError(f"task must be 'classify' or 'regress', got {task!r}")
        self.model, self.task, self.epochs, self.batch_size = model, task, epochs, batch_size
        self.optimizer = _make_optimizer(optimizer, model, lr)
        self.scheduler = scheduler(self.optimizer) if scheduler else None
        self.loss_fn = loss or (losses.cross_entropy if task == "classify" else _mse_loss)
        self.early_stopping, self.restore_best = early_stopping, restore_best
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir else None
        self.checkpoint_every, self.callbacks, self.seed = checkpoint_every, list(callbacks), seed
        self.progress, self.console = progress, console
        self.history = History()
        self.epoch = 0  # epochs completed
        self.best = {"score": math.inf, "epoch": 0, "wait": 0, "state": None}
        self.stop_training = False
        self.loader: DataLoader | None = None

    # -- the loop ---------------------------------------------------------------------------
    def fit(self, X, y, validation_data=None) -> History:
        """Train for the remaining epochs (all of them, or those after a resumed checkpoint)."""
        X, y = _check_xy(X, y, self.task)
        val = _check_xy(*validation_data, self.task) if validation_data is not None else None
        if self.loader is None:
            self.loader = DataLoader(X, y, batch_size=self.batch_size, shuffle=True, seed=self.seed)
        else:  # resumed: keep the restored shuffling state, use the data given now
            self.loader.X, self.loader.y = X, y
        self._emit("on_train_begin")
        from ._progress import Progress  # rich is imported only when training starts

        with Progress(self.progress, self.epochs, len(self.loader), self.console) as bar:
            while self.epoch < self.epochs and not self.stop_training:
                logs = self._train_epoch(bar)
                self._end_epoch(logs, X, y, val)
                bar.epoch_done(self.epoch, logs)
        if self.restore_best and self.best["state"] is not None:
            self.model.load_state_dict(self.best["state"])
        self._emit("on_train_end")
        return self.history

    def _train_epoch(self, bar) -> dict:
        epoch = self.epoch + 1
        self._emit("on_epoch_begin", epoch)
        model, opt, loss_fn = self.model, self.optimizer, self.loss_fn
        model.train()
        total, count, t0 = 0.0, 0, time.perf_counter()
        for b, (xb, yb) in enumerate(self.loader, start=1):
            loss = loss_fn(model(xb), yb)  # forward
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingDiverged(
                    f"the loss became {value} at epoch {epoch}, batch {b}; try a smaller "
                    f"learning rate (now {opt.lr:g})"
                    + (
                        f"; the last good checkpoint is in {self.checkpoint_dir}"
                        if self.checkpoint_dir
                        else ""
                    )
                )
            opt.zero_grad()
            loss.backward()  # the chain rule, output to input
            opt.step()  # gradient descent
            total, count = total + value * len(xb), count + len(xb)
            bar.batch_done(epoch, b, value, count / (time.perf_counter() - t0))
            if self.callbacks:
                self._emit("on_batch_end", epoch, b, value)
        return {"epoch": epoch, "loss": total / max(count, 1), "lr": opt.lr,
                "time": time.perf_counter() - t0}  # fmt: skip

    def _end_epoch(self, logs: dict, X, y, val) -> None:
        logs.update(self.evaluate(X, y, prefix=""))
        if val is not None:
            logs.update(self.evaluate(*val, prefix="val_"))
        self.epoch = logs["epoch"]
        if self.scheduler is not None:
            self.scheduler.step()
        self.history.append(logs)
        self._track_best(logs)
        if (
            self.checkpoint_dir
            and self.checkpoint_every
            and self.epoch % self.checkpoint_every == 0
        ):
            self.save_checkpoint(self.checkpoint_dir / "last.safetensors")
        self._emit("on_epoch_end", self.epoch, logs)

    def _track_best(self, logs: dict) -> None:
        score = logs.get("val_loss", logs["loss"])
        if score < self.best["score"]:
            self.best.update(score=score, epoch=self.epoch, wait=0)
            if self.restore_best and self.early_stopping:
                self.best["state"] = self.model.state_dict()
            if self.checkpoint_dir and "val_loss" in logs:
                self.save_checkpoint(self.checkpoint_dir / "best.safetensors")
        else:
            self.best["wait"] += 1
            if self.early_stopping and self.best["wait"] >= self.early_stopping:
                self.stop_training = True

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, X, y, prefix: str = "") -> dict:
        """The loss and the task's metrics on (X, y), without recording a graph."""
        out = predict_logits(self.model, X)
        with no_grad():
            loss = float(self.loss_fn(out, y).item())
        if self.task == "classify":
            scores = {"accuracy": metrics.accuracy(y, out.argmax(axis=1))}
        else:
            scores = metrics.regression_report(y, out.reshape(np.shape(y)))
        return {prefix + "loss": loss, **{prefix + k: v for k, v in scores.items()}}

    def _emit(self, event: str, *args) -> None:
        for cb in self.callbacks:
            getattr(cb, event)(self, *args)

    # -- checkpoints ----------------------------------------------------------------------------
    def save_checkpoint(self, path) -> Path:
        """Write everything the run depends on, atomically, to one file."""
        extra = {
            "epoch": self.epoch,
            "history": self.history.rows,
            "best": {k: v for k, v in self.best.items() if k != "state"},
            "loader": self.loader.state_dict() if self.loader else None,
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "rngs": _module_rng_states(self.model),
        }
        model_state = self.model.state_dict()
        if self.best["state"] is not None:
            model_state.update({"best." + k: v for k, v in self.best["state"].items()})
        io.save_checkpoint(path, model_state, self.optimizer.state_dict(), extra)
        self._emit("on_checkpoint", Path(path))
        return Path(path)

    def load_checkpoint(self, path, X=None, y=None) -> None:
        """Restore a checkpoint written by :meth:`save_checkpoint`; ``fit`` then continues."""
        ck = io.load_checkpoint(path)
        state, extra = ck["model"], ck["extra"]
        best = {k[5:]: v for k, v in state.items() if k.startswith("best.")}
        self.model.load_state_dict({k: v for k, v in state.items() if not k.startswith("best.")})
        self.optimizer.load_state_dict(ck["optimizer"])
        if self.scheduler is not None and extra.get("scheduler"):
            self.scheduler.load_state_dict(extra["scheduler"])
        self.epoch, self.history = extra["epoch"], History(extra["history"])
        self.best = {**extra["best"], "state": best or None}
        _set_module_rng_states(self.model, extra.get("rngs", {}))
        if extra.get("loader") is not None:
            dummy = np.zeros((1, 1), np.float32)
            self.loader = DataLoader(dummy, np.zeros(1), batch_size=self.batch_size, seed=self.seed)
            self.loader.load_state_dict(extra["loader"])


def _mse_loss(pred, target):
    return losses.mse(pred, target)


def _make_optimizer(optimizer, model, lr: float):
    if not isinstance(optimizer, str):
        return optimizer
    params = list(model.named_parameters())
    makers = {
        "sgd": lambda: optim.SGD(params, lr=lr),
        "momentum": lambda: optim.SGD(params, lr=lr, momentum=0.9),
        "adam": lambda: optim.Adam(params, lr=lr),
        "adamw": lambda: optim.AdamW(params, lr=lr),
        "rmsprop": lambda: optim.RMSprop(params, lr=lr),
    }
    if optimizer not in makers:
        raise GlassnetError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(makers)}")
    return makers[optimizer]()


def _check_xy(X, y, task: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    if X.dtype != np.float64:
        X = X.astype(np.float32, copy=False)
    y = np.asarray(y)
    if X.ndim != 2:
        raise DataError(
            f"features must be an array of shape (n_samples, n_features), got {X.shape}"
        )
    if len(y) != len(X):
        raise DataError(
            f"features of shape {X.shape} and targets of shape {y.shape}: {len(X)} rows vs {len(y)}"
        )
    if task == "classify":
        y = y.astype(np.int64, copy=False)
    else:
        y = y.astype(X.dtype, copy=False)
    return X, y


def _module_rng_states(model) -> dict:
    """The state of every random generator held by a module (e.g. Dropout's)."""
    return {
        name: mod.rng.bit_generator.state
        for name, mod in model.named_modules()
        if isinstance(getattr(mod, "rng", None), np.random.Generator)
    }


def _set_module_rng_states(model, states: dict) -> None:
    for name, mod in model.named_modules():
        if name in states:
            mod.rng.bit_generator.state = states[name]
