"""Reading what a user names without trusting it: regular files only, bounded sizes and depths.

A path given as a model, a checkpoint or a table may name a FIFO (reading blocks forever), a
device such as ``/dev/zero`` (reading never ends) or a folder; :func:`read_regular` names
such a file for what it is before reading a byte. JSON from a file is parsed by
:func:`loads_bounded`, which refuses nesting deeper than :data:`MAX_JSON_DEPTH` before the
parser (which recurses, and would raise ``RecursionError``) sees it.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import numpy as np

from ..errors import ModelFileError

MAX_JSON_DEPTH = 64  # a glassnet header, run.json or checkpoint tree nests fewer than 10 deep
MAX_FILE_BYTES = 1 << 34  # 16 GiB: far beyond any MLP glassnet trains, short of a runaway read

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(mode: int) -> str | None:
    """What a file of ``mode`` (``os.stat(...).st_mode``) is when it is not a regular file.

    Examples
    --------
    >>> import os
    >>> not_regular(os.stat("/dev/null").st_mode)
    'a character device'
    """
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def check_regular(path: str | os.PathLike, error=ModelFileError) -> os.stat_result:
    """The ``os.stat`` of ``path``, a regular file; else ``error`` naming what it is instead."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    what = not_regular(st.st_mode)
    if what is not None:
        raise error(f"{path}: {what}, not a regular file")
    return st


def read_regular(path: str | os.PathLike, limit: int = MAX_FILE_BYTES, error=ModelFileError):
    """The bytes of the regular file ``path``, at most ``limit`` of them.

    The file is opened without blocking (a FIFO swapped in after the check cannot hang the
    read) and checked again through the open descriptor before it is read.

    Raises
    ------
    ``error`` (ModelFileError by default)
        Naming the file: missing, unreadable, a FIFO, a device, a folder, or larger than
        ``limit`` bytes.
    """
    check_regular(path, error)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        what = not_regular(st.st_mode)
        if what is not None:
            raise error(f"{path}: {what}, not a regular file")
        if st.st_size > limit:
            raise error(f"{path}: {st.st_size} bytes, more than the {limit} a glassnet file may be")
        try:
            data = fh.read(limit + 1)
        except OSError as exc:
            raise error(f"{path}: cannot be read ({exc.strerror})") from None
    if len(data) > limit:  # it grew while being read
        raise error(f"{path}: more than the {limit} bytes a glassnet file may be")
    return data


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string, escapes included
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


def json_depth(text: str | bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (strings skipped), without parsing.

    Examples
    --------
    >>> json_depth('{"a": [1, [2]], "b": "[[[["}')
    3
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    brackets = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth, deepest = 0, 0
    for start in range(0, len(brackets), 1 << 20):  # in chunks: bounded memory for any length
        chunk = np.frombuffer(brackets[start : start + (1 << 20)], np.uint8)
        levels = depth + np.cumsum(np.where((chunk == ord("[")) | (chunk == ord("{")), 1, -1))
        deepest, depth = max(deepest, int(levels.max())), int(levels[-1])
    return deepest


def loads_bounded(text: str | bytes, where: str | Path, error=ModelFileError):
    """``json.loads(text)``, refusing nesting deeper than :data:`MAX_JSON_DEPTH` first.

    Raises
    ------
    ``error`` (ModelFileError by default)
        For JSON nested too deeply, naming ``where``.
    ValueError
        For text that is not JSON, as ``json.loads`` does.

    Examples
    --------
    >>> loads_bounded('{"sizes": [4, 3]}', "m.json")
    {'sizes': [4, 3]}
    >>> loads_bounded("[" * 100 + "]" * 100, "m.json")
    Traceback (most recent call last):
      ...
    glassnet.errors.ModelFileError: m.json: its JSON nests 100 levels deep, more than the 64 \
a glassnet file ever holds: the file was crafted or corrupted
    """
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise error(
            f"{where}: its JSON nests {depth} levels deep, more than the {MAX_JSON_DEPTH} "
            "a glassnet file ever holds: the file was crafted or corrupted"
        )
    return json.loads(text)


def read_json_file(path: str | os.PathLike, limit: int = 1 << 28, error=ModelFileError):
    """The JSON value in the regular file ``path`` (a ``run.json``): bounded size and depth.

    Raises ``error`` naming the file for a special file, a huge or deeply nested one, and
    ``ValueError`` for text that is not JSON.
    """
    data = read_regular(path, limit, error)
    return loads_bounded(data, path, error)
