"""Model files built byte by byte, as an attacker would: any header, any config, a valid hash.

The hash follows the format's documentation (glassnet.io): SHA-256 over every metadata entry
but ``sha256`` (``meta\\0key\\0value\\0``, keys sorted), then every tensor's
``tensor\\0name\\0dtype\\0shape\\0`` and bytes (names sorted). It is written here, not
imported, so that a crafted file is what an outsider could make.
"""

import hashlib
import json
import struct

import numpy as np


def raw_model(path, header_text: str | bytes, body: bytes = b""):
    """A file of 8 length bytes, then ``header_text``, then ``body``: no check of any kind."""
    data = header_text.encode() if isinstance(header_text, str) else header_text
    path.write_bytes(struct.pack("<Q", len(data)) + data + body)
    return path


def _digest(meta: dict, tensors: dict) -> str:
    h = hashlib.sha256()
    for key in sorted(meta):
        h.update(f"meta\0{key}\0{meta[key]}\0".encode())
    for name in sorted(tensors):
        arr = tensors[name]
        h.update(f"tensor\0{name}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def signed_model(path, config_text: str, tensors: dict, extra_meta: dict | None = None):
    """A glassnet model file with any config text (NaN, deep nesting...) and a valid hash."""
    tensors = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}
    meta = {
        "format": "glassnet",
        "format_version": "1",
        "glassnet_version": "0",
        "kind": "model",
        "config": config_text,
        "order": json.dumps(list(tensors)),
        **(extra_meta or {}),
    }
    meta["sha256"] = _digest(meta, tensors)
    header, offset, body = {"__metadata__": meta}, 0, b""
    for name, arr in tensors.items():
        raw = arr.tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        offset, body = offset + len(raw), body + raw
    text = json.dumps(header).encode()
    return raw_model(path, text + b" " * (-len(text) % 8), body)


def iris_config(**changes) -> dict:
    """The config of a 4-3 Iris classifier, with ``changes`` applied."""
    config = {
        "architecture": {"type": "MLP", "sizes": [4, 3], "activation": "tanh"},
        "task": "classify",
        "feature_names": ["sepal_length", "sepal_width", "petal_length", "petal_width"],
        "label_names": ["setosa", "versicolor", "virginica"],
        "target_name": "species",
        "standardizer": {"mean": [5.8, 3.0, 3.7, 1.2], "scale": [0.8, 0.4, 1.7, 0.7]},
        "target_scale": None,
    }
    config.update(changes)
    return config


def iris_weights() -> dict:
    """The two tensors of a 4-3 MLP, named as glassnet names them."""
    rng = np.random.default_rng(0)
    return {"layers.0.weight": rng.normal(size=(3, 4)), "layers.0.bias": np.zeros(3)}
