"""Each activation, dropout, no hidden layer, float64 and bare nn modules: the exported graph
computes what glassnet computes."""

import numpy as np
import onnx
import pytest
from onnx_helpers import TOL, assert_same_answers, run_onnx, session, train_saved

import glassnet as gn
from glassnet import nn
from glassnet.export import _spec, _stages
from glassnet.export._export import build

ONNX_OP = {"relu": "Relu", "leaky_relu": "LeakyRelu", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def ops(path) -> list[str]:
    return [n.op_type for n in onnx.load(path).graph.node]


@pytest.mark.parametrize("activation", sorted(nn.ACTIVATIONS))
def test_each_activation_of_an_mlp_exports_to_the_same_answers(activation, tmp_path):
    saved, X_test = train_saved(tmp_path / "run", "wine", hidden=(6, 5), activation=activation)
    out = gn.export_onnx(saved, tmp_path / "m.onnx")
    assert_same_answers(saved, out, X_test)
    found = ops(out)
    assert found.count("Gemm") == 3
    if activation == "identity":  # nothing between the Gemms
        assert not set(found) & set(ONNX_OP.values())
    else:
        assert found.count(ONNX_OP[activation]) == 2


def test_one_activation_per_hidden_layer(tmp_path):
    acts = ["sigmoid", "leaky_relu", "tanh"]
    saved, X_test = train_saved(tmp_path / "run", "wine", hidden=(6, 5, 4), activation=acts)
    out = gn.export_onnx(saved, tmp_path / "m.onnx")
    found = ops(out)
    assert found[found.index("Gemm") :] == [
        "Gemm",
        "Sigmoid",
        "Gemm",
        "LeakyRelu",
        "Gemm",
        "Tanh",
        "Gemm",
        "Softmax",
        "ArgMax",
        "Gather",
    ]
    props = {p.key: p.value for p in onnx.load(out).metadata_props}
    assert props["model"] == "MLP 13-6-5-4-3 (sigmoid, leaky_relu, tanh)"
    assert_same_answers(saved, out, X_test)


def test_leaky_relu_keeps_its_slope(tmp_path):
    net = nn.Sequential(nn.Linear(3, 6, seed=1), nn.LeakyReLU(0.2), nn.Linear(6, 2, seed=2))
    out = gn.export_onnx(net, tmp_path / "m.onnx", n_features=3)
    (node,) = [n for n in onnx.load(out).graph.node if n.op_type == "LeakyRelu"]
    assert onnx.helper.get_attribute_value(node.attribute[0]) == pytest.approx(0.2)
    X = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32) * 3
    np.testing.assert_allclose(run_onnx(out, X)["output"], net(X).data, atol=TOL, rtol=0)


def test_a_bare_sequential_with_dropout_and_a_softmax_output(tmp_path):
    net = nn.Sequential(
        nn.Linear(4, 8, seed=0),
        nn.Tanh(),
        nn.Dropout(0.5, seed=0),
        nn.Linear(8, 8, seed=1),
        nn.Sigmoid(),
        nn.Identity(),
        nn.Linear(8, 3, seed=2),
        nn.Softmax(),
    )
    out = gn.export_onnx(net, tmp_path / "m.onnx", n_features=4)
    assert ops(out) == ["Gemm", "Tanh", "Gemm", "Sigmoid", "Gemm", "Softmax"]
    X = np.random.default_rng(1).standard_normal((40, 4)).astype(np.float32)
    expected = net.eval()(X).data  # dropout does nothing at inference
    got = run_onnx(out, X)["output"]
    assert got.shape == (40, 3)
    np.testing.assert_allclose(got, expected, atol=TOL, rtol=0)


def test_an_mlp_inside_a_sequential_keeps_its_parameter_names(tmp_path):
    net = nn.Sequential(nn.MLP([2, 5, 3], activation="relu", seed=0), nn.Softmax())
    out = gn.export_onnx(net, tmp_path / "m.onnx", n_features=2)
    names = [t.name for t in onnx.load(out).graph.initializer]
    assert names == [name for name, _ in net.named_parameters()]
    X = np.random.default_rng(2).standard_normal((9, 2)).astype(np.float32)
    np.testing.assert_allclose(run_onnx(out, X)["output"], net(X).data, atol=TOL, rtol=0)


def test_dropout_is_left_out_of_a_saved_model(tmp_path):
    saved, X_test = train_saved(tmp_path / "run", "iris", hidden=(8, 8), dropout=0.4)
    out = gn.export_onnx(saved, tmp_path / "m.onnx")
    assert "Dropout" not in ops(out) and ops(out).count("Gemm") == 3
    assert_same_answers(saved, out, X_test)


@pytest.mark.parametrize("data", ["iris", "sine"])
def test_a_model_with_no_hidden_layer(data, tmp_path):
    saved, X_test = train_saved(tmp_path / "run", data, hidden=(), epochs=5)
    assert saved.config["architecture"]["sizes"][1:] == [3 if data == "iris" else 1]
    out = gn.export_onnx(gn.load(tmp_path / "run"), tmp_path / "m.onnx")
    assert ops(out).count("Gemm") == 1
    assert_same_answers(saved, out, X_test)


def test_a_saved_model_without_standardisation_still_takes_raw_float64_rows(tmp_path):
    ds = gn.load_dataset("moons")
    saved = gn.save(
        tmp_path / "run",
        nn.MLP([2, 6, 2], activation="sigmoid", seed=3),
        task="classify",
        feature_names=ds.feature_names,
        label_names=ds.label_names,
    )
    out = gn.export_onnx(saved, tmp_path / "m.onnx")
    assert "Sub" not in ops(out) and ops(out)[0] == "Cast"
    assert session(out).get_inputs()[0].type == "tensor(double)"
    assert_same_answers(saved, out, ds.X[:100])


def test_a_float64_model_answers_in_float64(tmp_path):
    saved, X_test = train_saved(tmp_path / "run", "spirals", hidden=(7,), dtype="float64")
    out = gn.export_onnx(saved, tmp_path / "m.onnx")
    got = run_onnx(out, X_test)
    assert got["probabilities"].dtype == np.float64
    assert np.abs(got["probabilities"] - saved.predict_proba(X_test)).max() < 1e-12
    assert_same_answers(saved, out, X_test)


def test_integer_labels_come_out_as_int64(tmp_path):
    """The label lookup for classes that are integers (as an estimator's may be)."""
    saved, X_test = train_saved(tmp_path / "run", "iris")
    spec = _spec.from_saved(saved)
    spec.label_names = [10, 20, 30]
    path = tmp_path / "m.onnx"
    path.write_bytes(build(spec, 21, onnx).SerializeToString())
    got = run_onnx(path, X_test)["label"]
    assert got.dtype == np.int64
    index = saved.predict_proba(X_test).argmax(axis=1)
    assert got.tolist() == [[10, 20, 30][k] for k in index]
    assert _stages.label_array(["1", 2]).dtype == object  # mixed: strings
