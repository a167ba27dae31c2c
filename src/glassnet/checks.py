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


def _integer(value, name: str, owner: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise SettingError(f"{owner}: {name} must be {what}, got {value!r}")
    return int(value)


def _shown(value):
    """A value as a user would write it: 3, not np.int64(3)."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, Real) and not isinstance(value, bool):
        return float(value)
    return value


def positive_int(value, name: str, owner: str) -> int:
    """An integer >= 1 (a size, a count of epochs, a batch size); NumPy integers too."""
    n = _integer(value, name, owner, "a positive integer")
    if n < 1:
        raise SettingError(f"{owner}: {name} must be a positive integer, got {n!r}")
    return n


def nonnegative_int(value, name: str, owner: str) -> int:
    """An integer >= 0 (a seed, a patience where 0 means off, a number of warm-up steps)."""
    n = _integer(value, name, owner, "an integer >= 0")
    if n < 0:
        raise SettingError(f"{owner}: {name} must be an integer >= 0, got {n!r}")
    return n


def _real(value, name: str, owner: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise SettingError(f"{owner}: {name} must be {what}, got {_shown(value)!r}")
    return float(value)


def probability(value, name: str, owner: str, *, below_one: bool = False) -> float:
    """A number in [0, 1] (a dropout rate, a split fraction); in [0, 1) with ``below_one``."""
    what = "a number in [0, 1)" if below_one else "a number in [0, 1]"
    p = _real(value, name, owner, what)
    if p < 0 or p > 1 or (below_one and p == 1):
        raise SettingError(f"{owner}: {name} must be {what}, got {_shown(value)!r}")
    return p


def positive_float(value, name: str, owner: str) -> float:
    """A finite number > 0 (a learning rate, a scale)."""
    x = _real(value, name, owner, "a finite number > 0")
    if x <= 0:
        raise SettingError(f"{owner}: {name} must be a finite number > 0, got {_shown(value)!r}")
    return x


def nonnegative_float(value, name: str, owner: str) -> float:
    """A finite number >= 0 (a weight decay, a momentum, a tolerance)."""
    x = _real(value, name, owner, "a finite number >= 0")
    if x < 0:
        raise SettingError(f"{owner}: {name} must be a finite number >= 0, got {_shown(value)!r}")
    return x


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
