"""Training: the :class:`Trainer` loop, its history and callbacks, checkpoints and progress.

:class:`Trainer` reads like the textbook loop (forward, loss, zero_grad, backward, step, then
validation); :class:`History` keeps what each epoch measured; a :class:`Callback` hears the
loop's named events. ``checkpoint`` holds what a resumable checkpoint is made of, and
``progress`` the bar shown while training.
"""

from ..errors import TrainingDiverged
from .history import Callback, History
from .trainer import Trainer

__all__ = ["Trainer", "History", "Callback", "TrainingDiverged"]
