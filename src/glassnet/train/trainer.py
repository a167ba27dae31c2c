"""Training: the textbook loop, with history, callbacks, early stopping and checkpoints.

For each epoch, for each mini-batch: forward, loss, zero_grad, backward, step; then
validation. Everything a run depends on (weights, optimizer moments, schedule, the order of
the batches, dropout's random numbers, early-stopping bookkeeping) lives in the
:class:`Trainer` and goes into its checkpoints, so a resumed run ends bit-identical to one
that was never interrupted.

The training loss and metrics of an epoch are averages over its batches, each computed with
the weights of that moment (as Keras reports them, and at no extra cost); the validation
loss and metrics are computed after the epoch, in evaluation mode.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .. import losses, optim
from ..checks import nonnegative_float, nonnegative_int, one_of, positive_int
from ..data import DataLoader, split_indices
from ..data.datasets import TASKS
from ..errors import DataError, GlassnetError, TrainingDiverged
from ..metrics import METRICS, RunningMetrics
from ..nn import predict_logits
from ..tensor import no_grad
from . import checkpoint as _checkpoint
from ._inputs import check_weights, check_xy
from .history import Callback, History

__all__ = ["Trainer"]

TASK_METRICS = {"classify": ("accuracy",), "regress": ("mse", "mae", "r2")}  # one per TASKS
# A loss past either bound has diverged, though still finite (see Trainer._check_growth).
MAX_LOSS = 1e12
MAX_LOSS_GROWTH = 1e6


class Trainer:
    """Train a model on NumPy arrays.

    Parameters
    ----------
    model : Module
        Maps a batch of shape (n_samples, n_features) to logits (classification) or
        predictions (regression).
    task : {"classify", "regress"}
        Chooses the default loss (cross-entropy or MSE) and metrics (accuracy or MSE, MAE, R^2).
    optimizer : Optimizer or {"sgd", "momentum", "adam", "adamw", "rmsprop"}
        An optimizer over ``model.named_parameters()`` is built from a name
        ("momentum" is SGD with momentum 0.9).
    lr : float
        Learning rate for an optimizer built from a name.
    weight_decay : float, optional
        Weight decay of an optimizer built from a name (default: the optimizer's own, 0
        except AdamW's 1e-2).
    epochs, batch_size : int
        The loop's sizes.
    loss : callable, optional
        ``loss(output, target) -> scalar Tensor``; defaults by task. With sample weights it
        is called with ``reduction="none"`` and the per-sample losses are averaged with
        :func:`glassnet.losses.weighted_mean`.
    l2 : float
        Adds ``0.5 * l2 * sum ||W||^2`` over the weight matrices (not the biases) to every
        batch's loss.
    metrics : sequence of str, optional
        Reported each epoch, for training and validation: "accuracy" for classification;
        any of "mse", "mae", "r2" for regression. Default: all of the task's.
    scheduler : LRScheduler or callable, optional
        A schedule on this trainer's optimizer, or ``scheduler(optimizer) -> schedule``;
        its ``step()`` runs after every epoch.
    early_stopping : int, optional
        Stop after this many epochs without a better validation loss (training loss when
        there is no validation data).
    min_delta : float
        An epoch counts as better only when it lowers the best loss by more than this.
    restore_best : bool
        With early stopping, end with the weights of the best epoch.
    checkpoint_dir : path, optional
        Where ``last.safetensors`` (every ``checkpoint_every`` epochs) and ``best.safetensors``
        (at each new best validation loss) are written; both can resume the run.
    checkpoint_every : int
        Epochs between two ``last.safetensors``; 0 writes only ``best.safetensors``.
    callbacks : sequence of Callback
    progress : {"auto", "bar", "lines", "none"}
        A live bar on a terminal, one line per epoch otherwise, or nothing.
    shuffle : bool
        Visit the rows in a new random order every epoch (else in the given order).
    seed : int
        Seeds the batch order (and a ``validation_split``).
    console : rich.console.Console, optional
        Where the progress goes (default: standard output).

    Attributes
    ----------
    history : History
    epoch : int
        Epochs completed.
    best : dict
        ``score`` (best validation loss), ``epoch`` (when), ``wait`` (epochs since).
    kept_epoch : int
        After :meth:`fit`, the epoch whose weights the model holds.
    stop_training : bool

    Raises
    ------
    TrainingDiverged
        From :meth:`fit`, when the loss or the weights become NaN or infinite, or the
        loss grows past 1e12 or to a million times its first value; the message names
        the epoch, the batch and the learning rate, and no checkpoint is written from then on.

    Examples
    --------
    >>> from glassnet import nn
    >>> from glassnet.data import load_dataset
    >>> ds = load_dataset("iris")
    >>> model = nn.MLP([4, 16, 3], seed=0)
    >>> history = Trainer(model, epochs=5, progress="none").fit(ds.X, ds.y)
    >>> len(history), history.columns()[:3]
    (5, ['epoch', 'loss', 'accuracy'])
    """

    def __init__(
        self,
        model,
        *,
        task: str = "classify",
        optimizer="adam",
        lr: float = 0.01,
        weight_decay: float | None = None,
        epochs: int = 100,
        batch_size: int = 32,
        loss: Callable | None = None,
        l2: float = 0.0,
        metrics: Sequence[str] | None = None,
        scheduler=None,
        early_stopping: int | None = None,
        min_delta: float = 0.0,
        restore_best: bool = True,
        checkpoint_dir=None,
        checkpoint_every: int = 1,
        callbacks: Sequence[Callback] = (),
        progress: str = "auto",
        shuffle: bool = True,
        seed: int = 0,
        console=None,
    ):
        one_of(task, TASKS, "task", "Trainer")
        epochs = positive_int(epochs, "epochs", "Trainer")
        batch_size = positive_int(batch_size, "batch_size", "Trainer")
        checkpoint_every = nonnegative_int(checkpoint_every, "checkpoint_every", "Trainer")
        if early_stopping is not None:
            early_stopping = positive_int(early_stopping, "early_stopping", "Trainer")
        seed = nonnegative_int(seed, "seed", "Trainer")
        self.model, self.task, self.epochs, self.batch_size = model, task, epochs, batch_size
        self.metric_names = _check_metrics(metrics, task)
        self.optimizer = _make_optimizer(optimizer, model, lr, weight_decay)
        self.scheduler = _make_scheduler(scheduler, self.optimizer)
        self._optimizer_setup = _checkpoint.describe_optimizer(self.optimizer, self.scheduler)
        self.loss_fn = loss or (losses.cross_entropy if task == "classify" else losses.mse)
        self.early_stopping, self.restore_best = early_stopping, restore_best
        self.l2 = nonnegative_float(l2, "l2", "Trainer")
        self.min_delta = nonnegative_float(min_delta, "min_delta", "Trainer")
        self.shuffle = bool(shuffle)
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.checkpoint_every, self.callbacks, self.seed = checkpoint_every, list(callbacks), seed
        self.progress, self.console = progress, console
        self.history = History()
        self.epoch = 0
        self.best = {"score": math.inf, "epoch": 0, "wait": 0}
        self.best_state: dict | None = None  # weights of the best epoch, for restore_best
        self.stop_training = False
        self.loader: DataLoader | None = None
        self._loader_state: dict | None = None  # from a checkpoint, before fit makes a loader
        self._batch: int | None = None  # set while an epoch runs
        self._last_state: dict | None = None  # the last epoch's weights, once best is restored
        self._last_checkpoint: tuple[Path, int] | None = None
        self._first_loss: float | None = None  # of this fit, for the divergence rule

    # -- the loop ---------------------------------------------------------------------------
    def fit(
        self, X, y, validation_data=None, validation_split: float = 0.0, sample_weight=None
    ) -> History:
        """Train for the remaining epochs (all of them, or those after a resumed checkpoint).

        Parameters
        ----------
        X : array of shape (n_samples, n_features), or a DataFrame of numeric columns
        y : array of shape (n_samples,)
            Class indices (classification) or real values (regression).
        validation_data : tuple (X_val, y_val), optional
        validation_split : float
            Without ``validation_data``, hold out this fraction of (X, y) (stratified for
            classification, drawn from ``seed``) for validation.
        sample_weight : array of shape (n_samples,), optional
            Non-negative weights: each batch's loss becomes the weighted mean of its
            samples' losses, so a weight of k counts a row k times.

        Returns
        -------
        History

        Notes
        -----
        When ``restore_best`` put the best epoch's weights back at the end, the Trainer
        keeps the last epoch's too: a later ``fit`` (after raising ``epochs``) trains on from
        them, as a run that was never stopped would, and :meth:`save_checkpoint` saves them.
        """
        X, y = self._check_xy(X, y, "the training data")
        w = None if sample_weight is None else check_weights(sample_weight, len(y))
        val = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise DataError("validation_data must be a pair (X_val, y_val)")
            val = self._check_xy(*validation_data, "the validation data")
        elif validation_split:
            X, y, w, val = self._split_off(X, y, w, validation_split)
        self._make_loader(X, y, w)
        self._first_loss = None
        from .progress import Progress  # rich is imported only when training starts

        if self._last_state is not None:  # go on from the last epoch, not the restored best
            self.model.load_state_dict(self._last_state)
            self._last_state = None
        self._emit("on_train_begin")
        try:
            with Progress(
                self.progress, self.epochs, len(self.loader), self.console, start=self.epoch
            ) as bar:
                while self.epoch < self.epochs and not self.stop_training:
                    t0 = time.perf_counter()
                    logs = self._train_epoch(bar)
                    self._end_epoch(logs, val, t0)
                    bar.epoch_done(self.epoch, logs)
        finally:
            self._batch = None  # also when stopped by an error or Ctrl-C
        if self.restore_best and self.best_state is not None:
            self._last_state = self.model.state_dict()
            self.model.load_state_dict(self.best_state)
        self._emit("on_train_end")
        return self.history

    @property
    def kept_epoch(self) -> int:
        """The best epoch when early stopping restored its weights at the end of :meth:`fit`,
        else the last epoch trained."""
        restored = self.restore_best and self.best_state is not None
        return self.best["epoch"] if restored else self.epoch

    def _train_epoch(self, bar) -> dict:
        epoch = self.epoch + 1
        self._emit("on_epoch_begin", epoch)
        self.model.train()
        running, lr = RunningMetrics(self.task, self.metric_names), self.optimizer.lr
        t0 = time.perf_counter()
        # Overflow or 0/0 anywhere in a step raises at once instead of spreading NaNs.
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            for b, (xb, yb, *wb) in enumerate(self.loader, start=1):
                self._batch = b
                value = self._step(xb, yb, wb[0] if wb else None, epoch, b, running)
                bar.batch_done(epoch, b, running, running.n / (time.perf_counter() - t0))
                self._emit("on_batch_end", epoch, b, value)
        self._batch = None
        self._check_weights(epoch, b)
        return {"epoch": epoch, **running.result(), "lr": lr}

    def _step(self, xb, yb, wb, epoch: int, b: int, running: RunningMetrics) -> float:
        """One optimisation step on one mini-batch; returns the batch's loss."""
        try:
            out = self.model(xb)  # forward: (B, n_features) -> (B, n_outputs)
            loss = self._loss(out, yb, wb)
            value = loss.item()
            if math.isfinite(value):
                self.optimizer.zero_grad()
                loss.backward()  # the chain rule, from the loss back to every weight
                self.optimizer.step()  # gradient descent
        except FloatingPointError as exc:
            raise self._diverged(f"a NaN or infinity appeared ({exc})", epoch, b) from None
        if not math.isfinite(value):
            raise self._diverged(f"the loss became {value}", epoch, b)
        self._check_growth(value, epoch, b)
        running.update(out.data, yb, value)
        return value

    def _loss(self, out, yb, wb):
        """The batch's (weighted) mean loss, plus the L2 penalty."""
        if wb is None:
            loss = self.loss_fn(out, yb)
        elif wb.sum() > 0:
            loss = losses.weighted_mean(self.loss_fn(out, yb, reduction="none"), wb)
        else:  # a batch of rows that all weigh 0 counts for nothing
            loss = self.loss_fn(out, yb) * 0.0
        if self.l2:
            weights = [p for name, p in self.model.named_parameters() if p.ndim == 2]
            loss = loss + losses.l2_penalty(weights, self.l2)
        return loss

    def _check_growth(self, value: float, epoch: int, batch: int) -> None:
        """A loss that grows a million times over its first value, or past 1e12, is taken
        as diverged before it overflows: it would only train to a huge finite loss."""
        if self._first_loss is None:
            self._first_loss = value
            return
        first = self._first_loss
        if value > MAX_LOSS or (first > 0 and value > MAX_LOSS_GROWTH * first):
            raise self._diverged(
                f"the loss grew to {value:.3g} from {first:.3g} at the first step", epoch, batch
            )

    def _check_weights(self, epoch: int, batch: int) -> None:
        for name, p in self.model.named_parameters():
            if not np.isfinite(p.data).all():
                raise self._diverged(f"the weights {name} became NaN or infinite", epoch, batch)

    def _diverged(self, what: str, epoch: int, batch: int) -> TrainingDiverged:
        msg = (
            f"training diverged: {what} at epoch {epoch}, batch {batch}; "
            f"try a smaller learning rate (it is {self.optimizer.lr:g})"
        )
        if self._last_checkpoint is not None:
            path, at = self._last_checkpoint
            msg += f"; the last good checkpoint, after epoch {at}, is {path}"
        return TrainingDiverged(msg, epoch, batch)

    def _end_epoch(self, logs: dict, val, t0: float) -> None:
        lr = logs.pop("lr")
        if val is not None:
            logs.update(self._validate(val, logs["epoch"]))
        logs.update(lr=lr, time=time.perf_counter() - t0)
        self.epoch = logs["epoch"]
        if self.scheduler is not None:
            self.scheduler.step()
        self.history.append(logs)
        improved = self._track_best(logs)
        self._emit("on_epoch_end", self.epoch, logs)
        if self.checkpoint_dir is None:
            return
        if improved and "val_loss" in logs:
            self.save_checkpoint(self.checkpoint_dir / "best.safetensors")
        if self.checkpoint_every and self.epoch % self.checkpoint_every == 0:
            self.save_checkpoint(self.checkpoint_dir / "last.safetensors")

    def _validate(self, val, epoch: int) -> dict:
        """The validation scores; a NaN or infinite validation loss also means divergence."""
        batch = len(self.loader)
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                scores = self._evaluate(*val, prefix="val_")
        except FloatingPointError as exc:
            raise self._diverged(f"the validation loss overflowed ({exc})", epoch, batch) from None
        if not math.isfinite(scores["val_loss"]):
            raise self._diverged(f"the validation loss became {scores['val_loss']}", epoch, batch)
        return scores

    def _track_best(self, logs: dict) -> bool:
        score = logs["val_loss"] if "val_loss" in logs else logs["loss"]
        if score < self.best["score"] - self.min_delta:
            self.best.update(score=score, epoch=self.epoch, wait=0)
            if self.restore_best and self.early_stopping:
                self.best_state = self.model.state_dict()
            return True
        self.best["wait"] += 1
        if self.early_stopping and self.best["wait"] >= self.early_stopping:
            self.stop_training = True
        return False

    # -- data and evaluation ----------------------------------------------------------------
    def evaluate(self, X, y, prefix: str = "") -> dict:
        """The loss and the metrics on (X, y), in evaluation mode, without recording a graph.

        Returns
        -------
        dict
            ``{prefix + "loss": float, prefix + metric: float, ...}``.
        """
        return self._evaluate(*self._check_xy(X, y, "the evaluation data"), prefix=prefix)

    def _evaluate(self, X, y, prefix: str) -> dict:
        out = predict_logits(self.model, X)
        with no_grad():
            loss = float(self.loss_fn(out, y).item())
        pred = out.argmax(axis=1) if self.task == "classify" else out.reshape(y.shape)
        scores = {name: METRICS[name](y, pred) for name in self.metric_names}
        return {prefix + "loss": loss, **{prefix + k: v for k, v in scores.items()}}

    def _check_xy(self, X, y, what: str) -> tuple[np.ndarray, np.ndarray]:
        dtype = self.model.parameters()[0].dtype
        return check_xy(X, y, self.task, dtype, what)

    def _split_off(self, X, y, w, fraction: float):
        strat = y if self.task == "classify" else None
        train, val, _ = split_indices(len(y), fraction, 0.0, seed=self.seed, y=strat)
        w = None if w is None else w[train]
        return X[train], y[train], w, (X[val], y[val])

    def _make_loader(self, X, y, w=None) -> None:
        """A loader over (X, y) that continues the shuffling of the previous or saved one."""
        state = self.loader.state_dict() if self.loader is not None else self._loader_state
        self.loader = DataLoader(
            X, y, self.batch_size, shuffle=self.shuffle, seed=self.seed, sample_weight=w
        )
        if state is not None:
            self.loader.load_state_dict(state)
        self._loader_state = None

    def release_data(self) -> None:
        """Drop the loader's references to the training data, keeping its shuffling state:
        a later :meth:`fit` reshuffles as it would have. Keeps a stored trainer small."""
        if self.loader is not None:
            self._loader_state, self.loader = self.loader.state_dict(), None

    def _emit(self, event: str, *args) -> None:
        for cb in self.callbacks:
            getattr(cb, event)(self, *args)

    # -- checkpoints ------------------------------------------------------------------------
    def save_checkpoint(self, path) -> Path:
        """Write everything the run depends on to one file, atomically.

        Only between epochs (before :meth:`fit`, from ``on_epoch_end`` or after): the
        shuffling generator advances when an epoch starts, so that is when the state of
        a run is whole.

        The weights saved are those training continues from: after a :meth:`fit` whose
        ``restore_best`` put the best epoch's weights back, the last epoch's (the best
        ones are saved too), so that a run resumed from the file goes on as this trainer
        would. After a ``fit`` stopped by an error or Ctrl-C, the file records the state
        as the error left it.

        Raises
        ------
        GlassnetError
            When called during an epoch (e.g. from ``on_batch_end``).
        """
        if self._batch is not None:
            raise GlassnetError(
                f"save_checkpoint: called during epoch {self.epoch + 1} (batch {self._batch}); "
                "a checkpoint is taken between epochs, e.g. from on_epoch_end"
            )
        path = _checkpoint.save(self, path)
        self._last_checkpoint = (path, self.epoch)
        self._emit("on_checkpoint", path)
        return path

    def load_checkpoint(self, path) -> None:
        """Restore a checkpoint written by :meth:`save_checkpoint`; ``fit`` then continues.

        Build the trainer as for the original run (same model architecture, optimizer,
        schedule, batch size, callbacks), load, and call ``fit`` with the same data: the
        run ends bit-identical to one that was never interrupted. Everything is checked
        before anything changes: on an error the trainer is left as it was.

        Parameters
        ----------
        path : str or path-like
            ``last.safetensors`` or ``best.safetensors`` from a ``checkpoint_dir``, or a
            file written by :meth:`save_checkpoint`.

        Raises
        ------
        ModelFileError
            For a file that is not a training checkpoint, or one that does not fit this
            trainer's model, optimizer or schedule, or was written with another setup
            (model structure and settings, task, loss, batch size, optimizer or schedule
            hyper-parameters), naming what differs.
        """
        _checkpoint.load(self, path)


def _check_metrics(metrics, task: str) -> tuple[str, ...]:
    allowed = TASK_METRICS[task]
    if metrics is None:
        return allowed
    names = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    bad = [m for m in names if m not in allowed]
    if bad:
        raise GlassnetError(
            f"Trainer: metric {bad[0]!r} does not apply to task {task!r}; "
            f"choose from {', '.join(allowed)}"
        )
    return names


def _make_optimizer(optimizer, model, lr: float, weight_decay: float | None = None):
    params = list(model.named_parameters())
    if not isinstance(optimizer, str):
        if not isinstance(optimizer, optim.Optimizer):
            raise GlassnetError(
                f"Trainer: optimizer must be a name or an Optimizer, got {type(optimizer).__name__}"
            )
        if [id(p) for p in optimizer.params] != [id(p) for _, p in params]:
            raise GlassnetError(
                "Trainer: the optimizer does not hold this model's parameters "
                "(build it from model.named_parameters())"
            )
        return optimizer
    wd = {} if weight_decay is None else {"weight_decay": weight_decay}
    makers = {
        "sgd": lambda: optim.SGD(params, lr=lr, **wd),
        "momentum": lambda: optim.SGD(params, lr=lr, momentum=0.9, **wd),
        "adam": lambda: optim.Adam(params, lr=lr, **wd),
        "adamw": lambda: optim.AdamW(params, lr=lr, **wd),
        "rmsprop": lambda: optim.RMSprop(params, lr=lr, **wd),
    }
    return makers[one_of(optimizer, makers, "optimizer", "Trainer")]()


def _make_scheduler(scheduler, optimizer):
    if scheduler is None:
        return None
    sched = scheduler if isinstance(scheduler, optim.LRScheduler) else scheduler(optimizer)
    if not isinstance(sched, optim.LRScheduler) or sched.optimizer is not optimizer:
        raise GlassnetError(
            "Trainer: scheduler must be a schedule on the trainer's optimizer, "
            "or a function optimizer -> schedule"
        )
    return sched
