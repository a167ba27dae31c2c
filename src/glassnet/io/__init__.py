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
The metadata entries are written in sorted key order, so the same contents always give the
same bytes, whichever process writes them.

Writes are atomic: the bytes go to a temporary file in the target's folder, are flushed
and fsync'ed, and only then renamed over the target, so a crash or Ctrl-C during a save
leaves the previous file whole.

``files`` holds the atomic writes every other file of glassnet goes through too
(``files.atomic_write_text``, ``files.atomic_write_bytes``); ``model.read_header`` reads a
file's header without its tensors and ``model.check_state`` checks a state dict's shapes.

A ``path`` may name a file or a folder: an existing folder, or a new path not ending in
``.safetensors`` (in any case), means the file ``model.safetensors`` (or ``checkpoint.safetensors``)
inside that folder.
"""

from . import (
    files,  # noqa: F401 - glassnet.io.files, the atomic writes
    guard,  # noqa: F401 - glassnet.io.guard, reading untrusted files within bounds
)
from ._format import FORMAT_VERSION
from .checkpoint import load_checkpoint, save_checkpoint
from .model import CHECKPOINT_FILENAME, MODEL_FILENAME, load_model, save_model

__all__ = [
    "save_model",
    "load_model",
    "save_checkpoint",
    "load_checkpoint",
    "MODEL_FILENAME",
    "CHECKPOINT_FILENAME",
    "FORMAT_VERSION",
]
