"""The playground's settings: what the page may ask for, checked as the command line checks it.

Every command the page sends is checked here before anything changes, with the rules of
:mod:`glassnet.checks` (the ones ``glassnet train`` applies to its options), so a bad
value gets the same one-line :class:`~glassnet.errors.SettingError` on the page as on the
command line, and the network being trained is left as it was.
"""

from __future__ import annotations

from .. import checks
from ..errors import SettingError
from ..nn import ACTIVATIONS

__all__ = [
    "DEFAULTS",
    "FEATURES",
    "GENERATORS",
    "LOSSES",
    "OPTIMIZERS",
    "MAX_NEURONS",
    "MAX_LAYERS",
    "check_settings",
]

OWNER = "playground"
GENERATORS = ("spirals", "moons", "circles", "xor")  # the 2-D generators: noise and size apply
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
LOSSES = ("cross_entropy", "mse")
OPTIMIZERS = ("adam", "sgd", "momentum", "rmsprop")
MAX_NEURONS = 32  # wider layers no longer fit the drawing with a heat map per neuron
MAX_LAYERS = 8
MAX_POINTS = 5000  # a 100 x 100 boundary and every point redrawn many times a second

DEFAULTS = {
    "data": "spirals",
    "n_samples": 500,
    "noise": 0.1,
    "test_split": 0.3,
    "plane": "columns",  # or "pca": the first two principal components of every column
    "x_column": None,  # for a table with more than two columns: the two drawn as the plane
    "y_column": None,
    "features": ["x1", "x2"],
    "hidden": [8, 8],
    "activations": ["tanh", "tanh"],
    "loss": "cross_entropy",
    "optimizer": "adam",
    "lr": 0.03,
    "batch_size": 32,
    "l1": 0.0,
    "l2": 0.0,
    "dropout": 0.0,
    "seed": 0,
    "stop_at": 0,  # play pauses by itself after this many epochs (0: plays on)
}
# What changes the network or its data: a change of these starts training over.
STRUCTURAL = ("data", "n_samples", "noise", "test_split", "plane", "x_column", "y_column")
STRUCTURAL += ("features",)
STRUCTURAL += ("hidden", "activations", "loss", "dropout", "seed")


def _names(value, choices, name: str, *, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or (not value and not allow_empty):
        raise SettingError(f"{OWNER}: {name} must be a non-empty list, got {value!r:.80}")
    return [checks.one_of(v, choices, f"each of {name}", OWNER) for v in value]


def _hidden(value) -> list[int]:
    if not isinstance(value, list) or len(value) > MAX_LAYERS:
        raise SettingError(
            f"{OWNER}: hidden must be a list of at most {MAX_LAYERS} layer sizes, got {value!r:.80}"
        )
    sizes = [checks.positive_int(v, "every hidden size", OWNER) for v in value]
    too_wide = [n for n in sizes if n > MAX_NEURONS]
    if too_wide:
        raise SettingError(
            f"{OWNER}: a hidden layer of {too_wide[0]} neurons does not fit the page; "
            f"use at most {MAX_NEURONS} per layer"
        )
    return sizes


def _column(value, name: str):
    if value is not None and not isinstance(value, str):
        raise SettingError(f"{OWNER}: {name} must be a column name, got {value!r:.80}")
    return value


def _rules(data_choices) -> dict:
    return {
        "data": lambda v: checks.one_of(v, data_choices, "data", OWNER),
        "n_samples": lambda v: _at_most(checks.positive_int(v, "n_samples", OWNER), "n_samples"),
        "noise": lambda v: checks.nonnegative_float(v, "noise", OWNER),
        "test_split": lambda v: _below_one(checks.probability(v, "test_split", OWNER)),
        "plane": lambda v: checks.one_of(v, ("columns", "pca"), "plane", OWNER),
        "x_column": lambda v: _column(v, "x_column"),
        "y_column": lambda v: _column(v, "y_column"),
        "features": lambda v: list(dict.fromkeys(_names(v, FEATURES, "features"))),
        "hidden": _hidden,
        "activations": lambda v: _names(v, tuple(ACTIVATIONS), "activations", allow_empty=True),
        "loss": lambda v: checks.one_of(v, LOSSES, "loss", OWNER),
        "optimizer": lambda v: checks.one_of(v, OPTIMIZERS, "optimizer", OWNER),
        "lr": lambda v: checks.positive_float(v, "lr", OWNER),
        "batch_size": lambda v: checks.positive_int(v, "batch_size", OWNER),
        "l1": lambda v: checks.nonnegative_float(v, "l1", OWNER),
        "l2": lambda v: checks.nonnegative_float(v, "l2", OWNER),
        "dropout": lambda v: checks.probability(v, "dropout", OWNER, below_one=True),
        "seed": lambda v: checks.nonnegative_int(v, "seed", OWNER),
        "stop_at": lambda v: checks.nonnegative_int(v, "stop_at", OWNER),
    }


def _at_most(n: int, name: str) -> int:
    if n > MAX_POINTS:
        raise SettingError(f"{OWNER}: {name} must be at most {MAX_POINTS}, got {n}")
    return n


def _below_one(p: float) -> float:
    if not 0 < p < 1:
        raise SettingError(
            f"{OWNER}: test_split must be above 0 and below 1 (some rows to train on and "
            f"some to test on), got {p}"
        )
    return p


def check_settings(changes, current: dict, data_choices) -> dict:
    """The settings after ``changes``, each checked; ``current`` is left unchanged.

    Parameters
    ----------
    changes : dict
        Setting name to new value, as the page sends them.
    current : dict
        The settings in force.
    data_choices : sequence of str
        The datasets the page may choose: the built-ins and the file given on the command
        line; no other path is ever read.

    Returns
    -------
    dict
        The complete new settings.

    Raises
    ------
    SettingError
        For an unknown setting, a value its rule refuses, or activations that do not
        name one activation per hidden layer.

    Examples
    --------
    >>> new = check_settings({"lr": 0.1}, DEFAULTS, ["spirals"])
    >>> new["lr"], new["hidden"]
    (0.1, [8, 8])
    >>> check_settings({"lr": -1}, DEFAULTS, ["spirals"])
    Traceback (most recent call last):
    ...
    glassnet.errors.SettingError: playground: lr must be a finite number > 0, got -1
    """
    if not isinstance(changes, dict):
        raise SettingError(f"{OWNER}: settings must be an object of names and values")
    rules = _rules(tuple(data_choices))
    unknown = [k for k in changes if k not in rules]
    if unknown:
        raise SettingError(
            f"{OWNER}: unknown setting {unknown[0]!r:.40}; the settings are {', '.join(rules)}"
        )
    new = dict(current)
    for key, value in changes.items():
        new[key] = rules[key](value)
    if "hidden" in changes and "activations" not in changes:  # new layers take the last one's
        last = (current["activations"] or ["tanh"])[-1]
        new["activations"] = (current["activations"] + [last] * len(new["hidden"]))[
            : len(new["hidden"])
        ]
    if len(new["activations"]) != len(new["hidden"]):
        raise SettingError(
            f"{OWNER}: activations names one activation per hidden layer: "
            f"{len(new['hidden'])} layers, {len(new['activations'])} activations"
        )
    return new
