"""The validation rules, each written once: what a setting must be, and the error if it is not.

Every public boundary that takes a count, a rate, a fraction or a choice checks it with one
of these functions, so that the same mistake gets the same words and the same error class,
:class:`~glassnet.errors.SettingError`, wherever it is made. Each returns the value in a
plain Python type (``np.int64(3)`` becomes ``3``), so callers can store it as it is.

``owner`` names what was being built or called (``"Linear"``, ``"DataLoader"``, ``"--lr"``)
and ``name`` the argument; the message reads ``"DataLoader: batch_size must be a positive
integer, got 0"``.

Examples
--------
>>> import numpy as np
>>> positive_int(np.int64(3), "batch_size", "DataLoader")
3
>>> positive_int(0, "batch_size", "DataLoader")
Traceback (most recent call last):
...
glassnet.errors.SettingError: DataLoader: batch_size must be a positive integer, got 0
>>> one_of("tanh", ("relu", "tanh"), "activation", "MLP")
'tanh'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real

from .errors import SettingError

__all__ = [
    "positive_int",
    "nonnegative_int",
    "probability",
    "positive_float",
    "nonnegative_float",
    "one_of",
]


def _shown(value):
    """A value as a user would write it: 3, not np.int64(3)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, Real) and not isinstance(value, bool):
        return float(value)
    return value


def _checked(value, name: str, owner: str, what: str, kind, within) -> int | float:
    """``value`` as ``kind`` (int or float) if it is one (never a bool; a float must be
    finite) and ``within(value)`` holds; else the SettingError saying it must be ``what``."""
    ok = not isinstance(value, bool) and isinstance(value, Integral if kind is int else Real)
    if ok and kind is float:
        ok = math.isfinite(value)
    if ok and within(value):
        return kind(value)
    raise SettingError(f"{owner}: {name} must be {what}, got {_shown(value)!r}")


def positive_int(value, name: str, owner: str) -> int:
    """An integer >= 1 (a size, a count of epochs, a batch size); NumPy integers too."""
    return _checked(value, name, owner, "a positive integer", int, lambda n: n >= 1)


def nonnegative_int(value, name: str, owner: str) -> int:
    """An integer >= 0 (a seed, a patience where 0 means off, a number of warm-up steps)."""
    return _checked(value, name, owner, "an integer >= 0", int, lambda n: n >= 0)


def probability(value, name: str, owner: str, *, below_one: bool = False) -> float:
    """A number in [0, 1] (a dropout rate, a split fraction); in [0, 1) with ``below_one``."""
    if below_one:
        return _checked(value, name, owner, "a number in [0, 1)", float, lambda p: 0 <= p < 1)
    return _checked(value, name, owner, "a number in [0, 1]", float, lambda p: 0 <= p <= 1)


def positive_float(value, name: str, owner: str) -> float:
    """A finite number > 0 (a learning rate, a scale)."""
    return _checked(value, name, owner, "a finite number > 0", float, lambda x: x > 0)


def nonnegative_float(value, name: str, owner: str) -> float:
    """A finite number >= 0 (a weight decay, a momentum, a tolerance)."""
    return _checked(value, name, owner, "a finite number >= 0", float, lambda x: x >= 0)


def one_of(value, choices: Iterable, name: str, owner: str):
    """One of ``choices`` (an activation, an optimizer, a task), compared with ``==``."""
    choices = tuple(choices)
    try:
        if value in choices:
            return value
    except (TypeError, ValueError):  # an array or another value that cannot be compared
        pass
    listed = ", ".join(map(repr, choices))
    raise SettingError(f"{owner}: {name} must be one of {listed}, got {_shown(value)!r}")
