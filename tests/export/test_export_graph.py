"""The exported file itself: valid ONNX, readable names, metadata, a dynamic batch, and
every opset offered."""

import json

import numpy as np
import onnx
import pytest
from onnx_helpers import assert_same_answers, run_onnx, session, train_saved

import glassnet as gn
from glassnet.export import MIN_OPSET, signature


@pytest.fixture(scope="module")
def iris(tmp_path_factory):
    folder = tmp_path_factory.mktemp("iris")
    saved, X_test = train_saved(folder / "run", "iris", hidden=(6, 5), activation="relu")
    return saved, X_test, gn.export_onnx(saved, folder / "iris.onnx")


def test_the_file_passes_the_full_onnx_check_with_opset_21(iris):
    _, _, path = iris
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 21)]
    assert model.ir_version == 10  # the IR version of opset 21, which onnxruntime reads
    assert model.producer_name == "glassnet"


def test_nodes_and_constants_carry_the_modules_names(iris):
    saved, _, path = iris
    graph = onnx.load(path).graph
    nodes = {n.name: n.op_type for n in graph.node}
    assert nodes["layers.0"] == "Gemm" and nodes["layers.2"] == "Gemm"
    assert nodes["hidden1/relu"] == "Relu" and nodes["hidden2/relu"] == "Relu"
    assert nodes["standardize/sub"] == "Sub" and nodes["standardize/div"] == "Div"
    assert nodes["output/argmax"] == "ArgMax" and nodes["output/label"] == "Gather"
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    for name, value in saved.model.state_dict().items():
        assert np.array_equal(weights[name], value), name  # the same numbers, bit for bit
    assert weights["label_names"].tolist() == saved.label_names
    np.testing.assert_array_equal(weights["standardize.mean"], saved.standardizer.mean_)


def test_metadata_names_the_version_task_features_and_labels(iris):
    saved, _, path = iris
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert props["glassnet_version"] == gn.__version__
    assert props["task"] == "classify"
    assert json.loads(props["feature_names"]) == saved.feature_names
    assert json.loads(props["label_names"]) == ["setosa", "versicolor", "virginica"]


def test_the_signature_as_onnxruntime_sees_it(iris):
    saved, _, path = iris
    sess = session(path)
    (inp,) = sess.get_inputs()
    assert (inp.name, inp.type, inp.shape) == ("features", "tensor(double)", ["N", 4])
    outs = {o.name: (o.type, o.shape) for o in sess.get_outputs()}
    assert outs == {
        "label": ("tensor(string)", ["N"]),
        "probabilities": ("tensor(float)", ["N", 3]),
    }
    text = signature(path)
    assert "features  float64  (N, 4)  " + ", ".join(saved.feature_names) in text
    assert "probabilities  float32  (N, 3)  setosa, versicolor, virginica" in text


@pytest.mark.parametrize("n", [1, 2, 29])
def test_the_batch_dimension_is_dynamic(iris, n):
    saved, X_test, path = iris
    got = run_onnx(path, X_test[:n])
    assert got["label"].shape == (n,) and got["probabilities"].shape == (n, 3)
    assert_same_answers(saved, path, X_test[:n])


def test_every_opset_from_13_to_the_newest_gives_the_same_answers(iris, tmp_path):
    saved, X_test, _ = iris
    newest = onnx.defs.onnx_opset_version()
    for opset in range(MIN_OPSET, newest + 1):
        path = gn.export_onnx(saved, tmp_path / f"{opset}.onnx", opset=opset)
        assert onnx.load(path).opset_import[0].version == opset
        assert_same_answers(saved, path, X_test)


def test_a_regressor_outputs_float64_predictions_in_the_targets_units(tmp_path):
    saved, X_test = train_saved(tmp_path / "run", "sine", hidden=(6,))
    path = gn.export_onnx(saved, tmp_path / "sine.onnx")
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert props["task"] == "regress" and props["target_name"] == "y"
    got = run_onnx(path, X_test)["prediction"]
    assert got.dtype == np.float64 and got.shape == (len(X_test),)
    assert_same_answers(saved, path, X_test)


def test_the_signature_of_a_file_that_is_not_onnx_is_a_one_line_error(tmp_path):
    bad = tmp_path / "m.onnx"
    bad.write_bytes(b"\xff\x00 not a protobuf")
    with pytest.raises(gn.errors.ModelFileError, match="m.onnx: not an ONNX model") as info:
        signature(bad)
    assert "\n" not in str(info.value)


def test_to_onnx_returns_the_graph_that_export_onnx_writes(iris):
    saved, _, path = iris
    proto = gn.export.to_onnx(saved)
    assert proto.SerializeToString() == path.read_bytes()
