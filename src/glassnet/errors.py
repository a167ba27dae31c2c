"""The exception family of glassnet.

Every error the library raises on purpose derives from :class:`GlassnetError`, so
``except glassnet.GlassnetError`` catches them all. The subclasses also derive from
the built-in exception a Python user would expect (``ValueError`` for bad values,
``OSError`` for files), so code written against the built-ins keeps working.
"""

from __future__ import annotations

__all__ = [
    "GlassnetError",
    "ShapeError",
    "DomainError",
    "DataError",
    "SettingError",
    "ModelFileError",
    "GradcheckError",
    "GraphvizNotFoundError",
    "GraphError",
    "TrainingDiverged",
    "GlassnetWarning",
]


class GlassnetError(Exception):
    """Base class of every error raised by glassnet."""


class ShapeError(GlassnetError, ValueError):
    """Arrays whose shapes do not line up, e.g. ``(32, 10) @ (12, 5)``."""


class DomainError(GlassnetError, ValueError):
    """A value outside the domain of a function, e.g. ``log(-1.0)`` or ``exp(1000)``."""


class DataError(GlassnetError, ValueError):
    """Bad input data: an empty file, a ragged row, a non-numeric cell, a missing column."""


class SettingError(GlassnetError, ValueError):
    """A setting outside what it takes: a batch size of 0, a learning rate of -1, an unknown
    activation. Raised by the checks of :mod:`glassnet.checks` wherever a setting is given:
    a layer, an optimizer, a loader, the Trainer, an estimator or a command-line option."""


class ModelFileError(GlassnetError, OSError):
    """A model or checkpoint file that is missing, truncated, tampered with or not a model."""


class GradcheckError(GlassnetError, AssertionError):
    """Analytic and numerical gradients disagree."""


class GraphError(GlassnetError, RuntimeError):
    """Misuse of a computation graph, e.g. calling ``backward()`` twice on a freed graph."""


class GraphvizNotFoundError(GlassnetError, RuntimeError):
    """The Graphviz programs (``dot``) or the ``graphviz`` Python package are missing."""


class TrainingDiverged(GlassnetError, FloatingPointError):
    """The loss or the weights became NaN or infinite; ``epoch`` and ``batch`` say where."""

    def __init__(self, message: str, epoch: int | None = None, batch: int | None = None):
        super().__init__(message)
        self.epoch, self.batch = epoch, batch


class GlassnetWarning(UserWarning):
    """Something worth saying that does not stop the work: categories not seen in
    training, predictions on the rows a model was trained on. The command line prints
    each as one ``warning:`` line."""
