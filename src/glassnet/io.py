"""Model and checkpoint files: safetensors weights with a JSON description, never pickle.

A glassnet file is one `safetensors <https://github.com/huggingface/safetensors>`_ file: a
JSON header giving each tensor's dtype, shape and byte range, then the raw little-endian
bytes. Loading reads only numbers and text, so a model file can never run code (a pickle,
inside PyTorch's ``.pt`` files, can). The header's ``__metadata__`` map (str to str) holds
``format`` (``"glassnet"``), ``kind`` (``"model"`` or ``"checkpoint"``), ``format_version``,
``glassnet_version``; for a model, ``config`` (the caller's JSON) and ``order`` (the tensor
names in their saved order); for a checkpoint, ``tree`` (the nested state as JSON, each array
replaced by the name of its tensor); and ``sha256``, a hash of every other metadata entry and
of every tensor's name, dtype, shape and bytes, so that a change anywhere is caught on load.

Writes are atomic: the bytes go to a temporary file in the target's folder, are flushed
and fsync'ed, and only then renamed over the target, so a crash or Ctrl-C during a save
leaves the previous file whole.

A ``path`` may name a file or a folder: an existing folder, or a new path not ending in
``.safetensors``, means the file ``model.safetensors`` (or ``checkpoint.safetensors``)
inside that folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
import safetensors.numpy

from .errors import ModelFileError

__all__ = [
    "save_model", "load_model", "save_checkpoint", "load_checkpoint", "check_state",
    "read_header", "atomic_write_bytes", "atomic_write_text",
    "MODEL_FILENAME", "CHECKPOINT_FILENAME", "FORMAT_VERSION",
]

MODEL_FILENAME = "model.safetensors"
CHECKPOINT_FILENAME = "checkpoint.safetensors"
FORMAT_VERSION = 1
_FORMAT = "glassnet"
_CHUNK = 1 << 20  # bytes per write call
_MARKERS = ("__tensor__", "__scalar__", "__dict__", "__tuple__")


# --- paths and bytes ------------------------------------------------------------------------


def _save_path(path: str | os.PathLike, default_name: str) -> Path:
    p = Path(path)
    if p.is_dir() or (not p.exists() and p.suffix != ".safetensors"):
        return p / default_name
    return p


def _load_path(path: str | os.PathLike, default_name: str) -> Path:
    p = Path(path)
    if p.is_dir():
        if not (p / default_name).is_file():
            raise ModelFileError(f"{p}: the folder holds no {default_name}")
        return p / default_name
    if not p.exists():
        raise ModelFileError(f"{p}: no such file or folder")
    return p


def _write_all(fh, data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        fh.write(view[start:start + _CHUNK])


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is always either the old or the new file.

    The bytes go to a temporary file in the same folder (created if needed), which is
    flushed, fsync'ed and renamed over ``path``; on any error, Ctrl-C included, the
    temporary file is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    data : bytes
        Its new contents.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sub" / "notes.bin"
    >>> atomic_write_bytes(path, b"abc").read_bytes()
    b'abc'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.is_file() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:  # also KeyboardInterrupt: never leave a half-written temp file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable where possible
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically, like :func:`atomic_write_bytes`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "metrics.json"
    >>> atomic_write_text(path, '{"accuracy": 0.97}\\n').read_text()
    '{"accuracy": 0.97}\\n'
    """
    return atomic_write_bytes(path, text.encode("utf-8"))


# --- hashing and tensors --------------------------------------------------------------------


def _as_tensor(value, where: str) -> np.ndarray:
    """A C-contiguous little-endian array that safetensors can store, or a clear error."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise ModelFileError(f"cannot save {where}: dtype {arr.dtype} is not supported "
                             "(use bool, integer or float arrays)")
    # np.asarray, not np.ascontiguousarray, which would turn a 0-d array into shape (1,)
    return np.asarray(arr, dtype=arr.dtype.newbyteorder("<"), order="C")


def _digest(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> str:
    h = hashlib.sha256()
    for key in sorted(metadata):
        if key != "sha256":
            h.update(f"meta\0{key}\0{metadata[key]}\0".encode())
    for name in sorted(tensors):
        arr = np.asarray(tensors[name], order="C")
        h.update(f"tensor\0{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        h.update(arr.reshape(-1).view(np.uint8))
    return h.hexdigest()


def _write(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> Path:
    from . import __version__  # imported here: the package imports this module

    metadata = {"format": _FORMAT, "format_version": str(FORMAT_VERSION),
                "glassnet_version": __version__, **metadata}
    metadata["sha256"] = _digest(tensors, metadata)
    atomic_write_bytes(path, safetensors.numpy.save(tensors, metadata=metadata))
    return path


# --- reading and diagnosing -----------------------------------------------------------------


def _what_is_it(path: Path, data: bytes) -> str:
    """Why ``data`` is not a safetensors file, in words."""
    never = "glassnet reads only safetensors files and never loads pickles, which can run code"
    if not data:
        return f"{path}: the file is empty (0 bytes), not a model"
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return f"{path}: this is a Python pickle, not a glassnet model; {never}"
    if data[:4] == b"PK\x03\x04":
        return (f"{path}: this is a zip archive (a PyTorch .pt/.pth or NumPy .npz file?), not "
                f"a glassnet model; {never}")
    if data[:6] == b"\x93NUMPY":
        return f"{path}: this is a NumPy .npy file, not a glassnet model; {never}"
    if len(data) < 9:
        return (f"{path}: only {len(data)} bytes, too short for a model file: truncated, or "
                "not a safetensors file")
    if data[8:9] == b"{":
        return (f"{path}: the file is truncated ({len(data)} bytes): its header is cut short; "
                "it was cut while being written or copied")
    return f"{path}: not a safetensors file, so not a glassnet model; {never}"


def _parse_header(path: Path, data: bytes) -> dict:
    size = struct.unpack("<Q", data[:8])[0] if len(data) >= 8 else None
    if size is None or data[8:9] != b"{" or size > len(data) - 8:
        raise ModelFileError(_what_is_it(path, data))
    try:
        header = json.loads(data[8:8 + size])
        ends = [int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"]
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        raise ModelFileError(f"{path}: the safetensors header is corrupt") from None
    available = len(data) - 8 - size
    if max(ends, default=0) > available:
        raise ModelFileError(f"{path}: the file is truncated: the header describes "
                             f"{max(ends)} bytes of tensors but only {available} follow it")
    return header


def _glassnet_metadata(path: Path, header: dict, kind: str) -> dict[str, str]:
    meta = header.get("__metadata__") or {}
    if meta.get("format") != _FORMAT:
        raise ModelFileError(f"{path}: a safetensors file, but not a glassnet {kind} (its "
                             "header has no glassnet metadata)")
    if meta.get("kind") != kind:
        use = "load_model" if meta.get("kind") == "model" else "load_checkpoint"
        raise ModelFileError(f"{path}: a glassnet {meta.get('kind')} file, not a {kind}; "
                             f"read it with {use}")
    try:
        version = int(meta.get("format_version", ""))
    except ValueError:
        raise ModelFileError(f"{path}: the format_version {meta.get('format_version')!r} "
                             "is not a number") from None
    if version > FORMAT_VERSION:
        raise ModelFileError(f"{path}: written by glassnet {meta.get('glassnet_version')} in "
                             f"format {version}; this glassnet reads up to format "
                             f"{FORMAT_VERSION}: upgrade glassnet")
    return meta


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror})") from None


def _read(path: Path, kind: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    data = _read_bytes(path)
    meta = _glassnet_metadata(path, _parse_header(path, data), kind)
    try:
        tensors = safetensors.numpy.load(data)
    except Exception as exc:  # the package raises its own SafetensorError
        raise ModelFileError(f"{path}: the safetensors data is corrupt ({exc})") from None
    if _digest(tensors, meta) != meta.get("sha256"):
        raise ModelFileError(f"{path}: the contents do not match the SHA-256 recorded when "
                             "the file was saved: it was modified or corrupted after saving")
    return tensors, meta


def _json(path: Path, meta: dict[str, str], key: str):
    try:
        return json.loads(meta[key])
    except (KeyError, ValueError):
        raise ModelFileError(f"{path}: the '{key}' entry of the header is missing or "
                             "not valid JSON") from None


# --- models ---------------------------------------------------------------------------------


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
        raise ModelFileError(f"cannot save {path}: config must be a dict, got "
                             f"{type(config).__name__}")
    try:
        config_text = json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"cannot save {path}: the config is not JSON ({exc})") from None
    metadata = {"kind": "model", "config": config_text, "order": json.dumps(list(tensors))}
    return _write(path, tensors, metadata)


def _check_model_state(state, path: Path) -> dict[str, np.ndarray]:
    if not isinstance(state, dict):
        raise ModelFileError(f"cannot save {path}: state must be a dict of name -> array, "
                             f"got {type(state).__name__}")
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
    order = _json(path, meta, "order")
    if sorted(order) != sorted(tensors):
        raise ModelFileError(f"{path}: the tensor list in the header does not match the tensors")
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
    meta = header.get("__metadata__") or {}
    meta = _glassnet_metadata(p, header, meta.get("kind", "model"))
    info = {"kind": meta["kind"], "format_version": int(meta["format_version"]),
            "glassnet_version": meta.get("glassnet_version"),
            "tensors": {k: {"dtype": v["dtype"], "shape": v["shape"]}
                        for k, v in header.items() if k != "__metadata__"}}
    if meta["kind"] == "model":
        info["config"] = _json(p, meta, "config")
    return info


def check_state(
    state: dict[str, np.ndarray],
    expected_shapes: dict[str, tuple[int, ...]],
    source: str | os.PathLike | None = None,
) -> None:
    """Check that loaded weights fit the architecture: every name present, every shape right.

    Parameters
    ----------
    state : dict of str to array
        The loaded tensors.
    expected_shapes : dict of str to tuple of int
        What the model built from the config expects, e.g.
        ``{name: p.shape for name, p in model.state_dict().items()}``.
    source : str or path-like, optional
        The file the state came from, named in the message.

    Raises
    ------
    ModelFileError
        Listing, in one line, every missing, unexpected and mis-shaped tensor.

    Examples
    --------
    >>> state = {"w": np.zeros((16, 5)), "extra": np.zeros(2)}
    >>> check_state(state, {"w": (16, 4), "b": (16,)}, source="m.safetensors")
    Traceback (most recent call last):
      ...
    glassnet.errors.ModelFileError: m.safetensors: the weights do not match the architecture \
in the config: missing 'b' (expected shape (16,)); unexpected 'extra' of shape (2,); 'w' has \
shape (16, 5), expected (16, 4)
    """
    problems = []
    for name, shape in expected_shapes.items():
        if name not in state:
            problems.append(f"missing '{name}' (expected shape {tuple(shape)})")
    for name, value in state.items():
        if name not in expected_shapes:
            problems.append(f"unexpected '{name}' of shape {np.shape(value)}")
    for name, shape in expected_shapes.items():
        if name in state and np.shape(state[name]) != tuple(shape):
            problems.append(f"'{name}' has shape {np.shape(state[name])}, "
                            f"expected {tuple(shape)}")
    if problems:
        where = f"{source}: " if source is not None else ""
        raise ModelFileError(f"{where}the weights do not match the architecture in the "
                             f"config: {'; '.join(problems)}")


# --- checkpoints ----------------------------------------------------------------------------


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
            raise ModelFileError(f"cannot save '{'/'.join(parts)}': dict key {bad[0]!r} is "
                                 "not a str or an int")
        pairs = [(k, _encode(v, [*parts, str(k)], tensors)) for k, v in obj.items()]
        if all(isinstance(k, str) and k not in _MARKERS for k in obj):
            return dict(pairs)
        return {"__dict__": [list(p) for p in pairs]}
    raise ModelFileError(f"cannot save '{'/'.join(parts)}': a {type(obj).__name__} is not "
                         "supported (use dicts, lists, tuples, numbers, strings, None, arrays)")


def _decode(node, tensors: dict[str, np.ndarray]):
    """Inverse of :func:`_encode`."""
    if isinstance(node, list):
        return [_decode(v, tensors) for v in node]
    if not isinstance(node, dict):
        return node
    if len(node) == 1:
        (key, value), = node.items()
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
        raise ModelFileError(f"{path}: the checkpoint's structure does not match its "
                             "tensors") from None
    out["glassnet_version"] = meta.get("glassnet_version")
    return out
