"""What a model file's JSON config must hold before a :class:`~glassnet.saved.SavedModel` is
built around it; each problem is a ModelFileError naming the entry at fault."""

from __future__ import annotations

import numpy as np

from . import nn
from .data import Standardizer
from .data.columns import check_columns, encoded_names
from .data.datasets import TASKS
from .errors import DataError, GlassnetError, ModelFileError


def short(names: list[str], k: int = 6) -> str:
    return ", ".join(names[:k]) + (f", ... ({len(names)} in all)" if len(names) > k else "")


def check_config(config, where: str) -> None:
    """Raise a ModelFileError naming the first thing in ``config`` that cannot be used."""

    def bad(what: str) -> ModelFileError:
        return ModelFileError(f"{where}: the model's config {what}")

    if not isinstance(config, dict):
        raise bad("is not a JSON object")
    sizes = _check_architecture(config.get("architecture"), bad)
    task = config.get("task")
    if task not in TASKS:
        raise bad(f"has task {task!r}; expected 'classify' or 'regress'")
    _check_names(config, sizes, bad)
    _check_preprocessing(config, sizes[0], bad)
    if config.get("standardizer") is not None:
        try:
            scaler = Standardizer.from_dict(config["standardizer"])
        except DataError as exc:
            raise bad(f"has a bad 'standardizer' ({exc})") from None
        if not (np.isfinite(scaler.mean_).all() and np.isfinite(scaler.scale_).all()):
            raise bad("has a 'standardizer' with NaN or infinite means or scales")
        if len(scaler.mean_) != sizes[0]:
            raise bad(f"standardises {len(scaler.mean_)} features; the network takes {sizes[0]}")
    ys = config.get("target_scale")
    if ys is not None and not (
        isinstance(ys, dict)
        and _number(ys.get("mean"))
        and _number(ys.get("scale"))
        and ys["scale"] > 0
    ):
        raise bad("has a bad 'target_scale' (expected {'mean': m, 'scale': s > 0})")
    settings = config.get("settings")
    if not isinstance(settings, (dict, type(None))):
        raise bad(f"has 'settings' {settings!r:.60}; expected an object or null")
    if settings and "seed" in settings and not _whole(settings["seed"]):
        raise bad(f"has settings.seed {settings['seed']!r:.60}; expected a whole number")


# The architecture entries' JSON types, checked before nn.MLP sees them.
_ARCH_TYPES = {
    "activation": (str, list),  # one name, or one per hidden layer
    "dropout": (int, float),
    "dtype": (str,),
    "seed": (int, type(None)),
}


def _check_architecture(arch, bad) -> list[int]:
    """The sizes of a usable ``architecture`` entry, or the error naming what is wrong."""
    if not isinstance(arch, dict) or arch.get("type") != "MLP" or "sizes" not in arch:
        raise bad("has no MLP architecture (architecture.type 'MLP' with its sizes)")
    sizes = arch["sizes"]
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(_whole(n) and n > 0 for n in sizes):
        raise bad(
            f"has architecture.sizes {sizes!r:.60}; expected a list of at least two "
            "positive whole numbers (input width, ..., output width)"
        )
    for key, types in _ARCH_TYPES.items():
        value = arch.get(key)
        if key in arch and (isinstance(value, bool) or not isinstance(value, types)):
            kind = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise bad(f"has architecture.{key} {value!r:.60}; expected a {kind}")
    activation = arch.get("activation")
    if isinstance(activation, list) and (
        not _strings(activation) or len(activation) != len(sizes) - 2
    ):
        raise bad(
            f"has architecture.activation {activation!r:.60}; expected one name, or a "
            f"list of one name per hidden layer ({len(sizes) - 2} here)"
        )
    return sizes


def _check_names(config: dict, sizes: list[int], bad) -> None:
    names = config.get("feature_names")
    if not _strings(names) or len(names) != sizes[0]:
        got = f" (got {len(names)})" if isinstance(names, list) else ""
        raise bad(f"must name the {sizes[0]} input features in 'feature_names'{got}")
    labels = config.get("label_names")
    if config["task"] == "classify" and (not _strings(labels) or len(labels) != sizes[-1]):
        got = f" (got {len(labels)})" if isinstance(labels, list) else ""
        raise bad(f"must name the {sizes[-1]} classes in 'label_names'{got}")
    if config["task"] == "regress" and sizes[-1] != 1:
        raise bad(f"describes a regression model with {sizes[-1]} outputs; expected 1")
    if not isinstance(config.get("target_name"), (str, type(None))):
        raise bad(f"has 'target_name' {config['target_name']!r:.60}; expected a string")


def _check_preprocessing(config: dict, n_inputs: int, bad) -> None:
    spec = config.get("preprocessing")
    if spec is None:  # a model of numeric columns only, from before columns were encoded
        return
    try:
        check_columns(spec, n_inputs)
    except DataError as exc:
        raise bad(f"has a bad 'preprocessing' entry: {exc}") from None
    if encoded_names(spec) != config["feature_names"]:
        raise bad("has 'feature_names' that are not the inputs its 'preprocessing' encodes")
    decimals = config.get("target_decimals")
    if decimals is not None and not (_whole(decimals) and 0 <= decimals <= 20):
        raise bad(f"has 'target_decimals' {decimals!r:.40}; expected a whole number 0..20")


def _strings(x) -> bool:
    return isinstance(x, list) and all(isinstance(v, str) for v in x)


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x)


def check_sizes_fit(sizes: list[int], state: dict, where: str) -> None:
    """The config's layer sizes against the weights the file holds, before any network is
    built: a crafted config must not make glassnet build what the file could not fill.
    (A small mismatch is left to ``check_state``, which names each tensor at fault.)"""
    matrices = sum(np.ndim(v) == 2 for v in state.values())
    held = sum(np.size(v) for v in state.values())
    wanted = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    if len(sizes) - 1 != matrices or wanted > 2 * held + 1_000_000:
        raise ModelFileError(
            f"{where}: the config's architecture.sizes ({len(sizes)} sizes: "
            f"{short([str(n) for n in sizes])}) describe {wanted} weights in "
            f"{len(sizes) - 1} layers; the file holds {held} in {matrices} weight matrices"
        )


def build(config: dict, where: str) -> nn.MLP:
    arch = {k: v for k, v in config["architecture"].items() if k != "type"}
    try:
        return nn.MLP.from_config(arch)
    except (GlassnetError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{where}: the architecture in the config is invalid: {exc}") from None
