import math
import os

import numpy as np
import pytest

from glassnet import io
from glassnet.data import DataLoader, Standardizer, load_dataset
from glassnet.errors import ModelFileError


def assert_same(a, b, where="root"):
    """Recursive equality that also demands the same types, dtypes and bits."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert type(k) is type(next(kb for kb in b if kb == k)), f"{where}: key {k!r}"
            assert_same(a[k], b[k], f"{where}/{k!r}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}/{i}")
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert a.tobytes() == b.tobytes(), where
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, where
        if isinstance(a, float):
            assert math.copysign(1, a) == math.copysign(1, b), where


def optimizer_state(rng):
    return {
        "state": {
            0: {
                "exp_avg": rng.normal(size=(3, 4)).astype(np.float32),
                "exp_avg_sq": rng.random((3, 4)).astype(np.float32),
                "step": 12,
            },
            1: {"exp_avg": rng.normal(size=3), "step": np.int64(12), "momentum_buffer": None},
        },
        "param_groups": [
            {
                "lr": 0.001,
                "betas": (0.9, 0.999),
                "eps": 1e-8,
                "weight_decay": 0.0,
                "amsgrad": False,
                "params": [0, 1],
                "lr_scale": np.float32(0.1),
            }
        ],
    }


def test_round_trip_is_exact(tmp_path, rng):
    model = {
        "fc.weight": rng.normal(size=(3, 4)).astype(np.float32),
        "fc.bias": np.zeros(3, np.float32),
    }
    opt = optimizer_state(rng)
    extra = {
        "epoch": 7,
        "best": {"epoch": 5, "val_loss": 0.123456789012345, "weights": {"w": np.eye(2)}},
        "history": {"loss": [1.5, 0.75, float("nan"), -0.0], "acc": [0.3, 0.9]},
        "rng": np.random.default_rng(2024).bit_generator.state,  # 128-bit integers
        "big": 2**200,
        "neg": -(2**70),
        "inf": float("inf"),
        "none": None,
        "flag": True,
        "name": "iris ü",
        "shape": (3, 4),
        "nested": [[1, (2, 3)], {"k": [np.int8(-5)]}],
        "counts": np.array([1, 2], np.int64),
        "u32": np.arange(3, dtype=np.uint32),
    }
    path = io.save_checkpoint(tmp_path / "ck.safetensors", model, opt, extra)
    loaded = io.load_checkpoint(path)
    assert_same(loaded["model"], model)
    assert_same(loaded["optimizer"], opt)
    assert_same(loaded["extra"], extra)
    assert type(loaded["optimizer"]["state"][0]["step"]) is int
    assert isinstance(loaded["optimizer"]["state"][1]["step"], np.int64)
    assert sorted(loaded) == ["extra", "glassnet_version", "model", "optimizer"]


def test_awkward_keys_survive(tmp_path):
    extra = {
        1: np.zeros(1),
        "1": np.ones(1),
        "a/b": np.full(1, 2.0),
        "a": {"b": np.full(1, 3.0)},
        "__tensor__": "not a marker",
        "__dict__": [1],
    }
    loaded = io.load_checkpoint(io.save_checkpoint(tmp_path, {}, {}, extra))["extra"]
    assert_same(loaded, extra)


def test_random_generators_resume_their_streams(tmp_path):
    pcg = np.random.default_rng(1)
    mt = np.random.Generator(np.random.MT19937(2))  # its state holds a uint32 array
    pcg.normal(size=5)
    mt.normal(size=5)
    extra = {"pcg": pcg.bit_generator.state, "mt": mt.bit_generator.state}
    loaded = io.load_checkpoint(io.save_checkpoint(tmp_path, {}, {}, extra))["extra"]
    pcg2 = np.random.default_rng(99)
    pcg2.bit_generator.state = loaded["pcg"]
    mt2 = np.random.Generator(np.random.MT19937(99))
    mt2.bit_generator.state = loaded["mt"]
    assert pcg2.normal(size=10).tobytes() == pcg.normal(size=10).tobytes()
    assert mt2.normal(size=10).tobytes() == mt.normal(size=10).tobytes()


def test_tensor_names_are_readable(tmp_path, rng):
    path = io.save_checkpoint(tmp_path, {"fc.weight": np.zeros(2)}, optimizer_state(rng), {})
    names = io.model.read_header(path)["tensors"]
    assert "model/fc.weight" in names
    assert "optimizer/state/0/exp_avg" in names


@pytest.mark.parametrize(
    "optimizer, extra, fragment",
    [
        ({}, {"seen": {1, 2}}, "'extra/seen': a set is not supported"),
        ({"state": {(0, 1): 1.0}}, {}, "'optimizer/state': dict key (0, 1)"),
        ({}, {"z": np.array([1j])}, "complex128 is not supported"),
        ({}, {"f": open}, "builtin_function_or_method"),
    ],
)
def test_unsupported_values_are_named(tmp_path, optimizer, extra, fragment):
    with pytest.raises(ModelFileError) as info:
        io.save_checkpoint(tmp_path, {}, optimizer, extra)
    assert fragment in str(info.value)
    assert os.listdir(tmp_path) == []


def test_tampered_and_truncated_checkpoints(tmp_path, rng):
    path = io.save_checkpoint(tmp_path, {"w": rng.normal(size=50)}, optimizer_state(rng), {})
    data = path.read_bytes()
    path.write_bytes(data[:-10])
    with pytest.raises(ModelFileError, match="truncated"):
        io.load_checkpoint(tmp_path)
    flipped = bytearray(data)
    flipped[-3] ^= 0x80
    path.write_bytes(bytes(flipped))
    with pytest.raises(ModelFileError, match="modified or corrupted"):
        io.load_checkpoint(path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelFileError, match="holds no checkpoint.safetensors"):
        io.load_checkpoint(tmp_path / "empty")


def test_a_failed_checkpoint_save_keeps_the_last_good_one(tmp_path, monkeypatch):
    io.save_checkpoint(tmp_path, {"w": np.zeros(3)}, {}, {"epoch": 4})

    def writer(fh, data):
        fh.write(data[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(io.files, "_write_all", writer)
    with pytest.raises(KeyboardInterrupt):
        io.save_checkpoint(tmp_path, {"w": np.ones(3)}, {}, {"epoch": 5})
    assert os.listdir(tmp_path) == ["checkpoint.safetensors"]
    assert io.load_checkpoint(tmp_path)["extra"] == {"epoch": 4}


# --- resuming a training run from a checkpoint is bit-identical ------------------------------


def softmax_grads(W, b, X, y):
    """Cross-entropy gradients of a softmax regression, by hand (N, D) @ (D, K) -> (N, K)."""
    z = X @ W + b
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1.0
    return {"W": X.T @ p / len(y), "b": p.mean(axis=0)}


def adam_step(params, grads, opt):
    group = opt["param_groups"][0]
    b1, b2 = group["betas"]
    for k, name in enumerate(params):
        s = opt["state"].setdefault(
            k,
            {
                "step": 0,
                "exp_avg": np.zeros_like(params[name]),
                "exp_avg_sq": np.zeros_like(params[name]),
            },
        )
        s["step"] += 1
        s["exp_avg"] = b1 * s["exp_avg"] + (1 - b1) * grads[name]
        s["exp_avg_sq"] = b2 * s["exp_avg_sq"] + (1 - b2) * grads[name] ** 2
        m_hat = s["exp_avg"] / (1 - b1 ** s["step"])
        v_hat = s["exp_avg_sq"] / (1 - b2 ** s["step"])
        params[name] = params[name] - group["lr"] * m_hat / (np.sqrt(v_hat) + group["eps"])


def run_epochs(params, opt, loader, noise_rng, history, epochs):
    for _ in range(epochs):
        for xb, yb in loader:
            xb = xb + 0.01 * noise_rng.standard_normal(xb.shape).astype(np.float32)  # jitter
            adam_step(params, softmax_grads(params["W"], params["b"], xb, yb), opt)
        history.append(float(np.abs(params["W"]).sum()))


def fresh_run():
    ds = load_dataset("iris")
    X = Standardizer().fit(ds.X).transform(ds.X)
    params = {"W": np.zeros((4, 3), np.float32), "b": np.zeros(3, np.float32)}
    opt = {"state": {}, "param_groups": [{"lr": 0.05, "betas": (0.9, 0.999), "eps": 1e-8}]}
    loader = DataLoader(X, ds.y, batch_size=16, seed=7)
    return params, opt, loader, np.random.default_rng(11), []


def test_resumed_training_is_bit_identical_to_an_uninterrupted_run(tmp_path):
    params, opt, loader, noise_rng, history = fresh_run()
    run_epochs(params, opt, loader, noise_rng, history, 6)

    params2, opt2, loader2, noise_rng2, history2 = fresh_run()
    run_epochs(params2, opt2, loader2, noise_rng2, history2, 3)
    extra = {
        "epoch": 3,
        "loader": loader2.state_dict(),
        "noise": noise_rng2.bit_generator.state,
        "history": history2,
    }
    io.save_checkpoint(tmp_path / "run", params2, opt2, extra)
    del params2, opt2, loader2, noise_rng2, history2

    params3, _, loader3, noise_rng3, _ = fresh_run()
    ckpt = io.load_checkpoint(tmp_path / "run")
    params3, opt3 = ckpt["model"], ckpt["optimizer"]
    loader3.load_state_dict(ckpt["extra"]["loader"])
    noise_rng3.bit_generator.state = ckpt["extra"]["noise"]
    history3 = ckpt["extra"]["history"]
    run_epochs(params3, opt3, loader3, noise_rng3, history3, 6 - ckpt["extra"]["epoch"])

    assert params3["W"].tobytes() == params["W"].tobytes()
    assert params3["b"].tobytes() == params["b"].tobytes()
    assert history3 == history
    assert_same(opt3, opt)
    assert history[-1] != history[2]  # training really moved after the checkpoint
