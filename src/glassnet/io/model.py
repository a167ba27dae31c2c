"""Model files: the weights and the JSON config that rebuilds the model around them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import ModelFileError
from ._format import _as_tensor, _glassnet_metadata, _json, _parse_header, _read, _write
from .files import _load_path, _read_bytes, _save_path

MODEL_FILENAME = "model.safetensors"
CHECKPOINT_FILENAME = "checkpoint.safetensors"


def save_model(path: str | os.PathLike, state: dict[str, np.ndarray], config: dict) -> Path:
    """Save weights and their configuration as one safetensors file, atomically.

    Parameters
    ----------
    path : str or path-like
        A ``.safetensors`` file, or a folder (created if needed) that receives
        ``model.safetensors``.
    state : dict of str to array
        The tensors, e.g. ``model.state_dict()``; bool, integer or float arrays.
    config : dict
        Everything needed to rebuild and use the model (architecture, activations,
        preprocessing statistics, label names, task...). Stored as JSON, so it comes back
        with JSON types: tuples become lists and dict keys become strings.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ModelFileError
        If a tensor has an unsupported dtype or the config is not JSON-serialisable.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> state = {"weight": np.ones((3, 4), np.float32), "bias": np.zeros(3, np.float32)}
    >>> save_model(folder, state, {"layers": [4, 3]}).name
    'model.safetensors'
    >>> loaded, config = load_model(folder)
    >>> list(loaded), loaded["weight"].dtype.name, config
    (['weight', 'bias'], 'float32', {'layers': [4, 3]})
    """
    path = _save_path(path, MODEL_FILENAME)
    tensors = _check_model_state(state, path)
    if not isinstance(config, dict):
        raise ModelFileError(
            f"cannot save {path}: config must be a dict, got {type(config).__name__}"
        )
    try:
        config_text = json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"cannot save {path}: the config is not JSON ({exc})") from None
    metadata = {"kind": "model", "config": config_text, "order": json.dumps(list(tensors))}
    return _write(path, tensors, metadata)


def _check_model_state(state, path: Path) -> dict[str, np.ndarray]:
    if not isinstance(state, dict):
        raise ModelFileError(
            f"cannot save {path}: state must be a dict of name -> array, got {type(state).__name__}"
        )
    tensors = {}
    for name, value in state.items():
        if not isinstance(name, str) or not name or name == "__metadata__":
            raise ModelFileError(f"cannot save {path}: tensor name {name!r} is not allowed")
        tensors[name] = _as_tensor(value, f"'{name}' in {path}")
    return tensors


def load_model(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Load the weights and configuration saved by :func:`save_model`.

    Nothing in the file is executed: only numbers and JSON text are read, and the SHA-256
    recorded at save time is checked before anything is returned.

    Parameters
    ----------
    path : str or path-like
        The file, or a folder holding ``model.safetensors``.

    Returns
    -------
    state : dict of str to array
        The tensors, in the order they were saved, with their dtypes, bit for bit.
    config : dict
        The configuration given to :func:`save_model`, as JSON types.

    Raises
    ------
    ModelFileError
        Naming the file: missing, empty, a pickle or zip (PyTorch ``.pt``) file, truncated,
        modified after saving, a safetensors file without glassnet metadata, a checkpoint
        instead of a model, or written by a newer glassnet.
    """
    path = _load_path(path, MODEL_FILENAME)
    tensors, meta = _read(path, "model")
    order = _json(path, meta, "order", list)
    if not all(isinstance(name, str) for name in order) or sorted(order) != sorted(tensors):
        raise ModelFileError(
            f"{path}: the 'order' entry of the header does not list the file's tensors"
        )
    return {name: tensors[name] for name in order}, _json(path, meta, "config")


def read_header(path: str | os.PathLike) -> dict:
    """Describe a glassnet model or checkpoint file from its header, without its tensors.

    Returns
    -------
    dict
        ``kind``, ``format_version``, ``glassnet_version``, ``tensors`` (name to
        ``{"dtype": str, "shape": list}``) and, for a model, ``config``. The SHA-256 is not
        checked; :func:`load_model` and :func:`load_checkpoint` check it.
    """
    p = Path(path)
    if p.is_dir():
        p = p / (MODEL_FILENAME if (p / MODEL_FILENAME).is_file() else CHECKPOINT_FILENAME)
    p = _load_path(p, MODEL_FILENAME)
    header = _parse_header(p, _read_bytes(p))
    meta = _glassnet_metadata(p, header, None)
    info = {
        "kind": meta["kind"],
        "format_version": int(meta["format_version"]),
        "glassnet_version": meta.get("glassnet_version"),
        "tensors": {
            k: {"dtype": v["dtype"], "shape": v["shape"]}
            for k, v in header.items()
            if k != "__metadata__"
        },
    }
    if meta["kind"] == "model":
        info["config"] = _json(p, meta, "config")
    return info


def check_state(
    state: dict[str, np.ndarray],
    expected_shapes: dict[str, tuple[int, ...]],
    source: str | os.PathLike | None = None,
    *,
    dtypes: dict[str, np.dtype] | None = None,
    finite: bool = True,
) -> None:
    """Check that loaded weights fit the architecture: every name, shape and dtype right.

    Parameters
    ----------
    state : dict of str to array
        The loaded tensors.
    expected_shapes : dict of str to tuple of int
        What the model built from the config expects, e.g.
        ``{name: p.shape for name, p in model.state_dict().items()}``.
    source : str or path-like, optional
        The file the state came from, named in the message.
    dtypes : dict of str to dtype, optional
        The dtype each tensor must have, e.g. ``{name: p.dtype for ...}``; a float64 tensor
        would otherwise be rounded silently into a float32 model, an integer one turned
        into floats.
    finite : bool, default True
        Also refuse tensors holding NaN or infinity.

    Raises
    ------
    ModelFileError
        Listing, in one line, every missing, unexpected, mis-shaped and mis-typed tensor;
        or naming the first tensor that is not finite.

    Examples
    --------
    >>> state = {"w": np.zeros((16, 5)), "extra": np.zeros(2)}
    >>> check_state(state, {"w": (16, 4), "b": (16,)}, source="m.safetensors")
    Traceback (most recent call last):
      ...
    glassnet.errors.ModelFileError: m.safetensors: the weights do not match the architecture \
in the config: missing 'b' (expected shape (16,)); unexpected 'extra' of shape (2,); 'w' has \
shape (16, 5), expected (16, 4)
    >>> check_state({"w": np.zeros(2)}, {"w": (2,)}, dtypes={"w": np.float32})
    Traceback (most recent call last):
      ...
    glassnet.errors.ModelFileError: the weights do not match the architecture in the config: \
'w' has dtype float64, expected float32
    """
    where = f"{source}: " if source is not None else ""
    problems = _state_problems(state, expected_shapes, dtypes or {})
    if problems:
        raise ModelFileError(
            f"{where}the weights do not match the architecture in the config: {'; '.join(problems)}"
        )
    for name, value in state.items() if finite else ():
        value = np.asarray(value)
        if value.dtype.kind in "fc" and not np.isfinite(value).all():
            bad = int(np.size(value) - np.isfinite(value).sum())
            raise ModelFileError(
                f"{where}the weights '{name}' hold {bad} NaN or infinite "
                f"values of {np.size(value)}: they come from a run that "
                "diverged; retrain with a smaller learning rate"
            )


def _state_problems(state: dict, shapes: dict, dtypes: dict) -> list[str]:
    problems = []
    for name, shape in shapes.items():
        if name not in state:
            problems.append(f"missing '{name}' (expected shape {tuple(shape)})")
    for name, value in state.items():
        if name not in shapes:
            problems.append(f"unexpected '{name}' of shape {np.shape(value)}")
    for name, shape in shapes.items():
        if name in state and np.shape(state[name]) != tuple(shape):
            problems.append(f"'{name}' has shape {np.shape(state[name])}, expected {tuple(shape)}")
    for name, dtype in dtypes.items():
        found = np.asarray(state[name]).dtype if name in state else None
        if found is not None and found != np.dtype(dtype):
            problems.append(f"'{name}' has dtype {found}, expected {np.dtype(dtype)}")
    return problems
