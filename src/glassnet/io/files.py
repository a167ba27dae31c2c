"""Paths and atomic writes: a file is always either the old one or the new one, never half."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from ..errors import ModelFileError
from .guard import read_regular

_CHUNK = 1 << 20  # bytes per write call


def _save_path(path: str | os.PathLike, default_name: str) -> Path:
    p = Path(path)
    if p.is_dir() or (not p.exists() and p.suffix.lower() != ".safetensors"):
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
        fh.write(view[start : start + _CHUNK])


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that ``path`` is always either the old or the new file.

    The bytes go to a temporary file in the same folder (created if needed), which is
    flushed, fsync'ed and renamed over ``path``; on any error, Ctrl-C included, the
    temporary file is removed and ``path`` is untouched. A new file gets the mode a plain
    ``open(path, "wb")`` would give it (``0o666`` less the umask); a file written over
    keeps its mode.

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

    Raises
    ------
    OSError
        Naming ``path`` (never the temporary file), e.g. for a read-only folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sub" / "notes.bin"
    >>> atomic_write_bytes(path, b"abc").read_bytes()
    b'abc'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # its error names the folder at fault
    mode = path.stat().st_mode & 0o777 if path.is_file() else None
    try:
        _replace(path, data, mode)
    except OSError as exc:
        if exc.errno is None:
            raise
        # errno picks the subclass (PermissionError...); the temporary file would only confuse
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    with contextlib.suppress(OSError):  # make the rename itself durable where possible
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return path


def _new_temp(path: Path) -> tuple[int, str]:
    """A new, empty file beside ``path``, created as ``open()`` creates files (umask applies)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


def _replace(path: Path, data: bytes, mode: int | None) -> None:
    """Write ``data`` to a temporary file and rename it over ``path``; ``mode`` if given."""
    fd, tmp = _new_temp(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_all(fh, data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:  # also KeyboardInterrupt: never leave a half-written temp file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


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


def _read_bytes(path: Path) -> bytes:
    """A model or checkpoint file's bytes: a regular file only, of a bounded size."""
    return read_regular(path)
