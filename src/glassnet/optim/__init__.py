"""Optimizers, learning-rate schedules and gradient clipping.

An optimizer holds a list of parameters and, on ``step()``, moves each one against its
gradient ``p.grad`` by the rule of the method (the formulas are in each class's docstring;
they are PyTorch's). Updates are made in place on ``p.data``, with buffers allocated once
per parameter, since ``step()`` runs on every training step. A parameter whose ``grad`` is
None (it took no part in the loss) is skipped. Gradients are only read, never modified.

Give the parameters as ``model.named_parameters()`` to key the optimizer's state by
parameter name (``layers.0.weight``), or as ``model.parameters()`` to key it by position
("0", "1", ...). ``state_dict()`` returns::

    {"type": "Adam", "hyper": {"lr": 0.001, ...}, "step": 10,
     "state": {"layers.0.weight": {"step": array(10), "exp_avg": array(...), ...}, ...}}

with every array copied (per-parameter counters are 0-d integer arrays), and
``load_state_dict()`` restores it exactly: a run resumed from a checkpoint continues
bit-for-bit as if it had not stopped.

Schedules (``StepLR``, ``ExponentialLR``, ``CosineAnnealingLR``, ``LinearWarmup``) set the
optimizer's ``lr`` from a closed-form function of the number of ``step()`` calls, so a
resumed schedule gives exactly the same rates.
"""

from .clip import clip_grad_norm_
from .optimizers import SGD, Adam, AdamW, Optimizer, RMSprop
from .schedules import CosineAnnealingLR, ExponentialLR, LinearWarmup, LRScheduler, StepLR

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "LRScheduler",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearWarmup",
    "clip_grad_norm_",
]
