"""Checkpoints: everything needed to resume training, nested state flattened into tensors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import ModelFileError
from ._format import _as_tensor, _json, _read, _write
from .files import _load_path, _save_path
from .model import CHECKPOINT_FILENAME, _check_model_state

_MARKERS = ("__tensor__", "__scalar__", "__dict__", "__tuple__")


def _encode(obj, parts: list[str], tensors: dict[str, np.ndarray]):
    """Nested state -> JSON tree; every array moves to ``tensors`` under a path-like name."""
    if isinstance(obj, (np.ndarray, np.generic)):
        name = "/".join(parts)
        while name in tensors:  # keys such as 1 and "1" would give the same name
            name += "+"
        tensors[name] = _as_tensor(obj, f"'{name}'")
        return {"__tensor__" if isinstance(obj, np.ndarray) else "__scalar__": name}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, [*parts, str(i)], tensors) for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if isinstance(obj, dict):
        bad = [k for k in obj if isinstance(k, bool) or not isinstance(k, (str, int))]
        if bad:
            raise ModelFileError(
                f"cannot save '{'/'.join(parts)}': dict key {bad[0]!r} is not a str or an int"
            )
        pairs = [(k, _encode(v, [*parts, str(k)], tensors)) for k, v in obj.items()]
        if all(isinstance(k, str) and k not in _MARKERS for k in obj):
            return dict(pairs)
        return {"__dict__": [list(p) for p in pairs]}
    raise ModelFileError(
        f"cannot save '{'/'.join(parts)}': a {type(obj).__name__} is not "
        "supported (use dicts, lists, tuples, numbers, strings, None, arrays)"
    )


def _decode(node, tensors: dict[str, np.ndarray]):
    """Inverse of :func:`_encode`."""
    if isinstance(node, list):
        return [_decode(v, tensors) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        ((key, value),) = node.items()
        if key == "__tensor__":
            return tensors[value]
        if key == "__scalar__":
            return tensors[value][()]
        if key == "__tuple__":
            return tuple(_decode(v, tensors) for v in value)
        if key == "__dict__":
            return {k: _decode(v, tensors) for k, v in value}
    return {k: _decode(v, tensors) for k, v in node.items()}


def save_checkpoint(
    path: str | os.PathLike,
    model_state: dict[str, np.ndarray],
    optimizer_state: dict,
    extra: dict | None = None,
) -> Path:
    """Save everything needed to resume training, as one safetensors file, atomically.

    Nested containers are flattened: each array becomes a named tensor (for example
    ``optimizer/state/0/exp_avg``) and everything else a JSON tree that records
    where each tensor goes, so :func:`load_checkpoint` rebuilds the same structure exactly.

    Parameters
    ----------
    path : str or path-like
        A ``.safetensors`` file, or a folder that receives ``checkpoint.safetensors``.
    model_state : dict of str to array
        The model's tensors.
    optimizer_state : dict
        The optimizer's state, nested like PyTorch's ``{"state": {0: {"exp_avg": array,
        "step": 3}}, "param_groups": [{"lr": 0.01}]}``.
    extra : dict, optional
        Anything else: epoch, RNG states (``bit_generator.state`` dicts), history, the model
        config. Values may be dicts (str or int keys), lists, tuples, bool, int (any size),
        float (NaN and infinities too), str, None, NumPy arrays and NumPy scalars.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ModelFileError
        For a value of an unsupported type, naming where it is.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> opt = {"state": {0: {"exp_avg": np.full(2, 0.5), "step": 3}}, "lr": 0.01}
    >>> _ = save_checkpoint(folder, {"w": np.ones(2)}, opt, {"epoch": 7})
    >>> ckpt = load_checkpoint(folder)
    >>> ckpt["optimizer"]["state"][0]["step"], ckpt["extra"]["epoch"]
    (3, 7)
    """
    path = _save_path(path, CHECKPOINT_FILENAME)
    tensors: dict[str, np.ndarray] = {}
    tree = {
        "model": _encode(_check_model_state(model_state, path), ["model"], tensors),
        "optimizer": _encode(optimizer_state, ["optimizer"], tensors),
        "extra": _encode({} if extra is None else extra, ["extra"], tensors),
    }
    metadata = {"kind": "checkpoint", "tree": json.dumps(tree)}
    return _write(path, tensors, metadata)


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Load a checkpoint saved by :func:`save_checkpoint`, exactly as it was saved.

    Arrays keep their dtype and bits, NumPy scalars their type, ints stay ints (dict keys
    too), tuples stay tuples.

    Parameters
    ----------
    path : str or path-like
        The file, or a folder holding ``checkpoint.safetensors``.

    Returns
    -------
    dict
        ``{"model": model_state, "optimizer": optimizer_state, "extra": extra,
        "glassnet_version": str}``, the first three as given to :func:`save_checkpoint`.

    Raises
    ------
    ModelFileError
        As :func:`load_model`.
    """
    path = _load_path(path, CHECKPOINT_FILENAME)
    tensors, meta = _read(path, "checkpoint")
    tree = _json(path, meta, "tree")
    try:
        out = {key: _decode(tree[key], tensors) for key in ("model", "optimizer", "extra")}
    except (KeyError, TypeError, ValueError):
        raise ModelFileError(
            f"{path}: the checkpoint's structure does not match its tensors"
        ) from None
    out["glassnet_version"] = meta.get("glassnet_version")
    return out
