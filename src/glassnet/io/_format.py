"""The glassnet layout inside a safetensors file: metadata, hash, header checks, reading."""

from __future__ import annotations

import hashlib
import json
import re
import struct
from pathlib import Path

import numpy as np
import safetensors.numpy

from ..errors import ModelFileError
from .files import _read_bytes, atomic_write_bytes
from .guard import loads_bounded

FORMAT_VERSION = 1
_FORMAT = "glassnet"
_KINDS = ("model", "checkpoint")
_MAX_HEADER = 100_000_000  # bytes; safetensors refuses longer headers
# A checkpoint of an MLP holds a few tensors per layer; a million entries only cost time
MAX_TENSORS = 10_000


def _as_tensor(value, where: str) -> np.ndarray:
    """A C-contiguous little-endian array that safetensors can store, or a clear error."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise ModelFileError(
            f"cannot save {where}: dtype {arr.dtype} is not supported "
            "(use bool, integer or float arrays)"
        )
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
    from .. import __version__  # imported here: the package imports this module

    metadata = {
        "format": _FORMAT,
        "format_version": str(FORMAT_VERSION),
        "glassnet_version": __version__,
        **metadata,
    }
    metadata["sha256"] = _digest(tensors, metadata)
    atomic_write_bytes(path, _sorted_metadata(safetensors.numpy.save(tensors, metadata=metadata)))
    return path


def _sorted_metadata(data: bytes) -> bytes:
    """The same safetensors file with its ``__metadata__`` entries in sorted key order.

    The safetensors writer keeps the metadata in a hash map whose iteration order changes
    from one process to the next, so the same model would be written as different bytes.
    Sorting the entries makes a file a function of its contents. Tensor offsets count from
    the end of the header, so a header of a new length (padded with spaces to a multiple
    of 8, as the writer does) leaves them valid.
    """
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size])
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data[8 + size :]


def _what_is_it(path: Path, data: bytes) -> str:
    """Why ``data`` is not a safetensors file, in words."""
    never = "glassnet reads only safetensors files and never loads pickles, which can run code"
    if not data:
        return f"{path}: the file is empty (0 bytes), not a model"
    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return f"{path}: this is a Python pickle, not a glassnet model; {never}"
    if data[:4] == b"PK\x03\x04":
        return (
            f"{path}: this is a zip archive (a PyTorch .pt/.pth or NumPy .npz file?), not "
            f"a glassnet model; {never}"
        )
    if data[:6] == b"\x93NUMPY":
        return f"{path}: this is a NumPy .npy file, not a glassnet model; {never}"
    if len(data) < 9:
        return (
            f"{path}: only {len(data)} bytes, too short for a model file: truncated, or "
            "not a safetensors file"
        )
    if data[8:9] == b"{" and _whole_header_length(data) is not None:
        size = struct.unpack("<Q", data[:8])[0]
        return (
            f"{path}: the header length recorded in its first 8 bytes ({size}) is "
            f"impossible for a file of {len(data)} bytes, though the header itself is "
            "whole: those bytes were corrupted"
        )
    if data[8:9] == b"{":
        return (
            f"{path}: the file is truncated ({len(data)} bytes): its header is cut short; "
            "it was cut while being written or copied"
        )
    return f"{path}: not a safetensors file, so not a glassnet model; {never}"


def _whole_header_length(data: bytes) -> int | None:
    """The length of the complete JSON object after the 8 length bytes, or None if cut short."""
    text = data[8 : 8 + _MAX_HEADER].decode("utf-8", errors="replace")
    try:
        _, end = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):  # the parser recurses: a crafted nest is not whole
        return None
    return len(text[:end].encode("utf-8"))


def _parse_header(path: Path, data: bytes) -> dict:
    size = struct.unpack("<Q", data[:8])[0] if len(data) >= 8 else None
    if size is None or data[8:9] != b"{" or size > len(data) - 8:
        raise ModelFileError(_what_is_it(path, data))
    _check_tensor_count(path, data[8 : 8 + size].count(b'"data_offsets"'))  # before parsing
    try:
        header = loads_bounded(data[8 : 8 + size], path)
    except ValueError:
        whole = _whole_header_length(data) is not None
        why = (
            f"the header length recorded in its first 8 bytes ({size}) is wrong"
            if whole
            else "the safetensors header is corrupt"
        )
        raise ModelFileError(f"{path}: {why}") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{path}: the safetensors header is corrupt")
    _check_metadata(path, header.get("__metadata__"))
    _check_tensor_count(path, len(header) - ("__metadata__" in header))
    ends = [_tensor_end(path, k, v) for k, v in header.items() if k != "__metadata__"]
    available = len(data) - 8 - size
    if max(ends, default=0) > available:
        raise ModelFileError(
            f"{path}: the file is truncated: the header describes "
            f"{max(ends)} bytes of tensors but only {available} follow it"
        )
    return header


def _check_tensor_count(path: Path, n_tensors: int) -> None:
    if n_tensors > MAX_TENSORS:
        raise ModelFileError(
            f"{path}: the header lists {n_tensors} tensors, more than the "
            f"{MAX_TENSORS} a glassnet file holds: the file was crafted or corrupted"
        )


def _check_metadata(path: Path, meta) -> None:
    """``__metadata__`` is absent, or a map of str to str (as the safetensors format says)."""
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise ModelFileError(
            f"{path}: the header's __metadata__ is a {type(meta).__name__}, "
            "not a map of names to strings: the file was modified"
        )
    for key, value in meta.items():
        if not isinstance(value, str):
            raise ModelFileError(
                f"{path}: the header's metadata entry {key!r} is a "
                f"{type(value).__name__}, not a string: the file was modified"
            )


def _tensor_end(path: Path, name: str, entry) -> int:
    """Where the bytes of the tensor described by ``entry`` end, or a ModelFileError."""
    offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
    if (
        not isinstance(offsets, list)
        or len(offsets) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)
    ):
        raise ModelFileError(
            f"{path}: the header entry for tensor {name!r} is corrupt (no "
            "data_offsets [begin, end])"
        )
    return offsets[1]


def _glassnet_metadata(path: Path, header: dict, kind: str | None) -> dict[str, str]:
    """The glassnet metadata of a file of ``kind`` ("model", "checkpoint", or None: either)."""
    meta = header.get("__metadata__") or {}
    found = meta.get("kind")
    if meta.get("format") != _FORMAT:
        raise ModelFileError(
            f"{path}: a safetensors file, but not a glassnet {kind or 'model'} "
            "(its header has no glassnet metadata)"
        )
    if found not in _KINDS:
        what = "has no 'kind' entry" if found is None else f"has the kind {found!r}"
        raise ModelFileError(
            f"{path}: a glassnet file whose header {what}; expected "
            f"{' or '.join(map(repr, _KINDS))}"
        )
    if kind is not None and found != kind:
        use = "load_model" if found == "model" else "load_checkpoint"
        raise ModelFileError(f"{path}: a glassnet {found} file, not a {kind}; read it with {use}")
    version = meta.get("format_version")
    if version is None or not re.fullmatch("[0-9]+", version):
        what = "no format_version entry" if version is None else f"format_version {version!r}"
        raise ModelFileError(f"{path}: the header has {what}; expected a whole number")
    if int(version) > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: written by glassnet {meta.get('glassnet_version')} in "
            f"format {int(version)}; this glassnet reads up to format "
            f"{FORMAT_VERSION}: upgrade glassnet"
        )
    return meta


def _read(path: Path, kind: str) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    data = _read_bytes(path)
    meta = _glassnet_metadata(path, _parse_header(path, data), kind)
    try:
        tensors = safetensors.numpy.load(data)
    except Exception as exc:  # the package raises its own SafetensorError
        raise ModelFileError(f"{path}: the safetensors data is corrupt ({exc})") from None
    if _digest(tensors, meta) != meta.get("sha256"):
        raise ModelFileError(
            f"{path}: the contents do not match the SHA-256 recorded when "
            "the file was saved: it was modified or corrupted after saving"
        )
    return tensors, meta


def _json(path: Path, meta: dict[str, str], key: str, kind: type = dict):
    """The JSON value of metadata entry ``key``, which must be a ``kind`` (dict or list)."""
    try:
        value = loads_bounded(meta[key], f"{path}: the '{key}' entry of the header")
    except (KeyError, ValueError):
        raise ModelFileError(
            f"{path}: the '{key}' entry of the header is missing or not valid JSON"
        ) from None
    if not isinstance(value, kind):
        expected = "an object" if kind is dict else "a list"
        raise ModelFileError(
            f"{path}: the '{key}' entry of the header is a {type(value).__name__}, not {expected}"
        )
    return value
