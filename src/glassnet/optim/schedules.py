"""Learning-rate schedules: the optimizer's ``lr`` as a closed-form function of the step.

A closed form (rather than multiplying the rate step after step) means a schedule restored
from a checkpoint gives exactly the rates it would have given without the interruption.
"""

from __future__ import annotations

import math

from ..checks import nonnegative_float, nonnegative_int, positive_int
from ..errors import GlassnetError
from .optimizers import Optimizer

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearWarmup"]


class LRScheduler:
    """Base class: sets ``optimizer.lr = lr_at(t)`` after ``t`` calls to ``step()``.

    The rate at ``t = 0`` is applied on construction; call ``step()`` once per epoch (or per
    batch, as you decide) after ``optimizer.step()``, as in PyTorch. ``base_lr`` is the
    optimizer's ``lr`` when the schedule is created.
    """

    _hyper: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise GlassnetError(
                f"{type(self).__name__}: expected an optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = 0
        self._apply()

    def lr_at(self, t: int) -> float:
        """The learning rate after ``t`` calls to ``step()``."""
        raise NotImplementedError

    def _apply(self) -> None:
        self._last_lr = self.lr_at(self.last_epoch)
        self.optimizer.lr = self._last_lr

    def step(self) -> None:
        """Advance the schedule by one and set the optimizer's learning rate."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The current learning rate, in a one-element list (as in PyTorch)."""
        return [self._last_lr]

    def state_dict(self) -> dict:
        """The schedule's type, settings and position."""
        out = {"type": type(self).__name__, "base_lr": self.base_lr, "last_epoch": self.last_epoch}
        return out | {name: getattr(self, name) for name in self._hyper}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` returned, and set the optimizer's rate to match."""
        if state_dict.get("type") != type(self).__name__:
            raise GlassnetError(
                f"{type(self).__name__}.load_state_dict: the state is of a {state_dict.get('type')}"
            )
        self.base_lr = float(state_dict["base_lr"])
        self.last_epoch = int(state_dict["last_epoch"])
        for name in self._hyper:
            setattr(self, name, type(getattr(self, name))(state_dict[name]))
        self._apply()


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` steps:
    ``lr = base_lr * gamma ** (t // step_size)``.

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> from glassnet.optim import SGD
    >>> sched = StepLR(SGD([Parameter([0.0])], lr=1.0), step_size=2, gamma=0.5)
    >>> rates = []
    >>> for _ in range(5):
    ...     rates.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> rates
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    _hyper = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        self.step_size = positive_int(step_size, "step_size", "StepLR")
        self.gamma = nonnegative_float(gamma, "gamma", "StepLR")
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma ** (t // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every step: ``lr = base_lr * gamma ** t``.

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> from glassnet.optim import SGD
    >>> sched = ExponentialLR(SGD([Parameter([0.0])], lr=1.0), gamma=0.5)
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    _hyper = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float):
        self.gamma = nonnegative_float(gamma, "gamma", "ExponentialLR")
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma**t


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` steps
    (Loshchilov and Hutter, 2017, without restarts):
    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    Past ``T_max`` the cosine continues (the rate rises again), as in PyTorch.

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> from glassnet.optim import SGD
    >>> sched = CosineAnnealingLR(SGD([Parameter([0.0])], lr=1.0), T_max=2)
    >>> sched.step()
    >>> round(sched.get_last_lr()[0], 12)  # half way: (1 + cos(pi / 2)) / 2
    0.5
    """

    _hyper = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):  # noqa: N803
        self.T_max = positive_int(T_max, "T_max", "CosineAnnealingLR")
        self.eta_min = nonnegative_float(eta_min, "eta_min", "CosineAnnealingLR")
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return (
            self.eta_min
            + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2
        )


class LinearWarmup(LRScheduler):
    """Raise the rate linearly over ``warmup_steps`` steps, then hand over to ``after``.

    ``lr = base_lr * (t + 1) / warmup_steps`` for ``t < warmup_steps``; then
    ``after.lr_at(t - warmup_steps)`` if a schedule ``after`` (made on the same optimizer)
    is given, else ``base_lr``. Large early steps from random weights can throw a network
    into a bad region; a warm-up avoids them.

    Examples
    --------
    >>> from glassnet.nn import Parameter
    >>> from glassnet.optim import SGD
    >>> opt = SGD([Parameter([0.0])], lr=1.0)
    >>> sched = LinearWarmup(opt, warmup_steps=4, after=StepLR(opt, step_size=1, gamma=0.5))
    >>> rates = []
    >>> for _ in range(7):
    ...     rates.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> rates
    [0.25, 0.5, 0.75, 1.0, 1.0, 0.5, 0.25]
    """

    _hyper = ("warmup_steps",)

    def __init__(self, optimizer: Optimizer, warmup_steps: int, after: LRScheduler | None = None):
        warmup_steps = nonnegative_int(warmup_steps, "warmup_steps", "LinearWarmup")
        if after is not None and after.optimizer is not optimizer:
            raise GlassnetError("LinearWarmup: `after` must schedule the same optimizer")
        self.warmup_steps = warmup_steps
        self.after = after
        super().__init__(optimizer)
        if after is not None:
            self.base_lr = after.base_lr
            self._apply()

    def lr_at(self, t: int) -> float:
        if t < self.warmup_steps:
            return self.base_lr * (t + 1) / self.warmup_steps
        return self.base_lr if self.after is None else self.after.lr_at(t - self.warmup_steps)

    def _apply(self) -> None:
        if self.after is not None:
            self.after.last_epoch = max(self.last_epoch - self.warmup_steps, 0)
            self.after._last_lr = self.after.lr_at(self.after.last_epoch)
        super()._apply()

    def state_dict(self) -> dict:
        after = None if self.after is None else self.after.state_dict()
        return super().state_dict() | {"after": after}

    def load_state_dict(self, state_dict: dict) -> None:
        if (state_dict.get("after") is None) != (self.after is None):
            raise GlassnetError("LinearWarmup.load_state_dict: the `after` schedules differ")
        if self.after is not None:
            self.after.load_state_dict(state_dict["after"])
        super().load_state_dict(state_dict)
