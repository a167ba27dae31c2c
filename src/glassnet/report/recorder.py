"""What a training report needs, recorded while the model trains.

:class:`ReportRecorder` is a :class:`glassnet.train.Callback`. For every ``Linear`` layer it
keeps the L2 norm of the weight gradient, averaged over each epoch's mini-batches (an epoch
cut short, e.g. by a diverging loss, over the batches it ran), and copies of the weights and
of their gradients at the start and at the end of training. Its work per batch is one dot
product per layer, so it costs next to nothing.

:func:`check_gradient_norms` turns the per-epoch norms into plain-language warnings when
gradients vanish (a layer stops learning) or explode (updates blow up). The rule:

- **vanishing** in an epoch: a layer's gradient norm is below ``VANISH_BELOW`` (1e-6), or
  more than ``1 / VANISH_RATIO`` (1000) times smaller than the output layer's in the same
  epoch;
- **exploding** in an epoch: a layer's gradient norm is above ``EXPLODE_ABOVE`` (1e3), is not
  a finite number, or has grown more than ``EXPLODE_GROWTH`` (100) times since the first
  epoch recorded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..nn import Linear
from ..train import Callback

__all__ = [
    "ReportRecorder",
    "GradientFlag",
    "check_gradient_norms",
    "VANISH_BELOW",
    "VANISH_RATIO",
    "EXPLODE_ABOVE",
    "EXPLODE_GROWTH",
    "ADVICE",
]

VANISH_BELOW = 1e-6  # a norm this small moves the weights by nothing visible
VANISH_RATIO = 1e-3  # 1000x weaker than the output layer: the signal dies on its way back
EXPLODE_ABOVE = 1e3  # with lr ~ 0.01 such a step moves a weight by ~10: far off the scale
EXPLODE_GROWTH = 100.0  # a norm that grows 100x while training usually keeps growing

ADVICE = {
    "vanishing": (
        "Usual causes: sigmoid or tanh units saturated at their flat ends, ReLU units that "
        'output 0 for every input ("dead" units, often after a too-large step), or a deep '
        "stack of layers that shrinks the signal at each step back. Try ReLU, He "
        "initialisation, a smaller learning rate or fewer layers. If every layer's gradient "
        "is tiny and the training loss is near 0, the model simply fits the training data."
    ),
    "exploding": (
        "Usual causes: a learning rate too large, inputs on very different scales, or a "
        "deep stack of layers that amplifies the signal at each step back. Try a smaller "
        "learning rate, standardised inputs, or gradient clipping "
        "(glassnet.optim.clip_grad_norm_)."
    ),
}  # what usually helps, per kind of flag


class ReportRecorder(Callback):
    """Record gradient norms and weight/gradient snapshots of every ``Linear`` layer.

    Pass it to :class:`glassnet.train.Trainer` in ``callbacks``; after ``fit`` hand it to
    :func:`glassnet.report.write_report`.

    Attributes
    ----------
    layer_names : list of str
        The ``Linear`` layers with a trainable weight, in the model's order (the last one is
        the output layer), e.g. ``["layers.0", "layers.2"]``.
    layer_shapes : dict of str to tuple
        Each layer's weight shape ``(out_features, in_features)``.
    epochs : list of int
        The epochs recorded (a resumed run starts after 1).
    grad_norms : dict of str to list of float
        Per layer, one value per epoch: the mean over the epoch's batches of the L2 norm of
        ``dL/dW``, the gradient of the loss with respect to the layer's weight.
    weights_start, weights_end : dict of str to ndarray
        Copies of each weight before the first update and after training ended.
    grads_start, grads_end : dict of str to ndarray
        Copies of each weight's gradient on the first and on the last mini-batch.

    Examples
    --------
    >>> from glassnet import nn
    >>> from glassnet.data import load_dataset
    >>> from glassnet.train import Trainer
    >>> ds = load_dataset("iris")
    >>> rec = ReportRecorder()
    >>> _ = Trainer(nn.MLP([4, 8, 3], seed=0), epochs=3, callbacks=[rec],
    ...             progress="none").fit(ds.X, ds.y)
    >>> rec.layer_names, rec.epochs
    (['layers.0', 'layers.2'], [1, 2, 3])
    >>> len(rec.grad_norms["layers.0"]), rec.grads_end["layers.2"].shape
    (3, (3, 8))
    """

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.layer_names: list[str] = []
        self.layer_shapes: dict[str, tuple[int, ...]] = {}
        self.epochs: list[int] = []
        self.grad_norms: dict[str, list[float]] = {}
        self.weights_start: dict[str, np.ndarray] = {}
        self.weights_end: dict[str, np.ndarray] = {}
        self.grads_start: dict[str, np.ndarray] = {}
        self.grads_end: dict[str, np.ndarray] = {}
        self._params: list = []  # (name, weight Parameter), in layer order
        self._sums: list[float] = []
        self._batches = 0

    # -- the callback events ----------------------------------------------------------------
    def on_train_begin(self, trainer) -> None:
        self._reset()
        for name, module in trainer.model.named_modules():
            if isinstance(module, Linear) and module.weight.requires_grad:
                self._params.append((name, module.weight))
        self.layer_names = [name for name, _ in self._params]
        self.layer_shapes = {name: tuple(w.data.shape) for name, w in self._params}
        self.grad_norms = {name: [] for name in self.layer_names}
        self.weights_start = {name: w.data.copy() for name, w in self._params}

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        self._sums = [0.0] * len(self._params)
        self._batches = 0

    def on_batch_end(self, trainer, epoch: int, batch: int, loss: float) -> None:
        # Called after optimizer.step(): each .grad still holds this batch's dL/dW.
        self._batches += 1
        if self._batches == 1:  # the epoch's entry, kept up to date batch by batch
            self.epochs.append(int(epoch))
            for name in self.layer_names:
                self.grad_norms[name].append(0.0)
        for i, (name, w) in enumerate(self._params):
            g = w.grad  # None: the loss does not depend on W, a zero gradient
            if g is not None:
                self._sums[i] += math.sqrt(float(np.vdot(g, g)))  # sum of squares -> scalar
            self.grad_norms[name][-1] = self._sums[i] / self._batches
        if not self.grads_start:
            self.grads_start = self._grad_copies()

    def on_train_end(self, trainer) -> None:
        self.snapshot_end()

    def snapshot_end(self) -> None:
        """Copy the weights as they are now, and the gradients of the last mini-batch.

        Called when training ends. After a run stopped by an exception (e.g.
        :class:`glassnet.train.TrainingDiverged`), call it yourself before writing a report;
        :func:`glassnet.report.render_report` does so when it was not called.
        """
        self.weights_end = {name: w.data.copy() for name, w in self._params}
        self.grads_end = self._grad_copies()  # .grad still holds the last batch's gradient

    def _grad_copies(self) -> dict[str, np.ndarray]:
        return {
            name: w.grad.copy() if w.grad is not None else np.zeros_like(w.data)
            for name, w in self._params
        }

    # -- reading the record -------------------------------------------------------------------
    def gradient_flags(self) -> list[GradientFlag]:
        """The vanishing and exploding warnings for the recorded norms (see the module doc)."""
        return check_gradient_norms(self.grad_norms, self.epochs)


@dataclass(frozen=True)
class GradientFlag:
    """A warning about one layer's gradients.

    Attributes
    ----------
    layer : str
        The layer's name, e.g. ``"layers.0"``.
    kind : {"vanishing", "exploding"}
    epochs : list of int
        The epochs in which the rule held.
    message : str
        What happened, in plain words (``ADVICE[kind]`` says what usually helps).
    """

    layer: str
    kind: str
    epochs: list[int] = field(default_factory=list)
    message: str = ""


def check_gradient_norms(norms: dict[str, list[float]], epochs: list[int]) -> list[GradientFlag]:
    """Flag layers whose gradients vanish or explode, by the rule of the module docstring.

    Parameters
    ----------
    norms : dict of str to list of float
        Per layer, in the model's order (the last is the output layer), one gradient norm
        per epoch, as in :attr:`ReportRecorder.grad_norms`.
    epochs : list of int
        The epoch number of each entry.

    Returns
    -------
    list of GradientFlag
        In layer order, vanishing before exploding; empty when the gradients look healthy.

    Examples
    --------
    >>> flags = check_gradient_norms({"layers.0": [2e-9, 1e-9], "layers.2": [0.5, 0.3]}, [1, 2])
    >>> [(f.layer, f.kind, f.epochs) for f in flags]
    [('layers.0', 'vanishing', [1, 2])]
    >>> check_gradient_norms({"layers.0": [0.4, 0.2], "layers.2": [0.5, 0.3]}, [1, 2])
    []
    """
    names = list(norms)
    if not names:
        return []
    out_norms = norms[names[-1]]
    flags = []
    for name in names:
        values = norms[name]
        is_output = name == names[-1]
        vanish = [e for e, v, o in zip(epochs, values, out_norms) if _vanishes(v, o, is_output)]
        first = values[0] if values and math.isfinite(values[0]) else None
        first = first if first is not None and first >= VANISH_BELOW else None
        explode = [e for e, v in zip(epochs, values) if _explodes(v, first)]
        if vanish:
            msg = _vanish_message(name, values, vanish, epochs, out_norms)
            flags.append(GradientFlag(name, "vanishing", vanish, msg))
        if explode:
            msg = _explode_message(name, values, explode, epochs)
            flags.append(GradientFlag(name, "exploding", explode, msg))
    return flags


def _vanishes(v: float, out: float, is_output: bool) -> bool:
    if not math.isfinite(v):
        return False
    if v < VANISH_BELOW:
        return True
    return not is_output and math.isfinite(out) and v < VANISH_RATIO * out


def _explodes(v: float, first: float | None) -> bool:
    if not math.isfinite(v) or v > EXPLODE_ABOVE:
        return True
    return first is not None and v > EXPLODE_GROWTH * first


def _vanish_message(name: str, values, hit: list[int], epochs: list[int], out_norms) -> str:
    i = min((k for k, e in enumerate(epochs) if e in hit), key=lambda k: values[k])
    if values[i] == 0:
        low = "was exactly 0: no error signal reaches it at all"
    else:
        low = f"went as low as {values[i]:.2g} (the output layer's: {out_norms[i]:.2g})"
    return (
        f"{name}: the gradient vanishes in {_epochs_text(hit, len(epochs))}; its norm {low}. "
        "Its weights barely change, so this layer has stopped learning."
    )


def _explode_message(name: str, values: list[float], hit: list[int], epochs: list[int]) -> str:
    finite = [v for e, v in zip(epochs, values) if e in hit and math.isfinite(v)]
    peak = f"reached {max(finite):.3g}" if finite else "was not a finite number"
    return (
        f"{name}: the gradient explodes in {_epochs_text(hit, len(epochs))}; its norm {peak}. "
        "Steps this large throw the weights far from where they were."
    )


def _epochs_text(hit: list[int], total: int) -> str:
    """``[1, 2, 3, 7]`` -> ``"epochs 1-3, 7 (4 of 10)"``."""
    runs: list[list[int]] = []
    for e in hit:
        if runs and e == runs[-1][1] + 1:
            runs[-1][1] = e
        else:
            runs.append([e, e])
    spans = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
    word = "epoch" if len(hit) == 1 else "epochs"
    return f"{word} {spans} ({len(hit)} of {total})"
