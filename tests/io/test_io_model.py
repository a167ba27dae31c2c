import json
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest
import safetensors
import safetensors.numpy

import glassnet
from glassnet import io
from glassnet.errors import GlassnetError, ModelFileError

CONFIG = {
    "hidden": [16, 16],
    "activation": "relu",
    "labels": ["setosa", "virginica"],
    "task": "classify",
    "standardizer": {"mean": [0.1, 2.5], "scale": [1.0, 0.3]},
}


def make_state(rng):
    return {
        "layers.0.weight": rng.normal(size=(16, 4)).astype(np.float32),
        "layers.0.bias": rng.normal(size=16).astype(np.float32),
        "layers.1.weight": rng.normal(size=(3, 16)),  # float64
        "counts": rng.integers(-(2**62), 2**62, size=5),  # int64, beyond float precision
        "mask": np.array([True, False, True]),
        "half": rng.normal(size=(2, 2)).astype(np.float16),
        "bytes": np.arange(256, dtype=np.uint8),
        "scalar": np.array(3.5),
        "empty": np.zeros((0, 3), np.float32),
        "special": np.array([np.nan, -0.0, np.inf, -np.inf, 1e-45], np.float32),
    }


def assert_identical(a: dict, b: dict):
    assert list(a) == list(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert a[name].shape == b[name].shape, name
        assert a[name].tobytes() == b[name].tobytes(), name


def test_round_trip_is_bit_identical_in_order(tmp_path, rng):
    state = make_state(rng)
    written = io.save_model(tmp_path / "m.safetensors", state, CONFIG)
    assert written == tmp_path / "m.safetensors"
    loaded, config = io.load_model(written)
    assert_identical(state, loaded)
    assert config == CONFIG
    loaded["layers.0.bias"] += 1  # loaded arrays are ordinary writable arrays


def test_file_is_standard_safetensors_with_glassnet_metadata(tmp_path, rng):
    state = make_state(rng)
    path = io.save_model(tmp_path / "m.safetensors", state, CONFIG)
    with safetensors.safe_open(str(path), framework="numpy") as f:
        meta = f.metadata()
        names = sorted(f.keys())
        weight = f.get_tensor("layers.0.weight")
    assert names == sorted(state)
    np.testing.assert_array_equal(weight, state["layers.0.weight"])
    assert meta["format"] == "glassnet" and meta["kind"] == "model"
    assert meta["glassnet_version"] == glassnet.__version__
    assert meta["format_version"] == "1"
    assert json.loads(meta["config"]) == CONFIG
    assert len(meta["sha256"]) == 64
    assert path.read_bytes()[:1] != b"\x80"


def test_folder_paths(tmp_path, rng):
    state = {"w": rng.normal(size=(2, 2))}
    new_folder = tmp_path / "runs" / "iris-1"
    assert io.save_model(new_folder, state, {}) == new_folder / "model.safetensors"
    assert io.save_model(tmp_path, state, {}) == tmp_path / "model.safetensors"
    assert_identical(io.load_model(new_folder)[0], state)
    assert_identical(io.load_model(str(tmp_path))[0], state)


def test_saving_again_replaces_the_model(tmp_path):
    io.save_model(tmp_path, {"w": np.zeros(2)}, {"v": 1})
    io.save_model(tmp_path, {"w": np.ones(3)}, {"v": 2})
    state, config = io.load_model(tmp_path)
    assert state["w"].tolist() == [1, 1, 1] and config == {"v": 2}
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors"]


def saved(tmp_path, rng):
    return io.save_model(tmp_path / "m.safetensors", make_state(rng), CONFIG)


def test_tampered_weights_are_detected(tmp_path, rng):
    path = saved(tmp_path, rng)
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x01  # one bit of one weight
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="modified or corrupted after saving") as info:
        io.load_model(path)
    assert str(path) in str(info.value)


def test_tampered_config_is_detected(tmp_path, rng):
    path = saved(tmp_path, rng)
    data = path.read_bytes()
    assert b"relu" in data
    path.write_bytes(data.replace(b"relu", b"tanh"))  # same length: still valid safetensors
    with safetensors.safe_open(str(path), framework="numpy") as f:
        assert "tanh" in f.metadata()["config"]
    with pytest.raises(ModelFileError, match="SHA-256"):
        io.load_model(path)


@pytest.mark.parametrize("keep", [0, 4, 8, 30, "half", -1])
def test_truncated_files(tmp_path, rng, keep):
    path = saved(tmp_path, rng)
    data = path.read_bytes()
    cut = {"half": len(data) // 2, -1: len(data) - 1}.get(keep, keep)
    path.write_bytes(data[:cut])
    with pytest.raises(ModelFileError) as info:
        io.load_model(path)
    message = str(info.value)
    assert str(path) in message
    expected = {0: "empty", 4: "too short", 8: "too short"}.get(keep, "truncated")
    assert expected in message


def test_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(ModelFileError, match="Python pickle.*never loads pickles"):
        io.load_model(path)
    assert not marker.exists()


def test_torch_and_numpy_files_are_refused(tmp_path):
    pt = tmp_path / "model.pt"
    # PyTorch's torch.save format: a zip archive whose data.pkl is a pickle
    with zipfile.ZipFile(pt, "w") as z:
        z.writestr("model/data.pkl", pickle.dumps({"w": [0.0, 0.0]}))
        z.writestr("model/version", "3\n")
    with pytest.raises(ModelFileError, match="zip archive.*PyTorch"):
        io.load_model(pt)
    npy = tmp_path / "w.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(ModelFileError, match="NumPy .npy"):
        io.load_model(npy)
    text = tmp_path / "notes.txt"
    text.write_text("these are not the weights you are looking for\n")
    with pytest.raises(ModelFileError, match="not a safetensors file"):
        io.load_model(text)


def test_plain_safetensors_is_not_a_glassnet_model(tmp_path):
    path = tmp_path / "other.safetensors"
    safetensors.numpy.save_file({"w": np.zeros(2, np.float32)}, str(path))
    with pytest.raises(ModelFileError, match="not a glassnet model.*no glassnet metadata"):
        io.load_model(path)
    safetensors.numpy.save_file({"w": np.zeros(2)}, str(path), metadata={"format": "pt"})
    with pytest.raises(ModelFileError, match="no glassnet metadata"):
        io.load_model(path)


def test_a_checkpoint_is_not_a_model(tmp_path):
    path = io.save_checkpoint(tmp_path / "c.safetensors", {"w": np.zeros(2)}, {}, {})
    with pytest.raises(ModelFileError, match="glassnet checkpoint file, not a model"):
        io.load_model(path)
    with pytest.raises(ModelFileError, match="glassnet model file, not a checkpoint"):
        io.load_checkpoint(io.save_model(tmp_path / "m.safetensors", {}, {}))


def test_a_newer_format_is_refused(tmp_path):
    path = tmp_path / "future.safetensors"
    meta = {
        "format": "glassnet",
        "kind": "model",
        "format_version": "2",
        "glassnet_version": "9.0",
        "config": "{}",
        "order": "[]",
        "sha256": "0" * 64,
    }
    path.write_bytes(safetensors.numpy.save({}, metadata=meta))
    with pytest.raises(ModelFileError, match="glassnet 9.0 in format 2.*upgrade glassnet"):
        io.load_model(path)


def test_missing_file_and_folder_without_a_model(tmp_path):
    with pytest.raises(ModelFileError, match="no such file or folder") as info:
        io.load_model(tmp_path / "nothing")
    assert isinstance(info.value, GlassnetError) and isinstance(info.value, OSError)
    with pytest.raises(ModelFileError, match="the folder holds no model.safetensors"):
        io.load_model(tmp_path)


@pytest.mark.parametrize(
    "state, config, fragment",
    [
        ({"w": np.zeros(2, complex)}, {}, "'w'"),
        ({"w": np.array(["a"])}, {}, "dtype <U1 is not supported"),
        ({"w": np.array([object()])}, {}, "dtype object"),
        ({3: np.zeros(2)}, {}, "tensor name 3"),
        ([np.zeros(2)], {}, "state must be a dict"),
        ({}, {"labels": {"a", "b"}}, "config is not JSON"),
        ({}, {"lr": float("nan")}, "config is not JSON"),
        ({}, ["not", "a", "dict"], "config must be a dict"),
    ],
)
def test_save_errors(tmp_path, state, config, fragment):
    with pytest.raises(ModelFileError) as info:
        io.save_model(tmp_path / "m.safetensors", state, config)
    assert fragment in str(info.value)
    assert not (tmp_path / "m.safetensors").exists()


def failing_writer(fh, data):
    fh.write(data[: len(data) // 2])
    raise RuntimeError("disk full")


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_failed_save_leaves_the_previous_model_whole(tmp_path, rng, monkeypatch, error):
    old_state = make_state(rng)
    io.save_model(tmp_path, old_state, {"version": "old"})
    before = (tmp_path / "model.safetensors").read_bytes()

    def writer(fh, data):
        fh.write(data[: len(data) // 2])
        raise error("interrupted mid-write")

    monkeypatch.setattr(io.files, "_write_all", writer)
    with pytest.raises(error):
        io.save_model(tmp_path, {"w": np.ones(1000)}, {"version": "new"})
    assert sorted(os.listdir(tmp_path)) == ["model.safetensors"]  # no temporary file left
    assert (tmp_path / "model.safetensors").read_bytes() == before
    state, config = io.load_model(tmp_path)
    assert config == {"version": "old"}
    assert_identical(state, old_state)


def test_a_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(io.files, "_write_all", failing_writer)
    with pytest.raises(RuntimeError, match="disk full"):
        io.save_model(tmp_path / "out", {"w": np.ones(3)}, {})
    assert os.listdir(tmp_path / "out") == []


def test_check_state_names_every_problem():
    state = {"a.weight": np.zeros((16, 5)), "a.bias": np.zeros(16), "extra": np.zeros(2)}
    expected = {"a.weight": (16, 4), "a.bias": (16,), "b.weight": [3, 16]}
    with pytest.raises(ModelFileError) as info:
        io.model.check_state(state, expected, source="run/model.safetensors")
    message = str(info.value)
    assert message.startswith("run/model.safetensors: the weights do not match")
    assert "missing 'b.weight' (expected shape (3, 16))" in message
    assert "unexpected 'extra' of shape (2,)" in message
    assert "'a.weight' has shape (16, 5), expected (16, 4)" in message
    assert "a.bias" not in message
    assert "\n" not in message


def test_check_state_accepts_a_match():
    state = {"w": np.zeros((2, 3)), "b": np.zeros(2)}
    assert io.model.check_state(state, {"b": (2,), "w": (2, 3)}) is None


def test_read_header_describes_without_loading(tmp_path, rng):
    path = saved(tmp_path, rng)
    info = io.model.read_header(path)
    assert info["kind"] == "model" and info["config"] == CONFIG
    assert info["tensors"]["layers.0.weight"] == {"dtype": "F32", "shape": [16, 4]}
    assert info["glassnet_version"] == glassnet.__version__
    io.save_checkpoint(tmp_path / "ck", {"w": np.zeros(2)}, {}, {})
    assert io.model.read_header(tmp_path / "ck")["kind"] == "checkpoint"


def test_header_length_is_little_endian_u64(tmp_path):
    path = io.save_model(tmp_path, {"w": np.zeros(2)}, {})
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    assert header["w"]["dtype"] == "F64" and header["__metadata__"]["kind"] == "model"


def test_atomic_text_and_bytes(tmp_path, monkeypatch):
    path = io.files.atomic_write_text(tmp_path / "deep" / "metrics.json", '{"acc": 0.9}\n')
    assert path.read_text() == '{"acc": 0.9}\n'
    assert io.files.atomic_write_bytes(path, b"\x00\x01").read_bytes() == b"\x00\x01"
    monkeypatch.setattr(io.files, "_write_all", failing_writer)
    with pytest.raises(RuntimeError):
        io.files.atomic_write_text(path, "new text that never lands")
    assert path.read_bytes() == b"\x00\x01"
    assert os.listdir(path.parent) == ["metrics.json"]


def test_rewriting_keeps_the_file_mode(tmp_path):
    path = io.files.atomic_write_text(tmp_path / "history.csv", "a\n")
    os.chmod(path, 0o640)
    io.files.atomic_write_text(path, "b\n")
    assert path.stat().st_mode & 0o777 == 0o640


_WRITE_IN_A_NEW_PROCESS = """
import sys, numpy as np
from glassnet import io
rng = np.random.default_rng(0)
state = {"w": rng.normal(size=(3, 4)).astype(np.float32), "b": np.arange(3.0)}
io.save_model(sys.argv[1], state, {"labels": ["a", "b"], "sizes": [4, 3]})
io.save_checkpoint(sys.argv[2], state, {"state": {0: {"step": 2}}}, {"epoch": 4})
"""


def test_the_same_contents_are_written_as_the_same_bytes_by_every_process(tmp_path):
    import subprocess
    import sys

    files = []
    for run, hash_seed in enumerate(["1", "2", "3"]):
        model, ckpt = tmp_path / f"m{run}.safetensors", tmp_path / f"c{run}.safetensors"
        subprocess.run(
            [sys.executable, "-c", _WRITE_IN_A_NEW_PROCESS, model, ckpt],
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            timeout=60,
        )
        files.append((model.read_bytes(), ckpt.read_bytes()))
    assert files[0] == files[1] == files[2]
    for data in files[0]:
        size = struct.unpack("<Q", data[:8])[0]
        assert size % 8 == 0  # the header stays padded as safetensors pads it
        meta = json.loads(data[8 : 8 + size])["__metadata__"]
        assert list(meta) == sorted(meta)
    with safetensors.safe_open(tmp_path / "m0.safetensors", "np") as f:  # the library reads it
        assert json.loads(f.metadata()["config"])["sizes"] == [4, 3]
        np.testing.assert_array_equal(f.get_tensor("b"), np.arange(3.0))


def test_a_suffix_in_capitals_still_names_a_file(tmp_path):
    path = io.save_model(tmp_path / "x.SAFETENSORS", {"w": np.zeros(2)}, {})
    assert path == tmp_path / "x.SAFETENSORS" and path.is_file()
    assert io.load_model(path)[0]["w"].tolist() == [0, 0]


@pytest.mark.parametrize("umask", [0o027, 0o002, 0o077])
def test_a_new_file_gets_the_mode_the_umask_allows(tmp_path, umask):
    old = os.umask(umask)
    try:
        path = io.files.atomic_write_text(tmp_path / f"new-{umask:o}.json", "{}\n")
        expected = tmp_path / "plain"
        expected.write_text("{}\n")  # what a plain open() gives
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == expected.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_write_error_names_the_file_asked_for(tmp_path, monkeypatch):
    import errno

    real_open = os.open

    def read_only(name, *args, **kwargs):
        if str(name).endswith(".tmp"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(name))
        return real_open(name, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    target = tmp_path / "m.json"
    with pytest.raises(OSError) as info:
        io.files.atomic_write_text(target, "{}")
    assert info.value.errno == errno.EROFS
    assert info.value.filename == str(target)
    assert ".tmp" not in str(info.value) and str(target) in str(info.value)
    assert os.listdir(tmp_path) == []


def _raw_file(path, header, payload=b""):
    """A file laid out as safetensors, with any header at all."""
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + payload)
    return path


_GOOD_META = {
    "format": "glassnet",
    "kind": "model",
    "format_version": "1",
    "glassnet_version": "0",
    "config": "{}",
    "order": "[]",
    "sha256": "0" * 64,
}


@pytest.mark.parametrize(
    "meta, entry",
    [
        (["format", "glassnet"], "__metadata__"),
        ("glassnet", "__metadata__"),
        (7, "__metadata__"),
        ({**_GOOD_META, "format_version": None}, "'format_version'"),
        ({**_GOOD_META, "format_version": [1]}, "'format_version'"),
        ({k: v for k, v in _GOOD_META.items() if k != "format_version"}, "no format_version"),
        ({**_GOOD_META, "config": {"a": 1}}, "'config'"),
        ({k: v for k, v in _GOOD_META.items() if k != "kind"}, "no 'kind' entry"),
        ({**_GOOD_META, "kind": "weights"}, "kind 'weights'"),
    ],
)
def test_a_malformed_metadata_entry_is_named(tmp_path, meta, entry):
    path = _raw_file(tmp_path / "m.safetensors", {"__metadata__": meta})
    for read in (io.load_model, io.model.read_header):
        with pytest.raises(ModelFileError) as info:
            read(path)
        message = str(info.value)
        assert message.startswith(f"{path}: ") and entry in message
        assert "None file" not in message


@pytest.mark.parametrize("order", ["5", '{"w": 0}', "[1]", '["w", "w"]', "null"])
def test_an_order_entry_that_is_not_the_list_of_tensors_is_named(tmp_path, order):
    path = tmp_path / "m.safetensors"
    io._format._write(path, {"w": np.zeros(2)}, {"kind": "model", "config": "{}", "order": order})
    with pytest.raises(ModelFileError, match="'order' entry") as info:
        io.load_model(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("config", ["5", "[1, 2]", '"text"'])
def test_a_config_entry_that_is_not_an_object_is_named(tmp_path, config):
    path = tmp_path / "m.safetensors"
    io._format._write(path, {}, {"kind": "model", "config": config, "order": "[]"})
    with pytest.raises(ModelFileError, match=f"{path}: the 'config' entry .* not an object"):
        io.load_model(path)


def test_a_checkpoint_tree_that_is_not_an_object_is_named(tmp_path):
    path = tmp_path / "c.safetensors"
    io._format._write(path, {}, {"kind": "checkpoint", "tree": "[1]"})
    with pytest.raises(ModelFileError, match=f"{path}: the 'tree' entry .* not an object"):
        io.load_checkpoint(path)


@pytest.mark.parametrize(
    "entry",
    [
        {"dtype": "F64", "shape": [2]},
        [0, 16],
        "w",
        {"dtype": "F64", "shape": [2], "data_offsets": "0-16"},
    ],
)
def test_a_corrupt_tensor_entry_is_named(tmp_path, entry):
    path = _raw_file(
        tmp_path / "m.safetensors", {"__metadata__": _GOOD_META, "w": entry}, bytes(16)
    )
    with pytest.raises(ModelFileError, match=f"{path}: .*tensor 'w'"):
        io.load_model(path)


@pytest.mark.parametrize("length", [2**40, 2**64 - 1, "plus 8", "minus 8"])
def test_a_corrupted_header_length_is_not_called_truncation(tmp_path, length):
    path = io.save_model(tmp_path / "m.safetensors", {"w": np.arange(4.0)}, {})
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    new = {"plus 8": size + 8, "minus 8": size - 8}.get(length, length)
    path.write_bytes(struct.pack("<Q", new) + data[8:])
    with pytest.raises(ModelFileError) as info:
        io.load_model(path)
    message = str(info.value)
    assert message.startswith(f"{path}: the header length") and str(new) in message
    assert "truncated" not in message and "cut short" not in message


def test_check_state_compares_dtypes_and_refuses_non_finite_weights():
    state = {"w": np.zeros((2, 2)), "n": np.arange(2), "b": np.array([0.0, np.nan], np.float32)}
    shapes = {"w": (2, 2), "n": (2,), "b": (2,)}
    dtypes = {"w": np.float32, "n": np.float32, "b": np.float32}
    with pytest.raises(ModelFileError) as info:
        io.model.check_state(state, shapes, source="m.safetensors", dtypes=dtypes)
    message = str(info.value)
    assert "'w' has dtype float64, expected float32" in message
    assert "'n' has dtype int64, expected float32" in message
    assert "'b'" not in message
    with pytest.raises(ModelFileError, match=r"^m.safetensors: the weights 'b' hold 1 NaN"):
        io.model.check_state(state, shapes, source="m.safetensors")
    io.model.check_state(state, shapes, finite=False)  # asked not to look at the values
