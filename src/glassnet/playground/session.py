"""One playground: its data, its network and how far it has trained.

The server owns one :class:`Session` and calls it from two threads (the training loop and
the page's commands), always holding ``session.lock``. Everything here is plain glassnet:
an :class:`~glassnet.nn.MLP`, a loss from :mod:`glassnet.losses`, an optimizer from
:mod:`glassnet.optim`, the data and split of :mod:`glassnet.playground.plane`.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from .. import losses, nn, optim
from ..errors import GlassnetError, SettingError, TrainingDiverged
from ..report.recorder import ReportRecorder
from ..tensor import Tensor, no_grad
from ..train import History
from .plane import Plane, data_choices, load_plane
from .settings import DEFAULTS, STRUCTURAL, check_settings

__all__ = ["Session"]


def _optimizer(name: str, params, lr: float):
    if name == "adam":
        return optim.Adam(params, lr=lr)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    return optim.SGD(params, lr=lr, momentum=0.9 if name == "momentum" else 0.0)


def _loss_for(settings: dict, plane: Plane, changes: dict) -> dict:
    """A regression dataset chosen without a loss takes squared error, as classes take
    cross-entropy: the page switches the loss with the data unless told otherwise."""
    if "loss" not in changes and "data" in changes:
        loss = "mse" if plane.task == "regress" else "cross_entropy"
        return {**settings, "loss": loss}
    return settings


class Session:
    """A network learning a 2-D dataset, one mini-batch at a time.

    Parameters
    ----------
    csv_paths : list of str
        CSV files the page may choose as data (given on the command line).
    settings : dict, optional
        Changes to :data:`~glassnet.playground.settings.DEFAULTS`.

    Attributes
    ----------
    settings : dict
    plane : Plane
    model : nn.MLP
    epoch : int
        Whole epochs done.
    batch : int
        Mini-batches done in the current epoch (``pos`` rows of its shuffled order).
    steps : int
        Mini-batches done since the last reset.
    history : History
        One row per epoch: ``epoch``, ``loss`` (training) and ``test_loss``.

    Examples
    --------
    >>> s = Session(settings={"n_samples": 120})
    >>> s.step_batch(); s.epoch, s.batch, s.steps
    (0, 1, 1)
    >>> s.step_epoch(); s.epoch, s.batch
    (1, 0)
    """

    def __init__(self, csv_paths=(), settings: dict | None = None):
        self.lock = threading.RLock()
        self.choices = data_choices(csv_paths)
        self.version = 0  # counts the rebuilds, so the page knows when to redraw the points
        changes = settings or {}
        new = check_settings(changes, DEFAULTS, self.choices)
        plane = load_plane(new, self.choices[new["data"]])
        self._build(_loss_for(new, plane, changes), plane)

    # -- building -----------------------------------------------------------------------------
    def _build(self, settings: dict, plane: Plane) -> None:
        if settings["loss"] == "cross_entropy" and plane.task == "regress":
            raise SettingError(
                f"playground: loss 'cross_entropy' takes classes; {plane.name} is a "
                "regression dataset: use 'mse'"
            )
        sizes = [len(settings["features"]), *settings["hidden"], plane.n_outputs]
        model = nn.MLP(
            sizes,
            activation=list(settings["activations"]) if settings["hidden"] else "identity",
            dropout=settings["dropout"],
            seed=settings["seed"],
        )
        self.settings, self.plane, self.model = settings, plane, model
        self.optimizer = _optimizer(settings["optimizer"], model.parameters(), settings["lr"])
        self.rng = np.random.default_rng(settings["seed"])  # the order of the mini-batches
        self.epoch, self.batch, self.steps = 0, 0, 0
        self.pos = 0  # rows of the epoch's order already trained on
        self.order = self.rng.permutation(plane.train)
        self.history = History()
        self.recorder = ReportRecorder()  # for the report of a saved run
        self.recorder.on_train_begin(self)
        self.version += 1
        self.changes = 0  # counts the changes of the weights, to know when the losses are stale
        self._losses = (-1, (0.0, 0.0))

    def update(self, changes: dict) -> None:
        """Apply the page's setting changes; a change of data or network starts over.

        Raises
        ------
        SettingError, DataError
            Before anything has changed.
        """
        new = check_settings(changes, self.settings, self.choices)
        if any(new[k] != self.settings[k] for k in STRUCTURAL):
            plane = load_plane(new, self.choices[new["data"]])  # raises before any change
            self._build(_loss_for(new, plane, changes), plane)
            return
        self.settings = new
        params = self.model.parameters()
        self.optimizer = _optimizer(new["optimizer"], params, new["lr"])

    def add_csv(self, path: str) -> None:
        """Offer the CSV file ``path`` as data, and start on it; a file the loader refuses
        is not offered (its one-line error is raised) and nothing changes."""
        key = Path(path).name
        choices = self.choices
        self.choices = {**choices, key: path}
        try:
            self.start({"data": key, "x_column": None, "y_column": None})
        except GlassnetError:
            self.choices = choices
            raise

    def reset(self, new_seed: bool = False) -> None:
        """Start again from the first weights, or from new ones drawn with the next seed."""
        self.start({"seed": self.settings["seed"] + 1} if new_seed else {})

    def start(self, changes: dict) -> None:
        """Apply ``changes`` (checked first) and start from the first weights and epoch 0."""
        new = check_settings(changes, self.settings, self.choices)
        plane = load_plane(new, self.choices[new["data"]])
        self._build(_loss_for(new, plane, changes), plane)

    # -- training -----------------------------------------------------------------------------
    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.plane.train) // self.settings["batch_size"])  # ceiling

    def _loss(self, out: Tensor, rows: np.ndarray) -> Tensor:
        target = self.plane.targets(rows)
        if self.settings["loss"] == "cross_entropy":
            return losses.cross_entropy(out, target)
        if self.plane.task == "classify":  # squared error of the probabilities to one-hot
            p = nn.Softmax()(out)
            onehot = np.eye(self.plane.n_outputs, dtype=np.float32)[target]
            return losses.mse(p, onehot)
        return losses.mse(out, target.reshape(-1, 1))

    def _penalty(self, loss: Tensor) -> Tensor:
        l1, l2 = self.settings["l1"], self.settings["l2"]
        for layer in self.model.layers:
            if isinstance(layer, nn.Linear) and (l1 or l2):
                W = layer.weight
                loss = (
                    loss + (W.abs().sum() * l1 if l1 else 0.0) + ((W * W).sum() * l2 if l2 else 0.0)
                )
        return loss

    def step_batch(self) -> None:
        """One mini-batch: forward, loss (with the L1/L2 terms), backward, optimizer step.

        Raises
        ------
        TrainingDiverged
            When the loss is NaN or infinite; the weights are left as they were.
        """
        size = self.settings["batch_size"]
        rows = self.order[self.pos : self.pos + size]  # the position survives a new batch size
        if self.pos == 0:
            self.recorder.on_epoch_begin(self, self.epoch + 1)
        self.model.train()
        self.optimizer.zero_grad()
        # An overflow is no warning here: the loss and the gradients are checked by value.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = self._penalty(self._loss(self.model(self.plane.X[rows]), rows))
            if np.isfinite(loss.item()):
                loss.backward()
            if not self._finite_grads(loss):
                raise TrainingDiverged(
                    f"the loss or its gradient became infinite or NaN at epoch "
                    f"{self.epoch + 1}, batch {self.batch + 1}; lower the learning rate "
                    f"(now {self.settings['lr']:g}) and reset",
                    self.epoch + 1,
                    self.batch + 1,
                )
            self.optimizer.step()
        self.recorder.on_batch_end(self, self.epoch + 1, self.batch, float(loss.item()))
        self.pos += len(rows)
        self.batch, self.steps, self.changes = self.batch + 1, self.steps + 1, self.changes + 1
        if self.pos >= len(self.order):
            self.epoch, self.batch, self.pos = self.epoch + 1, 0, 0
            self.order = self.rng.permutation(self.plane.train)
            train, test = self.losses()
            self.history.append({"epoch": self.epoch, "loss": train, "test_loss": test})

    def _finite_grads(self, loss: Tensor) -> bool:
        if not np.isfinite(loss.item()):
            return False
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        return all(np.isfinite(g).all() for g in grads)

    def step_epoch(self) -> None:
        """The mini-batches left in the current epoch (all of them at an epoch's start)."""
        self.step_batch()
        while self.batch:
            self.step_batch()

    def losses(self) -> tuple[float, float]:
        """The loss (without the L1/L2 terms) on the training rows and on the test rows."""
        if self._losses[0] == self.changes:
            return self._losses[1]
        self.model.eval()
        with no_grad(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            out = self.model(self.plane.X)  # a diverged network's NaN is shown, not warned
            splits = (self.plane.train, self.plane.test)
            values = tuple(float(self._loss(out[rows], rows).item()) for rows in splits)
        self._losses = (self.changes, values)
        return values

    # -- editing ------------------------------------------------------------------------------
    def edit(self, layer, row, column, value) -> None:
        """Set one weight (``column`` an index) or bias (``column`` None) of dense layer
        ``layer`` (0 = the first); the training goes on from the new value."""
        from .. import checks

        linears = self.linears()
        k = checks.nonnegative_int(layer, "layer", "edit")
        if k >= len(linears):
            raise SettingError(f"edit: layer must be below {len(linears)}, got {k}")
        lin = linears[k]
        j = checks.nonnegative_int(row, "neuron", "edit")
        if j >= lin.out_features:
            raise SettingError(f"edit: neuron must be below {lin.out_features}, got {j}")
        biggest = float(np.finfo(lin.weight.data.dtype).max)  # what the weights can hold
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not abs(value) <= biggest  # NaN fails it too
        ):
            raise SettingError(
                f"edit: value must be a finite number of at most {biggest:.3g} in size, "
                f"got {value!r:.40}"
            )
        if column is None:
            lin.bias.data[j] = value
        else:
            i = checks.nonnegative_int(column, "input", "edit")
            if i >= lin.in_features:
                raise SettingError(f"edit: input must be below {lin.in_features}, got {i}")
            lin.weight.data[j, i] = value
        self.changes += 1

    def linears(self) -> list[nn.Linear]:
        return [m for m in self.model.layers if isinstance(m, nn.Linear)]
